package scheduler

import (
	"github.com/stepflow/stepflow/internal/awsproto"
)

// Error codes of the Scheduler model this service answers with.
const (
	CodeConflict      = "ConflictException"
	CodeNotFound      = "ResourceNotFoundException"
	CodeValidation    = "ValidationException"
	CodeInternal      = "InternalServerException"
	CodeQuotaExceeded = "ServiceQuotaExceededException"
)

func errValidation(msg string) *awsproto.Error { return awsproto.NewError(CodeValidation, msg) }

func errScheduleNotFound(name string) *awsproto.Error {
	return awsproto.NewError(CodeNotFound, "Schedule "+name+" does not exist.")
}

func errGroupNotFound(name string) *awsproto.Error {
	return awsproto.NewError(CodeNotFound, "Schedule group "+name+" does not exist.")
}

func errScheduleExists(name string) *awsproto.Error {
	return awsproto.NewError(CodeConflict, "Schedule "+name+" already exists.")
}

func errGroupExists(name string) *awsproto.Error {
	return awsproto.NewError(CodeConflict, "Schedule group "+name+" already exists.")
}

// errInvalidExpression is AWS's answer to an expression it cannot parse.
func errInvalidExpression(expr string) *awsproto.Error {
	return errValidation("Invalid Schedule Expression " + expr)
}
