package engine_test

import (
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

func TestSucceed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		def    string
		input  string
		want   outcome
		events []string
	}{
		{name: "output is the input", def: `{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}`, input: `{"b":1,"a":2}`,
			want:   outcome{output: `{"b":1,"a":2}`},
			events: []string{"ExecutionStarted", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}},
		{name: "InputPath and OutputPath", def: `{"StartAt":"S","States":{"S":{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}}}`,
			input: `{"a":{"b":[1]},"b":2}`, want: outcome{output: `[1]`}},
		{name: "OutputPath null", def: `{"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":null}}}`,
			input: `{"a":1}`, want: outcome{output: `{}`}},
		{name: "missing OutputPath is States.Runtime", def: `{"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$.x"}}}`,
			input: `{}`, want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'S' (entered at the event id #2). Invalid path '$.x' : No results for path: $['x']"}},
		{name: "after other states", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"r":1},"Next":"S"},"S":{"Type":"Succeed"}}}`,
			input: `{}`, want: outcome{output: `{"r":1}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, tt.def, tt.input, nil)
			check(t, ex, tt.want)
			if tt.events != nil && !equalStrings(types(ex), tt.events) {
				t.Errorf("events = %v\nwant     %v", types(ex), tt.events)
			}
		})
	}
}

func TestFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		state   string // the Fail state's fields besides Type
		input   string
		want    outcome
		details string // executionFailedEventDetails
	}{
		{name: "empty", state: ``, input: `{}`,
			want: outcome{status: engine.Failed}, details: `{}`},
		{name: "Error and Cause", state: `,"Error":"MyError","Cause":"my cause"`, input: `{}`,
			want: outcome{status: engine.Failed, err: "MyError", cause: "my cause"}, details: `{"error":"MyError","cause":"my cause"}`},
		{name: "Error only", state: `,"Error":"MyError"`, input: `{}`,
			want: outcome{status: engine.Failed, err: "MyError"}, details: `{"error":"MyError"}`},
		{name: "ErrorPath and CausePath", state: `,"ErrorPath":"$.Error","CausePath":"$.Cause"`, input: `{"Error":"error string","Cause":"cause string"}`,
			want: outcome{status: engine.Failed, err: "error string", cause: "cause string"}, details: `{"error":"error string","cause":"cause string"}`},
		{name: "intrinsic paths", state: `,"ErrorPath":"States.Format('{}', $.Error)","CausePath":"States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)"`,
			input: `{"Error":"error string","Cause":"cause string"}`,
			want:  outcome{status: engine.Failed, err: "error string", cause: "This is a custom error message for error string, caused by cause string."}},
		{name: "context object paths", state: `,"ErrorPath":"$$.State.Name","CausePath":"$$.StateMachine.Name"`, input: `{}`,
			want: outcome{status: engine.Failed, err: "F", cause: "TestMachine"}},
		{name: "CausePath to a non-string is its JSON", state: `,"Error":"E","CausePath":"$.c"`, input: `{"c":{"k":[1,2]}}`,
			want: outcome{status: engine.Failed, err: "E", cause: `{"k":[1,2]}`}},
		{name: "missing ErrorPath is States.Runtime", state: `,"ErrorPath":"$.ErrorX","Cause":"c"`, input: `{"Error":"e"}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: `An error occurred while executing the state 'F' (entered at the event id #2). The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"Error":"e"}'`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, `{"StartAt":"F","States":{"F":{"Type":"Fail"`+tt.state+`}}}`, tt.input, nil)
			check(t, ex, tt.want)
			if want := []string{"ExecutionStarted", "FailStateEntered", "ExecutionFailed"}; !equalStrings(types(ex), want) {
				t.Errorf("events = %v\nwant     %v", types(ex), want)
			}
			last := ex.History()[len(ex.History())-1]
			if last.PreviousID != 2 {
				t.Errorf("ExecutionFailed previousEventId = %d, want 2 (FailStateEntered)", last.PreviousID)
			}
			if tt.details != "" {
				if got := jsonv.Marshal(details(t, event(t, ex, engine.ExecutionFailed, 0))); got != tt.details {
					t.Errorf("executionFailedEventDetails = %s, want %s", got, tt.details)
				}
			}
		})
	}
}

func TestFailFromVariable(t *testing.T) {
	t.Parallel()
	ex := run(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"why":"because"},"Next":"F"},
		"F":{"Type":"Fail","Error":"E","CausePath":"$why"}}}`, `{}`, nil)
	check(t, ex, outcome{status: engine.Failed, err: "E", cause: "because"})
}
