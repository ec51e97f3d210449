package ses

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// Error codes the service answers with. The v1 codes travel in XML
// <Code>; the v2 codes in x-amzn-ErrorType. awsproto's table (from the
// models) gives their HTTP status.
const (
	// Both APIs.
	CodeMessageRejected = "MessageRejected"

	// SES v1 (awsQuery).
	CodeInvalidParameterValue = "InvalidParameterValue"
	CodeValidationError       = "ValidationError"
	CodeInvalidAction         = "InvalidAction"
	CodeMissingAction         = "MissingAction"

	// SES v2 (restJson1).
	CodeBadRequest    = "BadRequestException"
	CodeNotFound      = "NotFoundException"
	CodeAlreadyExists = "AlreadyExistsException"

	// CodeNotImplemented: an action of the models Stepflow does not serve
	// yet (HTTP 501).
	CodeNotImplemented = "NotImplemented"
)

// apiError returns the error code with message msg.
func apiError(code, msg string) *awsproto.Error {
	e := awsproto.NewError(code, msg)
	switch code {
	case CodeNotImplemented:
		e.Status, e.Sender = http.StatusNotImplemented, false
	case CodeInvalidParameterValue, CodeValidationError, CodeInvalidAction, CodeMissingAction:
		e.Status, e.Sender = http.StatusBadRequest, true
	}
	return e
}

// unknownAction is the answer to an action name the model does not have
// (AWS's InvalidAction for v1), or that Stepflow does not implement.
func unknownAction(svc, action string) *awsproto.Error {
	m, err := model.Load(svc)
	if err == nil {
		if _, ok := m.Operation(action); ok {
			api := "SES v2"
			if svc == modelV1 {
				api = "SES v1"
			}
			return apiError(CodeNotImplemented, "Stepflow does not implement the "+api+" action "+action+" yet.")
		}
	}
	if svc == modelV1 {
		return apiError(CodeInvalidAction, "The action "+action+" is not valid for this web service.")
	}
	return awsproto.UnknownOperation()
}

// validate checks input against the model's input shape of action, and
// words the failures as each API does: ValidationError (v1) or
// BadRequestException (v2) with Coral's "N validation error(s)
// detected: ..." message.
func validate(svc, action string, input []byte) error {
	err := awsproto.Validate(svc, action, input)
	if err == nil {
		return nil
	}
	var e *awsproto.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := e.Message
	if e.Code == awsproto.CodeSerialization && msg == "" {
		msg = "Could not parse the request: the input is not valid JSON."
	}
	if svc == modelV1 {
		if e.Code == awsproto.CodeValidation {
			return apiError(CodeValidationError, msg)
		}
		return apiError(CodeInvalidParameterValue, msg)
	}
	return apiError(CodeBadRequest, msg)
}

// errNotVerified is AWS's answer to a message from identities that are not
// verified: "Email address is not verified. The following identities
// failed the check in region US-EAST-1: a@b, c@d".
func (s *Service) errNotVerified(identities []string) *awsproto.Error {
	return apiError(CodeMessageRejected, "Email address is not verified. The following identities failed the check in region "+
		strings.ToUpper(s.cfg.Region)+": "+strings.Join(identities, ", "))
}

// badInput is the invalid-parameter error of each API: InvalidParameterValue
// for v1, BadRequestException for v2.
func badInput(v2 bool, msg string) *awsproto.Error {
	if v2 {
		return apiError(CodeBadRequest, msg)
	}
	return apiError(CodeInvalidParameterValue, msg)
}

// wireError resolves err for the named model: code, message, HTTP status,
// client or server fault, and the awsQuery code.
func wireError(svc string, err error) (code, msg string, status int, sender bool) {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		e = awsproto.InternalFailure(err.Error())
	}
	code, msg, status, sender = e.Code, e.Message, e.Status, e.Sender
	def, ok := awsproto.LookupError(svc, e.Code)
	if status == 0 {
		if ok {
			status, sender = def.Status, def.Sender
		} else {
			status, sender = http.StatusBadRequest, true
		}
	}
	if svc == modelV1 {
		if e.QueryCode != "" {
			code = e.QueryCode
		} else if ok && def.QueryCode != "" {
			code = def.QueryCode
		}
	}
	if a, ok := authErrors[e.Code]; ok && e.Status == 0 {
		status = a.status
		if svc == modelV1 {
			code = a.query
		}
	}
	return code, msg, status, sender
}

// authErrors are the SigV4 failures as the two wires say them: awsQuery
// services (SES v1, like IAM and STS) use their own codes, and both APIs
// answer 403 where AWS's REST and query front ends do.
var authErrors = map[string]struct {
	query  string
	status int
}{
	awsproto.CodeInvalidSignature:           {"SignatureDoesNotMatch", http.StatusForbidden},
	awsproto.CodeUnrecognizedClient:         {"InvalidClientTokenId", http.StatusForbidden},
	awsproto.CodeMissingAuthenticationToken: {"MissingAuthenticationToken", http.StatusForbidden},
	awsproto.CodeIncompleteSignature:        {"IncompleteSignature", http.StatusBadRequest},
	awsproto.CodeExpiredToken:               {"ExpiredToken", http.StatusForbidden},
}

// checkBoundRequired reports the required members bound to the path, query
// or headers that a JSON input lacks (Validate checks body members only,
// since on the wire the others are not in the body).
func checkBoundRequired(svc, action string, input []byte) error {
	m, err := model.Load(svc)
	if err != nil {
		return err
	}
	op, ok := m.Operation(action)
	if !ok || op.Input < 0 {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(input, &members) != nil {
		return nil // Validate has answered for bodies that are not objects
	}
	var missing []string
	for _, mem := range m.Shapes[op.Input].Members {
		if !mem.Required || mem.Location == "" {
			continue
		}
		if v, ok := members[mem.WireName()]; !ok || string(v) == "null" {
			missing = append(missing, awsproto.NullViolation(lowerFirst(mem.Name)))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	e := awsproto.ValidationError(missing...)
	if svc == modelV1 {
		return apiError(CodeValidationError, e.Message)
	}
	return apiError(CodeBadRequest, e.Message)
}
