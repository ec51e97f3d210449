// Package taskbuild builds the Go Lambda functions under tasks/ into
// deployment packages: a linux executable named bootstrap (for the
// provided.al2023 and provided.al2 runtimes), zipped reproducibly, so the
// same source gives byte-identical zips and Terraform's
// filebase64sha256() only changes when the code does.
//
// A task is built with
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=<host arch> go build -tags lambda.norpc \
//	    -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o bootstrap
//
// (lambda.norpc makes aws-lambda-go speak only the Runtime API) and zipped
// with one entry, bootstrap, mode 0755, a fixed timestamp and deflate.
package taskbuild

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Epoch is the modification time of every zip entry (the earliest time
// the zip format can hold).
var Epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// GoArch is the architecture tasks are built for: the host's, so that
// Stepflow can run them.
var GoArch = runtime.GOARCH

// Build compiles the Go main package in dir and writes its deployment
// package to out (a zip with the executable bootstrap at its root). The
// go command's output is in the error when the build fails.
func Build(ctx context.Context, dir, out string) error {
	tmp, err := os.MkdirTemp("", "taskbuild-")
	if err != nil {
		return fmt.Errorf("build %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	if err := goBuild(ctx, []string{dir}, tmp); err != nil {
		return fmt.Errorf("build %s: %w", dir, err)
	}
	if err := zipExecutable(filepath.Join(tmp, filepath.Base(dir)), out); err != nil {
		return fmt.Errorf("build %s: %w", dir, err)
	}
	return nil
}

// BuildDirs builds several main packages with one go command (which
// compiles them in parallel and shares their dependencies) and writes
// outDir/<base name of dir>.zip for each; it returns the zips' paths, in
// the order of dirs. The folders' base names must differ.
func BuildDirs(ctx context.Context, dirs []string, outDir string) ([]string, error) {
	if len(dirs) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		b := filepath.Base(d)
		if seen[b] {
			return nil, fmt.Errorf("build tasks: two folders are named %s", b)
		}
		seen[b] = true
	}
	tmp, err := os.MkdirTemp("", "taskbuild-")
	if err != nil {
		return nil, fmt.Errorf("build tasks: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := goBuild(ctx, dirs, tmp); err != nil {
		return nil, fmt.Errorf("build tasks: %w", err)
	}
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		zipPath := filepath.Join(outDir, filepath.Base(d)+".zip")
		if err := zipExecutable(filepath.Join(tmp, filepath.Base(d)), zipPath); err != nil {
			return out, fmt.Errorf("build %s: %w", d, err)
		}
		out = append(out, zipPath)
	}
	return out, nil
}

// goBuild compiles the packages in dirs into binDir/<base name>.
func goBuild(ctx context.Context, dirs []string, binDir string) error {
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}
	if len(dirs) == 1 {
		args = append(args, "-o", filepath.Join(binDir, filepath.Base(dirs[0])), ".")
	} else {
		args = append(args, "-o", binDir+string(filepath.Separator))
		for _, d := range dirs {
			abs, err := filepath.Abs(d)
			if err != nil {
				return err
			}
			args = append(args, abs)
		}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dirs[0]
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+GoArch)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(output.String()))
	}
	return nil
}

// zipExecutable writes a deployment package holding exe as bootstrap.
func zipExecutable(exe, out string) error {
	data, err := os.ReadFile(exe)
	if err != nil {
		return err
	}
	zipped, err := Zip(map[string][]byte{"bootstrap": data})
	if err != nil {
		return err
	}
	return writeFileAtomic(out, zipped)
}

// Zip returns a reproducible zip of files (name → content): entries sorted
// by name, timestamps Epoch, mode 0755 for "bootstrap" and 0644 for the
// rest.
func Zip(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: Epoch}
		mode := os.FileMode(0o644)
		if n == "bootstrap" || strings.HasSuffix(n, "/bootstrap") {
			mode = 0o755
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("zip %s: %w", n, err)
		}
		if _, err := w.Write(files[n]); err != nil {
			return nil, fmt.Errorf("zip %s: %w", n, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return buf.Bytes(), nil
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	_, werr := io.Copy(f, bytes.NewReader(data))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// Tasks lists the task folders under tasksDir (the subfolders holding .go
// files), sorted by name.
func Tasks(tasksDir string) ([]string, error) {
	entries, err := os.ReadDir(tasksDir)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		goFiles, err := filepath.Glob(filepath.Join(tasksDir, e.Name(), "*.go"))
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		if len(goFiles) > 0 {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// BuildAll builds every task folder under tasksDir into
// outDir/<name>.zip (with one go command) and returns the zips' paths.
func BuildAll(ctx context.Context, tasksDir, outDir string) ([]string, error) {
	names, err := Tasks(tasksDir)
	if err != nil {
		return nil, err
	}
	dirs := make([]string, len(names))
	for i, n := range names {
		dirs[i] = filepath.Join(tasksDir, n)
	}
	return BuildDirs(ctx, dirs, outDir)
}
