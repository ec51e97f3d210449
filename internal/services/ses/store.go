package ses

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// migrations create the service's tables; append, never edit.
var migrations = []string{
	`CREATE TABLE ses_identities (
		name     TEXT PRIMARY KEY,      -- lower-cased identity, the lookup key
		identity TEXT NOT NULL,         -- as created
		type     TEXT NOT NULL,         -- EMAIL_ADDRESS or DOMAIN
		token    TEXT NOT NULL DEFAULT '', -- domain verification token
		dkim     TEXT NOT NULL DEFAULT '[]', -- JSON list of DKIM tokens
		tags     TEXT NOT NULL DEFAULT '[]', -- JSON [{"Key","Value"}]
		created  INTEGER NOT NULL,      -- unix milliseconds
		seq      INTEGER NOT NULL       -- creation order
	);
	CREATE TABLE ses_messages (
		seq          INTEGER PRIMARY KEY AUTOINCREMENT,
		message_id   TEXT NOT NULL UNIQUE,
		api          TEXT NOT NULL,      -- SendEmail, SendRawEmail, v2 SendEmail
		source       TEXT NOT NULL,      -- envelope sender
		recipients   TEXT NOT NULL,      -- JSON list: envelope recipients as given
		rcpt_index   TEXT NOT NULL,      -- JSON list: lower-cased bare recipient addresses
		from_header  TEXT NOT NULL,
		to_list      TEXT NOT NULL,      -- JSON lists of the header addresses
		cc_list      TEXT NOT NULL,
		bcc_list     TEXT NOT NULL,
		subject      TEXT NOT NULL,
		created      INTEGER NOT NULL,   -- unix milliseconds
		raw          BLOB NOT NULL,      -- the MIME message
		status       TEXT NOT NULL,      -- see the Delivery* constants
		attempts     INTEGER NOT NULL DEFAULT 0,
		next_attempt INTEGER NOT NULL DEFAULT 0,
		last_attempt INTEGER NOT NULL DEFAULT 0,
		delivered    INTEGER NOT NULL DEFAULT 0,
		last_error   TEXT NOT NULL DEFAULT '',
		relay        TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX ses_messages_due ON ses_messages (status, next_attempt);
	CREATE INDEX ses_messages_created ON ses_messages (created);`,
}

// Identity types, as SES v2 names them (v1 says EmailAddress and Domain).
const (
	typeEmail  = "EMAIL_ADDRESS"
	typeDomain = "DOMAIN"
)

// tag is one resource tag.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// identity is one verified e-mail address or domain.
type identity struct {
	name    string // as created
	typ     string
	token   string // domain verification token (v1 VerifyDomainIdentity)
	dkim    []string
	tags    []tag
	created time.Time
	seq     int64
}

// loadIdentities fills the in-memory identity table.
func (s *Service) loadIdentities(ctx context.Context) error {
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT identity, type, token, dkim, tags, created, seq FROM ses_identities`)
	if err != nil {
		return fmt.Errorf("load identities: %w", err)
	}
	defer rows.Close()
	ids := map[string]*identity{}
	for rows.Next() {
		var (
			id         identity
			dkim, tags string
			created    int64
		)
		if err := rows.Scan(&id.name, &id.typ, &id.token, &dkim, &tags, &created, &id.seq); err != nil {
			return fmt.Errorf("load identities: %w", err)
		}
		_ = json.Unmarshal([]byte(dkim), &id.dkim)
		_ = json.Unmarshal([]byte(tags), &id.tags)
		id.created = time.UnixMilli(created).UTC()
		ids[identityKey(id.name)] = &id
		s.lastSeq = max(s.lastSeq, id.seq)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load identities: %w", err)
	}
	s.ids = ids
	return nil
}

// identityKey is the lookup key of an identity: addresses and domains are
// compared without regard to case.
func identityKey(name string) string { return strings.ToLower(name) }

// lookup returns the identity called name, or nil. Callers hold s.mu.
func (s *Service) lookup(name string) *identity { return s.ids[identityKey(name)] }

// sortedIdentities returns the identities in creation order, optionally of
// one type. Callers hold s.mu.
func (s *Service) sortedIdentities(typ string) []*identity {
	out := make([]*identity, 0, len(s.ids))
	for _, id := range s.ids {
		if typ == "" || id.typ == typ {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// putIdentity creates or replaces an identity in the database and then in
// memory. Callers hold s.mu for writing.
func (s *Service) putIdentity(ctx context.Context, id *identity) error {
	if id.seq == 0 {
		s.lastSeq++
		id.seq = s.lastSeq
	}
	dkim, _ := json.Marshal(nonNil(id.dkim))
	tags, _ := json.Marshal(nonNilTags(id.tags))
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ses_identities (name, identity, type, token, dkim, tags, created, seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET identity = excluded.identity, type = excluded.type,
				token = excluded.token, dkim = excluded.dkim, tags = excluded.tags`,
			identityKey(id.name), id.name, id.typ, id.token, string(dkim), string(tags), id.created.UnixMilli(), id.seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("store identity: %w", err)
	}
	s.ids[identityKey(id.name)] = id
	return nil
}

// deleteIdentity removes an identity. Callers hold s.mu for writing.
func (s *Service) deleteIdentity(ctx context.Context, name string) error {
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM ses_identities WHERE name = ?`, identityKey(name))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete identity: %w", err)
	}
	delete(s.ids, identityKey(name))
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilTags(s []tag) []tag {
	if s == nil {
		return []tag{}
	}
	return s
}
