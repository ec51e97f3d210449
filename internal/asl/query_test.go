package asl

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/intrinsics"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// testEnv is an environment with input, a context object and variables.
func testEnv(input string, vars map[string]string) *Env {
	en := &Env{Env: intrinsics.Env{Input: jsonv.MustParse(input), Context: jsonv.MustParse(`{"State":{"Name":"S"}}`)}}
	en.Var = func(name string) (jsonv.Value, bool) {
		v, ok := vars[name]
		if !ok {
			return nil, false
		}
		return jsonv.MustParse(v), true
	}
	en.JSONata = &JSONataEnv{Funcs: Functions(nil)}
	return en
}

func TestCompileJSONataTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tmpl, input, want string
		vars                    map[string]string
		err                     string // cause of the expected failure
	}{
		{name: "literal values are kept", tmpl: `{"a":"$.x","b":[1,"{%x"],"c":"%}"}`, input: `{}`, want: `{"a":"$.x","b":[1,"{%x"],"c":"%}"}`},
		{name: "expressions at any depth", tmpl: `{"a":"{% $states.input.x %}","b":[1,"{% $v %}",{"c":"{% $states.context.State.Name %}"}]}`,
			input: `{"x":"X"}`, vars: map[string]string{"v": `[true]`}, want: `{"a":"X","b":[1,[true],{"c":"S"}]}`},
		{name: "a whole-value expression", tmpl: `"{%   $states.input   %}"`, input: `[1,2]`, want: `[1,2]`},
		{name: "undefined names the nested field", tmpl: `{"a":{"b":["{% $nope %}"]}}`, input: `{}`,
			err: "The JSONata expression '$nope' specified for the field 'Output/a/b[0]' returned nothing (undefined)."},
		{name: "runtime errors carry the JSONata code", tmpl: `"{% $number('x') %}"`, input: `{}`,
			err: "The JSONata expression '$number('x')' specified for the field 'Output' threw an error during evaluation. D3030: …"},
		{name: "$eval is not available", tmpl: `"{% $eval('1') %}"`, input: `{}`,
			err: "The JSONata expression '$eval('1')' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := CompileJSONata(jsonv.MustParse(tt.tmpl), "Output")
			if err != nil {
				t.Fatal(err)
			}
			v, err := tmpl.Eval(testEnv(tt.input, tt.vars))
			if tt.err != "" {
				var fe *failure.Error
				if !errors.As(err, &fe) || fe.Name != failure.QueryEvaluationError {
					t.Fatalf("Eval = %v, %v; want a States.QueryEvaluationError", v, err)
				}
				if p, ok := strings.CutSuffix(tt.err, "…"); ok {
					if !strings.HasPrefix(fe.Cause, p) {
						t.Errorf("cause %q\nwant prefix %q", fe.Cause, p)
					}
				} else if fe.Cause != tt.err {
					t.Errorf("cause %q\nwant %q", fe.Cause, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonv.Marshal(v); got != tt.want {
				t.Errorf("Eval = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCompileJSONataSyntaxError(t *testing.T) {
	t.Parallel()
	_, err := CompileJSONata(jsonv.MustParse(`{"a":["{% 1 + %}"]}`), "Arguments")
	var se *QuerySyntaxError
	if !errors.As(err, &se) || se.Field != "Arguments/a[0]" {
		t.Fatalf("CompileJSONata = %v, want a *QuerySyntaxError at Arguments/a[0]", err)
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`$partition([1,2,3,4,5], 2)`, `[[1,2],[3,4],[5]]`},
		{`$partition([], 2)`, `[]`},
		{`$range(0, 9, 3)`, `[0,3,6,9]`},
		{`$range(0, 10, 3)`, `[0,3,6,9]`},
		{`$range(9, 1, -4)`, `[9,5,1]`},
		{`$range(1, 9, 9)`, `1`},
		{`$append([], $range(3, 1, 1))`, `[]`},
		{`$hash('abc', 'MD5')`, `"900150983cd24fb0d6963f7d28e17f72"`},
		{`$hash('abc', 'SHA-1')`, `"a9993e364706816aba3e25717850c26c9cd0d89d"`},
		{`$parse('{"a": -0, "b": [1.0, 2.50, 1e2]}')`, `{"a":0,"b":[1,2.5,100]}`},
		{`$parse('"s"')`, `"s"`},
		{`$random(1) = $random(1) and $random(1) != $random(2)`, `true`},
		{`$random() >= 0 and $random() < 1`, `true`},
		{`$length($uuid())`, `36`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			q, err := CompileQuery("{% " + tt.expr + " %}")
			if err != nil {
				t.Fatal(err)
			}
			v, err := q.Eval(testEnv(`{}`, nil), "Output")
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonv.Marshal(v); got != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
	for _, bad := range []string{`$partition([1], 0)`, `$partition([1], 'x')`, `$range('a', 2, 1)`, `$hash('a', 'SHA-3')`, `$parse('{')`, `$uuid(1)`} {
		q, err := CompileQuery("{% " + bad + " %}")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := q.Eval(testEnv(`{}`, nil), "Output"); err == nil {
			t.Errorf("%s = %s, want an error", bad, jsonv.Marshal(v))
		}
	}
}

func TestUsesStatesContext(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		`{% $states.input.a %}`:                         false,
		`{% $states.result.x & $states.errorOutput %}`:  false,
		`{% $states.context.Execution.Id %}`:            true,
		`{% $states %}`:                                 true,
		`{% $keys($states) %}`:                          true,
		`{% $statesCount + $states.input.inputs.n %}`:   false,
		`no expression`:                                 false,
		`{% $states.inputs %}`:                          false,
		`{% $states.input.a & $states["context"] %}`:    true,
		`{% ($s := $states; $s.context.State.Name) %}`:  true,
		`{% $lookup($states, 'context') %}`:             true,
		`{% $states.result.context %}`:                  false,
		`{% $states.errorOutput.Cause %} {% $states %}`: true,
	} {
		if got := UsesStatesContext(text); got != want {
			t.Errorf("UsesStatesContext(%s) = %v, want %v", text, got, want)
		}
	}
}

func TestJSNumber(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{
		0: "0", 1: "1", -3: "-3", 1.5: "1.5", 0.1: "0.1", 1e21: "1e+21", 1.5e-7: "1.5e-7",
		123456789012345680000: "123456789012345680000", 1e-6: "0.000001",
	} {
		if got := string(jsNumber(f)); got != want {
			t.Errorf("jsNumber(%v) = %s, want %s", f, got, want)
		}
	}
}
