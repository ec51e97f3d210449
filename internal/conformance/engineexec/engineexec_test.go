package engineexec_test

import (
	"context"
	"flag"
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
	cases := conformance.LoadForTest(t)
	results := conformance.Run(context.Background(), cases, engineexec.New(), conformance.Options{})
	var report strings.Builder
	conformance.Report(&report, results)
	t.Log("\n" + report.String())
	conformance.Ratchet(t, results, knownFile, "# Conformance cases the engine does not pass yet: id<TAB>first difference.\n# Regenerate with: go test ./internal/conformance/engineexec -run TestConformance -update", *update)
}
