package tfrun

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTerraform skips when Terraform or the provider mirror is missing.
func needTerraform(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on the PATH")
	}
	if _, err := FindMirror(); err != nil {
		t.Skip(err)
	}
}

func TestInitValidateOffline(t *testing.T) {
	t.Parallel()
	needTerraform(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
}
resource "aws_sqs_queue" "q" { name = "q" }
`), 0o644)
	var progress bytes.Buffer
	r, err := New(Options{Dir: dir, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Init(ctx); err != nil {
		t.Fatalf("init: %v\n%s", err, progress.String())
	}
	if err := r.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "hashicorp/aws") {
		t.Errorf("progress shows no provider installation:\n%s", progress.String())
	}
	os.WriteFile(filepath.Join(dir, "bad.tf"), []byte(`resource "aws_sqs_queue" "r" { nonsense = 1 }`), 0o644)
	if err := r.Validate(ctx); err == nil || !strings.Contains(err.Error(), "nonsense") {
		t.Errorf("validate of a bad config = %v", err)
	}
}

func TestFindMirrorOverride(t *testing.T) {
	t.Setenv(EnvMirror, t.TempDir())
	if _, err := FindMirror(); err == nil || !strings.Contains(err.Error(), EnvMirror) {
		t.Errorf("FindMirror with an empty override = %v", err)
	}
}

func TestCLIConfig(t *testing.T) {
	t.Parallel()
	c := CLIConfig("/m")
	for _, want := range []string{`path    = "/m"`, "filesystem_mirror", "direct", "exclude"} {
		if !strings.Contains(c, want) {
			t.Errorf("CLIConfig lacks %q:\n%s", want, c)
		}
	}
}
