package runner

import (
	"fmt"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/store"
)

// The input log's kinds. Payloads are JSON objects.
const (
	kindTimer         = "timer"
	kindTaskStarted   = "task_started"
	kindTaskSucceeded = "task_succeeded"
	kindTaskFailed    = "task_failed"
	kindHeartbeat     = "task_heartbeat"
	kindStop          = "stop"
	kindRedrive       = "redrive"
	kindTerminate     = "terminate"
)

func encodeInput(in engine.Input) (string, []byte) {
	o := jsonv.NewObject(3)
	var kind string
	switch in := in.(type) {
	case engine.TimerFiredInput:
		kind = kindTimer
		o.Set("timer", in.TimerID)
	case engine.TaskStartedInput:
		kind = kindTaskStarted
		o.Set("task", in.TaskID)
		if in.Worker != "" {
			o.Set("worker", in.Worker)
		}
	case engine.TaskSucceededInput:
		kind = kindTaskSucceeded
		o.Set("task", in.TaskID)
		o.Set("output", in.Output)
	case engine.TaskFailedInput:
		kind = kindTaskFailed
		o.Set("task", in.TaskID)
		o.Set("error", in.Error)
		o.Set("cause", in.Cause)
	case engine.TaskHeartbeatInput:
		kind = kindHeartbeat
		o.Set("task", in.TaskID)
	case engine.RedriveInput:
		kind = kindRedrive
	case engine.TerminateInput:
		kind = kindTerminate
		o.Set("error", in.Error)
		o.Set("cause", in.Cause)
	case engine.StopInput:
		kind = kindStop
		o.Set("error", in.Error)
		o.Set("cause", in.Cause)
	default:
		panic(fmt.Sprintf("runner: cannot log input %T", in))
	}
	return kind, jsonv.Append(nil, o)
}

func decodeInput(in store.Input) (engine.Input, error) {
	v, err := jsonv.Parse(in.Payload)
	if err != nil {
		return nil, err
	}
	o, _ := v.(*jsonv.Object)
	str := func(k string) string {
		s, _ := o.Get(k)
		t, _ := s.(string)
		return t
	}
	switch in.Kind {
	case kindTimer:
		return engine.TimerFiredInput{TimerID: str("timer")}, nil
	case kindTaskStarted:
		return engine.TaskStartedInput{TaskID: str("task"), Worker: str("worker")}, nil
	case kindTaskSucceeded:
		out, _ := o.Get("output")
		return engine.TaskSucceededInput{TaskID: str("task"), Output: out}, nil
	case kindTaskFailed:
		return engine.TaskFailedInput{TaskID: str("task"), Error: str("error"), Cause: str("cause")}, nil
	case kindHeartbeat:
		return engine.TaskHeartbeatInput{TaskID: str("task")}, nil
	case kindRedrive:
		return engine.RedriveInput{}, nil
	case kindTerminate:
		return engine.TerminateInput{Error: str("error"), Cause: str("cause")}, nil
	case kindStop:
		return engine.StopInput{Error: str("error"), Cause: str("cause")}, nil
	}
	return nil, fmt.Errorf("unknown input kind %q", in.Kind)
}
