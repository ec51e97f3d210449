package jsonpath

import (
	"errors"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

var fuzzPaths = []string{
	"$", "$.a.b", "$['a b']", `$["x"]`, "$.a[0]", "$.a[-1]", "$.a[*]", "$.a[1:3]", "$.a[:2]", "$.a[-2:]",
	"$..deep", "$..[0].x", "$.a[?(@.x > 1)]", "$.a[?(@.x > 1 && @.y == 'z' || !@.w)]", "$.a[0,2]",
	"$$.Execution.Id", "$myVar.x.y", "$['a','b']", "$.a[(@.length-1)]", "$.a.length()",
	"$.a[?(@.s =~ /a.*/i)]", "$.a[?(@.t in ['x', 2, {\"k\": null}])]", "$.a[?(@.b[?(@.c)])]",
	"$.a[?(!(@.x == $.y))]", "$.a[?(@.l size 2 && @.e empty false)]", "$['Test\\\"\"Name\"']",
	"$.", "$[", "$['a", "$[?(", "$[1:x]", "$a-b",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzPaths {
		f.Add(s)
	}
	doc := jsonv.MustParse(`{"a":[{"x":2,"y":"z","s":"abc","l":[1,2],"e":[1]},{"b":[{"c":1}]},3,"s"],"deep":{"deep":[1]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error of type %T", s, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q) error offset %d out of range", s, se.Offset)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q, want %q", p.String(), s)
		}
		_ = p.Normalized()
		if p.IsReference() && !p.IsDefinite() {
			t.Fatalf("%q is a reference path but not definite", s)
		}
		checkGet(t, p, doc)
	})
}

func FuzzGet(f *testing.F) {
	docs := []string{`{}`, `[]`, `null`, `"s"`, `{"a":{"b":[1,{"c":true}]},"x":[{"y":1},{"y":"2"},3]}`, `[[1,2],[3,[4]]]`}
	for i, s := range fuzzPaths {
		f.Add(s, docs[i%len(docs)])
	}
	f.Fuzz(func(t *testing.T, path, doc string) {
		p, err := Parse(path)
		if err != nil {
			return
		}
		v, err := jsonv.ParseString(doc)
		if err != nil {
			return
		}
		checkGet(t, p, v)
	})
}

// checkGet evaluates p on doc every way and checks the results agree.
func checkGet(t *testing.T, p *Path, doc jsonv.Value) {
	t.Helper()
	v, ok := p.Get(doc)
	if !p.IsDefinite() {
		if _, isList := v.([]any); !ok || !isList {
			t.Fatalf("Get(%q) of an indefinite path = %v, %v; want a list", p, v, ok)
		}
	}
	lv, err := p.Lookup(doc)
	if ok != (err == nil) || (ok && jsonv.Marshal(lv) != jsonv.Marshal(v)) {
		t.Fatalf("Lookup(%q) = %v, %v disagrees with Get = %v, %v", p, lv, err, v, ok)
	}
	if err != nil && err.Error() == "" {
		t.Fatalf("Lookup(%q) gave an empty message", p)
	}
	if !p.IsReference() {
		return
	}
	before := jsonv.Marshal(doc)
	out, err := Set(doc, p, "new")
	if jsonv.Marshal(doc) != before {
		t.Fatalf("Set(%q) modified its input", p)
	}
	if err != nil {
		if !errors.Is(err, ErrCannotSet) {
			t.Fatalf("Set(%q) error %v does not wrap ErrCannotSet", p, err)
		}
		return
	}
	if got, ok := p.Get(out); !ok || got != "new" {
		t.Fatalf("after Set(%q), Get = %v, %v", p, got, ok)
	}
}
