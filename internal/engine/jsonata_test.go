package engine_test

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// jsonataMachine wraps states (JSON members) in a JSONata state machine
// starting at "A".
func jsonataMachine(states string) string {
	return `{"QueryLanguage":"JSONata","StartAt":"A","States":{` + states + `}}`
}

func TestJSONataStates(t *testing.T) {
	t.Parallel()
	const qe = "States.QueryEvaluationError"
	tests := []struct {
		name     string
		def      string // states of a JSONata machine, or a whole definition
		input    string
		handlers map[string]local.Handler
		want     outcome
		events   []string
	}{
		{name: "Pass without Output passes its input", def: `"A":{"Type":"Pass","End":true}`, input: `{"b":1,"a":2}`,
			want: outcome{output: `{"b":1,"a":2}`}},
		{name: "Output expression", def: `"A":{"Type":"Pass","Output":"{% $states.input.a + 1 %}","End":true}`, input: `{"a":2}`,
			want: outcome{output: `3`}},
		{name: "Output template keeps order, literals and nested expressions",
			def:   `"A":{"Type":"Pass","Output":{"z":"{% $states.input.v %}","lit":"$.not.a.path","list":[1,"{% 'x' & 'y' %}",{"k":"{% true %}"}]},"End":true}`,
			input: `{"v":"V"}`,
			want:  outcome{output: `{"z":"V","lit":"$.not.a.path","list":[1,"xy",{"k":true}]}`}},
		{name: "Output undefined is a QueryEvaluationError", def: `"A":{"Type":"Pass","Output":{"r":"{% $nothing %}"},"End":true}`, input: `{}`,
			want: outcome{status: engine.Failed, err: qe,
				cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$nothing' specified for the field 'Output/r' returned nothing (undefined)."},
			events: []string{"ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"}},
		{name: "evaluation error names the JSONata error", def: `"A":{"Type":"Pass","Output":"{% $error('boom') %}","End":true}`, input: `{}`,
			want: outcome{status: engine.Failed, err: qe,
				cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$error('boom')' specified for the field 'Output' threw an error during evaluation. …"}},
		{name: "Assign and Output see the variables as the state found them",
			def: `"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
				"B":{"Type":"Pass","Assign":{"x":"{% $x + 10 %}","old":"{% $x %}"},"Output":{"x":"{% $x %}"},"Next":"C"},
				"C":{"Type":"Pass","Output":{"x":"{% $x %}","old":"{% $old %}"},"End":true}`,
			input: `{}`,
			want:  outcome{output: `{"x":11,"old":1}`}},
		{name: "$states.context", def: `"A":{"Type":"Pass","Output":"{% $states.context.State.Name & ' ' & $states.context.Execution.Name %}","End":true}`, input: `{}`,
			want: outcome{output: `"A test-exec"`}},
		{name: "Task Arguments, result and Output", handlers: map[string]local.Handler{resInvoke: echo},
			def:   `"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"p":"{% $states.input.a %}"},"Output":{"in":"{% $states.input %}","res":"{% $states.result %}"},"End":true}`,
			input: `{"a":5}`,
			want:  outcome{output: `{"in":{"a":5},"res":{"p":5}}`}},
		{name: "Task output defaults to the result", handlers: map[string]local.Handler{resInvoke: echo},
			def:   `"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% [1,2] %}","Assign":{"r":"{% $states.result %}"},"Next":"B"},"B":{"Type":"Pass","Output":"{% $r %}","End":true}`,
			input: `{}`,
			want:  outcome{output: `[1,2]`}},
		{name: "Catch output is the error output", handlers: map[string]local.Handler{resFail: failWith("Custom.Error", "it broke")},
			def: `"A":{"Type":"Task","Resource":"` + resFail + `","Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"}],"End":true},
				"B":{"Type":"Pass","End":true}`,
			input: `{}`,
			want:  outcome{output: `{"Error":"Custom.Error","Cause":"it broke"}`}},
		{name: "Catch Output and Assign see the error output and the input", handlers: map[string]local.Handler{resFail: failWith("Custom.Error", "it broke")},
			def: `"A":{"Type":"Task","Resource":"` + resFail + `","Catch":[{"ErrorEquals":["Custom.Error"],"Assign":{"e":"{% $states.errorOutput.Error %}"},"Output":{"cause":"{% $states.errorOutput.Cause %}","in":"{% $states.input.v %}"},"Next":"B"}],"End":true},
				"B":{"Type":"Pass","Output":{"e":"{% $e %}","prev":"{% $states.input %}"},"End":true}`,
			input: `{"v":1}`,
			want:  outcome{output: `{"e":"Custom.Error","prev":{"cause":"it broke","in":1}}`}},
		{name: "Choice Condition", def: `"A":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 10 %}","Next":"Big","Output":"big"},{"Condition":true,"Next":"Small"}]},
				"Big":{"Type":"Pass","End":true},"Small":{"Type":"Pass","Output":"small","End":true}`,
			input: `{"n":3}`,
			want:  outcome{output: `"small"`}},
		{name: "Choice rule Output", def: `"A":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 10 %}","Next":"Big","Output":"big"}],"Default":"Small"},
				"Big":{"Type":"Pass","End":true},"Small":{"Type":"Pass","Output":"small","End":true}`,
			input: `{"n":30}`,
			want:  outcome{output: `"big"`}},
		{name: "Choice Condition must be a boolean", def: `"A":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n %}","Next":"B"}]},"B":{"Type":"Succeed"}`,
			input: `{"n":3}`,
			want: outcome{status: engine.Failed, err: qe,
				cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$states.input.n' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 3"}},
		{name: "Wait Seconds expression", def: `"A":{"Type":"Wait","Seconds":"{% $states.input.s %}","Output":"{% $states.input.s * 2 %}","End":true}`,
			input: `{"s":3}`,
			want:  outcome{output: `6`}},
		{name: "Wait Seconds must be a non-negative integer", def: `"A":{"Type":"Wait","Seconds":"{% -1 %}","End":true}`, input: `{}`,
			want: outcome{status: engine.Failed, err: qe, cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '-1' specified for the field 'Seconds' …"}},
		{name: "Fail Error and Cause expressions", def: `"A":{"Type":"Fail","Error":"{% 'E.' & $states.input.code %}","Cause":"{% $string($states.input) %}"}`,
			input: `{"code":"X"}`,
			want:  outcome{status: engine.Failed, err: "E.X", cause: `{"code":"X"}`}},
		{name: "Map Items, ItemSelector and MaxConcurrency expressions",
			def: `"A":{"Type":"Map","Items":[1,"{% $states.input.two %}",3],"MaxConcurrency":"{% 1 %}",
				"ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}","in":"{% $states.input.two %}"},
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.v * 10 + $states.input.i %}","End":true}}},"End":true}`,
			input: `{"two":2}`,
			want:  outcome{output: `[10,21,32]`}},
		{name: "Map over the input by default", def: `"A":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"Output":{"n":"{% $count($states.result) %}"},"End":true}`,
			input: `[1,2]`,
			want:  outcome{output: `{"n":2}`}},
		{name: "Map input not an array", def: `"A":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input: `{"foo":"bar"}`,
			want: outcome{status: engine.Failed, err: qe,
				cause: `An error occurred while executing the state 'A' (entered at the event id #2). Map state input must be an array but was: {"foo":"bar"}`},
			events: []string{"ExecutionStarted", "MapStateEntered", "EvaluationFailed", "MapStateFailed", "ExecutionFailed"}},
		{name: "Map Items not an array", def: `"A":{"Type":"Map","Items":"{% 'string' %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input: `{}`,
			want: outcome{status: engine.Failed, err: qe,
				cause: `An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression ''string'' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: "string"`}},
		{name: "distributed Map with an ItemBatcher", def: `"A":{"Type":"Map","Items":"{% $states.input.list %}",
				"ItemBatcher":{"MaxItemsPerBatch":"{% $states.input.per %}","BatchInput":{"tag":"{% $states.input.tag %}"}},
				"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.BatchInput.tag & $string($count($states.input.Items)) %}","End":true}}},"End":true}`,
			input: `{"list":[1,2,3],"per":2,"tag":"n="}`,
			want:  outcome{output: `["n=2","n=1"]`}},
		{name: "Retry fields as expressions", handlers: map[string]local.Handler{resFail: flaky(2, "Custom.Error")},
			def:   `"A":{"Type":"Task","Resource":"` + resFail + `","Retry":[{"ErrorEquals":["Custom.Error"],"IntervalSeconds":"{% 1 %}","MaxAttempts":"{% $states.input.tries %}","BackoffRate":"{% 1.5 %}"}],"End":true}`,
			input: `{"tries":2}`,
			want:  outcome{output: `{"tries":2}`}},
		{name: "Parallel Arguments and result", def: `"A":{"Type":"Parallel","Arguments":{"n":"{% $states.input.n %}"},
				"Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Output":"{% $states.input.n + 1 %}","End":true}}},
				{"StartAt":"Y","States":{"Y":{"Type":"Pass","Output":"{% $states.input.n + 2 %}","End":true}}}],
				"Output":"{% $sum($states.result) %}","End":true}`,
			input: `{"n":1}`,
			want:  outcome{output: `5`}},
		{name: "Step Functions functions", def: `"A":{"Type":"Pass","Output":{
				"partition":"{% $partition([1,2,3,4,5], 2) %}","range":"{% $range(0, 9, 3) %}","one":"{% $range(1, 9, 9) %}",
				"hash":"{% $hash('abc', 'SHA-256') %}","parse":"{% $parse('{\"a\": [1, -0, 1.50]}') %}",
				"uuid":"{% $length($uuid()) %}","random":"{% $random(7) = $random(7) %}"},"End":true}`,
			input: `{}`,
			want: outcome{output: `{"partition":[[1,2],[3,4],[5]],"range":[0,3,6,9],"one":1,` +
				`"hash":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","parse":{"a":[1,0,1.5]},"uuid":36,"random":true}`}},
		{name: "$eval is not available", def: `"A":{"Type":"Pass","Output":"{% $eval('1') %}","End":true}`, input: `{}`,
			want: outcome{status: engine.Failed, err: qe, cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$eval('1')' specified for the field 'Output' threw an error during evaluation. …"}},
		{name: "JSONPath state assigns, JSONata state reads", def: `{"StartAt":"A","States":{
				"A":{"Type":"Pass","Assign":{"v.$":"$.x"},"Next":"B"},
				"B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $v %}","End":true}}}`,
			input: `{"x":[1]}`,
			want:  outcome{output: `[1]`}},
		{name: "JSONata state assigns, JSONPath state reads", def: `{"StartAt":"A","States":{
				"A":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"v":"{% $states.input.x %}"},"Next":"B"},
				"B":{"Type":"Pass","Parameters":{"v.$":"$v"},"End":true}}}`,
			input: `{"x":"X"}`,
			want:  outcome{output: `{"v":"X"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := tt.def
			if !strings.HasPrefix(def, "{") {
				def = jsonataMachine(def)
			}
			ex := run(t, def, tt.input, tt.handlers)
			check(t, ex, tt.want)
			if tt.events != nil && !equalStrings(types(ex), tt.events) {
				t.Errorf("events = %v\nwant     %v", types(ex), tt.events)
			}
		})
	}
}

func TestJSONataEvaluationFailedEvent(t *testing.T) {
	t.Parallel()
	ex := run(t, jsonataMachine(`"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Output":{"r":"{% $nothing %}"},"End":true}`), `{}`, nil)
	ev := event(t, ex, engine.EvaluationFailed, 0)
	if got := field(ev, "previousEventId"); got != "3" {
		t.Errorf("EvaluationFailed links to %s, want 3 (the event before the state's entry)", got)
	}
	d := details(t, ev)
	for k, want := range map[string]string{
		"error":    `"States.QueryEvaluationError"`,
		"location": `"Output/r"`,
		"state":    `"B"`,
	} {
		if got := field(d, k); got != want {
			t.Errorf("evaluationFailedEventDetails.%s = %s, want %s", k, got, want)
		}
	}
	failed := event(t, ex, engine.ExecutionFailed, 0)
	if got := field(failed, "previousEventId"); got != field(ev, "id") {
		t.Errorf("ExecutionFailed links to %s, want the EvaluationFailed event %s", got, field(ev, "id"))
	}
}

func TestJSONataTaskSettings(t *testing.T) {
	t.Parallel()
	d := start(t, jsonataMachine(`"A":{"Type":"Task","Resource":"`+resToken+`","TimeoutSeconds":"{% $states.input.t %}","HeartbeatSeconds":"{% 5 %}",
		"Arguments":{"token":"{% $states.context.Task.Token %}"},"End":true}`), `{"t":60}`)
	task := d.task()
	if task.TimeoutSeconds != 60 || task.HeartbeatSeconds != 5 {
		t.Errorf("timeout %d, heartbeat %d; want 60, 5", task.TimeoutSeconds, task.HeartbeatSeconds)
	}
	if got, want := jsonv.Marshal(task.Parameters), `{"token":`+jsonv.Quote(task.TaskToken)+`}`; task.TaskToken == "" || got != want {
		t.Errorf("arguments %s, want %s", got, want)
	}
}

func TestVariableScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		def   string
		input string
		want  outcome
	}{
		{name: "Parallel branches read outer variables; their assignments stay inside", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"x":1},"Next":"P"},
			"P":{"Type":"Parallel","Branches":[
				{"StartAt":"B1","States":{"B1":{"Type":"Pass","Assign":{"x":2,"inner":true},"Next":"B2"},"B2":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}},
				{"StartAt":"C1","States":{"C1":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}],
				"Next":"Z"},
			"Z":{"Type":"Pass","Parameters":{"x.$":"$x","branches.$":"$"},"End":true}}}`,
			input: `{}`,
			want:  outcome{output: `{"x":1,"branches":[{"x":2},{"x":1}]}`}},
		{name: "an inner assignment is not visible after the Parallel", def: `{"StartAt":"P","States":{
			"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"inner":1},"End":true}}}],"Next":"Z"},
			"Z":{"Type":"Pass","Parameters":{"v.$":"$inner"},"End":true}}}`,
			input: `{}`,
			want:  outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'Z' …"}},
		{name: "Map iterations read outer variables and have their own", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"base":100,"seen":0},"Next":"M"},
			"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"I","States":{
				"I":{"Type":"Pass","Assign":{"seen.$":"$"},"Next":"J"},
				"J":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($base, $seen)"},"End":true}}},"Next":"Z"},
			"Z":{"Type":"Pass","Parameters":{"seen.$":"$seen","out.$":"$"},"End":true}}}`,
			input: `[1,2]`,
			want:  outcome{output: `{"seen":0,"out":[{"v":101},{"v":102}]}`}},
		{name: "Catch Assign applies in the state's scope", def: `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"` + resFail + `","Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error"},"ResultPath":null,"Next":"Z"}],"End":true},
			"Z":{"Type":"Pass","Parameters":{"err.$":"$err"},"End":true}}}`,
			input: `{}`,
			want:  outcome{output: `{"err":"Custom.Error"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check(t, run(t, tt.def, tt.input, nil), tt.want)
		})
	}
}

func TestVariableSizeLimits(t *testing.T) {
	t.Parallel()
	big := `"` + strings.Repeat("x", engine.MaxVariableSize) + `"`
	half := `"` + strings.Repeat("y", engine.MaxVariableSize/2) + `"`
	tests := []struct {
		name, def, input string
		want             outcome
	}{
		{name: "one variable over 256 KiB", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v.$":"$"},"End":true}}}`, input: big,
			want: outcome{status: engine.Failed, err: "States.DataLimitExceeded", cause: "The variable 'v' assigned by the state 'A' …"}},
		{name: "one Assign over 256 KiB", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"a.$":"$","b.$":"$"},"End":true}}}`, input: half,
			want: outcome{status: engine.Failed, err: "States.DataLimitExceeded", cause: "The variables assigned by the state 'A' …"}},
		{name: "under the limits", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"a.$":"$"},"Next":"B"},"B":{"Type":"Pass","Assign":{"b.$":"$"},"Next":"C"},"C":{"Type":"Pass","Parameters":{"n.$":"States.ArrayLength(States.Array($a, $b))"},"End":true}}}`, input: half,
			want: outcome{output: `{"n":2}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check(t, run(t, tt.def, tt.input, nil), tt.want)
		})
	}
}
