package restjson_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/restjson"
)

// writeTestError writes {"message": ...} with the code in X-Amzn-ErrorType.
func writeTestError(w http.ResponseWriter, reqID string, err error) {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		e = awsproto.InternalFailure(err.Error())
	}
	status, _ := restjson.ErrorStatus("lambda", e)
	b, _ := json.Marshal(map[string]string{"message": e.Message})
	restjson.WriteError(w, reqID, e.Code, status, b)
}

func TestHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    func(*restjson.Config)
		method string
		target string
		body   string
		// want
		status int
		code   string // X-Amzn-ErrorType; "" for a success
		op     string // the operation Handle ran
		input  string // and its input
		out    string // response body ("" to skip)
	}{
		{name: "query members", method: "GET", target: "/2015-03-31/functions?MaxItems=5&FunctionVersion=ALL&Other=x",
			status: 200, op: "ListFunctions", input: `{"FunctionVersion":"ALL","MaxItems":5}`, out: `{"ok":true}`},
		{name: "label and body", method: "POST", target: "/2015-03-31/functions/f%3A1/aliases", body: `{"Name":"live"}`,
			status: 201, op: "CreateAlias", input: `{"FunctionName":"f:1","Name":"live"}`},
		{name: "null body", method: "PUT", target: "/2015-03-31/functions/f/aliases/a", body: `null`,
			status: 200, op: "UpdateAlias", input: `{"FunctionName":"f","Name":"a"}`},
		{name: "blank body", method: "PUT", target: "/2015-03-31/functions/f/aliases/a", body: " \n",
			status: 200, op: "UpdateAlias", input: `{"FunctionName":"f","Name":"a"}`},
		{name: "list query", method: "DELETE", target: "/2017-03-31/tags/arn?tagKeys=a&tagKeys=b",
			status: 204, op: "UntagResource", input: `{"Resource":"arn","TagKeys":["a","b"]}`, out: "-"},
		{name: "number query", method: "GET", target: "/2015-03-31/functions/f/versions?MaxItems=2",
			status: 200, op: "ListVersionsByFunction", input: `{"FunctionName":"f","MaxItems":2}`},
		{name: "boolean query", cfg: func(c *restjson.Config) { c.Service, c.Operations = "apigatewayv2", []string{"ExportApi"} },
			method: "GET", target: "/v2/apis/a/exports/OAS30?includeExtensions=true&outputType=YAML",
			status: 200, op: "ExportApi", input: `{"ApiId":"a","IncludeExtensions":true,"OutputType":"YAML","Specification":"OAS30"}`},
		{name: "number query not canonical", method: "GET", target: "/2015-03-31/functions/f/versions?MaxItems=%2B007",
			status: 200, op: "ListVersionsByFunction", input: `{"FunctionName":"f","MaxItems":7}`},
		{name: "bad number", method: "GET", target: "/2015-03-31/functions?MaxItems=x",
			status: 400, code: awsproto.CodeValidation, out: `{"message":"MaxItems must be a number: \"x\""}`},
		{name: "bad number worded", cfg: func(c *restjson.Config) {
			c.Errors.BadQueryInteger = func(param, value string) error {
				return awsproto.NewError("InvalidParameterValueException", param+" is "+value)
			}
		}, method: "GET", target: "/2015-03-31/functions?MaxItems=1.5",
			status: 400, code: "InvalidParameterValueException", out: `{"message":"MaxItems is 1.5"}`},
		{name: "not JSON", method: "POST", target: "/2015-03-31/functions", body: `{x`,
			status: 400, code: awsproto.CodeSerialization},
		{name: "not an object", method: "POST", target: "/2015-03-31/functions", body: `[1]`,
			status: 400, code: awsproto.CodeSerialization, out: `{"message":"Could not parse the request body as a JSON object."}`},
		{name: "no operation", method: "GET", target: "/2015-03-31/nothing",
			status: 404, code: awsproto.CodeUnknownOperation},
		{name: "other method", method: "PATCH", target: "/2015-03-31/functions",
			status: 405, code: "MethodNotAllowedException", out: `{"message":"The method PATCH is not allowed on /2015-03-31/functions."}`},
		{name: "trailing slash refused", method: "GET", target: "/2015-03-31/functions/",
			status: 404, code: awsproto.CodeUnknownOperation},
		{name: "trailing slash allowed", cfg: func(c *restjson.Config) { c.AllowTrailingSlash = true },
			method: "GET", target: "/2015-03-31/functions/", status: 200, op: "ListFunctions", input: `{}`},
		{name: "empty label refused", method: "GET", target: "/2015-03-31/functions//aliases",
			status: 404, code: awsproto.CodeUnknownOperation},
		{name: "empty label allowed", cfg: func(c *restjson.Config) { c.AllowEmptyLabels = true },
			method: "GET", target: "/2015-03-31/functions//aliases", status: 200, op: "ListAliases", input: `{"FunctionName":""}`},
		{name: "operation not served", method: "GET", target: "/2015-03-31/event-source-mappings",
			status: 404, code: awsproto.CodeUnknownOperation},
		{name: "too large", cfg: func(c *restjson.Config) { c.MaxBodyBytes = func(string) int64 { return 4 } },
			method: "POST", target: "/2015-03-31/functions", body: `{"a":1}`, status: 413, code: awsproto.CodeRequestEntityTooLarge},
		{name: "service error", cfg: func(c *restjson.Config) {
			c.Handle = func(context.Context, string, []byte) (any, error) {
				return nil, awsproto.NewError("ResourceNotFoundException", "Function not found: f")
			}
		}, method: "GET", target: "/2015-03-31/functions/f", status: 404, code: "ResourceNotFoundException",
			out: `{"message":"Function not found: f"}`},
		{name: "worded errors", cfg: func(c *restjson.Config) {
			c.Errors.NotObject = func(body []byte, err error) error {
				var se *json.SyntaxError
				return awsproto.NewError("InvalidRequestContentException", "bad "+string(body)+" "+
					map[bool]string{true: "syntax", false: "type"}[errors.As(err, &se)])
			}
		}, method: "POST", target: "/2015-03-31/functions", body: `{x`, status: 400, code: "InvalidRequestContentException",
			out: `{"message":"bad {x syntax"}`},
		{name: "raw operation", cfg: func(c *restjson.Config) {
			c.Raw = map[string]restjson.RawHandlerFunc{"Invoke": func(ctx context.Context, w http.ResponseWriter, req *restjson.Request) {
				if req.ID == "" || awsproto.RequestID(ctx) != req.ID {
					t.Errorf("request ID %q, context %q", req.ID, awsproto.RequestID(ctx))
				}
				_, _ = io.WriteString(w, req.Op+" "+strings.Join(req.Labels, ",")+" "+string(req.Body)+" "+req.HTTP.URL.RawQuery)
			}}
		}, method: "POST", target: "/2015-03-31/functions/f/invocations?Qualifier=1", body: `not json`,
			status: 200, out: "Invoke f not json Qualifier=1"},
		{name: "authenticated", cfg: func(c *restjson.Config) {
			c.Authenticate = func(r *http.Request, body []byte) (*awsproto.Credential, error) {
				return &awsproto.Credential{Service: "lambda"}, nil
			}
		}, method: "GET", target: "/2015-03-31/functions", status: 200, op: "ListFunctions", input: `{}`},
		{name: "not authenticated", cfg: func(c *restjson.Config) {
			c.Authenticate = func(r *http.Request, body []byte) (*awsproto.Credential, error) {
				return nil, awsproto.MissingAuthenticationToken()
			}
		}, method: "GET", target: "/2015-03-31/functions", status: 403, code: awsproto.CodeMissingAuthenticationToken},
		{name: "other service's credential", cfg: func(c *restjson.Config) {
			c.Authenticate = func(r *http.Request, body []byte) (*awsproto.Credential, error) {
				return &awsproto.Credential{Service: "s3"}, nil
			}
		}, method: "GET", target: "/2015-03-31/functions", status: 403, code: awsproto.CodeInvalidSignature,
			out: `{"message":"Credential should be scoped to correct service: 'lambda'. "}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var gotOp, gotInput string
			cfg := restjson.Config{
				Service:    "lambda",
				Operations: []string{"ListFunctions", "GetFunction", "CreateFunction", "CreateAlias", "UpdateAlias", "ListAliases", "UntagResource", "ListVersionsByFunction", "Invoke"},
				Handle: func(ctx context.Context, op string, input []byte) (any, error) {
					if awsproto.RequestID(ctx) == "" {
						t.Error("no request ID in the context")
					}
					gotOp, gotInput = op, string(input)
					return json.RawMessage(`{"ok":true}`), nil
				},
				WriteError: writeTestError,
			}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			h, err := restjson.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("X-Amzn-ErrorType"); got != tt.code {
				t.Errorf("X-Amzn-ErrorType = %q, want %q", got, tt.code)
			}
			if tt.out == "-" {
				tt.out = ""
				if w.Body.Len() != 0 {
					t.Errorf("body = %q, want none", w.Body)
				}
			}
			if tt.out != "" && w.Body.String() != tt.out {
				t.Errorf("body = %s, want %s", w.Body, tt.out)
			}
			if gotOp != tt.op || gotInput != tt.input {
				t.Errorf("ran %s %s, want %s %s", gotOp, gotInput, tt.op, tt.input)
			}
			if tt.op != "" && tt.code == "" && tt.status != http.StatusNoContent {
				if ct := w.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	handle := func(context.Context, string, []byte) (any, error) { return nil, nil }
	tests := []struct {
		name string
		cfg  restjson.Config
		ok   bool
	}{
		{"every operation", restjson.Config{Service: "apigatewayv2", Handle: handle, WriteError: writeTestError}, true},
		{"no Handle", restjson.Config{Service: "lambda", WriteError: writeTestError}, false},
		{"no WriteError", restjson.Config{Service: "lambda", Handle: handle}, false},
		{"unknown model", restjson.Config{Service: "nope", Handle: handle, WriteError: writeTestError}, false},
		{"awsJson model", restjson.Config{Service: "sfn", Handle: handle, WriteError: writeTestError}, false},
		{"unknown operation", restjson.Config{Service: "lambda", Operations: []string{"Fly"}, Handle: handle, WriteError: writeTestError}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := restjson.New(tt.cfg); (err == nil) != tt.ok {
				t.Errorf("New: err = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestErrorStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    *awsproto.Error
		status int
		sender bool
	}{
		{awsproto.NewError("ResourceNotFoundException", "x"), 404, true},
		{awsproto.NewError("ServiceException", "x"), 500, false},
		{awsproto.NewError("NoSuchCode", "x"), 400, true},
		{&awsproto.Error{Code: "MethodNotAllowedException", Status: 405, Sender: true}, 405, true},
		{awsproto.InvalidSignature(""), 403, true},
		{awsproto.AccessDenied("no"), 403, true},
	}
	for _, tt := range tests {
		status, sender := restjson.ErrorStatus("lambda", tt.err)
		if status != tt.status || sender != tt.sender {
			t.Errorf("ErrorStatus(%s) = %d, %v, want %d, %v", tt.err.Code, status, sender, tt.status, tt.sender)
		}
	}
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body  string
		limit int64
		want  string
		err   error
	}{
		{"", 10, "", nil},
		{"abc", 3, "abc", nil},
		{"abcd", 3, "", restjson.ErrTooLarge},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		b, err := restjson.ReadBody(r, tt.limit)
		if string(b) != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ReadBody(%q, %d) = %q, %v, want %q, %v", tt.body, tt.limit, b, err, tt.want, tt.err)
		}
	}
	// A body of unknown length is cut at the limit too.
	r := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader("abcd")))
	r.ContentLength = -1
	if _, err := restjson.ReadBody(r, 3); !errors.Is(err, restjson.ErrTooLarge) {
		t.Errorf("ReadBody of an unsized body over the limit: %v", err)
	}
}
