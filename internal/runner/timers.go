package runner

import (
	"container/heap"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
)

// timerQueue holds armed timers ordered by due time.
type timerQueue struct {
	mu     sync.Mutex
	h      timerHeap
	index  map[timerKey]*timerItem
	wake   chan struct{}
	closed bool
}

type timerKey struct{ arn, id string }

type timerItem struct {
	key timerKey
	due time.Time
	pos int
}

type timerHeap []*timerItem

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].pos = i; h[j].pos = j }
func (h *timerHeap) Push(x any)        { it := x.(*timerItem); it.pos = len(*h); *h = append(*h, it) }
func (h *timerHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

func newTimerQueue() *timerQueue {
	return &timerQueue{index: map[timerKey]*timerItem{}, wake: make(chan struct{}, 1)}
}

func (q *timerQueue) add(arn, id string, due time.Time) {
	q.mu.Lock()
	k := timerKey{arn, id}
	if it, ok := q.index[k]; ok {
		it.due = due
		heap.Fix(&q.h, it.pos)
	} else {
		it := &timerItem{key: k, due: due}
		heap.Push(&q.h, it)
		q.index[k] = it
	}
	q.mu.Unlock()
	q.poke()
}

func (q *timerQueue) remove(arn, id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := timerKey{arn, id}
	if it, ok := q.index[k]; ok {
		heap.Remove(&q.h, it.pos)
		delete(q.index, k)
	}
}

func (q *timerQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *timerQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.poke()
}

// due pops every timer due at now and returns how long until the next.
func (q *timerQueue) due(now time.Time) ([]timerKey, time.Duration, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, 0, false
	}
	var out []timerKey
	for len(q.h) > 0 && !q.h[0].due.After(now) {
		it := heap.Pop(&q.h).(*timerItem)
		delete(q.index, it.key)
		out = append(out, it.key)
	}
	wait := time.Hour
	if len(q.h) > 0 {
		wait = q.h[0].due.Sub(now)
	}
	return out, wait, true
}

// timerLoop fires due timers into their executions.
func (r *Runner) timerLoop() {
	defer r.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		keys, wait, ok := r.timers.due(r.cfg.Now())
		if !ok {
			return
		}
		for _, k := range keys {
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				r.deliver(k.arn, engine.TimerFiredInput{TimerID: k.id})
			}()
		}
		t.Reset(wait)
		select {
		case <-t.C:
		case <-r.timers.wake:
		case <-r.ctx.Done():
			return
		}
	}
}
