package intrinsics

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

type funcID uint8

const (
	fnFormat funcID = iota
	fnStringToJSON
	fnJSONToString
	fnArray
	fnArrayPartition
	fnArrayContains
	fnArrayRange
	fnArrayGetItem
	fnArrayLength
	fnArrayUnique
	fnBase64Encode
	fnBase64Decode
	fnHash
	fnJSONMerge
	fnMathRandom
	fnMathAdd
	fnStringSplit
	fnUUID
	numFuncs
)

type funcSpec struct {
	name             string
	minArgs, maxArgs int // maxArgs < 0: any number
}

func (s funcSpec) arity() string {
	switch {
	case s.maxArgs < 0:
		return "at least " + plural(s.minArgs, "argument")
	case s.minArgs == s.maxArgs:
		return plural(s.minArgs, "argument")
	default:
		return strconv.Itoa(s.minArgs) + " or " + strconv.Itoa(s.maxArgs) + " arguments"
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

var funcs = [numFuncs]funcSpec{
	fnFormat:         {"Format", 1, -1},
	fnStringToJSON:   {"StringToJson", 1, 1},
	fnJSONToString:   {"JsonToString", 1, 1},
	fnArray:          {"Array", 0, -1},
	fnArrayPartition: {"ArrayPartition", 2, 2},
	fnArrayContains:  {"ArrayContains", 2, 2},
	fnArrayRange:     {"ArrayRange", 3, 3},
	fnArrayGetItem:   {"ArrayGetItem", 2, 2},
	fnArrayLength:    {"ArrayLength", 1, 1},
	fnArrayUnique:    {"ArrayUnique", 1, 1},
	fnBase64Encode:   {"Base64Encode", 1, 1},
	fnBase64Decode:   {"Base64Decode", 1, 1},
	fnHash:           {"Hash", 2, 2},
	fnJSONMerge:      {"JsonMerge", 3, 3},
	fnMathRandom:     {"MathRandom", 2, 3},
	fnMathAdd:        {"MathAdd", 2, 2},
	fnStringSplit:    {"StringSplit", 2, 2},
	fnUUID:           {"UUID", 0, 0},
}

func lookupFunc(name string) (funcID, bool) {
	for i := range funcs {
		if funcs[i].name == name {
			return funcID(i), true
		}
	}
	return 0, false
}

// Limits AWS documents for the intrinsics.
const (
	maxArrayRangeItems = 1000  // States.ArrayRange result
	maxEncodingChars   = 10000 // States.Base64Encode/Base64Decode/Hash input, in UTF-16 code units as Java counts
)

// eval evaluates a node. Literals cost nothing; paths one lookup; calls
// evaluate their arguments into a stack buffer.
func (n *node) eval(env *Env) (jsonv.Value, *evalError) {
	switch n.kind {
	case nodeLiteral:
		return n.lit, nil
	case nodePath:
		return n.evalPath(env)
	}
	var buf [4]jsonv.Value
	args := buf[:0]
	if len(n.args) > len(buf) {
		args = make([]jsonv.Value, 0, len(n.args))
	}
	for i := range n.args {
		v, err := n.args[i].eval(env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	return n.call(env, args)
}

func (n *node) evalPath(env *Env) (jsonv.Value, *evalError) {
	var root jsonv.Value
	ok := true
	switch n.root {
	case jsonpath.RootInput:
		root = env.Input
	case jsonpath.RootContext:
		root = env.Context
	case jsonpath.RootVariable:
		if env.Var == nil {
			ok = false
		} else {
			root, ok = env.Var(n.path.Variable())
		}
	}
	if ok {
		var v jsonv.Value
		if v, ok = n.path.Get(root); ok {
			return v, nil
		}
	}
	// Indexing a value that is neither an array nor null makes AWS quote
	// Jayway's own words ("Filter: [0] can only be applied to arrays.
	// Current context is: 1").
	if _, err := n.path.Lookup(root); err != nil && strings.HasPrefix(err.Error(), "Filter: ") {
		return nil, &evalError{name: failure.Runtime, detail: err.Error()}
	}
	// Otherwise AWS names a context path as if it were rooted at the input
	// ("$$.a" reads "$.a") and always quotes the state input.
	text := n.path.String()
	if n.root == jsonpath.RootContext {
		text = strings.TrimPrefix(text, "$")
	}
	return nil, &evalError{
		name:   failure.Runtime,
		detail: "The JsonPath argument for the field '" + text + "' could not be found in the input '" + jsonv.Marshal(env.Input) + "'",
	}
}

func (n *node) call(env *Env, args []jsonv.Value) (jsonv.Value, *evalError) {
	switch n.fn {
	case fnFormat:
		return n.format(args)
	case fnStringToJSON:
		return stringToJSON(args[0])
	case fnJSONToString:
		return jsonv.Marshal(args[0]), nil
	case fnArray:
		return append(make([]any, 0, len(args)), args...), nil
	case fnArrayPartition:
		return arrayPartition(args[0], args[1])
	case fnArrayContains:
		arr, err := arrayArg(fnArrayContains, args[0])
		if err != nil {
			return nil, err
		}
		for _, e := range arr {
			if javaEqual(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	case fnArrayRange:
		return arrayRange(args[0], args[1], args[2])
	case fnArrayGetItem:
		return arrayGetItem(args[0], args[1])
	case fnArrayLength:
		arr, err := arrayArg(fnArrayLength, args[0])
		if err != nil {
			return nil, err
		}
		return jsonv.Int(int64(len(arr))), nil
	case fnArrayUnique:
		return arrayUnique(args[0])
	case fnBase64Encode:
		s, err := limitedString(fnBase64Encode, args[0])
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case fnBase64Decode:
		return base64Decode(args[0])
	case fnHash:
		return hashValue(args[0], args[1])
	case fnJSONMerge:
		return jsonMerge(args[0], args[1], args[2])
	case fnMathRandom:
		return mathRandom(env, args)
	case fnMathAdd:
		return mathAdd(args[0], args[1])
	case fnStringSplit:
		return stringSplit(args[0], args[1])
	case fnUUID:
		return uuid4(env), nil
	}
	panic("intrinsics: unknown function")
}

func intrinsicErr(fn funcID, format string, args ...any) *evalError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &evalError{name: failure.IntrinsicFailure, detail: "Invalid arguments in States." + funcs[fn].name + ": " + msg}
}

// typeErr reports an argument of the wrong JSON type.
func typeErr(fn funcID, pos int, want string, got jsonv.Value) *evalError {
	return intrinsicErr(fn, "argument %d must be %s, but was %s", pos, want, describe(got))
}

func describe(v jsonv.Value) string {
	t := jsonv.TypeName(v)
	switch t {
	case "array", "object":
		return "an " + t
	case "null":
		return "null"
	}
	return "a " + t
}

func arrayArg(fn funcID, v jsonv.Value) ([]any, *evalError) {
	arr, ok := v.([]any)
	if !ok {
		return nil, typeErr(fn, 1, "an array", v)
	}
	return arr, nil
}

// intArg reads an integer argument: an integer literal, or a number whose
// value is integral, within Java's int range.
func intArg(fn funcID, pos int, v jsonv.Value) (int64, *evalError) {
	n, ok := v.(jsonv.Number)
	if !ok {
		return 0, typeErr(fn, pos, "an integer", v)
	}
	i, ok := n.Int64()
	if !ok {
		f := n.Float64()
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, intrinsicErr(fn, "argument %d must be an integer, but was %s", pos, string(n))
		}
		if f < math.MinInt32 || f > math.MaxInt32 {
			return 0, intrinsicErr(fn, "argument %d must be between %d and %d, but was %s", pos, math.MinInt32, math.MaxInt32, string(n))
		}
		i = int64(f)
	}
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, intrinsicErr(fn, "argument %d must be between %d and %d, but was %s", pos, math.MinInt32, math.MaxInt32, string(n))
	}
	return i, nil
}

// roundedArg reads a number and rounds it the way Java's Math.round does
// (half up), as States.MathAdd and States.MathRandom do.
func roundedArg(fn funcID, pos int, v jsonv.Value) (int64, *evalError) {
	n, ok := v.(jsonv.Number)
	if !ok {
		return 0, typeErr(fn, pos, "a number", v)
	}
	i, ok := n.Int64()
	if !ok {
		f := n.Float64()
		if math.IsInf(f, 0) || math.IsNaN(f) || f < math.MinInt32-1 || f > math.MaxInt32+1 {
			return 0, intrinsicErr(fn, "argument %d must be between %d and %d, but was %s", pos, math.MinInt32, math.MaxInt32, string(n))
		}
		i = javaRound(f)
	}
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, intrinsicErr(fn, "argument %d must be between %d and %d, but was %s", pos, math.MinInt32, math.MaxInt32, string(n))
	}
	return i, nil
}

// format renders States.Format. A literal template was split at parse
// time; a template read from a path is split at its "{}" here.
func (n *node) format(args []jsonv.Value) (jsonv.Value, *evalError) {
	pieces := n.tmpl
	if pieces == nil {
		tmpl, ok := args[0].(string)
		if !ok {
			return nil, typeErr(fnFormat, 1, "a string", args[0])
		}
		pieces = strings.Split(tmpl, "{}")
	}
	values := args[1:]
	if len(pieces)-1 != len(values) {
		return nil, intrinsicErr(fnFormat, "the format string has %s but %s followed it", plural(len(pieces)-1, "placeholder"), plural(len(values), "argument"))
	}
	if len(values) == 0 {
		return pieces[0], nil
	}
	size := 0
	for _, p := range pieces {
		size += len(p)
	}
	b := make([]byte, 0, size+16*len(values))
	b = append(b, pieces[0]...)
	for i, v := range values {
		b = appendJavaString(b, v)
		b = append(b, pieces[i+1]...)
	}
	return string(b), nil
}

func stringToJSON(v jsonv.Value) (jsonv.Value, *evalError) {
	s, ok := v.(string)
	if !ok {
		return nil, typeErr(fnStringToJSON, 1, "a string", v)
	}
	if strings.Trim(s, wsChars) == "" {
		return nil, nil // AWS answers null for an empty or blank string
	}
	parsed, err := jsonv.ParseString(s)
	if err != nil {
		return nil, intrinsicErr(fnStringToJSON, "the argument is not valid JSON: %v", err)
	}
	return javaNumbers(parsed), nil
}

func arrayPartition(av, sv jsonv.Value) (jsonv.Value, *evalError) {
	arr, err := arrayArg(fnArrayPartition, av)
	if err != nil {
		return nil, err
	}
	size, err := intArg(fnArrayPartition, 2, sv)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, intrinsicErr(fnArrayPartition, "the chunk size must be a positive integer, but was %d", size)
	}
	chunks := make([]any, 0, (int64(len(arr))+size-1)/size)
	for i := 0; i < len(arr); i += int(size) {
		end := min(i+int(size), len(arr))
		chunks = append(chunks, arr[i:end:end])
	}
	return chunks, nil
}

func arrayRange(a, b, c jsonv.Value) (jsonv.Value, *evalError) {
	start, err := intArg(fnArrayRange, 1, a)
	if err != nil {
		return nil, err
	}
	end, err := intArg(fnArrayRange, 2, b)
	if err != nil {
		return nil, err
	}
	step, err := intArg(fnArrayRange, 3, c)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		return nil, intrinsicErr(fnArrayRange, "the step must not be zero")
	}
	var count int64
	if step > 0 && end >= start {
		count = (end-start)/step + 1
	} else if step < 0 && end <= start {
		count = (start-end)/(-step) + 1
	}
	if count > maxArrayRangeItems {
		return nil, intrinsicErr(fnArrayRange, "the result would have %d items, more than the limit of %d", count, maxArrayRangeItems)
	}
	out := make([]any, count)
	for i := range out {
		out[i] = jsonv.Int(start + int64(i)*step)
	}
	return out, nil
}

func arrayGetItem(av, iv jsonv.Value) (jsonv.Value, *evalError) {
	arr, err := arrayArg(fnArrayGetItem, av)
	if err != nil {
		return nil, err
	}
	i, err := intArg(fnArrayGetItem, 2, iv)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(arr)) {
		return nil, intrinsicErr(fnArrayGetItem, "the index %d is out of bounds for an array of length %d", i, len(arr))
	}
	return arr[i], nil
}

func arrayUnique(v jsonv.Value) (jsonv.Value, *evalError) {
	arr, err := arrayArg(fnArrayUnique, v)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(arr))
	seen := make(map[string]struct{}, len(arr))
	var key []byte
	for _, e := range arr {
		key = appendEqualityKey(key[:0], e)
		if _, dup := seen[string(key)]; dup {
			continue
		}
		seen[string(key)] = struct{}{}
		out = append(out, e)
	}
	return out, nil
}

// limitedString reads the string argument of Base64Encode/Decode and Hash,
// which AWS limits to 10,000 characters.
func limitedString(fn funcID, v jsonv.Value) (string, *evalError) {
	s, ok := v.(string)
	if !ok {
		return "", typeErr(fn, 1, "a string", v)
	}
	if n := javaLength(s); n > maxEncodingChars {
		return "", intrinsicErr(fn, "the input string is %d characters long, more than the limit of %d", n, maxEncodingChars)
	}
	return s, nil
}

func base64Decode(v jsonv.Value) (jsonv.Value, *evalError) {
	s, err := limitedString(fnBase64Decode, v)
	if err != nil {
		return nil, err
	}
	// Like Java's basic decoder: the padding may be left out, but what is
	// there must be right.
	if i := strings.IndexAny(s, "\r\n"); i >= 0 { // Go skips line breaks; Java's basic decoder does not
		return nil, intrinsicErr(fnBase64Decode, "the input is not valid Base64: illegal base64 data at input byte %d", i)
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 && !strings.HasSuffix(s, "=") {
		enc = base64.RawStdEncoding
	}
	b, derr := enc.DecodeString(s)
	if derr != nil {
		return nil, intrinsicErr(fnBase64Decode, "the input is not valid Base64: %v", derr)
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	return string(b), nil
}

func hashValue(dv, av jsonv.Value) (jsonv.Value, *evalError) {
	data, err := limitedString(fnHash, dv)
	if err != nil {
		return nil, err
	}
	alg, ok := av.(string)
	if !ok {
		return nil, typeErr(fnHash, 2, "a string", av)
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, intrinsicErr(fnHash, "the hash algorithm %q is not supported: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512", alg)
	}
	h.Write([]byte(data))
	var sum [sha512.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])), nil
}

func jsonMerge(av, bv, deep jsonv.Value) (jsonv.Value, *evalError) {
	a, ok := av.(*jsonv.Object)
	if !ok || a == nil {
		return nil, typeErr(fnJSONMerge, 1, "an object", av)
	}
	b, ok := bv.(*jsonv.Object)
	if !ok || b == nil {
		return nil, typeErr(fnJSONMerge, 2, "an object", bv)
	}
	d, ok := deep.(bool)
	if !ok {
		return nil, typeErr(fnJSONMerge, 3, "a boolean", deep)
	}
	if d {
		return nil, intrinsicErr(fnJSONMerge, "deep merging is not supported: the third argument must be false")
	}
	// Shallow merge: b's members win; a's keys keep their places and b's
	// new keys follow, in order.
	out := &jsonv.Object{Members: make([]jsonv.Member, len(a.Members), len(a.Members)+len(b.Members))}
	copy(out.Members, a.Members)
	if len(a.Members)*len(b.Members) <= 256 {
		for _, m := range b.Members {
			out.Set(m.Key, m.Value)
		}
		return out, nil
	}
	at := make(map[string]int, len(a.Members)+len(b.Members))
	for i, m := range a.Members {
		at[m.Key] = i
	}
	for _, m := range b.Members {
		if i, ok := at[m.Key]; ok {
			out.Members[i].Value = m.Value
			continue
		}
		at[m.Key] = len(out.Members)
		out.Members = append(out.Members, m)
	}
	return out, nil
}

func mathAdd(av, bv jsonv.Value) (jsonv.Value, *evalError) {
	a, err := roundedArg(fnMathAdd, 1, av)
	if err != nil {
		return nil, err
	}
	b, err := roundedArg(fnMathAdd, 2, bv)
	if err != nil {
		return nil, err
	}
	return jsonv.Int(a + b), nil
}

// mathRandom returns an integer in [start, end). With a seed it is
// java.util.Random(seed).nextInt(end-start)+start, so a seeded call gives
// the same number every time.
func mathRandom(env *Env, args []jsonv.Value) (jsonv.Value, *evalError) {
	start, err := roundedArg(fnMathRandom, 1, args[0])
	if err != nil {
		return nil, err
	}
	end, err := roundedArg(fnMathRandom, 2, args[1])
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, intrinsicErr(fnMathRandom, "the end (%d) must be greater than the start (%d)", end, start)
	}
	span := end - start
	if len(args) == 3 {
		n, ok := args[2].(jsonv.Number)
		if !ok {
			return nil, typeErr(fnMathRandom, 3, "an integer", args[2])
		}
		seed, ok := n.Int64()
		if !ok {
			return nil, intrinsicErr(fnMathRandom, "argument 3 must be an integer, but was %s", string(n))
		}
		if span > math.MaxInt32 {
			return nil, intrinsicErr(fnMathRandom, "the range from %d to %d is too large", start, end)
		}
		r := newJavaRandom(seed)
		return jsonv.Int(start + int64(r.nextInt(int32(span)))), nil
	}
	return jsonv.Int(start + int64(randUint64(env)%uint64(span))), nil
}

// stringSplit splits like java.util.StringTokenizer: every character of the
// separator is a delimiter, and empty pieces are dropped.
func stringSplit(sv, dv jsonv.Value) (jsonv.Value, *evalError) {
	s, ok := sv.(string)
	if !ok {
		return nil, typeErr(fnStringSplit, 1, "a string", sv)
	}
	delims, ok := dv.(string)
	if !ok {
		return nil, typeErr(fnStringSplit, 2, "a string", dv)
	}
	out := make([]any, 0, 4)
	isDelim := func(r rune) bool { return strings.ContainsRune(delims, r) }
	if len(delims) == 1 && delims[0] < utf8.RuneSelf {
		d := delims[0]
		isDelim = func(r rune) bool { return r == rune(d) }
	}
	start := -1
	for i, r := range s {
		if isDelim(r) {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out, nil
}

func randUint64(env *Env) uint64 {
	if env.Rand != nil {
		return env.Rand.Uint64()
	}
	return rand.Uint64()
}

// uuid4 returns a random (version 4) UUID in lower-case hex.
func uuid4(env *Env) string {
	var b [16]byte
	hi, lo := randUint64(env), randUint64(env)
	for i := 0; i < 8; i++ {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}
