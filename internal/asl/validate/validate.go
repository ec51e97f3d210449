// Package validate checks an Amazon States Language definition the way AWS
// Step Functions' ValidateStateMachineDefinition and CreateStateMachine do:
// it reports every problem it finds (not only the first), each with AWS's
// diagnostic code, wording and JSON-pointer location.
//
// Validation runs in two stages, as AWS's does. The schema stage checks every
// object against the shape its position allows (required and supported
// fields, value types, ranges, query language, paths, resources) and reports
// SCHEMA_VALIDATION_FAILED and a few name codes. Only a definition without
// errors there reaches the graph stage: duplicate state names, transitions to
// missing states, states nothing transitions to, and a workflow without a
// terminal state. WARNING diagnostics (NO_DOLLAR, NO_PATH,
// PASS_RESULT_IS_STATIC) are reported only when Options.Severity asks.
//
// Wording: messages AWS is recorded to return (the conformance cases, public
// reports of CreateStateMachine and ValidateStateMachineDefinition answers)
// are used verbatim. Where AWS lists field names it uses java.util.HashSet
// order ("These fields are required: [States, StartAt]"), reproduced by
// javaSetOrder. Where AWS's wording is not known, a message follows the
// pattern of its nearest recorded sibling.
package validate

import (
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Severities of a Diagnostic.
const (
	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
)

// Diagnostic codes AWS reports.
const (
	CodeSchemaValidationFailed  = "SCHEMA_VALIDATION_FAILED"
	CodeInvalidJSONDescription  = "INVALID_JSON_DESCRIPTION"
	CodeMissingTransitionTarget = "MISSING_TRANSITION_TARGET"
	CodeMissingEndState         = "MISSING_END_STATE"
	CodeDuplicateStateName      = "DUPLICATE_STATE_NAME"
	CodeInvalidStateName        = "INVALID_STATE_NAME"
	CodeInvalidLabelName        = "INVALID_LABEL_NAME"
	CodeInvalidVariableName     = "INVALID_VARIABLE_NAME"
	CodeReservedVariableName    = "RESERVED_VARIABLE_NAME"

	CodeNoDollar           = "NO_DOLLAR"             // WARNING: a template value looks like a path
	CodeNoPath             = "NO_PATH"               // WARNING: Error or Cause looks like a path
	CodePassResultIsStatic = "PASS_RESULT_IS_STATIC" // WARNING: a ".$" field in a Pass state's Result
)

// State machine types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// Query languages.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// Diagnostic is one problem found in a definition, as
// ValidateStateMachineDefinition reports it.
type Diagnostic struct {
	Severity string // "ERROR" or "WARNING"
	Code     string // SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, INVALID_JSON_DESCRIPTION, ...
	Message  string
	// Location is a JSON pointer like "/States/WaitUntil/Timestamp" ("/" for
	// the root; array elements as "/States/C/Choices[0]"). It is empty when
	// AWS reports no location (MISSING_END_STATE, a definition that is not
	// an object); for INVALID_JSON_DESCRIPTION it is Jackson's source
	// location.
	Location string
}

// Options configures a validation.
type Options struct {
	// Type is the state machine type: "STANDARD" (the default when empty) or
	// "EXPRESS". EXPRESS rejects .sync and .waitForTaskToken integrations,
	// activities and distributed Map states.
	Type string
	// Severity is the lowest severity returned: "ERROR" (the default when
	// empty) returns errors only, "WARNING" errors and warnings.
	Severity string
}

// Definition validates the definition text. It returns no diagnostics for a
// valid definition; otherwise it returns every problem found, in the order
// AWS reports them.
func Definition(definition string, opts Options) []Diagnostic {
	root, diags := parseObject(definition)
	if root == nil {
		return diags
	}
	c := newChecker(opts)
	c.topLevel(root)
	if HasErrors(c.diags) {
		return c.diags
	}
	c.graph()
	return c.diags
}

// StateDefinition validates a definition that is a single state, as
// TestState does: the state is checked as if it were named "StateName" in a
// state machine (so locations read "/States/StateName/..."), and its
// transitions are not checked.
func StateDefinition(state string, opts Options) []Diagnostic {
	o, diags := parseObject(state)
	if o == nil {
		return diags
	}
	c := newChecker(opts)
	c.state(testStateName, o, rootLoc.key("States").key(testStateName))
	return c.diags
}

// parseObject parses text that must hold a JSON object, or returns the
// diagnostic AWS reports when it does not.
func parseObject(text string) (*jsonv.Object, []Diagnostic) {
	if strings.TrimSpace(text) == "" {
		return nil, []Diagnostic{errorAt(CodeSchemaValidationFailed, "", msgNotAnObject)}
	}
	v, err := jsonv.ParseString(text)
	if err != nil {
		if se, ok := err.(*jsonv.SyntaxError); ok {
			return nil, []Diagnostic{errorAt(CodeInvalidJSONDescription, se.Location(), se.Detailed())}
		}
		return nil, []Diagnostic{errorAt(CodeInvalidJSONDescription, "", err.Error())}
	}
	o, ok := v.(*jsonv.Object)
	if !ok {
		return nil, []Diagnostic{errorAt(CodeSchemaValidationFailed, "", msgNotAnObject)}
	}
	return o, nil
}

// testStateName is the name StateDefinition gives the state it checks.
const testStateName = "StateName"

// CreateMessage renders the ERROR diagnostics the way CreateStateMachine's
// InvalidDefinition message does: "Invalid State Machine Definition: '" then
// each as "CODE: message at location", joined by ", ", then "'". A diagnostic
// without a location renders as "at null", as AWS prints it. It returns ""
// when diags holds no error.
func CreateMessage(diags []Diagnostic) string {
	var b strings.Builder
	n := 0
	for _, d := range diags {
		if d.Severity != SeverityError {
			continue
		}
		if n == 0 {
			b.WriteString("Invalid State Machine Definition: '")
		} else {
			b.WriteString(", ")
		}
		n++
		loc := d.Location
		if loc == "" {
			loc = "null"
		}
		b.WriteString(d.Code + ": " + d.Message + " at " + loc)
	}
	if n == 0 {
		return ""
	}
	b.WriteString("'")
	return b.String()
}

// HasErrors reports whether diags holds an ERROR diagnostic.
func HasErrors(diags []Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

func errorAt(code, location, message string) Diagnostic {
	return Diagnostic{Severity: SeverityError, Code: code, Message: message, Location: location}
}

// loc is a JSON pointer in AWS's notation: "/" is the root, members append
// "/name" (unescaped), array elements append "[i]".
type loc string

const rootLoc loc = "/"

func (l loc) key(k string) loc {
	if l == rootLoc {
		return loc("/" + k)
	}
	return l + "/" + loc(k)
}

func (l loc) index(i int) loc { return l + "[" + loc(strconv.Itoa(i)) + "]" }

// Messages whose wording is shared by several checks.
const (
	msgNotAnObject   = "Definition must be a valid JSON object"
	msgCannotBeEmpty = "Value cannot be empty"
	msgNotRefPath    = "Value is not a Reference Path"
	msgRFC3339       = "String does not match RFC3339 timestamp"
)

func msgRequired(fields ...string) string {
	return "These fields are required: " + fieldList(javaSetOrder(fields...))
}

func msgRequiredField(field string) string {
	return "The field '" + field + "' is required but was missing"
}

func msgNotSupported(field string) string { return "Field '" + field + "' is not supported" }

// msgOnlyOne is reported when several mutually exclusive fields are present.
func msgOnlyOne(fields ...string) string {
	return "There should only be one of the following fields: " + fieldList(javaSetOrder(fields...))
}

// msgExactlyOne is reported when none of fields of which one is required is
// present.
func msgExactlyOne(fields ...string) string {
	return "This object should have only one of the following fields: " + fieldList(javaSetOrder(fields...))
}

func msgEnum(values ...string) string {
	return "Value should be one of the following: " + fieldList(javaSetOrder(values...))
}

func msgType(kind string) string { return "Expected value of type [" + kind + "]" }

func msgMinimum(v string) string { return "Minimum value is " + v }

func msgMaximum(v string) string { return "Maximum value is " + v }

func msgInvalidPath(field string) string {
	return "The value for the field '" + field + "' must be a valid JSONPath"
}

func msgInvalidPathOrIntrinsic(field string) string {
	return "The value for the field '" + field + "' must be a valid JSONPath or a valid intrinsic function call"
}

func msgOtherLanguage(lang, field string) string {
	other := JSONPath
	if lang == JSONPath {
		other = JSONata
	}
	return "The QueryLanguage is set to '" + lang + "', but field '" + field + "' is only supported for the '" + other + "' QueryLanguage"
}

const msgDowngrade = "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
