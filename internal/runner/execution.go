package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/store"
)

// Errors the service maps to AWS error codes.
var (
	// ErrExecutionExists: an execution of that name exists with another
	// input, or has ended (ExecutionAlreadyExists).
	ErrExecutionExists = errors.New("execution already exists")
	// ErrExecutionNotFound: no such execution (ExecutionDoesNotExist).
	ErrExecutionNotFound = errors.New("execution does not exist")
	// ErrNotRunning: the execution has ended.
	ErrNotRunning = errors.New("execution is not running")
	// ErrInvalidToken: the task token is malformed or unknown (InvalidToken).
	ErrInvalidToken = errors.New("invalid task token")
	// ErrTaskTimedOut: the task of that token has ended (TaskTimedOut).
	ErrTaskTimedOut = errors.New("task timed out")
)

// StartRequest starts an execution of a resolved state machine.
type StartRequest struct {
	Arn             string // the execution ARN
	Name            string
	StateMachineArn string
	VersionArn      string
	AliasArn        string
	Definition      string
	RoleArn         string
	Type            string
	Input           string // "" means "{}"
	TraceHeader     string
}

// StartExecution starts a STANDARD execution, or returns the existing one
// when an execution of that name is running with the same input.
func (r *Runner) StartExecution(ctx context.Context, req StartRequest) (store.Execution, error) {
	if req.Input == "" {
		req.Input = "{}"
	}
	sm, err := r.machines.get(req.Definition)
	if err != nil {
		return store.Execution{}, err
	}
	input, err := jsonv.ParseString(req.Input)
	if err != nil {
		return store.Execution{}, fmt.Errorf("start execution: input: %w", err)
	}
	now := r.cfg.Now().UTC().Truncate(time.Millisecond)
	rec := store.Execution{
		Arn: req.Arn, StateMachineArn: req.StateMachineArn, VersionArn: req.VersionArn, AliasArn: req.AliasArn,
		Name: req.Name, Type: firstNonEmpty(req.Type, "STANDARD"), Definition: req.Definition, RoleArn: req.RoleArn,
		Status: "RUNNING", Input: req.Input, StartDate: now, Seed: seedOf(req.Arn, now), TraceHeader: req.TraceHeader,
	}
	lv := &live{rec: rec, tokens: map[string]string{}, done: make(chan struct{})}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	r.mu.Lock()
	if _, dup := r.lives[req.Arn]; dup {
		r.mu.Unlock()
		return r.existing(ctx, req)
	}
	r.lives[req.Arn] = lv
	r.mu.Unlock()

	lv.ex = engine.Start(sm, r.info(rec), input, now)
	if err := r.commitStep(ctx, lv, nil, true); err != nil {
		r.mu.Lock()
		delete(r.lives, req.Arn)
		r.mu.Unlock()
		if errors.Is(err, store.ErrExists) {
			return r.existing(ctx, req)
		}
		return store.Execution{}, err
	}
	return lv.rec, nil
}

// existing answers a start whose execution name is taken: the same input
// on a running execution returns it (StartExecution is idempotent);
// anything else is ErrExecutionExists.
func (r *Runner) existing(ctx context.Context, req StartRequest) (store.Execution, error) {
	old, err := r.cfg.Store.GetExecution(ctx, req.Arn)
	if errors.Is(err, store.ErrNotFound) {
		return store.Execution{}, ErrExecutionExists // still being started by another call
	}
	if err != nil {
		return store.Execution{}, err
	}
	if old.Status == "RUNNING" && old.Input == req.Input {
		return old, nil
	}
	return store.Execution{}, ErrExecutionExists
}

// seedOf derives an execution's engine seed from its ARN and start time.
func seedOf(arn string, t time.Time) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(arn); i++ {
		h = (h ^ uint64(arn[i])) * 1099511628211
	}
	return h ^ uint64(t.UnixNano())
}

// StopExecution stops a running execution.
func (r *Runner) StopExecution(ctx context.Context, arn, errName, cause string) (time.Time, error) {
	r.mu.Lock()
	_, running := r.lives[arn]
	r.mu.Unlock()
	if !running {
		if rec, err := r.cfg.Store.GetExecution(ctx, arn); err == nil && rec.MapRunArn != "" {
			return r.stopChild(ctx, rec, errName, cause)
		}
	}
	lv, err := r.lookup(ctx, arn)
	if err != nil {
		return time.Time{}, err
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if err := r.applyLocked(ctx, lv, engine.StopInput{Error: errName, Cause: cause}); err != nil {
		return time.Time{}, err
	}
	return lv.rec.StopDate, nil
}

// stopChild stops child, a running child execution of a distributed Map,
// through its parent, and returns when it stopped.
func (r *Runner) stopChild(ctx context.Context, child store.Execution, errName, cause string) (time.Time, error) {
	if child.Status != "RUNNING" {
		return time.Time{}, ErrNotRunning
	}
	run, err := r.cfg.Store.GetMapRun(ctx, child.MapRunArn)
	if err != nil {
		return time.Time{}, err
	}
	lv, err := r.lookup(ctx, run.ExecutionArn)
	if err != nil {
		return time.Time{}, err
	}
	lv.mu.Lock()
	err = r.applyLocked(ctx, lv, engine.StopInput{Error: errName, Cause: cause, Child: child.Arn})
	lv.mu.Unlock()
	if errors.Is(err, engine.ErrUnknownTarget) {
		return time.Time{}, ErrNotRunning // it ended meanwhile
	}
	if err != nil {
		return time.Time{}, err
	}
	stopped, err := r.cfg.Store.GetExecution(ctx, child.Arn)
	return stopped.StopDate, err
}

// UpdateMapRun changes the settings of a map run of a running execution
// (UpdateMapRun): the map run takes them at once. ErrNotRunning when the
// execution is not running; its map runs no longer change.
func (r *Runner) UpdateMapRun(ctx context.Context, executionArn string, in engine.UpdateMapRunInput) error {
	lv, err := r.lookup(ctx, executionArn)
	if err != nil {
		return err
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	return r.applyLocked(ctx, lv, in)
}

// SendTaskSuccess completes the callback task of token with output.
func (r *Runner) SendTaskSuccess(ctx context.Context, token string, output jsonv.Value) error {
	return r.byToken(ctx, token, func(taskID string) engine.Input {
		return engine.TaskSucceededInput{TaskID: taskID, Output: output}
	})
}

// SendTaskFailure fails the callback task of token.
func (r *Runner) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return r.byToken(ctx, token, func(taskID string) engine.Input {
		return engine.TaskFailedInput{TaskID: taskID, Error: errName, Cause: cause}
	})
}

// ErrNotRedrivable: the execution is running or succeeded
// (ExecutionNotRedrivable).
var ErrNotRedrivable = errors.New("execution is not redrivable")

// Redrive restarts a failed, aborted or timed-out execution from the state
// where it stopped (RedriveExecution) and returns its redrive date.
func (r *Runner) Redrive(ctx context.Context, arn string) (time.Time, error) {
	rec, err := r.cfg.Store.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, ErrExecutionNotFound
	}
	if err != nil {
		return time.Time{}, err
	}
	switch rec.Status {
	case "FAILED", "ABORTED", "TIMED_OUT":
	default:
		return time.Time{}, ErrNotRedrivable
	}
	// The store may show the end before the ending step has left memory:
	// wait for it.
	r.mu.Lock()
	old, ok := r.lives[arn]
	r.mu.Unlock()
	if ok {
		select {
		case <-old.done:
		case <-time.After(time.Second):
			return time.Time{}, ErrNotRedrivable
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	inputs, err := r.cfg.Store.Inputs(ctx, arn)
	if err != nil {
		return time.Time{}, err
	}
	lv, err := r.rebuild(store.RunningExecution{Execution: rec, Inputs: inputs})
	if err != nil {
		return time.Time{}, err
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	r.mu.Lock()
	if _, busy := r.lives[arn]; busy {
		r.mu.Unlock()
		return time.Time{}, ErrNotRedrivable // redriven meanwhile
	}
	r.lives[arn] = lv
	r.mu.Unlock()
	now := r.cfg.Now().UTC().Truncate(time.Millisecond)
	if last := lv.lastTime(); now.Before(last) {
		now = last
	}
	if err := lv.ex.Apply(engine.RedriveInput{}, now); err != nil {
		r.mu.Lock()
		delete(r.lives, arn)
		r.mu.Unlock()
		if errors.Is(err, engine.ErrNotRedrivable) {
			return time.Time{}, ErrNotRedrivable
		}
		return time.Time{}, err
	}
	lv.rec.RedriveDate = now
	lv.rec.StopDate = time.Time{}
	lv.rec.Output, lv.rec.HasOutput, lv.rec.Error, lv.rec.Cause = "", false, "", ""
	if err := r.commitStep(ctx, lv, []appliedInput{{engine.RedriveInput{}, now}}, false); err != nil {
		return time.Time{}, err
	}
	return now, nil
}

// ActivityStarted records that an activity worker took the task of token
// (GetActivityTask): the history gets ActivityStarted with its name.
func (r *Runner) ActivityStarted(ctx context.Context, token, worker string) error {
	return r.byToken(ctx, token, func(taskID string) engine.Input {
		return engine.TaskStartedInput{TaskID: taskID, Worker: worker}
	})
}

// SendTaskHeartbeat records a heartbeat for the task of token.
func (r *Runner) SendTaskHeartbeat(ctx context.Context, token string) error {
	return r.byToken(ctx, token, func(taskID string) engine.Input {
		return engine.TaskHeartbeatInput{TaskID: taskID}
	})
}

func (r *Runner) byToken(ctx context.Context, token string, in func(taskID string) engine.Input) error {
	if token == "" || len(token) > 1024 {
		return ErrInvalidToken
	}
	t, err := r.cfg.Store.Token(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		// A token this store's executions issued, whose task has ended,
		// is signed with its key; anything else is forged.
		if engine.TokenIssued(r.tokenKey, token) {
			return ErrTaskTimedOut
		}
		return ErrInvalidToken
	}
	if err != nil {
		return err
	}
	lv, err := r.lookup(ctx, t.ExecutionArn)
	if errors.Is(err, ErrExecutionNotFound) || errors.Is(err, ErrNotRunning) {
		return ErrTaskTimedOut
	}
	if err != nil {
		return err
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	err = r.applyLocked(ctx, lv, in(t.TaskID))
	if errors.Is(err, engine.ErrUnknownTarget) || errors.Is(err, ErrNotRunning) {
		return ErrTaskTimedOut
	}
	return err
}

// lookup returns the live execution for arn.
func (r *Runner) lookup(ctx context.Context, arn string) (*live, error) {
	r.mu.Lock()
	lv, ok := r.lives[arn]
	r.mu.Unlock()
	if ok && !lv.broken {
		return lv, nil
	}
	rec, err := r.cfg.Store.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrExecutionNotFound
	}
	if err != nil {
		return nil, err
	}
	if rec.Status != "RUNNING" {
		return nil, ErrNotRunning
	}
	// Running but not in memory (a failed commit dropped it): rebuild.
	running, err := r.cfg.Store.Running(ctx)
	if err != nil {
		return nil, err
	}
	for _, re := range running {
		if re.Execution.Arn == arn {
			lv, err := r.rebuild(re)
			if err != nil {
				return nil, err
			}
			r.mu.Lock()
			r.lives[arn] = lv
			r.mu.Unlock()
			return lv, nil
		}
	}
	return nil, ErrNotRunning
}

// deliver feeds inputs from a timer or a task handler.
func (r *Runner) deliver(arn string, in ...engine.Input) {
	ctx := r.ctx
	lv, err := r.lookup(ctx, arn)
	if err != nil {
		return // the execution ended meanwhile
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if err := r.applyLocked(ctx, lv, in...); err != nil && !errors.Is(err, engine.ErrUnknownTarget) && !errors.Is(err, ErrNotRunning) {
		r.log.Error("input_not_applied", "execution_arn", arn, "err", err)
	}
}

// applyLocked feeds one input to a live execution and commits the step.
// The caller holds lv.mu.
//
// Several inputs (a task's start and its quick result) are applied in turn
// and committed together; the first one's error is returned, later ones
// that no longer apply are dropped.
func (r *Runner) applyLocked(ctx context.Context, lv *live, ins ...engine.Input) error {
	if lv.broken {
		return ErrNotRunning
	}
	if r.deletedUnder(lv.rec) {
		// The state machine was deleted: this transition terminates the
		// execution instead, as on AWS.
		ins = []engine.Input{engine.TerminateInput{Error: "States.Runtime",
			Cause: "State machine " + nameOf(lv.rec.StateMachineArn) + " has been deleted."}}
	}
	applied := make([]appliedInput, 0, len(ins))
	for i, in := range ins {
		if lv.ex.Status() != engine.Running {
			if i == 0 {
				return ErrNotRunning
			}
			break
		}
		now := r.cfg.Now().UTC().Truncate(time.Millisecond)
		if last := lv.lastTime(); now.Before(last) {
			now = last // history never goes back in time
		}
		if err := lv.ex.Apply(in, now); err != nil {
			if i == 0 {
				return err
			}
			continue
		}
		applied = append(applied, appliedInput{in, now})
	}
	return r.commitStep(ctx, lv, applied, false)
}

// appliedInput is an input fed to the engine, with its time.
type appliedInput struct {
	in engine.Input
	at time.Time
}

func (lv *live) lastTime() time.Time {
	h := lv.ex.History()
	if len(h) == 0 {
		return time.Time{}
	}
	return h[len(h)-1].Timestamp
}

// storeEvents encodes history events for the store. One buffer holds
// them; each event's JSON is capped so that appending to one cannot
// overwrite the next.
func storeEvents(evs []engine.HistoryEvent) []store.Event {
	out := make([]store.Event, 0, len(evs))
	buf := make([]byte, 0, 512*len(evs))
	for i := range evs {
		start := len(buf)
		buf = evs[i].AppendJSON(buf)
		out = append(out, store.Event{ID: evs[i].ID, JSON: buf[start:len(buf):len(buf)]})
	}
	return out
}

// commitStep commits what the engine did since the last commit (and the
// input that caused it), then performs the side effects.
func (r *Runner) commitStep(ctx context.Context, lv *live, ins []appliedInput, create bool) error {
	ex := lv.ex
	cmds := ex.TakeCommands()
	hist := ex.History()
	t := store.Transition{Create: create, HistoryFrom: lv.rec.HistoryLen}
	if int64(len(hist)) > lv.rec.HistoryLen {
		t.Events = storeEvents(hist[lv.rec.HistoryLen:])
	}
	for i, a := range ins {
		kind, payload := encodeInput(a.in)
		t.Inputs = append(t.Inputs, store.Input{Seq: lv.seq + int64(i) + 1, At: a.at, Kind: kind, Payload: payload})
		if tf, ok := a.in.(engine.TimerFiredInput); ok {
			t.RemoveTimers = append(t.RemoveTimers, tf.TimerID)
		}
	}
	now := r.cfg.Now()
	var dispatch []engine.ScheduleTask
	var arm []store.Timer
	for _, c := range cmds {
		switch c := c.(type) {
		case engine.StartTimer:
			st := store.Timer{ExecutionArn: lv.rec.Arn, TimerID: c.TimerID, Due: r.scaled(now, c.At)}
			t.AddTimers = append(t.AddTimers, st)
			arm = append(arm, st)
		case engine.CancelTimer:
			t.RemoveTimers = append(t.RemoveTimers, c.TimerID)
		case engine.ScheduleTask:
			if c.TaskToken != "" {
				t.AddTokens = append(t.AddTokens, store.Token{
					Token: c.TaskToken, ExecutionArn: lv.rec.Arn, TaskID: c.TaskID,
					ActivityArn: activityArn(c.Resource), Input: jsonv.Marshal(c.Parameters),
					Heartbeat: c.HeartbeatSeconds, Created: now,
				})
			}
			dispatch = append(dispatch, c)
		}
	}
	// Tokens of tasks that are no longer pending leave the store.
	if len(lv.tokens) > 0 {
		pending := ex.PendingTasks()
		for id, tok := range lv.tokens {
			if !slices.ContainsFunc(pending, func(p engine.ScheduleTask) bool { return p.TaskID == id }) {
				t.RemoveTokens = append(t.RemoveTokens, tok)
			}
		}
	}
	changedRuns := r.changedMapRuns(lv, &t)
	rec := lv.rec
	rec.HistoryLen = int64(len(hist))
	rec.Status = string(ex.Status())
	rec.RedriveCount = ex.RedriveCount()
	if ex.Status() != engine.Running {
		rec.StopDate = hist[len(hist)-1].Timestamp
		switch ex.Status() {
		case engine.Succeeded:
			rec.Output, rec.HasOutput = jsonv.Marshal(ex.Output()), true
		default:
			rec.Error, rec.Cause = ex.Error()
		}
	}
	t.Execution = rec
	if err := r.commit(ctx, t, r.childTransitions(lv)); err != nil {
		lv.broken = true
		r.mu.Lock()
		if r.lives[rec.Arn] == lv {
			delete(r.lives, rec.Arn)
		}
		r.mu.Unlock()
		return err
	}
	lv.rec = rec
	lv.seq += int64(len(ins))
	if r.cfg.OnCommitted != nil && len(t.Events) > 0 {
		r.cfg.OnCommitted(rec, t.Events)
	}
	for _, m := range changedRuns {
		if lv.mapRuns == nil {
			lv.mapRuns = map[string]engine.MapRunInfo{}
		}
		lv.mapRuns[m.Arn] = m
	}
	for _, tok := range t.RemoveTokens {
		for id, v := range lv.tokens {
			if v == tok {
				delete(lv.tokens, id)
			}
		}
	}
	for _, tk := range t.AddTokens {
		lv.tokens[tk.TaskID] = tk.Token
	}
	for _, c := range cmds {
		switch c := c.(type) {
		case engine.CancelTimer:
			r.timers.remove(lv.rec.Arn, c.TimerID)
		case engine.CancelTask:
			r.cancelTask(lv.rec.Arn, c.TaskID)
		}
	}
	for _, st := range arm {
		r.timers.add(st.ExecutionArn, st.TimerID, st.Due)
	}
	for _, c := range dispatch {
		r.dispatch(lv.rec.Arn, c)
	}
	if ex.Status() != engine.Running {
		r.mu.Lock()
		delete(r.lives, rec.Arn)
		r.mu.Unlock()
		close(lv.done)
	}
	return nil
}

// Wait blocks until the execution arn has ended (or ctx is done) and
// returns its final summary.
func (r *Runner) Wait(ctx context.Context, arn string) (store.Execution, error) {
	r.mu.Lock()
	lv, ok := r.lives[arn]
	r.mu.Unlock()
	if ok {
		select {
		case <-lv.done:
			// Closed after the final summary was committed and set.
			return lv.rec, nil
		case <-ctx.Done():
			return store.Execution{}, ctx.Err()
		}
	}
	rec, err := r.cfg.Store.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return store.Execution{}, ErrExecutionNotFound
	}
	return rec, err
}

// scaled returns when a timer due at due fires under the time scale.
func (r *Runner) scaled(now, due time.Time) time.Time {
	if r.cfg.TimeScale == 1 {
		return due
	}
	return now.Add(time.Duration(float64(due.Sub(now)) / r.cfg.TimeScale))
}

// activityArn returns the activity ARN a resource names, if it is one.
func activityArn(resource string) string {
	if strings.HasPrefix(resource, "arn:") && strings.Contains(resource, ":activity:") {
		return resource
	}
	return ""
}

// PendingCallbacks returns the tasks of a running execution that wait for
// their task token (nil when it is not running).
func (r *Runner) PendingCallbacks(arn string) []engine.ScheduleTask {
	r.mu.Lock()
	lv := r.lives[arn]
	r.mu.Unlock()
	if lv == nil {
		return nil
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if lv.ex == nil {
		return nil
	}
	var out []engine.ScheduleTask
	for _, t := range lv.ex.PendingTasks() {
		if t.TaskToken != "" {
			out = append(out, t)
		}
	}
	return out
}
