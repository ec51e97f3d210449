package conformance

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// LoadForTest loads the cases from DefaultDir, skipping the test with a
// message naming EnvDir when the folder is not there.
func LoadForTest(tb testing.TB) []*Case {
	tb.Helper()
	dir := DefaultDir()
	if dir == "" {
		tb.Skip("conformance cases folder not found: set " + EnvDir)
	}
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("conformance cases folder %s is absent (set %s): %v", dir, EnvDir, err)
	}
	cases, err := Load(dir)
	if err != nil {
		tb.Fatalf("load conformance cases: %v", err)
	}
	return cases
}

// Ratchet checks results against a known-failures file (one "id<TAB>first
// difference" line per case, # comments): a failure not listed is a
// regression, and a listed case that passes must leave the list, so the
// list always tells the truth. With update, the file is rewritten from
// results instead; header says how to regenerate it.
func Ratchet(tb testing.TB, results []Result, path, header string, update bool) {
	tb.Helper()
	path = filepath.FromSlash(path)
	known := map[string]bool{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
				id, _, _ := strings.Cut(line, "\t")
				known[id] = true
			}
		}
		f.Close()
	} else if !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	var failed []string
	for _, r := range results {
		id := r.Case.ID
		switch {
		case r.Failed():
			failed = append(failed, id+"\t"+clip(oneLine(r.Diff+r.Reason)))
			if !known[id] && !update {
				tb.Errorf("regression: %s: %s%s", id, r.Diff, r.Reason)
			}
		case r.Passed && known[id] && !update:
			tb.Errorf("%s passes now: remove it from %s", id, path)
		}
	}
	if update {
		sort.Strings(failed)
		text := header + "\n" + strings.Join(failed, "\n") + "\n"
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// clip shortens s to 200 bytes.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
