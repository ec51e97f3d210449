package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/console"
)

// distributedWork is a state machine whose Map state "M", labelled Work,
// runs each item as a STANDARD child execution of its own.
const distributedWork = `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"Work","End":true,` +
	`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}`

// consoleServer starts a server and returns its console backend.
func consoleServer(t *testing.T) (*Server, consoleBackend) {
	t.Helper()
	srv, err := Start(context.Background(), Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, consoleBackend{srv}
}

// startMachine creates a state machine and starts it with input, through
// the backend, and returns the execution's ARN.
func startMachine(t *testing.T, b consoleBackend, name, def, input string) string {
	t.Helper()
	ctx := context.Background()
	var sm struct{ StateMachineArn string }
	if err := b.sfn(ctx, "CreateStateMachine", map[string]any{"name": name, "definition": def, "roleArn": "arn:aws:iam::111111111111:role/r"}, &sm); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	arn, err := b.StartExecution(ctx, sm.StateMachineArn, "", input)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	return arn
}

// eventually polls cond for up to 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConsoleMapRun runs a distributed Map over three items and checks
// what the console backend says about its map run and child executions,
// and that the console's pages show them.
func TestConsoleMapRun(t *testing.T) {
	t.Parallel()
	srv, b := consoleServer(t)
	ctx := context.Background()
	parent := startMachine(t, b, "work", distributedWork, `[1,2,3]`)
	var ex console.Execution
	eventually(t, "the parent to end", func() bool {
		var err error
		ex, err = b.DescribeExecution(ctx, parent)
		return err == nil && ex.Status != "RUNNING"
	})
	if ex.Status != "SUCCEEDED" || ex.MapRunArn != "" || ex.Definition != distributedWork {
		t.Fatalf("parent: %s, map run %q, definition %s", ex.Status, ex.MapRunArn, ex.Definition)
	}

	runs, err := b.ListMapRuns(ctx, parent)
	if err != nil || len(runs) != 1 {
		t.Fatalf("ListMapRuns: %v, %d runs, want 1", err, len(runs))
	}
	m := runs[0]
	smArn := ex.StateMachineArn
	if m.Label() != "Work" || m.ExecutionArn != parent || m.StateMachineArn != smArn+"/Work" || m.Status != "SUCCEEDED" ||
		m.ItemsTotal != 3 || m.ItemsSucceeded != 3 || m.ItemsFailed != 0 || m.ItemsRunning != 0 || m.ItemsPending != 0 || m.ItemsAborted != 0 ||
		m.StartDate.IsZero() || m.StopDate.IsZero() || !strings.Contains(m.Definition, `"StartAt":"P"`) {
		t.Errorf("map run %+v", m)
	}
	if d, err := b.DescribeMapRun(ctx, m.Arn); err != nil || d != m {
		t.Errorf("DescribeMapRun: %v\n%+v\nwant %+v", err, d, m)
	}
	if _, err := b.DescribeMapRun(ctx, strings.Replace(m.Arn, "Work", "Nope", 1)); !errors.Is(err, console.ErrNotFound) || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Errorf("unknown map run: %v", err)
	}
	if other, err := b.ListMapRuns(ctx, smArn); err != nil || len(other) != 0 {
		t.Errorf("map runs of a state machine ARN: %v %v", other, err)
	}

	// The children, newest first, a page at a time.
	var children []console.ExecutionSummary
	token := ""
	for pages := 0; ; pages++ {
		p, err := b.ListExecutions(ctx, console.ExecutionFilter{MapRunArn: m.Arn, Limit: 2, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		children = append(children, p.Executions...)
		if p.NextToken == "" {
			if pages != 1 {
				t.Errorf("%d pages of 2, want 2", pages+1)
			}
			break
		}
		token = p.NextToken
	}
	if len(children) != 3 {
		t.Fatalf("%d children, want 3", len(children))
	}
	for i, c := range children {
		if c.MapRunArn != m.Arn || c.ItemCount != 1 || c.Status != "SUCCEEDED" || c.StateMachineArn != smArn+"/Work" ||
			!strings.Contains(c.Arn, ":execution:work/Work:") {
			t.Errorf("child %d: %+v", i, c)
		}
		if i > 0 && c.StartDate.After(children[i-1].StartDate) {
			t.Errorf("children not newest first: %v after %v", c.StartDate, children[i-1].StartDate)
		}
	}
	if p, err := b.ListExecutions(ctx, console.ExecutionFilter{MapRunArn: m.Arn, Status: "FAILED"}); err != nil || len(p.Executions) != 0 {
		t.Errorf("failed children: %v %v", p.Executions, err)
	}

	// A child runs the ItemProcessor: its definition comes from the map
	// run, and it is redriven only with its parent.
	child, err := b.DescribeExecution(ctx, children[0].Arn)
	if err != nil {
		t.Fatal(err)
	}
	if child.Definition != m.Definition || child.MapRunArn != m.Arn || child.RedriveStatus != "NOT_REDRIVABLE" || child.ItemCount != 1 {
		t.Errorf("child: definition %q, map run %q, redrive %q, items %d", child.Definition, child.MapRunArn, child.RedriveStatus, child.ItemCount)
	}
	if _, err := console.Layout([]byte(child.Definition)); err != nil {
		t.Errorf("the child's definition cannot be drawn: %v", err)
	}
	events, err := b.GetHistory(ctx, child.Arn)
	if err != nil || len(events) == 0 || !strings.Contains(string(events[0]), `"ExecutionStarted"`) ||
		!strings.Contains(string(events[len(events)-1]), `"ExecutionSucceeded"`) {
		t.Errorf("child history: %v %s", err, events)
	}

	// The console's pages.
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	q := url.QueryEscape
	pages := []struct {
		path string
		want []string
	}{
		{"/console/execution?arn=" + q(parent), []string{"Map runs", `href="/console/maprun?arn=` + q(m.Arn) + `"`, "state M", "aws stepfunctions list-map-runs"}},
		{"/console/maprun?arn=" + q(m.Arn), []string{"Map run Work", "SUCCEEDED", "3 of 3 items finished", children[0].Name, children[2].Name,
			`href="/console/execution?arn=` + q(parent) + `"`, `data-state="P"`}},
		{"/console/execution?arn=" + q(child.Arn), []string{`id="child-maprun"`, `id="child-parent"`, `data-state="P"`, "aws stepfunctions describe-map-run"}},
	}
	for _, p := range pages {
		body := get(p.path)
		for _, want := range p.want {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s lacks %q", p.path, want)
			}
		}
	}
	if body := get("/console/execution?arn=" + q(child.Arn)); strings.Contains(body, `action="/console/redrive"`) {
		t.Error("a child execution's page offers Redrive")
	}
}

// TestConsoleMapRunStopChild stops a child of a running map run through
// the console backend: the map run counts it as failed, and with no
// failure tolerated the map run and its parent fail.
func TestConsoleMapRunStopChild(t *testing.T) {
	t.Parallel()
	_, b := consoleServer(t)
	ctx := context.Background()
	def := strings.Replace(distributedWork, `"P":{"Type":"Pass","End":true}`, `"P":{"Type":"Wait","Seconds":3600,"End":true}`, 1)
	parent := startMachine(t, b, "waits", def, `[1,2,3]`)
	var m console.MapRun
	eventually(t, "the map run", func() bool {
		runs, err := b.ListMapRuns(ctx, parent)
		if err != nil || len(runs) == 0 {
			return false
		}
		m = runs[0]
		return true
	})
	var children []console.ExecutionSummary
	eventually(t, "3 running children", func() bool {
		p, err := b.ListExecutions(ctx, console.ExecutionFilter{MapRunArn: m.Arn, Status: "RUNNING"})
		children = p.Executions
		return err == nil && len(children) == 3
	})
	if d, err := b.DescribeMapRun(ctx, m.Arn); err != nil || d.Status != "RUNNING" || d.ItemsRunning != 3 {
		t.Errorf("running map run: %v %+v", err, d)
	}
	if err := b.RedriveExecution(ctx, children[0].Arn); err == nil || !strings.Contains(err.Error(), "ExecutionNotRedrivable") {
		t.Errorf("redriving a running child: %v", err)
	}
	if err := b.StopExecution(ctx, children[0].Arn, "Manual", "stopped from the console"); err != nil {
		t.Fatal(err)
	}
	var ex console.Execution
	eventually(t, "the parent to end", func() bool {
		var err error
		ex, err = b.DescribeExecution(ctx, parent)
		return err == nil && ex.Status != "RUNNING"
	})
	if ex.Status != "FAILED" {
		t.Errorf("parent %s, want FAILED", ex.Status)
	}
	d, err := b.DescribeMapRun(ctx, m.Arn)
	if err != nil || d.Status != "FAILED" || d.ItemsFailed < 1 || d.ItemsRunning != 0 || d.ItemsPending != 0 {
		t.Errorf("map run after the stop: %v %+v", err, d)
	}
	stopped, err := b.DescribeExecution(ctx, children[0].Arn)
	if err != nil || stopped.Status != "ABORTED" {
		t.Errorf("stopped child: %v %s", err, stopped.Status)
	}
	if err := b.RedriveExecution(ctx, children[0].Arn); err == nil || !strings.Contains(err.Error(), "ExecutionNotRedrivable") {
		t.Errorf("redriving a stopped child: %v", err)
	}
}
