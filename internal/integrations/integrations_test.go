package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

func TestParseResource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want resource
		ok   bool
	}{
		{"arn:aws:lambda:us-east-1:111111111111:function:f", resource{function: "arn:aws:lambda:us-east-1:111111111111:function:f"}, true},
		{"arn:aws:lambda:us-east-1:111111111111:function:f:prod", resource{function: "arn:aws:lambda:us-east-1:111111111111:function:f:prod"}, true},
		{"arn:aws:states:::lambda:invoke", resource{service: "lambda", action: "invoke"}, true},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", resource{service: "lambda", action: "invoke", pattern: "waitForTaskToken"}, true},
		{"arn:aws:states:::states:startExecution.sync:2", resource{service: "states", action: "startExecution", pattern: "sync:2"}, true},
		{"arn:aws:states:::aws-sdk:dynamodb:query", resource{service: "aws-sdk", sdkService: "dynamodb", action: "query"}, true},
		{"arn:aws:states:::aws-sdk:sesv2:sendEmail.waitForTaskToken", resource{service: "aws-sdk", sdkService: "sesv2", action: "sendEmail", pattern: "waitForTaskToken"}, true},
		{"arn:aws:states:us-east-1:111111111111:activity:a", resource{}, false},
		{"arn:aws:states:::aws-sdk:dynamodb", resource{}, false},
		{"arn:aws:sqs:us-east-1:111111111111:q", resource{}, false},
		{"nonsense", resource{}, false},
	}
	for _, tt := range tests {
		got, ok := parseResource(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseResource(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// fakeSQS records SendMessage calls.
type fakeSQS struct{ last []byte }

func (f *fakeSQS) call(_ context.Context, action string, input []byte) ([]byte, error) {
	if action != "SendMessage" {
		return nil, awsproto.UnknownOperation()
	}
	f.last = input
	var in struct{ QueueUrl string }
	json.Unmarshal(input, &in)
	if strings.HasSuffix(in.QueueUrl, "/missing") {
		return nil, &awsproto.Error{Code: "QueueDoesNotExist", Message: "The specified queue does not exist.", QueryCode: "AWS.SimpleQueueService.NonExistentQueue"}
	}
	return []byte(`{"MD5OfMessageBody":"abc","MessageId":"m-1"}`), nil
}

func newTest(cfg Config) *Integrations {
	cfg.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	cfg.NewRequestID = func() string { return "req-1" }
	return New(cfg)
}

func run(t *testing.T, in *Integrations, resource string, params string, token string) (jsonv.Value, error) {
	t.Helper()
	h := in.Resolve(resource)
	if h == nil {
		t.Fatalf("no handler for %s", resource)
	}
	return h(context.Background(), runner.Task{ExecutionArn: "arn:aws:states:us-east-1:111111111111:execution:sm:e", TaskID: "t1",
		Resource: resource, Parameters: jsonv.MustParse(params), Token: token})
}

func TestSQSSendMessage(t *testing.T) {
	t.Parallel()
	f := &fakeSQS{}
	in := newTest(Config{SDK: map[string]Caller{"sqs": f.call}})
	out, err := run(t, in, "arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"http://x/111111111111/q","MessageBody":{"a":[1,2]}}`, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.last); got != `{"QueueUrl":"http://x/111111111111/q","MessageBody":"{\"a\":[1,2]}"}` {
		t.Errorf("request = %s", got)
	}
	o := out.(*jsonv.Object)
	if got := strings.Join(o.Keys(), ","); got != "MD5OfMessageBody,MessageId,SdkHttpMetadata,SdkResponseMetadata" {
		t.Errorf("keys = %s", got)
	}
	if rid, _ := o.Get("SdkResponseMetadata"); jsonv.Marshal(rid) != `{"RequestId":"req-1"}` {
		t.Errorf("SdkResponseMetadata = %s", jsonv.Marshal(rid))
	}

	_, err = run(t, in, "arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"http://x/111111111111/missing","MessageBody":"x"}`, "")
	var te *runner.TaskError
	if !errors.As(err, &te) || te.Name != "SQS.QueueDoesNotExistException" ||
		te.Cause != "The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: req-1; Proxy: null)" {
		t.Errorf("err = %#v", err)
	}

	_, err = run(t, in, "arn:aws:states:::sqs:sendMessage.waitForTaskToken", `{"QueueUrl":"http://x/111111111111/q","MessageBody":"x"}`, "tok")
	if !errors.Is(err, runner.ErrCallback) {
		t.Errorf("callback err = %v", err)
	}
}

func TestAWSSDK(t *testing.T) {
	t.Parallel()
	var gotAction, gotInput string
	ddb := func(_ context.Context, action string, input []byte) ([]byte, error) {
		gotAction, gotInput = action, string(input)
		if strings.Contains(string(input), "missing") {
			return nil, &awsproto.Error{Code: "ResourceNotFoundException", Message: "Requested resource not found", Status: 400}
		}
		return []byte(`{"Count":0,"Items":[],"ScannedCount":0}`), nil
	}
	sfn := func(_ context.Context, action string, input []byte) ([]byte, error) {
		gotAction, gotInput = action, string(input)
		return []byte(`{"executionArn":"arn:x","startDate":1.7e9}`), nil
	}
	s3 := func(context.Context, string, []byte) ([]byte, error) {
		return nil, &awsproto.Error{Code: "NoSuchKey", Message: "The specified key does not exist.", Status: 404}
	}
	in := newTest(Config{SDK: map[string]Caller{"dynamodb": ddb, "sfn": sfn, "s3": s3}})

	out, err := run(t, in, "arn:aws:states:::aws-sdk:dynamodb:query", `{"TableName":"t"}`, "")
	if err != nil || gotAction != "Query" || gotInput != `{"TableName":"t"}` || jsonv.Marshal(out) != `{"Count":0,"Items":[],"ScannedCount":0}` {
		t.Errorf("query: %s %s → %s, %v", gotAction, gotInput, jsonv.Marshal(out), err)
	}
	_, err = run(t, in, "arn:aws:states:::aws-sdk:dynamodb:query", `{"TableName":"missing"}`, "")
	var te *runner.TaskError
	if !errors.As(err, &te) || te.Name != "DynamoDb.ResourceNotFoundException" ||
		te.Cause != "Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: req-1)" {
		t.Errorf("err = %#v", err)
	}
	_, err = run(t, in, "arn:aws:states:::aws-sdk:s3:getObject", `{"Bucket":"b","Key":"k"}`, "")
	if !errors.As(err, &te) || te.Name != "S3.NoSuchKeyException" || !strings.Contains(te.Cause, "Status Code: 404") {
		t.Errorf("s3 err = %#v", err)
	}
	out, err = run(t, in, "arn:aws:states:::aws-sdk:sfn:startExecution", `{"StateMachineArn":"arn:sm","Input":"{}"}`, "")
	if err != nil || gotAction != "StartExecution" || gotInput != `{"stateMachineArn":"arn:sm","input":"{}"}` ||
		jsonv.Marshal(out) != `{"ExecutionArn":"arn:x","StartDate":1.7e9}` {
		t.Errorf("sfn: %s %s → %s, %v", gotAction, gotInput, jsonv.Marshal(out), err)
	}
	_, err = run(t, in, "arn:aws:states:::aws-sdk:kinesis:putRecord", `{}`, "")
	if !errors.As(err, &te) || te.Name != "States.TaskFailed" || !strings.Contains(te.Cause, "dynamodb, s3, sfn") {
		t.Errorf("unknown service err = %#v", err)
	}
}

func TestLambda(t *testing.T) {
	t.Parallel()
	var got InvokeRequest
	invoke := func(_ context.Context, req InvokeRequest) (InvokeResponse, error) {
		got = req
		switch {
		case strings.Contains(req.FunctionName, "missing"):
			return InvokeResponse{}, &awsproto.Error{Code: "ResourceNotFoundException", Message: "Function not found: " + req.FunctionName, Status: 404}
		case strings.Contains(req.FunctionName, "bad"):
			return InvokeResponse{StatusCode: 200, FunctionError: "Unhandled", ExecutedVersion: "$LATEST",
				Payload: []byte(`{"errorMessage":"no items","errorType":"InvalidOrder"}`)}, nil
		}
		return InvokeResponse{StatusCode: 200, ExecutedVersion: "$LATEST", Payload: []byte(`{"ok":true}`)}, nil
	}
	in := newTest(Config{Invoke: invoke})

	out, err := run(t, in, "arn:aws:lambda:us-east-1:111111111111:function:f", `{"x":1}`, "")
	if err != nil || jsonv.Marshal(out) != `{"ok":true}` || string(got.Payload) != `{"x":1}` {
		t.Errorf("bare: %s, %v (payload %s)", jsonv.Marshal(out), err, got.Payload)
	}
	out, err = run(t, in, "arn:aws:states:::lambda:invoke", `{"FunctionName":"f","Payload":{"x":2}}`, "")
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*jsonv.Object)
	if k := strings.Join(o.Keys(), ","); k != "ExecutedVersion,Payload,SdkHttpMetadata,SdkResponseMetadata,StatusCode" {
		t.Errorf("keys = %s", k)
	}
	if p, _ := o.Get("Payload"); jsonv.Marshal(p) != `{"ok":true}` {
		t.Errorf("Payload = %s", jsonv.Marshal(p))
	}
	_, err = run(t, in, "arn:aws:states:::lambda:invoke", `{"FunctionName":"bad"}`, "")
	var te *runner.TaskError
	if !errors.As(err, &te) || te.Name != "InvalidOrder" || te.Cause != `{"errorMessage":"no items","errorType":"InvalidOrder"}` {
		t.Errorf("function error = %#v", err)
	}
	_, err = run(t, in, "arn:aws:states:::lambda:invoke", `{"FunctionName":"missing"}`, "")
	if !errors.As(err, &te) || te.Name != "Lambda.ResourceNotFoundException" ||
		te.Cause != "Function not found: missing (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: req-1; Proxy: null)" {
		t.Errorf("not found = %#v", err)
	}
	_, err = run(t, in, "arn:aws:states:::lambda:invoke.waitForTaskToken", `{"FunctionName":"f","Payload":{"token":"tok"}}`, "tok")
	if !errors.Is(err, runner.ErrCallback) || got.InvocationType != "Event" {
		t.Errorf("callback: %v, %q", err, got.InvocationType)
	}
}

func TestChildNameIsStable(t *testing.T) {
	t.Parallel()
	a := childName("arn:p", "t1")
	if a != childName("arn:p", "t1") || a == childName("arn:p", "t2") || len(a) != 36 {
		t.Errorf("childName = %q", a)
	}
	if got := executionArn("arn:aws:states:us-east-1:1:stateMachine:sm:prod", "n"); got != "arn:aws:states:us-east-1:1:execution:sm:n" {
		t.Errorf("executionArn = %s", got)
	}
}
