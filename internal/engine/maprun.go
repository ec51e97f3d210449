package engine

import "time"

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
}

// mapRun is the engine's record of one map run.
type mapRun struct {
	info MapRunInfo
	fan  *fanout // the running fan-out; nil once the map run ended
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
func (e *Execution) startMapRun(fan *fanout, tol toleranceSpec) {
	r := &mapRun{fan: fan, info: MapRunInfo{
		Arn: fan.mapRunArn, Status: Running, StartDate: e.now, MaxConcurrency: fan.max,
		ToleratedFailureCount: tol.count, ToleratedFailurePercentage: tol.pct, Total: fan.total,
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
