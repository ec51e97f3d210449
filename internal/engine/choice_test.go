package engine_test

import (
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// choiceMachine builds a Choice state C with one rule going to Yes and a
// Default going to No; Yes and No output "yes" and "no".
func choiceMachine(rule string) string {
	return `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + rule + `],"Default":"No"},` +
		`"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`
}

func TestChoiceOperators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rule  string // without Next
		input string
		want  bool
	}{
		{"NumericEquals int", `"Variable":"$.n","NumericEquals":3`, `{"n":3}`, true},
		{"NumericEquals int vs float", `"Variable":"$.n","NumericEquals":3`, `{"n":3.0}`, true},
		{"NumericEquals differs", `"Variable":"$.n","NumericEquals":3`, `{"n":4}`, false},
		{"NumericLessThan", `"Variable":"$.n","NumericLessThan":10`, `{"n":9.5}`, true},
		{"NumericLessThan equal", `"Variable":"$.n","NumericLessThan":10`, `{"n":10}`, false},
		{"NumericLessThanEquals", `"Variable":"$.n","NumericLessThanEquals":10`, `{"n":10}`, true},
		{"NumericGreaterThan negative", `"Variable":"$.n","NumericGreaterThan":-1`, `{"n":0}`, true},
		{"NumericGreaterThanEquals", `"Variable":"$.n","NumericGreaterThanEquals":1.5`, `{"n":1.4}`, false},
		{"Numeric on a string never matches", `"Variable":"$.n","NumericEquals":1`, `{"n":"1"}`, false},
		{"big integers compare exactly", `"Variable":"$.n","NumericLessThan":9007199254740993`, `{"n":9007199254740992}`, true},
		{"StringEquals", `"Variable":"$.s","StringEquals":"abc"`, `{"s":"abc"}`, true},
		{"StringEquals is case sensitive", `"Variable":"$.s","StringEquals":"abc"`, `{"s":"ABC"}`, false},
		{"StringEquals on a number", `"Variable":"$.s","StringEquals":"1"`, `{"s":1}`, false},
		{"StringLessThan", `"Variable":"$.s","StringLessThan":"b"`, `{"s":"a"}`, true},
		{"StringGreaterThanEquals", `"Variable":"$.s","StringGreaterThanEquals":"b"`, `{"s":"b"}`, true},
		{"StringMatches star", `"Variable":"$.s","StringMatches":"log-*.txt"`, `{"s":"log-2024.txt"}`, true},
		{"StringMatches no match", `"Variable":"$.s","StringMatches":"log-*.txt"`, `{"s":"log-2024.csv"}`, false},
		{"StringMatches escaped star", `"Variable":"$.s","StringMatches":"a\\*b"`, `{"s":"a*b"}`, true},
		{"StringMatches escaped star is literal", `"Variable":"$.s","StringMatches":"a\\*b"`, `{"s":"axb"}`, false},
		{"StringMatches many stars", `"Variable":"$.s","StringMatches":"*a*b*"`, `{"s":"xxaxxbxx"}`, true},
		{"BooleanEquals", `"Variable":"$.b","BooleanEquals":false`, `{"b":false}`, true},
		{"BooleanEquals on a string", `"Variable":"$.b","BooleanEquals":true`, `{"b":"true"}`, false},
		{"TimestampEquals across offsets", `"Variable":"$.t","TimestampEquals":"2024-01-01T00:00:00Z"`, `{"t":"2024-01-01T01:00:00+01:00"}`, true},
		{"TimestampLessThan", `"Variable":"$.t","TimestampLessThan":"2024-01-01T00:00:00Z"`, `{"t":"2023-12-31T23:59:59Z"}`, true},
		{"TimestampGreaterThan on a non-timestamp", `"Variable":"$.t","TimestampGreaterThan":"2024-01-01T00:00:00Z"`, `{"t":"tomorrow"}`, false},
		{"IsNull true", `"Variable":"$.v","IsNull":true`, `{"v":null}`, true},
		{"IsNull on a value", `"Variable":"$.v","IsNull":true`, `{"v":0}`, false},
		{"IsNull false", `"Variable":"$.v","IsNull":false`, `{"v":0}`, true},
		{"IsPresent true", `"Variable":"$.v","IsPresent":true`, `{"v":null}`, true},
		{"IsPresent on a missing path", `"Variable":"$.v","IsPresent":true`, `{}`, false},
		{"IsPresent false on a missing path", `"Variable":"$.v.w","IsPresent":false`, `{}`, true},
		{"IsNumeric", `"Variable":"$.v","IsNumeric":true`, `{"v":1.5}`, true},
		{"IsNumeric on a numeric string", `"Variable":"$.v","IsNumeric":true`, `{"v":"1"}`, false},
		{"IsString", `"Variable":"$.v","IsString":true`, `{"v":""}`, true},
		{"IsBoolean false", `"Variable":"$.v","IsBoolean":false`, `{"v":1}`, true},
		{"IsTimestamp", `"Variable":"$.v","IsTimestamp":true`, `{"v":"2016-03-14T01:59:00Z"}`, true},
		{"IsTimestamp on a date", `"Variable":"$.v","IsTimestamp":true`, `{"v":"2016-03-14"}`, false},
		{"NumericLessThanPath", `"Variable":"$.a","NumericLessThanPath":"$.b"`, `{"a":1,"b":2}`, true},
		{"StringEqualsPath", `"Variable":"$.a","StringEqualsPath":"$.b"`, `{"a":"x","b":"x"}`, true},
		{"TimestampLessThanEqualsPath", `"Variable":"$.a","TimestampLessThanEqualsPath":"$.b"`, `{"a":"2024-01-01T00:00:00Z","b":"2024-01-01T00:00:00Z"}`, true},
		{"And", `"And":[{"Variable":"$.a","NumericGreaterThan":0},{"Variable":"$.a","NumericLessThan":10}]`, `{"a":5}`, true},
		{"And one false", `"And":[{"Variable":"$.a","NumericGreaterThan":0},{"Variable":"$.a","NumericLessThan":10}]`, `{"a":15}`, false},
		{"Or", `"Or":[{"Variable":"$.a","StringEquals":"x"},{"Variable":"$.a","StringEquals":"y"}]`, `{"a":"y"}`, true},
		{"Not", `"Not":{"Variable":"$.a","StringEquals":"x"}`, `{"a":"y"}`, true},
		{"nested", `"And":[{"Not":{"Variable":"$.a","IsNull":true}},{"Or":[{"Variable":"$.b","BooleanEquals":true},{"Variable":"$.c","IsPresent":true}]}]`, `{"a":1,"b":false,"c":0}`, true},
		{"Or short-circuits before a missing path", `"Or":[{"Variable":"$.a","IsPresent":false},{"Variable":"$.a","NumericEquals":1}]`, `{}`, true},
		{"context object variable", `"Variable":"$$.Execution.Input.n","NumericEquals":7`, `{"n":7}`, true},
		{"array element", `"Variable":"$.list[1]","StringEquals":"b"`, `{"list":["a","b"]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, choiceMachine("{"+tt.rule+`,"Next":"Yes"}`), tt.input, nil)
			want := `"no"`
			if tt.want {
				want = `"yes"`
			}
			check(t, ex, outcome{output: want})
		})
	}
}

func TestChoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		def    string
		input  string
		want   outcome
		events []string
	}{
		{name: "first matching rule wins", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
				{"Variable":"$.n","NumericGreaterThan":5,"Next":"A"},
				{"Variable":"$.n","NumericGreaterThan":0,"Next":"B"}],"Default":"B"},
				"A":{"Type":"Pass","Result":"A","End":true},"B":{"Type":"Pass","Result":"B","End":true}}}`,
			input: `{"n":9}`, want: outcome{output: `"A"`},
			events: []string{"ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}},
		{name: "Default", def: choiceMachine(`{"Variable":"$.n","NumericEquals":1,"Next":"Yes"}`), input: `{"n":2}`, want: outcome{output: `"no"`}},
		{name: "no match and no Default", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"Y"}]},"Y":{"Type":"Succeed"}}}`,
			input: `{"n":2}`, want: outcome{status: engine.Failed, err: "States.NoChoiceMatched", cause: "No Matches!"},
			events: []string{"ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"}},
		{name: "missing Variable is States.Runtime", def: choiceMachine(`{"Variable":"$.missing","NumericEquals":1,"Next":"Yes"}`), input: `{"n":2}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'C' (entered at the event id #2). Invalid path '$.missing': The choice state's condition path references an invalid value."}},
		{name: "missing *Path operand is States.Runtime", def: choiceMachine(`{"Variable":"$.n","NumericEqualsPath":"$.other","Next":"Yes"}`), input: `{"n":2}`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: "An error occurred while executing the state 'C' (entered at the event id #2). Invalid path '$.other': The choice state's condition path references an invalid value."}},
		{name: "InputPath and OutputPath", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","InputPath":"$.in","OutputPath":"$.v","Choices":[
				{"Variable":"$.v","NumericEquals":1,"Next":"Y"}],"Default":"Y"},"Y":{"Type":"Succeed"}}}`,
			input: `{"in":{"v":1},"v":2}`, want: outcome{output: `1`}},
		{name: "the output is the input", def: choiceMachine(`{"Variable":"$.n","NumericEquals":1,"Next":"Yes"}`), input: `{"n":2,"m":[1]}`,
			want: outcome{output: `"no"`}},
		{name: "loop", def: `{"StartAt":"Check","States":{
				"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":3,"Next":"Inc"}],"Default":"Done"},
				"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
				"Done":{"Type":"Succeed"}}}`,
			input: `{"i":0}`, want: outcome{output: `{"i":3}`},
			events: []string{"ExecutionStarted",
				"ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited",
				"ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited",
				"ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited",
				"ChoiceStateEntered", "ChoiceStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}},
		{name: "rule Assign", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
				{"Variable":"$.n","NumericEquals":1,"Assign":{"picked":"one","n.$":"$.n"},"Next":"R"}],"Default":"R"},
				"R":{"Type":"Pass","Parameters":{"picked.$":"$picked","n.$":"$n"},"End":true}}}`,
			input: `{"n":1}`, want: outcome{output: `{"picked":"one","n":1}`}},
		{name: "state Assign on Default", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Assign":{"picked":"default"},"Choices":[
				{"Variable":"$.n","NumericEquals":1,"Assign":{"picked":"one"},"Next":"R"}],"Default":"R"},
				"R":{"Type":"Pass","Parameters":{"picked.$":"$picked"},"End":true}}}`,
			input: `{"n":2}`, want: outcome{output: `{"picked":"default"}`}},
		{name: "variable as Variable", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"limit":5},"Next":"C"},
				"C":{"Type":"Choice","Choices":[{"Variable":"$limit","NumericEquals":5,"Next":"Y"}],"Default":"N"},
				"Y":{"Type":"Pass","Result":"yes","End":true},"N":{"Type":"Pass","Result":"no","End":true}}}`,
			input: `{}`, want: outcome{output: `"yes"`}},
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

// TestChoiceExitedOutput checks that ChoiceStateExited records the state's
// input unchanged and its assigned variables.
func TestChoiceExitedOutput(t *testing.T) {
	t.Parallel()
	ex := run(t, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
		{"Variable":"$.n","NumericEquals":1,"Assign":{"x.$":"$.n"},"Next":"Y"}],"Default":"Y"},"Y":{"Type":"Succeed"}}}`, `{"n":1,"z":true}`, nil)
	d := details(t, event(t, ex, "ChoiceStateExited", 0))
	if got := jsonv.Marshal(d); got != `{"name":"C","output":"{\"n\":1,\"z\":true}","outputDetails":{"truncated":false},"assignedVariables":{"x":"1"},"assignedVariablesDetails":{"truncated":false}}` {
		t.Errorf("ChoiceStateExited details = %s", got)
	}
}
