package iam

import "github.com/stepflow/stepflow/internal/awsproto"

// Error codes the service answers with: the model's error shapes (their
// HTTP status and awsQuery codes come from awsproto's table), plus IAM's
// ValidationError.
const (
	CodeNoSuchEntity            = "NoSuchEntityException"
	CodeEntityAlreadyExists     = "EntityAlreadyExistsException"
	CodeDeleteConflict          = "DeleteConflictException"
	CodeMalformedPolicyDocument = "MalformedPolicyDocumentException"
	CodeInvalidInput            = "InvalidInputException"
	CodeLimitExceeded           = "LimitExceededException"
	CodePolicyNotAttachable     = "PolicyNotAttachableException"
	CodeUnmodifiableEntity      = "UnmodifiableEntityException"
	CodeValidationError         = "ValidationError"
)

func errNoSuchRole(name string) *awsproto.Error {
	return awsproto.NewError(CodeNoSuchEntity, "The role with name "+name+" cannot be found.")
}

func errNoSuchRolePolicy(name string) *awsproto.Error {
	return awsproto.NewError(CodeNoSuchEntity, "The role policy with name "+name+" cannot be found.")
}

func errNoSuchPolicy(arn string) *awsproto.Error {
	return awsproto.NewError(CodeNoSuchEntity, "Policy "+arn+" does not exist or is not attachable.")
}

func errNoSuchPolicyVersion(arn, version string) *awsproto.Error {
	return awsproto.NewError(CodeNoSuchEntity, "Policy "+arn+" version "+version+" does not exist or is not attachable.")
}

// errAWSManaged is IAM's answer to a change to an AWS managed policy; verb
// is "changed" or "deleted".
func errAWSManaged(arn, verb string) *awsproto.Error {
	return awsproto.NewError(CodeUnmodifiableEntity, "Policy "+arn+" is an AWS managed policy and cannot be "+verb+".")
}

func errInvalidARN(arn string) *awsproto.Error {
	return awsproto.NewError(CodeInvalidInput, "ARN "+arn+" is not valid.")
}

// errMalformedPolicy is IAM's answer to a policy document that is not a
// JSON object (identity policies) or not JSON (trust policies).
func errMalformedPolicy(trust bool) *awsproto.Error {
	if trust {
		return awsproto.NewError(CodeMalformedPolicyDocument, "This policy contains invalid Json")
	}
	return awsproto.NewError(CodeMalformedPolicyDocument, "Syntax errors in policy.")
}

// newErr returns the API error code with message msg.
func newErr(code, msg string) *awsproto.Error { return awsproto.NewError(code, msg) }
