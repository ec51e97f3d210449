// Package failure names the errors a state machine can raise at run time
// (States.Runtime, States.IntrinsicFailure, …) and carries them, with their
// cause, from the JSONPath, intrinsic and engine code to the history.
package failure

import "fmt"

// Predefined error names, as AWS spells them.
const (
	All                             = "States.ALL"
	HeartbeatTimeout                = "States.HeartbeatTimeout"
	Timeout                         = "States.Timeout"
	TaskFailed                      = "States.TaskFailed"
	Permissions                     = "States.Permissions"
	ResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ParameterPathFailure            = "States.ParameterPathFailure"
	QueryEvaluationError            = "States.QueryEvaluationError"
	BranchFailed                    = "States.BranchFailed"
	NoChoiceMatched                 = "States.NoChoiceMatched"
	IntrinsicFailure                = "States.IntrinsicFailure"
	ExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ItemReaderFailed                = "States.ItemReaderFailed"
	ResultWriterFailed              = "States.ResultWriterFailed"
	Runtime                         = "States.Runtime"
	DataLimitExceeded               = "States.DataLimitExceeded"
)

// Error is a named state machine error with its cause. Catch and Retry
// match on Name; the history records both.
type Error struct {
	Name  string
	Cause string
	// Location is the definition field whose JSONata expression failed
	// ("Output/result"), for a States.QueryEvaluationError; history
	// events name it.
	Location string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// New returns an Error with a formatted cause.
func New(name, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Name: name, Cause: format}
	}
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}
