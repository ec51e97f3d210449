package apigateway

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// fakeSource is a mapSource with fixed values.
type fakeSource struct {
	headers, queries, params, ctx, stage map[string]string
	path                                 string
	payload                              string
}

func (f *fakeSource) header(n string) (string, bool) {
	for k, v := range f.headers {
		if strings.EqualFold(k, n) {
			return v, true
		}
	}
	return "", false
}
func (f *fakeSource) query(n string) (string, bool)         { v, ok := f.queries[n]; return v, ok }
func (f *fakeSource) pathParam(n string) (string, bool)     { v, ok := f.params[n]; return v, ok }
func (f *fakeSource) requestPath() string                   { return f.path }
func (f *fakeSource) body() []byte                          { return []byte(f.payload) }
func (f *fakeSource) context(n string) (string, bool)       { v, ok := f.ctx[n]; return v, ok }
func (f *fakeSource) stageVariable(n string) (string, bool) { v, ok := f.stage[n]; return v, ok }
func (f *fakeSource) bodyIsJSON() bool {
	_, err := jsonv.Parse([]byte(f.payload))
	return err == nil
}

func TestMapping(t *testing.T) {
	t.Parallel()
	src := &fakeSource{
		headers: map[string]string{"X-User": "ann", "Content-Type": "application/json"},
		queries: map[string]string{"q": "1,2", "page": "3"},
		params:  map[string]string{"id": "o-9", "proxy": "a/b"},
		ctx:     map[string]string{"requestId": "rid=", "stage": "prod", "identity.sourceIp": "127.0.0.1"},
		stage:   map[string]string{"sm": "arn:sm", "env": "dev"},
		path:    "/prod/orders/o-9",
		payload: `{"orderId":"o-1","total":5,"ok":true,"n":null,"items":[{"sku":"a"},{"sku":"b"}],"a-b":{"c":1},"o":{"z":1,"y":[1,2]}}`,
	}
	tests := []struct {
		expr    string
		want    string
		missing bool
	}{
		{expr: "static value", want: "static value"},
		{expr: "", want: ""},
		{expr: "$request.body", want: src.payload},
		{expr: "$request.body.orderId", want: "o-1"},
		{expr: "$request.body.total", want: "5"},
		{expr: "$request.body.ok", want: "true"},
		{expr: "$request.body.n", want: "null"},
		{expr: "$request.body.o", want: `{"z":1,"y":[1,2]}`},
		{expr: "$request.body.items[1].sku", want: "b"},
		{expr: "$request.body.items[5].sku", missing: true},
		{expr: "$request.body['a-b'].c", want: "1"},
		{expr: `$request.body["a-b"]`, want: `{"c":1}`},
		{expr: "$request.body.nope", missing: true},
		{expr: "$request.body.orderId.x", missing: true},
		{expr: "$request.header.x-user", want: "ann"},
		{expr: "$request.header.X-User", want: "ann"},
		{expr: "$request.header.x-none", missing: true},
		{expr: "$request.querystring.q", want: "1,2"},
		{expr: "$request.path.id", want: "o-9"},
		{expr: "$request.path.proxy", want: "a/b"},
		{expr: "$request.path", want: "/prod/orders/o-9"},
		{expr: "$context.requestId", want: "rid="},
		{expr: "$context.identity.sourceIp", want: "127.0.0.1"},
		{expr: "$stageVariables.sm", want: "arn:sm"},
		{expr: "$stageVariables.none", missing: true},
		{expr: "order-$request.path.id-${context.stage}", want: "order-o-9-prod"},
		{expr: "${request.header.x-user}${request.querystring.page}", want: "ann3"},
		{expr: `{"id":"$request.body.orderId","env":"$stageVariables.env"}`, want: `{"id":"o-1","env":"dev"}`},
		{expr: "missing: [$request.header.nope]", want: "missing: []"},
		{expr: "cost $5 and $ more $requests", want: "cost $5 and $ more $requests"},
		{expr: "$context.requestId.", want: "rid=."},
		{expr: "$request.body.orderId-x", want: "o-1-x"},
	}
	for _, tt := range tests {
		m, err := parseMapping(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		got, ok := m.eval(src)
		if ok == tt.missing {
			t.Errorf("%q: present = %v, want %v (value %q)", tt.expr, ok, !tt.missing, got)
			continue
		}
		if !tt.missing && got != tt.want {
			t.Errorf("%q = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestMappingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{"$request.body..x", "recursive descent"},
		{"$request.body.*", "wildcards"},
		{"$request.body[?(@.a)]", "filters"},
		{"$request.body[*]", "unsupported [*]"},
		{"$request.body[1", "unterminated ["},
		{"$request.body.", "a name must follow"},
		{"$request.header.", "needs a name"},
		{"$request.method", "unsupported expression $request.method"},
		{"$request.bodyx", "unsupported expression"},
		{"$context.nope", "unsupported context variable $context.nope"},
		{"$context.", "needs a name"},
		{"${request.header.x", "unterminated ${"},
		{"${context.stage x}", "unexpected text"},
		{"${nope}", "unsupported expression"},
		{strings.Repeat("a", 513), "longer than 512"},
	}
	for _, tt := range tests {
		_, err := parseMapping(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.expr, err, tt.want)
		}
	}
}

// FuzzMapping parses and evaluates mapping expressions: no input may
// panic, and text without "$" maps to itself.
func FuzzMapping(f *testing.F) {
	for _, s := range []string{
		"$request.body", "$request.body.a[0]['b']", "order-$request.path.id-${context.stage}", "${request.header.x}",
		"$context.identity.sourceIp", "$stageVariables.x", "$request.body..x", "${", "$", "$$request.body",
		`{"a":"$request.querystring.q"}`, "$request.body[99999999999999999999]", "$request.body['", "$context.requestId.x",
	} {
		f.Add(s, `{"a":[{"b":1}],"x":"y"}`)
	}
	f.Fuzz(func(t *testing.T, expr, body string) {
		m, err := parseMapping(expr)
		if err != nil {
			return
		}
		src := &fakeSource{payload: body, path: "/p", headers: map[string]string{"x": "1"},
			ctx: map[string]string{"stage": "s", "requestId": "r", "identity.sourceIp": "i"}}
		got, ok := m.eval(src)
		if !strings.Contains(expr, "$") && len(expr) <= maxMappingLength && (!ok || got != expr) {
			t.Fatalf("%q = %q, %v", expr, got, ok)
		}
	})
}

// walk is the reference for lookupJSON: the value at path in the decoded
// document.
func walk(v jsonv.Value, path []pathKey) (jsonv.Value, bool) {
	for _, k := range path {
		switch x := v.(type) {
		case *jsonv.Object:
			if k.isIdx {
				return nil, false
			}
			var ok bool
			if v, ok = x.Get(k.name); !ok {
				return nil, false
			}
		case []any:
			if !k.isIdx || k.index >= len(x) {
				return nil, false
			}
			v = x[k.index]
		default:
			return nil, false
		}
	}
	return v, true
}

// FuzzLookupJSON checks the raw body path lookup against decoding the whole
// body.
func FuzzLookupJSON(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":[{"b":1},{"b":"x\"y"}]}`, ".a[1].b"}, {`{"a":1,"a":2}`, ".a"}, {` [ 1 , [2,{"c" : null}] ] `, "[1][1].c"},
		{`{"k\u0041":true}`, ".kA"}, {`{"a":{"b":[]}}`, ".a.b[0]"}, {`"s"`, ".x"}, {`{"a b":1}`, "['a b']"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, body, path string) {
		doc, err := jsonv.Parse([]byte(body))
		if err != nil {
			return
		}
		keys, n, err := parseBodyPath(path)
		if err != nil || n != len(path) {
			return
		}
		want, wantOK := walk(doc, keys)
		raw, ok := lookupJSON([]byte(body), keys)
		if ok != wantOK {
			t.Fatalf("%s %s: found %v, want %v", body, path, ok, wantOK)
		}
		if !ok {
			return
		}
		got, err := jsonv.Parse(raw)
		if err != nil {
			t.Fatalf("%s %s: raw %q: %v", body, path, raw, err)
		}
		if !jsonv.Equal(got, want) || jsonv.Marshal(got) != jsonv.Marshal(want) {
			t.Fatalf("%s %s: got %s, want %s", body, path, jsonv.Marshal(got), jsonv.Marshal(want))
		}
	})
}
