package apigateway

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// FuzzLambdaResponse maps arbitrary function responses: no input may
// panic; a rejected response writes nothing.
func FuzzLambdaResponse(f *testing.F) {
	for _, s := range []string{
		`{"statusCode":200,"body":"x"}`, `{"statusCode":"201","headers":{"a":1,"b":null},"cookies":["c=1",2]}`,
		`{"statusCode":200,"multiValueHeaders":{"x":["a",{"b":1}]},"isBase64Encoded":true,"body":"aGk="}`,
		`{"statusCode":200,"headers":null,"multiValueHeaders":null,"cookies":null,"body":null}`,
		`{"statusCode":99}`, `{"a":1}`, `[1,2]`, `"s"`, `nul`, `{"statusCode":200,"headers":[1]}`,
		`{"statusCode":200,"multiValueHeaders":{"x":"y"}}`, `{"statusCode":200,"cookies":{"a":1}}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, out []byte, v2 bool) {
		w := httptest.NewRecorder()
		if err := writeLambdaResponse(w, out, v2); err != nil {
			if w.Body.Len() != 0 {
				t.Fatalf("rejected response wrote %q", w.Body.String())
			}
		}
	})
}

// FuzzTagARN parses resource ARNs: no input may panic, and accepted ARNs
// name an API.
func FuzzTagARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:apigateway:us-east-1::/apis/abc", "arn:aws:apigateway:us-east-1::/apis/abc/stages/$default",
		"arn:aws:apigateway:us-east-1::/apis/abc/stages/%zz", "arn:aws:apigateway:::", "arn:aws:sqs:us-east-1:1:q", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		apiID, _, err := parseTagARN(arn)
		if err == nil && (apiID == "" || strings.Contains(apiID, "/")) {
			t.Fatalf("%q: api id %q", arn, apiID)
		}
	})
}

// FuzzCall runs arbitrary actions and inputs in process: no input may
// panic, and every error is an *awsproto.Error.
func FuzzCall(f *testing.F) {
	db, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = db.Close() })
	s, err := New(Config{DB: db})
	if err != nil {
		f.Fatal(err)
	}
	out, err := s.Call(context.Background(), "CreateApi", []byte(`{"Name":"f","ProtocolType":"HTTP"}`))
	if err != nil {
		f.Fatal(err)
	}
	apiID := string(out[strings.Index(string(out), `"ApiId":"`)+9:])
	apiID = apiID[:10]
	seeds := [][2]string{
		{"CreateRoute", `{"ApiId":"` + apiID + `","RouteKey":"GET /x/{y}"}`},
		{"CreateRoute", `{"ApiId":"` + apiID + `","RouteKey":"GET /x/{y+}/z"}`},
		{"CreateIntegration", `{"ApiId":"` + apiID + `","IntegrationType":"AWS_PROXY","IntegrationSubtype":"StepFunctions-StartExecution","RequestParameters":{"StateMachineArn":"$request.body.a[0]"}}`},
		{"CreateIntegration", `{"ApiId":"` + apiID + `","IntegrationType":"HTTP_PROXY","IntegrationUri":"http://x/{p}","IntegrationMethod":"GET"}`},
		{"CreateStage", `{"ApiId":"` + apiID + `","StageName":"$default","StageVariables":{"a":""},"AccessLogSettings":{}}`},
		{"UpdateApi", `{"ApiId":"` + apiID + `","CorsConfiguration":{"AllowOrigins":["*"],"MaxAge":-1}}`},
		{"GetApis", `{"MaxResults":"0","NextToken":"-1"}`},
		{"TagResource", `{"ResourceArn":"arn:aws:apigateway:us-east-1::/apis/` + apiID + `/stages/x","Tags":{"a":"b"}}`},
		{"CreateAuthorizer", `{"ApiId":"` + apiID + `","Name":"a","AuthorizerType":"JWT","IdentitySource":["x"]}`},
		{"CreateApi", `{"Name":"q","ProtocolType":"HTTP","Target":"arn:aws:lambda:us-east-1:1:function:f","RouteKey":"GET /"}`},
		{"Nope", `{}`}, {"CreateApi", `[`}, {"CreateApi", `null`},
	}
	for _, s := range seeds {
		f.Add(s[0], []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, action string, input []byte) {
		_, err := s.Call(context.Background(), action, input)
		var ae *awsproto.Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("%s %s: %T %v", action, input, err, err)
		}
	})
}
