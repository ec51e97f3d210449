// Package jsonv holds JSON values the way Step Functions treats them: objects
// keep the order their keys were written in, numbers keep their literal text,
// and encoding never escapes HTML characters or non-ASCII text.
//
// A Value is one of: nil (JSON null), bool, Number, string, []any (array) or
// *Object. Values are treated as immutable once built: code that needs a
// changed value builds a new one (see Object.With), so a value can be shared
// between states, history events and executions without copying.
package jsonv

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Value is a decoded JSON value: nil, bool, Number, string, []any or *Object.
type Value = any

// Number is a JSON number kept as its literal text, so that 1 and 1.0 stay
// distinct as they do on AWS.
type Number string

// Float64 returns the number as a float64.
func (n Number) Float64() float64 {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// Int64 returns the number as an int64 when its text is an integer literal
// that fits in 64 bits.
func (n Number) Int64() (int64, bool) {
	if !n.IsInteger() {
		return 0, false // (ParseInt would allocate an error)
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil
}

// IsInteger reports whether the literal has no fraction or exponent part.
func (n Number) IsInteger() bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// Int returns a Number holding i.
func Int(i int64) Number { return Number(strconv.FormatInt(i, 10)) }

// Float returns a Number holding f, written the way Java writes a double
// (1.0, 0.1, 1.0E10) so that results match AWS.
func Float(f float64) Number {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return Number("null")
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e7 {
		return Number(strconv.FormatFloat(f, 'f', 1, 64))
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		return Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	// Java's Double.toString uses computerized scientific notation: 1.0E10.
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if exp[0] == '+' {
		exp = exp[1:]
	}
	exp = strings.TrimLeft(exp, "0")
	if strings.HasPrefix(exp, "-") {
		exp = "-" + strings.TrimLeft(exp[1:], "0")
	}
	return Number(mant + "E" + exp)
}

// Member is one key/value pair of an Object.
type Member struct {
	Key   string
	Value Value
}

// Object is a JSON object whose members keep their written order. Duplicate
// keys are not kept: the last value written for a key wins, in the position
// where the key first appeared.
type Object struct {
	Members []Member
}

// NewObject returns an empty object with room for n members. Small objects
// and their members come from a single allocation.
func NewObject(n int) *Object {
	switch {
	case n <= 1:
		p := new(struct {
			o Object
			m [1]Member
		})
		p.o.Members = p.m[:0]
		return &p.o
	case n <= 2:
		p := new(struct {
			o Object
			m [2]Member
		})
		p.o.Members = p.m[:0]
		return &p.o
	case n <= 4:
		p := new(struct {
			o Object
			m [4]Member
		})
		p.o.Members = p.m[:0]
		return &p.o
	case n <= 8:
		p := new(struct {
			o Object
			m [8]Member
		})
		p.o.Members = p.m[:0]
		return &p.o
	}
	return &Object{Members: make([]Member, 0, n)}
}

// Len returns the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.Members)
}

// Get returns the value stored under key.
func (o *Object) Get(key string) (Value, bool) {
	if o == nil {
		return nil, false
	}
	for i := range o.Members {
		if o.Members[i].Key == key {
			return o.Members[i].Value, true
		}
	}
	return nil, false
}

// Has reports whether key is present.
func (o *Object) Has(key string) bool {
	_, ok := o.Get(key)
	return ok
}

// Set stores v under key, in place. It is meant for building a new object;
// objects already shared must be changed with With.
func (o *Object) Set(key string, v Value) {
	for i := range o.Members {
		if o.Members[i].Key == key {
			o.Members[i].Value = v
			return
		}
	}
	o.Members = append(o.Members, Member{Key: key, Value: v})
}

// Delete removes key, in place.
func (o *Object) Delete(key string) {
	for i := range o.Members {
		if o.Members[i].Key == key {
			o.Members = append(o.Members[:i], o.Members[i+1:]...)
			return
		}
	}
}

// With returns a copy of o with key set to v; o is unchanged.
func (o *Object) With(key string, v Value) *Object {
	n := NewObject(len(o.Members) + 1)
	n.Members = append(n.Members, o.Members...)
	n.Set(key, v)
	return n
}

// Keys returns the keys in order.
func (o *Object) Keys() []string {
	keys := make([]string, len(o.Members))
	for i, m := range o.Members {
		keys[i] = m.Key
	}
	return keys
}

// TypeName returns the JSON type of v as used in messages: "null",
// "boolean", "number", "string", "array" or "object".
func TypeName(v Value) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case *Object:
		return "object"
	}
	return "unknown"
}

// Equal reports whether a and b are the same JSON value. Numbers are equal
// when their values are equal (1 equals 1.0); object key order is ignored.
func Equal(a, b Value) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case Number:
		bn, ok := b.(Number)
		if !ok {
			return false
		}
		if a == bn {
			return true
		}
		ai, aok := a.Int64()
		bi, bok := bn.Int64()
		if aok && bok {
			return ai == bi
		}
		return a.Float64() == bn.Float64()
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !Equal(a[i], bl[i]) {
				return false
			}
		}
		return true
	case *Object:
		bo, ok := b.(*Object)
		if !ok || a.Len() != bo.Len() {
			return false
		}
		for _, m := range a.Members {
			bv, ok := bo.Get(m.Key)
			if !ok || !Equal(m.Value, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// FromGo converts plain Go values (as produced by encoding/json into any,
// plus ints and floats) into a Value. Maps become objects with sorted keys.
func FromGo(v any) Value {
	switch v := v.(type) {
	case nil, bool, string, Number, *Object:
		return v
	case int:
		return Int(int64(v))
	case int64:
		return Int(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return Int(int64(v))
		}
		return Number(strconv.FormatFloat(v, 'g', -1, 64))
	case interface{ String() string }:
		return Number(v.String())
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = FromGo(v[i])
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		o := NewObject(len(keys))
		for _, k := range keys {
			o.Members = append(o.Members, Member{Key: k, Value: FromGo(v[k])})
		}
		return o
	}
	panic("jsonv: unsupported Go value")
}
