package sqlite

import (
	"context"
	"fmt"

	"github.com/stepflow/stepflow/internal/store"
)

// Statements of the map run paths.
const (
	// qUpsertMapRun inserts a map run or updates what a transition changes.
	qUpsertMapRun = `INSERT INTO map_runs (arn, execution_arn, state_machine_arn, status, start_date, stop_date,
	max_concurrency, tolerated_failure_count, tolerated_failure_percentage, items_total, items_succeeded, items_failed,
	definition, items_running, redrive_count, redrive_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (arn) DO UPDATE SET status = excluded.status, stop_date = excluded.stop_date,
	max_concurrency = excluded.max_concurrency, tolerated_failure_count = excluded.tolerated_failure_count,
	tolerated_failure_percentage = excluded.tolerated_failure_percentage,
	items_total = excluded.items_total, items_succeeded = excluded.items_succeeded, items_failed = excluded.items_failed,
	items_running = excluded.items_running, redrive_count = excluded.redrive_count, redrive_date = excluded.redrive_date`
	qUpdateMapRun = `UPDATE map_runs SET max_concurrency = coalesce(?, max_concurrency),
	tolerated_failure_count = coalesce(?, tolerated_failure_count),
	tolerated_failure_percentage = coalesce(?, tolerated_failure_percentage) WHERE arn = ?`
	mapRunColumns = `arn, execution_arn, state_machine_arn, status, start_date, stop_date, max_concurrency,
	tolerated_failure_count, tolerated_failure_percentage, items_total, items_succeeded, items_failed, definition,
	items_running, redrive_count, redrive_date`
	kindMapRuns = 'm'
)

// upsertMapRuns writes a transition's map runs.
func (w *wtx) upsertMapRuns(t *store.Transition) error {
	for _, m := range t.MapRuns {
		exec := m.ExecutionArn
		if exec == "" {
			exec = t.Execution.Arn
		}
		if _, err := w.exec(qUpsertMapRun, m.Arn, exec, m.StateMachineArn, m.Status, toNanos(m.StartDate),
			toNanos(m.StopDate), m.MaxConcurrency, m.ToleratedFailureCount, m.ToleratedFailurePercentage,
			m.ItemsTotal, m.ItemsSucceeded, m.ItemsFailed, m.Definition, m.ItemsRunning, m.RedriveCount,
			toNanos(m.RedriveDate)); err != nil {
			return fmt.Errorf("upsert map run: %w", err)
		}
	}
	return nil
}

// scanMapRun scans a row of mapRunColumns.
func scanMapRun(sc interface{ Scan(...any) error }) (store.MapRun, error) {
	var m store.MapRun
	var start, stop, redrive int64
	err := sc.Scan(&m.Arn, &m.ExecutionArn, &m.StateMachineArn, &m.Status, &start, &stop, &m.MaxConcurrency,
		&m.ToleratedFailureCount, &m.ToleratedFailurePercentage, &m.ItemsTotal, &m.ItemsSucceeded, &m.ItemsFailed, &m.Definition,
		&m.ItemsRunning, &m.RedriveCount, &redrive)
	m.StartDate, m.StopDate, m.RedriveDate = fromNanos(start), fromNanos(stop), fromNanos(redrive)
	return m, err
}

// GetMapRun returns the map run arn; ErrNotFound if there is none.
func (db *DB) GetMapRun(ctx context.Context, arn string) (store.MapRun, error) {
	row, err := db.queryRow(ctx, `SELECT `+mapRunColumns+` FROM map_runs WHERE arn = ?`, arn)
	if err != nil {
		return store.MapRun{}, fmt.Errorf("get map run: %w", err)
	}
	m, err := scanMapRun(row)
	if err != nil {
		return store.MapRun{}, fmt.Errorf("get map run %s: %w", arn, notFound(err))
	}
	return m, nil
}

// ListMapRuns lists an execution's map runs, newest first.
func (db *DB) ListMapRuns(ctx context.Context, executionArn string, limit int, after string) ([]store.MapRun, string, error) {
	c, err := decodeCursor(after, kindMapRuns, descending)
	if err != nil {
		return nil, "", fmt.Errorf("list map runs: %w", err)
	}
	limit = pageLimit(limit)
	rows, err := db.query(ctx, `SELECT `+mapRunColumns+` FROM map_runs
		WHERE execution_arn = ? AND (start_date, arn) < (?, ?)
		ORDER BY start_date DESC, arn DESC LIMIT ?`,
		executionArn, c.key, c.arn, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list map runs: %w", err)
	}
	out, err := collect(rows, scanMapRun)
	if err != nil {
		return nil, "", fmt.Errorf("list map runs: %w", err)
	}
	out, next := page(out, limit, func(m store.MapRun) cursor {
		return cursor{toNanos(m.StartDate), m.Arn}
	}, kindMapRuns)
	return out, next, nil
}

// UpdateMapRun changes a map run's settings; ErrNotFound if there is none.
func (db *DB) UpdateMapRun(ctx context.Context, arn string, u store.MapRunUpdate) error {
	var maxc, count, pct any
	if u.MaxConcurrency != nil {
		maxc = *u.MaxConcurrency
	}
	if u.ToleratedFailureCount != nil {
		count = *u.ToleratedFailureCount
	}
	if u.ToleratedFailurePercentage != nil {
		pct = *u.ToleratedFailurePercentage
	}
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(qUpdateMapRun, maxc, count, pct, arn)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%s: %w", arn, store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update map run: %w", err)
	}
	return nil
}
