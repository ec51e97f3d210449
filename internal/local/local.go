// Package local runs executions to completion in memory: tasks go to
// in-process Go handlers and timers fire on a virtual clock, so a Wait of an
// hour takes no time. It serves the conformance runner, the benchmark and
// `stepflow run`; the durable runner replaces it in the service.
package local

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Handler runs one task: it gets the task's effective parameters and returns
// its result, or a *TaskError to fail the task with a name and cause.
type Handler func(ctx context.Context, params jsonv.Value) (jsonv.Value, error)

// TaskError fails a task with an error name and cause.
type TaskError struct {
	Name  string
	Cause string
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

// Runner runs executions with a fixed set of handlers. The zero value has no
// handlers: every task fails with States.TaskFailed.
type Runner struct {
	// Handlers maps a Task's Resource to its handler.
	Handlers map[string]Handler
	// MaxSteps bounds the inputs fed to one execution (0: 10 million), so a
	// state machine that loops forever ends with an error.
	MaxSteps int
	// Tasks, when set, runs the tasks no Handlers entry matches; it gets
	// the execution's ARN and the whole scheduled task.
	Tasks func(ctx context.Context, executionArn string, c engine.ScheduleTask) (jsonv.Value, error)
	// Now, when set, makes time real: timers wait until they are due by
	// this clock (divided by TimeScale), and inputs are applied at its
	// time. When nil, time is virtual: a timer fires at once, at its due
	// time.
	Now func() time.Time
	// TimeScale divides the real waits of timers when Now is set [1].
	TimeScale float64
}

// ErrTooManySteps is returned when an execution exceeds MaxSteps.
var ErrTooManySteps = errors.New("execution exceeded the step limit")

// Run starts an execution at start and drives it to its end.
func (r *Runner) Run(ctx context.Context, sm *asl.StateMachine, info engine.Info, input jsonv.Value, start time.Time) (*engine.Execution, error) {
	ex := engine.Start(sm, info, input, start)
	return ex, r.drive(ctx, ex, start, info.ExecutionArn)
}

type timer struct {
	id string
	at time.Time
}

// Drive feeds an execution its task results and timers until it ends.
func (r *Runner) Drive(ctx context.Context, ex *engine.Execution, now time.Time) error {
	return r.drive(ctx, ex, now, "")
}

// drive is Drive for the execution arn (for Tasks).
func (r *Runner) drive(ctx context.Context, ex *engine.Execution, now time.Time, arn string) error {
	maxSteps := r.MaxSteps
	if maxSteps == 0 {
		maxSteps = 10_000_000
	}
	var timers []timer
	var queue []engine.Command
	for steps := 0; ex.Status() == engine.Running; steps++ {
		if steps > maxSteps {
			return ErrTooManySteps
		}
		queue = append(queue, ex.TakeCommands()...)
		if len(queue) > 0 {
			cmd := queue[0]
			queue = queue[1:]
			switch c := cmd.(type) {
			case engine.ScheduleTask:
				if err := r.runTask(ctx, ex, arn, c, now); err != nil {
					return err
				}
			case engine.StartTimer:
				timers = append(timers, timer{c.TimerID, c.At})
			case engine.CancelTimer:
				for i, t := range timers {
					if t.id == c.TimerID {
						timers = append(timers[:i], timers[i+1:]...)
						break
					}
				}
			}
			continue
		}
		if len(timers) == 0 {
			return fmt.Errorf("drive execution: waiting with nothing pending (a task result is missing)")
		}
		sort.SliceStable(timers, func(i, j int) bool { return timers[i].at.Before(timers[j].at) })
		t := timers[0]
		timers = timers[1:]
		if r.Now != nil {
			if err := r.sleepUntil(ctx, t.at); err != nil {
				return err
			}
			now = r.Now()
		}
		if t.at.After(now) {
			now = t.at
		}
		if err := ex.Apply(engine.TimerFiredInput{TimerID: t.id}, now); err != nil && !errors.Is(err, engine.ErrUnknownTarget) {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) runTask(ctx context.Context, ex *engine.Execution, arn string, c engine.ScheduleTask, now time.Time) error {
	if err := ex.Apply(engine.TaskStartedInput{TaskID: c.TaskID}, now); err != nil {
		return nil // the task was cancelled meanwhile
	}
	h, ok := r.Handlers[c.Resource]
	if !ok {
		h = r.Handlers[resourceFamily(c.Resource)]
	}
	if h == nil && r.Tasks != nil {
		h = func(ctx context.Context, _ jsonv.Value) (jsonv.Value, error) { return r.Tasks(ctx, arn, c) }
	}
	if h == nil {
		return ex.Apply(engine.TaskFailedInput{TaskID: c.TaskID, Error: "States.TaskFailed", Cause: "no handler for resource " + c.Resource}, now)
	}
	out, err := h(ctx, c.Parameters)
	if r.Now != nil {
		now = r.Now()
	}
	if err != nil {
		var te *TaskError
		if errors.As(err, &te) {
			return ex.Apply(engine.TaskFailedInput{TaskID: c.TaskID, Error: te.Name, Cause: te.Cause}, now)
		}
		return ex.Apply(engine.TaskFailedInput{TaskID: c.TaskID, Error: "States.TaskFailed", Cause: err.Error()}, now)
	}
	return ex.Apply(engine.TaskSucceededInput{TaskID: c.TaskID, Output: out}, now)
}

// sleepUntil waits until the clock reaches due (scaled), or ctx is done.
func (r *Runner) sleepUntil(ctx context.Context, due time.Time) error {
	d := due.Sub(r.Now())
	if d <= 0 {
		return nil
	}
	if r.TimeScale > 0 && r.TimeScale != 1 {
		d = time.Duration(float64(d) / r.TimeScale)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// resourceFamily drops an integration pattern suffix so one handler serves
// "x:y" and "x:y.sync".
func resourceFamily(res string) string {
	if i := strings.LastIndexByte(res, '.'); i > strings.LastIndexByte(res, ':') {
		return res[:i]
	}
	return res
}
