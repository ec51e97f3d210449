package lambda_test

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/stepflow/stepflow/internal/taskbuild"
)

// buildDir holds the zips of the test functions, built once per test
// binary run.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambda-test-builds-")
	if err != nil {
		panic(err)
	}
	buildDir = dir
	code := 0
	func() {
		defer os.RemoveAll(dir)
		goleak.VerifyTestMain(wrapM{m, &code},
			// The SDK's HTTP client keeps idle connections to the test servers.
			goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
			goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		)
	}()
	os.Exit(code)
}

// wrapM lets the build folder be removed after the tests, before exit.
type wrapM struct {
	m    *testing.M
	code *int
}

func (w wrapM) Run() int {
	*w.code = w.m.Run()
	return *w.code
}

var (
	buildOnce sync.Once
	zips      map[string][]byte
	buildErr  error
)

// functionZip returns the zip of a test function (testdata/functions/<name>).
// All of them are built together, with one go command, the first time one
// is needed.
func functionZip(t testing.TB, name string) []byte {
	t.Helper()
	buildOnce.Do(func() {
		dirs, err := filepath.Glob(filepath.Join("testdata", "functions", "*"))
		if err != nil {
			buildErr = err
			return
		}
		paths, err := taskbuild.BuildDirs(context.Background(), dirs, buildDir)
		if err != nil {
			buildErr = err
			return
		}
		zips = map[string][]byte{}
		for i, p := range paths {
			if zips[filepath.Base(dirs[i])], err = os.ReadFile(p); err != nil {
				buildErr = err
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatalf("build test functions: %v", buildErr)
	}
	z, ok := zips[name]
	if !ok {
		t.Fatalf("no test function %s", name)
	}
	return z
}

// TestImports keeps the service's dependencies pointing inward: no other
// emulated service, no composition root.
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
			for _, bad := range []string{"/internal/services/", "/internal/app", "/internal/cli", "/internal/runner", "/internal/engine"} {
				if strings.Contains(p, "github.com/stepflow/stepflow"+bad) {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
