package intrinsics

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/asl/failure"
)

func TestIsCall(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"States.Format('x')":  true,
		"  States.UUID()":     true,
		"States.Nope(":        true, // looks like one; Parse says what is wrong
		"$.States.Format":     false,
		"$":                   false,
		"states.Format('x')":  false,
		"":                    false,
		"Hello States.UUID()": false,
	} {
		if got := IsCall(s); got != want {
			t.Errorf("IsCall(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	good := []string{
		"States.UUID()",
		"States.Array()",
		" States.Array( 1 , 'a' ,$.b ) ",
		"States.Array(1,2)",
		"States.Format('Hello {}', $.name)",
		`States.Format('\'\{\}\\')`,
		"States.Format('multi\nline {}', $$.Execution.Id)",
		"States.StringToJson('{\"a\": [1, \"b\"]}')",
		"States.Array(-1, 0, 0.5, -0.5e-3, 1E+9, true, false, null)",
		"States.Array($var, $var.field, $$.Map.Item.Value, $)",
		"States.Array($.a[0], $.a[*])",
		"States.MathRandom(1, 2, 3)",
		"States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array()))))))))) ",
		"States.Format('{}', 'a,b)c')",
		"States.Array($.a.length(), $.b[?(@.c == ')')], $['x,y'], $.c[-1:], $..d)",
	}
	for _, s := range good {
		e, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if e.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, e.String())
		}
	}

	bad := []struct{ in, msg string }{
		{"", "must start with 'States.'"},
		{"$.a", "must start with 'States.'"},
		{"States.", "missing function name after 'States.'"},
		{"States.Nope()", "unknown intrinsic function 'States.Nope'"},
		{"States.format('x')", "unknown intrinsic function 'States.format'"},
		{"States.UUID", "expected '(' after 'States.UUID'"},
		{"States.Array(", "missing argument"},
		{"States.Array(1", "missing ')' to close 'States.Array('"},
		{"States.Array(1,)", "missing argument"},
		{"States.Array(,1)", "missing argument"},
		{"States.Array(1 2)", "expected ',' or ')' in the arguments of 'States.Array', found '2'"},
		{"States.Array(1))", "unexpected \")\" after the end of the call"},
		{"States.Array()[0]", "unexpected \"[0]\" after the end of the call"},
		{"States.Array('abc)", "unterminated string literal"},
		{"States.Array('abc\\", "unterminated escape sequence in string literal"},
		{"States.Array('a\\nb')", `illegal escape sequence '\n' in string literal`},
		{`States.Format('He said, \"Hello, {}!\"', 'Test \"Name\" Here')`, `illegal escape sequence '\"' in string literal`},
		{"States.Array(\"a\")", "invalid argument \"\\\"a\\\"\""},
		{"States.Array(tru)", "invalid argument \"tru\""},
		{"States.Array(truex)", "invalid argument \"truex\""},
		{"States.Array(01)", "invalid number \"01\""},
		{"States.Array(1.)", "invalid number \"1.\""},
		{"States.Array(-)", "invalid number \"-\""},
		{"States.Array(1e)", "invalid number \"1e\""},
		{"States.Array(1a)", "invalid number \"1a\""},
		{"States.Array($.a[0)", "unbalanced ')' in JSONPath"},
		{"States.Array($.a[0", "unterminated JSONPath"},
		{"States.Array($.a['x)", "unterminated JSONPath"},
		{"States.UUID(1)", "'States.UUID' takes 0 arguments, got 1"},
		{"States.Format()", "'States.Format' takes at least 1 argument, got 0"},
		{"States.MathRandom(1)", "'States.MathRandom' takes 2 or 3 arguments, got 1"},
		{"States.JsonMerge($.a, $.b)", "'States.JsonMerge' takes 3 arguments, got 2"},
		{"States.Format(1, 2)", "the first argument of 'States.Format' must be a string"},
		{"States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array())))))))))) ", "nest more than 10 deep"},
	}
	for _, tc := range bad {
		_, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", tc.in, se.Msg, tc.msg)
		}
		if se.Offset < 0 || se.Offset > len(tc.in) {
			t.Errorf("Parse(%q) error offset %d out of range", tc.in, se.Offset)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"States.Format('Hello {}', $.name)",
		`States.Format('\{\} {} \'q\' \\', 'x')`,
		"States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.a, '/'), 2), '.'), 0), 'b', 'c')",
		"States.JsonMerge(States.StringToJson('{\"a\": \"false\"}'), $$.Execution.Input, false)",
		"States.Array(1, -2.5e3, true, false, null, $var.x, $[0], $.a['b,c'])",
		"States.MathRandom(1, 999, 3)",
		"States.UUID()",
		"States.Array('unbalanced",
		"States.Array((1)",
		"States.Array(1))",
		"States.Format('a\\b')",
		"States.Array($.a[?(@.b == ')')])",
		"States.Hash('x', 'SHA-256')",
		"States.ArrayRange(1, 10, 2)",
	} {
		f.Add(s)
	}
	input := testContext
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q) error %v (%T)", s, err, err)
			}
			return
		}
		if e.String() != s {
			t.Fatalf("String() = %q, want %q", e.String(), s)
		}
		if !IsCall(s) {
			t.Fatalf("Parse accepted %q but IsCall says no", s)
		}
		// Evaluation may fail, but only with a named failure.
		if _, err := e.Eval(&Env{Input: input, Context: input, Rand: &counterRand{}}); err != nil {
			var fe *failure.Error
			if !errors.As(err, &fe) || (fe.Name != failure.IntrinsicFailure && fe.Name != failure.Runtime) {
				t.Fatalf("Eval(%q) error %v (%T)", s, err, err)
			}
		}
	})
}
