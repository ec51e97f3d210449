package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stepflow/stepflow/internal/store"
	"github.com/stepflow/stepflow/internal/store/sqlite"
	"github.com/stepflow/stepflow/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// open opens a new store in a temporary folder, closed by the caller.
func open(t testing.TB, path string, opts sqlite.Options) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func TestExercise(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "stepflow.db"), sqlite.Options{})
	})
}

func TestOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts sqlite.Options
		ok   bool
	}{
		{"zero", sqlite.Options{}, true},
		{"normal", sqlite.Options{Synchronous: "normal"}, true},
		{"off", sqlite.Options{Synchronous: "OFF", Readers: 1, BusyTimeout: time.Second}, true},
		{"bad synchronous", sqlite.Options{Synchronous: "SOMETIMES"}, false},
		{"negative readers", sqlite.Options{Readers: -1}, false},
		{"negative timeout", sqlite.Options{BusyTimeout: -time.Second}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "x.db"), tc.opts)
			if (err == nil) != tc.ok {
				t.Fatalf("Open = %v, want ok %v", err, tc.ok)
			}
			if db != nil {
				if err := db.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}
		})
	}
}

// TestReopen checks that everything committed is there after Close and
// Open, and that the schema is not migrated twice.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// Open creates the folder; the name needs escaping in SQLite's URI.
	path := filepath.Join(t.TempDir(), "sub dir?#%", "stepflow.db")
	db := open(t, path, sqlite.Options{})
	sm := store.StateMachine{Arn: "arn:aws:states:us-east-1:1:stateMachine:m", Name: "m", Definition: "{}",
		CreationDate: time.Unix(100, 5)}
	if err := db.CreateStateMachine(ctx, sm, []store.Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishVersion(ctx, store.Version{StateMachineArn: sm.Arn}); err != nil {
		t.Fatal(err)
	}
	e := store.Execution{Arn: "arn:aws:states:us-east-1:1:execution:m:e", StateMachineArn: sm.Arn, Status: "RUNNING",
		Input: "{}", StartDate: time.Unix(200, 0), Seed: 1<<64 - 1}
	err := db.Commit(ctx, []store.Transition{{Execution: e, Create: true,
		Inputs:    []store.Input{{Seq: 1, Kind: "start", Payload: []byte{0, 1, 2}}},
		Events:    []store.Event{{ID: 1, JSON: []byte(`{"type":"ExecutionStarted"}`)}},
		AddTimers: []store.Timer{{TimerID: "w", Due: time.Unix(300, 0)}},
		AddTokens: []store.Token{{Token: "tok", ActivityArn: "arn:a", Created: time.Unix(1, 0)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for round := range 2 {
		db = open(t, path, sqlite.Options{})
		got, err := db.GetExecution(ctx, e.Arn)
		if err != nil || got.Seed != e.Seed || got.HistoryLen != 1 || !got.StartDate.Equal(e.StartDate) {
			t.Errorf("round %d: GetExecution = %+v, %v", round, got, err)
		}
		run, err := db.Running(ctx)
		if err != nil || len(run) != 1 || len(run[0].Inputs) != 1 || string(run[0].Inputs[0].Payload) != "\x00\x01\x02" {
			t.Errorf("round %d: Running = %+v, %v", round, run, err)
		}
		if tm, err := db.Timers(ctx); err != nil || len(tm) != 1 {
			t.Errorf("round %d: Timers = %v, %v", round, tm, err)
		}
		if tags, err := db.ListTags(ctx, sm.Arn); err != nil || len(tags) != 1 {
			t.Errorf("round %d: ListTags = %v, %v", round, tags, err)
		}
		// The version counter survives too.
		v, err := db.PublishVersion(ctx, store.Version{StateMachineArn: sm.Arn})
		if err != nil || v.Number != int64(round)+2 {
			t.Errorf("round %d: PublishVersion = %d, %v", round, v.Number, err)
		}
		if _, err := db.LeaseActivityTask(ctx, "arn:a"); err != nil && round == 0 {
			t.Errorf("round %d: LeaseActivityTask: %v", round, err)
		} else if !errors.Is(err, store.ErrNotFound) && round == 1 {
			t.Errorf("round %d: LeaseActivityTask = %v; the lease of round 0 was lost", round, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNewerSchema checks that Open refuses a database from a newer program.
func TestNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.db")
	db := open(t, path, sqlite.Options{})
	db.Close()
	raw := open(t, path, sqlite.Options{})
	// Bump the version through a private door: a second schema row count
	// is not needed, just a larger number.
	if err := sqlite.SetSchemaVersion(t.Context(), raw, 999); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if db, err := sqlite.Open(t.Context(), path, sqlite.Options{}); err == nil {
		db.Close()
		t.Fatal("Open of a newer schema succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open = %v, want a newer-schema error", err)
	}
}

// crashEnv names the database the crash child writes to.
const crashEnv = "STEPFLOW_SQLITE_CRASH_DB"

const counterArn = "arn:aws:states:us-east-1:1:execution:m:counter"

// batchArn is the execution batch k creates.
func batchArn(k int) string {
	return fmt.Sprintf("arn:aws:states:us-east-1:1:execution:m:b%06d", k)
}

// crashBatch is the k-th batch the crash child commits: it creates one
// execution with three events, a timer and a token, and moves the counter
// execution two events further.
func crashBatch(k int) []store.Transition {
	ev := func(id int64) store.Event {
		return store.Event{ID: id, JSON: []byte(fmt.Sprintf(`{"batch":%d,"id":%d,"pad":"%s"}`, k, id, strings.Repeat("x", 200)))}
	}
	from := int64(1 + 2*k)
	return []store.Transition{
		{
			Execution: store.Execution{Arn: batchArn(k), Status: "RUNNING", StartDate: time.Unix(int64(k)+1, 0),
				Definition: strings.Repeat("d", 3000)},
			Create:    true,
			Inputs:    []store.Input{{Seq: 1, Kind: "start"}},
			Events:    []store.Event{ev(1), ev(2), ev(3)},
			AddTimers: []store.Timer{{TimerID: "w", Due: time.Unix(int64(k)+1, 0)}},
			AddTokens: []store.Token{{Token: fmt.Sprintf("tok-%d", k), Created: time.Unix(1, 0)}},
		},
		{
			Execution:   store.Execution{Arn: counterArn, Status: "RUNNING", StartDate: time.Unix(1, 0)},
			HistoryFrom: from,
			Inputs:      []store.Input{{Seq: int64(k) + 2, Kind: "step"}},
			Events:      []store.Event{ev(from + 1), ev(from + 2)},
		},
	}
}

// TestCrashChild is the process TestCrash kills: it commits batches until
// killed, printing each batch number once Commit returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.GetExecution(ctx, counterArn)
	if errors.Is(err, store.ErrNotFound) {
		err = db.Commit(ctx, []store.Transition{{Create: true,
			Execution: store.Execution{Arn: counterArn, Status: "RUNNING", StartDate: time.Unix(1, 0)},
			Events:    []store.Event{{ID: 1, JSON: []byte("{}")}}}})
		c.HistoryLen = 1
	}
	if err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriter(os.Stdout)
	for k := int(c.HistoryLen-1) / 2; ; k++ {
		if err := db.Commit(ctx, crashBatch(k)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(out, "committed %d\n", k)
		out.Flush()
	}
}

// TestCrash kills a process that commits in a loop at random moments and
// checks that the database then holds a prefix of its batches, each
// whole, including every batch the process saw committed.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := -1
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan int, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
					k, _ := strconv.Atoi(n)
					lines <- k
				}
			}
		}()
		// Wait for the child's first commit of this round, then kill it
		// at a random moment.
		select {
		case k, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("round %d: child exited before committing", round)
			}
			acked = max(acked, k)
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child committed nothing in 30s", round)
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		if err := cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		for k := range lines {
			acked = max(acked, k)
		}
		cmd.Wait()

		n := checkPrefix(t, path)
		t.Logf("round %d: %d batches stored, %d acknowledged", round, n, acked+1)
		if n < acked+1 {
			t.Fatalf("round %d: %d batches stored, but %d were acknowledged", round, n, acked+1)
		}
	}
}

// checkPrefix opens the crash database and checks that it holds batches
// 0 … n-1 whole and nothing of batch n; it returns n.
func checkPrefix(t *testing.T, path string) int {
	t.Helper()
	ctx := t.Context()
	db := open(t, path, sqlite.Options{})
	defer db.Close()
	c, err := db.GetExecution(ctx, counterArn)
	if err != nil {
		t.Fatalf("GetExecution(counter): %v", err)
	}
	if (c.HistoryLen-1)%2 != 0 {
		t.Fatalf("counter has %d events: a partial batch", c.HistoryLen)
	}
	n := int(c.HistoryLen-1) / 2
	h, err := db.History(ctx, counterArn, 0, 0, false)
	if err != nil || int64(len(h)) != c.HistoryLen {
		t.Fatalf("counter history: %d events, %v; want %d", len(h), err, c.HistoryLen)
	}
	for k := range n {
		e, err := db.GetExecution(ctx, batchArn(k))
		if err != nil || e.HistoryLen != 3 {
			t.Fatalf("batch %d of %d: execution %+v, %v", k, n, e, err)
		}
		if h, err := db.History(ctx, batchArn(k), 0, 0, false); err != nil || len(h) != 3 {
			t.Fatalf("batch %d of %d: %d events, %v", k, n, len(h), err)
		}
		if _, err := db.Token(ctx, fmt.Sprintf("tok-%d", k)); err != nil {
			t.Fatalf("batch %d of %d: token: %v", k, n, err)
		}
	}
	if _, err := db.GetExecution(ctx, batchArn(n)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("batch %d exists but the counter says %d batches (%v)", n, n, err)
	}
	if _, err := db.Token(ctx, fmt.Sprintf("tok-%d", n)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token of batch %d exists but the counter says %d batches", n, n)
	}
	timers, err := db.Timers(ctx)
	if err != nil || len(timers) != n {
		t.Fatalf("%d timers, %v; want %d", len(timers), err, n)
	}
	run, err := db.Running(ctx)
	if err != nil || len(run) != n+1 {
		t.Fatalf("Running = %d, %v; want %d", len(run), err, n+1)
	}
	for _, r := range run {
		if r.Execution.Arn == counterArn && len(r.Inputs) != n {
			t.Fatalf("counter has %d inputs, want %d", len(r.Inputs), n)
		}
	}
	return n
}

// BenchmarkCommit measures Commit of a batch of transitions of distinct
// running executions, each with one logged input and three history events
// of about 300 bytes, as the runner's group commit sends them:
//
//	go test -run='^$' -bench=Commit -benchtime=2s ./internal/store/sqlite
func BenchmarkCommit(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, size := range []int{1, 32} {
			b.Run(fmt.Sprintf("sync=%s/batch=%d", sync, size), func(b *testing.B) {
				benchCommit(b, sync, size)
			})
		}
	}
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchCommit(b *testing.B, sync string, size int) {
	ctx := b.Context()
	db := open(b, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{Synchronous: sync})
	defer db.Close()
	def := `{"StartAt":"A","States":{` + strings.Repeat(`"S":{"Type":"Pass","Next":"A"},`, 60) + `"A":{"Type":"Succeed"}}}`
	payload := []byte(`{"type":"TaskStateEntered","stateEnteredEventDetails":{"name":"Step","input":"{\"order\":{\"id\":\"1234\",\"items\":[1,2,3]}}","inputDetails":{"truncated":false}}` + strings.Repeat(" ", 150) + `}`)
	execs := make([]store.Execution, size)
	hist := make([]int64, size)
	var create []store.Transition
	for i := range execs {
		execs[i] = store.Execution{
			Arn:             fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:bench:%08d", i),
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
			Name:            fmt.Sprintf("%08d", i), Type: "STANDARD", Definition: def, Status: "RUNNING",
			Input: `{"order":{"id":"1234"}}`, StartDate: time.Unix(int64(i), 0),
		}
		create = append(create, store.Transition{Execution: execs[i], Create: true,
			Events: []store.Event{{ID: 1, JSON: payload}}, Inputs: []store.Input{{Seq: 1, Kind: "start"}}})
		hist[i] = 1
	}
	if err := db.Commit(ctx, create); err != nil {
		b.Fatal(err)
	}
	batch := make([]store.Transition, size)
	seq := int64(1)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		seq++
		for i := range batch {
			from := hist[i]
			batch[i] = store.Transition{
				Execution:   execs[i],
				HistoryFrom: from,
				Inputs:      []store.Input{{Seq: seq, At: time.Unix(seq, 0), Kind: "task", Payload: payload[:100]}},
				Events:      []store.Event{{ID: from + 1, JSON: payload}, {ID: from + 2, JSON: payload}, {ID: from + 3, JSON: payload}},
			}
			hist[i] = from + 3
		}
		if err := db.Commit(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/commit")
	b.ReportMetric(float64(b.N)/sec, "commits/s")
	b.ReportMetric(float64(b.N*size)/sec, "transitions/s")
}

// TestHistoryChunks pages through a history stored in chunks of varying
// sizes (one per transition, some transitions with no events), forward and
// backward, from every position and with several limits.
func TestHistoryChunks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := open(t, filepath.Join(t.TempDir(), "h.db"), sqlite.Options{Synchronous: "OFF"})
	defer db.Close()
	e := store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:m:h", Name: "h", Type: "STANDARD",
		Status: "RUNNING", StartDate: time.Unix(1, 0)}
	ev := func(id int64) store.Event { return store.Event{ID: id, JSON: []byte(fmt.Sprintf(`{"id":%d}`, id))} }
	var n int64
	seq := int64(0)
	for i, size := range []int{3, 1, 0, 4, 2, 0, 1, 5} {
		tr := store.Transition{Execution: e, Create: i == 0, HistoryFrom: n}
		for range size {
			n++
			tr.Events = append(tr.Events, ev(n))
		}
		if i > 0 {
			seq++
			tr.Inputs = []store.Input{{Seq: seq, Kind: "k", Payload: []byte("p")}}
		}
		if err := db.Commit(ctx, []store.Transition{tr}); err != nil {
			t.Fatal(err)
		}
	}
	want := func(from int64, limit int, reverse bool) []int64 {
		var ids []int64
		if !reverse {
			for id := from + 1; id <= n; id++ {
				ids = append(ids, id)
			}
		} else {
			if from <= 0 {
				from = n + 1
			}
			for id := from - 1; id >= 1; id-- {
				ids = append(ids, id)
			}
		}
		if limit > 0 && len(ids) > limit {
			ids = ids[:limit]
		}
		return ids
	}
	for _, reverse := range []bool{false, true} {
		for from := int64(0); from <= n+1; from++ {
			for _, limit := range []int{0, 1, 2, 3, 5, 100} {
				got, err := db.History(ctx, e.Arn, from, limit, reverse)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, g := range got {
					ids = append(ids, g.ID)
					if string(g.JSON) != fmt.Sprintf(`{"id":%d}`, g.ID) {
						t.Errorf("event %d JSON %s", g.ID, g.JSON)
					}
				}
				if w := want(from, limit, reverse); !slices.Equal(ids, w) {
					t.Errorf("History(from %d, limit %d, reverse %v) = %v, want %v", from, limit, reverse, ids, w)
				}
			}
		}
	}
	got, err := db.GetExecution(ctx, e.Arn)
	if err != nil || got.HistoryLen != n {
		t.Fatalf("GetExecution: HistoryLen %d, %v; want %d", got.HistoryLen, err, n)
	}
	running, err := db.Running(ctx)
	if err != nil || len(running) != 1 || len(running[0].Inputs) != int(seq) {
		t.Fatalf("Running: %+v, %v", running, err)
	}
	for i, in := range running[0].Inputs {
		if in.Seq != int64(i+1) || in.Kind != "k" || string(in.Payload) != "p" {
			t.Errorf("input %d = %+v", i, in)
		}
	}
}
