// Package tfrun drives Terraform for Stepflow: it finds the offline mirror
// of the AWS provider, writes the Terraform CLI configuration that installs
// providers from it (this machine has no network), and runs init, plan,
// apply and destroy through hashicorp/terraform-exec with Terraform's
// output streamed as progress.
package tfrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// EnvMirror names the environment variable that overrides where the
// provider mirror is looked for.
const EnvMirror = "STEPFLOW_TF_MIRROR"

// ProviderPath is the folder of the AWS provider version the project pins,
// inside a filesystem mirror.
const ProviderPath = "registry.terraform.io/hashicorp/aws/5.100.0"

// mirrorCandidates are the places a machine image keeps a provider mirror.
var mirrorCandidates = []string{
	"/opt/tf-plugins",
	"/usr/share/terraform/plugins",
	"/usr/local/share/terraform/plugins",
	"~/.terraform.d/plugins",
	"~/.local/share/terraform/plugins",
}

// FindMirror returns the filesystem mirror holding the pinned AWS provider:
// $STEPFLOW_TF_MIRROR when set, else the first of the usual places that
// holds it.
func FindMirror() (string, error) {
	if d := os.Getenv(EnvMirror); d != "" {
		if !hasProvider(d) {
			return "", fmt.Errorf("%s=%s holds no %s: point it at the folder that contains registry.terraform.io/", EnvMirror, d, ProviderPath)
		}
		return d, nil
	}
	home, _ := os.UserHomeDir()
	for _, c := range mirrorCandidates {
		if strings.HasPrefix(c, "~/") {
			if home == "" {
				continue
			}
			c = filepath.Join(home, c[2:])
		}
		if hasProvider(c) {
			return c, nil
		}
	}
	return "", fmt.Errorf("no Terraform provider mirror holding %s found in %s: set %s to the folder that contains registry.terraform.io/",
		ProviderPath, strings.Join(mirrorCandidates, ", "), EnvMirror)
}

func hasProvider(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, ProviderPath))
	return err == nil && fi.IsDir()
}

// CLIConfig is the Terraform CLI configuration that installs the HashiCorp
// providers from mirror and never from the network.
func CLIConfig(mirror string) string {
	return fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`, mirror)
}

// Runner runs Terraform in one root module.
type Runner struct {
	tf        *tfexec.Terraform
	statePath string
	progress  io.Writer
}

// Options configure New.
type Options struct {
	// Dir is the root module (e.g. terraform/local).
	Dir string
	// Mirror is the provider mirror; "" means FindMirror.
	Mirror string
	// StateDir, when set, is where the CLI configuration file is written;
	// "" means Dir/.terraform.
	StateDir string
	// Progress receives Terraform's output as it runs (nil: discarded).
	Progress io.Writer
	// Env adds environment variables (e.g. AWS credentials, TF_VAR_…).
	Env map[string]string
	// StatePath, when set, is where the local backend keeps the state
	// (the root module declares `backend "local" {}`); "" keeps Terraform's
	// default, terraform.tfstate in Dir.
	StatePath string
}

// New prepares Terraform for the root module opts.Dir.
func New(opts Options) (*Runner, error) {
	execPath, err := exec.LookPath("terraform")
	if err != nil {
		return nil, errors.New("terraform is not on the PATH: install Terraform 1.11 (https://developer.hashicorp.com/terraform/install)")
	}
	mirror := opts.Mirror
	if mirror == "" {
		if mirror, err = FindMirror(); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	stateDir := opts.StateDir
	if stateDir == "" {
		stateDir = filepath.Join(dir, ".terraform")
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(stateDir, "stepflow.tfrc")
	if err := os.WriteFile(cfgPath, []byte(CLIConfig(mirror)), 0o644); err != nil {
		return nil, err
	}
	tf, err := tfexec.NewTerraform(dir, execPath)
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"TF_CLI_CONFIG_FILE": cfgPath,
		"CHECKPOINT_DISABLE": "1", // no version check over the network
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	if err := tf.SetEnv(env); err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		tf.SetStdout(opts.Progress)
		tf.SetStderr(opts.Progress)
	}
	return &Runner{tf: tf, statePath: opts.StatePath, progress: opts.Progress}, nil
}

// Init runs terraform init (providers from the mirror only).
func (r *Runner) Init(ctx context.Context) error {
	opts := []tfexec.InitOption{tfexec.Upgrade(false)}
	if r.statePath != "" {
		if err := os.MkdirAll(filepath.Dir(r.statePath), 0o700); err != nil {
			return err
		}
		opts = append(opts, tfexec.BackendConfig("path="+r.statePath), tfexec.Reconfigure(true))
	}
	return r.tf.Init(ctx, opts...)
}

// Validate runs terraform validate and returns its diagnostics as an error.
func (r *Runner) Validate(ctx context.Context) error {
	out, err := r.tf.Validate(ctx)
	if err != nil {
		return err
	}
	if out.Valid {
		return nil
	}
	var msgs []string
	for _, d := range out.Diagnostics {
		msgs = append(msgs, fmt.Sprintf("%s: %s %s", d.Severity, d.Summary, d.Detail))
	}
	return fmt.Errorf("terraform validate: %s", strings.Join(msgs, "; "))
}

// Apply runs terraform apply with vars ("name=value").
func (r *Runner) Apply(ctx context.Context, vars ...string) error {
	return r.tf.Apply(ctx, varOpts[tfexec.ApplyOption](vars)...)
}

// Plan runs terraform plan and reports whether it has changes.
func (r *Runner) Plan(ctx context.Context, vars ...string) (bool, error) {
	return r.tf.Plan(ctx, varOpts[tfexec.PlanOption](vars)...)
}

// Destroy runs terraform destroy.
func (r *Runner) Destroy(ctx context.Context, vars ...string) error {
	return r.tf.Destroy(ctx, varOpts[tfexec.DestroyOption](vars)...)
}

// Outputs returns the root module's outputs as raw JSON values.
func (r *Runner) Outputs(ctx context.Context) (map[string][]byte, error) {
	if r.progress != nil {
		// The outputs' JSON is the answer, not progress.
		r.tf.SetStdout(io.Discard)
		defer r.tf.SetStdout(r.progress)
	}
	out, err := r.tf.Output(ctx)
	if err != nil {
		return nil, err
	}
	res := make(map[string][]byte, len(out))
	for k, v := range out {
		res[k] = v.Value
	}
	return res, nil
}

func varOpts[T any](vars []string) []T {
	var opts []T
	for _, v := range vars {
		if o, ok := any(tfexec.Var(v)).(T); ok {
			opts = append(opts, o)
		}
	}
	return opts
}
