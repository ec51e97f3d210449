package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Component is one emulated service's own tables in the shared database
// (SQS queues, DynamoDB items, ...). Its writes go through the store's one
// writer connection, so they never fail with SQLITE_BUSY against the
// runner's commits; its reads use the read-only pool and see the last
// committed state.
//
// A component owns the tables its migrations create; name them with the
// component's prefix ("sqs_messages") so components never collide.
//
// Statements run prepared: Prepare and Stmt on the writer (inside Write),
// PrepareRead, ReadStmt, Query and QueryRow on the read pool. Close (or the
// store's Close) closes them; the service that owns the component closes
// it when it closes.
type Component struct {
	db   *DB
	name string

	mu     sync.Mutex
	stmts  map[string]*sql.Stmt // prepared on the writer, by SQL text
	rstmts map[string]*sql.Stmt // prepared on the read pool, by SQL text
	closed bool                 // Close ran: nothing is prepared any more
}

// Component migrates the named component's tables and returns its handle.
// migrations follow the same rule as the store's own: append new steps,
// never edit a released one. Each component keeps its own version in the
// component_versions table.
func (db *DB) Component(ctx context.Context, name string, migrations []string) (*Component, error) {
	if name == "" {
		return nil, errors.New("component name is empty")
	}
	err := db.write(ctx, func(w *wtx) error {
		if _, err := w.exec(`CREATE TABLE IF NOT EXISTS component_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var have int
		switch err := w.queryRow(`SELECT version FROM component_versions WHERE name = ?`, name).Scan(&have); {
		case errors.Is(err, sql.ErrNoRows):
			have = 0
		case err != nil:
			return err
		}
		if have > len(migrations) {
			return fmt.Errorf("database version %d of %s is newer than this program's %d: run a newer stepflow, or use another --data folder", have, name, len(migrations))
		}
		for i := have; i < len(migrations); i++ {
			if _, err := w.exec(migrations[i]); err != nil {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
		}
		_, err := w.exec(`INSERT INTO component_versions (name, version) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET version = excluded.version`, name, len(migrations))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("migrate %s tables: %w", name, err)
	}
	c := &Component{db: db, name: name, stmts: map[string]*sql.Stmt{}, rstmts: map[string]*sql.Stmt{}}
	db.mu.Lock()
	db.components = append(db.components, c)
	db.mu.Unlock()
	return c, nil
}

// Prepare prepares queries on the writer connection once, so that Stmt
// runs them without SQLite parsing them again in every transaction. Call
// it outside Write (at start-up): preparing needs the writer connection.
// It fails once the component is closed.
func (c *Component) Prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		c.mu.Lock()
		_, ok := c.stmts[q]
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return fmt.Errorf("prepare %s statement: %w", c.name, errComponentClosed)
		}
		if ok {
			continue
		}
		st, err := c.db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %s statement %q: %w", c.name, q, err)
		}
		if err := c.keep(false, q, st); err != nil {
			return err
		}
	}
	return nil
}

// Stmt returns query as a statement of tx: the prepared one when Prepare
// prepared it, otherwise one tx prepares now (and closes with tx).
func (c *Component) Stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.stmts[query]
	c.mu.Unlock()
	if ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// PrepareRead prepares queries on the read pool once (database/sql
// prepares each again on every reader connection it runs on, once), so
// that ReadStmt, Query and QueryRow run them without SQLite parsing them
// again. Those also prepare a query the first time they run it; calling
// PrepareRead at start-up reports a bad statement early. It fails once the
// component is closed.
func (c *Component) PrepareRead(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, err := c.readStmt(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// ReadStmt returns query as a statement of tx, a read transaction begun
// on Read(): the read pool's prepared one (prepared now the first time),
// or, once the component is closed, one tx prepares now. It closes with
// tx.
func (c *Component) ReadStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, err := c.readStmt(ctx, query)
	switch {
	case errors.Is(err, errComponentClosed):
		return tx.PrepareContext(ctx, query)
	case err != nil:
		return nil, err
	}
	return tx.StmtContext(ctx, st), nil
}

// Query runs query on the read pool, prepared (the first time it runs,
// unless PrepareRead prepared it). Every distinct query text stays
// prepared until Close: use it for fixed texts, or a small set of
// shapes, and Read() for one-off statements. Once the component is
// closed it runs query unprepared.
func (c *Component) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.readStmt(ctx, query)
	switch {
	case errors.Is(err, errComponentClosed):
		return c.db.r.QueryContext(ctx, query, args...)
	case err != nil:
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil && c.isClosed() {
		// Close closed st after readStmt returned it.
		return c.db.r.QueryContext(ctx, query, args...)
	}
	return rows, err
}

// QueryRow runs query, which returns at most one row, on the read pool
// as Query does; errors are deferred to the row's Scan.
func (c *Component) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.readStmt(ctx, query)
	if err != nil {
		// Closed, or the query does not prepare: running it unprepared
		// reports the same error through the row.
		return c.db.r.QueryRowContext(ctx, query, args...)
	}
	row := st.QueryRowContext(ctx, args...)
	if row.Err() != nil && c.isClosed() {
		return c.db.r.QueryRowContext(ctx, query, args...)
	}
	return row
}

// errComponentClosed is readStmt's and Prepare's error once Close ran.
var errComponentClosed = errors.New("component is closed")

// readStmt returns the read pool's prepared statement of query, preparing
// it the first time, or errComponentClosed.
func (c *Component) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.rstmts[query]
	closed := c.closed
	c.mu.Unlock()
	switch {
	case ok:
		return st, nil
	case closed:
		return nil, errComponentClosed
	}
	st, err := c.db.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %s statement %q: %w", c.name, query, err)
	}
	if err := c.keep(true, query, st); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errComponentClosed
	}
	return c.rstmts[query], nil
}

// keep stores st as the prepared statement of query, on the read pool
// when read is set, else on the writer, unless there is one already or
// the component is closed; then it closes st.
func (c *Component) keep(read bool, query string, st *sql.Stmt) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.stmts
	if read {
		m = c.rstmts
	}
	if _, ok := m[query]; ok || c.closed {
		st.Close()
		if c.closed {
			return fmt.Errorf("prepare %s statement: %w", c.name, errComponentClosed)
		}
		return nil
	}
	m[query] = st
	return nil
}

func (c *Component) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close closes the component's prepared statements, once the statements
// running them finish. The component stays usable, unprepared: Stmt and
// ReadStmt prepare in the transaction, Query and QueryRow run their text,
// Prepare and PrepareRead fail. Closing the store closes its components.
// It is idempotent.
func (c *Component) Close() error {
	c.mu.Lock()
	stmts, rstmts := c.stmts, c.rstmts
	c.stmts, c.rstmts, c.closed = map[string]*sql.Stmt{}, map[string]*sql.Stmt{}, true
	c.mu.Unlock()
	var errs []error
	for _, st := range stmts {
		errs = append(errs, st.Close())
	}
	for _, st := range rstmts {
		errs = append(errs, st.Close())
	}
	c.db.mu.Lock()
	// A new slice: the store's Close may be ranging over the old one.
	c.db.components = slices.DeleteFunc(slices.Clone(c.db.components), func(x *Component) bool { return x == c })
	c.db.mu.Unlock()
	return errors.Join(errs...)
}

// close is Close for the store's Close.
func (c *Component) close() { c.Close() }

// Write runs fn in one write transaction and commits it (fsynced, as the
// store's Options say). fn's error rolls everything back and is returned
// as is. Keep fn short: every other writer waits for it.
func (c *Component) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return c.db.write(ctx, func(w *wtx) error { return fn(w.tx) })
}

// Read is the read-only connection pool. Queries on it see the last
// committed state; a read transaction sees one consistent snapshot.
// Statements run on it directly are parsed at every call: for the
// repeated ones use Query, QueryRow and ReadStmt, which run prepared.
func (c *Component) Read() *sql.DB { return c.db.r }
