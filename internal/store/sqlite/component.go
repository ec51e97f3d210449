package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
type Component struct {
	db   *DB
	name string

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared on the writer, by SQL text
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
	c := &Component{db: db, name: name, stmts: map[string]*sql.Stmt{}}
	db.mu.Lock()
	db.components = append(db.components, c)
	db.mu.Unlock()
	return c, nil
}

// Prepare prepares queries on the writer connection once, so that Stmt
// runs them without SQLite parsing them again in every transaction. Call
// it outside Write (at start-up): preparing needs the writer connection.
func (c *Component) Prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		c.mu.Lock()
		_, ok := c.stmts[q]
		c.mu.Unlock()
		if ok {
			continue
		}
		st, err := c.db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %s statement %q: %w", c.name, q, err)
		}
		c.mu.Lock()
		c.stmts[q] = st
		c.mu.Unlock()
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

// close closes the component's prepared statements.
func (c *Component) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}

// Write runs fn in one write transaction and commits it (fsynced, as the
// store's Options say). fn's error rolls everything back and is returned
// as is. Keep fn short: every other writer waits for it.
func (c *Component) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return c.db.write(ctx, func(w *wtx) error { return fn(w.tx) })
}

// Read is the read-only connection pool. Queries on it see the last
// committed state; a read transaction sees one consistent snapshot.
func (c *Component) Read() *sql.DB { return c.db.r }
