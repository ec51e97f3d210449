package sfn

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

func TestVariableReferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want map[string][]string
	}{
		{"none", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, nil},
		{"static strings are not paths",
			`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a":"$x"},"End":true}}}`, nil},
		{"parameters and choice",
			`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$b.x","StringEqualsPath":"$a","Next":"P"}]},` +
				`"P":{"Type":"Pass","Parameters":{"v.$":"$c[0]","w.$":"$.c","ctx.$":"$$.Execution.Id"},"End":true}}}`,
			map[string][]string{"C": {"a", "b"}, "P": {"c"}}},
		{"intrinsic arguments",
			`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"States.Format('{} $ignored', $name, $.x, $$.Task)"},"End":true}}}`,
			map[string][]string{"P": {"name"}}},
		{"jsonata",
			`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $count($items) + $states.input.n + $k %}","End":true}}}`,
			map[string][]string{"P": {"items", "k"}}},
		{"nested map state",
			`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$list","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"q.$":"$q"},"End":true}}},"End":true}}}`,
			map[string][]string{"M": {"list"}, "I": {"q"}}},
		{"not json", `{`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := variableReferences(tt.def); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

// TestVariableReferencesConformance checks the describe_state_machine cases
// AWS recorded.
func TestVariableReferencesConformance(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("STEPFLOW_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "conformance", "cases")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("conformance cases not found at %s", dir)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			ID         string `json:"id"`
			Kind       string `json:"kind"`
			Definition string `json:"definition"`
			Expected   struct {
				VariableReferences map[string][]string `json:"variableReferences"`
			} `json:"expected"`
		}
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c.Kind != "describe_state_machine" {
			continue
		}
		n++
		want := c.Expected.VariableReferences
		for _, l := range want {
			sort.Strings(l)
		}
		if len(want) == 0 {
			want = nil
		}
		if got := variableReferences(c.Definition); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v; want %v", c.ID, got, want)
		}
	}
	if n == 0 {
		t.Error("no describe_state_machine cases")
	}
}
