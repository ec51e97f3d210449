package apigateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	apigw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// hostPort is the test server's host:port.
func (tb *testBundle) hostPort(t testing.TB) (string, string) {
	t.Helper()
	u, err := url.Parse(tb.url)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host, u.Port()
}

func TestLambdaEventV2(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	tb.route(t, apiID, "POST /orders/{id}", tb.lambdaIntegration(t, apiID, "2.0"))
	tb.stage(t, apiID, "prod", map[string]string{"env": "dev"})
	resp, _ := tb.do(t, "POST", tb.url+"/_apis/"+apiID+"/prod/orders/42?a=1&a=2&b=x", `{"item":"book"}`,
		"Content-Type", "application/json", "Cookie", "c1=v1; c2=v2", "X-Multi", "a", "X-Multi", "b", "User-Agent", "test-agent")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	host, port := tb.hostPort(t)
	rid := resp.Header.Get("Apigw-Requestid")
	if len(rid) != 16 || !strings.HasSuffix(rid, "=") {
		t.Errorf("Apigw-Requestid = %q", rid)
	}
	want := `{"version":"2.0","routeKey":"POST /orders/{id}","rawPath":"/prod/orders/42","rawQueryString":"a=1&a=2&b=x",` +
		`"cookies":["c1=v1","c2=v2"],` +
		`"headers":{"accept-encoding":"gzip","content-length":"15","content-type":"application/json","host":"` + host + `",` +
		`"user-agent":"test-agent","x-forwarded-for":"127.0.0.1","x-forwarded-port":"` + port + `","x-forwarded-proto":"http","x-multi":"a,b"},` +
		`"queryStringParameters":{"a":"1,2","b":"x"},` +
		`"requestContext":{"accountId":"111111111111","apiId":"` + apiID + `","domainName":"` + host + `","domainPrefix":"` + apiID + `",` +
		`"http":{"method":"POST","path":"/prod/orders/42","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"test-agent"},` +
		`"requestId":"` + rid + `","routeKey":"POST /orders/{id}","stage":"prod","time":"12/Mar/2025:19:03:58 +0000","timeEpoch":1741806238390},` +
		`"body":"{\"item\":\"book\"}","pathParameters":{"id":"42"},"isBase64Encoded":false,"stageVariables":{"env":"dev"}}`
	inv := tb.lambda.last(t)
	if inv.fn != fnARN {
		t.Errorf("function = %q", inv.fn)
	}
	if string(inv.payload) != want {
		t.Errorf("event:\n%s\nwant\n%s", inv.payload, want)
	}
}

func TestLambdaEventV2Minimal(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	tb.route(t, apiID, "$default", tb.lambdaIntegration(t, apiID, "2.0"))
	tb.stage(t, apiID, "$default", nil)
	// A binary body is base64-encoded; a GET has no body, cookies, query or
	// path parameters, and those members are left out.
	tb.do(t, "PUT", tb.url+"/_apis/"+apiID+"/upload", "\x00\x01binary", "Content-Type", "application/octet-stream")
	var ev map[string]any
	if err := json.Unmarshal(tb.lambda.last(t).payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev["body"] != "AAFiaW5hcnk=" || ev["isBase64Encoded"] != true || ev["routeKey"] != "$default" || ev["rawPath"] != "/upload" {
		t.Errorf("binary event = %v", ev)
	}
	tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/", "")
	ev = nil
	if err := json.Unmarshal(tb.lambda.last(t).payload, &ev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"body", "cookies", "queryStringParameters", "pathParameters", "stageVariables"} {
		if _, ok := ev[k]; ok {
			t.Errorf("GET event has %s: %v", k, ev[k])
		}
	}
	if ev["rawPath"] != "/" || ev["rawQueryString"] != "" || ev["requestContext"].(map[string]any)["stage"] != "$default" {
		t.Errorf("GET event = %v", ev)
	}
}

func TestLambdaEventV1(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	tb.route(t, apiID, "GET /orders/{id}", tb.lambdaIntegration(t, apiID, "1.0"))
	tb.stage(t, apiID, "$default", nil)
	tb.lambda.returns(`{"statusCode":200,"body":"ok"}`)
	resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/orders/7?x=1&x=2", "", "X-Custom", "v")
	if resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("response = %d %q", resp.StatusCode, body)
	}
	var ev struct {
		Version                         string              `json:"version"`
		Resource                        string              `json:"resource"`
		Path                            string              `json:"path"`
		HTTPMethod                      string              `json:"httpMethod"`
		Headers                         map[string]string   `json:"headers"`
		MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
		QueryStringParameters           map[string]string   `json:"queryStringParameters"`
		MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
		PathParameters                  map[string]string   `json:"pathParameters"`
		Body                            *string             `json:"body"`
		IsBase64Encoded                 bool                `json:"isBase64Encoded"`
		RequestContext                  map[string]any      `json:"requestContext"`
	}
	raw := tb.lambda.last(t).payload
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Version != "1.0" || ev.Resource != "/orders/{id}" || ev.Path != "/orders/7" || ev.HTTPMethod != "GET" ||
		ev.Headers["x-custom"] != "v" || ev.QueryStringParameters["x"] != "2" || len(ev.MultiValueQueryStringParameters["x"]) != 2 ||
		ev.PathParameters["id"] != "7" || ev.Body != nil || ev.IsBase64Encoded ||
		ev.RequestContext["resourcePath"] != "/orders/{id}" || ev.RequestContext["stage"] != "$default" {
		t.Errorf("v1 event = %s", raw)
	}
	if !strings.Contains(string(raw), `"body":null`) || !strings.Contains(string(raw), `"stageVariables":null`) {
		t.Errorf("v1 event should send null members: %s", raw)
	}
}

func TestLambdaResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		version    string
		status     int
		fnErr      string
		out        string
		err        error
		wantStatus int
		wantBody   string
		wantHeader [2]string
	}{
		{name: "structured", version: "2.0", out: `{"statusCode":201,"headers":{"x-a":"b","x-n":5},"cookies":["s=1"],"body":"created"}`,
			wantStatus: 201, wantBody: "created", wantHeader: [2]string{"X-A", "b"}},
		{name: "cookies", version: "2.0", out: `{"statusCode":200,"cookies":["s=1","t=2"]}`, wantStatus: 200, wantHeader: [2]string{"Set-Cookie", "s=1"}},
		{name: "number header", version: "2.0", out: `{"statusCode":"204","headers":{"x-n":5}}`, wantStatus: 204, wantHeader: [2]string{"X-N", "5"}},
		{name: "bare object", version: "2.0", out: `{"hello":"world"}`, wantStatus: 200, wantBody: `{"hello":"world"}`, wantHeader: [2]string{"Content-Type", "application/json"}},
		{name: "bare string", version: "2.0", out: `"hi"`, wantStatus: 200, wantBody: `"hi"`},
		{name: "bare number", version: "2.0", out: `42`, wantStatus: 200, wantBody: `42`},
		{name: "base64 body", version: "2.0", out: `{"statusCode":200,"isBase64Encoded":true,"body":"aGVsbG8=","headers":{"content-type":"text/plain"}}`,
			wantStatus: 200, wantBody: "hello", wantHeader: [2]string{"Content-Type", "text/plain"}},
		{name: "v1 multi-value", version: "1.0", out: `{"statusCode":200,"multiValueHeaders":{"x-m":["a","b"]},"body":"x"}`, wantStatus: 200, wantBody: "x", wantHeader: [2]string{"X-M", "a"}},
		{name: "v1 needs statusCode", version: "1.0", out: `{"hello":"world"}`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "function error", version: "2.0", fnErr: "Unhandled", out: `{"errorMessage":"boom","errorType":"Error"}`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "no such function", version: "2.0", err: errors.New("ResourceNotFoundException: Function not found"), wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "throttled", version: "2.0", status: 429, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "bad status", version: "2.0", out: `{"statusCode":"abc"}`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "object body", version: "2.0", out: `{"statusCode":200,"body":{"a":1}}`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "not json", version: "2.0", out: `hello`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
	}
	tb := setup(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiID := tb.api(t)
			tb.route(t, apiID, "ANY /{proxy+}", tb.lambdaIntegration(t, apiID, tt.version))
			tb.stage(t, apiID, "$default", nil)
			// One bundle for all cases: route by API id.
			tb.lambda.set(func(_ context.Context, _ string, payload []byte) (int, string, []byte, error) {
				for _, c := range tests {
					if strings.Contains(string(payload), `"path":"/`+strings.ReplaceAll(c.name, " ", "-")+`"`) {
						st := c.status
						if st == 0 {
							st = 200
						}
						return st, c.fnErr, []byte(c.out), c.err
					}
				}
				return 500, "", nil, errors.New("unexpected")
			})
			resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/"+strings.ReplaceAll(tt.name, " ", "-"), "")
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if h := tt.wantHeader; h[0] != "" && resp.Header.Get(h[0]) != h[1] {
				t.Errorf("header %s = %q, want %q (all %v)", h[0], resp.Header.Get(h[0]), h[1], resp.Header)
			}
		})
	}
}

func TestLambdaTimeout(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	out, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID), IntegrationType: types.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String(fnARN), PayloadFormatVersion: aws.String("2.0"), TimeoutInMillis: aws.Int32(50)})
	if err != nil {
		t.Fatal(err)
	}
	tb.route(t, apiID, "$default", *out.IntegrationId)
	tb.stage(t, apiID, "$default", nil)
	tb.lambda.set(func(ctx context.Context, _ string, _ []byte) (int, string, []byte, error) {
		select {
		case <-ctx.Done():
			return 0, "", nil, ctx.Err()
		case <-time.After(5 * time.Second):
			return 200, "", []byte(`{}`), nil
		}
	})
	resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/slow", "")
	if resp.StatusCode != 503 || body != `{"message":"Service Unavailable"}` {
		t.Errorf("timeout = %d %s", resp.StatusCode, body)
	}
}

func TestStepFunctionsIntegration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		subtype  string
		params   map[string]string
		path     string
		body     string
		hdr      []string
		action   string
		want     string
		reply    func(string, []byte) ([]byte, error)
		status   int
		wantBody string
	}{
		{name: "start", subtype: "StepFunctions-StartExecution", path: "/orders",
			params: map[string]string{"StateMachineArn": smARN, "Input": "$request.body", "Name": "$request.body.orderId"},
			body:   `{"orderId":"o-1","total":5}`, action: "StartExecution",
			want:   `{"stateMachineArn":"` + smARN + `","name":"o-1","input":"{\"orderId\":\"o-1\",\"total\":5}"}`,
			status: 200, wantBody: `{"executionArn":"arn:aws:states:us-east-1:111111111111:execution:orders:x","startDate":1.741806238E9}`},
		{name: "number name and object input", subtype: "StepFunctions-StartExecution", path: "/orders",
			params: map[string]string{"StateMachineArn": smARN, "Input": "$request.body.order", "Name": "$request.body.id"},
			body:   `{"id":7,"order":{"b":1,"a":[1,2]}}`, action: "StartExecution",
			want: `{"stateMachineArn":"` + smARN + `","name":"7","input":"{\"b\":1,\"a\":[1,2]}"}`, status: 200},
		{name: "missing name is left out", subtype: "StepFunctions-StartExecution", path: "/orders",
			params: map[string]string{"StateMachineArn": smARN, "Input": "$request.body", "Name": "$request.body.nope"},
			body:   `{}`, action: "StartExecution", want: `{"stateMachineArn":"` + smARN + `","input":"{}"}`, status: 200},
		{name: "templates", subtype: "StepFunctions-StartSyncExecution", path: "/orders/o-9",
			params: map[string]string{"StateMachineArn": "$stageVariables.sm", "Name": "order-$request.path.id-${context.stage}",
				"Input": `{"id":"$request.path.id","who":"$request.header.x-user","q":"$request.querystring.q"}`, "TraceHeader": "$context.requestId"},
			hdr: []string{"X-User", "ann"}, action: "StartSyncExecution",
			want:   `{"stateMachineArn":"` + smARN + `","name":"order-o-9-$default","input":"{\"id\":\"o-9\",\"who\":\"ann\",\"q\":\"\"}","traceHeader":"REQID"}`,
			reply:  func(string, []byte) ([]byte, error) { return []byte(`{"status":"SUCCEEDED","output":"{}"}`), nil },
			status: 200, wantBody: `{"status":"SUCCEEDED","output":"{}"}`},
		{name: "stop", subtype: "StepFunctions-StopExecution", path: "/orders",
			params: map[string]string{"ExecutionArn": "$request.querystring.arn", "Cause": "stopped by $request.header.x-user", "Error": "Cancelled"},
			hdr:    []string{"X-User", "bob"}, action: "StopExecution",
			want:   `{"executionArn":"arn:x","error":"Cancelled","cause":"stopped by bob"}`,
			reply:  func(string, []byte) ([]byte, error) { return []byte(`{"stopDate":1.7E9}`), nil },
			status: 200, wantBody: `{"stopDate":1.7E9}`},
		{name: "already exists", subtype: "StepFunctions-StartExecution", path: "/orders",
			params: map[string]string{"StateMachineArn": smARN, "Input": "$request.body", "Name": "$request.body.orderId"},
			body:   `{"orderId":"dup"}`, action: "StartExecution",
			want: `{"stateMachineArn":"` + smARN + `","name":"dup","input":"{\"orderId\":\"dup\"}"}`,
			reply: func(string, []byte) ([]byte, error) {
				return nil, awsproto.NewError("ExecutionAlreadyExists", "Execution Already Exists: 'arn:aws:states:us-east-1:111111111111:execution:orders:dup'")
			},
			status:   400,
			wantBody: `{"__type":"com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists","message":"Execution Already Exists: 'arn:aws:states:us-east-1:111111111111:execution:orders:dup'"}`},
		{name: "no state machine", subtype: "StepFunctions-StartExecution", path: "/orders",
			params: map[string]string{"StateMachineArn": smARN}, action: "StartExecution", want: `{"stateMachineArn":"` + smARN + `"}`,
			reply: func(string, []byte) ([]byte, error) {
				return nil, awsproto.NewError("StateMachineDoesNotExist", "State Machine Does Not Exist")
			},
			status: 400},
		{name: "internal", subtype: "StepFunctions-StartExecution", path: "/orders",
			params: map[string]string{"StateMachineArn": smARN}, action: "StartExecution", want: `{"stateMachineArn":"` + smARN + `"}`,
			reply:  func(string, []byte) ([]byte, error) { return nil, errors.New("disk full") },
			status: 500, wantBody: `{"message":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t)
			apiID := tb.api(t)
			integ, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID),
				IntegrationType: types.IntegrationTypeAwsProxy, IntegrationSubtype: aws.String(tt.subtype),
				PayloadFormatVersion: aws.String("1.0"), CredentialsArn: aws.String(roleARN), RequestParameters: tt.params})
			if err != nil {
				t.Fatal(err)
			}
			tb.route(t, apiID, "POST /orders", *integ.IntegrationId)
			tb.route(t, apiID, "POST /orders/{id}", *integ.IntegrationId)
			tb.stage(t, apiID, "$default", map[string]string{"sm": smARN})
			if tt.reply != nil {
				tb.sfn.set(tt.reply)
			}
			u := tb.url + "/_apis/" + apiID + tt.path
			if tt.action == "StopExecution" {
				u += "?arn=arn:x"
			}
			resp, body := tb.do(t, "POST", u, tt.body, tt.hdr...)
			call := tb.sfn.last(t)
			want := strings.ReplaceAll(tt.want, "REQID", resp.Header.Get("Apigw-Requestid"))
			if call.action != tt.action || call.input != want {
				t.Errorf("call = %s %s\nwant %s %s", call.action, call.input, tt.action, want)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d (%s)", resp.StatusCode, tt.status, body)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body = %s\nwant %s", body, tt.wantBody)
			}
		})
	}
}

func TestRoutingAndStages(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	for _, k := range []string{"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default", "GET /"} {
		tb.route(t, apiID, k, integ)
	}
	tb.route(t, apiID, "GET /orphan", "")
	tb.stage(t, apiID, "$default", nil)
	tb.stage(t, apiID, "beta", nil)
	if _, err := tb.client.CreateStage(ctx, &apigw.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String("undeployed")}); err != nil {
		t.Fatal(err)
	}
	host, _ := tb.hostPort(t)
	_, port, _ := strings.Cut(host, ":")
	tests := []struct {
		method, path string
		hdr          []string
		status       int
		routeKey     string
		stage        string
	}{
		{"GET", "/_apis/" + apiID + "/pets/dog/1", nil, 200, "GET /pets/dog/1", "$default"},
		{"GET", "/_apis/" + apiID + "/pets/dog/2", nil, 200, "GET /pets/dog/{id}", "$default"},
		{"GET", "/_apis/" + apiID + "/pets/cat/1", nil, 200, "GET /pets/{proxy+}", "$default"},
		{"POST", "/_apis/" + apiID + "/pets/dog/1", nil, 200, "ANY /{proxy+}", "$default"},
		{"GET", "/_apis/" + apiID + "/", nil, 200, "GET /", "$default"},
		{"POST", "/_apis/" + apiID + "/", nil, 200, "$default", "$default"},
		{"GET", "/_apis/" + apiID, nil, 200, "GET /", "$default"},
		{"GET", "/_apis/" + apiID + "/beta/pets/dog/1", nil, 200, "GET /pets/dog/1", "beta"},
		{"GET", "/_apis/" + apiID + "/undeployed/x", nil, 200, "ANY /{proxy+}", "$default"},
		{"GET", "/_apis/" + apiID + "/orphan", nil, 404, "", ""},
		{"GET", "/_apis/zzzzzzzzzz/pets", nil, 404, "", ""},
		{"GET", "/beta/pets/dog/2", []string{"Host", apiID + ".execute-api.localhost:" + port}, 200, "GET /pets/dog/{id}", "beta"},
		{"GET", "/pets/dog/2", []string{"Host", strings.ToUpper(apiID) + ".execute-api.us-east-1.amazonaws.com"}, 200, "GET /pets/dog/{id}", "$default"},
	}
	for _, tt := range tests {
		resp, body := tb.do(t, tt.method, tb.url+tt.path, "", tt.hdr...)
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tt.method, tt.path, resp.StatusCode, tt.status, body)
			continue
		}
		if tt.status == 404 {
			if body != `{"message":"Not Found"}` {
				t.Errorf("%s %s: body %s", tt.method, tt.path, body)
			}
			continue
		}
		var ev struct {
			RouteKey       string `json:"routeKey"`
			RequestContext struct {
				Stage string `json:"stage"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(tb.lambda.last(t).payload, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.RouteKey != tt.routeKey || ev.RequestContext.Stage != tt.stage {
			t.Errorf("%s %s: route %q stage %q, want %q %q", tt.method, tt.path, ev.RouteKey, ev.RequestContext.Stage, tt.routeKey, tt.stage)
		}
	}

	// No $default stage: paths outside the named stages are not found;
	// a stage without a deployment is not served.
	apiID2 := tb.api(t)
	tb.route(t, apiID2, "$default", tb.lambdaIntegration(t, apiID2, "2.0"))
	if _, err := tb.client.CreateStage(ctx, &apigw.CreateStageInput{ApiId: aws.String(apiID2), StageName: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := tb.do(t, "GET", tb.url+"/_apis/"+apiID2+"/v1/x", ""); resp.StatusCode != 404 {
		t.Errorf("undeployed stage: %d", resp.StatusCode)
	}
	if _, err := tb.client.CreateDeployment(ctx, &apigw.CreateDeploymentInput{ApiId: aws.String(apiID2), StageName: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := tb.do(t, "GET", tb.url+"/_apis/"+apiID2+"/v1/x", ""); resp.StatusCode != 200 {
		t.Errorf("deployed stage: %d", resp.StatusCode)
	}
	if resp, _ := tb.do(t, "GET", tb.url+"/_apis/"+apiID2+"/x", ""); resp.StatusCode != 404 {
		t.Errorf("no $default stage: %d", resp.StatusCode)
	}
	// The default endpoint can be turned off.
	if _, err := tb.client.UpdateApi(ctx, &apigw.UpdateApiInput{ApiId: aws.String(apiID2), DisableExecuteApiEndpoint: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID2+"/v1/x", ""); resp.StatusCode != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("disabled endpoint: %d %s", resp.StatusCode, body)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t, func(in *apigw.CreateApiInput) {
		in.CorsConfiguration = &types.Cors{AllowOrigins: []string{"https://app.example.com", "https://*.test.example"},
			AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"content-type", "authorization"},
			ExposeHeaders: []string{"x-total"}, MaxAge: aws.Int32(600), AllowCredentials: aws.Bool(true)}
	})
	tb.route(t, apiID, "ANY /{proxy+}", tb.lambdaIntegration(t, apiID, "2.0"))
	tb.stage(t, apiID, "$default", nil)
	tb.lambda.returns(`{"statusCode":200,"headers":{"access-control-allow-origin":"https://evil.example"},"body":"ok"}`)
	base := tb.url + "/_apis/" + apiID + "/items"

	resp, _ := tb.do(t, "OPTIONS", base, "", "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "Content-Type")
	want := map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "GET,POST",
		"Access-Control-Allow-Headers": "content-type,authorization", "Access-Control-Max-Age": "600",
		"Access-Control-Allow-Credentials": "true",
	}
	if resp.StatusCode != 204 {
		t.Errorf("preflight status = %d", resp.StatusCode)
	}
	for k, v := range want {
		if resp.Header.Get(k) != v {
			t.Errorf("preflight %s = %q, want %q", k, resp.Header.Get(k), v)
		}
	}
	calls := len(tb.lambda.calls)
	// A wildcard subdomain origin is allowed; an unknown origin or method
	// gets no CORS headers.
	resp, _ = tb.do(t, "OPTIONS", base, "", "Origin", "https://a.test.example", "Access-Control-Request-Method", "GET")
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://a.test.example" {
		t.Errorf("wildcard origin: %v", resp.Header)
	}
	for _, hdr := range [][]string{
		{"Origin", "https://other.example", "Access-Control-Request-Method", "GET"},
		{"Origin", "https://app.example.com", "Access-Control-Request-Method", "DELETE"},
		{"Origin", "https://app.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-secret"},
	} {
		resp, _ = tb.do(t, "OPTIONS", base, "", hdr...)
		if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("disallowed preflight %v: %d %v", hdr, resp.StatusCode, resp.Header)
		}
	}
	tb.lambda.mu.Lock()
	if len(tb.lambda.calls) != calls {
		t.Errorf("preflights reached the function")
	}
	tb.lambda.mu.Unlock()

	// An actual request: the configured headers override the function's.
	resp, body := tb.do(t, "GET", base, "", "Origin", "https://app.example.com")
	if resp.StatusCode != 200 || body != "ok" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Expose-Headers") != "x-total" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("actual request: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	// Without CORS, OPTIONS is routed like any method.
	apiID2 := tb.api(t)
	tb.route(t, apiID2, "GET /x", tb.lambdaIntegration(t, apiID2, "2.0"))
	tb.stage(t, apiID2, "$default", nil)
	resp, _ = tb.do(t, "OPTIONS", tb.url+"/_apis/"+apiID2+"/x", "", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET")
	if resp.StatusCode != 404 {
		t.Errorf("OPTIONS without CORS = %d", resp.StatusCode)
	}
}

func TestHTTPProxy(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Backend", "yes")
		w.WriteHeader(202)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Forwarded-For")+" "+string(b))
	}))
	t.Cleanup(backend.Close)
	tb := setup(t)
	apiID := tb.api(t)
	integ, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID),
		IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String(backend.URL + "/echo/{proxy}"),
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	tb.route(t, apiID, "ANY /api/{proxy+}", *integ.IntegrationId)
	tb.stage(t, apiID, "$default", nil)
	resp, body := tb.do(t, "PUT", tb.url+"/_apis/"+apiID+"/api/a/b%20c?x=1", "payload")
	if resp.StatusCode != 202 || resp.Header.Get("X-Backend") != "yes" || body != "PUT /echo/a/b%20c?x=1 127.0.0.1 payload" {
		t.Errorf("proxy = %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestRecentRequests(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	tb.route(t, apiID, "GET /ok", tb.lambdaIntegration(t, apiID, "2.0"))
	tb.stage(t, apiID, "$default", nil)
	tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/ok", "")
	tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/missing", "")
	tb.do(t, "POST", tb.url+"/_apis/"+apiID+"/ok", "")
	recs := tb.svc.RecentRequests(apiID, 2)
	if len(recs) != 2 {
		t.Fatalf("RecentRequests = %+v", recs)
	}
	if recs[0].Method != "POST" || recs[0].Path != "/ok" || recs[0].Status != 404 || recs[1].Path != "/missing" || recs[1].Status != 404 {
		t.Errorf("newest first: %+v", recs)
	}
	all := tb.svc.RecentRequests(apiID, 0)
	if len(all) != 3 || all[2].RouteKey != "GET /ok" || all[2].Status != 200 || all[2].Stage != "$default" || all[2].RequestID == "" {
		t.Errorf("all = %+v", all)
	}
	if got := tb.svc.RecentRequests("nope", 5); got != nil {
		t.Errorf("unknown api = %+v", got)
	}
}
