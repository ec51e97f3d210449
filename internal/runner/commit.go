package runner

import (
	"context"
	"errors"

	"github.com/stepflow/stepflow/internal/store"
)

// errStopped is returned to callers waiting on a stopped runner.
var errStopped = errors.New("runner stopped")

// commitReq is one execution's transition waiting for the group committer:
// the execution's, then its child executions' (distributed Map children),
// all or nothing.
type commitReq struct {
	ts   []store.Transition
	done chan error
}

// commit hands an execution's transition, and those of its children, to
// the committer and waits until they are durable.
func (r *Runner) commit(ctx context.Context, t store.Transition, children []store.Transition) error {
	ts := []store.Transition{t}
	if len(children) > 0 {
		ts = append(make([]store.Transition, 0, 1+len(children)), t)
		ts = append(ts, children...)
	}
	req := commitReq{ts: ts, done: make(chan error, 1)}
	select {
	case r.commits <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.ctx.Done():
		return errStopped
	}
	select {
	case err := <-req.done:
		return err
	case <-r.ctx.Done():
		return errStopped
	}
}

// committer writes transitions in batches: while one commit is in flight,
// transitions of other executions queue up and go together in the next,
// so many executions share one fsync.
func (r *Runner) committer() {
	defer r.wg.Done()
	batch := make([]commitReq, 0, r.cfg.GroupCommitMax)
	ts := make([]store.Transition, 0, r.cfg.GroupCommitMax)
	for {
		select {
		case req := <-r.commits:
			batch = append(batch[:0], req)
		case <-r.ctx.Done():
			return
		}
	drain:
		for len(batch) < r.cfg.GroupCommitMax {
			select {
			case req := <-r.commits:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		ts = ts[:0]
		for _, req := range batch {
			ts = append(ts, req.ts...)
		}
		err := r.cfg.Store.Commit(r.ctx, ts)
		if err != nil && len(batch) > 1 {
			// One bad transition must not fail the others: retry singly.
			for _, req := range batch {
				req.done <- r.cfg.Store.Commit(r.ctx, req.ts)
			}
			continue
		}
		for _, req := range batch {
			req.done <- err
		}
	}
}
