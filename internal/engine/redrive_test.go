package engine_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// TestRedriveResumesAtTheFailedState fails a task, redrives the execution
// and lets the task succeed the second time: the run restarts at the task
// with its original input, after an ExecutionRedriven event.
func TestRedriveResumesAtTheFailedState(t *testing.T) {
	t.Parallel()
	sm := mustParse(t, `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Result":{"n":1},"Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"n.$":"$.n","r.$":"$$.Execution.RedriveCount"},"End":true}}}`)
	ex := engine.Start(sm, testInfo(), jsonv.MustParse(`{}`), t0)
	task := ex.PendingTasks()[0]
	if err := ex.Apply(engine.TaskFailedInput{TaskID: task.TaskID, Error: "Boom", Cause: "first try"}, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if ex.Status() != engine.Failed {
		t.Fatalf("status %s, want FAILED", ex.Status())
	}
	failedLen := len(ex.History())
	if err := ex.Apply(engine.RedriveInput{}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	h := ex.History()
	if got := h[failedLen].JSON(); !strings.Contains(got, `"type":"ExecutionRedriven","executionRedrivenEventDetails":{"redriveCount":1}`) {
		t.Fatalf("first event after redrive = %s", got)
	}
	if h[failedLen].PreviousID != int64(failedLen) {
		t.Errorf("ExecutionRedriven links to %d, want %d", h[failedLen].PreviousID, failedLen)
	}
	if got := h[failedLen+1].JSON(); !strings.Contains(got, `"TaskStateEntered"`) || !strings.Contains(got, `\"n\":1`) {
		t.Fatalf("redrive re-enters %s", got)
	}
	retry := ex.PendingTasks()
	if len(retry) != 1 || jsonv.Marshal(retry[0].Parameters) != `{"n":1,"r":1}` {
		t.Fatalf("task after redrive %+v", retry)
	}
	if err := ex.Apply(engine.TaskSucceededInput{TaskID: retry[0].TaskID, Output: jsonv.MustParse(`"ok"`)}, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ex.Status() != engine.Succeeded || ex.RedriveCount() != 1 {
		t.Fatalf("status %s, redrives %d", ex.Status(), ex.RedriveCount())
	}
	if err := ex.Apply(engine.RedriveInput{}, t0.Add(3*time.Minute)); !errors.Is(err, engine.ErrNotRedrivable) {
		t.Fatalf("redrive of a succeeded execution: %v", err)
	}
}

// TestMaxDurationBoundsTheExecution checks the EXPRESS bound: a Wait longer
// than MaxDurationSeconds ends the execution as TIMED_OUT at the bound.
func TestMaxDurationBoundsTheExecution(t *testing.T) {
	t.Parallel()
	sm := mustParse(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)
	info := testInfo()
	info.MaxDurationSeconds = 300
	ex := engine.Start(sm, info, jsonv.MustParse(`{}`), t0)
	timers := ex.PendingTimers()
	if len(timers) != 2 {
		t.Fatalf("timers %+v, want the wait and the bound", timers)
	}
	if !timers[0].At.Equal(t0.Add(300 * time.Second)) {
		t.Fatalf("first timer at %v, want the 300 s bound", timers[0].At)
	}
	if err := ex.Apply(engine.TimerFiredInput{TimerID: timers[0].TimerID}, timers[0].At); err != nil {
		t.Fatal(err)
	}
	if ex.Status() != engine.TimedOut {
		t.Fatalf("status %s, want TIMED_OUT", ex.Status())
	}
}

// redriveDriver fails or succeeds the pending tasks of an execution by
// their parameters, and redrives it.
type redriveDriver struct {
	t   *testing.T
	ex  *engine.Execution
	now time.Time
}

func (d *redriveDriver) step() time.Time {
	d.now = d.now.Add(time.Second)
	return d.now
}

// answer settles every pending task: those whose parameters hold "fail":
// true fail with Boom (while failing is set), the others echo their
// parameters. It returns the parameters of the tasks it saw, in order.
func (d *redriveDriver) answer(failing bool) []string {
	d.t.Helper()
	var seen []string
	for len(d.ex.PendingTasks()) > 0 && d.ex.Status() == engine.Running {
		tk := d.ex.PendingTasks()[0]
		p := jsonv.Marshal(tk.Parameters)
		seen = append(seen, p)
		var in engine.Input = engine.TaskSucceededInput{TaskID: tk.TaskID, Output: tk.Parameters}
		if failing && strings.Contains(p, `"fail":true`) {
			in = engine.TaskFailedInput{TaskID: tk.TaskID, Error: "Boom", Cause: "item " + p}
		}
		if err := d.ex.Apply(in, d.step()); err != nil {
			d.t.Fatal(err)
		}
	}
	return seen
}

func (d *redriveDriver) redrive() int {
	d.t.Helper()
	n := len(d.ex.History())
	if err := d.ex.Apply(engine.RedriveInput{}, d.step()); err != nil {
		d.t.Fatal(err)
	}
	return n
}

// typesSince lists the event types of ex from index n on.
func typesSince(ex *engine.Execution, n int) string {
	return eventTypes(ex.History()[n:])
}

// TestRedriveRunsOnlyWhatFailed redrives Parallel and Map states: only the
// branches, iterations and child executions that failed (or never
// started) run again; the others keep their results.
func TestRedriveRunsOnlyWhatFailed(t *testing.T) {
	t.Parallel()
	task := `{"Type":"Task","Resource":"` + resInvoke + `","Parameters":{"v.$":"$"},"End":true}`
	tests := []struct {
		name, def, input string
		firstRun         []string // task parameters before the redrive
		secondRun        []string // after it
		wantAfter        string   // the parent's event types after the redrive
		output           string
	}{
		{
			name: "parallel",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
				{"StartAt":"B","States":{"B":` + task + `}}]}}}`,
			input:     `{"fail":true}`,
			firstRun:  []string{`{"v":{"fail":true}}`},
			secondRun: []string{`{"v":{"fail":true}}`},
			wantAfter: "ExecutionRedriven ParallelStateEntered ParallelStateStarted TaskStateEntered TaskScheduled TaskSucceeded TaskStateExited ParallelStateSucceeded ParallelStateExited ExecutionSucceeded",
			output:    `["a",{"v":{"fail":true}}]`,
		},
		{
			name:      "inline map, one item at a time",
			def:       mapMachine(`"MaxConcurrency":1`, inline(task)),
			input:     `[{"fail":false,"i":0},{"fail":true,"i":1},{"fail":false,"i":2}]`,
			firstRun:  []string{`{"v":{"fail":false,"i":0}}`, `{"v":{"fail":true,"i":1}}`},
			secondRun: []string{`{"v":{"fail":true,"i":1}}`, `{"v":{"fail":false,"i":2}}`},
			wantAfter: "ExecutionRedriven MapStateEntered MapStateStarted " +
				"MapIterationStarted TaskStateEntered TaskScheduled TaskSucceeded TaskStateExited MapIterationSucceeded " +
				"MapIterationStarted TaskStateEntered TaskScheduled TaskSucceeded TaskStateExited MapIterationSucceeded " +
				"MapStateSucceeded MapStateExited ExecutionSucceeded",
			output: `[{"v":{"fail":false,"i":0}},{"v":{"fail":true,"i":1}},{"v":{"fail":false,"i":2}}]`,
		},
		{
			name:      "distributed map",
			def:       mapMachine(`"MaxConcurrency":1,"Label":"Items"`, distributed(task)),
			input:     `[{"fail":false,"i":0},{"fail":true,"i":1},{"fail":false,"i":2}]`,
			firstRun:  []string{`{"v":{"fail":false,"i":0}}`, `{"v":{"fail":true,"i":1}}`},
			secondRun: []string{`{"v":{"fail":true,"i":1}}`, `{"v":{"fail":false,"i":2}}`},
			wantAfter: "ExecutionRedriven MapStateEntered MapStateStarted MapRunRedriven MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded",
			output:    `[{"v":{"fail":false,"i":0}},{"v":{"fail":true,"i":1}},{"v":{"fail":false,"i":2}}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := engine.Start(mustParse(t, tt.def), testInfo(), mustJSON(t, tt.input), t0)
			d := &redriveDriver{t: t, ex: ex, now: t0}
			if got := d.answer(true); strings.Join(got, " ") != strings.Join(tt.firstRun, " ") {
				t.Fatalf("first run's tasks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.firstRun, "\n"))
			}
			if ex.Status() != engine.Failed {
				t.Fatalf("first run: %s, want FAILED", ex.Status())
			}
			runs := ex.MapRuns()
			ex.ChildChanges()
			n := d.redrive()
			if got := d.answer(false); strings.Join(got, " ") != strings.Join(tt.secondRun, " ") {
				t.Fatalf("tasks after the redrive:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.secondRun, "\n"))
			}
			if got := typesSince(ex, n); got != tt.wantAfter {
				t.Errorf("events after the redrive:\n%s\nwant\n%s", got, tt.wantAfter)
			}
			if ex.Status() != engine.Succeeded || jsonv.Marshal(ex.Output()) != tt.output {
				t.Fatalf("after the redrive: %s %s, want SUCCEEDED %s", ex.Status(), jsonv.Marshal(ex.Output()), tt.output)
			}
			if len(runs) == 0 {
				return
			}
			// The distributed Map kept its map run and redrove its failed
			// child execution; the child never started started.
			after := ex.MapRuns()
			if len(after) != 1 || after[0].Arn != runs[0].Arn || after[0].RedriveCount != 1 || after[0].Status != engine.Succeeded ||
				after[0].Succeeded != 3 || after[0].Failed != 0 {
				t.Errorf("map run after the redrive: %+v (before: %+v)", after, runs)
			}
			byIndex := map[string]engine.ChildExecution{}
			for _, c := range ex.ChildChanges() {
				byIndex[jsonv.Marshal(c.Input)] = c
			}
			failed, fresh := byIndex[`{"fail":true,"i":1}`], byIndex[`{"fail":false,"i":2}`]
			if failed.RedriveCount != 1 || failed.Status != engine.Succeeded || failed.From == 0 ||
				eventTypes(failed.Events) != "ExecutionRedriven TaskStateEntered TaskScheduled TaskSucceeded TaskStateExited ExecutionSucceeded" {
				t.Errorf("redriven child: %+v %s", failed, eventTypes(failed.Events))
			}
			if fresh.RedriveCount != 0 || fresh.From != 0 || fresh.Status != engine.Succeeded {
				t.Errorf("child started after the redrive: %+v", fresh)
			}
			if _, ok := byIndex[`{"fail":false,"i":0}`]; ok {
				t.Errorf("the child that succeeded changed in the redrive")
			}
		})
	}
}

// TestRedriveAfterStop redrives an execution stopped inside a Parallel
// state: the branch that had finished keeps its output, the one that was
// waiting runs again from its state.
func TestRedriveAfterStop(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
		{"StartAt":"W","States":{"W":{"Type":"Pass","Result":"w","Next":"T"},"T":{"Type":"Task","Resource":"` + resInvoke + `","End":true}}}]}}}`
	ex := engine.Start(mustParse(t, def), testInfo(), mustJSON(t, `{}`), t0)
	d := &redriveDriver{t: t, ex: ex, now: t0}
	if err := ex.Apply(engine.StopInput{Error: "Stop"}, d.step()); err != nil {
		t.Fatal(err)
	}
	n := d.redrive()
	if got := d.answer(false); len(got) != 1 || got[0] != `"w"` {
		t.Fatalf("tasks after the redrive: %v, want the waiting branch's task with its input", got)
	}
	if got, want := typesSince(ex, n), "ExecutionRedriven ParallelStateEntered ParallelStateStarted TaskStateEntered TaskScheduled TaskSucceeded TaskStateExited ParallelStateSucceeded ParallelStateExited ExecutionSucceeded"; got != want {
		t.Errorf("events after the redrive:\n%s\nwant\n%s", got, want)
	}
	if jsonv.Marshal(ex.Output()) != `["a","w"]` {
		t.Errorf("output %s", jsonv.Marshal(ex.Output()))
	}
}
