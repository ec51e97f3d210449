package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

func TestComponent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := Open(ctx, path, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{`CREATE TABLE demo_items (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`}
	c, err := db.Component(ctx, "demo", steps)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO demo_items VALUES ('a', 1)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := c.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO demo_items VALUES ('b', 2)`); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want boom", err)
	}
	var n int
	if err := c.Read().QueryRow(`SELECT count(*) FROM demo_items`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("count = %d, %v; want 1 (the failed write rolled back)", n, err)
	}
	db.Close()

	// Reopening applies only the new step and keeps the data.
	db, err = Open(ctx, path, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err = db.Component(ctx, "demo", append(steps, `ALTER TABLE demo_items ADD COLUMN w TEXT NOT NULL DEFAULT 'x'`))
	if err != nil {
		t.Fatal(err)
	}
	var w string
	if err := c.Read().QueryRow(`SELECT w FROM demo_items WHERE k = 'a'`).Scan(&w); err != nil || w != "x" {
		t.Fatalf("w = %q, %v", w, err)
	}
	if _, err := db.Component(ctx, "demo", steps); err == nil {
		t.Fatal("an older program opened a newer component schema")
	}
}
