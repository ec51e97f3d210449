package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/app"
)

// createSM creates a state machine and returns its ARN.
func createSM(t *testing.T, c *http.Client, url, name, def string) string {
	t.Helper()
	out, code, err := call(c, url, "CreateStateMachine", map[string]any{"name": name, "definition": def, "roleArn": "arn:aws:iam::111111111111:role/r"})
	if err != nil || code != 200 {
		t.Fatalf("create %s: %v %d %v", name, err, code, out)
	}
	return out["stateMachineArn"].(string)
}

// runToEnd starts an execution and polls DescribeExecution until it ends.
func runToEnd(t *testing.T, c *http.Client, url, smArn, input string) map[string]any {
	t.Helper()
	st, code, err := call(c, url, "StartExecution", map[string]any{"stateMachineArn": smArn, "input": input})
	if err != nil || code != 200 {
		t.Fatalf("start: %v %d %v", err, code, st)
	}
	return waitEnd(t, c, url, st["executionArn"].(string))
}

func waitEnd(t *testing.T, c *http.Client, url, arn string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		d, _, err := call(c, url, "DescribeExecution", map[string]any{"executionArn": arn})
		if err != nil {
			t.Fatal(err)
		}
		if d["status"] != "RUNNING" {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("execution %s did not end", arn)
	return nil
}

func TestNestedExecutions(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{})
	c := &http.Client{}
	url := srv.URL()
	child := createSM(t, c, url, "child", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)","parent.$":"$.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"},"End":true}}}`)
	failing := createSM(t, c, url, "failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"child failed"}}}`)
	waiting := createSM(t, c, url, "waiting", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)

	parent := func(name, resource, sm string) string {
		return createSM(t, c, url, name, `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"`+resource+`",
			"Parameters":{"StateMachineArn":"`+sm+`","Input":{"n.$":"$.n","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},"End":true}}}`)
	}

	t.Run("sync:2", func(t *testing.T) {
		d := runToEnd(t, c, url, parent("p-sync2", "arn:aws:states:::states:startExecution.sync:2", child), `{"n":21}`)
		if d["status"] != "SUCCEEDED" {
			t.Fatalf("parent = %v", d)
		}
		var out map[string]any
		json.Unmarshal([]byte(d["output"].(string)), &out)
		o, _ := out["Output"].(map[string]any)
		if o == nil || o["doubled"] != 42.0 || o["parent"] != d["executionArn"] || out["Status"] != "SUCCEEDED" {
			t.Errorf("output = %s", d["output"])
		}
		for _, k := range []string{"ExecutionArn", "StartDate", "StopDate", "SdkHttpMetadata", "SdkResponseMetadata"} {
			if _, ok := out[k]; !ok {
				t.Errorf("output lacks %s: %s", k, d["output"])
			}
		}
	})
	t.Run("sync output is JSON text", func(t *testing.T) {
		d := runToEnd(t, c, url, parent("p-sync", "arn:aws:states:::states:startExecution.sync", child), `{"n":1}`)
		var out map[string]any
		json.Unmarshal([]byte(d["output"].(string)), &out)
		if s, ok := out["Output"].(string); !ok || !strings.Contains(s, `"doubled":2`) {
			t.Errorf("output = %s", d["output"])
		}
	})
	t.Run("request-response", func(t *testing.T) {
		d := runToEnd(t, c, url, parent("p-rr", "arn:aws:states:::states:startExecution", child), `{"n":1}`)
		var out map[string]any
		json.Unmarshal([]byte(d["output"].(string)), &out)
		if arn, _ := out["ExecutionArn"].(string); !strings.Contains(arn, ":execution:child:") {
			t.Errorf("output = %s", d["output"])
		}
	})
	t.Run("failed child fails the task", func(t *testing.T) {
		d := runToEnd(t, c, url, parent("p-fail", "arn:aws:states:::states:startExecution.sync:2", failing), `{"n":1}`)
		if d["status"] != "FAILED" || d["error"] != "States.TaskFailed" || !strings.Contains(d["cause"].(string), `"Error":"Boom"`) {
			t.Errorf("parent = %v", d)
		}
	})
	t.Run("stopping the parent stops the child", func(t *testing.T) {
		sm := parent("p-stop", "arn:aws:states:::states:startExecution.sync", waiting)
		st, _, _ := call(c, url, "StartExecution", map[string]any{"stateMachineArn": sm, "input": `{"n":1}`})
		arn := st["executionArn"].(string)
		var childArn string
		deadline := time.Now().Add(10 * time.Second)
		for childArn == "" && time.Now().Before(deadline) {
			l, _, _ := call(c, url, "ListExecutions", map[string]any{"stateMachineArn": waiting})
			if ex, _ := l["executions"].([]any); len(ex) > 0 {
				childArn = ex[0].(map[string]any)["executionArn"].(string)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if childArn == "" {
			t.Fatal("child never started")
		}
		if _, code, err := call(c, url, "StopExecution", map[string]any{"executionArn": arn}); err != nil || code != 200 {
			t.Fatalf("stop: %v %d", err, code)
		}
		if d := waitEnd(t, c, url, childArn); d["status"] != "ABORTED" {
			t.Errorf("child = %v", d["status"])
		}
	})
	t.Run("waitForTaskToken", func(t *testing.T) {
		sm := createSM(t, c, url, "p-token", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
			"Parameters":{"StateMachineArn":"`+child+`","Input":{"n":1,"token.$":"$$.Task.Token"}},"End":true}}}`)
		st, _, _ := call(c, url, "StartExecution", map[string]any{"stateMachineArn": sm})
		arn := st["executionArn"].(string)
		var token string
		deadline := time.Now().Add(10 * time.Second)
		for token == "" && time.Now().Before(deadline) {
			l, _, _ := call(c, url, "ListExecutions", map[string]any{"stateMachineArn": child})
			for _, e := range l["executions"].([]any) {
				d, _, _ := call(c, url, "DescribeExecution", map[string]any{"executionArn": e.(map[string]any)["executionArn"]})
				var in map[string]any
				json.Unmarshal([]byte(d["input"].(string)), &in)
				if tok, ok := in["token"].(string); ok {
					token = tok
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if token == "" {
			t.Fatal("no child carried the token")
		}
		call(c, url, "SendTaskSuccess", map[string]any{"taskToken": token, "output": `{"approved":true}`})
		if d := waitEnd(t, c, url, arn); d["status"] != "SUCCEEDED" || d["output"] != `{"approved":true}` {
			t.Errorf("parent = %v", d)
		}
	})
}
