package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// migrations create the service's tables in the shared database. Append
// new steps; never edit a released one.
var migrations = []string{
	`CREATE TABLE lambda_functions (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
	CREATE TABLE lambda_versions (name TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (name, version));
	CREATE TABLE lambda_aliases (name TEXT NOT NULL, alias TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (name, alias));
	CREATE TABLE lambda_policies (name TEXT NOT NULL, qualifier TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (name, qualifier));
	CREATE TABLE lambda_mappings (uuid TEXT PRIMARY KEY, doc TEXT NOT NULL);
	CREATE TABLE lambda_async (id INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, not_before INTEGER NOT NULL);
	CREATE TABLE lambda_invocations (id INTEGER PRIMARY KEY AUTOINCREMENT, function TEXT NOT NULL, doc TEXT NOT NULL);
	CREATE INDEX lambda_invocations_function ON lambda_invocations (function, id);`,
}

// fnRow is what lambda_functions.doc holds.
type fnRow struct {
	Latest      *fnConfig         `json:"latest"`
	NextVersion int               `json:"nextVersion"`
	Tags        map[string]string `json:"tags,omitempty"`
	Reserved    *int              `json:"reserved,omitempty"`
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("lambda: marshal %T: %v", v, err)) // plain structs: cannot fail
	}
	return string(b)
}

// putFunction writes a function's row (not its versions, aliases or
// policies).
func putFunction(tx *sql.Tx, name string, f *function) error {
	row := fnRow{Latest: f.latest, NextVersion: f.nextVersion, Tags: f.tags, Reserved: f.reserved}
	_, err := tx.Exec(`INSERT INTO lambda_functions (name, doc) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`, name, mustJSON(row))
	return err
}

func putVersion(tx *sql.Tx, v *fnConfig) error {
	n, _ := strconv.Atoi(v.Version)
	_, err := tx.Exec(`INSERT INTO lambda_versions (name, version, doc) VALUES (?, ?, ?)
		ON CONFLICT (name, version) DO UPDATE SET doc = excluded.doc`, v.Name, n, mustJSON(v))
	return err
}

func putAlias(tx *sql.Tx, fn string, a *alias) error {
	_, err := tx.Exec(`INSERT INTO lambda_aliases (name, alias, doc) VALUES (?, ?, ?)
		ON CONFLICT (name, alias) DO UPDATE SET doc = excluded.doc`, fn, a.Name, mustJSON(a))
	return err
}

func putPolicy(tx *sql.Tx, fn, qualifier string, p *policy) error {
	if p == nil || len(p.Statements) == 0 {
		_, err := tx.Exec(`DELETE FROM lambda_policies WHERE name = ? AND qualifier = ?`, fn, qualifier)
		return err
	}
	_, err := tx.Exec(`INSERT INTO lambda_policies (name, qualifier, doc) VALUES (?, ?, ?)
		ON CONFLICT (name, qualifier) DO UPDATE SET doc = excluded.doc`, fn, qualifier, mustJSON(p))
	return err
}

// deleteFunctionRows removes a function and everything stored with it.
func deleteFunctionRows(tx *sql.Tx, name string) error {
	for _, q := range []string{
		`DELETE FROM lambda_functions WHERE name = ?`,
		`DELETE FROM lambda_versions WHERE name = ?`,
		`DELETE FROM lambda_aliases WHERE name = ?`,
		`DELETE FROM lambda_policies WHERE name = ?`,
		`DELETE FROM lambda_invocations WHERE function = ?`,
	} {
		if _, err := tx.Exec(q, name); err != nil {
			return err
		}
	}
	return nil
}

// load reads every function and mapping into memory.
func (s *Service) load(ctx context.Context) error {
	db := s.comp.Read()
	rows, err := db.QueryContext(ctx, `SELECT name, doc FROM lambda_functions`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name, doc string
		if err := rows.Scan(&name, &doc); err != nil {
			return err
		}
		var row fnRow
		if err := json.Unmarshal([]byte(doc), &row); err != nil {
			return fmt.Errorf("function %s: %w", name, err)
		}
		s.fns[name] = &function{latest: row.Latest, nextVersion: row.NextVersion, tags: row.Tags, reserved: row.Reserved,
			aliases: map[string]*alias{}, policies: map[string]*policy{}}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := eachRow(ctx, db, `SELECT name, doc FROM lambda_versions ORDER BY name, version`, func(name, doc string) error {
		var v fnConfig
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return err
		}
		if f := s.fns[name]; f != nil {
			f.versions = append(f.versions, &v)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := eachRow(ctx, db, `SELECT name, doc FROM lambda_aliases`, func(name, doc string) error {
		var a alias
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return err
		}
		if f := s.fns[name]; f != nil {
			f.aliases[a.Name] = &a
		}
		return nil
	}); err != nil {
		return err
	}
	if err := eachRow(ctx, db, `SELECT name, qualifier || char(0) || doc FROM lambda_policies`, func(name, qdoc string) error {
		q, doc, _ := cutNUL(qdoc)
		var p policy
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return err
		}
		if f := s.fns[name]; f != nil {
			f.policies[q] = &p
		}
		return nil
	}); err != nil {
		return err
	}
	if err := eachRow(ctx, db, `SELECT uuid, doc FROM lambda_mappings`, func(id, doc string) error {
		var m mapping
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			return err
		}
		s.mappings[id] = &m
		return nil
	}); err != nil {
		return err
	}
	return s.logs.load(ctx, db, s.fns)
}

func cutNUL(s string) (before, after string, ok bool) {
	for i := range len(s) {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func eachRow(ctx context.Context, db *sql.DB, query string, fn func(a, b string) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		if err := fn(a, b); err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	}
	return rows.Err()
}

// sortedNames returns the functions' names in order.
func (s *Service) sortedNames() []string {
	names := make([]string, 0, len(s.fns))
	for n := range s.fns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
