package runner

import (
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/store"
)

// changedMapRuns adds to t the map runs of lv's execution that changed
// since the last commit, and returns them.
func (r *Runner) changedMapRuns(lv *live, t *store.Transition) []engine.MapRunInfo {
	runs := lv.ex.MapRuns()
	var changed []engine.MapRunInfo
	for _, m := range runs {
		if old, ok := lv.mapRuns[m.Arn]; ok && old == m {
			continue
		}
		changed = append(changed, m)
		t.MapRuns = append(t.MapRuns, store.MapRun{
			Arn: m.Arn, ExecutionArn: lv.rec.Arn, StateMachineArn: mapRunMachine(m.Arn),
			Status: string(m.Status), StartDate: m.StartDate, StopDate: m.StopDate,
			MaxConcurrency: m.MaxConcurrency, ToleratedFailureCount: m.ToleratedFailureCount,
			ToleratedFailurePercentage: m.ToleratedFailurePercentage,
			ItemsTotal:                 int64(m.Total), ItemsSucceeded: int64(m.Succeeded), ItemsFailed: int64(m.Failed),
			ItemsRunning: int64(m.Running), RedriveCount: m.RedriveCount, RedriveDate: m.RedriveDate,
			Definition: m.Definition,
		})
	}
	return changed
}

// mapRunMachine returns the ARN of the state machine a map run executes,
// as AWS names it: the map run ARN's "mapRun:machine/label" as a state
// machine, without the run's id.
func mapRunMachine(mapRunArn string) string {
	arn := strings.Replace(mapRunArn, ":mapRun:", ":stateMachine:", 1)
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		arn = arn[:i]
	}
	return arn
}

// childTransitions returns the transitions of lv's distributed Map
// children that changed since the last commit: each is an execution of its
// own, under the map run, with its own history. They are not running
// executions of the runner: their parent's replay rebuilds them.
func (r *Runner) childTransitions(lv *live) []store.Transition {
	changes := lv.ex.ChildChanges()
	if len(changes) == 0 {
		return nil
	}
	ts := make([]store.Transition, len(changes))
	for i, c := range changes {
		rec := store.Execution{
			Arn: c.Arn, StateMachineArn: c.StateMachineArn, MapRunArn: c.MapRunArn, Name: c.Name, Type: "STANDARD",
			RoleArn: lv.rec.RoleArn, Status: string(c.Status), Input: jsonv.Marshal(c.Input), ItemCount: c.ItemCount,
			StartDate: c.StartDate, StopDate: c.StopDate, Error: c.Error, Cause: c.Cause,
			RedriveCount: c.RedriveCount, RedriveDate: c.RedriveDate,
		}
		if c.Status == engine.Succeeded {
			rec.Output, rec.HasOutput = jsonv.Marshal(c.Output), true
		}
		t := store.Transition{Execution: rec, Create: c.From == 0, HistoryFrom: int64(c.From)}
		t.Events = storeEvents(c.Events)
		ts[i] = t
	}
	return ts
}
