package logs

import (
	"strings"
	"testing"
)

func TestCompileFilterErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		`{ $.x = }`, `{ $.x`, `{ x = 1 }`, `{ $.x > "a" }`, `{ ($.x = 1 }`, `{ $.x = 1 } trailing`, `{ $ = 1 }`,
		`"unterminated`, `%[%`, `?`, `[a, b`, `[]`, `[a,,b]`, `[a>b]`,
	} {
		if _, err := CompileFilter(p); err == nil {
			t.Errorf("CompileFilter(%q): no error", p)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	c := cursor{ts: 1740830400000, id: 42}
	for _, dir := range []byte{'f', 'b'} {
		tok := c.token(dir)
		if len(tok) != 2+56+2 {
			t.Errorf("token %s has length %d", tok, len(tok))
		}
		d, got, ok := parseToken(tok)
		if !ok || d != dir || got != c {
			t.Errorf("parseToken(%s) = %c %v %v", tok, d, got, ok)
		}
	}
	for _, bad := range []string{"", "f/", "x/" + c.digits(), "f/" + strings.Repeat("9", 56), "f/-" + c.digits()[1:], "f/" + c.digits()[:40] + "0000000000000001"} {
		if _, _, ok := parseToken(bad); ok {
			t.Errorf("parseToken(%q) accepted", bad)
		}
	}
}

// FuzzCompileFilter compiles arbitrary patterns and matches them against
// arbitrary messages: no input may panic.
func FuzzCompileFilter(f *testing.F) {
	for _, seed := range []struct{ pattern, msg string }{
		{"ERROR", "an ERROR here"},
		{`?ERROR ?WARN -debug "exact phrase"`, "WARN exact phrase"},
		{`%a+b%`, "aab"},
		{`{ $.level = "error" && ($.code > 500 || $.user.id = u-*) }`, `{"level":"error","code":503}`},
		{`{ $.list[0].x IS TRUE }`, `{"list":[{"x":true}]}`},
		{`{ $.a NOT EXISTS || $.b IS NULL }`, `{"b":null}`},
		{`[ip, user, ..., status=4*, size>=100]`, `1.2.3.4 bob "GET / HTTP/1.1" [10/Oct/2000] 404 2326`},
		{`[..., a, ...]`, "x y z"},
	} {
		f.Add(seed.pattern, seed.msg)
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		flt, err := CompileFilter(pattern)
		if err != nil {
			return
		}
		flt.Match(msg)
		flt.Match(pattern)
	})
}

// FuzzParseToken checks that GetLogEvents tokens never panic the parser
// and that accepted ones round-trip.
func FuzzParseToken(f *testing.F) {
	f.Add(cursor{1, 2}.token('f'))
	f.Add(cursor{1740830400000, 99}.token('b'))
	f.Add("f/00")
	f.Fuzz(func(t *testing.T, tok string) {
		dir, c, ok := parseToken(tok)
		if !ok {
			return
		}
		if _, c2, ok := parseToken(c.token(dir)); !ok || c2 != c {
			t.Fatalf("%q: round trip %v -> %v", tok, c, c2)
		}
	})
}
