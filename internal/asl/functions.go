package asl

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/stepflow/stepflow/internal/asl/jsonata"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Functions returns the JSONata functions Step Functions adds to JSONata
// 2.0.6 ($partition, $range, $hash, $random, $uuid, $parse), and $eval,
// which it removes. r is the randomness of $random (without a seed) and
// $uuid; nil means a non-deterministic source. The map is meant to be
// built once per execution and shared by its evaluations.
func Functions(r interface{ Uint64() uint64 }) map[string]jsonata.Function {
	next := func() uint64 {
		if r != nil {
			return r.Uint64()
		}
		return rand.Uint64()
	}
	return map[string]jsonata.Function{
		"partition": partition,
		"range":     rangeFunc,
		"hash":      hashFunc,
		"parse":     parse,
		"random":    func(args []any) (any, error) { return random(args, next) },
		"uuid":      func(args []any) (any, error) { return uuidFunc(args, next) },
		"eval": func([]any) (any, error) {
			return nil, &jsonata.Error{Code: "T1006", Message: "Attempted to invoke a non-function"}
		},
	}
}

// signatureError is JSONata's T0410 for an argument of the wrong type.
func signatureError(pos int, fn string) error {
	return &jsonata.Error{Code: "T0410", Message: "Argument " + itoa(pos) + " of function \"" + fn + "\" does not match function signature"}
}

// funcError is an error raised by a Step Functions function.
func funcError(fn, msg string) error {
	return &jsonata.Error{Code: "D3100", Message: "$" + fn + ": " + msg}
}

func itoa(i int) string { return strconv.Itoa(i) }

// arg returns args[i], or Undefined.
func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return jsonata.Undefined
}

// checkArity rejects more than max arguments.
func checkArity(args []any, max int, fn string) error {
	if len(args) > max {
		return signatureError(max+1, fn)
	}
	return nil
}

// integerArg reads a whole number.
func integerArg(v any, pos int, fn string) (int64, error) {
	n, ok := v.(jsonv.Number)
	if !ok {
		return 0, signatureError(pos, fn)
	}
	f := n.Float64()
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, funcError(fn, "argument "+itoa(pos)+" must be an integer, but was "+string(n))
	}
	return int64(f), nil
}

// partition splits an array into chunks: $partition([1,2,3], 2) is
// [[1,2],[3]].
func partition(args []any) (any, error) {
	if err := checkArity(args, 2, "partition"); err != nil {
		return nil, err
	}
	a, size := arg(args, 0), arg(args, 1)
	if a == jsonata.Undefined {
		return jsonata.Undefined, nil
	}
	list, ok := a.([]any)
	if !ok {
		list = []any{a} // a single value is a one-item sequence
	}
	n, err := integerArg(size, 2, "partition")
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, funcError("partition", "the chunk size must be a positive integer, but was "+itoa(int(n)))
	}
	out := make([]any, 0, (int64(len(list))+n-1)/n)
	for start := 0; start < len(list); {
		end := len(list)
		if int64(end-start) > n {
			end = start + int(n)
		}
		out = append(out, list[start:end:end])
		start = end
	}
	return out, nil
}

// maxRange bounds the items $range builds.
const maxRange = 1_000_000

// rangeFunc is $range(start, end, step): the numbers from start to end
// (inclusive) by step; one number alone when there is one, nothing when
// there are none.
func rangeFunc(args []any) (any, error) {
	if err := checkArity(args, 3, "range"); err != nil {
		return nil, err
	}
	var v [3]int64
	for i := range 3 {
		a := arg(args, i)
		if a == jsonata.Undefined {
			return jsonata.Undefined, nil
		}
		n, err := integerArg(a, i+1, "range")
		if err != nil {
			return nil, err
		}
		v[i] = n
	}
	start, end, step := v[0], v[1], v[2]
	if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
		return jsonata.Undefined, nil
	}
	count := (end-start)/step + 1
	if count > maxRange {
		return nil, funcError("range", "the range has more than "+itoa(maxRange)+" items")
	}
	if count == 1 {
		return jsonv.Int(start), nil
	}
	out := make([]any, count)
	for i := range out {
		out[i] = jsonv.Int(start + int64(i)*step)
	}
	return out, nil
}

// hashFunc is $hash(data, algorithm) with MD5, SHA-1, SHA-256, SHA-384 or
// SHA-512, in lower-case hex.
func hashFunc(args []any) (any, error) {
	if err := checkArity(args, 2, "hash"); err != nil {
		return nil, err
	}
	d, a := arg(args, 0), arg(args, 1)
	if d == jsonata.Undefined {
		return jsonata.Undefined, nil
	}
	data, ok := d.(string)
	if !ok {
		return nil, signatureError(1, "hash")
	}
	alg, ok := a.(string)
	if !ok {
		return nil, signatureError(2, "hash")
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
		return nil, funcError("hash", "the hash algorithm '"+alg+"' is not supported: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512")
	}
	h.Write([]byte(data))
	var sum [sha512.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])), nil
}

// random is $random([seed]): a number in [0, 1); the same seed gives the
// same number (java.util.Random(seed).nextDouble()).
func random(args []any, next func() uint64) (any, error) {
	if err := checkArity(args, 1, "random"); err != nil {
		return nil, err
	}
	s := arg(args, 0)
	if s == jsonata.Undefined {
		return jsNumber(float64(next()>>11) / (1 << 53)), nil
	}
	seed, err := integerArg(s, 1, "random")
	if err != nil {
		return nil, err
	}
	x := (seed ^ 0x5DEECE66D) & (1<<48 - 1)
	bits := func(n uint) int64 {
		x = (x*0x5DEECE66D + 0xB) & (1<<48 - 1)
		return x >> (48 - n)
	}
	hi := bits(26)
	lo := bits(27)
	return jsNumber(float64(hi<<27+lo) / (1 << 53)), nil
}

// uuidFunc is $uuid(): a random version 4 UUID.
func uuidFunc(args []any, next func() uint64) (any, error) {
	if err := checkArity(args, 0, "uuid"); err != nil {
		return nil, err
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], next())
	binary.BigEndian.PutUint64(b[8:], next())
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
	hex.Encode(out[24:], b[10:])
	return string(out[:]), nil
}

// parse is $parse(text): the JSON value text holds, with numbers as
// JSONata writes them ("-0" is 0, "1.0" is 1).
func parse(args []any) (any, error) {
	if err := checkArity(args, 1, "parse"); err != nil {
		return nil, err
	}
	a := arg(args, 0)
	if a == jsonata.Undefined {
		return jsonata.Undefined, nil
	}
	s, ok := a.(string)
	if !ok {
		return nil, signatureError(1, "parse")
	}
	v, err := jsonv.ParseString(s)
	if err != nil {
		return nil, funcError("parse", "the argument is not valid JSON: "+err.Error())
	}
	return jsNumbers(v), nil
}

// jsNumbers rewrites the numbers of v as JavaScript prints them.
func jsNumbers(v jsonv.Value) jsonv.Value {
	switch v := v.(type) {
	case jsonv.Number:
		return jsNumber(v.Float64())
	case []any:
		for i, e := range v {
			v[i] = jsNumbers(e)
		}
	case *jsonv.Object:
		for i := range v.Members {
			v.Members[i].Value = jsNumbers(v.Members[i].Value)
		}
	}
	return v
}
