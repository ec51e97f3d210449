package consoletest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// History builds execution histories event by event, written exactly as
// GetExecutionHistory writes them on the wire (timestamps as epoch seconds,
// payloads as JSON text in strings).
type History struct {
	// Events are the events so far.
	Events []json.RawMessage
	// At is the timestamp of the next event.
	At time.Time
	// Step is added to At after each event.
	Step time.Duration
	last int64
}

// NewHistory starts a history at t.
func NewHistory(t time.Time) *History {
	return &History{At: t, Step: 40 * time.Millisecond}
}

// Last returns the id of the newest event (0 before the first).
func (h *History) Last() int64 { return h.last }

// Add appends an event of type typ following prev, with details (nil for
// none), and returns its id. Details go under the member AWS uses for typ
// (stateEnteredEventDetails for every *StateEntered, taskScheduledEventDetails
// for TaskScheduled, ...). String values that hold JSON stay strings, as on
// AWS.
func (h *History) Add(prev int64, typ string, details map[string]any) int64 {
	h.last++
	ev := `{"id":` + strconv.FormatInt(h.last, 10) + `,"previousEventId":` + strconv.FormatInt(prev, 10) +
		`,"timestamp":` + epoch(h.At) + `,"type":` + quote(typ)
	if details != nil {
		b, _ := json.Marshal(details)
		ev += `,` + quote(detailsKey(typ)) + `:` + string(b)
	}
	ev += `}`
	h.Events = append(h.Events, json.RawMessage(ev))
	h.At = h.At.Add(h.Step)
	return h.last
}

// Wait moves the clock on by d.
func (h *History) Wait(d time.Duration) { h.At = h.At.Add(d) }

// Enter appends a *StateEntered event.
func (h *History) Enter(prev int64, typ, name, input string) int64 {
	return h.Add(prev, typ+"StateEntered", map[string]any{"name": name, "input": input, "inputDetails": map[string]bool{"truncated": false}})
}

// Exit appends a *StateExited event; vars (name, JSON text pairs) become
// assignedVariables.
func (h *History) Exit(prev int64, typ, name, output string, vars ...string) int64 {
	d := map[string]any{"name": name, "output": output, "outputDetails": map[string]bool{"truncated": false}}
	if len(vars) > 0 {
		av := map[string]string{}
		for i := 0; i+1 < len(vars); i += 2 {
			av[vars[i]] = vars[i+1]
		}
		d["assignedVariables"] = av
		d["assignedVariablesDetails"] = map[string]bool{"truncated": false}
	}
	return h.Add(prev, typ+"StateExited", d)
}

// Task appends TaskScheduled and TaskStarted for a resource such as
// "lambda:invoke" and returns the TaskStarted id.
func (h *History) Task(prev int64, resource, params string) int64 {
	typ, res, _ := strings.Cut(resource, ":")
	id := h.Add(prev, "TaskScheduled", map[string]any{"resourceType": typ, "resource": res, "region": "us-east-1", "parameters": params})
	return h.Add(id, "TaskStarted", map[string]any{"resourceType": typ, "resource": res})
}

// TaskOK appends TaskSucceeded.
func (h *History) TaskOK(prev int64, resource, output string) int64 {
	typ, res, _ := strings.Cut(resource, ":")
	return h.Add(prev, "TaskSucceeded", map[string]any{"resourceType": typ, "resource": res, "output": output, "outputDetails": map[string]bool{"truncated": false}})
}

// TaskFail appends TaskFailed.
func (h *History) TaskFail(prev int64, resource, errName, cause string) int64 {
	typ, res, _ := strings.Cut(resource, ":")
	return h.Add(prev, "TaskFailed", map[string]any{"resourceType": typ, "resource": res, "error": errName, "cause": cause})
}

// detailsKey names the details member of an event type.
func detailsKey(typ string) string {
	switch {
	case strings.HasSuffix(typ, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(typ, "StateExited"):
		return "stateExitedEventDetails"
	}
	return strings.ToLower(typ[:1]) + typ[1:] + "EventDetails"
}

// epoch writes t as awsJson does: seconds since the epoch, with millis.
func epoch(t time.Time) string {
	ms := t.UnixMilli()
	return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
