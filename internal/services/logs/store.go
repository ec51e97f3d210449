package logs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// migrations create the service's tables. Append new steps; never edit a
// released one.
var migrations = []string{
	`CREATE TABLE logs_groups (
		id             INTEGER PRIMARY KEY,
		name           TEXT NOT NULL UNIQUE,
		created_ms     INTEGER NOT NULL,
		retention_days INTEGER NOT NULL DEFAULT 0, -- 0: never expire
		kms_key        TEXT NOT NULL DEFAULT '',
		class          TEXT NOT NULL DEFAULT 'STANDARD',
		tags           TEXT NOT NULL DEFAULT '{}'  -- JSON object
	);
	CREATE TABLE logs_streams (
		id             INTEGER PRIMARY KEY,
		group_id       INTEGER NOT NULL REFERENCES logs_groups (id) ON DELETE CASCADE,
		name           TEXT NOT NULL,
		created_ms     INTEGER NOT NULL,
		first_event_ms INTEGER NOT NULL DEFAULT 0, -- 0: no event yet
		last_event_ms  INTEGER NOT NULL DEFAULT 0,
		last_ingest_ms INTEGER NOT NULL DEFAULT 0,
		stored_bytes   INTEGER NOT NULL DEFAULT 0,
		upload_seq     INTEGER NOT NULL DEFAULT 0,
		UNIQUE (group_id, name)
	);
	CREATE TABLE logs_events (
		id        INTEGER PRIMARY KEY,  -- ingestion order; breaks timestamp ties
		stream_id INTEGER NOT NULL REFERENCES logs_streams (id) ON DELETE CASCADE,
		group_id  INTEGER NOT NULL,
		ts_ms     INTEGER NOT NULL,
		ingest_ms INTEGER NOT NULL,
		message   TEXT NOT NULL
	);
	CREATE INDEX logs_events_stream ON logs_events (stream_id, ts_ms, id);
	CREATE INDEX logs_events_group ON logs_events (group_id, ts_ms, id)`,
}

// eventOverhead is what CloudWatch Logs counts per event on top of its
// message bytes (batch size limits, stored bytes).
const eventOverhead = 26

// group is a stored log group.
type group struct {
	id            int64
	name          string
	createdMS     int64
	retentionDays int
	kmsKey        string
	class         string
	tags          map[string]string
}

const groupColumns = `id, name, created_ms, retention_days, kms_key, class, tags`

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanGroup(sc interface{ Scan(...any) error }) (*group, error) {
	g := &group{}
	var tags string
	if err := sc.Scan(&g.id, &g.name, &g.createdMS, &g.retentionDays, &g.kmsKey, &g.class, &tags); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &g.tags); err != nil {
		return nil, fmt.Errorf("log group %s: tags: %w", g.name, err)
	}
	if g.tags == nil {
		g.tags = map[string]string{}
	}
	return g, nil
}

// loadGroup reads a group by name; a missing one is ResourceNotFound.
func loadGroup(ctx context.Context, q querier, name string) (*group, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM logs_groups WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errGroupNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("load log group: %w", err)
	}
	return g, nil
}

func saveTags(ctx context.Context, tx *sql.Tx, g *group) error {
	b, err := json.Marshal(g.tags)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE logs_groups SET tags = ? WHERE id = ?`, string(b), g.id); err != nil {
		return fmt.Errorf("save tags: %w", err)
	}
	return nil
}

// stream is a stored log stream.
type stream struct {
	id                                 int64
	groupID                            int64
	name                               string
	createdMS, firstMS, lastMS, ingest int64
	storedBytes, uploadSeq             int64
}

const streamColumns = `id, group_id, name, created_ms, first_event_ms, last_event_ms, last_ingest_ms, stored_bytes, upload_seq`

func scanStream(sc interface{ Scan(...any) error }) (*stream, error) {
	st := &stream{}
	err := sc.Scan(&st.id, &st.groupID, &st.name, &st.createdMS, &st.firstMS, &st.lastMS, &st.ingest, &st.storedBytes, &st.uploadSeq)
	return st, err
}

// loadStream reads a stream of a group; a missing one is ResourceNotFound.
func loadStream(ctx context.Context, q querier, groupID int64, name string) (*stream, error) {
	st, err := scanStream(q.QueryRowContext(ctx, `SELECT `+streamColumns+` FROM logs_streams WHERE group_id = ? AND name = ?`, groupID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errStreamNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("load log stream: %w", err)
	}
	return st, nil
}

// Group identifiers: a name or an ARN.

func (s *Service) groupARN(name string) string {
	return "arn:aws:logs:" + s.cfg.Region + ":" + s.cfg.Account + ":log-group:" + name
}

// groupNameOf returns the group a logGroupName or logGroupIdentifier
// names; exactly one must be set.
func (s *Service) groupNameOf(name, identifier string) (string, error) {
	switch {
	case name != "" && identifier != "":
		return "", errInvalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name != "":
		return name, nil
	case identifier == "":
		return "", errInvalid("Either LogGroup name or LogGroup ARN must be specified.")
	}
	if !strings.HasPrefix(identifier, "arn:") {
		return identifier, nil
	}
	n, ok := s.groupFromARN(identifier)
	if !ok {
		return "", errGroupNotFound()
	}
	return n, nil
}

// groupFromARN returns the group name of this account's and region's log
// group ARN (with or without the trailing ":*").
func (s *Service) groupFromARN(arn string) (string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:logs:"+s.cfg.Region+":"+s.cfg.Account+":log-group:")
	if !ok {
		return "", false
	}
	rest = strings.TrimSuffix(rest, ":*")
	if rest == "" || strings.Contains(rest, ":") {
		return "", false
	}
	return rest, true
}
