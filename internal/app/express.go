package app

import (
	"context"
	"database/sql"
	"time"

	"github.com/stepflow/stepflow/internal/services/sfn"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// expressLog is the sfn.ExpressLog in the shared database.
type expressLog struct{ c *sqlite.Component }

var expressMigrations = []string{
	`CREATE TABLE sfn_express_pending (
		arn                TEXT PRIMARY KEY,
		name               TEXT NOT NULL,
		state_machine_arn  TEXT NOT NULL,
		state_machine_name TEXT NOT NULL,
		version_arn        TEXT NOT NULL,
		alias_arn          TEXT NOT NULL,
		role_arn           TEXT NOT NULL,
		definition         TEXT NOT NULL,
		input              TEXT NOT NULL,
		start_date         INTEGER NOT NULL
	)`,
}

func openExpressLog(ctx context.Context, db *sqlite.DB) (*expressLog, error) {
	c, err := db.Component(ctx, "sfn_express", expressMigrations)
	if err != nil {
		return nil, err
	}
	return &expressLog{c: c}, nil
}

func (l *expressLog) Add(ctx context.Context, e sfn.ExpressStart) error {
	return l.c.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO sfn_express_pending VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Arn, e.Name, e.StateMachineArn, e.StateMachineName, e.VersionArn, e.AliasArn, e.RoleArn,
			e.Definition, e.Input, e.StartDate.UnixNano())
		return err
	})
}

func (l *expressLog) Remove(ctx context.Context, arn string) error {
	return l.c.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM sfn_express_pending WHERE arn = ?`, arn)
		return err
	})
}

func (l *expressLog) List(ctx context.Context) ([]sfn.ExpressStart, error) {
	rows, err := l.c.Read().QueryContext(ctx, `SELECT arn, name, state_machine_arn, state_machine_name, version_arn,
		alias_arn, role_arn, definition, input, start_date FROM sfn_express_pending ORDER BY start_date, arn`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sfn.ExpressStart
	for rows.Next() {
		var e sfn.ExpressStart
		var start int64
		if err := rows.Scan(&e.Arn, &e.Name, &e.StateMachineArn, &e.StateMachineName, &e.VersionArn,
			&e.AliasArn, &e.RoleArn, &e.Definition, &e.Input, &start); err != nil {
			return nil, err
		}
		e.StartDate = time.Unix(0, start).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
