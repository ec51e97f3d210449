package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// logStore keeps the latest invocations of every function (their logs
// included) in memory and in lambda_invocations. Writes to the database
// are batched by a background writer, off the invocation path; at most
// `keep` invocations are kept per function.
type logStore struct {
	comp *sqlite.Component
	keep int
	log  *slog.Logger
	// sink, when set, receives every invocation's log once it is saved
	// (Config.LogSink).
	sink func(ctx context.Context, function string, inv Invocation)

	mu      sync.Mutex
	byFn    map[string][]Invocation // oldest first
	queue   []loggedInvocation
	wake    chan struct{}
	flushed chan struct{} // closed and replaced after every batch
}

type loggedInvocation struct {
	fn  string
	inv Invocation
}

// invocationDoc is a lambda_invocations row.
type invocationDoc struct {
	RequestID string    `json:"requestId"`
	Version   string    `json:"version"`
	Start     time.Time `json:"start"`
	Duration  int64     `json:"durationNs"`
	Status    string    `json:"status"`
	Log       string    `json:"log"`
}

func newLogStore(comp *sqlite.Component, keep int, log *slog.Logger) *logStore {
	return &logStore{comp: comp, keep: keep, log: log, byFn: map[string][]Invocation{},
		wake: make(chan struct{}, 1), flushed: make(chan struct{})}
}

// load reads the kept invocations of the given functions.
func (l *logStore) load(ctx context.Context, db *sql.DB, fns map[string]*function) error {
	for name := range fns {
		rows, err := db.QueryContext(ctx, `SELECT doc FROM lambda_invocations WHERE function = ? ORDER BY id DESC LIMIT ?`, name, l.keep)
		if err != nil {
			return err
		}
		var list []Invocation
		for rows.Next() {
			var doc string
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return err
			}
			var d invocationDoc
			if json.Unmarshal([]byte(doc), &d) == nil {
				list = append(list, Invocation{RequestID: d.RequestID, Version: d.Version, Start: d.Start,
					Duration: time.Duration(d.Duration), Status: d.Status, Log: d.Log})
			}
		}
		rows.Close()
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
		l.byFn[name] = list
	}
	return nil
}

// record adds an invocation.
func (l *logStore) record(fn string, inv Invocation) {
	l.mu.Lock()
	list := append(l.byFn[fn], inv)
	if len(list) > 2*l.keep { // trim now and then, not at every record
		list = append(make([]Invocation, 0, 2*l.keep+1), list[len(list)-l.keep:]...)
	}
	l.byFn[fn] = list
	l.queue = append(l.queue, loggedInvocation{fn, inv})
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// recent returns up to n invocations, newest first.
func (l *logStore) recent(fn string, n int) []Invocation {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := l.byFn[fn]
	if len(list) > l.keep {
		list = list[len(list)-l.keep:]
	}
	out := make([]Invocation, 0, min(n, len(list)))
	for i := len(list) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, list[i])
	}
	return out
}

// forget drops a deleted function's invocations (its rows go with the
// function's).
func (l *logStore) forget(fn string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byFn, fn)
	q := l.queue[:0]
	for _, it := range l.queue {
		if it.fn != fn {
			q = append(q, it)
		}
	}
	l.queue = q
}

// run writes queued invocations in batches until ctx ends, then writes
// what is left.
func (l *logStore) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			l.flush(context.Background())
			return
		case <-l.wake:
		}
		// Let a burst accumulate into one transaction.
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
		l.flush(ctx)
	}
}

// flush writes the queued invocations in one transaction and prunes
// what exceeds the limit.
func (l *logStore) flush(ctx context.Context) {
	l.mu.Lock()
	batch := l.queue
	l.queue = nil
	done := l.flushed
	l.flushed = make(chan struct{})
	l.mu.Unlock()
	defer close(done)
	if len(batch) == 0 {
		return
	}
	fns := map[string]bool{}
	err := l.comp.Write(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		for _, it := range batch {
			d := invocationDoc{RequestID: it.inv.RequestID, Version: it.inv.Version, Start: it.inv.Start,
				Duration: int64(it.inv.Duration), Status: it.inv.Status, Log: it.inv.Log}
			if _, err := tx.Exec(`INSERT INTO lambda_invocations (function, doc) VALUES (?, ?)`, it.fn, mustJSON(d)); err != nil {
				return err
			}
			fns[it.fn] = true
		}
		for fn := range fns {
			if _, err := tx.Exec(`DELETE FROM lambda_invocations WHERE function = ? AND id <=
				(SELECT id FROM lambda_invocations WHERE function = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, fn, fn, l.keep); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.log.Warn("lambda_invocation_logs_not_saved", "error", err, "count", len(batch))
	}
	if l.sink != nil {
		for _, it := range batch {
			l.sink(context.WithoutCancel(ctx), it.fn, it.inv)
		}
	}
}

// sync waits until everything recorded so far is written.
func (l *logStore) sync(ctx context.Context) {
	l.mu.Lock()
	pending := len(l.queue) > 0
	ch := l.flushed
	l.mu.Unlock()
	if !pending {
		return
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}
