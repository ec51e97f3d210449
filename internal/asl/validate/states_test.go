package validate

import (
	"reflect"
	"strings"
	"testing"
)

func TestDefinitionStates(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 81)
	runTable(t, []tableCase{
		{name: "state not object", def: machine(`"A":5`), want: []Diagnostic{s("/States/A", "Expected value of type [OBJECT]")}},
		{name: "missing Type", def: machine(`"A":{"End":true}`), want: []Diagnostic{s("/States/A", "These fields are required: [Type]")}},
		{name: "bad Type", def: machine(`"A":{"Type":"Nope","End":true}`), want: []Diagnostic{
			s("/States/A/Type", "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]")}},
		{name: "unsupported fields in order", def: machine(`"A":{"Type":"Pass","End":true,"Retry":[],"TimeoutSeconds":5,"Catch":[]}`), want: []Diagnostic{
			s("/States/A", "Field 'Retry' is not supported"),
			s("/States/A", "Field 'TimeoutSeconds' is not supported"),
			s("/States/A", "Field 'Catch' is not supported")}},
		{name: "Next and End", def: machine(`"A":{"Type":"Pass","Next":"A","End":true}`), want: []Diagnostic{
			s("/States/A", "There should only be one of the following fields: [Next, End]")}},
		{name: "neither Next nor End", def: machine(`"A":{"Type":"Pass"},"B":{"Type":"Succeed"}`), want: []Diagnostic{
			s("/States/A", "This object should have only one of the following fields: [Next, End]")}},
		{name: "End type", def: machine(`"A":{"Type":"Pass","End":"yes"}`), want: []Diagnostic{s("/States/A/End", "Expected value of type [BOOLEAN]")}},
		{name: "long state name", def: `{"StartAt":"` + long + `","States":{"` + long + `":{"Type":"Succeed"}}}`, want: []Diagnostic{
			e(CodeInvalidStateName, "/States/"+long, "State name '"+long+"' exceeds the 80-character limit allowed by the service")}},
		{name: "Succeed with Next", def: machine(`"A":{"Type":"Succeed","Next":"A"}`), want: []Diagnostic{s("/States/A", "Field 'Next' is not supported")}},
		{name: "Fail with InputPath", def: machine(`"A":{"Type":"Fail","InputPath":"$"}`), want: []Diagnostic{s("/States/A", "Field 'InputPath' is not supported")}},
		{name: "Fail exclusive", def: machine(`"A":{"Type":"Fail","Error":"E","ErrorPath":"$.e","Cause":"C","CausePath":"$.c"}`), want: []Diagnostic{
			s("/States/A", "There should only be one of the following fields: [Error, ErrorPath]"),
			s("/States/A", "There should only be one of the following fields: [Cause, CausePath]")}},
		{name: "Fail ErrorPath intrinsic", def: machine(`"A":{"Type":"Fail","ErrorPath":"States.Format('x{}', $.a)","CausePath":"$.c"}`)},
		{name: "Fail ErrorPath invalid", def: machine(`"A":{"Type":"Fail","ErrorPath":"nope"}`), want: []Diagnostic{
			s("/States/A/ErrorPath", "The value for the field 'ErrorPath' must be a valid JSONPath or a valid intrinsic function call")}},
		{name: "Parallel empty branches", def: machine(`"A":{"Type":"Parallel","Branches":[],"End":true}`), want: []Diagnostic{
			s("/States/A/Branches", "Value cannot be empty")}},
		{name: "Parallel branch fields", def: machine(`"A":{"Type":"Parallel","Branches":[{"QueryLanguage":"JSONata","StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}`), want: []Diagnostic{
			s("/States/A/Branches[0]", "Field 'QueryLanguage' is not supported")}},
		{name: "Parallel branch required", def: machine(`"A":{"Type":"Parallel","Branches":[{"States":{"B":{"Type":"Pass","End":true}}}],"End":true}`), want: []Diagnostic{
			s("/States/A/Branches[0]", "These fields are required: [StartAt]")}},
		{name: "Parallel TimeoutSeconds", def: machine(`"A":{"Type":"Parallel","TimeoutSeconds":5,"Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}`), want: []Diagnostic{
			s("/States/A", "Field 'TimeoutSeconds' is not supported")}},
		{name: "Task missing Resource", def: machine(`"A":{"Type":"Task","End":true}`), want: []Diagnostic{s("/States/A", "These fields are required: [Resource]")}},
		{name: "Task timeouts", def: machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":0,"HeartbeatSeconds":1.5,"End":true}`), want: []Diagnostic{
			s("/States/A/TimeoutSeconds", "Minimum value is 1"),
			s("/States/A/HeartbeatSeconds", "Expected value of type [INTEGER]")}},
		{name: "Task timeout and path", def: machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":5,"TimeoutSecondsPath":"$.t","End":true}`), want: []Diagnostic{
			s("/States/A", "There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath]")}},
		{name: "Task heartbeat path not reference", def: machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","HeartbeatSecondsPath":"$.a[*]","End":true}`), want: []Diagnostic{
			s("/States/A/HeartbeatSecondsPath", "Value is not a Reference Path")}},
		{name: "Credentials without RoleArn", def: jsonata(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% $states.input %}","Credentials":{},"End":true}`), want: []Diagnostic{
			s("/States/A/Credentials", "The field 'RoleArn' is required but was missing")}},
		{name: "Credentials RoleArn.$", def: machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{"RoleArn.$":"$.role"},"End":true}`)},
	})
}

func TestDefinitionWait(t *testing.T) {
	t.Parallel()
	wait := func(fields string) string { return machine(`"A":{"Type":"Wait",` + fields + `"End":true}`) }
	runTable(t, []tableCase{
		{name: "Seconds", def: wait(`"Seconds":10,`)},
		{name: "Timestamp", def: wait(`"Timestamp":"2016-03-14T01:59:00Z",`)},
		{name: "Timestamp offset", def: wait(`"Timestamp":"2016-03-14T01:59:00.123+02:00",`)},
		{name: "Timestamp bad month", def: wait(`"Timestamp":"2016-13-05T21:29:29Z",`), want: []Diagnostic{
			s("/States/A/Timestamp", "String does not match RFC3339 timestamp")}},
		{name: "Timestamp no T", def: wait(`"Timestamp":"2016-12-05 21:29:29Z",`), want: []Diagnostic{
			s("/States/A/Timestamp", "String does not match RFC3339 timestamp")}},
		{name: "none", def: wait(``), want: []Diagnostic{
			s("/States/A", "This object should have only one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]")}},
		{name: "two", def: wait(`"Seconds":1,"SecondsPath":"$.s",`), want: []Diagnostic{
			s("/States/A", "There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]")}},
		{name: "Seconds negative", def: wait(`"Seconds":-1,`), want: []Diagnostic{s("/States/A/Seconds", "Minimum value is 0")}},
		{name: "Seconds string", def: wait(`"Seconds":"10",`), want: []Diagnostic{s("/States/A/Seconds", "Expected value of type [INTEGER]")}},
		{name: "JSONata Seconds expression", def: jsonata(`"A":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}`)},
		{name: "SecondsPath invalid", def: wait(`"SecondsPath":"s",`), want: []Diagnostic{
			s("/States/A/SecondsPath", "The value for the field 'SecondsPath' must be a valid JSONPath")}},
	})
}

func TestDefinitionQueryLanguage(t *testing.T) {
	t.Parallel()
	runTable(t, []tableCase{
		{name: "JSONata state", def: jsonata(`"A":{"Type":"Pass","Output":{"v":"{% 1 %}"},"Assign":{"x":"{% 2 %}"},"End":true}`)},
		{name: "JSONata field on JSONPath state", def: machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Output":{},"Arguments":{},"End":true}`), want: []Diagnostic{
			s("/States/A", "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"),
			s("/States/A", "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage")}},
		{name: "JSONPath fields on JSONata state", def: jsonata(`"A":{"Type":"Pass","InputPath":"$.a","OutputPath":"$.b","ResultPath":"$.c","End":true}`), want: []Diagnostic{
			s("/States/A", "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"),
			s("/States/A", "The QueryLanguage is set to 'JSONata', but field 'OutputPath' is only supported for the 'JSONPath' QueryLanguage"),
			s("/States/A", "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage")}},
		{name: "downgrade", def: jsonata(`"A":{"Type":"Pass","QueryLanguage":"JSONPath","Output":1,"End":true}`), want: []Diagnostic{
			s("/States/A", "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")}},
		{name: "state upgrade", def: machine(`"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":1,"End":true}`)},
		{name: "lowercase state language", def: machine(`"A":{"Type":"Pass","QueryLanguage":"jsonata","Output":1,"InputPath":"$.a","End":true}`), want: []Diagnostic{
			s("/States/A", "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"),
			s("/States/A/QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]")}},
		{name: "Map language does not reach its processor", def: machine(`"A":{"Type":"Map","QueryLanguage":"JSONata","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":1,"End":true}}},"End":true}`), want: []Diagnostic{
			s("/States/A/ItemProcessor/States/P", "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage")}},
		{name: "ItemProcessor QueryLanguage", def: machine(`"A":{"Type":"Map","ItemProcessor":{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`), want: []Diagnostic{
			s("/States/A/ItemProcessor", "Field 'QueryLanguage' is not supported")}},
		{name: "JSONata Arguments string", def: jsonata(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% $states.input %}","End":true}`)},
		{name: "JSONata Catch Output", def: jsonata(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Next":"B"}],"End":true},"B":{"Type":"Succeed"}`)},
	})
}

func TestStateDefinition(t *testing.T) {
	t.Parallel()
	got := StateDefinition(`{"Type":"Parallel","Branches":[],"End":true}`, Options{})
	want := []Diagnostic{s("/States/StateName/Branches", "Value cannot be empty")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if got := StateDefinition(`{"Type":"Pass","Next":"Elsewhere"}`, Options{}); len(got) != 0 {
		t.Errorf("transitions of a single state are not checked, got %#v", got)
	}
}
