package expr

import (
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// Error is an expression DynamoDB refuses; Msg is AWS's ValidationException
// message, e.g. "Invalid UpdateExpression: Syntax error; token: \"<EOF>\",
// near: \"+\"".
type Error struct{ Msg string }

// Error implements error.
func (e *Error) Error() string { return e.Msg }

// PathElem is one step of a document path: a map key (or top-level
// attribute name) or a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path: an attribute name followed by map keys and list
// indexes (a.b[2].c).
type Path []PathElem

// String renders a path as AWS's messages do: "[a, b, [2], c]".
func (p Path) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
		} else {
			b.WriteString(e.Name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// Attr is the top-level attribute name the path starts with.
func (p Path) Attr() string { return p[0].Name }

// Nested reports whether the path goes below a top-level attribute.
func (p Path) Nested() bool { return len(p) > 1 }

// Context carries the ExpressionAttributeNames and ExpressionAttributeValues
// of a request to the parsers, and records which ones the expressions use.
type Context struct {
	Names  map[string]string
	Values map[string]attr.Value

	usedNames  map[string]struct{}
	usedValues map[string]struct{}
}

func (c *Context) useName(n string) (string, bool) {
	v, ok := c.Names[n]
	if ok {
		if c.usedNames == nil {
			c.usedNames = map[string]struct{}{}
		}
		c.usedNames[n] = struct{}{}
	}
	return v, ok
}

func (c *Context) useValue(n string) (attr.Value, bool) {
	v, ok := c.Values[n]
	if ok {
		if c.usedValues == nil {
			c.usedValues = map[string]struct{}{}
		}
		c.usedValues[n] = struct{}{}
	}
	return v, ok
}

// UnusedNames lists the names no parsed expression used, sorted.
func (c *Context) UnusedNames() []string {
	var out []string
	for n := range c.Names {
		if _, ok := c.usedNames[n]; !ok {
			out = append(out, n)
		}
	}
	sortStrings(out)
	return out
}

// UnusedValues lists the values no parsed expression used, sorted.
func (c *Context) UnusedValues() []string {
	var out []string
	for n := range c.Values {
		if _, ok := c.usedValues[n]; !ok {
			out = append(out, n)
		}
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// opKind is an operand's kind.
type opKind uint8

const (
	oPath  opKind = iota // a document path
	oValue               // an expression attribute value
	oFunc                // a function call (size, if_not_exists, list_append) or + / -
)

// operand is a value-producing node.
type operand struct {
	kind opKind
	path Path
	val  attr.Value
	fn   string
	args []*operand
	// undefined marks a placeholder that names nothing (already reported).
	undefined bool
}

// condKind is a condition node's kind.
type condKind uint8

const (
	cCmp     condKind = iota // a op b
	cBetween                 // a BETWEEN b AND c
	cIn                      // a IN (b, c, ...)
	cAnd
	cOr
	cNot
	cFunc // attribute_exists(...), begins_with(...), ...
)

// cond is a boolean node.
type cond struct {
	kind condKind
	op   tokKind // cCmp's comparator
	ops  []*operand
	fn   string
	l, r *cond
	// parened records that the node was written in parentheses, to catch
	// redundant ones.
	parened bool
}

func opName(k tokKind) string {
	switch k {
	case tEq:
		return "="
	case tNe:
		return "<>"
	case tLt:
		return "<"
	case tLe:
		return "<="
	case tGt:
		return ">"
	case tGe:
		return ">="
	}
	return "?"
}
