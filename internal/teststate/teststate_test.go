package teststate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func strp(s string) *string { return &s }

func intp(i int64) *int64 { return &i }

func mockResult(s string) *Mock { return &Mock{Result: strp(s)} }

func mockError(name, cause string) *Mock {
	return &Mock{ErrorOutput: &MockError{Error: name, Cause: cause}}
}

const lambdaTask = `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.r","Next":"After"}`

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{
			name: "pass info",
			req:  Request{Definition: `{"Type":"Pass","End":true}`, Input: `{"a": 1}`},
			want: `{"output":"{\"a\": 1}","status":"SUCCEEDED"}`,
		},
		{
			name: "pass debug",
			req:  Request{Definition: `{"Type":"Pass","InputPath":"$.a","Parameters":{"x.$":"$.b"},"ResultPath":"$.r","Next":"N"}`, Input: `{"a":{"b":[1,2]}}`, InspectionLevel: LevelDebug},
			want: `{"output":"{\"a\": {\"b\": [1, 2]}, \"r\": {\"x\": [1, 2]}}","inspectionData":{"input":"{\"a\": {\"b\": [1, 2]}}","afterInputPath":"{\"b\": [1, 2]}","afterParameters":"{\"x\": [1, 2]}","afterResultSelector":"{\"x\": [1, 2]}","afterResultPath":"{\"a\": {\"b\": [1, 2]}, \"r\": {\"x\": [1, 2]}}"},"nextState":"N","status":"SUCCEEDED"}`,
		},
		{
			name: "pass result trace",
			req:  Request{Definition: `{"Type":"Pass","InputPath":"$.a","Result":[1,2],"End":true}`, Input: `{"a":{}}`, InspectionLevel: LevelTrace},
			want: `{"output":"[1, 2]","inspectionData":{"input":"{\"a\": {}}","result":"[1, 2]","afterResultSelector":"[1, 2]","afterResultPath":"[1, 2]"},"status":"SUCCEEDED"}`,
		},
		{
			name: "pass runtime error",
			req:  Request{Definition: `{"Type":"Pass","InputPath":"$.missing","End":true}`, Input: `{}`, InspectionLevel: LevelDebug},
			want: `{"error":"States.Runtime","cause":"An error occurred while executing the state 'StateName' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']","inspectionData":{"input":"{}"},"status":"FAILED"}`,
		},
		{
			name: "succeed",
			req:  Request{Definition: `{"Type":"Succeed","OutputPath":"$.a"}`, Input: `{"a":true}`, InspectionLevel: LevelDebug},
			want: `{"output":"true","inspectionData":{"input":"{\"a\": true}","afterInputPath":"{\"a\": true}"},"status":"SUCCEEDED"}`,
		},
		{
			name: "fail",
			req:  Request{Definition: `{"Type":"Fail","Error":"E","Cause":"C"}`, Input: `{}`, InspectionLevel: LevelDebug},
			want: `{"error":"E","cause":"C","inspectionData":{"input":"{}","afterInputPath":"{}"},"status":"FAILED"}`,
		},
		{
			name: "fail info",
			req:  Request{Definition: `{"Type":"Fail","ErrorPath":"$.e"}`, Input: `{"e":"Boom"}`},
			want: `{"error":"Boom","status":"FAILED"}`,
		},
		{
			name: "choice",
			req:  Request{Definition: `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Big"}],"Default":"Small"}`, Input: `{"n":2}`, InspectionLevel: LevelDebug},
			want: `{"output":"{\"n\": 2}","inspectionData":{"input":"{\"n\": 2}","afterInputPath":"{\"n\": 2}"},"nextState":"Big","status":"SUCCEEDED"}`,
		},
		{
			name: "choice default",
			req:  Request{Definition: `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Big"}],"Default":"Small"}`, Input: `{"n":0}`},
			want: `{"output":"{\"n\": 0}","nextState":"Small","status":"SUCCEEDED"}`,
		},
		{
			name: "choice no match",
			req:  Request{Definition: `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Big"}]}`, Input: `{"n":0}`},
			want: `{"error":"States.NoChoiceMatched","cause":"No Matches!","status":"FAILED"}`,
		},
		{
			name: "wait",
			req:  Request{Definition: `{"Type":"Wait","Seconds":3600,"OutputPath":"$.a","Next":"Later"}`, Input: `{"a":[1]}`, InspectionLevel: LevelDebug},
			want: `{"output":"[1]","inspectionData":{"input":"{\"a\": [1]}","afterInputPath":"{\"a\": [1]}"},"nextState":"Later","status":"SUCCEEDED"}`,
		},
		{
			name: "task mock result",
			req:  Request{Definition: lambdaTask, Input: `{"k":"v"}`, InspectionLevel: LevelDebug, Mock: mockResult(`{"StatusCode": 200, "Payload": {"ok": true}}`)},
			want: `{"output":"{\"k\": \"v\", \"r\": {\"p\": {\"ok\": true}}}","inspectionData":{"input":"{\"k\": \"v\"}","afterInputPath":"{\"k\": \"v\"}","afterParameters":"{\"FunctionName\": \"f\", \"Payload\": {\"k\": \"v\"}}","result":"{\"StatusCode\": 200, \"Payload\": {\"ok\": true}}","afterResultSelector":"{\"p\": {\"ok\": true}}","afterResultPath":"{\"k\": \"v\", \"r\": {\"p\": {\"ok\": true}}}"},"nextState":"After","status":"SUCCEEDED"}`,
		},
		{
			name: "task mock error",
			req:  Request{Definition: lambdaTask, Input: `{}`, InspectionLevel: LevelDebug, Mock: mockError("Lambda.Unknown", "it broke")},
			want: `{"error":"Lambda.Unknown","cause":"it broke","inspectionData":{"input":"{}","afterInputPath":"{}","afterParameters":"{\"FunctionName\": \"f\", \"Payload\": {}}"},"status":"FAILED"}`,
		},
		{
			name: "task retriable",
			req: Request{
				Definition:      `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["Other"]},{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":5,"BackoffRate":3}],"End":true}`,
				Input:           `{}`,
				InspectionLevel: LevelDebug,
				Mock:            mockError("Boom", "bad"),
				StateConfiguration: &StateConfiguration{
					RetrierRetryCount: intp(2),
				},
			},
			want: `{"error":"Boom","cause":"bad","inspectionData":{"input":"{}","afterInputPath":"{}","afterParameters":"{\"FunctionName\": \"f\"}","errorDetails":{"retryBackoffIntervalSeconds":18,"retryIndex":1}},"status":"RETRIABLE"}`,
		},
		{
			name: "task retries exhausted",
			req: Request{
				Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":2}],"End":true}`,
				Input:      `{}`, InspectionLevel: LevelDebug, Mock: mockError("Boom", "bad"),
				StateConfiguration: &StateConfiguration{RetrierRetryCount: intp(2)},
			},
			want: `{"error":"Boom","cause":"bad","inspectionData":{"input":"{}","afterInputPath":"{}","afterParameters":"{\"FunctionName\": \"f\"}","errorDetails":{"retryIndex":0}},"status":"FAILED"}`,
		},
		{
			name: "task caught",
			req: Request{
				Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["Other"],"Next":"A"},{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Handler"}],"End":true}`,
				Input:      `{"x":1}`, InspectionLevel: LevelDebug, Mock: mockError("Boom", "bad"),
			},
			want: `{"output":"{\"x\": 1, \"error\": {\"Error\": \"Boom\", \"Cause\": \"bad\"}}","error":"Boom","cause":"bad","inspectionData":{"input":"{\"x\": 1}","afterInputPath":"{\"x\": 1}","afterParameters":"{\"FunctionName\": \"f\"}","errorDetails":{"catchIndex":1}},"nextState":"Handler","status":"CAUGHT_ERROR"}`,
		},
		{
			name: "task caught info",
			req: Request{
				Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Handler"}],"End":true}`,
				Input:      `{}`, Mock: mockError("States.TaskFailed", "bad"),
			},
			want: `{"output":"{\"Error\": \"States.TaskFailed\", \"Cause\": \"bad\"}","error":"States.TaskFailed","cause":"bad","nextState":"Handler","status":"CAUGHT_ERROR"}`,
		},
		{
			name: "variables and assign",
			req:  Request{Definition: `{"Type":"Pass","Parameters":{"v.$":"$x"},"Assign":{"y.$":"$.v"},"End":true}`, Input: `{}`, InspectionLevel: LevelDebug, Variables: `{"x": {"deep": [true]}}`},
			want: `{"output":"{\"v\": {\"deep\": [true]}}","inspectionData":{"input":"{}","afterInputPath":"{}","afterParameters":"{\"v\": {\"deep\": [true]}}","afterResultSelector":"{\"v\": {\"deep\": [true]}}","afterResultPath":"{\"v\": {\"deep\": [true]}}","variables":"{\"x\": {\"deep\": [true]}, \"y\": {\"deep\": [true]}}"},"status":"SUCCEEDED"}`,
		},
		{
			name: "context from the request",
			req:  Request{Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"n.$":"$$.Execution.Name","all.$":"$$"},"End":true}`, Input: `{}`, InspectionLevel: LevelDebug, Mock: mockResult(`{}`), Context: `{"Execution": {"Name": "e1"}}`},
			want: `{"output":"{}","inspectionData":{"input":"{}","afterInputPath":"{}","afterParameters":"{\"n\": \"e1\", \"all\": {\"Execution\": {\"Name\": \"e1\"}}}","result":"{}","afterResultSelector":"{}","afterResultPath":"{}"},"status":"SUCCEEDED"}`,
		},
		{
			name: "state in a state machine",
			req:  Request{Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Parallel","Branches":[{"StartAt":"C","States":{"C":{"Type":"Pass","Result":"r","Next":"D"},"D":{"Type":"Succeed"}}}],"End":true}}}`, StateName: "C", Input: `{}`},
			want: `{"output":"\"r\"","nextState":"D","status":"SUCCEEDED"}`,
		},
		{
			name: "parallel mock",
			req:  Request{Definition: `{"Type":"Parallel","InputPath":"$.in","ResultPath":"$.out","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}`, Input: `{"in":{}}`, InspectionLevel: LevelDebug, Mock: mockResult(`[1, 2]`)},
			want: `{"output":"{\"in\": {}, \"out\": [1, 2]}","inspectionData":{"input":"{\"in\": {}}","afterResultSelector":"[1, 2]","afterResultPath":"{\"in\": {}, \"out\": [1, 2]}"},"status":"SUCCEEDED"}`,
		},
		{
			name: "map mock",
			req:  Request{Definition: `{"Type":"Map","ItemsPath":"$.items","MaxConcurrencyPath":"$.mc","ToleratedFailureCount":1,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`, Input: `{"items":[1,2],"mc":"4"}`, InspectionLevel: LevelDebug, Mock: mockResult(`[3, 4]`)},
			want: `{"output":"[3, 4]","inspectionData":{"input":"{\"items\": [1, 2], \"mc\": \"4\"}","afterInputPath":"{\"items\": [1, 2], \"mc\": \"4\"}","afterResultSelector":"[3, 4]","afterResultPath":"[3, 4]","afterItemsPath":"[1, 2]","toleratedFailureCount":1,"maxConcurrency":4},"status":"SUCCEEDED"}`,
		},
		{
			name: "map items not an array",
			req:  Request{Definition: `{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`, Input: `{"a":1}`, InspectionLevel: LevelDebug, Mock: mockResult(`[]`)},
			want: `{"error":"States.Runtime","cause":"Reference path \"$\" must point to array.","inspectionData":{"input":"{\"a\": 1}","afterInputPath":"{\"a\": 1}"},"status":"FAILED"}`,
		},
		{
			name: "map failure threshold",
			req: Request{
				Definition: `{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"Catch":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"Next":"T"}],"End":true}`,
				Input:      `[1, 2, 3]`, Mock: mockResult(`[1, 2, 3]`),
				StateConfiguration: &StateConfiguration{MapIterationFailureCount: intp(2)},
			},
			want: `{"output":"{\"Error\": \"States.ExceedToleratedFailureThreshold\", \"Cause\": \"The specified tolerated failure threshold was exceeded\"}","error":"States.ExceedToleratedFailureThreshold","cause":"The specified tolerated failure threshold was exceeded","nextState":"T","status":"CAUGHT_ERROR"}`,
		},
		{
			name: "jsonata pass with variables",
			req: Request{Definition: `{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"n":"{% $n + 1 %}"},"Output":{"v":"{% $n %}","in":"{% $states.input %}"},"Next":"N"}`,
				Input: `{"a":1}`, Variables: `{"n":41}`, InspectionLevel: LevelDebug},
			want: `{"output":"{\"v\": 41, \"in\": {\"a\": 1}}","inspectionData":{"input":"{\"a\": 1}","variables":"{\"n\": 42}"},"nextState":"N","status":"SUCCEEDED"}`,
		},
		{
			name: "jsonata task arguments and result",
			req: Request{Definition: `{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":"{% $states.input %}"},"Output":"{% $states.result.StatusCode %}","End":true}`,
				Input: `{"a":1}`, Mock: mockResult(`{"StatusCode":200,"Payload":{}}`), InspectionLevel: LevelTrace},
			want: `{"output":"200","inspectionData":{"input":"{\"a\": 1}","afterArguments":"{\"FunctionName\": \"f\", \"Payload\": {\"a\": 1}}","result":"{\"StatusCode\": 200, \"Payload\": {}}"},"status":"SUCCEEDED"}`,
		},
		{
			name: "jsonata catch",
			req: Request{Definition: `{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["States.ALL"],"Output":{"e":"{% $states.errorOutput.Error %}"},"Next":"H"}],"End":true}`,
				Input: `{}`, Mock: mockError("Boom", "bad"), InspectionLevel: LevelDebug},
			want: `{"output":"{\"e\": \"Boom\"}","error":"Boom","cause":"bad","inspectionData":{"input":"{}","afterArguments":"{\"FunctionName\": \"f\"}","errorDetails":{"catchIndex":0}},"nextState":"H","status":"CAUGHT_ERROR"}`,
		},
		{
			name: "jsonata retrier fields as expressions",
			req: Request{Definition: `{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":"{% 2 %}","MaxAttempts":"{% $states.input.n %}","BackoffRate":"{% 3 %}"}],"End":true}`,
				Input: `{"n":3}`, Mock: mockError("Boom", "bad"), StateConfiguration: &StateConfiguration{RetrierRetryCount: intp(2)}, InspectionLevel: LevelDebug},
			want: `{"error":"Boom","cause":"bad","inspectionData":{"input":"{\"n\": 3}","afterArguments":"{\"FunctionName\": \"f\"}","errorDetails":{"retryBackoffIntervalSeconds":18,"retryIndex":0}},"status":"RETRIABLE"}`,
		},
		{
			name: "jsonata evaluation error",
			req:  Request{Definition: `{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $missing %}","End":true}`, Input: `{}`},
			want: `{"error":"States.QueryEvaluationError","cause":"An error occurred while executing the state 'StateName' (entered at the event id #2). The JSONata expression '$missing' specified for the field 'Output' returned nothing (undefined).","status":"FAILED"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.req.Now = testNow
			resp, err := Run(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := jsonv.Marshal(resp); got != tt.want {
				t.Errorf("response\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRunDefaultContext(t *testing.T) {
	t.Parallel()
	req := Request{
		Definition: `{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"c.$":"$$"},"End":true}`,
		Input:      `{"in":1}`, InspectionLevel: LevelDebug, Mock: mockResult(`{}`), Now: testNow,
		RoleArn: "arn:aws:iam::123456789012:role/R", Account: "123456789012", Region: "eu-west-1",
	}
	resp, err := Run(context.Background(), req)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	in, _ := resp.Get("inspectionData")
	text, _ := in.(*jsonv.Object).Get("afterParameters")
	params, err := jsonv.ParseString(text.(string))
	if err != nil {
		t.Fatalf("afterParameters %q: %v", text, err)
	}
	c, _ := params.(*jsonv.Object).Get("c")
	ctx := c.(*jsonv.Object)
	for _, tc := range []struct{ path, want string }{
		{"Execution.RoleArn", `"arn:aws:iam::123456789012:role/R"`},
		{"Execution.Input", `{"in":1}`},
		{"Execution.StartTime", `"2026-01-02T03:04:05.000Z"`},
		{"State.Name", `"StateName"`},
		{"State.RetryCount", `0`},
	} {
		if got := jsonv.Marshal(lookup(ctx, tc.path)); got != tc.want {
			t.Errorf("$$.%s = %s, want %s", tc.path, got, tc.want)
		}
	}
	for _, key := range []string{"Execution", "State", "StateMachine", "Task"} {
		if !ctx.Has(key) {
			t.Errorf("$$ has no %s: %s", key, jsonv.Marshal(ctx))
		}
	}
	id, _ := lookup(ctx, "Execution.Id").(string)
	if want := "arn:aws:states:eu-west-1:123456789012:express:"; len(id) < len(want) || id[:len(want)] != want {
		t.Errorf("$$.Execution.Id = %q, want prefix %q", id, want)
	}
	ex, _ := ctx.Get("Execution")
	if ex.(*jsonv.Object).Has("RedriveCount") {
		t.Errorf("$$.Execution has RedriveCount: %s", jsonv.Marshal(ex))
	}
}

func lookup(o *jsonv.Object, path string) jsonv.Value {
	var v jsonv.Value = o
	for len(path) > 0 {
		key := path
		if i := indexByte(path, '.'); i >= 0 {
			key, path = path[:i], path[i+1:]
		} else {
			path = ""
		}
		obj, ok := v.(*jsonv.Object)
		if !ok {
			return nil
		}
		v, _ = obj.Get(key)
	}
	return v
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func TestRunAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		req       Request
		code, msg string
	}{
		{"bad level", Request{Definition: `{"Type":"Pass","End":true}`, InspectionLevel: "ALL"}, CodeValidation, "1 validation error detected: Value 'ALL' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"},
		{"bad validation mode", Request{Definition: lambdaTask, Mock: &Mock{Result: strp(`{}`), FieldValidationMode: "LAX"}}, CodeValidation, "1 validation error detected: Value 'LAX' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]"},
		{"invalid state", Request{Definition: `{"Type":"Parallel","Branches":[],"End":true}`, Mock: mockResult(`[]`)}, CodeInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/StateName/Branches'"},
		{"unknown state name", Request{Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, StateName: "B"}, CodeValidation, "State 'B' not found in the state machine definition"},
		{"pass with mock", Request{Definition: `{"Type":"Pass","End":true}`, Mock: mockResult(`{}`)}, CodeValidation, "State type 'Pass' is not supported when a mock is specified"},
		{"choice with mock", Request{Definition: `{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"X"}]}`, Mock: mockResult(`{}`)}, CodeValidation, "State type 'Choice' is not supported when a mock is specified"},
		{"map without mock", Request{Definition: `{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`}, CodeInvalidDefinition, "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"},
		{"reveal secrets with mock", Request{Definition: lambdaTask, Mock: mockResult(`{}`), RevealSecrets: true}, CodeValidation, "TestState does not support RevealSecrets when a mock is specified."},
		{"both result and error", Request{Definition: lambdaTask, Mock: &Mock{Result: strp(`{}`), ErrorOutput: &MockError{Error: "E"}}}, CodeValidation, "A test mock should have only one of the following fields: [result, errorOutput]."},
		{"result not JSON", Request{Definition: lambdaTask, Mock: mockResult(`{`)}, CodeValidation, "Mocked result must be valid JSON"},
		{"map result not an array", Request{Definition: `{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`, Mock: mockResult(`{}`)}, CodeValidation, "Mocked result must be an array."},
		{"schema", Request{Definition: lambdaTask, Mock: mockResult(`{"StatusCode": "200"}`)}, CodeValidation, "Mock result schema validation error: Field 'StatusCode' must be a number"},
		{"context without mock", Request{Definition: `{"Type":"Pass","End":true}`, Context: `{}`}, CodeValidation, "Context object can only be specified when a mock is specified."},
		{"context with task token", Request{Definition: lambdaTask, Mock: mockResult(`{}`), Context: `{"Task":{"Token":"t"}}`}, CodeValidation, "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern"},
		{"bad input", Request{Definition: `{"Type":"Pass","End":true}`, Input: `{"a":}`}, CodeInvalidInput, ""},
		{"bad variables", Request{Definition: `{"Type":"Pass","End":true}`, Variables: `[1]`}, CodeValidation, "Invalid variables provided: variables must be a JSON object"},
		{"task without role", Request{Definition: lambdaTask}, CodeValidation, "RoleArn must be specified when testing a Task state"},
		{"map failures over items", Request{Definition: `{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`, Input: `[1]`, Mock: mockResult(`[]`), StateConfiguration: &StateConfiguration{MapIterationFailureCount: intp(2)}}, CodeValidation, "Map iteration failure count must be less than or equal to the number of Map iterations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.req.Now = testNow
			resp, err := Run(context.Background(), tt.req)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("Run = %v, %v; want an API error", resp, err)
			}
			if apiErr.Code != tt.code || (tt.msg != "" && apiErr.Message != tt.msg) {
				t.Errorf("error %s: %s\nwant  %s: %s", apiErr.Code, apiErr.Message, tt.code, tt.msg)
			}
		})
	}
}

func TestRunUnsupported(t *testing.T) {
	t.Parallel()
	for _, req := range []Request{
		{Definition: lambdaTask, RoleArn: "arn:aws:iam::111111111111:role/r"},
	} {
		if _, err := Run(context.Background(), req); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Run(%s) = %v, want ErrUnsupported", req.Definition, err)
		}
	}
}

func TestDocText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"a":[1,{"b":null}],"c":"x"}`, `{"a": [1, {"b": null}], "c": "x"}`},
		{`[]`, `[]`},
		{`{}`, `{}`},
		{`1.50`, `1.50`},
		{`"q\"uote"`, `"q\"uote"`},
	} {
		if got := docText(jsonv.MustParse(tc.in)); got != tc.want {
			t.Errorf("docText(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
