package engine_test

import (
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// recorded is one input fed to an execution, as a durable runner logs it.
type recorded struct {
	in engine.Input
	at time.Time
}

// TestReplayRebuildsExecution checks what durability rests on: replaying an
// execution's logged inputs at their logged times rebuilds the same
// history, and the rebuilt execution waits for the same timers and tasks.
func TestReplayRebuildsExecution(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"W","States":{
		"W":{"Type":"Wait","Seconds":5,"Next":"P"},
		"P":{"Type":"Parallel","Next":"T","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"t.$":"$$.Task.Token"},"End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","HeartbeatSeconds":30,"End":true}}}]},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":60,"End":true}}}`
	sm, err := asl.Parse(def, asl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	info := engine.Info{ExecutionArn: "arn:aws:states:us-east-1:111111111111:execution:m:e", Name: "e", Region: "us-east-1", Account: "111111111111", Seed: 42}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	input := jsonv.MustParse(`{"k":1}`)

	live := engine.Start(sm, info, input, t0)
	var log []recorded
	apply := func(in engine.Input, at time.Time) {
		t.Helper()
		if err := live.Apply(in, at); err != nil {
			t.Fatalf("apply %T: %v", in, err)
		}
		log = append(log, recorded{in, at})
	}
	timers := live.PendingTimers()
	if len(timers) != 1 || !timers[0].At.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("pending timers after start = %+v", timers)
	}
	apply(engine.TimerFiredInput{TimerID: timers[0].TimerID}, timers[0].At)
	tasks := live.PendingTasks()
	if len(tasks) != 2 || tasks[0].TaskToken == "" {
		t.Fatalf("pending tasks in the Parallel = %+v", tasks)
	}
	apply(engine.TaskStartedInput{TaskID: tasks[1].TaskID}, t0.Add(6*time.Second))

	// Rebuild from the log, as after a crash, and compare.
	rebuilt := engine.Start(sm, info, input, t0)
	for _, r := range log {
		if err := rebuilt.Apply(r.in, r.at); err != nil {
			t.Fatalf("replay %T: %v", r.in, err)
		}
	}
	if got, want := historyText(rebuilt), historyText(live); got != want {
		t.Fatalf("replayed history differs\n got %s\nwant %s", got, want)
	}
	if got, want := rebuilt.PendingTasks(), live.PendingTasks(); len(got) != len(want) || got[0].TaskToken != want[0].TaskToken || got[1].TaskID != want[1].TaskID {
		t.Fatalf("replayed pending tasks %+v, want %+v", got, want)
	}
	if got, want := rebuilt.PendingTimers(), live.PendingTimers(); len(got) != 1 || len(want) != 1 || got[0] != want[0] {
		t.Fatalf("replayed pending timers %+v, want %+v (the heartbeat of B)", got, want)
	}

	// Both finish the same way.
	for _, ex := range []*engine.Execution{live, rebuilt} {
		pt := ex.PendingTasks()
		at := t0.Add(7 * time.Second)
		must(t, ex.Apply(engine.TaskSucceededInput{TaskID: pt[0].TaskID, Output: jsonv.MustParse(`"a"`)}, at))
		must(t, ex.Apply(engine.TaskSucceededInput{TaskID: pt[1].TaskID, Output: jsonv.MustParse(`"b"`)}, at))
		last := ex.PendingTasks()
		must(t, ex.Apply(engine.TaskSucceededInput{TaskID: last[0].TaskID, Output: jsonv.MustParse(`{"done":true}`)}, at))
		if ex.Status() != engine.Succeeded || len(ex.PendingTimers()) != 0 {
			t.Fatalf("status %s, timers %v", ex.Status(), ex.PendingTimers())
		}
	}
	if historyText(rebuilt) != historyText(live) {
		t.Fatal("histories differ after finishing")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
