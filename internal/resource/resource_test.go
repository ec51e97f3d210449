package resource_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stepflow/stepflow/internal/resource"
)

type tags = []resource.Tag

func TestMergeTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		have, add, out tags
	}{
		{name: "nothing", out: tags{}},
		{name: "new", add: tags{{"a", "1"}}, out: tags{{"a", "1"}}},
		{name: "replaced in place", have: tags{{"a", "1"}, {"b", "2"}}, add: tags{{"a", "9"}, {"c", "3"}},
			out: tags{{"a", "9"}, {"b", "2"}, {"c", "3"}}},
		{name: "same key twice", add: tags{{"a", "1"}, {"a", "2"}}, out: tags{{"a", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := append(tags(nil), tt.have...)
			got := resource.MergeTags(tt.have, tt.add)
			if !reflect.DeepEqual(got, tt.out) {
				t.Errorf("MergeTags = %v; want %v", got, tt.out)
			}
			if !reflect.DeepEqual(tt.have, before) {
				t.Errorf("MergeTags changed have to %v", tt.have)
			}
		})
	}
}

func TestDropTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		have, out tags
		keys      []string
	}{
		{name: "nothing", out: tags{}},
		{name: "some", have: tags{{"a", "1"}, {"b", "2"}, {"c", "3"}}, keys: []string{"c", "a", "x"}, out: tags{{"b", "2"}}},
		{name: "all", have: tags{{"a", "1"}}, keys: []string{"a"}, out: tags{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := append(tags(nil), tt.have...)
			if got := resource.DropTags(tt.have, tt.keys); !reflect.DeepEqual(got, tt.out) {
				t.Errorf("DropTags = %v; want %v", got, tt.out)
			}
			if !reflect.DeepEqual(tt.have, before) {
				t.Errorf("DropTags changed have to %v", tt.have)
			}
		})
	}
}

func TestPage(t *testing.T) {
	t.Parallel()
	many := make([]string, 150)
	for i := range many {
		many[i] = fmt.Sprintf("n%03d", i)
	}
	tests := []struct {
		name      string
		names     []string
		after     string
		limit     int
		want      []string
		wantAfter string // the position the next token encodes; "" for none
	}{
		{name: "empty", want: nil},
		{name: "sorted", names: []string{"c", "a", "b"}, want: []string{"a", "b", "c"}},
		{name: "first page", names: []string{"c", "a", "b"}, limit: 2, want: []string{"a", "b"}, wantAfter: "b"},
		{name: "last page", names: []string{"c", "a", "b"}, after: "b", limit: 2, want: []string{"c"}},
		{name: "exactly full", names: []string{"a", "b"}, limit: 2, want: []string{"a", "b"}},
		{name: "after a name gone", names: []string{"a", "c", "d"}, after: "b", limit: 1, want: []string{"c"}, wantAfter: "c"},
		{name: "default size", names: many, want: many[:100], wantAfter: many[99]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, next := resource.Page(append([]string(nil), tt.names...), tt.after, tt.limit)
			if !reflect.DeepEqual(got, tt.want) && (len(got) != 0 || len(tt.want) != 0) {
				t.Errorf("Page = %v; want %v", got, tt.want)
			}
			wantNext := ""
			if tt.wantAfter != "" {
				wantNext = resource.Token(tt.wantAfter)
			}
			if next != wantNext {
				t.Errorf("next = %q; want %q", next, wantNext)
			}
		})
	}
}

func TestParseToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tok  string
		want string
		ok   bool
	}{
		{tok: "", want: "", ok: true},
		{tok: resource.Token("default/s1"), want: "default/s1", ok: true},
		{tok: "not base64!", ok: false},
		{tok: "=", ok: false},
	}
	for _, tt := range tests {
		if got, ok := resource.ParseToken(tt.tok); got != tt.want || ok != tt.ok {
			t.Errorf("ParseToken(%q) = %q, %v; want %q, %v", tt.tok, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	for _, s := range []string{"", "a", "default/s1", resource.Token("x"), "%%%", "AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s != "" {
			if got, ok := resource.ParseToken(resource.Token(s)); !ok || got != s {
				t.Fatalf("ParseToken(Token(%q)) = %q, %v", s, got, ok)
			}
		}
		if pos, ok := resource.ParseToken(s); ok != (s == "" || pos != "") {
			t.Fatalf("ParseToken(%q) = %q, %v: only no token is the empty position", s, pos, ok)
		}
	})
}
