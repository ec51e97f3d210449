package asl

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/intrinsics"
	"github.com/stepflow/stepflow/internal/asl/jsonata"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Env is what paths, intrinsic calls, JSONata expressions and templates
// are evaluated against. Input is "$" in JSONPath and $states.input in
// JSONata; Context is "$$" and $states.context.
type Env struct {
	intrinsics.Env
	// JSONata holds what only JSONata expressions see; nil for JSONPath
	// states (it is created on first use).
	JSONata *JSONataEnv
}

// JSONataEnv is the part of an Env only JSONata expressions read.
type JSONataEnv struct {
	// Result is $states.result, when HasResult.
	Result    jsonv.Value
	HasResult bool
	// ErrorOutput is $states.errorOutput (in a catcher), when
	// HasErrorOutput.
	ErrorOutput    jsonv.Value
	HasErrorOutput bool
	// Funcs are the functions Step Functions adds to JSONata (see
	// Functions); nil means none.
	Funcs map[string]jsonata.Function
	// Now is $now() and $millis(); zero means the wall clock.
	Now time.Time

	states statesCache                   // the last $states built
	lookup func(name string) (any, bool) // the Env's jsonataVar, bound once
}

// statesCache is a $states object and what it was built from; it is
// reused while those stay the same values.
type statesCache struct {
	obj                           *jsonv.Object
	input, context, result, error jsonv.Value
	hasResult, hasError           bool
}

// Template is a compiled payload template. In JSONPath (Parameters,
// ResultSelector, ItemSelector, Assign, Credentials) it is a JSON value
// whose object keys ending in ".$" take their value from a path or an
// intrinsic call; in JSONata (Arguments, Output, Assign, Items, …) every
// string written "{% … %}", at any depth, is an expression. Parts without
// anything to evaluate are kept as literals and shared.
type Template struct {
	literal jsonv.Value // set when the template has no dynamic part
	static  bool
	fields  []templateField // object template
	items   []*Template     // array template
	isArray bool
	query   *Query // JSONata: the value is this expression
	field   string // JSONata: the value's place, for causes ("Output/result")
}

type templateField struct {
	key  string    // output key (".$" removed)
	name string    // key as written, for messages
	expr *Expr     // dynamic value
	sub  *Template // static or nested value
}

// CompileTemplate compiles v. Keys ending in ".$" must hold a valid JSONPath
// or intrinsic call.
func CompileTemplate(v jsonv.Value) (*Template, error) {
	switch v := v.(type) {
	case *jsonv.Object:
		t := &Template{fields: make([]templateField, 0, v.Len())}
		dynamic := false
		for _, m := range v.Members {
			if key, ok := strings.CutSuffix(m.Key, ".$"); ok {
				s, isStr := m.Value.(string)
				if !isStr {
					return nil, fmt.Errorf("the value for the field '%s' must be a STRING", m.Key)
				}
				e, err := CompileExpr(s)
				if err != nil {
					return nil, fmt.Errorf("the value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", m.Key)
				}
				t.fields = append(t.fields, templateField{key: key, name: m.Key, expr: e})
				dynamic = true
				continue
			}
			sub, err := CompileTemplate(m.Value)
			if err != nil {
				return nil, err
			}
			if !sub.static {
				dynamic = true
			}
			t.fields = append(t.fields, templateField{key: m.Key, name: m.Key, sub: sub})
		}
		if !dynamic {
			return &Template{literal: v, static: true}, nil
		}
		return t, nil
	case []any:
		t := &Template{isArray: true, items: make([]*Template, len(v))}
		dynamic := false
		for i, e := range v {
			sub, err := CompileTemplate(e)
			if err != nil {
				return nil, err
			}
			dynamic = dynamic || !sub.static
			t.items[i] = sub
		}
		if !dynamic {
			return &Template{literal: v, static: true}, nil
		}
		return t, nil
	default:
		return &Template{literal: v, static: true}, nil
	}
}

// CompileJSONata compiles a JSONata-mode field value: strings written
// "{% … %}" are expressions, anything else is literal. field names the
// value in causes ("Output"); nested values are named "Output/key" and
// "Output[0]". A syntax error is returned as a *QuerySyntaxError.
func CompileJSONata(v jsonv.Value, field string) (*Template, error) {
	switch v := v.(type) {
	case string:
		if !IsQuery(v) {
			return &Template{literal: v, static: true}, nil
		}
		q, err := CompileQuery(v)
		if err != nil {
			return nil, &QuerySyntaxError{Field: field, Text: v, Err: err}
		}
		return &Template{query: q, field: field}, nil
	case *jsonv.Object:
		t := &Template{fields: make([]templateField, 0, v.Len())}
		dynamic := false
		for _, m := range v.Members {
			sub, err := CompileJSONata(m.Value, field+"/"+m.Key)
			if err != nil {
				return nil, err
			}
			dynamic = dynamic || !sub.static
			t.fields = append(t.fields, templateField{key: m.Key, name: m.Key, sub: sub})
		}
		if !dynamic {
			return &Template{literal: v, static: true}, nil
		}
		return t, nil
	case []any:
		t := &Template{isArray: true, items: make([]*Template, len(v))}
		dynamic := false
		for i, e := range v {
			sub, err := CompileJSONata(e, field+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			dynamic = dynamic || !sub.static
			t.items[i] = sub
		}
		if !dynamic {
			return &Template{literal: v, static: true}, nil
		}
		return t, nil
	default:
		return &Template{literal: v, static: true}, nil
	}
}

// QuerySyntaxError is a JSONata expression that does not compile.
type QuerySyntaxError struct {
	Field string // the field, as CompileJSONata names it
	Text  string // the field value as written, "{% … %}"
	Err   error  // a *jsonata.Error
}

func (e *QuerySyntaxError) Error() string {
	return "the JSONata expression of the field '" + e.Field + "' is not valid: " + e.Err.Error()
}

func (e *QuerySyntaxError) Unwrap() error { return e.Err }

// Query returns the expression a JSONata template consists of, or nil
// when it is not a single expression.
func (t *Template) Query() *Query {
	if t == nil {
		return nil
	}
	return t.query
}

// Field returns where a JSONata template's value is, as causes name it.
func (t *Template) Field() string {
	if t == nil {
		return ""
	}
	return t.field
}

// Eval builds the payload. In JSONPath a path that selects nothing fails
// with States.Runtime; in JSONata an expression that fails or returns
// nothing fails with States.QueryEvaluationError, as on AWS.
func (t *Template) Eval(env *Env) (jsonv.Value, error) {
	if t.static {
		return t.literal, nil
	}
	if t.query != nil {
		return t.query.Eval(env, t.field)
	}
	if t.isArray {
		out := make([]any, len(t.items))
		for i, it := range t.items {
			v, err := it.Eval(env)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	o := jsonv.NewObject(len(t.fields))
	for _, f := range t.fields {
		var v jsonv.Value
		var err error
		if f.expr != nil {
			v, err = f.expr.EvalField(env, f.name)
		} else {
			v, err = f.sub.Eval(env)
		}
		if err != nil {
			return nil, err
		}
		o.Set(f.key, v)
	}
	return o, nil
}

// Fields calls fn for each top-level key the template produces, with the
// key as written; used to report assigned variable names.
func (t *Template) Fields(fn func(key string)) {
	if t.static {
		if o, ok := t.literal.(*jsonv.Object); ok {
			for _, m := range o.Members {
				fn(m.Key)
			}
		}
		return
	}
	for _, f := range t.fields {
		fn(f.key)
	}
}

// CompileExpr compiles a JSONPath or an intrinsic function call.
func CompileExpr(s string) (*Expr, error) {
	if intrinsics.IsCall(s) {
		c, err := intrinsics.Parse(s)
		if err != nil {
			return nil, err
		}
		return &Expr{Text: s, Call: c}, nil
	}
	p, err := jsonpath.Parse(s)
	if err != nil {
		return nil, err
	}
	return &Expr{Text: s, Path: p}, nil
}

// Eval evaluates the expression.
func (e *Expr) Eval(env *Env) (jsonv.Value, error) {
	return e.EvalField(env, "")
}

// EvalField evaluates the expression; field names the definition field in
// the error message when a path selects nothing.
func (e *Expr) EvalField(env *Env, field string) (jsonv.Value, error) {
	if e.Call != nil {
		return e.Call.Eval(&env.Env)
	}
	v, ok := GetPath(env, e.Path)
	if !ok {
		return nil, PathNotFound(e.Path, field, env)
	}
	return v, nil
}

// GetPath evaluates p against the document its root names.
func GetPath(env *Env, p *jsonpath.Path) (jsonv.Value, bool) {
	switch p.Root() {
	case jsonpath.RootContext:
		return p.Get(env.Context)
	case jsonpath.RootVariable:
		if env.Var == nil {
			return nil, false
		}
		v, ok := env.Var(p.Variable())
		if !ok {
			return nil, false
		}
		return p.Get(v)
	default:
		return p.Get(env.Input)
	}
}

// PathNotFound is AWS's States.Runtime failure for a path that selects
// nothing.
func PathNotFound(p *jsonpath.Path, field string, env *Env) error {
	doc := env.Input
	if p.Root() == jsonpath.RootContext {
		doc = env.Context
	}
	return failure.New(failure.Runtime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", p.String(), field, jsonv.Marshal(doc))
}
