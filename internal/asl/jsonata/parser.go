package jsonata

// The parser follows jsonata-js: a Pratt (top-down operator precedence)
// parser producing a raw tree, then a post-parse pass (process) that
// flattens location paths into steps with predicates/stages, resolves the
// parent operator and marks tail calls.

// node is a syntax tree node, both raw (during parsing) and processed.
type node struct {
	typ   string // binary, unary, name, variable, string, number, value, regex, wildcard, descendant, parent, function, partial, lambda, condition, block, transform, operator, path, bind, apply, sort, (end)
	kind  kind   // typ as an enum, set by finalize
	value any    // operator text, name, literal value
	pos   int
	sym   *symbol

	lhs, rhs    *node
	expression  *node
	expressions []*node
	arguments   []*node
	procedure   *node
	body        *node
	signature   *signature
	condition   *node
	then, els   *node
	pattern     *node
	update, del *node
	pairs       [][2]*node
	terms       []sortTerm
	keepArray   bool

	steps              []*node
	predicate          []*stage
	stages             []*stage
	group              *groupSpec
	keepSingletonArray bool
	consarray          bool
	tuple              bool
	thunk              bool
	focus, index       string
	ancestor           *slot
	seekingParent      []*slot
	slot               *slot

	// finalize: precomputed values
	str    string    // name, variable name, operator
	lit    any       // literal value, boxed once
	params []string  // lambda parameter names
	re     *regexFn  // compiled regex literal
	argPos []bool    // partial: which arguments are placeholders
	sigArg []*node   // lambda params as parsed
	procNm string    // function/partial: procedure name for messages
	isVar0 bool      // path: first step is a variable
	nsteps int       // len(steps)-1
	_      [0]func() // not comparable
}

type stage struct {
	typ   string // filter or index
	expr  *node
	value string
	pos   int
}

type groupSpec struct {
	pairs [][2]*node
	pos   int
}

type sortTerm struct {
	descending bool
	expr       *node
}

type slot struct {
	label string
	level int
	index int
}

type symbol struct {
	id  string
	lbp int
	nud func(p *parser, self *node) *node
	led func(p *parser, self *node, left *node) *node
}

var symbols = map[string]*symbol{}

func defSymbol(id string, bp int) *symbol {
	s := symbols[id]
	if s != nil {
		if bp >= s.lbp {
			s.lbp = bp
		}
		return s
	}
	s = &symbol{id: id, lbp: bp}
	symbols[id] = s
	return s
}

var operatorBP = map[string]int{
	".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0, "@": 80, "#": 80,
	";": 80, ":": 80, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "|": 20,
	"=": 40, "<": 40, ">": 40, "^": 40, "**": 60, "..": 20, ":=": 10, "!=": 40, "<=": 40,
	">=": 40, "~>": 40, "?:": 40, "??": 40, "and": 30, "or": 25, "in": 40, "&": 50,
	"!": 0, "~": 0,
}

func terminal(id string) {
	defSymbol(id, 0).nud = func(p *parser, self *node) *node { return self }
}

func infix(id string, bp int, led func(p *parser, self, left *node) *node) {
	if bp == 0 {
		bp = operatorBP[id]
	}
	s := defSymbol(id, bp)
	if led == nil {
		led = func(p *parser, self, left *node) *node {
			self.lhs = left
			self.rhs = p.expression(bp)
			self.typ = "binary"
			return self
		}
	}
	s.led = led
}

func prefix(id string, nud func(p *parser, self *node) *node) {
	s := defSymbol(id, 0)
	if nud == nil {
		nud = func(p *parser, self *node) *node {
			self.expression = p.expression(70)
			self.typ = "unary"
			return self
		}
	}
	s.nud = nud
}

func init() {
	terminal("(end)")
	terminal("(name)")
	terminal("(literal)")
	terminal("(regex)")
	for _, id := range []string{":", ";", ",", ")", "]", "}", ".."} {
		defSymbol(id, 0)
	}
	for _, id := range []string{".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in"} {
		infix(id, 0, nil)
	}
	terminal("and")
	terminal("or")
	terminal("in")
	prefix("-", nil)
	infix("~>", 0, nil)
	infix("??", operatorBP["??"], func(p *parser, self, left *node) *node {
		self.typ = "condition"
		self.condition = &node{typ: "function", value: "(", pos: self.pos,
			procedure: &node{typ: "variable", value: "exists", pos: self.pos},
			arguments: []*node{cloneNode(left)}}
		self.then = left
		self.els = p.expression(0)
		return self
	})
	prefix("*", func(p *parser, self *node) *node { self.typ = "wildcard"; return self })
	prefix("**", func(p *parser, self *node) *node { self.typ = "descendant"; return self })
	prefix("%", func(p *parser, self *node) *node { self.typ = "parent"; return self })
	infix("(", operatorBP["("], ledCall)
	prefix("(", func(p *parser, self *node) *node {
		var exprs []*node
		for p.node.sym.id != ")" {
			exprs = append(exprs, p.expression(0))
			if p.node.sym.id != ";" {
				break
			}
			p.advance(";", false)
		}
		p.advance(")", true)
		self.typ = "block"
		self.expressions = exprs
		return self
	})
	prefix("[", func(p *parser, self *node) *node {
		var a []*node
		if p.node.sym.id != "]" {
			for {
				item := p.expression(0)
				if p.node.sym.id == ".." {
					rng := &node{typ: "binary", value: "..", pos: p.node.pos, lhs: item}
					p.advance("..", false)
					rng.rhs = p.expression(0)
					item = rng
				}
				a = append(a, item)
				if p.node.sym.id != "," {
					break
				}
				p.advance(",", false)
			}
		}
		p.advance("]", true)
		self.expressions = a
		self.typ = "unary"
		return self
	})
	infix("[", operatorBP["["], func(p *parser, self, left *node) *node {
		if p.node.sym.id == "]" {
			step := left
			for step != nil && step.typ == "binary" && step.value == "[" {
				step = step.lhs
			}
			step.keepArray = true
			p.advance("]", false)
			return left
		}
		self.lhs = left
		self.rhs = p.expression(operatorBP["]"])
		self.typ = "binary"
		p.advance("]", true)
		return self
	})
	infix("^", operatorBP["^"], func(p *parser, self, left *node) *node {
		p.advance("(", false)
		var terms []sortTerm
		for {
			t := sortTerm{}
			if p.node.sym.id == "<" {
				p.advance("<", false)
			} else if p.node.sym.id == ">" {
				t.descending = true
				p.advance(">", false)
			}
			t.expr = p.expression(0)
			terms = append(terms, t)
			if p.node.sym.id != "," {
				break
			}
			p.advance(",", false)
		}
		p.advance(")", false)
		self.lhs = left
		self.terms = terms
		self.typ = "binary"
		return self
	})
	prefix("{", func(p *parser, self *node) *node { return p.objectParser(self, nil) })
	infix("{", operatorBP["{"], func(p *parser, self, left *node) *node { return p.objectParser(self, left) })
	defSymbol(":=", operatorBP[":="]).led = func(p *parser, self, left *node) *node {
		if left.typ != "variable" {
			throw(newError("S0212").withPos(left.pos).withToken(left.value))
		}
		self.lhs = left
		self.rhs = p.expression(operatorBP[":="] - 1)
		self.typ = "binary"
		return self
	}
	for _, op := range []string{"@", "#"} {
		op := op
		infix(op, operatorBP[op], func(p *parser, self, left *node) *node {
			self.lhs = left
			self.rhs = p.expression(operatorBP[op])
			if self.rhs.typ != "variable" {
				throw(newError("S0214").withPos(self.rhs.pos).withToken(op))
			}
			self.typ = "binary"
			return self
		})
	}
	infix("?", operatorBP["?"], func(p *parser, self, left *node) *node {
		self.typ = "condition"
		self.condition = left
		self.then = p.expression(0)
		if p.node.sym.id == ":" {
			p.advance(":", false)
			self.els = p.expression(0)
		}
		return self
	})
	infix("?:", operatorBP["?:"], func(p *parser, self, left *node) *node {
		self.typ = "condition"
		self.condition = cloneNode(left)
		self.then = left
		self.els = p.expression(0)
		return self
	})
	prefix("|", func(p *parser, self *node) *node {
		self.typ = "transform"
		self.pattern = p.expression(0)
		p.advance("|", false)
		self.update = p.expression(0)
		if p.node.sym.id == "," {
			p.advance(",", false)
			self.del = p.expression(0)
		}
		p.advance("|", false)
		return self
	})
}

func ledCall(p *parser, self, left *node) *node {
	self.procedure = left
	self.typ = "function"
	if p.node.sym.id != ")" {
		for {
			if p.node.typ == "operator" && p.node.sym.id == "?" {
				self.typ = "partial"
				self.arguments = append(self.arguments, p.node)
				p.advance("?", false)
			} else {
				self.arguments = append(self.arguments, p.expression(0))
			}
			if p.node.sym.id != "," {
				break
			}
			p.advance(",", false)
		}
	}
	p.advance(")", true)
	if left.typ == "name" && (left.value == "function" || left.value == "\u03BB") {
		for i, arg := range self.arguments {
			if arg.typ != "variable" {
				throw(newError("S0208").withPos(arg.pos).withToken(arg.value).withValue(float64(i + 1)))
			}
		}
		self.typ = "lambda"
		if p.node.sym.id == "<" {
			sigPos := p.node.pos
			depth := 1
			sig := "<"
			for depth > 0 && p.node.sym.id != "{" && p.node.sym.id != "(end)" {
				tok := p.advance("", false)
				if tok.sym.id == ">" {
					depth--
				} else if tok.sym.id == "<" {
					depth++
				}
				sig += tokenText(tok)
			}
			p.advance(">", false)
			s, err := parseSignature(sig)
			if err != nil {
				err.Position = sigPos + err.index
				err.index = 0
				throw(err)
			}
			self.signature = s
		}
		p.advance("{", false)
		self.body = p.expression(0)
		p.advance("}", false)
	}
	return self
}

func tokenText(n *node) string {
	switch v := n.value.(type) {
	case string:
		return v
	case float64:
		return formatJSNumber(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	case nil:
		return "null"
	}
	return ""
}

func (p *parser) objectParser(self, left *node) *node {
	var a [][2]*node
	if p.node.sym.id != "}" {
		for {
			n := p.expression(0)
			p.advance(":", false)
			v := p.expression(0)
			a = append(a, [2]*node{n, v})
			if p.node.sym.id != "," {
				break
			}
			p.advance(",", false)
		}
	}
	p.advance("}", true)
	if left == nil {
		self.pairs = a
		self.typ = "unary"
	} else {
		self.lhs = left
		self.pairs = a
		self.typ = "binary"
	}
	return self
}

// cloneNode deep-copies a raw parse tree (JSON.parse(JSON.stringify(n))
// in jsonata-js).
func cloneNode(n *node) *node {
	if n == nil {
		return nil
	}
	c := *n
	c.lhs = cloneNode(n.lhs)
	c.rhs = cloneNode(n.rhs)
	c.expression = cloneNode(n.expression)
	c.expressions = cloneNodes(n.expressions)
	c.arguments = cloneNodes(n.arguments)
	c.procedure = cloneNode(n.procedure)
	c.body = cloneNode(n.body)
	c.condition = cloneNode(n.condition)
	c.then = cloneNode(n.then)
	c.els = cloneNode(n.els)
	c.pattern = cloneNode(n.pattern)
	c.update = cloneNode(n.update)
	c.del = cloneNode(n.del)
	if n.pairs != nil {
		c.pairs = make([][2]*node, len(n.pairs))
		for i, pr := range n.pairs {
			c.pairs[i] = [2]*node{cloneNode(pr[0]), cloneNode(pr[1])}
		}
	}
	if n.terms != nil {
		c.terms = make([]sortTerm, len(n.terms))
		for i, t := range n.terms {
			c.terms[i] = sortTerm{t.descending, cloneNode(t.expr)}
		}
	}
	return &c
}

func cloneNodes(ns []*node) []*node {
	if ns == nil {
		return nil
	}
	out := make([]*node, len(ns))
	for i, n := range ns {
		out[i] = cloneNode(n)
	}
	return out
}

// parser holds the state of one parse.
type parser struct {
	src      string
	lex      lexer
	node     *node
	ancestry []*node
	labels   int
	depth    int
}

// maxParseDepth bounds the nesting of the parser's recursion.
const maxParseDepth = 500

func (p *parser) advance(id string, infix bool) *node {
	if id != "" && p.node.sym.id != id {
		code := "S0202"
		if p.node.sym.id == "(end)" {
			code = "S0203"
		}
		throw(newError(code).withPos(p.node.pos).withToken(p.node.value).withValue(id))
	}
	tok := p.lex.next(infix)
	if tok == nil {
		p.node = &node{sym: symbols["(end)"], value: "(end)", pos: len(p.src)}
		return p.node
	}
	var sym *symbol
	switch tok.typ {
	case "name", "variable":
		sym = symbols["(name)"]
	case "operator":
		sym = symbols[tok.value.(string)]
		if sym == nil {
			throw(newError("S0204").withPos(tok.pos).withToken(tok.value))
		}
	case "string", "number", "value":
		sym = symbols["(literal)"]
	case "regex":
		sym = symbols["(regex)"]
	}
	p.node = &node{sym: sym, value: tok.value, typ: tok.typ, pos: tok.pos}
	return p.node
}

func (p *parser) expression(rbp int) *node {
	p.depth++
	if p.depth > maxParseDepth {
		throw(newError(codeStackOverflow).withPos(p.node.pos))
	}
	t := p.node
	p.advance("", true)
	if t.sym.nud == nil {
		throw(newError("S0211").withPos(t.pos).withToken(t.value))
	}
	left := t.sym.nud(p, t)
	for rbp < p.node.sym.lbp {
		t = p.node
		p.advance("", false)
		left = t.sym.led(p, t, left)
	}
	p.depth--
	return left
}

// parse parses src into a processed syntax tree.
func parse(src string) *node {
	p := &parser{src: src, lex: lexer{src: src}}
	p.advance("", false)
	expr := p.expression(0)
	if p.node.sym.id != "(end)" {
		throw(newError("S0201").withPos(p.node.pos).withToken(p.node.value))
	}
	p.depth = 0
	expr = p.process(expr)
	if expr.typ == "parent" || expr.seekingParent != nil {
		throw(newError("S0217").withPos(expr.pos).withToken(expr.typ))
	}
	finalize(expr, 0)
	return expr
}

func (p *parser) seekParent(n *node, s *slot) *slot {
	switch n.typ {
	case "name", "wildcard":
		s.level--
		if s.level == 0 {
			if n.ancestor == nil {
				n.ancestor = s
			} else {
				p.ancestry[s.index].slot.label = n.ancestor.label
				n.ancestor = s
			}
			n.tuple = true
		}
	case "parent":
		s.level++
	case "block":
		if len(n.expressions) > 0 {
			n.tuple = true
			s = p.seekParent(n.expressions[len(n.expressions)-1], s)
		}
	case "path":
		n.tuple = true
		index := len(n.steps) - 1
		s = p.seekParent(n.steps[index], s)
		index--
		for s.level > 0 && index >= 0 {
			s = p.seekParent(n.steps[index], s)
			index--
		}
	default:
		throw(newError("S0217").withPos(n.pos).withToken(n.typ))
	}
	return s
}

func pushAncestry(result, value *node) {
	if value.seekingParent != nil || value.typ == "parent" {
		slots := value.seekingParent
		if value.typ == "parent" {
			slots = append(slots, value.slot)
		}
		result.seekingParent = append(result.seekingParent, slots...)
	}
}

func (p *parser) resolveAncestry(path *node) {
	index := len(path.steps) - 1
	last := path.steps[index]
	slots := append([]*slot(nil), last.seekingParent...)
	if last.typ == "parent" {
		slots = append(slots, last.slot)
	}
	for _, s := range slots {
		index = len(path.steps) - 2
		for s.level > 0 {
			if index < 0 {
				path.seekingParent = append(path.seekingParent, s)
				break
			}
			step := path.steps[index]
			index--
			for index >= 0 && step.focus != "" && path.steps[index].focus != "" {
				step = path.steps[index]
				index--
			}
			s = p.seekParent(step, s)
		}
	}
}

func tailCallOptimize(expr *node) *node {
	switch {
	case expr.typ == "function" && expr.predicate == nil:
		return &node{typ: "lambda", thunk: true, pos: expr.pos, body: expr}
	case expr.typ == "condition":
		expr.then = tailCallOptimize(expr.then)
		if expr.els != nil {
			expr.els = tailCallOptimize(expr.els)
		}
	case expr.typ == "block":
		if n := len(expr.expressions); n > 0 {
			expr.expressions[n-1] = tailCallOptimize(expr.expressions[n-1])
		}
	}
	return expr
}

func (p *parser) process(expr *node) *node {
	p.depth++
	if p.depth > maxParseDepth*4 {
		throw(newError(codeStackOverflow).withPos(expr.pos))
	}
	defer func() { p.depth-- }()
	var result *node
	switch expr.typ {
	case "binary":
		op, _ := expr.value.(string)
		switch op {
		case ".":
			lstep := p.process(expr.lhs)
			if lstep.typ == "path" {
				result = lstep
			} else {
				result = &node{typ: "path", steps: []*node{lstep}}
			}
			if lstep.typ == "parent" {
				result.seekingParent = []*slot{lstep.slot}
			}
			rest := p.process(expr.rhs)
			if rest.typ == "path" {
				result.steps = append(result.steps, rest.steps...)
			} else {
				if rest.predicate != nil {
					rest.stages = rest.predicate
					rest.predicate = nil
				}
				result.steps = append(result.steps, rest)
			}
			for _, step := range result.steps {
				if step.typ == "number" || step.typ == "value" {
					throw(newError("S0213").withPos(step.pos).withValue(step.value))
				}
				if step.typ == "string" {
					step.typ = "name"
				}
			}
			for _, step := range result.steps {
				if step.keepArray {
					result.keepSingletonArray = true
					break
				}
			}
			first := result.steps[0]
			if first.typ == "unary" && first.value == "[" {
				first.consarray = true
			}
			last := result.steps[len(result.steps)-1]
			if last.typ == "unary" && last.value == "[" {
				last.consarray = true
			}
			p.resolveAncestry(result)
		case "[":
			result = p.process(expr.lhs)
			step := result
			stages := false
			if result.typ == "path" {
				step = result.steps[len(result.steps)-1]
				stages = true
			}
			if step.group != nil {
				throw(newError("S0209").withPos(expr.pos))
			}
			pred := p.process(expr.rhs)
			if pred.seekingParent != nil {
				for _, s := range pred.seekingParent {
					if s.level == 1 {
						p.seekParent(step, s)
					} else {
						s.level--
					}
				}
				pushAncestry(step, pred)
			}
			st := &stage{typ: "filter", expr: pred, pos: expr.pos}
			if stages {
				step.stages = append(step.stages, st)
			} else {
				step.predicate = append(step.predicate, st)
			}
		case "{":
			result = p.process(expr.lhs)
			if result.group != nil {
				throw(newError("S0210").withPos(expr.pos))
			}
			g := &groupSpec{pos: expr.pos}
			for _, pr := range expr.pairs {
				g.pairs = append(g.pairs, [2]*node{p.process(pr[0]), p.process(pr[1])})
			}
			result.group = g
		case "^":
			result = p.process(expr.lhs)
			if result.typ != "path" {
				result = &node{typ: "path", steps: []*node{result}}
			}
			sortStep := &node{typ: "sort", pos: expr.pos}
			for _, t := range expr.terms {
				e := p.process(t.expr)
				pushAncestry(sortStep, e)
				sortStep.terms = append(sortStep.terms, sortTerm{t.descending, e})
			}
			result.steps = append(result.steps, sortStep)
			p.resolveAncestry(result)
		case ":=":
			result = &node{typ: "bind", value: expr.value, pos: expr.pos}
			result.lhs = p.process(expr.lhs)
			result.rhs = p.process(expr.rhs)
			pushAncestry(result, result.rhs)
		case "@":
			result = p.process(expr.lhs)
			step := result
			if result.typ == "path" {
				step = result.steps[len(result.steps)-1]
			}
			if step.stages != nil || step.predicate != nil {
				throw(newError("S0215").withPos(expr.pos))
			}
			if step.typ == "sort" {
				throw(newError("S0216").withPos(expr.pos))
			}
			if expr.keepArray {
				step.keepArray = true
			}
			step.focus, _ = expr.rhs.value.(string)
			step.tuple = true
		case "#":
			result = p.process(expr.lhs)
			step := result
			if result.typ == "path" {
				step = result.steps[len(result.steps)-1]
			} else {
				result = &node{typ: "path", steps: []*node{result}}
				if step.predicate != nil {
					step.stages = step.predicate
					step.predicate = nil
				}
			}
			name, _ := expr.rhs.value.(string)
			if step.stages == nil {
				step.index = name
			} else {
				step.stages = append(step.stages, &stage{typ: "index", value: name, pos: expr.pos})
			}
			step.tuple = true
		case "~>":
			result = &node{typ: "apply", value: expr.value, pos: expr.pos}
			result.lhs = p.process(expr.lhs)
			result.rhs = p.process(expr.rhs)
			result.keepArray = result.lhs.keepArray || result.rhs.keepArray
		default:
			result = &node{typ: expr.typ, value: expr.value, pos: expr.pos}
			result.lhs = p.process(expr.lhs)
			result.rhs = p.process(expr.rhs)
			pushAncestry(result, result.lhs)
			pushAncestry(result, result.rhs)
		}
	case "unary":
		result = &node{typ: expr.typ, value: expr.value, pos: expr.pos}
		switch expr.value {
		case "[":
			result.expressions = make([]*node, 0, len(expr.expressions))
			for _, item := range expr.expressions {
				v := p.process(item)
				pushAncestry(result, v)
				result.expressions = append(result.expressions, v)
			}
		case "{":
			for _, pr := range expr.pairs {
				k := p.process(pr[0])
				pushAncestry(result, k)
				v := p.process(pr[1])
				pushAncestry(result, v)
				result.pairs = append(result.pairs, [2]*node{k, v})
			}
		default:
			result.expression = p.process(expr.expression)
			if expr.value == "-" && result.expression.typ == "number" {
				result = result.expression
				result.value = -result.value.(float64)
			} else {
				pushAncestry(result, result.expression)
			}
		}
	case "function", "partial":
		result = &node{typ: expr.typ, value: expr.value, pos: expr.pos}
		for _, a := range expr.arguments {
			v := p.process(a)
			pushAncestry(result, v)
			result.arguments = append(result.arguments, v)
		}
		result.procedure = p.process(expr.procedure)
	case "lambda":
		result = &node{typ: expr.typ, arguments: expr.arguments, signature: expr.signature, pos: expr.pos}
		result.body = tailCallOptimize(p.process(expr.body))
	case "condition":
		result = &node{typ: expr.typ, pos: expr.pos}
		result.condition = p.process(expr.condition)
		pushAncestry(result, result.condition)
		result.then = p.process(expr.then)
		pushAncestry(result, result.then)
		if expr.els != nil {
			result.els = p.process(expr.els)
			pushAncestry(result, result.els)
		}
	case "transform":
		result = &node{typ: expr.typ, pos: expr.pos}
		result.pattern = p.process(expr.pattern)
		result.update = p.process(expr.update)
		if expr.del != nil {
			result.del = p.process(expr.del)
		}
	case "block":
		result = &node{typ: expr.typ, pos: expr.pos}
		for _, item := range expr.expressions {
			part := p.process(item)
			pushAncestry(result, part)
			if part.consarray || (part.typ == "path" && part.steps[0].consarray) {
				result.consarray = true
			}
			result.expressions = append(result.expressions, part)
		}
	case "name":
		result = &node{typ: "path", steps: []*node{expr}}
		if expr.keepArray {
			result.keepSingletonArray = true
		}
	case "parent":
		result = &node{typ: "parent", pos: expr.pos, slot: &slot{label: "!" + itoa(p.labels), level: 1, index: len(p.ancestry)}}
		p.labels++
		p.ancestry = append(p.ancestry, result)
	case "string", "number", "value", "wildcard", "descendant", "variable", "regex":
		result = expr
	case "operator":
		switch expr.value {
		case "and", "or", "in":
			expr.typ = "name"
			result = p.process(expr)
		case "?":
			result = expr
		default:
			throw(newError("S0201").withPos(expr.pos).withToken(expr.value))
		}
	default:
		code := "S0206"
		if expr.sym != nil && expr.sym.id == "(end)" {
			code = "S0207"
		}
		throw(newError(code).withPos(expr.pos).withToken(expr.value))
	}
	if expr.keepArray {
		result.keepArray = true
	}
	return result
}

func itoa(i int) string {
	return formatJSNumber(float64(i))
}
