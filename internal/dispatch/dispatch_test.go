package dispatch_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stepflow/stepflow/internal/dispatch"
	"github.com/stepflow/stepflow/internal/schedexpr"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ptr(n int) *int { return &n }

func TestNewPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		age, tries *int
		want       dispatch.Policy
	}{
		{name: "defaults", want: dispatch.Policy{MaxAge: 24 * time.Hour, MaxRetries: 185}},
		{name: "age", age: ptr(60), want: dispatch.Policy{MaxAge: time.Minute, MaxRetries: 185}},
		{name: "retries", tries: ptr(0), want: dispatch.Policy{MaxAge: 24 * time.Hour, MaxRetries: 0}},
		{name: "both", age: ptr(3600), tries: ptr(3), want: dispatch.Policy{MaxAge: time.Hour, MaxRetries: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := dispatch.NewPolicy(tt.age, tt.tries); got != tt.want {
				t.Errorf("NewPolicy = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	r := dispatch.Retry{Base: time.Second, Max: 5 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 100: 5 * time.Second} {
		if got := r.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v; want %v", n, got, want)
		}
	}
}

// stillClock is a schedule clock that stands still while its durations are
// a million times shorter in real time: back-off waits of seconds take
// microseconds, and event ages do not grow.
func stillClock() *schedexpr.Clock {
	now := time.Now()
	return &schedexpr.Clock{Now: func() time.Time { return now }, Scale: 1e6, RealBase: now, SchedBase: now}
}

func TestRun(t *testing.T) {
	t.Parallel()
	down := errors.New("down")
	tests := []struct {
		name        string
		policy      dispatch.Policy
		age         time.Duration // of the event when Run starts
		okAt        int           // the attempt that succeeds; 0: none
		want        dispatch.Outcome
		wantTries   int
		wantRetries int
	}{
		{name: "first attempt", policy: dispatch.NewPolicy(nil, nil), okAt: 1, want: dispatch.Delivered, wantTries: 1},
		{name: "third attempt", policy: dispatch.NewPolicy(nil, nil), okAt: 3, want: dispatch.Delivered, wantTries: 3, wantRetries: 2},
		{name: "retries spent", policy: dispatch.Policy{MaxAge: time.Hour, MaxRetries: 2}, want: dispatch.Exhausted, wantTries: 3, wantRetries: 2},
		{name: "no retries", policy: dispatch.Policy{MaxAge: time.Hour, MaxRetries: 0}, want: dispatch.Exhausted, wantTries: 1},
		// The back-off after attempt n is 2^(n-1) s: after the 4th, 8 s would
		// end past the event's 6 s.
		{name: "event too old", policy: dispatch.Policy{MaxAge: 6 * time.Second, MaxRetries: 100}, want: dispatch.Exhausted, wantTries: 4, wantRetries: 3},
		{name: "already too old", policy: dispatch.Policy{MaxAge: time.Minute, MaxRetries: 100}, age: time.Hour, want: dispatch.Exhausted, wantTries: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := stillClock()
			r := dispatch.Retry{Clock: clk, Base: time.Second, Max: time.Minute}
			attempts, retries := 0, 0
			got, err := r.Run(context.Background(), tt.policy, clk.Sched().Add(-tt.age), &attempts,
				func() error {
					if attempts == tt.okAt {
						return nil
					}
					return down
				},
				func(err error) {
					if err != down {
						t.Errorf("retrying(%v)", err)
					}
					retries++
				})
			if got != tt.want || attempts != tt.wantTries || retries != tt.wantRetries {
				t.Errorf("Run = %v after %d attempts, %d retries; want %v after %d, %d", got, attempts, retries, tt.want, tt.wantTries, tt.wantRetries)
			}
			if wantErr := tt.want == dispatch.Exhausted; (err == down) != wantErr {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestRunResumesCountAndStopsOnCancel(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clk := &schedexpr.Clock{Now: time.Now, Scale: 1, RealBase: now, SchedBase: now}
	r := dispatch.Retry{Clock: clk, Base: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	attempts := 4 // made before a restart
	done := make(chan struct{})
	var out dispatch.Outcome
	go func() {
		defer close(done)
		out, _ = r.Run(ctx, dispatch.NewPolicy(nil, nil), now, &attempts, func() error { return errors.New("down") },
			func(error) { cancel() }) // Close while waiting an hour
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if out != dispatch.Interrupted || attempts != 5 {
		t.Errorf("Run = %v after attempt %d; want Interrupted after 5", out, attempts)
	}
	attempts = 0
	if out, _ := r.Run(ctx, dispatch.NewPolicy(nil, nil), now, &attempts, func() error { return nil }, nil); out != dispatch.Interrupted || attempts != 0 {
		t.Errorf("Run on a done context = %v after %d attempts", out, attempts)
	}
}

func TestFireDue(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	items := map[string]time.Time{"a": t0.Add(2 * time.Minute), "b": t0, "c": {}, "d": t0.Add(time.Minute), "e": t0.Add(time.Hour)}
	var fired []string
	next := dispatch.FireDue(map[string]string{"a": "a", "b": "b", "c": "c", "d": "d", "e": "e"}, t0.Add(2*time.Minute),
		func(k string) time.Time { return items[k] },
		func(k string) {
			fired = append(fired, k)
			items[k] = items[k].Add(24 * time.Hour)
		})
	if got := len(fired); got != 3 || fired[0] != "b" || fired[1] != "d" || fired[2] != "a" {
		t.Errorf("fired %v; want [b d a]", fired)
	}
	if want := t0.Add(time.Hour); !next.Equal(want) {
		t.Errorf("next = %v; want %v", next, want)
	}
	if next := dispatch.FireDue(map[string]string{"c": "c"}, t0, func(k string) time.Time { return items[k] }, func(string) {
		t.Error("fired an unscheduled item")
	}); !next.IsZero() {
		t.Errorf("next = %v; want zero", next)
	}
}

func TestLoop(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clk := &schedexpr.Clock{Now: time.Now, Scale: 1, RealBase: now, SchedBase: now}
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 1)
	var calls atomic.Int32
	woken := make(chan struct{}, 10)
	var wg sync.WaitGroup
	wg.Go(func() {
		dispatch.Loop(ctx, clk, time.Hour, wake, func(time.Time) time.Time {
			calls.Add(1)
			woken <- struct{}{}
			return time.Time{} // nothing due: sleep for maxWait
		})
	})
	<-woken // the first call
	dispatch.Poke(wake)
	dispatch.Poke(wake) // a wake-up already pending is enough
	select {
	case <-woken:
	case <-time.After(10 * time.Second):
		t.Fatal("Poke did not wake the loop")
	}
	cancel()
	wg.Wait()
	if n := calls.Load(); n < 2 || n > 3 {
		t.Errorf("fireDue called %d times; want 2 or 3", n)
	}
}

func TestLoopSleepsUntilDue(t *testing.T) {
	t.Parallel()
	now := time.Now()
	// A schedule clock an hour per millisecond: an hour away is due at once.
	clk := &schedexpr.Clock{Now: time.Now, Scale: float64(time.Hour / time.Millisecond), RealBase: now, SchedBase: now}
	ctx, cancel := context.WithCancel(context.Background())
	var times []time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		dispatch.Loop(ctx, clk, time.Hour, nil, func(now time.Time) time.Time {
			times = append(times, now)
			if len(times) == 3 {
				cancel()
			}
			return now.Add(time.Hour)
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		t.Fatal("the loop did not wake at the due times")
	}
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d < time.Hour {
			t.Errorf("woke %v after the previous call; want an hour of schedule time", d)
		}
	}
}

func TestClockAcrossRestarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	comp, err := db.Component(ctx, "test", []string{`CREATE TABLE test_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return t0 }

	clk, err := dispatch.StartClock(ctx, comp, "test_meta", now, 60)
	if err != nil {
		t.Fatal(err)
	}
	if !clk.Sched().Equal(t0) {
		t.Errorf("first start: Sched = %v; want %v", clk.Sched(), t0)
	}
	later := t0.Add(5 * time.Hour)
	for _, v := range []time.Time{later, t0.Add(time.Hour)} { // an earlier value does not win
		if err := dispatch.SaveClock(ctx, comp, "test_meta", v); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		scale float64
		want  time.Time
	}{
		{scale: 60, want: later},
		{scale: 1, want: t0}, // the real clock
	}
	for _, tt := range tests {
		clk, err := dispatch.StartClock(ctx, comp, "test_meta", now, tt.scale)
		if err != nil {
			t.Fatal(err)
		}
		if !clk.Sched().Equal(tt.want) {
			t.Errorf("scale %v: Sched = %v; want %v", tt.scale, clk.Sched(), tt.want)
		}
	}
}
