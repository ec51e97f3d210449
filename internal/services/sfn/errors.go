package sfn

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Error codes the service answers with: error shapes of the Step Functions
// model (awsproto's table gives their HTTP status and wire names), plus
// CodeNotImplemented.
const (
	CodeActivityDoesNotExist         = "ActivityDoesNotExist"
	CodeConflict                     = "ConflictException"
	CodeExecutionAlreadyExists       = "ExecutionAlreadyExists"
	CodeExecutionDoesNotExist        = "ExecutionDoesNotExist"
	CodeExecutionNotRedrivable       = "ExecutionNotRedrivable"
	CodeInvalidArn                   = "InvalidArn"
	CodeInvalidDefinition            = "InvalidDefinition"
	CodeInvalidEncryptionConfig      = "InvalidEncryptionConfiguration"
	CodeInvalidExecutionInput        = "InvalidExecutionInput"
	CodeInvalidLoggingConfiguration  = "InvalidLoggingConfiguration"
	CodeInvalidName                  = "InvalidName"
	CodeInvalidOutput                = "InvalidOutput"
	CodeInvalidToken                 = "InvalidToken"
	CodeMissingRequiredParameter     = "MissingRequiredParameter"
	CodeResourceNotFound             = "ResourceNotFound"
	CodeStateMachineAlreadyExists    = "StateMachineAlreadyExists"
	CodeStateMachineDoesNotExist     = "StateMachineDoesNotExist"
	CodeStateMachineTypeNotSupported = "StateMachineTypeNotSupported"
	CodeTaskTimedOut                 = "TaskTimedOut"
	CodeTooManyTags                  = "TooManyTags"
	CodeValidation                   = "ValidationException"

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

// Constraint violations of the model, worded as AWS's request validator
// words them (awsproto checks them first; these guard direct callers and
// the constraints AWS checks in bytes rather than characters).

func errTooLong(field, value string, max int, sensitive bool) *awsproto.Error {
	c := "Member must have length less than or equal to " + strconv.Itoa(max)
	if sensitive {
		return awsproto.ValidationError(awsproto.SensitiveViolation(field, c))
	}
	return awsproto.ValidationError(awsproto.Violation(field, value, c))
}

func errTooShort(field, value string, min int) *awsproto.Error {
	return awsproto.ValidationError(awsproto.Violation(field, value, "Member must have length greater than or equal to "+strconv.Itoa(min)))
}

func errNull(field string) *awsproto.Error {
	return awsproto.ValidationError(awsproto.NullViolation(field))
}

func errTooLarge(field string, value, max int64) *awsproto.Error {
	return awsproto.ValidationError(awsproto.Violation(field, strconv.FormatInt(value, 10),
		"Member must have value less than or equal to "+strconv.FormatInt(max, 10)))
}

func errTooSmall(field string, value, min int64) *awsproto.Error {
	return awsproto.ValidationError(awsproto.Violation(field, strconv.FormatInt(value, 10),
		"Member must have value greater than or equal to "+strconv.FormatInt(min, 10)))
}

func errEnum(field, value string, allowed ...string) *awsproto.Error {
	return awsproto.ValidationError(awsproto.Violation(field, value,
		"Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]"))
}

func errPattern(field, value, pattern string) *awsproto.Error {
	return awsproto.ValidationError(awsproto.Violation(field, value, "Member must satisfy regular expression pattern: "+pattern))
}
