package engine_test

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// mapMachine builds a Map state M with fields and an item processor whose
// states are given; Catch may go to "Caught", a Pass state.
func mapMachine(fields, processor string) string {
	if fields != "" {
		fields = "," + fields
	}
	extra := ""
	if strings.Contains(fields, `"Caught"`) {
		extra = `,"Caught":{"Type":"Pass","End":true}`
	}
	return `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":` + processor + fields + `}` + extra + `}}`
}

// inline and distributed item processors around one state named I.
func inline(state string) string {
	return `{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"I","States":{"I":` + state + `}}`
}

func distributed(state string) string {
	return `{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":` + state + `}}`
}

const (
	itemPass = `{"Type":"Pass","End":true}`
	itemTask = `{"Type":"Task","Resource":"` + resInvoke + `","End":true}`
	// itemFailOdd fails the items whose "fail" member is true.
	itemFailOdd = `{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"Bad"}],"Default":"Good"},` +
		`"Bad":{"Type":"Fail","Error":"ItemError","Cause":"bad item"},"Good":{"Type":"Pass","End":true}`
)

func TestMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		def      string
		input    string
		handlers map[string]local.Handler
		want     outcome
	}{
		{name: "input array", def: mapMachine("", inline(itemPass)), input: `[1,"two",{"three":3}]`,
			want: outcome{output: `[1,"two",{"three":3}]`}},
		{name: "ItemsPath and ResultPath", def: mapMachine(`"ItemsPath":"$.items","ResultPath":"$.results"`, inline(`{"Type":"Pass","Result":"ok","ResultPath":"$.status","End":true}`)),
			input: `{"items":[{"id":1},{"id":2}]}`,
			want:  outcome{output: `{"items":[{"id":1},{"id":2}],"results":[{"id":1,"status":"ok"},{"id":2,"status":"ok"}]}`}},
		{name: "empty array", def: mapMachine(`"ItemsPath":"$.items"`, inline(itemPass)), input: `{"items":[]}`,
			want: outcome{output: `[]`}},
		{name: "ItemSelector with the context object", def: mapMachine(`"ItemsPath":"$.items","ItemSelector":{"index.$":"$$.Map.Item.Index","value.$":"$$.Map.Item.Value","shared.$":"$.shared","k":"v"}`, inline(itemPass)),
			input: `{"items":["a","b"],"shared":7}`,
			want:  outcome{output: `[{"index":0,"value":"a","shared":7,"k":"v"},{"index":1,"value":"b","shared":7,"k":"v"}]`}},
		{name: "ItemSelector sees the effective input", def: mapMachine(`"InputPath":"$.in","ItemsPath":"$.items","ItemSelector":{"v.$":"$$.Map.Item.Value","x.$":"$.x"}`, inline(itemPass)),
			input: `{"in":{"items":[1],"x":"inner"},"x":"outer"}`,
			want:  outcome{output: `[{"v":1,"x":"inner"}]`}},
		{name: "legacy Iterator and Parameters", def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemsPath":"$.items",` +
			`"Parameters":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},"Iterator":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}}`,
			input: `{"items":[true,false]}`,
			want:  outcome{output: `[{"i":0,"v":true},{"i":1,"v":false}]`}},
		{name: "ResultSelector and OutputPath", def: mapMachine(`"ItemsPath":"$.items","ResultSelector":{"n.$":"States.ArrayLength($)"},"ResultPath":"$.r","OutputPath":"$.r.n"`, inline(itemPass)),
			input: `{"items":[1,2,3]}`, want: outcome{output: `3`}},
		{name: "multi-state iterations", def: mapMachine("", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$"},"Next":"B"},"B":{"Type":"Pass","Result":"b","ResultPath":"$.b","End":true}}}`),
			input: `[1,2]`, want: outcome{output: `[{"v":1,"b":"b"},{"v":2,"b":"b"}]`}},
		{name: "tasks in iterations", def: mapMachine(`"MaxConcurrency":2`, inline(`{"Type":"Task","Resource":"`+resInvoke+`","Parameters":{"n.$":"$"},"End":true}`)),
			input: `[1,2,3]`, want: outcome{output: `[{"n":1},{"n":2},{"n":3}]`}},
		{name: "MaxConcurrencyPath", def: mapMachine(`"ItemsPath":"$.items","MaxConcurrencyPath":"$.max"`, inline(itemPass)),
			input: `{"items":[1,2],"max":1}`, want: outcome{output: `[1,2]`}},
		{name: "nested maps", def: mapMachine("", `{"StartAt":"Inner","States":{"Inner":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"Leaf","States":{"Leaf":{"Type":"Pass","Parameters":{"i.$":"$"},"End":true}}}}}}`),
			input: `[[1,2],[3]]`, want: outcome{output: `[[{"i":1},{"i":2}],[{"i":3}]]`}},
		{name: "ItemsPath missing", def: mapMachine(`"ItemsPath":"$.items"`, inline(itemPass)), input: `{}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'M' (entered at the event id #2). Invalid path '$.items' : No results for path: $['items']"}},
		{name: "items not an array", def: mapMachine(`"ItemsPath":"$.items"`, inline(itemPass)), input: `{"items":{"a":1}}`,
			want: outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'M' (entered at the event id #2). …"}},
		{name: "a failed iteration fails the state with its error", def: mapMachine(`"MaxConcurrency":1`, inline(itemFailOdd)),
			input: `[{"fail":false},{"fail":true},{"fail":false}]`,
			want:  outcome{status: engine.Failed, err: "ItemError", cause: "bad item"}},
		{name: "a failed iteration is caught", def: mapMachine(`"ItemsPath":"$.items","Catch":[{"ErrorEquals":["ItemError"],"ResultPath":"$.err","Next":"Caught"}]`, inline(itemFailOdd)),
			input: `{"items":[{"fail":true}]}`,
			want:  outcome{output: `{"items":[{"fail":true}],"err":{"Error":"ItemError","Cause":"bad item"}}`}},
		{name: "a task failure in an iteration", def: mapMachine("", inline(`{"Type":"Task","Resource":"`+resFail+`","End":true}`)),
			input: `[1]`, want: outcome{status: engine.Failed, err: "Custom.Error", cause: "it broke"}},
		{name: "the whole state is retried", def: mapMachine(`"MaxConcurrency":1,"Retry":[{"ErrorEquals":["Transient"],"MaxAttempts":1}]`, inline(itemTask)),
			input:    `[1,2]`,
			handlers: map[string]local.Handler{resInvoke: flaky(1, "Transient")},
			want:     outcome{output: `[1,2]`}},
		{name: "States.Runtime in an iteration", def: mapMachine(`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`, inline(`{"Type":"Pass","InputPath":"$.nope","End":true}`)),
			input: `[{}]`, want: outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'I' …"}},
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

// TestMapHistory checks an inline Map's events with MaxConcurrency 1.
func TestMapHistory(t *testing.T) {
	t.Parallel()
	ex := run(t, mapMachine(`"MaxConcurrency":1`, inline(itemPass)), `[7,8]`, nil)
	check(t, ex, outcome{output: `[7,8]`})
	want := []string{
		`[1,0] ExecutionStarted`,
		`[2,0] MapStateEntered {"name":"M","input":"[7,8]","inputDetails":{"truncated":false}}`,
		`[3,2] MapStateStarted {"length":2}`,
		`[4,3] MapIterationStarted {"name":"M","index":0}`,
		`[5,4] PassStateEntered {"name":"I","input":"7","inputDetails":{"truncated":false}}`,
		`[6,5] PassStateExited {"name":"I","output":"7","outputDetails":{"truncated":false}}`,
		`[7,6] MapIterationSucceeded {"name":"M","index":0}`,
		`[8,6] MapIterationStarted {"name":"M","index":1}`,
		`[9,8] PassStateEntered {"name":"I","input":"8","inputDetails":{"truncated":false}}`,
		`[10,9] PassStateExited {"name":"I","output":"8","outputDetails":{"truncated":false}}`,
		`[11,10] MapIterationSucceeded {"name":"M","index":1}`,
		`[12,11] MapStateSucceeded`,
		`[13,11] MapStateExited {"name":"M","output":"[7,8]","outputDetails":{"truncated":false}}`,
		`[14,13] ExecutionSucceeded`,
	}
	got := summarize(t, ex)
	if len(got) != len(want) {
		t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if got[i] != want[i] && !(strings.HasPrefix(want[i], got[i]) || strings.HasPrefix(got[i], want[i]+" ")) {
			t.Errorf("event %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}
}

// summarize renders each event as "[id,prev] Type details" (no details for
// the execution's own events, whose shape other tests check).
func summarize(t *testing.T, ex *engine.Execution) []string {
	t.Helper()
	var out []string
	for i := range ex.History() {
		ev := &ex.History()[i]
		s := "[" + string(jsonv.Int(ev.ID)) + "," + string(jsonv.Int(ev.PreviousID)) + "] " + string(ev.Type)
		if !strings.HasPrefix(string(ev.Type), "Execution") {
			v, err := jsonv.Parse(ev.AppendJSON(nil))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range v.(*jsonv.Object).Members {
				if strings.HasSuffix(m.Key, "EventDetails") {
					s += " " + jsonv.Marshal(m.Value)
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// TestMapConcurrency drives an inline Map of tasks by hand and checks that
// MaxConcurrency bounds the tasks in flight.
func TestMapConcurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields string
		items  int
		max    int // most tasks in flight
	}{
		{name: "MaxConcurrency 1", fields: `"MaxConcurrency":1`, items: 4, max: 1},
		{name: "MaxConcurrency 2", fields: `"MaxConcurrency":2`, items: 5, max: 2},
		{name: "MaxConcurrency 0 is unbounded", fields: `"MaxConcurrency":0`, items: 6, max: 6},
		{name: "MaxConcurrencyPath", fields: `"ItemsPath":"$.items","MaxConcurrencyPath":"$.max"`, items: 3, max: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items := make([]string, tt.items)
			for i := range items {
				items[i] = string(jsonv.Int(int64(i)))
			}
			input := "[" + strings.Join(items, ",") + "]"
			if strings.Contains(tt.fields, "ItemsPath") {
				input = `{"items":` + input + `,"max":` + string(jsonv.Int(int64(tt.max))) + `}`
			}
			d := start(t, mapMachine(tt.fields, inline(`{"Type":"Task","Resource":"`+resInvoke+`","Parameters":{"item.$":"$"},"End":true}`)), input)
			var pending []engine.ScheduleTask
			var order []string
			now := t0
			for {
				for _, c := range d.take() {
					if st, ok := c.(engine.ScheduleTask); ok {
						pending = append(pending, st)
						order = append(order, jsonv.Marshal(st.Parameters))
					}
				}
				if len(pending) > tt.max {
					t.Fatalf("%d tasks in flight, MaxConcurrency allows %d", len(pending), tt.max)
				}
				if len(pending) == 0 {
					break
				}
				// Finish the newest first to mix up completion order.
				st := pending[len(pending)-1]
				pending = pending[:len(pending)-1]
				now = now.Add(1e9)
				d.apply(engine.TaskSucceededInput{TaskID: st.TaskID, Output: st.Parameters}, now)
			}
			want := make([]string, tt.items)
			for i := range want {
				want[i] = `{"item":` + items[i] + `}`
			}
			check(t, d.ex, outcome{output: "[" + strings.Join(want, ",") + "]"})
			if !equalStrings(order, want) {
				t.Errorf("iterations started in order %v, want %v", order, want)
			}
		})
	}
}

// TestMapFailureAbortsIterations checks that the first failed iteration
// aborts the others: their tasks are cancelled and MapIterationAborted is
// recorded.
func TestMapFailureAbortsIterations(t *testing.T) {
	t.Parallel()
	d := start(t, mapMachine("", inline(`{"Type":"Task","Resource":"`+resInvoke+`","End":true}`)), `[0,1,2]`)
	var tasks []engine.ScheduleTask
	for _, c := range d.take() {
		if st, ok := c.(engine.ScheduleTask); ok {
			tasks = append(tasks, st)
		}
	}
	if len(tasks) != 3 {
		t.Fatalf("want 3 tasks in flight, got %d", len(tasks))
	}
	d.apply(engine.TaskFailedInput{TaskID: tasks[1].TaskID, Error: "Boom", Cause: "item 1"}, sec(1))
	check(t, d.ex, outcome{status: engine.Failed, err: "Boom", cause: "item 1"})
	cancelled := map[string]bool{}
	for _, c := range d.take() {
		if ct, ok := c.(engine.CancelTask); ok {
			cancelled[ct.TaskID] = true
		}
	}
	if !cancelled[tasks[0].TaskID] || !cancelled[tasks[2].TaskID] || len(cancelled) != 2 {
		t.Errorf("cancelled %v, want the tasks of items 0 and 2", cancelled)
	}
	if n := countType(d.ex, engine.MapIterationFailed); n != 1 {
		t.Errorf("%d MapIterationFailed events, want 1", n)
	}
	if n := countType(d.ex, engine.MapIterationAborted); n != 2 {
		t.Errorf("%d MapIterationAborted events, want 2:\n%s", n, historyText(d.ex))
	}
	if n := countType(d.ex, engine.MapStateFailed); n != 1 {
		t.Errorf("%d MapStateFailed events, want 1", n)
	}
	// Results for the aborted iterations are stale.
	err := d.ex.Apply(engine.TaskSucceededInput{TaskID: tasks[0].TaskID, Output: "late"}, sec(2))
	if !isErr(err, engine.ErrNotRunning) {
		t.Errorf("late result: err = %v, want ErrNotRunning", err)
	}
}

// TestMapFailureStopsStartingIterations checks that with MaxConcurrency 1
// no iteration starts after the first failure.
func TestMapFailureStopsStartingIterations(t *testing.T) {
	t.Parallel()
	ex := run(t, mapMachine(`"MaxConcurrency":1`, inline(itemFailOdd)), `[{"fail":true},{"fail":false},{"fail":false}]`, nil)
	check(t, ex, outcome{status: engine.Failed, err: "ItemError", cause: "bad item"})
	if n := countType(ex, engine.MapIterationStarted); n != 1 {
		t.Errorf("%d iterations started, want 1:\n%s", n, historyText(ex))
	}
}

// TestMapVariables checks variable scopes in Map iterations.
func TestMapVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want outcome
	}{
		{name: "iterations read outer variables", def: `{"StartAt":"Set","States":{
			"Set":{"Type":"Pass","Assign":{"prefix":"p-"},"Next":"M"},
			"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"v.$":"States.Format('{}{}', $prefix, $)"},"End":true}}}}}}`,
			want: outcome{output: `[{"v":"p-1"},{"v":"p-2"}]`}},
		{name: "ItemSelector reads variables", def: `{"StartAt":"Set","States":{
			"Set":{"Type":"Pass","Assign":{"k":"K"},"Next":"M"},
			"M":{"Type":"Map","End":true,"ItemSelector":{"k.$":"$k","v.$":"$$.Map.Item.Value"},"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}}`,
			want: outcome{output: `[{"k":"K","v":1},{"k":"K","v":2}]`}},
		{name: "each iteration has its own variables", def: `{"StartAt":"M","States":{
			"M":{"Type":"Map","End":true,"MaxConcurrency":1,"ItemProcessor":{"StartAt":"A","States":{
				"A":{"Type":"Pass","Assign":{"mine.$":"$"},"Next":"B"},
				"B":{"Type":"Pass","Parameters":{"mine.$":"$mine"},"End":true}}}}}}`,
			want: outcome{output: `[{"mine":1},{"mine":2}]`}},
		{name: "iteration variables are not visible after the state", def: `{"StartAt":"M","States":{
			"M":{"Type":"Map","Next":"After","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"inner":1},"End":true}}}},
			"After":{"Type":"Pass","Parameters":{"v.$":"$inner"},"End":true}}}`,
			want: outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'After' …"}},
		{name: "the Map state's Assign sees its result", def: `{"StartAt":"M","States":{
			"M":{"Type":"Map","Assign":{"n.$":"States.ArrayLength($)"},"Next":"After","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}},
			"After":{"Type":"Pass","Parameters":{"n.$":"$n"},"End":true}}}`,
			want: outcome{output: `{"n":2}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, tt.def, `[1,2]`, nil)
			check(t, ex, tt.want)
		})
	}
}

func TestDistributedMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		def   string
		input string
		want  outcome
	}{
		{name: "succeeds", def: mapMachine(`"ItemsPath":"$.items","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"}`, distributed(itemPass)),
			input: `{"items":["a","b"]}`, want: outcome{output: `[{"v":"a","i":0},{"v":"b","i":1}]`}},
		{name: "tasks in child executions", def: mapMachine(`"MaxConcurrency":2`, distributed(itemTask)),
			input: `[1,2,3]`, want: outcome{output: `[1,2,3]`}},
		{name: "no tolerance: one failure fails the state", def: mapMachine("", distributed(itemFailOdd)),
			input: `[{"fail":false},{"fail":true}]`,
			want:  outcome{status: engine.Failed, err: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded"}},
		{name: "ToleratedFailureCount within", def: mapMachine(`"ToleratedFailureCount":1`, distributed(itemFailOdd)),
			input: `[{"fail":false},{"fail":true},{"fail":false}]`, want: outcome{output: `[{"fail":false},null,{"fail":false}]`}},
		{name: "ToleratedFailureCount exceeded", def: mapMachine(`"ToleratedFailureCount":1`, distributed(itemFailOdd)),
			input: `[{"fail":true},{"fail":true},{"fail":false}]`,
			want:  outcome{status: engine.Failed, err: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded"}},
		{name: "ToleratedFailurePercentage within", def: mapMachine(`"ToleratedFailurePercentage":50`, distributed(itemFailOdd)),
			input: `[{"fail":true},{"fail":true},{"fail":false},{"fail":false}]`, want: outcome{output: `[null,null,{"fail":false},{"fail":false}]`}},
		{name: "ToleratedFailurePercentage exceeded", def: mapMachine(`"ToleratedFailurePercentage":25`, distributed(itemFailOdd)),
			input: `[{"fail":true},{"fail":true},{"fail":false},{"fail":false}]`,
			want:  outcome{status: engine.Failed, err: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded"}},
		{name: "ToleratedFailureCountPath", def: mapMachine(`"ItemsPath":"$.items","ToleratedFailureCountPath":"$.tol"`, distributed(itemFailOdd)),
			input: `{"items":[{"fail":true},{"fail":true}],"tol":2}`, want: outcome{output: `[null,null]`}},
		{name: "ToleratedFailurePercentagePath", def: mapMachine(`"ItemsPath":"$.items","ToleratedFailurePercentagePath":"$.tol"`, distributed(itemFailOdd)),
			input: `{"items":[{"fail":true},{"fail":false}],"tol":49.5}`,
			want:  outcome{status: engine.Failed, err: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded"}},
		{name: "threshold exceeded is caught", def: mapMachine(`"Catch":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"Next":"Caught"}]`, distributed(itemFailOdd)),
			input: `[{"fail":true}]`,
			want:  outcome{output: `{"Error":"States.ExceedToleratedFailureThreshold","Cause":"The specified tolerated failure threshold was exceeded"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, tt.def, tt.input, nil)
			check(t, ex, tt.want)
			// Child executions keep their own histories: no item state
			// shows in the parent's.
			for _, ev := range ex.History() {
				if ev.Name == "I" || ev.Name == "Good" || ev.Name == "Bad" {
					t.Errorf("item state event %s in the parent history", ev.Type)
				}
			}
		})
	}
}

// TestDistributedMapHistory checks the map run's events and linkage as
// AWS records them for a Map state that is the first state.
func TestDistributedMapHistory(t *testing.T) {
	t.Parallel()
	ex := run(t, mapMachine(`"MaxConcurrency":1`, distributed(itemPass)), `[0]`, nil)
	check(t, ex, outcome{output: `[0]`})
	want := []string{
		`[1,0] ExecutionStarted`,
		`[2,0] MapStateEntered`,
		`[3,2] MapStateStarted {"length":1}`,
		`[4,3] MapRunStarted`,
		`[5,4] MapRunSucceeded`,
		`[6,5] MapStateSucceeded`,
		`[7,5] MapStateExited`,
		`[8,7] ExecutionSucceeded`,
	}
	got := summarize(t, ex)
	if len(got) != len(want) {
		t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("event %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}
	arn := field(details(t, event(t, ex, engine.MapRunStarted, 0)), "mapRunArn")
	if !strings.HasPrefix(arn, `"arn:aws:states:us-east-1:111111111111:mapRun:TestMachine/`) {
		t.Errorf("mapRunArn = %s", arn)
	}
}

// TestDistributedMapFailureHistory checks MapRunFailed's details.
func TestDistributedMapFailureHistory(t *testing.T) {
	t.Parallel()
	ex := run(t, mapMachine("", distributed(itemFailOdd)), `[{"fail":true}]`, nil)
	check(t, ex, outcome{status: engine.Failed, err: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded"})
	got := jsonv.Marshal(details(t, event(t, ex, engine.MapRunFailed, 0)))
	if got != `{"error":"States.ExceedToleratedFailureThreshold","cause":"The specified tolerated failure threshold was exceeded"}` {
		t.Errorf("MapRunFailed details = %s", got)
	}
	if n := countType(ex, engine.MapStateFailed); n != 1 {
		t.Errorf("%d MapStateFailed events, want 1", n)
	}
}

// TestMapEdgeCases covers ItemSelector failures and waits inside aborted
// iterations.
func TestMapEdgeCases(t *testing.T) {
	t.Parallel()

	t.Run("ItemSelector path missing", func(t *testing.T) {
		t.Parallel()
		ex := run(t, mapMachine(`"ItemSelector":{"v.$":"$$.Map.Item.Value.missing"}`, inline(itemPass)), `[{"a":1}]`, nil)
		check(t, ex, outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'M' (entered at the event id #2). …"})
	})

	t.Run("waits in aborted iterations are cancelled", func(t *testing.T) {
		t.Parallel()
		d := start(t, mapMachine("", `{"StartAt":"IC","States":{"IC":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":0,"Next":"IF"}],"Default":"IW"},`+
			`"IF":{"Type":"Fail","Error":"Zero"},"IW":{"Type":"Wait","Seconds":100,"End":true}}}`), `[1,2,0]`)
		check(t, d.ex, outcome{status: engine.Failed, err: "Zero"})
		started := d.timers()
		if len(started) != 2 {
			t.Fatalf("want 2 wait timers, got %#v", started)
		}
		for _, tm := range started {
			if !d.has(engine.CancelTimer{TimerID: tm.TimerID}) {
				t.Errorf("timer %s of an aborted iteration not cancelled", tm.TimerID)
			}
		}
	})

	t.Run("retry starts the map again", func(t *testing.T) {
		t.Parallel()
		ex := run(t, mapMachine(`"Retry":[{"ErrorEquals":["Transient"],"MaxAttempts":1}]`, inline(itemTask)), `[1]`,
			map[string]local.Handler{resInvoke: flaky(1, "Transient")})
		check(t, ex, outcome{output: `[1]`})
		if n := countType(ex, engine.MapStateStarted); n != 2 {
			t.Errorf("%d MapStateStarted events, want 2 (one per attempt)", n)
		}
		if n := countType(ex, "MapStateEntered"); n != 1 {
			t.Errorf("%d MapStateEntered events, want 1", n)
		}
	})
}
