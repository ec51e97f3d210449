package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations brings an empty database to the current schema, one step per
// entry: the database's schema_version is the number of steps applied.
// Append new steps; never edit a released one.
//
// Times are INTEGER Unix nanoseconds (0: none). Columns are NOT NULL with
// empty defaults, so scans need no NULL handling. Large values that never
// change after an execution starts (definition, input) live apart from the
// execution row. Executions have an integer id, growing as they start; their
// history and logged inputs are stored one chunk (row) per transition under
// (id, …), so the executions running at a time share b-tree pages (see
// executions.go).
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE state_machines (
	arn           TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	type          TEXT NOT NULL,
	role_arn      TEXT NOT NULL,
	description   TEXT NOT NULL,
	revision_id   TEXT NOT NULL,
	status        TEXT NOT NULL,
	creation_date INTEGER NOT NULL,
	update_date   INTEGER NOT NULL,
	next_version  INTEGER NOT NULL DEFAULT 1,
	configuration TEXT NOT NULL,
	definition    TEXT NOT NULL
);
CREATE INDEX state_machines_by_creation ON state_machines (creation_date, arn);

CREATE TABLE versions (
	arn               TEXT PRIMARY KEY,
	state_machine_arn TEXT NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
	number            INTEGER NOT NULL,
	role_arn          TEXT NOT NULL,
	description       TEXT NOT NULL,
	revision_id       TEXT NOT NULL,
	creation_date     INTEGER NOT NULL,
	configuration     TEXT NOT NULL,
	definition        TEXT NOT NULL,
	UNIQUE (state_machine_arn, number)
);

CREATE TABLE aliases (
	arn               TEXT PRIMARY KEY,
	state_machine_arn TEXT NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
	name              TEXT NOT NULL,
	description       TEXT NOT NULL,
	routing           TEXT NOT NULL,
	creation_date     INTEGER NOT NULL,
	update_date       INTEGER NOT NULL
);
CREATE INDEX aliases_by_machine ON aliases (state_machine_arn, creation_date, arn);

CREATE TABLE activities (
	arn           TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	creation_date INTEGER NOT NULL
);
CREATE INDEX activities_by_creation ON activities (creation_date, arn);

CREATE TABLE tags (
	resource_arn TEXT NOT NULL,
	key          TEXT NOT NULL,
	value        TEXT NOT NULL,
	UNIQUE (resource_arn, key)
);

CREATE TABLE executions (
	id                INTEGER PRIMARY KEY,
	arn               TEXT NOT NULL UNIQUE,
	state_machine_arn TEXT NOT NULL,
	version_arn       TEXT NOT NULL,
	alias_arn         TEXT NOT NULL,
	map_run_arn       TEXT NOT NULL,
	name              TEXT NOT NULL,
	type              TEXT NOT NULL,
	role_arn          TEXT NOT NULL,
	status            TEXT NOT NULL,
	start_date        INTEGER NOT NULL,
	stop_date         INTEGER NOT NULL,
	redrive_count     INTEGER NOT NULL,
	redrive_date      INTEGER NOT NULL,
	seed              INTEGER NOT NULL,
	has_output        INTEGER NOT NULL,
	trace_header      TEXT NOT NULL,
	error             TEXT NOT NULL,
	cause             TEXT NOT NULL,
	output            TEXT NOT NULL
);
CREATE INDEX executions_by_start ON executions (start_date, arn);
CREATE INDEX executions_by_machine ON executions (state_machine_arn, start_date, arn);
CREATE INDEX executions_by_version ON executions (version_arn, start_date, arn) WHERE version_arn <> '';
CREATE INDEX executions_by_alias ON executions (alias_arn, start_date, arn) WHERE alias_arn <> '';
CREATE INDEX executions_by_map_run ON executions (map_run_arn, start_date, arn) WHERE map_run_arn <> '';
CREATE INDEX executions_running ON executions (status) WHERE status = 'RUNNING';

CREATE TABLE execution_bodies (
	id         INTEGER PRIMARY KEY,
	definition TEXT NOT NULL,
	input      TEXT NOT NULL
);

CREATE TABLE inputs (
	execution_id INTEGER NOT NULL,
	first_seq    INTEGER NOT NULL,
	chunk        BLOB NOT NULL,
	PRIMARY KEY (execution_id, first_seq)
) WITHOUT ROWID;

CREATE TABLE history (
	execution_id INTEGER NOT NULL,
	last_id      INTEGER NOT NULL,
	first_id     INTEGER NOT NULL,
	chunk        BLOB NOT NULL,
	PRIMARY KEY (execution_id, last_id)
) WITHOUT ROWID;

CREATE TABLE timers (
	execution_arn TEXT NOT NULL,
	timer_id      TEXT NOT NULL,
	due           INTEGER NOT NULL,
	PRIMARY KEY (execution_arn, timer_id)
) WITHOUT ROWID;

CREATE TABLE tokens (
	token         TEXT NOT NULL UNIQUE,
	execution_arn TEXT NOT NULL,
	task_id       TEXT NOT NULL,
	activity_arn  TEXT NOT NULL,
	heartbeat     INTEGER NOT NULL,
	created       INTEGER NOT NULL,
	leased        INTEGER NOT NULL,
	input         TEXT NOT NULL
);
CREATE INDEX tokens_unleased ON tokens (activity_arn, created) WHERE leased = 0 AND activity_arn <> '';
`,
	// 2: map runs.
	`
CREATE TABLE map_runs (
	arn                          TEXT PRIMARY KEY,
	execution_arn                TEXT NOT NULL,
	state_machine_arn            TEXT NOT NULL,
	status                       TEXT NOT NULL,
	start_date                   INTEGER NOT NULL,
	stop_date                    INTEGER NOT NULL,
	max_concurrency              INTEGER NOT NULL,
	tolerated_failure_count      INTEGER NOT NULL,
	tolerated_failure_percentage REAL NOT NULL,
	items_total                  INTEGER NOT NULL,
	items_succeeded              INTEGER NOT NULL,
	items_failed                 INTEGER NOT NULL
);
CREATE INDEX map_runs_by_execution ON map_runs (execution_arn, start_date, arn);
`,
	// 3: keys made on first use (DB.Secret).
	`
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
`,
	// 4: distributed Map children: how many items a child processes, and
	// the ItemProcessor they run.
	`
ALTER TABLE executions ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE map_runs ADD COLUMN definition TEXT NOT NULL DEFAULT '';
`,
	// 5: map runs: children in flight, and redrives.
	`
ALTER TABLE map_runs ADD COLUMN items_running INTEGER NOT NULL DEFAULT 0;
ALTER TABLE map_runs ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE map_runs ADD COLUMN redrive_date INTEGER NOT NULL DEFAULT 0;
`,
}

// migrate applies the migrations the database lacks, all in one
// transaction, and fails on a database newer than this code.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	var have int
	switch err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&have); err {
	case nil:
	case sql.ErrNoRows:
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("migrate schema: %w", err)
		}
	default:
		return fmt.Errorf("migrate schema: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("migrate schema: database version %d is newer than this program's %d", have, len(migrations))
	}
	if have == len(migrations) {
		return nil
	}
	for i := have; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}
