package jsonata

import (
	"math"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Default evaluation limits.
const (
	// DefaultMaxDepth is the default bound on evaluation depth (nested
	// evaluations of expression nodes, as jsonata-js counts them).
	DefaultMaxDepth = 1000
	// DefaultMaxSteps is the default bound on evaluation work: node
	// evaluations plus items allocated by ranges and similar operations.
	DefaultMaxSteps = 5_000_000
)

// frame is a scope of variable bindings. Small frames keep their bindings
// inline (one allocation per frame).
type frame struct {
	parent *frame
	names  []string
	vals   []any
	inlN   [2]string
	inlV   [2]any
}

func newFrame(parent *frame) *frame {
	f := &frame{parent: parent}
	f.names = f.inlN[:0]
	f.vals = f.inlV[:0]
	return f
}

func (f *frame) bind(name string, v any) {
	for i, n := range f.names {
		if n == name {
			f.vals[i] = v
			return
		}
	}
	f.names = append(f.names, name)
	f.vals = append(f.vals, v)
}

// evaluator is the state of one evaluation.
type evaluator struct {
	vars     func(string) (any, bool)
	funcs    map[string]Function
	hostFns  map[string]*builtin
	now      time.Time
	maxDepth int
	maxSteps int
	depth    int
	steps    int
}

func (ev *evaluator) lookup(f *frame, name string) any {
	for ; f != nil; f = f.parent {
		for i, n := range f.names {
			if n == name {
				return f.vals[i]
			}
		}
	}
	return ev.global(name)
}

func (ev *evaluator) global(name string) any {
	if ev.vars != nil {
		if v, ok := ev.vars(name); ok {
			if v == nil {
				return nil
			}
			return v
		}
	}
	if ev.funcs != nil {
		if fn, ok := ev.funcs[name]; ok {
			if b, ok := ev.hostFns[name]; ok {
				return b
			}
			b := hostBuiltin(name, fn)
			if ev.hostFns == nil {
				ev.hostFns = map[string]*builtin{}
			}
			ev.hostFns[name] = b
			return b
		}
	}
	if b, ok := builtins[name]; ok {
		return b
	}
	return Undefined
}

// charge adds n units of work and aborts when the budget is exhausted.
func (ev *evaluator) charge(n int) {
	ev.steps += n
	if ev.steps > ev.maxSteps {
		e := newError(codeStackOverflow)
		e.Message = msgTimeout
		e.custom = true
		throw(e)
	}
}

func (ev *evaluator) eval(n *node, input any, env *frame) any {
	ev.depth++
	if ev.depth > ev.maxDepth {
		throw(newError(codeStackOverflow).withPos(n.pos))
	}
	ev.steps++
	if ev.steps > ev.maxSteps {
		ev.charge(0)
	}
	var result any
	switch n.kind {
	case kPath:
		result = ev.evalPath(n, input, env)
	case kBinary:
		result = ev.evalBinary(n, input, env)
	case kNeg:
		result = ev.eval(n.expression, input, env)
		if result != Undefined {
			if isNumeric(result) {
				f, _ := num(result)
				result = -f
			} else {
				throw(newError("D1002").withPos(n.pos).withToken(n.str).withValue(result))
			}
		}
	case kArrayCons:
		result = ev.evalArray(n, input, env)
	case kObjectCons:
		result = ev.evalGroup(n.lit.(*groupSpec), input, env)
	case kName:
		result = lookupField(input, n.str)
	case kLiteral:
		result = n.lit
	case kWildcard:
		result = evalWildcard(input)
	case kDescendant:
		result = ev.evalDescendants(input)
	case kParent:
		result = ev.lookup(env, n.slot.label)
	case kCondition:
		cond := ev.eval(n.condition, input, env)
		if truthy(cond) {
			result = ev.eval(n.then, input, env)
		} else if n.els != nil {
			result = ev.eval(n.els, input, env)
		} else {
			result = Undefined
		}
	case kBlock:
		f := newFrame(env)
		result = Undefined
		for _, e := range n.expressions {
			result = ev.eval(e, input, f)
		}
	case kBind:
		result = ev.eval(n.rhs, input, env)
		env.bind(n.str, result)
	case kRegex:
		result = n.re
	case kFunction:
		result = ev.evalFunction(n, input, env, nil)
	case kVariable:
		if n.str == "" {
			if s, ok := input.(*seq); ok && s.outerWrapper {
				result = s.items[0]
			} else {
				result = input
			}
		} else {
			result = ev.lookup(env, n.str)
		}
	case kLambda:
		result = &lambda{node: n, params: n.params, body: n.body, sig: n.signature, input: input, env: env, thunk: n.thunk}
	case kPartial:
		result = ev.evalPartial(n, input, env)
	case kApply:
		result = ev.evalApply(n, input, env)
	case kTransform:
		result = ev.transformer(n, env)
	case kSort:
		result = ev.evalSort(n, input, env)
	default:
		result = Undefined
	}
	for _, p := range n.predicate {
		result = ev.evalFilter(p.expr, result, env)
	}
	if n.kind != kPath && n.group != nil {
		result = ev.evalGroup(n.group, result, env)
	}
	if s, ok := result.(*seq); ok && s.sequence && !s.tupleStream {
		if n.keepArray {
			s.keepSingleton = true
		}
		switch len(s.items) {
		case 0:
			result = Undefined
		case 1:
			if !s.keepSingleton {
				result = s.items[0]
			}
		}
	}
	ev.depth--
	return result
}

func (ev *evaluator) evalPath(n *node, input any, env *frame) any {
	var inputSeq any
	if isArray(input) && !n.isVar0 {
		inputSeq = input
	} else {
		inputSeq = seqOf(input)
	}
	var resultSeq any = Undefined
	tupleMode := false
	var tuples *seq
	for i, step := range n.steps {
		if step.tuple {
			tupleMode = true
		}
		if i == 0 && step.consarray {
			resultSeq = ev.eval(step, inputSeq, env)
		} else if tupleMode {
			tuples = ev.evalTupleStep(step, inputSeq, tuples, env)
		} else {
			resultSeq = ev.evalStep(step, inputSeq, env, i == n.nsteps)
		}
		if !tupleMode {
			if resultSeq == Undefined {
				break
			}
			if items, ok := arr(resultSeq); ok && len(items) == 0 {
				break
			}
		}
		if step.focus == "" {
			inputSeq = resultSeq
		}
	}
	if tupleMode {
		if n.tuple {
			resultSeq = tuples
		} else {
			out := newSeq(len(tuples.items))
			for _, t := range tuples.items {
				out.items = append(out.items, t.(*tuple).get("@"))
			}
			resultSeq = out
		}
	}
	if n.keepSingletonArray {
		if s, ok := resultSeq.(*seq); ok && s.cons && !s.sequence {
			resultSeq = seqOf(resultSeq)
		}
		if s, ok := resultSeq.(*seq); ok {
			s.keepSingleton = true
		}
	}
	if n.group != nil {
		if tupleMode {
			resultSeq = ev.evalGroup(n.group, tuples, env)
		} else {
			resultSeq = ev.evalGroup(n.group, resultSeq, env)
		}
	}
	return resultSeq
}

func (ev *evaluator) evalStep(step *node, input any, env *frame, last bool) any {
	if step.kind == kSort {
		res := ev.evalSort(step, input, env)
		if step.stages != nil {
			res = ev.evalStages(step.stages, res, env)
		}
		return res
	}
	items, _ := arr(input)
	var one [1]any
	result := one[:0]
	for _, item := range items {
		res := ev.eval(step, item, env)
		for _, st := range step.stages {
			res = ev.evalFilter(st.expr, res, env)
		}
		if res != Undefined {
			result = append(result, res)
		}
	}
	if last && len(result) == 1 {
		if a, ok := result[0].([]any); ok {
			return a
		}
		if s, ok := result[0].(*seq); ok && !s.sequence {
			return s
		}
	}
	// flatten
	n := 0
	for _, r := range result {
		if s, ok := r.(*seq); ok && !s.cons {
			n += len(s.items)
		} else if a, ok := r.([]any); ok {
			n += len(a)
		} else {
			n++
		}
	}
	out := newSeq(n)
	for _, r := range result {
		switch a := r.(type) {
		case []any:
			out.items = append(out.items, a...)
		case *seq:
			if a.cons {
				out.items = append(out.items, a)
			} else {
				out.items = append(out.items, a.items...)
			}
		default:
			out.items = append(out.items, r)
		}
	}
	return out
}

func (ev *evaluator) evalStages(stages []*stage, input any, env *frame) any {
	result := input
	for _, st := range stages {
		switch st.typ {
		case "filter":
			result = ev.evalFilter(st.expr, result, env)
		case "index":
			items, _ := arr(result)
			for i, t := range items {
				if tp, ok := t.(*tuple); ok {
					tp.set(st.value, numv(float64(i)))
				}
			}
		}
	}
	return result
}

func frameFromTuple(env *frame, t *tuple) *frame {
	f := newFrame(env)
	f.names = append(f.names, t.names...)
	f.vals = append(f.vals, t.vals...)
	return f
}

func (ev *evaluator) evalTupleStep(step *node, input any, tuples *seq, env *frame) *seq {
	if step.kind == kSort {
		var result any
		if tuples != nil {
			result = ev.evalSort(step, tuples, env)
		} else {
			sorted, _ := arr(ev.evalSort(step, input, env))
			out := newSeq(len(sorted))
			out.tupleStream = true
			for i, v := range sorted {
				t := &tuple{names: []string{"@"}, vals: []any{v}}
				if step.index != "" {
					t.set(step.index, numv(float64(i)))
				}
				out.items = append(out.items, t)
			}
			result = out
		}
		if step.stages != nil {
			result = ev.evalStages(step.stages, result, env)
		}
		return asTupleSeq(result)
	}
	result := newSeq(0)
	result.tupleStream = true
	if tuples == nil {
		items, _ := arr(input)
		tuples = newSeq(len(items))
		tuples.tupleStream = true
		for _, it := range items {
			tuples.items = append(tuples.items, &tuple{names: []string{"@"}, vals: []any{it}})
		}
	}
	for _, tv := range tuples.items {
		t := tv.(*tuple)
		stepEnv := frameFromTuple(env, t)
		at := t.get("@")
		res := ev.eval(step, at, stepEnv)
		if res == Undefined {
			continue
		}
		var rs []any
		stream := false
		if items, ok := arr(res); ok {
			rs = items
			stream = isTupleStream(res)
		} else {
			rs = []any{res}
		}
		for bb, r := range rs {
			nt := t.clone()
			if stream {
				if rt, ok := r.(*tuple); ok {
					nt.assign(rt)
				}
			} else {
				if step.focus != "" {
					nt.set(step.focus, r)
					nt.set("@", at)
				} else {
					nt.set("@", r)
				}
				if step.index != "" {
					nt.set(step.index, numv(float64(bb)))
				}
				if step.ancestor != nil {
					nt.set(step.ancestor.label, at)
				}
			}
			result.items = append(result.items, nt)
		}
	}
	if step.stages != nil {
		return asTupleSeq(ev.evalStages(step.stages, result, env))
	}
	return result
}

// asTupleSeq views an array of tuples as a *seq (keeping its flags when it
// is one already).
func asTupleSeq(v any) *seq {
	switch a := v.(type) {
	case *seq:
		return a
	case []any:
		return &seq{items: a}
	}
	return &seq{sequence: true, tupleStream: true}
}

func (ev *evaluator) evalFilter(pred *node, input any, env *frame) any {
	results := newSeq(0)
	tupleIn := isTupleStream(input)
	if tupleIn {
		results.tupleStream = true
	}
	items, ok := arr(input)
	if !ok {
		items = []any{input}
	}
	if pred.kind == kLiteral && pred.typ == "number" {
		f, _ := num(pred.lit)
		index := int(math.Floor(f))
		if f < -1e15 || f > 1e15 {
			return results
		}
		if index < 0 {
			index = len(items) + index
		}
		if index >= 0 && index < len(items) {
			item := items[index]
			if item != Undefined {
				if isArray(item) {
					return item
				}
				results.items = append(results.items, item)
			}
		}
		return results
	}
	for index, item := range items {
		context := item
		fenv := env
		if tupleIn {
			t := item.(*tuple)
			context = t.get("@")
			fenv = frameFromTuple(env, t)
		}
		res := ev.eval(pred, context, fenv)
		if isNumeric(res) {
			res = []any{res}
		}
		if isArrayOfNumbers(res) {
			ns, _ := arr(res)
			for _, r := range ns {
				f, _ := num(r)
				ii := math.Floor(f)
				if ii < 0 {
					ii = float64(len(items)) + ii
				}
				if ii == float64(index) {
					results.items = append(results.items, item)
				}
			}
		} else if truthy(res) {
			results.items = append(results.items, item)
		}
	}
	return results
}

func (ev *evaluator) evalBinary(n *node, input any, env *frame) any {
	lhs := ev.eval(n.lhs, input, env)
	op := n.lit.(int)
	if op == opAnd || op == opOr {
		l := truthy(lhs)
		if op == opAnd {
			if !l {
				return false
			}
			return truthy(ev.eval(n.rhs, input, env))
		}
		if l {
			return true
		}
		return truthy(ev.eval(n.rhs, input, env))
	}
	rhs := ev.eval(n.rhs, input, env)
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				e.Position = n.pos
				e.withToken(n.str)
			}
			panic(r)
		}
	}()
	switch op {
	case opAdd, opSub, opMul, opDiv, opMod:
		return numericOp(lhs, rhs, op)
	case opEq:
		if lhs == Undefined || rhs == Undefined {
			return false
		}
		return deepEqual(lhs, rhs)
	case opNe:
		if lhs == Undefined || rhs == Undefined {
			return false
		}
		return !deepEqual(lhs, rhs)
	case opLt, opLe, opGt, opGe:
		return compareOp(lhs, rhs, op)
	case opConcat:
		var ls, rs string
		if lhs != Undefined {
			ls = fnString(lhs, false)
		}
		if rhs != Undefined {
			rs = fnString(rhs, false)
		}
		return ls + rs
	case opRange:
		return ev.rangeOp(lhs, rhs)
	case opIn:
		if lhs == Undefined || rhs == Undefined {
			return false
		}
		items, ok := arr(rhs)
		if !ok {
			return strictEqual(rhs, lhs)
		}
		for _, it := range items {
			if strictEqual(it, lhs) {
				return true
			}
		}
		return false
	}
	return Undefined
}

func numericOp(lhs, rhs any, op int) any {
	if lhs != Undefined && !isNumeric(lhs) {
		throw(newError("T2001").withValue(lhs))
	}
	if rhs != Undefined && !isNumeric(rhs) {
		throw(newError("T2002").withValue(rhs))
	}
	if lhs == Undefined || rhs == Undefined {
		return Undefined
	}
	a, _ := num(lhs)
	b, _ := num(rhs)
	var r float64
	switch op {
	case opAdd:
		r = a + b
	case opSub:
		r = a - b
	case opMul:
		r = a * b
	case opDiv:
		r = a / b
	case opMod:
		r = math.Mod(a, b)
	}
	return numv(r)
}

func compareOp(lhs, rhs any, op int) any {
	lt, rt := jsTypeof(lhs), jsTypeof(rhs)
	lc := lt == "undefined" || lt == "string" || lt == "number"
	rc := rt == "undefined" || rt == "string" || rt == "number"
	if !lc || !rc {
		v := rhs
		if !(lt == "string" || lt == "number") {
			v = lhs
		}
		throw(newError("T2010").withValue(v))
	}
	if lt == "undefined" || rt == "undefined" {
		return Undefined
	}
	if lt != rt {
		e := newError("T2009").withValue(lhs)
		e.value2 = rhs
		throw(e)
	}
	var c int
	if lt == "string" {
		c = compareStrings(lhs.(string), rhs.(string))
	} else {
		a, _ := num(lhs)
		b, _ := num(rhs)
		if math.IsNaN(a) || math.IsNaN(b) {
			return false
		}
		switch {
		case a < b:
			c = -1
		case a > b:
			c = 1
		}
	}
	switch op {
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

func isInteger(v any) bool {
	f, ok := num(v)
	return ok && !math.IsInf(f, 0) && f == math.Trunc(f)
}

func (ev *evaluator) rangeOp(lhs, rhs any) any {
	if lhs != Undefined && !isInteger(lhs) {
		throw(newError("T2003").withValue(lhs))
	}
	if rhs != Undefined && !isInteger(rhs) {
		throw(newError("T2004").withValue(rhs))
	}
	if lhs == Undefined || rhs == Undefined {
		return Undefined
	}
	a, _ := num(lhs)
	b, _ := num(rhs)
	if a > b {
		return Undefined
	}
	size := b - a + 1
	if size > 1e7 {
		throw(newError("D2014").withValue(size))
	}
	ev.charge(int(size))
	out := &seq{items: make([]any, int(size)), sequence: true}
	for i := range out.items {
		out.items[i] = numv(a + float64(i))
	}
	return out
}

func (ev *evaluator) evalArray(n *node, input any, env *frame) any {
	result := make([]any, 0, len(n.expressions))
	for _, item := range n.expressions {
		v := ev.eval(item, input, env)
		if v == Undefined {
			continue
		}
		if item.typ == "unary" && item.str == "[" {
			result = append(result, v)
		} else if items, ok := arr(v); ok {
			result = append(result, items...)
		} else {
			result = append(result, v)
		}
	}
	if n.consarray {
		return &seq{items: result, cons: true}
	}
	return result
}

// lookupField is fn.lookup(input, key).
func lookupField(input any, key string) any {
	switch in := input.(type) {
	case *jsonv.Object:
		for i := range in.Members {
			if in.Members[i].Key == key {
				return in.Members[i].Value
			}
		}
		return Undefined
	case []any:
		return lookupItems(in, key)
	case *seq:
		return lookupItems(in.items, key)
	}
	return Undefined
}

func lookupItems(items []any, key string) any {
	out := newSeq(len(items))
	for _, it := range items {
		res := lookupField(it, key)
		if res == Undefined {
			continue
		}
		if a, ok := arr(res); ok {
			out.items = append(out.items, a...)
		} else {
			out.items = append(out.items, res)
		}
	}
	return out
}

func evalWildcard(input any) any {
	if s, ok := input.(*seq); ok && s.outerWrapper && len(s.items) > 0 {
		input = s.items[0]
	}
	var items []any
	plain := false
	if a, ok := arr(input); ok {
		// an array is an object whose keys are its indexes
		for _, v := range a {
			if va, ok := arr(v); ok {
				items = flattenInto(items, va)
				plain = true
			} else {
				items = append(items, v)
			}
		}
	}
	if o, ok := input.(*jsonv.Object); ok {
		for _, m := range o.Members {
			if a, ok := arr(m.Value); ok {
				items = flattenInto(items, a)
				plain = true
			} else {
				items = append(items, m.Value)
			}
		}
	}
	if plain {
		return items
	}
	return &seq{items: items, sequence: true}
}

func flattenInto(dst []any, items []any) []any {
	for _, it := range items {
		if a, ok := arr(it); ok {
			dst = flattenInto(dst, a)
		} else {
			dst = append(dst, it)
		}
	}
	return dst
}

func (ev *evaluator) evalDescendants(input any) any {
	if input == Undefined {
		return Undefined
	}
	out := newSeq(0)
	ev.descend(input, out)
	if len(out.items) == 1 {
		return out.items[0]
	}
	return out
}

func (ev *evaluator) descend(input any, out *seq) {
	ev.charge(1)
	if items, ok := arr(input); ok {
		for _, m := range items {
			ev.descend(m, out)
		}
		return
	}
	out.items = append(out.items, input)
	if o, ok := input.(*jsonv.Object); ok {
		for _, m := range o.Members {
			ev.descend(m.Value, out)
		}
	}
}

// groupEntry is one key of a grouping.
type groupEntry struct {
	key       string
	data      any
	exprIndex int
}

func (ev *evaluator) evalGroup(g *groupSpec, input any, env *frame) any {
	reduce := isTupleStream(input)
	items, ok := arr(input)
	if !ok {
		items = []any{input}
	}
	if len(items) == 0 && !reduce {
		items = []any{Undefined}
	}
	var entries []groupEntry
	var index map[string]int
	find := func(k string) int {
		if index != nil {
			if i, ok := index[k]; ok {
				return i
			}
			return -1
		}
		for i := range entries {
			if entries[i].key == k {
				return i
			}
		}
		return -1
	}
	for _, item := range items {
		ctx := item
		genv := env
		if reduce {
			t := item.(*tuple)
			genv = frameFromTuple(env, t)
			ctx = t.get("@")
		}
		for pi, pair := range g.pairs {
			kv := ev.eval(pair[0], ctx, genv)
			if kv == Undefined {
				continue
			}
			key, ok := kv.(string)
			if !ok {
				throw(newError("T1003").withPos(g.pos).withValue(kv))
			}
			if i := find(key); i >= 0 {
				if entries[i].exprIndex != pi {
					throw(newError("D1009").withPos(g.pos).withValue(key))
				}
				if items, ok := arr(entries[i].data); ok {
					ev.charge(len(items) / 16)
				}
				entries[i].data = appendValues(entries[i].data, item)
			} else {
				entries = append(entries, groupEntry{key: key, data: item, exprIndex: pi})
				if index != nil {
					index[key] = len(entries) - 1
				} else if len(entries) > 16 {
					index = make(map[string]int, 64)
					for j := range entries {
						index[entries[j].key] = j
					}
				}
			}
		}
	}
	result := jsonv.NewObject(len(entries))
	for _, e := range entries {
		ctx := e.data
		genv := env
		if reduce {
			if items, ok := arr(e.data); ok {
				ev.charge(len(items))
			}
			t := reduceTupleStream(e.data)
			ctx = t.get("@")
			t = t.without("@")
			genv = frameFromTuple(env, t)
		}
		v := ev.eval(g.pairs[e.exprIndex][1], ctx, genv)
		if v != Undefined {
			result.Members = append(result.Members, jsonv.Member{Key: e.key, Value: v})
		}
	}
	return result
}

func (t *tuple) without(name string) *tuple {
	n := &tuple{}
	for i, k := range t.names {
		if k != name {
			n.names = append(n.names, k)
			n.vals = append(n.vals, t.vals[i])
		}
	}
	return n
}

func reduceTupleStream(v any) *tuple {
	if t, ok := v.(*tuple); ok {
		return t.clone()
	}
	items, _ := arr(v)
	if len(items) == 0 {
		return &tuple{}
	}
	result := items[0].(*tuple).clone()
	for _, it := range items[1:] {
		t := it.(*tuple)
		for i, name := range t.names {
			result.set(name, appendValues(result.get(name), t.vals[i]))
		}
	}
	return result
}

// appendValues is fn.append(a, b): a plain array concatenation that treats
// non-arrays as singletons and ignores undefined.
func appendValues(a, b any) any {
	if a == Undefined {
		return b
	}
	if b == Undefined {
		return a
	}
	ai, ok := arr(a)
	if !ok {
		ai = []any{a}
	}
	bi, ok := arr(b)
	if !ok {
		bi = []any{b}
	}
	out := make([]any, 0, len(ai)+len(bi))
	out = append(out, ai...)
	return append(out, bi...)
}
