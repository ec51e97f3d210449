// Package sqlite is the default store.Store: one SQLite file (WAL mode) on
// modernc.org/sqlite, pure Go. Writes go through one connection, since
// SQLite serializes writers anyway; reads use a small pool of read-only
// connections that see the last committed state without blocking the
// writer. Every Commit is one transaction, fsynced before it returns unless
// Options.Synchronous relaxes that.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

var _ store.Store = (*DB)(nil)

// Options configures Open. The zero value is the durable default.
type Options struct {
	// Synchronous is SQLite's synchronous setting for the writer. "FULL"
	// (the default) fsyncs the write-ahead log at every commit, so a
	// committed batch survives a power loss. "NORMAL" fsyncs only at
	// checkpoints: a commit survives a crash of the process but may be lost
	// with the machine. "OFF" never fsyncs. Relax it only for benchmarks
	// and tests.
	Synchronous string
	// BusyTimeout is how long a statement waits for a lock held by another
	// process before failing. Default 5s.
	BusyTimeout time.Duration
	// Readers is the number of read connections. Default 4.
	Readers int
}

// withDefaults returns o with its zero fields set to their defaults, or an
// error naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	if o.Synchronous == "" {
		o.Synchronous = "FULL"
	}
	switch strings.ToUpper(o.Synchronous) {
	case "OFF", "NORMAL", "FULL", "EXTRA":
		o.Synchronous = strings.ToUpper(o.Synchronous)
	default:
		return o, fmt.Errorf("invalid Synchronous %q: want FULL, NORMAL, OFF or EXTRA", o.Synchronous)
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.BusyTimeout < 0 {
		return o, fmt.Errorf("invalid BusyTimeout %v: negative", o.BusyTimeout)
	}
	if o.Readers == 0 {
		o.Readers = 4
	}
	if o.Readers < 0 {
		return o, fmt.Errorf("invalid Readers %d: negative", o.Readers)
	}
	return o, nil
}

// DB is a store.Store in one SQLite file. It is safe for concurrent use.
type DB struct {
	w *sql.DB // the one writer connection
	r *sql.DB // read-only connections

	stmts map[string]*sql.Stmt // prepared on w at Open, by SQL text; read-only

	mu         sync.Mutex           // guards rstmts and components
	rstmts     map[string]*sql.Stmt // prepared on r, by SQL text
	components []*Component
}

// Open opens the database file at path, creating it (and its folder) if
// needed, and brings its schema to the current version. It fails on a
// database written by a newer version of this package.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	busy := fmt.Sprint(opts.BusyTimeout.Milliseconds())
	base := (&url.URL{Scheme: "file", Path: abs}).String()

	w, err := sql.Open("sqlite", base+"?"+url.Values{
		"_pragma": {
			"page_size(8192)", // a fresh database's; clustered chunks take fewer WAL frames
			"busy_timeout(" + busy + ")",
			"foreign_keys(1)",
			"synchronous(" + opts.Synchronous + ")",
			"cache_size(-32768)", // KiB: the pages of the executions being run stay cached
			"temp_store(MEMORY)",
			// Checkpoint every ~16 MB of log rather than 4: pages that
			// many commits rewrite (the history leaves of running
			// executions) are copied to the database file once.
			"wal_autocheckpoint(4000)",
		},
		"_txlock": {"immediate"},
	}.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{w: w, stmts: make(map[string]*sql.Stmt), rstmts: make(map[string]*sql.Stmt)}

	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store: set WAL mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, fmt.Errorf("open store: journal mode is %q, not wal", mode)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}

	r, err := sql.Open("sqlite", base+"?"+url.Values{
		"_pragma": {
			"busy_timeout(" + busy + ")",
			"query_only(1)",
			"temp_store(MEMORY)",
		},
	}.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	r.SetMaxOpenConns(opts.Readers)
	r.SetMaxIdleConns(opts.Readers)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	db.r = r
	if err := db.prepareWrites(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// Close closes every connection; the store must not be used afterwards.
// It first lets SQLite refresh its query planner statistics.
func (db *DB) Close() error {
	_, optErr := db.w.Exec(`PRAGMA optimize`)
	for _, s := range db.stmts {
		s.Close()
	}
	db.mu.Lock()
	for _, s := range db.rstmts {
		s.Close()
	}
	db.rstmts = nil
	components := db.components
	db.mu.Unlock()
	for _, c := range components {
		c.close()
	}
	return errors.Join(optErr, db.r.Close(), db.w.Close())
}

// prepareWrites prepares every statement of the write paths on the writer
// connection. It runs once, in Open: the map is read-only afterwards.
func (db *DB) prepareWrites(ctx context.Context) error {
	qs := slices.Concat(writeQueries, eventInsert.all(), inputInsert.all(), bodyInsert.all())
	for _, q := range qs {
		s, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare statement %q: %w", q, err)
		}
		db.stmts[q] = s
	}
	return nil
}

// readStmt returns the readers' prepared statement for query, preparing it
// the first time. Not for use inside a read transaction.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	db.mu.Lock()
	s, ok := db.rstmts[query]
	closed := db.rstmts == nil
	db.mu.Unlock()
	if ok {
		return s, nil
	}
	if closed {
		return nil, errors.New("prepare statement: store is closed")
	}
	s, err := db.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if old, ok := db.rstmts[query]; ok || db.rstmts == nil {
		s.Close()
		if !ok {
			return nil, errors.New("prepare statement: store is closed")
		}
		return old, nil
	}
	db.rstmts[query] = s
	return s, nil
}

// query runs a read query on a reader connection.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := db.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow runs a one-row read query on a reader connection.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := db.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

// write runs fn in one write transaction and commits it. ctx can stop it
// from starting (also while it waits for the writer connection), not once
// it runs: a write transaction is short, and running it without a
// cancellable context spares the driver a watcher goroutine per statement.
func (db *DB) write(ctx context.Context, fn func(tx *wtx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer conn.Close()
	ctx = context.WithoutCancel(ctx)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	w := &wtx{db: db, tx: tx, ctx: ctx}
	if err := fn(w); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// wtx is a write transaction that runs the writer's prepared statements.
type wtx struct {
	db  *DB
	tx  *sql.Tx
	ctx context.Context
}

// exec runs query with args and returns the number of rows it changed.
// Queries prepared at Open run prepared.
func (w *wtx) exec(query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if s := w.db.stmts[query]; s != nil {
		res, err = w.tx.StmtContext(w.ctx, s).ExecContext(w.ctx, args...)
	} else {
		res, err = w.tx.ExecContext(w.ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// execResult runs query with args and returns its result. Queries
// prepared at Open run prepared.
func (w *wtx) execResult(query string, args ...any) (sql.Result, error) {
	if s := w.db.stmts[query]; s != nil {
		return w.tx.StmtContext(w.ctx, s).ExecContext(w.ctx, args...)
	}
	return w.tx.ExecContext(w.ctx, query, args...)
}

// queryRow runs query with args in the transaction.
func (w *wtx) queryRow(query string, args ...any) *sql.Row {
	if s := w.db.stmts[query]; s != nil {
		return w.tx.StmtContext(w.ctx, s).QueryRowContext(w.ctx, args...)
	}
	return w.tx.QueryRowContext(w.ctx, query, args...)
}

// toNanos encodes t as Unix nanoseconds, the zero time as 0.
func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos decodes toNanos: 0 is the zero time, others are UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
