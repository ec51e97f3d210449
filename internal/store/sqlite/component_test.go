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

func TestComponentPreparedStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Component(ctx, "prep", []string{`CREATE TABLE prep_n (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)`})
	if err != nil {
		t.Fatal(err)
	}
	const ins = `INSERT INTO prep_n (k, v) VALUES (?, ?)`
	if err := c.Prepare(ctx, ins); err != nil {
		t.Fatal(err)
	}
	if err := c.Prepare(ctx, `SELECT nonsense FROM nowhere`); err == nil {
		t.Error("Prepare accepted bad SQL")
	}
	for i := range 3 {
		err := c.Write(ctx, func(tx *sql.Tx) error {
			st, err := c.Stmt(ctx, tx, ins)
			if err != nil {
				return err
			}
			if _, err := st.Exec(i, i*10); err != nil {
				return err
			}
			// Not prepared: tx prepares it for itself.
			up, err := c.Stmt(ctx, tx, `UPDATE prep_n SET v = v + 1 WHERE k = ?`)
			if err != nil {
				return err
			}
			_, err = up.Exec(i)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var sum int
	if err := c.Read().QueryRow(`SELECT sum(v) FROM prep_n`).Scan(&sum); err != nil || sum != 33 {
		t.Fatalf("sum = %d, %v; want 33", sum, err)
	}
}
