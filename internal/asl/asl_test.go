package asl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func TestParseCompilesValidDefinitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def string
		check     func(t *testing.T, sm *StateMachine)
	}{
		{"pass", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true}}}`,
			func(t *testing.T, sm *StateMachine) {
				a := sm.States["A"]
				if !a.HasResult || a.ResultPath == nil || a.ResultPath.Path.String() != "$.r" || !a.End {
					t.Errorf("state A compiled as %+v", a)
				}
			}},
		{"legacy map parameters become the item selector", `{"StartAt":"M","States":{"M":{"Type":"Map","Parameters":{"v.$":"$$.Map.Item.Value"},"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			func(t *testing.T, sm *StateMachine) {
				m := sm.States["M"]
				if m.ItemSelector == nil || m.Parameters != nil || m.ItemProcessor == nil || m.ProcessorMode != "INLINE" || !m.UsesContext {
					t.Errorf("map compiled as %+v", m)
				}
			}},
		{"retry defaults", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}}`,
			func(t *testing.T, sm *StateMachine) {
				r := sm.States["T"].Retry[0]
				if r.IntervalSeconds != 1 || r.MaxAttempts != 3 || r.BackoffRate != 2.0 || r.JitterStrategy != "NONE" {
					t.Errorf("retrier defaults %+v", r)
				}
			}},
		{"choice rules", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","NumericGreaterThanPath":"$.b"},"Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`,
			func(t *testing.T, sm *StateMachine) {
				r := sm.States["C"].Choices[0]
				if r.Op != "Not" || r.Children[0].Op != "NumericGreaterThanPath" || r.Children[0].ValuePath == nil || r.Next != "D" {
					t.Errorf("choice rule compiled as %+v", r)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm, err := Parse(tt.def, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, sm)
		})
	}
}

func TestParseRejectsInvalidDefinitions(t *testing.T) {
	t.Parallel()
	_, err := Parse(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, Options{})
	var inv *InvalidDefinitionError
	if !errors.As(err, &inv) {
		t.Fatalf("Parse = %v, want *InvalidDefinitionError", err)
	}
	want := "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next, MISSING_END_STATE: Workflow has no terminal state at null'"
	if inv.Error() != want {
		t.Errorf("message\n got %s\nwant %s", inv.Error(), want)
	}
}

// FuzzParse checks that whatever the validator accepts, the compiler
// compiles, and that nothing panics.
func FuzzParse(f *testing.F) {
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Wait","SecondsPath":"$.s","Next":"B"},"B":{"Type":"Fail","ErrorPath":"States.Format('{}', $.e)"}}}`)
	f.Add(`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Y"}],"End":true},"Y":{"Type":"Pass","Assign":{"v.$":"$.err"},"End":true}}}`)
	f.Add(`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"{% $states.input.a %}"},"Output":{"v":"{% $x & $string($states.context.State.Name) %}","l":[1,"{% $range(1,3,1) %}"]},"Next":"C"},` +
		`"C":{"Type":"Choice","Choices":[{"Condition":"{% $x > 1 %}","Output":"{% $x %}","Next":"M"}],"Default":"F"},` +
		`"M":{"Type":"Map","Items":"{% $states.input.items %}","MaxConcurrency":"{% 2 %}","ItemSelector":{"v":"{% $states.context.Map.Item.Value %}"},"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% 1 %}","End":true}}},` +
		`"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":"{% 2 %}"}],"Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Next":"F"}],"End":true},` +
		`"F":{"Type":"Fail","Error":"{% 'E' %}","Cause":"{% $string($states.input) %}"}}}`)
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% $states.input %}","TimeoutSeconds":"{% 3 %}","Output":"{% $states.result.x ? %}","End":true}}}`)
	if entries, err := os.ReadDir("../../../shared/bench-workloads"); err == nil {
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join("../../../shared/bench-workloads", e.Name())); err == nil && filepath.Ext(e.Name()) == ".json" {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, def string) {
		sm, err := Parse(def, Options{})
		if err != nil {
			var inv *InvalidDefinitionError
			if !errors.As(err, &inv) {
				t.Fatalf("Parse(%q) failed with %v after validation passed", def, err)
			}
			return
		}
		if sm.States[sm.StartAt] == nil {
			t.Fatalf("compiled machine has no StartAt state")
		}
		_ = jsonv.Marshal(sm.Raw)
	})
}
