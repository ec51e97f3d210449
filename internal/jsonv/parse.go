package jsonv

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 1000

// SyntaxError describes malformed JSON in the words of the Jackson parser
// that AWS Step Functions uses, so messages match AWS's.
type SyntaxError struct {
	Msg    string // e.g. "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
	Line   int    // 1-based
	Column int    // 1-based, as Jackson counts it
	Offset int    // byte offset in the input
	source string
}

func (e *SyntaxError) Error() string { return e.Msg }

// Location renders Jackson's location suffix: [Source: (String)"..."; line: 1, column: 4].
func (e *SyntaxError) Location() string {
	src := e.source
	const max = 500
	trunc := ""
	if len(src) > max {
		trunc = fmt.Sprintf("[truncated %d chars]", len(src)-max)
		src = src[:max]
	}
	return fmt.Sprintf("[Source: (String)%q%s; line: %d, column: %d]", src, trunc, e.Line, e.Column)
}

// Detailed returns the message followed by Jackson's location line.
func (e *SyntaxError) Detailed() string { return e.Msg + "\n at " + e.Location() }

// Parse decodes one JSON value. The whole input must be that value, with
// optional surrounding whitespace.
func Parse(data []byte) (Value, error) {
	p := parser{data: data}
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, p.errf(p.pos, "No content to map due to end-of-input")
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, p.unexpected(p.pos, "expected end of input")
	}
	return v, nil
}

// ParseString is Parse for a string.
func ParseString(s string) (Value, error) { return Parse([]byte(s)) }

// MustParse parses s and panics on error; for literals in tests and tables.
func MustParse(s string) Value {
	v, err := ParseString(s)
	if err != nil {
		panic(fmt.Sprintf("jsonv.MustParse(%q): %v", s, err))
	}
	return v
}

type parser struct {
	data []byte
	pos  int
}

func (p *parser) errf(at int, format string, args ...any) *SyntaxError {
	line, col := 1, 1
	if at > len(p.data) {
		at = len(p.data)
	}
	for _, c := range string(p.data[:at]) {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Msg: fmt.Sprintf(format, args...), Line: line, Column: col, Offset: at, source: string(p.data)}
}

// unexpected reports the character at pos in Jackson's words.
func (p *parser) unexpected(at int, expecting string) *SyntaxError {
	if at >= len(p.data) {
		return p.errf(at, "Unexpected end-of-input: %s", expecting)
	}
	r, _ := utf8.DecodeRune(p.data[at:])
	return p.errf(at+1, "Unexpected character (%s): %s", quoteChar(r), expecting)
}

func quoteChar(r rune) string {
	if r < 32 {
		return fmt.Sprintf("CTRL-CHAR, code %d", r)
	}
	return fmt.Sprintf("'%c' (code %d)", r, r)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Value, error) {
	if depth > maxDepth {
		return nil, p.errf(p.pos, "Document nesting depth exceeds the maximum allowed (%d)", maxDepth)
	}
	if p.pos >= len(p.data) {
		return nil, p.errf(p.pos, "Unexpected end-of-input: expected a value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == ']' || c == '}' || c == ',' || c == ':':
		return nil, p.unexpected(p.pos, "expected a value")
	default:
		return p.literal()
	}
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

func (p *parser) literal() (Value, error) {
	start := p.pos
	end := start
	for end < len(p.data) && isTokenChar(p.data[end]) {
		end++
	}
	word := string(p.data[start:end])
	switch word {
	case "true":
		p.pos = end
		return true, nil
	case "false":
		p.pos = end
		return false, nil
	case "null":
		p.pos = end
		return nil, nil
	}
	if end == start {
		return nil, p.unexpected(start, "expected a value")
	}
	return nil, p.errf(end, "Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", word)
}

func (p *parser) object(depth int) (Value, error) {
	start := p.pos
	p.pos++ // {
	o := &Object{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return o, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.endOfInput("Object", start)
		}
		if p.data[p.pos] != '"' {
			return nil, p.unexpected(p.pos, "was expecting double-quote to start field name")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.endOfInput("Object", start)
		}
		if p.data[p.pos] != ':' {
			return nil, p.unexpected(p.pos, "was expecting a colon to separate field name and value")
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.Set(k.(string), v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.endOfInput("Object", start)
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return o, nil
		default:
			return nil, p.unexpected(p.pos, "was expecting comma to separate Object entries")
		}
	}
}

func (p *parser) endOfInput(kind string, start int) *SyntaxError {
	startErr := p.errf(start+1, "")
	return p.errf(p.pos, "Unexpected end-of-input: expected close marker for %s (start marker at [Source: (String)%q; line: %d, column: %d])",
		kind, string(p.data), startErr.Line, startErr.Column-1)
}

func (p *parser) array(depth int) (Value, error) {
	start := p.pos
	p.pos++ // [
	arr := []any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return arr, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.endOfInput("Array", start)
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.endOfInput("Array", start)
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return arr, nil
		default:
			return nil, p.unexpected(p.pos, "was expecting comma to separate Array entries")
		}
	}
}

func (p *parser) number() (Value, error) {
	start := p.pos
	i := p.pos
	if p.data[i] == '-' {
		i++
	}
	digits := i
	for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
		i++
	}
	if i == digits {
		if i < len(p.data) {
			return nil, p.unexpected(i, "expected digit (0-9) to follow minus sign, for valid numeric value")
		}
		return nil, p.errf(i, "Unexpected end-of-input in numeric value")
	}
	if p.data[digits] == '0' && i-digits > 1 {
		return nil, p.errf(i, "Invalid numeric value: Leading zeroes not allowed")
	}
	if i < len(p.data) && p.data[i] == '.' {
		i++
		f := i
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
		if i == f {
			return nil, p.unexpected(i, "Decimal point not followed by a digit")
		}
	}
	if i < len(p.data) && (p.data[i] == 'e' || p.data[i] == 'E') {
		i++
		if i < len(p.data) && (p.data[i] == '+' || p.data[i] == '-') {
			i++
		}
		f := i
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
		if i == f {
			return nil, p.unexpected(i, "Exponent indicator not followed by a digit")
		}
	}
	if i < len(p.data) && isTokenChar(p.data[i]) {
		return nil, p.unexpected(i, "Expected space separating root-level values")
	}
	p.pos = i
	return Number(p.data[start:i]), nil
}

func (p *parser) str() (Value, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for i := start; i < len(p.data); i++ {
		c := p.data[i]
		if c == '"' {
			p.pos = i + 1
			if !utf8.Valid(p.data[start:i]) {
				return strings.ToValidUTF8(string(p.data[start:i]), "\uFFFD"), nil
			}
			return string(p.data[start:i]), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, p.errf(i+1, "Illegal unquoted character (%s): has to be escaped using backslash to be included in string value", quoteChar(rune(c)))
		}
	}
	var sb strings.Builder
	i := start
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return strings.ToValidUTF8(sb.String(), "\uFFFD"), nil
		case c < 0x20:
			return nil, p.errf(i+1, "Illegal unquoted character (%s): has to be escaped using backslash to be included in string value", quoteChar(rune(c)))
		case c != '\\':
			sb.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(p.data) {
			break
		}
		switch e := p.data[i]; e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := hex4(p.data, i+1)
			if !ok {
				return nil, p.errf(i+1, "Unexpected character: expected a hex-digit for character escape sequence")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(p.data, i+3); ok && i+2 < len(p.data) && p.data[i+1] == '\\' && p.data[i+2] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			sb.WriteRune(r)
		default:
			return nil, p.errf(i+1, "Unrecognized character escape %s", quoteChar(rune(e)))
		}
		i++
	}
	return nil, p.errf(len(p.data), "Unexpected end-of-input: was expecting closing quote for a string value")
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}
