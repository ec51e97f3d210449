package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestBadInput sends malformed, mistyped, oversized and unknown requests
// and forged or reused task tokens over HTTP: each must get AWS's error
// code (and, where AWS's wording is known, its message), and none may
// change what the API lists.
func TestBadInput(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.url())
	ctx := context.Background()

	// A state machine with a waiting execution, an activity with a leased
	// task, and a finished execution.
	const act = "e2e-bad-act"
	c.must(t, "CreateActivity", obj{"name": act}, nil)
	waitDef := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	taskDef := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + activityArn(act) + `","End":true}}}`
	passDef := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	for name, def := range map[string]string{"e2e-bad-wait": waitDef, "e2e-bad-task": taskDef, "e2e-bad-pass": passDef} {
		c.must(t, "CreateStateMachine", obj{"name": name, "definition": def, "roleArn": roleArn}, nil)
	}
	sm := stateMachineArn("e2e-bad-wait")
	c.must(t, "StartExecution", obj{"stateMachineArn": sm, "name": "waiting", "input": `{"a":1}`}, nil)
	c.must(t, "StartExecution", obj{"stateMachineArn": stateMachineArn("e2e-bad-pass"), "name": "done"}, nil)
	c.must(t, "StartExecution", obj{"stateMachineArn": stateMachineArn("e2e-bad-task"), "name": "calling"}, nil)
	var task struct {
		TaskToken string `json:"taskToken"`
	}
	c.must(t, "GetActivityTask", obj{"activityArn": activityArn(act), "workerName": "w"}, &task)
	if task.TaskToken == "" {
		t.Fatal("GetActivityTask returned no task")
	}
	token := task.TaskToken

	big := func(n int) string { // a JSON document of exactly n characters
		return `{"a":"` + strings.Repeat("x", n-8) + `"}`
	}
	body := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	execArn := executionArn("e2e-bad-wait", "waiting")
	const (
		ctJSON = "application/x-amz-json-1.0"
		sfn    = "AWSStepFunctions."
	)
	cases := []struct {
		name    string
		target  string // X-Amz-Target
		body    []byte
		status  int
		code    string
		message string // exact, when AWS's wording is known
		prefix  string // message prefix otherwise
	}{
		// Malformed JSON bodies.
		{name: "truncated", target: sfn + "ListStateMachines", body: []byte(`{"maxResults": `), status: 400, code: "SerializationException"},
		{name: "not JSON", target: sfn + "StartExecution", body: []byte(`stateMachineArn=x`), status: 400, code: "SerializationException"},
		{name: "array body", target: sfn + "ListStateMachines", body: []byte(`[]`), status: 400, code: "SerializationException"},
		{name: "string body", target: sfn + "DescribeExecution", body: []byte(`"x"`), status: 400, code: "SerializationException"},
		{name: "invalid UTF-8", target: sfn + "StartExecution", body: []byte("{\"stateMachineArn\":\"" + sm + "\",\"name\":\"\xff\xfe\"}"), status: 400, code: "SerializationException"},

		// Unknown actions.
		{name: "unknown action", target: sfn + "LaunchRocket", body: []byte(`{}`), status: 400, code: "UnknownOperationException"},
		{name: "other service prefix", target: "AmazonSQS.ListStateMachines", body: []byte(`{}`), status: 400, code: "UnknownOperationException"},
		{name: "no target", target: "", body: []byte(`{}`), status: 400, code: "UnknownOperationException"},
		{name: "lower-case action", target: sfn + "liststatemachines", body: []byte(`{}`), status: 400, code: "UnknownOperationException"},

		// Members of the wrong type.
		{name: "name is a number", target: sfn + "CreateStateMachine", body: body(obj{"name": 5, "definition": passDef, "roleArn": roleArn}), status: 400, code: "SerializationException"},
		{name: "input is an object", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": sm, "input": obj{"a": 1}}), status: 400, code: "SerializationException"},
		{name: "maxResults is a string", target: sfn + "ListExecutions", body: body(obj{"stateMachineArn": sm, "maxResults": "10"}), status: 400, code: "SerializationException"},
		{name: "reverseOrder is a string", target: sfn + "GetExecutionHistory", body: body(obj{"executionArn": execArn, "reverseOrder": "yes"}), status: 400, code: "SerializationException"},
		{name: "tags is a map", target: sfn + "CreateStateMachine", body: body(obj{"name": "e2e-bad-new", "definition": passDef, "roleArn": roleArn, "tags": obj{"k": "v"}}), status: 400, code: "SerializationException"},
		{name: "ARN is a list", target: sfn + "StopExecution", body: body(obj{"executionArn": []string{execArn}}), status: 400, code: "SerializationException"},

		// Values the model refuses.
		{name: "missing name", target: sfn + "CreateStateMachine", body: body(obj{"definition": passDef, "roleArn": roleArn}), status: 400, code: "ValidationException",
			message: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{name: "maxResults too large", target: sfn + "ListExecutions", body: body(obj{"stateMachineArn": sm, "maxResults": 1001}), status: 400, code: "ValidationException",
			message: "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{name: "unknown status filter", target: sfn + "ListExecutions", body: body(obj{"stateMachineArn": sm, "statusFilter": "DONE"}), status: 400, code: "ValidationException",
			prefix: "1 validation error detected: Value 'DONE' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: ["},
		{name: "name too long", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": sm, "name": strings.Repeat("n", 81)}), status: 400, code: "ValidationException",
			message: "1 validation error detected: Value '" + strings.Repeat("n", 81) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"},
		{name: "name with a space", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": sm, "name": "a b"}), status: 400, code: "InvalidName", message: "Invalid Name: 'a b'"},
		{name: "input not JSON", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": sm, "input": "not some json"}), status: 400, code: "InvalidExecutionInput",
			message: "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'"},
		{name: "empty input", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": sm, "input": ""}), status: 400, code: "InvalidExecutionInput",
			message: "Invalid State Machine Execution Input: 'Invalid execution input.'"},
		{name: "same name, other input", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": sm, "name": "waiting", "input": `{"a":2}`}), status: 400, code: "ExecutionAlreadyExists",
			message: "Execution Already Exists: '" + execArn + "'"},
		{name: "invalid definition", target: sfn + "CreateStateMachine", body: body(obj{"name": "e2e-bad-new", "definition": `{"StartAt":"X"}`, "roleArn": roleArn}), status: 400, code: "InvalidDefinition"},
		{name: "forged nextToken", target: sfn + "ListExecutions", body: body(obj{"stateMachineArn": sm, "nextToken": "forged"}), status: 400, code: "InvalidToken"},

		// Oversized payloads (256 KiB = 262,144 characters).
		{name: "input over 256 KiB", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": sm, "name": "big", "input": big(262145)}), status: 400, code: "ValidationException",
			prefix: "1 validation error detected: Value"},
		{name: "output over 256 KiB", target: sfn + "SendTaskSuccess", body: body(obj{"taskToken": token, "output": big(262145)}), status: 400, code: "ValidationException",
			prefix: "1 validation error detected: Value"},
		{name: "definition over 1 MiB", target: sfn + "CreateStateMachine", body: body(obj{"name": "e2e-bad-new", "definition": `{"Comment":"` + strings.Repeat("c", 1<<20) + `","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "roleArn": roleArn}),
			status: 400, code: "ValidationException", prefix: "1 validation error detected: Value"},

		// Unknown ARNs.
		{name: "unknown execution", target: sfn + "DescribeExecution", body: body(obj{"executionArn": executionArn("e2e-bad-wait", "nope")}), status: 400, code: "ExecutionDoesNotExist",
			message: "Execution Does Not Exist: '" + executionArn("e2e-bad-wait", "nope") + "'"},
		{name: "history of unknown execution", target: sfn + "GetExecutionHistory", body: body(obj{"executionArn": executionArn("nope", "nope")}), status: 400, code: "ExecutionDoesNotExist"},
		{name: "stop unknown execution", target: sfn + "StopExecution", body: body(obj{"executionArn": executionArn("e2e-bad-wait", "nope")}), status: 400, code: "ExecutionDoesNotExist"},
		{name: "unknown state machine", target: sfn + "DescribeStateMachine", body: body(obj{"stateMachineArn": stateMachineArn("nope")}), status: 400, code: "StateMachineDoesNotExist",
			message: "State Machine Does Not Exist: '" + stateMachineArn("nope") + "'"},
		{name: "start on unknown state machine", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": stateMachineArn("nope")}), status: 400, code: "StateMachineDoesNotExist"},
		{name: "other account", target: sfn + "StartExecution", body: body(obj{"stateMachineArn": "arn:aws:states:us-east-1:222222222222:stateMachine:e2e-bad-wait"}), status: 400, code: "StateMachineDoesNotExist"},
		{name: "update unknown state machine", target: sfn + "UpdateStateMachine", body: body(obj{"stateMachineArn": stateMachineArn("nope"), "definition": passDef}), status: 400, code: "StateMachineDoesNotExist"},
		{name: "unknown activity", target: sfn + "GetActivityTask", body: body(obj{"activityArn": activityArn("nope")}), status: 400, code: "ActivityDoesNotExist",
			message: "Activity Does Not Exist: '" + activityArn("nope") + "'"},
		{name: "not an ARN", target: sfn + "DescribeExecution", body: body(obj{"executionArn": "not-an-arn"}), status: 400, code: "InvalidArn"},
		{name: "ARN of another kind", target: sfn + "DescribeStateMachine", body: body(obj{"stateMachineArn": activityArn(act)}), status: 400, code: "InvalidArn"},

		// Forged task tokens, and output a real token cannot take.
		{name: "forged token", target: sfn + "SendTaskSuccess", body: body(obj{"taskToken": "forged-token!", "output": "{}"}), status: 400, code: "InvalidToken"},
		{name: "forged token failure", target: sfn + "SendTaskFailure", body: body(obj{"taskToken": "forged-token!", "error": "E"}), status: 400, code: "InvalidToken"},
		{name: "forged token heartbeat", target: sfn + "SendTaskHeartbeat", body: body(obj{"taskToken": "forged-token!"}), status: 400, code: "InvalidToken"},
		{name: "token too long", target: sfn + "SendTaskSuccess", body: body(obj{"taskToken": strings.Repeat("t", 2049), "output": "{}"}), status: 400, code: "ValidationException"},
		{name: "empty token", target: sfn + "SendTaskSuccess", body: body(obj{"taskToken": "", "output": "{}"}), status: 400, code: "ValidationException",
			message: "1 validation error detected: Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "output not JSON", target: sfn + "SendTaskSuccess", body: body(obj{"taskToken": token, "output": "{nope"}), status: 400, code: "InvalidOutput"},
		{name: "output missing", target: sfn + "SendTaskSuccess", body: body(obj{"taskToken": token}), status: 400, code: "ValidationException",
			message: "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null"},
	}

	before := snapshot(t, c)
	for _, tc := range cases {
		status, resp, err := c.send(ctx, tc.target, ctJSON, tc.body)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		checkError(t, tc.name, status, resp, tc.status, tc.code, tc.message, tc.prefix)
	}

	// A body over the 8 MiB request limit: refused before it is read. The
	// server may close the connection while the client still sends.
	huge := body(obj{"stateMachineArn": sm, "name": "huge", "input": big(9 << 20)})
	status, resp, err := c.send(ctx, sfn+"StartExecution", ctJSON, huge)
	switch {
	case err == nil:
		checkError(t, "body over 8 MiB", status, resp, 413, "RequestEntityTooLargeException", "", "")
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		t.Logf("body over 8 MiB: the server closed the connection before the client sent it all: %v", err)
	default:
		t.Errorf("body over 8 MiB: %v", err)
	}

	if after := snapshot(t, c); !reflect.DeepEqual(before, after) {
		t.Errorf("bad requests changed the state:\nbefore: %v\n after: %v", before, after)
	}

	// The token still works once; then it is spent.
	c.must(t, "SendTaskSuccess", obj{"taskToken": token, "output": `{"ok":true}`}, nil)
	if got := describe(ctx, t, c, executionArn("e2e-bad-task", "calling")); got != "SUCCEEDED" {
		t.Errorf("execution of the answered task: %s, want SUCCEEDED", got)
	}
	spent := snapshot(t, c)
	const timedOut = "Task Timed Out: 'Provided task does not exist anymore'"
	for _, tc := range []struct {
		action string
		in     obj
	}{
		{"SendTaskSuccess", obj{"taskToken": token, "output": `{"again":true}`}},
		{"SendTaskFailure", obj{"taskToken": token, "error": "Again"}},
		{"SendTaskHeartbeat", obj{"taskToken": token}},
	} {
		err := c.call(ctx, tc.action, tc.in, nil)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code() != "TaskTimedOut" || ae.Message != timedOut || ae.Status != 400 {
			t.Errorf("%s with a spent token: %v, want HTTP 400 TaskTimedOut: %s", tc.action, err, timedOut)
		}
	}
	// A forgery shaped like the spent token is not mistaken for it.
	random, _, _ := strings.Cut(token, ".")
	for _, forged := range []string{random, random + "." + strings.Repeat("a", 32)} {
		err := c.call(ctx, "SendTaskSuccess", obj{"taskToken": forged, "output": `{}`}, nil)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code() != "InvalidToken" || ae.Status != 400 {
			t.Errorf("SendTaskSuccess with %q, shaped like a spent token: %v, want HTTP 400 InvalidToken", forged, err)
		}
	}
	if after := snapshot(t, c); !reflect.DeepEqual(spent, after) {
		t.Errorf("reusing a spent token changed the state:\nbefore: %v\n after: %v", spent, after)
	}
}

// checkError checks an AWS error answer.
func checkError(t testing.TB, name string, status int, resp []byte, wantStatus int, code, message, prefix string) {
	t.Helper()
	var shape struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	if err := json.NewDecoder(bytes.NewReader(resp)).Decode(&shape); err != nil {
		t.Errorf("%s: HTTP %d, body %q is no AWS error", name, status, resp)
		return
	}
	ae := &apiError{Status: status, Type: shape.Type, Message: shape.Message + shape.Message2}
	switch {
	case status != wantStatus:
		t.Errorf("%s: %v, want HTTP %d", name, ae, wantStatus)
	case shape.Type == "":
		t.Errorf("%s: HTTP %d without __type: %s", name, status, resp)
	case code != "" && ae.Code() != code:
		t.Errorf("%s: %v, want %s", name, ae, code)
	case message != "" && ae.Message != message:
		t.Errorf("%s: message %q, want %q", name, ae.Message, message)
	case prefix != "" && !strings.HasPrefix(ae.Message, prefix):
		t.Errorf("%s: message %q, want it to start with %q", name, ae.Message, prefix)
	}
}

// snapshot lists what a client can see: state machines, activities and
// every execution with its status and history.
func snapshot(t testing.TB, c *client) map[string]any {
	t.Helper()
	ctx := context.Background()
	snap := map[string]any{}
	var sms struct {
		StateMachines []obj `json:"stateMachines"`
	}
	c.must(t, "ListStateMachines", obj{"maxResults": 1000}, &sms)
	snap["stateMachines"] = sms.StateMachines
	var acts struct {
		Activities []obj `json:"activities"`
	}
	c.must(t, "ListActivities", obj{"maxResults": 1000}, &acts)
	snap["activities"] = acts.Activities
	for _, sm := range sms.StateMachines {
		arn, _ := sm["stateMachineArn"].(string)
		execs, err := c.executions(ctx, arn, "")
		if err != nil {
			t.Fatalf("ListExecutions: %v", err)
		}
		for name, status := range execs {
			events, err := c.history(ctx, executionArnOf(arn, name))
			if err != nil {
				t.Fatalf("GetExecutionHistory: %v", err)
			}
			snap[fmt.Sprintf("%s/%s", arn, name)] = []any{status, events}
		}
	}
	return snap
}

// executionArnOf is the ARN of execution name of a state machine ARN.
func executionArnOf(stateMachineArn, name string) string {
	return strings.Replace(stateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + name
}
