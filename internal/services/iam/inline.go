package iam

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Inline role policies.

func (s *Service) putRolePolicy(ctx context.Context, input []byte) (any, error) {
	var in struct{ RoleName, PolicyName, PolicyDocument string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	if err := checkDocument(in.PolicyDocument, false); err != nil {
		return nil, err
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		r, err := loadRole(ctx, tx, in.RoleName)
		if err != nil {
			return err
		}
		// An existing policy keeps the name's original spelling.
		_, err = tx.ExecContext(ctx, `INSERT INTO iam_role_policies (role, name, doc) VALUES (?, ?, ?)
			ON CONFLICT (role, name) DO UPDATE SET doc = excluded.doc`, r.name, in.PolicyName, in.PolicyDocument)
		if err != nil {
			return fmt.Errorf("put role policy: %w", err)
		}
		return nil
	})
}

func (s *Service) getRolePolicy(ctx context.Context, input []byte) (any, error) {
	var in struct{ RoleName, PolicyName string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	db := s.comp.Read()
	r, err := loadRole(ctx, db, in.RoleName)
	if err != nil {
		return nil, err
	}
	var name, doc string
	err = db.QueryRowContext(ctx, `SELECT name, doc FROM iam_role_policies WHERE role = ? AND name = ?`, r.name, in.PolicyName).Scan(&name, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSuchRolePolicy(in.PolicyName)
	}
	if err != nil {
		return nil, fmt.Errorf("get role policy: %w", err)
	}
	return struct{ RoleName, PolicyName, PolicyDocument string }{r.name, name, encodeDocument(doc)}, nil
}

func (s *Service) deleteRolePolicy(ctx context.Context, input []byte) (any, error) {
	var in struct{ RoleName, PolicyName string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		if _, err := loadRole(ctx, tx, in.RoleName); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM iam_role_policies WHERE role = ? AND name = ?`, in.RoleName, in.PolicyName)
		if err != nil {
			return fmt.Errorf("delete role policy: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoSuchRolePolicy(in.PolicyName)
		}
		return nil
	})
}

func (s *Service) listRolePolicies(ctx context.Context, input []byte) (any, error) {
	var in struct {
		RoleName string
		Marker   string
		MaxItems int
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	db := s.comp.Read()
	if _, err := loadRole(ctx, db, in.RoleName); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM iam_role_policies WHERE role = ? ORDER BY name`, in.RoleName)
	if err != nil {
		return nil, fmt.Errorf("list role policies: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list role policies: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list role policies: %w", err)
	}
	items, next, err := page(names, func(n string) string { return n }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string
		listPage
	}{PolicyNames: append([]string{}, items...), listPage: pageOf(next)}, nil
}
