package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// casesDir finds the AWS-recorded conformance cases: $STEPFLOW_CONFORMANCE_DIR,
// or shared/conformance/cases beside the repository.
func casesDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("STEPFLOW_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "conformance", "cases")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance cases not found at %s", dir)
	}
	return dir
}

// recordedCase is the part of a conformance case these tests read.
type recordedCase struct {
	ID               string          `json:"id"`
	Kind             string          `json:"kind"`
	Definition       string          `json:"definition"`
	StateMachineType string          `json:"state_machine_type"`
	Request          map[string]any  `json:"request"`
	Expected         json.RawMessage `json:"expected"`
}

func loadCases(t *testing.T) []recordedCase {
	t.Helper()
	dir := casesDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := make([]recordedCase, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c recordedCase
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// recordingRewrite applies the rewrites the recording tool applied to AWS's
// answers, so our text compares with the recorded one.
func recordingRewrite(s string) string {
	return strings.ReplaceAll(s, "arn:aws:", "arn:<partition>:")
}

func (c recordedCase) options() Options {
	typ, _ := c.Request["type"].(string)
	if typ == "" {
		typ = c.StateMachineType
	}
	return Options{Type: typ}
}

// TestRecordedValidateDefinition checks ValidateStateMachineDefinition cases:
// the exact diagnostics AWS returned.
func TestRecordedValidateDefinition(t *testing.T) {
	t.Parallel()
	for _, c := range loadCases(t) {
		if c.Kind != "validate_definition" {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			var want struct {
				Diagnostics []struct {
					Code, Location, Message, Severity string
				} `json:"diagnostics"`
			}
			if err := json.Unmarshal(c.Expected, &want); err != nil {
				t.Fatal(err)
			}
			wantDiags := []Diagnostic{}
			for _, d := range want.Diagnostics {
				wantDiags = append(wantDiags, Diagnostic{Severity: d.Severity, Code: d.Code, Message: d.Message, Location: d.Location})
			}
			got := []Diagnostic{}
			for _, d := range Definition(c.Definition, c.options()) {
				d.Message = recordingRewrite(d.Message)
				d.Location = recordingRewrite(d.Location)
				got = append(got, d)
			}
			if !reflect.DeepEqual(got, wantDiags) {
				t.Errorf("definition %s\n got %#v\nwant %#v", c.Definition, got, wantDiags)
			}
		})
	}
}

// TestRecordedCreateStateMachineErrors checks CreateStateMachine's
// InvalidDefinition messages.
func TestRecordedCreateStateMachineErrors(t *testing.T) {
	t.Parallel()
	for _, c := range loadCases(t) {
		if c.Kind != "create_state_machine_error" {
			continue
		}
		var want struct {
			Error struct {
				Code, Message string
			}
			ExceptionTypename string `json:"exception_typename"`
			ExceptionValue    string `json:"exception_value"`
		}
		if err := json.Unmarshal(c.Expected, &want); err != nil {
			t.Fatal(err)
		}
		message := want.Error.Message
		if want.ExceptionTypename == "InvalidDefinition" {
			_, message, _ = strings.Cut(want.ExceptionValue, "operation: ")
		} else if want.Error.Code != "InvalidDefinition" {
			continue // not a definition problem
		}
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			got := recordingRewrite(CreateMessage(Definition(c.Definition, c.options())))
			if got != message {
				t.Errorf("definition %s\n got %q\nwant %q", c.Definition, got, message)
			}
		})
	}
}

// TestRecordedTestStateDefinitionErrors checks the TestState cases that AWS
// refused with InvalidDefinition.
func TestRecordedTestStateDefinitionErrors(t *testing.T) {
	t.Parallel()
	for _, c := range loadCases(t) {
		if c.Kind != "test_state_error" {
			continue
		}
		var want struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(c.Expected, &want); err != nil {
			t.Fatal(err)
		}
		if want.Error.Code != "InvalidDefinition" {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			got := recordingRewrite(CreateMessage(StateDefinition(c.Definition, c.options())))
			if got != want.Error.Message {
				t.Errorf("definition %s\n got %q\nwant %q", c.Definition, got, want.Error.Message)
			}
		})
	}
}

// TestRecordedAcceptedDefinitions checks that every definition AWS accepted
// (it ran, or was described) validates without errors.
func TestRecordedAcceptedDefinitions(t *testing.T) {
	t.Parallel()
	for _, c := range loadCases(t) {
		switch c.Kind {
		case "validate_definition", "create_state_machine_error":
			continue
		case "test_state_error":
			var want struct{ Error struct{ Code string } }
			_ = json.Unmarshal(c.Expected, &want)
			if want.Error.Code == "InvalidDefinition" {
				continue
			}
		}
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			var got []Diagnostic
			if isSingleState(c.Definition) {
				got = StateDefinition(c.Definition, c.options())
			} else {
				got = Definition(c.Definition, c.options())
			}
			if HasErrors(got) {
				t.Errorf("AWS accepted this definition, got %v\n%s", got, c.Definition)
			}
		})
	}
}

// isSingleState reports whether a TestState definition is one state rather
// than a state machine.
func isSingleState(definition string) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(definition), &top) != nil {
		return false
	}
	_, ok := top["Type"]
	return ok
}
