package taskbuild_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/taskbuild"
)

// writeTask writes a tiny Lambda main package.
func writeTask(t *testing.T, dir, name, reply string) string {
	t.Helper()
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	src := `package main

import "fmt"

func main() { fmt.Println("` + reply + `") }
`
	if err := os.WriteFile(filepath.Join(d, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// taskRoot makes a module of its own for test tasks.
func taskRoot(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tasks\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBuildReproducible(t *testing.T) {
	t.Parallel()
	root := taskRoot(t)
	task := writeTask(t, root, "hello", "hi")
	out := t.TempDir()
	a, b := filepath.Join(out, "a.zip"), filepath.Join(out, "b.zip")
	ctx := context.Background()
	if err := taskbuild.Build(ctx, task, a); err != nil {
		t.Fatal(err)
	}
	// Touch the source: timestamps must not matter.
	if err := os.Chtimes(filepath.Join(task, "main.go"), taskbuild.Epoch, taskbuild.Epoch); err != nil {
		t.Fatal(err)
	}
	if err := taskbuild.Build(ctx, task, b); err != nil {
		t.Fatal(err)
	}
	za, _ := os.ReadFile(a)
	zb, _ := os.ReadFile(b)
	if len(za) == 0 || !bytes.Equal(za, zb) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(za), len(zb))
	}
	zr, err := zip.NewReader(bytes.NewReader(za), int64(len(za)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 ||
		!zr.File[0].Modified.Equal(taskbuild.Epoch) || zr.File[0].Method != zip.Deflate {
		f := zr.File[0]
		t.Fatalf("entry %s mode %v time %v method %d", f.Name, f.Mode(), f.Modified, f.Method)
	}
	rc, _ := zr.File[0].Open()
	head := make([]byte, 4)
	_, _ = rc.Read(head)
	rc.Close()
	if string(head) != "\x7fELF" {
		t.Errorf("bootstrap is not a linux executable: %q", head)
	}
}

func TestBuildAll(t *testing.T) {
	t.Parallel()
	root := taskRoot(t)
	writeTask(t, root, "one", "1")
	writeTask(t, root, "two", "2")
	if err := os.MkdirAll(filepath.Join(root, "notes"), 0o755); err != nil { // no Go files: not a task
		t.Fatal(err)
	}
	out := t.TempDir()
	zips, err := taskbuild.BuildAll(context.Background(), root, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(zips) != 2 || filepath.Base(zips[0]) != "one.zip" || filepath.Base(zips[1]) != "two.zip" {
		t.Fatalf("zips = %v", zips)
	}
	one, _ := os.ReadFile(zips[0])
	single := filepath.Join(out, "single.zip")
	if err := taskbuild.Build(context.Background(), filepath.Join(root, "one"), single); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(single)
	if !bytes.Equal(one, again) {
		t.Errorf("BuildAll and Build give different zips")
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	root := taskRoot(t)
	bad := filepath.Join(root, "bad")
	_ = os.MkdirAll(bad, 0o755)
	_ = os.WriteFile(filepath.Join(bad, "main.go"), []byte("package main\nfunc main() { undefined() }\n"), 0o644)
	err := taskbuild.Build(context.Background(), bad, filepath.Join(t.TempDir(), "bad.zip"))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("undefined")) {
		t.Fatalf("err = %v", err)
	}
	if _, err := taskbuild.BuildAll(context.Background(), filepath.Join(root, "missing"), t.TempDir()); err == nil {
		t.Fatal("no error for a missing folder")
	}
}

func TestZipSorted(t *testing.T) {
	t.Parallel()
	z, err := taskbuild.Zip(map[string][]byte{"b.txt": []byte("b"), "bootstrap": []byte("x"), "a/c.txt": []byte("c")})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name+":"+f.Mode().Perm().String())
	}
	want := "[a/c.txt:-rw-r--r-- b.txt:-rw-r--r-- bootstrap:-rwxr-xr-x]"
	if got := fmtList(names); got != want {
		t.Errorf("entries %s, want %s", got, want)
	}
}

func fmtList(s []string) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	b.WriteByte(']')
	return b.String()
}
