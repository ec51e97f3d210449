package dispatch

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/stepflow/stepflow/internal/schedexpr"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// The schedule clock is kept in a service's meta table,
//
//	CREATE TABLE <svc>_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID
//
// under the key "clock_ms", in Unix milliseconds.

// StartClock returns a service's schedule clock: now, sped up scale times
// from this moment. When scale is not 1 the clock starts from the value
// SaveClock last kept in metaTable if that is later than now, so that the
// schedule clock never runs backwards across restarts.
func StartClock(ctx context.Context, comp *sqlite.Component, metaTable string, now func() time.Time,
	scale float64) (schedexpr.Clock, error) {
	start := now()
	clk := schedexpr.Clock{Now: now, Scale: scale, RealBase: start, SchedBase: start}
	if scale == 1 {
		return clk, nil
	}
	var last int64
	switch err := comp.Read().QueryRowContext(ctx, `SELECT value FROM `+metaTable+` WHERE key = 'clock_ms'`).Scan(&last); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return schedexpr.Clock{}, err
	default:
		if t := time.UnixMilli(last); t.After(start) {
			clk.SchedBase = t
		}
	}
	return clk, nil
}

// SaveClock keeps the schedule clock's value t in metaTable for the next
// StartClock (or keeps the value there, if it is later).
func SaveClock(ctx context.Context, comp *sqlite.Component, metaTable string, t time.Time) error {
	return comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO `+metaTable+` (key, value) VALUES ('clock_ms', ?)
			ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)`, t.UnixMilli())
		return err
	})
}
