package jsonata

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// regexFn is a compiled regular expression literal. JavaScript regular
// expressions are translated to RE2 (Go's regexp). Features RE2 cannot
// express — backreferences (\1) and lookaround ((?=, (?!, (?<=, (?<!) —
// are rejected at compile time with error S0303.
type regexFn struct {
	re  *regexp.Regexp
	src string
}

// jsSpace is JavaScript's \s as an RE2 class body.
const jsSpace = `\t\n\x{0B}\f\r \x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`

func compileJSRegex(pattern, flags string) (*regexFn, *Error) {
	tr, bad := translateRegex(pattern)
	if bad != "" {
		return nil, newError("S0303").withValue(bad)
	}
	prefix := ""
	if strings.Contains(flags, "i") {
		prefix += "i"
	}
	if strings.Contains(flags, "m") {
		prefix += "m"
	}
	if prefix != "" {
		tr = "(?" + prefix + ")" + tr
	}
	re, err := regexp.Compile(tr)
	if err != nil {
		return nil, newError("S0303").withValue(err.Error())
	}
	return &regexFn{re: re, src: pattern}, nil
}

// translateRegex rewrites JavaScript regex syntax into RE2 syntax. bad is
// non-empty when the pattern uses a feature RE2 lacks.
func translateRegex(p string) (out string, bad string) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				b.WriteString(`\\`)
				continue
			}
			i++
			e := p[i]
			switch e {
			case 'd', 'D', 'w', 'W', 'b', 'B', 't', 'n', 'r', 'f':
				if inClass && (e == 'b') {
					b.WriteString(`\x08`)
				} else {
					b.WriteByte('\\')
					b.WriteByte(e)
				}
			case 'v':
				b.WriteString(`\x0B`)
			case 's':
				if inClass {
					b.WriteString(jsSpace)
				} else {
					b.WriteString("[" + jsSpace + "]")
				}
			case 'S':
				if inClass {
					// cannot negate inside a class in RE2; approximate with \S
					b.WriteString(`\S`)
				} else {
					b.WriteString("[^" + jsSpace + "]")
				}
			case 'u':
				if r, ok := hex4(p, i+1); ok {
					b.WriteString(`\x{` + strconv.FormatInt(int64(r), 16) + `}`)
					i += 4
					continue
				}
				b.WriteByte('u')
			case 'x':
				if i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
					b.WriteString(`\x` + p[i+1:i+3])
					i += 2
				} else {
					b.WriteByte('x')
				}
			case 'c':
				if i+1 < len(p) && ((p[i+1] >= 'a' && p[i+1] <= 'z') || (p[i+1] >= 'A' && p[i+1] <= 'Z')) {
					b.WriteString(`\x` + strconv.FormatInt(int64(p[i+1]%32), 16))
					i++
				} else {
					b.WriteString(`\\c`)
				}
			case '0':
				b.WriteString(`\x00`)
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				if inClass {
					b.WriteString(`\x0` + string(e))
				} else {
					return "", "backreference \\" + string(e)
				}
			case 'k':
				return "", "named backreference \\k"
			default:
				if (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || e >= 0x80 {
					// identity escape of a letter: the letter itself
					b.WriteString(regexp.QuoteMeta(string(e)))
				} else {
					b.WriteByte('\\')
					b.WriteByte(e)
				}
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			if c == '[' {
				b.WriteString(`\[`)
				continue
			}
			b.WriteByte(c)
		case c == '[':
			if strings.HasPrefix(p[i:], "[^]") {
				b.WriteString(`[\x{0}-\x{10FFFF}]`)
				i += 2
				continue
			}
			if strings.HasPrefix(p[i:], "[]") {
				b.WriteString(`[^\x{0}-\x{10FFFF}]`)
				i++
				continue
			}
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '(' && strings.HasPrefix(p[i:], "(?="):
			return "", "lookahead (?="
		case c == '(' && strings.HasPrefix(p[i:], "(?!"):
			return "", "negative lookahead (?!"
		case c == '(' && strings.HasPrefix(p[i:], "(?<="):
			return "", "lookbehind (?<="
		case c == '(' && strings.HasPrefix(p[i:], "(?<!"):
			return "", "negative lookbehind (?<!"
		case c == '(' && strings.HasPrefix(p[i:], "(?<"):
			b.WriteString("(?P<")
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// regexMatch is one match: byte offsets into the string and the groups
// (Undefined for groups that did not participate).
type regexMatch struct {
	start, end int
	match      string
	groups     []any
}

// matches runs the matcher protocol of jsonata-js over s: the first match,
// then next() after each, raising D1004 on a zero-length match that would
// not progress. limit < 0 means no limit; next() is still evaluated after
// the last match taken, as jsonata-js does.
func (r *regexFn) matches(ev *evaluator, s string, limit int) []regexMatch {
	idx := r.re.FindAllStringSubmatchIndex(s, -1)
	var out []regexMatch
	for k, m := range idx {
		if k > 0 {
			if idx[k-1][1] >= len(s) {
				break
			}
			if m[0] == m[1] {
				throw(newError("D1004").withValue(r.src))
			}
		}
		if limit >= 0 && len(out) >= limit {
			break
		}
		ev.charge(1)
		rm := regexMatch{start: m[0], end: m[1], match: s[m[0]:m[1]]}
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] < 0 {
				rm.groups = append(rm.groups, Undefined)
			} else {
				rm.groups = append(rm.groups, s[m[g]:m[g+1]])
			}
		}
		out = append(out, rm)
	}
	if limit >= 0 && len(out) == limit && len(out) < len(idx) && len(out) > 0 {
		// next() is evaluated after the last match taken
		k := len(out)
		if idx[k-1][1] < len(s) && idx[k][0] == idx[k][1] {
			throw(newError("D1004").withValue(r.src))
		}
	}
	return out
}

// matchObject is the result of invoking the regex as a function:
// {match, start, end, groups, next}.
func (r *regexFn) matchObject(ev *evaluator, s string, from int) any {
	if from < 0 {
		from = 0
	}
	idx := r.re.FindAllStringSubmatchIndex(s, -1)
	// from is a UTF-16 offset; find the first match starting at or after it
	for _, m := range idx {
		if utf16Len(s[:m[0]]) < from {
			continue
		}
		o := jsonv.NewObject(5)
		o.Members = append(o.Members, jsonv.Member{Key: "match", Value: s[m[0]:m[1]]})
		start := utf16Len(s[:m[0]])
		end := start + utf16Len(s[m[0]:m[1]])
		o.Members = append(o.Members, jsonv.Member{Key: "start", Value: numv(float64(start))})
		o.Members = append(o.Members, jsonv.Member{Key: "end", Value: numv(float64(end))})
		groups := []any{}
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] < 0 {
				groups = append(groups, Undefined)
			} else {
				groups = append(groups, s[m[g]:m[g+1]])
			}
		}
		o.Members = append(o.Members, jsonv.Member{Key: "groups", Value: groups})
		next := &builtin{name: "next", impl: func(ev *evaluator, c callCtx, args []any) any {
			if end >= utf16Len(s) {
				return Undefined
			}
			n := r.matchObject(ev, s, end)
			if no, ok := n.(*jsonv.Object); ok {
				if mv, _ := no.Get("match"); mv == "" {
					throw(newError("D1004").withValue(r.src))
				}
			}
			return n
		}}
		o.Members = append(o.Members, jsonv.Member{Key: "next", Value: next})
		return o
	}
	return Undefined
}

// customMatches runs a matcher function that is not a regex literal
// (a lambda implementing the matcher protocol).
func (ev *evaluator) customMatches(fn any, s string, limit int, env *frame, fname string) []regexMatch {
	var out []regexMatch
	res := ev.evalMatcher(fn, []any{s}, env, fname)
	for res != Undefined && (limit < 0 || len(out) < limit) {
		o, _ := res.(*jsonv.Object)
		var rm regexMatch
		if o != nil {
			mv, _ := o.Get("match")
			rm.match, _ = mv.(string)
			sv, _ := o.Get("start")
			if f, ok := num(sv); ok {
				rm.start = utf16ToByte(s, int(f))
			}
			ev2, _ := o.Get("end")
			if f, ok := num(ev2); ok {
				rm.end = utf16ToByte(s, int(f))
			} else {
				rm.end = rm.start + len(rm.match)
			}
			gv, _ := o.Get("groups")
			rm.groups, _ = arr(gv)
		}
		out = append(out, rm)
		var next any = Undefined
		if o != nil {
			next, _ = o.Get("next")
		}
		if !isFunction(next) {
			break
		}
		res = ev.evalMatcher(next, nil, env, fname)
	}
	return out
}

func (ev *evaluator) evalMatcher(fn any, args []any, env *frame, fname string) any {
	res := ev.callFn(fn, args, env)
	if res == Undefined || res == nil {
		return res
	}
	o, ok := res.(*jsonv.Object)
	valid := false
	if ok {
		if v, ok := o.Get("start"); ok && isNum(v) {
			valid = true
		}
		if v, ok := o.Get("groups"); ok && isArray(v) {
			valid = true
		}
		if v, ok := o.Get("next"); ok && isFunction(v) {
			valid = true
		}
	}
	if !valid {
		throw(newError("T1010").withToken(fname))
	}
	return res
}

// utf16ToByte converts a UTF-16 offset into a byte offset of s.
func utf16ToByte(s string, u int) int {
	if u <= 0 {
		return 0
	}
	n := 0
	for i, r := range s {
		if n >= u {
			return i
		}
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return len(s)
}

// allMatches returns the matches of a matcher (regex or custom function).
func (ev *evaluator) allMatches(m any, s string, limit int, env *frame, fname string) []regexMatch {
	if r, ok := m.(*regexFn); ok {
		return r.matches(ev, s, limit)
	}
	return ev.customMatches(m, s, limit, env, fname)
}
