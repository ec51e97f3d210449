package engine

import (
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// ChildExecution is a distributed Map's STANDARD child execution as it
// changed since the last ChildChanges: the runner stores it as an
// execution of its own (DescribeExecution, GetExecutionHistory,
// ListExecutions by map run). EXPRESS children are not kept, as on AWS.
type ChildExecution struct {
	Arn       string
	Name      string
	MapRunArn string
	// StateMachineArn is the map run's state machine: the parent's ARN
	// with "/" and the Map state's label.
	StateMachineArn string
	Input           jsonv.Value
	// ItemCount is how many items the child processes (a batch's items).
	ItemCount int
	Status    Status
	Output    jsonv.Value // when Succeeded
	Error     string
	Cause     string
	StartDate time.Time
	StopDate  time.Time // zero while running
	// RedriveCount counts the child's redrives (its map run's);
	// RedriveDate is the last one's time.
	RedriveCount int
	RedriveDate  time.Time
	// From is how many of the child's events earlier ChildChanges
	// returned (0: the child is new); Events are the ones since.
	From   int
	Events []HistoryEvent
}

// child is the engine's record of a STANDARD child execution.
type child struct {
	info  ChildExecution // Events unused: the log holds them
	log   *historyLog
	taken int  // events ChildChanges returned
	dirty bool // in Execution.dirtyChildren
}

// ChildChanges returns the child executions that changed since the last
// call, each with its events since then, in the order they changed.
func (e *Execution) ChildChanges() []ChildExecution {
	if len(e.dirtyChildren) == 0 {
		return nil
	}
	out := make([]ChildExecution, len(e.dirtyChildren))
	for i, c := range e.dirtyChildren {
		out[i] = c.info
		out[i].From = c.taken
		out[i].Events = c.log.events[c.taken:len(c.log.events):len(c.log.events)]
		c.taken, c.dirty = len(c.log.events), false
	}
	clear(e.dirtyChildren)
	e.dirtyChildren = e.dirtyChildren[:0]
	return out
}

// touched marks c as changed.
func (e *Execution) touched(c *child) {
	if !c.dirty {
		c.dirty = true
		e.dirtyChildren = append(e.dirtyChildren, c)
	}
}

// startChild records a STANDARD child execution for iteration frame f of
// fan (its ExecutionStarted is f's first event).
func (e *Execution) startChild(fan *fanout, f *frame, input jsonv.Value) {
	count := 1
	if fan.batched {
		if o, ok := input.(*jsonv.Object); ok {
			if items, ok := o.Get("Items"); ok {
				if list, ok := items.([]any); ok {
					count = len(list)
				}
			}
		}
	}
	name := childName(fan.mapRunArn, f.index)
	machine := mapRunMachineArn(fan.mapRunArn)
	c := &child{log: f.log, info: ChildExecution{
		Arn: childExecutionArn(machine, name, false), Name: name, MapRunArn: fan.mapRunArn,
		StateMachineArn: machine, Input: input, ItemCount: count, Status: Running, StartDate: e.now,
	}}
	f.log.child = c
	e.touched(c)
}

// endChild records how child frame f ended.
func (e *Execution) endChild(f *frame, st Status) {
	c := f.log.child
	if c == nil || c.info.Status != Running {
		return
	}
	c.info.Status, c.info.StopDate = st, e.now
	switch st {
	case Succeeded:
		c.info.Output = f.output
	case Failed, Aborted:
		c.info.Error, c.info.Cause = f.errName, f.errCause
	}
	e.touched(c)
}
