package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/app"
)

// TestExecutionLogs: a state machine with a loggingConfiguration writes its
// executions' events to the log group — every event at level ALL (with the
// input when includeExecutionData is set), only the failure at FATAL — for
// STANDARD and EXPRESS executions alike.
func TestExecutionLogs(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	logsCall := func(action string, body any) map[string]any {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Logs_20140328."+action)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	for _, g := range []string{"/sfn/all", "/sfn/fatal", "/sfn/express"} {
		logsCall("CreateLogGroup", map[string]any{"logGroupName": g})
	}
	create := func(name, typ, level, group string, data bool, def string) string {
		out, code, err := call(c, base, "CreateStateMachine", map[string]any{"name": name, "type": typ, "definition": def,
			"roleArn": "arn:aws:iam::111111111111:role/r", "loggingConfiguration": map[string]any{"level": level, "includeExecutionData": data,
				"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:" + group + ":*"}}}}})
		if err != nil || code != 200 {
			t.Fatalf("create %s: %v %d %v", name, err, code, out)
		}
		return out["stateMachineArn"].(string)
	}
	ok := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	fail := `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}`
	runToEnd(t, c, base, create("logged", "STANDARD", "ALL", "/sfn/all", true, ok), `{"secret":"in-the-input"}`)
	runToEnd(t, c, base, create("fatal", "STANDARD", "FATAL", "/sfn/fatal", false, fail), `{}`)
	callSync(c, base, map[string]any{"stateMachineArn": create("express-logged", "EXPRESS", "ALL", "/sfn/express", false, ok), "input": `{"secret":"x"}`})

	events := func(group string) []string {
		deadline := time.Now().Add(10 * time.Second)
		for {
			out := logsCall("FilterLogEvents", map[string]any{"logGroupName": group})
			var msgs []string
			evs, _ := out["events"].([]any)
			for _, e := range evs {
				msgs = append(msgs, e.(map[string]any)["message"].(string))
			}
			if len(msgs) > 0 || time.Now().After(deadline) {
				return msgs
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	all := strings.Join(events("/sfn/all"), "\n")
	for _, want := range []string{`"type":"ExecutionStarted"`, `"type":"PassStateEntered"`, `"type":"ExecutionSucceeded"`, `in-the-input`, `"execution_arn":"arn:aws:states:us-east-1:111111111111:execution:logged:`} {
		if !strings.Contains(all, want) {
			t.Errorf("level ALL lacks %s:\n%s", want, all)
		}
	}
	if fatal := events("/sfn/fatal"); len(fatal) != 1 || !strings.Contains(fatal[0], `"type":"ExecutionFailed"`) {
		t.Errorf("level FATAL: %v", fatal)
	}
	express := strings.Join(events("/sfn/express"), "\n")
	if !strings.Contains(express, `"type":"ExecutionSucceeded"`) || strings.Contains(express, `"secret"`) {
		t.Errorf("EXPRESS without execution data:\n%s", express)
	}
}
