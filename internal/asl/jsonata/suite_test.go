package jsonata

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

var updateKnown = flag.Bool("update-known", false, "rewrite testdata/known_failures.txt with the current failures")

// suiteDir locates the official JSONata test suite.
func suiteDir() string {
	if d := os.Getenv("STEPFLOW_JSONATA_SUITE"); d != "" {
		return d
	}
	for _, d := range []string{"/work/shared/jsonata-test-suite", "../../../../shared/jsonata-test-suite", "../../../shared/jsonata-test-suite"} {
		if st, err := os.Stat(filepath.Join(d, "groups")); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

type suiteCase struct {
	ID              string
	Expr            string          `json:"expr"`
	ExprFile        string          `json:"expr-file"`
	Data            json.RawMessage `json:"data"`
	Dataset         *string         `json:"dataset"`
	Bindings        json.RawMessage `json:"bindings"`
	Result          json.RawMessage `json:"result"`
	UndefinedResult bool            `json:"undefinedResult"`
	Code            string          `json:"code"`
	Token           *string         `json:"token"`
	Error           *struct {
		Code    string  `json:"code"`
		Token   *string `json:"token"`
		Message *string `json:"message"`
	} `json:"error"`
	Timelimit int `json:"timelimit"`
	Depth     int `json:"depth"`
}

func loadSuite(t testing.TB, dir string) []suiteCase {
	files, err := filepath.Glob(filepath.Join(dir, "groups", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []suiteCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		id := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
		var cs []suiteCase
		if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
			if err := json.Unmarshal(b, &cs); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for i := range cs {
				cs[i].ID = fmt.Sprintf("%s[%d]", id, i)
			}
		} else {
			var c suiteCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			c.ID = id
			cs = []suiteCase{c}
		}
		for i := range cs {
			if cs[i].ExprFile != "" {
				eb, err := os.ReadFile(filepath.Join(filepath.Dir(f), cs[i].ExprFile))
				if err != nil {
					t.Fatal(err)
				}
				cs[i].Expr = string(eb)
			}
		}
		out = append(out, cs...)
	}
	return out
}

func loadKnownFailures(t testing.TB) map[string]string {
	known := map[string]string{}
	b, err := os.ReadFile("testdata/known_failures.txt")
	if err != nil {
		if os.IsNotExist(err) {
			return known
		}
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		known[id] = strings.TrimSpace(reason)
	}
	return known
}

// runSuiteCase runs one case and returns "" when it passes, otherwise why.
func runSuiteCase(dir string, c suiteCase, datasets map[string]any) string {
	var input any
	if c.Data != nil {
		v, err := jsonv.Parse(c.Data)
		if err != nil {
			return "bad data: " + err.Error()
		}
		input = v
	} else if c.Dataset != nil {
		input = datasets[*c.Dataset]
	}
	env := Env{Input: input}
	if len(c.Bindings) > 0 {
		bv, err := jsonv.Parse(c.Bindings)
		if err != nil {
			return "bad bindings: " + err.Error()
		}
		if o, ok := bv.(*jsonv.Object); ok && o.Len() > 0 {
			env.Vars = func(name string) (any, bool) { return o.Get(name) }
		}
	}
	if c.Depth > 0 {
		env.MaxDepth = c.Depth
	}
	if c.Timelimit > 0 {
		env.MaxSteps = c.Timelimit * 5000
	}
	wantCode := c.Code
	var wantMsg, wantTok *string
	wantTok = c.Token
	if c.Error != nil {
		wantCode = c.Error.Code
		wantMsg = c.Error.Message
		if c.Error.Token != nil {
			wantTok = c.Error.Token
		}
	}
	e, err := Compile(c.Expr)
	var got any
	if err == nil {
		got, err = e.Eval(env)
	}
	if err != nil {
		je, ok := err.(*Error)
		if !ok {
			return fmt.Sprintf("non-*Error error %T: %v", err, err)
		}
		if wantCode == "" {
			return fmt.Sprintf("unexpected error %s: %s", je.Code, je.Message)
		}
		if je.Code != wantCode {
			return fmt.Sprintf("error code %s (%s), want %s", je.Code, je.Message, wantCode)
		}
		if wantMsg != nil && je.Message != *wantMsg {
			return fmt.Sprintf("error message %q, want %q", je.Message, *wantMsg)
		}
		if wantTok != nil && je.Token != *wantTok {
			return fmt.Sprintf("error token %q, want %q", je.Token, *wantTok)
		}
		return ""
	}
	if wantCode != "" {
		return fmt.Sprintf("got %s, want error %s", describe(got), wantCode)
	}
	if c.UndefinedResult || c.Result == nil {
		if got != Undefined {
			return fmt.Sprintf("got %s, want undefined", describe(got))
		}
		return ""
	}
	want, err := jsonv.Parse(c.Result)
	if err != nil {
		return "bad result: " + err.Error()
	}
	if got == Undefined || !suiteEqual(got, want) {
		return fmt.Sprintf("got %s, want %s", describe(got), jsonv.Marshal(want))
	}
	return ""
}

func describe(v any) string {
	if v == Undefined {
		return "undefined"
	}
	defer func() { recover() }()
	s := jsonv.Marshal(v)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// suiteEqual compares like the suite's deep equality: numbers by value,
// objects regardless of key order.
func suiteEqual(a, b any) bool {
	switch x := a.(type) {
	case jsonv.Number:
		y, ok := b.(jsonv.Number)
		if !ok {
			return false
		}
		fx, fy := x.Float64(), y.Float64()
		return fx == fy || (math.Abs(fx-fy) <= 1e-15*math.Max(math.Abs(fx), math.Abs(fy)))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !suiteEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *jsonv.Object:
		y, ok := b.(*jsonv.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for _, m := range x.Members {
			v, ok := y.Get(m.Key)
			if !ok || !suiteEqual(m.Value, v) {
				return false
			}
		}
		return true
	}
	return a == b
}

func loadDatasets(t testing.TB, dir string) map[string]any {
	files, _ := filepath.Glob(filepath.Join(dir, "datasets", "*.json"))
	out := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonv.Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = v
	}
	return out
}

// TestSuite runs the official JSONata test suite. Cases listed in
// testdata/known_failures.txt may fail; any other failure fails the test,
// and a listed case that passes must be removed from the list.
func TestSuite(t *testing.T) {
	dir := suiteDir()
	if dir == "" {
		t.Skip("JSONata test suite not found (set STEPFLOW_JSONATA_SUITE)")
	}
	cases := loadSuite(t, dir)
	datasets := loadDatasets(t, dir)
	known := loadKnownFailures(t)
	passed, failed := 0, 0
	var newFailures []string
	current := map[string]string{}
	for _, c := range cases {
		why := runSuiteCase(dir, c, datasets)
		if why == "" {
			passed++
			if _, ok := known[c.ID]; ok && !*updateKnown {
				t.Errorf("%s passes now: remove it from testdata/known_failures.txt", c.ID)
			}
			continue
		}
		failed++
		current[c.ID] = why
		if _, ok := known[c.ID]; !ok {
			newFailures = append(newFailures, c.ID)
			if !*updateKnown {
				t.Errorf("%s: %s\n  expr: %s", c.ID, why, c.Expr)
			}
		}
	}
	t.Logf("jsonata: %d passed, %d failed", passed, failed)
	fmt.Printf("jsonata: %d passed, %d failed\n", passed, failed)
	if *updateKnown {
		var ids []string
		for id := range current {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var b strings.Builder
		b.WriteString("# JSONata test suite cases that are expected to fail: one case id and the reason per line.\n")
		for _, id := range ids {
			reason := known[id]
			if reason == "" {
				reason = current[id]
			}
			b.WriteString(id + " " + reason + "\n")
		}
		if err := os.WriteFile("testdata/known_failures.txt", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
