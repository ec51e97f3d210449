package logs

import "github.com/stepflow/stepflow/internal/awsproto"

// Error codes the service answers with (error shapes of the CloudWatch
// Logs model; awsproto's table gives their HTTP status).
const (
	CodeInvalidParameter      = "InvalidParameterException"
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeTooManyTags           = "TooManyTagsException"
	CodeLimitExceeded         = "LimitExceededException"
)

func errGroupNotFound() *awsproto.Error {
	return awsproto.NewError(CodeResourceNotFound, "The specified log group does not exist.")
}

func errStreamNotFound() *awsproto.Error {
	return awsproto.NewError(CodeResourceNotFound, "The specified log stream does not exist.")
}

func errInvalid(msg string) *awsproto.Error {
	return awsproto.NewError(CodeInvalidParameter, msg)
}

// newErr returns the API error code with message msg.
func newErr(code, msg string) *awsproto.Error { return awsproto.NewError(code, msg) }
