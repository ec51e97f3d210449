package jsonata

import (
	"fmt"
	"math"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func compile(src string) (e *Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(*Error); ok {
				err = je.finish()
				return
			}
			err = &Error{Code: codeInternal, Message: fmt.Sprintf("internal error: %v", r), custom: true}
		}
	}()
	root := parse(src)
	return &Expr{src: src, root: root, vars: freeVariables(root)}, nil
}

func (e *Expr) eval(env Env) (result any, err error) {
	ev := &evaluator{vars: env.Vars, funcs: env.Funcs, now: env.Now, maxDepth: env.MaxDepth, maxSteps: env.MaxSteps}
	if ev.now.IsZero() {
		ev.now = time.Now()
	}
	if ev.maxDepth <= 0 {
		ev.maxDepth = DefaultMaxDepth
	}
	if ev.maxSteps <= 0 {
		ev.maxSteps = DefaultMaxSteps
	}
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(*Error); ok {
				result, err = nil, je.finish()
				return
			}
			result, err = nil, &Error{Code: codeInternal, Message: fmt.Sprintf("internal error: %v", r), custom: true}
		}
	}()
	input := env.Input
	if input == nil {
		input = Undefined
	}
	root := newFrame(nil)
	root.bind("$", input)
	if items, ok := input.([]any); ok {
		input = &seq{items: []any{items}, sequence: true, outerWrapper: true}
	}
	res := ev.eval(e.root, input, root)
	if isFunction(res) {
		return FunctionResult, nil
	}
	return export(res), nil
}

// codeInternal marks an internal failure (a bug); it is never expected.
const codeInternal = "U1000"

// export converts an internal result to jsonv values: numbers become
// jsonv.Number written as JavaScript writes them, flagged arrays become
// []any, functions become "" (as $string shows them). Non-finite numbers
// raise D1001.
func export(v any) any {
	switch t := v.(type) {
	case float64:
		return exportNumber(t)
	case jsonv.Number:
		if canonicalNumber(t) {
			return t
		}
		return exportNumber(t.Float64())
	case *seq:
		if t.outerWrapper && len(t.items) == 1 {
			return export(t.items[0])
		}
		return exportItems(t.items, true)
	case []any:
		return exportItems(t, false)
	case *jsonv.Object:
		var out *jsonv.Object
		for i, m := range t.Members {
			x := export(m.Value)
			if out == nil && !sameValue(x, m.Value) {
				out = jsonv.NewObject(t.Len())
				out.Members = append(out.Members, t.Members[:i]...)
			}
			if out != nil && x != Undefined {
				out.Members = append(out.Members, jsonv.Member{Key: m.Key, Value: x})
			}
		}
		if out != nil {
			return out
		}
		return t
	case *lambda, *builtin, *regexFn:
		return ""
	case *tuple:
		return export(t.get("@"))
	}
	return v
}

// sameValue reports whether export left v unchanged (without comparing
// contents).
func sameValue(x, v any) bool {
	switch xv := x.(type) {
	case []any:
		vv, ok := v.([]any)
		return ok && len(xv) == len(vv) && (len(xv) == 0 || &xv[0] == &vv[0])
	case *jsonv.Object:
		vv, ok := v.(*jsonv.Object)
		return ok && xv == vv
	case jsonv.Number:
		vv, ok := v.(jsonv.Number)
		return ok && xv == vv
	case string:
		vv, ok := v.(string)
		return ok && xv == vv
	case bool:
		vv, ok := v.(bool)
		return ok && xv == vv
	case nil:
		return v == nil
	}
	return false
}

func exportItems(items []any, copied bool) any {
	var out []any
	if copied {
		out = make([]any, len(items))
	}
	for i, it := range items {
		x := export(it)
		if x == Undefined {
			x = nil
		}
		if out == nil && !sameValue(x, it) {
			out = make([]any, len(items))
			copy(out, items[:i])
		}
		if out != nil {
			out[i] = x
		}
	}
	if out == nil {
		return items
	}
	return out
}

func exportNumber(f float64) jsonv.Number {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		throw(newError("D1001").withValue(f))
	}
	if f == math.Trunc(f) && f >= -1e15 && f <= 1e15 {
		return jsonv.Int(int64(f))
	}
	return jsonv.Number(formatJSNumber(f))
}

// canonicalNumber reports whether a number literal is already written the
// way JavaScript writes it (a short integer without sign oddities).
func canonicalNumber(n jsonv.Number) bool {
	s := string(n)
	if len(s) == 0 || len(s) > 15 {
		return false
	}
	i := 0
	if s[0] == '-' {
		i = 1
		if len(s) == 1 || s == "-0" {
			return false
		}
	}
	if s[i] == '0' && len(s) > i+1 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// exportLoose is export for error values: it never fails.
func exportLoose(v any) (out any) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	return export(v)
}

// hostBuiltin wraps a host function.
func hostBuiltin(name string, fn Function) *builtin {
	return &builtin{name: name, arity: 3, nparams: 0, impl: func(ev *evaluator, c callCtx, args []any) any {
		xs := make([]any, len(args))
		for i, a := range args {
			if isFunction(a) {
				xs[i] = a
				continue
			}
			xs[i] = exportLoose(a)
		}
		res, err := fn(xs)
		if err != nil {
			if je, ok := err.(*Error); ok {
				throw(je)
			}
			throw(&Error{Code: "D3137", Message: err.Error(), custom: true})
		}
		if res == nil {
			return nil
		}
		return res
	}}
}
