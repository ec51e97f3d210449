// Package runner is the imperative shell around the engine: it keeps
// running executions in memory, commits every transition (history, logged
// input, timers, task tokens) to the store in one transaction, and only then
// performs its side effects: arming timers and dispatching tasks. After a
// crash it rebuilds running executions by replaying their logged inputs.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/store"
)

// Task is one task the runner hands to a Handler.
type Task struct {
	ExecutionArn string
	TaskID       string
	StateName    string
	Resource     string
	Parameters   jsonv.Value
	Token        string // set for callback (.waitForTaskToken) tasks
	Timeout      time.Duration
}

// ErrCallback is returned by a Handler that has delivered a callback task:
// its result comes later through SendTaskSuccess/Failure with the token.
var ErrCallback = errors.New("result comes back through the task token")

// TaskError fails a task with an error name and cause.
type TaskError struct {
	Name  string
	Cause string
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

// Handler runs a task and returns its result, a *TaskError, or ErrCallback.
// Any other error fails the task with States.TaskFailed.
type Handler func(ctx context.Context, t Task) (jsonv.Value, error)

// Config configures a Runner. Zero values take the defaults in brackets.
type Config struct {
	Store  store.Store
	Logger *slog.Logger // [discard]
	// Now is the clock [time.Now].
	Now func() time.Time
	// TimeScale divides every timer (Wait, retry, timeouts, heartbeats):
	// 60 makes a 60 s wait take 1 s. History keeps real timestamps. [1]
	TimeScale float64
	Account   string // [111111111111]
	Region    string // [us-east-1]
	// Handlers maps a Task resource (or its prefix before the last ':' or
	// '.') to the code that runs it.
	Handlers map[string]Handler
	// OnCommitted, when set, is told of the history events of every
	// committed transition (their JSON as GetExecutionHistory writes them),
	// e.g. to write them to the state machine's log group. It runs on the
	// execution's path: it must not block.
	OnCommitted func(ex store.Execution, events []store.Event)
	// Resolve, when set, finds the handler of a resource no Handlers key
	// matches (e.g. a Lambda function ARN); nil means none.
	Resolve func(resource string) Handler
	// Relaxed lifts AWS's payload (256 KiB) and history (25,000 events)
	// limits for self-hosting.
	Relaxed bool
	// GroupCommitMax bounds how many transitions one store commit carries. [128]
	GroupCommitMax int
}

func (c *Config) setDefaults() error {
	if c.Store == nil {
		return errors.New("runner config: Store is required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TimeScale <= 0 {
		c.TimeScale = 1
	}
	if c.Account == "" {
		c.Account = "111111111111"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.GroupCommitMax <= 0 {
		c.GroupCommitMax = 128
	}
	return nil
}

// Runner runs STANDARD executions durably.
type Runner struct {
	cfg      Config
	log      *slog.Logger
	machines machineCache
	tokenKey []byte // signs task tokens (Store.Secret "task-tokens")

	mu      sync.Mutex
	lives   map[string]*live     // running executions by ARN
	deleted map[string]time.Time // deleted state machines, with when: executions started before end

	commits chan commitReq
	timers  *timerQueue

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	tasksMu sync.Mutex
	tasks   map[taskKey]context.CancelCauseFunc // tasks being run by a handler
	once    sync.Once
}

// live is a running execution held in memory.
type live struct {
	mu     sync.Mutex
	ex     *engine.Execution
	rec    store.Execution
	seq    int64             // inputs logged
	tokens map[string]string // task id → token, for tokens in the store
	broken bool              // a commit failed: reload from the store
	done   chan struct{}     // closed when the execution ends
	// mapRuns are the map runs as last committed, by ARN; after a rebuild
	// it starts empty and the next step stores them again.
	mapRuns map[string]engine.MapRunInfo
}

// New returns a runner; Start recovers running executions and starts it.
func New(cfg Config) (*Runner, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Runner{
		cfg:     cfg,
		log:     cfg.Logger,
		lives:   map[string]*live{},
		tasks:   map[taskKey]context.CancelCauseFunc{},
		commits: make(chan commitReq, 1024),
		timers:  newTimerQueue(),
	}, nil
}

// Start rebuilds every running execution from the store, re-arms its timers
// and re-dispatches its tasks, then serves until Stop.
func (r *Runner) Start(ctx context.Context) error {
	key, err := r.cfg.Store.Secret(ctx, "task-tokens")
	if err != nil {
		return err
	}
	r.tokenKey = key
	r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	r.wg.Add(2)
	go r.committer()
	go r.timerLoop()
	return r.recover(ctx)
}

// Stop stops the runner and waits for its goroutines. It is idempotent.
// Executions keep their committed state and resume at the next Start.
func (r *Runner) Stop() {
	r.once.Do(func() {
		if r.cancel != nil {
			r.cancel()
		}
		r.timers.close()
		r.wg.Wait()
	})
}

func (r *Runner) recover(ctx context.Context) error {
	running, err := r.cfg.Store.Running(ctx)
	if err != nil {
		return fmt.Errorf("recover executions: %w", err)
	}
	checked := map[string]bool{}
	for _, re := range running {
		sm := re.Execution.StateMachineArn
		if _, seen := checked[sm]; !seen {
			_, err := r.cfg.Store.GetStateMachine(ctx, sm)
			checked[sm] = true
			if errors.Is(err, store.ErrNotFound) {
				r.StateMachineDeleted(sm)
			}
		}
		lv, err := r.rebuild(re)
		if err != nil {
			r.log.Error("execution_not_recovered", "execution_arn", re.Execution.Arn, "err", err)
			continue
		}
		r.mu.Lock()
		r.lives[re.Execution.Arn] = lv
		r.mu.Unlock()
	}
	timers, err := r.cfg.Store.Timers(ctx)
	if err != nil {
		return fmt.Errorf("recover timers: %w", err)
	}
	for _, t := range timers {
		r.timers.add(t.ExecutionArn, t.TimerID, t.Due)
	}
	r.mu.Lock()
	lives := make([]*live, 0, len(r.lives))
	for _, lv := range r.lives {
		lives = append(lives, lv)
	}
	r.mu.Unlock()
	var release []string
	for _, lv := range lives {
		lv.mu.Lock()
		for _, t := range lv.ex.PendingTasks() {
			switch {
			case t.TaskToken == "":
				r.dispatch(lv.rec.Arn, t) // at least once: a task whose result was not committed runs again
			case activityArn(t.Resource) != "" && !lv.ex.TaskStarted(t.TaskID):
				release = append(release, t.TaskToken) // handed out but never recorded as taken
			}
		}
		lv.mu.Unlock()
	}
	if err := r.cfg.Store.ReleaseActivityTasks(ctx, release); err != nil {
		return fmt.Errorf("recover activity tasks: %w", err)
	}
	r.log.Info("executions_recovered", "count", len(running), "timers", len(timers))
	return nil
}

// rebuild replays a running execution's logged inputs.
func (r *Runner) rebuild(re store.RunningExecution) (*live, error) {
	rec := re.Execution
	sm, err := r.machines.get(rec.Definition)
	if err != nil {
		return nil, err
	}
	input, err := jsonv.ParseString(rec.Input)
	if err != nil {
		return nil, fmt.Errorf("rebuild %s: input: %w", rec.Arn, err)
	}
	ex := engine.Start(sm, r.info(rec), input, rec.StartDate)
	ex.TakeCommands()
	for _, in := range re.Inputs {
		ei, err := decodeInput(in)
		if err != nil {
			return nil, fmt.Errorf("rebuild %s: input %d: %w", rec.Arn, in.Seq, err)
		}
		if err := ex.Apply(ei, in.At); err != nil && !errors.Is(err, engine.ErrUnknownTarget) {
			return nil, fmt.Errorf("rebuild %s: input %d: %w", rec.Arn, in.Seq, err)
		}
		ex.TakeCommands()
	}
	ex.ChildChanges() // the replayed children's events are stored already
	if got := int64(len(ex.History())); got != rec.HistoryLen {
		return nil, fmt.Errorf("rebuild %s: replay made %d events, the store has %d", rec.Arn, got, rec.HistoryLen)
	}
	lv := &live{ex: ex, rec: rec, seq: int64(len(re.Inputs)), tokens: map[string]string{}, done: make(chan struct{})}
	for _, t := range ex.PendingTasks() {
		if t.TaskToken != "" {
			lv.tokens[t.TaskID] = t.TaskToken
		}
	}
	return lv, nil
}

func (r *Runner) info(rec store.Execution) engine.Info {
	smName := nameOf(rec.StateMachineArn)
	info := engine.Info{
		ExecutionArn:     rec.Arn,
		Name:             rec.Name,
		StateMachineArn:  firstNonEmpty(rec.VersionArn, rec.StateMachineArn),
		StateMachineName: smName,
		RoleArn:          rec.RoleArn,
		Region:           r.cfg.Region,
		Account:          r.cfg.Account,
		// RedriveCount stays 0: replaying the logged redrives counts them.
		Seed:      rec.Seed,
		TokenKey:  r.tokenKey,
		InputText: rec.Input,
	}
	if r.cfg.Relaxed {
		info.MaxPayloadBytes, info.MaxHistoryEvents = -1, 1<<31-1
	}
	return info
}

// StateMachineDeleted tells the runner that a state machine was deleted:
// each execution it started before now fails at its next transition with
// States.Runtime, as on AWS. A state machine created again under the same
// name runs its new executions normally.
func (r *Runner) StateMachineDeleted(stateMachineArn string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.deleted == nil {
		r.deleted = map[string]time.Time{}
	}
	r.deleted[stateMachineArn] = r.cfg.Now()
}

// deletedUnder reports whether rec's state machine was deleted after rec
// started.
func (r *Runner) deletedUnder(rec store.Execution) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.deleted[rec.StateMachineArn]
	return ok && !rec.StartDate.After(at)
}

// machineCache compiles each definition once.
type machineCache struct {
	mu sync.Mutex
	m  map[string]*asl.StateMachine
}

func (c *machineCache) get(def string) (*asl.StateMachine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sm, ok := c.m[def]; ok {
		return sm, nil
	}
	sm, err := asl.Parse(def, asl.Options{})
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*asl.StateMachine{}
	}
	c.m[def] = sm
	return sm, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// nameOf returns the last ':'-separated part of an ARN.
func nameOf(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == ':' {
			return arn[i+1:]
		}
	}
	return arn
}
