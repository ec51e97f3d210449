package validate

import "testing"

func TestJSONataExpressions(t *testing.T) {
	t.Parallel()
	runTable(t, []tableCase{
		{name: "valid expressions everywhere", def: jsonata(`"A":{"Type":"Pass","Assign":{"x":"{% $states.input.a %}"},"Output":{"a":["{% $x + 1 %}",{"b":"{% $string($x) %}"}]},"Next":"C"},` +
			`"C":{"Type":"Choice","Choices":[{"Condition":"{% $x > 1 %}","Output":{"o":"{% $x %}"},"Assign":{"y":"{% 1 %}"},"Next":"A"}],"Default":"D"},"D":{"Type":"Succeed"}`)},
		{name: "syntax error in Output", def: jsonata(`"A":{"Type":"Pass","Output":"{% $states.input. %}","End":true}`), want: []Diagnostic{
			s("/States/A", "The value for the field 'Output' must be a valid JSONata expression")}},
		{name: "syntax error in a nested value", def: jsonata(`"A":{"Type":"Pass","Output":{"a":{"b":["{% ( %}"]}},"End":true}`), want: []Diagnostic{
			s("/States/A/Output/a", "The value for the field 'b' must be a valid JSONata expression")}},
		{name: "syntax error in a choice rule", def: jsonata(`"A":{"Type":"Choice","Choices":[{"Condition":"{% 1 = %}","Next":"B"}]},"B":{"Type":"Succeed"}`), want: []Diagnostic{
			s("/States/A/Choices[0]", "The value for the field 'Condition' must be a valid JSONata expression")}},
		{name: "JSONPath states keep {% %} strings as literals", def: machine(`"A":{"Type":"Pass","Parameters":{"a":"{% ( %}"},"End":true}`)},
		{name: "choice rule Output takes any value", def: jsonata(`"A":{"Type":"Choice","Choices":[{"Condition":true,"Output":{"k":[1,2]},"Next":"B"}]},"B":{"Type":"Succeed"}`)},
	})
}
