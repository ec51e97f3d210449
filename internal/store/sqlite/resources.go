package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/stepflow/stepflow/internal/store"
)

// Statements of the resource write paths; prepared at Open.
const (
	qInsertStateMachine = `INSERT INTO state_machines (arn, name, type, role_arn, description, revision_id, status,
	creation_date, update_date, configuration, definition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (arn) DO NOTHING`
	qUpdateStateMachine = `UPDATE state_machines SET role_arn = ?, description = ?, revision_id = ?, status = ?,
	update_date = ?, configuration = ?, definition = ? WHERE arn = ?`
	qDeleteStateMachine = `DELETE FROM state_machines WHERE arn = ?`
	// qDeleteMachineTags deletes the tags of a state machine and of its
	// versions and aliases (ARNs that extend it with ":").
	qDeleteMachineTags = `DELETE FROM tags WHERE resource_arn = ?1 OR (resource_arn > ?1 || ':' AND resource_arn < ?1 || ';')`
	qNextVersion       = `UPDATE state_machines SET next_version = next_version + 1 WHERE arn = ? RETURNING next_version - 1`
	qInsertVersion     = `INSERT INTO versions (arn, state_machine_arn, number, role_arn, description, revision_id,
	creation_date, configuration, definition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qDeleteVersion = `DELETE FROM versions WHERE arn = ?`
	qInsertAlias   = `INSERT INTO aliases (arn, state_machine_arn, name, description, routing, creation_date, update_date)
	VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING`
	qMachineExists  = `SELECT EXISTS (SELECT 1 FROM state_machines WHERE arn = ?)`
	qUpdateAlias    = `UPDATE aliases SET description = ?, routing = ?, update_date = ? WHERE arn = ?`
	qDeleteAlias    = `DELETE FROM aliases WHERE arn = ?`
	qInsertActivity = `INSERT INTO activities (arn, name, creation_date) VALUES (?, ?, ?)
	ON CONFLICT (arn) DO NOTHING`
	qDeleteActivity = `DELETE FROM activities WHERE arn = ?`
	qDeleteTags     = `DELETE FROM tags WHERE resource_arn = ?`
	qTaggable       = `SELECT EXISTS (SELECT 1 FROM state_machines WHERE arn = ?1) OR EXISTS (SELECT 1 FROM activities WHERE arn = ?1)`
	qUpsertTag      = `INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
	ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`
	qDeleteTag = `DELETE FROM tags WHERE resource_arn = ? AND key = ?`
)

// writeQueries are prepared on the writer at Open.
var writeQueries = []string{
	qInsertStateMachine, qUpdateStateMachine, qDeleteStateMachine, qDeleteMachineTags,
	qNextVersion, qInsertVersion, qDeleteVersion,
	qInsertAlias, qMachineExists, qUpdateAlias, qDeleteAlias,
	qInsertActivity, qDeleteActivity, qDeleteTags, qTaggable, qUpsertTag, qDeleteTag,
	qInsertExecution, qExecutionState, qEndExecution, qUpdateExecution,
	qDeleteTimer, qUpsertTimer, qDeleteToken, qInsertToken, qLease, qUpsertMapRun, qUpdateMapRun,
}

// CreateStateMachine stores sm with its tags; ErrExists if its ARN is taken.
func (db *DB) CreateStateMachine(ctx context.Context, sm store.StateMachine, tags []store.Tag) error {
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(qInsertStateMachine, sm.Arn, sm.Name, sm.Type, sm.RoleArn, sm.Description, sm.RevisionID,
			sm.Status, toNanos(sm.CreationDate), toNanos(sm.UpdateDate), sm.Configuration, sm.Definition)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrExists
		}
		return w.tag(sm.Arn, tags)
	})
	if err != nil {
		return fmt.Errorf("create state machine: %w", err)
	}
	return nil
}

const stateMachineColumns = `arn, name, type, role_arn, description, revision_id, status, creation_date, update_date,
	configuration, definition`

// scanStateMachine scans a row of stateMachineColumns.
func scanStateMachine(sc interface{ Scan(...any) error }) (store.StateMachine, error) {
	var sm store.StateMachine
	var created, updated int64
	err := sc.Scan(&sm.Arn, &sm.Name, &sm.Type, &sm.RoleArn, &sm.Description, &sm.RevisionID, &sm.Status,
		&created, &updated, &sm.Configuration, &sm.Definition)
	sm.CreationDate, sm.UpdateDate = fromNanos(created), fromNanos(updated)
	return sm, err
}

// GetStateMachine returns the state machine arn; ErrNotFound if none.
func (db *DB) GetStateMachine(ctx context.Context, arn string) (store.StateMachine, error) {
	row, err := db.queryRow(ctx, `SELECT `+stateMachineColumns+` FROM state_machines WHERE arn = ?`, arn)
	if err != nil {
		return store.StateMachine{}, fmt.Errorf("get state machine: %w", err)
	}
	sm, err := scanStateMachine(row)
	if err != nil {
		return store.StateMachine{}, fmt.Errorf("get state machine: %w", notFound(err))
	}
	return sm, nil
}

// UpdateStateMachine replaces the stored state machine's definition, role,
// description, revision, status, update date and configuration; its ARN,
// name, type and creation date stay. ErrNotFound if it does not exist.
func (db *DB) UpdateStateMachine(ctx context.Context, sm store.StateMachine) error {
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(qUpdateStateMachine, sm.RoleArn, sm.Description, sm.RevisionID, sm.Status,
			toNanos(sm.UpdateDate), sm.Configuration, sm.Definition, sm.Arn)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update state machine: %w", err)
	}
	return nil
}

// DeleteStateMachine deletes the state machine arn with its versions,
// aliases and tags; its executions stay. ErrNotFound if it does not exist.
func (db *DB) DeleteStateMachine(ctx context.Context, arn string) error {
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(qDeleteStateMachine, arn)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		_, err = w.exec(qDeleteMachineTags, arn)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete state machine: %w", err)
	}
	return nil
}

// ListStateMachines lists state machines by creation date.
func (db *DB) ListStateMachines(ctx context.Context, limit int, after string) ([]store.StateMachine, string, error) {
	c, err := decodeCursor(after, kindStateMachines, ascending)
	if err != nil {
		return nil, "", fmt.Errorf("list state machines: %w", err)
	}
	limit = pageLimit(limit)
	rows, err := db.query(ctx, `SELECT `+stateMachineColumns+` FROM state_machines
		WHERE (creation_date, arn) > (?, ?) ORDER BY creation_date, arn LIMIT ?`,
		c.key, c.arn, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list state machines: %w", err)
	}
	out, err := collect(rows, scanStateMachine)
	if err != nil {
		return nil, "", fmt.Errorf("list state machines: %w", err)
	}
	out, next := page(out, limit, func(sm store.StateMachine) cursor {
		return cursor{toNanos(sm.CreationDate), sm.Arn}
	}, kindStateMachines)
	return out, next, nil
}

// PublishVersion stores v as the next version of its state machine,
// setting its Number and Arn; ErrNotFound if the state machine is missing.
func (db *DB) PublishVersion(ctx context.Context, v store.Version) (store.Version, error) {
	err := db.write(ctx, func(w *wtx) error {
		if err := w.queryRow(qNextVersion, v.StateMachineArn).Scan(&v.Number); err != nil {
			return notFound(err)
		}
		v.Arn = v.StateMachineArn + ":" + strconv.FormatInt(v.Number, 10)
		_, err := w.exec(qInsertVersion, v.Arn, v.StateMachineArn, v.Number, v.RoleArn, v.Description,
			v.RevisionID, toNanos(v.CreationDate), v.Configuration, v.Definition)
		return err
	})
	if err != nil {
		return store.Version{}, fmt.Errorf("publish version: %w", err)
	}
	return v, nil
}

const versionColumns = `arn, state_machine_arn, number, role_arn, description, revision_id, creation_date,
	configuration, definition`

// scanVersion scans a row of versionColumns.
func scanVersion(sc interface{ Scan(...any) error }) (store.Version, error) {
	var v store.Version
	var created int64
	err := sc.Scan(&v.Arn, &v.StateMachineArn, &v.Number, &v.RoleArn, &v.Description, &v.RevisionID,
		&created, &v.Configuration, &v.Definition)
	v.CreationDate = fromNanos(created)
	return v, err
}

// GetVersion returns the version arn; ErrNotFound if none.
func (db *DB) GetVersion(ctx context.Context, arn string) (store.Version, error) {
	row, err := db.queryRow(ctx, `SELECT `+versionColumns+` FROM versions WHERE arn = ?`, arn)
	if err != nil {
		return store.Version{}, fmt.Errorf("get version: %w", err)
	}
	v, err := scanVersion(row)
	if err != nil {
		return store.Version{}, fmt.Errorf("get version: %w", notFound(err))
	}
	return v, nil
}

// ListVersions lists a state machine's versions, newest first.
func (db *DB) ListVersions(ctx context.Context, stateMachineArn string, limit int, after string) ([]store.Version, string, error) {
	c, err := decodeCursor(after, kindVersions, descending)
	if err != nil {
		return nil, "", fmt.Errorf("list versions: %w", err)
	}
	limit = pageLimit(limit)
	rows, err := db.query(ctx, `SELECT `+versionColumns+` FROM versions
		WHERE state_machine_arn = ? AND number < ? ORDER BY number DESC LIMIT ?`,
		stateMachineArn, c.key, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list versions: %w", err)
	}
	out, err := collect(rows, scanVersion)
	if err != nil {
		return nil, "", fmt.Errorf("list versions: %w", err)
	}
	out, next := page(out, limit, func(v store.Version) cursor { return cursor{v.Number, ""} }, kindVersions)
	return out, next, nil
}

// DeleteVersion deletes the version arn; ErrNotFound if none. Its number
// is not reused.
func (db *DB) DeleteVersion(ctx context.Context, arn string) error {
	return db.deleteOne(ctx, "delete version", qDeleteVersion, arn)
}

// CreateAlias stores a; ErrExists if its ARN is taken, ErrNotFound if its
// state machine does not exist.
func (db *DB) CreateAlias(ctx context.Context, a store.Alias) error {
	err := db.write(ctx, func(w *wtx) error {
		var ok bool
		if err := w.queryRow(qMachineExists, a.StateMachineArn).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
		n, err := w.exec(qInsertAlias, a.Arn, a.StateMachineArn, a.Name, a.Description, a.Routing,
			toNanos(a.CreationDate), toNanos(a.UpdateDate))
		if err == nil && n == 0 {
			err = store.ErrExists
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create alias: %w", err)
	}
	return nil
}

const aliasColumns = `arn, state_machine_arn, name, description, routing, creation_date, update_date`

// scanAlias scans a row of aliasColumns.
func scanAlias(sc interface{ Scan(...any) error }) (store.Alias, error) {
	var a store.Alias
	var created, updated int64
	err := sc.Scan(&a.Arn, &a.StateMachineArn, &a.Name, &a.Description, &a.Routing, &created, &updated)
	a.CreationDate, a.UpdateDate = fromNanos(created), fromNanos(updated)
	return a, err
}

// GetAlias returns the alias arn; ErrNotFound if none.
func (db *DB) GetAlias(ctx context.Context, arn string) (store.Alias, error) {
	row, err := db.queryRow(ctx, `SELECT `+aliasColumns+` FROM aliases WHERE arn = ?`, arn)
	if err != nil {
		return store.Alias{}, fmt.Errorf("get alias: %w", err)
	}
	a, err := scanAlias(row)
	if err != nil {
		return store.Alias{}, fmt.Errorf("get alias: %w", notFound(err))
	}
	return a, nil
}

// UpdateAlias replaces the alias's description, routing and update date;
// ErrNotFound if it does not exist.
func (db *DB) UpdateAlias(ctx context.Context, a store.Alias) error {
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(qUpdateAlias, a.Description, a.Routing, toNanos(a.UpdateDate), a.Arn)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update alias: %w", err)
	}
	return nil
}

// DeleteAlias deletes the alias arn; ErrNotFound if none.
func (db *DB) DeleteAlias(ctx context.Context, arn string) error {
	return db.deleteOne(ctx, "delete alias", qDeleteAlias, arn)
}

// ListAliases lists a state machine's aliases by creation date.
func (db *DB) ListAliases(ctx context.Context, stateMachineArn string, limit int, after string) ([]store.Alias, string, error) {
	c, err := decodeCursor(after, kindAliases, ascending)
	if err != nil {
		return nil, "", fmt.Errorf("list aliases: %w", err)
	}
	limit = pageLimit(limit)
	rows, err := db.query(ctx, `SELECT `+aliasColumns+` FROM aliases
		WHERE state_machine_arn = ? AND (creation_date, arn) > (?, ?)
		ORDER BY creation_date, arn LIMIT ?`,
		stateMachineArn, c.key, c.arn, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list aliases: %w", err)
	}
	out, err := collect(rows, scanAlias)
	if err != nil {
		return nil, "", fmt.Errorf("list aliases: %w", err)
	}
	out, next := page(out, limit, func(a store.Alias) cursor {
		return cursor{toNanos(a.CreationDate), a.Arn}
	}, kindAliases)
	return out, next, nil
}

// CreateActivity stores a with its tags; ErrExists if its ARN is taken.
func (db *DB) CreateActivity(ctx context.Context, a store.Activity, tags []store.Tag) error {
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(qInsertActivity, a.Arn, a.Name, toNanos(a.CreationDate))
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrExists
		}
		return w.tag(a.Arn, tags)
	})
	if err != nil {
		return fmt.Errorf("create activity: %w", err)
	}
	return nil
}

// scanActivity scans a row of arn, name, creation_date.
func scanActivity(sc interface{ Scan(...any) error }) (store.Activity, error) {
	var a store.Activity
	var created int64
	err := sc.Scan(&a.Arn, &a.Name, &created)
	a.CreationDate = fromNanos(created)
	return a, err
}

// GetActivity returns the activity arn; ErrNotFound if none.
func (db *DB) GetActivity(ctx context.Context, arn string) (store.Activity, error) {
	row, err := db.queryRow(ctx, `SELECT arn, name, creation_date FROM activities WHERE arn = ?`, arn)
	if err != nil {
		return store.Activity{}, fmt.Errorf("get activity: %w", err)
	}
	a, err := scanActivity(row)
	if err != nil {
		return store.Activity{}, fmt.Errorf("get activity: %w", notFound(err))
	}
	return a, nil
}

// DeleteActivity deletes the activity arn and its tags; ErrNotFound if
// none. Tokens of its pending tasks stay until their executions end them.
func (db *DB) DeleteActivity(ctx context.Context, arn string) error {
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(qDeleteActivity, arn)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		_, err = w.exec(qDeleteTags, arn)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete activity: %w", err)
	}
	return nil
}

// ListActivities lists activities by creation date.
func (db *DB) ListActivities(ctx context.Context, limit int, after string) ([]store.Activity, string, error) {
	c, err := decodeCursor(after, kindActivities, ascending)
	if err != nil {
		return nil, "", fmt.Errorf("list activities: %w", err)
	}
	limit = pageLimit(limit)
	rows, err := db.query(ctx, `SELECT arn, name, creation_date FROM activities
		WHERE (creation_date, arn) > (?, ?) ORDER BY creation_date, arn LIMIT ?`,
		c.key, c.arn, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list activities: %w", err)
	}
	out, err := collect(rows, scanActivity)
	if err != nil {
		return nil, "", fmt.Errorf("list activities: %w", err)
	}
	out, next := page(out, limit, func(a store.Activity) cursor {
		return cursor{toNanos(a.CreationDate), a.Arn}
	}, kindActivities)
	return out, next, nil
}

// TagResource adds tags to a state machine or activity, overwriting the
// values of keys it has; ErrNotFound if arn names neither.
func (db *DB) TagResource(ctx context.Context, arn string, tags []store.Tag) error {
	err := db.write(ctx, func(w *wtx) error {
		if err := w.taggable(arn); err != nil {
			return err
		}
		return w.tag(arn, tags)
	})
	if err != nil {
		return fmt.Errorf("tag resource: %w", err)
	}
	return nil
}

// UntagResource removes the tags with keys from a state machine or
// activity; missing keys are ignored. ErrNotFound if arn names neither.
func (db *DB) UntagResource(ctx context.Context, arn string, keys []string) error {
	err := db.write(ctx, func(w *wtx) error {
		if err := w.taggable(arn); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := w.exec(qDeleteTag, arn, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("untag resource: %w", err)
	}
	return nil
}

// ListTags returns the tags of a state machine or activity in the order
// first added; ErrNotFound if arn names neither.
func (db *DB) ListTags(ctx context.Context, arn string) ([]store.Tag, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	defer tx.Rollback()
	var ok bool
	if err := tx.QueryRowContext(ctx, qTaggable, arn).Scan(&ok); err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("list tags: %w", store.ErrNotFound)
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY rowid`, arn)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	tags, err := collect(rows, func(sc interface{ Scan(...any) error }) (store.Tag, error) {
		var t store.Tag
		err := sc.Scan(&t.Key, &t.Value)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return tags, nil
}

// taggable returns ErrNotFound unless arn is a state machine or activity.
func (w *wtx) taggable(arn string) error {
	var ok bool
	if err := w.queryRow(qTaggable, arn).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return store.ErrNotFound
	}
	return nil
}

// tag upserts tags of arn.
func (w *wtx) tag(arn string, tags []store.Tag) error {
	for _, t := range tags {
		if _, err := w.exec(qUpsertTag, arn, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// deleteOne runs a delete of one row by ARN; ErrNotFound if none.
func (db *DB) deleteOne(ctx context.Context, verb, query, arn string) error {
	err := db.write(ctx, func(w *wtx) error {
		n, err := w.exec(query, arn)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	return nil
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// page trims items fetched with limit+1 to limit and returns the cursor of
// the next page, "" when there is none.
func page[T any](items []T, limit int, key func(T) cursor, kind byte) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, key(items[limit-1]).encode(kind)
}
