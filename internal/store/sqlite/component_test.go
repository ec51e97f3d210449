package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
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

func TestComponentReadStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Component(ctx, "rd", []string{`CREATE TABLE rd_n (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)`})
	if err != nil {
		t.Fatal(err)
	}
	const (
		one   = `SELECT v FROM rd_n WHERE k = ?`
		all   = `SELECT k, v FROM rd_n WHERE k >= ? ORDER BY k LIMIT ?`
		count = `SELECT count(*) FROM rd_n`
	)
	if err := c.PrepareRead(ctx, one, all); err != nil {
		t.Fatal(err)
	}
	if err := c.PrepareRead(ctx, `SELECT nonsense FROM nowhere`); err == nil {
		t.Error("PrepareRead accepted bad SQL")
	}
	if err := c.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO rd_n VALUES (1, 10), (2, 20), (3, 30)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sum := func(t *testing.T, from, limit int) int {
		t.Helper()
		rows, err := c.Query(ctx, all, from, limit)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		total := 0
		for rows.Next() {
			var k, v int
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			total += v
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return total
	}
	check := func(t *testing.T) {
		t.Helper()
		var v int
		if err := c.QueryRow(ctx, one, 2).Scan(&v); err != nil || v != 20 {
			t.Errorf("QueryRow = %d, %v; want 20", v, err)
		}
		if err := c.QueryRow(ctx, one, 9).Scan(&v); !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("QueryRow of a missing row = %v, want ErrNoRows", err)
		}
		if err := c.QueryRow(ctx, `SELECT nonsense FROM nowhere`).Scan(&v); err == nil {
			t.Error("QueryRow ran bad SQL")
		}
		if _, err := c.Query(ctx, `SELECT nonsense FROM nowhere`); err == nil {
			t.Error("Query ran bad SQL")
		}
		// The limit changes from call to call: same results as its text.
		for _, tc := range []struct{ from, limit, want int }{{1, 10, 60}, {2, 1, 20}, {1, 2, 30}, {3, 5, 30}, {4, 1, 0}} {
			if got := sum(t, tc.from, tc.limit); got != tc.want {
				t.Errorf("sum from %d limit %d = %d, want %d", tc.from, tc.limit, got, tc.want)
			}
		}
		tx, err := c.Read().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		st, err := c.ReadStmt(ctx, tx, count)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.QueryRowContext(ctx).Scan(&v); err != nil || v != 3 {
			t.Errorf("count in a read transaction = %d, %v; want 3", v, err)
		}
	}
	check(t)
	c.mu.Lock()
	n := len(c.rstmts)
	c.mu.Unlock()
	if n != 3 { // one, all, count: bad SQL is not kept
		t.Errorf("%d read statements prepared, want 3", n)
	}

	// A query whose rows are still open when the component closes ends
	// normally; afterwards everything runs unprepared.
	rows, err := c.Query(ctx, all, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	got := 0
	for rows.Next() {
		got++
	}
	if err := rows.Err(); err != nil || got != 3 {
		t.Errorf("rows open across Close: %d rows, %v", got, err)
	}
	rows.Close()
	check(t)
	if err := c.Write(ctx, func(tx *sql.Tx) error {
		st, err := c.Stmt(ctx, tx, `UPDATE rd_n SET v = v + 1 WHERE k = ?`)
		if err != nil {
			return err
		}
		_, err = st.Exec(3)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := sum(t, 3, 1); got != 31 {
		t.Errorf("after a write by the closed component, v = %d, want 31", got)
	}
	if err := c.Prepare(ctx, one); err == nil {
		t.Error("Prepare after Close succeeded")
	}
	if err := c.PrepareRead(ctx, one); err == nil {
		t.Error("PrepareRead after Close succeeded")
	}
	db.mu.Lock()
	for _, x := range db.components {
		if x == c {
			t.Error("the store still lists a closed component")
		}
	}
	db.mu.Unlock()
}

// TestComponentCloseWhileQuerying closes components while other goroutines
// read and write through them: no query fails.
func TestComponentCloseWhileQuerying(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "db"), Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{`CREATE TABLE race_n (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)`}
	const (
		read  = `SELECT count(*) FROM race_n WHERE k >= ?`
		write = `INSERT INTO race_n (v) VALUES (?)`
	)
	for round := range 5 {
		c, err := db.Component(ctx, "race", steps)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Prepare(ctx, write); err != nil {
			t.Fatal(err)
		}
		if err := c.PrepareRead(ctx, read); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 30 {
					var n int
					if err := c.QueryRow(ctx, read, 0).Scan(&n); err != nil {
						t.Errorf("round %d: QueryRow: %v", round, err)
						return
					}
					rows, err := c.Query(ctx, read, 1)
					if err != nil {
						t.Errorf("round %d: Query: %v", round, err)
						return
					}
					rows.Close()
					if w == 0 || i%10 == 0 {
						err := c.Write(ctx, func(tx *sql.Tx) error {
							st, err := c.Stmt(ctx, tx, write)
							if err != nil {
								return err
							}
							_, err = st.Exec(i)
							return err
						})
						if err != nil {
							t.Errorf("round %d: write: %v", round, err)
							return
						}
					}
				}
			})
		}
		c.Close()
		wg.Wait()
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestComponentsClosedWithStore: closing the store closes every component,
// whether or not some closed before.
func TestComponentsClosedWithStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "db"), Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	var cs []*Component
	for i := range 4 {
		c, err := db.Component(ctx, "multi", []string{`CREATE TABLE multi_n (k INTEGER PRIMARY KEY)`})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Prepare(ctx, `INSERT INTO multi_n (k) VALUES (?)`); err != nil {
			t.Fatal(err)
		}
		if err := c.PrepareRead(ctx, `SELECT count(*) FROM multi_n`); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			c.Close()
		}
		cs = append(cs, c)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if !c.isClosed() {
			t.Errorf("component %d is open after the store closed", i)
		}
	}
}
