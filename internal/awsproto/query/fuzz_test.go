package query

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// fuzzServices are the awsQuery services FuzzFormToJSON draws operations
// from, with the seeds that reach their shapes.
var fuzzServices = []struct {
	name, xmlns string
	seeds       []string
	ops         []uint16 // operation indexes each seed is added with
}{
	{"iam", "https://iam.amazonaws.com/doc/2010-05-08/", []string{
		"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D",
		"Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.2.Key=c",
		"TagKeys.member.1=a&TagKeys.member.99999999999999999999=b&TagKeys.member.-1=c",
		"MaxItems=10&Marker=abc&OnlyAttached=true",
		"PolicyInputList.member.1=x&ContextEntries.member.1.ContextKeyValues.member.1=y",
		"a=%ff%fe&b=\x00",
		"Tags=&Tags.member.=x&Tags.member.1.=y",
	}, []uint16{0, 37, 74}},
	{"sts", "https://sts.amazonaws.com/doc/2011-06-15/", []string{
		"RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900",
		"Tags.member.1.Key=a&Tags.member.1.Value=b&PolicyArns.member.1.arn=x",
		"TransitiveTagKeys.member.1=a&TransitiveTagKeys.member.00=b",
		"DurationSeconds=1e3&ProvidedContexts.member.1.ProviderArn=p",
	}, []uint16{0, 5}},
	{"ses", "http://ses.amazonaws.com/doc/2010-12-01/", []string{
		"Action=SendEmail&Source=a%40b.com&Destination.ToAddresses.member.1=c%40d.com&Message.Subject.Data=hi&Message.Body.Text.Data=x",
		"Action=ListIdentities&MaxItems=10&IdentityType=Domain&NextToken=abc",
		"Action=ListIdentities&MaxItems=ten",
		"Action=SendRawEmail&RawMessage.Data=SGVsbG8%3D&Destinations.member.2=x&Destinations.member.1=y",
		"Destination.ToAddresses=&Tags.member.1.Name=a&Tags.member.1.Value=b&Tags.member.10.Name=z",
		"Destination.ToAddresses.member.0=x&Destination.ToAddresses.member.-1=y&Destination.ToAddresses.member.x=z",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s=1&.=2&..=3&Message.=4",
		"SetIdentityNotificationTopic&Identity=x&Enabled=maybe",
		"Message.Body.Text.Data=%ff%fe",
	}, []uint16{0, 40, 80}},
}

// FuzzFormToJSON feeds arbitrary form bodies to the awsQuery parser for
// every operation of every awsQuery service: no input may panic; the
// result is valid JSON, or an *awsproto.Error (from DecodeForm, a
// *ValueError); the XML of any JSON result is well-formed.
func FuzzFormToJSON(f *testing.F) {
	svcs := make([]*model.Service, len(fuzzServices))
	for i, fs := range fuzzServices {
		svc, err := model.Load(fs.name)
		if err != nil {
			f.Fatal(err)
		}
		svcs[i] = svc
		for _, seed := range fs.seeds {
			for _, op := range fs.ops {
				f.Add(uint8(i), op, seed)
			}
		}
	}
	f.Fuzz(func(t *testing.T, svcIndex uint8, opIndex uint16, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		i := int(svcIndex) % len(svcs)
		svc, fs := svcs[i], fuzzServices[i]
		op := &svc.Operations[int(opIndex)%len(svc.Operations)]
		if op.Input < 0 {
			return
		}
		if _, err := DecodeForm(svc, op.Input, form); err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("DecodeForm: %v is not a *ValueError", err)
			}
		}
		out, err := FormToJSON(svc, op.Input, form)
		if err != nil {
			var e *awsproto.Error
			if !errors.As(err, &e) {
				t.Fatalf("non-API error %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q from %q", out, body)
		}
		_ = awsproto.Validate(fs.name, op.Name, out)
		x, err := AppendXMLResponse(nil, fs.xmlns, op.Name, "id", out)
		if err != nil {
			t.Fatalf("xml of %s: %v", out, err)
		}
		d := xml.NewDecoder(bytes.NewReader(x))
		for {
			if _, err := d.Token(); err != nil {
				if err != io.EOF {
					t.Fatalf("malformed XML %s: %v", x, err)
				}
				break
			}
		}
	})
}
