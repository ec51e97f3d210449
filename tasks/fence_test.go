package tasks

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	module = "github.com/stepflow/stepflow/"
	self   = module + "tasks/"
)

// TestImports keeps the functions deployable to AWS unchanged: no file
// under tasks/ imports a package of this module outside tasks/ (so
// nothing from internal/ is reachable, directly or not).
func TestImports(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		n++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module) && !strings.HasPrefix(p, self) {
				t.Errorf("%s imports %s: functions may import only the AWS SDK, aws-lambda-go, the standard library and tasks/shared", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("checked only %d files", n)
	}
}

// TestFolders checks that every function folder is a main package with a
// main.go and tests.
func TestFolders(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "shared" || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(e.Name(), "main.go"), nil, parser.PackageClauseOnly)
		if err != nil {
			t.Errorf("%s: %v (each function has a main.go)", e.Name(), err)
			continue
		}
		if f.Name.Name != "main" {
			t.Errorf("%s is package %s, not main", e.Name(), f.Name.Name)
		}
		if tests, _ := filepath.Glob(filepath.Join(e.Name(), "*_test.go")); len(tests) == 0 {
			t.Errorf("%s has no tests", e.Name())
		}
	}
}
