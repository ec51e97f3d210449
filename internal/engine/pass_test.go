package engine_test

import (
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
)

// passMachine wraps one Pass state's fields (without Type and End) in a
// machine.
func passMachine(fields string) string {
	if fields != "" {
		fields = "," + fields
	}
	return `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true` + fields + `}}}`
}

func TestPass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		def    string // a whole definition, or the fields of the one Pass state
		input  string
		want   outcome
		events []string // when set, the expected event types
	}{
		{name: "input passes through", def: ``, input: `{"b":2,"a":1}`,
			want: outcome{output: `{"b":2,"a":1}`}},
		{name: "non-object input", def: ``, input: `[1,"x",null]`,
			want: outcome{output: `[1,"x",null]`}},
		{name: "Result replaces input", def: `"Result":{"z":1,"a":[true]}`, input: `{"x":1}`,
			want: outcome{output: `{"z":1,"a":[true]}`}},
		{name: "Result null", def: `"Result":null`, input: `{"x":1}`,
			want: outcome{output: `null`}},
		{name: "ResultPath adds a member", def: `"Result":"r","ResultPath":"$.res"`, input: `{"x":1}`,
			want: outcome{output: `{"x":1,"res":"r"}`}},
		{name: "ResultPath replaces a member in place", def: `"Result":"r","ResultPath":"$.a"`, input: `{"a":1,"b":2}`,
			want: outcome{output: `{"a":"r","b":2}`}},
		{name: "ResultPath creates nested objects", def: `"Result":{"v":1},"ResultPath":"$.a.b.c"`, input: `{"x":1}`,
			want: outcome{output: `{"x":1,"a":{"b":{"c":{"v":1}}}}`}},
		{name: "ResultPath into an existing object", def: `"Result":2,"ResultPath":"$.a.n"`, input: `{"a":{"m":1}}`,
			want: outcome{output: `{"a":{"m":1,"n":2}}`}},
		{name: "ResultPath $ replaces", def: `"Result":"r","ResultPath":"$"`, input: `{"x":1}`,
			want: outcome{output: `"r"`}},
		{name: "ResultPath null keeps the input", def: `"Result":"r","ResultPath":null`, input: `{"x":1}`,
			want: outcome{output: `{"x":1}`}},
		{name: "InputPath selects", def: `"InputPath":"$.a"`, input: `{"a":{"b":1},"c":2}`,
			want: outcome{output: `{"b":1}`}},
		{name: "InputPath null gives {}", def: `"InputPath":null`, input: `{"a":1}`,
			want: outcome{output: `{}`}},
		{name: "InputPath then ResultPath merges into the raw input", def: `"InputPath":"$.a","ResultPath":"$.copy"`, input: `{"a":{"b":1}}`,
			want: outcome{output: `{"a":{"b":1},"copy":{"b":1}}`}},
		{name: "OutputPath selects", def: `"Result":{"k":{"v":1}},"OutputPath":"$.k"`, input: `{}`,
			want: outcome{output: `{"v":1}`}},
		{name: "OutputPath null gives {}", def: `"OutputPath":null`, input: `{"a":1}`,
			want: outcome{output: `{}`}},
		{name: "InputPath and OutputPath null", def: `"InputPath":null,"OutputPath":null,"Result":1`, input: `{"a":1}`,
			want: outcome{output: `{}`}},
		{name: "Parameters with paths keep template order", def: `"Parameters":{"z":1,"b.$":"$.b","a.$":"$.a","nested":{"c.$":"$.c[1]"}}`,
			input: `{"a":"A","b":"B","c":[0,9]}`,
			want:  outcome{output: `{"z":1,"b":"B","a":"A","nested":{"c":9}}`}},
		{name: "Parameters after InputPath", def: `"InputPath":"$.in","Parameters":{"v.$":"$.v"}`, input: `{"in":{"v":3},"v":4}`,
			want: outcome{output: `{"v":3}`}},
		{name: "Parameters with intrinsics", def: `"Parameters":{"greeting.$":"States.Format('Hello, {}!', $.name)","arr.$":"States.Array($.a, 2)","len.$":"States.ArrayLength($.list)","json.$":"States.JsonToString($.o)"}`,
			input: `{"name":"Ada","a":1,"list":[1,2,3],"o":{"k":"v"}}`,
			want:  outcome{output: `{"greeting":"Hello, Ada!","arr":[1,2],"len":3,"json":"{\"k\":\"v\"}"}`}},
		{name: "Parameters then ResultPath", def: `"Parameters":{"v.$":"$.a"},"ResultPath":"$.p"`, input: `{"a":1}`,
			want: outcome{output: `{"a":1,"p":{"v":1}}`}},
		{name: "Result wins over Parameters' absence; ResultPath then OutputPath",
			def: `"Result":{"r":1},"ResultPath":"$.res","OutputPath":"$.res.r"`, input: `{"x":1}`,
			want: outcome{output: `1`}},
		{name: "context object", def: `"Parameters":{"id.$":"$$.Execution.Id","name.$":"$$.Execution.Name","state.$":"$$.State.Name","entered.$":"$$.State.EnteredTime","start.$":"$$.Execution.StartTime","sm.$":"$$.StateMachine.Name","input.$":"$$.Execution.Input.a","role.$":"$$.Execution.RoleArn"}`,
			input: `{"a":5}`,
			want: outcome{output: `{"id":"arn:aws:states:us-east-1:111111111111:execution:TestMachine:test-exec","name":"test-exec","state":"P",` +
				`"entered":"2024-05-06T07:08:09.000Z","start":"2024-05-06T07:08:09.000Z","sm":"TestMachine","input":5,"role":"arn:aws:iam::111111111111:role/stepflow-test"}`}},
		{name: "context object has no RetryCount in a Pass state", def: `"Parameters":{"s.$":"$$.State"}`, input: `{}`,
			want: outcome{output: `{"s":{"EnteredTime":"2024-05-06T07:08:09.000Z","Name":"P"}}`}},
		{name: "whole context object", def: `"Parameters":{"c.$":"$$"}`, input: `{"a":1}`,
			want: outcome{output: `{"c":{"Execution":{"Id":"arn:aws:states:us-east-1:111111111111:execution:TestMachine:test-exec","Input":{"a":1},"Name":"test-exec","RoleArn":"arn:aws:iam::111111111111:role/stepflow-test","StartTime":"2024-05-06T07:08:09.000Z","RedriveCount":0},` +
				`"State":{"EnteredTime":"2024-05-06T07:08:09.000Z","Name":"P"},"StateMachine":{"Id":"arn:aws:states:us-east-1:111111111111:stateMachine:TestMachine","Name":"TestMachine"}}}`}},
		{name: "chain of states", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Result":1,"ResultPath":"$.a","Next":"B"},
			"B":{"Type":"Pass","Result":2,"ResultPath":"$.b","Next":"C"},
			"C":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}}}`,
			input:  `{}`,
			want:   outcome{output: `{"sum":3}`},
			events: []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}},
		{name: "missing InputPath is States.Runtime", def: `"InputPath":"$.missing"`, input: `{"a":1}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']"}},
		{name: "missing OutputPath is States.Runtime", def: `"OutputPath":"$.a.b"`, input: `{"a":{}}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.a.b' : No results for path: $['a']['b']"}},
		{name: "missing Parameters path is States.Runtime", def: `"Parameters":{"v.$":"$.nope"}`, input: `{"a":1}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: `An error occurred while executing the state 'P' (entered at the event id #2). The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{"a":1}'`}},
		{name: "the entered event id counts earlier states", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Next":"B"},
			"B":{"Type":"Pass","InputPath":"$.nope","End":true}}}`, input: `{}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'B' (entered at the event id #4). Invalid path '$.nope' : No results for path: $['nope']"}},
		{name: "intrinsic failure", def: `"Parameters":{"v.$":"States.StringToJson($.s)"}`, input: `{"s":"{not json"}`,
			want: outcome{status: engine.Failed, err: "States.IntrinsicFailure",
				cause: "An error occurred while executing the state 'P' (entered at the event id #2). …"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := tt.def
			if len(def) == 0 || def[0] != '{' {
				def = passMachine(def)
			}
			ex := run(t, def, tt.input, nil)
			check(t, ex, tt.want)
			if tt.events != nil && !equalStrings(types(ex), tt.events) {
				t.Errorf("events = %v\nwant     %v", types(ex), tt.events)
			}
		})
	}
}

func TestPassHistoryDetails(t *testing.T) {
	t.Parallel()
	ex := run(t, passMachine(`"Result":{"r":1},"ResultPath":"$.res"`), `{"in": 1}`, nil)
	check(t, ex, outcome{output: `{"in":1,"res":{"r":1}}`})
	want := []string{
		`{"id":1,"previousEventId":0,"timestamp":"2024-05-06T07:08:09.000Z","type":"ExecutionStarted","executionStartedEventDetails":{"input":"{\"in\": 1}","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::111111111111:role/stepflow-test"}}`,
		`{"id":2,"previousEventId":0,"timestamp":"2024-05-06T07:08:09.000Z","type":"PassStateEntered","stateEnteredEventDetails":{"name":"P","input":"{\"in\": 1}","inputDetails":{"truncated":false}}}`,
		`{"id":3,"previousEventId":2,"timestamp":"2024-05-06T07:08:09.000Z","type":"PassStateExited","stateExitedEventDetails":{"name":"P","output":"{\"in\":1,\"res\":{\"r\":1}}","outputDetails":{"truncated":false}}}`,
		`{"id":4,"previousEventId":3,"timestamp":"2024-05-06T07:08:09.000Z","type":"ExecutionSucceeded","executionSucceededEventDetails":{"output":"{\"in\":1,\"res\":{\"r\":1}}","outputDetails":{"truncated":false}}}`,
	}
	h := ex.History()
	if len(h) != len(want) {
		t.Fatalf("history has %d events, want %d:\n%s", len(h), len(want), historyText(ex))
	}
	for i := range h {
		if got := h[i].JSON(); got != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i+1, got, want[i])
		}
	}
}

func TestPassVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		def      string
		input    string
		want     outcome
		assigned map[int]string // index of a PassStateExited event → its assignedVariables
	}{
		{name: "assign then read", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"x":1,"y.$":"$.v","z.$":"States.Format('{}!', $.v)"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"x.$":"$x","y.$":"$y","z.$":"$z"},"End":true}}}`,
			input:    `{"v":"hi"}`,
			want:     outcome{output: `{"x":1,"y":"hi","z":"hi!"}`},
			assigned: map[int]string{0: `{"x":"1","y":"\"hi\"","z":"\"hi!\""}`}},
		{name: "Assign sees the result, not the output", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Result":{"r":7},"ResultPath":"$.res","OutputPath":"$.res","Assign":{"fromResult.$":"$.r"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"v.$":"$fromResult"},"End":true}}}`,
			input: `{}`,
			want:  outcome{output: `{"v":7}`}},
		{name: "assignments in one state see the old values", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"n":1},"Next":"B"},
			"B":{"Type":"Pass","Assign":{"n":2,"old.$":"$n"},"Next":"C"},
			"C":{"Type":"Pass","Parameters":{"n.$":"$n","old.$":"$old"},"End":true}}}`,
			input: `{}`,
			want:  outcome{output: `{"n":2,"old":1}`}},
		{name: "variable path into a value", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"o":{"list":[10,20]}},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"v.$":"$o.list[1]"},"End":true}}}`,
			input: `{}`,
			want:  outcome{output: `{"v":20}`}},
		{name: "undefined variable is States.Runtime", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"v.$":"$nope"},"End":true}}}`,
			input: `{}`,
			want:  outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'B' (entered at the event id #4). …"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, tt.def, tt.input, nil)
			check(t, ex, tt.want)
			for n, want := range tt.assigned {
				d := details(t, event(t, ex, engine.EventType("PassStateExited"), n))
				if got := field(d, "assignedVariables"); got != want {
					t.Errorf("PassStateExited #%d assignedVariables = %s, want %s", n, got, want)
				}
				if got := field(d, "assignedVariablesDetails"); got != `{"truncated":false}` {
					t.Errorf("assignedVariablesDetails = %s", got)
				}
			}
		})
	}
}
