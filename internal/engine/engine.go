// Package engine is the deterministic Step Functions interpreter. It turns an
// execution's inputs (its start, then task results, timer firings and stop
// requests) into the execution's next state, the commands the outside world
// must carry out (run a task, start a timer) and the AWS history events that
// record what happened.
//
// The engine does no I/O, reads no clock and starts no goroutines: the
// caller passes the current time with every input and carries out the
// commands. Fed the same inputs at the same times, it produces the same
// history, which is what lets the runner persist and replay executions.
package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonata"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Status is an execution's status as DescribeExecution reports it.
type Status string

// Execution statuses.
const (
	Running   Status = "RUNNING"
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	TimedOut  Status = "TIMED_OUT"
	Aborted   Status = "ABORTED"
)

// MaxPayloadSize is the largest input or output a state may carry (256 KiB).
const MaxPayloadSize = 256 * 1024

// MaxHistoryEvents is AWS's quota of history events per execution.
const MaxHistoryEvents = 25_000

// maxWaitSeconds is the longest wait, timeout or retry interval the engine
// schedules: the largest Seconds the validator accepts.
const maxWaitSeconds = 99_999_999

// Info identifies an execution and its state machine; the context object
// ($$) is built from it.
type Info struct {
	ExecutionArn     string
	Name             string
	StateMachineArn  string
	StateMachineName string
	RoleArn          string
	Region           string
	Account          string
	RedriveCount     int
	// Sync marks an execution started with StartSyncExecution: its context
	// object carries no RedriveCount.
	Sync bool
	// Inspect, when set, observes each state's intermediate data-flow
	// values: point is "afterInputPath", "afterParameters", "result",
	// "afterResultSelector", "afterResultPath", "afterItemsPath",
	// "maxConcurrency", "toleratedFailureCount" or
	// "toleratedFailurePercentage". TestState's inspection data comes from it.
	Inspect func(state, point string, v jsonv.Value)
	// MaxHistoryEvents bounds the history; an execution that reaches it
	// fails, as on AWS. 0 means AWS's 25,000.
	MaxHistoryEvents int
	// MaxPayloadBytes bounds a state's output and a task's result
	// (States.DataLimitExceeded). 0 means AWS's 256 KiB; negative, no limit.
	MaxPayloadBytes int
	// MaxDurationSeconds bounds the execution's duration whatever its
	// TimeoutSeconds says (EXPRESS workflows: 300). 0 means no bound.
	MaxDurationSeconds int64
	// InputText is the execution input exactly as the caller sent it;
	// ExecutionStarted records it verbatim. Empty means the encoded input.
	InputText string
	// Seed makes random values (task tokens, States.UUID, States.MathRandom)
	// reproducible: the same seed and inputs give the same history.
	Seed uint64
	// TokenKey, when set, signs task tokens (see TokenIssued), so a token
	// this execution issued can be told from a forged one after its task
	// has ended. Keep it with the seed: replay needs the same key.
	TokenKey []byte
	// Context, when set, is the context object ($$) of every state,
	// replacing the one the engine builds (see context_override.go).
	Context *jsonv.Object
}

// Command is work the engine asks the outside world to do.
type Command interface{ command() }

// ScheduleTask asks for a Task state's resource to be invoked. The result
// comes back as TaskSucceeded or TaskFailed with the same TaskID.
type ScheduleTask struct {
	TaskID           string
	StateName        string
	Resource         string
	Parameters       jsonv.Value
	TimeoutSeconds   int64  // 0: none
	HeartbeatSeconds int64  // 0: none
	TaskToken        string // set for .waitForTaskToken integrations and activities
	// Kind is TaskState for a Task state; TaskItemReader and
	// TaskResultWriter ask for a distributed Map's items to be read or its
	// results written (see itemio.go for their parameters and results).
	Kind TaskKind
}

// StartTimer asks for TimerFired{TimerID} at At.
type StartTimer struct {
	TimerID string
	At      time.Time
}

// CancelTimer withdraws a StartTimer that has not fired.
type CancelTimer struct{ TimerID string }

// CancelTask tells the outside world a scheduled task's result is no longer
// wanted (its state was aborted or timed out).
type CancelTask struct{ TaskID string }

func (ScheduleTask) command() {}
func (StartTimer) command()   {}
func (CancelTimer) command()  {}
func (CancelTask) command()   {}

// Input is something that happened to a running execution.
type Input interface{ input() }

// TaskStartedInput reports that a scheduled task began running; Worker
// names the activity worker that took an activity task.
type TaskStartedInput struct {
	TaskID string
	Worker string
}

// TaskSucceededInput reports a task's result.
type TaskSucceededInput struct {
	TaskID string
	Output jsonv.Value
}

// TaskFailedInput reports a task's failure.
type TaskFailedInput struct {
	TaskID string
	Error  string
	Cause  string
}

// TaskHeartbeatInput reports a task heartbeat.
type TaskHeartbeatInput struct{ TaskID string }

// TimerFiredInput reports that a timer is due.
type TimerFiredInput struct{ TimerID string }

// StopInput stops the execution (StopExecution). With Child set, it stops
// only that running child execution of a distributed Map: the child is
// aborted and counts as a failed child of its map run.
type StopInput struct {
	Error string
	Cause string
	Child string
}

// UpdateMapRunInput changes a map run's settings while it runs
// (UpdateMapRun): nil fields stay as they are. More concurrency starts
// more children at once; a tolerance the failures so far exceed fails the
// map run.
type UpdateMapRunInput struct {
	MapRunArn                  string
	MaxConcurrency             *int
	ToleratedFailureCount      *int64
	ToleratedFailurePercentage *float64
}

// TerminateInput fails a running execution from outside its definition,
// as AWS does to the executions of a deleted state machine at their next
// transition.
type TerminateInput struct {
	Error string
	Cause string
}

func (TerminateInput) input() {}

// RedriveInput restarts a failed, aborted or timed-out execution from the
// state where it stopped (RedriveExecution).
type RedriveInput struct{}

// ErrNotRedrivable is returned by Apply(RedriveInput) for an execution
// that is running or succeeded.
var ErrNotRedrivable = errors.New("execution is not redrivable")

func (RedriveInput) input()       {}
func (TaskStartedInput) input()   {}
func (TaskSucceededInput) input() {}
func (TaskFailedInput) input()    {}
func (TaskHeartbeatInput) input() {}
func (TimerFiredInput) input()    {}
func (StopInput) input()          {}
func (UpdateMapRunInput) input()  {}

// ErrNotRunning is returned by Apply when the execution has finished.
var ErrNotRunning = errors.New("execution is not running")

// ErrUnknownTarget is returned by Apply for an input naming a task or timer
// the execution is not waiting for (stale or duplicate delivery).
var ErrUnknownTarget = errors.New("no such pending task or timer")

// Execution is one run of a state machine.
type Execution struct {
	machine   *asl.StateMachine
	info      Info
	input     jsonv.Value
	startTime time.Time
	now       time.Time

	status Status
	output jsonv.Value
	err    string
	cause  string

	log      *historyLog
	commands []Command
	root     *frame
	seq      int64
	rng      rng

	tasks   map[string]*frame
	timers  map[string]timerTarget
	mapRuns []*mapRun // distributed Map runs, in start order
	// dirtyChildren are the child executions changed since the last
	// ChildChanges.
	dirtyChildren []*child

	contextBase *jsonv.Object // $$.Execution and $$.StateMachine, built once
	// arrayTexts are the texts of Parallel results that hold the execution
	// input, by their first element (see noteParallelText).
	arrayTexts map[*any]string

	funcs map[string]jsonata.Function // the JSONata functions Step Functions adds, built once
}

type timerKind uint8

const (
	timerWait timerKind = iota
	timerRetry
	timerTaskTimeout
	timerHeartbeat
	timerExecutionTimeout
)

type timerTarget struct {
	frame *frame
	kind  timerKind
	at    time.Time
}

// Start begins an execution of sm with input at now, running it until it
// finishes or waits for the outside world.
func Start(sm *asl.StateMachine, info Info, input jsonv.Value, now time.Time) *Execution {
	e := &Execution{
		machine:   sm,
		info:      info,
		input:     input,
		startTime: now,
		now:       now,
		status:    Running,
		rng:       rng{state: info.Seed ^ 0x9e3779b97f4a7c15},
		log:       &historyLog{events: make([]HistoryEvent, 0, 4)},
	}
	ev := e.record(nil, ExecutionStarted, false)
	ev.kind, ev.detailsKey, ev.Data = detailsExecutionStarted, "executionStartedEventDetails", input
	ev.x().RoleArn = info.RoleArn
	ev.Text = info.InputText
	timeout := sm.TimeoutSeconds
	if max := info.MaxDurationSeconds; max > 0 && (timeout == 0 || timeout > max) {
		timeout = max
	}
	if timeout > 0 {
		e.startTimer("execution-timeout", now.Add(time.Duration(timeout)*time.Second), timerTarget{kind: timerExecutionTimeout})
	}
	e.root = &frame{sm: sm, kind: frameRoot, log: e.log}
	e.enter(e.root, sm.StartAt, input)
	e.advance(e.root)
	return e
}

// Apply feeds one input to a running execution at now and runs it until it
// finishes or waits again.
func (e *Execution) Apply(in Input, now time.Time) error {
	if r, ok := in.(RedriveInput); ok {
		return e.redrive(r, now)
	}
	if e.status != Running {
		return ErrNotRunning
	}
	e.now = now
	switch in := in.(type) {
	case TaskStartedInput:
		f, ok := e.tasks[in.TaskID]
		if !ok {
			return ErrUnknownTarget
		}
		e.taskStarted(f, in.Worker)
	case TaskSucceededInput:
		f, ok := e.tasks[in.TaskID]
		if !ok {
			return ErrUnknownTarget
		}
		e.taskSucceeded(f, in.Output)
		e.advance(f)
	case TaskFailedInput:
		f, ok := e.tasks[in.TaskID]
		if !ok {
			return ErrUnknownTarget
		}
		e.taskFailed(f, stepFailed, in.Error, in.Cause)
		e.advance(f)
	case TaskHeartbeatInput:
		f, ok := e.tasks[in.TaskID]
		if !ok {
			return ErrUnknownTarget
		}
		e.taskHeartbeat(f)
	case TimerFiredInput:
		t, ok := e.timers[in.TimerID]
		if !ok {
			return ErrUnknownTarget
		}
		delete(e.timers, in.TimerID)
		e.timerFired(in.TimerID, t)
	case StopInput:
		if in.Child != "" {
			return e.stopChild(in)
		}
		e.abort(in.Error, in.Cause)
	case UpdateMapRunInput:
		return e.updateMapRun(in)
	case TerminateInput:
		if e.status == Running {
			e.status, e.err, e.cause = Failed, in.Error, in.Cause
			ev := e.record(e.root, ExecutionFailed, true)
			ev.kind, ev.detailsKey = detailsErrorCause, "executionFailedEventDetails"
			ev.setError(in.Error, in.Cause, in.Error != "", in.Cause != "")
			e.cleanup()
		}
	default:
		return fmt.Errorf("apply: unknown input %T", in)
	}
	return nil
}

// PendingTimers returns the timers the execution waits for, ordered by due
// time then id. After an execution is rebuilt by replaying its inputs, they
// are what must be armed again.
func (e *Execution) PendingTimers() []StartTimer {
	out := make([]StartTimer, 0, len(e.timers))
	for id, t := range e.timers {
		out = append(out, StartTimer{TimerID: id, At: t.at})
	}
	slices.SortFunc(out, func(a, b StartTimer) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.TimerID, b.TimerID)
	})
	return out
}

// PendingTasks returns the tasks whose results the execution waits for,
// ordered by task id, as they were scheduled.
func (e *Execution) PendingTasks() []ScheduleTask {
	out := make([]ScheduleTask, 0, len(e.tasks))
	for _, f := range e.tasks {
		out = append(out, f.task.cmd)
	}
	slices.SortFunc(out, func(a, b ScheduleTask) int { return strings.Compare(a.TaskID, b.TaskID) })
	return out
}

// TaskStarted reports whether the pending task taskID has started.
func (e *Execution) TaskStarted(taskID string) bool {
	f, ok := e.tasks[taskID]
	return ok && f.task.started
}

// RedriveCount returns how many times the execution has been redriven.
func (e *Execution) RedriveCount() int { return e.info.RedriveCount }

// redrive restarts the execution at the top-level state where it stopped,
// with that state's input, as RedriveExecution does: the history goes on
// with ExecutionRedriven and the state's entry.
func (e *Execution) redrive(_ RedriveInput, now time.Time) error {
	switch e.status {
	case Failed, Aborted, TimedOut:
	default:
		return ErrNotRedrivable
	}
	f := e.root
	if f.state == nil {
		return ErrNotRedrivable
	}
	e.now = now
	e.status, e.err, e.cause, e.output = Running, "", "", nil
	e.info.RedriveCount++
	e.contextBase = nil // $$.Execution.RedriveCount changed
	ev := e.record(nil, ExecutionRedriven, false)
	ev.PreviousID = int64(len(e.log.events) - 1)
	ev.kind, ev.detailsKey, ev.Index = detailsRedriven, "executionRedrivenEventDetails", int32(e.info.RedriveCount)
	f.lastID = ev.ID
	if e.machine.TimeoutSeconds > 0 {
		e.startTimer("execution-timeout-"+itoa(int64(e.info.RedriveCount)), now.Add(time.Duration(e.machine.TimeoutSeconds)*time.Second), timerTarget{kind: timerExecutionTimeout})
	}
	e.reenter(f)
	e.advance(f)
	return nil
}

// TakeCommands returns the commands produced since the last call.
func (e *Execution) TakeCommands() []Command {
	c := e.commands
	e.commands = nil
	return c
}

// Status returns the execution status.
func (e *Execution) Status() Status { return e.status }

// Output returns the final output of a succeeded execution.
func (e *Execution) Output() jsonv.Value { return e.output }

// Error returns the error name and cause of a failed, timed out or aborted
// execution.
func (e *Execution) Error() (name, cause string) { return e.err, e.cause }

// History returns the events recorded so far. The slice must not be changed.
func (e *Execution) History() []HistoryEvent { return e.log.events }

// Input returns the execution input.
func (e *Execution) Input() jsonv.Value { return e.input }

// StartTime returns when the execution started.
func (e *Execution) StartTime() time.Time { return e.startTime }

// inputText returns the execution input's text as sent when v is that very
// input, passed on unchanged: AWS carries the text through verbatim.
func (e *Execution) inputText(v jsonv.Value) string {
	if e.info.InputText == "" {
		return ""
	}
	switch v := v.(type) {
	case *jsonv.Object:
		if in, ok := e.input.(*jsonv.Object); ok && in == v {
			return e.info.InputText
		}
	case []any:
		if in, ok := e.input.([]any); ok && len(in) == len(v) && (len(v) == 0 || &in[0] == &v[0]) {
			return e.info.InputText
		}
		if len(v) > 0 && e.arrayTexts != nil {
			return e.arrayTexts[&v[0]]
		}
	}
	return ""
}

// noteParallelText records the text AWS gives a Parallel state's result
// when some branch outputs are the execution input (or such results): the
// input's text as sent for those, the others compact.
func (e *Execution) noteParallelText(results []any) {
	if e.info.InputText == "" || len(results) == 0 {
		return
	}
	var parts []string
	for i, x := range results {
		t := e.inputText(x)
		if t != "" && parts == nil {
			parts = make([]string, len(results))
			for j := range i {
				parts[j] = jsonv.Marshal(results[j])
			}
		}
		if parts != nil {
			if t == "" {
				t = jsonv.Marshal(x)
			}
			parts[i] = t
		}
	}
	if parts == nil {
		return
	}
	if e.arrayTexts == nil {
		e.arrayTexts = map[*any]string{}
	}
	e.arrayTexts[&results[0]] = "[" + strings.Join(parts, ",") + "]"
}

// historyLog is one execution's history: the execution's own, or that of a
// distributed map's child execution.
type historyLog struct {
	events []HistoryEvent
	child  *child // set when the log is a STANDARD child execution's
}

// record appends an event to f's history. The event's previous id comes from
// f's linkage pointer, which moves to the new event when update is set. A nil
// frame means the execution itself, linked to nothing (ExecutionStarted).
func (e *Execution) record(f *frame, typ EventType, update bool) *HistoryEvent {
	log := e.log
	if f != nil {
		log = f.log
	}
	id := int64(len(log.events) + 1)
	log.events = append(log.events, HistoryEvent{ID: id, Type: typ, Timestamp: e.now})
	ev := &log.events[len(log.events)-1]
	if log.child != nil {
		e.touched(log.child)
	}
	if f != nil {
		ev.PreviousID = f.lastID
		if update {
			f.lastID = id
		}
	}
	return ev
}

func (e *Execution) startTimer(id string, at time.Time, t timerTarget) {
	if e.timers == nil {
		e.timers = map[string]timerTarget{}
	}
	t.at = at
	e.timers[id] = t
	e.commands = append(e.commands, StartTimer{TimerID: id, At: at})
}

func (e *Execution) cancelTimer(id string) {
	if id == "" {
		return
	}
	if _, ok := e.timers[id]; ok {
		delete(e.timers, id)
		e.commands = append(e.commands, CancelTimer{TimerID: id})
	}
}

func (e *Execution) nextID(prefix string) string {
	e.seq++
	return prefix + strconv.FormatInt(e.seq, 10)
}

// finishRoot records the end of the execution.
func (e *Execution) finishRoot(f *frame) {
	if e.status != Running {
		return
	}
	if f.failed {
		e.status, e.err, e.cause = Failed, f.errName, f.errCause
		ev := e.record(f, ExecutionFailed, true)
		ev.kind, ev.detailsKey = detailsErrorCause, "executionFailedEventDetails"
		ev.setError(f.errName, f.errCause, f.errName != "", f.errCause != "")
	} else {
		e.status, e.output = Succeeded, f.output
		ev := e.record(f, ExecutionSucceeded, true)
		ev.kind, ev.detailsKey, ev.Data = detailsExecutionSucceeded, "executionSucceededEventDetails", f.output
		ev.Text = e.inputText(f.output)
	}
	e.cleanup()
}

// abort stops the execution (StopExecution or execution timeout).
func (e *Execution) abort(name, cause string) {
	e.endWith(Aborted, ExecutionAborted, "executionAbortedEventDetails", name, cause)
}

// endWith records a terminal event that comes from outside the state
// machine (a stop request or the execution timeout). AWS links such events
// to no previous event.

func (e *Execution) endWith(st Status, typ EventType, key, name, cause string) {
	if e.status != Running {
		return
	}
	e.status, e.err, e.cause = st, name, cause
	ev := e.record(nil, typ, false)
	ev.kind, ev.detailsKey = detailsErrorCause, key
	ev.setError(name, cause, name != "", cause != "")
	e.cleanup()
}

// cleanup cancels every outstanding timer and task, and aborts the map
// runs still running.
func (e *Execution) cleanup() {
	e.abortMapRuns()
	for id := range e.tasks {
		e.commands = append(e.commands, CancelTask{TaskID: id})
	}
	e.tasks = nil
	for id := range e.timers {
		e.commands = append(e.commands, CancelTimer{TimerID: id})
	}
	e.timers = nil
}

// rng is a small deterministic generator (splitmix64).
type rng struct{ state uint64 }

// Uint64 returns the next random number.
func (r *rng) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uuid returns a random version 4 UUID.
func (r *rng) uuid() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], r.Uint64())
	binary.LittleEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}

// failureOf converts an error from evaluation into a named failure.
func failureOf(err error) *failure.Error {
	var fe *failure.Error
	if errors.As(err, &fe) {
		return fe
	}
	return &failure.Error{Name: failure.Runtime, Cause: err.Error()}
}
