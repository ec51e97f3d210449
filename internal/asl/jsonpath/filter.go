package jsonpath

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Filters: "[?(expression)]". The grammar is Jayway's:
//
//	or       = and { "||" and }
//	and      = operand { "&&" operand }
//	operand  = "!" operand | "(" or ")" | relation
//	relation = value [ operator value ]   (no operator: the path exists)
//	value    = ["!"] path | 'string' | "string" | number | true | false
//	         | null | JSON array or object | /regex/flags

type exprKind uint8

const (
	exprOr exprKind = iota
	exprAnd
	exprNot
	exprExists
	exprCompare
)

type relOp uint8

const (
	opEQ relOp = iota
	opNE
	opTSEQ
	opTSNE
	opLT
	opLE
	opGT
	opGE
	opRegex
	opIn
	opNin
	opContains
	opAll
	opSize
	opEmpty
	opSubsetOf
	opAnyOf
	opNoneOf
)

var operators = map[string]relOp{
	"==": opEQ, "!=": opNE, "===": opTSEQ, "!==": opTSNE,
	"<": opLT, "<=": opLE, ">": opGT, ">=": opGE, "=~": opRegex,
	"in": opIn, "nin": opNin, "contains": opContains, "all": opAll,
	"size": opSize, "empty": opEmpty, "subsetof": opSubsetOf,
	"anyof": opAnyOf, "noneof": opNoneOf,
}

type expr struct {
	kind        exprKind
	left, right *expr // exprOr, exprAnd; exprNot uses left
	op          relOp
	lhs, rhs    operand
	want        bool // exprExists: true for "@.x", false for "!@.x"
}

// operand is a path (evaluated per item) or a literal.
type operand struct {
	path *Path
	lit  fval
}

type fkind uint8

const (
	fUndef fkind = iota // a path that selected nothing
	fNull
	fBool
	fNum
	fStr
	fJSON // array or object
	fPattern
)

// fval is a value inside a filter, typed the way Jayway's ValueNode is.
type fval struct {
	kind fkind
	b    bool
	s    string // fStr; fPattern: the source between the slashes
	n    jsonv.Number
	j    jsonv.Value
	re   *regexp.Regexp
}

func valueOf(v jsonv.Value) fval {
	switch v := v.(type) {
	case nil:
		return fval{kind: fNull}
	case bool:
		return fval{kind: fBool, b: v}
	case jsonv.Number:
		return fval{kind: fNum, n: v}
	case string:
		return fval{kind: fStr, s: v}
	}
	return fval{kind: fJSON, j: v}
}

// ---- parsing ----

func (p *parser) parseOr() (*expr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		i := p.skipBlanks(p.pos)
		if !strings.HasPrefix(p.src[i:p.end], "||") {
			return left, nil
		}
		p.pos = i + 2
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &expr{kind: exprOr, left: left, right: right}
	}
}

func (p *parser) parseAnd() (*expr, error) {
	left, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	for {
		i := p.skipBlanks(p.pos)
		if !strings.HasPrefix(p.src[i:p.end], "&&") {
			return left, nil
		}
		p.pos = i + 2
		right, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		left = &expr{kind: exprAnd, left: left, right: right}
	}
}

func (p *parser) parseOperand() (*expr, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.errorf(p.pos, "filter is nested too deeply")
	}
	defer func() { p.depth-- }()
	i := p.skipBlanks(p.pos)
	if i >= p.end {
		return nil, p.errorf(i, "expected a filter expression")
	}
	switch p.src[i] {
	case '!':
		if j := p.skipBlanks(i + 1); j < p.end && (p.src[j] == '@' || p.src[j] == '$') {
			p.pos = i
			return p.parseRelation()
		}
		p.pos = i + 1
		inner, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return &expr{kind: exprNot, left: inner}, nil
	case '(':
		p.pos = i + 1
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		j := p.skipBlanks(p.pos)
		if j >= p.end || p.src[j] != ')' {
			return nil, p.errorf(j, "expected ')' in filter")
		}
		p.pos = j + 1
		return e, nil
	}
	p.pos = i
	return p.parseRelation()
}

func (p *parser) parseRelation() (*expr, error) {
	lhs, negated, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	i := p.skipBlanks(p.pos)
	if i >= p.end || p.src[i] == ')' || p.src[i] == '&' || p.src[i] == '|' {
		if lhs.path == nil {
			return nil, p.errorf(i, "expected a comparison operator")
		}
		return &expr{kind: exprExists, lhs: lhs, want: !negated}, nil
	}
	j := i
	if isOperatorChar(p.src[j]) {
		for j < p.end && isOperatorChar(p.src[j]) {
			j++
		}
	} else {
		for j < p.end && (p.src[j] >= 'a' && p.src[j] <= 'z' || p.src[j] >= 'A' && p.src[j] <= 'Z') {
			j++
		}
	}
	op, ok := operators[strings.ToLower(p.src[i:j])]
	if !ok {
		if j == i {
			return nil, p.errorf(i, "unexpected character %q in filter", p.runeAt(i))
		}
		return nil, p.errorf(i, "unsupported filter operator %q", p.src[i:j])
	}
	p.pos = j
	rhs, _, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	return &expr{kind: exprCompare, op: op, lhs: lhs, rhs: rhs}, nil
}

func isOperatorChar(c byte) bool {
	return c == '<' || c == '>' || c == '=' || c == '~' || c == '!'
}

// parseValue reads one filter value; negated reports a '!' before a path.
func (p *parser) parseValue() (v operand, negated bool, err error) {
	i := p.skipBlanks(p.pos)
	if i >= p.end {
		return v, false, p.errorf(i, "expected a value in filter")
	}
	if p.src[i] == '!' {
		negated = true
		if i = p.skipBlanks(i + 1); i >= p.end || (p.src[i] != '@' && p.src[i] != '$') {
			return v, false, p.errorf(i, "unexpected '!' in filter")
		}
	}
	switch c := p.src[i]; {
	case c == '@' || c == '$':
		end, err := p.filterPathEnd(i)
		if err != nil {
			return v, false, err
		}
		sub := &parser{src: p.src, pos: i, end: end, depth: p.depth}
		path, err := sub.parsePath(true)
		if err != nil {
			return v, false, err
		}
		p.pos = end
		return operand{path: path}, negated, nil
	case c == '\'' || c == '"':
		s, next, err := p.readString(i)
		if err != nil {
			return v, false, err
		}
		p.pos = next
		return operand{lit: fval{kind: fStr, s: s}}, false, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, w := range [...]struct {
			word string
			val  fval
		}{{"true", fval{kind: fBool, b: true}}, {"false", fval{kind: fBool}}, {"null", fval{kind: fNull}}} {
			if strings.HasPrefix(p.src[i:p.end], w.word) {
				p.pos = i + len(w.word)
				return operand{lit: w.val}, false, nil
			}
		}
		return v, false, p.errorf(i, "expected true, false or null in filter")
	case c == '[' || c == '{':
		jp := jsonLiteral{p: p, pos: i}
		val, err := jp.value(0)
		if err != nil {
			return v, false, err
		}
		p.pos = jp.pos
		return operand{lit: fval{kind: fJSON, j: val}}, false, nil
	case c == '/':
		return p.readPattern(i)
	case c == '-' || c == '.' || c >= '0' && c <= '9':
		j := i
		for j < p.end && (p.src[j] >= '0' && p.src[j] <= '9' || p.src[j] == '-' || p.src[j] == '.' || p.src[j] == 'e' || p.src[j] == 'E') {
			j++
		}
		if !isDecimal(p.src[i:j]) {
			return v, false, p.errorf(i, "invalid number %q in filter", p.src[i:j])
		}
		p.pos = j
		return operand{lit: fval{kind: fNum, n: jsonv.Number(p.src[i:j])}}, false, nil
	}
	return v, false, p.errorf(i, "unexpected character %q in filter", p.runeAt(i))
}

// filterPathEnd returns where the path starting at i ends: at a blank, an
// operator character, ')' closing the expression, '&' or '|'. Brackets and
// function parentheses are skipped whole.
func (p *parser) filterPathEnd(i int) (int, error) {
	j := i + 1
	for j < p.end {
		switch p.src[j] {
		case '[', '(':
			k, err := p.matchClose(j)
			if err != nil {
				return 0, err
			}
			j = k + 1
			continue
		case ' ', '\t', '\n', '\r', '<', '>', '=', '~', '!', ')', '&', '|':
			return j, nil
		}
		j++
	}
	return j, nil
}

// matchClose returns the index of the bracket closing the one at i,
// skipping quoted strings.
func (p *parser) matchClose(i int) (int, error) {
	var want []byte // the closers still expected, innermost last
	for j := i; j < p.end; j++ {
		switch c := p.src[j]; c {
		case '[':
			want = append(want, ']')
		case '(':
			want = append(want, ')')
		case ']', ')':
			if want[len(want)-1] != c {
				return 0, p.errorf(i, "%q is not closed", p.src[i])
			}
			if want = want[:len(want)-1]; len(want) == 0 {
				return j, nil
			}
		case '\'', '"':
			for j++; j < p.end && p.src[j] != c; j++ {
				if p.src[j] == '\\' {
					j++
				}
			}
		}
	}
	return 0, p.errorf(i, "%q is not closed", p.src[i])
}

// readString reads a quoted string literal at i, resolving Java escapes.
func (p *parser) readString(i int) (string, int, error) {
	quote := p.src[i]
	j := i + 1
	for ; j < p.end && p.src[j] != quote; j++ {
		if p.src[j] == '\\' {
			j++
		}
	}
	if j >= p.end {
		return "", 0, p.errorf(i, "string is not closed: expected %c", quote)
	}
	s, ok := unescape(p.src[i+1 : j])
	if !ok {
		return "", 0, p.errorf(i, "invalid escape sequence in string")
	}
	return s, j + 1, nil
}

// unescape resolves the escapes Jayway resolves in filter strings.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			b.WriteByte('\\')
			break
		}
		switch s[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if i+5 > len(s) {
				return "", false
			}
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", false
			}
			b.WriteRune(rune(n))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), true
}

// readPattern reads /regex/flags at i.
func (p *parser) readPattern(i int) (operand, bool, error) {
	j := i + 1
	for ; j < p.end && p.src[j] != '/'; j++ {
		if p.src[j] == '\\' {
			j++
		}
	}
	if j >= p.end {
		return operand{}, false, p.errorf(i, "regular expression is not closed: expected '/'")
	}
	src := p.src[i+1 : j]
	k := j + 1
	var flags strings.Builder
	for ; k < p.end && (p.src[k] >= 'a' && p.src[k] <= 'z' || p.src[k] >= 'A' && p.src[k] <= 'Z'); k++ {
		switch p.src[k] {
		case 'i', 'm', 's':
			flags.WriteByte(p.src[k])
		case 'd', 'u', 'U':
		default:
			return operand{}, false, p.errorf(k, "unsupported regular expression flag %q", p.src[k])
		}
	}
	expr := "^(?:" + src + ")$"
	if flags.Len() > 0 {
		expr = "(?" + flags.String() + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return operand{}, false, p.errorf(i, "invalid regular expression /%s/: %v", src, err)
	}
	p.pos = k
	return operand{lit: fval{kind: fPattern, s: src, re: re}}, false, nil
}

// isDecimal reports whether s is a number Java's BigDecimal accepts
// (without a '+', which Jayway's filter lexer does not read).
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// jsonLiteral parses the JSON arrays and objects of filters leniently, as
// Jayway's json-smart does: strings may be quoted with ' or ".
type jsonLiteral struct {
	p   *parser
	pos int
}

func (j *jsonLiteral) value(depth int) (jsonv.Value, error) {
	p := j.p
	if depth > maxDepth {
		return nil, p.errorf(j.pos, "JSON literal is nested too deeply")
	}
	j.pos = p.skipBlanks(j.pos)
	if j.pos >= p.end {
		return nil, p.errorf(j.pos, "JSON literal is not closed")
	}
	switch c := p.src[j.pos]; {
	case c == '[':
		arr := []any{}
		j.pos = p.skipBlanks(j.pos + 1)
		if j.pos < p.end && p.src[j.pos] == ']' {
			j.pos++
			return arr, nil
		}
		for {
			v, err := j.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			if done, err := j.sep(']'); err != nil || done {
				return arr, err
			}
		}
	case c == '{':
		obj := &jsonv.Object{}
		j.pos = p.skipBlanks(j.pos + 1)
		if j.pos < p.end && p.src[j.pos] == '}' {
			j.pos++
			return obj, nil
		}
		for {
			j.pos = p.skipBlanks(j.pos)
			if j.pos >= p.end || (p.src[j.pos] != '"' && p.src[j.pos] != '\'') {
				return nil, p.errorf(j.pos, "expected a quoted key in JSON literal")
			}
			k, next, err := p.readString(j.pos)
			if err != nil {
				return nil, err
			}
			j.pos = p.skipBlanks(next)
			if j.pos >= p.end || p.src[j.pos] != ':' {
				return nil, p.errorf(j.pos, "expected ':' in JSON literal")
			}
			j.pos++
			v, err := j.value(depth + 1)
			if err != nil {
				return nil, err
			}
			obj.Set(k, v)
			if done, err := j.sep('}'); err != nil || done {
				return obj, err
			}
		}
	case c == '"' || c == '\'':
		s, next, err := p.readString(j.pos)
		if err != nil {
			return nil, err
		}
		j.pos = next
		return s, nil
	case c == '-' || c >= '0' && c <= '9':
		k := j.pos
		for k < p.end && strings.IndexByte("0123456789-+.eE", p.src[k]) >= 0 {
			k++
		}
		if !isDecimal(p.src[j.pos:k]) {
			return nil, p.errorf(j.pos, "invalid number %q in JSON literal", p.src[j.pos:k])
		}
		n := jsonv.Number(p.src[j.pos:k])
		j.pos = k
		return n, nil
	}
	for _, w := range [...]struct {
		word string
		val  jsonv.Value
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(p.src[j.pos:p.end], w.word) {
			j.pos += len(w.word)
			return w.val, nil
		}
	}
	return nil, p.errorf(j.pos, "unexpected character %q in JSON literal", p.runeAt(j.pos))
}

// sep reads ',' (more to come) or the closing character (done).
func (j *jsonLiteral) sep(closer byte) (bool, error) {
	p := j.p
	j.pos = p.skipBlanks(j.pos)
	if j.pos < p.end {
		switch p.src[j.pos] {
		case ',':
			j.pos++
			return false, nil
		case closer:
			j.pos++
			return true, nil
		}
	}
	return true, p.errorf(j.pos, "expected ',' or %q in JSON literal", closer)
}

// ---- evaluation ----

// match reports whether item passes the filter; root is the document "$"
// refers to.
func (e *expr) match(item, root jsonv.Value) bool {
	switch e.kind {
	case exprOr:
		return e.left.match(item, root) || e.right.match(item, root)
	case exprAnd:
		return e.left.match(item, root) && e.right.match(item, root)
	case exprNot:
		return !e.left.match(item, root)
	case exprExists:
		return e.lhs.exists(item, root) == e.want
	}
	return compare(e.op, e.lhs.eval(item, root), e.rhs.eval(item, root))
}

// target returns what the operand's path starts from, or false when "@"
// meets an item that is not an object (AWS: "@" only matches objects).
func (o *operand) target(item, root jsonv.Value) (jsonv.Value, bool) {
	if !o.path.atItem {
		return root, true
	}
	_, isObj := item.(*jsonv.Object)
	return item, isObj
}

func (o *operand) eval(item, root jsonv.Value) fval {
	if o.path == nil {
		return o.lit
	}
	t, ok := o.target(item, root)
	if !ok {
		return fval{}
	}
	if o.path.definite {
		v, ok := o.path.Get(t)
		if !ok {
			return fval{}
		}
		return valueOf(v)
	}
	ev := evaluator{root: root, out: []any{}}
	ev.eval(o.path.steps, t)
	return fval{kind: fJSON, j: ev.out}
}

func (o *operand) exists(item, root jsonv.Value) bool {
	t, ok := o.target(item, root)
	if !ok {
		return false
	}
	if o.path.definite {
		_, ok := o.path.Get(t)
		return ok
	}
	ev := evaluator{root: root}
	ev.eval(o.path.steps, t)
	return len(ev.out) > 0
}

func compare(op relOp, l, r fval) bool {
	switch op {
	case opEQ:
		return equal(l, r)
	case opNE:
		return !equal(l, r)
	case opTSEQ:
		return l.kind == r.kind && equal(l, r)
	case opTSNE:
		return !(l.kind == r.kind && equal(l, r))
	case opLT, opLE, opGT, opGE:
		var c int
		switch {
		case l.kind == fNum && r.kind == fNum:
			c = l.n.Compare(r.n)
		case l.kind == fStr && r.kind == fStr:
			c = jsonv.CompareStrings(l.s, r.s)
		default:
			return false
		}
		switch op {
		case opLT:
			return c < 0
		case opLE:
			return c <= 0
		case opGT:
			return c > 0
		}
		return c >= 0
	case opRegex:
		if (l.kind == fPattern) == (r.kind == fPattern) {
			return false
		}
		if l.kind == fPattern {
			l, r = r, l
		}
		return r.re.MatchString(regexInput(l))
	case opIn:
		return contains(r, l)
	case opNin:
		return !contains(r, l)
	case opContains:
		if l.kind == fStr && r.kind == fStr {
			return strings.Contains(l.s, r.s)
		}
		return contains(l, r)
	case opAll:
		la, lok := list(l)
		ra, rok := list(r)
		if !rok || l.kind != fJSON {
			return false
		}
		if !lok {
			return true
		}
		for _, need := range ra {
			if !anyEqual(valueOf(need), la) {
				return false
			}
		}
		return true
	case opSubsetOf, opAnyOf, opNoneOf:
		la, lok := list(l)
		ra, rok := list(r)
		if !lok || !rok {
			return false
		}
		for _, x := range la {
			found := anyEqual(valueOf(x), ra)
			switch {
			case op == opSubsetOf && !found:
				return false
			case op == opAnyOf && found:
				return true
			case op == opNoneOf && found:
				return false
			}
		}
		return op != opAnyOf
	case opSize:
		if r.kind != fNum {
			return false
		}
		want, ok := r.n.Int64()
		if !ok {
			want = int64(math.Trunc(r.n.Float64()))
		}
		switch l.kind {
		case fStr:
			return int64(utf16Len(l.s)) == want
		case fJSON:
			if a, ok := l.j.([]any); ok {
				return int64(len(a)) == want
			}
			return want == -1
		}
		return false
	case opEmpty:
		if r.kind != fBool {
			return false
		}
		switch l.kind {
		case fStr:
			return (l.s == "") == r.b
		case fJSON:
			n := 0
			switch v := l.j.(type) {
			case []any:
				n = len(v)
			case *jsonv.Object:
				n = v.Len()
			}
			return (n == 0) == r.b
		}
		return false
	}
	return false
}

// equal is Jayway's "==": numbers compare by value, a number and a string
// compare as numbers when the number is on the left and as text when the
// string is, JSON values compare structurally, and nothing equals undefined.
func equal(l, r fval) bool {
	switch l.kind {
	case fNull:
		return r.kind == fNull
	case fBool:
		return r.kind == fBool && l.b == r.b
	case fNum:
		switch r.kind {
		case fNum:
			return l.n.Compare(r.n) == 0
		case fStr:
			return isDecimal(strings.TrimPrefix(r.s, "+")) && l.n.Compare(jsonv.Number(strings.TrimPrefix(r.s, "+"))) == 0
		}
	case fStr:
		switch r.kind {
		case fStr:
			return l.s == r.s
		case fNum:
			return l.s == string(r.n)
		}
	case fJSON:
		return r.kind == fJSON && jsonv.Equal(l.j, r.j)
	case fPattern:
		return r.kind == fPattern && l.s == r.s
	}
	return false
}

func list(v fval) ([]any, bool) {
	if v.kind != fJSON {
		return nil, false
	}
	a, ok := v.j.([]any)
	return a, ok
}

// contains reports whether the array in haystack holds a value equal to x.
func contains(haystack, x fval) bool {
	a, ok := list(haystack)
	return ok && anyEqual(x, a)
}

func anyEqual(x fval, a []any) bool {
	for _, e := range a {
		if equal(x, valueOf(e)) {
			return true
		}
	}
	return false
}

func regexInput(v fval) string {
	switch v.kind {
	case fStr:
		return v.s
	case fNum:
		return string(v.n)
	case fBool:
		return strconv.FormatBool(v.b)
	}
	return ""
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
