// Package httpapi holds what the reference application's API Gateway HTTP
// API Lambdas (payload format 2.0) share: the request's method and path,
// and JSON and HTML responses.
package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Method is the request's HTTP method.
func Method(req events.APIGatewayV2HTTPRequest) string {
	return strings.ToUpper(req.RequestContext.HTTP.Method)
}

// Path is the request's path without the stage ("/prod/orders/1" on
// stage prod is "/orders/1"; the $default stage adds nothing).
func Path(req events.APIGatewayV2HTTPRequest) string {
	p := req.RawPath
	if p == "" {
		p = req.RequestContext.HTTP.Path
	}
	if st := req.RequestContext.Stage; st != "" && st != "$default" {
		if rest, ok := strings.CutPrefix(p, "/"+st); ok && (rest == "" || rest[0] == '/') {
			p = rest
		}
	}
	if p == "" {
		p = "/"
	}
	return p
}

// Body is the request's body, decoded when API Gateway sent it in base64.
func Body(req events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if req.IsBase64Encoded {
		return base64.StdEncoding.DecodeString(req.Body)
	}
	return []byte(req.Body), nil
}

// Header returns a request header (API Gateway lower-cases their names).
func Header(req events.APIGatewayV2HTTPRequest, name string) string {
	name = strings.ToLower(name)
	for k, v := range req.Headers {
		if strings.ToLower(k) == name {
			return v
		}
	}
	return ""
}

// JSON is a response with v as its JSON body (URLs' "&" left as is).
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	body := ""
	if err := enc.Encode(v); err != nil {
		// Our response types always marshal.
		status, body = 500, `{"message":"internal error: could not write the response"}`
	} else {
		body = strings.TrimSuffix(b.String(), "\n")
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       body,
	}
}

// Message is a JSON response {"message": msg}.
func Message(status int, msg string) events.APIGatewayV2HTTPResponse {
	return JSON(status, struct {
		Message string `json:"message"`
	}{msg})
}

// HTML is an HTML page response, with headers that keep the page from
// being framed, cached, or leaking its URL (which holds a signature).
func HTML(status int, page string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":            "text/html; charset=utf-8",
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
			"X-Content-Type-Options":  "nosniff",
		},
		Body: page,
	}
}
