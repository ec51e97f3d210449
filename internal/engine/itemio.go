package engine

import (
	"hash/fnv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// A distributed Map's ItemReader and ResultWriter talk to S3, which the
// engine cannot do: it asks for them with ScheduleTask commands of kind
// TaskItemReader and TaskResultWriter, and takes their answers back as
// TaskSucceededInput or TaskFailedInput, like any task. Such tasks record
// no history event (AWS shows none): the map run's events frame them.
//
// An item reader task's Parameters are
//
//	{"Parameters": {…}, "ReaderConfig": {…}, "ItemLimit": n}
//
// Parameters being the ItemReader's evaluated Parameters (JSONPath) or
// Arguments (JSONata), such as {"Bucket", "Key"} or {"Bucket", "Prefix"};
// ReaderConfig the ItemReader's ReaderConfig with MaxItems resolved (absent
// when there is no limit); ItemLimit the most items the engine accepts
// (MaxReaderItems). Its result is the array of items. A failure, whatever
// its name, fails the map run with States.ItemReaderFailed and its cause.
//
// A result writer task's Parameters are
//
//	{"Parameters": {"Bucket", "Prefix"}, "MapRunArn": …, "OutputType": "JSON"|"JSONL",
//	 "ResultFiles": {"FAILED": […], "PENDING": […], "SUCCEEDED": […]}}
//
// ResultFiles holding the child executions' results by status, already
// transformed as WriterConfig's Transformation says. Its result becomes the
// Map state's result ({"MapRunArn", "ResultWriterDetails": {"Bucket",
// "Key"}} on AWS). A failure fails the map run with
// States.ResultWriterFailed.

// TaskKind says what a ScheduleTask asks for.
type TaskKind uint8

const (
	// TaskState runs a Task state's resource; it records Task (Lambda,
	// Activity) history events.
	TaskState TaskKind = iota
	// TaskItemReader reads a distributed Map's items (ItemReader); it
	// records no history event.
	TaskItemReader
	// TaskResultWriter exports a distributed Map's child execution results
	// (ResultWriter); it records no history event.
	TaskResultWriter
)

// MaxReaderItems is the most items an ItemReader may read: a reader that
// finds more (beyond its MaxItems) fails the map run with
// States.ItemReaderFailed. AWS reads up to 100,000,000 items; Stepflow
// holds the items in memory and keeps a lower bound.
const MaxReaderItems = 100_000

// maxReaderMaxItems is the largest MaxItems AWS accepts: reading stops
// there.
const maxReaderMaxItems = 100_000_000

// childRecord is what a ResultWriter exports of one child execution.
type childRecord struct {
	input       jsonv.Value
	output      jsonv.Value
	start, stop time.Time
	started     bool
	failed      bool
	errName     string
	errCause    string
}

// readerRequest evaluates f's ItemReader against en (the Map's effective
// input, or its JSONata environment): the reader task's parameters.
func (e *Execution) readerRequest(f *frame, en *asl.Env) (jsonv.Value, error) {
	r := f.state.Reader
	var params jsonv.Value = jsonv.NewObject(0)
	if r.Parameters != nil {
		v, err := r.Parameters.Eval(en)
		if err != nil {
			return nil, err
		}
		params = v
	}
	maxItems := r.MaxItems
	var err error
	switch {
	case r.MaxItemsExpr != nil:
		maxItems, err = asl.QueryInt(r.MaxItemsExpr, en, "MaxItems", 0, maxReaderMaxItems)
	case r.MaxItemsPath != nil:
		maxItems, err = asl.IntField(en, 0, r.MaxItemsPath, "MaxItemsPath")
	}
	if err != nil {
		return nil, err
	}
	maxItems = min(maxItems, maxReaderMaxItems)
	n := 1
	if r.Config != nil {
		n += r.Config.Len()
	}
	cfg := jsonv.NewObject(n)
	if r.Config != nil {
		cfg.Members = append(cfg.Members, r.Config.Members...)
	}
	if maxItems > 0 {
		cfg.Set("MaxItems", jsonv.Int(maxItems))
	}
	req := jsonv.NewObject(3)
	req.Set("Parameters", params)
	req.Set("ReaderConfig", cfg)
	req.Set("ItemLimit", jsonv.Int(MaxReaderItems))
	return req, nil
}

// scheduleInternal asks for an item reader or result writer task for f's
// Map state; f waits for it.
func (e *Execution) scheduleInternal(f *frame, kind TaskKind, resource string, params jsonv.Value) {
	t := &pendingTask{id: e.nextID("task-")}
	if e.tasks == nil {
		e.tasks = map[string]*frame{}
	}
	e.tasks[t.id] = f
	f.task = t
	f.status = stWaiting
	t.cmd = ScheduleTask{TaskID: t.id, StateName: f.state.Name, Resource: resource, Parameters: params, Kind: kind}
	e.commands = append(e.commands, t.cmd)
}

// itemsRead takes the items f's ItemReader read and starts the map run's
// children.
func (e *Execution) itemsRead(f *frame, output jsonv.Value) {
	e.endTask(f)
	fan := f.fan
	if fan == nil {
		return
	}
	items, ok := output.([]any)
	switch {
	case !ok:
		e.failFan(f, failure.New(failure.ItemReaderFailed, "The item reader returned %s, not an array of items.", jsonv.TypeName(output)))
		return
	case len(items) > MaxReaderItems:
		e.failFan(f, failure.New(failure.ItemReaderFailed, "The item reader read more than %d items, the most Stepflow reads.", MaxReaderItems))
		return
	}
	fan.items, fan.total, fan.results = items, len(items), make([]any, len(items))
	if fan.distributed && f.state.Batcher != nil {
		en := e.env(f, fan.input)
		if f.state.JSONata {
			en = e.jenv(f, f.input)
		}
		if err := e.batch(f, fan, en); err != nil {
			e.failFan(f, e.runtimeError(f, err))
			return
		}
	}
	if fan.run != nil {
		fan.run.info.Total = fan.total
	}
	e.fill(f)
	e.settle(f)
}

// internalTaskFailed fails f's map run after its item reader or result
// writer failed.
func (e *Execution) internalTaskFailed(f *frame, kind TaskKind, cause string) {
	e.endTask(f)
	name := failure.ItemReaderFailed
	if kind == TaskResultWriter {
		name = failure.ResultWriterFailed
	}
	e.failFan(f, &failure.Error{Name: name, Cause: cause})
}

// writeResults runs f's ResultWriter once every child finished: it asks
// for the results to be exported (and waits), or, with only a
// WriterConfig, transforms them into the Map's result. It reports whether
// f waits or failed.
func (e *Execution) writeResults(f *frame, fan *fanout) bool {
	w := f.state.Writer
	transformation := w.Transformation
	if transformation == "" {
		transformation = "COMPACT"
		if w.Resource != "" {
			transformation = "NONE"
		}
	}
	if w.Resource == "" {
		out := make([]any, 0, fan.total)
		for i := range fan.total {
			out = e.appendResult(out, fan, i, transformation)
		}
		fan.written, fan.output = true, out
		return false
	}
	en := e.env(f, fan.input)
	if f.state.JSONata {
		en = e.jenv(f, f.input)
	}
	var params jsonv.Value = jsonv.NewObject(0)
	if w.Parameters != nil {
		v, err := w.Parameters.Eval(en)
		if err != nil {
			e.failFan(f, e.runtimeError(f, err))
			return true
		}
		params = v
	}
	var succeeded, failed, pending []any
	for i := range fan.total {
		r := childRec(fan, i)
		switch {
		case !r.started:
			pending = append(pending, e.childRecord(fan, i))
		case r.failed:
			failed = append(failed, e.childRecord(fan, i))
		default:
			succeeded = e.appendResult(succeeded, fan, i, transformation)
		}
	}
	files := jsonv.NewObject(3)
	files.Set("FAILED", nonNilList(failed))
	files.Set("PENDING", nonNilList(pending))
	files.Set("SUCCEEDED", nonNilList(succeeded))
	outputType := w.OutputType
	if outputType == "" {
		outputType = "JSON"
	}
	req := jsonv.NewObject(4)
	req.Set("Parameters", params)
	req.Set("MapRunArn", fan.mapRunArn)
	req.Set("OutputType", outputType)
	req.Set("ResultFiles", files)
	e.scheduleInternal(f, TaskResultWriter, w.Resource, req)
	return true
}

// resultsWritten takes the result writer's answer as the Map's result.
func (e *Execution) resultsWritten(f *frame, output jsonv.Value) {
	e.endTask(f)
	fan := f.fan
	if fan == nil {
		return
	}
	fan.written, fan.output = true, output
	e.settle(f)
}

func nonNilList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// childRec returns child i's record (an empty one when the child never
// started).
func childRec(fan *fanout, i int) *childRecord {
	if fan.records == nil {
		return &childRecord{}
	}
	return &fan.records[i]
}

// appendResult appends child i's result to out as transformation says:
// NONE its whole record; COMPACT its output; FLATTEN its output, an
// array's elements one by one. A failed child is always its whole record.
func (e *Execution) appendResult(out []any, fan *fanout, i int, transformation string) []any {
	r := childRec(fan, i)
	if transformation == "NONE" || r.failed || !r.started {
		return append(out, e.childRecord(fan, i))
	}
	if list, ok := r.output.([]any); ok && transformation == "FLATTEN" {
		return append(out, list...)
	}
	return append(out, r.output)
}

// childRecord describes child i as ResultWriter exports it (the members
// in AWS's alphabetical order).
func (e *Execution) childRecord(fan *fanout, i int) *jsonv.Object {
	r := childRec(fan, i)
	name := childName(fan.mapRunArn, i)
	machine := mapRunMachineArn(fan.mapRunArn)
	included := jsonv.NewObject(1)
	included.Set("Included", true)
	o := jsonv.NewObject(15)
	status := "SUCCEEDED"
	switch {
	case !r.started:
		status = "PENDING"
	case r.failed:
		status = "FAILED"
		if r.errCause != "" {
			o.Set("Cause", r.errCause)
		}
		if r.errName != "" {
			o.Set("Error", r.errName)
		}
	}
	o.Set("ExecutionArn", childExecutionArn(machine, name, fan.express))
	input := r.input
	if !r.started {
		input = fan.items[i]
	}
	o.Set("Input", jsonv.Marshal(input))
	o.Set("InputDetails", included)
	o.Set("Name", name)
	if status == "SUCCEEDED" {
		o.Set("Output", jsonv.Marshal(r.output))
		o.Set("OutputDetails", included)
	}
	o.Set("RedriveCount", jsonv.Int(0))
	switch status {
	case "SUCCEEDED":
		o.Set("RedriveStatus", "NOT_REDRIVABLE")
		o.Set("RedriveStatusReason", "Execution is SUCCEEDED and cannot be redriven")
	case "FAILED":
		o.Set("RedriveStatus", "REDRIVABLE_BY_MAP_RUN")
	default:
		o.Set("RedriveStatus", "NOT_REDRIVABLE")
	}
	if r.started {
		o.Set("StartDate", r.start.UTC().Format(timeFormat))
	}
	o.Set("StateMachineArn", machine)
	o.Set("Status", status)
	if r.started {
		o.Set("StopDate", r.stop.UTC().Format(timeFormat))
	}
	return o
}

// childName is the name of a map run's child execution i: a UUID made
// from the map run's ARN and i, so that replays give the same names.
func childName(mapRunArn string, i int) string {
	h := fnv.New64a()
	h.Write([]byte(mapRunArn))
	r := rng{state: h.Sum64() ^ uint64(i)*0xbf58476d1ce4e5b9}
	return r.uuid()
}

// mapRunMachineArn is the ARN of the state machine a map run's children
// execute: the map run ARN's "mapRun:machine/label" as a state machine,
// without the run's id.
func mapRunMachineArn(mapRunArn string) string {
	arn := strings.Replace(mapRunArn, ":mapRun:", ":stateMachine:", 1)
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		arn = arn[:i]
	}
	return arn
}

// childExecutionArn is the ARN of child execution name of machine (an
// EXPRESS one when express is set).
func childExecutionArn(machine, name string, express bool) string {
	kind := ":execution:"
	if express {
		kind = ":express:"
	}
	return strings.Replace(machine, ":stateMachine:", kind, 1) + ":" + name
}
