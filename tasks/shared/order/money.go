package order

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Money is an amount in cents (euro cents in this application), so sums
// are exact. It is written as a JSON number and a DynamoDB number with two
// decimals ("49.90") and read from either with at most two.
type Money int64

// maxMoney bounds an amount (one hundred billion) so sums of bounded
// quantities cannot overflow.
const maxMoney Money = 100_000_000_000_00

// ParseMoney reads a non-negative decimal with at most two fraction
// digits: "49", "49.9", "49.90". Signs, exponents and spaces are refused.
func ParseMoney(s string) (Money, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 11 || (hasFrac && (frac == "" || len(frac) > 2)) || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("%q is not an amount with at most two decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an amount: %w", s, err)
	}
	var f int64
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64) // digits only: cannot fail
		if len(frac) == 1 {
			f *= 10
		}
	}
	m := Money(w*100 + f)
	if m > maxMoney {
		return 0, fmt.Errorf("%q is too large an amount", s)
	}
	return m, nil
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Times returns m × n.
func (m Money) Times(n int) Money { return m * Money(n) }

// String writes m with two decimals: "49.90".
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// MarshalJSON writes m as a JSON number with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number, or a string holding one.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := string(b)
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalDynamoDBAttributeValue writes m as a number: {"N": "49.90"}.
func (m Money) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberN{Value: m.String()}, nil
}

// UnmarshalDynamoDBAttributeValue reads a number attribute.
func (m *Money) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return errors.New("an amount must be a number attribute")
	}
	v, err := ParseMoney(n.Value)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

var (
	_ attributevalue.Marshaler   = Money(0)
	_ attributevalue.Unmarshaler = (*Money)(nil)
)
