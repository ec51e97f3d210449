package sts

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// FuzzFormToJSON feeds arbitrary form bodies to the awsQuery parser for
// every STS operation: no input may panic; the result is valid JSON or an
// *awsproto.Error.
func FuzzFormToJSON(f *testing.F) {
	svc, err := model.Load(modelName)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900",
		"Tags.member.1.Key=a&Tags.member.1.Value=b&PolicyArns.member.1.arn=x",
		"TransitiveTagKeys.member.1=a&TransitiveTagKeys.member.00=b",
		"DurationSeconds=1e3&ProvidedContexts.member.1.ProviderArn=p",
	} {
		f.Add(uint8(0), seed)
		f.Add(uint8(5), seed)
	}
	f.Fuzz(func(t *testing.T, opIndex uint8, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		op := &svc.Operations[int(opIndex)%len(svc.Operations)]
		if op.Input < 0 {
			return
		}
		out, err := formToJSON(svc, op.Input, form)
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
		if _, err := appendXMLResponse(nil, xmlns, op.Name, "id", out); err != nil {
			t.Fatalf("xml of %s: %v", out, err)
		}
	})
}
