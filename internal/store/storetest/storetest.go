// Package storetest is the conformance suite of store.Store: every
// implementation runs Exercise against fresh stores of its own and must
// pass it. It checks the contract written in package store (errors,
// orders, paging, Commit atomicity, leases), not an implementation's
// internals.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/store"
)

// Exercise runs the conformance suite. open must return a new, empty store
// for each call; Exercise closes it when the calling test ends. Subtests
// run in parallel.
func Exercise(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	setup := func(t *testing.T) *bundle {
		t.Helper()
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return &bundle{s: s, ctx: t.Context()}
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, b *bundle)
	}{
		{"StateMachineCRUD", testStateMachineCRUD},
		{"ListStateMachines", testListStateMachines},
		{"Versions", testVersions},
		{"Aliases", testAliases},
		{"DeleteStateMachineCascade", testDeleteStateMachineCascade},
		{"Activities", testActivities},
		{"Tags", testTags},
		{"InvalidCursor", testInvalidCursor},
		{"ExecutionRoundTrip", testExecutionRoundTrip},
		{"CommitErrors", testCommitErrors},
		{"CommitAtomic", testCommitAtomic},
		{"CommitSameExecutionTwice", testCommitSameExecutionTwice},
		{"History", testHistory},
		{"ListExecutions", testListExecutions},
		{"ListExecutionsPaging", testListExecutionsPaging},
		{"Running", testRunning},
		{"Timers", testTimers},
		{"Tokens", testTokens},
		{"LeaseOrder", testLeaseOrder},
		{"LeaseConcurrent", testLeaseConcurrent},
		{"ConcurrentCommits", testConcurrentCommits},
		{"MapRuns", testMapRuns},
		{"ListMapRuns", testListMapRuns},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, setup(t))
		})
	}
}

// bundle is what a test of the suite works with.
type bundle struct {
	s   store.Store
	ctx context.Context
}

// t0 is the suite's base time; every time it stores is t0 plus whole
// nanoseconds, in UTC.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891011121, time.UTC)

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

const arnPrefix = "arn:aws:states:us-east-1:123456789012:"

func machineArn(name string) string  { return arnPrefix + "stateMachine:" + name }
func activityArn(name string) string { return arnPrefix + "activity:" + name }
func execArn(machine, name string) string {
	return arnPrefix + "execution:" + machine + ":" + name
}

// machine returns a state machine named name created at at(n).
func machine(name string, n int) store.StateMachine {
	return store.StateMachine{
		Arn:           machineArn(name),
		Name:          name,
		Type:          "STANDARD",
		Definition:    `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
		RoleArn:       "arn:aws:iam::123456789012:role/r",
		Description:   "d " + name,
		RevisionID:    "rev-1",
		Status:        "ACTIVE",
		CreationDate:  at(n),
		UpdateDate:    at(n),
		Configuration: `{"loggingConfiguration":{"level":"OFF"}}`,
	}
}

// execution returns a RUNNING execution of machine m named name, started
// at at(n).
func execution(m, name string, n int) store.Execution {
	return store.Execution{
		Arn:             execArn(m, name),
		StateMachineArn: machineArn(m),
		Name:            name,
		Type:            "STANDARD",
		Definition:      `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
		RoleArn:         "arn:aws:iam::123456789012:role/r",
		Status:          "RUNNING",
		Input:           `{"b":1,"a":2}`,
		StartDate:       at(n),
		Seed:            uint64(n) + 1<<63,
		TraceHeader:     "Root=1-" + name,
	}
}

// events returns events from+1 … from+n.
func events(from int64, n int) []store.Event {
	out := make([]store.Event, n)
	for i := range out {
		id := from + int64(i) + 1
		out[i] = store.Event{ID: id, JSON: []byte(`{"id":` + strconv.FormatInt(id, 10) + `}`)}
	}
	return out
}

// create commits the start of e with n events.
func (b *bundle) create(t *testing.T, e store.Execution, n int) {
	t.Helper()
	err := b.s.Commit(b.ctx, []store.Transition{{Execution: e, Create: true, Events: events(0, n),
		Inputs: []store.Input{{Seq: 1, At: e.StartDate, Kind: "start", Payload: []byte("in-1")}}}})
	if err != nil {
		t.Fatalf("Commit(create %s): %v", e.Name, err)
	}
}

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// must fails the test now on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// utc normalizes a time for comparison.
func utc(t time.Time) time.Time { return t.Round(0).UTC() }

// diff reports the first difference between two values as text, "" if
// equal; times compare as instants.
func diff[T any](got, want T, norm func(T) T) string {
	g, w := fmt.Sprintf("%+v", norm(got)), fmt.Sprintf("%+v", norm(want))
	if g == w {
		return ""
	}
	return "got  " + g + "\nwant " + w
}

func normMachine(sm store.StateMachine) store.StateMachine {
	sm.CreationDate, sm.UpdateDate = utc(sm.CreationDate), utc(sm.UpdateDate)
	return sm
}

func normVersion(v store.Version) store.Version {
	v.CreationDate = utc(v.CreationDate)
	return v
}

func normAlias(a store.Alias) store.Alias {
	a.CreationDate, a.UpdateDate = utc(a.CreationDate), utc(a.UpdateDate)
	return a
}

func normActivity(a store.Activity) store.Activity {
	a.CreationDate = utc(a.CreationDate)
	return a
}

func normExecution(e store.Execution) store.Execution {
	e.StartDate, e.StopDate, e.RedriveDate = utc(e.StartDate), utc(e.StopDate), utc(e.RedriveDate)
	return e
}

func normToken(tk store.Token) store.Token {
	tk.Created = utc(tk.Created)
	return tk
}

func testStateMachineCRUD(t *testing.T, b *bundle) {
	sm := machine("m1", 1)
	_, err := b.s.GetStateMachine(b.ctx, sm.Arn)
	wantErr(t, "GetStateMachine(missing)", err, store.ErrNotFound)
	wantErr(t, "UpdateStateMachine(missing)", b.s.UpdateStateMachine(b.ctx, sm), store.ErrNotFound)
	wantErr(t, "DeleteStateMachine(missing)", b.s.DeleteStateMachine(b.ctx, sm.Arn), store.ErrNotFound)

	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, sm, []store.Tag{{Key: "k", Value: "v"}}))
	other := machine("m1", 2)
	other.Definition = "{}"
	wantErr(t, "CreateStateMachine(again)", b.s.CreateStateMachine(b.ctx, other, nil), store.ErrExists)
	got, err := b.s.GetStateMachine(b.ctx, sm.Arn)
	must(t, "GetStateMachine", err)
	if d := diff(got, sm, normMachine); d != "" {
		t.Errorf("GetStateMachine after create:\n%s", d)
	}

	up := sm
	up.Definition = `{"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}}`
	up.RoleArn, up.Description, up.RevisionID = "arn:aws:iam::123456789012:role/r2", "d2", "rev-2"
	up.UpdateDate = at(10)
	up.Configuration = `{"tracingConfiguration":{"enabled":true}}`
	up.Status = "DELETING"
	must(t, "UpdateStateMachine", b.s.UpdateStateMachine(b.ctx, up))
	got, err = b.s.GetStateMachine(b.ctx, sm.Arn)
	must(t, "GetStateMachine", err)
	if d := diff(got, up, normMachine); d != "" {
		t.Errorf("GetStateMachine after update:\n%s", d)
	}

	must(t, "DeleteStateMachine", b.s.DeleteStateMachine(b.ctx, sm.Arn))
	_, err = b.s.GetStateMachine(b.ctx, sm.Arn)
	wantErr(t, "GetStateMachine(deleted)", err, store.ErrNotFound)
	wantErr(t, "DeleteStateMachine(deleted)", b.s.DeleteStateMachine(b.ctx, sm.Arn), store.ErrNotFound)
	must(t, "CreateStateMachine(after delete)", b.s.CreateStateMachine(b.ctx, sm, nil))
}

// pageAll lists every page of limit items with list, calling between(i)
// after page i, and fails on a page longer than limit.
func pageAll[T any](t *testing.T, limit int, list func(after string) ([]T, string, error), between func(page int)) []T {
	t.Helper()
	var all []T
	after := ""
	for i := 0; ; i++ {
		items, next, err := list(after)
		must(t, "list page "+strconv.Itoa(i), err)
		if len(items) > limit {
			t.Fatalf("page %d has %d items, limit %d", i, len(items), limit)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		if len(items) == 0 {
			t.Fatalf("page %d is empty but has a next cursor", i)
		}
		if i > 1000 {
			t.Fatal("paging does not end")
		}
		after = next
		if between != nil {
			between(i)
		}
	}
}

func testListStateMachines(t *testing.T, b *bundle) {
	items, next, err := b.s.ListStateMachines(b.ctx, 0, "")
	must(t, "ListStateMachines(empty)", err)
	if len(items) != 0 || next != "" {
		t.Errorf("ListStateMachines(empty) = %d items, next %q", len(items), next)
	}
	// Creation order differs from name order; two share a creation date.
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("m%02d", (i*7)%23)
		n := i
		if i == 5 {
			n = 4
		}
		must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, machine(name, n), nil))
		want = append(want, machineArn(name))
	}
	// Same creation date: ordered by ARN.
	if want[4] > want[5] {
		want[4], want[5] = want[5], want[4]
	}
	added := 0
	got := pageAll(t, 5, func(after string) ([]store.StateMachine, string, error) {
		return b.s.ListStateMachines(b.ctx, 5, after)
	}, func(page int) {
		if page < 2 {
			// Rows added while paging come after the ones listed so far.
			name := fmt.Sprintf("new%d", page)
			must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, machine(name, 100+page), nil))
			want = append(want, machineArn(name))
			added++
		}
	})
	var arns []string
	for _, sm := range got {
		arns = append(arns, sm.Arn)
	}
	if !slices.Equal(arns, want) {
		t.Errorf("paged state machines:\ngot  %v\nwant %v", arns, want)
	}
	all, next, err := b.s.ListStateMachines(b.ctx, 0, "")
	must(t, "ListStateMachines(limit 0)", err)
	if len(all) != 23+added || next != "" {
		t.Errorf("ListStateMachines(limit 0) = %d items, next %q; want %d, none", len(all), next, 23+added)
	}
	if len(all) > 0 {
		if d := diff(all[0], machine("m00", 0), normMachine); d != "" {
			t.Errorf("listed state machine:\n%s", d)
		}
	}
}

func testVersions(t *testing.T, b *bundle) {
	sm := machine("m", 1)
	_, err := b.s.PublishVersion(b.ctx, store.Version{StateMachineArn: sm.Arn})
	wantErr(t, "PublishVersion(missing machine)", err, store.ErrNotFound)
	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, sm, nil))
	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, machine("other", 1), nil))

	publish := func(n int) store.Version {
		t.Helper()
		v, err := b.s.PublishVersion(b.ctx, store.Version{
			StateMachineArn: sm.Arn, Definition: "def" + strconv.Itoa(n), RoleArn: sm.RoleArn,
			Description: "v" + strconv.Itoa(n), RevisionID: "rev" + strconv.Itoa(n), CreationDate: at(n),
			Configuration: "{}",
		})
		must(t, "PublishVersion", err)
		return v
	}
	v1 := publish(1)
	if v1.Number != 1 || v1.Arn != sm.Arn+":1" {
		t.Errorf("first version = %d %s, want 1 %s:1", v1.Number, v1.Arn, sm.Arn)
	}
	got, err := b.s.GetVersion(b.ctx, v1.Arn)
	must(t, "GetVersion", err)
	if d := diff(got, v1, normVersion); d != "" {
		t.Errorf("GetVersion:\n%s", d)
	}
	publish(2)
	v3 := publish(3)
	must(t, "DeleteVersion", b.s.DeleteVersion(b.ctx, v3.Arn))
	wantErr(t, "DeleteVersion(deleted)", b.s.DeleteVersion(b.ctx, v3.Arn), store.ErrNotFound)
	_, err = b.s.GetVersion(b.ctx, v3.Arn)
	wantErr(t, "GetVersion(deleted)", err, store.ErrNotFound)
	if v := publish(4); v.Number != 4 {
		t.Errorf("version after deleting the last = %d, want 4 (numbers are never reused)", v.Number)
	}
	for n := 5; n <= 12; n++ {
		publish(n)
	}
	ov, err := b.s.PublishVersion(b.ctx, store.Version{StateMachineArn: machineArn("other"), CreationDate: at(1)})
	must(t, "PublishVersion(other)", err)
	if ov.Number != 1 {
		t.Errorf("other machine's first version = %d, want 1", ov.Number)
	}

	got2 := pageAll(t, 4, func(after string) ([]store.Version, string, error) {
		return b.s.ListVersions(b.ctx, sm.Arn, 4, after)
	}, nil)
	var nums []int64
	for _, v := range got2 {
		nums = append(nums, v.Number)
	}
	if want := []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 2, 1}; !slices.Equal(nums, want) {
		t.Errorf("ListVersions numbers = %v, want %v", nums, want)
	}
}

func testAliases(t *testing.T, b *bundle) {
	sm := machine("m", 1)
	a := store.Alias{Arn: sm.Arn + ":prod", StateMachineArn: sm.Arn, Name: "prod", Description: "d",
		Routing: `[{"stateMachineVersionArn":"` + sm.Arn + `:1","weight":100}]`, CreationDate: at(1), UpdateDate: at(1)}
	wantErr(t, "CreateAlias(missing machine)", b.s.CreateAlias(b.ctx, a), store.ErrNotFound)
	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, sm, nil))
	_, err := b.s.GetAlias(b.ctx, a.Arn)
	wantErr(t, "GetAlias(missing)", err, store.ErrNotFound)
	wantErr(t, "UpdateAlias(missing)", b.s.UpdateAlias(b.ctx, a), store.ErrNotFound)
	wantErr(t, "DeleteAlias(missing)", b.s.DeleteAlias(b.ctx, a.Arn), store.ErrNotFound)
	must(t, "CreateAlias", b.s.CreateAlias(b.ctx, a))
	wantErr(t, "CreateAlias(again)", b.s.CreateAlias(b.ctx, a), store.ErrExists)
	got, err := b.s.GetAlias(b.ctx, a.Arn)
	must(t, "GetAlias", err)
	if d := diff(got, a, normAlias); d != "" {
		t.Errorf("GetAlias:\n%s", d)
	}
	up := a
	up.Description, up.Routing, up.UpdateDate = "d2", "[]", at(5)
	must(t, "UpdateAlias", b.s.UpdateAlias(b.ctx, up))
	got, err = b.s.GetAlias(b.ctx, a.Arn)
	must(t, "GetAlias", err)
	if d := diff(got, up, normAlias); d != "" {
		t.Errorf("GetAlias after update:\n%s", d)
	}
	var want []string
	for i := range 7 {
		name := "a" + strconv.Itoa(i)
		al := a
		al.Arn, al.Name, al.CreationDate = sm.Arn+":"+name, name, at(10+i)
		must(t, "CreateAlias", b.s.CreateAlias(b.ctx, al))
		want = append(want, al.Arn)
	}
	want = append([]string{a.Arn}, want...)
	list := pageAll(t, 3, func(after string) ([]store.Alias, string, error) {
		return b.s.ListAliases(b.ctx, sm.Arn, 3, after)
	}, nil)
	var arns []string
	for _, al := range list {
		arns = append(arns, al.Arn)
	}
	if !slices.Equal(arns, want) {
		t.Errorf("ListAliases = %v, want %v", arns, want)
	}
	must(t, "DeleteAlias", b.s.DeleteAlias(b.ctx, a.Arn))
	_, err = b.s.GetAlias(b.ctx, a.Arn)
	wantErr(t, "GetAlias(deleted)", err, store.ErrNotFound)
}

func testDeleteStateMachineCascade(t *testing.T, b *bundle) {
	sm := machine("m", 1)
	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, sm, []store.Tag{{Key: "k", Value: "v"}}))
	keep := machine("m-keep", 1)
	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, keep, []store.Tag{{Key: "k", Value: "v"}}))
	v, err := b.s.PublishVersion(b.ctx, store.Version{StateMachineArn: sm.Arn, CreationDate: at(2)})
	must(t, "PublishVersion", err)
	kv, err := b.s.PublishVersion(b.ctx, store.Version{StateMachineArn: keep.Arn, CreationDate: at(2)})
	must(t, "PublishVersion", err)
	a := store.Alias{Arn: sm.Arn + ":live", StateMachineArn: sm.Arn, Name: "live", Routing: "[]", CreationDate: at(3)}
	must(t, "CreateAlias", b.s.CreateAlias(b.ctx, a))
	e := execution("m", "e1", 4)
	e.VersionArn = v.Arn
	b.create(t, e, 2)

	must(t, "DeleteStateMachine", b.s.DeleteStateMachine(b.ctx, sm.Arn))
	_, err = b.s.GetVersion(b.ctx, v.Arn)
	wantErr(t, "GetVersion(of deleted machine)", err, store.ErrNotFound)
	_, err = b.s.GetAlias(b.ctx, a.Arn)
	wantErr(t, "GetAlias(of deleted machine)", err, store.ErrNotFound)
	_, err = b.s.ListTags(b.ctx, sm.Arn)
	wantErr(t, "ListTags(deleted machine)", err, store.ErrNotFound)
	if _, err := b.s.GetExecution(b.ctx, e.Arn); err != nil {
		t.Errorf("GetExecution(of deleted machine): %v; executions stay", err)
	}
	if h, err := b.s.History(b.ctx, e.Arn, 0, 0, false); err != nil || len(h) != 2 {
		t.Errorf("History(of deleted machine) = %d events, %v; want 2", len(h), err)
	}
	// Recreated under the same name: no tags, no versions, no aliases.
	must(t, "CreateStateMachine(again)", b.s.CreateStateMachine(b.ctx, sm, nil))
	tags, err := b.s.ListTags(b.ctx, sm.Arn)
	must(t, "ListTags", err)
	if len(tags) != 0 {
		t.Errorf("recreated machine has tags %v", tags)
	}
	vs, _, err := b.s.ListVersions(b.ctx, sm.Arn, 0, "")
	must(t, "ListVersions", err)
	as, _, err := b.s.ListAliases(b.ctx, sm.Arn, 0, "")
	must(t, "ListAliases", err)
	if len(vs) != 0 || len(as) != 0 {
		t.Errorf("recreated machine has %d versions, %d aliases", len(vs), len(as))
	}
	// The other machine (whose name extends the deleted one's) is intact.
	if _, err := b.s.GetVersion(b.ctx, kv.Arn); err != nil {
		t.Errorf("GetVersion(other machine): %v", err)
	}
	if tags, err := b.s.ListTags(b.ctx, keep.Arn); err != nil || len(tags) != 1 {
		t.Errorf("ListTags(other machine) = %v, %v", tags, err)
	}
}

func testActivities(t *testing.T, b *bundle) {
	a := store.Activity{Arn: activityArn("act"), Name: "act", CreationDate: at(1)}
	_, err := b.s.GetActivity(b.ctx, a.Arn)
	wantErr(t, "GetActivity(missing)", err, store.ErrNotFound)
	wantErr(t, "DeleteActivity(missing)", b.s.DeleteActivity(b.ctx, a.Arn), store.ErrNotFound)
	must(t, "CreateActivity", b.s.CreateActivity(b.ctx, a, []store.Tag{{Key: "team", Value: "x"}}))
	wantErr(t, "CreateActivity(again)", b.s.CreateActivity(b.ctx, a, nil), store.ErrExists)
	got, err := b.s.GetActivity(b.ctx, a.Arn)
	must(t, "GetActivity", err)
	if d := diff(got, a, normActivity); d != "" {
		t.Errorf("GetActivity:\n%s", d)
	}
	tags, err := b.s.ListTags(b.ctx, a.Arn)
	must(t, "ListTags", err)
	if !slices.Equal(tags, []store.Tag{{Key: "team", Value: "x"}}) {
		t.Errorf("activity tags = %v", tags)
	}
	want := []string{a.Arn}
	for i := range 9 {
		name := "act" + strconv.Itoa(9-i)
		must(t, "CreateActivity", b.s.CreateActivity(b.ctx, store.Activity{Arn: activityArn(name), Name: name, CreationDate: at(2 + i)}, nil))
		want = append(want, activityArn(name))
	}
	list := pageAll(t, 4, func(after string) ([]store.Activity, string, error) {
		return b.s.ListActivities(b.ctx, 4, after)
	}, nil)
	var arns []string
	for _, x := range list {
		arns = append(arns, x.Arn)
	}
	if !slices.Equal(arns, want) {
		t.Errorf("ListActivities = %v, want %v", arns, want)
	}
	must(t, "DeleteActivity", b.s.DeleteActivity(b.ctx, a.Arn))
	_, err = b.s.GetActivity(b.ctx, a.Arn)
	wantErr(t, "GetActivity(deleted)", err, store.ErrNotFound)
	_, err = b.s.ListTags(b.ctx, a.Arn)
	wantErr(t, "ListTags(deleted activity)", err, store.ErrNotFound)
	must(t, "CreateActivity(again)", b.s.CreateActivity(b.ctx, a, nil))
	if tags, _ := b.s.ListTags(b.ctx, a.Arn); len(tags) != 0 {
		t.Errorf("recreated activity has tags %v", tags)
	}
}

func testTags(t *testing.T, b *bundle) {
	sm := machine("m", 1)
	missing := machineArn("nope")
	wantErr(t, "TagResource(missing)", b.s.TagResource(b.ctx, missing, []store.Tag{{Key: "a", Value: "1"}}), store.ErrNotFound)
	wantErr(t, "UntagResource(missing)", b.s.UntagResource(b.ctx, missing, []string{"a"}), store.ErrNotFound)
	_, err := b.s.ListTags(b.ctx, missing)
	wantErr(t, "ListTags(missing)", err, store.ErrNotFound)

	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, sm, []store.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}))
	steps := []struct {
		name  string
		tag   []store.Tag
		untag []string
		want  []store.Tag
	}{
		{"overwrite and add", []store.Tag{{Key: "b", Value: "3"}, {Key: "c", Value: "4"}}, nil, []store.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "3"}, {Key: "c", Value: "4"}}},
		{"untag with a missing key", nil, []string{"a", "zz"}, []store.Tag{{Key: "b", Value: "3"}, {Key: "c", Value: "4"}}},
		{"empty value", []store.Tag{{Key: "a", Value: ""}}, nil, []store.Tag{{Key: "b", Value: "3"}, {Key: "c", Value: "4"}, {Key: "a", Value: ""}}},
		{"untag nothing", nil, []string{}, []store.Tag{{Key: "b", Value: "3"}, {Key: "c", Value: "4"}, {Key: "a", Value: ""}}},
		{"untag all", nil, []string{"a", "b", "c"}, nil},
	}
	for _, st := range steps {
		if st.tag != nil {
			must(t, st.name, b.s.TagResource(b.ctx, sm.Arn, st.tag))
		}
		if st.untag != nil {
			must(t, st.name, b.s.UntagResource(b.ctx, sm.Arn, st.untag))
		}
		got, err := b.s.ListTags(b.ctx, sm.Arn)
		must(t, st.name, err)
		if len(got) != 0 || len(st.want) != 0 {
			if !slices.Equal(got, st.want) {
				t.Errorf("%s: tags %v, want %v", st.name, got, st.want)
			}
		}
	}
}

func testInvalidCursor(t *testing.T, b *bundle) {
	must(t, "CreateStateMachine", b.s.CreateStateMachine(b.ctx, machine("m", 1), nil))
	for _, bad := range []string{"x", "!!!", "bm90IGEgY3Vyc29y"} {
		_, _, err := b.s.ListStateMachines(b.ctx, 1, bad)
		wantErr(t, "ListStateMachines("+bad+")", err, store.ErrInvalidCursor)
		_, _, err = b.s.ListExecutions(b.ctx, store.ListExecutionsFilter{After: bad})
		wantErr(t, "ListExecutions("+bad+")", err, store.ErrInvalidCursor)
		_, _, err = b.s.ListActivities(b.ctx, 1, bad)
		wantErr(t, "ListActivities("+bad+")", err, store.ErrInvalidCursor)
		_, _, err = b.s.ListVersions(b.ctx, machineArn("m"), 1, bad)
		wantErr(t, "ListVersions("+bad+")", err, store.ErrInvalidCursor)
		_, _, err = b.s.ListAliases(b.ctx, machineArn("m"), 1, bad)
		wantErr(t, "ListAliases("+bad+")", err, store.ErrInvalidCursor)
	}
}

func testExecutionRoundTrip(t *testing.T, b *bundle) {
	e := execution("m", "e1", 1)
	e.VersionArn = machineArn("m") + ":3"
	e.AliasArn = machineArn("m") + ":prod"
	_, err := b.s.GetExecution(b.ctx, e.Arn)
	wantErr(t, "GetExecution(missing)", err, store.ErrNotFound)
	b.create(t, e, 3)
	want := e
	want.HistoryLen = 3
	got, err := b.s.GetExecution(b.ctx, e.Arn)
	must(t, "GetExecution", err)
	if d := diff(got, want, normExecution); d != "" {
		t.Errorf("GetExecution after create:\n%s", d)
	}

	// An update changes the changing fields only.
	up := e
	up.Status, up.Output, up.HasOutput = "FAILED", `{"z":1,"a":[]}`, true
	up.Error, up.Cause, up.StopDate = "States.Timeout", "slow", at(9)
	up.RedriveCount, up.RedriveDate, up.TraceHeader = 2, at(8), "Root=2"
	changed := up
	changed.Definition, changed.Input, changed.Name, changed.StartDate, changed.Seed = "{}", "{}", "x", at(50), 7
	must(t, "Commit(update)", b.s.Commit(b.ctx, []store.Transition{{Execution: changed, HistoryFrom: 3, Events: events(3, 1)}}))
	want = up
	want.HistoryLen = 4
	got, err = b.s.GetExecution(b.ctx, e.Arn)
	must(t, "GetExecution", err)
	if d := diff(got, want, normExecution); d != "" {
		t.Errorf("GetExecution after update:\n%s", d)
	}
	// A zero execution updates back to empty values.
	clear := store.Execution{Arn: e.Arn, Status: "RUNNING"}
	must(t, "Commit(clear)", b.s.Commit(b.ctx, []store.Transition{{Execution: clear, HistoryFrom: 4}}))
	want = e
	want.HistoryLen, want.TraceHeader = 4, ""
	got, err = b.s.GetExecution(b.ctx, e.Arn)
	must(t, "GetExecution", err)
	if d := diff(got, want, normExecution); d != "" {
		t.Errorf("GetExecution after clearing:\n%s", d)
	}
	// That update was a redrive (FAILED to RUNNING): it is running again.
	run, err := b.s.Running(b.ctx)
	must(t, "Running", err)
	if len(run) != 1 || run[0].Execution.Arn != e.Arn {
		t.Errorf("Running after redrive = %d executions, want e1", len(run))
	}

	// A distributed Map's child execution: its map run and item count
	// round-trip, and Running leaves it out (its parent rebuilds it).
	c := execution("m/items", "child", 2)
	c.MapRunArn, c.ItemCount = arnPrefix+"mapRun:m/items:1", 4
	b.create(t, c, 2)
	want = c
	want.HistoryLen = 2
	got, err = b.s.GetExecution(b.ctx, c.Arn)
	must(t, "GetExecution(child)", err)
	if d := diff(got, want, normExecution); d != "" {
		t.Errorf("GetExecution(child):\n%s", d)
	}
	run, err = b.s.Running(b.ctx)
	must(t, "Running", err)
	if len(run) != 1 || run[0].Execution.Arn != e.Arn {
		t.Errorf("Running with a running child = %d executions, want e1 only", len(run))
	}
}

func testCommitErrors(t *testing.T, b *bundle) {
	e := execution("m", "e1", 1)
	must(t, "Commit(empty)", b.s.Commit(b.ctx, nil))
	err := b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 0}})
	wantErr(t, "Commit(update missing)", err, store.ErrNotFound)
	b.create(t, e, 2)
	err = b.s.Commit(b.ctx, []store.Transition{{Execution: e, Create: true}})
	wantErr(t, "Commit(create again)", err, store.ErrExists)

	for _, from := range []int64{0, 1, 3} {
		err = b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: from, Events: events(from, 1)}})
		var ce *store.ConflictError
		if !errors.As(err, &ce) {
			t.Errorf("Commit(HistoryFrom %d of 2) = %v, want *ConflictError", from, err)
			continue
		}
		if ce.ExecutionArn != e.Arn || ce.Want != from || ce.Have != 2 {
			t.Errorf("ConflictError = %+v, want {%s %d 2}", *ce, e.Arn, from)
		}
	}
	got, err := b.s.GetExecution(b.ctx, e.Arn)
	must(t, "GetExecution", err)
	if got.HistoryLen != 2 {
		t.Errorf("HistoryLen after conflicts = %d, want 2", got.HistoryLen)
	}
	h, err := b.s.History(b.ctx, e.Arn, 0, 0, false)
	must(t, "History", err)
	if len(h) != 2 {
		t.Errorf("History after conflicts has %d events, want 2", len(h))
	}
}

// full is a transition of e that touches every part of the store.
func full(e store.Execution, create bool, from int64, tok string) store.Transition {
	return store.Transition{
		Execution:   e,
		Create:      create,
		HistoryFrom: from,
		Inputs:      []store.Input{{Seq: from + 1, At: at(1), Kind: "k", Payload: []byte("p")}},
		Events:      events(from, 3),
		AddTimers:   []store.Timer{{ExecutionArn: e.Arn, TimerID: "t-" + tok, Due: at(60)}},
		AddTokens:   []store.Token{{Token: tok, ExecutionArn: e.Arn, TaskID: "task", Created: at(1)}},
	}
}

func testCommitAtomic(t *testing.T, b *bundle) {
	old := execution("m", "old", 1)
	b.create(t, old, 2)
	fresh := execution("m", "fresh", 2)
	other := execution("m", "other", 3)
	b.create(t, other, 1)
	must(t, "Commit(token)", b.s.Commit(b.ctx, []store.Transition{{Execution: other, HistoryFrom: 1,
		AddTokens: []store.Token{{Token: "taken", Created: at(1)}}}}))

	cases := []struct {
		name  string
		batch []store.Transition
		want  func(error) bool
	}{
		{"conflict last", []store.Transition{full(fresh, true, 0, "tok1"), full(old, false, 1, "tok2")},
			func(err error) bool { var ce *store.ConflictError; return errors.As(err, &ce) }},
		{"conflict first", []store.Transition{full(old, false, 5, "tok2"), full(fresh, true, 0, "tok1")},
			func(err error) bool { var ce *store.ConflictError; return errors.As(err, &ce) }},
		{"exists", []store.Transition{full(fresh, true, 0, "tok1"), full(old, false, 2, "tok2"), full(other, true, 0, "tok3")},
			func(err error) bool { return errors.Is(err, store.ErrExists) }},
		{"missing", []store.Transition{full(fresh, true, 0, "tok1"), full(execution("m", "ghost", 1), false, 0, "tok3")},
			func(err error) bool { return errors.Is(err, store.ErrNotFound) }},
		{"token taken", []store.Transition{full(fresh, true, 0, "tok1"), full(old, false, 2, "taken")},
			func(err error) bool { return errors.Is(err, store.ErrExists) }},
	}
	for _, tc := range cases {
		err := b.s.Commit(b.ctx, tc.batch)
		if err == nil || !tc.want(err) {
			t.Errorf("%s: Commit = %v", tc.name, err)
		}
		// Nothing of the batch was written.
		if _, err := b.s.GetExecution(b.ctx, fresh.Arn); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: fresh execution exists after a failed batch (%v)", tc.name, err)
		}
		if _, err := b.s.History(b.ctx, fresh.Arn, 0, 0, false); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: History(fresh) = %v, want ErrNotFound", tc.name, err)
		}
		got, err := b.s.GetExecution(b.ctx, old.Arn)
		must(t, "GetExecution", err)
		if got.HistoryLen != 2 {
			t.Errorf("%s: old HistoryLen = %d, want 2", tc.name, got.HistoryLen)
		}
		if h, _ := b.s.History(b.ctx, old.Arn, 0, 0, false); len(h) != 2 {
			t.Errorf("%s: old has %d events, want 2", tc.name, len(h))
		}
		timers, err := b.s.Timers(b.ctx)
		must(t, "Timers", err)
		if len(timers) != 0 {
			t.Errorf("%s: timers %v after a failed batch", tc.name, timers)
		}
		for _, tok := range []string{"tok1", "tok2", "tok3"} {
			if _, err := b.s.Token(b.ctx, tok); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: token %s after a failed batch (%v)", tc.name, tok, err)
			}
		}
		run, err := b.s.Running(b.ctx)
		must(t, "Running", err)
		for _, r := range run {
			if r.Execution.Arn == old.Arn && len(r.Inputs) != 1 {
				t.Errorf("%s: old has %d inputs, want 1", tc.name, len(r.Inputs))
			}
		}
	}
	// The same batch, corrected, commits whole.
	must(t, "Commit(good)", b.s.Commit(b.ctx, []store.Transition{full(fresh, true, 0, "tok1"), full(old, false, 2, "tok2")}))
	if h, _ := b.s.History(b.ctx, old.Arn, 0, 0, false); len(h) != 5 {
		t.Errorf("old has %d events, want 5", len(h))
	}
	timers, err := b.s.Timers(b.ctx)
	must(t, "Timers", err)
	if len(timers) != 2 {
		t.Errorf("timers = %v, want 2", timers)
	}
}

func testCommitSameExecutionTwice(t *testing.T, b *bundle) {
	e := execution("m", "e", 1)
	done := e
	done.Status, done.StopDate, done.Output, done.HasOutput = "SUCCEEDED", at(2), "{}", true
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{
		{Execution: e, Create: true, Events: events(0, 2), Inputs: []store.Input{{Seq: 1, Kind: "start"}},
			AddTimers: []store.Timer{{TimerID: "w", Due: at(5)}}},
		{Execution: done, HistoryFrom: 2, Events: events(2, 2), Inputs: []store.Input{{Seq: 2, Kind: "timer"}},
			RemoveTimers: []string{"w"}},
	}))
	got, err := b.s.GetExecution(b.ctx, e.Arn)
	must(t, "GetExecution", err)
	if got.Status != "SUCCEEDED" || got.HistoryLen != 4 {
		t.Errorf("execution = %s, %d events; want SUCCEEDED, 4", got.Status, got.HistoryLen)
	}
	timers, err := b.s.Timers(b.ctx)
	must(t, "Timers", err)
	if len(timers) != 0 {
		t.Errorf("timers = %v, want none", timers)
	}
}

func testHistory(t *testing.T, b *bundle) {
	_, err := b.s.History(b.ctx, execArn("m", "missing"), 0, 0, false)
	wantErr(t, "History(missing)", err, store.ErrNotFound)
	_, err = b.s.History(b.ctx, execArn("m", "missing"), 0, 10, true)
	wantErr(t, "History(missing, reverse)", err, store.ErrNotFound)
	empty := execution("m", "empty", 1)
	b.create(t, empty, 0)
	h, err := b.s.History(b.ctx, empty.Arn, 0, 0, false)
	if err != nil || len(h) != 0 {
		t.Errorf("History(no events) = %v, %v", h, err)
	}

	e := execution("m", "e", 1)
	b.create(t, e, 3)
	other := execution("m", "e2", 1)
	b.create(t, other, 5)
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 3, Events: events(3, 4)}}))
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 7, Events: events(7, 3)}}))
	ids := func(evs []store.Event) []int64 {
		var out []int64
		for _, ev := range evs {
			out = append(out, ev.ID)
			if want := `{"id":` + strconv.FormatInt(ev.ID, 10) + `}`; !bytes.Equal(ev.JSON, []byte(want)) {
				t.Errorf("event %d = %s, want %s", ev.ID, ev.JSON, want)
			}
		}
		return out
	}
	tests := []struct {
		from    int64
		limit   int
		reverse bool
		want    []int64
	}{
		{0, 0, false, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{0, 4, false, []int64{1, 2, 3, 4}},
		{4, 4, false, []int64{5, 6, 7, 8}},
		{8, 4, false, []int64{9, 10}},
		{10, 4, false, nil},
		{0, 0, true, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{0, 4, true, []int64{10, 9, 8, 7}},
		{7, 4, true, []int64{6, 5, 4, 3}},
		{3, 4, true, []int64{2, 1}},
		{1, 4, true, nil},
	}
	for _, tc := range tests {
		h, err := b.s.History(b.ctx, e.Arn, tc.from, tc.limit, tc.reverse)
		must(t, "History", err)
		if got := ids(h); !slices.Equal(got, tc.want) {
			t.Errorf("History(from %d, limit %d, reverse %v) = %v, want %v", tc.from, tc.limit, tc.reverse, got, tc.want)
		}
	}
}

func testListExecutions(t *testing.T, b *bundle) {
	m := machineArn("m")
	type ex struct {
		name, version, alias, mapRun, status string
		start                                int
	}
	all := []ex{
		{"a", "", "", "", "RUNNING", 1},
		{"b", m + ":1", "", "", "SUCCEEDED", 2},
		{"c", m + ":1", m + ":prod", "", "RUNNING", 3},
		{"d", m + ":2", m + ":prod", "", "FAILED", 4},
		{"e", "", "", arnPrefix + "mapRun:m/r:1", "RUNNING", 5},
		{"f", "", "", arnPrefix + "mapRun:m/r:1", "SUCCEEDED", 5},
	}
	for _, x := range all {
		e := execution("m", x.name, x.start)
		e.VersionArn, e.AliasArn, e.MapRunArn, e.Status = x.version, x.alias, x.mapRun, x.status
		if x.mapRun != "" {
			e.StateMachineArn = machineArn("m/r") // a distributed Map's child
		}
		b.create(t, e, 1)
	}
	b.create(t, execution("n", "z", 9), 1)
	tests := []struct {
		name string
		f    store.ListExecutionsFilter
		want string
	}{
		{"machine", store.ListExecutionsFilter{StateMachineArn: m}, "dcba"},
		{"version", store.ListExecutionsFilter{StateMachineArn: m + ":1"}, "cb"},
		{"alias", store.ListExecutionsFilter{StateMachineArn: m + ":prod"}, "dc"},
		{"status", store.ListExecutionsFilter{StateMachineArn: m, Status: "RUNNING"}, "ca"},
		{"map run", store.ListExecutionsFilter{MapRunArn: arnPrefix + "mapRun:m/r:1"}, "fe"},
		{"map run, running", store.ListExecutionsFilter{MapRunArn: arnPrefix + "mapRun:m/r:1", Status: "RUNNING"}, "e"},
		{"all but map run children", store.ListExecutionsFilter{}, "zdcba"},
		{"all succeeded", store.ListExecutionsFilter{Status: "SUCCEEDED"}, "b"},
		{"unknown machine", store.ListExecutionsFilter{StateMachineArn: machineArn("nope")}, ""},
	}
	for _, tc := range tests {
		for _, limit := range []int{0, 1, 2, 100} {
			f := tc.f
			f.Limit = limit
			pl := limit
			if pl == 0 {
				pl = 100
			}
			got := pageAll(t, pl, func(after string) ([]store.Execution, string, error) {
				f.After = after
				return b.s.ListExecutions(b.ctx, f)
			}, nil)
			var names string
			for _, e := range got {
				names += e.Name
				if e.Definition != "" || e.Input != "" || e.Output != "" {
					t.Errorf("%s: listed execution carries definition, input or output", tc.name)
				}
			}
			if names != tc.want {
				t.Errorf("%s (limit %d): %q, want %q", tc.name, limit, names, tc.want)
			}
		}
	}
	got, _, err := b.s.ListExecutions(b.ctx, store.ListExecutionsFilter{MapRunArn: arnPrefix + "mapRun:m/r:1", Limit: 1})
	must(t, "ListExecutions", err)
	want := execution("m", "f", 5)
	want.StateMachineArn = machineArn("m/r")
	want.MapRunArn, want.Status, want.HistoryLen = arnPrefix+"mapRun:m/r:1", "SUCCEEDED", 1
	want.Definition, want.Input = "", ""
	if len(got) != 1 {
		t.Fatalf("ListExecutions(limit 1) = %d items", len(got))
	}
	if d := diff(got[0], want, normExecution); d != "" {
		t.Errorf("listed execution:\n%s", d)
	}
}

func testListExecutionsPaging(t *testing.T, b *bundle) {
	var want []string
	for i := range 40 {
		// Several share a start date: they order by ARN, descending.
		e := execution("m", fmt.Sprintf("e%02d", i), i/3)
		b.create(t, e, 1)
		want = append(want, e.Arn)
	}
	slices.Reverse(want)
	got := pageAll(t, 7, func(after string) ([]store.Execution, string, error) {
		return b.s.ListExecutions(b.ctx, store.ListExecutionsFilter{StateMachineArn: machineArn("m"), Limit: 7, After: after})
	}, func(page int) {
		// Newer executions started while paging belong before the
		// cursor: later pages neither repeat nor skip.
		b.create(t, execution("m", fmt.Sprintf("new%d", page), 100+page), 1)
	})
	var arns []string
	for _, e := range got {
		arns = append(arns, e.Arn)
	}
	if !slices.Equal(arns, want) {
		t.Errorf("paged executions:\ngot  %v\nwant %v", arns, want)
	}
}

func testRunning(t *testing.T, b *bundle) {
	run, err := b.s.Running(b.ctx)
	must(t, "Running(empty)", err)
	if len(run) != 0 {
		t.Errorf("Running(empty) = %d", len(run))
	}
	a := execution("m", "a", 1)
	c := execution("m", "c", 1)
	d := execution("m", "d", 1)
	b.create(t, a, 1)
	b.create(t, d, 1)
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: c, Create: true}}))
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{
		{Execution: a, HistoryFrom: 1, Inputs: []store.Input{{Seq: 2, At: at(2), Kind: "x", Payload: []byte("in-2")},
			{Seq: 3, At: at(3), Kind: "y", Payload: []byte("in-3")}}},
	}))
	dDone := d
	dDone.Status = "SUCCEEDED"
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{
		{Execution: dDone, HistoryFrom: 1, Inputs: []store.Input{{Seq: 2, Kind: "z"}}},
		{Execution: a, HistoryFrom: 1, Inputs: []store.Input{{Seq: 4, At: at(4), Kind: "z", Payload: []byte("in-4")}}},
	}))
	run, err = b.s.Running(b.ctx)
	must(t, "Running", err)
	slices.SortFunc(run, func(x, y store.RunningExecution) int {
		if x.Execution.Arn < y.Execution.Arn {
			return -1
		}
		return 1
	})
	if len(run) != 2 || run[0].Execution.Arn != a.Arn || run[1].Execution.Arn != c.Arn {
		t.Fatalf("Running = %d executions, want a and c", len(run))
	}
	wa := a
	wa.HistoryLen = 1
	if d := diff(run[0].Execution, wa, normExecution); d != "" {
		t.Errorf("running execution:\n%s", d)
	}
	var seqs []int64
	for i, in := range run[0].Inputs {
		seqs = append(seqs, in.Seq)
		if want := "in-" + strconv.FormatInt(in.Seq, 10); string(in.Payload) != want {
			t.Errorf("input %d payload %q, want %q", i, in.Payload, want)
		}
		if in.Seq > 1 && !in.At.Equal(at(int(in.Seq))) {
			t.Errorf("input %d at %v, want %v", i, in.At, at(int(in.Seq)))
		}
	}
	if !slices.Equal(seqs, []int64{1, 2, 3, 4}) {
		t.Errorf("inputs of a = %v, want 1 2 3 4", seqs)
	}
	if run[0].Inputs[1].Kind != "x" || run[0].Inputs[2].Kind != "y" {
		t.Errorf("input kinds = %q %q", run[0].Inputs[1].Kind, run[0].Inputs[2].Kind)
	}
	if len(run[1].Inputs) != 0 {
		t.Errorf("c has %d inputs, want 0", len(run[1].Inputs))
	}

	// Inputs reads the log of any execution, running or not.
	ins, err := b.s.Inputs(b.ctx, a.Arn)
	must(t, "Inputs(a)", err)
	if len(ins) != len(run[0].Inputs) || ins[3].Seq != 4 || string(ins[3].Payload) != "in-4" {
		t.Errorf("Inputs(a) = %+v, want the running log", ins)
	}
	ins, err = b.s.Inputs(b.ctx, d.Arn)
	must(t, "Inputs(d)", err)
	if n := len(ins); n == 0 || ins[n-1].Kind != "z" {
		t.Errorf("Inputs of the finished d = %+v, want its log", ins)
	}
	_, err = b.s.Inputs(b.ctx, d.Arn+"-missing")
	wantErr(t, "Inputs(missing)", err, store.ErrNotFound)
}

func testTimers(t *testing.T, b *bundle) {
	e := execution("m", "e", 1)
	f := execution("m", "f", 1)
	b.create(t, e, 0)
	b.create(t, f, 0)
	commit := func(x store.Execution, add []store.Timer, remove ...string) {
		t.Helper()
		cur, err := b.s.GetExecution(b.ctx, x.Arn)
		must(t, "GetExecution", err)
		must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: x, HistoryFrom: cur.HistoryLen,
			AddTimers: add, RemoveTimers: remove}}))
	}
	check := func(step string, want ...store.Timer) {
		t.Helper()
		got, err := b.s.Timers(b.ctx)
		must(t, "Timers", err)
		if len(got) != len(want) {
			t.Fatalf("%s: timers %v, want %v", step, got, want)
		}
		for i := range got {
			if got[i].ExecutionArn != want[i].ExecutionArn || got[i].TimerID != want[i].TimerID || !got[i].Due.Equal(want[i].Due) {
				t.Errorf("%s: timer %d = %+v, want %+v", step, i, got[i], want[i])
			}
		}
	}
	commit(e, []store.Timer{{ExecutionArn: e.Arn, TimerID: "w1", Due: at(30)}, {ExecutionArn: e.Arn, TimerID: "w2", Due: at(10)}})
	commit(f, []store.Timer{{TimerID: "w1", Due: at(20)}}) // empty ExecutionArn: this execution
	check("added",
		store.Timer{ExecutionArn: e.Arn, TimerID: "w2", Due: at(10)},
		store.Timer{ExecutionArn: f.Arn, TimerID: "w1", Due: at(20)},
		store.Timer{ExecutionArn: e.Arn, TimerID: "w1", Due: at(30)})
	commit(e, nil, "w2", "nope")
	check("removed",
		store.Timer{ExecutionArn: f.Arn, TimerID: "w1", Due: at(20)},
		store.Timer{ExecutionArn: e.Arn, TimerID: "w1", Due: at(30)})
	commit(e, []store.Timer{{ExecutionArn: e.Arn, TimerID: "w1", Due: at(5)}}, "w1")
	check("re-armed",
		store.Timer{ExecutionArn: e.Arn, TimerID: "w1", Due: at(5)},
		store.Timer{ExecutionArn: f.Arn, TimerID: "w1", Due: at(20)})
	commit(f, []store.Timer{{ExecutionArn: f.Arn, TimerID: "w1", Due: at(1)}})
	check("moved",
		store.Timer{ExecutionArn: f.Arn, TimerID: "w1", Due: at(1)},
		store.Timer{ExecutionArn: e.Arn, TimerID: "w1", Due: at(5)})
	commit(f, nil, "w1")
	commit(e, nil, "w1")
	check("none")
}

func testTokens(t *testing.T, b *bundle) {
	e := execution("m", "e", 1)
	b.create(t, e, 0)
	_, err := b.s.Token(b.ctx, "nope")
	wantErr(t, "Token(missing)", err, store.ErrNotFound)
	tok := store.Token{Token: "tok-1", ExecutionArn: e.Arn, TaskID: "Task#1", ActivityArn: activityArn("a"),
		Input: `{"x":1}`, Heartbeat: 30, Created: at(3)}
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 0,
		AddTokens: []store.Token{tok, {Token: "tok-2", TaskID: "Task#2", Created: at(4)}}}}))
	got, err := b.s.Token(b.ctx, "tok-1")
	must(t, "Token", err)
	if d := diff(got, tok, normToken); d != "" {
		t.Errorf("Token:\n%s", d)
	}
	got, err = b.s.Token(b.ctx, "tok-2")
	must(t, "Token", err)
	if got.ExecutionArn != e.Arn {
		t.Errorf("token without ExecutionArn stored for %q, want %q", got.ExecutionArn, e.Arn)
	}
	err = b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 0, AddTokens: []store.Token{{Token: "tok-1"}}}})
	wantErr(t, "Commit(duplicate token)", err, store.ErrExists)
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: 0, RemoveTokens: []string{"tok-1", "nope"}}}))
	_, err = b.s.Token(b.ctx, "tok-1")
	wantErr(t, "Token(removed)", err, store.ErrNotFound)
	if _, err := b.s.Token(b.ctx, "tok-2"); err != nil {
		t.Errorf("Token(tok-2): %v", err)
	}
}

func testLeaseOrder(t *testing.T, b *bundle) {
	act, other := activityArn("a"), activityArn("b")
	e := execution("m", "e", 1)
	b.create(t, e, 0)
	_, err := b.s.LeaseActivityTask(b.ctx, act)
	wantErr(t, "LeaseActivityTask(none)", err, store.ErrNotFound)
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, AddTokens: []store.Token{
		{Token: "t3", ActivityArn: act, Created: at(3), Input: "3"},
		{Token: "t1", ActivityArn: act, Created: at(1), Input: "1", Heartbeat: 9},
		{Token: "o1", ActivityArn: other, Created: at(0)},
		{Token: "plain", Created: at(0)}, // not an activity task
		{Token: "t2", ActivityArn: act, Created: at(2), Input: "2"},
	}}}))
	for _, want := range []string{"t1", "t2"} {
		tok, err := b.s.LeaseActivityTask(b.ctx, act)
		must(t, "LeaseActivityTask", err)
		if tok.Token != want || !tok.Leased || tok.ExecutionArn != e.Arn || tok.Input != want[1:] {
			t.Errorf("LeaseActivityTask = %+v, want %s leased", tok, want)
		}
	}
	// A task added later but created earlier comes first.
	must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, AddTokens: []store.Token{
		{Token: "t0", ActivityArn: act, Created: at(0)}}}}))
	for _, want := range []string{"t0", "t3"} {
		tok, err := b.s.LeaseActivityTask(b.ctx, act)
		must(t, "LeaseActivityTask", err)
		if tok.Token != want {
			t.Errorf("LeaseActivityTask = %s, want %s", tok.Token, want)
		}
	}
	_, err = b.s.LeaseActivityTask(b.ctx, act)
	wantErr(t, "LeaseActivityTask(all leased)", err, store.ErrNotFound)
	tok, err := b.s.Token(b.ctx, "t1")
	must(t, "Token", err)
	if !tok.Leased || tok.Heartbeat != 9 {
		t.Errorf("Token(t1) = %+v, want leased", tok)
	}
	if tok, _ := b.s.Token(b.ctx, "o1"); tok.Leased {
		t.Errorf("another activity's token was leased")
	}
	_, err = b.s.LeaseActivityTask(b.ctx, "")
	wantErr(t, "LeaseActivityTask(\"\")", err, store.ErrNotFound)

	// Released tokens are offered again; unknown ones are ignored.
	must(t, "ReleaseActivityTasks", b.s.ReleaseActivityTasks(b.ctx, []string{"t3", "no-such-token"}))
	tok, err = b.s.LeaseActivityTask(b.ctx, act)
	must(t, "LeaseActivityTask after release", err)
	if tok.Token != "t3" {
		t.Errorf("LeaseActivityTask after release = %s, want t3", tok.Token)
	}
	_, err = b.s.LeaseActivityTask(b.ctx, act)
	wantErr(t, "LeaseActivityTask(all leased again)", err, store.ErrNotFound)
}

func testLeaseConcurrent(t *testing.T, b *bundle) {
	act := activityArn("a")
	const tokens, workers = 60, 6
	for i := range 3 {
		e := execution("m", "e"+strconv.Itoa(i), 1)
		var add []store.Token
		for j := range tokens / 3 {
			add = append(add, store.Token{Token: fmt.Sprintf("t%d-%d", i, j), ActivityArn: act, Created: at(j)})
		}
		must(t, "Commit", b.s.Commit(b.ctx, []store.Transition{{Execution: e, Create: true, AddTokens: add}}))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				tok, err := b.s.LeaseActivityTask(b.ctx, act)
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("LeaseActivityTask: %v", err)
					return
				}
				mu.Lock()
				seen[tok.Token]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != tokens {
		t.Errorf("leased %d distinct tokens, want %d", len(seen), tokens)
	}
	for tok, n := range seen {
		if n != 1 {
			t.Errorf("token %s leased %d times", tok, n)
		}
	}
}

func testConcurrentCommits(t *testing.T, b *bundle) {
	const writers, steps = 4, 15
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			e := execution("m", "w"+strconv.Itoa(w), w)
			if err := b.s.Commit(b.ctx, []store.Transition{{Execution: e, Create: true, Events: events(0, 1)}}); err != nil {
				t.Errorf("Commit: %v", err)
				return
			}
			for i := 1; i < steps; i++ {
				err := b.s.Commit(b.ctx, []store.Transition{{Execution: e, HistoryFrom: int64(i), Events: events(int64(i), 1),
					Inputs: []store.Input{{Seq: int64(i), Kind: "k"}}}})
				if err != nil {
					t.Errorf("Commit: %v", err)
					return
				}
				if _, err := b.s.History(b.ctx, e.Arn, 0, 0, true); err != nil {
					t.Errorf("History: %v", err)
				}
				if _, _, err := b.s.ListExecutions(b.ctx, store.ListExecutionsFilter{}); err != nil {
					t.Errorf("ListExecutions: %v", err)
				}
			}
		})
	}
	wg.Wait()
	run, err := b.s.Running(b.ctx)
	must(t, "Running", err)
	if len(run) != writers {
		t.Fatalf("Running = %d executions, want %d", len(run), writers)
	}
	for _, r := range run {
		if r.Execution.HistoryLen != steps || len(r.Inputs) != steps-1 {
			t.Errorf("%s: %d events, %d inputs; want %d, %d", r.Execution.Name, r.Execution.HistoryLen, len(r.Inputs), steps, steps-1)
		}
	}
}
