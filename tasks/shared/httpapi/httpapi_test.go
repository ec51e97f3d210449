package httpapi

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, stage, want string }{
		{"/orders/1", "$default", "/orders/1"},
		{"/prod/orders/1", "prod", "/orders/1"},
		{"/prod", "prod", "/"},
		{"/production/x", "prod", "/production/x"},
		{"", "", "/"},
	}
	for _, tc := range tests {
		var r events.APIGatewayV2HTTPRequest
		r.RawPath, r.RequestContext.Stage = tc.raw, tc.stage
		if got := Path(r); got != tc.want {
			t.Errorf("Path(%q on %q) = %q, want %q", tc.raw, tc.stage, got, tc.want)
		}
	}
}

func TestRequestParts(t *testing.T) {
	t.Parallel()
	r := events.APIGatewayV2HTTPRequest{Body: base64.StdEncoding.EncodeToString([]byte("d=approve")), IsBase64Encoded: true,
		Headers: map[string]string{"content-type": "text/plain"}}
	r.RequestContext.HTTP.Method = "post"
	if b, err := Body(r); err != nil || string(b) != "d=approve" {
		t.Errorf("Body = %q, %v", b, err)
	}
	if Method(r) != "POST" || Header(r, "Content-Type") != "text/plain" {
		t.Errorf("Method %q, Header %q", Method(r), Header(r, "Content-Type"))
	}
}

func TestResponses(t *testing.T) {
	t.Parallel()
	if r := Message(404, "order o-1 not found"); r.StatusCode != 404 || r.Body != `{"message":"order o-1 not found"}` || r.Headers["Content-Type"] != "application/json" {
		t.Errorf("Message = %+v", r)
	}
	if r := JSON(200, map[string]string{"url": "https://x/a?d=approve&s=1"}); r.Body != `{"url":"https://x/a?d=approve&s=1"}` {
		t.Errorf("JSON = %s", r.Body)
	}
	if r := JSON(200, func() {}); r.StatusCode != 500 {
		t.Errorf("JSON of a func = %+v", r)
	}
	if r := HTML(410, "<p>gone</p>"); r.StatusCode != 410 || r.Headers["X-Frame-Options"] != "DENY" || r.Headers["Content-Type"] != "text/html; charset=utf-8" {
		t.Errorf("HTML = %+v", r)
	}
}
