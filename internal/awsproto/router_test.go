package awsproto

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, name) })
}

func TestRouter(t *testing.T) {
	t.Parallel()
	var rt Router
	rt.HandleTarget("AWSStepFunctions", named("sfn"))
	rt.HandleTarget("AmazonSQS", named("sqs"))
	rt.HandlePath("/2015-03-31", named("lambda"))
	rt.HandlePath("/2020-06-30/", named("lambda"))
	rt.HandlePath("/v2/email", named("sesv2"))
	rt.HandlePath("/v2/apis", named("apigatewayv2"))
	rt.HandlePath("/v2", named("v2"))
	rt.HandleService("iam", named("iam"))
	rt.HandleService("sts", named("sts"))
	rt.HandleService("s3", named("s3"))

	auth := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/" + service + "/aws4_request, SignedHeaders=host, Signature=00"
	}
	tests := []struct {
		name, method, path, target, auth, want string
	}{
		{name: "sfn target", method: "POST", path: "/", target: "AWSStepFunctions.StartExecution", auth: auth("states"), want: "sfn"},
		{name: "sqs target", method: "POST", path: "/", target: "AmazonSQS.GetQueueUrl", want: "sqs"},
		{name: "unknown target", method: "POST", path: "/", target: "DynamoDB_20120810.GetItem", want: `{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{name: "target beats path", method: "POST", path: "/2015-03-31/functions", target: "AWSStepFunctions.X", want: "sfn"},
		{name: "lambda path", method: "GET", path: "/2015-03-31/functions/f", auth: auth("lambda"), want: "lambda"},
		{name: "lambda exact", method: "GET", path: "/2015-03-31", want: "lambda"},
		{name: "lambda other version", method: "GET", path: "/2020-06-30/functions/f/code-signing-config", want: "lambda"},
		{name: "segment boundary", method: "GET", path: "/2015-03-310/x", auth: auth("s3"), want: "s3"},
		{name: "longest prefix", method: "POST", path: "/v2/email/outbound-emails", want: "sesv2"},
		{name: "shorter prefix", method: "GET", path: "/v2/other", want: "v2"},
		{name: "apigw", method: "GET", path: "/v2/apis/abc", want: "apigatewayv2"},
		{name: "iam form", method: "POST", path: "/", auth: auth("iam"), want: "iam"},
		{name: "sts form", method: "POST", path: "/", auth: auth("sts"), want: "sts"},
		{name: "s3 by scope", method: "PUT", path: "/bucket/key", auth: auth("s3"), want: "s3"},
		{name: "unknown scope", method: "POST", path: "/", auth: auth("kms"), want: `{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{name: "unsigned", method: "GET", path: "/", want: `{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(""))
			if tt.target != "" {
				r.Header.Set("X-Amz-Target", tt.target)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			if got := w.Body.String(); got != tt.want {
				t.Errorf("routed to %q; want %q", got, tt.want)
			}
		})
	}
}

func TestRouterNotFound(t *testing.T) {
	t.Parallel()
	rt := Router{NotFound: named("nf")}
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Body.String() != "nf" {
		t.Errorf("got %q", w.Body.String())
	}
}
