package iam

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// migrations create the service's tables. Append new steps; never edit a
// released one. Names compare without regard to case, as IAM's do.
var migrations = []string{
	`CREATE TABLE iam_roles (
		name        TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
		id          TEXT NOT NULL,
		path        TEXT NOT NULL,
		assume_doc  TEXT NOT NULL,     -- the trust policy as written
		description TEXT NOT NULL,     -- '' when unset
		max_session INTEGER NOT NULL,  -- seconds
		boundary    TEXT NOT NULL,     -- permissions boundary policy ARN, '' when unset
		created_ms  INTEGER NOT NULL,
		tags        TEXT NOT NULL      -- JSON [{"Key","Value"}], in the order set
	) WITHOUT ROWID;
	CREATE TABLE iam_role_policies (
		role TEXT NOT NULL COLLATE NOCASE REFERENCES iam_roles (name) ON DELETE CASCADE,
		name TEXT NOT NULL COLLATE NOCASE,
		doc  TEXT NOT NULL,
		PRIMARY KEY (role, name)
	) WITHOUT ROWID;
	CREATE TABLE iam_policies (
		arn             TEXT NOT NULL PRIMARY KEY,
		name            TEXT NOT NULL COLLATE NOCASE UNIQUE,
		id              TEXT NOT NULL,
		path            TEXT NOT NULL,
		description     TEXT NOT NULL,
		default_version INTEGER NOT NULL,
		next_version    INTEGER NOT NULL,
		created_ms      INTEGER NOT NULL,
		updated_ms      INTEGER NOT NULL,
		tags            TEXT NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE iam_policy_versions (
		arn        TEXT NOT NULL REFERENCES iam_policies (arn) ON DELETE CASCADE,
		version    INTEGER NOT NULL,
		doc        TEXT NOT NULL,
		created_ms INTEGER NOT NULL,
		PRIMARY KEY (arn, version)
	) WITHOUT ROWID;
	CREATE TABLE iam_attachments (
		seq  INTEGER PRIMARY KEY AUTOINCREMENT,
		role TEXT NOT NULL COLLATE NOCASE REFERENCES iam_roles (name) ON DELETE CASCADE,
		arn  TEXT NOT NULL,
		UNIQUE (role, arn)
	);
	CREATE INDEX iam_attachments_arn ON iam_attachments (arn)`,
}

// tag is an IAM tag.
type tag struct {
	Key   string
	Value string
}

// role is a stored role.
type role struct {
	name, id, path, assumeDoc, description, boundary string
	maxSession                                       int
	created                                          time.Time
	tags                                             []tag
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const roleColumns = `name, id, path, assume_doc, description, max_session, boundary, created_ms, tags`

func scanRole(sc interface{ Scan(...any) error }) (*role, error) {
	r := &role{}
	var created int64
	var tags string
	if err := sc.Scan(&r.name, &r.id, &r.path, &r.assumeDoc, &r.description, &r.maxSession, &r.boundary, &created, &tags); err != nil {
		return nil, err
	}
	r.created = time.UnixMilli(created).UTC()
	if err := json.Unmarshal([]byte(tags), &r.tags); err != nil {
		return nil, fmt.Errorf("role %s: tags: %w", r.name, err)
	}
	return r, nil
}

// loadRole reads a role; a missing one is NoSuchEntity.
func loadRole(ctx context.Context, q querier, name string) (*role, error) {
	r, err := scanRole(q.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM iam_roles WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSuchRole(name)
	}
	if err != nil {
		return nil, fmt.Errorf("load role: %w", err)
	}
	return r, nil
}

// saveRole writes every column of r (insert or replace).
func saveRole(ctx context.Context, tx *sql.Tx, r *role) error {
	tags, err := json.Marshal(nonNilTags(r.tags))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO iam_roles (`+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET assume_doc = excluded.assume_doc, description = excluded.description,
			max_session = excluded.max_session, boundary = excluded.boundary, tags = excluded.tags`,
		r.name, r.id, r.path, r.assumeDoc, r.description, r.maxSession, r.boundary, r.created.UnixMilli(), string(tags))
	if err != nil {
		return fmt.Errorf("save role: %w", err)
	}
	return nil
}

func nonNilTags(t []tag) []tag {
	if t == nil {
		return []tag{}
	}
	return t
}

// policy is a stored customer managed policy.
type policy struct {
	arn, name, id, path, description string
	defaultVersion, nextVersion      int
	created, updated                 time.Time
	tags                             []tag
}

const policyColumns = `arn, name, id, path, description, default_version, next_version, created_ms, updated_ms, tags`

func scanPolicy(sc interface{ Scan(...any) error }) (*policy, error) {
	p := &policy{}
	var created, updated int64
	var tags string
	if err := sc.Scan(&p.arn, &p.name, &p.id, &p.path, &p.description, &p.defaultVersion, &p.nextVersion, &created, &updated, &tags); err != nil {
		return nil, err
	}
	p.created, p.updated = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if err := json.Unmarshal([]byte(tags), &p.tags); err != nil {
		return nil, fmt.Errorf("policy %s: tags: %w", p.arn, err)
	}
	return p, nil
}

// loadPolicy reads a customer managed policy; a missing one is
// NoSuchEntity.
func loadPolicy(ctx context.Context, q querier, arn string) (*policy, error) {
	p, err := scanPolicy(q.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM iam_policies WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSuchPolicy(arn)
	}
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	return p, nil
}

func savePolicy(ctx context.Context, tx *sql.Tx, p *policy) error {
	tags, err := json.Marshal(nonNilTags(p.tags))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO iam_policies (`+policyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (arn) DO UPDATE SET description = excluded.description, default_version = excluded.default_version,
			next_version = excluded.next_version, updated_ms = excluded.updated_ms, tags = excluded.tags`,
		p.arn, p.name, p.id, p.path, p.description, p.defaultVersion, p.nextVersion, p.created.UnixMilli(), p.updated.UnixMilli(), string(tags))
	if err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	return nil
}

// attachmentCount counts the roles a policy is attached to.
func attachmentCount(ctx context.Context, q querier, arn string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM iam_attachments WHERE arn = ?`, arn).Scan(&n); err != nil {
		return 0, fmt.Errorf("count attachments: %w", err)
	}
	return n, nil
}

// boundaryCount counts the roles using a policy as permissions boundary.
func boundaryCount(ctx context.Context, q querier, arn string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM iam_roles WHERE boundary = ?`, arn).Scan(&n); err != nil {
		return 0, fmt.Errorf("count boundaries: %w", err)
	}
	return n, nil
}

// newID returns a unique ID as IAM makes them: a four-letter prefix naming
// the kind (AROA role, ANPA policy, AIDA user) and 17 characters of the
// base32 alphabet, 21 characters in all.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [17]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return prefix + string(b[:])
}

// Pagination.

const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

// page returns the items after marker (an opaque string from an earlier
// page), at most maxItems of them (0: the default), and the marker of the
// next page, "" at the end. keyOf gives each item's sort key; items must be
// sorted by it.
func page[T any](items []T, keyOf func(T) string, marker string, maxItems int) ([]T, string, error) {
	start := 0
	if marker != "" {
		raw, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil {
			return nil, "", awsproto.NewError("ValidationError", "Invalid value for Marker: pass the Marker of the previous response unchanged.")
		}
		key := string(raw)
		start = sort.Search(len(items), func(i int) bool { return strings.ToLower(keyOf(items[i])) >= strings.ToLower(key) })
	}
	if maxItems <= 0 {
		maxItems = defaultMaxItems
	}
	if maxItems > maxMaxItems {
		maxItems = maxMaxItems
	}
	items = items[start:]
	if len(items) <= maxItems {
		return items, "", nil
	}
	return items[:maxItems], base64.RawURLEncoding.EncodeToString([]byte(keyOf(items[maxItems]))), nil
}

// listPage is the pagination members of list outputs.
type listPage struct {
	IsTruncated bool
	Marker      string `json:",omitempty"`
}

func pageOf(marker string) listPage { return listPage{IsTruncated: marker != "", Marker: marker} }
