package engine

import (
	"strconv"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
)

type frameKind uint8

const (
	frameRoot      frameKind = iota
	frameBranch              // a Parallel branch
	frameIteration           // an inline Map iteration
	frameChild               // a distributed Map iteration (a child execution)
)

type frameStatus uint8

const (
	stRunning frameStatus = iota // ready to execute its current state
	stWaiting                    // waiting for a task, a timer or children
	stDone                       // finished: output or failure set
)

// frame is one thread of control: the execution itself, a Parallel branch or
// a Map iteration. It runs one state at a time.
type frame struct {
	parent *frame
	kind   frameKind
	sm     *asl.StateMachine
	log    *historyLog
	index  int // branch or item index
	vars   *scope
	lastID int64 // history linkage: id of the last event this frame published

	status frameStatus

	// The current state.
	state      *asl.State
	input      jsonv.Value // raw state input
	effective  jsonv.Value // effective input (after InputPath/Parameters)
	enteredID  int64
	enteredAt  time.Time
	attempts   []int64 // retries used, per retrier
	retryCount int64

	// en is the frame's evaluation environment, reused (see Execution.env).
	en asl.Env

	// A scheduled task.
	task *pendingTask

	// Children of a Parallel or Map state.
	fan *fanout
	// redo is the fan-out of the Parallel or Map state this frame failed
	// in (or was stopped in), kept for RedriveExecution: its succeeded
	// children are not run again.
	redo *fanout

	// Outcome once done.
	output   jsonv.Value
	failed   bool
	errName  string
	errCause string
}

// scope holds workflow variables; inner scopes (Parallel branches, Map
// iterations) see their parents' variables.
type scope struct {
	parent *scope
	vars   *jsonv.Object
	size   int // bytes of the variables' JSON text (only counted under limits)
}

func (s *scope) get(name string) (jsonv.Value, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars.Get(name); ok {
			return v, true
		}
	}
	return nil, false
}

// advance runs f, and each time a frame finishes hands control to its
// parent, until something waits or the execution ends.
func (e *Execution) advance(f *frame) {
	for e.status == Running {
		e.run(f)
		if f.status != stDone {
			return
		}
		p := f.parent
		if p == nil {
			if f.kind == frameRoot {
				e.finishRoot(f)
			}
			return
		}
		e.childFinished(p, f)
		if p.status == stWaiting {
			return
		}
		f = p
	}
}

// run executes f's states until f waits or finishes.
func (e *Execution) run(f *frame) {
	for f.status == stRunning && e.status == Running {
		// One step records at most a few events, so stopping short of the
		// quota by a margin leaves room for them and ExecutionFailed.
		if len(e.log.events)+8 > e.maxEvents() {
			e.endWith(Failed, ExecutionFailed, "executionFailedEventDetails", failure.Runtime,
				"The execution reached the maximum number of history events ("+itoa(int64(e.maxEvents()))+").")
			return
		}
		e.execute(f)
	}
}

func (e *Execution) maxEvents() int {
	if e.info.MaxHistoryEvents > 0 {
		return e.info.MaxHistoryEvents
	}
	return MaxHistoryEvents
}

// enter records the entry into state name with input and makes f ready to
// execute it.
func (e *Execution) enter(f *frame, name string, input jsonv.Value) {
	st := f.sm.States[name]
	f.state, f.input, f.effective = st, input, nil
	f.status, f.redo = stRunning, nil
	f.attempts, f.retryCount = nil, 0
	f.enteredAt = e.now
	ev := e.record(f, enteredType(st.Type), true)
	ev.kind, ev.detailsKey, ev.Name, ev.Data = detailsStateEntered, "stateEnteredEventDetails", name, input
	ev.Text = e.inputText(input)
	f.enteredID = ev.ID
}

// exit records the state's exit with output (and the variables it
// assigned) and moves f to the next state or finishes it.
func (e *Execution) exit(f *frame, output jsonv.Value, assigned *jsonv.Object, next string) {
	st := f.state
	if e.tooLarge(output) {
		e.finishFailed(f, failure.DataLimitExceeded, dataLimitCause(st.Name))
		return
	}
	if st.Type != asl.Fail {
		ev := e.record(f, exitedType(st.Type), true)
		ev.kind, ev.detailsKey, ev.Name, ev.Data, ev.Assigned = detailsStateExited, "stateExitedEventDetails", st.Name, output, assigned
		ev.Text = e.inputText(output)
	}
	if next == "" && !st.End {
		next = st.Next
	}
	if next == "" {
		f.output, f.status = output, stDone
		return
	}
	e.enter(f, next, output)
}

// exitAssigning sets the variables the state assigned (assigned may be
// nil) and exits it with output to next. Variables over the limits fail the
// state instead: through its Retry and Catch, or, when it is leaving
// through a Catch (caught), ending f.
func (e *Execution) exitAssigning(f *frame, output jsonv.Value, assigned *jsonv.Object, next string, caught bool) {
	if assigned != nil {
		if fe := e.setVars(f, assigned); fe != nil {
			if caught {
				e.finishFailed(f, fe.Name, fe.Cause)
			} else {
				e.stateFailed(f, fe)
			}
			return
		}
		assigned = assignedText(assigned)
	}
	e.exit(f, output, assigned, next)
}

// finishFailed ends f with an error that nothing caught.
func (e *Execution) finishFailed(f *frame, name, cause string) {
	f.failed, f.errName, f.errCause, f.status = true, name, cause, stDone
}

// execute runs one step of f's current state.
func (e *Execution) execute(f *frame) {
	if f.state.JSONata {
		e.executeJSONata(f)
		return
	}
	switch f.state.Type {
	case asl.Pass:
		e.execPass(f)
	case asl.Choice:
		e.execChoice(f)
	case asl.Wait:
		e.execWait(f)
	case asl.Succeed:
		e.execSucceed(f)
	case asl.Fail:
		e.execFail(f)
	case asl.Task:
		e.execTask(f)
	case asl.Parallel:
		e.execParallel(f)
	case asl.Map:
		e.execMap(f)
	default:
		e.stateFailed(f, failure.New(failure.Runtime, "Unsupported state type %s", f.state.Type))
	}
}

// runtimeError wraps an evaluation failure in AWS's States.Runtime cause
// that names the state and its entered event.
func (e *Execution) runtimeError(f *frame, err error) *failure.Error {
	fe := failureOf(err)
	switch fe.Name {
	case failure.Runtime, failure.IntrinsicFailure, failure.QueryEvaluationError:
	default:
		return fe
	}
	return &failure.Error{
		Name:     fe.Name,
		Cause:    "An error occurred while executing the state '" + f.state.Name + "' (entered at the event id #" + itoa(f.enteredID) + "). " + fe.Cause,
		Location: fe.Location,
	}
}

// stateFailed applies the state's Retry and Catch to an error, or fails the
// frame.
func (e *Execution) stateFailed(f *frame, fe *failure.Error) {
	e.evaluationFailed(f, fe)
	if !e.retry(f, fe) {
		e.catchOrFail(f, fe)
	}
}

// retry schedules another attempt of f's state when a retrier matches the
// error and has attempts left.
func (e *Execution) retry(f *frame, fe *failure.Error) bool {
	st := f.state
	i, r := st.MatchRetrier(fe.Name)
	if r == nil {
		return false
	}
	if r.Dynamic() {
		var err error
		if r, err = r.Resolve(e.jenv(f, f.input)); err != nil {
			fe := e.runtimeError(f, err)
			e.evaluationFailed(f, fe)
			e.catchOrFail(f, fe)
			return true
		}
	}
	if f.attempts == nil {
		f.attempts = make([]int64, len(st.Retry))
	}
	if f.attempts[i] >= r.MaxAttempts {
		return false
	}
	delay := retryDelay(r, f.attempts[i], &e.rng)
	f.attempts[i]++
	f.retryCount++
	f.status = stWaiting
	e.startTimer(e.nextID("retry-"), e.now.Add(delay), timerTarget{frame: f, kind: timerRetry})
	return true
}

// catchOrFail applies the state's Catch to an error, or fails the frame.
func (e *Execution) catchOrFail(f *frame, fe *failure.Error) {
	st := f.state
	if _, c := st.MatchCatcher(fe.Name); c != nil {
		errOut := jsonv.NewObject(2)
		errOut.Set("Error", fe.Name)
		errOut.Set("Cause", fe.Cause)
		if st.JSONata {
			e.catchJSONata(f, c, errOut)
			return
		}
		out, err := applyResultPath(f, f.input, errOut, c.ResultPath)
		if err != nil {
			e.finishFailed(f, failureOf(err).Name, failureOf(err).Cause)
			return
		}
		var assigned *jsonv.Object
		if c.Assign != nil {
			assigned, err = e.assign(f, c.Assign, errOut)
			if err != nil {
				fe := e.runtimeError(f, err)
				e.finishFailed(f, fe.Name, fe.Cause)
				return
			}
		}
		e.exitAssigning(f, out, assigned, c.Next, true)
		return
	}
	e.finishFailed(f, fe.Name, fe.Cause)
}

// timerFired resumes whatever waits for a timer.
func (e *Execution) timerFired(id string, t timerTarget) {
	f := t.frame
	switch t.kind {
	case timerExecutionTimeout:
		e.endWith(TimedOut, ExecutionTimedOut, "executionTimedOutEventDetails", failure.Timeout, "")
		return
	case timerWait:
		e.waitDone(f)
	case timerRetry:
		f.status = stRunning
	case timerTaskTimeout:
		e.taskTimedOut(f, failure.Timeout)
	case timerHeartbeat:
		e.taskTimedOut(f, failure.HeartbeatTimeout)
	}
	e.advance(f)
}

// tooLarge reports whether v exceeds the payload limit.
func (e *Execution) tooLarge(v jsonv.Value) bool {
	limit := e.info.MaxPayloadBytes
	if limit < 0 {
		return false
	}
	if limit == 0 {
		limit = MaxPayloadSize
	}
	switch v.(type) {
	case *jsonv.Object, []any, string:
		return jsonv.Size(v) > limit
	}
	return false
}

// dataLimitCause is AWS's cause for States.DataLimitExceeded.
func dataLimitCause(state string) string {
	return "The state/task '" + state + "' returned a result with a size exceeding the maximum number of bytes service limit."
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
