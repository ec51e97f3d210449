// Package ddb holds small helpers for the DynamoDB calls of the reference
// application's Lambdas: attribute values, keys, and reading why a
// conditional write or a transaction was refused.
package ddb

import (
	"errors"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CodeConditionFailed is the cancellation reason of a transaction item
// whose condition was false.
const CodeConditionFailed = "ConditionalCheckFailed"

// S is a string attribute.
func S(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// N is a whole-number attribute.
func N(n int) types.AttributeValue { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }

// Key is a key of one string attribute.
func Key(name, value string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{name: S(value)}
}

// ConditionFailed reports whether err is a single write's
// ConditionalCheckFailedException.
func ConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// Cancelled returns the reasons of a cancelled TransactWriteItems, one per
// item in the order they were sent ("None" for the items that were not at
// fault), and whether err is such a cancellation.
func Cancelled(err error) ([]types.CancellationReason, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	return tce.CancellationReasons, true
}

// Code is reasons[i]'s code, or "" when there is no such reason.
func Code(reasons []types.CancellationReason, i int) string {
	if i < 0 || i >= len(reasons) || reasons[i].Code == nil {
		return ""
	}
	return *reasons[i].Code
}
