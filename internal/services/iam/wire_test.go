package iam_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// post sends a form to the server as a signed-looking IAM request.
func post(t *testing.T, tb *testBundle, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tb.url+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250301/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	req.Header.Set("X-Amz-Date", "20250301T120000Z")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q", ct)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	return resp.StatusCode, string(b)
}

func TestWire(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string // substrings of the body
	}{
		{"missing action", url.Values{"Version": {"2010-05-08"}}, 400,
			[]string{`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>MissingAction</Code>`}},
		{"unknown action", url.Values{"Action": {"Frobnicate"}, "Version": {"2010-05-08"}}, 400,
			[]string{"<Code>InvalidAction</Code><Message>Could not find operation Frobnicate for version 2010-05-08</Message>"}},
		{"not implemented", url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08"}, "UserName": {"bob"}}, 501,
			[]string{"<Code>NotImplemented</Code>", "CreateUser"}},
		{"missing member", url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}}, 400,
			[]string{"<Code>ValidationError</Code><Message>1 validation error detected: Value null at &#39;roleName&#39; failed to satisfy constraint: Member must not be null</Message>"}},
		{"bad integer", url.Values{"Action": {"ListRoles"}, "Version": {"2010-05-08"}, "MaxItems": {"many"}}, 400,
			[]string{"<Code>ValidationError</Code>", "maxItems"}},
		{"not found", url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {"nope"}}, 404,
			[]string{"<Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name nope cannot be found.</Message></Error><RequestId>"}},
		{"create", url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"wire"}, "AssumeRolePolicyDocument": {`{"a":1}`},
			"Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}, "Description": {"<d&>"}}, 200,
			[]string{`<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role><Path>/</Path><RoleName>wire</RoleName><RoleId>AROA`,
				"<AssumeRolePolicyDocument>%7B%22a%22%3A1%7D</AssumeRolePolicyDocument>", "<MaxSessionDuration>3600</MaxSessionDuration>",
				"<Description>&lt;d&amp;&gt;</Description>", "<Tags><member><Key>k</Key><Value>v</Value></member></Tags>", "</CreateRoleResult><ResponseMetadata><RequestId>"}},
		{"delete answers with metadata only", url.Values{"Action": {"DeleteRole"}, "Version": {"2010-05-08"}, "RoleName": {"wire"}}, 200,
			[]string{`<DeleteRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>`}},
		{"empty list", url.Values{"Action": {"ListRoles"}, "Version": {"2010-05-08"}}, 200,
			[]string{"<Roles></Roles><IsTruncated>false</IsTruncated>"}},
	}
	for _, tt := range tests {
		// Sequential: "delete" needs "create".
		status, body := post(t, tb, tt.form)
		if status != tt.status {
			t.Errorf("%s: status = %d, want %d (%s)", tt.name, status, tt.status, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body %s\nwant it to contain %s", tt.name, body, w)
			}
		}
	}
}

func TestWireGetAndMethods(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	resp, err := http.Get(tb.url + "/?Action=ListRoles&Version=2010-05-08&X-Amz-Credential=AKID%2F20250301%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Algorithm=AWS4-HMAC-SHA256")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<ListRolesResult>") {
		t.Errorf("GET: %d %s", resp.StatusCode, b)
	}
}

// TestAuthenticated checks the SigV4 failures as IAM words them.
func TestAuthenticated(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	v := &awsproto.Verifier{Lookup: func(k string) (string, bool) { return "secret", k == "AKIDEXAMPLE" }}
	tb.auth = v.Verify
	tb.reopen(t)
	ctx := context.Background()
	if _, err := tb.client.ListRoles(ctx, nil); err != nil {
		t.Fatalf("signed request: %v", err)
	}
	_, err := newClient(tb.url, "AKIDUNKNOWN").ListRoles(ctx, nil)
	wantAPIError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
	status, body := post(t, tb, url.Values{"Action": {"ListRoles"}})
	if status != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("bad signature: %d %s", status, body)
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	out, err := tb.svc.Call(ctx, "CreateRole", []byte(`{"RoleName":"called","AssumeRolePolicyDocument":"{\"Statement\":[]}","Tags":[{"Key":"a","Value":"b"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Role map[string]any
	}
	if err := json.Unmarshal(out, &created); err != nil {
		t.Fatal(err)
	}
	if created.Role["RoleName"] != "called" || created.Role["AssumeRolePolicyDocument"] != "%7B%22Statement%22%3A%5B%5D%7D" ||
		created.Role["CreateDate"] != "2025-03-01T12:00:00Z" || created.Role["MaxSessionDuration"] != float64(3600) {
		t.Errorf("CreateRole = %s", out)
	}
	out, err = tb.svc.Call(ctx, "DeleteRole", []byte(`{"RoleName":"called"}`))
	if err != nil || string(out) != "{}" {
		t.Errorf("DeleteRole = %s, %v", out, err)
	}
	tests := []struct {
		action, input, code string
	}{
		{"GetRole", `{"RoleName":"called"}`, "NoSuchEntityException"},
		{"GetRole", `{}`, "ValidationError"},
		{"GetRole", `{"RoleName":5}`, "ValidationError"},
		{"Nope", `{}`, "InvalidAction"},
		{"CreateUser", `{"UserName":"u"}`, "NotImplemented"},
	}
	for _, tt := range tests {
		_, err := tb.svc.Call(ctx, tt.action, []byte(tt.input))
		var e *awsproto.Error
		if !errors.As(err, &e) || e.Code != tt.code {
			t.Errorf("Call(%s, %s) = %v, want %s", tt.action, tt.input, err, tt.code)
		}
	}
}
