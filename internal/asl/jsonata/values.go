package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Internal values. Besides the jsonv values (nil, bool, jsonv.Number,
// string, []any, *jsonv.Object) and Undefined, evaluation uses:
//   - float64 for numbers computed by the evaluator (jsonv.Number values
//     read from the input are numbers too);
//   - *seq for arrays carrying jsonata-js's hidden flags (sequences,
//     singleton-keeping, constructed arrays, tuple streams);
//   - function values (*lambda, *builtin, *regexFn).
// Export converts a result back to jsonv values.

// seq is a JavaScript array carrying jsonata-js's hidden properties.
type seq struct {
	items         []any
	sequence      bool // created by createSequence: collapses to its item when singleton
	keepSingleton bool
	outerWrapper  bool // the input document when it is an array
	cons          bool // built by an array constructor in a path step
	tupleStream   bool // items are *tuple
	inl           [1]any
}

func newSeq(n int) *seq {
	s := &seq{sequence: true}
	if n <= 1 {
		s.items = s.inl[:0]
	} else {
		s.items = make([]any, 0, n)
	}
	return s
}

func seqOf(v any) *seq {
	s := &seq{sequence: true}
	s.inl[0] = v
	s.items = s.inl[:1]
	return s
}

// tuple is a binding tuple of a tuple stream: "@" is the context value; other
// names are focus/index variables and ancestor labels.
type tuple struct {
	names []string
	vals  []any
}

func (t *tuple) get(name string) any {
	for i, n := range t.names {
		if n == name {
			return t.vals[i]
		}
	}
	return Undefined
}

func (t *tuple) set(name string, v any) {
	for i, n := range t.names {
		if n == name {
			t.vals[i] = v
			return
		}
	}
	t.names = append(t.names, name)
	t.vals = append(t.vals, v)
}

func (t *tuple) clone() *tuple {
	n := &tuple{names: make([]string, len(t.names), len(t.names)+2), vals: make([]any, len(t.vals), len(t.vals)+2)}
	copy(n.names, t.names)
	copy(n.vals, t.vals)
	return n
}

// assign copies all of o's bindings into t (Object.assign).
func (t *tuple) assign(o *tuple) {
	for i, n := range o.names {
		t.set(n, o.vals[i])
	}
}

// arr returns the items of an array value (plain or flagged).
func arr(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case *seq:
		return a.items, true
	}
	return nil, false
}

func isArray(v any) bool {
	switch v.(type) {
	case []any, *seq:
		return true
	}
	return false
}

func isSequence(v any) bool {
	s, ok := v.(*seq)
	return ok && s.sequence
}

func isTupleStream(v any) bool {
	s, ok := v.(*seq)
	return ok && s.tupleStream
}

// num returns the numeric value of v if it is a number.
func num(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case jsonv.Number:
		if i, ok := smallInt(string(n)); ok {
			return float64(i), true
		}
		return n.Float64(), true
	}
	return 0, false
}

// smallInt parses short integer literals without strconv.
func smallInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	neg := false
	i := 0
	if s[0] == '-' {
		neg = true
		i = 1
		if len(s) == 1 {
			return 0, false
		}
	}
	var n int64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func isNum(v any) bool {
	switch v.(type) {
	case float64, jsonv.Number:
		return true
	}
	return false
}

// isNumeric is utils.isNumeric: true for finite numbers, an error D1001 for
// infinite ones, false for NaN and non-numbers.
func isNumeric(v any) bool {
	f, ok := num(v)
	if !ok {
		return false
	}
	if math.IsNaN(f) {
		return false
	}
	if math.IsInf(f, 0) {
		throw(newError("D1001").withValue(f))
	}
	return true
}

func isArrayOfNumbers(v any) bool {
	items, ok := arr(v)
	if !ok {
		return false
	}
	for _, it := range items {
		if !isNumeric(it) {
			return false
		}
	}
	return true
}

func isArrayOfStrings(v any) bool {
	items, ok := arr(v)
	if !ok {
		return false
	}
	for _, it := range items {
		if _, ok := it.(string); !ok {
			return false
		}
	}
	return true
}

func isFunction(v any) bool {
	switch v.(type) {
	case *lambda, *builtin, *regexFn:
		return true
	}
	return false
}

func isObject(v any) bool {
	_, ok := v.(*jsonv.Object)
	return ok
}

// boxed small integers avoid an allocation per arithmetic result.
var smallInts = func() [1024]any {
	var t [1024]any
	for i := range t {
		t[i] = float64(i)
	}
	return t
}()

// numv boxes f, reusing preallocated values for small integers.
func numv(f float64) any {
	if f >= 0 && f < 1024 {
		i := int(f)
		if float64(i) == f && !(f == 0 && math.Signbit(f)) {
			return smallInts[i]
		}
	}
	return f
}

// jsTypeof mirrors JavaScript's typeof for internal values.
func jsTypeof(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, jsonv.Number:
		return "number"
	case bool:
		return "boolean"
	case undefinedType:
		return "undefined"
	case *lambda, *builtin, *regexFn:
		return "function"
	}
	return "object"
}

// formatJSNumber writes f the way JavaScript's Number.prototype.toString does.
func formatJSNumber(f float64) string {
	return string(appendJSNumber(nil, f))
}

func appendJSNumber(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0')
	}
	if math.IsNaN(f) {
		return append(dst, "NaN"...)
	}
	if math.IsInf(f, 1) {
		return append(dst, "Infinity"...)
	}
	if math.IsInf(f, -1) {
		return append(dst, "-Infinity"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		if math.Abs(f) < 1<<53 {
			return strconv.AppendInt(dst, int64(f), 10)
		}
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := false
	if e[0] == '-' {
		neg = true
		e = e[1:]
	}
	// e is d[.ddd]e±XX
	epos := 0
	for epos < len(e) && e[epos] != 'e' {
		epos++
	}
	mant := e[:epos]
	exp, _ := strconv.Atoi(string(e[epos+1:]))
	var digits []byte
	digits = append(digits, mant[0])
	if len(mant) > 2 {
		digits = append(digits, mant[2:]...)
	}
	k := len(digits)
	n := exp + 1
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits...)
		for i := 0; i < n-k; i++ {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		dst = append(dst, digits[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for i := 0; i < -n; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// toPrecision15 is Number(x.toPrecision(15)).
func toPrecision15(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	s := strconv.FormatFloat(f, 'e', 14, 64)
	r, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return f
	}
	return r
}

// boolean is fn.boolean: the effective boolean value; Undefined stays
// Undefined (returned as ok=false).
func boolean(v any) (b bool, defined bool) {
	switch t := v.(type) {
	case undefinedType:
		return false, false
	case nil:
		return false, true
	case bool:
		return t, true
	case string:
		return t != "", true
	case float64, jsonv.Number:
		if !isNumeric(t) {
			return false, true
		}
		f, _ := num(t)
		return f != 0, true
	case []any:
		return boolItems(t), true
	case *seq:
		return boolItems(t.items), true
	case *jsonv.Object:
		return t.Len() > 0, true
	}
	return false, true // functions
}

func boolItems(items []any) bool {
	if len(items) == 1 {
		b, _ := boolean(items[0])
		return b
	}
	for _, it := range items {
		if b, _ := boolean(it); b {
			return true
		}
	}
	return false
}

func truthy(v any) bool {
	b, _ := boolean(v)
	return b
}

// deepEqual is utils.isDeepEqual.
func deepEqual(a, b any) bool {
	if a == Undefined || b == Undefined {
		return a == b
	}
	if fa, ok := num(a); ok {
		fb, ok := num(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case *jsonv.Object:
		y, ok := b.(*jsonv.Object)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		if x.Len() != y.Len() {
			return false
		}
		for _, m := range x.Members {
			v, ok := y.Get(m.Key)
			if !ok || !deepEqual(m.Value, v) {
				return false
			}
		}
		return true
	}
	if ia, ok := arr(a); ok {
		ib, ok := arr(b)
		if !ok || len(ia) != len(ib) {
			return false
		}
		for i := range ia {
			if !deepEqual(ia[i], ib[i]) {
				return false
			}
		}
		return true
	}
	return a == b // functions: identity
}

// strictEqual is JavaScript's === on internal values (used by `in`).
func strictEqual(a, b any) bool {
	if fa, ok := num(a); ok {
		fb, ok := num(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	case undefinedType:
		return b == Undefined
	case *jsonv.Object:
		y, ok := b.(*jsonv.Object)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	}
	return a == b
}

// jsonStringify is JSON.stringify(v, replacer, pretty ? 2 : 0) with
// jsonata's $string replacer (non-integers to 15 significant digits when
// round15, functions to ""). ok is false when the result is undefined.
func jsonStringify(v any, pretty bool, round15 bool) (string, bool) {
	var sb []byte
	sb, ok := appendJSON(sb, v, pretty, round15, 0, true)
	if !ok {
		return "", false
	}
	return string(sb), true
}

func appendJSON(dst []byte, v any, pretty, round15 bool, indent int, top bool) ([]byte, bool) {
	switch t := v.(type) {
	case undefinedType:
		return dst, false
	case nil:
		return append(dst, "null"...), true
	case bool:
		if t {
			return append(dst, "true"...), true
		}
		return append(dst, "false"...), true
	case string:
		return jsonv.AppendString(dst, t), true
	case float64, jsonv.Number:
		f, _ := num(t)
		if round15 && !isNumeric(t) {
			return append(dst, "null"...), true
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...), true
		}
		if round15 && f != math.Trunc(f) {
			f = toPrecision15(f)
		}
		return appendJSNumber(dst, f), true
	case *lambda, *builtin, *regexFn:
		if round15 {
			return append(dst, `""`...), true
		}
		return dst, false
	case *jsonv.Object:
		if t.Len() == 0 {
			return append(dst, "{}"...), true
		}
		dst = append(dst, '{')
		first := true
		for _, m := range t.Members {
			mark := len(dst)
			if !first {
				dst = append(dst, ',')
			}
			if pretty {
				dst = newline(dst, indent+1)
			}
			dst = jsonv.AppendString(dst, m.Key)
			dst = append(dst, ':')
			if pretty {
				dst = append(dst, ' ')
			}
			var ok bool
			dst, ok = appendJSON(dst, m.Value, pretty, round15, indent+1, false)
			if !ok {
				dst = dst[:mark]
				continue
			}
			first = false
		}
		if first {
			return append(dst, '}'), true
		}
		if pretty {
			dst = newline(dst, indent)
		}
		return append(dst, '}'), true
	case *tuple:
		return append(dst, "{}"...), true
	}
	if items, ok := arr(v); ok {
		if s, ok := v.(*seq); ok && s.outerWrapper && len(items) > 0 && top {
			return appendJSON(dst, items[0], pretty, round15, indent, top)
		}
		if len(items) == 0 {
			return append(dst, "[]"...), true
		}
		dst = append(dst, '[')
		for i, it := range items {
			if i > 0 {
				dst = append(dst, ',')
			}
			if pretty {
				dst = newline(dst, indent+1)
			}
			var ok bool
			dst, ok = appendJSON(dst, it, pretty, round15, indent+1, false)
			if !ok {
				dst = append(dst, "null"...)
			}
		}
		if pretty {
			dst = newline(dst, indent)
		}
		return append(dst, ']'), true
	}
	return append(dst, "null"...), true
}

func newline(dst []byte, indent int) []byte {
	dst = append(dst, '\n')
	for i := 0; i < indent; i++ {
		dst = append(dst, ' ', ' ')
	}
	return dst
}

// utf16Len is the length of s in UTF-16 code units (JavaScript's length).
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// runeCount is the number of code points (stringToArray(s).length).
func runeCount(s string) int { return utf8.RuneCountInString(s) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// compareStrings orders strings by UTF-16 code units as JavaScript does.
func compareStrings(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	return jsonv.CompareStrings(a, b)
}
