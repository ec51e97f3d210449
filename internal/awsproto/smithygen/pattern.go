package main

import (
	"regexp"
	"strings"
)

// TranslatePattern rewrites a Smithy (ECMA-262, sometimes Java-flavoured)
// pattern into RE2 expressions that a value must all match; an expression
// starting with "!" must not match. It handles \uXXXX escapes, \p{ASCII},
// \p{Print} and leading look-aheads ("^(?=A)B", "^(?!A)B"). ok is false
// when the result still does not compile.
func TranslatePattern(p string) (match []string, ok bool) {
	p = rewriteEscapes(p)
	var exprs []string
	rest := p
	for strings.HasPrefix(rest, "^(?=") || strings.HasPrefix(rest, "^(?!") {
		end := groupEnd(rest, 1)
		if end < 0 {
			return nil, false
		}
		body := rest[4:end]
		neg := rest[3] == '!'
		e := "^(?:" + body + ")"
		if neg {
			e = "!" + e
		}
		exprs = append(exprs, e)
		rest = "^" + rest[end+1:]
	}
	exprs = append(exprs, rest)
	for _, e := range exprs {
		if _, err := regexp.Compile(strings.TrimPrefix(e, "!")); err != nil {
			return nil, false
		}
	}
	return exprs, true
}

// groupEnd returns the index of the parenthesis closing the group opened at
// p[open], honouring escapes and character classes; -1 if unbalanced.
func groupEnd(p string, open int) int {
	depth := 0
	inClass := false
	for i := open; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// rewriteEscapes turns Java/ECMA escapes RE2 lacks into RE2 syntax.
func rewriteEscapes(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			next := p[i+1]
			switch {
			case next == 'u' && i+6 <= len(p) && isHex(p[i+2:i+6]):
				b.WriteString(`\x{` + p[i+2:i+6] + `}`)
				i += 5
				continue
			case strings.HasPrefix(p[i:], `\p{ASCII}`):
				b.WriteString(wrapClass(`\x00-\x7F`, inClass))
				i += len(`\p{ASCII}`) - 1
				continue
			case strings.HasPrefix(p[i:], `\p{Print}`):
				b.WriteString(wrapClass(`\x20-\x7E`, inClass))
				i += len(`\p{Print}`) - 1
				continue
			}
			b.WriteByte(c)
			b.WriteByte(next)
			i++
			continue
		case c == '[' && !inClass:
			inClass = true
		case c == ']' && inClass:
			inClass = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

func wrapClass(r string, inClass bool) string {
	if inClass {
		return r
	}
	return "[" + r + "]"
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
