package lambda

import (
	"context"
	"sync"
)

// limiter enforces Lambda's concurrency rules: a function with reserved
// concurrency runs at most that many invocations at once; the others share
// what the reservations leave of the account limit.
type limiter struct {
	mu                 sync.Mutex
	max                int
	reserved           map[string]int
	reservedSum        int
	inflight           map[string]int
	unreservedInflight int
	changed            chan struct{} // closed and replaced at every release
}

// slot is one admitted invocation.
type slot struct {
	fn       string
	reserved bool
}

func newLimiter(max int) *limiter {
	return &limiter{max: max, reserved: map[string]int{}, inflight: map[string]int{}, changed: make(chan struct{})}
}

// setReserved records a function's reservation (nil removes it).
func (l *limiter) setReserved(fn string, n *int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.reserved[fn]; ok {
		l.reservedSum -= old
		delete(l.reserved, fn)
	}
	if n != nil {
		l.reserved[fn] = *n
		l.reservedSum += *n
	}
	l.signalLocked()
}

// signalLocked wakes the invocations waiting for room.
func (l *limiter) signalLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// acquire admits an invocation or returns TooManyRequestsException.
func (l *limiter) acquire(fn string) (slot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.reserved[fn]; ok {
		if l.inflight[fn] >= r {
			return slot{}, tooManyRequests(reasonReservedConcurrency)
		}
		l.inflight[fn]++
		return slot{fn: fn, reserved: true}, nil
	}
	if l.unreservedInflight >= l.max-l.reservedSum {
		return slot{}, tooManyRequests(reasonConcurrentExceeded)
	}
	l.unreservedInflight++
	l.inflight[fn]++
	return slot{fn: fn}, nil
}

// acquireWait is acquire for invocations Lambda queues itself
// (asynchronous invocations, event source mappings): it waits for room.
func (l *limiter) acquireWait(ctx context.Context, fn string) (slot, error) {
	for {
		l.mu.Lock()
		ch := l.changed
		l.mu.Unlock()
		sl, err := l.acquire(fn)
		if err == nil {
			return sl, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return slot{}, ctx.Err()
		}
	}
}

// release ends an admitted invocation.
func (l *limiter) release(sl slot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight[sl.fn]--; l.inflight[sl.fn] <= 0 {
		delete(l.inflight, sl.fn)
	}
	if !sl.reserved {
		l.unreservedInflight--
	}
	l.signalLocked()
}
