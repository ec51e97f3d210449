package expr

import (
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// Condition is a compiled condition, filter or key condition expression.
type Condition struct {
	root *cond
}

// ParseCondition compiles a condition expression. kind names the request
// member in error messages: "ConditionExpression", "FilterExpression" or
// "KeyConditionExpression". ctx supplies (and records the use of) the
// ExpressionAttributeNames and ExpressionAttributeValues.
func ParseCondition(src, kind string, ctx *Context) (*Condition, error) {
	p := newParser(src, kind, ctx)
	var root *cond
	err := p.run(func() {
		root = p.or()
		if p.peek().kind != tEOF {
			panic(syntaxError{p.pos})
		}
	})
	if err != nil {
		return nil, err
	}
	if err := p.result(conditionOrder); err != nil {
		return nil, err
	}
	return &Condition{root: root}, nil
}

// Eval reports whether item satisfies the condition. A missing item is an
// empty one.
func (c *Condition) Eval(item attr.Item) bool { return evalCond(c.root, item) }

func evalCond(c *cond, item attr.Item) bool {
	switch c.kind {
	case cAnd:
		return evalCond(c.l, item) && evalCond(c.r, item)
	case cOr:
		return evalCond(c.l, item) || evalCond(c.r, item)
	case cNot:
		return !evalCond(c.l, item)
	case cCmp:
		a, aok := evalOperand(c.ops[0], item)
		b, bok := evalOperand(c.ops[1], item)
		switch c.op {
		case tEq:
			return aok && bok && attr.Equal(a, b)
		case tNe:
			return !(aok && bok && attr.Equal(a, b))
		}
		if !aok || !bok {
			return false
		}
		n, ok := attr.Compare(a, b)
		if !ok {
			return false
		}
		switch c.op {
		case tLt:
			return n < 0
		case tLe:
			return n <= 0
		case tGt:
			return n > 0
		case tGe:
			return n >= 0
		}
	case cBetween:
		a, aok := evalOperand(c.ops[0], item)
		lo, lok := evalOperand(c.ops[1], item)
		hi, hok := evalOperand(c.ops[2], item)
		if !aok || !lok || !hok {
			return false
		}
		n1, ok1 := attr.Compare(lo, a)
		n2, ok2 := attr.Compare(a, hi)
		return ok1 && ok2 && n1 <= 0 && n2 <= 0
	case cIn:
		a, ok := evalOperand(c.ops[0], item)
		if !ok {
			return false
		}
		for _, o := range c.ops[1:] {
			if b, ok := evalOperand(o, item); ok && attr.Equal(a, b) {
				return true
			}
		}
		return false
	case cFunc:
		return evalFunc(c.fn, c.ops, item)
	}
	return false
}

func evalFunc(fn string, args []*operand, item attr.Item) bool {
	switch fn {
	case "attribute_exists":
		_, ok := evalOperand(args[0], item)
		return ok
	case "attribute_not_exists":
		_, ok := evalOperand(args[0], item)
		return !ok
	case "attribute_type":
		v, ok := evalOperand(args[0], item)
		t, tok := evalOperand(args[1], item)
		return ok && tok && t.T == attr.S && v.T.String() == t.Str
	case "begins_with":
		v, ok := evalOperand(args[0], item)
		p, pok := evalOperand(args[1], item)
		return ok && pok && v.T == p.T && (v.T == attr.S || v.T == attr.B) && strings.HasPrefix(v.Str, p.Str)
	case "contains":
		v, ok := evalOperand(args[0], item)
		x, xok := evalOperand(args[1], item)
		if !ok || !xok {
			return false
		}
		switch v.T {
		case attr.S, attr.B:
			return x.T == v.T && strings.Contains(v.Str, x.Str)
		case attr.SS, attr.NS, attr.BS:
			return v.SetHas(x)
		case attr.L:
			for _, e := range v.List {
				if attr.Equal(e, x) {
					return true
				}
			}
		}
	}
	return false
}

// evalOperand computes an operand's value on item; ok is false when it has
// none (a missing path, size of an unsized value).
func evalOperand(o *operand, item attr.Item) (attr.Value, bool) {
	switch o.kind {
	case oValue:
		return o.val, true
	case oPath:
		return Resolve(item, o.path)
	case oFunc:
		if o.fn == "size" && len(o.args) == 1 {
			v, ok := evalOperand(o.args[0], item)
			if !ok {
				return attr.Value{}, false
			}
			n, ok := size(v)
			if !ok {
				return attr.Value{}, false
			}
			return attr.Value{T: attr.N, Str: itoa(n)}, true
		}
	}
	return attr.Value{}, false
}

// size is the size() function: the length of a string (in characters) or
// binary (in bytes), the number of elements of a set, list or map.
func size(v attr.Value) (int, bool) {
	switch v.T {
	case attr.S:
		return utf8.RuneCountInString(v.Str), true
	case attr.B:
		return len(v.Str), true
	case attr.SS, attr.NS, attr.BS:
		return len(v.Set), true
	case attr.L:
		return len(v.List), true
	case attr.M:
		return len(v.Map), true
	}
	return 0, false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Resolve returns the value at path in item.
func Resolve(item attr.Item, path Path) (attr.Value, bool) {
	if len(path) == 0 || path[0].IsIndex {
		return attr.Value{}, false
	}
	v, ok := item[path[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range path[1:] {
		if e.IsIndex {
			if v.T != attr.L || e.Index >= len(v.List) {
				return attr.Value{}, false
			}
			v = v.List[e.Index]
			continue
		}
		if v.T != attr.M {
			return attr.Value{}, false
		}
		v, ok = v.Map[e.Name]
		if !ok {
			return attr.Value{}, false
		}
	}
	return v, true
}

// KeyCond is one condition of a key condition expression on one key
// attribute: Op is "=", "<", "<=", ">", ">=", "BETWEEN" or "begins_with";
// Values holds its one value, or the two bounds of BETWEEN.
type KeyCond struct {
	Attr   string
	Op     string
	Values []attr.Value
}

// KeyConditions breaks a key condition expression into its conditions (one
// or two, joined by AND), checking the shape Query allows. Errors are AWS's
// messages.
func (c *Condition) KeyConditions() ([]KeyCond, error) {
	var leaves []*cond
	var walk func(n *cond) error
	walk = func(n *cond) error {
		switch n.kind {
		case cAnd:
			if err := walk(n.l); err != nil {
				return err
			}
			return walk(n.r)
		case cOr:
			return invalidKeyOp("OR")
		case cNot:
			return invalidKeyOp("NOT")
		case cIn:
			return invalidKeyOp("IN")
		case cCmp:
			if n.op == tNe {
				return invalidKeyOp("<>")
			}
		case cFunc:
			if n.fn != "begins_with" {
				return invalidKeyOp(n.fn)
			}
		}
		leaves = append(leaves, n)
		return nil
	}
	if err := walk(c.root); err != nil {
		return nil, err
	}
	out := make([]KeyCond, 0, len(leaves))
	for _, n := range leaves {
		var kc KeyCond
		switch n.kind {
		case cCmp:
			kc.Op = opName(n.op)
		case cBetween:
			kc.Op = "BETWEEN"
		default:
			kc.Op = "begins_with"
		}
		var path *operand
		for i, o := range n.ops {
			switch o.kind {
			case oFunc:
				return nil, &Error{Msg: "KeyConditionExpressions cannot contain nested operations"}
			case oPath:
				if o.path.Nested() {
					return nil, &Error{Msg: "KeyConditionExpressions cannot have conditions on nested attributes"}
				}
				if path != nil {
					return nil, &Error{Msg: "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"}
				}
				if i > 0 && n.kind != cCmp {
					return nil, &Error{Msg: "Invalid condition in KeyConditionExpression: " + kc.Op + " operator must have the key attribute as its first operand"}
				}
				path = o
			case oValue:
				kc.Values = append(kc.Values, o.val)
			}
		}
		if path == nil {
			return nil, &Error{Msg: "Invalid condition in KeyConditionExpression: No key attribute specified"}
		}
		if n.kind == cCmp && n.ops[0].kind != oPath {
			// ":v < k" is "k > :v"
			kc.Op = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}[kc.Op]
		}
		kc.Attr = path.path.Attr()
		out = append(out, kc)
	}
	if len(out) > 2 {
		return nil, &Error{Msg: "KeyConditionExpressions must only contain one condition per key"}
	}
	if len(out) == 2 && out[0].Attr == out[1].Attr {
		return nil, &Error{Msg: "KeyConditionExpressions must only contain one condition per key"}
	}
	return out, nil
}

func invalidKeyOp(op string) error {
	return &Error{Msg: "Invalid operator used in KeyConditionExpression: " + op}
}

// Attrs lists the top-level attribute names the condition reads.
func (c *Condition) Attrs() []string {
	var out []string
	seen := map[string]bool{}
	var ops func(o *operand)
	ops = func(o *operand) {
		switch o.kind {
		case oPath:
			if len(o.path) > 0 && !seen[o.path[0].Name] {
				seen[o.path[0].Name] = true
				out = append(out, o.path[0].Name)
			}
		case oFunc:
			for _, a := range o.args {
				ops(a)
			}
		}
	}
	var walk func(n *cond)
	walk = func(n *cond) {
		if n == nil {
			return
		}
		for _, o := range n.ops {
			ops(o)
		}
		walk(n.l)
		walk(n.r)
	}
	walk(c.root)
	return out
}
