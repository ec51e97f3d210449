package engine_test

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

func TestMapRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		def    string
		input  string
		status engine.Status
		want   engine.MapRunInfo // Arn, dates ignored
	}{
		{name: "succeeded", def: mapMachine(`"MaxConcurrency":2`, distributed(itemPass)), input: `[1,2,3]`,
			status: engine.Succeeded, want: engine.MapRunInfo{MaxConcurrency: 2, Total: 3, Succeeded: 3}},
		{name: "tolerated failures", def: mapMachine(`"ToleratedFailureCount":1,"ToleratedFailurePercentage":50`, distributed(itemFailOdd)),
			input: `[{"fail":true},{"fail":false},{"fail":false}]`, status: engine.Succeeded,
			want: engine.MapRunInfo{ToleratedFailureCount: 1, ToleratedFailurePercentage: 50, Total: 3, Succeeded: 2, Failed: 1}},
		{name: "failed", def: mapMachine(``, distributed(itemFailOdd)), input: `[{"fail":false},{"fail":true}]`,
			status: engine.Failed, want: engine.MapRunInfo{Total: 2, Succeeded: 1, Failed: 1}},
		{name: "inline has none", def: mapMachine(``, inline(itemPass)), input: `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, tt.def, tt.input, nil)
			runs := ex.MapRuns()
			if tt.status == "" {
				if len(runs) != 0 {
					t.Fatalf("MapRuns() = %+v, want none", runs)
				}
				return
			}
			if len(runs) != 1 {
				t.Fatalf("MapRuns() = %+v, want one", runs)
			}
			got := runs[0]
			if !strings.Contains(got.Arn, ":mapRun:") || got.StartDate.IsZero() || got.StopDate.IsZero() {
				t.Errorf("map run %+v: want an ARN and dates", got)
			}
			if ev := event(t, ex, engine.MapRunStarted, 0); field(details(t, ev), "mapRunArn") != `"`+got.Arn+`"` {
				t.Errorf("MapRunStarted names another ARN than %s", got.Arn)
			}
			if !strings.HasPrefix(got.Definition, `{"ProcessorConfig":{"Mode":"DISTRIBUTED"`) {
				t.Errorf("map run Definition %s, want the ItemProcessor", got.Definition)
			}
			tt.want.Arn, tt.want.StartDate, tt.want.StopDate, tt.want.Status = got.Arn, got.StartDate, got.StopDate, tt.status
			tt.want.Definition = got.Definition
			if got != tt.want {
				t.Errorf("MapRuns()[0] = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMapRunsAborted(t *testing.T) {
	t.Parallel()
	d := start(t, mapMachine(`"MaxConcurrency":1`, distributed(itemTask)), `[1,2]`)
	d.task()
	runs := d.ex.MapRuns()
	if len(runs) != 1 || runs[0].Status != engine.Running || runs[0].Running != 1 || !runs[0].StopDate.IsZero() {
		t.Fatalf("running MapRuns() = %+v", runs)
	}
	d.apply(engine.StopInput{Error: "E"}, sec(5))
	runs = d.ex.MapRuns()
	if len(runs) != 1 || runs[0].Status != engine.Aborted || !runs[0].StopDate.Equal(sec(5)) || runs[0].Succeeded != 0 {
		t.Fatalf("stopped MapRuns() = %+v", runs)
	}
}

// TestChildChanges follows a distributed Map's STANDARD children through
// ChildChanges: each change comes once, with the events since the last
// one; a child still running when the map run stops is aborted.
func TestChildChanges(t *testing.T) {
	t.Parallel()
	d := start(t, mapMachine(`"MaxConcurrency":1,"Label":"Items"`, distributed(itemTask)), `[1,2]`)
	first := d.ex.ChildChanges()
	if len(first) != 1 {
		t.Fatalf("after start: %d changed children, want 1 (MaxConcurrency 1)", len(first))
	}
	c := first[0]
	runs := d.ex.MapRuns()
	wantMachine := "arn:aws:states:us-east-1:111111111111:stateMachine:" + testInfo().StateMachineName + "/Items"
	if c.MapRunArn != runs[0].Arn || c.StateMachineArn != wantMachine || c.Status != engine.Running ||
		c.Arn != strings.Replace(wantMachine, ":stateMachine:", ":execution:", 1)+":"+c.Name || c.From != 0 ||
		c.ItemCount != 1 || jsonv.Marshal(c.Input) != `1` || !c.StartDate.Equal(t0) {
		t.Fatalf("new child: %+v", c)
	}
	if got := eventTypes(c.Events); got != "ExecutionStarted TaskStateEntered TaskScheduled" {
		t.Fatalf("new child's events: %s", got)
	}
	if again := d.ex.ChildChanges(); len(again) != 0 {
		t.Fatalf("no change since: got %+v", again)
	}
	tk := d.task()
	d.apply(engine.TaskSucceededInput{TaskID: tk.TaskID, Output: mustJSON(t, `{"r":1}`)}, sec(1))
	changes := d.ex.ChildChanges()
	if len(changes) != 2 {
		t.Fatalf("after the first task: %d changed children, want the first ending and the second starting", len(changes))
	}
	done, second := changes[0], changes[1]
	if done.Arn != c.Arn || done.Status != engine.Succeeded || jsonv.Marshal(done.Output) != `{"r":1}` || !done.StopDate.Equal(sec(1)) ||
		done.From != 3 || done.Events[0].ID != 4 || eventTypes(done.Events) != "TaskSucceeded TaskStateExited ExecutionSucceeded" {
		t.Fatalf("ended child: %+v, events %s", done, eventTypes(done.Events))
	}
	if second.Arn == c.Arn || second.Status != engine.Running || second.From != 0 {
		t.Fatalf("second child: %+v", second)
	}
	d.task()
	d.apply(engine.StopInput{Error: "E"}, sec(2))
	changes = d.ex.ChildChanges()
	if len(changes) != 1 || changes[0].Arn != second.Arn || changes[0].Status != engine.Aborted ||
		eventTypes(changes[0].Events) != "ExecutionAborted" || changes[0].Events[0].PreviousID != 0 {
		t.Fatalf("after the parent stopped: %+v", changes)
	}
}

// TestChildChangesExpress checks that EXPRESS children are not kept.
func TestChildChangesExpress(t *testing.T) {
	t.Parallel()
	def := mapMachine(``, strings.Replace(distributed(itemPass), "STANDARD", "EXPRESS", 1))
	if ex := run(t, def, `[1,2]`, nil); len(ex.ChildChanges()) != 0 {
		t.Fatalf("EXPRESS children were kept: %+v", ex.ChildChanges())
	}
}

func eventTypes(evs []engine.HistoryEvent) string {
	s := make([]string, len(evs))
	for i, ev := range evs {
		s[i] = string(ev.Type)
	}
	return strings.Join(s, " ")
}

// TestStopChild stops one child of a running distributed Map: it ends
// ABORTED, counts as a failed child, and the map run goes on.
func TestStopChild(t *testing.T) {
	t.Parallel()
	d := start(t, mapMachine(`"MaxConcurrency":1,"ToleratedFailureCount":1`, distributed(itemTask)), `[1,2]`)
	first := d.ex.ChildChanges()[0]
	tk := d.task()
	if err := d.ex.Apply(engine.StopInput{Child: "arn:aws:states:nope", Error: "E"}, sec(1)); !isErr(err, engine.ErrUnknownTarget) {
		t.Fatalf("stopping an unknown child: %v, want ErrUnknownTarget", err)
	}
	d.apply(engine.StopInput{Child: first.Arn, Error: "Operator.Stop", Cause: "not needed"}, sec(1))
	if !d.has(engine.CancelTask{TaskID: tk.TaskID}) {
		t.Errorf("the stopped child's task was not cancelled: %#v", d.cmds)
	}
	changes := d.ex.ChildChanges()
	if len(changes) != 2 {
		t.Fatalf("changes after the stop: %+v", changes)
	}
	stopped := changes[0]
	if stopped.Arn != first.Arn || stopped.Status != engine.Aborted || stopped.Error != "Operator.Stop" || stopped.Cause != "not needed" ||
		eventTypes(stopped.Events) != "ExecutionAborted" || !stopped.StopDate.Equal(sec(1)) {
		t.Fatalf("stopped child: %+v %s", stopped, eventTypes(stopped.Events))
	}
	if runs := d.ex.MapRuns(); runs[0].Failed != 1 || runs[0].Running != 1 || d.ex.Status() != engine.Running {
		t.Fatalf("map run after the stop: %+v, execution %s", runs[0], d.ex.Status())
	}
	d.apply(engine.TaskSucceededInput{TaskID: d.task().TaskID, Output: mustJSON(t, `2`)}, sec(2))
	if d.ex.Status() != engine.Succeeded {
		t.Fatalf("execution: %s, want SUCCEEDED (one failure tolerated)\n%s", d.ex.Status(), historyText(d.ex))
	}
}

// TestUpdateMapRun changes a running map run: more concurrency starts the
// waiting children at once, and a tolerance below the failures so far
// fails it.
func TestUpdateMapRun(t *testing.T) {
	t.Parallel()
	d := start(t, mapMachine(`"MaxConcurrency":1,"ToleratedFailureCount":5`, distributed(itemTask)), `[1,2,3,4]`)
	arn := d.ex.MapRuns()[0].Arn
	d.task()
	three := 3
	d.apply(engine.UpdateMapRunInput{MapRunArn: arn, MaxConcurrency: &three}, sec(1))
	if n := len(d.take()); n != 2 {
		t.Fatalf("raising MaxConcurrency to 3 scheduled %d tasks, want 2 more", n)
	}
	if run := d.ex.MapRuns()[0]; run.MaxConcurrency != 3 || run.Running != 3 {
		t.Fatalf("map run after the update: %+v", run)
	}
	tasks := d.ex.PendingTasks()
	d.apply(engine.TaskFailedInput{TaskID: tasks[0].TaskID, Error: "Boom"}, sec(2))
	if d.ex.Status() != engine.Running || d.ex.MapRuns()[0].Failed != 1 {
		t.Fatalf("one tolerated failure ended the run: %s %+v", d.ex.Status(), d.ex.MapRuns()[0])
	}
	zero := int64(0)
	d.apply(engine.UpdateMapRunInput{MapRunArn: arn, ToleratedFailureCount: &zero}, sec(3))
	run := d.ex.MapRuns()[0]
	if d.ex.Status() != engine.Failed || run.Status != engine.Failed || run.ToleratedFailureCount != 0 {
		t.Fatalf("after tolerating no failure: execution %s, map run %+v", d.ex.Status(), run)
	}
	if err := d.ex.Apply(engine.UpdateMapRunInput{MapRunArn: "arn:nope"}, sec(4)); err == nil {
		t.Fatal("updating an unknown map run of an ended execution succeeded")
	}
}
