package query

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto/model"
)

func TestFormToJSONAndBack(t *testing.T) {
	t.Parallel()
	svc, err := model.Load("iam")
	if err != nil {
		t.Fatal(err)
	}
	op, ok := svc.Operation("CreateRole")
	if !ok {
		t.Fatal("no CreateRole")
	}
	form, _ := url.ParseQuery("RoleName=r&AssumeRolePolicyDocument=%7B%7D&Tags.member.1.Key=k&Tags.member.1.Value=v&MaxSessionDuration=3600")
	got, err := FormToJSON(svc, op.Input, form)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"RoleName":"r"`, `"Tags":[{"Key":"k","Value":"v"}]`, `"MaxSessionDuration":3600`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("FormToJSON = %s, lacks %s", got, want)
		}
	}
	if _, err := FormToJSON(svc, op.Input, url.Values{"MaxSessionDuration": {"soon"}}); err == nil {
		t.Error("a non-number MaxSessionDuration was accepted")
	}
	x, err := AppendXMLResponse(nil, "https://iam.amazonaws.com/doc/2010-05-08/", "CreateRole", "req-1", []byte(`{"Role":{"RoleName":"r<&>"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<CreateRoleResponse", "<CreateRoleResult>", "<RoleName>r&lt;&amp;&gt;</RoleName>", "<RequestId>req-1</RequestId>"} {
		if !strings.Contains(string(x), want) {
			t.Errorf("XML lacks %s:\n%s", want, x)
		}
	}
}

func TestFormToJSON(t *testing.T) {
	t.Parallel()
	svc, err := model.Load("iam")
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
		got, err := FormToJSON(svc, op.Input, form)
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
		if _, err := FormToJSON(svc, op.Input, form); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	for _, bad := range []string{"OnlyAttached=yes"} {
		op, _ := svc.Operation("ListPolicies")
		form, _ := url.ParseQuery(bad)
		if _, err := FormToJSON(svc, op.Input, form); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestDecodeFormValueError(t *testing.T) {
	t.Parallel()
	svc, err := model.Load("iam")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		op, form string
		want     ValueError
	}{
		{"ListRoles", "MaxItems=ten", ValueError{Key: "MaxItems", Path: "maxItems", Value: "ten", Want: "an integer"}},
		{"ListPolicies", "OnlyAttached=yes", ValueError{Key: "OnlyAttached", Path: "onlyAttached", Value: "yes", Want: "true or false"}},
	}
	for _, tt := range tests {
		op, _ := svc.Operation(tt.op)
		form, _ := url.ParseQuery(tt.form)
		_, err := DecodeForm(svc, op.Input, form)
		var ve *ValueError
		if !errors.As(err, &ve) || *ve != tt.want {
			t.Errorf("DecodeForm(%s) = %v, want %+v", tt.form, err, tt.want)
		}
	}
	if got, want := tests[0].want.Error(), "Value 'ten' for parameter MaxItems is invalid: expected an integer."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestJSONToXML(t *testing.T) {
	t.Parallel()
	got, err := JSONToXML(nil, []byte(`{"A":"<x>","L":[{"K":1},{"K":true}],"E":[],"N":null,"O":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `<A>&lt;x&gt;</A><L><member><K>1</K></member><member><K>true</K></member></L><E></E><O></O>`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
