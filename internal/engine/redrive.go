package engine

import "time"

// RedriveExecution runs again only what did not succeed: the state the
// execution stopped in, and inside a Parallel or Map state only the
// branches, iterations and child executions that failed or were stopped,
// each from the state it stopped in; children that succeeded keep their
// results and children never started start. A Distributed Map keeps its
// map run (MapRunRedriven) and redrives its failed child executions
// (ExecutionRedriven in theirs).

// reenter enters f's current state again, with the input it had, keeping
// the fan-out it stopped in for the state to redrive.
func (e *Execution) reenter(f *frame) {
	redo := f.redo
	if f.fan != nil {
		redo = f.fan // stopped while its children ran
	}
	f.fan, f.task = nil, nil
	f.failed, f.errName, f.errCause, f.output = false, "", "", nil
	e.enter(f, f.state.Name, f.input)
	f.redo = redo
}

// redriveFrame runs a failed or stopped branch or iteration again from the
// state it stopped in; its caller has set its linkage.
func (e *Execution) redriveFrame(c *frame) {
	for id, t := range e.timers {
		if t.frame == c {
			e.cancelTimer(id) // a stopped execution's timers were dropped; a stopped child's too
		}
	}
	e.reenter(c)
}

// restartIteration runs again c, an iteration of f's Map state that failed
// or was stopped: an inline iteration records MapIterationStarted again, a
// distributed Map's child execution ExecutionRedriven.
func (e *Execution) restartIteration(f *frame, c *frame) {
	fan := f.fan
	if fan.distributed {
		ch := c.log.child
		c.lastID = 0
		if ch != nil {
			ch.info.RedriveCount++
			ch.info.RedriveDate = e.now
			ch.info.Status, ch.info.StopDate, ch.info.Output, ch.info.Error, ch.info.Cause = Running, time.Time{}, nil, "", ""
			e.touched(ch)
		}
		count := int32(1)
		if ch != nil {
			count = int32(ch.info.RedriveCount)
		}
		ev := e.record(c, ExecutionRedriven, true)
		ev.PreviousID = int64(len(c.log.events) - 1)
		ev.kind, ev.detailsKey, ev.Index = detailsRedriven, "executionRedrivenEventDetails", count
	} else {
		c.lastID = f.lastID
		ev := e.record(c, MapIterationStarted, true)
		ev.kind, ev.detailsKey, ev.Name, ev.Index = detailsMapIteration, "mapIterationStartedEventDetails", f.state.Name, int32(c.index)
	}
	fan.active[c.index] = c
	fan.running++
	e.redriveFrame(c)
}
