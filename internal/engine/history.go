package engine

import (
	"strconv"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// EventType is a history event type as GetExecutionHistory names it.
type EventType string

// The history event types the engine records.
const (
	ExecutionStarted   EventType = "ExecutionStarted"
	ExecutionSucceeded EventType = "ExecutionSucceeded"
	ExecutionFailed    EventType = "ExecutionFailed"
	ExecutionAborted   EventType = "ExecutionAborted"
	ExecutionTimedOut  EventType = "ExecutionTimedOut"
	ExecutionRedriven  EventType = "ExecutionRedriven"
	EvaluationFailed   EventType = "EvaluationFailed"

	TaskScheduled        EventType = "TaskScheduled"
	TaskStarted          EventType = "TaskStarted"
	TaskSucceeded        EventType = "TaskSucceeded"
	TaskFailed           EventType = "TaskFailed"
	TaskTimedOut         EventType = "TaskTimedOut"
	TaskSubmitted        EventType = "TaskSubmitted"
	TaskStateAborted     EventType = "TaskStateAborted"
	ParallelStateStarted EventType = "ParallelStateStarted"
	ParallelStateFailed  EventType = "ParallelStateFailed"
	ParallelStateAborted EventType = "ParallelStateAborted"
	ParallelSucceeded    EventType = "ParallelStateSucceeded"

	MapStateStarted       EventType = "MapStateStarted"
	MapStateSucceeded     EventType = "MapStateSucceeded"
	MapStateFailed        EventType = "MapStateFailed"
	MapStateAborted       EventType = "MapStateAborted"
	MapIterationStarted   EventType = "MapIterationStarted"
	MapIterationSucceeded EventType = "MapIterationSucceeded"
	MapIterationFailed    EventType = "MapIterationFailed"
	MapIterationAborted   EventType = "MapIterationAborted"
	MapRunStarted         EventType = "MapRunStarted"
	MapRunRedriven        EventType = "MapRunRedriven"
	MapRunSucceeded       EventType = "MapRunSucceeded"
	MapRunFailed          EventType = "MapRunFailed"
	MapRunAborted         EventType = "MapRunAborted"
)

// enteredType and exitedType name a state's entry and exit events.
func enteredType(t asl.StateType) EventType {
	switch t {
	case asl.Pass:
		return "PassStateEntered"
	case asl.Task:
		return "TaskStateEntered"
	case asl.Choice:
		return "ChoiceStateEntered"
	case asl.Wait:
		return "WaitStateEntered"
	case asl.Succeed:
		return "SucceedStateEntered"
	case asl.Fail:
		return "FailStateEntered"
	case asl.Parallel:
		return "ParallelStateEntered"
	case asl.Map:
		return "MapStateEntered"
	}
	return EventType(string(t) + "StateEntered")
}

func exitedType(t asl.StateType) EventType {
	switch t {
	case asl.Pass:
		return "PassStateExited"
	case asl.Task:
		return "TaskStateExited"
	case asl.Choice:
		return "ChoiceStateExited"
	case asl.Wait:
		return "WaitStateExited"
	case asl.Succeed:
		return "SucceedStateExited"
	case asl.Parallel:
		return "ParallelStateExited"
	case asl.Map:
		return "MapStateExited"
	}
	return EventType(string(t) + "StateExited")
}

// detailsKind says which details member an event carries.
type detailsKind uint8

const (
	detailsNone detailsKind = iota
	detailsExecutionStarted
	detailsExecutionSucceeded
	detailsErrorCause // executionFailed, executionAborted, executionTimedOut, mapRunFailed, taskFailed...
	detailsStateEntered
	detailsStateExited
	detailsMapStateStarted
	detailsMapIteration
	detailsMapRunStarted
	detailsMapRunRedriven
	detailsTaskScheduled
	detailsTaskStarted
	detailsTaskSucceeded
	detailsActivityStarted
	detailsRedriven
	detailsEvaluationFailed
)

// HistoryEvent is one event of an execution's history. Its values are kept
// decoded and encoded only when the history is read, so recording an event
// costs no JSON encoding.
type HistoryEvent struct {
	ID         int64
	PreviousID int64
	Timestamp  time.Time
	Type       EventType

	kind       detailsKind
	Index      int32         // map iteration index
	Length     int32         // map length
	Name       string        // state name (entered/exited, map iteration)
	Data       jsonv.Value   // input or output (EvaluationFailed: the failed field's location)
	Text       string        // when set, Data's exact JSON text (the execution input as sent)
	Assigned   *jsonv.Object // assigned variables (values as JSON text), nil if none
	detailsKey string        // e.g. "taskFailedEventDetails"
	extra      *eventExtra   // the rarer details
	res        *resource     // a Task's resource, for task events
}

// eventExtra holds details that few events carry, keeping HistoryEvent
// small.
type eventExtra struct {
	Error     string
	Cause     string
	HasError  bool
	HasCause  bool
	RoleArn   string
	MapRunArn string
	Resource  string
	ResType   string
	Region    string
	Params    jsonv.Value
	Timeout   int64
	Heartbeat int64
}

// x returns the event's extra details, creating them.
func (e *HistoryEvent) x() *eventExtra {
	if e.extra == nil {
		e.extra = &eventExtra{}
	}
	return e.extra
}

// setError records an error name and cause.
func (e *HistoryEvent) setError(name, cause string, hasName, hasCause bool) {
	x := e.x()
	x.Error, x.Cause, x.HasError, x.HasCause = name, cause, hasName, hasCause
}

// AppendJSON appends the event in GetExecutionHistory's JSON shape.
func (e *HistoryEvent) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, e.ID, 10)
	dst = append(dst, `,"previousEventId":`...)
	dst = strconv.AppendInt(dst, e.PreviousID, 10)
	dst = append(dst, `,"timestamp":`...)
	// The timestamp needs no escaping: formatted in place, not as a string.
	var tb [40]byte
	dst = append(dst, '"')
	dst = append(dst, e.Timestamp.UTC().AppendFormat(tb[:0], "2006-01-02T15:04:05.000Z07:00")...)
	dst = append(dst, '"')
	dst = append(dst, `,"type":`...)
	dst = jsonv.AppendString(dst, string(e.Type))
	if e.kind == detailsNone {
		return append(dst, '}')
	}
	dst = append(dst, ',')
	dst = jsonv.AppendString(dst, e.detailsKey)
	dst = append(dst, ":{"...)
	w := fieldWriter{dst: dst}
	var xv eventExtra // a copy: encoding never changes the event
	if e.extra != nil {
		xv = *e.extra
	}
	x := &xv
	if e.res != nil {
		x.ResType, x.Resource = e.res.resourceType, e.res.resource
	}
	switch e.kind {
	case detailsExecutionStarted:
		w.payload("input", e.Data, e.Text)
		w.raw("inputDetails", `{"truncated":false}`)
		if x.RoleArn != "" {
			w.str("roleArn", x.RoleArn)
		}
	case detailsExecutionSucceeded:
		w.payload("output", e.Data, e.Text)
		w.raw("outputDetails", `{"truncated":false}`)
	case detailsErrorCause:
		if x.Resource != "" {
			w.str("resourceType", x.ResType)
			w.str("resource", x.Resource)
		}
		if x.HasError {
			w.str("error", x.Error)
		}
		if x.HasCause {
			w.str("cause", x.Cause)
		}
	case detailsStateEntered:
		w.str("name", e.Name)
		w.payload("input", e.Data, e.Text)
		w.raw("inputDetails", `{"truncated":false}`)
	case detailsStateExited:
		w.str("name", e.Name)
		w.payload("output", e.Data, e.Text)
		w.raw("outputDetails", `{"truncated":false}`)
		if e.Assigned != nil {
			w.key("assignedVariables")
			w.dst = jsonv.Append(w.dst, e.Assigned)
			w.raw("assignedVariablesDetails", `{"truncated":false}`)
		}
	case detailsMapStateStarted:
		w.key("length")
		w.dst = strconv.AppendInt(w.dst, int64(e.Length), 10)
	case detailsMapIteration:
		w.str("name", e.Name)
		w.key("index")
		w.dst = strconv.AppendInt(w.dst, int64(e.Index), 10)
	case detailsMapRunStarted:
		w.str("mapRunArn", x.MapRunArn)
	case detailsMapRunRedriven:
		w.str("mapRunArn", x.MapRunArn)
		w.key("redriveCount")
		w.dst = strconv.AppendInt(w.dst, int64(e.Index), 10)
	case detailsTaskScheduled:
		if e.Type != TaskScheduled {
			// LambdaFunctionScheduled and ActivityScheduled.
			w.str("resource", x.Resource)
			w.jsonString("input", x.Params)
			w.raw("inputDetails", `{"truncated":false}`)
			if x.Timeout > 0 {
				w.key("timeoutInSeconds")
				w.dst = strconv.AppendInt(w.dst, x.Timeout, 10)
			}
			if x.Heartbeat > 0 && e.Type != "LambdaFunctionScheduled" {
				w.key("heartbeatInSeconds")
				w.dst = strconv.AppendInt(w.dst, x.Heartbeat, 10)
			}
			break
		}
		w.str("resourceType", x.ResType)
		w.str("resource", x.Resource)
		w.str("region", x.Region)
		w.jsonString("parameters", x.Params)
		if x.Timeout > 0 {
			w.key("timeoutInSeconds")
			w.dst = strconv.AppendInt(w.dst, x.Timeout, 10)
		}
		if x.Heartbeat > 0 {
			w.key("heartbeatInSeconds")
			w.dst = strconv.AppendInt(w.dst, x.Heartbeat, 10)
		}
	case detailsEvaluationFailed:
		w.str("error", x.Error)
		w.str("cause", x.Cause)
		if loc, _ := e.Data.(string); loc != "" {
			w.str("location", loc)
		}
		w.str("state", e.Name)
	case detailsRedriven:
		w.key("redriveCount")
		w.dst = strconv.AppendInt(w.dst, int64(e.Index), 10)
	case detailsActivityStarted:
		if e.Name != "" {
			w.str("workerName", e.Name)
		}
	case detailsTaskStarted:
		w.str("resourceType", x.ResType)
		w.str("resource", x.Resource)
	case detailsTaskSucceeded:
		if e.res != nil {
			w.str("resourceType", x.ResType)
			w.str("resource", x.Resource)
		}
		w.jsonString("output", e.Data)
		w.raw("outputDetails", `{"truncated":false}`)
	}
	return append(w.dst, "}}"...)
}

// JSON returns the event in GetExecutionHistory's JSON shape.
func (e *HistoryEvent) JSON() string { return string(e.AppendJSON(nil)) }

type fieldWriter struct {
	dst []byte
	n   int
}

func (w *fieldWriter) key(k string) {
	if w.n > 0 {
		w.dst = append(w.dst, ',')
	}
	w.n++
	w.dst = jsonv.AppendString(w.dst, k)
	w.dst = append(w.dst, ':')
}

func (w *fieldWriter) str(k, v string) {
	w.key(k)
	w.dst = jsonv.AppendString(w.dst, v)
}

func (w *fieldWriter) raw(k, v string) {
	w.key(k)
	w.dst = append(w.dst, v...)
}

// payload writes a JSON document as a string value: text when set (the
// document exactly as it was sent), else v encoded.
func (w *fieldWriter) payload(k string, v jsonv.Value, text string) {
	if text == "" {
		w.jsonString(k, v)
		return
	}
	w.str(k, text)
}

// jsonString writes v's JSON text as a string value, as the API carries
// payloads.
func (w *fieldWriter) jsonString(k string, v jsonv.Value) {
	w.key(k)
	w.dst = jsonv.AppendString(w.dst, jsonv.Marshal(v))
}
