// Package fault holds the errors the reference application's Lambdas share,
// named for Step Functions.
//
// The Lambda runtime (aws-lambda-go) reports a handler's error with its Go
// type's name as errorType, and Step Functions uses that as the error name
// that Retry and Catch match. So a handler returns one of these types
// directly (never wrapped with fmt.Errorf, which would report "wrapError"):
//
//	TransientError  worth retrying: throttling, a conflict, a 5xx, a timeout
//	ServiceError    a dependency refused in a way a retry will not fix
//	InvalidInput    the event does not have the shape the function needs
//
// FromAWS sorts an AWS SDK error into the first two.
package fault

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// TransientError is a failure that a later attempt may not meet. State
// machines retry it: "Retry": [{"ErrorEquals": ["TransientError"], ...}].
type TransientError struct {
	// Op is what failed, e.g. "reserve inventory".
	Op string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *TransientError) Error() string { return e.Op + ": " + e.Err.Error() + " (transient; retry)" }

// Unwrap returns the cause.
func (e *TransientError) Unwrap() error { return e.Err }

// ServiceError is a dependency's refusal that retrying will not fix: a
// missing table, a denied permission, bad data in a table.
type ServiceError struct {
	// Op is what failed.
	Op string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *ServiceError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ServiceError) Unwrap() error { return e.Err }

// InvalidInput is an event without the fields the function needs: a
// mistake in the state machine's wiring, not in the user's data.
type InvalidInput struct {
	// Message says what is missing or wrong.
	Message string
}

// Error implements error.
func (e *InvalidInput) Error() string { return e.Message }

// Invalid returns an *InvalidInput with a formatted message.
func Invalid(format string, args ...any) error {
	return &InvalidInput{Message: fmt.Sprintf(format, args...)}
}

var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// FromAWS names err, an error of an AWS SDK call made for op: a
// *TransientError when retrying may help (the SDK's own retryable and
// throttling errors, server faults, timeouts), else a *ServiceError.
// Errors of this package are returned unchanged.
func FromAWS(op string, err error) error {
	var (
		te *TransientError
		se *ServiceError
		ie *InvalidInput
	)
	if errors.As(err, &te) || errors.As(err, &se) || errors.As(err, &ie) {
		return err
	}
	if Retryable(err) {
		return &TransientError{Op: op, Err: err}
	}
	return &ServiceError{Op: op, Err: err}
}

// Retryable reports whether err is worth retrying: a throttling or
// retryable error as the AWS SDK classifies them, a server fault, or a
// deadline.
func Retryable(err error) bool {
	if retryables.IsErrorRetryable(err) == aws.TrueTernary || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultServer
}
