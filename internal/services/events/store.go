package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/internal/dispatch"
	"github.com/stepflow/stepflow/internal/resource"
	"github.com/stepflow/stepflow/internal/schedexpr"
	"github.com/stepflow/stepflow/internal/services/events/pattern"
)

// migrations create the service's tables. Append new steps; never edit a
// released one.
var migrations = []string{
	`CREATE TABLE events_buses (
		name TEXT PRIMARY KEY,
		def  TEXT NOT NULL                       -- JSON busDef
	) WITHOUT ROWID;
	CREATE TABLE events_rules (
		bus       TEXT NOT NULL,
		name      TEXT NOT NULL,
		def       TEXT NOT NULL,                 -- JSON ruleDef, targets included
		anchor_ms INTEGER NOT NULL,              -- schedule clock: where rate() counts from
		next_ms   INTEGER,                       -- schedule clock: next scheduled time, NULL when none
		PRIMARY KEY (bus, name)
	) WITHOUT ROWID;
	CREATE TABLE events_deliveries (
		id       TEXT PRIMARY KEY,
		rule_arn TEXT NOT NULL,
		target   TEXT NOT NULL,                  -- JSON Target
		payload  BLOB NOT NULL,
		event_ms INTEGER NOT NULL,               -- schedule clock: when the event happened
		attempts INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE events_meta (
		key   TEXT PRIMARY KEY,
		value INTEGER NOT NULL
	) WITHOUT ROWID`,
}

// Tag is one resource tag.
type Tag = resource.Tag

// busDef is the stored form of an event bus.
type busDef struct {
	Name             string            `json:"Name"`
	Description      string            `json:"Description,omitempty"`
	KmsKeyIdentifier string            `json:"KmsKeyIdentifier,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
	EventSourceName  string            `json:"EventSourceName,omitempty"`
	Created          time.Time         `json:"Created"`
	Modified         time.Time         `json:"Modified"`
	Tags             []Tag             `json:"Tags"`
}

type bus struct {
	def busDef
}

// ruleDef is the stored form of a rule.
type ruleDef struct {
	Name               string    `json:"Name"`
	EventBusName       string    `json:"EventBusName"`
	Arn                string    `json:"Arn"`
	EventPattern       string    `json:"EventPattern,omitempty"`
	ScheduleExpression string    `json:"ScheduleExpression,omitempty"`
	State              string    `json:"State"`
	Description        string    `json:"Description,omitempty"`
	RoleArn            string    `json:"RoleArn,omitempty"`
	Tags               []Tag     `json:"Tags"`
	Targets            []Target  `json:"Targets"`
	Created            time.Time `json:"Created"`
}

// rule is one rule with its compiled pattern and schedule.
type rule struct {
	def     ruleDef
	pattern *pattern.Pattern // nil without EventPattern
	expr    *schedexpr.Expr  // nil without ScheduleExpression
	// anchor and next are schedule-clock times; next is zero when the rule
	// is not scheduled (disabled, or no schedule).
	anchor, next time.Time
}

// enabled reports whether the rule acts on events.
func (r *rule) enabled() bool { return r.def.State != "DISABLED" }

func msOf(t time.Time) int64 { return t.UnixMilli() }

func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func compileRule(def *ruleDef) (*rule, error) {
	r := &rule{def: *def}
	if def.EventPattern != "" {
		p, err := pattern.Compile(def.EventPattern)
		if err != nil {
			return nil, err
		}
		r.pattern = p
	}
	if def.ScheduleExpression != "" {
		e, err := schedexpr.Parse(def.ScheduleExpression, schedexpr.Events)
		if err != nil {
			return nil, err
		}
		r.expr = e
	}
	return r, nil
}

func (s *Service) load(ctx context.Context) error {
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	def, _ := json.Marshal(busDef{Name: DefaultBus, Created: now, Modified: now, Tags: []Tag{}})
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR IGNORE INTO events_buses (name, def) VALUES (?, ?)`, DefaultBus, string(def))
		return err
	})
	if err != nil {
		return fmt.Errorf("open events: default bus: %w", err)
	}
	if s.clk, err = dispatch.StartClock(ctx, s.comp, "events_meta", s.cfg.Now, s.cfg.TimeScale); err != nil {
		return fmt.Errorf("open events: clock: %w", err)
	}
	s.buses = map[string]*bus{}
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT def FROM events_buses`)
	if err != nil {
		return fmt.Errorf("load event buses: %w", err)
	}
	for rows.Next() {
		var text string
		b := &bus{}
		if err := rows.Scan(&text); err != nil {
			rows.Close()
			return fmt.Errorf("load event buses: %w", err)
		}
		if err := json.Unmarshal([]byte(text), &b.def); err != nil {
			rows.Close()
			return fmt.Errorf("load event bus: %w", err)
		}
		s.buses[b.def.Name] = b
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load event buses: %w", err)
	}
	s.rules = map[ruleKey]*rule{}
	rows, err = s.comp.Read().QueryContext(ctx, `SELECT def, anchor_ms, next_ms FROM events_rules`)
	if err != nil {
		return fmt.Errorf("load rules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		var anchor int64
		var next sql.NullInt64
		if err := rows.Scan(&text, &anchor, &next); err != nil {
			return fmt.Errorf("load rules: %w", err)
		}
		var def ruleDef
		if err := json.Unmarshal([]byte(text), &def); err != nil {
			return fmt.Errorf("load rule: %w", err)
		}
		r, err := compileRule(&def)
		if err != nil {
			return fmt.Errorf("load rule %s: %w", def.Arn, err)
		}
		r.anchor = time.UnixMilli(anchor)
		if next.Valid {
			r.next = time.UnixMilli(next.Int64)
		}
		s.rules[ruleKey{def.EventBusName, def.Name}] = r
	}
	return rows.Err()
}

func saveBus(tx *sql.Tx, b *busDef) error {
	def, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO events_buses (name, def) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET def = excluded.def`,
		b.Name, string(def))
	return err
}

func saveRule(tx *sql.Tx, r *rule) error {
	def, err := json.Marshal(&r.def)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO events_rules (bus, name, def, anchor_ms, next_ms) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (bus, name) DO UPDATE SET def = excluded.def, anchor_ms = excluded.anchor_ms, next_ms = excluded.next_ms`,
		r.def.EventBusName, r.def.Name, string(def), msOf(r.anchor), nullMS(r.next))
	return err
}
