package engine_test

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
)

func TestMapRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		def    string
		input  string
		status engine.Status
		want   engine.MapRunInfo // Arn, dates ignored
	}{
		{name: "succeeded", def: mapMachine(`"MaxConcurrency":2`, distributed(itemPass)), input: `[1,2,3]`,
			status: engine.Succeeded, want: engine.MapRunInfo{MaxConcurrency: 2, Total: 3, Succeeded: 3}},
		{name: "tolerated failures", def: mapMachine(`"ToleratedFailureCount":1,"ToleratedFailurePercentage":50`, distributed(itemFailOdd)),
			input: `[{"fail":true},{"fail":false},{"fail":false}]`, status: engine.Succeeded,
			want: engine.MapRunInfo{ToleratedFailureCount: 1, ToleratedFailurePercentage: 50, Total: 3, Succeeded: 2, Failed: 1}},
		{name: "failed", def: mapMachine(``, distributed(itemFailOdd)), input: `[{"fail":false},{"fail":true}]`,
			status: engine.Failed, want: engine.MapRunInfo{Total: 2, Succeeded: 1, Failed: 1}},
		{name: "inline has none", def: mapMachine(``, inline(itemPass)), input: `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, tt.def, tt.input, nil)
			runs := ex.MapRuns()
			if tt.status == "" {
				if len(runs) != 0 {
					t.Fatalf("MapRuns() = %+v, want none", runs)
				}
				return
			}
			if len(runs) != 1 {
				t.Fatalf("MapRuns() = %+v, want one", runs)
			}
			got := runs[0]
			if !strings.Contains(got.Arn, ":mapRun:") || got.StartDate.IsZero() || got.StopDate.IsZero() {
				t.Errorf("map run %+v: want an ARN and dates", got)
			}
			if ev := event(t, ex, engine.MapRunStarted, 0); field(details(t, ev), "mapRunArn") != `"`+got.Arn+`"` {
				t.Errorf("MapRunStarted names another ARN than %s", got.Arn)
			}
			tt.want.Arn, tt.want.StartDate, tt.want.StopDate, tt.want.Status = got.Arn, got.StartDate, got.StopDate, tt.status
			if got != tt.want {
				t.Errorf("MapRuns()[0] = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMapRunsAborted(t *testing.T) {
	t.Parallel()
	d := start(t, mapMachine(`"MaxConcurrency":1`, distributed(itemTask)), `[1,2]`)
	d.task()
	runs := d.ex.MapRuns()
	if len(runs) != 1 || runs[0].Status != engine.Running || runs[0].Running != 1 || !runs[0].StopDate.IsZero() {
		t.Fatalf("running MapRuns() = %+v", runs)
	}
	d.apply(engine.StopInput{Error: "E"}, sec(5))
	runs = d.ex.MapRuns()
	if len(runs) != 1 || runs[0].Status != engine.Aborted || !runs[0].StopDate.Equal(sec(5)) || runs[0].Succeeded != 0 {
		t.Fatalf("stopped MapRuns() = %+v", runs)
	}
}
