package asl

import (
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/intrinsics"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Env is what paths, intrinsic calls and templates are evaluated against.
type Env = intrinsics.Env

// Template is a compiled JSONPath-mode payload template (Parameters,
// ResultSelector, ItemSelector, Assign, Credentials): a JSON value whose
// object keys ending in ".$" take their value from a path or an intrinsic
// call. Parts without such keys are kept as literals and shared.
type Template struct {
	literal jsonv.Value // set when the template has no dynamic part
	static  bool
	fields  []templateField // object template
	items   []*Template     // array template
	isArray bool
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

// Eval builds the payload. A path that selects nothing fails with
// States.Runtime, as on AWS.
func (t *Template) Eval(env *Env) (jsonv.Value, error) {
	if t.static {
		return t.literal, nil
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
		return e.Call.Eval(env)
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
