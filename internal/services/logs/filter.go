package logs

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Filter is a compiled CloudWatch Logs filter pattern. The zero value and
// the empty pattern match every event. Supported syntax:
//
//   - terms: ERROR matches messages containing "ERROR" (case-sensitive);
//     several terms must all appear; "quoted phrases" match as written;
//     ?term makes a term optional (the message must contain at least one
//     ? term); -term excludes messages containing it; %regex% matches a
//     regular expression anywhere in the message;
//   - JSON patterns on messages that are JSON objects: { $.a.b = "x" },
//     { $.n > 5 }, { $.s != "x*" } (a * is a wildcard), { $.list[0].id = 3 },
//     { $.flag IS TRUE }, { $.x IS NULL }, { $.x NOT EXISTS }, combined
//     with &&, || and parentheses;
//   - space-delimited patterns: [ip, user, ..., status = 404, size > 1000]
//     where fields are separated by spaces in the message ("quoted" and
//     [bracketed] groups count as one field) and "..." stands for any
//     number of fields.
type Filter struct {
	terms    []string
	optional []string
	excluded []string
	regexps  []*regexp.Regexp
	json     jsonExpr
	fields   []fieldPattern
	isFields bool
}

// CompileFilter parses a filter pattern. It returns an error describing
// the first problem for a pattern it cannot parse.
func CompileFilter(pattern string) (*Filter, error) {
	p := strings.TrimSpace(pattern)
	f := &Filter{}
	switch {
	case p == "":
		return f, nil
	case p[0] == '{':
		jp := &jsonParser{s: p, pos: 1}
		e, err := jp.expr(0)
		if err != nil {
			return nil, err
		}
		jp.skipWS()
		if jp.pos >= len(jp.s) || jp.s[jp.pos] != '}' {
			return nil, fmt.Errorf("expected } at position %d", jp.pos)
		}
		jp.pos++
		jp.skipWS()
		if jp.pos != len(jp.s) {
			return nil, fmt.Errorf("unexpected text after } at position %d", jp.pos)
		}
		f.json = e
		return f, nil
	case p[0] == '[':
		if p[len(p)-1] != ']' {
			return nil, errors.New("a space-delimited pattern must end with ]")
		}
		fields, err := parseFields(p[1 : len(p)-1])
		if err != nil {
			return nil, err
		}
		f.fields, f.isFields = fields, true
		return f, nil
	}
	return f, f.parseTerms(p)
}

func (f *Filter) parseTerms(p string) error {
	for i := 0; i < len(p); {
		c := p[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		kind := byte(0)
		if c == '?' || c == '-' {
			kind = c
			i++
			if i >= len(p) {
				return fmt.Errorf("a term must follow %q", string(c))
			}
			c = p[i]
		}
		var term string
		switch c {
		case '"':
			j := i + 1
			var b strings.Builder
			for j < len(p) && p[j] != '"' {
				if p[j] == '\\' && j+1 < len(p) {
					j++
				}
				b.WriteByte(p[j])
				j++
			}
			if j >= len(p) {
				return errors.New("unterminated quoted phrase")
			}
			term, i = b.String(), j+1
		case '%':
			j := strings.IndexByte(p[i+1:], '%')
			if j < 0 {
				return errors.New("unterminated %regex%")
			}
			re, err := regexp.Compile(p[i+1 : i+1+j])
			if err != nil {
				return fmt.Errorf("bad regular expression: %w", err)
			}
			if kind != 0 {
				return errors.New("? and - cannot prefix a %regex%")
			}
			f.regexps = append(f.regexps, re)
			i += j + 2
			continue
		default:
			j := i
			for j < len(p) && p[j] != ' ' && p[j] != '\t' && p[j] != '\n' && p[j] != '\r' {
				j++
			}
			term, i = p[i:j], j
		}
		switch kind {
		case '?':
			f.optional = append(f.optional, term)
		case '-':
			f.excluded = append(f.excluded, term)
		default:
			f.terms = append(f.terms, term)
		}
	}
	return nil
}

// Match reports whether an event message matches the pattern.
func (f *Filter) Match(msg string) bool {
	if f == nil {
		return true
	}
	if f.json != nil {
		var v any
		d := json.NewDecoder(strings.NewReader(msg))
		d.UseNumber()
		if d.Decode(&v) != nil {
			return false
		}
		if _, ok := v.(map[string]any); !ok {
			return false
		}
		return f.json.eval(v)
	}
	if f.isFields {
		return matchFields(f.fields, splitFields(msg))
	}
	for _, t := range f.terms {
		if !strings.Contains(msg, t) {
			return false
		}
	}
	for _, t := range f.excluded {
		if strings.Contains(msg, t) {
			return false
		}
	}
	for _, re := range f.regexps {
		if !re.MatchString(msg) {
			return false
		}
	}
	if len(f.optional) == 0 {
		return true
	}
	for _, t := range f.optional {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// JSON patterns.

type jsonExpr interface{ eval(doc any) bool }

type andExpr struct{ a, b jsonExpr }

func (e andExpr) eval(d any) bool { return e.a.eval(d) && e.b.eval(d) }

type orExpr struct{ a, b jsonExpr }

func (e orExpr) eval(d any) bool { return e.a.eval(d) || e.b.eval(d) }

// selector step: a member name, or an index when name is "".
type step struct {
	name  string
	index int
}

type cmpExpr struct {
	path []step
	op   string // = != < > <= >= IS_TRUE IS_FALSE IS_NULL NOT_EXISTS EXISTS
	num  *float64
	str  string
	glob bool // str has * wildcards
}

func (e cmpExpr) eval(d any) bool {
	v, ok := lookup(d, e.path)
	switch e.op {
	case "NOT_EXISTS":
		return !ok
	case "EXISTS":
		return ok
	case "IS_NULL":
		return ok && v == nil
	case "IS_TRUE":
		return ok && v == true
	case "IS_FALSE":
		return ok && v == false
	}
	if !ok {
		return false
	}
	if e.num != nil {
		var f float64
		switch x := v.(type) {
		case json.Number:
			var err error
			if f, err = x.Float64(); err != nil {
				return false
			}
		default:
			return false
		}
		switch e.op {
		case "=":
			return f == *e.num
		case "!=":
			return f != *e.num
		case "<":
			return f < *e.num
		case ">":
			return f > *e.num
		case "<=":
			return f <= *e.num
		case ">=":
			return f >= *e.num
		}
		return false
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	default:
		return false
	}
	eq := s == e.str
	if e.glob {
		eq = globMatch(e.str, s)
	}
	switch e.op {
	case "=":
		return eq
	case "!=":
		return !eq
	}
	return false
}

func lookup(d any, path []step) (any, bool) {
	v := d
	for _, st := range path {
		if st.name != "" || st.index < 0 {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[st.name]; !ok {
				return nil, false
			}
			continue
		}
		a, ok := v.([]any)
		if !ok || st.index >= len(a) {
			return nil, false
		}
		v = a[st.index]
	}
	return v, true
}

type jsonParser struct {
	s   string
	pos int
}

const maxFilterDepth = 32

func (p *jsonParser) skipWS() {
	for p.pos < len(p.s) && unicode.IsSpace(rune(p.s[p.pos])) {
		p.pos++
	}
}

func (p *jsonParser) consume(tok string) bool {
	p.skipWS()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// expr parses a || b.
func (p *jsonParser) expr(depth int) (jsonExpr, error) {
	if depth > maxFilterDepth {
		return nil, errors.New("pattern nested too deeply")
	}
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.consume("||") {
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = orExpr{left, right}
	}
	return left, nil
}

func (p *jsonParser) and(depth int) (jsonExpr, error) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.consume("&&") {
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		left = andExpr{left, right}
	}
	return left, nil
}

func (p *jsonParser) unary(depth int) (jsonExpr, error) {
	if p.consume("(") {
		e, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.consume(")") {
			return nil, fmt.Errorf("expected ) at position %d", p.pos)
		}
		return e, nil
	}
	return p.comparison()
}

func (p *jsonParser) comparison() (jsonExpr, error) {
	p.skipWS()
	if !p.consume("$") {
		return nil, fmt.Errorf("expected a $.selector at position %d", p.pos)
	}
	var path []step
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case '.':
			p.pos++
			j := p.pos
			for j < len(p.s) && (isIdent(p.s[j])) {
				j++
			}
			if j == p.pos {
				return nil, fmt.Errorf("expected a member name at position %d", p.pos)
			}
			path = append(path, step{name: p.s[p.pos:j], index: -1})
			p.pos = j
			continue
		case '[':
			j := strings.IndexByte(p.s[p.pos:], ']')
			if j < 0 {
				return nil, errors.New("unterminated [index]")
			}
			n, err := strconv.Atoi(strings.TrimSpace(p.s[p.pos+1 : p.pos+j]))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad index at position %d", p.pos)
			}
			path = append(path, step{index: n})
			p.pos += j + 1
			continue
		}
		break
	}
	if len(path) == 0 {
		return nil, fmt.Errorf("expected a selector after $ at position %d", p.pos)
	}
	c := cmpExpr{path: path}
	p.skipWS()
	rest := p.s[p.pos:]
	upper := strings.ToUpper(rest)
	for _, kw := range []struct{ text, op string }{
		{"IS TRUE", "IS_TRUE"}, {"IS FALSE", "IS_FALSE"}, {"IS NULL", "IS_NULL"}, {"NOT EXISTS", "NOT_EXISTS"}, {"EXISTS", "EXISTS"},
	} {
		if strings.HasPrefix(upper, kw.text) {
			p.pos += len(kw.text)
			c.op = kw.op
			return c, nil
		}
	}
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(rest, op) {
			c.op = op
			p.pos += len(op)
			break
		}
	}
	if c.op == "" {
		return nil, fmt.Errorf("expected a comparison at position %d", p.pos)
	}
	p.skipWS()
	if p.pos >= len(p.s) {
		return nil, errors.New("expected a value")
	}
	var val string
	quoted := false
	if p.s[p.pos] == '"' {
		j := p.pos + 1
		var b strings.Builder
		for j < len(p.s) && p.s[j] != '"' {
			if p.s[j] == '\\' && j+1 < len(p.s) {
				j++
			}
			b.WriteByte(p.s[j])
			j++
		}
		if j >= len(p.s) {
			return nil, errors.New("unterminated string")
		}
		val, quoted, p.pos = b.String(), true, j+1
	} else {
		j := p.pos
		for j < len(p.s) && !unicode.IsSpace(rune(p.s[j])) && p.s[j] != ')' && p.s[j] != '}' && p.s[j] != '&' && p.s[j] != '|' {
			j++
		}
		if j == p.pos {
			return nil, fmt.Errorf("expected a value at position %d", p.pos)
		}
		val, p.pos = p.s[p.pos:j], j
	}
	if !quoted {
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			c.num = &f
			return c, nil
		}
	}
	if c.op != "=" && c.op != "!=" {
		return nil, fmt.Errorf("%s needs a number, got %q", c.op, val)
	}
	c.str = val
	c.glob = strings.Contains(val, "*")
	return c, nil
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || c == '@' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// globMatch reports whether s matches pattern, where * matches any run
// of bytes (the classic two-pointer algorithm: linear in practice, no
// backtracking blow-up).
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Space-delimited patterns.

type fieldPattern struct {
	ellipsis bool
	op       string // "" (any value), = != < > <= >=
	num      *float64
	str      string
	glob     bool // str has * wildcards
}

func parseFields(body string) ([]fieldPattern, error) {
	var out []fieldPattern
	if strings.TrimSpace(body) == "" {
		return nil, errors.New("a space-delimited pattern needs at least one field")
	}
	for _, raw := range strings.Split(body, ",") {
		f := strings.TrimSpace(raw)
		if f == "" {
			return nil, errors.New("empty field in a space-delimited pattern")
		}
		if f == "..." {
			out = append(out, fieldPattern{ellipsis: true})
			continue
		}
		fp := fieldPattern{}
		if i := strings.IndexAny(f, "=!<>"); i >= 0 {
			name, rest := strings.TrimSpace(f[:i]), f[i:]
			if name == "" {
				return nil, fmt.Errorf("field %q has no name", f)
			}
			for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
				if strings.HasPrefix(rest, op) {
					fp.op = op
					rest = strings.TrimSpace(rest[len(op):])
					break
				}
			}
			if fp.op == "" || rest == "" {
				return nil, fmt.Errorf("bad condition in field %q", f)
			}
			if n, err := strconv.ParseFloat(rest, 64); err == nil {
				fp.num = &n
			} else {
				if fp.op != "=" && fp.op != "!=" {
					return nil, fmt.Errorf("%s needs a number in field %q", fp.op, f)
				}
				rest = strings.Trim(rest, `"`)
				fp.str = rest
				fp.glob = strings.Contains(rest, "*")
			}
		} else if !isFieldName(f) {
			return nil, fmt.Errorf("bad field %q", f)
		}
		out = append(out, fp)
	}
	return out, nil
}

func isFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isIdent(s[i]) {
			return false
		}
	}
	return true
}

// splitFields splits a message on spaces; "quoted" and [bracketed] groups
// are one field (without their quotes).
func splitFields(msg string) []string {
	var out []string
	for i := 0; i < len(msg); {
		c := msg[i]
		if c == ' ' || c == '\t' {
			i++
			continue
		}
		end := byte(0)
		switch c {
		case '"':
			end = '"'
		case '[':
			end = ']'
		}
		if end != 0 {
			if j := strings.IndexByte(msg[i+1:], end); j >= 0 {
				if end == '"' {
					out = append(out, msg[i+1:i+1+j])
				} else {
					out = append(out, msg[i:i+j+2])
				}
				i += j + 2
				continue
			}
		}
		j := i
		for j < len(msg) && msg[j] != ' ' && msg[j] != '\t' {
			j++
		}
		out = append(out, msg[i:j])
		i = j
	}
	return out
}

// matchFields matches fields against the patterns, "..." taking any
// number of fields (dynamic programming: linear in patterns × fields).
func matchFields(pats []fieldPattern, fields []string) bool {
	// ok[j]: pats[i:] matches fields[j:], computed from the last pattern
	// back.
	n := len(fields)
	ok := make([]bool, n+1)
	ok[n] = true
	next := make([]bool, n+1)
	for i := len(pats) - 1; i >= 0; i-- {
		p := pats[i]
		if p.ellipsis {
			next[n] = ok[n]
			for j := n - 1; j >= 0; j-- {
				next[j] = ok[j] || next[j+1]
			}
		} else {
			next[n] = false
			for j := n - 1; j >= 0; j-- {
				next[j] = ok[j+1] && p.matches(fields[j])
			}
		}
		ok, next = next, ok
	}
	return ok[0]
}

func (p fieldPattern) matches(v string) bool {
	switch {
	case p.op == "":
		return true
	case p.num != nil:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		switch p.op {
		case "=":
			return f == *p.num
		case "!=":
			return f != *p.num
		case "<":
			return f < *p.num
		case ">":
			return f > *p.num
		case "<=":
			return f <= *p.num
		case ">=":
			return f >= *p.num
		}
		return false
	}
	eq := v == p.str
	if p.glob {
		eq = globMatch(p.str, v)
	}
	if p.op == "!=" {
		return !eq
	}
	return eq
}
