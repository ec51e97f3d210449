package httpexec_test

import (
	"bufio"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/app"
	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/conformance/httpexec"
)

var update = flag.Bool("update", false, "rewrite testdata/known_failures.txt from this run")

const knownFile = "testdata/known_failures.txt"

// TestConformanceOverHTTP runs the recorded AWS cases through a real
// server's Step Functions API. Cases in testdata/known_failures.txt may
// fail; any other failure is a regression.
func TestConformanceOverHTTP(t *testing.T) {
	dir := conformance.DefaultDir()
	if dir == "" {
		t.Skip("conformance cases folder not found: set " + conformance.EnvDir)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance cases folder %s is absent: %v", dir, err)
	}
	cases, err := conformance.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv, err := app.Start(ctx, app.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), TimeScale: 1000, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	results := conformance.Run(ctx, cases, &httpexec.Executor{Endpoint: srv.URL()}, conformance.Options{})
	var report strings.Builder
	conformance.Report(&report, results)
	t.Log("\n" + report.String())
	known := readKnown(t)
	var failed []string
	for _, r := range results {
		id := r.Case.ID
		switch {
		case r.Failed():
			failed = append(failed, id+"\t"+oneLine(r.Diff+r.Reason))
			if !known[id] && !*update {
				t.Errorf("regression: %s: %s%s", id, r.Diff, r.Reason)
			}
		case r.Passed && known[id] && !*update:
			t.Errorf("%s passes now: remove it from %s", id, knownFile)
		}
	}
	if *update {
		sort.Strings(failed)
		text := "# Conformance cases the server does not pass yet over HTTP: id<TAB>first difference.\n# Regenerate with: go test ./internal/conformance/httpexec -update\n" + strings.Join(failed, "\n") + "\n"
		if err := os.WriteFile(filepath.FromSlash(knownFile), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readKnown(t *testing.T) map[string]bool {
	known := map[string]bool{}
	f, err := os.Open(filepath.FromSlash(knownFile))
	if os.IsNotExist(err) {
		return known
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			id, _, _ := strings.Cut(line, "\t")
			known[id] = true
		}
	}
	return known
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
