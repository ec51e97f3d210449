// Package consoletest provides Fake, an in-memory console.Backend with
// realistic data: an order workflow with succeeded, failed, caught, waiting
// and Map executions, plus an outbox, queues, schedules, functions and
// approvals. Tests of the console use it, and it can serve a demo console:
//
//	fake := consoletest.New(nil)
//	fake.AutoFinish = 5 * time.Second // started executions finish by themselves
//	http.ListenAndServe("127.0.0.1:8090", console.NewHandler(fake, console.Options{}))
package consoletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/console"
)

// Account and Region are those of every ARN the fake makes.
const (
	Account = "111111111111"
	Region  = "us-east-1"
)

// SMArn returns the ARN of the state machine name.
func SMArn(name string) string {
	return "arn:aws:states:" + Region + ":" + Account + ":stateMachine:" + name
}

// ExecArn returns the ARN of execution exec of state machine sm.
func ExecArn(sm, exec string) string {
	return "arn:aws:states:" + Region + ":" + Account + ":execution:" + sm + ":" + exec
}

// MapRunArn returns the ARN of map run id of state machine sm's Map state
// labelled label.
func MapRunArn(sm, label, id string) string {
	return "arn:aws:states:" + Region + ":" + Account + ":mapRun:" + sm + "/" + label + ":" + id
}

// ChildArn returns the ARN of child execution id of state machine sm's map
// run labelled label.
func ChildArn(sm, label, id string) string {
	return ExecArn(sm+"/"+label, id)
}

// Fake is an in-memory console.Backend. Its zero value is empty; New fills
// it with demo data. It is safe for concurrent use.
type Fake struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// AutoFinish, when positive, finishes a running execution started
	// through StartExecution this long after it started (the next time it
	// is read).
	AutoFinish time.Duration

	mu            sync.Mutex
	stateMachines []*console.StateMachineDetail
	executions    []*execution
	mapRuns       []*console.MapRun
	approvals     []console.Approval
	emails        []console.Email
	queues        []console.Queue
	messages      map[string][]console.QueueMessage
	schedules     []console.Schedule
	functions     []console.Function
	invocations   map[string][]console.Invocation
	fail          map[string]error
	calls         []string
	lastFilter    console.ExecutionFilter
	seq           int
}

var _ console.Backend = (*Fake)(nil)

// execution is one execution with its history and waiting callbacks.
type execution struct {
	console.Execution
	history   *History
	callbacks []console.Callback
	started   bool // started through StartExecution (AutoFinish applies)
}

// FailWith makes the Backend method named method (e.g. "Outbox") return
// err; nil restores it.
func (f *Fake) FailWith(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[string]error{}
	}
	if err == nil {
		delete(f.fail, method)
	} else {
		f.fail[method] = err
	}
}

// Calls returns the actions performed so far, one line each (e.g.
// "StartExecution arn name {}").
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// LastFilter returns the filter of the latest ListExecutions call.
func (f *Fake) LastFilter() console.ExecutionFilter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastFilter
}

func (f *Fake) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// check returns the injected error of method, if any; f.mu is held.
func (f *Fake) check(method string) error {
	return f.fail[method]
}

// AddStateMachine adds a state machine.
func (f *Fake) AddStateMachine(sm console.StateMachineDetail) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stateMachines = append(f.stateMachines, &sm)
}

// AddExecution adds an execution with its history (see History) and the
// callbacks it waits on.
func (f *Fake) AddExecution(ex console.Execution, h *History, callbacks ...console.Callback) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.executions = append(f.executions, &execution{Execution: ex, history: h, callbacks: callbacks})
}

// AddMapRun adds a map run. Its item counts follow its child executions
// (those whose MapRunArn names it): ItemsTotal, when larger than the
// number of children, counts the items not started yet as pending.
func (f *Fake) AddMapRun(m console.MapRun) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mapRuns = append(f.mapRuns, &m)
}

// mapRunView returns m with its counts taken from its children; f.mu is
// held.
func (f *Fake) mapRunView(m *console.MapRun) console.MapRun {
	out := *m
	out.ItemsPending, out.ItemsRunning, out.ItemsSucceeded, out.ItemsFailed, out.ItemsAborted = 0, 0, 0, 0, 0
	var n int64
	for _, e := range f.executions {
		if e.MapRunArn != m.Arn {
			continue
		}
		items := int64(max(e.ItemCount, 1))
		n += items
		switch e.Status {
		case "RUNNING":
			out.ItemsRunning += items
		case "SUCCEEDED":
			out.ItemsSucceeded += items
		case "ABORTED":
			if m.Status == "RUNNING" {
				out.ItemsFailed += items // a stopped child fails its item
			} else {
				out.ItemsAborted += items
			}
		default:
			out.ItemsFailed += items
		}
	}
	out.ItemsTotal = max(m.ItemsTotal, n)
	if rest := out.ItemsTotal - n; m.Status == "RUNNING" {
		out.ItemsPending = rest
	} else {
		out.ItemsAborted += rest
	}
	return out
}

// ListMapRuns implements console.Backend: newest first.
func (f *Fake) ListMapRuns(_ context.Context, executionArn string) ([]console.MapRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("ListMapRuns"); err != nil {
		return nil, err
	}
	var out []console.MapRun
	for _, m := range f.mapRuns {
		if m.ExecutionArn == executionArn {
			out = append(out, f.mapRunView(m))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartDate.After(out[j].StartDate) })
	return out, nil
}

// DescribeMapRun implements console.Backend.
func (f *Fake) DescribeMapRun(_ context.Context, arn string) (console.MapRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("DescribeMapRun"); err != nil {
		return console.MapRun{}, err
	}
	for _, m := range f.mapRuns {
		if m.Arn == arn {
			return f.mapRunView(m), nil
		}
	}
	return console.MapRun{}, fmt.Errorf("ResourceNotFound: Resource Not Found: '%s': %w", arn, console.ErrNotFound)
}

// AddApproval adds an approval request.
func (f *Fake) AddApproval(a console.Approval) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.approvals = append(f.approvals, a)
}

// ListStateMachines implements console.Backend.
func (f *Fake) ListStateMachines(_ context.Context, token string, limit int) (console.StateMachinePage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("ListStateMachines"); err != nil {
		return console.StateMachinePage{}, err
	}
	lo, hi, next, err := window(token, limit, len(f.stateMachines))
	if err != nil {
		return console.StateMachinePage{}, err
	}
	var p console.StateMachinePage
	for _, sm := range f.stateMachines[lo:hi] {
		p.StateMachines = append(p.StateMachines, sm.StateMachine)
	}
	p.NextToken = next
	return p, nil
}

// window pages n items with offset tokens.
func window(token string, limit, n int) (lo, hi int, next string, err error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if token != "" {
		s, ok := strings.CutPrefix(token, "page.")
		lo, err = strconv.Atoi(s)
		if !ok || err != nil || lo < 0 || lo > n {
			return 0, 0, "", fmt.Errorf("InvalidToken: Invalid Token: '%s'", token)
		}
	}
	hi = min(lo+limit, n)
	if hi < n {
		next = "page." + strconv.Itoa(hi)
	}
	return lo, hi, next, nil
}

// findSM returns the state machine an ARN (or its version or alias ARN)
// names; f.mu is held.
func (f *Fake) findSM(arn string) *console.StateMachineDetail {
	for _, sm := range f.stateMachines {
		if sm.Arn == arn || strings.HasPrefix(arn, sm.Arn+":") {
			return sm
		}
	}
	return nil
}

// DescribeStateMachine implements console.Backend.
func (f *Fake) DescribeStateMachine(_ context.Context, arn string) (console.StateMachineDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("DescribeStateMachine"); err != nil {
		return console.StateMachineDetail{}, err
	}
	sm := f.findSM(arn)
	if sm == nil {
		return console.StateMachineDetail{}, fmt.Errorf("StateMachineDoesNotExist: State Machine Does Not Exist: '%s': %w", arn, console.ErrNotFound)
	}
	return *sm, nil
}

// ListExecutions implements console.Backend: newest first.
func (f *Fake) ListExecutions(_ context.Context, flt console.ExecutionFilter) (console.ExecutionPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastFilter = flt
	if err := f.check("ListExecutions"); err != nil {
		return console.ExecutionPage{}, err
	}
	f.autoFinish()
	var match []*execution
	for _, e := range f.executions {
		switch {
		case flt.StateMachineArn != "" && e.StateMachineArn != flt.StateMachineArn && !strings.HasPrefix(flt.StateMachineArn, e.StateMachineArn+":"):
		case flt.MapRunArn != "" && e.MapRunArn != flt.MapRunArn:
		case flt.Status != "" && e.Status != flt.Status:
		case flt.NamePrefix != "" && !strings.HasPrefix(e.Name, flt.NamePrefix):
		case !flt.StartedAfter.IsZero() && e.StartDate.Before(flt.StartedAfter):
		case !flt.StartedBefore.IsZero() && e.StartDate.After(flt.StartedBefore):
		case flt.Search != "" && !strings.Contains(e.Input, flt.Search) && !strings.Contains(e.Output, flt.Search):
		default:
			match = append(match, e)
		}
	}
	sort.SliceStable(match, func(i, j int) bool { return match[i].StartDate.After(match[j].StartDate) })
	lo, hi, next, err := window(flt.Token, flt.Limit, len(match))
	if err != nil {
		return console.ExecutionPage{}, err
	}
	p := console.ExecutionPage{NextToken: next}
	for _, e := range match[lo:hi] {
		p.Executions = append(p.Executions, e.ExecutionSummary)
	}
	return p, nil
}

// findExec returns an execution; f.mu is held.
func (f *Fake) findExec(arn string) (*execution, error) {
	for _, e := range f.executions {
		if e.Arn == arn {
			return e, nil
		}
	}
	return nil, fmt.Errorf("ExecutionDoesNotExist: Execution Does Not Exist: '%s': %w", arn, console.ErrNotFound)
}

// DescribeExecution implements console.Backend.
func (f *Fake) DescribeExecution(_ context.Context, arn string) (console.Execution, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("DescribeExecution"); err != nil {
		return console.Execution{}, err
	}
	f.autoFinish()
	e, err := f.findExec(arn)
	if err != nil {
		return console.Execution{}, err
	}
	return e.Execution, nil
}

// GetHistory implements console.Backend.
func (f *Fake) GetHistory(_ context.Context, arn string) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("GetHistory"); err != nil {
		return nil, err
	}
	e, err := f.findExec(arn)
	if err != nil {
		return nil, err
	}
	return append([]json.RawMessage(nil), e.history.Events...), nil
}

// StartExecution implements console.Backend: the execution enters its
// first state and stays there until Finish (or AutoFinish).
func (f *Fake) StartExecution(_ context.Context, smArn, name, input string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "StartExecution "+smArn+" "+name+" "+input)
	if err := f.check("StartExecution"); err != nil {
		return "", err
	}
	sm := f.findSM(smArn)
	if sm == nil {
		return "", fmt.Errorf("StateMachineDoesNotExist: State Machine Does Not Exist: '%s'", smArn)
	}
	if !json.Valid([]byte(input)) {
		return "", errors.New("InvalidExecutionInput: Invalid State Machine Execution Input: 'the input is not JSON'")
	}
	if name == "" {
		f.seq++
		name = fmt.Sprintf("run-%04d", f.seq)
	}
	arn := ExecArn(sm.Name, name)
	if _, err := f.findExec(arn); err == nil {
		return "", fmt.Errorf("ExecutionAlreadyExists: Execution Already Exists: '%s'", arn)
	}
	now := f.now()
	h := NewHistory(now)
	h.Add(0, "ExecutionStarted", map[string]any{"input": input, "inputDetails": map[string]bool{"truncated": false}, "roleArn": sm.RoleArn})
	var def struct {
		StartAt string
		States  map[string]struct{ Type string }
	}
	_ = json.Unmarshal([]byte(sm.Definition), &def)
	if st, ok := def.States[def.StartAt]; ok {
		h.Enter(1, st.Type, def.StartAt, input)
	}
	ex := &execution{history: h, started: true}
	ex.Arn, ex.Name, ex.StateMachineArn, ex.StateMachineName = arn, name, sm.Arn, sm.Name
	ex.Status, ex.StartDate, ex.Input, ex.Definition, ex.StateMachineType = "RUNNING", now, input, sm.Definition, sm.Type
	f.executions = append(f.executions, ex)
	return arn, nil
}

// autoFinish finishes started executions older than AutoFinish; f.mu is
// held.
func (f *Fake) autoFinish() {
	if f.AutoFinish <= 0 {
		return
	}
	now := f.now()
	for _, e := range f.executions {
		if e.started && e.Status == "RUNNING" && len(e.callbacks) == 0 && now.Sub(e.StartDate) >= f.AutoFinish {
			f.finish(e, "")
		}
	}
}

// Finish completes a running execution: the state it is in exits, and the
// execution walks its definition (Next, a Choice's Default, else its first
// rule) entering and leaving each state until it succeeds or fails.
func (f *Fake) Finish(arn string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.findExec(arn)
	if err != nil {
		return err
	}
	if e.Status != "RUNNING" {
		return fmt.Errorf("execution %s is %s, not running", arn, e.Status)
	}
	f.finish(e, "")
	return nil
}

// finish is Finish; f.mu is held. output, when set, is the open task's
// result.
func (f *Fake) finish(e *execution, output string) {
	type state struct {
		Type    string
		Next    string
		End     bool
		Default string
		Error   string
		Cause   string
		Choices []struct{ Next string }
	}
	var def struct{ States map[string]state }
	_ = json.Unmarshal([]byte(e.Definition), &def)
	h := e.history
	h.At = maxTime(h.At, f.now())
	// Find the open state: the newest entered event without its exit.
	var name string
	prev := h.Last()
	for i := len(h.Events) - 1; i >= 0; i-- {
		var ev struct {
			Type    string
			Details struct{ Name string } `json:"stateEnteredEventDetails"`
			Exited  struct{ Name string } `json:"stateExitedEventDetails"`
		}
		_ = json.Unmarshal(h.Events[i], &ev)
		if strings.HasSuffix(ev.Type, "StateExited") {
			break
		}
		if strings.HasSuffix(ev.Type, "StateEntered") {
			name = ev.Details.Name
			break
		}
	}
	data := e.Input
	if output != "" {
		data = output
	}
	for steps := 0; name != "" && steps < 200; steps++ {
		st, ok := def.States[name]
		if !ok {
			break
		}
		if st.Type == "Fail" {
			e.Status, e.Error, e.Cause = "FAILED", st.Error, st.Cause
			prev = h.Add(prev, "ExecutionFailed", map[string]any{"error": st.Error, "cause": st.Cause})
			e.StopDate = h.At
			e.callbacks = nil
			return
		}
		prev = h.Exit(prev, st.Type, name, data)
		next := st.Next
		switch {
		case st.Type == "Choice" && st.Default != "":
			next = st.Default
		case st.Type == "Choice" && len(st.Choices) > 0:
			next = st.Choices[0].Next
		}
		if st.End || st.Type == "Succeed" || next == "" {
			break
		}
		nst := def.States[next]
		prev = h.Enter(prev, nst.Type, next, data)
		name = next
	}
	e.Status, e.Output, e.StopDate = "SUCCEEDED", data, h.At
	h.Add(prev, "ExecutionSucceeded", map[string]any{"output": data, "outputDetails": map[string]bool{"truncated": false}})
	e.callbacks = nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// StopExecution implements console.Backend.
func (f *Fake) StopExecution(_ context.Context, arn, errorCode, cause string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "StopExecution "+arn+" "+errorCode+" "+cause)
	if err := f.check("StopExecution"); err != nil {
		return err
	}
	e, err := f.findExec(arn)
	if err != nil {
		return err
	}
	if e.Status != "RUNNING" {
		return nil
	}
	e.history.At = maxTime(e.history.At, f.now())
	e.history.Add(e.history.Last(), "ExecutionAborted", map[string]any{"error": errorCode, "cause": cause})
	e.Status, e.StopDate, e.Error, e.Cause = "ABORTED", e.history.At, errorCode, cause
	e.callbacks = nil
	return nil
}

// RedriveExecution implements console.Backend: the execution runs again
// from where it failed (until Finish).
func (f *Fake) RedriveExecution(_ context.Context, arn string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "RedriveExecution "+arn)
	if err := f.check("RedriveExecution"); err != nil {
		return err
	}
	e, err := f.findExec(arn)
	if err != nil {
		return err
	}
	if e.MapRunArn != "" {
		return fmt.Errorf("ExecutionNotRedrivable: Execution %s cannot be redriven", arn)
	}
	if e.Status == "RUNNING" || e.Status == "SUCCEEDED" {
		return fmt.Errorf("ExecutionNotRedrivable: Execution is %s and cannot be redriven", e.Status)
	}
	e.history.At = maxTime(e.history.At, f.now())
	e.history.Add(e.history.Last(), "ExecutionRedriven", map[string]any{"redriveCount": e.RedriveCount + 1})
	e.RedriveCount++
	e.Status, e.StopDate, e.Error, e.Cause = "RUNNING", time.Time{}, "", ""
	return nil
}

// findToken returns the execution waiting on token; f.mu is held.
func (f *Fake) findToken(token string) (*execution, int) {
	for _, e := range f.executions {
		for i, c := range e.callbacks {
			if c.TaskToken == token {
				return e, i
			}
		}
	}
	return nil, -1
}

// SendTaskSuccess implements console.Backend: the waiting task succeeds
// and the execution finishes.
func (f *Fake) SendTaskSuccess(_ context.Context, token, output string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "SendTaskSuccess "+token+" "+output)
	if err := f.check("SendTaskSuccess"); err != nil {
		return err
	}
	e, i := f.findToken(token)
	if e == nil {
		return errors.New("TaskDoesNotExist: Task Timed Out or Does Not Exist")
	}
	c := e.callbacks[i]
	e.callbacks = append(e.callbacks[:i], e.callbacks[i+1:]...)
	e.history.At = maxTime(e.history.At, f.now())
	e.history.TaskOK(e.history.Last(), c.Resource, output)
	f.decide(e.Arn, "APPROVED")
	f.finish(e, "")
	return nil
}

// SendTaskFailure implements console.Backend: the waiting task fails and
// so does the execution.
func (f *Fake) SendTaskFailure(_ context.Context, token, errorCode, cause string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "SendTaskFailure "+token+" "+errorCode+" "+cause)
	if err := f.check("SendTaskFailure"); err != nil {
		return err
	}
	e, i := f.findToken(token)
	if e == nil {
		return errors.New("TaskDoesNotExist: Task Timed Out or Does Not Exist")
	}
	c := e.callbacks[i]
	e.callbacks = nil
	h := e.history
	h.At = maxTime(h.At, f.now())
	id := h.TaskFail(h.Last(), c.Resource, errorCode, cause)
	h.Add(id, "ExecutionFailed", map[string]any{"error": errorCode, "cause": cause})
	e.Status, e.StopDate, e.Error, e.Cause = "FAILED", h.At, errorCode, cause
	f.decide(e.Arn, "REJECTED")
	return nil
}

// decide closes the pending approvals of an execution; f.mu is held.
func (f *Fake) decide(arn, status string) {
	for i := range f.approvals {
		if a := &f.approvals[i]; a.ExecutionArn == arn && a.Status == "PENDING" {
			a.Status, a.ApproveURL, a.RejectURL = status, "", ""
		}
	}
}

// PendingCallbacks implements console.Backend.
func (f *Fake) PendingCallbacks(_ context.Context, arn string) ([]console.Callback, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("PendingCallbacks"); err != nil {
		return nil, err
	}
	e, err := f.findExec(arn)
	if err != nil {
		return nil, err
	}
	return append([]console.Callback(nil), e.callbacks...), nil
}

// Outbox implements console.Backend.
func (f *Fake) Outbox(_ context.Context, limit int) ([]console.Email, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("Outbox"); err != nil {
		return nil, err
	}
	out := append([]console.Email(nil), f.emails...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Queues implements console.Backend.
func (f *Fake) Queues(context.Context) ([]console.Queue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("Queues"); err != nil {
		return nil, err
	}
	return append([]console.Queue(nil), f.queues...), nil
}

// PeekQueue implements console.Backend.
func (f *Fake) PeekQueue(_ context.Context, url string, n int) ([]console.QueueMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("PeekQueue"); err != nil {
		return nil, err
	}
	for _, q := range f.queues {
		if q.URL == url {
			msgs := f.messages[url]
			if len(msgs) > n {
				msgs = msgs[:n]
			}
			return append([]console.QueueMessage(nil), msgs...), nil
		}
	}
	return nil, fmt.Errorf("QueueDoesNotExist: The specified queue does not exist: %w", console.ErrNotFound)
}

// Schedules implements console.Backend.
func (f *Fake) Schedules(context.Context) ([]console.Schedule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("Schedules"); err != nil {
		return nil, err
	}
	return append([]console.Schedule(nil), f.schedules...), nil
}

// Functions implements console.Backend.
func (f *Fake) Functions(context.Context) ([]console.Function, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("Functions"); err != nil {
		return nil, err
	}
	return append([]console.Function(nil), f.functions...), nil
}

// FunctionInvocations implements console.Backend.
func (f *Fake) FunctionInvocations(_ context.Context, name string, n int) ([]console.Invocation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("FunctionInvocations"); err != nil {
		return nil, err
	}
	for _, fn := range f.functions {
		if fn.Name == name {
			inv := f.invocations[name]
			if len(inv) > n {
				inv = inv[:n]
			}
			return append([]console.Invocation(nil), inv...), nil
		}
	}
	return nil, fmt.Errorf("ResourceNotFoundException: Function not found: %s: %w", name, console.ErrNotFound)
}

// Approvals implements console.Backend.
func (f *Fake) Approvals(_ context.Context, pendingOnly bool) ([]console.Approval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("Approvals"); err != nil {
		return nil, err
	}
	var out []console.Approval
	for _, a := range f.approvals {
		if !pendingOnly || a.Status == "PENDING" {
			out = append(out, a)
		}
	}
	return out, nil
}
