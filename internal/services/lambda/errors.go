package lambda

import (
	"errors"
	"fmt"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Error codes of the Lambda model this service returns.
const (
	CodeInvalidParameterValue = "InvalidParameterValueException"
	CodeInvalidRequestContent = "InvalidRequestContentException"
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceConflict      = "ResourceConflictException"
	CodePreconditionFailed    = "PreconditionFailedException"
	CodeTooManyRequests       = "TooManyRequestsException"
	CodeRequestTooLarge       = "RequestTooLargeException"
	CodeInvalidRuntime        = "InvalidRuntimeException"
	CodeService               = "ServiceException"
	codeUnknownOperation      = "UnknownOperationException"
	reasonReservedConcurrency = "ReservedFunctionConcurrentInvocationLimitExceeded"
	reasonConcurrentExceeded  = "ConcurrentInvocationLimitExceeded"
	msgRateExceeded           = "Rate Exceeded."
	msgResourceDoesNotExist   = "The resource you requested does not exist."
	msgCouldNotUnzip          = "Could not unzip uploaded file. Please check your file, then try to upload again."
)

func invalidParam(format string, args ...any) *awsproto.Error {
	return awsproto.NewError(CodeInvalidParameterValue, fmt.Sprintf(format, args...))
}

func notFound(format string, args ...any) *awsproto.Error {
	return awsproto.NewError(CodeResourceNotFound, fmt.Sprintf(format, args...))
}

func conflict(format string, args ...any) *awsproto.Error {
	return awsproto.NewError(CodeResourceConflict, fmt.Sprintf(format, args...))
}

// functionNotFound is AWS's answer for a missing function or version:
// "Function not found: <arn>".
func functionNotFound(arn string) *awsproto.Error {
	return notFound("Function not found: %s", arn)
}

// throttled is a TooManyRequestsException with its Reason member, which
// the wire writes into the body. Unwrap gives the *awsproto.Error.
type throttled struct {
	err    *awsproto.Error
	reason string
}

func (t *throttled) Error() string { return t.err.Error() }
func (t *throttled) Unwrap() error { return t.err }

func tooManyRequests(reason string) error {
	return &throttled{err: awsproto.NewError(CodeTooManyRequests, msgRateExceeded), reason: reason}
}

// apiError returns err's *awsproto.Error, wrapping any other error as a
// ServiceException.
func apiError(err error) *awsproto.Error {
	var e *awsproto.Error
	if errors.As(err, &e) {
		return e
	}
	return awsproto.NewError(CodeService, err.Error())
}

// capitalMessage lists the Lambda error shapes whose message member is
// "Message" rather than "message" (from the Smithy model).
var capitalMessage = map[string]bool{
	"CodeSigningConfigNotFoundException": true, "CodeVerificationFailedException": true,
	"EC2AccessDeniedException": true, "EC2ThrottledException": true, "EC2UnexpectedException": true,
	"EFSIOException": true, "EFSMountConnectivityException": true, "EFSMountFailureException": true,
	"EFSMountTimeoutException": true, "ENILimitReachedException": true, "InvalidCodeSignatureException": true,
	"InvalidRuntimeException": true, "InvalidSecurityGroupIDException": true, "InvalidSubnetIDException": true,
	"InvalidZipFileException": true, "KMSAccessDeniedException": true, "KMSDisabledException": true,
	"KMSInvalidStateException": true, "KMSNotFoundException": true, "RecursiveInvocationException": true,
	"ResourceInUseException": true, "ResourceNotFoundException": true, "ServiceException": true,
	"SnapStartException": true, "SnapStartNotReadyException": true, "SnapStartTimeoutException": true,
	"SubnetIPAddressLimitReachedException": true,
}
