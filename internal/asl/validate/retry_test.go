package validate

import (
	"testing"
)

func TestDefinitionRetryCatch(t *testing.T) {
	t.Parallel()
	task := func(fields string) string {
		return machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",` + fields + `"End":true},"B":{"Type":"Succeed"}`)
	}
	runTable(t, []tableCase{
		{name: "valid", def: task(`"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":2,"MaxAttempts":0,"BackoffRate":1.5,"MaxDelaySeconds":10,"JitterStrategy":"FULL"},{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"B"}],`)},
		{name: "States.ALL not alone", def: task(`"Retry":[{"ErrorEquals":["States.ALL","X"]}],`), want: []Diagnostic{
			s("/States/A/Retry[0]/ErrorEquals", msgStatesAll)}},
		{name: "States.ALL not last", def: task(`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"},{"ErrorEquals":["X"],"Next":"B"}],`), want: []Diagnostic{
			s("/States/A/Catch[0]/ErrorEquals", msgStatesAll)}},
		{name: "empty ErrorEquals", def: task(`"Retry":[{"ErrorEquals":[]}],`), want: []Diagnostic{s("/States/A/Retry[0]/ErrorEquals", "Value cannot be empty")}},
		{name: "missing ErrorEquals", def: task(`"Retry":[{"MaxAttempts":1}],`), want: []Diagnostic{s("/States/A/Retry[0]", "These fields are required: [ErrorEquals]")}},
		{name: "retrier ranges", def: task(`"Retry":[{"ErrorEquals":["X"],"MaxAttempts":-1,"BackoffRate":0.5,"MaxDelaySeconds":0,"JitterStrategy":"HALF"}],`), want: []Diagnostic{
			s("/States/A/Retry[0]/MaxAttempts", "Minimum value is 0"),
			s("/States/A/Retry[0]/BackoffRate", "Minimum value is 1.0"),
			s("/States/A/Retry[0]/MaxDelaySeconds", "Minimum value is 1"),
			s("/States/A/Retry[0]/JitterStrategy", "Value should be one of the following: [NONE, FULL]")}},
		{name: "retrier unknown field", def: task(`"Retry":[{"ErrorEquals":["X"],"Next":"B"}],`), want: []Diagnostic{
			s("/States/A/Retry[0]", "Field 'Next' is not supported")}},
		{name: "catcher missing fields", def: task(`"Catch":[{}],`), want: []Diagnostic{
			s("/States/A/Catch[0]", "These fields are required: [Next, ErrorEquals]")}},
		{name: "catcher ResultPath", def: task(`"Catch":[{"ErrorEquals":["X"],"ResultPath":"$..a","Next":"B"}],`), want: []Diagnostic{
			s("/States/A/Catch[0]/ResultPath", "Value is not a Reference Path")}},
		{name: "Retry on Wait", def: machine(`"A":{"Type":"Wait","Seconds":1,"Retry":[],"End":true}`), want: []Diagnostic{
			s("/States/A", "Field 'Retry' is not supported")}},
	})
}
