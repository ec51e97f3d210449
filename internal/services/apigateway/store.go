package apigateway

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// migrations create the service's tables. Append new steps; never edit a
// released one.
var migrations = []string{
	`CREATE TABLE apigateway_resources (
		seq    INTEGER PRIMARY KEY,  -- creation order (list order)
		api_id TEXT NOT NULL,
		kind   TEXT NOT NULL,        -- api, integration, route, stage, authorizer, deployment
		id     TEXT NOT NULL,        -- the resource id (stage name for stages, api id for apis)
		doc    TEXT NOT NULL,        -- the Get* response document (JSON, wire names)
		UNIQUE (api_id, kind, id)
	)`,
}

// load reads every stored resource.
func load(ctx context.Context, comp interface {
	Read() *sql.DB
}) (map[string]*apiState, error) {
	rows, err := comp.Read().QueryContext(ctx, `SELECT seq, api_id, kind, id, doc FROM apigateway_resources ORDER BY kind = 'api' DESC, seq`)
	if err != nil {
		return nil, fmt.Errorf("load apis: %w", err)
	}
	defer rows.Close()
	apis := map[string]*apiState{}
	for rows.Next() {
		var seq int64
		var apiID, kind, id, doc string
		if err := rows.Scan(&seq, &apiID, &kind, &id, &doc); err != nil {
			return nil, fmt.Errorf("load apis: %w", err)
		}
		if kind == kindAPI {
			d := &apiDoc{}
			if err := json.Unmarshal([]byte(doc), d); err != nil {
				return nil, fmt.Errorf("load api %s: %w", id, err)
			}
			if d.Tags == nil {
				d.Tags = map[string]string{}
			}
			apis[id] = newAPIState(seq, d)
			continue
		}
		a := apis[apiID]
		if a == nil {
			continue // an orphan (cannot happen: deletes remove whole APIs)
		}
		if err := a.put(kind, id, seq, []byte(doc)); err != nil {
			return nil, fmt.Errorf("load %s %s/%s: %w", kind, apiID, id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load apis: %w", err)
	}
	return apis, nil
}

// put decodes a stored child document into a.
func (a *apiState) put(kind, id string, seq int64, doc []byte) error {
	switch kind {
	case kindIntegration:
		return putEntry(a.integrations, id, seq, doc)
	case kindRoute:
		return putEntry(a.routes, id, seq, doc)
	case kindStage:
		return putEntry(a.stages, id, seq, doc)
	case kindAuthorizer:
		return putEntry(a.authorizers, id, seq, doc)
	case kindDeployment:
		return putEntry(a.deployments, id, seq, doc)
	}
	return fmt.Errorf("unknown kind %q", kind)
}

func putEntry[T any](m map[string]entry[T], id string, seq int64, doc []byte) error {
	var d T
	if err := json.Unmarshal(doc, &d); err != nil {
		return err
	}
	m[id] = entry[T]{seq: seq, doc: &d}
	return nil
}

// write is one change to store.
type write struct {
	apiID, kind, id string
	doc             any  // nil deletes
	deleteAPI       bool // delete every row of the API
}

// commit writes changes in one transaction and returns the seq of each
// written row (0 for deletes).
func (s *Service) commit(ctx context.Context, changes ...write) ([]int64, error) {
	seqs := make([]int64, len(changes))
	docs := make([][]byte, len(changes))
	for i, c := range changes {
		if c.doc != nil {
			b, err := json.Marshal(c.doc)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", c.kind, err)
			}
			docs[i] = b
		}
	}
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		for i, c := range changes {
			switch {
			case c.deleteAPI:
				if _, err := tx.ExecContext(ctx, `DELETE FROM apigateway_resources WHERE api_id = ?`, c.apiID); err != nil {
					return err
				}
			case c.doc == nil:
				if _, err := tx.ExecContext(ctx, `DELETE FROM apigateway_resources WHERE api_id = ? AND kind = ? AND id = ?`, c.apiID, c.kind, c.id); err != nil {
					return err
				}
			default:
				err := tx.QueryRowContext(ctx, `INSERT INTO apigateway_resources (api_id, kind, id, doc) VALUES (?, ?, ?, ?)
					ON CONFLICT (api_id, kind, id) DO UPDATE SET doc = excluded.doc RETURNING seq`,
					c.apiID, c.kind, c.id, string(docs[i])).Scan(&seqs[i])
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store api gateway change: %w", err)
	}
	return seqs, nil
}
