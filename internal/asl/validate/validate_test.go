package validate

import (
	"reflect"
	"testing"
)

// e is an ERROR diagnostic for the table tests.
func e(code, location, message string) Diagnostic {
	return Diagnostic{Severity: SeverityError, Code: code, Message: message, Location: location}
}

// s is a SCHEMA_VALIDATION_FAILED diagnostic.
func s(location, message string) Diagnostic {
	return e(CodeSchemaValidationFailed, location, message)
}

// machine wraps states (JSON members) in a state machine starting at "A".
func machine(states string) string {
	return `{"StartAt":"A","States":{` + states + `}}`
}

// jsonata is machine for a JSONata state machine.
func jsonata(states string) string {
	return `{"QueryLanguage":"JSONata","StartAt":"A","States":{` + states + `}}`
}

type tableCase struct {
	name string
	def  string
	opts Options
	want []Diagnostic
}

func runTable(t *testing.T, cases []tableCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Definition(tc.def, tc.opts)
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Definition(%s)\n got %#v\nwant %#v", tc.def, got, tc.want)
			}
		})
	}
}

func TestCreateMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		diags []Diagnostic
		want  string
	}{
		{name: "none", want: ""},
		{name: "warnings only", diags: []Diagnostic{{Severity: SeverityWarning, Code: "NO_DOLLAR", Message: "m", Location: "/"}}, want: ""},
		{name: "one", diags: []Diagnostic{s("/", "These fields are required: [States]")},
			want: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"},
		{name: "several", diags: []Diagnostic{
			e(CodeMissingTransitionTarget, "/States/pass1/Next", "Missing 'Next' target: pass3"),
			e(CodeMissingTransitionTarget, "/States/pass2", `State "pass2" is not reachable.`)},
			want: `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2'`},
		{name: "no location", diags: []Diagnostic{e(CodeMissingEndState, "", "Workflow has no terminal state")},
			want: "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := CreateMessage(tc.diags); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzDefinition(f *testing.F) {
	seeds := []string{
		``, `{}`, `[]`, `not a definition`, `{"StartAt":"A"}`,
		machine(`"A":{"Type":"Pass","End":true}`),
		machine(`"A":{"Type":"Choice","Choices":[{"Not":{"And":[{"Variable":"$.x","IsNull":true}]},"Next":"A"}]}`),
		machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject.waitForTaskToken","Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{}],"End":true}`),
		machine(`"A":{"Type":"Map","ItemReader":{"ReaderConfig":{}},"ItemBatcher":{},"ResultWriter":{},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Wait","Timestamp":"x","End":true}}},"End":true}`),
		jsonata(`"A":{"Type":"Parallel","QueryLanguage":"JSONPath","Branches":[{"StartAt":"B","States":{"B":{"Type":"Fail"}}}],"Next":"A"}`),
		`{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"States.Format('{}', $.x)","b":[{"c.$":"$$"}]},"End":true}}}`,
		jsonata(`"A":{"Type":"Pass","Output":{"a":"{% $states.input.x + 1 %}","b":["{% $v %}","{% ) %}"]},"Assign":{"v":"{% $x %}"},"Next":"C"},"C":{"Type":"Choice","Choices":[{"Condition":"{% true %}","Output":{"o":"{% 1 %}"},"Next":"A"}]}`),
	}
	for _, seed := range seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, definition string) {
		for _, typ := range []string{TypeStandard, TypeExpress} {
			diags := Definition(definition, Options{Type: typ})
			_ = CreateMessage(diags)
			_ = StateDefinition(definition, Options{Type: typ})
		}
	})
}
