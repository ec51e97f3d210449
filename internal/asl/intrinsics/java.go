package intrinsics

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// AWS runs the intrinsics in Java on Jackson trees. The helpers here
// reproduce what that means for results: how numbers come out of a parse,
// how Java's toString renders a value, how Jackson nodes compare, how long
// Java thinks a string is, how Math.round rounds and what
// java.util.Random(seed) draws.

// javaNumber returns n as Jackson would hold and write it: an integer
// literal stays an integer ("-0" becomes "0"); anything else is a double,
// written as Java writes doubles (1.10 → 1.1, 1e2 → 100.0).
func javaNumber(n jsonv.Number) jsonv.Number {
	if n.IsInteger() {
		if strings.HasPrefix(string(n), "-") && strings.Trim(string(n[1:]), "0") == "" {
			return "0"
		}
		return n
	}
	return jsonv.Float(n.Float64())
}

// javaNumbers returns v with every number rewritten by javaNumber. Values
// without numbers that change are returned as they are.
func javaNumbers(v jsonv.Value) jsonv.Value {
	switch v := v.(type) {
	case jsonv.Number:
		return javaNumber(v)
	case []any:
		for i, e := range v { // parsed just now and not shared: rewrite in place
			v[i] = javaNumbers(e)
		}
	case *jsonv.Object:
		for i := range v.Members {
			v.Members[i].Value = javaNumbers(v.Members[i].Value)
		}
	}
	return v
}

// appendJavaString appends v as Java's toString renders the value Jackson
// converts it to: strings bare, objects as {k=v, k2=v2}, arrays as [a, b].
func appendJavaString(b []byte, v jsonv.Value) []byte {
	switch v := v.(type) {
	case string:
		return append(b, v...)
	case nil:
		return append(b, "null"...)
	case bool:
		if v {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case jsonv.Number:
		return append(b, javaNumber(v)...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJavaString(b, e)
		}
		return append(b, ']')
	case *jsonv.Object:
		b = append(b, '{')
		for i, m := range v.Members {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, m.Key...)
			b = append(b, '=')
			b = appendJavaString(b, m.Value)
		}
		return append(b, '}')
	}
	return b
}

// javaEqual reports whether a and b are equal as Jackson nodes: an integer
// never equals a double (1 ≠ 1.0), object key order does not matter.
func javaEqual(a, b jsonv.Value) bool {
	switch a := a.(type) {
	case jsonv.Number:
		bn, ok := b.(jsonv.Number)
		if !ok {
			return false
		}
		if a == bn {
			return true
		}
		an, bn := javaNumber(a), javaNumber(bn)
		if an.IsInteger() != bn.IsInteger() {
			return false
		}
		return an == bn
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !javaEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	case *jsonv.Object:
		bo, ok := b.(*jsonv.Object)
		if !ok || a.Len() != bo.Len() {
			return false
		}
		for _, m := range a.Members {
			bv, ok := bo.Get(m.Key)
			if !ok || !javaEqual(m.Value, bv) {
				return false
			}
		}
		return true
	}
	return jsonv.Equal(a, b)
}

// appendEqualityKey appends a text that is the same for two values exactly
// when javaEqual holds: JSON with numbers as Jackson writes them and object
// keys sorted.
func appendEqualityKey(b []byte, v jsonv.Value) []byte {
	switch v := v.(type) {
	case jsonv.Number:
		return append(b, javaNumber(v)...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEqualityKey(b, e)
		}
		return append(b, ']')
	case *jsonv.Object:
		members := slices.Clone(v.Members)
		slices.SortFunc(members, func(x, y jsonv.Member) int { return strings.Compare(x.Key, y.Key) })
		b = append(b, '{')
		for i, m := range members {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonv.AppendString(b, m.Key)
			b = append(b, ':')
			b = appendEqualityKey(b, m.Value)
		}
		return append(b, '}')
	}
	return jsonv.Append(b, v)
}

// javaLength returns the length of s in UTF-16 code units, as Java's
// String.length counts.
func javaLength(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

// javaRound rounds half up, as Java's Math.round(double) does
// (-1.5 → -1, 2.5 → 3).
func javaRound(f float64) int64 {
	r := math.Floor(f)
	if f-r >= 0.5 {
		r++
	}
	return int64(r)
}

// javaRandom is java.util.Random: a 48-bit linear congruential generator.
type javaRandom struct{ seed int64 }

const (
	javaRandMultiplier = 0x5DEECE66D
	javaRandMask       = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaRandMultiplier) & javaRandMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaRandMultiplier + 0xB) & javaRandMask
	return int32(r.seed >> (48 - bits))
}

// nextInt returns a value in [0, bound); bound must be positive.
func (r *javaRandom) nextInt(bound int32) int32 {
	v := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(v)) >> 31)
	}
	for u := v; ; u = r.next(31) {
		v = u % bound
		if u-v+m >= 0 { // int32 overflow here means "reject", as in Java
			return v
		}
	}
}
