package httpexec_test

import (
	"context"
	"flag"
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
	cases := conformance.LoadForTest(t)
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
	conformance.Ratchet(t, results, knownFile, "# Conformance cases the server does not pass yet over HTTP: id<TAB>first difference.\n# Regenerate with: go test ./internal/conformance/httpexec -update", *update)
}
