package jsonata

import (
	"math"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// lambda is a function defined in the expression (or a partial application).
type lambda struct {
	node   *node
	params []string
	body   *node
	sig    *signature
	input  any
	env    *frame
	thunk  bool
	native *builtin // partially applied built-in: body is the native function
}

// builtin is a function implemented in Go: the standard library, host
// functions, transformers and composed (~>) functions.
type builtin struct {
	name    string
	sig     *signature
	arity   int // JavaScript function length (used by higher-order functions)
	nparams int // declared parameters (used by partial application)
	impl    func(ev *evaluator, c callCtx, args []any) any
}

// callCtx is what a built-in sees besides its arguments.
type callCtx struct {
	input any
	env   *frame
}

func arity(f any) int {
	switch f := f.(type) {
	case *lambda:
		return len(f.params)
	case *builtin:
		return f.arity
	case *regexFn:
		return 2
	}
	return 0
}

func (ev *evaluator) evalFunction(n *node, input any, env *frame, applyto *any) (result any) {
	proc := ev.eval(n.procedure, input, env)
	if proc == Undefined && n.procedure.typ == "path" {
		if truthyLookup(ev.lookup(env, n.procNm)) {
			throw(newError("T1005").withPos(n.pos).withToken(n.procNm))
		}
	}
	nargs := len(n.arguments)
	if applyto != nil {
		nargs++
	}
	args := make([]any, 0, nargs)
	if applyto != nil {
		args = append(args, *applyto)
	}
	for _, a := range n.arguments {
		args = append(args, ev.eval(a, input, env))
	}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				if e.Position == 0 {
					e.Position = n.pos
				}
				if !e.hasTok {
					e.withToken(n.procNm)
				}
			}
			panic(r)
		}
	}()
	return ev.apply(proc, args, input, env, n.procNm)
}

// truthyLookup is JavaScript truthiness of a looked-up value.
func truthyLookup(v any) bool {
	switch t := v.(type) {
	case undefinedType, nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case float64, jsonv.Number:
		f, _ := num(t)
		return f != 0 && f == f
	}
	return true
}

// apply applies proc to args, running tail calls in a loop.
func (ev *evaluator) apply(proc any, args []any, input any, env *frame, name string) any {
	result := ev.applyInner(proc, args, input, env, name)
	for {
		l, ok := result.(*lambda)
		if !ok || !l.thunk {
			return result
		}
		ev.charge(1)
		call := l.body
		next := ev.eval(call.procedure, l.input, l.env)
		targs := make([]any, len(call.arguments))
		for i, a := range call.arguments {
			targs[i] = ev.eval(a, l.input, l.env)
		}
		result = ev.applyInner(next, targs, input, env, call.procNm)
	}
}

func (ev *evaluator) applyInner(proc any, args []any, input any, env *frame, name string) any {
	switch p := proc.(type) {
	case *lambda:
		if p.sig != nil {
			args = ev.validate(p.sig, args, input, name)
		}
		return ev.applyProcedure(p, args)
	case *builtin:
		if p.sig != nil {
			args = ev.validate(p.sig, args, input, name)
		}
		return p.impl(ev, callCtx{input: input, env: env}, args)
	case *regexFn:
		s, _ := argAt(args, 0).(string)
		from := 0
		if f, ok := num(argAt(args, 1)); ok {
			from = int(f)
		}
		return p.matchObject(ev, s, from)
	}
	e := newError("T1006")
	if name != "" {
		e.withToken(name)
	}
	throw(e)
	return nil
}

func (ev *evaluator) validate(sig *signature, args []any, input any, name string) (out []any) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok && !e.hasTok && name != "" {
				e.withToken(name)
			}
			panic(r)
		}
	}()
	return sig.validate(args, input)
}

func argAt(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return Undefined
}

func (ev *evaluator) applyProcedure(p *lambda, args []any) any {
	env := newFrame(p.env)
	for i, name := range p.params {
		env.bind(name, argAt(args, i))
	}
	if p.native != nil {
		nargs := make([]any, p.native.nparams)
		for i := range nargs {
			nargs[i] = ev.lookup(env, nativeParam(i))
		}
		if p.native.sig != nil {
			nargs = ev.validate(p.native.sig, trimUndefined(nargs), Undefined, p.native.name)
		}
		return p.native.impl(ev, callCtx{input: Undefined, env: env}, nargs)
	}
	return ev.eval(p.body, p.input, env)
}

// trimUndefined drops trailing undefined arguments so that optional
// parameters validate.
func trimUndefined(args []any) []any {
	for len(args) > 0 && args[len(args)-1] == Undefined {
		args = args[:len(args)-1]
	}
	return args
}

var nativeParamNames = [...]string{"\x00a0", "\x00a1", "\x00a2", "\x00a3", "\x00a4", "\x00a5", "\x00a6", "\x00a7"}

func nativeParam(i int) string {
	if i < len(nativeParamNames) {
		return nativeParamNames[i]
	}
	return "\x00a" + itoa(i)
}

func (ev *evaluator) evalPartial(n *node, input any, env *frame) any {
	args := make([]any, len(n.arguments))
	for i, a := range n.arguments {
		if n.argPos[i] {
			args[i] = placeholder{}
		} else {
			args[i] = ev.eval(a, input, env)
		}
	}
	proc := ev.eval(n.procedure, input, env)
	if proc == Undefined && n.procedure.typ == "path" && truthyLookup(ev.lookup(env, n.procNm)) {
		throw(newError("T1007").withPos(n.pos).withToken(n.procNm))
	}
	switch p := proc.(type) {
	case *lambda:
		return partialApply(p.params, p.body, p.native, p.input, p.env, args)
	case *builtin:
		names := make([]string, p.nparams)
		for i := range names {
			names[i] = nativeParam(i)
		}
		return partialApply(names, nil, p, Undefined, env, args)
	}
	throw(newError("T1008").withPos(n.pos).withToken(n.procNm))
	return nil
}

// placeholder marks a '?' argument of a partial application.
type placeholder struct{}

func partialApply(params []string, body *node, native *builtin, input any, penv *frame, args []any) *lambda {
	env := newFrame(penv)
	var unbound []string
	for i, name := range params {
		a := argAt(args, i)
		if _, ok := a.(placeholder); ok {
			unbound = append(unbound, name)
		} else {
			env.bind(name, a)
		}
	}
	return &lambda{params: unbound, body: body, native: native, input: input, env: env}
}

func (ev *evaluator) evalApply(n *node, input any, env *frame) any {
	lhs := ev.eval(n.lhs, input, env)
	if n.rhs.kind == kFunction {
		return ev.evalFunction(n.rhs, input, env, &lhs)
	}
	fn := ev.eval(n.rhs, input, env)
	if !isFunction(fn) {
		throw(newError("T2006").withPos(n.pos).withValue(fn))
	}
	if isFunction(lhs) {
		f, g := lhs, fn
		return &builtin{name: "", arity: 1, nparams: 1, impl: func(ev *evaluator, c callCtx, args []any) any {
			x := argAt(args, 0)
			return ev.apply(g, []any{ev.apply(f, []any{x}, Undefined, c.env, "")}, Undefined, c.env, "")
		}}
	}
	return ev.apply(fn, []any{lhs}, input, env, "")
}

// callFn invokes a function value passed to a higher-order function.
func (ev *evaluator) callFn(fn any, args []any, env *frame) any {
	return ev.apply(fn, args, Undefined, env, "")
}

// hofArgs builds the arguments for a HOF callback: the value, then the
// index/key and the whole structure if the function takes them.
func hofArgs(fn any, a1, a2, a3 any) []any {
	n := arity(fn)
	switch {
	case n >= 3:
		return []any{a1, a2, a3}
	case n == 2:
		return []any{a1, a2}
	}
	return []any{a1}
}

func (ev *evaluator) evalSort(n *node, input any, env *frame) any {
	if input == Undefined {
		return Undefined
	}
	tupleSort := isTupleStream(input)
	items, ok := arr(input)
	if !ok {
		return input
	}
	if len(items) <= 1 {
		return input
	}
	evalTerm := func(t sortTerm, v any) any {
		if tupleSort {
			tp := v.(*tuple)
			return ev.eval(t.expr, tp.get("@"), frameFromTuple(env, tp))
		}
		return ev.eval(t.expr, v, env)
	}
	swap := func(a, b any) bool {
		comp := 0
		for _, t := range n.terms {
			if comp != 0 {
				break
			}
			aa := evalTerm(t, a)
			bb := evalTerm(t, b)
			at, bt := jsTypeof(aa), jsTypeof(bb)
			if at == "undefined" {
				if bt == "undefined" {
					comp = 0
				} else {
					comp = 1
				}
				continue
			}
			if bt == "undefined" {
				comp = -1
				continue
			}
			if !(at == "string" || at == "number") || !(bt == "string" || bt == "number") {
				v := bb
				if !(at == "string" || at == "number") {
					v = aa
				}
				throw(newError("T2008").withPos(n.pos).withValue(v))
			}
			if at != bt {
				e := newError("T2007").withPos(n.pos).withValue(aa)
				e.value2 = bb
				throw(e)
			}
			c := 0
			if at == "string" {
				c = compareStrings(aa.(string), bb.(string))
			} else {
				x, _ := num(aa)
				y, _ := num(bb)
				switch {
				case x < y:
					c = -1
				case x > y:
					c = 1
				}
			}
			if c == 0 {
				continue
			}
			comp = c
			if t.descending {
				comp = -comp
			}
		}
		return comp == 1
	}
	return ev.mergeSort(items, swap)
}

// mergeSort is jsonata-js's stable top-down merge sort: swap(a, b) reports
// whether b must come before a.
func (ev *evaluator) mergeSort(items []any, swap func(a, b any) bool) []any {
	ev.charge(len(items))
	if len(items) <= 1 {
		return append([]any(nil), items...)
	}
	mid := len(items) / 2
	left := ev.mergeSort(items[:mid], swap)
	right := ev.mergeSort(items[mid:], swap)
	out := make([]any, 0, len(items))
	i, j := 0, 0
	for i < len(left) && j < len(right) {
		if swap(left[i], right[j]) {
			out = append(out, right[j])
			j++
		} else {
			out = append(out, left[i])
			i++
		}
	}
	out = append(out, left[i:]...)
	return append(out, right[j:]...)
}

// transformer builds the function of a |pattern|update,delete| expression.
func (ev *evaluator) transformer(n *node, env *frame) any {
	return &builtin{name: "", sig: transformSig, arity: 1, nparams: 1, impl: func(ev *evaluator, c callCtx, args []any) any {
		obj := argAt(args, 0)
		if obj == Undefined {
			return Undefined
		}
		cloneFn := ev.lookup(env, "clone")
		if !isFunction(cloneFn) {
			throw(newError("T2013").withPos(n.pos))
		}
		var result any
		if b, ok := cloneFn.(*builtin); ok && b == builtins["clone"] {
			result = cloneValue(obj)
		} else {
			result = cloneValue(ev.apply(cloneFn, []any{obj}, Undefined, env, "clone"))
		}
		matches := ev.eval(n.pattern, result, env)
		if matches == Undefined {
			return result
		}
		ms, ok := arr(matches)
		if !ok {
			ms = []any{matches}
		}
		for _, m := range ms {
			match, _ := m.(*jsonv.Object)
			update := ev.eval(n.update, m, env)
			if update != Undefined {
				uo, ok := update.(*jsonv.Object)
				if !ok {
					throw(newError("T2011").withPos(n.update.pos).withValue(update))
				}
				if match != nil {
					for _, mem := range uo.Members {
						match.Set(mem.Key, mem.Value)
					}
				}
			}
			if n.del != nil {
				dels := ev.eval(n.del, m, env)
				if dels != Undefined {
					val := dels
					ds, ok := arr(dels)
					if !ok {
						ds = []any{dels}
					}
					if !isArrayOfStrings(ds) {
						throw(newError("T2012").withPos(n.del.pos).withValue(val))
					}
					if match != nil {
						for _, d := range ds {
							match.Delete(d.(string))
						}
					}
				}
			}
		}
		return result
	}}
}

var transformSig = mustSig("<(oa):o>")

func mustSig(s string) *signature {
	sig, err := parseSignature(s)
	if err != nil {
		panic(err)
	}
	return sig
}

// cloneValue is $clone: a deep copy (JSON round trip, so non-integer
// numbers keep 15 significant digits and functions become "").
func cloneValue(v any) any {
	switch t := v.(type) {
	case *jsonv.Object:
		o := jsonv.NewObject(t.Len())
		for _, m := range t.Members {
			c := cloneValue(m.Value)
			if c == Undefined {
				continue
			}
			o.Members = append(o.Members, jsonv.Member{Key: m.Key, Value: c})
		}
		return o
	case []any:
		return cloneItems(t)
	case *seq:
		if t.outerWrapper && len(t.items) > 0 {
			return cloneValue(t.items[0])
		}
		return cloneItems(t.items)
	case float64:
		if t != t || t > 1.7976931348623157e308 || t < -1.7976931348623157e308 {
			return nil
		}
		if t != math.Trunc(t) {
			return toPrecision15(t)
		}
		return t
	case *lambda, *builtin, *regexFn:
		return ""
	}
	return v
}

func cloneItems(items []any) []any {
	out := make([]any, len(items))
	for i, it := range items {
		c := cloneValue(it)
		if c == Undefined {
			c = nil
		}
		out[i] = c
	}
	return out
}
