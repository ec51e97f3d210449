package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// StateStatus is what happened to a state in an execution, as the graph
// colours it (the value is also the node's CSS class suffix).
type StateStatus string

// The statuses of a state.
const (
	StatusNotReached StateStatus = "not-reached"
	StatusRunning    StateStatus = "running"
	StatusWaiting    StateStatus = "waiting" // waiting for a callback (task token)
	StatusSucceeded  StateStatus = "succeeded"
	StatusFailed     StateStatus = "failed"
	StatusCaught     StateStatus = "caught" // failed, and a Catch moved on
	StatusAborted    StateStatus = "aborted"
)

// statusRank orders statuses for aggregating a state's several runs (loops,
// Map iterations): what is happening now first, then failures.
var statusRank = map[StateStatus]int{
	StatusNotReached: 0, StatusSucceeded: 1, StatusAborted: 2, StatusCaught: 3,
	StatusFailed: 4, StatusRunning: 5, StatusWaiting: 6,
}

// Event is one history event decoded for display.
type Event struct {
	ID, PreviousID int64
	Timestamp      time.Time
	Type           string
	// State is the name of the state the event belongs to ("" for
	// execution-level events).
	State string
	// Details is the *EventDetails object as indented JSON ("" if none).
	Details string
	// Error and Cause are set on failure events.
	Error, Cause string
	// Failure marks events that report a failure.
	Failure bool
}

// Run is one entry into a state: from its StateEntered event to its
// StateExited event (or its failure, or now).
type Run struct {
	Name      string
	Type      string // Pass, Task, Choice, ... (from the entered event)
	Status    StateStatus
	Entered   time.Time
	Exited    time.Time // zero while running
	Input     string    // JSON text
	Output    string    // JSON text
	Variables []Variable
	Error     string
	Cause     string
	// Attempts counts the tries (a Task's TaskScheduled events, a
	// Parallel's or Map's starts); Attempts-1 are retries.
	Attempts int
	// Resource is the last scheduled Task resource.
	Resource string
	// Iterations counts a Map state's iterations by outcome.
	Iterations struct{ Started, Succeeded, Failed, Aborted int }
	// FirstEvent is the id of the entered event.
	FirstEvent int64

	parent  *Run
	open    bool
	failed  bool
	caught  bool
	aborted bool
}

// Variable is one variable assigned by a state (assignedVariables).
type Variable struct{ Name, Value string }

// Duration is how long the run took (until now while open).
func (r *Run) Duration(now time.Time) time.Duration {
	end := r.Exited
	if end.IsZero() {
		end = now
	}
	if r.Entered.IsZero() || end.Before(r.Entered) {
		return 0
	}
	return end.Sub(r.Entered)
}

// StateSummary aggregates every run of one state name.
type StateSummary struct {
	Name   string
	Status StateStatus
	// Runs are this state's entries, oldest first.
	Runs []*Run
	// Counts by status of the runs.
	Counts map[StateStatus]int
}

// Last returns the state's most recent run.
func (s *StateSummary) Last() *Run { return s.Runs[len(s.Runs)-1] }

// Analysis is what the history says about an execution.
type Analysis struct {
	Events []Event
	Runs   []*Run
	States map[string]*StateSummary
	// Status is the execution status the history implies: RUNNING,
	// SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
	Status     string
	Start, End time.Time

	redriven int // runs before the last ExecutionRedriven
}

// StatusOf returns a state's aggregated status (not-reached when it never
// ran).
func (a *Analysis) StatusOf(name string) StateStatus {
	if s, ok := a.States[name]; ok {
		return s.Status
	}
	return StatusNotReached
}

// rawEvent is a history event as GetExecutionHistory writes it.
type rawEvent struct {
	ID        int64           `json:"id"`
	Prev      int64           `json:"previousEventId"`
	Timestamp json.RawMessage `json:"timestamp"`
	Type      string          `json:"type"`
}

// details are the fields of any *EventDetails member the console reads.
type details struct {
	Name              string                     `json:"name"`
	State             string                     `json:"state"`
	Input             json.RawMessage            `json:"input"`
	Output            json.RawMessage            `json:"output"`
	Error             string                     `json:"error"`
	Cause             string                     `json:"cause"`
	Resource          string                     `json:"resource"`
	ResourceType      string                     `json:"resourceType"`
	AssignedVariables map[string]json.RawMessage `json:"assignedVariables"`
}

// Analyze reads an execution's history: which state each event belongs to,
// and each state's runs and status. waiting names states holding a task
// token the execution waits on (PendingCallbacks); it may be nil. now is
// used for the durations of open runs.
func Analyze(events []json.RawMessage, waiting map[string]bool) (*Analysis, error) {
	a := &Analysis{States: map[string]*StateSummary{}, Status: "RUNNING"}
	owner := make(map[int64]*Run, len(events))
	// failures keeps each failure event's error, for the events that
	// report a failure without details (ParallelStateFailed, ...).
	failures := map[int64][2]string{}
	a.Events = make([]Event, 0, len(events))
	for i, raw := range events {
		var re rawEvent
		if err := json.Unmarshal(raw, &re); err != nil {
			return nil, fmt.Errorf("decode history event %d: %w", i+1, err)
		}
		var members map[string]json.RawMessage
		_ = json.Unmarshal(raw, &members)
		var d details
		var detailsText string
		var varOrder []string
		for k, v := range members {
			if strings.HasSuffix(k, "EventDetails") {
				_ = json.Unmarshal(v, &d)
				detailsText = indentJSON(string(v))
				varOrder = orderedKeys(v, "assignedVariables")
			}
		}
		if isFailure(re.Type) {
			if d.Error == "" && d.Cause == "" {
				if ec, ok := failures[re.Prev]; ok {
					d.Error, d.Cause = ec[0], ec[1]
				}
			}
			failures[re.ID] = [2]string{d.Error, d.Cause}
		}
		ts := parseTimestamp(re.Timestamp)
		if i == 0 {
			a.Start = ts
		}
		ev := Event{ID: re.ID, PreviousID: re.Prev, Timestamp: ts, Type: re.Type, Details: detailsText, Error: d.Error, Cause: d.Cause}
		prev := owner[re.Prev]
		var run *Run
		t := re.Type
		switch {
		case strings.HasSuffix(t, "StateEntered"):
			run = &Run{Name: d.Name, Type: strings.TrimSuffix(t, "StateEntered"), Entered: ts, open: true, FirstEvent: re.ID}
			run.Input = jsonText(d.Input)
			if prev != nil && prev.open && (prev.Type == "Parallel" || prev.Type == "Map") {
				run.parent = prev
			} else if prev != nil {
				run.parent = prev.parent
			}
			a.Runs = append(a.Runs, run)
			sum := a.States[d.Name]
			if sum == nil {
				sum = &StateSummary{Name: d.Name}
				a.States[d.Name] = sum
			}
			sum.Runs = append(sum.Runs, run)
			if run.Type == "Fail" {
				run.failed, run.open = true, false
				run.Exited = ts
			}
		case strings.HasSuffix(t, "StateExited"):
			run = up(prev, func(r *Run) bool { return r.Name == d.Name })
			if run == nil {
				run = lastOpen(a.States[d.Name])
			}
			if run != nil {
				run.open = false
				run.Exited = ts
				run.Output = jsonText(d.Output)
				if run.failed {
					run.failed, run.caught = false, true
				}
				for _, name := range varOrder {
					run.Variables = append(run.Variables, Variable{Name: name, Value: jsonText(d.AssignedVariables[name])})
				}
			}
		case strings.HasPrefix(t, "MapIteration"):
			run = up(prev, func(r *Run) bool { return r.Name == d.Name && r.Type == "Map" })
			if run != nil {
				switch t {
				case "MapIterationStarted":
					run.Iterations.Started++
				case "MapIterationSucceeded":
					run.Iterations.Succeeded++
				case "MapIterationFailed":
					run.Iterations.Failed++
				case "MapIterationAborted":
					run.Iterations.Aborted++
				}
			}
		case strings.HasPrefix(t, "ParallelState"):
			run = up(prev, func(r *Run) bool { return r.Type == "Parallel" })
		case strings.HasPrefix(t, "MapState"), strings.HasPrefix(t, "MapRun"):
			run = up(prev, func(r *Run) bool { return r.Type == "Map" })
		case strings.HasPrefix(t, "Task"), strings.HasPrefix(t, "Activity"), strings.HasPrefix(t, "Lambda"):
			run = up(prev, func(r *Run) bool { return r.Type == "Task" })
			if run == nil {
				run = prev
			}
		case t == "EvaluationFailed":
			run = up(prev, func(r *Run) bool { return r.Name == d.State })
			if run == nil && d.State != "" {
				run = lastOpen(a.States[d.State])
			}
		default:
			run = prev
		}
		if run != nil {
			owner[re.ID] = run
			if !strings.HasPrefix(t, "Execution") || run.failed || run.open {
				ev.State = run.Name
			}
		}
		ev.Failure = isFailure(t)
		applyEvent(a, run, t, &d, ts)
		a.Events = append(a.Events, ev)
	}
	for name, sum := range a.States {
		sum.Counts = map[StateStatus]int{}
		best := StatusNotReached
		// After a redrive, a state that ran again shows its new runs.
		since := sum.Runs[len(sum.Runs)-1].FirstEvent
		if a.redriven > 0 && a.redriven < len(a.Runs) {
			since = min(since, a.Runs[a.redriven].FirstEvent)
		} else {
			since = 0
		}
		for _, r := range sum.Runs {
			r.Status = runStatus(r, a.Status, waiting[name])
			sum.Counts[r.Status]++
			if r.FirstEvent >= since && statusRank[r.Status] > statusRank[best] {
				best = r.Status
			}
		}
		sum.Status = best
	}
	return a, nil
}

// applyEvent updates the run an event belongs to and the execution status.
func applyEvent(a *Analysis, run *Run, t string, d *details, ts time.Time) {
	switch t {
	case "ExecutionSucceeded":
		a.Status, a.End = "SUCCEEDED", ts
	case "ExecutionFailed":
		a.Status, a.End = "FAILED", ts
		if run != nil && (run.open || run.failed) {
			run.failed = true
			if run.Error == "" && run.Cause == "" {
				run.Error, run.Cause = d.Error, d.Cause
			}
		}
	case "ExecutionTimedOut":
		a.Status, a.End = "TIMED_OUT", ts
	case "ExecutionAborted":
		a.Status, a.End = "ABORTED", ts
	case "ExecutionRedriven":
		a.Status, a.End = "RUNNING", time.Time{}
		a.redriven = len(a.Runs)
		// Runs cut short by the failure stay as they were; the redrive
		// enters their states again.
		for _, r := range a.Runs {
			if r.open && !r.failed {
				r.aborted = true
			}
			r.open = false
		}
	}
	if run == nil || strings.HasPrefix(t, "Execution") {
		return
	}
	switch {
	case t == "TaskScheduled", t == "ParallelStateStarted", t == "MapStateStarted":
		run.Attempts++
		if d.Resource != "" {
			run.Resource = d.Resource
			if d.ResourceType != "" {
				run.Resource = d.ResourceType + ":" + d.Resource
			}
		}
		if run.failed { // a retry
			run.failed = false
			run.Error, run.Cause = "", ""
			run.Exited = time.Time{}
		}
	case isFailure(t):
		run.failed = true
		run.Error, run.Cause = d.Error, d.Cause
		if run.Exited.IsZero() {
			run.Exited = ts
		}
	}
}

// isFailure reports whether an event type reports a failure.
func isFailure(t string) bool {
	return strings.HasSuffix(t, "Failed") && !strings.HasPrefix(t, "MapIteration") ||
		strings.HasSuffix(t, "TimedOut") || t == "TaskStateAborted" ||
		t == "ParallelStateAborted" || t == "MapStateAborted" || t == "ExecutionAborted"
}

// runStatus decides a run's status once the whole history is read.
func runStatus(r *Run, execStatus string, waiting bool) StateStatus {
	switch {
	case r.failed:
		return StatusFailed
	case r.open && execStatus == "RUNNING":
		if waiting || strings.HasSuffix(r.Resource, ".waitForTaskToken") {
			return StatusWaiting
		}
		return StatusRunning
	case r.open, r.aborted:
		return StatusAborted
	case r.caught:
		return StatusCaught
	}
	return StatusSucceeded
}

// up walks from r to its enclosing runs and returns the first that ok
// accepts.
func up(r *Run, ok func(*Run) bool) *Run {
	for i := 0; r != nil && i < 1000; i++ {
		if ok(r) {
			return r
		}
		r = r.parent
	}
	return nil
}

// lastOpen returns the newest open run of a state.
func lastOpen(s *StateSummary) *Run {
	if s == nil {
		return nil
	}
	for i := len(s.Runs) - 1; i >= 0; i-- {
		if s.Runs[i].open {
			return s.Runs[i]
		}
	}
	return s.Runs[len(s.Runs)-1]
}

// parseTimestamp reads an event timestamp: epoch seconds (the awsJson wire
// form) or an RFC 3339 string.
func parseTimestamp(raw json.RawMessage) time.Time {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return time.Time{}
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t
			}
		}
		return time.Time{}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).Round(time.Microsecond).UTC()
}

// jsonText returns the JSON text a details field holds: the content of a
// string (AWS sends payloads as JSON strings), or the raw value.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// orderedKeys returns the keys of the object under key in obj, in written
// order.
func orderedKeys(obj json.RawMessage, key string) []string {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		k, _ := tok.(string)
		if k != key {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil
		}
		var keys []string
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return keys
			}
			name, _ := tok.(string)
			keys = append(keys, name)
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return keys
			}
		}
		return keys
	}
	return nil
}

// indentJSON pretty-prints JSON text, keeping key order and number text;
// text that is not JSON is returned unchanged.
func indentJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}
