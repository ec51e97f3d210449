package query

import (
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
