package apigateway

import (
	"strings"
	"testing"
)

func TestParseRouteKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key     string
		wantErr string
	}{
		{key: "$default"},
		{key: "GET /"},
		{key: "POST /orders"},
		{key: "GET /orders/{id}"},
		{key: "ANY /{proxy+}"},
		{key: "DELETE /a/{b}/c/{d+}"},
		{key: "GET /v1.0/items-list/{item_id}"},
		{key: "get /x", wantErr: "unknown method"},
		{key: "FETCH /x", wantErr: "unknown method"},
		{key: "GET", wantErr: "no path"},
		{key: "GET x", wantErr: "must start with /"},
		{key: "GET /a//b", wantErr: "empty segment"},
		{key: "GET /a/", wantErr: "empty segment"},
		{key: "GET /{p+}/x", wantErr: "must be the last segment"},
		{key: "GET /a{b}", wantErr: "whole segment"},
		{key: "GET /{}", wantErr: "whole segment"},
		{key: "GET /{a b}", wantErr: "invalid path variable"},
		{key: "GET /{id}/{id}", wantErr: "appears twice"},
		{key: "GET /a b", wantErr: "invalid character"},
		{key: "$connect", wantErr: "no path"},
	}
	for _, tt := range tests {
		rk, err := parseRouteKeyErr(tt.key)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.key, err)
				continue
			}
			if got := rk.String(); got != tt.key {
				t.Errorf("%q: String() = %q", tt.key, got)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q: err = %v, want %q", tt.key, err, tt.wantErr)
		}
	}
	if _, err := parseRouteKey("GET"); err == nil || !strings.Contains(err.Error(), "BadRequestException") ||
		!strings.Contains(err.Error(), `"ANY /{proxy+}"`) {
		t.Errorf("parseRouteKey error = %v", err)
	}
}

// TestRouteSelection is AWS's documented example of route selection for
// HTTP APIs, and more.
func TestRouteSelection(t *testing.T) {
	t.Parallel()
	tables := []struct {
		routes []string
		cases  [][3]string // method, path, want route ("" for none) | params
	}{
		{
			routes: []string{"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"},
			cases: [][3]string{
				{"GET", "/pets/dog/1", "GET /pets/dog/1"},
				{"GET", "/pets/dog/2", "GET /pets/dog/{id}|id=2"},
				{"GET", "/pets/cat/1", "GET /pets/{proxy+}|proxy=cat/1"},
				{"POST", "/pets/dog/1", "ANY /{proxy+}|proxy=pets/dog/1"},
				{"GET", "/", "$default"},
				{"GET", "/pets", "ANY /{proxy+}|proxy=pets"},
				{"GET", "/pets/", "ANY /{proxy+}|proxy=pets/"},
			},
		},
		{
			routes: []string{"ANY /orders", "GET /orders", "GET /orders/{id}", "POST /orders/{id}/items", "GET /{a}/{b}"},
			cases: [][3]string{
				{"GET", "/orders", "GET /orders"},
				{"DELETE", "/orders", "ANY /orders"},
				{"GET", "/orders/7", "GET /orders/{id}|id=7"},
				{"GET", "/users/7", "GET /{a}/{b}|a=users,b=7"},
				{"POST", "/orders/7/items", "POST /orders/{id}/items|id=7"},
				{"GET", "/orders/7/items", ""},
				{"GET", "/orders//", ""},
				{"HEAD", "/orders", "ANY /orders"},
				{"HEAD", "/users/7", ""},
				{"GET", "/Orders", ""}, // paths are case-sensitive
			},
		},
		{
			routes: []string{"GET /a/{x}/c", "GET /{y}/b/c", "GET /a/{proxy+}", "GET /a/b/{proxy+}"},
			cases: [][3]string{
				{"GET", "/a/b/c", "GET /a/{x}/c|x=b"},
				{"GET", "/z/b/c", "GET /{y}/b/c|y=z"},
				{"GET", "/a/b/d", "GET /a/b/{proxy+}|proxy=d"},
				{"GET", "/a/q/d/e", "GET /a/{proxy+}|proxy=q/d/e"},
				{"GET", "/a/b%2Fc/c", "GET /a/{x}/c|x=b/c"},
				{"GET", "/a%20b/b/c", "GET /{y}/b/c|y=a b"},
			},
		},
	}
	for _, tab := range tables {
		a := newAPIState(1, &apiDoc{APIID: "abc"})
		for i, k := range tab.routes {
			id := string(rune('a' + i))
			a.routes[id] = entry[routeDoc]{seq: int64(i), doc: &routeDoc{RouteID: id, RouteKey: k}}
		}
		a.compile()
		c := a.compiled.Load()
		for _, tc := range tab.cases {
			segs, ok := splitPath(tc[1])
			if !ok {
				t.Fatalf("splitPath(%q) failed", tc[1])
			}
			wantKey, wantParams, _ := strings.Cut(tc[2], "|")
			r, params := c.route(tc[0], segs)
			got := ""
			if r != nil {
				got = r.text
			}
			if got != wantKey {
				t.Errorf("%v %s %s: route %q, want %q", tab.routes, tc[0], tc[1], got, wantKey)
				continue
			}
			if strings.Contains(tc[2], "|") {
				var ps []string
				for _, p := range params {
					ps = append(ps, p.name+"="+p.value)
				}
				if g := strings.Join(ps, ","); g != wantParams {
					t.Errorf("%s %s: params %q, want %q", tc[0], tc[1], g, wantParams)
				}
			}
		}
	}
}

// FuzzRouteKey parses route keys and matches them against paths: no input
// may panic, a parsed key renders back to itself, and a key built from a
// path's literal segments matches that path.
func FuzzRouteKey(f *testing.F) {
	for _, s := range [][2]string{
		{"GET /orders/{id}", "/orders/1"}, {"ANY /{proxy+}", "/a/b/c"}, {"$default", "/"}, {"POST /", "/"},
		{"GET /a/{b}/{c+}", "/a/x/y/z"}, {"GET /{a}", "/%zz"}, {"PUT /x//y", "//"}, {"GET /{p+}/x", "/p/x"},
		{"DELETE /ü/{ß}", "/%C3%BC/x"}, {"GET /{a}/{a}", "/1/2"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, path string) {
		rk, err := parseRouteKeyErr(key)
		if err == nil {
			if got := rk.String(); got != key {
				t.Fatalf("String() = %q, want %q", got, key)
			}
			if _, err := parseRouteKey(key); err != nil {
				t.Fatal(err)
			}
		}
		segs, ok := splitPath(path)
		if !ok {
			return
		}
		if err == nil {
			params, matched := rk.match("GET", segs, nil)
			if matched && rk.greedy == "" && !rk.isDefault && len(params) != countParams(rk) {
				t.Fatalf("params %v for %q", params, key)
			}
			_ = rk.moreSpecific(rk)
		}
		// A literal route key for the path matches it.
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "{}?# \t\r\n\x00\x7f%") {
			return
		}
		lit := "GET " + path
		if lk, err := parseRouteKeyErr(lit); err == nil {
			if _, ok := lk.match("GET", segs, nil); !ok {
				t.Fatalf("%q does not match %q", lit, path)
			}
		}
	})
}

func countParams(rk *routeKey) int {
	n := 0
	for _, s := range rk.segs {
		if s.param != "" {
			n++
		}
	}
	return n
}
