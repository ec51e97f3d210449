package conformance

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadRecordedCases(t *testing.T) {
	t.Parallel()
	cases := loadCases(t)
	if !slices.IsSortedFunc(cases, func(a, b *Case) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("cases are not sorted by ID")
	}
	kinds := map[string]int{}
	jsonata := 0
	for _, c := range cases {
		kinds[c.Kind]++
		if c.JSONata() {
			jsonata++
		}
		if c.Expected == nil {
			t.Errorf("%s: no expectation", c.ID)
		}
		if c.Request == nil {
			t.Errorf("%s: nil Request", c.ID)
		}
	}
	for _, k := range Kinds {
		if kinds[k] == 0 {
			t.Errorf("no case of kind %s", k)
		}
	}
	if jsonata == 0 || jsonata == len(cases) {
		t.Errorf("%d of %d cases use JSONata", jsonata, len(cases))
	}
}

func TestParseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, wantErr string
	}{
		{"minimal", `{"id":"a","kind":"test_state","definition":"{}","expected":{}}`, ""},
		{"full", `{"id":"a","kind":"execution","definition":"{}","input":"{}","state_machine_type":"STANDARD",
			"request":{"inspectionLevel":"INFO"},"expected":{"status":"SUCCEEDED"},"features":["jsonata"],"issues":["x"],
			"error_code":null,"aws_divergence_paths":["$..a"],"snapshot_transformers":["F()"],"snapshot_keys":["k"],
			"aws_validated":"2024","recorded_date":"d","completeness":"full","self_contained":true,"trusted":true,
			"services_needed":[],"runtime_placeholders":[],"runtime_placeholder_kinds":[]}`, ""},
		{"not an object", `[]`, "top level is array"},
		{"bad JSON", `{"id":`, "parse case"},
		{"no id", `{"kind":"execution","expected":{}}`, "field id is missing"},
		{"unknown kind", `{"id":"a","kind":"other","expected":{}}`, `unknown kind "other"`},
		{"no expectation", `{"id":"a","kind":"execution"}`, "field expected is missing"},
		{"wrong types", `{"id":1,"kind":"execution","expected":{},"features":"x","input":3,"request":[]}`, "field id is number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseCase([]byte(tt.text))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseCase: %v", err)
				}
				if c.plan == nil || c.Request == nil {
					t.Errorf("ParseCase left plan or Request nil")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseCase error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	c, err := ParseCase([]byte(`{"id":"a","kind":"test_state","definition":"{}","input":"{\"a\":1}",
		"request":{"stateName":"S"},"expected":{},"features":["jsonata","map"],"issues":["history_requested_with:['reverseOrder']"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.JSONata() || !c.HasFeature("map") || c.HasFeature("wait") || !c.HasIssue("reverseOrder") || *c.Input != `{"a":1}` {
		t.Errorf("accessors wrong for %+v", c)
	}
	if s, ok := c.RequestString("stateName"); !ok || s != "S" {
		t.Errorf("RequestString = %q, %v", s, ok)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("b.json", `{"id":"b","kind":"test_state","definition":"{}","expected":{}}`)
	write("a.json", `{"id":"a","kind":"test_state","definition":"{}","expected":{}}`)
	write("notes.txt", `ignored`)
	cases, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 || cases[0].ID != "a" || cases[1].ID != "b" || cases[0].File != filepath.Join(dir, "a.json") {
		t.Fatalf("Load = %v", cases)
	}
	write("c.json", `{"id":"a","kind":"test_state","definition":"{}","expected":{}}`)
	write("d.json", `{`)
	cases, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "already used") || !strings.Contains(err.Error(), "d.json") {
		t.Errorf("Load error = %v, want both the duplicate and the bad file", err)
	}
	if len(cases) != 2 {
		t.Errorf("Load kept %d good cases, want 2", len(cases))
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("Load of a missing directory succeeded")
	}
}

func TestDefaultDir(t *testing.T) {
	root := t.TempDir()
	mod := filepath.Join(root, "main")
	sub := filepath.Join(mod, "internal", "x")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvDir, "")
	t.Chdir(sub)
	if got, want := DefaultDir(), filepath.Join(root, "shared", "conformance", "cases"); got != want {
		t.Errorf("DefaultDir() = %q, want %q", got, want)
	}
	t.Setenv(EnvDir, "/elsewhere")
	if got := DefaultDir(); got != "/elsewhere" {
		t.Errorf("DefaultDir() with $%s = %q", EnvDir, got)
	}
	t.Setenv(EnvDir, "")
	t.Chdir(root)
	if got := DefaultDir(); got != "" {
		t.Errorf("DefaultDir() outside a module = %q, want \"\"", got)
	}
}
