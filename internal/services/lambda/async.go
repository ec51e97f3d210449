package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// Asynchronous (Event) invocations.
//
// Invoke with InvocationType Event commits the event to lambda_async
// before it answers 202, so an accepted event survives a crash or kill -9
// of Stepflow. A dispatcher runs queued events in the background (waiting
// for concurrency instead of failing when the function is throttled) and
// deletes each row once its invocation has ended. An event whose function
// fails is retried twice, after AsyncRetryDelay and twice that, as AWS
// does by default. After a restart, every row still in the table runs
// again: an event that was running when Stepflow was killed runs a second
// time (Lambda's asynchronous delivery is at-least-once, too); Close stops
// the running ones, which then run again at the next start.

const maxAsyncAttempts = 3

// asyncItem is a queued event.
type asyncItem struct {
	ID            int64     `json:"-"`
	RequestID     string    `json:"requestId"`
	Function      string    `json:"function"`
	Qualifier     string    `json:"qualifier,omitempty"`
	Payload       []byte    `json:"payload"`
	ClientContext string    `json:"clientContext,omitempty"`
	Attempt       int       `json:"attempt"`
	NotBefore     time.Time `json:"-"`
}

type asyncQueue struct {
	s       *Service
	wake    chan struct{}
	mu      sync.Mutex
	running map[int64]bool
	wg      sync.WaitGroup
}

func newAsyncQueue(s *Service) *asyncQueue {
	return &asyncQueue{s: s, wake: make(chan struct{}, 1), running: map[int64]bool{}}
}

// enqueue stores an event durably.
func (q *asyncQueue) enqueue(ctx context.Context, it asyncItem) error {
	err := q.s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO lambda_async (doc, not_before) VALUES (?, ?)`, mustJSON(it), 0)
		return err
	})
	if err != nil {
		return err
	}
	q.poke()
	return nil
}

func (q *asyncQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run dispatches due events until ctx ends, then waits for the running
// ones.
func (q *asyncQueue) run(ctx context.Context) {
	defer q.wg.Wait()
	for {
		next := q.dispatch(ctx)
		wait := time.Second
		if !next.IsZero() {
			wait = max(time.Until(next), time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-q.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// dispatch starts the due events not yet running and returns when the
// next delayed one is due (zero when none).
func (q *asyncQueue) dispatch(ctx context.Context) time.Time {
	now := q.s.cfg.Now().UnixMilli()
	rows, err := q.s.comp.Read().QueryContext(ctx,
		`SELECT id, doc, not_before FROM lambda_async WHERE not_before <= ? ORDER BY not_before, id LIMIT 512`, now)
	if err != nil {
		if ctx.Err() == nil {
			q.s.log.Warn("lambda_async_queue_unreadable", "error", err)
		}
		return time.Time{}
	}
	var due []asyncItem
	for rows.Next() {
		var it asyncItem
		var doc string
		var nb int64
		if rows.Scan(&it.ID, &doc, &nb) != nil || json.Unmarshal([]byte(doc), &it) != nil {
			continue
		}
		due = append(due, it)
	}
	rows.Close()
	limit := 2 * q.s.cfg.MaxConcurrency
	q.mu.Lock()
	for _, it := range due {
		if q.running[it.ID] || len(q.running) >= limit {
			continue
		}
		q.running[it.ID] = true
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			q.runOne(ctx, it)
			q.mu.Lock()
			delete(q.running, it.ID)
			q.mu.Unlock()
			q.poke()
		}()
	}
	q.mu.Unlock()
	var next sql.NullInt64
	_ = q.s.comp.Read().QueryRowContext(ctx, `SELECT MIN(not_before) FROM lambda_async WHERE not_before > ?`, now).Scan(&next)
	if next.Valid {
		return time.UnixMilli(next.Int64)
	}
	return time.Time{}
}

// runOne runs one event and settles its row.
func (q *asyncQueue) runOne(ctx context.Context, it asyncItem) {
	s := q.s
	ref := fnRef{name: it.Function, qualifier: it.Qualifier}
	s.mu.RLock()
	_, cfg, err := s.resolveLocked(ref)
	s.mu.RUnlock()
	if err != nil {
		s.log.Info("lambda_async_event_dropped", "function", it.Function, "request_id", it.RequestID, "error", err)
		q.remove(it.ID)
		return
	}
	if !runnable(cfg.Runtime) {
		s.log.Info("lambda_async_event_dropped", "function", it.Function, "request_id", it.RequestID, "error", invalidRuntime(cfg.Runtime))
		q.remove(it.ID)
		return
	}
	res, err := s.execute(ctx, cfg, s.qualifiedARN(ref.name, ref.qualifier), it.RequestID, it.Payload, it.ClientContext, true)
	switch {
	case ctx.Err() != nil || errors.Is(err, errClosed):
		return // runs again at the next start
	case err != nil:
		s.log.Warn("lambda_async_invoke_failed", "function", it.Function, "request_id", it.RequestID, "error", err)
		q.retry(it)
	case res.funcErr && it.Attempt+1 < maxAsyncAttempts:
		q.retry(it)
	default:
		q.remove(it.ID)
	}
}

func (q *asyncQueue) retry(it asyncItem) {
	delay := q.s.cfg.AsyncRetryDelay << it.Attempt
	it.Attempt++
	if it.Attempt >= maxAsyncAttempts {
		q.remove(it.ID)
		return
	}
	nb := q.s.cfg.Now().Add(delay).UnixMilli()
	err := q.s.comp.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE lambda_async SET doc = ?, not_before = ? WHERE id = ?`, mustJSON(it), nb, it.ID)
		return err
	})
	if err != nil {
		q.s.log.Warn("lambda_async_retry_not_saved", "error", err)
	}
}

func (q *asyncQueue) remove(id int64) {
	err := q.s.comp.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM lambda_async WHERE id = ?`, id)
		return err
	})
	if err != nil {
		q.s.log.Warn("lambda_async_row_not_deleted", "error", err)
	}
}
