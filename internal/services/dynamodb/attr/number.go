package attr

import (
	"math/big"
	"strings"
)

// DynamoDB numbers: up to 38 significant digits, magnitude from 1E-130 up
// to 9.9999999999999999999999999999999999999E+125 (or zero).
const (
	maxDigits = 38
	// Numbers are kept as 0.d1d2...dn × 10^exp; these bound exp.
	maxExp = 126
	minExp = -129
)

// Errors of number text, with AWS's messages.
var (
	errNumberSyntax    = &Error{Msg: "A value provided cannot be converted into a number"}
	errNumberPrecision = &Error{Msg: "Attempting to store more than 38 significant digits in a Number"}
	errNumberOverflow  = &Error{Msg: "Number overflow. Attempting to store a number with magnitude larger than supported range"}
	errNumberUnderflow = &Error{Msg: "Number underflow. Attempting to store a number with magnitude smaller than supported range"}
)

// decimal is a parsed number: value = (-1 if neg) × 0.digits × 10^exp,
// digits without leading or trailing zeros ("" for zero).
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal parses number text as Java's BigDecimal does: an optional
// sign, digits with an optional decimal point (at least one digit), and an
// optional exponent.
func parseDecimal(s string) (decimal, error) {
	i := 0
	var d decimal
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	var buf [64]byte
	digits := buf[:0]
	intDigits := 0
	seenDot, any := false, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if seenDot {
				return decimal{}, errNumberSyntax
			}
			seenDot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		any = true
		if len(digits) == 0 && c == '0' {
			// a leading zero: before the point it changes nothing, after
			// it shifts the exponent
			if seenDot {
				intDigits--
			}
			continue
		}
		digits = append(digits, c)
		if !seenDot {
			intDigits++
		}
	}
	if !any {
		return decimal{}, errNumberSyntax
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i >= len(s) {
			return decimal{}, errNumberSyntax
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return decimal{}, errNumberSyntax
			}
			if exp < 1_000_000 {
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal{}, errNumberSyntax
	}
	// trailing zeros carry no digits
	n := len(digits)
	for n > 0 && digits[n-1] == '0' {
		n--
	}
	if n == 0 {
		return decimal{}, nil // zero, whatever its sign or exponent
	}
	d.digits = string(digits[:n])
	d.exp = intDigits + exp
	return d, nil
}

// check applies DynamoDB's range and precision limits.
func (d decimal) check() error {
	if d.digits == "" {
		return nil
	}
	switch {
	case d.exp > maxExp:
		return errNumberOverflow
	case d.exp < minExp:
		return errNumberUnderflow
	case len(d.digits) > maxDigits:
		return errNumberPrecision
	}
	return nil
}

// String formats d in plain notation, as DynamoDB returns numbers.
func (d decimal) String() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	b.Grow(len(d.digits) + 4)
	if d.neg {
		b.WriteByte('-')
	}
	switch {
	case d.exp <= 0:
		b.WriteString("0.")
		for i := d.exp; i < 0; i++ {
			b.WriteByte('0')
		}
		b.WriteString(d.digits)
	case d.exp >= len(d.digits):
		b.WriteString(d.digits)
		for i := len(d.digits); i < d.exp; i++ {
			b.WriteByte('0')
		}
	default:
		b.WriteString(d.digits[:d.exp])
		b.WriteByte('.')
		b.WriteString(d.digits[d.exp:])
	}
	return b.String()
}

// NormalizeNumber validates number text and returns it as DynamoDB stores
// and returns it: plain notation, no leading or trailing zeros ("1.50" is
// "1.5", "1E2" is "100", "-0" is "0"). Errors are AWS's ValidationException
// messages.
func NormalizeNumber(s string) (string, error) {
	d, err := parseDecimal(s)
	if err != nil {
		return "", err
	}
	if err := d.check(); err != nil {
		return "", err
	}
	return d.String(), nil
}

// CompareNumbers orders two normalized numbers.
func CompareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	da, _ := parseDecimal(a)
	db, _ := parseDecimal(b)
	return da.cmp(db)
}

func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

func (d decimal) cmp(e decimal) int {
	sd, se := d.sign(), e.sign()
	if sd != se {
		if sd < se {
			return -1
		}
		return 1
	}
	if sd == 0 {
		return 0
	}
	c := 0
	switch {
	case d.exp != e.exp:
		if d.exp < e.exp {
			c = -1
		} else {
			c = 1
		}
	default:
		c = strings.Compare(d.digits, e.digits)
	}
	if sd < 0 {
		c = -c
	}
	return c
}

// AddNumbers returns a + b for normalized numbers, or AWS's error when the
// result leaves DynamoDB's range or precision.
func AddNumbers(a, b string) (string, error) { return addSub(a, b, false) }

// SubNumbers returns a - b for normalized numbers.
func SubNumbers(a, b string) (string, error) { return addSub(a, b, true) }

func addSub(a, b string, sub bool) (string, error) {
	da, err := parseDecimal(a)
	if err != nil {
		return "", err
	}
	db, err := parseDecimal(b)
	if err != nil {
		return "", err
	}
	if sub {
		db.neg = !db.neg
	}
	if db.digits == "" {
		return da.String(), nil
	}
	if da.digits == "" {
		return db.String(), nil
	}
	// Small integers, the common case (counters): plain int64 arithmetic.
	if x, ok := da.int64(); ok {
		if y, ok := db.int64(); ok {
			s := x + y
			if (s > x) == (y > 0) {
				return formatInt(s), nil
			}
		}
	}
	// value = mantissa × 10^(exp - len(digits)); align on the smaller scale.
	ma, sa := da.mantissa()
	mb, sb := db.mantissa()
	scale := min(sa, sb)
	ma.Mul(ma, pow10(sa-scale))
	mb.Mul(mb, pow10(sb-scale))
	ma.Add(ma, mb)
	r := fromBig(ma, scale)
	if err := r.check(); err != nil {
		return "", err
	}
	return r.String(), nil
}

// int64 returns d as an int64 when it is an integer of at most 17 digits.
func (d decimal) int64() (int64, bool) {
	if d.exp < len(d.digits) || d.exp > 17 {
		return 0, false
	}
	var n int64
	for i := 0; i < d.exp; i++ {
		n *= 10
		if i < len(d.digits) {
			n += int64(d.digits[i] - '0')
		}
	}
	if d.neg {
		n = -n
	}
	return n, true
}

func formatInt(n int64) string {
	var buf [24]byte
	i := len(buf)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// mantissa returns the signed integer of d's digits and the power of ten
// it is scaled by.
func (d decimal) mantissa() (*big.Int, int) {
	m, _ := new(big.Int).SetString(d.digits, 10)
	if d.neg {
		m.Neg(m)
	}
	return m, d.exp - len(d.digits)
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// fromBig builds a decimal from m × 10^scale.
func fromBig(m *big.Int, scale int) decimal {
	if m.Sign() == 0 {
		return decimal{}
	}
	s := m.String()
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	n := len(s)
	for n > 0 && s[n-1] == '0' {
		n--
	}
	return decimal{neg: neg, digits: s[:n], exp: len(s) + scale}
}

// AppendNumberKey appends the order-preserving encoding of a normalized
// number: bytewise order of encodings is numeric order of numbers.
//
// Layout: a sign byte (0x01 negative, 0x02 zero, 0x03 positive); then for
// non-zero numbers the exponent biased into one byte and the digits one
// byte each; negative numbers complement exponent and digits and end with
// 0xFF so that a longer digit string sorts first.
func AppendNumberKey(dst []byte, n string) []byte {
	d, _ := parseDecimal(n)
	switch d.sign() {
	case 0:
		return append(dst, 0x02)
	case 1:
		dst = append(dst, 0x03, byte(d.exp-minExp))
		for i := 0; i < len(d.digits); i++ {
			dst = append(dst, d.digits[i])
		}
		return dst
	}
	dst = append(dst, 0x01, ^byte(d.exp-minExp))
	for i := 0; i < len(d.digits); i++ {
		dst = append(dst, 0xFE-d.digits[i])
	}
	return append(dst, 0xFF)
}

// DecodeNumberKey is the inverse of AppendNumberKey: the normalized number
// an encoding holds. ok is false for bytes AppendNumberKey never produces.
func DecodeNumberKey(b []byte) (string, bool) {
	if len(b) == 0 {
		return "", false
	}
	switch b[0] {
	case 0x02:
		return "0", len(b) == 1
	case 0x03:
		if len(b) < 3 {
			return "", false
		}
		d := decimal{exp: int(b[1]) + minExp, digits: string(b[2:])}
		return d.String(), validDigits(d.digits)
	case 0x01:
		if len(b) < 4 || b[len(b)-1] != 0xFF {
			return "", false
		}
		ds := make([]byte, len(b)-3)
		for i, c := range b[2 : len(b)-1] {
			ds[i] = 0xFE - c
		}
		d := decimal{neg: true, exp: int(^b[1]) + minExp, digits: string(ds)}
		return d.String(), validDigits(d.digits)
	}
	return "", false
}

func validDigits(s string) bool {
	if s == "" || s[0] == '0' || s[len(s)-1] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
