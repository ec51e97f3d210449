package engine_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// taskMachine wraps one Task state's extra fields in a machine whose task
// calls resource; "Next" targets (Catch) may name "Caught", a Pass state.
func taskMachine(resource, fields string) string {
	if fields != "" {
		fields = "," + fields
	}
	extra := ""
	if strings.Contains(fields, `"Caught"`) {
		extra = `,"Caught":{"Type":"Pass","End":true}`
	}
	return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `","End":true` + fields + `}` + extra + `}}`
}

func TestTask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource string
		fields   string
		input    string
		handlers map[string]local.Handler
		want     outcome
	}{
		{name: "result is the output", resource: resInvoke, input: `{"b":1,"a":2}`,
			want: outcome{output: `{"b":1,"a":2}`}},
		{name: "Parameters are the task input", resource: resInvoke, fields: `"Parameters":{"FunctionName":"f","Payload.$":"$.p"}`,
			input: `{"p":{"x":1}}`, want: outcome{output: `{"FunctionName":"f","Payload":{"x":1}}`}},
		{name: "InputPath then Parameters", resource: resInvoke, fields: `"InputPath":"$.in","Parameters":{"v.$":"$.v"}`,
			input: `{"in":{"v":1},"v":2}`, want: outcome{output: `{"v":1}`}},
		{name: "ResultSelector", resource: resInvoke, fields: `"Parameters":{"Payload":{"r":5},"StatusCode":200},"ResultSelector":{"body.$":"$.Payload.r","code.$":"$.StatusCode"}`,
			input: `{}`, want: outcome{output: `{"body":5,"code":200}`}},
		{name: "ResultSelector then ResultPath then OutputPath", resource: resInvoke,
			fields: `"Parameters":{"Payload":{"r":5}},"ResultSelector":{"r.$":"$.Payload.r"},"ResultPath":"$.out","OutputPath":"$.out"`,
			input:  `{"keep":1}`, want: outcome{output: `{"r":5}`}},
		{name: "ResultPath null discards the result", resource: resInvoke, fields: `"Parameters":{"x":1},"ResultPath":null`,
			input: `{"keep":1}`, want: outcome{output: `{"keep":1}`}},
		{name: "ResultPath nested", resource: resInvoke, fields: `"Parameters":{"x":1},"ResultPath":"$.a.b"`,
			input: `{"keep":1}`, want: outcome{output: `{"keep":1,"a":{"b":{"x":1}}}`}},
		{name: "OutputPath null", resource: resInvoke, fields: `"OutputPath":null`,
			input: `{"keep":1}`, want: outcome{output: `{}`}},
		{name: "Task context object has RetryCount", resource: resInvoke, fields: `"Parameters":{"s.$":"$$.State"}`,
			input: `{}`, want: outcome{output: `{"s":{"EnteredTime":"2024-05-06T07:08:09.000Z","Name":"T","RetryCount":0}}`}},
		{name: "uncaught failure fails the execution", resource: resFail, input: `{}`,
			want: outcome{status: engine.Failed, err: "Custom.Error", cause: "it broke"}},
		{name: "a handler error without a name is States.TaskFailed", resource: resInvoke, input: `{}`,
			handlers: map[string]local.Handler{resInvoke: func(_ ctxT, _ jsonv.Value) (jsonv.Value, error) { return nil, errors.New("boom") }},
			want:     outcome{status: engine.Failed, err: "States.TaskFailed", cause: "boom"}},
		{name: "Catch with ResultPath", resource: resFail, input: `{"in":1}`,
			fields: `"Catch":[{"ErrorEquals":["Other"],"Next":"Caught"},{"ErrorEquals":["Custom.Error"],"ResultPath":"$.error","Next":"Caught"}]`,
			want:   outcome{output: `{"in":1,"error":{"Error":"Custom.Error","Cause":"it broke"}}`}},
		{name: "Catch without ResultPath replaces the input", resource: resFail, input: `{"in":1}`,
			fields: `"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`,
			want:   outcome{output: `{"Error":"Custom.Error","Cause":"it broke"}`}},
		{name: "Catch ResultPath null keeps the input", resource: resFail, input: `{"in":1}`,
			fields: `"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"Caught"}]`,
			want:   outcome{output: `{"in":1}`}},
		{name: "States.TaskFailed catches a task's own error", resource: resFail, input: `{}`,
			fields: `"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Caught"}]`,
			want:   outcome{output: `{"Error":"Custom.Error","Cause":"it broke"}`}},
		{name: "States.ALL does not catch States.Runtime", resource: resInvoke, input: `{}`,
			fields: `"Parameters":{"v.$":"$.missing"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: `An error occurred while executing the state 'T' (entered at the event id #2). The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{}'`}},
		{name: "States.ALL does not retry States.Runtime", resource: resInvoke, input: `{}`,
			fields: `"ResultSelector":{"v.$":"$.missing"},"Retry":[{"ErrorEquals":["States.ALL"]}]`,
			want:   outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'T' (entered at the event id #2). …"}},
		{name: "Catch Assign", resource: resFail, input: `{}`,
			fields: `"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error"},"ResultPath":null,"Next":"Read"}]`,
			want:   outcome{output: `{"err":"Custom.Error"}`}},
		{name: "retries then succeeds", resource: resInvoke, input: `{"x":1}`,
			handlers: map[string]local.Handler{resInvoke: flaky(2, "Transient")},
			fields:   `"Retry":[{"ErrorEquals":["Transient"],"MaxAttempts":2}]`,
			want:     outcome{output: `{"x":1}`}},
		{name: "retries exhausted then caught", resource: resInvoke, input: `{"x":1}`,
			handlers: map[string]local.Handler{resInvoke: flaky(3, "Transient")},
			fields:   `"Retry":[{"ErrorEquals":["Transient"],"MaxAttempts":2}],"Catch":[{"ErrorEquals":["Transient"],"ResultPath":"$.e","Next":"Caught"}]`,
			want:     outcome{output: `{"x":1,"e":{"Error":"Transient","Cause":"attempt failed"}}`}},
		{name: "MaxAttempts 0 never retries", resource: resInvoke, input: `{}`,
			handlers: map[string]local.Handler{resInvoke: flaky(1, "Transient")},
			fields:   `"Retry":[{"ErrorEquals":["Transient"],"MaxAttempts":0}]`,
			want:     outcome{status: engine.Failed, err: "Transient", cause: "attempt failed"}},
		{name: "a non-matching retrier does not retry", resource: resInvoke, input: `{}`,
			handlers: map[string]local.Handler{resInvoke: flaky(1, "Transient")},
			fields:   `"Retry":[{"ErrorEquals":["Other"]}]`,
			want:     outcome{status: engine.Failed, err: "Transient", cause: "attempt failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := taskMachine(tt.resource, tt.fields)
			if strings.Contains(tt.fields, `"Read"`) {
				def = strings.TrimSuffix(def, "}}") + `,"Read":{"Type":"Pass","Parameters":{"err.$":"$err"},"End":true}}}`
			}
			handlers := tt.handlers
			if handlers == nil {
				handlers = defaultHandlers()
			}
			ex := run(t, def, tt.input, handlers)
			check(t, ex, tt.want)
		})
	}
}

// TestTaskEventDetails checks each task event's details as
// GetExecutionHistory returns them, per resource family.
func TestTaskEventDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource string
		events   []string
		want     map[string]string // event type → its details object
	}{
		{name: "service integration", resource: resInvoke,
			events: []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"},
			want: map[string]string{
				"TaskScheduled": `{"resourceType":"lambda","resource":"invoke","region":"us-east-1","parameters":"{\"FunctionName\":\"f\"}","timeoutInSeconds":30,"heartbeatInSeconds":10}`,
				"TaskStarted":   `{"resourceType":"lambda","resource":"invoke"}`,
				"TaskSucceeded": `{"resourceType":"lambda","resource":"invoke","output":"{\"FunctionName\":\"f\"}","outputDetails":{"truncated":false}}`,
			}},
		{name: "legacy Lambda ARN", resource: resLambdaArn,
			events: []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"},
			want: map[string]string{
				"LambdaFunctionScheduled": `{"resource":"arn:aws:lambda:us-east-1:111111111111:function:echo","input":"{\"FunctionName\":\"f\"}","inputDetails":{"truncated":false},"timeoutInSeconds":30}`,
				"LambdaFunctionSucceeded": `{"output":"{\"FunctionName\":\"f\"}","outputDetails":{"truncated":false}}`,
			}},
		{name: "activity", resource: resActivity,
			events: []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"},
			want: map[string]string{
				"ActivityScheduled": `{"resource":"arn:aws:states:us-east-1:111111111111:activity:worker","input":"{\"FunctionName\":\"f\"}","inputDetails":{"truncated":false},"timeoutInSeconds":30,"heartbeatInSeconds":10}`,
				"ActivitySucceeded": `{"output":"{\"FunctionName\":\"f\"}","outputDetails":{"truncated":false}}`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, taskMachine(tt.resource, `"Parameters":{"FunctionName":"f"},"TimeoutSeconds":30,"HeartbeatSeconds":10`), `{}`, nil)
			check(t, ex, outcome{output: `{"FunctionName":"f"}`})
			if got := types(ex); !equalStrings(got, tt.events) {
				t.Errorf("events = %v\nwant     %v", got, tt.events)
			}
			for typ, want := range tt.want {
				if got := jsonv.Marshal(details(t, event(t, ex, engine.EventType(typ), 0))); got != want {
					t.Errorf("%s details:\n got %s\nwant %s", typ, got, want)
				}
			}
		})
	}
}

func TestTaskFailedEventDetails(t *testing.T) {
	t.Parallel()
	ex := run(t, taskMachine(resInvoke, ""), `{}`, map[string]local.Handler{resInvoke: failWith("Custom.Error", "it broke")})
	check(t, ex, outcome{status: engine.Failed, err: "Custom.Error", cause: "it broke"})
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed"}
	if got := types(ex); !equalStrings(got, want) {
		t.Fatalf("events = %v\nwant     %v", got, want)
	}
	if got := jsonv.Marshal(details(t, event(t, ex, engine.TaskFailed, 0))); got != `{"resourceType":"lambda","resource":"invoke","error":"Custom.Error","cause":"it broke"}` {
		t.Errorf("TaskFailed details = %s", got)
	}
	if got := jsonv.Marshal(details(t, event(t, ex, engine.ExecutionFailed, 0))); got != `{"error":"Custom.Error","cause":"it broke"}` {
		t.Errorf("ExecutionFailed details = %s", got)
	}
}

// TestTaskToken checks that .waitForTaskToken resources get a token, in the
// ScheduleTask command and as $$.Task.Token.
func TestTaskToken(t *testing.T) {
	t.Parallel()
	d := start(t, taskMachine(resToken, `"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}}`), `{}`)
	st := d.task()
	if st.TaskToken == "" {
		t.Fatalf("ScheduleTask has no TaskToken: %#v", st)
	}
	if got, want := jsonv.Marshal(st.Parameters), `{"QueueUrl":"q","MessageBody":{"token":`+jsonv.Quote(st.TaskToken)+`}}`; got != want {
		t.Errorf("parameters = %s, want %s", got, want)
	}
	if st.Resource != resToken || st.StateName != "T" {
		t.Errorf("ScheduleTask = %#v", st)
	}
	d.apply(engine.TaskStartedInput{TaskID: st.TaskID}, sec(1))
	d.apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: mustJSON(t, `{"ok":true}`)}, sec(5))
	check(t, d.ex, outcome{output: `{"ok":true}`})

	// A request-response integration gets no token.
	d2 := start(t, taskMachine(resInvoke, ""), `{}`)
	if tok := d2.task().TaskToken; tok != "" {
		t.Errorf("lambda:invoke got a task token %q", tok)
	}
	// An activity does.
	d3 := start(t, taskMachine(resActivity, ""), `{}`)
	if tok := d3.task().TaskToken; tok == "" {
		t.Errorf("activity got no task token")
	}
}

// failTask fails the one scheduled task at now and returns the timer the
// engine starts, if any.
func failTask(t *testing.T, d *driver, now time.Time, name string) []engine.StartTimer {
	t.Helper()
	st := d.task()
	d.apply(engine.TaskStartedInput{TaskID: st.TaskID}, now)
	d.apply(engine.TaskFailedInput{TaskID: st.TaskID, Error: name, Cause: "c"}, now)
	return d.timers()
}

// TestRetryTimers checks the times of the retry timers the engine asks
// for: IntervalSeconds × BackoffRate^n, capped by MaxDelaySeconds.
func TestRetryTimers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		retry  string
		delays []float64 // seconds between a failure and its retry
	}{
		{name: "defaults: 1s, backoff 2, 3 attempts", retry: `{"ErrorEquals":["E"]}`, delays: []float64{1, 2, 4}},
		{name: "interval and backoff", retry: `{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3}`, delays: []float64{2, 6, 18}},
		{name: "fractional backoff", retry: `{"ErrorEquals":["E"],"IntervalSeconds":1,"BackoffRate":1.5,"MaxAttempts":3}`, delays: []float64{1, 1.5, 2.25}},
		{name: "backoff 1 keeps the interval", retry: `{"ErrorEquals":["E"],"IntervalSeconds":5,"BackoffRate":1,"MaxAttempts":4}`, delays: []float64{5, 5, 5, 5}},
		{name: "MaxDelaySeconds caps", retry: `{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":4,"MaxDelaySeconds":10}`, delays: []float64{2, 6, 10, 10}},
		{name: "States.ALL", retry: `{"ErrorEquals":["States.ALL"],"IntervalSeconds":3,"MaxAttempts":1}`, delays: []float64{3}},
		{name: "States.TaskFailed", retry: `{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":1}`, delays: []float64{3, 3}},
		{name: "MaxAttempts 0", retry: `{"ErrorEquals":["E"],"MaxAttempts":0}`, delays: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := start(t, taskMachine(resInvoke, `"Retry":[`+tt.retry+`]`), `{}`)
			now := t0
			for i, delay := range tt.delays {
				ts := failTask(t, d, now, "E")
				if len(ts) != 1 {
					t.Fatalf("failure %d: want one retry timer, got %#v", i+1, ts)
				}
				if want := now.Add(time.Duration(delay * float64(time.Second))); !ts[0].At.Equal(want) {
					t.Errorf("retry %d at +%v, want +%v", i+1, ts[0].At.Sub(now), want.Sub(now))
				}
				now = ts[0].At
				d.apply(engine.TimerFiredInput{TimerID: ts[0].TimerID}, now)
			}
			if ts := failTask(t, d, now, "E"); len(ts) != 0 {
				t.Fatalf("retries exhausted but the engine started %#v", ts)
			}
			check(t, d.ex, outcome{status: engine.Failed, err: "E", cause: "c"})
			if n := countType(d.ex, engine.TaskScheduled); n != len(tt.delays)+1 {
				t.Errorf("%d TaskScheduled events, want %d", n, len(tt.delays)+1)
			}
			// A retry re-runs the state without entering it again.
			if n := countType(d.ex, "TaskStateEntered"); n != 1 {
				t.Errorf("%d TaskStateEntered events, want 1", n)
			}
		})
	}
}

// TestRetryJitter checks JitterStrategy FULL: every delay is within
// [0, the unjittered delay], and the same seed gives the same delays.
func TestRetryJitter(t *testing.T) {
	t.Parallel()
	def := taskMachine(resInvoke, `"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":10,"BackoffRate":2,"MaxAttempts":5,"MaxDelaySeconds":60,"JitterStrategy":"FULL"}]`)
	caps := []float64{10, 20, 40, 60, 60}
	delays := func() []time.Duration {
		d := start(t, def, `{}`)
		now := t0
		var out []time.Duration
		for i, c := range caps {
			ts := failTask(t, d, now, "E")
			if len(ts) != 1 {
				t.Fatalf("failure %d: want one retry timer, got %#v", i+1, ts)
			}
			delay := ts[0].At.Sub(now)
			if delay < 0 || delay > time.Duration(c*float64(time.Second)) {
				t.Errorf("retry %d: delay %v outside [0, %vs]", i+1, delay, c)
			}
			out = append(out, delay)
			now = ts[0].At
			d.apply(engine.TimerFiredInput{TimerID: ts[0].TimerID}, now)
		}
		return out
	}
	a, b := delays(), delays()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("jittered delays differ between identical runs: %v vs %v", a, b)
		}
	}
	same := 0
	for i, c := range caps {
		if a[i] == time.Duration(c*float64(time.Second)) {
			same++
		}
	}
	if same == len(caps) {
		t.Errorf("FULL jitter left every delay at its cap: %v", a)
	}
}

// TestRetryCountersPerRetrier checks that each retrier counts its own
// attempts and that $$.State.RetryCount counts them all.
func TestRetryCountersPerRetrier(t *testing.T) {
	t.Parallel()
	d := start(t, taskMachine(resInvoke, `"Parameters":{"rc.$":"$$.State.RetryCount"},`+
		`"Retry":[{"ErrorEquals":["A"],"MaxAttempts":1,"IntervalSeconds":1},{"ErrorEquals":["B"],"MaxAttempts":2,"IntervalSeconds":1,"BackoffRate":1}]`), `{}`)
	now := t0
	seq := []string{"A", "B", "B"}
	for i, name := range seq {
		st := d.task()
		if got, want := jsonv.Marshal(st.Parameters), `{"rc":`+string(jsonv.Int(int64(i)))+`}`; got != want {
			t.Errorf("attempt %d parameters = %s, want %s", i+1, got, want)
		}
		d.cmds = append(d.cmds, st) // put it back for failTask
		ts := failTask(t, d, now, name)
		if len(ts) != 1 {
			t.Fatalf("failure %d (%s): want a retry, got %#v", i+1, name, ts)
		}
		now = ts[0].At
		d.apply(engine.TimerFiredInput{TimerID: ts[0].TimerID}, now)
	}
	// A's one attempt is used up.
	if ts := failTask(t, d, now, "A"); len(ts) != 0 {
		t.Fatalf("retrier A retried twice: %#v", ts)
	}
	check(t, d.ex, outcome{status: engine.Failed, err: "A", cause: "c"})
}

// TestTaskTimeouts drives TimeoutSeconds and HeartbeatSeconds through
// Apply and checks the timers and the resulting errors.
func TestTaskTimeouts(t *testing.T) {
	t.Parallel()

	t.Run("TimeoutSeconds", func(t *testing.T) {
		t.Parallel()
		d := start(t, taskMachine(resInvoke, `"TimeoutSeconds":10`), `{}`)
		st := d.task()
		if st.TimeoutSeconds != 10 || st.HeartbeatSeconds != 0 {
			t.Errorf("ScheduleTask timeouts = %d/%d, want 10/0", st.TimeoutSeconds, st.HeartbeatSeconds)
		}
		tm := d.timer()
		if !tm.At.Equal(sec(10)) {
			t.Errorf("timeout timer at %v, want %v", tm.At, sec(10))
		}
		d.apply(engine.TaskStartedInput{TaskID: st.TaskID}, sec(1))
		d.apply(engine.TimerFiredInput{TimerID: tm.TimerID}, sec(10))
		if !d.has(engine.CancelTask{TaskID: st.TaskID}) {
			t.Errorf("no CancelTask for the timed out task: %#v", d.cmds)
		}
		check(t, d.ex, outcome{status: engine.Failed, err: "States.Timeout"})
		ev := event(t, d.ex, engine.TaskTimedOut, 0)
		if got := jsonv.Marshal(details(t, ev)); got != `{"resourceType":"lambda","resource":"invoke","error":"States.Timeout"}` {
			t.Errorf("TaskTimedOut details = %s", got)
		}
		if got := field(ev, "timestamp"); got != `"2024-05-06T07:08:19.000Z"` {
			t.Errorf("TaskTimedOut timestamp = %s", got)
		}
		// The result arriving late is not wanted any more.
		err := d.ex.Apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: "late"}, sec(11))
		if !errors.Is(err, engine.ErrNotRunning) {
			t.Errorf("late result: err = %v, want ErrNotRunning", err)
		}
	})

	t.Run("result before the timeout cancels the timer", func(t *testing.T) {
		t.Parallel()
		d := start(t, taskMachine(resInvoke, `"TimeoutSeconds":10,"HeartbeatSeconds":4`), `{}`)
		st := d.task()
		ts := d.timers()
		if len(ts) != 2 {
			t.Fatalf("want timeout and heartbeat timers, got %#v", ts)
		}
		d.apply(engine.TaskStartedInput{TaskID: st.TaskID}, sec(1))
		d.apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: "done"}, sec(2))
		for _, tm := range ts {
			if !d.has(engine.CancelTimer{TimerID: tm.TimerID}) {
				t.Errorf("timer %s not cancelled: %#v", tm.TimerID, d.cmds)
			}
		}
		check(t, d.ex, outcome{output: `"done"`})
	})

	t.Run("HeartbeatSeconds", func(t *testing.T) {
		t.Parallel()
		d := start(t, taskMachine(resActivity, `"TimeoutSeconds":100,"HeartbeatSeconds":3`), `{}`)
		st := d.task()
		if st.TimeoutSeconds != 100 || st.HeartbeatSeconds != 3 {
			t.Errorf("ScheduleTask timeouts = %d/%d, want 100/3", st.TimeoutSeconds, st.HeartbeatSeconds)
		}
		var hb engine.StartTimer
		for _, tm := range d.timers() {
			if tm.At.Equal(sec(3)) {
				hb = tm
			}
		}
		if hb.TimerID == "" {
			t.Fatal("no heartbeat timer at +3s")
		}
		d.apply(engine.TaskStartedInput{TaskID: st.TaskID}, sec(1))
		d.apply(engine.TaskHeartbeatInput{TaskID: st.TaskID}, sec(2))
		if !d.has(engine.CancelTimer{TimerID: hb.TimerID}) {
			t.Errorf("heartbeat did not cancel the old timer: %#v", d.cmds)
		}
		hb2 := d.timer()
		if !hb2.At.Equal(sec(5)) {
			t.Errorf("new heartbeat timer at %v, want %v", hb2.At, sec(5))
		}
		if err := d.ex.Apply(engine.TimerFiredInput{TimerID: hb.TimerID}, sec(3)); !errors.Is(err, engine.ErrUnknownTarget) {
			t.Errorf("firing the replaced heartbeat timer: err = %v, want ErrUnknownTarget", err)
		}
		d.apply(engine.TimerFiredInput{TimerID: hb2.TimerID}, sec(5))
		check(t, d.ex, outcome{status: engine.Failed, err: "States.HeartbeatTimeout"})
		if n := countType(d.ex, "ActivityTimedOut"); n != 1 {
			t.Errorf("%d ActivityTimedOut events, want 1:\n%s", n, historyText(d.ex))
		}
	})

	t.Run("timeout caught with ResultPath", func(t *testing.T) {
		t.Parallel()
		d := start(t, taskMachine(resInvoke, `"TimeoutSeconds":5,"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.err","Next":"Caught"}]`), `{"in":1}`)
		d.task()
		tm := d.timer()
		d.apply(engine.TimerFiredInput{TimerID: tm.TimerID}, tm.At)
		if d.ex.Status() != engine.Succeeded {
			t.Fatalf("status %s, want SUCCEEDED\n%s", d.ex.Status(), historyText(d.ex))
		}
		out := jsonv.Marshal(d.ex.Output())
		if !strings.HasPrefix(out, `{"in":1,"err":{"Error":"States.Timeout"`) {
			t.Errorf("output = %s", out)
		}
	})

	t.Run("States.TaskFailed does not match States.Timeout", func(t *testing.T) {
		t.Parallel()
		d := start(t, taskMachine(resInvoke, `"TimeoutSeconds":5,"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Caught"}]`), `{}`)
		d.task()
		tm := d.timer()
		d.apply(engine.TimerFiredInput{TimerID: tm.TimerID}, tm.At)
		check(t, d.ex, outcome{status: engine.Failed, err: "States.Timeout"})
	})

	t.Run("timeout retried", func(t *testing.T) {
		t.Parallel()
		d := start(t, taskMachine(resInvoke, `"TimeoutSeconds":5,"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":2,"MaxAttempts":1}]`), `{}`)
		d.task()
		tm := d.timer()
		d.apply(engine.TimerFiredInput{TimerID: tm.TimerID}, sec(5))
		retry := d.timer()
		if !retry.At.Equal(sec(7)) {
			t.Errorf("retry timer at %v, want %v", retry.At, sec(7))
		}
		d.apply(engine.TimerFiredInput{TimerID: retry.TimerID}, sec(7))
		st := d.task()
		if tm2 := d.timer(); !tm2.At.Equal(sec(12)) {
			t.Errorf("second timeout timer at %v, want %v", tm2.At, sec(12))
		}
		d.apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: "ok"}, sec(8))
		check(t, d.ex, outcome{output: `"ok"`})
	})
}

func TestTaskTimeoutPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fields    string
		input     string
		timeout   int64
		heartbeat int64
		wantErr   string // cause prefix of a States.Runtime failure
	}{
		{name: "TimeoutSecondsPath", fields: `"TimeoutSecondsPath":"$.t"`, input: `{"t":7}`, timeout: 7},
		{name: "HeartbeatSecondsPath", fields: `"TimeoutSecondsPath":"$.t","HeartbeatSecondsPath":"$.h"`, input: `{"t":70,"h":9}`, timeout: 70, heartbeat: 9},
		{name: "TimeoutSecondsPath not a number", fields: `"TimeoutSecondsPath":"$.t"`, input: `{"t":"x"}`,
			wantErr: "An error occurred while executing the state 'T' (entered at the event id #2). The TimeoutSecondsPath field refers to value …"},
		{name: "TimeoutSecondsPath zero", fields: `"TimeoutSecondsPath":"$.t"`, input: `{"t":0}`,
			wantErr: "An error occurred while executing the state 'T' (entered at the event id #2). The TimeoutSecondsPath field refers to value …"},
		{name: "HeartbeatSecondsPath missing", fields: `"HeartbeatSecondsPath":"$.h"`, input: `{}`,
			wantErr: "An error occurred while executing the state 'T' (entered at the event id #2). The HeartbeatSecondsPath field refers to value …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := start(t, taskMachine(resActivity, tt.fields), tt.input)
			if tt.wantErr != "" {
				check(t, d.ex, outcome{status: engine.Failed, err: "States.Runtime", cause: tt.wantErr})
				return
			}
			st := d.task()
			if st.TimeoutSeconds != tt.timeout || st.HeartbeatSeconds != tt.heartbeat {
				t.Errorf("ScheduleTask timeouts = %d/%d, want %d/%d", st.TimeoutSeconds, st.HeartbeatSeconds, tt.timeout, tt.heartbeat)
			}
			var ats []time.Time
			for _, tm := range d.timers() {
				ats = append(ats, tm.At)
			}
			want := []time.Time{sec(float64(tt.timeout))}
			if tt.heartbeat > 0 {
				want = append(want, sec(float64(tt.heartbeat)))
			}
			if len(ats) != len(want) {
				t.Fatalf("timers at %v, want %v", ats, want)
			}
			for i := range want {
				if !ats[i].Equal(want[i]) {
					t.Errorf("timer %d at %v, want %v", i, ats[i], want[i])
				}
			}
		})
	}
}

// TestApplyErrors checks Apply's sentinel errors.
func TestApplyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   func(st engine.ScheduleTask) engine.Input
		want error
	}{
		{name: "unknown task id succeeded", in: func(engine.ScheduleTask) engine.Input {
			return engine.TaskSucceededInput{TaskID: "no-such-task"}
		}, want: engine.ErrUnknownTarget},
		{name: "unknown task id failed", in: func(engine.ScheduleTask) engine.Input {
			return engine.TaskFailedInput{TaskID: "no-such-task", Error: "E"}
		}, want: engine.ErrUnknownTarget},
		{name: "unknown task id started", in: func(engine.ScheduleTask) engine.Input { return engine.TaskStartedInput{TaskID: "nope"} }, want: engine.ErrUnknownTarget},
		{name: "unknown task id heartbeat", in: func(engine.ScheduleTask) engine.Input { return engine.TaskHeartbeatInput{TaskID: "nope"} }, want: engine.ErrUnknownTarget},
		{name: "unknown timer", in: func(engine.ScheduleTask) engine.Input { return engine.TimerFiredInput{TimerID: "nope"} }, want: engine.ErrUnknownTarget},
		{name: "known task", in: func(st engine.ScheduleTask) engine.Input { return engine.TaskStartedInput{TaskID: st.TaskID} }, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := start(t, taskMachine(resInvoke, ""), `{}`)
			st := d.task()
			before := len(d.ex.History())
			err := d.ex.Apply(tt.in(st), sec(1))
			if !isErr(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Apply: err = %v, want %v", err, tt.want)
			}
			if tt.want != nil && len(d.ex.History()) != before {
				t.Errorf("a rejected input changed the history:\n%s", historyText(d.ex))
			}
			if d.ex.Status() != engine.Running {
				t.Errorf("status = %s, want RUNNING", d.ex.Status())
			}
		})
	}

	t.Run("duplicate result", func(t *testing.T) {
		t.Parallel()
		d := start(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+resInvoke+`","Next":"W"},"W":{"Type":"Wait","Seconds":10,"End":true}}}`, `{}`)
		st := d.task()
		d.apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: "a"}, sec(1))
		if err := d.ex.Apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: "b"}, sec(2)); !errors.Is(err, engine.ErrUnknownTarget) {
			t.Errorf("duplicate delivery: err = %v, want ErrUnknownTarget", err)
		}
	})

	t.Run("after the end", func(t *testing.T) {
		t.Parallel()
		ex := run(t, passMachine(""), `{}`, nil)
		inputs := []engine.Input{
			engine.TaskSucceededInput{TaskID: "task-1"},
			engine.TimerFiredInput{TimerID: "wait-1"},
			engine.StopInput{Error: "E"},
		}
		for _, in := range inputs {
			if err := ex.Apply(in, sec(1)); !errors.Is(err, engine.ErrNotRunning) {
				t.Errorf("Apply(%#v) after the end: err = %v, want ErrNotRunning", in, err)
			}
		}
		if ex.Status() != engine.Succeeded {
			t.Errorf("status = %s", ex.Status())
		}
	})
}

// TestTaskHeartbeatWithoutHeartbeatSeconds checks that a heartbeat for a
// task with no HeartbeatSeconds is accepted and changes nothing.
func TestTaskHeartbeatWithoutHeartbeatSeconds(t *testing.T) {
	t.Parallel()
	d := start(t, taskMachine(resActivity, ""), `{}`)
	st := d.task()
	n := len(d.ex.History())
	d.apply(engine.TaskHeartbeatInput{TaskID: st.TaskID}, sec(1))
	if len(d.cmds) != 0 || len(d.ex.History()) != n {
		t.Errorf("heartbeat produced commands %#v or events:\n%s", d.cmds, historyText(d.ex))
	}
	d.apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: "ok"}, sec(2))
	check(t, d.ex, outcome{output: `"ok"`})
}

// TestCatchAssignHistory checks that a catcher's Assign is recorded in the
// state's exit event, each value as its JSON text.
func TestCatchAssignHistory(t *testing.T) {
	t.Parallel()
	ex := run(t, taskMachine(resFail, `"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error","n":1},"ResultPath":null,"Next":"Caught"}]`), `{}`, nil)
	check(t, ex, outcome{output: `{}`})
	d := details(t, event(t, ex, "TaskStateExited", 0))
	if got := field(d, "assignedVariables"); got != `{"err":"\"Custom.Error\"","n":"1"}` {
		t.Errorf("assignedVariables = %s", got)
	}
}

// TestRetryDelayOverflow checks that exponential backoff never produces a
// retry timer earlier than the failure it follows.
func TestRetryDelayOverflow(t *testing.T) {
	t.Parallel()
	d := start(t, taskMachine(resInvoke, `"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":99999999,"BackoffRate":2,"MaxAttempts":10}]`), `{}`)
	now := t0
	for i := range 10 {
		ts := failTask(t, d, now, "E")
		if len(ts) != 1 {
			t.Fatalf("failure %d: want a retry timer, got %#v", i+1, ts)
		}
		if ts[0].At.Before(now) {
			t.Fatalf("retry %d at %v, before the failure at %v", i+1, ts[0].At, now)
		}
		now = ts[0].At
		d.apply(engine.TimerFiredInput{TimerID: ts[0].TimerID}, now)
	}
}
