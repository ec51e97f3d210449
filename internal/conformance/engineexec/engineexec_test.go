package engineexec_test

import (
	"bufio"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/conformance/engineexec"
)

var update = flag.Bool("update", false, "rewrite testdata/known_failures.txt from this run")

const knownFile = "testdata/known_failures.txt"

// TestConformance runs every recorded AWS case through the engine. Cases
// listed in testdata/known_failures.txt (with the reason) may fail; any
// other failure is a regression, and a listed case that passes must be
// removed from the list, so the list always tells the truth.
func TestConformance(t *testing.T) {
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
	results := conformance.Run(context.Background(), cases, engineexec.New(), conformance.Options{})
	known := readKnown(t)
	var failed []string
	var report strings.Builder
	conformance.Report(&report, results)
	t.Log("\n" + report.String())
	for _, r := range results {
		id := r.Case.ID
		switch {
		case r.Failed():
			failed = append(failed, id+"\t"+oneLine(r.Diff+r.Reason))
			if _, ok := known[id]; !ok && !*update {
				t.Errorf("regression: %s: %s%s", id, r.Diff, r.Reason)
			}
		case r.Passed:
			if _, ok := known[id]; ok && !*update {
				t.Errorf("%s passes now: remove it from %s", id, knownFile)
			}
		}
	}
	if *update {
		sort.Strings(failed)
		text := "# Conformance cases the engine does not pass yet: id<TAB>first difference.\n# Regenerate with: go test ./internal/conformance/engineexec -run TestConformance -update\n" + strings.Join(failed, "\n") + "\n"
		if err := os.WriteFile(filepath.FromSlash(knownFile), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readKnown(t *testing.T) map[string]bool {
	known := map[string]bool{}
	f, err := os.Open(filepath.FromSlash(knownFile))
	if err != nil {
		if os.IsNotExist(err) {
			return known
		}
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, _, _ := strings.Cut(line, "\t")
		known[id] = true
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
