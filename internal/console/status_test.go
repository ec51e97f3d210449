package console

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// goldenHistory reads an engine golden history from testdata.
func goldenHistory(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/golden/" + name + ".history.json")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Events []json.RawMessage }
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h.Events
}

func TestAnalyzeGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status string
		states map[string]StateStatus
		check  func(t *testing.T, a *Analysis)
	}{
		{"task_caught", "SUCCEEDED", map[string]StateStatus{"Call": StatusCaught, "Recover": StatusSucceeded}, func(t *testing.T, a *Analysis) {
			r := a.States["Call"].Last()
			if r.Error != "Lambda.Unknown" || r.Cause != "The function crashed" || r.Attempts != 1 || r.Resource != "lambda:invoke" {
				t.Errorf("Call run = %+v", r)
			}
			if !strings.Contains(r.Output, `"Error":"Lambda.Unknown"`) || r.Input != `{"n": 1}` {
				t.Errorf("Call input %q output %q", r.Input, r.Output)
			}
		}},
		{"task_retry", "SUCCEEDED", map[string]StateStatus{"Call": StatusSucceeded}, func(t *testing.T, a *Analysis) {
			r := a.States["Call"].Last()
			if r.Attempts != 3 || r.Error != "" {
				t.Errorf("Call attempts %d error %q, want 3 attempts and no error", r.Attempts, r.Error)
			}
			if d := r.Duration(time.Time{}); d != 6*time.Second {
				t.Errorf("Call took %v, want 6s", d)
			}
		}},
		{"parallel", "SUCCEEDED", map[string]StateStatus{"Both": StatusSucceeded, "Left": StatusSucceeded, "Right1": StatusSucceeded, "Right2": StatusSucceeded}, func(t *testing.T, a *Analysis) {
			for _, ev := range a.Events {
				if ev.Type == "ParallelStateSucceeded" && ev.State != "Both" {
					t.Errorf("ParallelStateSucceeded belongs to %q, want Both", ev.State)
				}
			}
		}},
		{"inline_map", "SUCCEEDED", map[string]StateStatus{"Each": StatusSucceeded, "Work": StatusSucceeded}, func(t *testing.T, a *Analysis) {
			each := a.States["Each"].Last()
			if each.Iterations.Started != 3 || each.Iterations.Succeeded != 3 {
				t.Errorf("Each iterations %+v", each.Iterations)
			}
			if n := len(a.States["Work"].Runs); n != 3 {
				t.Errorf("Work ran %d times, want 3", n)
			}
		}},
		{"fail_state", "FAILED", map[string]StateStatus{"Check": StatusSucceeded, "Bad": StatusFailed, "Good": StatusNotReached}, func(t *testing.T, a *Analysis) {
			if r := a.States["Bad"].Last(); r.Error == "" {
				t.Errorf("the Fail state has no error: %+v", r)
			}
		}},
		{"execution_timeout", "TIMED_OUT", map[string]StateStatus{"Start": StatusSucceeded, "Sleep": StatusAborted}, nil},
		{"choice_loop", "SUCCEEDED", map[string]StateStatus{"Check": StatusSucceeded, "Inc": StatusSucceeded, "Done": StatusSucceeded}, func(t *testing.T, a *Analysis) {
			if n := len(a.States["Check"].Runs); n != 4 {
				t.Errorf("Check ran %d times, want 4", n)
			}
		}},
		{"distributed_map", "SUCCEEDED", map[string]StateStatus{"Prepare": StatusSucceeded, "Each": StatusSucceeded}, func(t *testing.T, a *Analysis) {
			for _, ev := range a.Events {
				if strings.HasPrefix(ev.Type, "MapRun") && ev.State != "Each" {
					t.Errorf("%s belongs to %q, want Each", ev.Type, ev.State)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := Analyze(goldenHistory(t, tt.name), nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != tt.status {
				t.Errorf("status %s, want %s", a.Status, tt.status)
			}
			for name, want := range tt.states {
				if got := a.StatusOf(name); got != want {
					t.Errorf("%s: %s, want %s", name, got, want)
				}
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

// ev writes one wire-format event.
func ev(id, prev int64, typ, details string) json.RawMessage {
	s := `{"id":` + itoa(id) + `,"previousEventId":` + itoa(prev) + `,"timestamp":1714979289.5,"type":"` + typ + `"`
	if details != "" {
		key := strings.ToLower(typ[:1]) + typ[1:] + "EventDetails"
		if strings.HasSuffix(typ, "StateEntered") {
			key = "stateEnteredEventDetails"
		} else if strings.HasSuffix(typ, "StateExited") {
			key = "stateExitedEventDetails"
		}
		s += `,"` + key + `":` + details
	}
	return json.RawMessage(s + "}")
}

func itoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

func TestAnalyzeLive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		events  []json.RawMessage
		waiting map[string]bool
		want    map[string]StateStatus
	}{
		{"running task", []json.RawMessage{
			ev(1, 0, "ExecutionStarted", `{"input":"{}"}`),
			ev(2, 0, "TaskStateEntered", `{"name":"T","input":"{}"}`),
			ev(3, 2, "TaskScheduled", `{"resourceType":"lambda","resource":"invoke"}`),
		}, nil, map[string]StateStatus{"T": StatusRunning}},
		{"callback by resource", []json.RawMessage{
			ev(1, 0, "ExecutionStarted", `{"input":"{}"}`),
			ev(2, 0, "TaskStateEntered", `{"name":"T","input":"{}"}`),
			ev(3, 2, "TaskScheduled", `{"resourceType":"sqs","resource":"sendMessage.waitForTaskToken"}`),
			ev(4, 3, "TaskStarted", `{"resourceType":"sqs","resource":"sendMessage.waitForTaskToken"}`),
		}, nil, map[string]StateStatus{"T": StatusWaiting}},
		{"callback by pending token", []json.RawMessage{
			ev(1, 0, "ExecutionStarted", `{"input":"{}"}`),
			ev(2, 0, "TaskStateEntered", `{"name":"T","input":"{}"}`),
			ev(3, 2, "TaskScheduled", `{"resourceType":"aws-sdk","resource":"sesv2:sendEmail"}`),
		}, map[string]bool{"T": true}, map[string]StateStatus{"T": StatusWaiting}},
		{"failing task retried then waiting", []json.RawMessage{
			ev(1, 0, "ExecutionStarted", `{"input":"{}"}`),
			ev(2, 0, "TaskStateEntered", `{"name":"T","input":"{}"}`),
			ev(3, 2, "TaskScheduled", `{"resourceType":"lambda","resource":"invoke"}`),
			ev(4, 3, "TaskFailed", `{"error":"E","cause":"c"}`),
		}, nil, map[string]StateStatus{"T": StatusFailed}},
		{"stopped", []json.RawMessage{
			ev(1, 0, "ExecutionStarted", `{"input":"{}"}`),
			ev(2, 0, "WaitStateEntered", `{"name":"W","input":"{}"}`),
			ev(3, 2, "ExecutionAborted", `{"error":"Stop","cause":"by hand"}`),
		}, nil, map[string]StateStatus{"W": StatusAborted}},
		{"redriven", []json.RawMessage{
			ev(1, 0, "ExecutionStarted", `{"input":"{}"}`),
			ev(2, 0, "TaskStateEntered", `{"name":"T","input":"{}"}`),
			ev(3, 2, "TaskScheduled", `{"resourceType":"lambda","resource":"invoke"}`),
			ev(4, 3, "TaskFailed", `{"error":"E","cause":"c"}`),
			ev(5, 4, "ExecutionFailed", `{"error":"E","cause":"c"}`),
			ev(6, 5, "ExecutionRedriven", `{"redriveCount":1}`),
			ev(7, 6, "TaskStateEntered", `{"name":"T","input":"{}"}`),
			ev(8, 7, "TaskScheduled", `{"resourceType":"lambda","resource":"invoke"}`),
		}, nil, map[string]StateStatus{"T": StatusRunning}},
		{"variables", []json.RawMessage{
			ev(1, 0, "ExecutionStarted", `{"input":"{}"}`),
			ev(2, 0, "PassStateEntered", `{"name":"P","input":"{}"}`),
			ev(3, 2, "PassStateExited", `{"name":"P","output":"{}","assignedVariables":{"z":"1","a":"\"x\""}}`),
		}, nil, map[string]StateStatus{"P": StatusRunning + "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := Analyze(tt.events, tt.waiting)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if tt.name == "variables" {
					vars := a.States[name].Last().Variables
					if len(vars) != 2 || vars[0] != (Variable{"z", "1"}) || vars[1] != (Variable{"a", `"x"`}) {
						t.Errorf("variables %v, want z then a in written order", vars)
					}
					continue
				}
				if got := a.StatusOf(name); got != want {
					t.Errorf("%s: %s, want %s", name, got, want)
				}
			}
		})
	}
}

func TestAnalyzeBadHistory(t *testing.T) {
	t.Parallel()
	if _, err := Analyze([]json.RawMessage{json.RawMessage(`{"id":"x"}`)}, nil); err == nil {
		t.Error("a history with a string id was accepted")
	}
	a, err := Analyze(nil, nil)
	if err != nil || a.Status != "RUNNING" || len(a.States) != 0 {
		t.Errorf("empty history: %+v %v", a, err)
	}
}

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want time.Time
	}{
		{`1714979289.5`, time.Unix(1714979289, 5e8).UTC()},
		{`1.714979289123E9`, time.Unix(1714979289, 123e6).UTC()},
		{`"2024-05-06T07:08:09.000Z"`, time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
		{`"yesterday"`, time.Time{}},
		{`1e300`, time.Time{}},
		{``, time.Time{}},
	}
	for _, tt := range tests {
		if got := parseTimestamp(json.RawMessage(tt.raw)); !got.Equal(tt.want) {
			t.Errorf("parseTimestamp(%s) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}
