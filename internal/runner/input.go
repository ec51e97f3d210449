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
	kindUpdateMapRun  = "update_map_run"
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
		if in.Child != "" {
			o.Set("child", in.Child)
		}
	case engine.UpdateMapRunInput:
		kind = kindUpdateMapRun
		o.Set("map_run", in.MapRunArn)
		if in.MaxConcurrency != nil {
			o.Set("max_concurrency", jsonv.Int(int64(*in.MaxConcurrency)))
		}
		if in.ToleratedFailureCount != nil {
			o.Set("tolerated_failure_count", jsonv.Int(*in.ToleratedFailureCount))
		}
		if in.ToleratedFailurePercentage != nil {
			o.Set("tolerated_failure_percentage", jsonv.Float(*in.ToleratedFailurePercentage))
		}
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
		return engine.StopInput{Error: str("error"), Cause: str("cause"), Child: str("child")}, nil
	case kindUpdateMapRun:
		u := engine.UpdateMapRunInput{MapRunArn: str("map_run")}
		if n, ok := number(o, "max_concurrency"); ok {
			i := int(n.Float64())
			u.MaxConcurrency = &i
		}
		if n, ok := number(o, "tolerated_failure_count"); ok {
			i, _ := n.Int64()
			u.ToleratedFailureCount = &i
		}
		if n, ok := number(o, "tolerated_failure_percentage"); ok {
			f := n.Float64()
			u.ToleratedFailurePercentage = &f
		}
		return u, nil
	}
	return nil, fmt.Errorf("unknown input kind %q", in.Kind)
}

// number returns the number member k of o.
func number(o *jsonv.Object, k string) (jsonv.Number, bool) {
	v, _ := o.Get(k)
	n, ok := v.(jsonv.Number)
	return n, ok
}
