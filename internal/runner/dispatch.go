package runner

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// handler finds the handler for a resource: the exact resource, then the
// resource without its integration pattern (".sync", ".waitForTaskToken"),
// then its service prefix (e.g. "arn:aws:states:::sqs").
func (r *Runner) handler(resource string) Handler {
	if h, ok := r.cfg.Handlers[resource]; ok {
		return h
	}
	base := resource
	if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexByte(base, ':') {
		base = base[:i]
		if h, ok := r.cfg.Handlers[base]; ok {
			return h
		}
	}
	if i := strings.LastIndexByte(base, ':'); i > 0 {
		if h, ok := r.cfg.Handlers[base[:i]]; ok {
			return h
		}
	}
	if r.cfg.Resolve != nil {
		return r.cfg.Resolve(resource)
	}
	return nil
}

// taskKey names one scheduled task of one execution.
type taskKey struct{ arn, taskID string }

// ErrTaskCancelled is the context.Cause of a task's context when the
// engine no longer wants its result (the state timed out, the execution
// was stopped, a Parallel branch failed), as opposed to Stepflow shutting
// down, after which the task runs again.
var ErrTaskCancelled = errors.New("the task's result is no longer wanted")

// cancelTask cancels the context of a task a handler is running, because
// the engine no longer wants its result (the state timed out, the
// execution was stopped, a Parallel branch failed). The handler sees
// context.Canceled; a nested .sync execution is stopped, for example.
func (r *Runner) cancelTask(arn, taskID string) {
	r.tasksMu.Lock()
	cancel := r.tasks[taskKey{arn, taskID}]
	r.tasksMu.Unlock()
	if cancel != nil {
		cancel(ErrTaskCancelled)
	}
}

// dispatch runs a scheduled task in the background and feeds its result
// back. Activity tasks wait for a worker instead (GetActivityTask).
func (r *Runner) dispatch(arn string, c engine.ScheduleTask) {
	if activityArn(c.Resource) != "" {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx := r.ctx
		started := engine.TaskStartedInput{TaskID: c.TaskID}
		h := r.handler(c.Resource)
		if h == nil {
			r.deliver(arn, started, engine.TaskFailedInput{TaskID: c.TaskID, Error: "States.TaskFailed",
				Cause: "Stepflow has no integration for the resource " + c.Resource + " yet"})
			return
		}
		ctx, cancel := context.WithCancelCause(ctx)
		key := taskKey{arn, c.TaskID}
		r.tasksMu.Lock()
		r.tasks[key] = cancel
		r.tasksMu.Unlock()
		defer func() {
			r.tasksMu.Lock()
			delete(r.tasks, key)
			r.tasksMu.Unlock()
			cancel(nil)
		}()
		result := make(chan engine.Input, 1)
		go func() {
			out, err := h(ctx, Task{
				ExecutionArn: arn, TaskID: c.TaskID, StateName: c.StateName, Resource: c.Resource,
				Parameters: c.Parameters, Token: c.TaskToken, Timeout: time.Duration(c.TimeoutSeconds) * time.Second,
			})
			result <- taskOutcome(ctx, c.TaskID, out, err)
		}()
		// A result that comes within quickWindow is committed together with
		// TaskStarted: one commit instead of two for fast tasks.
		timer := time.NewTimer(quickWindow)
		defer timer.Stop()
		select {
		case in := <-result:
			r.deliver(arn, nonNil(started, in)...)
			return
		case <-timer.C:
			r.deliver(arn, started)
		}
		if in := <-result; in != nil {
			r.deliver(arn, in)
		}
	}()
}

// quickWindow is how long dispatch waits for a task's result before
// committing TaskStarted on its own.
const quickWindow = 5 * time.Millisecond

// taskOutcome turns a handler's answer into the engine input it means, or
// nil when the result comes later (callback) or the runner is stopping.
func taskOutcome(ctx context.Context, taskID string, out jsonv.Value, err error) engine.Input {
	var te *TaskError
	switch {
	case errors.Is(err, ErrCallback):
		return nil
	case errors.As(err, &te):
		return engine.TaskFailedInput{TaskID: taskID, Error: te.Name, Cause: te.Cause}
	case err != nil:
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			// Shutting down (the task runs again after restart), or the
			// engine cancelled the task and wants no result.
			return nil
		}
		return engine.TaskFailedInput{TaskID: taskID, Error: "States.TaskFailed", Cause: err.Error()}
	}
	return engine.TaskSucceededInput{TaskID: taskID, Output: out}
}

func nonNil(ins ...engine.Input) []engine.Input {
	out := ins[:0]
	for _, in := range ins {
		if in != nil {
			out = append(out, in)
		}
	}
	return out
}
