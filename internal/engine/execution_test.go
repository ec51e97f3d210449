package engine_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// TestExecutionTimeout checks the machine-level TimeoutSeconds.
func TestExecutionTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		def   string
		input string
	}{
		{name: "during a Wait", def: `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, input: `{}`},
		{name: "during a Task", def: `{"TimeoutSeconds":10,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resInvoke + `","TimeoutSeconds":100,"End":true}}}`, input: `{}`},
		{name: "during a Map", def: `{"TimeoutSeconds":10,"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":` + inline(itemTask) + `}}}`, input: `[1,2]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := start(t, tt.def, tt.input)
			var scheduled []string
			var timeout engine.StartTimer
			var others []string
			for _, c := range d.take() {
				switch c := c.(type) {
				case engine.ScheduleTask:
					scheduled = append(scheduled, c.TaskID)
				case engine.StartTimer:
					if c.At.Equal(sec(10)) {
						timeout = c
					} else {
						others = append(others, c.TimerID)
					}
				}
			}
			if timeout.TimerID == "" {
				t.Fatal("no execution timeout timer at +10s")
			}
			d.apply(engine.TimerFiredInput{TimerID: timeout.TimerID}, sec(10))
			if d.ex.Status() != engine.TimedOut {
				t.Fatalf("status = %s, want TIMED_OUT\n%s", d.ex.Status(), historyText(d.ex))
			}
			if name, _ := d.ex.Error(); name != "States.Timeout" {
				t.Errorf("error = %q, want States.Timeout", name)
			}
			h := d.ex.History()
			last := h[len(h)-1]
			if last.Type != engine.ExecutionTimedOut || !last.Timestamp.Equal(sec(10)) {
				t.Errorf("last event = %s at %v", last.Type, last.Timestamp)
			}
			for _, id := range scheduled {
				if !d.has(engine.CancelTask{TaskID: id}) {
					t.Errorf("task %s not cancelled: %#v", id, d.cmds)
				}
			}
			for _, id := range others {
				if !d.has(engine.CancelTimer{TimerID: id}) {
					t.Errorf("timer %s not cancelled: %#v", id, d.cmds)
				}
			}
			if err := d.ex.Apply(engine.TimerFiredInput{TimerID: timeout.TimerID}, sec(11)); !isErr(err, engine.ErrNotRunning) {
				t.Errorf("Apply after the timeout: err = %v, want ErrNotRunning", err)
			}
		})
	}

	t.Run("finishing first cancels the timer", func(t *testing.T) {
		t.Parallel()
		d := start(t, `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}`, `{}`)
		var timeout, wait engine.StartTimer
		for _, tm := range d.timers() {
			if tm.At.Equal(sec(10)) {
				timeout = tm
			} else {
				wait = tm
			}
		}
		d.apply(engine.TimerFiredInput{TimerID: wait.TimerID}, wait.At)
		check(t, d.ex, outcome{output: `{}`})
		if !d.has(engine.CancelTimer{TimerID: timeout.TimerID}) {
			t.Errorf("execution timeout timer not cancelled: %#v", d.cmds)
		}
	})

	t.Run("local runner", func(t *testing.T) {
		t.Parallel()
		ex := run(t, `{"TimeoutSeconds":30,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, `{}`, nil)
		if ex.Status() != engine.TimedOut {
			t.Fatalf("status = %s\n%s", ex.Status(), historyText(ex))
		}
		if want := []string{"ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"}; !equalStrings(types(ex), want) {
			t.Errorf("events = %v, want %v", types(ex), want)
		}
	})
}

// TestStop checks StopInput: the execution is aborted and everything it
// waits for is cancelled.
func TestStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		def     string
		stop    engine.StopInput
		details string
	}{
		{name: "waiting", def: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`,
			stop: engine.StopInput{}, details: `{}`},
		{name: "with error and cause", def: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`,
			stop: engine.StopInput{Error: "Stopped", Cause: "by a test"}, details: `{"error":"Stopped","cause":"by a test"}`},
		{name: "task running", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resInvoke + `","HeartbeatSeconds":5,"End":true}}}`,
			stop: engine.StopInput{Cause: "only a cause"}, details: `{"cause":"only a cause"}`},
		{name: "inside a Parallel", def: parallelMachine("", branch("W", `{"Type":"Wait","Seconds":60,"End":true}`), branch("T", itemTask)),
			stop: engine.StopInput{Error: "E"}, details: `{"error":"E"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := start(t, tt.def, `{}`)
			var tasks, timers []string
			for _, c := range d.take() {
				switch c := c.(type) {
				case engine.ScheduleTask:
					tasks = append(tasks, c.TaskID)
				case engine.StartTimer:
					timers = append(timers, c.TimerID)
				}
			}
			n := len(d.ex.History())
			d.apply(tt.stop, sec(2))
			if d.ex.Status() != engine.Aborted {
				t.Fatalf("status = %s, want ABORTED", d.ex.Status())
			}
			name, cause := d.ex.Error()
			if name != tt.stop.Error || cause != tt.stop.Cause {
				t.Errorf("Error() = %q, %q", name, cause)
			}
			h := d.ex.History()
			if len(h) != n+1 {
				t.Fatalf("stop recorded %d events:\n%s", len(h)-n, historyText(d.ex))
			}
			last := h[n]
			// AWS links ExecutionAborted to no event.
			if last.Type != engine.ExecutionAborted || last.PreviousID != 0 || !last.Timestamp.Equal(sec(2)) {
				t.Errorf("last event = %s", last.JSON())
			}
			if got := jsonv.Marshal(details(t, event(t, d.ex, engine.ExecutionAborted, 0))); got != tt.details {
				t.Errorf("executionAbortedEventDetails = %s, want %s", got, tt.details)
			}
			for _, id := range tasks {
				if !d.has(engine.CancelTask{TaskID: id}) {
					t.Errorf("task %s not cancelled", id)
				}
			}
			for _, id := range timers {
				if !d.has(engine.CancelTimer{TimerID: id}) {
					t.Errorf("timer %s not cancelled", id)
				}
			}
			if err := d.ex.Apply(engine.StopInput{}, sec(3)); !isErr(err, engine.ErrNotRunning) {
				t.Errorf("second stop: err = %v, want ErrNotRunning", err)
			}
		})
	}
}

// determinismMachines exercise every source of variation: random values,
// task tokens, jittered retries, map run ARNs, concurrency.
var determinismMachines = []struct {
	name, def, input string
}{
	{"pass chain", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"u.$":"States.UUID()","r.$":"States.MathRandom(0, 1000000)"},"Next":"B"},"B":{"Type":"Pass","End":true}}}`, `{}`},
	{"jittered retries", taskMachine(resFail, `"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":3,"MaxAttempts":4,"JitterStrategy":"FULL"}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`), `{}`},
	{"task token", taskMachine(resToken, `"Parameters":{"t.$":"$$.Task.Token"}`), `{}`},
	{"parallel and map", parallelMachine("",
		branch("M", `{"Type":"Map","End":true,"MaxConcurrency":2,"ItemSelector":{"i.$":"$$.Map.Item.Index","u.$":"States.UUID()"},"ItemProcessor":{"StartAt":"MT","States":{"MT":`+itemTask+`}}}`),
		branch("W", `{"Type":"Wait","Seconds":5,"End":true}`)), `[1,2,3,4]`},
	{"distributed map", mapMachine(`"MaxConcurrency":1`, distributed(itemPass)), `[1,2]`},
}

// TestDeterminism runs each machine twice with the same seed, inputs and
// times, and compares the encoded histories byte for byte.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	for _, m := range determinismMachines {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			a := encodeHistory(run(t, m.def, m.input, nil))
			b := encodeHistory(run(t, m.def, m.input, nil))
			if !bytes.Equal(a, b) {
				t.Errorf("histories differ:\n%s\n----\n%s", a, b)
			}
		})
	}
}

// TestSeedMatters checks that the seed feeds the random values: two seeds
// give two different UUIDs.
func TestSeedMatters(t *testing.T) {
	t.Parallel()
	sm := mustParse(t, passMachine(`"Parameters":{"u.$":"States.UUID()"}`))
	outputs := map[string]bool{}
	for seed := range uint64(2) {
		info := testInfo()
		info.Seed = seed
		ex := engine.Start(sm, info, jsonv.NewObject(0), t0)
		outputs[jsonv.Marshal(ex.Output())] = true
	}
	if len(outputs) != 2 {
		t.Errorf("two seeds gave the same UUID: %v", outputs)
	}
}

// encodeHistory encodes a history the way GetExecutionHistory returns it.
func encodeHistory(ex *engine.Execution) []byte {
	b := []byte(`{"events":[`)
	for i := range ex.History() {
		if i > 0 {
			b = append(b, ',')
		}
		b = ex.History()[i].AppendJSON(b)
	}
	return append(b, "]}"...)
}

// TestEncodingIsStable checks that encoding an event twice gives the same
// bytes and that appending keeps the prefix.
func TestEncodingIsStable(t *testing.T) {
	t.Parallel()
	ex := run(t, determinismMachines[3].def, determinismMachines[3].input, nil)
	for i := range ex.History() {
		ev := &ex.History()[i]
		a := ev.AppendJSON(nil)
		b := ev.AppendJSON([]byte("prefix"))
		if !bytes.Equal(a, b[len("prefix"):]) || string(b[:len("prefix")]) != "prefix" {
			t.Fatalf("event %d encodes differently when appended", ev.ID)
		}
		if _, err := jsonv.Parse(a); err != nil {
			t.Fatalf("event %d is not JSON: %v\n%s", ev.ID, err, a)
		}
		if ev.JSON() != string(a) {
			t.Fatalf("event %d: JSON() differs from AppendJSON", ev.ID)
		}
	}
}

// TestHistoryLinkage checks invariants of every history: ids count from 1,
// and each event links to an earlier one.
func TestHistoryLinkage(t *testing.T) {
	t.Parallel()
	for _, m := range determinismMachines {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, m.def, m.input, nil)
			for i, ev := range ex.History() {
				if ev.ID != int64(i+1) {
					t.Errorf("event %d has id %d", i+1, ev.ID)
				}
				if ev.PreviousID < 0 || ev.PreviousID >= ev.ID {
					t.Errorf("event %d (%s) links to %d", ev.ID, ev.Type, ev.PreviousID)
				}
				if i > 0 && ev.Timestamp.Before(ex.History()[i-1].Timestamp) {
					t.Errorf("event %d is earlier than event %d", ev.ID, i)
				}
			}
		})
	}
}

// TestInputText checks that the execution input's text is recorded
// verbatim where AWS records it.
func TestInputText(t *testing.T) {
	t.Parallel()
	ex := run(t, passMachine(""), `{ "b" : 1.50,  "a":[ ] }`, nil)
	started := details(t, event(t, ex, engine.ExecutionStarted, 0))
	if got := field(started, "input"); got != `"{ \"b\" : 1.50,  \"a\":[ ] }"` {
		t.Errorf("ExecutionStarted input = %s", got)
	}
	check(t, ex, outcome{output: `{"b":1.50,"a":[]}`})
}

// TestRunnerStepLimit checks that local.Runner ends an endless loop.
func TestRunnerStepLimit(t *testing.T) {
	t.Parallel()
	sm := mustParse(t, `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"A"},"Done":{"Type":"Succeed"}}}`)
	r := local.Runner{MaxSteps: 50}
	_, err := r.Run(context.Background(), sm, testInfo(), jsonv.NewObject(0), t0)
	if !isErr(err, local.ErrTooManySteps) {
		t.Fatalf("err = %v, want ErrTooManySteps", err)
	}
}
