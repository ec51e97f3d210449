package scheduler

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/internal/dispatch"
	"github.com/stepflow/stepflow/internal/resource"
)

// migrations create the service's tables. Append new steps; never edit a
// released one.
var migrations = []string{
	`CREATE TABLE scheduler_groups (
		name        TEXT PRIMARY KEY,
		created_ms  INTEGER NOT NULL,
		modified_ms INTEGER NOT NULL,
		tags        TEXT NOT NULL              -- JSON array of {"Key","Value"}
	) WITHOUT ROWID;
	CREATE TABLE scheduler_schedules (
		grp       TEXT NOT NULL,
		name      TEXT NOT NULL,
		def       TEXT NOT NULL,               -- JSON: the schedule as GetSchedule answers it
		anchor_ms INTEGER NOT NULL,            -- schedule clock: where rate() counts from
		next_ms   INTEGER,                     -- schedule clock: the next scheduled time, NULL when none
		due_ms    INTEGER,                     -- schedule clock: next_ms plus the flexible window offset
		PRIMARY KEY (grp, name)
	) WITHOUT ROWID;
	CREATE TABLE scheduler_deliveries (
		id           TEXT PRIMARY KEY,         -- the execution ID
		grp          TEXT NOT NULL,
		name         TEXT NOT NULL,
		schedule_arn TEXT NOT NULL,
		target       TEXT NOT NULL,            -- JSON Target as it was when the schedule fired
		scheduled_ms INTEGER NOT NULL,         -- schedule clock
		attempts     INTEGER NOT NULL,         -- attempts made so far
		missed       INTEGER NOT NULL          -- earlier scheduled times dropped in favour of this one
	) WITHOUT ROWID;
	CREATE TABLE scheduler_firings (
		seq          INTEGER PRIMARY KEY AUTOINCREMENT,
		grp          TEXT NOT NULL,
		name         TEXT NOT NULL,
		scheduled_ms INTEGER NOT NULL,         -- schedule clock
		time_ms      INTEGER NOT NULL,         -- real time of the outcome
		outcome      TEXT NOT NULL,
		attempts     INTEGER NOT NULL,
		error        TEXT NOT NULL
	);
	CREATE INDEX scheduler_firings_by_schedule ON scheduler_firings (grp, name, seq);
	CREATE TABLE scheduler_meta (
		key   TEXT PRIMARY KEY,
		value INTEGER NOT NULL
	) WITHOUT ROWID`,
}

// Tag is one tag of a schedule group.
type Tag = resource.Tag

// group is one schedule group.
type group struct {
	name              string
	created, modified time.Time
	tags              []Tag
}

// schedule is one schedule: its definition (as GetSchedule answers) and
// its firing state.
type schedule struct {
	def     scheduleDef
	runtime runtime
	// anchor, next and due are schedule-clock times; next and due are zero
	// when the schedule will not fire again.
	anchor, next, due time.Time
}

// scheduleDef is the stored form of a schedule.
type scheduleDef struct {
	Name                       string             `json:"Name"`
	GroupName                  string             `json:"GroupName"`
	Arn                        string             `json:"Arn"`
	Description                string             `json:"Description,omitempty"`
	ScheduleExpression         string             `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone"`
	StartDate                  *time.Time         `json:"StartDate,omitempty"`
	EndDate                    *time.Time         `json:"EndDate,omitempty"`
	State                      string             `json:"State"`
	KmsKeyArn                  string             `json:"KmsKeyArn,omitempty"`
	Target                     Target             `json:"Target"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	ActionAfterCompletion      string             `json:"ActionAfterCompletion"`
	CreationDate               time.Time          `json:"CreationDate"`
	LastModificationDate       time.Time          `json:"LastModificationDate"`
}

func msOf(t time.Time) int64 { return t.UnixMilli() }

func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func timeOfMS(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64)
}

// load reads the groups and schedules, creating the default group and
// anchoring the schedule clock.
func (s *Service) load(ctx context.Context) error {
	now := s.cfg.Now()
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR IGNORE INTO scheduler_groups (name, created_ms, modified_ms, tags) VALUES (?, ?, ?, '[]')`,
			DefaultGroup, msOf(now), msOf(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("open scheduler: default group: %w", err)
	}
	if s.clk, err = dispatch.StartClock(ctx, s.comp, "scheduler_meta", s.cfg.Now, s.cfg.TimeScale); err != nil {
		return fmt.Errorf("open scheduler: clock: %w", err)
	}
	s.groups = map[string]*group{}
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT name, created_ms, modified_ms, tags FROM scheduler_groups`)
	if err != nil {
		return fmt.Errorf("load schedule groups: %w", err)
	}
	for rows.Next() {
		var g group
		var created, modified int64
		var tags string
		if err := rows.Scan(&g.name, &created, &modified, &tags); err != nil {
			rows.Close()
			return fmt.Errorf("load schedule groups: %w", err)
		}
		g.created, g.modified = time.UnixMilli(created), time.UnixMilli(modified)
		if err := json.Unmarshal([]byte(tags), &g.tags); err != nil {
			rows.Close()
			return fmt.Errorf("load schedule group %s: tags: %w", g.name, err)
		}
		s.groups[g.name] = &g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load schedule groups: %w", err)
	}
	s.schedules = map[key]*schedule{}
	rows, err = s.comp.Read().QueryContext(ctx, `SELECT def, anchor_ms, next_ms, due_ms FROM scheduler_schedules`)
	if err != nil {
		return fmt.Errorf("load schedules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var def string
		var anchor int64
		var next, due sql.NullInt64
		if err := rows.Scan(&def, &anchor, &next, &due); err != nil {
			return fmt.Errorf("load schedules: %w", err)
		}
		sc := &schedule{anchor: time.UnixMilli(anchor), next: timeOfMS(next), due: timeOfMS(due)}
		if err := json.Unmarshal([]byte(def), &sc.def); err != nil {
			return fmt.Errorf("load schedule: %w", err)
		}
		rt, err := compile(&sc.def)
		if err != nil {
			return fmt.Errorf("load schedule %s/%s: %w", sc.def.GroupName, sc.def.Name, err)
		}
		sc.runtime = rt
		s.schedules[key{sc.def.GroupName, sc.def.Name}] = sc
	}
	return rows.Err()
}

// saveSchedule writes a schedule (insert or replace) in tx.
func saveSchedule(tx *sql.Tx, sc *schedule) error {
	def, err := json.Marshal(&sc.def)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO scheduler_schedules (grp, name, def, anchor_ms, next_ms, due_ms) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (grp, name) DO UPDATE SET def = excluded.def, anchor_ms = excluded.anchor_ms,
			next_ms = excluded.next_ms, due_ms = excluded.due_ms`,
		sc.def.GroupName, sc.def.Name, string(def), msOf(sc.anchor), nullMS(sc.next), nullMS(sc.due))
	return err
}

// saveNext writes a schedule's firing state in tx.
func saveNext(tx *sql.Tx, sc *schedule) error {
	_, err := tx.Exec(`UPDATE scheduler_schedules SET next_ms = ?, due_ms = ? WHERE grp = ? AND name = ?`,
		nullMS(sc.next), nullMS(sc.due), sc.def.GroupName, sc.def.Name)
	return err
}

func deleteScheduleRow(tx *sql.Tx, grp, name string) error {
	if _, err := tx.Exec(`DELETE FROM scheduler_schedules WHERE grp = ? AND name = ?`, grp, name); err != nil {
		return err
	}
	_, err := tx.Exec(`DELETE FROM scheduler_firings WHERE grp = ? AND name = ?`, grp, name)
	return err
}

func saveGroup(tx *sql.Tx, g *group) error {
	tags, err := json.Marshal(g.tags)
	if err != nil {
		return err
	}
	if g.tags == nil {
		tags = []byte("[]")
	}
	_, err = tx.Exec(`INSERT INTO scheduler_groups (name, created_ms, modified_ms, tags) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET modified_ms = excluded.modified_ms, tags = excluded.tags`,
		g.name, msOf(g.created), msOf(g.modified), string(tags))
	return err
}
