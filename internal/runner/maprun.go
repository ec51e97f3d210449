package runner

import (
	"strings"

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
