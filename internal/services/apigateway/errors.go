package apigateway

import (
	"errors"
	"net/http"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Error codes of the API Gateway v2 model.
const (
	CodeBadRequest      = "BadRequestException"
	CodeConflict        = "ConflictException"
	CodeNotFound        = "NotFoundException"
	CodeTooManyRequests = "TooManyRequestsException"
	CodeAccessDenied    = "AccessDeniedException"
)

func badRequest(msg string) *awsproto.Error {
	return &awsproto.Error{Code: CodeBadRequest, Message: msg, Status: http.StatusBadRequest, Sender: true}
}

func conflict(msg string) *awsproto.Error {
	return &awsproto.Error{Code: CodeConflict, Message: msg, Status: http.StatusConflict, Sender: true}
}

func notFound(msg string) *awsproto.Error {
	return &awsproto.Error{Code: CodeNotFound, Message: msg, Status: http.StatusNotFound, Sender: true}
}

// unsupported is the answer to a model operation Stepflow does not serve.
func unsupported(action string) *awsproto.Error {
	return badRequest("Stepflow's API Gateway does not support " + action + "; it serves HTTP APIs with their integrations, routes, stages, deployments, authorizers and tags.")
}

func (s *Service) errAPINotFound(apiID string) *awsproto.Error {
	return notFound("Invalid API identifier specified " + s.cfg.Account + ":" + apiID)
}

func errIntegrationNotFound(apiID, id string) *awsproto.Error {
	return notFound("Invalid Integration identifier specified " + apiID + ":" + id)
}

func errRouteNotFound(apiID, id string) *awsproto.Error {
	return notFound("Invalid Route identifier specified " + apiID + ":" + id)
}

func errStageNotFound(apiID, name string) *awsproto.Error {
	return notFound("Invalid stage identifier specified " + apiID + ":" + name)
}

func errAuthorizerNotFound(apiID, id string) *awsproto.Error {
	return notFound("Invalid Authorizer identifier specified " + apiID + ":" + id)
}

func errDeploymentNotFound(apiID, id string) *awsproto.Error {
	return notFound("Invalid Deployment identifier specified " + apiID + ":" + id)
}

// asBadRequest turns the model validation's Coral errors into API Gateway's
// BadRequestException with the same text; other errors pass through.
func asBadRequest(err error) error {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case awsproto.CodeValidation:
		return badRequest(e.Message)
	case awsproto.CodeSerialization:
		msg := e.Message
		if msg == "" {
			msg = "Could not parse the request body as JSON."
		} else {
			msg = "Could not parse the request body: " + msg
		}
		return badRequest(msg)
	}
	return err
}
