package runner

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
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
	return nil
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
		r.deliver(arn, engine.TaskStartedInput{TaskID: c.TaskID})
		h := r.handler(c.Resource)
		if h == nil {
			r.deliver(arn, engine.TaskFailedInput{TaskID: c.TaskID, Error: "States.TaskFailed",
				Cause: "Stepflow has no integration for the resource " + c.Resource + " yet"})
			return
		}
		out, err := h(ctx, Task{
			ExecutionArn: arn, TaskID: c.TaskID, StateName: c.StateName, Resource: c.Resource,
			Parameters: c.Parameters, Token: c.TaskToken, Timeout: time.Duration(c.TimeoutSeconds) * time.Second,
		})
		var te *TaskError
		switch {
		case errors.Is(err, ErrCallback):
		case errors.As(err, &te):
			r.deliver(arn, engine.TaskFailedInput{TaskID: c.TaskID, Error: te.Name, Cause: te.Cause})
		case err != nil:
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return // shutting down: the task runs again after restart
			}
			r.deliver(arn, engine.TaskFailedInput{TaskID: c.TaskID, Error: "States.TaskFailed", Cause: err.Error()})
		default:
			r.deliver(arn, engine.TaskSucceededInput{TaskID: c.TaskID, Output: out})
		}
	}()
}
