package validate

import (
	"reflect"
	"testing"
)

func TestDefinitionPaths(t *testing.T) {
	t.Parallel()
	pass := func(fields string) string { return machine(`"A":{"Type":"Pass",` + fields + `"End":true}`) }
	runTable(t, []tableCase{
		{name: "paths", def: pass(`"InputPath":"$.a","OutputPath":null,"ResultPath":"$.r",`)},
		{name: "InputPath invalid", def: pass(`"InputPath":"a",`), want: []Diagnostic{
			s("/States/A/InputPath", "The value for the field 'InputPath' must be a valid JSONPath")}},
		{name: "ResultPath not reference", def: pass(`"ResultPath":"$.a[*]",`), want: []Diagnostic{
			s("/States/A/ResultPath", "Value is not a Reference Path")}},
		{name: "ResultPath context", def: pass(`"ResultPath":"$$.Execution",`), want: []Diagnostic{
			s("/States/A/ResultPath", "Value is not a Reference Path")}},
		{name: "Parameters intrinsic", def: pass(`"Parameters":{"a.$":"States.Format('{}', $.x)","b":{"c.$":"$$.Execution.Id"}},`)},
		{name: "Parameters invalid", def: pass(`"Parameters":{"parsed.$":"States.Nope("},`), want: []Diagnostic{
			s("/States/A/Parameters", "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call")}},
		{name: "Parameters nested invalid", def: pass(`"Parameters":{"a":[{"b.$":"x"}]},`), want: []Diagnostic{
			s("/States/A/Parameters/a[0]", "The value for the field 'b.$' must be a valid JSONPath or a valid intrinsic function call")}},
		{name: "Parameters not string", def: pass(`"Parameters":{"b.$":5},`), want: []Diagnostic{
			s("/States/A/Parameters", "The value for the field 'b.$' must be a valid JSONPath or a valid intrinsic function call")}},
		{name: "Parameters type", def: pass(`"Parameters":5,`), want: []Diagnostic{s("/States/A/Parameters", "Expected value of type [OBJECT]")}},
		{name: "Assign variable names", def: pass(`"Assign":{"states":1,"a-b":2,"_ok1":3,"x.$":"$.x"},`), want: []Diagnostic{
			e(CodeReservedVariableName, "/States/A/Assign", "Cannot assign to reserved variable '$states'."),
			e(CodeInvalidVariableName, "/States/A/Assign", "Invalid variable name 'a-b': the variable name contains invalid characters.")}},
		{name: "Assign template", def: pass(`"Assign":{"x.$":"nope"},`), want: []Diagnostic{
			s("/States/A/Assign", "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call")}},
	})
}

func TestDefinitionWarnings(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"HelloWorld","States":{
		"HelloWorld":{"Type":"Pass","Parameters":{"a":"$.x","b.$":"$.y"},"Result":{"c.$":"$.z"},"Next":"FailState"},
		"FailState":{"Type":"Fail","Error":"$.error","Cause":"$.cause"}}}`
	w := func(code, location, message string) Diagnostic {
		return Diagnostic{Severity: SeverityWarning, Code: code, Message: message, Location: location}
	}
	want := []Diagnostic{
		w(CodeNoDollar, "/States/HelloWorld/Parameters", "The value of 'a' looks like a JSONPath. Instead of 'a', use 'a.$' to evaluate it as a JSONPath at runtime."),
		w(CodePassResultIsStatic, "/States/HelloWorld/Result", "The value of 'c.$' will not evaluate as a JSONPath or Intrinsic Function at runtime. Instead of 'Result', use 'Parameters' to evaluate it as a JSONPath or Intrinsic Function at runtime."),
		w(CodeNoPath, "/States/FailState/Error", "The value of 'Error' looks like a JSONPath. Instead of 'Error', use 'ErrorPath' to evaluate it as a JSONPath at runtime."),
		w(CodeNoPath, "/States/FailState/Cause", "The value of 'Cause' looks like a JSONPath. Instead of 'Cause', use 'CausePath' to evaluate it as a JSONPath at runtime."),
	}
	if got := Definition(def, Options{Severity: SeverityWarning}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if got := Definition(def, Options{}); len(got) != 0 {
		t.Errorf("warnings are reported only on request, got %#v", got)
	}
	if msg := CreateMessage(want); msg != "" {
		t.Errorf("CreateMessage renders errors only, got %q", msg)
	}
}
