package engine

import (
	"time"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// MapRunInfo is a distributed Map state's map run as the execution knows
// it: its settings, its status and its children's counts. The engine keeps
// it beside the history (it changes no event), so the runner can store map
// runs as resources (DescribeMapRun).
type MapRunInfo struct {
	Arn       string
	Status    Status // Running, Succeeded, Failed or Aborted
	StartDate time.Time
	StopDate  time.Time // zero while running
	// MaxConcurrency is the most children in flight; 0 means no limit.
	MaxConcurrency int
	// ToleratedFailureCount and ToleratedFailurePercentage are the
	// failure tolerance (0 when not set).
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	// Child executions: in all, succeeded, failed and in flight.
	Total, Succeeded, Failed, Running int
	// Definition is the ItemProcessor the children run, as JSON
	// (DescribeStateMachineForExecution of a child).
	Definition string
	// RedriveCount counts the redrives of the map run (its execution's
	// RedriveExecution); RedriveDate is the last one's time.
	RedriveCount int
	RedriveDate  time.Time
}

// mapRun is the engine's record of one map run.
type mapRun struct {
	info  MapRunInfo
	fan   *fanout // the running fan-out; nil once the map run ended
	frame *frame  // the Map state's frame
	tol   toleranceSpec
}

// MapRuns returns the execution's map runs, in the order they started. A
// map run still running when the execution ends is aborted.
func (e *Execution) MapRuns() []MapRunInfo {
	if len(e.mapRuns) == 0 {
		return nil
	}
	out := make([]MapRunInfo, len(e.mapRuns))
	for i, r := range e.mapRuns {
		info := r.info
		if fan := r.fan; fan != nil {
			info.Succeeded, info.Failed, info.Running = fan.finished-fan.failures, fan.failures, fan.running
		}
		out[i] = info
	}
	return out
}

// abortMapRuns aborts the map runs still running (the execution ended).
func (e *Execution) abortMapRuns() {
	for _, r := range e.mapRuns {
		if r.fan != nil {
			e.endMapRun(r.fan, Aborted)
		}
	}
}

// startMapRun records the map run of fan, a distributed Map's fan-out that
// starts now.
func (e *Execution) startMapRun(f *frame, fan *fanout, tol toleranceSpec) {
	r := &mapRun{fan: fan, frame: f, tol: tol, info: MapRunInfo{
		Arn: fan.mapRunArn, Status: Running, StartDate: e.now, MaxConcurrency: fan.max,
		ToleratedFailureCount: tol.count, ToleratedFailurePercentage: tol.pct, Total: fan.total,
		Definition: jsonv.Marshal(f.state.ItemProcessor.Raw),
	}}
	fan.run = r
	e.mapRuns = append(e.mapRuns, r)
}

// endMapRun ends fan's map run, if it has one, with status st.
func (e *Execution) endMapRun(fan *fanout, st Status) {
	r := fan.run
	if r == nil || r.fan == nil {
		return
	}
	r.fan = nil
	r.info.Status, r.info.StopDate = st, e.now
	if st != Succeeded {
		// The children still running are aborted with it.
		for i := range fan.total {
			if c, ok := fan.active[i]; ok && c.log.child != nil && c.status != stDone {
				// Like a stopped execution's, linked to no event.
				e.record(c, ExecutionAborted, false).PreviousID = 0
				e.endChild(c, Aborted)
			}
		}
	}
	r.info.Succeeded, r.info.Failed = fan.finished-fan.failures, fan.failures
}

// toleranceSpec is a distributed Map's failure tolerance.
type toleranceSpec struct {
	count           int64
	pct             float64
	hasCount, isPct bool
}

// ok reports whether failures of total children are tolerated.
func (t toleranceSpec) ok(failures, total int) bool {
	if t.hasCount && int64(failures) <= t.count {
		return true
	}
	return t.isPct && total > 0 && float64(failures)*100/float64(total) <= t.pct
}

// updateMapRun changes a map run's settings; a map run that ended only
// records them.
func (e *Execution) updateMapRun(in UpdateMapRunInput) error {
	var r *mapRun
	for _, m := range e.mapRuns {
		if m.info.Arn == in.MapRunArn {
			r = m
		}
	}
	if r == nil {
		return ErrUnknownTarget
	}
	if in.MaxConcurrency != nil {
		r.info.MaxConcurrency = *in.MaxConcurrency
	}
	if in.ToleratedFailureCount != nil {
		r.info.ToleratedFailureCount = *in.ToleratedFailureCount
		r.tol.count, r.tol.hasCount = *in.ToleratedFailureCount, true
	}
	if in.ToleratedFailurePercentage != nil {
		r.info.ToleratedFailurePercentage = *in.ToleratedFailurePercentage
		r.tol.pct, r.tol.isPct = *in.ToleratedFailurePercentage, true
	}
	fan, f := r.fan, r.frame
	if fan == nil || f.fan != fan {
		return nil
	}
	fan.max = r.info.MaxConcurrency
	if in.ToleratedFailureCount != nil || in.ToleratedFailurePercentage != nil {
		fan.tolerated = r.tol.ok
	}
	if fan.failures > 0 && (fan.tolerated == nil || !fan.tolerated(fan.failures, fan.total)) {
		e.failFan(f, failure.New(failure.ExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded"))
	} else if f.state.Reader == nil || fan.items != nil {
		e.fill(f)
		e.settle(f)
	}
	if f.status != stWaiting {
		e.advance(f)
	}
	return nil
}

// stopChild stops the running child execution in.Child of a distributed
// Map (StopExecution of a child).
func (e *Execution) stopChild(in StopInput) error {
	for _, r := range e.mapRuns {
		if r.fan == nil {
			continue
		}
		for _, c := range r.fan.active {
			ch := c.log.child
			if ch == nil || ch.info.Arn != in.Child || c.status == stDone {
				continue
			}
			e.abortFrame(c)
			c.errName, c.errCause = in.Error, in.Cause
			ev := e.record(c, ExecutionAborted, false)
			ev.PreviousID = 0 // like a stopped execution's
			ev.kind, ev.detailsKey = detailsErrorCause, "executionAbortedEventDetails"
			ev.setError(in.Error, in.Cause, in.Error != "", in.Cause != "")
			e.endChild(c, Aborted)
			e.advance(c)
			return nil
		}
	}
	return ErrUnknownTarget
}

// redriveMapRun resumes r, the map run of the fan-out fan redrives, for
// fan: MapRunRedriven instead of MapRunStarted, with the map run's
// settings as they are now (UpdateMapRun may have changed them).
func (e *Execution) redriveMapRun(f *frame, fan *fanout, r *mapRun) {
	fan.mapRunArn, fan.run = r.info.Arn, r
	r.fan, r.frame = fan, f
	r.info.RedriveCount++
	r.info.RedriveDate = e.now
	r.info.Status, r.info.StopDate = Running, time.Time{}
	fan.max = r.info.MaxConcurrency
	fan.tolerated = nil
	if r.tol.hasCount || r.tol.isPct {
		fan.tolerated = r.tol.ok
	}
	ev := e.record(f, MapRunRedriven, true)
	ev.kind, ev.detailsKey, ev.Index = detailsMapRunRedriven, "mapRunRedrivenEventDetails", int32(r.info.RedriveCount)
	ev.x().MapRunArn = r.info.Arn
}
