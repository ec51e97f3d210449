package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunPrintsOutputAndHistory(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "run", "-input", `{"name":"Ada"}`, "testdata/hello.asl.json")
	if code != 0 || strings.TrimSpace(out) != `{"greeting":"Hello, Ada!"}` {
		t.Fatalf("run: code %d, out %q, err %q", code, out, errs)
	}
	code, out, _ = run(t, "run", "-history", "-input", `{"name":"Ada"}`, "testdata/hello.asl.json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 6 || !strings.Contains(lines[5], `"type":"ExecutionSucceeded"`) {
		t.Fatalf("run -history: code %d:\n%s", code, out)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	t.Parallel()
	code, _, errs := run(t, "run", "-input", `{'x'`, "testdata/hello.asl.json")
	if code != 1 || !strings.Contains(errs, "was expecting double-quote to start field name") {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "validate", "testdata/hello.asl.json")
	if code != 0 || !strings.Contains(out, `"result": "OK"`) {
		t.Fatalf("valid definition: code %d\n%s", code, out)
	}
	bad := t.TempDir() + "/bad.json"
	if err := os.WriteFile(bad, []byte(`{"StartAt":"A","States":{"A":{"Type":"Wait","Timestamp":"2016-13-05T21:29:29Z","End":true}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "validate", bad)
	if code != 2 || !strings.Contains(out, "String does not match RFC3339 timestamp") || !strings.Contains(out, "/States/A/Timestamp") {
		t.Fatalf("invalid definition: code %d\n%s", code, out)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	if code, _, errs := run(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
}
