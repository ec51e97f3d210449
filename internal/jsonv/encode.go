package jsonv

import (
	"fmt"
	"unicode/utf8"
)

// Append appends the compact JSON text of v to dst, the way AWS writes it:
// keys in order, numbers as written, no HTML escaping, non-ASCII text as is.
func Append(dst []byte, v Value) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Number:
		return append(dst, v...)
	case string:
		return AppendString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Append(dst, e)
		}
		return append(dst, ']')
	case *Object:
		dst = append(dst, '{')
		if v != nil {
			for i, m := range v.Members {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = AppendString(dst, m.Key)
				dst = append(dst, ':')
				dst = Append(dst, m.Value)
			}
		}
		return append(dst, '}')
	}
	panic(fmt.Sprintf("jsonv: cannot encode %T", v))
}

// Marshal returns the compact JSON text of v.
func Marshal(v Value) string { return string(Append(make([]byte, 0, 64), v)) }

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string literal.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			if c < utf8.RuneSelf {
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Size returns the length in bytes of v's compact JSON text without
// building it.
func Size(v Value) int {
	switch v := v.(type) {
	case nil:
		return 4
	case bool:
		if v {
			return 4
		}
		return 5
	case Number:
		return len(v)
	case string:
		return stringSize(v)
	case []any:
		n := 2
		for i, e := range v {
			if i > 0 {
				n++
			}
			n += Size(e)
		}
		return n
	case *Object:
		n := 2
		if v != nil {
			for i, m := range v.Members {
				if i > 0 {
					n++
				}
				n += stringSize(m.Key) + 1 + Size(m.Value)
			}
		}
		return n
	}
	return 0
}

func stringSize(s string) int {
	n := 2 + len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
			n++
		case c < 0x20:
			n += 5
		}
	}
	return n
}

// Quote returns s as a JSON string literal.
func Quote(s string) string { return string(AppendString(nil, s)) }
