package events

import (
	"net/http"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// Error codes of the EventBridge model this service answers with.
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeInvalidEventPattern   = "InvalidEventPatternException"
	CodeLimitExceeded         = "LimitExceededException"
	CodeValidation            = "ValidationException"
	CodeInternal              = "InternalException"
	// CodeNotImplemented: an EventBridge action Stepflow does not serve
	// (archives, replays, connections, ...), HTTP 501.
	CodeNotImplemented = "NotImplemented"
)

func errValidation(msg string) *awsproto.Error { return awsproto.NewError(CodeValidation, msg) }

func errRuleNotFound(name, bus string) *awsproto.Error {
	return awsproto.NewError(CodeResourceNotFound, "Rule "+name+" does not exist on EventBus "+bus+".")
}

func errBusNotFound(name string) *awsproto.Error {
	return awsproto.NewError(CodeResourceNotFound, "Event bus "+name+" does not exist.")
}

func errBusExists(name string) *awsproto.Error {
	return awsproto.NewError(CodeResourceAlreadyExists, "Event bus "+name+" already exists.")
}

func errLimit() *awsproto.Error {
	return awsproto.NewError(CodeLimitExceeded, "The requested resource exceeds the maximum number allowed.")
}

// errUnsupported answers an action: not implemented when the model has
// it, unknown otherwise.
func errUnsupported(action string) *awsproto.Error {
	if svc, err := model.Load("eventbridge"); err == nil {
		if _, ok := svc.Operation(action); ok {
			return &awsproto.Error{Code: CodeNotImplemented, Status: http.StatusNotImplemented,
				Message: action + " is not supported by Stepflow's EventBridge; it serves buses, rules, targets, PutEvents and TestEventPattern."}
		}
	}
	return awsproto.UnknownOperation()
}

func awsError(code, msg string) *awsproto.Error { return awsproto.NewError(code, msg) }
