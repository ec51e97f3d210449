package engine_test

import (
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// waitMachine builds a Wait state W with fields, followed by a Pass state
// After that records when it was entered.
func waitMachine(fields string) string {
	return `{"StartAt":"W","States":{"W":{"Type":"Wait",` + fields + `,"Next":"After"},` +
		`"After":{"Type":"Pass","Parameters":{"in.$":"$","entered.$":"$$.State.EnteredTime"},"End":true}}}`
}

func TestWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fields  string
		input   string
		timerAt time.Time // zero: the state must not start a timer
		want    outcome   // the execution's end after firing the timer
	}{
		{name: "Seconds", fields: `"Seconds":90`, input: `{"a":1}`, timerAt: sec(90),
			want: outcome{output: `{"in":{"a":1},"entered":"2024-05-06T07:09:39.000Z"}`}},
		{name: "Seconds 0 does not wait", fields: `"Seconds":0`, input: `{"a":1}`,
			want: outcome{output: `{"in":{"a":1},"entered":"2024-05-06T07:08:09.000Z"}`}},
		{name: "Timestamp in the future", fields: `"Timestamp":"2024-05-06T08:00:00Z"`, input: `{}`,
			timerAt: time.Date(2024, 5, 6, 8, 0, 0, 0, time.UTC),
			want:    outcome{output: `{"in":{},"entered":"2024-05-06T08:00:00.000Z"}`}},
		{name: "Timestamp with an offset", fields: `"Timestamp":"2024-05-06T09:08:10+02:00"`, input: `{}`,
			timerAt: sec(1),
			want:    outcome{output: `{"in":{},"entered":"2024-05-06T07:08:10.000Z"}`}},
		{name: "Timestamp in the past does not wait", fields: `"Timestamp":"2016-03-14T01:59:00Z"`, input: `{}`,
			want: outcome{output: `{"in":{},"entered":"2024-05-06T07:08:09.000Z"}`}},
		{name: "SecondsPath", fields: `"SecondsPath":"$.s"`, input: `{"s":5}`, timerAt: sec(5),
			want: outcome{output: `{"in":{"s":5},"entered":"2024-05-06T07:08:14.000Z"}`}},
		{name: "SecondsPath after InputPath", fields: `"InputPath":"$.cfg","SecondsPath":"$.s"`, input: `{"cfg":{"s":3},"s":100}`, timerAt: sec(3),
			want: outcome{output: `{"in":{"s":3},"entered":"2024-05-06T07:08:12.000Z"}`}},
		{name: "SecondsPath negative", fields: `"SecondsPath":"$.s"`, input: `{"s":-1}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter does not reference an input value that is a valid non-negative integer: $.s == -1"}},
		{name: "SecondsPath not a number", fields: `"SecondsPath":"$.s"`, input: `{"s":"5"}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter does not reference an input value that is a valid non-negative integer: $.s == 5"}},
		{name: "SecondsPath missing", fields: `"SecondsPath":"$.s"`, input: `{}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter does not reference an input value that is a valid non-negative integer: $.s == null"}},
		{name: "TimestampPath", fields: `"TimestampPath":"$.t"`, input: `{"t":"2024-05-06T07:08:39Z"}`, timerAt: sec(30),
			want: outcome{output: `{"in":{"t":"2024-05-06T07:08:39Z"},"entered":"2024-05-06T07:08:39.000Z"}`}},
		{name: "TimestampPath with fractional seconds", fields: `"TimestampPath":"$.t"`, input: `{"t":"2024-05-06T07:08:10.250Z"}`, timerAt: sec(1.25),
			want: outcome{output: `{"in":{"t":"2024-05-06T07:08:10.250Z"},"entered":"2024-05-06T07:08:10.250Z"}`}},
		{name: "TimestampPath without a zone", fields: `"TimestampPath":"$.t"`, input: `{"t":"2016-12-05T21:29:29"}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'W' (entered at the event id #2). The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == 2016-12-05T21:29:29"}},
		{name: "TimestampPath invalid month", fields: `"TimestampPath":"$.t"`, input: `{"t":"2016-13-05T21:29:29Z"}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'W' (entered at the event id #2). The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == 2016-13-05T21:29:29Z"}},
		{name: "OutputPath", fields: `"Seconds":1,"OutputPath":"$.keep"`, input: `{"keep":{"k":1},"drop":2}`, timerAt: sec(1),
			want: outcome{output: `{"in":{"k":1},"entered":"2024-05-06T07:08:10.000Z"}`}},
		{name: "InputPath null", fields: `"Seconds":1,"InputPath":null`, input: `{"drop":2}`, timerAt: sec(1),
			want: outcome{output: `{"in":{},"entered":"2024-05-06T07:08:10.000Z"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := start(t, waitMachine(tt.fields), tt.input)
			ts := d.timers()
			switch {
			case tt.timerAt.IsZero() && len(ts) != 0:
				t.Fatalf("unexpected timers %#v", ts)
			case !tt.timerAt.IsZero():
				if len(ts) != 1 {
					t.Fatalf("want one timer, got %#v\n%s", ts, historyText(d.ex))
				}
				if !ts[0].At.Equal(tt.timerAt) {
					t.Errorf("timer at %v, want %v", ts[0].At, tt.timerAt)
				}
				if d.ex.Status() != engine.Running {
					t.Fatalf("status %s while waiting", d.ex.Status())
				}
				d.apply(engine.TimerFiredInput{TimerID: ts[0].TimerID}, ts[0].At)
			}
			check(t, d.ex, tt.want)
		})
	}
}

// TestWaitHistory checks the Wait state's events and their timestamps.
func TestWaitHistory(t *testing.T) {
	t.Parallel()
	ex := run(t, waitMachine(`"Seconds":60`), `{}`, nil)
	want := []struct {
		typ string
		at  time.Time
	}{
		{"ExecutionStarted", t0}, {"WaitStateEntered", t0}, {"WaitStateExited", sec(60)},
		{"PassStateEntered", sec(60)}, {"PassStateExited", sec(60)}, {"ExecutionSucceeded", sec(60)},
	}
	h := ex.History()
	if len(h) != len(want) {
		t.Fatalf("history:\n%s", historyText(ex))
	}
	for i, w := range want {
		if string(h[i].Type) != w.typ || !h[i].Timestamp.Equal(w.at) {
			t.Errorf("event %d = %s at %v, want %s at %v", i+1, h[i].Type, h[i].Timestamp, w.typ, w.at)
		}
		if h[i].ID != int64(i+1) {
			t.Errorf("event %d has id %d", i+1, h[i].ID)
		}
	}
	if got := jsonv.Marshal(details(t, event(t, ex, "WaitStateExited", 0))); got != `{"name":"W","output":"{}","outputDetails":{"truncated":false}}` {
		t.Errorf("WaitStateExited details = %s", got)
	}
}

// TestWaitAssign checks a Wait state's Assign: "$" is the state input, and
// the variables are set when the wait ends.
func TestWaitAssign(t *testing.T) {
	t.Parallel()
	ex := run(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Assign":{"waited.$":"$.n"},"Next":"R"},
		"R":{"Type":"Pass","Parameters":{"w.$":"$waited"},"End":true}}}`, `{"n":5}`, nil)
	check(t, ex, outcome{output: `{"w":5}`})
}

// TestWaitSecondsPathVariable reads the wait from a variable.
func TestWaitSecondsPathVariable(t *testing.T) {
	t.Parallel()
	d := start(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"delay":4},"Next":"W"},
		"W":{"Type":"Wait","SecondsPath":"$delay","End":true}}}`, `{"x":1}`)
	tm := d.timer()
	if !tm.At.Equal(sec(4)) {
		t.Errorf("timer at %v, want %v", tm.At, sec(4))
	}
	d.apply(engine.TimerFiredInput{TimerID: tm.TimerID}, tm.At)
	check(t, d.ex, outcome{output: `{"x":1}`})
}

// TestWaitSecondsPathHuge checks a SecondsPath too large for a Go
// time.Duration: the state must not end at once.
func TestWaitSecondsPathHuge(t *testing.T) {
	t.Parallel()
	d := start(t, waitMachine(`"SecondsPath":"$.s"`), `{"s":10000000000}`)
	if d.ex.Status() == engine.Succeeded {
		t.Fatalf("the Wait ended at once:\n%s", historyText(d.ex))
	}
	for _, tm := range d.timers() {
		if !tm.At.After(t0) {
			t.Errorf("timer at %v, not after the start", tm.At)
		}
	}
}
