package engine_test

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// parallelMachine builds a Parallel state Par with the given branches and
// extra fields; Catch may go to "Caught", a Pass state.
func parallelMachine(fields string, branches ...string) string {
	if fields != "" {
		fields = "," + fields
	}
	extra := ""
	if strings.Contains(fields, `"Caught"`) {
		extra = `,"Caught":{"Type":"Pass","End":true}`
	}
	return `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[` + strings.Join(branches, ",") + `]` + fields + `}` + extra + `}}`
}

// branch builds a one-state branch.
func branch(name, state string) string {
	return `{"StartAt":"` + name + `","States":{"` + name + `":` + state + `}}`
}

func TestParallel(t *testing.T) {
	t.Parallel()
	passA := branch("A", `{"Type":"Pass","Result":"a","End":true}`)
	passB := branch("B", `{"Type":"Pass","Parameters":{"in.$":"$"},"End":true}`)
	fail := branch("F", `{"Type":"Fail","Error":"BranchError","Cause":"branch broke"}`)
	tests := []struct {
		name     string
		def      string
		input    string
		handlers map[string]local.Handler
		want     outcome
	}{
		{name: "outputs in branch order", def: parallelMachine("", passA, passB), input: `{"x":1}`,
			want: outcome{output: `["a",{"in":{"x":1}}]`}},
		{name: "InputPath and Parameters give the branch input", def: parallelMachine(`"InputPath":"$.in","Parameters":{"v.$":"$.v","name.$":"$$.State.Name"}`, passB),
			input: `{"in":{"v":1}}`, want: outcome{output: `[{"in":{"v":1,"name":"Par"}}]`}},
		{name: "ResultSelector, ResultPath and OutputPath", def: parallelMachine(`"ResultSelector":{"first.$":"$[0]"},"ResultPath":"$.r","OutputPath":"$.r.first"`, passA, passB),
			input: `{}`, want: outcome{output: `"a"`}},
		{name: "ResultPath null", def: parallelMachine(`"ResultPath":null`, passA), input: `{"keep":1}`,
			want: outcome{output: `{"keep":1}`}},
		{name: "multi-state branches", def: parallelMachine("",
			`{"StartAt":"A1","States":{"A1":{"Type":"Pass","Result":1,"ResultPath":"$.a1","Next":"A2"},"A2":{"Type":"Pass","Result":2,"ResultPath":"$.a2","End":true}}}`,
			`{"StartAt":"B1","States":{"B1":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"B2"}],"Default":"B3"},"B2":{"Type":"Succeed"},"B3":{"Type":"Fail"}}}`),
			input: `{"go":true}`, want: outcome{output: `[{"go":true,"a1":1,"a2":2},{"go":true}]`}},
		{name: "nested", def: parallelMachine("", branch("Inner", `{"Type":"Parallel","End":true,"Branches":[`+passA+`,`+passB+`]}`),
			branch("C", `{"Type":"Pass","Result":"c","End":true}`)),
			input: `{}`, want: outcome{output: `[["a",{"in":{}}],"c"]`}},
		{name: "tasks in branches", def: parallelMachine("",
			branch("T1", `{"Type":"Task","Resource":"`+resInvoke+`","Parameters":{"n":1},"End":true}`),
			branch("T2", `{"Type":"Task","Resource":"`+resInvoke+`","Parameters":{"n":2},"End":true}`)),
			input: `{}`, want: outcome{output: `[{"n":1},{"n":2}]`}},
		{name: "a failed branch fails the state with the branch's error", def: parallelMachine("", passA, fail), input: `{}`,
			want: outcome{status: engine.Failed, err: "BranchError", cause: "branch broke"}},
		{name: "a failed branch is caught by its error name", def: parallelMachine(`"Catch":[{"ErrorEquals":["BranchError"],"ResultPath":"$.err","Next":"Caught"}]`, passA, fail),
			input: `{"in":1}`, want: outcome{output: `{"in":1,"err":{"Error":"BranchError","Cause":"branch broke"}}`}},
		{name: "a failed branch is caught by States.ALL", def: parallelMachine(`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`, fail, passA),
			input: `{}`, want: outcome{output: `{"Error":"BranchError","Cause":"branch broke"}`}},
		{name: "States.Runtime in a branch is not caught by States.ALL",
			def:   parallelMachine(`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`, branch("Bad", `{"Type":"Pass","InputPath":"$.nope","End":true}`)),
			input: `{}`, want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'Bad' (entered at the event id #4). Invalid path '$.nope' : No results for path: $['nope']"}},
		{name: "the whole state is retried", def: parallelMachine(`"Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":2}]`,
			branch("T", `{"Type":"Task","Resource":"`+resInvoke+`","End":true}`)),
			input:    `{"v":1}`,
			handlers: map[string]local.Handler{resInvoke: flaky(2, "Transient")},
			want:     outcome{output: `[{"v":1}]`}},
		{name: "task failure inside a branch", def: parallelMachine("", passA, branch("T", `{"Type":"Task","Resource":"`+resFail+`","End":true}`)),
			input: `{}`, want: outcome{status: engine.Failed, err: "Custom.Error", cause: "it broke"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			handlers := tt.handlers
			if handlers == nil {
				handlers = defaultHandlers()
			}
			ex := run(t, tt.def, tt.input, handlers)
			check(t, ex, tt.want)
		})
	}
}

// TestParallelHistory checks the Parallel state's own events and their
// linkage.
func TestParallelHistory(t *testing.T) {
	t.Parallel()
	ex := run(t, parallelMachine("",
		branch("A", `{"Type":"Pass","Result":"a","End":true}`),
		branch("B", `{"Type":"Pass","Result":"b","End":true}`)), `{}`, nil)
	check(t, ex, outcome{output: `["a","b"]`})
	// AWS runs branches concurrently: only the events around them have a
	// fixed order.
	want := []string{"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
		"*", "*", "*", "*",
		"ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"}
	got := types(ex)
	if len(got) != len(want) {
		t.Fatalf("events = %v\nwant     %v", got, want)
	}
	for i := range want {
		if want[i] != "*" && got[i] != want[i] {
			t.Errorf("event %d = %s, want %s", i+1, got[i], want[i])
		}
	}
	if n := countType(ex, "PassStateEntered"); n != 2 {
		t.Errorf("%d PassStateEntered events, want 2", n)
	}
	h := ex.History()
	// Each branch's first event links to ParallelStateStarted; each exit to
	// its branch's entry.
	entered := map[string]int64{}
	for _, ev := range h {
		switch ev.Type {
		case "PassStateEntered":
			entered[ev.Name] = ev.ID
			if ev.PreviousID != 3 {
				t.Errorf("branch state %s entered after event %d, want 3 (ParallelStateStarted)", ev.Name, ev.PreviousID)
			}
		case "PassStateExited":
			if ev.PreviousID != entered[ev.Name] {
				t.Errorf("branch state %s exit links to %d, want its entry %d", ev.Name, ev.PreviousID, entered[ev.Name])
			}
		}
	}
	for i := 1; i < len(h); i++ {
		if h[i].PreviousID >= h[i].ID {
			t.Errorf("event %d links forward to %d", h[i].ID, h[i].PreviousID)
		}
	}
	if got := jsonv.Marshal(details(t, event(t, ex, "ParallelStateExited", 0))); got != `{"name":"Par","output":"[\"a\",\"b\"]","outputDetails":{"truncated":false}}` {
		t.Errorf("ParallelStateExited details = %s", got)
	}
}

// TestParallelOutOfOrder finishes the branches' tasks in reverse order; the
// output keeps branch order.
func TestParallelOutOfOrder(t *testing.T) {
	t.Parallel()
	d := start(t, parallelMachine("",
		branch("T0", `{"Type":"Task","Resource":"`+resInvoke+`","Parameters":{"b":0},"End":true}`),
		branch("T1", `{"Type":"Task","Resource":"`+resInvoke+`","Parameters":{"b":1},"End":true}`)), `{}`)
	var tasks []engine.ScheduleTask
	for _, c := range d.take() {
		if st, ok := c.(engine.ScheduleTask); ok {
			tasks = append(tasks, st)
		}
	}
	if len(tasks) != 2 {
		t.Fatalf("want 2 scheduled tasks, got %#v", tasks)
	}
	d.apply(engine.TaskSucceededInput{TaskID: tasks[1].TaskID, Output: "second"}, sec(1))
	if d.ex.Status() != engine.Running {
		t.Fatalf("finished with a branch still running:\n%s", historyText(d.ex))
	}
	d.apply(engine.TaskSucceededInput{TaskID: tasks[0].TaskID, Output: "first"}, sec(2))
	check(t, d.ex, outcome{output: `["first","second"]`})
}

// TestParallelFailureCancelsSiblings checks that a failing branch cancels
// the tasks and timers of the branches still running.
func TestParallelFailureCancelsSiblings(t *testing.T) {
	t.Parallel()
	d := start(t, parallelMachine("",
		branch("T", `{"Type":"Task","Resource":"`+resInvoke+`","TimeoutSeconds":60,"End":true}`),
		branch("W", `{"Type":"Wait","Seconds":30,"End":true}`),
		branch("F", `{"Type":"Fail","Error":"Stop"}`)), `{}`)
	check(t, d.ex, outcome{status: engine.Failed, err: "Stop"})
	var scheduled, cancelledTasks, started, cancelledTimers []string
	for _, c := range d.take() {
		switch c := c.(type) {
		case engine.ScheduleTask:
			scheduled = append(scheduled, c.TaskID)
		case engine.CancelTask:
			cancelledTasks = append(cancelledTasks, c.TaskID)
		case engine.StartTimer:
			started = append(started, c.TimerID)
		case engine.CancelTimer:
			cancelledTimers = append(cancelledTimers, c.TimerID)
		}
	}
	if len(scheduled) != 1 || !equalStrings(scheduled, cancelledTasks) {
		t.Errorf("scheduled %v, cancelled %v", scheduled, cancelledTasks)
	}
	for _, id := range started {
		found := false
		for _, c := range cancelledTimers {
			found = found || c == id
		}
		if !found {
			t.Errorf("timer %s was not cancelled (cancelled: %v)", id, cancelledTimers)
		}
	}
	if n := countType(d.ex, "ParallelStateFailed"); n != 1 {
		t.Errorf("%d ParallelStateFailed events, want 1:\n%s", n, historyText(d.ex))
	}
}

// TestParallelVariables checks variable scopes: branches read the outer
// variables; what a branch assigns stays in the branch.
func TestParallelVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want outcome
	}{
		{name: "branches read outer variables", def: `{"StartAt":"Set","States":{
			"Set":{"Type":"Pass","Assign":{"outer":"o"},"Next":"Par"},
			"Par":{"Type":"Parallel","End":true,"Branches":[` +
			branch("Read", `{"Type":"Pass","Parameters":{"v.$":"$outer"},"End":true}`) + `]}}}`,
			want: outcome{output: `[{"v":"o"}]`}},
		{name: "a branch's own variables", def: `{"StartAt":"Par","States":{
			"Par":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"S","States":{"S":{"Type":"Pass","Assign":{"inner":1},"Next":"R"},"R":{"Type":"Pass","Parameters":{"v.$":"$inner"},"End":true}}},
			{"StartAt":"S2","States":{"S2":{"Type":"Pass","Assign":{"inner":2},"Next":"R2"},"R2":{"Type":"Pass","Parameters":{"v.$":"$inner"},"End":true}}}]}}}`,
			want: outcome{output: `[{"v":1},{"v":2}]`}},
		{name: "branch variables are not visible after the state", def: `{"StartAt":"Par","States":{
			"Par":{"Type":"Parallel","Next":"After","Branches":[` +
			branch("S", `{"Type":"Pass","Assign":{"inner":1},"End":true}`) + `]},
			"After":{"Type":"Pass","Parameters":{"v.$":"$inner"},"End":true}}}`,
			want: outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'After' …"}},
		{name: "the Parallel state's Assign sees its result", def: `{"StartAt":"Par","States":{
			"Par":{"Type":"Parallel","Assign":{"first.$":"$[0]"},"Next":"After","Branches":[` +
			branch("S", `{"Type":"Pass","Result":"r","End":true}`) + `]},
			"After":{"Type":"Pass","Parameters":{"v.$":"$first"},"End":true}}}`,
			want: outcome{output: `{"v":"r"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, tt.def, `{}`, nil)
			check(t, ex, tt.want)
		})
	}
}

// TestParallelRetryHistory checks that a retried Parallel state starts its
// branches again without entering the state again.
func TestParallelRetryHistory(t *testing.T) {
	t.Parallel()
	ex := run(t, parallelMachine(`"Retry":[{"ErrorEquals":["Transient"],"MaxAttempts":1}]`,
		branch("T", `{"Type":"Task","Resource":"`+resInvoke+`","End":true}`)), `{}`,
		map[string]local.Handler{resInvoke: flaky(1, "Transient")})
	check(t, ex, outcome{output: `[{}]`})
	if n := countType(ex, "ParallelStateStarted"); n != 2 {
		t.Errorf("%d ParallelStateStarted events, want 2", n)
	}
	if n := countType(ex, "ParallelStateFailed"); n != 0 {
		t.Errorf("%d ParallelStateFailed events for a retried attempt:\n%s", n, historyText(ex))
	}
	if n := countType(ex, "ParallelStateEntered"); n != 1 {
		t.Errorf("%d ParallelStateEntered events, want 1", n)
	}
}

// TestParallelKeepsInputText checks AWS's way with a Parallel result whose
// branches pass the execution input through: the input keeps the text it
// was sent with (spaces and all) inside the result, also nested; a branch
// output of its own is written compactly. (AWS was recorded with one
// branch; "," between branches is this engine's choice.)
func TestParallelKeepsInputText(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"L1","States":{"L1":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"L2","States":{"L2":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"Same","States":{"Same":{"Type":"Pass","End":true}}},
			{"StartAt":"Own","States":{"Own":{"Type":"Pass","Result":{"a": 1},"End":true}}}]}}}]}}}`
	input := `[[1, 2], {"k": "v"}]`
	info := testInfo()
	info.InputText = input
	ex := engine.Start(mustParse(t, def), info, mustJSON(t, input), t0)
	if ex.Status() != engine.Succeeded {
		t.Fatalf("status %s", ex.Status())
	}
	last := ex.History()[len(ex.History())-1]
	want := `"output":"[[[[1, 2], {\"k\": \"v\"}],{\"a\":1}]]"`
	if got := last.JSON(); !strings.Contains(got, want) {
		t.Fatalf("ExecutionSucceeded = %s\nwant the output %s", got, want)
	}
}
