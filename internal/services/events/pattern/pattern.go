// Package pattern compiles and matches EventBridge event patterns.
//
// A pattern is a JSON object that mirrors the events it selects. Every
// field it names must be in the event (unless the field's condition is
// {"exists": false}); a nested object selects inside the event's object of
// the same name; an array lists alternatives, any of which may match. The
// alternatives are:
//
//   - a string, number, true, false or null: the event's value equals it
//     (numbers compare by value);
//   - {"prefix": "s"} and {"suffix": "s"}, each also as
//     {"prefix": {"equals-ignore-case": "s"}};
//   - {"equals-ignore-case": "s"};
//   - {"wildcard": "a*b"} where * matches any run of characters (\* and \\
//     are a literal star and backslash);
//   - {"anything-but": v}: v a value, a list of values, or
//     {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": s or [s...]};
//     the event's value must be present and not match;
//   - {"numeric": [">", 0, "<=", 5]}: one comparison ("=", "<", "<=", ">",
//     ">=") or a range (a lower bound then an upper one);
//   - {"exists": true|false}: the field holds a value (not an object), or
//     does not;
//   - {"cidr": "10.0.0.0/24"}: an IPv4 or IPv6 address inside the prefix.
//
// A "$or" member holds a list of patterns of which at least one must
// match at that level. When the event holds an array where the pattern
// expects a value, any element may match; when it holds an array of
// objects where the pattern has a nested object, one element must match the
// whole nested pattern.
//
// Compile reports a pattern AWS would refuse with the reason AWS gives
// (the service words it as "Event pattern is not valid. Reason: ...").
package pattern

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Error is a pattern AWS refuses; Reason is AWS's wording.
type Error struct {
	Reason string
}

// Error implements error.
func (e *Error) Error() string { return "Event pattern is not valid. Reason: " + e.Reason }

func fail(reason string) error { return &Error{Reason: reason} }

// Pattern is a compiled event pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	root *node
	text string
}

// node is one level of a pattern: its fields and its $or groups.
type node struct {
	fields []fieldMatch
	ors    [][]*node
}

// fieldMatch is one named member of a pattern level.
type fieldMatch struct {
	key   string
	sub   *node  // a nested object pattern
	conds []cond // or a list of alternatives
}

// condKind is the kind of one alternative.
type condKind uint8

const (
	condExact condKind = iota
	condPrefix
	condSuffix
	condEqualsIgnoreCase
	condWildcard
	condNumeric
	condExists
	condCIDR
	condAnythingBut
)

// cond is one alternative of a field.
type cond struct {
	kind  condKind
	value jsonv.Value // condExact: the value
	str   string      // prefix, suffix, equals-ignore-case, wildcard pattern
	fold  bool        // prefix/suffix compare ignoring case
	exist bool        // condExists
	lo    bound       // condNumeric
	hi    bound
	cidr  netip.Prefix
	// condAnythingBut: the alternatives the value must not match.
	not []cond
}

// bound is one side of a numeric range.
type bound struct {
	set, inclusive bool
	v              float64
}

// String returns the pattern's text as given to Compile.
func (p *Pattern) String() string { return p.text }

// Compile parses and validates a pattern.
func Compile(text string) (*Pattern, error) {
	v, err := jsonv.ParseString(text)
	if err != nil {
		if se, ok := err.(*jsonv.SyntaxError); ok {
			return nil, fail(se.Detailed())
		}
		return nil, fail(err.Error())
	}
	obj, ok := v.(*jsonv.Object)
	if !ok {
		return nil, fail("Filter is not an object")
	}
	root, err := compileNode(obj)
	if err != nil {
		return nil, err
	}
	return &Pattern{root: root, text: text}, nil
}

func compileNode(obj *jsonv.Object) (*node, error) {
	n := &node{}
	for _, m := range obj.Members {
		if m.Key == "$or" {
			alts, ok := m.Value.([]any)
			if !ok {
				return nil, fail(`"$or" must be an object or an array`)
			}
			if len(alts) < 2 {
				return nil, fail("Or relationship must have at least two fields")
			}
			group := make([]*node, 0, len(alts))
			for _, a := range alts {
				ao, ok := a.(*jsonv.Object)
				if !ok {
					return nil, fail("Or relationship must contain objects")
				}
				sub, err := compileNode(ao)
				if err != nil {
					return nil, err
				}
				group = append(group, sub)
			}
			n.ors = append(n.ors, group)
			continue
		}
		switch val := m.Value.(type) {
		case *jsonv.Object:
			sub, err := compileNode(val)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, fieldMatch{key: m.Key, sub: sub})
		case []any:
			if len(val) == 0 {
				return nil, fail("Empty arrays are not allowed")
			}
			conds := make([]cond, 0, len(val))
			for _, e := range val {
				c, err := compileCond(e)
				if err != nil {
					return nil, err
				}
				conds = append(conds, c)
			}
			n.fields = append(n.fields, fieldMatch{key: m.Key, conds: conds})
		default:
			return nil, fail(strconv.Quote(m.Key) + " must be an object or an array")
		}
	}
	return n, nil
}

func compileCond(v jsonv.Value) (cond, error) {
	switch v := v.(type) {
	case nil, bool, string, jsonv.Number:
		return cond{kind: condExact, value: v}, nil
	case *jsonv.Object:
		if v.Len() != 1 {
			return cond{}, fail("Only one key allowed in match expression")
		}
		return compileOperator(v.Members[0].Key, v.Members[0].Value)
	}
	return cond{}, fail("Match value must be String, number, true, false, or null")
}

func compileOperator(op string, v jsonv.Value) (cond, error) {
	switch op {
	case "prefix", "suffix":
		kind := condPrefix
		if op == "suffix" {
			kind = condSuffix
		}
		switch v := v.(type) {
		case string:
			return cond{kind: kind, str: v}, nil
		case *jsonv.Object:
			if v.Len() != 1 || v.Members[0].Key != "equals-ignore-case" {
				return cond{}, fail("Unsupported " + op + " pattern: " + firstKey(v))
			}
			s, ok := v.Members[0].Value.(string)
			if !ok {
				return cond{}, fail("equals-ignore-case match pattern must be a string")
			}
			return cond{kind: kind, str: strings.ToLower(s), fold: true}, nil
		}
		return cond{}, fail(op + " match pattern must be a string")
	case "equals-ignore-case":
		s, ok := v.(string)
		if !ok {
			return cond{}, fail("equals-ignore-case match pattern must be a string")
		}
		return cond{kind: condEqualsIgnoreCase, str: s}, nil
	case "wildcard":
		s, ok := v.(string)
		if !ok {
			return cond{}, fail("wildcard match pattern must be a string")
		}
		if err := checkWildcard(s); err != nil {
			return cond{}, err
		}
		return cond{kind: condWildcard, str: s}, nil
	case "exists":
		b, ok := v.(bool)
		if !ok {
			return cond{}, fail("exists match pattern must be either true or false.")
		}
		return cond{kind: condExists, exist: b}, nil
	case "numeric":
		return compileNumeric(v)
	case "cidr":
		return compileCIDR(v)
	case "anything-but":
		return compileAnythingBut(v)
	}
	return cond{}, fail("Unrecognized match type " + op)
}

func firstKey(o *jsonv.Object) string {
	if o.Len() == 0 {
		return ""
	}
	return o.Members[0].Key
}

func compileAnythingBut(v jsonv.Value) (cond, error) {
	c := cond{kind: condAnythingBut}
	switch v := v.(type) {
	case string, jsonv.Number:
		c.not = []cond{{kind: condExact, value: v}}
	case []any:
		if len(v) == 0 {
			return cond{}, fail("Empty arrays are not allowed")
		}
		for _, e := range v {
			switch e.(type) {
			case string, jsonv.Number:
				c.not = append(c.not, cond{kind: condExact, value: e})
			default:
				return cond{}, fail("Inside anything but list, start|null|boolean is not supported.")
			}
		}
	case *jsonv.Object:
		if v.Len() != 1 {
			return cond{}, fail("Only one key allowed in match expression")
		}
		op, inner := v.Members[0].Key, v.Members[0].Value
		var kind condKind
		switch op {
		case "prefix":
			kind = condPrefix
		case "suffix":
			kind = condSuffix
		case "equals-ignore-case":
			kind = condEqualsIgnoreCase
		case "wildcard":
			kind = condWildcard
		default:
			return cond{}, fail("Unsupported anything-but pattern: " + op)
		}
		var list []string
		switch inner := inner.(type) {
		case string:
			list = []string{inner}
		case []any:
			if len(inner) == 0 {
				return cond{}, fail("Empty arrays are not allowed")
			}
			for _, e := range inner {
				s, ok := e.(string)
				if !ok {
					return cond{}, fail("Inside anything-but/" + op + " list, number|start|null|boolean is not supported.")
				}
				list = append(list, s)
			}
		case *jsonv.Object:
			return cond{}, fail("Value of anything-but must be an array or single string/number value.")
		default:
			return cond{}, fail(op + " match pattern must be a string")
		}
		for _, s := range list {
			switch {
			case kind == condWildcard:
				if err := checkWildcard(s); err != nil {
					return cond{}, err
				}
			case (kind == condPrefix || kind == condSuffix) && s == "":
				return cond{}, fail("Null prefix/suffix not allowed")
			}
			c.not = append(c.not, cond{kind: kind, str: s})
		}
	default:
		return cond{}, fail("Inside anything but list, start|null|boolean is not supported.")
	}
	return c, nil
}

func compileNumeric(v jsonv.Value) (cond, error) {
	list, ok := v.([]any)
	if !ok {
		return cond{}, fail("Value of numeric must be an array.")
	}
	c := cond{kind: condNumeric}
	i := 0
	term := func() (string, float64, error) {
		if i >= len(list) {
			return "", 0, fail("Invalid member in numeric match: ]")
		}
		op, ok := list[i].(string)
		if !ok {
			return "", 0, fail("Invalid member in numeric match: " + jsonv.Marshal(list[i]))
		}
		i++
		name := op
		if op == "=" {
			name = "equals"
		}
		if i >= len(list) {
			return "", 0, fail("Value of " + name + " must be numeric")
		}
		num, ok := list[i].(jsonv.Number)
		if !ok {
			return "", 0, fail("Value of " + name + " must be numeric")
		}
		i++
		f := num.Float64()
		if f < -5e9 || f > 5e9 {
			return "", 0, fail("Value of " + name + " must be numeric")
		}
		return op, f, nil
	}
	op, f, err := term()
	if err != nil {
		return cond{}, err
	}
	switch op {
	case "=":
		c.lo = bound{set: true, inclusive: true, v: f}
		c.hi = c.lo
	case ">", ">=":
		c.lo = bound{set: true, inclusive: op == ">=", v: f}
	case "<", "<=":
		c.hi = bound{set: true, inclusive: op == "<=", v: f}
	default:
		return cond{}, fail("Unrecognized numeric range operator: " + op)
	}
	if i == len(list) {
		return c, nil
	}
	if c.hi.set {
		return cond{}, fail("Too many elements in numeric expression")
	}
	if s, ok := list[i].(string); ok && s != "<" && s != "<=" {
		return cond{}, fail("Bad numeric range operator: " + s)
	} else if !ok {
		return cond{}, fail("Bad value in numeric range: " + jsonv.Marshal(list[i]))
	}
	op, f, err = term()
	if err != nil {
		return cond{}, err
	}
	c.hi = bound{set: true, inclusive: op == "<=", v: f}
	if c.hi.v <= c.lo.v {
		return cond{}, fail("Bottom must be less than top")
	}
	if i != len(list) {
		return cond{}, fail("Too many terms in numeric range expression")
	}
	return c, nil
}

func compileCIDR(v jsonv.Value) (cond, error) {
	s, ok := v.(string)
	if !ok {
		return cond{}, fail("prefix match pattern must be a string")
	}
	ip, mask, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(mask, "/") {
		return cond{}, fail("Malformed CIDR, one '/' required")
	}
	if _, err := strconv.Atoi(mask); err != nil {
		return cond{}, fail("Malformed CIDR, mask bits must be an integer")
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return cond{}, fail("Nonstandard IP address: " + ip)
	}
	return cond{kind: condCIDR, cidr: p.Masked()}, nil
}

// maxWildcards bounds a wildcard pattern's complexity.
const maxWildcards = 5

func checkWildcard(s string) error {
	stars := 0
	prevStar := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || s[i+1] != '*' && s[i+1] != '\\' {
				return fail("Invalid escape character at pos " + strconv.Itoa(i))
			}
			i++
			prevStar = false
		case '*':
			if prevStar {
				return fail("Consecutive wildcard characters at pos " + strconv.Itoa(i))
			}
			prevStar = true
			stars++
		default:
			prevStar = false
		}
	}
	if stars > maxWildcards {
		return fail("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character")
	}
	return nil
}

// MatchJSON reports whether an event given as JSON text matches. An event
// that is not a JSON object matches nothing.
func (p *Pattern) MatchJSON(event []byte) bool {
	v, err := jsonv.Parse(event)
	if err != nil {
		return false
	}
	return p.Match(v)
}

// Match reports whether an event (a JSON object) matches.
func (p *Pattern) Match(event jsonv.Value) bool {
	obj, ok := event.(*jsonv.Object)
	if !ok {
		return false
	}
	return p.root.match(obj)
}

func (n *node) match(obj *jsonv.Object) bool {
	for i := range n.fields {
		f := &n.fields[i]
		v, present := obj.Get(f.key)
		if f.sub != nil {
			if !present || !matchSub(f.sub, v) {
				return false
			}
			continue
		}
		if !matchConds(f.conds, v, present) {
			return false
		}
	}
	for _, group := range n.ors {
		ok := false
		for _, alt := range group {
			if alt.match(obj) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchSub matches a nested pattern against an object or any object of an
// array.
func matchSub(sub *node, v jsonv.Value) bool {
	switch v := v.(type) {
	case *jsonv.Object:
		return sub.match(v)
	case []any:
		for _, e := range v {
			if matchSub(sub, e) {
				return true
			}
		}
	}
	return false
}

// matchConds reports whether any alternative matches the value of a field.
func matchConds(conds []cond, v jsonv.Value, present bool) bool {
	var one [1]jsonv.Value
	var leaves []jsonv.Value
	if present {
		switch v := v.(type) {
		case *jsonv.Object:
		case []any:
			leaves = flatten(nil, v)
		default:
			one[0] = v
			leaves = one[:]
		}
	}
	for i := range conds {
		c := &conds[i]
		if c.kind == condExists {
			if c.exist == (len(leaves) > 0) {
				return true
			}
			continue
		}
		for _, l := range leaves {
			if c.matches(l) {
				return true
			}
		}
	}
	return false
}

// flatten appends the scalar elements of an array and its nested arrays.
func flatten(dst []jsonv.Value, a []any) []jsonv.Value {
	for _, e := range a {
		switch e := e.(type) {
		case []any:
			dst = flatten(dst, e)
		case *jsonv.Object:
		default:
			dst = append(dst, e)
		}
	}
	return dst
}

// matches tests one scalar value.
func (c *cond) matches(v jsonv.Value) bool {
	switch c.kind {
	case condExact:
		return exactEqual(c.value, v)
	case condAnythingBut:
		for i := range c.not {
			n := &c.not[i]
			if n.kind != condExact {
				if _, ok := v.(string); !ok {
					return false
				}
			}
			if n.matches(v) {
				return false
			}
		}
		return true
	case condNumeric:
		n, ok := v.(jsonv.Number)
		if !ok {
			return false
		}
		f := n.Float64()
		if c.lo.set && (f < c.lo.v || !c.lo.inclusive && f == c.lo.v) {
			return false
		}
		if c.hi.set && (f > c.hi.v || !c.hi.inclusive && f == c.hi.v) {
			return false
		}
		return true
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	switch c.kind {
	case condPrefix:
		if c.fold {
			return hasPrefixFold(s, c.str)
		}
		return strings.HasPrefix(s, c.str)
	case condSuffix:
		if c.fold {
			return hasSuffixFold(s, c.str)
		}
		return strings.HasSuffix(s, c.str)
	case condEqualsIgnoreCase:
		return strings.EqualFold(s, c.str)
	case condWildcard:
		return wildcardMatch(c.str, s)
	case condCIDR:
		a, err := netip.ParseAddr(s)
		return err == nil && c.cidr.Contains(a.Unmap())
	}
	return false
}

// hasPrefixFold and hasSuffixFold compare rune by rune under Unicode
// case folding.
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(prefix)
		if !strings.EqualFold(string(r1), string(r2)) {
			return false
		}
		s, prefix = s[n1:], prefix[n2:]
	}
	return true
}

func hasSuffixFold(s, suffix string) bool {
	for suffix != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeLastRuneInString(s)
		r2, n2 := utf8.DecodeLastRuneInString(suffix)
		if !strings.EqualFold(string(r1), string(r2)) {
			return false
		}
		s, suffix = s[:len(s)-n1], suffix[:len(suffix)-n2]
	}
	return true
}

// exactEqual compares a pattern value with an event value: numbers by
// value, everything else exactly.
func exactEqual(p, v jsonv.Value) bool {
	switch p := p.(type) {
	case nil:
		return v == nil
	case bool:
		b, ok := v.(bool)
		return ok && b == p
	case string:
		s, ok := v.(string)
		return ok && s == p
	case jsonv.Number:
		n, ok := v.(jsonv.Number)
		return ok && (n == p || n.Float64() == p.Float64())
	}
	return false
}

// wildcardMatch matches s against a wildcard pattern (* any run, \* and \\
// literal) in linear time with one backtrack point per star.
func wildcardMatch(pat, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(pat) {
			c := pat[pi]
			switch {
			case c == '*':
				starP, starS = pi+1, si
				pi++
				continue
			case c == '\\' && pi+1 < len(pat):
				if s[si] == pat[pi+1] {
					pi += 2
					si++
					continue
				}
			case c == s[si]:
				pi++
				si++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		pi, si = starP, starS
	}
	for pi < len(pat) && pat[pi] == '*' {
		pi++
	}
	return pi == len(pat)
}
