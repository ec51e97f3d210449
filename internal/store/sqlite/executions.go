package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stepflow/stepflow/internal/store"
)

// Statements of the execution write paths; prepared at Open.
//
// An execution's history and logged inputs are stored in chunks, one row
// per transition: history (execution id, last event id) holds that
// transition's events, inputs (execution id, first seq) its inputs, both
// encoded by appendEvents and appendInputs. Executions are keyed by an
// integer id that grows as they start, so the chunks of the executions
// running at a time sit together in a few b-tree pages, which keeps the
// pages a group commit rewrites few. The history length is the last chunk's
// last event id, so a step of an execution that stays RUNNING and changes
// nothing else writes no execution row.
const (
	qInsertExecution = `INSERT INTO executions (arn, state_machine_arn, version_arn, alias_arn, map_run_arn, name, type,
	role_arn, status, start_date, stop_date, redrive_count, redrive_date, seed, has_output, trace_header,
	error, cause, output, item_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (arn) DO NOTHING`
	// qExecutionState reads an execution's id and history length, and
	// whether its changing fields already have the given values.
	qExecutionState = `SELECT e.id, ` + historyLen + `, (e.status, e.stop_date, e.redrive_count, e.redrive_date,
	e.has_output, e.trace_header, e.error, e.cause, e.output) IS (?, ?, ?, ?, ?, ?, ?, ?, ?)
	FROM executions e WHERE e.arn = ?`
	qUpdateExecution = `UPDATE executions SET status = ?, stop_date = ?, redrive_count = ?, redrive_date = ?,
	has_output = ?, trace_header = ?, error = ?, cause = ?, output = ? WHERE id = ?`
	// qEndExecution updates an execution whose status changes (it ends,
	// the usual case besides RUNNING steps) in one statement when its
	// history length is as expected.
	qEndExecution = `UPDATE executions SET status = ?, stop_date = ?, redrive_count = ?, redrive_date = ?,
	has_output = ?, trace_header = ?, error = ?, cause = ?, output = ?
	WHERE arn = ? AND status <> ? AND ifnull((SELECT h.last_id FROM history h WHERE h.execution_id = executions.id
	ORDER BY h.last_id DESC LIMIT 1), 0) = ? RETURNING id`
	qDeleteTimer = `DELETE FROM timers WHERE execution_arn = ? AND timer_id = ?`
	qUpsertTimer = `INSERT INTO timers (execution_arn, timer_id, due) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET due = excluded.due`
	qDeleteToken = `DELETE FROM tokens WHERE token = ?`
	qInsertToken = `INSERT INTO tokens (token, execution_arn, task_id, activity_arn, heartbeat, created, leased, input)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token) DO NOTHING`
	tokenColumns = `token, execution_arn, task_id, activity_arn, heartbeat, created, leased, input`
	qLease       = `UPDATE tokens SET leased = 1 WHERE rowid = (SELECT rowid FROM tokens
	WHERE activity_arn = ? AND leased = 0 AND activity_arn <> '' ORDER BY created, rowid LIMIT 1)
	RETURNING ` + tokenColumns
	// historyLen is the history length of the execution aliased e.
	historyLen = `ifnull((SELECT h.last_id FROM history h WHERE h.execution_id = e.id
	ORDER BY h.last_id DESC LIMIT 1), 0)`
)

// Multi-row inserts of history and input chunks: a batch's rows go in
// groups, one statement each. The statements for 1 to smallChunks rows and
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
	eventInsert = newBulkInsert(`INSERT INTO history (execution_id, last_id, first_id, chunk) VALUES `, 4)
	inputInsert = newBulkInsert(`INSERT INTO inputs (execution_id, first_seq, chunk) VALUES `, 3)
	bodyInsert  = newBulkInsert(`INSERT INTO execution_bodies (id, definition, input) VALUES `, 3)
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
		if len(t.Events) > 0 {
			nEvents++
		}
		if len(t.Inputs) > 0 {
			nInputs++
		}
	}
	err := db.write(ctx, func(w *wtx) error {
		ids := make([]int64, len(batch))
		// The history chunks go in after every transition: a batch that
		// has an execution twice counts its earlier events here.
		var lens map[string]int64
		for i := range batch {
			t := &batch[i]
			have, seen := lens[t.Execution.Arn]
			id, err := w.transition(t, have, seen)
			if err != nil {
				return err
			}
			ids[i] = id
			if len(batch) > 1 {
				if lens == nil {
					lens = make(map[string]int64, len(batch))
				}
				lens[t.Execution.Arn] = t.HistoryFrom + int64(len(t.Events))
			}
		}
		if err := w.insertBodies(batch, ids); err != nil {
			return fmt.Errorf("insert execution: %w", err)
		}
		if err := w.insertEvents(batch, ids, nEvents); err != nil {
			return fmt.Errorf("insert history: %w", err)
		}
		if err := w.insertInputs(batch, ids, nInputs); err != nil {
			return fmt.Errorf("insert inputs: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("commit batch: %w", err)
	}
	return nil
}

// transition writes t's execution row, timers and tokens, and returns the
// execution's id. If seen, an earlier transition of the batch left the
// history length at pending.
func (w *wtx) transition(t *store.Transition, pending int64, seen bool) (int64, error) {
	e := &t.Execution
	var id int64
	if t.Create {
		res, err := w.execResult(qInsertExecution, e.Arn, e.StateMachineArn, e.VersionArn, e.AliasArn, e.MapRunArn, e.Name,
			e.Type, e.RoleArn, e.Status, toNanos(e.StartDate), toNanos(e.StopDate), e.RedriveCount,
			toNanos(e.RedriveDate), int64(e.Seed), e.HasOutput, e.TraceHeader, e.Error, e.Cause, e.Output, e.ItemCount)
		if err != nil {
			return 0, fmt.Errorf("insert execution: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return 0, fmt.Errorf("insert execution: %w", err)
			}
			return 0, fmt.Errorf("insert execution %s: %w", e.Arn, store.ErrExists)
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, fmt.Errorf("insert execution: %w", err)
		}
	} else if ended, err := w.end(t, seen); err != nil {
		return 0, err
	} else if ended != 0 {
		id = ended
	} else {
		var have int64
		var same bool
		err := w.queryRow(qExecutionState, e.Status, toNanos(e.StopDate), e.RedriveCount, toNanos(e.RedriveDate),
			e.HasOutput, e.TraceHeader, e.Error, e.Cause, e.Output, e.Arn).Scan(&id, &have, &same)
		if err != nil {
			return 0, fmt.Errorf("update execution %s: %w", e.Arn, notFound(err))
		}
		if seen {
			have = pending
		}
		if have != t.HistoryFrom {
			return 0, &store.ConflictError{ExecutionArn: e.Arn, Want: t.HistoryFrom, Have: have}
		}
		// Most steps of a running execution change nothing but its
		// history: its row stays as it is.
		if !same {
			if _, err := w.exec(qUpdateExecution, e.Status, toNanos(e.StopDate), e.RedriveCount, toNanos(e.RedriveDate),
				e.HasOutput, e.TraceHeader, e.Error, e.Cause, e.Output, id); err != nil {
				return 0, fmt.Errorf("update execution: %w", err)
			}
		}
	}
	for _, tid := range t.RemoveTimers {
		if _, err := w.exec(qDeleteTimer, e.Arn, tid); err != nil {
			return 0, fmt.Errorf("remove timer: %w", err)
		}
	}
	for _, tm := range t.AddTimers {
		arn := tm.ExecutionArn
		if arn == "" {
			arn = e.Arn
		}
		if _, err := w.exec(qUpsertTimer, arn, tm.TimerID, toNanos(tm.Due)); err != nil {
			return 0, fmt.Errorf("add timer: %w", err)
		}
	}
	for _, tok := range t.RemoveTokens {
		if _, err := w.exec(qDeleteToken, tok); err != nil {
			return 0, fmt.Errorf("remove token: %w", err)
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
			return 0, fmt.Errorf("add token: %w", err)
		}
		if n == 0 {
			return 0, fmt.Errorf("add token: %w", store.ErrExists)
		}
	}
	if err := w.upsertMapRuns(t); err != nil {
		return 0, err
	}
	return id, nil
}

// end updates the execution of t in one statement if it leaves RUNNING
// and its history length is as expected, and returns its id; 0 if it did
// not (the caller then takes the general path, which reports conflicts).
func (w *wtx) end(t *store.Transition, seen bool) (int64, error) {
	e := &t.Execution
	if seen || e.Status == "RUNNING" {
		return 0, nil
	}
	var id int64
	err := w.queryRow(qEndExecution, e.Status, toNanos(e.StopDate), e.RedriveCount, toNanos(e.RedriveDate),
		e.HasOutput, e.TraceHeader, e.Error, e.Cause, e.Output, e.Arn, e.Status, t.HistoryFrom).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("update execution: %w", err)
	}
	return id, nil
}

// insertBodies writes the definition and input of the executions batch
// creates; ids are the batch's execution ids.
func (w *wtx) insertBodies(batch []store.Transition, ids []int64) error {
	var args []any
	for i := range batch {
		if t := &batch[i]; t.Create {
			args = append(args, ids[i], t.Execution.Definition, t.Execution.Input)
		}
	}
	return w.insert(bodyInsert, args)
}

// insertEvents writes the history chunks of batch: n transitions have
// events; ids are the batch's execution ids.
func (w *wtx) insertEvents(batch []store.Transition, ids []int64, n int) error {
	if n == 0 {
		return nil
	}
	size := 0
	for i := range batch {
		for _, e := range batch[i].Events {
			size += len(e.JSON) + binary.MaxVarintLen32
		}
	}
	buf := make([]byte, 0, size)
	args := make([]any, 0, 4*n)
	for i := range batch {
		t := &batch[i]
		if len(t.Events) == 0 {
			continue
		}
		start := len(buf)
		buf = appendEvents(buf, t.Events)
		args = append(args, ids[i], t.HistoryFrom+int64(len(t.Events)), t.HistoryFrom+1, buf[start:len(buf):len(buf)])
	}
	return w.insert(eventInsert, args)
}

// insertInputs writes the input chunks of batch: n transitions have
// inputs; ids are the batch's execution ids.
func (w *wtx) insertInputs(batch []store.Transition, ids []int64, n int) error {
	if n == 0 {
		return nil
	}
	var buf []byte
	args := make([]any, 0, 3*n)
	for i := range batch {
		t := &batch[i]
		if len(t.Inputs) == 0 {
			continue
		}
		start := len(buf)
		buf = appendInputs(buf, t.Inputs)
		args = append(args, ids[i], t.Inputs[0].Seq, buf[start:len(buf):len(buf)])
	}
	return w.insert(inputInsert, args)
}

// appendEvents appends the chunk encoding of events to b: each event's
// JSON after its length (uvarint); ids follow from the chunk's first_id.
func appendEvents(b []byte, events []store.Event) []byte {
	for _, e := range events {
		b = binary.AppendUvarint(b, uint64(len(e.JSON)))
		b = append(b, e.JSON...)
	}
	return b
}

// decodeEvents decodes a chunk of appendEvents whose first event has id
// first, appending the events to out. The events' JSON share chunk.
func decodeEvents(out []store.Event, chunk []byte, first int64) ([]store.Event, error) {
	for id := first; len(chunk) > 0; id++ {
		n, k := binary.Uvarint(chunk)
		if k <= 0 || n > uint64(len(chunk)-k) {
			return out, errors.New("corrupt history chunk")
		}
		end := k + int(n)
		out = append(out, store.Event{ID: id, JSON: chunk[k:end:end]})
		chunk = chunk[end:]
	}
	return out, nil
}

// appendInputs appends the chunk encoding of inputs to b: per input its
// Seq and At (Unix nanoseconds, 0 for none) as varints, then Kind and
// Payload after their lengths (uvarint).
func appendInputs(b []byte, inputs []store.Input) []byte {
	for _, in := range inputs {
		b = binary.AppendVarint(b, in.Seq)
		b = binary.AppendVarint(b, toNanos(in.At))
		b = binary.AppendUvarint(b, uint64(len(in.Kind)))
		b = append(b, in.Kind...)
		b = binary.AppendUvarint(b, uint64(len(in.Payload)))
		b = append(b, in.Payload...)
	}
	return b
}

// decodeInputs decodes a chunk of appendInputs, appending the inputs to
// out. The payloads share chunk.
func decodeInputs(out []store.Input, chunk []byte) ([]store.Input, error) {
	bad := errors.New("corrupt input chunk")
	for len(chunk) > 0 {
		var in store.Input
		var k int
		if in.Seq, k = binary.Varint(chunk); k <= 0 {
			return out, bad
		}
		chunk = chunk[k:]
		at, k := binary.Varint(chunk)
		if k <= 0 {
			return out, bad
		}
		in.At = fromNanos(at)
		chunk = chunk[k:]
		n, k := binary.Uvarint(chunk)
		if k <= 0 || n > uint64(len(chunk)-k) {
			return out, bad
		}
		in.Kind = string(chunk[k : k+int(n)])
		chunk = chunk[k+int(n):]
		n, k = binary.Uvarint(chunk)
		if k <= 0 || n > uint64(len(chunk)-k) {
			return out, bad
		}
		end := k + int(n)
		in.Payload = chunk[k:end:end]
		chunk = chunk[end:]
		out = append(out, in)
	}
	return out, nil
}

// summaryColumns are an execution's columns without the large ones; the
// query aliases executions as e.
const summaryColumns = `e.arn, e.state_machine_arn, e.version_arn, e.alias_arn, e.map_run_arn, e.name, e.type,
	e.role_arn, e.status, e.start_date, e.stop_date, e.redrive_count, e.redrive_date, e.seed, ` + historyLen + `,
	e.has_output, e.trace_header, e.error, e.cause, e.item_count`

// fullColumns are every column of an execution; the query joins
// execution_bodies as b.
const fullColumns = summaryColumns + `, e.output, b.definition, b.input`

// scanExecution scans a row of summaryColumns, or of fullColumns if full.
// Extra destinations (more columns after those) follow.
func scanExecution(sc interface{ Scan(...any) error }, full bool, extra ...any) (store.Execution, error) {
	var e store.Execution
	var start, stop, redrive, seed int64
	dst := []any{&e.Arn, &e.StateMachineArn, &e.VersionArn, &e.AliasArn, &e.MapRunArn, &e.Name, &e.Type,
		&e.RoleArn, &e.Status, &start, &stop, &e.RedriveCount, &redrive, &seed, &e.HistoryLen,
		&e.HasOutput, &e.TraceHeader, &e.Error, &e.Cause, &e.ItemCount}
	if full {
		dst = append(dst, &e.Output, &e.Definition, &e.Input)
	}
	dst = append(dst, extra...)
	err := sc.Scan(dst...)
	e.StartDate, e.StopDate, e.RedriveDate = fromNanos(start), fromNanos(stop), fromNanos(redrive)
	e.Seed = uint64(seed)
	return e, err
}

// GetExecution returns the execution arn; ErrNotFound if none.
func (db *DB) GetExecution(ctx context.Context, arn string) (store.Execution, error) {
	row, err := db.queryRow(ctx, `SELECT `+fullColumns+` FROM executions e
		JOIN execution_bodies b ON b.id = e.id WHERE e.arn = ?`, arn)
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
	switch {
	case f.MapRunArn != "":
		q.WriteString(`e.map_run_arn = ? AND e.map_run_arn <> '' AND `)
		args = append(args, f.MapRunArn)
	case f.StateMachineArn == "":
		q.WriteString(`e.map_run_arn = '' AND `) // every top-level execution
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

// History returns events of an execution; see store.Store. It reads the
// chunks that hold the page, newest first with reverse, and stops reading
// once the page is full.
func (db *DB) History(ctx context.Context, executionArn string, fromID int64, limit int, reverse bool) ([]store.Event, error) {
	row, err := db.queryRow(ctx, `SELECT id FROM executions WHERE arn = ?`, executionArn)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	var id int64
	if err := row.Scan(&id); err != nil {
		return nil, fmt.Errorf("read history: %w", notFound(err))
	}
	var rows *sql.Rows
	switch {
	case !reverse:
		rows, err = db.query(ctx, `SELECT first_id, chunk FROM history WHERE execution_id = ? AND last_id > ?
			ORDER BY last_id`, id, fromID)
	case fromID <= 0:
		rows, err = db.query(ctx, `SELECT first_id, chunk FROM history WHERE execution_id = ?
			ORDER BY last_id DESC`, id)
	default:
		// From the chunk that holds event fromID-1 down.
		rows, err = db.query(ctx, `SELECT first_id, chunk FROM history WHERE execution_id = ?1
			AND last_id <= ifnull((SELECT last_id FROM history WHERE execution_id = ?1 AND last_id >= ?2
			ORDER BY last_id LIMIT 1), 9223372036854775807) ORDER BY last_id DESC`, id, fromID-1)
	}
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var events, chunkEvents []store.Event
	for (limit <= 0 || len(events) < limit) && rows.Next() {
		var first int64
		var chunk []byte
		if err := rows.Scan(&first, &chunk); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		if chunkEvents, err = decodeEvents(chunkEvents[:0], chunk, first); err != nil {
			return nil, fmt.Errorf("read history of %s: %w", executionArn, err)
		}
		if !reverse {
			for _, e := range chunkEvents {
				if e.ID > fromID && (limit <= 0 || len(events) < limit) {
					events = append(events, e)
				}
			}
			continue
		}
		for i := len(chunkEvents) - 1; i >= 0; i-- {
			e := chunkEvents[i]
			if (fromID <= 0 || e.ID < fromID) && (limit <= 0 || len(events) < limit) {
				events = append(events, e)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return events, nil
}

// Running returns the RUNNING executions with their logged inputs, read
// in one snapshot.
// Inputs returns an execution's logged inputs in Seq order.
func (db *DB) Inputs(ctx context.Context, executionArn string) ([]store.Input, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read inputs: %w", err)
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM executions WHERE arn = ?`, executionArn).Scan(&id); err != nil {
		return nil, fmt.Errorf("read inputs of %s: %w", executionArn, notFound(err))
	}
	rows, err := tx.QueryContext(ctx, `SELECT chunk FROM inputs WHERE execution_id = ? ORDER BY first_seq`, id)
	if err != nil {
		return nil, fmt.Errorf("read inputs: %w", err)
	}
	defer rows.Close()
	var out []store.Input
	for rows.Next() {
		var chunk []byte
		if err := rows.Scan(&chunk); err != nil {
			return nil, fmt.Errorf("read inputs: %w", err)
		}
		if out, err = decodeInputs(out, chunk); err != nil {
			return nil, fmt.Errorf("read inputs of %s: %w", executionArn, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read inputs: %w", err)
	}
	return out, nil
}

func (db *DB) Running(ctx context.Context) ([]store.RunningExecution, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+fullColumns+`, e.id FROM executions e INDEXED BY executions_running
		JOIN execution_bodies b ON b.id = e.id WHERE e.status = 'RUNNING' AND e.map_run_arn = '' ORDER BY e.id`)
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	var ids []int64
	out, err := collect(rows, func(sc interface{ Scan(...any) error }) (store.RunningExecution, error) {
		var id int64
		e, err := scanExecution(sc, true, &id)
		ids = append(ids, id)
		return store.RunningExecution{Execution: e}, err
	})
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT i.execution_id, i.chunk
		FROM executions e INDEXED BY executions_running JOIN inputs i ON i.execution_id = e.id
		WHERE e.status = 'RUNNING' AND e.map_run_arn = '' ORDER BY e.id, i.first_seq`)
	if err != nil {
		return nil, fmt.Errorf("read running executions: %w", err)
	}
	defer rows.Close()
	k := 0
	for rows.Next() {
		var id int64
		var chunk []byte
		if err := rows.Scan(&id, &chunk); err != nil {
			return nil, fmt.Errorf("read running executions: %w", err)
		}
		for k < len(out) && ids[k] != id {
			k++
		}
		if k == len(out) {
			return nil, fmt.Errorf("read running executions: inputs of execution %d out of order", id)
		}
		if out[k].Inputs, err = decodeInputs(out[k].Inputs, chunk); err != nil {
			return nil, fmt.Errorf("read running executions: %s: %w", out[k].Execution.Arn, err)
		}
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

// ReleaseActivityTasks clears the lease of the given tokens.
func (db *DB) ReleaseActivityTasks(ctx context.Context, tokens []string) error {
	if len(tokens) == 0 {
		return nil
	}
	err := db.write(ctx, func(w *wtx) error {
		for _, tok := range tokens {
			if _, err := w.exec(`UPDATE tokens SET leased = 0 WHERE token = ?`, tok); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release activity tasks: %w", err)
	}
	return nil
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
