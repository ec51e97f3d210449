package expr

import (
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// Categories of semantic problems. AWS reports syntax errors first, then
// the first problem of the highest-priority category (the priorities differ
// between expression kinds).
type category uint8

const (
	catParens category = iota
	catUnknownFunc
	catMisused
	catReserved
	catSection
	catName
	catValue
	catNameOrValue
	catOperandCount
	catDistinct
	catOverlap
	catConflict
	catOperandType
	catFunction
	catKey // key-condition specific problems
	numCategories
)

var (
	conditionOrder  = []category{catParens, catUnknownFunc, catMisused, catReserved, catNameOrValue, catOperandCount, catDistinct, catFunction}
	updateOrder     = []category{catReserved, catUnknownFunc, catSection, catName, catValue, catOverlap, catConflict, catOperandType, catOperandCount, catFunction}
	projectionOrder = []category{catReserved, catName, catOverlap, catConflict}
)

// syntaxError is a parse failure at a token.
type syntaxError struct{ at int }

type parser struct {
	src  string
	toks []token
	pos  int
	kind string // "ConditionExpression", ...
	ctx  *Context
	errs [numCategories]string
	// update expressions: the paths written so far, for overlap checks
	paths   []Path
	section [4]bool
}

func newParser(src, kind string, ctx *Context) *parser {
	if ctx == nil {
		ctx = &Context{}
	}
	return &parser{src: src, toks: lex(src), kind: kind, ctx: ctx}
}

func (p *parser) fail(c category, msg string) {
	if p.errs[c] == "" {
		p.errs[c] = msg
	}
	if (c == catName || c == catValue) && p.errs[catNameOrValue] == "" {
		p.errs[catNameOrValue] = msg
	}
}

// result turns the recorded problems into the error AWS reports.
func (p *parser) result(order []category) error {
	for _, c := range order {
		if p.errs[c] != "" {
			return p.error(p.errs[c])
		}
	}
	return nil
}

func (p *parser) error(msg string) *Error {
	return &Error{Msg: "Invalid " + p.kind + ": " + msg}
}

// syntax words a syntax error at token i: the token, and the text from the
// token before it to the token after it.
func (p *parser) syntax(i int) *Error {
	t := p.toks[i]
	text := "<EOF>"
	if t.kind != tEOF {
		text = p.src[t.start:t.end]
	}
	lo := t.start
	if i > 0 {
		lo = p.toks[i-1].start
	}
	hi := t.end
	switch {
	case t.kind == tEOF && i > 0:
		hi = p.toks[i-1].end
	case t.kind != tEOF && i+1 < len(p.toks) && p.toks[i+1].kind != tEOF:
		hi = p.toks[i+1].end
	}
	return p.error("Syntax error; token: \"" + text + "\", near: \"" + p.src[lo:hi] + "\"")
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) text(t token) string { return p.src[t.start:t.end] }

func (p *parser) isKeyword(t token, kw string) bool {
	return t.kind == tIdent && keyword(p.text(t), kw)
}

func (p *parser) expect(k tokKind) {
	if p.peek().kind != k {
		panic(syntaxError{p.pos})
	}
	p.pos++
}

// run parses with fn, turning a syntax panic into its error.
func (p *parser) run(fn func()) (err error) {
	if strings.Trim(p.src, " \t\r\n") == "" {
		return p.error("The expression can not be empty;")
	}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			err = p.syntax(se.at)
		}
	}()
	fn()
	return nil
}

// Condition grammar:
//
//	or      = and { OR and }
//	and     = not { AND not }
//	not     = NOT not | primary
//	primary = "(" or ")" | operand cmp operand | operand BETWEEN operand AND operand
//	        | operand IN "(" operand { "," operand } ")" | function
func (p *parser) or() *cond {
	c := p.and()
	for p.isKeyword(p.peek(), "OR") {
		p.pos++
		r := p.and()
		c = &cond{kind: cOr, l: c, r: r}
	}
	return c
}

func (p *parser) and() *cond {
	c := p.not()
	for p.isKeyword(p.peek(), "AND") {
		p.pos++
		r := p.not()
		c = &cond{kind: cAnd, l: c, r: r}
	}
	return c
}

func (p *parser) not() *cond {
	if p.isKeyword(p.peek(), "NOT") {
		p.pos++
		c := p.not()
		return &cond{kind: cNot, l: c}
	}
	return p.primary()
}

func (p *parser) primary() *cond {
	if p.peek().kind == tLParen {
		// A parenthesized condition, or a parenthesized operand that
		// starts a comparison: try the first, fall back to the second.
		save, saveErrs := p.pos, p.errs
		c, ok := p.tryParenCond()
		if ok {
			return c
		}
		p.pos, p.errs = save, saveErrs
	}
	a := p.operand(true)
	t := p.peek()
	switch {
	case t.kind >= tEq && t.kind <= tGe:
		p.pos++
		b := p.operand(true)
		c := &cond{kind: cCmp, op: t.kind, ops: []*operand{a, b}}
		p.checkCompare(c)
		return c
	case p.isKeyword(t, "BETWEEN"):
		p.pos++
		lo := p.operand(true)
		if !p.isKeyword(p.peek(), "AND") {
			panic(syntaxError{p.pos})
		}
		p.pos++
		hi := p.operand(true)
		c := &cond{kind: cBetween, ops: []*operand{a, lo, hi}}
		p.checkCompare(c)
		return c
	case p.isKeyword(t, "IN"):
		p.pos++
		p.expect(tLParen)
		ops := []*operand{a, p.operand(true)}
		for p.peek().kind == tComma {
			p.pos++
			ops = append(ops, p.operand(true))
		}
		p.expect(tRParen)
		c := &cond{kind: cIn, ops: ops}
		p.checkCompare(c)
		return c
	}
	if a.kind == oFunc {
		if a.fn == "size" {
			p.fail(catMisused, "The function is not allowed to be used this way in an expression; function: size")
		}
		return &cond{kind: cFunc, fn: a.fn, ops: a.args}
	}
	panic(syntaxError{p.pos})
}

func (p *parser) tryParenCond() (c *cond, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isSyntax := r.(syntaxError); !isSyntax {
				panic(r)
			}
			c, ok = nil, false
		}
	}()
	p.pos++ // (
	c = p.or()
	p.expect(tRParen)
	if c.parened {
		p.fail(catParens, "The expression has redundant parentheses;")
	}
	c.parened = true
	return c, true
}

// checkCompare records misused functions and non-distinct operands of a
// comparison, BETWEEN or IN.
func (p *parser) checkCompare(c *cond) {
	for _, o := range c.ops {
		if o.kind == oFunc && o.fn != "size" {
			p.fail(catMisused, "The function is not allowed to be used this way in an expression; function: "+o.fn)
		}
	}
	if c.kind == cCmp {
		p.checkDistinct(opName(c.op), c.ops)
	}
	if c.kind == cBetween {
		lo, hi := c.ops[1], c.ops[2]
		if lo.kind == oValue && hi.kind == oValue && !lo.undefined && !hi.undefined {
			lt, ht := lo.val.T, hi.val.T
			bounds := "lower bound operand: AttributeValue: {" + lt.String() + ":" + valueText(lo.val) +
				"}, upper bound operand: AttributeValue: {" + ht.String() + ":" + valueText(hi.val) + "}"
			if lt != ht {
				p.fail(catFunction, "The BETWEEN operator requires same data type for lower and upper bounds; "+bounds)
			} else if cmp, ok := attr.Compare(lo.val, hi.val); ok && cmp > 0 {
				p.fail(catFunction, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "+bounds)
			}
		}
	}
}

func (p *parser) checkDistinct(name string, ops []*operand) {
	if len(ops) != 2 || ops[0].kind != oPath || ops[1].kind != oPath || ops[0].undefined || ops[1].undefined {
		return
	}
	if samePath(ops[0].path, ops[1].path) {
		p.fail(catDistinct, "The first operand must be distinct from the remaining operands for this operator or function; operator: "+
			name+", first operand: "+ops[0].path.String())
	}
}

func samePath(a, b Path) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// valueText renders a value as AWS's BETWEEN messages do.
func valueText(v attr.Value) string {
	switch v.T {
	case attr.S, attr.N:
		return v.Str
	case attr.BOOL:
		return strconv.FormatBool(v.Bool)
	}
	return string(attr.AppendJSON(nil, v))
}

// operand parses a path, a value or a function call. cond selects the
// condition functions (else the update functions).
func (p *parser) operand(condCtx bool) *operand {
	t := p.peek()
	switch t.kind {
	case tValue:
		p.pos++
		name := p.text(t)
		v, ok := p.ctx.useValue(name)
		if !ok {
			p.fail(catValue, "An expression attribute value used in expression is not defined; attribute value: "+name)
			return &operand{kind: oValue, undefined: true}
		}
		return &operand{kind: oValue, val: v}
	case tIdent:
		if p.toks[p.pos+1].kind == tLParen && !p.isExprKeyword(t) {
			return p.function(condCtx)
		}
		return p.pathOperand()
	case tName:
		return p.pathOperand()
	case tLParen:
		if !condCtx {
			p.pos++
			o := p.setValue()
			p.expect(tRParen)
			return o
		}
		p.pos++
		o := p.operand(condCtx)
		p.expect(tRParen)
		return o
	}
	panic(syntaxError{p.pos})
}

// isExprKeyword reports the words that can never start an operand.
func (p *parser) isExprKeyword(t token) bool {
	for _, kw := range [...]string{"AND", "OR", "NOT", "BETWEEN", "IN"} {
		if p.isKeyword(t, kw) {
			return true
		}
	}
	return false
}

// functions and their operand counts, by context.
var (
	condFunctions   = map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2, "size": 1}
	updateFunctions = map[string]int{"if_not_exists": 2, "list_append": 2}
)

func (p *parser) function(condCtx bool) *operand {
	name := p.text(p.peek())
	p.pos += 2 // name (
	args := []*operand{p.operand(condCtx)}
	for p.peek().kind == tComma {
		p.pos++
		args = append(args, p.operand(condCtx))
	}
	p.expect(tRParen)
	o := &operand{kind: oFunc, fn: name, args: args}
	funcs := updateFunctions
	if condCtx {
		funcs = condFunctions
	}
	n, ok := funcs[name]
	if !ok {
		p.fail(catUnknownFunc, "Invalid function name; function: "+name)
		return o
	}
	if condCtx {
		for _, a := range args {
			if a.kind == oFunc && a.fn != "size" {
				p.fail(catMisused, "The function is not allowed to be used this way in an expression; function: "+a.fn)
			}
		}
	}
	if len(args) != n {
		p.fail(catOperandCount, "Incorrect number of operands for operator or function; operator or function: "+name+
			", number of operands: "+strconv.Itoa(len(args)))
		return o
	}
	p.checkFunction(o)
	return o
}

// staticType is the type an operand is known to have before evaluation:
// a value's type, a function's result type, or TypeInvalid for paths.
func staticType(o *operand) attr.Type {
	switch o.kind {
	case oValue:
		if o.undefined {
			return attr.TypeInvalid
		}
		return o.val.T
	case oFunc:
		switch o.fn {
		case "size", "+", "-":
			return attr.N
		case "list_append":
			return attr.L
		case "if_not_exists":
			if len(o.args) == 2 {
				return staticType(o.args[1])
			}
		}
	}
	return attr.TypeInvalid
}

func (p *parser) checkFunction(o *operand) {
	bad := func(t attr.Type) {
		p.fail(catFunction, "Incorrect operand type for operator or function; operator or function: "+o.fn+", operand type: "+t.String())
	}
	switch o.fn {
	case "attribute_exists", "attribute_not_exists":
		if o.args[0].kind != oPath {
			p.fail(catFunction, "Operator or function requires a document path; operator or function: "+o.fn)
		}
	case "if_not_exists":
		if o.args[0].kind != oPath {
			p.fail(catFunction, "Operator or function requires a document path; operator or function: "+o.fn)
		}
	case "begins_with":
		p.checkDistinct(o.fn, o.args)
		for _, a := range o.args {
			if t := staticType(a); t != attr.TypeInvalid && t != attr.S && t != attr.B {
				bad(t)
				return
			}
		}
	case "contains":
		p.checkDistinct(o.fn, o.args)
	case "attribute_type":
		t := staticType(o.args[1])
		if o.args[1].kind != oValue {
			if t == attr.TypeInvalid {
				p.fail(catFunction, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
			} else {
				bad(t)
			}
			return
		}
		if o.args[1].undefined {
			return
		}
		if t != attr.S {
			bad(t)
			return
		}
		if attr.ParseType(o.args[1].val.Str) == attr.TypeInvalid {
			p.fail(catFunction, "Invalid attribute type name found; type: "+o.args[1].val.Str+", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")
		}
	case "size":
		switch t := staticType(o.args[0]); t {
		case attr.N, attr.BOOL, attr.NULL:
			bad(t)
		}
	case "list_append":
		for _, a := range o.args {
			if a.kind == oValue {
				if t := staticType(a); t != attr.TypeInvalid && t != attr.L {
					bad(t)
					return
				}
			}
		}
	}
}

// pathOperand parses a document path.
func (p *parser) pathOperand() *operand {
	o := &operand{kind: oPath}
	o.path, o.undefined = p.path()
	return o
}

// path parses name { "." name | "[" digits "]" }, resolving #names and
// checking reserved words.
func (p *parser) path() (Path, bool) {
	var path Path
	undefined := false
	elem := func() {
		t := p.peek()
		switch t.kind {
		case tIdent:
			name := p.text(t)
			if p.isExprKeyword(t) {
				panic(syntaxError{p.pos})
			}
			if isReserved(name) {
				p.fail(catReserved, "Attribute name is a reserved keyword; reserved keyword: "+name)
			}
			path = append(path, PathElem{Name: name})
		case tName:
			name := p.text(t)
			v, ok := p.ctx.useName(name)
			if !ok {
				p.fail(catName, "An expression attribute name used in the document path is not defined; attribute name: "+name)
				undefined = true
			}
			path = append(path, PathElem{Name: v})
		default:
			panic(syntaxError{p.pos})
		}
		p.pos++
	}
	elem()
	for {
		switch p.peek().kind {
		case tDot:
			p.pos++
			elem()
		case tLBrack:
			p.pos++
			t := p.peek()
			if t.kind != tNumber {
				panic(syntaxError{p.pos})
			}
			n, err := strconv.Atoi(p.text(t))
			if err != nil || n > 1<<30 {
				n = 1 << 30
			}
			p.pos++
			p.expect(tRBrack)
			path = append(path, PathElem{Index: n, IsIndex: true})
		default:
			return path, undefined
		}
	}
}

// checkPaths records overlapping or conflicting paths (projection and
// update expressions may not name one path twice, or a path and a path
// inside it).
func (p *parser) checkPaths(path Path) {
	for _, q := range p.paths {
		n := min(len(q), len(path))
		same := true
		for i := 0; i < n; i++ {
			if q[i].IsIndex != path[i].IsIndex {
				p.fail(catConflict, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: "+
					q.String()+", path two: "+path.String())
				same = false
				break
			}
			if q[i] != path[i] {
				same = false
				break
			}
		}
		if same {
			p.fail(catOverlap, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: "+
				q.String()+", path two: "+path.String())
		}
	}
	p.paths = append(p.paths, path)
}
