package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// token is one lexical token.
type token struct {
	typ   string // operator, string, number, name, variable, value, regex
	value any    // string, float64, bool, nil or *regexLit
	pos   int
}

// regexLit is a regular expression literal /pattern/flags.
type regexLit struct {
	pattern string
	flags   string
}

// operatorChars are the single characters that end a name token.
var operatorChars = [128]bool{
	'.': true, '[': true, ']': true, '{': true, '}': true, '(': true, ')': true,
	',': true, '@': true, '#': true, ';': true, ':': true, '?': true, '+': true,
	'-': true, '*': true, '/': true, '%': true, '|': true, '=': true, '<': true,
	'>': true, '^': true, '&': true, '!': true, '~': true,
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
}

// lexer is jsonata-js's tokenizer.
type lexer struct {
	src string
	pos int
}

func (l *lexer) at(i int) byte {
	if i < 0 || i >= len(l.src) {
		return 0
	}
	return l.src[i]
}

// next returns the next token or nil at the end. prefix is true where a
// '/' means division rather than the start of a regex.
func (l *lexer) next(prefix bool) *token {
	for {
		if l.pos >= len(l.src) {
			return nil
		}
		for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
			l.pos++
		}
		if l.at(l.pos) == '/' && l.at(l.pos+1) == '*' {
			start := l.pos
			l.pos += 2
			for !(l.at(l.pos) == '*' && l.at(l.pos+1) == '/') {
				l.pos++
				if l.pos >= len(l.src) {
					throw(newError("S0106").withPos(start))
				}
			}
			l.pos += 2
			continue
		}
		break
	}
	if l.pos >= len(l.src) {
		return nil
	}
	c := l.src[l.pos]
	start := l.pos
	if !prefix && c == '/' {
		l.pos++
		return &token{typ: "regex", value: l.scanRegex(), pos: start}
	}
	if l.pos+1 < len(l.src) {
		two := l.src[l.pos : l.pos+2]
		switch two {
		case "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??":
			l.pos += 2
			return &token{typ: "operator", value: two, pos: start}
		}
	}
	if c < 128 && operatorChars[c] {
		l.pos++
		return &token{typ: "operator", value: string(c), pos: start}
	}
	if c == '"' || c == '\'' {
		return l.scanString(c)
	}
	if c >= '0' && c <= '9' {
		end := scanNumber(l.src, l.pos)
		text := l.src[l.pos:end]
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			throw(newError("S0102").withPos(start).withToken(text))
		}
		l.pos = end
		return &token{typ: "number", value: f, pos: start}
	}
	if c == '`' {
		l.pos++
		end := strings.IndexByte(l.src[l.pos:], '`')
		if end >= 0 {
			name := l.src[l.pos : l.pos+end]
			l.pos += end + 1
			return &token{typ: "name", value: name, pos: start}
		}
		l.pos = len(l.src)
		throw(newError("S0105").withPos(l.pos))
	}
	i := l.pos
	for i < len(l.src) && !isSpace(l.src[i]) && !(l.src[i] < 128 && operatorChars[l.src[i]]) {
		i++
	}
	if c == '$' {
		name := l.src[l.pos+1 : i]
		l.pos = i
		return &token{typ: "variable", value: name, pos: start}
	}
	name := l.src[l.pos:i]
	l.pos = i
	switch name {
	case "or", "in", "and":
		return &token{typ: "operator", value: name, pos: start}
	case "true":
		return &token{typ: "value", value: true, pos: start}
	case "false":
		return &token{typ: "value", value: false, pos: start}
	case "null":
		return &token{typ: "value", value: nil, pos: start}
	}
	if l.pos == len(l.src) && name == "" {
		return nil
	}
	return &token{typ: "name", value: name, pos: start}
}

// scanNumber matches (0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)? at i.
func scanNumber(s string, i int) int {
	digits := func(j int) int {
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j
	}
	if s[i] == '0' {
		i++
	} else {
		i = digits(i)
	}
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i = digits(i + 1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			i = digits(j)
		}
	}
	return i
}

func (l *lexer) scanString(quote byte) *token {
	start := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '\\' {
			l.pos++
			e := l.at(l.pos)
			switch e {
			case '"':
				b.WriteByte('"')
			case '\\':
				b.WriteByte('\\')
			case '/':
				b.WriteByte('/')
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
				r, ok := hex4(l.src, l.pos+1)
				if !ok {
					throw(newError("S0104").withPos(l.pos))
				}
				l.pos += 4
				if utf16.IsSurrogate(r) {
					if r < 0xDC00 && l.at(l.pos+1) == '\\' && l.at(l.pos+2) == 'u' {
						if r2, ok := hex4(l.src, l.pos+3); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
							r = utf16.DecodeRune(r, r2)
							l.pos += 6
						}
					}
				}
				if utf16.IsSurrogate(r) {
					// a lone surrogate: keep it as (invalid) WTF-8 bytes so
					// that functions such as $encodeUrl can reject it
					b.WriteByte(byte(0xE0 | r>>12))
					b.WriteByte(byte(0x80 | (r>>6)&0x3F))
					b.WriteByte(byte(0x80 | r&0x3F))
				} else {
					b.WriteRune(r)
				}
			default:
				tok := ""
				if l.pos < len(l.src) {
					r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
					tok = string(r)
				}
				throw(newError("S0103").withPos(l.pos).withToken(tok))
			}
			l.pos++
			continue
		}
		if c == quote {
			l.pos++
			return &token{typ: "string", value: b.String(), pos: start}
		}
		b.WriteByte(c)
		l.pos++
	}
	throw(newError("S0101").withPos(l.pos))
	return nil
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for j := i; j < i+4; j++ {
		c := s[j]
		switch {
		case c >= '0' && c <= '9':
			r = r*16 + rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r*16 + rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r*16 + rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (l *lexer) scanRegex() *regexLit {
	start := l.pos
	depth := 0
	closing := func(p int) bool {
		if l.at(p) == '/' && depth == 0 {
			n := 0
			for p-(n+1) >= 0 && l.at(p-(n+1)) == '\\' {
				n++
			}
			return n%2 == 0
		}
		return false
	}
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if closing(l.pos) {
			pattern := l.src[start:l.pos]
			if pattern == "" {
				throw(newError("S0301").withPos(l.pos))
			}
			l.pos++
			fstart := l.pos
			for l.at(l.pos) == 'i' || l.at(l.pos) == 'm' {
				l.pos++
			}
			return &regexLit{pattern: pattern, flags: l.src[fstart:l.pos]}
		}
		if (c == '(' || c == '[' || c == '{') && l.at(l.pos-1) != '\\' {
			depth++
		}
		if (c == ')' || c == ']' || c == '}') && l.at(l.pos-1) != '\\' {
			depth--
		}
		l.pos++
	}
	throw(newError("S0302").withPos(l.pos))
	return nil
}
