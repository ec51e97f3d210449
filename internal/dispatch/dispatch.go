// Package dispatch is the background side that Amazon EventBridge scheduled
// rules (package events) and EventBridge Scheduler schedules (package
// scheduler) share: the loop that fires what is due on a schedule clock
// (schedexpr.Clock), that clock's persistence across restarts, and the
// delivery of one payload to a target, retried with exponential back-off
// under the target's RetryPolicy.
//
// It knows nothing of either service's resources: each service keeps its
// own tables, its own pending deliveries and its own dead-letter handling,
// and calls in here for the timing.
package dispatch

import (
	"context"
	"slices"
	"time"

	"github.com/stepflow/stepflow/internal/schedexpr"
)

// Defaults of a target's RetryPolicy, the same in EventBridge and
// EventBridge Scheduler.
const (
	DefaultMaximumEventAgeInSeconds = 86400
	DefaultMaximumRetryAttempts     = 185
)

// Policy bounds the delivery attempts of one event: a target's RetryPolicy.
type Policy struct {
	// MaxAge is the event age after which no attempt starts.
	MaxAge time.Duration
	// MaxRetries is the number of attempts after the first.
	MaxRetries int
}

// NewPolicy returns the policy of a RetryPolicy's MaximumEventAgeInSeconds
// and MaximumRetryAttempts members; a nil member takes its default.
func NewPolicy(maxEventAgeInSeconds, maxRetryAttempts *int) Policy {
	p := Policy{MaxAge: DefaultMaximumEventAgeInSeconds * time.Second, MaxRetries: DefaultMaximumRetryAttempts}
	if maxEventAgeInSeconds != nil {
		p.MaxAge = time.Duration(*maxEventAgeInSeconds) * time.Second
	}
	if maxRetryAttempts != nil {
		p.MaxRetries = *maxRetryAttempts
	}
	return p
}

// Outcome is how Retry.Run ended.
type Outcome uint8

// The outcomes of Retry.Run.
const (
	// Delivered: an attempt succeeded.
	Delivered Outcome = iota
	// Exhausted: every attempt the policy allows failed.
	Exhausted
	// Interrupted: the context was canceled (the service is closing); the
	// delivery is to resume after a restart.
	Interrupted
)

// Retry makes the attempts of deliveries, waiting between them with
// exponential back-off in schedule-clock time. Its zero value is not
// usable: set Clock, Base and Max.
type Retry struct {
	// Clock is the schedule clock that back-off waits and event ages are
	// measured on.
	Clock *schedexpr.Clock
	// Base and Max bound the back-off: attempt n waits
	// min(Base × 2^(n-1), Max).
	Base, Max time.Duration
}

// Backoff is the schedule-clock wait after attempt n (counted from 1).
func (r *Retry) Backoff(n int) time.Duration {
	w := r.Base
	for i := 1; i < n && w < r.Max; i++ {
		w *= 2
	}
	return min(w, r.Max)
}

// Run makes the attempts of one delivery of an event that happened at since
// (schedule clock). *attempts counts the attempts made, including those of
// a run before a restart; Run increments it before each call of try. After
// a failed attempt, if p allows another attempt and its back-off ends
// before the event is p.MaxAge old, Run calls retrying with the error (to
// record *attempts) and waits for the back-off.
//
// Run returns Delivered when an attempt succeeds, Exhausted and the last
// attempt's error when p is spent, and Interrupted when ctx is done (no
// attempt is then counted as failed).
func (r *Retry) Run(ctx context.Context, p Policy, since time.Time, attempts *int, try func() error,
	retrying func(err error)) (Outcome, error) {
	deadline := since.Add(p.MaxAge)
	maxAttempts := 1 + p.MaxRetries
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			return Interrupted, nil
		}
		*attempts++
		err := try()
		if err == nil {
			return Delivered, nil
		}
		if ctx.Err() != nil {
			return Interrupted, nil // the attempt is made again after a restart
		}
		wait := r.Backoff(*attempts)
		if *attempts >= maxAttempts || !r.Clock.Sched().Add(wait).Before(deadline) {
			return Exhausted, err
		}
		retrying(err)
		timer.Reset(r.Clock.Real(wait))
		select {
		case <-ctx.Done():
			return Interrupted, nil
		case <-timer.C:
		}
	}
}

// Loop fires due work until ctx is done. It calls fireDue with the schedule
// clock's time, then sleeps until the earliest due time fireDue returned
// (zero when nothing is due), for at most maxWait of real time (so that a
// clock that jumps, a sleeping machine or an injected clock, is noticed),
// or until wake receives (after a change), and starts again.
func Loop(ctx context.Context, clk *schedexpr.Clock, maxWait time.Duration, wake <-chan struct{},
	fireDue func(now time.Time) (next time.Time)) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := clk.Sched()
		next := fireDue(now)
		wait := maxWait
		if !next.IsZero() {
			wait = min(wait, clk.Real(next.Sub(now)))
		}
		timer.Reset(max(wait, 0))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
		}
	}
}

// FireDue is the usual fireDue of a Loop over a service's scheduled items
// (rules, schedules): it calls fire for each item whose due time is at or
// before now, earliest first, then returns the earliest due time left (zero
// if none). due returns an item's due time, zero when it is not scheduled;
// fire may change the map.
func FireDue[K comparable, V any](items map[K]V, now time.Time, due func(V) time.Time, fire func(V)) (next time.Time) {
	var ready []V
	for _, v := range items {
		if t := due(v); !t.IsZero() && !t.After(now) {
			ready = append(ready, v)
		}
	}
	slices.SortFunc(ready, func(a, b V) int { return due(a).Compare(due(b)) })
	for _, v := range ready {
		fire(v)
	}
	for _, v := range items {
		if t := due(v); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// Poke wakes a Loop without blocking: wake must have a buffer of one, and
// a wake-up already pending is enough.
func Poke(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}
