package jsonv

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Compare orders two numbers by value: -1, 0 or +1. Integers compare
// exactly; others as float64.
func (n Number) Compare(m Number) int {
	if n.IsInteger() && m.IsInteger() {
		a, aok := n.Int64()
		b, bok := m.Int64()
		if aok && bok {
			return cmp3(a < b, a > b)
		}
	}
	a, b := n.Float64(), m.Float64()
	return cmp3(a < b, a > b)
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// CompareStrings orders strings by UTF-16 code units, as Java's
// String.compareTo does (and so AWS's string comparisons).
func CompareStrings(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := utf16Units(ra), utf16Units(rb)
			for i := range 2 {
				if ua[i] != ub[i] {
					return cmp3(ua[i] < ub[i], true)
				}
			}
		}
		a, b = a[na:], b[nb:]
	}
	return cmp3(a == "" && b != "", a != "" && b == "")
}

func utf16Units(r rune) [2]uint16 {
	if r >= 0x10000 {
		r1, r2 := utf16.EncodeRune(r)
		return [2]uint16{uint16(r1), uint16(r2)}
	}
	return [2]uint16{uint16(r), 0}
}
