package lambda

import (
	"crypto/rand"
	"errors"
	"slices"
	"sync"
	"time"
)

// runtime owns the function processes. Processes are grouped in pools, one
// per (function, version, revision): an update of $LATEST retires its pool,
// so new invocations start processes on the new code while invocations
// already running finish on the old.
type runtime struct {
	s *Service

	mu       sync.Mutex
	pools    map[poolKey]*pool
	procs    int
	codeRefs map[string]int // code hex → live sandboxes using it
	closed   bool

	wg sync.WaitGroup // sandbox reapers
}

type poolKey struct{ fn, version, revision string }

// pool is the sandboxes of one configuration.
type pool struct {
	key       poolKey
	cfg       *fnConfig
	idle      []*sandbox    // waiting in /next; the most recent last
	pending   []*invocation // waiting for a sandbox that is finishing
	finishing int
	live      map[*sandbox]struct{}
	retired   bool
}

var errClosed = errors.New("lambda service closed")

func newRuntime(s *Service) *runtime {
	return &runtime{s: s, pools: map[poolKey]*pool{}, codeRefs: map[string]int{}}
}

// dispatch hands an invocation to a warm process of its configuration, or
// queues it for one that is about to be free, or starts a new one.
func (rt *runtime) dispatch(inv *invocation) error {
	key := poolKey{inv.cfg.Name, inv.cfg.Version, inv.cfg.RevisionID}
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return errClosed
	}
	p := rt.pools[key]
	if p == nil {
		p = &pool{key: key, cfg: inv.cfg, live: map[*sandbox]struct{}{}}
		rt.pools[key] = p
	}
	if n := len(p.idle); n > 0 {
		sb := p.idle[n-1]
		p.idle = p.idle[:n-1]
		sb.state = stBusy
		rt.mu.Unlock()
		sb.wake <- inv
		return nil
	}
	if len(p.pending) < p.finishing {
		// A process that just answered calls /next within microseconds
		// (aws-lambda-go) or milliseconds (a shell runtime): wait for it
		// rather than start another, but not for long, since a process
		// may keep working after its answer.
		p.pending = append(p.pending, inv)
		time.AfterFunc(finishingGrace, func() { rt.unqueue(p, inv) })
		rt.mu.Unlock()
		return nil
	}
	sb, victims := rt.newSandboxLocked(p, inv)
	rt.mu.Unlock()
	for _, v := range victims {
		v.stop()
	}
	sb.start()
	return nil
}

// finishingGrace is how long an invocation waits for a process that has
// answered its previous invocation before a new process is started.
const finishingGrace = 20 * time.Millisecond

// unqueue starts a process for an invocation still waiting after the
// grace period.
func (rt *runtime) unqueue(p *pool, inv *invocation) {
	rt.mu.Lock()
	i := slices.Index(p.pending, inv)
	if i < 0 || rt.closed {
		rt.mu.Unlock()
		return
	}
	p.pending = slices.Delete(p.pending, i, i+1)
	sb, victims := rt.newSandboxLocked(p, inv)
	rt.mu.Unlock()
	for _, v := range victims {
		v.stop()
	}
	sb.start()
}

// newSandboxLocked registers a sandbox that will run inv first, and picks
// idle sandboxes to stop if the process limit is reached.
func (rt *runtime) newSandboxLocked(p *pool, inv *invocation) (*sandbox, []*sandbox) {
	sb := &sandbox{rt: rt, pool: p, id: newSandboxID(), state: stStarting, first: inv,
		wake: make(chan *invocation, 1), dead: make(chan struct{})}
	_, _ = rand.Read(sb.token[:])
	sb.token[0] |= 1 // never all zero
	p.live[sb] = struct{}{}
	rt.wg.Add(1) // Done when start gives up or the process is reaped
	rt.procs++
	rt.codeRefs[p.cfg.codeHex()]++
	var victims []*sandbox
	for rt.procs > rt.s.cfg.MaxConcurrency {
		v := rt.oldestIdleLocked()
		if v == nil {
			break
		}
		rt.removeLocked(v)
		victims = append(victims, v)
	}
	return sb, victims
}

func (rt *runtime) oldestIdleLocked() *sandbox {
	var best *sandbox
	for _, p := range rt.pools {
		if len(p.idle) > 0 && (best == nil || p.idle[0].idleSince.Before(best.idleSince)) {
			best = p.idle[0]
		}
	}
	return best
}

// removeLocked takes a sandbox out of its pool's books (once).
func (rt *runtime) removeLocked(sb *sandbox) {
	if sb.removed {
		return
	}
	sb.removed = true
	p := sb.pool
	switch sb.state {
	case stIdle:
		for i, x := range p.idle {
			if x == sb {
				p.idle = append(p.idle[:i], p.idle[i+1:]...)
				break
			}
		}
	case stFinishing:
		p.finishing--
	}
	sb.state = stDead
	delete(p.live, sb)
	rt.procs--
	h := p.cfg.codeHex()
	if rt.codeRefs[h]--; rt.codeRefs[h] <= 0 {
		delete(rt.codeRefs, h)
	}
	rt.dropPoolLocked(p)
}

func (rt *runtime) dropPoolLocked(p *pool) {
	if len(p.live) == 0 && len(p.pending) == 0 && rt.pools[p.key] == p && (p.retired || len(p.idle) == 0) {
		delete(rt.pools, p.key)
	}
}

// next is a process's call to /runtime/invocation/next: it returns the
// invocation to run, or nil when the process must wait on its wake
// channel; ok is false when the process must stop.
func (rt *runtime) next(sb *sandbox) (inv *invocation, ok bool) {
	rt.mu.Lock()
	p := sb.pool
	switch sb.state {
	case stDead:
		rt.mu.Unlock()
		return nil, false
	case stStarting:
		inv, sb.first = sb.first, nil
		if inv != nil {
			inv.cold = true
			inv.initDur = time.Since(sb.started)
		}
	case stFinishing:
		p.finishing--
		sb.state = stBusy // counted nowhere until decided below
	case stBusy, stIdle:
		// Handed an invocation through wake (busy), or polling twice.
		rt.mu.Unlock()
		return nil, true
	}
	if inv == nil && (p.retired || rt.closed) {
		rt.removeLocked(sb)
		rt.mu.Unlock()
		sb.stop()
		return nil, false
	}
	if inv == nil && len(p.pending) > 0 {
		inv = p.pending[0]
		p.pending = p.pending[1:]
	}
	if inv == nil {
		sb.state = stIdle
		sb.idleSince = time.Now()
		p.idle = append(p.idle, sb)
	} else {
		sb.state = stBusy
	}
	rt.mu.Unlock()
	return inv, true
}

// finishing records that a process answered its invocation and will call
// /next again.
func (rt *runtime) finishing(sb *sandbox) {
	rt.mu.Lock()
	if sb.state == stBusy {
		sb.state = stFinishing
		sb.pool.finishing++
	}
	rt.mu.Unlock()
}

// exited settles a sandbox whose process is gone (or never started): an
// invocation handed to it but not taken is queued again, and queued
// invocations that no process will take get new ones.
func (rt *runtime) exited(sb *sandbox) {
	rt.mu.Lock()
	p := sb.pool
	rt.removeLocked(sb)
	select {
	case inv := <-sb.wake:
		p.pending = append([]*invocation{inv}, p.pending...)
	default:
	}
	var start []*sandbox
	var victims []*sandbox
	for len(p.pending) > 0 && len(p.pending) > p.finishing && !rt.closed {
		inv := p.pending[0]
		p.pending = p.pending[1:]
		nsb, v := rt.newSandboxLocked(p, inv)
		start = append(start, nsb)
		victims = append(victims, v...)
	}
	var orphans []*invocation
	if rt.closed {
		orphans, p.pending = p.pending, nil
	}
	rt.dropPoolLocked(p)
	rt.mu.Unlock()
	for _, v := range victims {
		v.stop()
	}
	for _, nsb := range start {
		nsb.start()
	}
	for _, inv := range orphans {
		inv.complete(result{err: closedError()})
	}
	if p.retired {
		rt.s.gcCode()
	}
}

// retire stops the idle processes of a function's version (of the given
// revision, or any revision when it is "") and makes the busy ones stop
// after their invocation.
func (rt *runtime) retire(fn, version, revision string) {
	rt.mu.Lock()
	var stop []*sandbox
	for key, p := range rt.pools {
		if key.fn != fn || key.version != version || revision != "" && key.revision != revision {
			continue
		}
		stop = append(stop, rt.retireLocked(p)...)
	}
	rt.mu.Unlock()
	for _, sb := range stop {
		sb.stop()
	}
}

// retireFunction retires every pool of a function.
func (rt *runtime) retireFunction(fn string) {
	rt.mu.Lock()
	var stop []*sandbox
	for key, p := range rt.pools {
		if key.fn == fn {
			stop = append(stop, rt.retireLocked(p)...)
		}
	}
	rt.mu.Unlock()
	for _, sb := range stop {
		sb.stop()
	}
}

func (rt *runtime) retireLocked(p *pool) []*sandbox {
	p.retired = true
	stop := append([]*sandbox(nil), p.idle...)
	for _, sb := range stop {
		rt.removeLocked(sb)
	}
	if rt.pools[p.key] == p {
		delete(rt.pools, p.key)
	}
	return stop
}

// usesCode reports whether a live process runs the given package.
func (rt *runtime) usesCode(hexSum string) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.codeRefs[hexSum] > 0
}

// reap stops processes idle for longer than the idle timeout.
func (rt *runtime) reap(now time.Time) {
	rt.mu.Lock()
	var stop []*sandbox
	for _, p := range rt.pools {
		for _, sb := range append([]*sandbox(nil), p.idle...) {
			if now.Sub(sb.idleSince) >= rt.s.cfg.IdleTimeout {
				rt.removeLocked(sb)
				stop = append(stop, sb)
			}
		}
	}
	rt.mu.Unlock()
	for _, sb := range stop {
		sb.stop()
	}
}

// close stops every process and waits for them.
func (rt *runtime) close() {
	rt.mu.Lock()
	rt.closed = true
	var all []*sandbox
	var orphans []*invocation
	for _, p := range rt.pools {
		for sb := range p.live {
			all = append(all, sb)
		}
		orphans = append(orphans, p.pending...)
		p.pending = nil
	}
	rt.mu.Unlock()
	for _, sb := range all {
		sb.mu.Lock()
		sb.closing = true
		sb.mu.Unlock()
		sb.stop()
	}
	for _, inv := range orphans {
		inv.complete(result{err: closedError()})
	}
	rt.wg.Wait()
}
