package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/stepflow/stepflow/internal/store"
)

// Statements of the execution write paths; prepared at Open.
const (
	qInsertExecution = `INSERT INTO executions (arn, state_machine_arn, version_arn, alias_arn, map_run_arn, name, type,
	role_arn, status, start_date, stop_date, redrive_count, redrive_date, seed, history_len, has_output, trace_header,
	error, cause, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (arn) DO NOTHING`
	qInsertBody      = `INSERT INTO execution_bodies (arn, definition, input) VALUES (?, ?, ?)`
	qUpdateExecution = `UPDATE executions SET status = ?, stop_date = ?, redrive_count = ?, redrive_date = ?,
	history_len = ?, has_output = ?, trace_header = ?, error = ?, cause = ?, output = ?
	WHERE arn = ? AND history_len = ?`
	// qUpdateRunning updates a RUNNING execution that stays RUNNING, the
	// usual step. Leaving status alone spares the write to the index of
	// running executions.
	qUpdateRunning = `UPDATE executions SET stop_date = ?, redrive_count = ?, redrive_date = ?,
	history_len = ?, has_output = ?, trace_header = ?, error = ?, cause = ?, output = ?
	WHERE arn = ? AND history_len = ? AND status = 'RUNNING'`
	qHistoryLen  = `SELECT history_len FROM executions WHERE arn = ?`
	qDeleteTimer = `DELETE FROM timers WHERE execution_arn = ? AND timer_id = ?`
	qUpsertTimer = `INSERT INTO timers (execution_arn, timer_id, due) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET due = excluded.due`
	qDeleteToken = `DELETE FROM tokens WHERE token = ?`
	qInsertToken = `INSERT INTO tokens (token, execution_arn, task_id, activity_arn, heartbeat, created, leased, input)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token) DO NOTHING`
	tokenColumns = `token, execution_arn, task_id, activity_arn, heartbeat, created, leased, input`
	qLease       = `UPDATE tokens SET leased = 1 WHERE rowid = (SELECT rowid FROM tokens
	WHERE activity_arn = ? AND leased = 0 AND activity_arn <> '' ORDER BY created, rowid LIMIT 1)
	RETURNING ` + tokenColumns
)

// Multi-row inserts of history events and inputs: a batch's rows go in
// chunks, one statement each. The statements for 1 to smallChunks rows and
// for the larger sizes in bigChunks are prepared at Open, so n rows take at
// most n/64+3 statements.
const smallChunks = 16

var bigChunks = []int{64, 32, 16}

// bulkInsert is the insert statements of one table by row count.
type bulkInsert struct {
	cols    int
	queries map[int]string
}

var (
	eventInsert = newBulkInsert(`INSERT INTO history (execution_arn, id, json) VALUES `, 3)
	inputInsert = newBulkInsert(`INSERT INTO inputs (execution_arn, seq, at, kind, payload) VALUES `, 5)
)

// newBulkInsert returns the insert statements of cols columns a row.
func newBulkInsert(prefix string, cols int) bulkInsert {
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	b := bulkInsert{cols: cols, queries: map[int]string{}}
	for n := 1; n <= bigChunks[0]; n++ {
		if n <= smallChunks || slices.Contains(bigChunks, n) {
			b.queries[n] = prefix + row + strings.Repeat(", "+row, n-1)
		}
	}
	return b
}

// all returns every statement of b.
func (b bulkInsert) all() []string {
	var qs []string
	for _, q := range b.queries {
		qs = append(qs, q)
	}
	slices.Sort(qs)
	return qs
}

// insert inserts the rows whose values args holds, cols values a row.
func (w *wtx) insert(b bulkInsert, args []any) error {
	for len(args) > 0 {
		rows := len(args) / b.cols
		n := rows
		if n > smallChunks {
			for _, c := range bigChunks {
				if c <= rows {
					n = c
					break
				}
			}
		}
		if _, err := w.exec(b.queries[n], args[:n*b.cols]...); err != nil {
			return err
		}
		args = args[n*b.cols:]
	}
	return nil
}

// Commit writes every transition of batch in one transaction: all of them
// or, on any error, none. See store.Transition for the rules.
func (db *DB) Commit(ctx context.Context, batch []store.Transition) error {
	if len(batch) == 0 {
		return nil
	}
	var nEvents, nInputs int
	for i := range batch {
		t := &batch[i]
		if t.Execution.Arn == "" {
			return errors.New("commit batch: transition without execution ARN")
		}
		if t.Create && t.HistoryFrom != 0 {
			return fmt.Errorf("commit batch: creating %s with HistoryFrom %d", t.Execution.Arn, t.HistoryFrom)
		}
		for j, e := range t.Events {
			if want := t.HistoryFrom + int64(j) + 1; e.ID != want {
				return fmt.Errorf("commit batch: event id %d of %s, want %d", e.ID, t.Execution.Arn, want)
			}
		}
		nEvents += len(t.Events)
		nInputs += len(t.Inputs)
	}
	err := db.write(ctx, func(w *wtx) error {
		for i := range batch {
			if err := w.transition(&batch[i]); err != nil {
				return err
			}
		}
		if err := w.insertEvents(batch, nEvents); err != nil {
			return fmt.Errorf("insert history: %w", err)
		}
		if err := w.insertInputs(batch, nInputs); err != nil {
			return fmt.Errorf("insert inputs: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("commit batch: %w", err)
	}
	return nil
}

// transition writes t's execution row, timers and tokens.
func (w *wtx) transition(t *store.Transition) error {
	e := &t.Execution
	newLen := t.HistoryFrom + int64(len(t.Events))
	if t.Create {
		n, err := w.exec(qInsertExecution, e.Arn, e.StateMachineArn, e.VersionArn, e.AliasArn, e.MapRunArn, e.Name,
			e.Type, e.RoleArn, e.Status, toNanos(e.StartDate), toNanos(e.StopDate), e.RedriveCount,
			toNanos(e.RedriveDate), int64(e.Seed), newLen, e.HasOutput, e.TraceHeader, e.Error, e.Cause, e.Output)
		if err != nil {
			return fmt.Errorf("insert execution: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("insert execution %s: %w", e.Arn, store.ErrExists)
		}
		if _, err := w.exec(qInsertBody, e.Arn, e.Definition, e.Input); err != nil {
			return fmt.Errorf("insert execution: %w", err)
		}
	} else {
		var n int64
		var err error
		if e.Status == "RUNNING" {
			n, err = w.exec(qUpdateRunning, toNanos(e.StopDate), e.RedriveCount, toNanos(e.RedriveDate),
				newLen, e.HasOutput, e.TraceHeader, e.Error, e.Cause, e.Output, e.Arn, t.HistoryFrom)
		}
		if err == nil && n == 0 {
			n, err = w.exec(qUpdateExecution, e.Status, toNanos(e.StopDate), e.RedriveCount, toNanos(e.RedriveDate),
				newLen, e.HasOutput, e.TraceHeader, e.Error, e.Cause, e.Output, e.Arn, t.HistoryFrom)
		}
		if err != nil {
			return fmt.Errorf("update execution: %w", err)
		}
		if n == 0 {
			var have int64
			if err := w.queryRow(qHistoryLen, e.Arn).Scan(&have); err != nil {
				return fmt.Errorf("update execution %s: %w", e.Arn, notFound(err))
			}
			return &store.ConflictError{ExecutionArn: e.Arn, Want: t.HistoryFrom, Have: have}
		}
	}
	for _, id := range t.RemoveTimers {
		if _, err := w.exec(qDeleteTimer, e.Arn, id); err != nil {
			return fmt.Errorf("remove timer: %w", err)
		}
	}
	for _, tm := range t.AddTimers {
		arn := tm.ExecutionArn
		if arn == "" {
			arn = e.Arn
		}
		if _, err := w.exec(qUpsertTimer, arn, tm.TimerID, toNanos(tm.Due)); err != nil {
			return fmt.Errorf("add timer: %w", err)
		}
	}
	for _, tok := range t.RemoveTokens {
		if _, err := w.exec(qDeleteToken, tok); err != nil {
			return fmt.Errorf("remove token: %w", err)
		}
	}
	for _, tok := range t.AddTokens {
		arn := tok.ExecutionArn
		if arn == "" {
			arn = e.Arn
		}
		n, err := w.exec(qInsertToken, tok.Token, arn, tok.TaskID, tok.ActivityArn, tok.Heartbeat,
			toNanos(tok.Created), tok.Leased, tok.Input)
		if err != nil {
			return fmt.Errorf("add token: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("add token: %w", store.ErrExists)
		}
	}
	return nil
}

// insertEvents appends the n history events of batch.
func (w *wtx) insertEvents(batch []store.Transition, n int) error {
	if n == 0 {
		return nil
	}
	args := make([]any, 0, 3*n)
	for i := range batch {
		t := &batch[i]
		for _, e := range t.Events {
			args = append(args, t.Execution.Arn, e.ID, e.JSON)
		}
	}
	return w.insert(eventInsert, args)
}

// insertInputs appends the n logged inputs of batch.
func (w *wtx) insertInputs(batch []store.Transition, n int) error {
	if n == 0 {
		return nil
	}
	args := make([]any, 0, 5*n)
	for i := range batch {
		t := &batch[i]
		for _, in := range t.Inputs {
			payload := in.Payload
			if payload == nil {
				payload = []byte{}
			}
			args = append(args, t.Execution.Arn, in.Seq, toNanos(in.At), in.Kind, payload)
		}
	}
	return w.insert(inputInsert, args)
}

// summaryColumns are an execution's columns without the large ones; the
// query aliases executions as e.
const summaryColumns = `e.arn, e.state_machine_arn, e.version_arn, e.alias_arn, e.map_run_arn, e.name, e.type,
	e.role_arn, e.status, e.start_date, e.stop_date, e.redrive_count, e.redrive_date, e.seed, e.history_len,
	e.has_output, e.trace_header, e.error, e.cause`

// fullColumns are every column of an execution; the query joins
// execution_bodies as b.
const fullColumns = summaryColumns + `, e.output, b.definition, b.input`

// scanExecution scans a row of summaryColumns, or of fullColumns if full.
func scanExecution(sc interface{ Scan(...any) error }, full bool) (store.Execution, error) {
	var e store.Execution
	var start, stop, redrive, seed int64
	dst := []any{&e.Arn, &e.StateMachineArn, &e.VersionArn, &e.AliasArn, &e.MapRunArn, &e.Name, &e.Type,
		&e.RoleArn, &e.Status, &start, &stop, &e.RedriveCount, &redrive, &seed, &e.HistoryLen,
		&e.HasOutput, &e.TraceHeader, &e.Error, &e.Cause}
	if full {
		dst = append(dst, &e.Output, &e.Definition, &e.Input)
	}
	err := sc.Scan(dst...)
	e.StartDate, e.StopDate, e.RedriveDate = fromNanos(start), fromNanos(stop), fromNanos(redrive)
	e.Seed = uint64(seed)
	return e, err
}

// GetExecution returns the execution arn; ErrNotFound if none.
func (db *DB) GetExecution(ctx context.Context, arn string) (store.Execution, error) {
	row, err := db.queryRow(ctx, `SELECT `+fullColumns+` FROM executions e
		JOIN execution_bodies b ON b.arn = e.arn WHERE e.arn = ?`, arn)
	if err != nil {
		return store.Execution{}, fmt.Errorf("get execution: %w", err)
	}
	e, err := scanExecution(row, true)
	if err != nil {
		return store.Execution{}, fmt.Errorf("get execution: %w", notFound(err))
	}
	return e, nil
}

// ListExecutions lists the executions f selects, newest first. A version
// ARN (whose last part is a number) selects the executions that ran that
// version, an alias ARN those started through the alias.
func (db *DB) ListExecutions(ctx context.Context, f store.ListExecutionsFilter) ([]store.Execution, string, error) {
	c, err := decodeCursor(f.After, kindExecutions, descending)
	if err != nil {
		return nil, "", fmt.Errorf("list executions: %w", err)
	}
	limit := pageLimit(f.Limit)
	var q strings.Builder
	var args []any
	q.WriteString(`SELECT ` + summaryColumns + ` FROM executions e WHERE `)
	// The version, alias and map run indexes are partial (only rows that
	// have one): the queries repeat their condition so SQLite uses them.
	if f.StateMachineArn != "" {
		switch strings.Count(f.StateMachineArn, ":") {
		case 6: // arn:aws:states:region:account:stateMachine:name
			q.WriteString(`e.state_machine_arn = ? AND `)
		default:
			if isVersionArn(f.StateMachineArn) {
				q.WriteString(`e.version_arn = ? AND e.version_arn <> '' AND `)
			} else {
				q.WriteString(`e.alias_arn = ? AND e.alias_arn <> '' AND `)
			}
		}
		args = append(args, f.StateMachineArn)
	}
	if f.MapRunArn != "" {
		q.WriteString(`e.map_run_arn = ? AND e.map_run_arn <> '' AND `)
		args = append(args, f.MapRunArn)
	}
	if f.Status != "" {
		q.WriteString(`e.status = ? AND `)
		args = append(args, f.Status)
	}
	q.WriteString(`(e.start_date, e.arn) < (?, ?) ORDER BY e.start_date DESC, e.arn DESC LIMIT ?`)
	args = append(args, c.key, c.arn, limit+1)
	rows, err := db.query(ctx, q.String(), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list executions: %w", err)
	}
	out, err := collect(rows, func(sc interface{ Scan(...any) error }) (store.Execution, error) {
		return scanExecution(sc, false)
	})
	if err != nil {
		return nil, "", fmt.Errorf("list executions: %w", err)
	}
	out, next := page(out, limit, func(e store.Execution) cursor {
		return cursor{toNanos(e.StartDate), e.Arn}
	}, kindExecutions)
	return out, next, nil
}

// isVersionArn reports whether arn's last ":" part is a number (alias
// names always have a character other than a digit).
func isVersionArn(arn string) bool {
	i := strings.LastIndexByte(arn, ':')
	last := arn[i+1:]
	if last == "" {
		return false
	}
	for _, r := range last {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// History returns events of an execution; see store.Store.
func (db *DB) History(ctx context.Context, executionArn string, fromID int64, limit int, reverse bool) ([]store.Event, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	q := `SELECT id, json FROM history WHERE execution_arn = ? AND id > ? ORDER BY id LIMIT ?`
	if reverse {
		q = `SELECT id, json FROM history WHERE execution_arn = ? AND id < ? ORDER BY id DESC LIMIT ?`
		if fromID <= 0 {
			fromID = math.MaxInt64
		}
	}
	rows, err := db.query(ctx, q, executionArn, fromID, limit)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	events, err := collect(rows, func(sc interface{ Scan(...any) error }) (store.Event, error) {
		var e store.Event
		err := sc.Scan(&e.ID, &e.JSON)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	if len(events) == 0 {
		row, err := db.queryRow(ctx, `SELECT 1 FROM executions WHERE arn = ?`, executionArn)
		if err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		var one int
		if err := row.Scan(&one); err != nil {
			return nil, fmt.Errorf("read history: %w", notFound(err))
		}
	}
	return events, nil
}

// Running returns the RUNNING executions with their logged inputs, read
// in one snapshot.
func (db *DB) Running(ctx context.Context) ([]store.RunningExecution, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+fullColumns+` FROM executions e INDEXED BY executions_running
		JOIN execution_bodies b ON b.arn = e.arn WHERE e.status = 'RUNNING' ORDER BY e.arn`)
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	out, err := collect(rows, func(sc interface{ Scan(...any) error }) (store.RunningExecution, error) {
		e, err := scanExecution(sc, true)
		return store.RunningExecution{Execution: e}, err
	})
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT i.execution_arn, i.seq, i.at, i.kind, i.payload
		FROM executions e INDEXED BY executions_running JOIN inputs i ON i.execution_arn = e.arn
		WHERE e.status = 'RUNNING' ORDER BY e.arn, i.seq`)
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	defer rows.Close()
	k := 0
	for rows.Next() {
		var arn string
		var in store.Input
		var at int64
		if err := rows.Scan(&arn, &in.Seq, &at, &in.Kind, &in.Payload); err != nil {
			return nil, fmt.Errorf("read running executions: %w", err)
		}
		in.At = fromNanos(at)
		for k < len(out) && out[k].Execution.Arn != arn {
			k++
		}
		if k == len(out) {
			return nil, fmt.Errorf("read running executions: inputs of %s out of order", arn)
		}
		out[k].Inputs = append(out[k].Inputs, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	return out, nil
}

// Timers returns every timer by due time.
func (db *DB) Timers(ctx context.Context) ([]store.Timer, error) {
	rows, err := db.query(ctx, `SELECT execution_arn, timer_id, due FROM timers ORDER BY due, execution_arn, timer_id`)
	if err != nil {
		return nil, fmt.Errorf("read timers: %w", err)
	}
	timers, err := collect(rows, func(sc interface{ Scan(...any) error }) (store.Timer, error) {
		var t store.Timer
		var due int64
		err := sc.Scan(&t.ExecutionArn, &t.TimerID, &due)
		t.Due = fromNanos(due)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("read timers: %w", err)
	}
	return timers, nil
}

// scanToken scans a row of tokenColumns.
func scanToken(sc interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var created int64
	err := sc.Scan(&t.Token, &t.ExecutionArn, &t.TaskID, &t.ActivityArn, &t.Heartbeat, &created, &t.Leased, &t.Input)
	t.Created = fromNanos(created)
	return t, err
}

// Token returns the task token token; ErrNotFound if none.
func (db *DB) Token(ctx context.Context, token string) (store.Token, error) {
	row, err := db.queryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE token = ?`, token)
	if err != nil {
		return store.Token{}, fmt.Errorf("get token: %w", err)
	}
	t, err := scanToken(row)
	if err != nil {
		return store.Token{}, fmt.Errorf("get token: %w", notFound(err))
	}
	return t, nil
}

// LeaseActivityTask marks the oldest unleased token of an activity (by
// Created, then by when it was added) as leased and returns it;
// ErrNotFound when there is none.
func (db *DB) LeaseActivityTask(ctx context.Context, activityArn string) (store.Token, error) {
	var t store.Token
	err := db.write(ctx, func(w *wtx) error {
		var err error
		t, err = scanToken(w.queryRow(qLease, activityArn))
		return notFound(err)
	})
	if err != nil {
		return store.Token{}, fmt.Errorf("lease activity task: %w", err)
	}
	return t, nil
}
