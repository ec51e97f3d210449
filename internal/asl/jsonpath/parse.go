package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type stepKind uint8

const (
	stepMember   stepKind = iota // .a or ['a']
	stepIndex                    // [n]; a negative n never matches
	stepFromEnd                  // [(@.length-n)]
	stepMembers                  // ['a','b']
	stepIndexes                  // [0,2]
	stepSlice                    // [a:b]
	stepWildcard                 // .* or [*]
	stepFilter                   // [?(...)]
	stepFunction                 // .name(...): parsed, never matches
)

// step is one compiled path token.
type step struct {
	kind    stepKind
	scan    bool   // preceded by "..": applies at every depth
	quote   byte   // the quote a bracketed name was written with
	name    string // stepMember, stepFunction
	index   int    // stepIndex, stepFromEnd
	names   []string
	indexes []int
	from    int // stepSlice
	to      int
	hasFrom bool
	hasTo   bool
	filter  *expr
}

// definite reports whether the step selects at most one value; leaf says
// whether it is the last step (a name list merges only as the last step).
func (s *step) definite(leaf bool) bool {
	if s.scan {
		return false
	}
	switch s.kind {
	case stepMember, stepIndex, stepFromEnd, stepFunction:
		return true
	case stepMembers:
		return leaf
	}
	return false
}

// appendFragment writes the step the way Jayway prints it.
func (s *step) appendFragment(b *strings.Builder) {
	if s.scan {
		b.WriteString("..")
	}
	q := s.quote
	if q == 0 {
		q = '\''
	}
	switch s.kind {
	case stepMember:
		b.WriteByte('[')
		b.WriteByte(q)
		b.WriteString(s.name)
		b.WriteByte(q)
		b.WriteByte(']')
	case stepMembers:
		b.WriteByte('[')
		for i, n := range s.names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(q)
			b.WriteString(n)
			b.WriteByte(q)
		}
		b.WriteByte(']')
	case stepIndex:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.index))
		b.WriteByte(']')
	case stepIndexes:
		b.WriteByte('[')
		for i, n := range s.indexes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte(']')
	case stepFromEnd:
		b.WriteString("[(@.length-")
		b.WriteString(strconv.Itoa(s.index))
		b.WriteString(")]")
	case stepSlice:
		b.WriteByte('[')
		if s.hasFrom {
			b.WriteString(strconv.Itoa(s.from))
		}
		b.WriteByte(':')
		if s.hasTo {
			b.WriteString(strconv.Itoa(s.to))
		}
		b.WriteByte(']')
	case stepWildcard:
		b.WriteString("[*]")
	case stepFilter:
		b.WriteString("[?]")
	case stepFunction:
		b.WriteByte('.')
		b.WriteString(s.name)
		b.WriteString("()")
	}
}

// maxDepth bounds the nesting of filters and parentheses.
const maxDepth = 64

// parser compiles one path. In a filter, src is the whole filter text and
// the path is the part from pos to end; paths there start with '@' or '$'.
type parser struct {
	src   string
	pos   int
	end   int
	depth int
}

func (p *parser) errorf(at int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Path: p.src, Offset: at, Msg: fmt.Sprintf(format, args...)}
}

// parsePath compiles src[pos:end] (the whole of src when end is 0).
// inFilter selects the filter dialect: root '$' (the document) or '@' (the
// current item), no context object or variables.
func (p *parser) parsePath(inFilter bool) (*Path, error) {
	if p.end == 0 {
		p.end = len(p.src)
	}
	start := p.pos
	path := &Path{text: p.src[start:p.end]}
	if p.pos >= p.end || (p.src[p.pos] != '$' && !(inFilter && p.src[p.pos] == '@')) {
		if inFilter {
			return nil, p.errorf(p.pos, "a path in a filter must start with '$' or '@'")
		}
		return nil, p.errorf(p.pos, "a path must start with '$'")
	}
	path.atItem = p.src[p.pos] == '@'
	p.pos++
	if !inFilter && p.pos < p.end {
		if p.src[p.pos] == '$' {
			path.root = RootContext
			p.pos++
		} else if r, _ := utf8.DecodeRuneInString(p.src[p.pos:p.end]); isIdentStart(r) {
			nameStart := p.pos
			for p.pos < p.end && p.src[p.pos] != '.' && p.src[p.pos] != '[' {
				r, size := utf8.DecodeRuneInString(p.src[p.pos:p.end])
				if !isIdentPart(r) {
					return nil, p.errorf(p.pos, "invalid character %q in variable name", r)
				}
				p.pos += size
			}
			path.root = RootVariable
			path.variable = p.src[nameStart:p.pos]
		}
	}
	if p.pos < p.end && p.src[p.pos] != '.' && p.src[p.pos] != '[' {
		return nil, p.errorf(p.pos, "unexpected character %q after the root: expected '.' or '['", p.runeAt(p.pos))
	}
	if p.end > start+1 && p.src[p.end-1] == '.' {
		return nil, p.errorf(p.end-1, "a path must not end with '.' or '..'")
	}
	for p.pos < p.end {
		if err := p.readToken(path, false); err != nil {
			return nil, err
		}
	}
	path.definite, path.reference, path.simple = true, true, true
	for i := range path.steps {
		s := &path.steps[i]
		if !s.definite(i == len(path.steps)-1) {
			path.definite = false
		}
		ref := !s.scan && (s.kind == stepMember || s.kind == stepIndex && s.index >= 0)
		if !ref {
			path.reference, path.simple = false, false
		}
	}
	return path, nil
}

func (p *parser) runeAt(i int) rune {
	r, _ := utf8.DecodeRuneInString(p.src[i:p.end])
	return r
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// readToken reads one token at pos; scan says it follows "..".
func (p *parser) readToken(path *Path, scan bool) error {
	switch p.src[p.pos] {
	case '[':
		return p.readBracket(path, scan)
	case '.':
		if scan {
			return p.errorf(p.pos, "character '.' is not valid here")
		}
		if p.pos+1 < p.end && p.src[p.pos+1] == '.' {
			p.pos += 2
			scan = true
		} else {
			p.pos++
		}
		if p.pos >= p.end {
			return p.errorf(p.pos, "a path must not end with '.' or '..'")
		}
		if p.src[p.pos] == '.' {
			return p.errorf(p.pos, "character '.' is not valid here")
		}
		return p.readToken(path, scan)
	case '*':
		p.pos++
		path.steps = append(path.steps, step{kind: stepWildcard, scan: scan})
		return nil
	default:
		return p.readName(path, scan)
	}
}

// readName reads a dot-notation member name or a function call: everything
// up to the next '.', '[' or '(' (Jayway allows any other character except
// a space).
func (p *parser) readName(path *Path, scan bool) error {
	start := p.pos
	for p.pos < p.end {
		switch p.src[p.pos] {
		case ' ':
			return p.errorf(p.pos, "use bracket notation ['my prop'] if a name contains blank characters")
		case '.', '[':
			path.steps = append(path.steps, step{kind: stepMember, scan: scan, name: p.src[start:p.pos]})
			return nil
		case '(':
			name := p.src[start:p.pos]
			if name == "" {
				return p.errorf(p.pos, "a function needs a name")
			}
			depth, j := 0, p.pos
			for ; j < p.end; j++ {
				if p.src[j] == '(' {
					depth++
				} else if p.src[j] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			if depth != 0 {
				return p.errorf(start, "arguments to function '%s' are not closed properly", name)
			}
			p.pos = j + 1
			path.steps = append(path.steps, step{kind: stepFunction, scan: scan, name: name})
			return nil
		}
		p.pos++
	}
	path.steps = append(path.steps, step{kind: stepMember, scan: scan, name: p.src[start:p.pos]})
	return nil
}

// skipSpaces returns the index of the first non-space byte at or after i.
func (p *parser) skipSpaces(i int) int {
	for i < p.end && p.src[i] == ' ' {
		i++
	}
	return i
}

func (p *parser) readBracket(path *Path, scan bool) error {
	open := p.pos
	i := p.skipSpaces(open + 1)
	if i >= p.end {
		return p.errorf(open, "bracket is not closed")
	}
	switch c := p.src[i]; {
	case c == '\'' || c == '"':
		return p.readQuotedNames(path, scan, i)
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		return p.readIndexes(path, scan, open)
	case c == '*':
		j := p.skipSpaces(i + 1)
		if j >= p.end || p.src[j] != ']' {
			return p.errorf(i+1, "expected the wildcard to end with ']'")
		}
		p.pos = j + 1
		path.steps = append(path.steps, step{kind: stepWildcard, scan: scan})
		return nil
	case c == '?':
		return p.readFilter(path, scan, i+1)
	case c == '(':
		return p.readFromEnd(path, scan, i+1)
	}
	return p.errorf(open, "could not parse the token at offset %d: expected ?, ', 0-9 or *", open)
}

// readQuotedNames reads ['a'] or ['a', 'b'] starting at the first quote.
func (p *parser) readQuotedNames(path *Path, scan bool, i int) error {
	quote := p.src[i]
	var names []string
	for {
		// i is at an opening quote.
		start := i + 1
		j := start
		for ; j < p.end; j++ {
			if p.src[j] == '\\' {
				j++
				continue
			}
			if p.src[j] == quote {
				break
			}
		}
		if j >= p.end {
			return p.errorf(i, "name is not closed: missing closing %c", quote)
		}
		names = append(names, p.src[start:j])
		k := p.skipSpaces(j + 1)
		if k >= p.end {
			return p.errorf(k, "name list is not closed: missing ']'")
		}
		if p.src[k] == ']' {
			p.pos = k + 1
			break
		}
		if p.src[k] != ',' {
			return p.errorf(k, "names must be separated by ',' and the list closed by ']'")
		}
		i = p.skipSpaces(k + 1)
		if i >= p.end || p.src[i] != quote {
			return p.errorf(i, "expected a name quoted with %c after ','", quote)
		}
	}
	if len(names) == 1 {
		path.steps = append(path.steps, step{kind: stepMember, scan: scan, quote: quote, name: names[0]})
	} else {
		path.steps = append(path.steps, step{kind: stepMembers, scan: scan, quote: quote, names: names})
	}
	return nil
}

// readIndexes reads [n], [n,m,...] or a slice [a:b] as Jayway does: the text
// up to the next ']' of digits, '-', ',', ':' and spaces.
func (p *parser) readIndexes(path *Path, scan bool, open int) error {
	closeAt := strings.IndexByte(p.src[open+1:p.end], ']')
	if closeAt < 0 {
		return p.errorf(open, "bracket is not closed")
	}
	closeAt += open + 1
	expr := strings.Trim(p.src[open+1:closeAt], " ")
	for i := 0; i < len(expr); i++ {
		if c := expr[i]; !(c >= '0' && c <= '9' || c == '-' || c == ',' || c == ':' || c == ' ') {
			return p.errorf(open+1+i, "unexpected character %q in an index or slice", c)
		}
	}
	p.pos = closeAt + 1
	if strings.IndexByte(expr, ':') >= 0 {
		if strings.IndexByte(expr, ' ') >= 0 || strings.IndexByte(expr, ',') >= 0 {
			return p.errorf(open+1, "failed to parse slice %q", expr)
		}
		// Java's String.split drops trailing empty parts; a step is ignored.
		parts := strings.Split(expr, ":")
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		s := step{kind: stepSlice, scan: scan}
		var err error
		if len(parts) > 0 && parts[0] != "" {
			s.hasFrom = true
			if s.from, err = parseInt32(parts[0]); err != nil {
				return p.errorf(open+1, "failed to parse slice %q", expr)
			}
		}
		if len(parts) > 1 && parts[1] != "" {
			s.hasTo = true
			if s.to, err = parseInt32(parts[1]); err != nil {
				return p.errorf(open+1, "failed to parse slice %q", expr)
			}
		}
		for _, extra := range parts[min(len(parts), 2):] {
			if _, err := parseInt32(extra); err != nil {
				return p.errorf(open+1, "failed to parse slice %q", expr)
			}
		}
		if !s.hasFrom && !s.hasTo {
			return p.errorf(open+1, "failed to parse slice %q", expr)
		}
		path.steps = append(path.steps, s)
		return nil
	}
	var indexes []int
	for tok := range strings.SplitSeq(expr, ",") {
		n, err := parseInt32(strings.Trim(tok, " "))
		if err != nil {
			return p.errorf(open+1, "failed to parse index %q", strings.Trim(tok, " "))
		}
		indexes = append(indexes, n)
	}
	if len(indexes) == 1 {
		path.steps = append(path.steps, step{kind: stepIndex, scan: scan, index: indexes[0]})
	} else {
		path.steps = append(path.steps, step{kind: stepIndexes, scan: scan, indexes: indexes})
	}
	return nil
}

// parseInt32 parses a decimal integer the way Java's Integer.parseInt does.
func parseInt32(s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	return int(n), err
}

// readFromEnd reads the script index "(@.length-N)]" that AWS accepts; i is
// just past '('.
func (p *parser) readFromEnd(path *Path, scan bool, i int) error {
	bad := func() error {
		return p.errorf(i-1, "unsupported script expression: only (@.length-N) is accepted")
	}
	i = p.skipSpaces(i)
	if !strings.HasPrefix(p.src[i:p.end], "@.length") {
		return bad()
	}
	i = p.skipSpaces(i + len("@.length"))
	n := 0
	if i < p.end && p.src[i] == '-' {
		i = p.skipSpaces(i + 1)
		j := i
		for j < p.end && p.src[j] >= '0' && p.src[j] <= '9' {
			j++
		}
		var err error
		if n, err = parseInt32(p.src[i:j]); err != nil {
			return bad()
		}
		i = p.skipSpaces(j)
	}
	if i >= p.end || p.src[i] != ')' {
		return bad()
	}
	i = p.skipSpaces(i + 1)
	if i >= p.end || p.src[i] != ']' {
		return bad()
	}
	p.pos = i + 1
	path.steps = append(path.steps, step{kind: stepFromEnd, scan: scan, index: n})
	return nil
}

// readFilter reads "(expression) ]" of a filter; i is just past '?'.
func (p *parser) readFilter(path *Path, scan bool, i int) error {
	i = p.skipBlanks(i)
	if i >= p.end || p.src[i] != '(' {
		return p.errorf(i, "a filter must have the form [?(expression)]")
	}
	p.pos = i
	e, err := p.parseOperand() // '(' starts a parenthesized expression
	if err != nil {
		return err
	}
	j := p.skipBlanks(p.pos)
	if j >= p.end || p.src[j] != ']' {
		return p.errorf(j, "a filter must have the form [?(expression)]")
	}
	p.pos = j + 1
	path.steps = append(path.steps, step{kind: stepFilter, scan: scan, filter: e})
	return nil
}

// skipBlanks skips whitespace inside filters.
func (p *parser) skipBlanks(i int) int {
	for i < p.end {
		switch p.src[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
