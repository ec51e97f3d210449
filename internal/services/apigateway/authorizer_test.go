package apigateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	apigw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

const authFnARN = "arn:aws:lambda:us-east-1:111111111111:function:authorizer"

// authFnURI is the authorizer's invocation URI, as Terraform sends it.
const authFnURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + authFnARN + "/invocations"

// lambdaAuthorizer creates a REQUEST authorizer for authFnARN.
func (tb *testBundle) lambdaAuthorizer(t testing.TB, apiID, version string, simple bool, ttl int32, sources ...string) string {
	t.Helper()
	in := &apigw.CreateAuthorizerInput{ApiId: aws.String(apiID), Name: aws.String("auth"), AuthorizerType: types.AuthorizerTypeRequest,
		AuthorizerUri: aws.String(authFnURI), AuthorizerPayloadFormatVersion: aws.String(version),
		AuthorizerResultTtlInSeconds: aws.Int32(ttl), IdentitySource: sources}
	if simple {
		in.EnableSimpleResponses = aws.Bool(true)
	}
	out, err := tb.client.CreateAuthorizer(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.AuthorizerId
}

// authRoute creates a route with an authorization type (and authorizer).
func (tb *testBundle) authRoute(t testing.TB, apiID, key, integrationID string, authType types.AuthorizationType, authorizerID string, scopes ...string) {
	t.Helper()
	in := &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String(key), Target: aws.String("integrations/" + integrationID),
		AuthorizationType: authType, AuthorizationScopes: scopes}
	if authorizerID != "" {
		in.AuthorizerId = aws.String(authorizerID)
	}
	if _, err := tb.client.CreateRoute(ctx, in); err != nil {
		t.Fatal(err)
	}
}

// authorizerReplies makes the fake answer the authorizer with reply and the
// integration with a 200.
func (tb *testBundle) authorizerReplies(reply string) {
	tb.lambda.set(func(_ context.Context, fn string, _ []byte) (int, string, []byte, error) {
		if fn == authFnARN {
			return 200, "", []byte(reply), nil
		}
		return 200, "", []byte(`{"statusCode":200,"body":"ok"}`), nil
	})
}

// calls returns the invocations of one function.
func (f *fakeLambda) callsOf(fn string) []invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []invocation
	for _, c := range f.calls {
		if c.fn == fn {
			out = append(out, c)
		}
	}
	return out
}

// event decodes an invocation's payload.
func (inv invocation) event(t testing.TB) map[string]any {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(inv.payload, &ev); err != nil {
		t.Fatalf("%v: %s", err, inv.payload)
	}
	return ev
}

func TestLambdaAuthorizerSimpleResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reply     string
		fnErr     string
		hdr       []string
		status    int
		body      string
		authCalls int
		integ     bool
		lambdaCtx string // requestContext.authorizer of the integration event
	}{
		{name: "allow", reply: `{"isAuthorized":true,"context":{"user":"ann","n":1,"ok":true}}`, hdr: []string{"Authorization", "tok"},
			status: 200, body: "ok", authCalls: 1, integ: true, lambdaCtx: `{"lambda":{"n":1,"ok":true,"user":"ann"}}`},
		{name: "allow without context", reply: `{"isAuthorized":true}`, hdr: []string{"Authorization", "tok"},
			status: 200, body: "ok", authCalls: 1, integ: true, lambdaCtx: `{"lambda":null}`},
		{name: "deny", reply: `{"isAuthorized":false}`, hdr: []string{"Authorization", "tok"},
			status: 403, body: `{"message":"Forbidden"}`, authCalls: 1},
		{name: "missing identity source", reply: `{"isAuthorized":true}`,
			status: 401, body: `{"message":"Unauthorized"}`},
		{name: "empty identity source", reply: `{"isAuthorized":true}`, hdr: []string{"Authorization", ""},
			status: 401, body: `{"message":"Unauthorized"}`},
		{name: "function error", reply: `{"errorMessage":"boom"}`, fnErr: "Unhandled", hdr: []string{"Authorization", "tok"},
			status: 500, body: `{"message":"Internal Server Error"}`, authCalls: 1},
		{name: "not a simple response", reply: `{"principalId":"x"}`, hdr: []string{"Authorization", "tok"},
			status: 500, body: `{"message":"Internal Server Error"}`, authCalls: 1},
		{name: "not JSON", reply: `allow`, hdr: []string{"Authorization", "tok"},
			status: 500, body: `{"message":"Internal Server Error"}`, authCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t)
			apiID := tb.api(t)
			auth := tb.lambdaAuthorizer(t, apiID, "2.0", true, 0, "$request.header.Authorization")
			tb.authRoute(t, apiID, "GET /orders", tb.lambdaIntegration(t, apiID, "2.0"), types.AuthorizationTypeCustom, auth)
			tb.stage(t, apiID, "$default", nil)
			tb.lambda.set(func(_ context.Context, fn string, _ []byte) (int, string, []byte, error) {
				if fn == authFnARN {
					return 200, tt.fnErr, []byte(tt.reply), nil
				}
				return 200, "", []byte(`{"statusCode":200,"body":"ok"}`), nil
			})
			resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/orders", "", tt.hdr...)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("response = %d %s, want %d %s", resp.StatusCode, body, tt.status, tt.body)
			}
			if n := len(tb.lambda.callsOf(authFnARN)); n != tt.authCalls {
				t.Errorf("authorizer invocations = %d, want %d", n, tt.authCalls)
			}
			integ := tb.lambda.callsOf(fnARN)
			if (len(integ) > 0) != tt.integ {
				t.Fatalf("integration invocations = %d", len(integ))
			}
			if tt.integ {
				rc := integ[0].event(t)["requestContext"].(map[string]any)
				if got, _ := json.Marshal(rc["authorizer"]); string(got) != tt.lambdaCtx {
					t.Errorf("requestContext.authorizer = %s, want %s", got, tt.lambdaCtx)
				}
			}
		})
	}
}

// TestLambdaAuthorizerEvents checks the events the authorizer receives in
// both payload formats.
func TestLambdaAuthorizerEvents(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	v2 := tb.lambdaAuthorizer(t, apiID, "2.0", true, 0, "$request.header.X-User", "$request.querystring.key")
	v1 := tb.lambdaAuthorizer(t, apiID, "1.0", false, 0, "$request.header.X-User", "$stageVariables.tenant")
	tb.authRoute(t, apiID, "POST /orders/{id}", integ, types.AuthorizationTypeCustom, v2)
	tb.authRoute(t, apiID, "GET /orders/{id}", integ, types.AuthorizationTypeCustom, v1)
	tb.stage(t, apiID, "prod", map[string]string{"tenant": "acme"})
	tb.authorizerReplies(`{"isAuthorized":true}`)
	resp, _ := tb.do(t, "POST", tb.url+"/_apis/"+apiID+"/prod/orders/42?key=k1", `{"a":1}`, "X-User", "ann", "Content-Type", "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	raw := string(tb.lambda.callsOf(authFnARN)[0].payload)
	wantPrefix := `{"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:us-east-1:111111111111:` + apiID +
		`/prod/POST/orders/42","identitySource":["ann","k1"],"routeKey":"POST /orders/{id}","rawPath":"/prod/orders/42","rawQueryString":"key=k1",`
	if !strings.HasPrefix(raw, wantPrefix) {
		t.Errorf("2.0 event:\n%s\nwant prefix\n%s", raw, wantPrefix)
	}
	ev := tb.lambda.callsOf(authFnARN)[0].event(t)
	for _, k := range []string{"body", "isBase64Encoded"} {
		if _, ok := ev[k]; ok {
			t.Errorf("2.0 authorizer event has %s", k)
		}
	}
	if ev["pathParameters"].(map[string]any)["id"] != "42" || ev["stageVariables"].(map[string]any)["tenant"] != "acme" ||
		ev["headers"].(map[string]any)["x-user"] != "ann" || ev["requestContext"].(map[string]any)["stage"] != "prod" {
		t.Errorf("2.0 event = %s", raw)
	}

	// Payload format 1.0 answers with a policy (simple responses are 2.0
	// only).
	tb.authorizerReplies(`{"principalId":"ann","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:111111111111:` + apiID + `/prod/GET/orders/*"}]},"context":{"tier":"gold"}}`)
	resp, _ = tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/prod/orders/7", "", "X-User", "bob")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	raw = string(tb.lambda.callsOf(authFnARN)[1].payload)
	wantPrefix = `{"version":"1.0","type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:111111111111:` + apiID +
		`/prod/GET/orders/7","identitySource":"bob,acme","authorizationToken":"bob,acme","resource":"/orders/{id}","path":"/prod/orders/7","httpMethod":"GET",`
	if !strings.HasPrefix(raw, wantPrefix) {
		t.Errorf("1.0 event:\n%s\nwant prefix\n%s", raw, wantPrefix)
	}
	if ev := tb.lambda.callsOf(authFnARN)[1].event(t); ev["body"] != nil || ev["multiValueHeaders"] == nil {
		t.Errorf("1.0 event = %s", raw)
	}
}

// TestLambdaAuthorizerPolicies checks IAM policy responses: the route ARN
// against Allow and Deny statements with wildcards.
func TestLambdaAuthorizerPolicies(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	integ := tb.lambdaIntegration(t, apiID, "1.0")
	auth := tb.lambdaAuthorizer(t, apiID, "2.0", false, 0, "$request.header.Authorization")
	tb.authRoute(t, apiID, "ANY /orders/{proxy+}", integ, types.AuthorizationTypeCustom, auth)
	tb.stage(t, apiID, "$default", nil)
	arn := "arn:aws:execute-api:us-east-1:111111111111:" + apiID
	policy := func(stmts ...string) string {
		return `{"principalId":"user-1","policyDocument":{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]},"context":{"tier":"gold","n":2}}`
	}
	stmt := func(effect, action, resource string) string {
		return `{"Effect":"` + effect + `","Action":` + action + `,"Resource":` + resource + `}`
	}
	tests := []struct {
		name, reply, method, path string
		status                    int
	}{
		{"exact allow", policy(stmt("Allow", `"execute-api:Invoke"`, `"`+arn+`/$default/GET/orders/1"`)), "GET", "/orders/1", 200},
		{"wildcard allow", policy(stmt("Allow", `["execute-api:*"]`, `["`+arn+`/*/*/orders/*"]`)), "DELETE", "/orders/1/items", 200},
		{"question mark", policy(stmt("Allow", `"*"`, `"`+arn+`/$default/GET/orders/?"`)), "GET", "/orders/7", 200},
		{"single statement object", `{"principalId":"u","policyDocument":{"Statement":` + stmt("Allow", `"execute-api:Invoke"`, `"*"`) + `}}`, "GET", "/orders/1", 200},
		{"other route", policy(stmt("Allow", `"execute-api:Invoke"`, `"`+arn+`/$default/GET/orders/1"`)), "GET", "/orders/2", 403},
		{"other action", policy(stmt("Allow", `"execute-api:ManageConnections"`, `"*"`)), "GET", "/orders/1", 403},
		{"deny wins", policy(stmt("Allow", `"execute-api:Invoke"`, `"*"`), stmt("Deny", `"execute-api:Invoke"`, `"`+arn+`/*/POST/*"`)), "POST", "/orders/1", 403},
		{"deny elsewhere", policy(stmt("Allow", `"execute-api:Invoke"`, `"*"`), stmt("Deny", `"execute-api:Invoke"`, `"`+arn+`/*/POST/*"`)), "GET", "/orders/1", 200},
		{"no statement", `{"principalId":"u","policyDocument":{"Statement":[]}}`, "GET", "/orders/1", 403},
		{"no policy", `{"principalId":"u"}`, "GET", "/orders/1", 500},
		{"simple response", `{"isAuthorized":true}`, "GET", "/orders/1", 500},
		{"bad effect", policy(stmt("Permit", `"*"`, `"*"`)), "GET", "/orders/1", 500},
	}
	for _, tt := range tests {
		tb.authorizerReplies(tt.reply)
		resp, body := tb.do(t, tt.method, tb.url+"/_apis/"+apiID+tt.path, "", "Authorization", "t")
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
		}
	}
	// The 1.0 integration sees the principal and the context in
	// requestContext.authorizer.
	tb.authorizerReplies(policy(stmt("Allow", `"execute-api:Invoke"`, `"*"`)))
	tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/orders/9", "", "Authorization", "t")
	rc := tb.lambda.callsOf(fnARN)
	got, _ := json.Marshal(rc[len(rc)-1].event(t)["requestContext"].(map[string]any)["authorizer"])
	if want := `{"n":2,"principalId":"user-1","tier":"gold"}`; string(got) != want {
		t.Errorf("1.0 requestContext.authorizer = %s, want %s", got, want)
	}
	if raw := string(rc[len(rc)-1].payload); !strings.Contains(raw, `"apiId":"`+apiID+`","authorizer":{"principalId":"user-1","tier":"gold","n":2},"domainName"`) {
		t.Errorf("1.0 event = %s", raw)
	}
}

// TestLambdaAuthorizerCache checks that results are cached by identity
// source values for the TTL, and that a cached policy is evaluated for
// each route.
func TestLambdaAuthorizerCache(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	auth := tb.lambdaAuthorizer(t, apiID, "2.0", false, 300, "$request.header.Authorization")
	tb.authRoute(t, apiID, "GET /a", integ, types.AuthorizationTypeCustom, auth)
	tb.authRoute(t, apiID, "GET /b", integ, types.AuthorizationTypeCustom, auth)
	tb.stage(t, apiID, "$default", nil)
	tb.authorizerReplies(`{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:` + apiID + `/$default/GET/a"}]},"context":{"k":"v"}}`)
	steps := []struct {
		name    string
		path    string
		token   string
		advance time.Duration
		status  int
		calls   int // authorizer invocations so far
	}{
		{"first", "/a", "t1", 0, 200, 1},
		{"cached", "/a", "t1", 0, 200, 1},
		{"cached policy denies another route", "/b", "t1", 0, 403, 1},
		{"other token", "/a", "t2", 0, 200, 2},
		{"within the TTL", "/a", "t1", 299 * time.Second, 200, 2},
		{"after the TTL", "/a", "t1", 2 * time.Second, 200, 3},
	}
	for _, st := range steps {
		tb.advance(st.advance)
		resp, _ := tb.do(t, "GET", tb.url+"/_apis/"+apiID+st.path, "", "Authorization", st.token)
		if resp.StatusCode != st.status {
			t.Errorf("%s: status = %d, want %d", st.name, resp.StatusCode, st.status)
		}
		if n := len(tb.lambda.callsOf(authFnARN)); n != st.calls {
			t.Errorf("%s: authorizer invocations = %d, want %d", st.name, n, st.calls)
		}
	}
	// The cached context reaches the integration too.
	integs := tb.lambda.callsOf(fnARN)
	rc := integs[len(integs)-1].event(t)["requestContext"].(map[string]any)
	if got, _ := json.Marshal(rc["authorizer"]); string(got) != `{"lambda":{"k":"v"}}` {
		t.Errorf("requestContext.authorizer = %s", got)
	}

	// Without a TTL every request invokes the authorizer.
	auth0 := tb.lambdaAuthorizer(t, apiID, "2.0", true, 0, "$request.header.Authorization")
	tb.authRoute(t, apiID, "GET /c", integ, types.AuthorizationTypeCustom, auth0)
	tb.authorizerReplies(`{"isAuthorized":true}`)
	before := len(tb.lambda.callsOf(authFnARN))
	for range 3 {
		tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/c", "", "Authorization", "t1")
	}
	if n := len(tb.lambda.callsOf(authFnARN)) - before; n != 3 {
		t.Errorf("uncached authorizer invocations = %d, want 3", n)
	}
}

// TestAuthorizerContextMapping checks $context.authorizer.* in an
// integration's parameter mapping.
func TestAuthorizerContextMapping(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	out, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID),
		IntegrationType: types.IntegrationTypeAwsProxy, IntegrationSubtype: aws.String("StepFunctions-StartExecution"),
		CredentialsArn: aws.String(roleARN), PayloadFormatVersion: aws.String("1.0"),
		RequestParameters: map[string]string{"StateMachineArn": smARN, "Input": `{"user":"$context.authorizer.user","p":"${context.authorizer.principalId}"}`}})
	if err != nil {
		t.Fatal(err)
	}
	auth := tb.lambdaAuthorizer(t, apiID, "2.0", false, 0, "$request.header.Authorization")
	tb.authRoute(t, apiID, "POST /start", *out.IntegrationId, types.AuthorizationTypeCustom, auth)
	tb.stage(t, apiID, "$default", nil)
	tb.authorizerReplies(`{"principalId":"p-1","policyDocument":{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]},"context":{"user":"ann"}}`)
	resp, body := tb.do(t, "POST", tb.url+"/_apis/"+apiID+"/start", "{}", "Authorization", "t")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if got := tb.sfn.last(t).input; !strings.Contains(got, `"input":"{\"user\":\"ann\",\"p\":\"p-1\"}"`) {
		t.Errorf("StartExecution input = %s", got)
	}
}
