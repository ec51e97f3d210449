package sqs

import (
	"net/http"
	"strconv"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Error codes the service answers with. The first group are error shapes of
// the SQS model (awsproto's table gives their HTTP status and awsQuery
// codes); the last two are not in the model: SQS sends them with the
// __type "com.amazonaws.sqs#InvalidParameterValueException" (or
// "...#MissingRequiredParameterException") and the awsQuery code in
// x-amzn-query-error.
const (
	CodeBatchEntryIdsNotDistinct     = "BatchEntryIdsNotDistinct"
	CodeBatchRequestTooLong          = "BatchRequestTooLong"
	CodeEmptyBatchRequest            = "EmptyBatchRequest"
	CodeInvalidAttributeName         = "InvalidAttributeName"
	CodeInvalidAttributeValue        = "InvalidAttributeValue"
	CodeInvalidBatchEntryID          = "InvalidBatchEntryId"
	CodeInvalidMessageContents       = "InvalidMessageContents"
	CodeMessageNotInflight           = "MessageNotInflight"
	CodePurgeQueueInProgress         = "PurgeQueueInProgress"
	CodeQueueDoesNotExist            = "QueueDoesNotExist"
	CodeQueueNameExists              = "QueueNameExists"
	CodeReceiptHandleIsInvalid       = "ReceiptHandleIsInvalid"
	CodeTooManyEntriesInBatchRequest = "TooManyEntriesInBatchRequest"
	CodeUnsupportedOperation         = "UnsupportedOperation"

	CodeInvalidParameterValue = "InvalidParameterValueException"
	CodeMissingParameter      = "MissingRequiredParameterException"
)

// msgQueueDoesNotExist is the JSON protocol's message; the query protocol
// says msgQueueDoesNotExistQuery.
const (
	msgQueueDoesNotExist      = "The specified queue does not exist."
	msgQueueDoesNotExistQuery = "The specified queue does not exist for this wsdl version."
)

func apiError(code, msg string) *awsproto.Error { return awsproto.NewError(code, msg) }

func errQueueDoesNotExist() *awsproto.Error {
	return apiError(CodeQueueDoesNotExist, msgQueueDoesNotExist)
}

// errInvalidParameter is SQS's InvalidParameterValue.
func errInvalidParameter(msg string) *awsproto.Error {
	return &awsproto.Error{Code: CodeInvalidParameterValue, Message: msg, QueryCode: "InvalidParameterValue",
		Status: http.StatusBadRequest, Sender: true}
}

// errInvalidValue words an out-of-range or malformed request parameter:
// "Value <v> for parameter <p> is invalid. Reason: <reason>".
func errInvalidValue(param, value, reason string) *awsproto.Error {
	return errInvalidParameter("Value " + value + " for parameter " + param + " is invalid. Reason: " + reason)
}

// errMissing is SQS's MissingParameter for a required member.
func errMissing(param string) *awsproto.Error {
	return &awsproto.Error{Code: CodeMissingParameter, Message: "The request must contain the parameter " + param + ".",
		QueryCode: "MissingParameter", Status: http.StatusBadRequest, Sender: true}
}

func errUnknownAttribute(name string) *awsproto.Error {
	return apiError(CodeInvalidAttributeName, "Unknown Attribute "+name+".")
}

func errAttributeValue(name string) *awsproto.Error {
	return apiError(CodeInvalidAttributeValue, "Invalid value for the parameter "+name+".")
}

func errReceiptHandle(handle string) *awsproto.Error {
	return apiError(CodeReceiptHandleIsInvalid, `The input receipt handle "`+handle+`" is not a valid receipt handle.`)
}

func errEmptyBatch(entry string) *awsproto.Error {
	return apiError(CodeEmptyBatchRequest, "There should be at least one "+entry+" in the request.")
}

func errTooManyEntries(n int) *awsproto.Error {
	return apiError(CodeTooManyEntriesInBatchRequest,
		"Maximum number of entries per request are 10. You have sent "+strconv.Itoa(n)+".")
}

func errBatchID() *awsproto.Error {
	return apiError(CodeInvalidBatchEntryID,
		"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
}

func errIDsNotDistinct(id string) *awsproto.Error {
	return apiError(CodeBatchEntryIdsNotDistinct, "Id "+id+" repeated.")
}

func errInvalidContents() *awsproto.Error {
	return apiError(CodeInvalidMessageContents,
		"Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
}

// queryCode returns the awsQuery code of err (what batch result entries
// and XML error documents carry) and whether it is a sender fault.
func queryCode(err *awsproto.Error) (string, bool) {
	code, sender := err.Code, err.Sender
	if err.QueryCode != "" {
		code = err.QueryCode
	}
	if def, ok := awsproto.LookupError("sqs", err.Code); ok {
		if err.QueryCode == "" && def.QueryCode != "" {
			code = def.QueryCode
		}
		if err.Status == 0 {
			sender = def.Sender
		}
	} else if err.Status == 0 {
		sender = true
	}
	return code, sender
}

// httpStatus returns the HTTP status err travels with.
func httpStatus(err *awsproto.Error) int {
	if err.Status != 0 {
		return err.Status
	}
	if def, ok := awsproto.LookupError("sqs", err.Code); ok {
		return def.Status
	}
	return http.StatusBadRequest
}
