package apigateway_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The SDK's HTTP client keeps idle connections to the test servers.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

// TestImports keeps the service's dependencies pointing inward: no other
// emulated service, no composition root, runner or engine.
func TestImports(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pf.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/services/") ||
				strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/app") ||
				strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/cli") ||
				strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/runner") ||
				strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/engine") ||
				strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/conformance") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
