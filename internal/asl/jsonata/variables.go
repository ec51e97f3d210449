package jsonata

// freeVariables lists the variables referenced by the expression that are
// not bound inside it, in first-appearance order. Bindings are tracked with
// lexical scopes: blocks and lambda bodies open a scope; := binds in the
// current scope from that point on; lambda parameters and focus (@$v) and
// index (#$i) variables are bound for the expressions they govern. The
// context ($) and root ($$) references and the names of JSONata's standard
// library functions are not reported.
func freeVariables(root *node) []string {
	w := &varWalker{seen: map[string]bool{}}
	w.push()
	w.walk(root)
	return w.out
}

type varWalker struct {
	scopes []map[string]bool
	seen   map[string]bool
	out    []string
}

func (w *varWalker) push() { w.scopes = append(w.scopes, map[string]bool{}) }
func (w *varWalker) pop()  { w.scopes = w.scopes[:len(w.scopes)-1] }

func (w *varWalker) bind(name string) {
	if name != "" {
		w.scopes[len(w.scopes)-1][name] = true
	}
}

func (w *varWalker) ref(name string) {
	if name == "" || name == "$" {
		return
	}
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if w.scopes[i][name] {
			return
		}
	}
	if isBuiltinName(name) || w.seen[name] {
		return
	}
	w.seen[name] = true
	w.out = append(w.out, name)
}

func (w *varWalker) walk(n *node) { w.walkNode(n, true) }

// walkNode visits n; withStages includes its predicates, stages and group
// (a path step's are visited by walkStep after its bindings).
func (w *varWalker) walkNode(n *node, withStages bool) {
	if n == nil {
		return
	}
	switch n.kind {
	case kVariable:
		w.ref(n.str)
	case kBind:
		w.walk(n.rhs)
		w.bind(n.str)
		return
	case kBlock:
		w.push()
		for _, e := range n.expressions {
			w.walk(e)
		}
		w.pop()
		return
	case kLambda:
		if n.thunk {
			w.walk(n.body)
			return
		}
		w.push()
		for _, p := range n.params {
			w.bind(p)
		}
		w.walk(n.body)
		w.pop()
		return
	case kPath:
		for _, s := range n.steps {
			w.walkStep(s)
		}
		w.walkGroup(n.group)
		w.walkStages(n.predicate)
		return
	}
	w.walkChildren(n, withStages)
}

func (w *varWalker) walkStep(s *node) {
	w.walkNode(s, false)
	if s.focus != "" {
		w.bind(s.focus)
	}
	if s.index != "" {
		w.bind(s.index)
	}
	for _, st := range s.stages {
		if st.typ == "index" {
			w.bind(st.value)
		} else {
			w.walk(st.expr)
		}
	}
	w.walkStages(s.predicate)
	w.walkGroup(s.group)
}

func (w *varWalker) walkGroup(g *groupSpec) {
	if g == nil {
		return
	}
	for _, pr := range g.pairs {
		w.walk(pr[0])
		w.walk(pr[1])
	}
}

func (w *varWalker) walkStages(st []*stage) {
	for _, s := range st {
		if s.expr != nil {
			w.walk(s.expr)
		}
	}
}

func (w *varWalker) walkChildren(n *node, withStages bool) {
	switch n.kind {
	case kFunction, kPartial:
		w.walk(n.procedure)
		for _, a := range n.arguments {
			w.walk(a)
		}
	case kObjectCons:
		w.walkGroup(n.lit.(*groupSpec))
	default:
		for _, c := range []*node{n.lhs, n.rhs, n.expression, n.condition, n.then, n.els, n.pattern, n.update, n.del} {
			w.walk(c)
		}
		for _, e := range n.expressions {
			w.walk(e)
		}
	}
	if n.kind == kSort {
		for _, t := range n.terms {
			w.walk(t.expr)
		}
	}
	if withStages {
		w.walkStages(n.predicate)
		w.walkStages(n.stages)
		w.walkGroup(n.group)
	}
}
