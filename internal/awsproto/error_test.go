package awsproto

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
)

func TestLookupError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		service, code string
		want          ErrorDef
		ok            bool
	}{
		{"sfn", "StateMachineDoesNotExist", ErrorDef{Code: "StateMachineDoesNotExist", Status: 400, Sender: true, Namespace: "com.amazonaws.swf.service.v2.model"}, true},
		{"sfn", "ExecutionDoesNotExist", ErrorDef{Code: "ExecutionDoesNotExist", Status: 400, Sender: true, Namespace: "com.amazonaws.swf.service.v2.model"}, true},
		{"sfn", "ConflictException", ErrorDef{Code: "ConflictException", Status: 409, Sender: true, Namespace: "com.amazonaws.swf.service.v2.model"}, true},
		{"sfn", "ResourceNotFound", ErrorDef{Code: "ResourceNotFound", Status: 404, Sender: true, Namespace: "com.amazonaws.swf.service.v2.model"}, true},
		{"sfn", "ServiceQuotaExceededException", ErrorDef{Code: "ServiceQuotaExceededException", Status: 402, Sender: true, Namespace: "com.amazonaws.swf.service.v2.model"}, true},
		{"sfn", "ValidationException", ErrorDef{Code: "ValidationException", Status: 400, Sender: true, Namespace: "com.amazonaws.swf.service.v2.model"}, true},
		{"sfn", "UnknownOperationException", ErrorDef{Code: "UnknownOperationException", Status: 400, Sender: true, Namespace: "com.amazon.coral.service"}, true},
		{"", "ValidationException", ErrorDef{Code: "ValidationException", Status: 400, Sender: true, Namespace: "com.amazon.coral.validate"}, true},
		{"", "InternalFailure", ErrorDef{Code: "InternalFailure", Status: 500, Namespace: "com.amazon.coral.service"}, true},
		{"", "ThrottlingException", ErrorDef{Code: "ThrottlingException", Status: 400, Sender: true, Namespace: "com.amazon.coral.availability"}, true},
		{"", "SerializationException", ErrorDef{Code: "SerializationException", Status: 400, Sender: true, Namespace: "com.amazon.coral.service", CapitalMessage: true}, true},
		{"", "StateMachineDoesNotExist", ErrorDef{}, false},
		{"nope", "Nope", ErrorDef{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.service+"/"+tt.code, func(t *testing.T) {
			t.Parallel()
			got, ok := LookupError(tt.service, tt.code)
			if ok != tt.ok || got != tt.want {
				t.Errorf("LookupError = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// Every error the sfn model declares is in the table with a real status.
func TestSFNErrorsComplete(t *testing.T) {
	t.Parallel()
	for _, code := range []string{
		"ActivityAlreadyExists", "ActivityDoesNotExist", "ActivityLimitExceeded", "ActivityWorkerLimitExceeded",
		"ExecutionAlreadyExists", "ExecutionLimitExceeded", "ExecutionNotRedrivable", "InvalidArn", "InvalidDefinition",
		"InvalidEncryptionConfiguration", "InvalidExecutionInput", "InvalidLoggingConfiguration", "InvalidName",
		"InvalidOutput", "InvalidToken", "InvalidTracingConfiguration", "KmsAccessDeniedException",
		"KmsInvalidStateException", "KmsThrottlingException", "MissingRequiredParameter", "StateMachineAlreadyExists",
		"StateMachineDeleting", "StateMachineLimitExceeded", "StateMachineTypeNotSupported", "TaskDoesNotExist",
		"TaskTimedOut", "TooManyTags",
	} {
		if def, ok := LookupError("sfn", code); !ok || def.Status != 400 || !def.Sender {
			t.Errorf("LookupError(sfn, %s) = %+v, %v", code, def, ok)
		}
	}
}

func TestWriteJSONError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, service string
		err           error
		status        int
		body          string
		queryError    string
	}{
		{name: "service error", service: "sfn", err: NewError("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: x'"), status: 400,
			body: `{"__type":"com.amazonaws.swf.service.v2.model#InvalidArn","message":"Invalid Arn: 'Invalid ARN prefix: x'"}`},
		{name: "wrapped", service: "sfn", err: fmt.Errorf("describe: %w", NewError("StateMachineDoesNotExist", "m")), status: 400,
			body: `{"__type":"com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist","message":"m"}`},
		{name: "plain error", service: "sfn", err: errors.New("boom"), status: 500,
			body: `{"__type":"com.amazon.coral.service#InternalFailure","message":"boom"}`},
		{name: "explicit status", service: "sfn", err: &Error{Code: "Custom", Message: "c", Status: 418}, status: 418,
			body: `{"__type":"com.amazonaws.swf.service.v2.model#Custom","message":"c"}`},
		{name: "escaping", service: "sfn", err: NewError("InvalidDefinition", "a \"q\" <b> \\ \n\x01"), status: 400,
			body: `{"__type":"com.amazonaws.swf.service.v2.model#InvalidDefinition","message":"a \"q\" <b> \\ \n\u0001"}`},
		{name: "invalid utf-8", service: "sfn", err: NewError("InvalidName", "a\xffb é"), status: 400,
			body: `{"__type":"com.amazonaws.swf.service.v2.model#InvalidName","message":"a\ufffdb é"}`},
		{name: "capital message", service: "", err: Serialization("Unexpected field type"), status: 400,
			body: `{"__type":"com.amazon.coral.service#SerializationException","Message":"Unexpected field type"}`},
		{name: "query compatible", service: "sqs", err: NewError("QueueDoesNotExist", "The specified queue does not exist."), status: 400,
			body:       `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`,
			queryError: "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		{name: "query compatible without query code", service: "sqs", err: InternalFailure("x"), status: 500,
			body:       `{"__type":"com.amazon.coral.service#InternalFailure","message":"x"}`,
			queryError: "InternalFailure;Receiver"},
		{name: "throttling", service: "sfn", err: Throttling(""), status: 400,
			body: `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			WriteJSONError(w, tt.service, "req-1", tt.err)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %s\nwant %d %s", w.Code, w.Body.String(), tt.status, tt.body)
			}
			if got := w.Header().Get("x-amzn-RequestId"); got != "req-1" {
				t.Errorf("x-amzn-RequestId = %q", got)
			}
			if got := w.Header().Get("x-amzn-query-error"); got != tt.queryError {
				t.Errorf("x-amzn-query-error = %q; want %q", got, tt.queryError)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("x: %w", NewError("InvalidArn", "m"))
	if !errors.Is(err, &Error{Code: "InvalidArn"}) {
		t.Error("errors.Is by code failed")
	}
	if errors.Is(err, &Error{Code: "InvalidName"}) {
		t.Error("errors.Is matched another code")
	}
	if got := NewError("C", "").Error(); got != "C" {
		t.Errorf("Error() = %q", got)
	}
}

func TestNewRequestID(t *testing.T) {
	t.Parallel()
	a, b := NewRequestID(), NewRequestID()
	if len(a) != 36 || a == b || a[14] != '4' || a[8] != '-' {
		t.Errorf("NewRequestID = %q, %q", a, b)
	}
}
