package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/taskbuild"
	"github.com/stepflow/stepflow/internal/tfrun"
)

// stack is the reference application provisioned by Terraform
// (terraform/local) on a fresh server.
type stack struct {
	srv     *server
	tf      *tfrun.Runner
	vars    []string
	outputs map[string]string
	c       *client
	http    *http.Client
}

// needTerraform skips when Terraform or the provider mirror is missing.
func needTerraform(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on the PATH")
	}
	if _, err := tfrun.FindMirror(); err != nil {
		t.Skip(err)
	}
}

// newStack builds the task zips, starts a server with args and applies
// terraform/local to it from a copy of the project's Terraform and state
// machines (so no state is written into the repository).
func newStack(t *testing.T, extraVars []string, args ...string) *stack {
	t.Helper()
	needTerraform(t)
	ctx := context.Background()
	work := t.TempDir()
	for _, d := range []string{"terraform", "statemachines"} {
		if err := os.CopyFS(filepath.Join(work, d), os.DirFS(filepath.Join("..", d))); err != nil {
			t.Fatal(err)
		}
	}
	os.RemoveAll(filepath.Join(work, "terraform", "local", ".terraform"))
	tasks := filepath.Join(work, "tasks")
	began := time.Now()
	if _, err := taskbuild.BuildAll(ctx, filepath.Join("..", "tasks"), tasks); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the task zips in %v", time.Since(began).Round(time.Millisecond))

	srv := newServer(t, args...)
	var progress bytes.Buffer
	tf, err := tfrun.New(tfrun.Options{Dir: filepath.Join(work, "terraform", "local"), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{srv: srv, tf: tf, c: newClient(t, srv.url()), http: &http.Client{Timeout: 30 * time.Second}}
	s.vars = append([]string{"endpoint=" + srv.url(), "tasks_dir=" + tasks}, extraVars...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("terraform output:\n%s", tail(progress.String(), 6000))
		}
	})
	if err := tf.Init(ctx); err != nil {
		t.Fatalf("terraform init: %v", err)
	}
	began = time.Now()
	if err := tf.Apply(ctx, s.vars...); err != nil {
		t.Fatalf("terraform apply: %v", err)
	}
	t.Logf("terraform apply took %v", time.Since(began).Round(time.Second))
	raw, err := tf.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.outputs = map[string]string{}
	for k, v := range raw {
		var str string
		if json.Unmarshal(v, &str) == nil {
			s.outputs[k] = str
		}
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// api sends a request to the stack's HTTP API.
func (s *stack) api(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.outputs["api_url"]+strings.TrimPrefix(path, "/"), r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// waitExecution waits until the execution ends and returns DescribeExecution.
func (s *stack) waitExecution(t *testing.T, arn string, limit time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var d map[string]any
		s.c.must(t, "DescribeExecution", obj{"executionArn": arn}, &d)
		if d["status"] != "RUNNING" || time.Now().After(deadline) {
			return d
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTerraformStack provisions the reference application with the real
// AWS provider, checks that a second plan has no changes, starts an order
// through the HTTP API, sees the nightly schedule fire under the time
// scale, reads a function's logs, and destroys everything.
func TestTerraformStack(t *testing.T) {
	if testing.Short() {
		t.Skip("applies a whole Terraform stack")
	}
	t.Parallel() // mostly waits inside the provider
	s := newStack(t, []string{"etl_schedule=rate(1 hour)"}, "--time-scale", "600")
	ctx := context.Background()

	changes, err := s.tf.Plan(ctx, s.vars...)
	if err != nil {
		t.Fatalf("second plan: %v", err)
	}
	if changes {
		t.Error("a second terraform plan has changes: some read does not echo what was written")
	}

	// An order through the HTTP API.
	status, out := s.api(t, http.MethodPost, "orders", obj{"orderId": "o-1", "customer": obj{"email": "ann@example.org", "name": "Ann"},
		"items": []obj{{"sku": "coffee", "qty": 2}}})
	if status != 200 {
		t.Fatalf("POST /orders: %d %v", status, out)
	}
	arn, _ := out["executionArn"].(string)
	d := s.waitExecution(t, arn, time.Minute)
	if d["status"] != "SUCCEEDED" {
		t.Fatalf("order execution: %v %v %v", d["status"], d["error"], d["cause"])
	}
	status, order := s.api(t, http.MethodGet, "orders/o-1", nil)
	if status != 200 || order["status"] != "FULFILLED" {
		t.Errorf("GET /orders/o-1: %d %v", status, order)
	}

	// The functions' logs are in their log groups, as on AWS.
	var logs struct{ Events []struct{ Message string } }
	deadline0 := time.Now().Add(10 * time.Second)
	for len(logs.Events) == 0 && time.Now().Before(deadline0) {
		body, _ := json.Marshal(obj{"logGroupName": "/aws/lambda/stepflow-demo-validate-order", "filterPattern": "START"})
		req, _ := http.NewRequest(http.MethodPost, s.srv.url()+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Logs_20140328.FilterLogEvents")
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&logs)
		resp.Body.Close()
		time.Sleep(100 * time.Millisecond)
	}
	if len(logs.Events) == 0 || !strings.HasPrefix(logs.Events[0].Message, "START RequestId: ") {
		t.Errorf("validate-order's log group has no START line: %+v", logs.Events)
	}

	// The schedule fires and starts the batch ETL.
	etl := s.outputs["batch_etl_arn"]
	deadline := time.Now().Add(2 * time.Minute)
	var runs map[string]string
	for time.Now().Before(deadline) {
		if runs, err = s.c.executions(ctx, etl, ""); err == nil && len(runs) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(runs) == 0 {
		t.Error("the nightly schedule did not start the batch ETL")
	}

	// Destroy: nothing is left.
	began := time.Now()
	if err := s.tf.Destroy(ctx, s.vars...); err != nil {
		t.Fatalf("terraform destroy: %v", err)
	}
	t.Logf("terraform destroy took %v", time.Since(began).Round(time.Second))
	var l struct{ StateMachines []any }
	s.c.must(t, "ListStateMachines", obj{}, &l)
	if len(l.StateMachines) != 0 {
		t.Errorf("after destroy: %d state machines left", len(l.StateMachines))
	}

}
