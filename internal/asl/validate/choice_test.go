package validate

import (
	"testing"
)

func TestDefinitionChoice(t *testing.T) {
	t.Parallel()
	choice := func(rules string) string {
		return machine(`"A":{"Type":"Choice","Choices":[` + rules + `],"Default":"B"},"B":{"Type":"Succeed"}`)
	}
	runTable(t, []tableCase{
		{name: "valid", def: choice(`{"Variable":"$.x","NumericEquals":1,"Next":"B"},{"And":[{"Variable":"$.a","IsPresent":true},{"Not":{"Variable":"$.b","StringEquals":"x"}}],"Next":"B"}`)},
		{name: "empty", def: choice(``), want: []Diagnostic{s("/States/A/Choices", "Value cannot be empty")}},
		{name: "no Next", def: choice(`{"Variable":"$.x","IsNull":true}`), want: []Diagnostic{s("/States/A/Choices[0]", "These fields are required: [Next]")}},
		{name: "no Variable", def: choice(`{"StringEquals":"x","Next":"B"}`), want: []Diagnostic{s("/States/A/Choices[0]", "These fields are required: [Variable]")}},
		{name: "two operators", def: choice(`{"Variable":"$.x","StringEquals":"x","IsNull":true,"Next":"B"}`), want: []Diagnostic{
			s("/States/A/Choices[0]", msgOnlyOne(comparators...))}},
		{name: "no operator", def: choice(`{"Variable":"$.x","Next":"B"}`), want: []Diagnostic{
			s("/States/A/Choices[0]", msgExactlyOne(comparators...))}},
		{name: "Next in nested rule", def: choice(`{"Not":{"Variable":"$.x","IsNull":true,"Next":"B"},"Next":"B"}`), want: []Diagnostic{
			s("/States/A/Choices[0]/Not", "Field 'Next' is not supported")}},
		{name: "empty And", def: choice(`{"And":[],"Next":"B"}`), want: []Diagnostic{s("/States/A/Choices[0]/And", "Value cannot be empty")}},
		{name: "operator type", def: choice(`{"Variable":"$.x","NumericEquals":"1","Next":"B"}`), want: []Diagnostic{
			s("/States/A/Choices[0]/NumericEquals", "Expected value of type [NUMBER]")}},
		{name: "timestamp operator", def: choice(`{"Variable":"$.x","TimestampEquals":"yesterday","Next":"B"}`), want: []Diagnostic{
			s("/States/A/Choices[0]/TimestampEquals", "String does not match RFC3339 timestamp")}},
		{name: "path operator", def: choice(`{"Variable":"$.x","StringEqualsPath":"x","Next":"B"}`), want: []Diagnostic{
			s("/States/A/Choices[0]/StringEqualsPath", "The value for the field 'StringEqualsPath' must be a valid JSONPath")}},
		{name: "JSONata Condition", def: jsonata(`"A":{"Type":"Choice","Choices":[{"Condition":"{% true %}","Next":"B"}],"Default":"B"},"B":{"Type":"Succeed"}`)},
		{name: "JSONata Variable", def: jsonata(`"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Condition":"{% true %}","Next":"B"}]},"B":{"Type":"Succeed"}`), want: []Diagnostic{
			s("/States/A/Choices[0]", "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' QueryLanguage"),
			s("/States/A/Choices[0]", "The QueryLanguage is set to 'JSONata', but field 'IsNull' is only supported for the 'JSONPath' QueryLanguage")}},
		{name: "Choice End", def: machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Next":"B"}],"End":true},"B":{"Type":"Succeed"}`), want: []Diagnostic{
			s("/States/A", "Field 'End' is not supported")}},
	})
}
