package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/app"
)

// TestScheduleStartsExecution creates an hourly schedule through the
// Scheduler REST API; under --time-scale 3600 it fires within seconds and
// starts the state machine with the scheduled time in its input. An
// EventBridge rule matching PutEvents starts it too.
func TestScheduleStartsExecution(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{TimeScale: 3600, NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	sm := createSM(t, c, base, "nightly", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)

	body, _ := json.Marshal(map[string]any{
		"ScheduleExpression": "rate(1 hour)",
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
		"Target": map[string]any{"Arn": sm, "RoleArn": "arn:aws:iam::111111111111:role/s",
			"Input": `{"scheduledTime":"<aws.scheduler.scheduled-time>"}`},
	})
	req, _ := http.NewRequest(http.MethodPost, base+"/schedules/hourly", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("CreateSchedule: %d", resp.StatusCode)
	}
	d := waitForExecution(t, c, base, sm, func(in string) bool { return strings.Contains(in, "scheduledTime") })
	var in map[string]string
	json.Unmarshal([]byte(d), &in)
	if _, err := time.Parse(time.RFC3339, in["scheduledTime"]); err != nil {
		t.Errorf("scheduled time %q: %v", in["scheduledTime"], err)
	}

	// EventBridge: a rule with an event pattern and a state machine target.
	ev := func(action string, body any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, base+"/", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSEvents."+action)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", action, resp.StatusCode)
		}
	}
	ev("PutRule", map[string]any{"Name": "orders", "EventPattern": `{"source":["shop"],"detail-type":["OrderPlaced"]}`})
	ev("PutTargets", map[string]any{"Rule": "orders", "Targets": []any{map[string]any{"Id": "sm", "Arn": sm, "InputPath": "$.detail"}}})
	ev("PutEvents", map[string]any{"Entries": []any{map[string]any{"Source": "shop", "DetailType": "OrderPlaced", "Detail": `{"orderId":"o-9"}`}}})
	waitForExecution(t, c, base, sm, func(in string) bool { return in == `{"orderId":"o-9"}` })
}

// waitForExecution waits for an execution of sm whose input matches and
// returns its input.
func waitForExecution(t *testing.T, c *http.Client, base, sm string, match func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		l, _, _ := call(c, base, "ListExecutions", map[string]any{"stateMachineArn": sm})
		for _, e := range l["executions"].([]any) {
			d, _, _ := call(c, base, "DescribeExecution", map[string]any{"executionArn": e.(map[string]any)["executionArn"]})
			if in, _ := d["input"].(string); match(in) {
				return in
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no matching execution started")
	return ""
}
