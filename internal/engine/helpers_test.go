package engine_test

// Shared helpers of the engine's tests. The tests live in package
// engine_test because they drive executions with local.Runner, which
// imports the engine.

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// t0 is the virtual start time of every test execution.
var t0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// sec returns t0 plus n seconds.
func sec(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Second))) }

const (
	testRegion  = "us-east-1"
	testAccount = "111111111111"
	testMachine = "TestMachine"
	testExec    = "test-exec"
	testRole    = "arn:aws:iam::111111111111:role/stepflow-test"

	// Task resources used by the tests.
	resLambdaArn = "arn:aws:lambda:us-east-1:111111111111:function:echo"    // legacy Lambda ARN: LambdaFunction* events
	resInvoke    = "arn:aws:states:::lambda:invoke"                         // optimized integration: Task* events
	resToken     = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"      // callback integration
	resActivity  = "arn:aws:states:us-east-1:111111111111:activity:worker"  // activity: Activity* events
	resFail      = "arn:aws:lambda:us-east-1:111111111111:function:failing" // always fails (see handlers)
)

// testInfo is the identity of every test execution.
func testInfo() engine.Info {
	return engine.Info{
		ExecutionArn:     "arn:aws:states:us-east-1:111111111111:execution:" + testMachine + ":" + testExec,
		Name:             testExec,
		StateMachineArn:  "arn:aws:states:us-east-1:111111111111:stateMachine:" + testMachine,
		StateMachineName: testMachine,
		RoleArn:          testRole,
		Region:           testRegion,
		Account:          testAccount,
		Seed:             42,
	}
}

// mustParse validates and compiles a definition.
func mustParse(tb testing.TB, def string) *asl.StateMachine {
	tb.Helper()
	sm, err := asl.Parse(def, asl.Options{})
	if err != nil {
		tb.Fatalf("parse definition: %v\n%s", err, def)
	}
	return sm
}

// mustJSON decodes JSON text.
func mustJSON(tb testing.TB, s string) jsonv.Value {
	tb.Helper()
	v, err := jsonv.ParseString(s)
	if err != nil {
		tb.Fatalf("decode %q: %v", s, err)
	}
	return v
}

// echo returns its parameters.
func echo(_ context.Context, p jsonv.Value) (jsonv.Value, error) { return p, nil }

// failWith returns a handler that always fails with name and cause.
func failWith(name, cause string) local.Handler {
	return func(context.Context, jsonv.Value) (jsonv.Value, error) {
		return nil, &local.TaskError{Name: name, Cause: cause}
	}
}

// flaky returns a handler that fails n times with name, then echoes.
func flaky(n int32, name string) local.Handler {
	var calls atomic.Int32
	return func(_ context.Context, p jsonv.Value) (jsonv.Value, error) {
		if calls.Add(1) <= n {
			return nil, &local.TaskError{Name: name, Cause: "attempt failed"}
		}
		return p, nil
	}
}

// defaultHandlers serves the resources the tests use.
func defaultHandlers() map[string]local.Handler {
	return map[string]local.Handler{
		resLambdaArn: echo,
		resInvoke:    echo,
		resToken:     echo,
		resActivity:  echo,
		resFail:      failWith("Custom.Error", "it broke"),
	}
}

// run runs def on input with handlers (defaultHandlers when nil) to its end
// on the virtual clock.
func run(tb testing.TB, def, input string, handlers map[string]local.Handler) *engine.Execution {
	tb.Helper()
	if handlers == nil {
		handlers = defaultHandlers()
	}
	sm := mustParse(tb, def)
	info := testInfo()
	info.InputText = input
	r := local.Runner{Handlers: handlers, MaxSteps: 100_000}
	ex, err := r.Run(context.Background(), sm, info, mustJSON(tb, input), t0)
	if err != nil {
		tb.Fatalf("run: %v", err)
	}
	return ex
}

// outcome is what a test expects of a finished execution.
type outcome struct {
	status engine.Status
	output string // compact JSON, compared byte for byte (key order matters)
	err    string
	cause  string // compared exactly unless it ends in "…", then as a prefix
}

// check compares ex's end with want.
func check(tb testing.TB, ex *engine.Execution, want outcome) {
	tb.Helper()
	if want.status == "" {
		want.status = engine.Succeeded
	}
	name, cause := ex.Error()
	if ex.Status() != want.status {
		tb.Fatalf("status = %s (%s: %s), want %s\nhistory:\n%s", ex.Status(), name, cause, want.status, historyText(ex))
	}
	if want.status == engine.Succeeded {
		if got := jsonv.Marshal(ex.Output()); got != want.output {
			tb.Errorf("output = %s\nwant     %s", got, want.output)
		}
		return
	}
	if name != want.err {
		tb.Errorf("error = %q, want %q (cause %q)", name, want.err, cause)
	}
	if p, ok := strings.CutSuffix(want.cause, "…"); ok {
		if !strings.HasPrefix(cause, p) {
			tb.Errorf("cause = %q\nwant prefix %q", cause, p)
		}
	} else if cause != want.cause {
		tb.Errorf("cause = %q\nwant      %q", cause, want.cause)
	}
}

// historyText returns the history, one JSON event per line.
func historyText(ex *engine.Execution) string {
	var b []byte
	for i := range ex.History() {
		b = ex.History()[i].AppendJSON(b)
		b = append(b, '\n')
	}
	return string(b)
}

// types returns the history's event types.
func types(ex *engine.Execution) []string {
	h := ex.History()
	out := make([]string, len(h))
	for i := range h {
		out[i] = string(h[i].Type)
	}
	return out
}

// event returns the n-th (0-based) event of type typ decoded as
// GetExecutionHistory shows it, or fails.
func event(tb testing.TB, ex *engine.Execution, typ engine.EventType, n int) *jsonv.Object {
	tb.Helper()
	h := ex.History()
	for i := range h {
		if h[i].Type != typ {
			continue
		}
		if n > 0 {
			n--
			continue
		}
		v, err := jsonv.Parse(h[i].AppendJSON(nil))
		if err != nil {
			tb.Fatalf("event %d does not encode as JSON: %v", h[i].ID, err)
		}
		return v.(*jsonv.Object)
	}
	tb.Fatalf("no %s event (#%d) in history:\n%s", typ, n, historyText(ex))
	return nil
}

// details returns the details member of an event object.
func details(tb testing.TB, ev *jsonv.Object) *jsonv.Object {
	tb.Helper()
	for _, m := range ev.Members {
		if strings.HasSuffix(m.Key, "EventDetails") {
			return m.Value.(*jsonv.Object)
		}
	}
	tb.Fatalf("event has no details: %s", jsonv.Marshal(ev))
	return nil
}

// field returns a member of an object as compact JSON text ("<absent>"
// when missing).
func field(o *jsonv.Object, key string) string {
	v, ok := o.Get(key)
	if !ok {
		return "<absent>"
	}
	return jsonv.Marshal(v)
}

// countType counts events of type typ.
func countType(ex *engine.Execution, typ engine.EventType) int {
	n := 0
	for _, ev := range ex.History() {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// equalStrings compares two string slices.
func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// driver feeds an execution inputs by hand and collects its commands.
type driver struct {
	tb   testing.TB
	ex   *engine.Execution
	cmds []engine.Command
}

// start starts def on input at t0 without running any task.
func start(tb testing.TB, def, input string) *driver {
	tb.Helper()
	info := testInfo()
	info.InputText = input
	ex := engine.Start(mustParse(tb, def), info, mustJSON(tb, input), t0)
	return &driver{tb: tb, ex: ex, cmds: ex.TakeCommands()}
}

// apply feeds one input at now; it fails the test on an error.
func (d *driver) apply(in engine.Input, now time.Time) {
	d.tb.Helper()
	if err := d.ex.Apply(in, now); err != nil {
		d.tb.Fatalf("apply %#v: %v\nhistory:\n%s", in, err, historyText(d.ex))
	}
	d.cmds = append(d.cmds, d.ex.TakeCommands()...)
}

// take returns and forgets the commands collected so far.
func (d *driver) take() []engine.Command {
	c := d.cmds
	d.cmds = nil
	return c
}

// task returns the one ScheduleTask among the collected commands and
// forgets it.
func (d *driver) task() engine.ScheduleTask {
	d.tb.Helper()
	var found []engine.ScheduleTask
	rest := d.cmds[:0:0]
	for _, c := range d.cmds {
		if st, ok := c.(engine.ScheduleTask); ok {
			found = append(found, st)
			continue
		}
		rest = append(rest, c)
	}
	if len(found) != 1 {
		d.tb.Fatalf("want one ScheduleTask, got %d among %#v", len(found), d.cmds)
	}
	d.cmds = rest
	return found[0]
}

// timers returns the StartTimer commands collected so far and forgets them.
func (d *driver) timers() []engine.StartTimer {
	var found []engine.StartTimer
	rest := d.cmds[:0:0]
	for _, c := range d.cmds {
		if st, ok := c.(engine.StartTimer); ok {
			found = append(found, st)
			continue
		}
		rest = append(rest, c)
	}
	d.cmds = rest
	return found
}

// timer returns the one StartTimer among the collected commands.
func (d *driver) timer() engine.StartTimer {
	d.tb.Helper()
	ts := d.timers()
	if len(ts) != 1 {
		d.tb.Fatalf("want one StartTimer, got %#v", ts)
	}
	return ts[0]
}

// has reports whether the collected commands include c.
func (d *driver) has(c engine.Command) bool {
	for _, x := range d.cmds {
		if x == c {
			return true
		}
	}
	return false
}

// isErr reports whether err is target, for table-driven tests.
func isErr(err, target error) bool { return errors.Is(err, target) }

// ctxT shortens handler signatures in tables.
type ctxT = context.Context
