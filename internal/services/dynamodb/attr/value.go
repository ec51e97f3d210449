// Package attr is DynamoDB's data model: attribute values of the ten
// types (S, N, B, BOOL, NULL, L, M, SS, NS, BS), their wire form (the JSON
// AttributeValue of awsJson requests), a compact binary form for storage,
// numbers with DynamoDB's 38-digit decimal semantics, comparison, item size
// as AWS documents it, and an order-preserving encoding of key values.
//
// Values are immutable once built: functions here never modify a Value they
// are given, and callers must not either.
package attr

import (
	"bytes"
	"sort"
)

// Type is an attribute value's data type.
type Type uint8

// The data types, named as on the wire.
const (
	TypeInvalid Type = iota
	S
	N
	B
	BOOL
	NULL
	L
	M
	SS
	NS
	BS
)

var typeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"}

// String is the wire name of the type ("S", "NS", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return ""
}

// ParseType returns the type named s, or TypeInvalid.
func ParseType(s string) Type {
	for i, n := range typeNames {
		if n == s && i > 0 {
			return Type(i)
		}
	}
	return TypeInvalid
}

// Value is one attribute value. Exactly the fields of its Type are used:
// Str for S, N (the normalized number text) and B (the raw bytes); Bool for
// BOOL; List for L; Map for M; Set for SS, NS (normalized numbers) and BS
// (raw bytes). NULL uses none.
type Value struct {
	T    Type
	Bool bool
	Str  string
	List []Value
	Map  map[string]Value
	Set  []string
}

// Item is a set of named attributes.
type Item map[string]Value

// String values.

// Str returns an S value.
func Str(s string) Value { return Value{T: S, Str: s} }

// Bin returns a B value holding b.
func Bin(b []byte) Value { return Value{T: B, Str: string(b)} }

// Num returns an N value from number text, normalized; it fails as AWS
// does on text that is not a DynamoDB number.
func Num(text string) (Value, error) {
	n, err := NormalizeNumber(text)
	if err != nil {
		return Value{}, err
	}
	return Value{T: N, Str: n}, nil
}

// IsScalar reports whether v is an S, N or B value (the key types, the
// types comparisons order).
func (v Value) IsScalar() bool { return v.T == S || v.T == N || v.T == B }

// Equal reports whether a and b are the same value (sets compare as sets,
// numbers numerically).
func Equal(a, b Value) bool {
	if a.T != b.T {
		return false
	}
	switch a.T {
	case S, B, N:
		return a.Str == b.Str // numbers are normalized
	case BOOL:
		return a.Bool == b.Bool
	case NULL:
		return true
	case L:
		if len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if !Equal(a.List[i], b.List[i]) {
				return false
			}
		}
		return true
	case M:
		if len(a.Map) != len(b.Map) {
			return false
		}
		for k, av := range a.Map {
			bv, ok := b.Map[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case SS, NS, BS:
		if len(a.Set) != len(b.Set) {
			return false
		}
		for _, x := range a.Set {
			if !setHas(b.Set, x) {
				return false
			}
		}
		return true
	}
	return false
}

func setHas(set []string, x string) bool {
	for _, y := range set {
		if y == x {
			return true
		}
	}
	return false
}

// SetHas reports whether the set value v (SS, NS or BS) holds the element
// e (of the set's element type).
func (v Value) SetHas(e Value) bool {
	switch {
	case v.T == SS && e.T == S, v.T == NS && e.T == N, v.T == BS && e.T == B:
		return setHas(v.Set, e.Str)
	}
	return false
}

// Compare orders two scalar values of the same type: strings and binaries
// bytewise, numbers numerically. ok is false when the values are not
// comparable (different types, or not S, N or B).
func Compare(a, b Value) (c int, ok bool) {
	if a.T != b.T {
		return 0, false
	}
	switch a.T {
	case S, B:
		return cmpStrings(a.Str, b.Str), true
	case N:
		return CompareNumbers(a.Str, b.Str), true
	}
	return 0, false
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ElemType is the element type of a set type (S for SS, ...), or
// TypeInvalid.
func ElemType(set Type) Type {
	switch set {
	case SS:
		return S
	case NS:
		return N
	case BS:
		return B
	}
	return TypeInvalid
}

// SetType is the set type of an element type (SS for S, ...), or
// TypeInvalid.
func SetType(elem Type) Type {
	switch elem {
	case S:
		return SS
	case N:
		return NS
	case B:
		return BS
	}
	return TypeInvalid
}

// Keys returns the names of an item, sorted.
func (it Item) Keys() []string {
	ks := make([]string, 0, len(it))
	for k := range it {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Clone returns a shallow copy of the item (values are shared, which is
// safe as values are immutable).
func (it Item) Clone() Item {
	out := make(Item, len(it)+2)
	for k, v := range it {
		out[k] = v
	}
	return out
}

// Size is the item's size as DynamoDB counts it against the 400 KB limit:
// for each attribute the UTF-8 length of its name plus the size of its
// value.
func (it Item) Size() int {
	n := 0
	for k, v := range it {
		n += len(k) + v.Size()
	}
	return n
}

// Size is the value's size as AWS documents it: strings and binaries their
// length in bytes; numbers 1 byte plus 1 per two significant digits;
// BOOL and NULL 1 byte; lists and maps 3 bytes plus 1 byte per element
// plus their elements (and, for maps, the element names); sets the sum of
// their elements.
func (v Value) Size() int {
	switch v.T {
	case S, B:
		return len(v.Str)
	case N:
		return numberSize(v.Str)
	case BOOL, NULL:
		return 1
	case L:
		n := 3
		for _, e := range v.List {
			n += 1 + e.Size()
		}
		return n
	case M:
		n := 3
		for k, e := range v.Map {
			n += 1 + len(k) + e.Size()
		}
		return n
	case SS, BS:
		n := 0
		for _, e := range v.Set {
			n += len(e)
		}
		return n
	case NS:
		n := 0
		for _, e := range v.Set {
			n += numberSize(e)
		}
		return n
	}
	return 0
}

// numberSize is 1 + ceil(significant digits / 2).
func numberSize(n string) int {
	d := significantDigits(n)
	return 1 + (d+1)/2
}

// significantDigits counts the digits of a normalized number without its
// leading and trailing zeros.
func significantDigits(n string) int {
	start, end := -1, -1
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c >= '1' && c <= '9' {
			if start < 0 {
				start = i
			}
			end = i
		}
	}
	if start < 0 {
		return 1
	}
	d := end - start + 1
	if dot := bytes.IndexByte([]byte(n[start:end+1]), '.'); dot >= 0 {
		d--
	}
	return d
}
