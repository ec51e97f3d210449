package validate

import (
	"testing"
)

func TestDefinitionTopLevel(t *testing.T) {
	t.Parallel()
	runTable(t, []tableCase{
		{name: "valid", def: machine(`"A":{"Type":"Pass","End":true}`)},
		{name: "empty object", def: `{}`, want: []Diagnostic{s("/", "These fields are required: [States, StartAt]")}},
		{name: "no States", def: `{"StartAt":"A"}`, want: []Diagnostic{s("/", "These fields are required: [States]")}},
		{name: "empty string", def: ``, want: []Diagnostic{s("", "Definition must be a valid JSON object")}},
		{name: "array", def: `[]`, want: []Diagnostic{s("", "Definition must be a valid JSON object")}},
		{name: "not JSON", def: `not a definition`, want: []Diagnostic{e(CodeInvalidJSONDescription,
			`[Source: (String)"not a definition"; line: 1, column: 4]`,
			"Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]")}},
		{name: "unknown field", def: `{"StartAt":"A","Foo":1,"States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{s("/", "Field 'Foo' is not supported")}},
		{name: "StartAt type", def: `{"StartAt":1,"States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{s("/StartAt", "Expected value of type [STRING]")}},
		{name: "States empty", def: `{"StartAt":"A","States":{}}`, want: []Diagnostic{s("/States", "Value cannot be empty")}},
		{name: "Version", def: `{"StartAt":"A","Version":"2.0","States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{s("/Version", "Value should be one of the following: [1.0]")}},
		{name: "Comment type", def: `{"Comment":5,"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{s("/Comment", "Expected value of type [STRING]")}},
		{name: "TimeoutSeconds negative", def: `{"TimeoutSeconds":-1,"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{s("/TimeoutSeconds", "Minimum value is 0")}},
		{name: "QueryLanguage enum", def: `{"QueryLanguage":"jsonata","StartAt":"A","States":{"A":{"Type":"Pass","Output":1,"End":true}}}`,
			want: []Diagnostic{s("/QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]")}},
		{name: "QueryLanguage type", def: `{"QueryLanguage":5,"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{s("/QueryLanguage", "Expected value of type [STRING]")}},
		{name: "lowercase top-level resolves to JSONata", def: `{"QueryLanguage":"jsonpath","StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a","End":true}}}`,
			want: []Diagnostic{
				s("/QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]"),
				s("/States/A", "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"),
			}},
	})
}

func TestDefinitionGraph(t *testing.T) {
	t.Parallel()
	runTable(t, []tableCase{
		{name: "missing Next and unreachable", def: `{"StartAt":"pass1","States":{"pass1":{"Type":"Pass","Next":"pass3"},"pass2":{"Type":"Pass","End":true}}}`, want: []Diagnostic{
			e(CodeMissingTransitionTarget, "/States/pass1/Next", "Missing 'Next' target: pass3"),
			e(CodeMissingTransitionTarget, "/States/pass2", `State "pass2" is not reachable.`)}},
		{name: "missing StartAt target", def: `{"StartAt":"Not sure","States":{"Pass One":{"Type":"Pass","Next":"Success"},"Success":{"Type":"Succeed"}}}`, want: []Diagnostic{
			e(CodeMissingTransitionTarget, "/StartAt", "Missing 'Next' target: Not sure"),
			e(CodeMissingTransitionTarget, "/States/Pass One", `State "Pass One" is not reachable.`)}},
		{name: "no terminal state", def: machine(`"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},"C":{"Type":"Pass","Next":"A"}`), want: []Diagnostic{
			e(CodeMissingEndState, "", "Workflow has no terminal state")}},
		{name: "dangling and no terminal", def: machine(`"A":{"Type":"Pass","Next":"NOPE"}`), want: []Diagnostic{
			e(CodeMissingTransitionTarget, "/States/A/Next", "Missing 'Next' target: NOPE"),
			e(CodeMissingEndState, "", "Workflow has no terminal state")}},
		{name: "nested loop is fine", def: machine(`"A":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"},"Y":{"Type":"Pass","Next":"X"}}},"End":true}`)},
		{name: "choice and catch targets", def: machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Next":"G1"}],"Default":"G2"},"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"G3"}],"End":true}`), want: []Diagnostic{
			e(CodeMissingTransitionTarget, "/States/A/Choices[0]/Next", "Missing 'Next' target: G1"),
			e(CodeMissingTransitionTarget, "/States/A/Default", "Missing 'Next' target: G2"),
			e(CodeMissingTransitionTarget, "/States/T/Catch[0]/Next", "Missing 'Next' target: G3"),
			e(CodeMissingTransitionTarget, "/States/T", `State "T" is not reachable.`)}},
		{name: "unreachable in branch", def: machine(`"A":{"Type":"Parallel","Branches":[{"StartAt":"W","States":{"W":{"Type":"Pass","End":true},"Ghost":{"Type":"Pass","End":true}}}],"End":true}`), want: []Diagnostic{
			e(CodeMissingTransitionTarget, "/States/A/Branches[0]/States/Ghost", `State "Ghost" is not reachable.`)}},
		{name: "target outside block", def: machine(`"A":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"A"}}},"End":true}`), want: []Diagnostic{
			e(CodeMissingTransitionTarget, "/States/A/ItemProcessor/States/X/Next", "Missing 'Next' target: A")}},
		{name: "duplicate state name", def: machine(`"A":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}],"End":true}`), want: []Diagnostic{
			e(CodeDuplicateStateName, "/States/A/Branches[0]/States/A", "Duplicate State name: A")}},
		{name: "schema errors stop the graph stage", def: `{"States":{"StartState":{"Type":"Pass","End":true}}}`, want: []Diagnostic{
			s("/", "These fields are required: [StartAt]")}},
	})
}
