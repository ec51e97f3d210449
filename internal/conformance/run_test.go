package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func syntheticCases(t *testing.T) []*Case {
	t.Helper()
	mk := func(id, kind, features string) *Case {
		return mustCase(t, `{"id":"`+id+`","kind":"`+kind+`","definition":"{}","features":[`+features+`],"issues":[],
			"snapshot_transformers":[],"expected":{"output":{"a":1},"status":"SUCCEEDED"}}`)
	}
	return []*Case{
		mk("c.pass", KindExecutionOutput, `"jsonpath","state:Pass"`),
		mk("c.fail", KindExecutionOutput, `"jsonpath"`),
		mk("c.jsonata", KindExecutionOutput, `"jsonata"`),
		mk("c.error", KindTestState, `"jsonpath"`),
		mk("c.panic", KindTestState, `"jsonpath"`),
		mk("c.slow", KindTestState, `"jsonpath"`),
	}
}

// scripted answers each synthetic case as its ID says.
var scripted = ExecutorFunc(func(ctx context.Context, c *Case) (jsonv.Value, error) {
	switch c.ID {
	case "c.pass":
		return jsonv.MustParse(`{"status":"SUCCEEDED","output":"{\"a\":1}"}`), nil
	case "c.fail":
		return jsonv.MustParse(`{"status":"SUCCEEDED","output":"{\"a\":2}"}`), nil
	case "c.jsonata":
		return nil, fmt.Errorf("JSONata: %w", ErrUnsupported)
	case "c.error":
		return nil, errors.New("engine exploded\nwith detail")
	case "c.panic":
		panic("boom")
	case "c.slow":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("unknown case %s", c.ID)
})

func TestRun(t *testing.T) {
	t.Parallel()
	cases := syntheticCases(t)
	results := Run(t.Context(), cases, scripted, Options{Parallelism: 3, CaseTimeout: 50 * time.Millisecond})
	if len(results) != len(cases) {
		t.Fatalf("got %d results, want %d", len(results), len(cases))
	}
	want := map[string]struct {
		passed, skipped bool
		diff            string
	}{
		"c.pass":    {passed: true},
		"c.fail":    {diff: "$.output.a: want 1, got 2"},
		"c.jsonata": {skipped: true},
		"c.error":   {diff: "executor error: engine exploded with detail"},
		"c.panic":   {diff: "executor panicked: boom"},
		"c.slow":    {diff: "executor error: context deadline exceeded"},
	}
	for i, r := range results {
		if r.Case != cases[i] {
			t.Errorf("result %d is for %s, want %s", i, r.Case.ID, cases[i].ID)
		}
		w := want[r.Case.ID]
		if r.Passed != w.passed || r.Skipped != w.skipped || r.Diff != w.diff {
			t.Errorf("%s: passed=%v skipped=%v diff=%q, want %+v", r.Case.ID, r.Passed, r.Skipped, r.Diff, w)
		}
	}
	if r := results[2]; r.Reason != "JSONata: not supported" {
		t.Errorf("skip reason = %q", r.Reason)
	}
}

func TestRunFilterAndCancel(t *testing.T) {
	t.Parallel()
	cases := syntheticCases(t)
	var calls atomic.Int32
	count := ExecutorFunc(func(ctx context.Context, c *Case) (jsonv.Value, error) {
		calls.Add(1)
		return scripted.Run(ctx, c)
	})
	tests := []struct {
		filter Filter
		want   []string
	}{
		{Filter{IDContains: "pass"}, []string{"c.pass"}},
		{Filter{Features: []string{"jsonata", "state:Pass"}}, []string{"c.pass", "c.jsonata"}},
		{Filter{Kinds: []string{KindExecutionOutput}, IDContains: "a"}, []string{"c.pass", "c.fail", "c.jsonata"}},
		{Filter{Kinds: []string{KindSyncExecution}}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range Run(t.Context(), cases, count, Options{Filter: tt.filter}) {
			got = append(got, r.Case.ID)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("filter %+v selected %v, want %v", tt.filter, got, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	before := calls.Load()
	for _, r := range Run(ctx, cases, count, Options{}) {
		if r.Passed || r.Skipped || !strings.Contains(r.Diff, "context canceled") {
			t.Errorf("%s after cancel: %+v", r.Case.ID, r)
		}
	}
	if calls.Load() != before {
		t.Error("executor called after the context was cancelled")
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	results := Run(t.Context(), syntheticCases(t), scripted, Options{CaseTimeout: 20 * time.Millisecond})
	var buf bytes.Buffer
	Report(&buf, results)
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, want := range []string{
		"FAIL c.fail: $.output.a: want 1, got 2",
		"FAIL c.panic: executor panicked: boom",
		"1  JSONata: not supported",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL c.pass") || strings.Contains(out, "FAIL c.jsonata") {
		t.Errorf("report lists a passed or skipped case as failed:\n%s", out)
	}
	if got := lines[len(lines)-1]; got != "conformance: 1 passed, 4 failed" {
		t.Errorf("last line = %q", got)
	}
	if got := lines[len(lines)-2]; got != "conformance: 1 skipped (unsupported) of 6 cases" {
		t.Errorf("next to last line = %q", got)
	}
	for _, row := range []string{"execution_output", "test_state", "jsonata", "state:Pass"} {
		if !strings.Contains(out, "  "+row) {
			t.Errorf("report lacks a row for %s:\n%s", row, out)
		}
	}
}

func TestReportAllCasesWithFake(t *testing.T) {
	t.Parallel()
	cases := loadCases(t)
	unsupportJSONata := ExecutorFunc(func(ctx context.Context, c *Case) (jsonv.Value, error) {
		if c.JSONata() {
			return nil, fmt.Errorf("JSONata: %w", ErrUnsupported)
		}
		return fakeExecutor.Run(ctx, c)
	})
	results := Run(t.Context(), cases, unsupportJSONata, Options{})
	var buf bytes.Buffer
	Report(&buf, results)
	s := Summarize(results)
	if s.All.Failed != 0 || s.All.Skipped == 0 || s.All.Passed+s.All.Skipped != len(cases) {
		t.Errorf("summary %+v for %d cases", s.All, len(cases))
	}
	want := fmt.Sprintf("conformance: %d passed, 0 failed\n", s.All.Passed)
	if !strings.HasSuffix(buf.String(), want) {
		t.Errorf("report does not end with %q:\n%s", want, buf.String())
	}
}
