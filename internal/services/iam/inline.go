package iam

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Inline role policies.

func (s *Service) putRolePolicy(ctx context.Context, in struct{ RoleName, PolicyName, PolicyDocument string }) (any, error) {
	if err := checkDocument(in.PolicyDocument, false); err != nil {
		return nil, err
	}
	return nil, s.writeRole(ctx, in.RoleName, func(tx *sql.Tx, r *role) error {
		// An existing policy keeps the name's original spelling.
		_, err := tx.ExecContext(ctx, `INSERT INTO iam_role_policies (role, name, doc) VALUES (?, ?, ?)
			ON CONFLICT (role, name) DO UPDATE SET doc = excluded.doc`, r.name, in.PolicyName, in.PolicyDocument)
		if err != nil {
			return fmt.Errorf("put role policy: %w", err)
		}
		return nil
	})
}

func (s *Service) getRolePolicy(ctx context.Context, in struct{ RoleName, PolicyName string }) (any, error) {
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

func (s *Service) deleteRolePolicy(ctx context.Context, in struct{ RoleName, PolicyName string }) (any, error) {
	return nil, s.writeRole(ctx, in.RoleName, func(tx *sql.Tx, _ *role) error {
		return deleteOne(ctx, tx, "delete role policy", errNoSuchRolePolicy(in.PolicyName),
			`DELETE FROM iam_role_policies WHERE role = ? AND name = ?`, in.RoleName, in.PolicyName)
	})
}

// listRolePoliciesInput is the input of ListRolePolicies.
type listRolePoliciesInput struct {
	RoleName string
	pageInput
}

func (s *Service) listRolePolicies(ctx context.Context, in listRolePoliciesInput) (any, error) {
	db := s.comp.Read()
	if _, err := loadRole(ctx, db, in.RoleName); err != nil {
		return nil, err
	}
	names, err := scanAll(ctx, db, scanString, `SELECT name FROM iam_role_policies WHERE role = ? ORDER BY name`, in.RoleName)
	if err != nil {
		return nil, fmt.Errorf("list role policies: %w", err)
	}
	items, next, err := page(names, func(n string) string { return n }, in.pageInput)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string
		listPage
	}{PolicyNames: append([]string{}, items...), listPage: pageOf(next)}, nil
}
