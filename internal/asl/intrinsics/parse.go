package intrinsics

import (
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// MaxDepth is how deeply calls may nest in one expression (AWS allows
// nesting up to 10 intrinsic functions in a field).
const MaxDepth = 10

const wsChars = " \t\n\r"

// SyntaxError describes a call that cannot be compiled.
type SyntaxError struct {
	Msg    string // what is wrong, e.g. "unterminated string literal"
	Offset int    // byte offset in the call text where the problem was found
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid intrinsic function call: %s (at offset %d)", e.Msg, e.Offset)
}

type nodeKind uint8

const (
	nodeLiteral nodeKind = iota
	nodePath
	nodeCall
)

// node is one argument or call of the tree.
type node struct {
	kind nodeKind
	lit  jsonv.Value    // nodeLiteral
	path *jsonpath.Path // nodePath
	root jsonpath.RootKind
	fn   funcID // nodeCall
	args []node
	// tmpl holds the pieces of a literal States.Format template around its
	// "{}" placeholders, split at parse time so escapes are honoured.
	tmpl []string
}

type parser struct {
	src string
	pos int
}

func (p *parser) errf(at int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...), Offset: at}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(wsChars, p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *parser) parse() (node, error) {
	p.skipSpace()
	if !strings.HasPrefix(p.src[p.pos:], "States.") {
		return node{}, p.errf(p.pos, "an intrinsic function call must start with 'States.'")
	}
	n, err := p.call(1)
	if err != nil {
		return node{}, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return node{}, p.errf(p.pos, "unexpected %q after the end of the call", p.src[p.pos:])
	}
	return n, nil
}

// call parses "States.Name(args)" at p.pos.
func (p *parser) call(depth int) (node, error) {
	start := p.pos
	if depth > MaxDepth {
		return node{}, p.errf(start, "intrinsic functions nest more than %d deep", MaxDepth)
	}
	p.pos += len("States.")
	nameStart := p.pos
	for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[nameStart:p.pos]
	fn, ok := lookupFunc(name)
	if !ok {
		if name == "" {
			return node{}, p.errf(nameStart, "missing function name after 'States.'")
		}
		return node{}, p.errf(start, "unknown intrinsic function 'States.%s'", name)
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return node{}, p.errf(p.pos, "expected '(' after 'States.%s'", name)
	}
	p.pos++
	n := node{kind: nodeCall, fn: fn}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			p.skipSpace()
			wantTemplate := fn == fnFormat && len(n.args) == 0
			arg, err := p.arg(depth, wantTemplate, &n)
			if err != nil {
				return node{}, err
			}
			n.args = append(n.args, arg)
			p.skipSpace()
			if p.pos >= len(p.src) {
				return node{}, p.errf(p.pos, "missing ')' to close 'States.%s('", name)
			}
			c := p.src[p.pos]
			p.pos++
			if c == ')' {
				break
			}
			if c != ',' {
				return node{}, p.errf(p.pos-1, "expected ',' or ')' in the arguments of 'States.%s', found %q", name, c)
			}
		}
	}
	spec := funcs[fn]
	if len(n.args) < spec.minArgs || (spec.maxArgs >= 0 && len(n.args) > spec.maxArgs) {
		return node{}, p.errf(start, "'States.%s' takes %s, got %d", name, spec.arity(), len(n.args))
	}
	if fn == fnFormat && n.args[0].kind == nodeLiteral {
		if _, ok := n.args[0].lit.(string); !ok {
			return node{}, p.errf(start, "the first argument of 'States.Format' must be a string")
		}
	}
	return n, nil
}

func isIdentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// arg parses one argument. For a literal States.Format template it also
// fills parent.tmpl.
func (p *parser) arg(depth int, wantTemplate bool, parent *node) (node, error) {
	if p.pos >= len(p.src) {
		return node{}, p.errf(p.pos, "missing argument")
	}
	switch c := p.src[p.pos]; {
	case c == '\'':
		s, tmpl, err := p.str(wantTemplate)
		if err != nil {
			return node{}, err
		}
		if wantTemplate {
			parent.tmpl = tmpl
		}
		return node{kind: nodeLiteral, lit: s}, nil
	case c == '$':
		return p.pathArg()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case strings.HasPrefix(p.src[p.pos:], "States."):
		return p.call(depth + 1)
	case c == ',' || c == ')':
		return node{}, p.errf(p.pos, "missing argument")
	default:
		for _, kw := range [...]struct {
			word string
			v    jsonv.Value
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if strings.HasPrefix(p.src[p.pos:], kw.word) && p.atArgEnd(p.pos+len(kw.word)) {
				p.pos += len(kw.word)
				return node{kind: nodeLiteral, lit: kw.v}, nil
			}
		}
		end := p.pos
		for end < len(p.src) && !p.atArgEnd(end) {
			end++
		}
		return node{}, p.errf(p.pos, "invalid argument %q: expected a string in single quotes, a number, true, false, null, a JSONPath or an intrinsic function", p.src[p.pos:end])
	}
}

// atArgEnd reports whether an argument token may end at i.
func (p *parser) atArgEnd(i int) bool {
	if i >= len(p.src) {
		return true
	}
	c := p.src[i]
	return c == ',' || c == ')' || strings.IndexByte(wsChars, c) >= 0
}

// str parses a single-quoted literal. With template set it also returns
// the text split at unescaped "{}" placeholders.
func (p *parser) str(template bool) (string, []string, error) {
	start := p.pos
	p.pos++ // opening quote
	var b strings.Builder
	var tmpl []string
	segStart := 0  // start in b of the current template piece
	lastOpen := -1 // position in b of an unescaped '{' just written
	for {
		if p.pos >= len(p.src) {
			return "", nil, p.errf(start, "unterminated string literal")
		}
		c := p.src[p.pos]
		switch c {
		case '\'':
			p.pos++
			s := b.String()
			if template {
				tmpl = append(tmpl, s[segStart:])
			}
			return s, tmpl, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return "", nil, p.errf(p.pos, "unterminated escape sequence in string literal")
			}
			e := p.src[p.pos+1]
			switch e {
			case '\'', '{', '}', '\\':
				b.WriteByte(e)
				lastOpen = -1
				p.pos += 2
			default:
				return "", nil, p.errf(p.pos, "illegal escape sequence '\\%c' in string literal: only \\', \\{, \\} and \\\\ are allowed", e)
			}
		default:
			if c == '}' && template && lastOpen == b.Len()-1 && lastOpen >= 0 {
				s := b.String()
				tmpl = append(tmpl, s[segStart:lastOpen])
				b.WriteByte(c)
				segStart = b.Len()
				lastOpen = -1
			} else {
				lastOpen = -1
				if c == '{' {
					lastOpen = b.Len()
				}
				b.WriteByte(c)
			}
			p.pos++
		}
	}
}

// pathArg scans a JSONPath up to the ',' or ')' that ends the argument,
// skipping over brackets, filter parentheses and quoted keys.
func (p *parser) pathArg() (node, error) {
	start := p.pos
	var open []byte // closers still expected, innermost last
	var quote byte
scan:
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		if quote != 0 {
			switch c {
			case '\\':
				p.pos++
			case quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '[':
			open = append(open, ']')
		case '(': // a filter, or a function such as length()
			open = append(open, ')')
		case ']', ')':
			if len(open) == 0 {
				break scan
			}
			if open[len(open)-1] != c {
				return node{}, p.errf(p.pos, "unbalanced %q in JSONPath %q", c, p.src[start:p.pos+1])
			}
			open = open[:len(open)-1]
		case '\'', '"':
			if len(open) > 0 {
				quote = c
			}
		default:
			if len(open) == 0 && (c == ',' || strings.IndexByte(wsChars, c) >= 0) {
				break scan
			}
		}
	}
	if quote != 0 || len(open) > 0 {
		return node{}, p.errf(start, "unterminated JSONPath %q", p.src[start:])
	}
	text := p.src[start:p.pos]
	path, err := jsonpath.Parse(text)
	if err != nil {
		return node{}, p.errf(start, "invalid JSONPath %q: %v", text, err)
	}
	return node{kind: nodePath, path: path, root: path.Root()}, nil
}

// number parses a JSON number literal.
func (p *parser) number() (node, error) {
	start := p.pos
	i := p.pos
	digits := func() int {
		n := 0
		for i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if p.src[i] == '-' {
		i++
	}
	intStart := i
	ok := digits() > 0 && (p.src[intStart] != '0' || i-intStart == 1)
	if ok && i < len(p.src) && p.src[i] == '.' {
		i++
		ok = digits() > 0
	}
	if ok && i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		i++
		if i < len(p.src) && (p.src[i] == '+' || p.src[i] == '-') {
			i++
		}
		ok = digits() > 0
	}
	if !ok || !p.atArgEnd(i) {
		end := i
		for end < len(p.src) && !p.atArgEnd(end) {
			end++
		}
		return node{}, p.errf(start, "invalid number %q", p.src[start:end])
	}
	p.pos = i
	return node{kind: nodeLiteral, lit: javaNumber(jsonv.Number(p.src[start:i]))}, nil
}
