package awsproto

import (
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// Error is an AWS API error: a code, a message and how it travels on the
// wire. Services usually set only Code and Message; the writer fills in
// Status, Sender, QueryCode and Namespace from the error table (LookupError)
// of the service that answers.
type Error struct {
	// Code is the error shape name, e.g. "StateMachineDoesNotExist".
	Code string
	// Message is the human-readable text; empty means no message member is
	// sent (AWS sends none for UnknownOperationException, for example).
	Message string
	// Status is the HTTP status; 0 means "from the table".
	Status int
	// Sender is true for client faults, false for server faults (the
	// awsQuery "Sender"/"Receiver"). Used only when Status is set.
	Sender bool
	// QueryCode is the awsQuery error code when it differs from Code, e.g.
	// "AWS.SimpleQueueService.NonExistentQueue"; sent in x-amzn-query-error
	// by query-compatible JSON services. Empty means "from the table".
	QueryCode string
	// Namespace is the part of __type before '#'; empty means "from the
	// table".
	Namespace string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &awsproto.Error{Code: "X"}) matches any X error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// NewError returns an error with the given code and message; its status and
// wire names come from the table of the service that writes it.
func NewError(code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf is NewError with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Codes of the errors every Coral service may return (not in the service
// models).
const (
	CodeUnknownOperation           = "UnknownOperationException"
	CodeSerialization              = "SerializationException"
	CodeValidation                 = "ValidationException"
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeAccessDenied               = "AccessDeniedException"
	CodeThrottling                 = "ThrottlingException"
	CodeInternalFailure            = "InternalFailure"
	CodeServiceUnavailable         = "ServiceUnavailableException"
	CodeRequestEntityTooLarge      = "RequestEntityTooLargeException"
	CodeExpiredToken               = "ExpiredTokenException"
)

// Coral __type namespaces.
const (
	nsCoralService      = "com.amazon.coral.service"
	nsCoralValidate     = "com.amazon.coral.validate"
	nsCoralAvailability = "com.amazon.coral.availability"
)

// Messages AWS sends for the framework errors.
const (
	msgMissingAuthenticationToken = "Missing Authentication Token"
	msgUnrecognizedClient         = "The security token included in the request is invalid."
	msgInvalidSignature           = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// UnknownOperation is AWS's answer to an X-Amz-Target naming no operation:
// {"__type":"com.amazon.coral.service#UnknownOperationException"}, no
// message.
func UnknownOperation() *Error { return &Error{Code: CodeUnknownOperation} }

// Serialization is the error for a body that does not decode into the
// operation's input; message may be empty (AWS sends none for malformed
// JSON).
func Serialization(message string) *Error {
	return &Error{Code: CodeSerialization, Message: message}
}

// MissingAuthenticationToken is the error for a request without SigV4
// authentication.
func MissingAuthenticationToken() *Error {
	return &Error{Code: CodeMissingAuthenticationToken, Message: msgMissingAuthenticationToken}
}

// UnrecognizedClient is the error for an unknown access key.
func UnrecognizedClient() *Error {
	return &Error{Code: CodeUnrecognizedClient, Message: msgUnrecognizedClient}
}

// InvalidSignature is the error for a signature that does not verify; an
// empty message means AWS's standard text.
func InvalidSignature(message string) *Error {
	if message == "" {
		message = msgInvalidSignature
	}
	return &Error{Code: CodeInvalidSignature, Message: message}
}

// IncompleteSignature is the error for a malformed Authorization header.
func IncompleteSignature(message string) *Error {
	return &Error{Code: CodeIncompleteSignature, Message: message}
}

// AccessDenied is the error for a request the caller may not make.
func AccessDenied(message string) *Error {
	return &Error{Code: CodeAccessDenied, Message: message}
}

// Throttling is the error for a request over a rate limit ("Rate exceeded"
// when message is empty).
func Throttling(message string) *Error {
	if message == "" {
		message = "Rate exceeded"
	}
	return &Error{Code: CodeThrottling, Message: message}
}

// InternalFailure is the error for a request that failed for an unknown
// reason on the server side.
func InternalFailure(message string) *Error {
	return &Error{Code: CodeInternalFailure, Message: message}
}

// ErrorDef is one row of the error table: how an error code travels on the
// wire for one service.
type ErrorDef struct {
	Code   string
	Status int
	// Sender is true for client faults.
	Sender bool
	// Namespace is the __type prefix on awsJson wires.
	Namespace string
	// QueryCode is the awsQuery code when it differs from Code.
	QueryCode string
	// CapitalMessage means the JSON body says "Message", not "message" (as
	// Coral does for SerializationException and AccessDeniedException).
	CapitalMessage bool
}

// commonErrors are the Coral framework errors, sorted by code. Statuses are
// those Coral JSON services answer (measured on DynamoDB and Step
// Functions: authentication failures are 400, not the 403 of the generic
// AWS "common errors" page).
var commonErrors = []ErrorDef{
	{Code: CodeAccessDenied, Status: 400, Sender: true, Namespace: nsCoralService, CapitalMessage: true},
	{Code: CodeExpiredToken, Status: 400, Sender: true, Namespace: nsCoralService},
	{Code: CodeIncompleteSignature, Status: 400, Sender: true, Namespace: nsCoralService},
	{Code: CodeInternalFailure, Status: 500, Sender: false, Namespace: nsCoralService},
	{Code: CodeInvalidSignature, Status: 400, Sender: true, Namespace: nsCoralService},
	{Code: CodeMissingAuthenticationToken, Status: 400, Sender: true, Namespace: nsCoralService},
	{Code: CodeRequestEntityTooLarge, Status: 413, Sender: true, Namespace: nsCoralService},
	{Code: CodeSerialization, Status: 400, Sender: true, Namespace: nsCoralService, CapitalMessage: true},
	{Code: CodeServiceUnavailable, Status: 503, Sender: false, Namespace: nsCoralAvailability},
	{Code: CodeThrottling, Status: 400, Sender: true, Namespace: nsCoralAvailability},
	{Code: CodeUnknownOperation, Status: 400, Sender: true, Namespace: nsCoralService},
	{Code: CodeUnrecognizedClient, Status: 400, Sender: true, Namespace: nsCoralService},
	{Code: CodeValidation, Status: 400, Sender: true, Namespace: nsCoralValidate},
}

// wireNamespaces are the __type namespaces services really send for their
// own errors where they differ from the Smithy namespace (measured).
var wireNamespaces = map[string]string{
	"sfn":      "com.amazonaws.swf.service.v2.model",
	"dynamodb": "com.amazonaws.dynamodb.v20120810",
}

// LookupError returns how code travels on the wire for the named service
// model (e.g. "sfn"): the service's own error shapes first, then the Coral
// framework errors. service "" consults the framework errors only.
func LookupError(service, code string) (ErrorDef, bool) {
	if service != "" {
		if svc, err := model.Load(service); err == nil {
			if e, ok := svc.Error(code); ok {
				ns, ok := wireNamespaces[service]
				if !ok {
					ns = svc.Namespace
				}
				return ErrorDef{Code: e.Code, Status: e.Status, Sender: e.Sender, Namespace: ns, QueryCode: e.QueryCode}, true
			}
		}
	}
	i := sort.Search(len(commonErrors), func(i int) bool { return commonErrors[i].Code >= code })
	if i < len(commonErrors) && commonErrors[i].Code == code {
		return commonErrors[i], true
	}
	return ErrorDef{}, false
}

// resolve returns the wire form of err for service: an *Error with every
// field set, and whether the body uses "Message". Errors that are not
// *Error become InternalFailure.
func resolve(service string, err error) (Error, bool) {
	var e *Error
	if !errors.As(err, &e) {
		e = InternalFailure(err.Error())
	}
	out := *e
	def, ok := LookupError(service, e.Code)
	if !ok {
		// An undeclared code: a client fault in the service's namespace.
		def = ErrorDef{Code: e.Code, Status: http.StatusBadRequest, Sender: true}
		if svc, err := model.Load(service); err == nil {
			def.Namespace = svc.Namespace
			if ns, ok := wireNamespaces[service]; ok {
				def.Namespace = ns
			}
		}
	}
	if out.Status == 0 {
		out.Status = def.Status
		out.Sender = def.Sender
	}
	if out.QueryCode == "" {
		out.QueryCode = def.QueryCode
	}
	if out.Namespace == "" {
		out.Namespace = def.Namespace
	}
	return out, def.CapitalMessage
}
