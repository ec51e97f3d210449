package asl

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonata"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// JSONata in Step Functions: a field value written "{% … %}" is an
// expression evaluated against $states (input, result, errorOutput,
// context), the workflow variables and the functions Step Functions adds
// ($partition, $range, $hash, $random, $uuid, $parse).

// Query is a compiled JSONata expression, the value of a field written
// "{% … %}". It is immutable and safe for concurrent use.
type Query struct {
	// Text is the expression between the delimiters, trimmed, as AWS
	// quotes it in causes.
	Text string
	expr *jsonata.Expr
}

// IsQuery reports whether s is a JSONata expression field value: it starts
// with "{%" and ends with "%}".
func IsQuery(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// CompileQuery compiles s, which IsQuery accepts. A syntax error is a
// *jsonata.Error.
func CompileQuery(s string) (*Query, error) {
	if !IsQuery(s) {
		return nil, errors.New("not a JSONata expression: " + s)
	}
	text := strings.TrimSpace(s[2 : len(s)-2])
	e, err := jsonata.Compile(text)
	if err != nil {
		return nil, err
	}
	return &Query{Text: text, expr: e}, nil
}

// Variables returns the workflow variables the expression reads (its free
// variables other than $states and the functions), in first-appearance
// order.
func (q *Query) Variables() []string {
	var out []string
	for _, v := range q.expr.Variables() {
		if v == "states" || jsonataFunction(v) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// Eval evaluates q for the definition field field (as AWS names it in
// causes, e.g. "Output/result") and returns its JSON value. An expression
// that fails, returns nothing or returns a function fails with
// States.QueryEvaluationError.
func (q *Query) Eval(en *Env, field string) (jsonv.Value, error) {
	v, err := q.eval(en, field)
	if err != nil {
		return nil, err
	}
	if v == jsonata.Undefined {
		return nil, q.fail(field, "returned nothing (undefined).")
	}
	out, ok := jsonValue(v)
	if !ok {
		return nil, q.fail(field, "returned an unsupported result type.")
	}
	return out, nil
}

// eval runs the expression, turning an evaluation error into
// States.QueryEvaluationError.
func (q *Query) eval(en *Env, field string) (any, error) {
	j := en.JSONata
	if j == nil {
		j = &JSONataEnv{}
		en.JSONata = j
	}
	if j.lookup == nil {
		j.lookup = en.jsonataVar
	}
	v, err := q.expr.Eval(jsonata.Env{Input: jsonata.Undefined, Vars: j.lookup, Funcs: j.Funcs, Now: j.Now})
	if err != nil {
		var je *jsonata.Error
		if errors.As(err, &je) && je.Code != "" {
			return nil, q.fail(field, "threw an error during evaluation. "+je.Code+": "+je.Message)
		}
		return nil, q.fail(field, "threw an error during evaluation. "+err.Error())
	}
	return v, nil
}

// fail is AWS's States.QueryEvaluationError for q in field; the engine
// adds the state's prefix.
func (q *Query) fail(field, what string) *failure.Error {
	return &failure.Error{Name: failure.QueryEvaluationError, Cause: "The JSONata expression '" + q.Text + "' specified for the field '" + field + "' " + what, Location: field}
}

// Mismatch is the States.QueryEvaluationError for a value of the wrong
// type: "… returned an unexpected result type. Expected 'array', but was
// 'number' for value: 1".
func (q *Query) Mismatch(field, want string, v jsonv.Value) *failure.Error {
	return q.fail(field, "returned an unexpected result type. Expected '"+want+"', but was '"+jsonv.TypeName(v)+"' for value: "+jsonv.Marshal(v))
}

// Invalid is the States.QueryEvaluationError for a value of the right type
// that a field does not accept (a negative number of seconds, …).
func (q *Query) Invalid(field, want string, v jsonv.Value) *failure.Error {
	return q.fail(field, "returned an invalid value. Expected "+want+", but was: "+jsonv.Marshal(v))
}

// jsonValue checks that v, a JSONata result, is a JSON value. The
// evaluator exports its results as jsonv values all the way down, so only
// the top level is checked.
func jsonValue(v any) (jsonv.Value, bool) {
	switch v := v.(type) {
	case nil, bool, jsonv.Number, string, []any:
		return v, true
	case *jsonv.Object:
		return v, v != nil
	}
	return nil, false
}

// jsonataVar resolves a free variable of an expression: $states, then the
// workflow variables.
func (en *Env) jsonataVar(name string) (any, bool) {
	if name == "states" {
		return en.statesObject(), true
	}
	if en.Var == nil {
		return nil, false
	}
	return en.Var(name)
}

// statesObject returns $states: input, result (after a task, a Parallel
// or a Map), errorOutput (in a catcher) and context. The object is built
// again only when one of them changed.
func (en *Env) statesObject() *jsonv.Object {
	j := en.JSONata
	c := &j.states
	if c.obj != nil && c.hasResult == j.HasResult && c.hasError == j.HasErrorOutput &&
		sameValue(c.input, en.Input) && sameValue(c.context, en.Context) &&
		sameValue(c.result, j.Result) && sameValue(c.error, j.ErrorOutput) {
		return c.obj
	}
	*c = statesCache{
		obj: en.buildStates(), input: en.Input, context: en.Context, result: j.Result, error: j.ErrorOutput,
		hasResult: j.HasResult, hasError: j.HasErrorOutput,
	}
	return c.obj
}

// sameValue reports whether a and b are the very same value: the same
// object or array (not merely equal ones), or equal scalars.
func sameValue(a, b jsonv.Value) bool {
	switch a := a.(type) {
	case *jsonv.Object:
		b, ok := b.(*jsonv.Object)
		return ok && a == b
	case []any:
		b, ok := b.([]any)
		return ok && len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
	case nil:
		return b == nil
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case jsonv.Number:
		b, ok := b.(jsonv.Number)
		return ok && a == b
	case string:
		b, ok := b.(string)
		return ok && a == b
	}
	return false
}

// buildStates builds $states.
func (en *Env) buildStates() *jsonv.Object {
	o := jsonv.NewObject(4)
	o.Members = append(o.Members, jsonv.Member{Key: "input", Value: en.Input})
	if j := en.JSONata; j.HasResult {
		o.Members = append(o.Members, jsonv.Member{Key: "result", Value: j.Result})
	}
	if j := en.JSONata; j.HasErrorOutput {
		o.Members = append(o.Members, jsonv.Member{Key: "errorOutput", Value: j.ErrorOutput})
	}
	if en.Context != nil {
		o.Members = append(o.Members, jsonv.Member{Key: "context", Value: en.Context})
	}
	return o
}

// UsesStatesContext reports whether JSONata text may read
// $states.context: it names $states other than as $states.input,
// $states.result or $states.errorOutput.
func UsesStatesContext(text string) bool {
	for {
		i := strings.Index(text, "$states")
		if i < 0 {
			return false
		}
		text = text[i+len("$states"):]
		switch {
		case strings.HasPrefix(text, ".input"), strings.HasPrefix(text, ".result"), strings.HasPrefix(text, ".errorOutput"):
			continue
		}
		if text != "" && (isIdentByte(text[0])) {
			continue // a longer variable name such as $statesX
		}
		return true
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// jsonataFunction reports whether name is one of the functions Step
// Functions adds to JSONata (the evaluator already leaves JSONata's own out
// of an expression's variables).
func jsonataFunction(name string) bool {
	switch name {
	case "partition", "range", "hash", "random", "uuid", "parse":
		return true
	}
	return false
}

// jsNumber writes f the way JavaScript (and so JSONata) prints a number.
func jsNumber(f float64) jsonv.Number {
	if f == 0 {
		return "0"
	}
	abs := math.Abs(f)
	if abs < 1e18 && f == math.Trunc(f) {
		return jsonv.Number(strconv.FormatInt(int64(f), 10))
	}
	if abs >= 1e-6 && abs < 1e21 {
		return jsonv.Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if exp[0] == '+' {
		exp = "+" + strings.TrimLeft(exp[1:], "0")
	} else {
		exp = "-" + strings.TrimLeft(exp[1:], "0")
	}
	return jsonv.Number(mant + "e" + exp)
}
