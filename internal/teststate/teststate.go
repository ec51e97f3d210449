// Package teststate evaluates AWS Step Functions' TestState API: it runs one
// state (given alone, or picked from a state machine by name) against an
// input, optionally with a mocked task result or error, and answers with
// the TestState response AWS gives: status, output or error, next state and
// the inspection data of the state's data flow.
//
// The state runs on the deterministic engine (package engine) inside a
// small synthetic state machine: the state itself under an internal name,
// an optional Pass state before it that sets the request's variables, and a
// Succeed placeholder for each state it may transition to, so the state's
// Next, Choice target or catcher's Next shows up as the state the engine
// enters afterwards. A mocked service call becomes the task's result; a
// mocked Map or Parallel state runs as a Task whose result is the mock.
// Retry and Catch are decided here, as TestState reports them (RETRIABLE,
// CAUGHT_ERROR) instead of waiting and retrying.
package teststate

import (
	"context"
	"errors"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Inspection levels.
const (
	LevelInfo  = "INFO"
	LevelDebug = "DEBUG"
	LevelTrace = "TRACE"
)

// Field validation modes of a mocked result.
const (
	ValidationStrict  = "STRICT"
	ValidationPresent = "PRESENT"
	ValidationNone    = "NONE"
)

// Response statuses.
const (
	StatusSucceeded   = "SUCCEEDED"
	StatusFailed      = "FAILED"
	StatusRetriable   = "RETRIABLE"
	StatusCaughtError = "CAUGHT_ERROR"
)

// Default identity of the context object's ARNs.
const (
	DefaultAccount = "111111111111"
	DefaultRegion  = "us-east-1"
)

// MockError is a mocked task failure.
type MockError struct {
	Error, Cause string
}

// Mock replaces the state's service call (or, for Map and Parallel, the
// state's whole result) with a result or an error.
type Mock struct {
	// Result is the mocked result, JSON text.
	Result *string
	// ErrorOutput is the mocked error.
	ErrorOutput *MockError
	// FieldValidationMode is STRICT (the default when empty), PRESENT or
	// NONE: how the result is checked against the service API's output
	// shape.
	FieldValidationMode string
}

// StateConfiguration adjusts how the state under test behaves.
type StateConfiguration struct {
	// RetrierRetryCount is the number of retries already made by the
	// retrier that matches the error.
	RetrierRetryCount *int64
	// ErrorCausedByState names the state inside a Map or Parallel that
	// raised the mocked error.
	ErrorCausedByState string
	// MapIterationFailureCount is the number of failed Map iterations.
	MapIterationFailureCount *int64
	// MapItemReaderData is the JSON text of the items an ItemReader reads.
	MapItemReaderData *string
}

// Request is a TestState request.
type Request struct {
	// Definition is one state's JSON, or a whole state machine when
	// StateName is set.
	Definition string
	// Input is the state input, JSON text ("{}" when empty).
	Input string
	// StateName picks the state to test in a state machine Definition.
	StateName string
	// InspectionLevel is INFO (the default when empty), DEBUG or TRACE.
	InspectionLevel string
	// RoleArn is the execution role; $$.Execution.RoleArn shows it.
	RoleArn string
	// Mock, when set, replaces the state's service call.
	Mock *Mock
	// Variables is a JSON object text of workflow variables set before
	// the state runs.
	Variables string
	// Context is the JSON object text of the context object ($$); it
	// requires a mock.
	Context string
	// RevealSecrets asks for secrets in HTTP Task request and response
	// data; it cannot be combined with a mock.
	RevealSecrets bool
	// StateConfiguration adjusts retries and Map failures.
	StateConfiguration *StateConfiguration

	// Account and Region identify the caller in the ARNs of the default
	// context object (DefaultAccount and DefaultRegion when empty).
	Account, Region string
	// Now is the time the state runs at (time.Now() when zero).
	Now time.Time
}

// APIError is a TestState API error (ValidationException,
// InvalidDefinition, InvalidExecutionInput, ...) with AWS's message.
type APIError struct{ Code, Message string }

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// API error codes.
const (
	CodeValidation        = "ValidationException"
	CodeInvalidDefinition = "InvalidDefinition"
	CodeInvalidInput      = "InvalidExecutionInput"
)

func validationError(msg string) *APIError { return &APIError{Code: CodeValidation, Message: msg} }

// ErrUnsupported is wrapped by the errors Run returns for requests this
// emulator cannot evaluate: Task states without a mock (they would call the
// real service).
var ErrUnsupported = errors.New("not supported by the TestState emulator")

// Run evaluates the request. The response is the TestState response:
// status (SUCCEEDED, FAILED, RETRIABLE or CAUGHT_ERROR), output, error,
// cause, nextState and inspectionData, with JSON documents as strings, as
// AWS returns them. An API error is returned as *APIError; a request the
// emulator cannot evaluate yields an error wrapping ErrUnsupported.
func Run(ctx context.Context, req Request) (*jsonv.Object, error) {
	p, err := prepare(req)
	if err != nil {
		return nil, err
	}
	return p.run(ctx)
}
