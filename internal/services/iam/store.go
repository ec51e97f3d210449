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

// scanner is what both *sql.Row and *sql.Rows offer.
type scanner interface{ Scan(dest ...any) error }

// scanAll runs the query stmt and returns its rows, each read by scan.
func scanAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), stmt string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
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

// scanString reads a row of one text column.
func scanString(sc scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

// countRows runs stmt, a SELECT count(*), and returns the count.
func countRows(ctx context.Context, q querier, stmt string, args ...any) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, stmt, args...).Scan(&n)
	return n, err
}

const roleColumns = `name, id, path, assume_doc, description, max_session, boundary, created_ms, tags`

func scanRole(sc scanner) (*role, error) {
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

func scanPolicy(sc scanner) (*policy, error) {
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
	n, err := countRows(ctx, q, `SELECT count(*) FROM iam_attachments WHERE arn = ?`, arn)
	if err != nil {
		return 0, fmt.Errorf("count attachments: %w", err)
	}
	return n, nil
}

// boundaryCount counts the roles using a policy as permissions boundary.
func boundaryCount(ctx context.Context, q querier, arn string) (int, error) {
	n, err := countRows(ctx, q, `SELECT count(*) FROM iam_roles WHERE boundary = ?`, arn)
	if err != nil {
		return 0, fmt.Errorf("count boundaries: %w", err)
	}
	return n, nil
}

// versionCount counts the versions of a customer managed policy.
func versionCount(ctx context.Context, q querier, arn string) (int, error) {
	n, err := countRows(ctx, q, `SELECT count(*) FROM iam_policy_versions WHERE arn = ?`, arn)
	if err != nil {
		return 0, fmt.Errorf("count policy versions: %w", err)
	}
	return n, nil
}

// deleteOne runs the DELETE stmt; notFound is the error when it deletes
// no row. what names the deletion in storage errors.
func deleteOne(ctx context.Context, tx *sql.Tx, what string, notFound error, stmt string, args ...any) error {
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound
	}
	return nil
}

// addVersion stores version v of a customer managed policy.
func addVersion(ctx context.Context, tx *sql.Tx, arn string, v int, doc string, created time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO iam_policy_versions (arn, version, doc, created_ms) VALUES (?, ?, ?, ?)`,
		arn, v, doc, created.UnixMilli())
	if err != nil {
		return fmt.Errorf("create policy version: %w", err)
	}
	return nil
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

// pageInput is the pagination members of list inputs: Marker, an opaque
// string from an earlier page, and MaxItems (0: the default).
type pageInput struct {
	Marker   string
	MaxItems int
}

// page returns the items after p.Marker, at most p.MaxItems of them, and
// the marker of the next page, "" at the end. keyOf gives each item's sort
// key; items must be sorted by it.
func page[T any](items []T, keyOf func(T) string, p pageInput) ([]T, string, error) {
	start := 0
	if p.Marker != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.Marker)
		if err != nil {
			return nil, "", awsproto.NewError("ValidationError", "Invalid value for Marker: pass the Marker of the previous response unchanged.")
		}
		key := string(raw)
		start = sort.Search(len(items), func(i int) bool { return strings.ToLower(keyOf(items[i])) >= strings.ToLower(key) })
	}
	maxItems := p.MaxItems
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

// pageInOrder is page for items kept in their own order (tags in the
// order set, policy versions newest first): the marker is a position.
func pageInOrder[T any](items []T, p pageInput) ([]T, string, error) {
	type indexed struct {
		i int
		v T
	}
	all := make([]indexed, len(items))
	for i, v := range items {
		all[i] = indexed{i, v}
	}
	got, next, err := page(all, func(x indexed) string { return fmt.Sprintf("%08d", x.i) }, p)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, len(got))
	for i, x := range got {
		out[i] = x.v
	}
	return out, next, nil
}

// listPage is the pagination members of list outputs.
type listPage struct {
	IsTruncated bool
	Marker      string `json:",omitempty"`
}

func pageOf(marker string) listPage { return listPage{IsTruncated: marker != "", Marker: marker} }
