package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stepflow/stepflow/internal/store"
)

// mapRun returns a running map run of e started at at(n).
func mapRun(e store.Execution, label string, n int) store.MapRun {
	return store.MapRun{
		Arn:             arnPrefix + "mapRun:m/" + label + ":" + e.Name,
		ExecutionArn:    e.Arn,
		StateMachineArn: e.StateMachineArn,
		Status:          "RUNNING",
		StartDate:       at(n),
		MaxConcurrency:  5,
		ItemsRunning:    2,
		Definition:      `{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}`,
		// Tolerances as AWS shows them.
		ToleratedFailureCount:      2,
		ToleratedFailurePercentage: 12.5,
		ItemsTotal:                 10,
		ItemsSucceeded:             1,
	}
}

func normMapRun(m store.MapRun) store.MapRun {
	m.StartDate, m.StopDate = utc(m.StartDate), utc(m.StopDate)
	return m
}

func testMapRuns(t *testing.T, b *bundle) {
	e := execution("m", "e1", 1)
	_, err := b.s.GetMapRun(b.ctx, arnPrefix+"mapRun:m/x:y")
	wantErr(t, "GetMapRun(missing)", err, store.ErrNotFound)
	wantErr(t, "UpdateMapRun(missing)", b.s.UpdateMapRun(b.ctx, arnPrefix+"mapRun:m/x:y", store.MapRunUpdate{}), store.ErrNotFound)

	// Created with the execution; an empty ExecutionArn means the
	// transition's execution.
	mr := mapRun(e, "a", 2)
	in := mr
	in.ExecutionArn = ""
	must(t, "Commit(create)", b.s.Commit(b.ctx, []store.Transition{{Execution: e, Create: true, Events: events(0, 1),
		MapRuns: []store.MapRun{in}}}))
	got, err := b.s.GetMapRun(b.ctx, mr.Arn)
	must(t, "GetMapRun", err)
	if d := diff(got, mr, normMapRun); d != "" {
		t.Errorf("GetMapRun after create:\n%s", d)
	}

	// UpdateMapRun changes the settings it is given.
	maxc, pct := 0, 50.0
	must(t, "UpdateMapRun", b.s.UpdateMapRun(b.ctx, mr.Arn, store.MapRunUpdate{MaxConcurrency: &maxc, ToleratedFailurePercentage: &pct}))
	mr.MaxConcurrency, mr.ToleratedFailurePercentage = 0, 50

	// A transition's upsert changes status, stop date, settings and
	// counts only.
	up := mr
	up.Status, up.StopDate, up.ItemsSucceeded, up.ItemsFailed = "FAILED", at(9), 7, 3
	up.MaxConcurrency, up.ToleratedFailureCount, up.ToleratedFailurePercentage = 99, 98, 97
	up.ItemsRunning, up.RedriveCount, up.RedriveDate = 0, 1, at(8)
	changed := up
	changed.StartDate, changed.StateMachineArn, changed.Definition = at(50), machineArn("other"), `{"other":true}`
	must(t, "Commit(update)", b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 1, Events: events(1, 1),
		MapRuns: []store.MapRun{changed}}}))
	got, err = b.s.GetMapRun(b.ctx, mr.Arn)
	must(t, "GetMapRun", err)
	if d := diff(got, up, normMapRun); d != "" {
		t.Errorf("GetMapRun after update:\n%s", d)
	}

	// A failed commit writes no map run.
	bad := mapRun(e, "bad", 3)
	err = b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 0, Events: events(0, 1), MapRuns: []store.MapRun{bad}}})
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		t.Errorf("Commit(stale) = %v, want a ConflictError", err)
	}
	_, err = b.s.GetMapRun(b.ctx, bad.Arn)
	wantErr(t, "GetMapRun(after failed commit)", err, store.ErrNotFound)
}

func testListMapRuns(t *testing.T, b *bundle) {
	e := execution("m", "e1", 1)
	other := execution("m", "e2", 1)
	b.create(t, e, 1)
	b.create(t, other, 1)
	var all []store.MapRun
	for i := range 7 {
		// Several share a start date: they order by ARN, descending.
		mr := mapRun(e, fmt.Sprintf("r%d", i), i/2)
		must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: int64(i) + 1,
			Events: events(int64(i)+1, 1), MapRuns: []store.MapRun{mr}}}))
		all = append(all, mr)
	}
	want := sortedDesc(all)
	must(t, "Commit(other)", b.s.Commit(b.ctx, []store.Transition{{Execution: other, HistoryFrom: 1,
		Events: events(1, 1), MapRuns: []store.MapRun{mapRun(other, "o", 3)}}}))
	for _, limit := range []int{0, 1, 2, 3, 100} {
		pl := limit
		if pl == 0 {
			pl = 100
		}
		got := pageAll(t, pl, func(after string) ([]store.MapRun, string, error) {
			return b.s.ListMapRuns(b.ctx, e.Arn, limit, after)
		}, nil)
		var arns []string
		for _, m := range got {
			arns = append(arns, m.Arn)
		}
		if fmt.Sprint(arns) != fmt.Sprint(want) {
			t.Errorf("ListMapRuns(limit %d) = %v, want %v", limit, arns, want)
		}
	}
	got, next, err := b.s.ListMapRuns(b.ctx, execArn("m", "none"), 0, "")
	must(t, "ListMapRuns(unknown)", err)
	if len(got) != 0 || next != "" {
		t.Errorf("ListMapRuns(unknown) = %v, %q", got, next)
	}
	_, _, err = b.s.ListMapRuns(b.ctx, e.Arn, 1, "bad")
	wantErr(t, "ListMapRuns(bad cursor)", err, store.ErrInvalidCursor)
}

// sortedDesc returns the ARNs of runs in the suite's expected order: start
// date descending, then ARN descending.
func sortedDesc(runs []store.MapRun) []string {
	rs := append([]store.MapRun(nil), runs...)
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && less(rs[j-1], rs[j]); j-- {
			rs[j-1], rs[j] = rs[j], rs[j-1]
		}
	}
	out := make([]string, len(rs))
	for i, m := range rs {
		out[i] = m.Arn
	}
	return out
}

// less reports whether a sorts after b in the newest-first order.
func less(a, b store.MapRun) bool {
	if !a.StartDate.Equal(b.StartDate) {
		return a.StartDate.Before(b.StartDate)
	}
	return a.Arn < b.Arn
}
