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
