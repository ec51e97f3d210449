package jsonata

// kind is a node type as an enum for the evaluator's dispatch.
type kind uint8

const (
	kInvalid kind = iota
	kPath
	kBinary
	kNeg
	kArrayCons
	kObjectCons
	kName
	kLiteral
	kWildcard
	kDescendant
	kParent
	kCondition
	kBlock
	kBind
	kRegex
	kFunction
	kVariable
	kLambda
	kPartial
	kApply
	kTransform
	kSort
	kPlaceholder
)

// binary operators
const (
	opAdd = iota + 1
	opSub
	opMul
	opDiv
	opMod
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opConcat
	opAnd
	opOr
	opRange
	opIn
)

var binaryOps = map[string]int{
	"+": opAdd, "-": opSub, "*": opMul, "/": opDiv, "%": opMod, "=": opEq, "!=": opNe,
	"<": opLt, "<=": opLe, ">": opGt, ">=": opGe, "&": opConcat, "and": opAnd, "or": opOr,
	"..": opRange, "in": opIn,
}

// finalize sets each node's kind and precomputes what evaluation needs.
func finalize(n *node, depth int) {
	if n == nil || n.kind != kInvalid {
		return
	}
	if depth > maxParseDepth*8 {
		throw(newError(codeStackOverflow).withPos(n.pos))
	}
	depth++
	if s, ok := n.value.(string); ok {
		n.str = s
	}
	switch n.typ {
	case "path":
		n.kind = kPath
		n.isVar0 = n.steps[0].typ == "variable"
		n.nsteps = len(n.steps) - 1
	case "binary":
		n.kind = kBinary
		op := binaryOps[n.str]
		if op == 0 {
			throw(newError("S0201").withPos(n.pos).withToken(n.value))
		}
		n.lit = op
	case "unary":
		switch n.str {
		case "-":
			n.kind = kNeg
		case "[":
			n.kind = kArrayCons
		case "{":
			n.kind = kObjectCons
			n.lit = &groupSpec{pairs: n.pairs, pos: n.pos}
		}
	case "name":
		n.kind = kName
	case "string":
		n.kind = kLiteral
		n.lit = n.value
	case "number":
		n.kind = kLiteral
		n.lit = numv(n.value.(float64))
	case "value":
		n.kind = kLiteral
		n.lit = n.value
	case "wildcard":
		n.kind = kWildcard
	case "descendant":
		n.kind = kDescendant
	case "parent":
		n.kind = kParent
	case "condition":
		n.kind = kCondition
	case "block":
		n.kind = kBlock
	case "bind":
		n.kind = kBind
		n.str = n.lhs.str
		if n.str == "" {
			n.str, _ = n.lhs.value.(string)
		}
	case "regex":
		n.kind = kRegex
		lit := n.value.(*regexLit)
		re, err := compileJSRegex(lit.pattern, lit.flags)
		if err != nil {
			throw(err.withPos(n.pos))
		}
		n.re = re
	case "function":
		n.kind = kFunction
	case "partial":
		n.kind = kPartial
	case "variable":
		n.kind = kVariable
	case "lambda":
		n.kind = kLambda
		for _, a := range n.arguments {
			name, _ := a.value.(string)
			n.params = append(n.params, name)
		}
	case "apply":
		n.kind = kApply
	case "transform":
		n.kind = kTransform
	case "sort":
		n.kind = kSort
	case "operator":
		if n.str == "?" {
			n.kind = kPlaceholder
		} else {
			throw(newError("S0201").withPos(n.pos).withToken(n.value))
		}
	default:
		throw(newError("S0206").withPos(n.pos).withToken(n.value))
	}
	if n.kind == kFunction || n.kind == kPartial {
		if n.procedure.typ == "path" {
			n.procNm, _ = n.procedure.steps[0].value.(string)
		} else {
			n.procNm, _ = n.procedure.value.(string)
		}
		for _, a := range n.arguments {
			n.argPos = append(n.argPos, a.typ == "operator" && a.value == "?")
		}
	}
	for _, c := range []*node{n.lhs, n.rhs, n.expression, n.procedure, n.body, n.condition, n.then, n.els, n.pattern, n.update, n.del} {
		finalize(c, depth)
	}
	for _, c := range n.expressions {
		finalize(c, depth)
	}
	for _, c := range n.arguments {
		if n.kind != kLambda {
			finalize(c, depth)
		}
	}
	for _, c := range n.steps {
		finalize(c, depth)
	}
	for _, pr := range n.pairs {
		finalize(pr[0], depth)
		finalize(pr[1], depth)
	}
	for _, t := range n.terms {
		finalize(t.expr, depth)
	}
	for _, s := range n.predicate {
		finalize(s.expr, depth)
	}
	for _, s := range n.stages {
		if s.expr != nil {
			finalize(s.expr, depth)
		}
	}
	if n.group != nil {
		for _, pr := range n.group.pairs {
			finalize(pr[0], depth)
			finalize(pr[1], depth)
		}
	}
}
