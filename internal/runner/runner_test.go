package runner_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/store"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

type bundle struct {
	db   *sqlite.DB
	path string
	r    *runner.Runner
}

// setup opens a real SQLite store in a temp folder and starts a runner on
// it with the given handlers, at a time scale that makes waits short.
func setup(t *testing.T, path string, handlers map[string]runner.Handler) *bundle {
	t.Helper()
	ctx := context.Background()
	if path == "" {
		path = filepath.Join(t.TempDir(), "stepflow.db")
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(runner.Config{Store: db, TimeScale: 1000, Handlers: handlers})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b := &bundle{db: db, path: path, r: r}
	t.Cleanup(b.close)
	return b
}

func (b *bundle) close() {
	if b.r != nil {
		b.r.Stop()
		b.db.Close()
		b.r = nil
	}
}

const smArn = "arn:aws:states:us-east-1:111111111111:stateMachine:m"

func start(t *testing.T, b *bundle, name, def, input string) store.Execution {
	t.Helper()
	// As in the service, the state machine exists in the store.
	err := b.db.CreateStateMachine(context.Background(), store.StateMachine{Arn: smArn, Name: "m", Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::111111111111:role/r", Status: "ACTIVE", CreationDate: time.Now()}, nil)
	if err != nil && !errors.Is(err, store.ErrExists) {
		t.Fatal(err)
	}
	rec, err := b.r.StartExecution(context.Background(), runner.StartRequest{
		Arn: "arn:aws:states:us-east-1:111111111111:execution:m:" + name, Name: name,
		StateMachineArn: smArn, Definition: def, Input: input, RoleArn: "arn:aws:iam::111111111111:role/r",
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// wait polls the store until the execution leaves RUNNING.
func wait(t *testing.T, b *bundle, arn string) store.Execution {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		rec, err := b.db.GetExecution(context.Background(), arn)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != "RUNNING" {
			return rec
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("execution %s still running", arn)
	return store.Execution{}
}

func history(t *testing.T, b *bundle, arn string) []string {
	t.Helper()
	evs, err := b.db.History(context.Background(), arn, 0, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.JSON)
	}
	return out
}

func TestRunnerRunsAndCommitsHistory(t *testing.T) {
	t.Parallel()
	echo := func(_ context.Context, tk runner.Task) (jsonv.Value, error) { return tk.Parameters, nil }
	b := setup(t, "", map[string]runner.Handler{"arn:aws:states:::lambda:invoke": echo})
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"v.$":"$.v"},"End":true}}}`
	rec := start(t, b, "e1", def, `{"v": 7}`)
	done := wait(t, b, rec.Arn)
	if done.Status != "SUCCEEDED" || done.Output != `{"v":7}` {
		t.Fatalf("execution ended %s with %q (%s %s)", done.Status, done.Output, done.Error, done.Cause)
	}
	h := history(t, b, rec.Arn)
	var types []string
	for _, e := range h {
		v := jsonv.MustParse(e).(*jsonv.Object)
		typ, _ := v.Get("type")
		types = append(types, typ.(string))
	}
	want := "ExecutionStarted WaitStateEntered WaitStateExited TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("history\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(h[0], `"input":"{\"v\": 7}"`) {
		t.Errorf("ExecutionStarted does not keep the input text: %s", h[0])
	}
}

func TestStartExecutionIsIdempotentByName(t *testing.T) {
	t.Parallel()
	b := setup(t, "", nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	first := start(t, b, "same", def, `{"a":1}`)
	again := start(t, b, "same", def, `{"a":1}`)
	if again.Arn != first.Arn || !again.StartDate.Equal(first.StartDate) {
		t.Fatalf("second start returned %+v, want the first %+v", again, first)
	}
	_, err := b.r.StartExecution(context.Background(), runner.StartRequest{
		Arn: first.Arn, Name: "same", StateMachineArn: smArn, Definition: def, Input: `{"a":2}`,
	})
	if !errors.Is(err, runner.ErrExecutionExists) {
		t.Fatalf("start with other input: %v, want ErrExecutionExists", err)
	}
}

func TestCallbackTokenAndStop(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	tokens := map[string]string{}
	deliver := func(_ context.Context, tk runner.Task) (jsonv.Value, error) {
		mu.Lock()
		tokens[tk.ExecutionArn] = tk.Token
		mu.Unlock()
		return nil, runner.ErrCallback
	}
	b := setup(t, "", map[string]runner.Handler{"arn:aws:states:::sqs:sendMessage": deliver})
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"t.$":"$$.Task.Token"},"End":true}}}`
	a := start(t, b, "cb", def, `{}`)
	tok := ""
	for deadline := time.Now().Add(5 * time.Second); tok == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		tok = tokens[a.Arn]
		mu.Unlock()
	}
	ctx := context.Background()
	// Forgeries: made up, shaped like a real token, or a real token's
	// random part with another signature. None may pass for a task that
	// ended (TaskTimedOut), before or after the task ends.
	random, _, _ := strings.Cut(tok, ".")
	flip := func(s string) string { // another last hex digit
		last := "0"
		if s[len(s)-1] == '0' {
			last = "1"
		}
		return s[:len(s)-1] + last
	}
	forged := []string{
		"forged-token",
		random,
		random + "." + strings.Repeat("0", 32),
		flip(tok),
		"abc" + tok,
	}
	checkForged := func(when string) {
		t.Helper()
		for _, f := range forged {
			if err := b.r.SendTaskSuccess(ctx, f, jsonv.MustParse(`{}`)); !errors.Is(err, runner.ErrInvalidToken) {
				t.Fatalf("%s: forged token %q: %v, want ErrInvalidToken", when, f, err)
			}
		}
	}
	checkForged("while the task waits")
	if err := b.r.SendTaskHeartbeat(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := b.r.SendTaskSuccess(ctx, tok, jsonv.MustParse(`{"ok":true}`)); err != nil {
		t.Fatal(err)
	}
	if rec := wait(t, b, a.Arn); rec.Status != "SUCCEEDED" || rec.Output != `{"ok":true}` {
		t.Fatalf("ended %s %q", rec.Status, rec.Output)
	}
	if err := b.r.SendTaskSuccess(ctx, tok, jsonv.MustParse(`{}`)); !errors.Is(err, runner.ErrTaskTimedOut) {
		t.Fatalf("reused token: %v, want ErrTaskTimedOut", err)
	}
	checkForged("after the task ended")

	c := start(t, b, "stopme", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":99999,"End":true}}}`, `{}`)
	if _, err := b.r.StopExecution(ctx, c.Arn, "Bye", "stopped by test"); err != nil {
		t.Fatal(err)
	}
	if rec := wait(t, b, c.Arn); rec.Status != "ABORTED" || rec.Error != "Bye" {
		t.Fatalf("stopped execution: %+v", rec)
	}
}

// TestRecoveryAfterRestart stops the runner while executions wait on a
// timer and a callback, reopens the store, and checks they finish with the
// history a run without the restart has.
func TestRecoveryAfterRestart(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var token string
	deliver := func(_ context.Context, tk runner.Task) (jsonv.Value, error) {
		mu.Lock()
		token = tk.Token
		mu.Unlock()
		return nil, runner.ErrCallback
	}
	handlers := map[string]runner.Handler{"arn:aws:states:::sqs:sendMessage": deliver}
	b := setup(t, "", handlers)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"t.$":"$$.Task.Token"},"Next":"W"},"W":{"Type":"Wait","Seconds":30,"End":true}}}`
	a := start(t, b, "survivor", def, `{}`)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		got := token
		mu.Unlock()
		if got != "" {
			break
		}
	}
	before := history(t, b, a.Arn)
	path := b.path
	b.close()

	b2 := setup(t, path, handlers)
	if got := history(t, b2, a.Arn); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Fatalf("history changed across the restart")
	}
	mu.Lock()
	tok := token
	mu.Unlock()
	if err := b2.r.SendTaskSuccess(context.Background(), tok, jsonv.MustParse(`{"after":"restart"}`)); err != nil {
		t.Fatalf("token issued before the restart: %v", err)
	}
	rec := wait(t, b2, a.Arn)
	if rec.Status != "SUCCEEDED" || rec.Output != `{"after":"restart"}` {
		t.Fatalf("ended %s %q %s", rec.Status, rec.Output, rec.Cause)
	}
	h := history(t, b2, a.Arn)
	if len(h) != len(before)+5 {
		t.Fatalf("history has %d events, want %d (no event lost or written twice):\n%s", len(h), len(before)+5, strings.Join(h, "\n"))
	}
}

// TestRedrive fails an execution at a task, redrives it, and checks that
// it resumes at the task, succeeds, counts the redrive, and that a restart
// in between rebuilds it by replaying the redrive too.
func TestRedrive(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	flaky := func(_ context.Context, tk runner.Task) (jsonv.Value, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return nil, &runner.TaskError{Name: "Boom", Cause: "first call fails"}
		}
		return tk.Parameters, nil
	}
	handlers := map[string]runner.Handler{"arn:aws:states:::lambda:invoke": flaky}
	b := setup(t, "", handlers)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"r.$":"$$.Execution.RedriveCount"},"Next":"W"},"W":{"Type":"Wait","Seconds":10,"End":true}}}`
	a := start(t, b, "redrive-me", def, `{}`)
	if rec := wait(t, b, a.Arn); rec.Status != "FAILED" || rec.Error != "Boom" {
		t.Fatalf("first run ended %s %s", rec.Status, rec.Error)
	}
	ctx := context.Background()
	if _, err := b.r.Redrive(ctx, a.Arn); err != nil {
		t.Fatal(err)
	}
	rec := wait(t, b, a.Arn)
	if rec.Status != "SUCCEEDED" || rec.Output != `{"r":1}` || rec.RedriveCount != 1 || rec.RedriveDate.IsZero() {
		t.Fatalf("after redrive: %+v", rec)
	}
	if _, err := b.r.Redrive(ctx, a.Arn); !errors.Is(err, runner.ErrNotRedrivable) {
		t.Fatalf("redrive of a succeeded execution: %v", err)
	}
	h := history(t, b, a.Arn)
	var types []string
	for _, e := range h {
		typ, _ := jsonv.MustParse(e).(*jsonv.Object).Get("type")
		types = append(types, typ.(string))
	}
	want := "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed ExecutionFailed ExecutionRedriven TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited WaitStateEntered WaitStateExited ExecutionSucceeded"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("history\n got %s\nwant %s", got, want)
	}
}

// TestDeletedStateMachineTerminatesExecutions checks AWS's rule: after
// DeleteStateMachine, a running execution fails at its next transition.
func TestDeletedStateMachineTerminatesExecutions(t *testing.T) {
	t.Parallel()
	b := setup(t, "", nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	a := start(t, b, "orphan", def, `{}`)
	b.r.StateMachineDeleted(smArn)
	rec := wait(t, b, a.Arn)
	if rec.Status != "FAILED" || rec.Error != "States.Runtime" || rec.Cause != "State machine m has been deleted." {
		t.Fatalf("execution ended %s %s %q", rec.Status, rec.Error, rec.Cause)
	}
	// A machine created again under the same name runs normally.
	time.Sleep(2 * time.Millisecond)
	again := start(t, b, "fresh", def, `{}`)
	if rec := wait(t, b, again.Arn); rec.Status != "SUCCEEDED" {
		t.Fatalf("new execution ended %s %s", rec.Status, rec.Cause)
	}
}

// TestChildExecutionsAcrossRestart runs a distributed Map whose children
// wait on task tokens, raises its concurrency and stops one child, restarts
// the runner, and checks that the children finish as executions of their
// own with every history event stored once.
func TestChildExecutionsAcrossRestart(t *testing.T) {
	t.Parallel()
	tokens := make(chan string, 8)
	deliver := func(_ context.Context, tk runner.Task) (jsonv.Value, error) {
		tokens <- tk.Token
		return nil, runner.ErrCallback
	}
	next := func() string {
		t.Helper()
		select {
		case tok := <-tokens:
			return tok
		case <-time.After(5 * time.Second):
			t.Fatal("no task token")
			return ""
		}
	}
	handlers := map[string]runner.Handler{"arn:aws:states:::sqs:sendMessage": deliver}
	b := setup(t, "", handlers)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ToleratedFailureCount":1,"Label":"Work","End":true,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"t.$":"$$.Task.Token"},"End":true}}}}}}`
	a := start(t, b, "fan", def, `[1,2,3]`)
	ctx := context.Background()
	toks := []string{next()}
	runs, _, err := b.db.ListMapRuns(ctx, a.Arn, 0, "")
	if err != nil || len(runs) != 1 {
		t.Fatalf("map runs: %+v, %v", runs, err)
	}
	three := 3
	if err := b.r.UpdateMapRun(ctx, a.Arn, engine.UpdateMapRunInput{MapRunArn: runs[0].Arn, MaxConcurrency: &three}); err != nil {
		t.Fatal(err)
	}
	toks = append(toks, next(), next())
	children, _, err := b.db.ListExecutions(ctx, store.ListExecutionsFilter{MapRunArn: runs[0].Arn})
	if err != nil || len(children) != 3 {
		t.Fatalf("children: %d, %v; want 3", len(children), err)
	}
	victim := children[0].Arn
	if _, err := b.r.StopExecution(ctx, victim, "Stop", ""); err != nil {
		t.Fatal(err)
	}
	before := map[string][]string{}
	for _, c := range children {
		before[c.Arn] = history(t, b, c.Arn)
	}
	path := b.path
	b.close()

	b2 := setup(t, path, handlers)
	for arn, h := range before {
		if got := history(t, b2, arn); strings.Join(got, "\n") != strings.Join(h, "\n") {
			t.Fatalf("child %s: history changed across the restart", arn)
		}
	}
	// The tokens issued before the restart still work, but the stopped
	// child's task has ended.
	timedOut := 0
	for _, tok := range toks {
		err := b2.r.SendTaskSuccess(ctx, tok, jsonv.MustParse(`{"done":true}`))
		switch {
		case errors.Is(err, runner.ErrTaskTimedOut):
			timedOut++
		case err != nil:
			t.Fatal(err)
		}
	}
	if timedOut != 1 {
		t.Errorf("%d tokens had ended, want the stopped child's only", timedOut)
	}
	if rec := wait(t, b2, a.Arn); rec.Status != "SUCCEEDED" {
		t.Fatalf("parent ended %s %s %s", rec.Status, rec.Error, rec.Cause)
	}
	for _, c := range children {
		rec, err := b2.db.GetExecution(ctx, c.Arn)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for i, e := range history(t, b2, c.Arn) {
			o := jsonv.MustParse(e).(*jsonv.Object)
			id, _ := o.Get("id")
			if n, _ := id.(jsonv.Number).Int64(); n != int64(i+1) {
				t.Errorf("child %s: event %d has id %d", c.Name, i+1, n)
			}
			typ, _ := o.Get("type")
			types = append(types, typ.(string))
		}
		got, want := strings.Join(types, " "), "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"
		if c.Arn == victim {
			want = "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted ExecutionAborted"
		}
		if got != want || (c.Arn == victim) != (rec.Status == "ABORTED") {
			t.Errorf("child %s ended %s with history\n%s\nwant\n%s", c.Name, rec.Status, got, want)
		}
	}
}
