package dynamodb

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
	"github.com/stepflow/stepflow/internal/services/dynamodb/expr"
)

// Error codes the service answers with (DynamoDB model error shapes, plus
// the Coral ValidationException).
const (
	CodeValidation             = "ValidationException"
	CodeResourceNotFound       = "ResourceNotFoundException"
	CodeResourceInUse          = "ResourceInUseException"
	CodeConditionalCheckFailed = "ConditionalCheckFailedException"
	CodeTransactionCanceled    = "TransactionCanceledException"
	CodeIdempotentMismatch     = "IdempotentParameterMismatchException"
	CodeLimitExceeded          = "LimitExceededException"
	CodePolicyNotFound         = "PolicyNotFoundException"
)

// Messages AWS uses more than once.
const (
	msgInvalid          = "One or more parameter values were invalid: "
	msgKeyMismatch      = "The provided key element does not match the schema"
	msgNotFound         = "Requested resource not found"
	msgConditionFailed  = "The conditional request failed"
	msgItemTooLarge     = "Item size has exceeded the maximum allowed size"
	msgUpdateTooLarge   = "Item size to update has exceeded the maximum allowed size"
	msgStartKeyInvalid  = "The provided starting key is invalid"
	msgTxCanceledPrefix = "Transaction cancelled, please refer cancellation reasons for specific reasons "
)

func errValidation(msg string) *awsproto.Error {
	return awsproto.NewError(CodeValidation, msg)
}

// errNotFound is the answer for an item operation on a missing table.
func errNotFound() *awsproto.Error { return awsproto.NewError(CodeResourceNotFound, msgNotFound) }

// errTableNotFound is the answer for a table operation on a missing table.
func errTableNotFound(name string) *awsproto.Error {
	return awsproto.NewError(CodeResourceNotFound, msgNotFound+": Table: "+name+" not found")
}

// errBackupsTableNotFound is the continuous-backups actions' answer for a
// table that does not exist.
func errBackupsTableNotFound(name string) *awsproto.Error {
	return awsproto.NewError("TableNotFoundException", "Table not found: "+name)
}

func errInUse(msg string) *awsproto.Error { return awsproto.NewError(CodeResourceInUse, msg) }

// memberError is an API error whose JSON body carries members besides
// __type and message (ConditionalCheckFailedException's Item,
// TransactionCanceledException's CancellationReasons).
type memberError struct {
	err     *awsproto.Error
	members []byte // JSON object members, without braces
	capital bool   // the body says "Message", not "message"
}

func (e *memberError) Error() string { return e.err.Error() }
func (e *memberError) Unwrap() error { return e.err }

// errConditionFailed is ConditionalCheckFailedException, with the item when
// the request asked for it (ReturnValuesOnConditionCheckFailure=ALL_OLD).
func errConditionFailed(item attr.Item, withItem bool) error {
	e := awsproto.NewError(CodeConditionalCheckFailed, msgConditionFailed)
	if !withItem || item == nil {
		return e
	}
	m := append([]byte(`"Item":`), attr.AppendItemJSON(nil, item)...)
	return &memberError{err: e, members: m}
}

// CancellationReason is one entry of TransactionCanceledException's
// CancellationReasons.
type CancellationReason struct {
	Code    string
	Message string    `json:",omitempty"`
	Item    attr.Item `json:",omitempty"`
}

// errTxCanceled is TransactionCanceledException with its reasons.
func errTxCanceled(reasons []CancellationReason) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r.Code
	}
	e := awsproto.NewError(CodeTransactionCanceled, msgTxCanceledPrefix+"["+strings.Join(codes, ", ")+"]")
	b, _ := json.Marshal(reasons) // plain structs: cannot fail
	m := append([]byte(`"CancellationReasons":`), b...)
	return &memberError{err: e, members: m, capital: true}
}

// valueError converts an attr or expr error into the API error.
func valueError(err error) error {
	var ae *attr.Error
	if errors.As(err, &ae) {
		if ae.Serialization {
			return awsproto.Serialization(ae.Msg)
		}
		return errValidation(ae.Msg)
	}
	var ee *expr.Error
	if errors.As(err, &ee) {
		return errValidation(ee.Msg)
	}
	return err
}

// decodeError words a body that does not decode.
func decodeError(err error) error {
	var ae *attr.Error
	if errors.As(err, &ae) {
		return valueError(ae)
	}
	var apiErr *awsproto.Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return awsproto.Serialization("Unexpected value type for field '" + te.Field + "': expected " + te.Type.String() + ", got " + te.Value)
	}
	return awsproto.Serialization("")
}
