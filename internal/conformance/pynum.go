package conformance

import (
	"math"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// pyNumber returns the text Python's json.dumps(json.loads(n)) writes for
// the JSON number n: the recorder passed every response through Python, so
// integers stay integers ("-0" becomes "0") and anything with a fraction or
// exponent becomes a float printed by repr (1.0, 1e+16, 1.5e-05).
func pyNumber(n jsonv.Number) jsonv.Number {
	s := string(n)
	if isIntLiteral(s) {
		if strings.TrimLeft(s, "-0") == "" {
			return "0"
		}
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return n // not a number literal; leave it for the comparison to report
	}
	return jsonv.Number(pyFloatRepr(f))
}

func isIntLiteral(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// pyFloatRepr formats f as Python's repr(float) does, with json.dumps's
// spelling of the non-finite values.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// Shortest round-tripping digits, as Python's repr uses.
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	neg := strings.HasPrefix(e, "-")
	e = strings.TrimPrefix(e, "-")
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	if exp >= -4 && exp < 16 {
		point := exp + 1 // digits before the decimal point
		switch {
		case point <= 0:
			out = "0." + strings.Repeat("0", -point) + digits
		case point >= len(digits):
			out = digits + strings.Repeat("0", point-len(digits)) + ".0"
		default:
			out = digits[:point] + "." + digits[point:]
		}
	} else {
		out = digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		out += "e" + sign + es
	}
	if neg {
		out = "-" + out
	}
	return out
}
