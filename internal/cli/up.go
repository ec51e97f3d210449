package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/app"
	"github.com/stepflow/stepflow/internal/taskbuild"
	"github.com/stepflow/stepflow/internal/tfrun"
)

// projectRoot finds the repository root (the folder holding tasks/ and
// terraform/) from dir upwards.
func projectRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if isDir(filepath.Join(d, "tasks")) && isDir(filepath.Join(d, "terraform")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Stepflow project (a folder with tasks/ and terraform/) at or above %s: run this from the repository, or pass --dir", abs)
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func runBuildTasks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("build-tasks", stderr)
	dir := fs.String("dir", ".", "the project folder (holding tasks/)")
	out := fs.String("out", "", "where to write <name>.zip (default: <dir>/build/tasks)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	root, err := projectRoot(*dir)
	if err != nil {
		return err
	}
	zips, err := buildTasks(ctx, root, *out, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "built %d task zips in %s\n", len(zips), filepath.Dir(zips[0]))
	return nil
}

func buildTasks(ctx context.Context, root, out string, progress io.Writer) ([]string, error) {
	if out == "" {
		out = filepath.Join(root, "build", "tasks")
	}
	fmt.Fprintf(progress, "building the task Lambdas in %s ...\n", filepath.Join(root, "tasks"))
	began := time.Now()
	zips, err := taskbuild.BuildAll(ctx, filepath.Join(root, "tasks"), out)
	if err != nil {
		return nil, err
	}
	if len(zips) == 0 {
		return nil, fmt.Errorf("no tasks found in %s", filepath.Join(root, "tasks"))
	}
	fmt.Fprintf(progress, "built %d task zips in %.1fs\n", len(zips), time.Since(began).Seconds())
	return zips, nil
}

func runUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("up", stderr)
	dir := fs.String("dir", ".", "the project folder (holding tasks/ and terraform/)")
	cfg := app.Config{}
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8083", "address of the Stepflow server (started here unless one already answers there)")
	fs.StringVar(&cfg.DataDir, "data", "", "folder for the SQLite database (default: ~/.local/share/stepflow)")
	fs.Float64Var(&cfg.TimeScale, "time-scale", 1, "divide every timer by this factor (for demos)")
	fs.StringVar(&cfg.SMTPRelay, "smtp", "", "HOST:PORT of an SMTP relay for sent e-mail (always kept in the outbox)")
	mirror := fs.String("tf-mirror", "", "the Terraform provider mirror (default: $"+tfrun.EnvMirror+" or the usual places)")
	detach := fs.Bool("no-wait", false, "return after provisioning instead of serving until interrupted")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	root, err := projectRoot(*dir)
	if err != nil {
		return err
	}
	if cfg.DataDir == "" {
		if cfg.DataDir, err = app.DefaultDataDir(); err != nil {
			return err
		}
	}
	tasksDir := filepath.Join(root, "build", "tasks")
	if _, err := buildTasks(ctx, root, tasksDir, stdout); err != nil {
		return err
	}

	endpoint := "http://" + cfg.Listen
	var srv *app.Server
	if serving(ctx, endpoint) {
		fmt.Fprintf(stdout, "using the Stepflow server already running at %s\n", endpoint)
	} else {
		if err := cfg.Validate(); err != nil {
			return err
		}
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		app.TuneRuntime()
		srv, err = app.Start(ctx, cfg)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
		endpoint = srv.URL()
		fmt.Fprintf(stdout, "started Stepflow at %s (data in %s)\n", endpoint, cfg.DataDir)
	}

	// The Terraform state lives with the server's data, so that a second
	// run finds what the first one made.
	statePath := filepath.Join(cfg.DataDir, "terraform", "local.tfstate")
	outputs, err := applyLocal(ctx, root, endpoint, tasksDir, *mirror, statePath, stdout)
	if err != nil {
		return err
	}
	printWelcome(stdout, endpoint, outputs)
	if srv == nil || *detach {
		return nil
	}
	fmt.Fprintln(stdout, "serving until interrupted (Ctrl-C)")
	<-ctx.Done()
	return nil
}

// serving reports whether a Stepflow server answers at endpoint.
func serving(ctx context.Context, endpoint string) bool {
	host := strings.TrimPrefix(endpoint, "http://")
	c, err := net.DialTimeout("tcp", host, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/outbox/api/messages?limit=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// applyLocal runs terraform init and apply of terraform/local against
// endpoint and returns the outputs.
func applyLocal(ctx context.Context, root, endpoint, tasksDir, mirror, statePath string, progress io.Writer) (map[string]string, error) {
	tf, err := tfrun.New(tfrun.Options{Dir: filepath.Join(root, "terraform", "local"), Mirror: mirror, Progress: progress, StatePath: statePath})
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(progress, "terraform init (providers from the offline mirror) ...")
	if err := tf.Init(ctx); err != nil {
		return nil, fmt.Errorf("terraform init: %w", err)
	}
	fmt.Fprintln(progress, "terraform apply of terraform/local ...")
	began := time.Now()
	vars := []string{"endpoint=" + endpoint, "tasks_dir=" + tasksDir}
	if err := tf.Apply(ctx, vars...); err != nil {
		return nil, fmt.Errorf("terraform apply: %w", err)
	}
	fmt.Fprintf(progress, "terraform apply took %.0fs\n", time.Since(began).Seconds())
	raw, err := tf.Outputs(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		}
	}
	return out, nil
}

func printWelcome(w io.Writer, endpoint string, out map[string]string) {
	api := out["api_url"]
	fmt.Fprintf(w, `
The reference application is up.

  Orders API     %[2]s  (POST %[2]sorders, GET %[2]sorders/{id})
  Console        %[1]s/console
  Outbox         %[1]s/outbox   (approval and confirmation e-mails)
  Schedule       %[3]s
  ETL bucket     %[4]s

Start an order:

  curl -s -X POST %[2]sorders -H 'Content-Type: application/json' \
    -d '{"orderId":"o-1001","customer":{"email":"ann@example.org","name":"Ann"},"items":[{"sku":"coffee","qty":2}]}'
  curl -s %[2]sorders/o-1001

A large order (an espresso machine) waits for approval: open the outbox, read the e-mail, click Approve.

`, endpoint, api, out["schedule"], out["etl_bucket"])
}

func runDeploy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("deploy", stderr)
	dir := fs.String("dir", ".", "the project folder (holding tasks/ and terraform/)")
	target := fs.String("target", "local", "local: the Stepflow server at --endpoint; aws: your AWS account (your usual credentials)")
	endpoint := fs.String("endpoint", "http://127.0.0.1:8083", "the Stepflow server (target local)")
	destroy := fs.Bool("destroy", false, "destroy the stack instead of applying it")
	mirror := fs.String("tf-mirror", "", "the Terraform provider mirror (default: $"+tfrun.EnvMirror+" or the usual places)")
	var vars multiFlag
	fs.Var(&vars, "var", "a Terraform variable NAME=VALUE (repeatable; target aws needs from_email, approver_email, report_email, approval_secret)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	root, err := projectRoot(*dir)
	if err != nil {
		return err
	}
	tasksDir := filepath.Join(root, "build", "tasks")
	all := append([]string{"tasks_dir=" + tasksDir}, vars...)
	switch *target {
	case "local":
		all = append(all, "endpoint="+*endpoint)
		if !serving(ctx, *endpoint) {
			return fmt.Errorf("no Stepflow server answers at %s: start one with 'stepflow serve' (or use 'stepflow up')", *endpoint)
		}
	case "aws":
	default:
		return fmt.Errorf("--target must be local or aws, not %q", *target)
	}
	if !*destroy {
		if _, err := buildTasks(ctx, root, tasksDir, stdout); err != nil {
			return err
		}
	}
	tf, err := tfrun.New(tfrun.Options{Dir: filepath.Join(root, "terraform", *target), Mirror: *mirror, Progress: stdout})
	if err != nil {
		return err
	}
	if err := tf.Init(ctx); err != nil {
		return fmt.Errorf("terraform init: %w", err)
	}
	if *destroy {
		return tf.Destroy(ctx, all...)
	}
	return tf.Apply(ctx, all...)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	if !strings.Contains(v, "=") {
		return errors.New("want NAME=VALUE")
	}
	*m = append(*m, v)
	return nil
}
