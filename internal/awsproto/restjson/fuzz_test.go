package restjson

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// FuzzInput routes any path and builds the input of any query string and
// body for every route it matches: no input may panic, a match has a value
// for every label, and the input is a JSON object unless an API error says
// why not.
func FuzzInput(f *testing.F) {
	f.Add("/2015-03-31/functions", "MaxItems=10&Marker=abc", `{"a":1}`)
	f.Add("/2017-03-31/tags/arn%3Ax", "tagKeys=a&tagKeys=b", ``)
	f.Add("/2015-03-31/functions/f/aliases/", "MaxItems=x", `[]`)
	f.Add("/v2/apis/a/exports/OAS30", "includeExtensions=1&%zz", `{"FunctionName":null}`)
	f.Add("/v2/apis//routes", "", `null`)
	f.Add("/%zz", "", `{"a":`)
	var handlers []*Handler
	for _, svc := range []string{"lambda", "apigatewayv2"} {
		for _, lax := range []bool{false, true} {
			h, err := New(Config{Service: svc, AllowTrailingSlash: lax, AllowEmptyLabels: lax,
				Handle:     func(context.Context, string, []byte) (any, error) { return nil, nil },
				WriteError: func(http.ResponseWriter, string, error) {}})
			if err != nil {
				f.Fatal(err)
			}
			handlers = append(handlers, h)
		}
	}
	f.Fuzz(func(t *testing.T, path, query, body string) {
		u := &url.URL{Path: path, RawQuery: query}
		if p, err := url.PathUnescape(path); err == nil {
			u.Path, u.RawPath = p, path
		}
		for _, h := range handlers {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				r := &http.Request{Method: method, URL: u, Header: http.Header{}}
				rt, labels, _ := h.match(r)
				if rt == nil {
					continue
				}
				if len(labels) != len(rt.labels) {
					t.Fatalf("%s %s: %d labels for %v", method, path, len(labels), rt.labels)
				}
				in, err := rt.input(r, labels, []byte(body), &h.cfg.Errors)
				var ae *awsproto.Error
				switch {
				case err != nil && !errors.As(err, &ae):
					t.Fatalf("%s: %T %v", rt.op, err, err)
				case err == nil && (!json.Valid(in) || in[0] != '{'):
					t.Fatalf("%s: input %s", rt.op, in)
				}
			}
		}
	})
}
