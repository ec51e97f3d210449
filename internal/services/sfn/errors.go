package sfn

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Error codes: the error shapes of the Step Functions model (plus the
// protocol-level ones this package raises itself).
const (
	CodeActivityDoesNotExist          = "ActivityDoesNotExist"
	CodeConflict                      = "ConflictException"
	CodeExecutionAlreadyExists        = "ExecutionAlreadyExists"
	CodeExecutionDoesNotExist         = "ExecutionDoesNotExist"
	CodeExecutionNotRedrivable        = "ExecutionNotRedrivable"
	CodeInvalidArn                    = "InvalidArn"
	CodeInvalidDefinition             = "InvalidDefinition"
	CodeInvalidExecutionInput         = "InvalidExecutionInput"
	CodeInvalidLoggingConfiguration   = "InvalidLoggingConfiguration"
	CodeInvalidName                   = "InvalidName"
	CodeInvalidOutput                 = "InvalidOutput"
	CodeInvalidToken                  = "InvalidToken"
	CodeMissingRequiredParameter      = "MissingRequiredParameter"
	CodeResourceNotFound              = "ResourceNotFound"
	CodeStateMachineAlreadyExists     = "StateMachineAlreadyExists"
	CodeStateMachineDoesNotExist      = "StateMachineDoesNotExist"
	CodeStateMachineTypeNotSupported  = "StateMachineTypeNotSupported"
	CodeTaskDoesNotExist              = "TaskDoesNotExist"
	CodeTaskTimedOut                  = "TaskTimedOut"
	CodeTooManyTags                   = "TooManyTags"
	CodeValidation                    = "ValidationException"
	CodeServiceQuotaExceededException = "ServiceQuotaExceededException"

	// CodeNotImplemented: a request Stepflow cannot serve yet (HTTP 501).
	CodeNotImplemented = "NotImplemented"
)

// apiError returns the API error code with message msg.
func apiError(code, msg string) *awsproto.Error {
	e := awsproto.NewError(code, msg)
	if code == CodeNotImplemented {
		e.Status, e.Sender = http.StatusNotImplemented, false
	}
	return e
}

func errInvalidArn(detail string) *awsproto.Error {
	return apiError(CodeInvalidArn, "Invalid Arn: '"+detail+"'")
}

func errStateMachineDoesNotExist(arn string) *awsproto.Error {
	return apiError(CodeStateMachineDoesNotExist, "State Machine Does Not Exist: '"+arn+"'")
}

func errExecutionDoesNotExist(arn string) *awsproto.Error {
	return apiError(CodeExecutionDoesNotExist, "Execution Does Not Exist: '"+arn+"'")
}

func errActivityDoesNotExist(arn string) *awsproto.Error {
	return apiError(CodeActivityDoesNotExist, "Activity Does Not Exist: '"+arn+"'")
}

func errResourceNotFound(arn string) *awsproto.Error {
	return apiError(CodeResourceNotFound, "Resource not found: '"+arn+"'")
}

// errAliasNotFound is AWS's answer for an alias ARN that names nothing.
func errAliasNotFound() *awsproto.Error {
	return apiError(CodeResourceNotFound, "Request references a resource that does not exist.")
}

func errInvalidName(name string) *awsproto.Error {
	return apiError(CodeInvalidName, "Invalid Name: '"+name+"'")
}

func errInvalidToken(token string) *awsproto.Error {
	return apiError(CodeInvalidToken, "Invalid Token: '"+token+"'")
}

func errTypeNotSupported() *awsproto.Error {
	return apiError(CodeStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
}

func errValidation(msg string) *awsproto.Error { return apiError(CodeValidation, msg) }

// Model-level validation messages, worded as AWS's request validator words
// them ("1 validation error detected: ...").

func errTooLong(field, value string, max int, sensitive bool) *awsproto.Error {
	return errValidation("1 validation error detected: Value " + quoteValue(value, sensitive) + " at '" + field +
		"' failed to satisfy constraint: Member must have length less than or equal to " + strconv.Itoa(max))
}

func errTooShort(field, value string, min int) *awsproto.Error {
	return errValidation("1 validation error detected: Value '" + value + "' at '" + field +
		"' failed to satisfy constraint: Member must have length greater than or equal to " + strconv.Itoa(min))
}

func errNull(field string) *awsproto.Error {
	return errValidation("1 validation error detected: Value null at '" + field +
		"' failed to satisfy constraint: Member must not be null")
}

func errTooLarge(field string, value int64, max int64) *awsproto.Error {
	return errValidation("1 validation error detected: Value '" + strconv.FormatInt(value, 10) + "' at '" + field +
		"' failed to satisfy constraint: Member must have value less than or equal to " + strconv.FormatInt(max, 10))
}

func errTooSmall(field string, value int64, min int64) *awsproto.Error {
	return errValidation("1 validation error detected: Value '" + strconv.FormatInt(value, 10) + "' at '" + field +
		"' failed to satisfy constraint: Member must have value greater than or equal to " + strconv.FormatInt(min, 10))
}

func errEnum(field, value string, allowed ...string) *awsproto.Error {
	return errValidation("1 validation error detected: Value '" + value + "' at '" + field +
		"' failed to satisfy constraint: Member must satisfy enum value set: [" + strings.Join(allowed, ", ") + "]")
}

func errPattern(field, value, pattern string) *awsproto.Error {
	return errValidation("1 validation error detected: Value '" + value + "' at '" + field +
		"' failed to satisfy constraint: Member must satisfy regular expression pattern: " + pattern)
}

// quoteValue renders a value in a validation message; sensitive values are
// not echoed.
func quoteValue(v string, sensitive bool) string {
	if sensitive {
		return "'***'"
	}
	return "'" + v + "'"
}
