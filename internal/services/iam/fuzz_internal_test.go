package iam

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

func TestFormToJSON(t *testing.T) {
	t.Parallel()
	svc, err := model.Load(modelName)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		op, form, want string
	}{
		{"CreateRole", "RoleName=r&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=7200",
			`{"RoleName":"r","AssumeRolePolicyDocument":"{}","MaxSessionDuration":7200}`},
		{"CreateRole", "RoleName=r&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.10.Key=c",
			`{"RoleName":"r","Tags":[{"Key":"a"},{"Key":"b","Value":"2"},{"Key":"c"}]}`},
		{"UntagRole", "RoleName=r&TagKeys.member.1=x&TagKeys.member.2=y&TagKeys.member.x=z&TagKeys.member.0=w",
			`{"RoleName":"r","TagKeys":["x","y"]}`},
		{"UntagRole", "RoleName=r&TagKeys=", `{"RoleName":"r","TagKeys":[]}`},
		{"ListPolicies", "OnlyAttached=TRUE&Scope=Local", `{"Scope":"Local","OnlyAttached":true}`},
		{"GetRole", "RoleName=%22q%22%0A", `{"RoleName":"\"q\"\u000a"}`},
	}
	for _, tt := range tests {
		op, _ := svc.Operation(tt.op)
		form, _ := url.ParseQuery(tt.form)
		got, err := formToJSON(svc, op.Input, form)
		if err != nil {
			t.Errorf("%s %s: %v", tt.op, tt.form, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tt.op, tt.form, got, tt.want)
		}
	}
	for _, bad := range []string{"MaxItems=x", "MaxItems=1.5"} {
		op, _ := svc.Operation("ListRoles")
		form, _ := url.ParseQuery(bad)
		if _, err := formToJSON(svc, op.Input, form); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	for _, bad := range []string{"OnlyAttached=yes"} {
		op, _ := svc.Operation("ListPolicies")
		form, _ := url.ParseQuery(bad)
		if _, err := formToJSON(svc, op.Input, form); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestJSONToXML(t *testing.T) {
	t.Parallel()
	got, err := jsonToXML(nil, []byte(`{"A":"<x>","L":[{"K":1},{"K":true}],"E":[],"N":null,"O":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `<A>&lt;x&gt;</A><L><member><K>1</K></member><member><K>true</K></member></L><E></E><O></O>`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// FuzzFormToJSON feeds arbitrary form bodies to the awsQuery parser for
// every IAM operation: no input may panic; the result is valid JSON, or an
// *awsproto.Error; the XML of any JSON result is well-formed.
func FuzzFormToJSON(f *testing.F) {
	svc, err := model.Load(modelName)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D",
		"Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.2.Key=c",
		"TagKeys.member.1=a&TagKeys.member.99999999999999999999=b&TagKeys.member.-1=c",
		"MaxItems=10&Marker=abc&OnlyAttached=true",
		"PolicyInputList.member.1=x&ContextEntries.member.1.ContextKeyValues.member.1=y",
		"a=%ff%fe&b=\x00",
		"Tags=&Tags.member.=x&Tags.member.1.=y",
	} {
		for i := range 3 {
			f.Add(uint16(i*37), seed)
		}
	}
	f.Fuzz(func(t *testing.T, opIndex uint16, body string) {
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
		_ = awsproto.Validate(modelName, op.Name, out)
		x, err := appendXMLResponse(nil, xmlns, op.Name, "id", out)
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
