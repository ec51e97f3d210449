package iam

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto/query"
)

// Roles.

const (
	defaultMaxSession = 3600
	maxTags           = 50
)

// roleOut is the Role shape.
type roleOut struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               query.Timestamp
	AssumeRolePolicyDocument string       `json:",omitempty"`
	Description              string       `json:",omitempty"`
	MaxSessionDuration       int          `json:",omitempty"`
	PermissionsBoundary      *boundaryOut `json:",omitempty"`
	Tags                     []tag        `json:",omitempty"`
	RoleLastUsed             *struct{}    `json:",omitempty"`
}

type boundaryOut struct {
	PermissionsBoundaryType string
	PermissionsBoundaryArn  string
}

func (s *Service) roleARN(path, name string) string {
	return "arn:aws:iam::" + s.cfg.Account + ":role" + path + name
}

// roleView renders r as GetRole does; list is true for ListRoles, which
// leaves out tags, the permissions boundary and RoleLastUsed.
func (s *Service) roleView(r *role, list bool) roleOut {
	out := roleOut{
		Path:                     r.path,
		RoleName:                 r.name,
		RoleId:                   r.id,
		Arn:                      s.roleARN(r.path, r.name),
		CreateDate:               query.Timestamp(r.created),
		AssumeRolePolicyDocument: encodeDocument(r.assumeDoc),
		Description:              r.description,
		MaxSessionDuration:       r.maxSession,
	}
	if !list {
		if r.boundary != "" {
			out.PermissionsBoundary = &boundaryOut{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: r.boundary}
		}
		if len(r.tags) > 0 {
			out.Tags = r.tags
		}
		out.RoleLastUsed = &struct{}{}
	}
	return out
}

type roleResult struct {
	Role roleOut
}

// createRoleInput is the input of CreateRole.
type createRoleInput struct {
	Path                     string
	RoleName                 string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int
	PermissionsBoundary      string
	Tags                     []tag
}

func (s *Service) createRole(ctx context.Context, in createRoleInput) (any, error) {
	if in.Path == "" {
		in.Path = "/"
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = defaultMaxSession
	}
	if err := checkDocument(in.AssumeRolePolicyDocument, true); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	r := &role{
		name: in.RoleName, id: newID("AROA"), path: in.Path, assumeDoc: in.AssumeRolePolicyDocument,
		description: in.Description, maxSession: in.MaxSessionDuration, boundary: in.PermissionsBoundary,
		created: s.cfg.Now().UTC().Truncate(1e9), tags: tags,
	}
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		if _, err := loadRole(ctx, tx, in.RoleName); err == nil {
			return newErr(CodeEntityAlreadyExists, "Role with name "+in.RoleName+" already exists.")
		} else if !isNoSuchEntity(err) {
			return err
		}
		if r.boundary != "" {
			if err := s.checkPolicyExists(ctx, tx, r.boundary); err != nil {
				return err
			}
		}
		return saveRole(ctx, tx, r)
	})
	if err != nil {
		return nil, err
	}
	out := s.roleView(r, false)
	out.RoleLastUsed = nil
	return roleResult{Role: out}, nil
}

func (s *Service) getRole(ctx context.Context, in struct{ RoleName string }) (any, error) {
	r, err := loadRole(ctx, s.comp.Read(), in.RoleName)
	if err != nil {
		return nil, err
	}
	return roleResult{Role: s.roleView(r, false)}, nil
}

func (s *Service) deleteRole(ctx context.Context, in struct{ RoleName string }) (any, error) {
	return nil, s.writeRole(ctx, in.RoleName, func(tx *sql.Tx, _ *role) error {
		n, err := countRows(ctx, tx, `SELECT count(*) FROM iam_attachments WHERE role = ?`, in.RoleName)
		if err != nil {
			return fmt.Errorf("count attachments: %w", err)
		}
		if n > 0 {
			return newErr(CodeDeleteConflict, "Cannot delete entity, must detach all policies first.")
		}
		if n, err = countRows(ctx, tx, `SELECT count(*) FROM iam_role_policies WHERE role = ?`, in.RoleName); err != nil {
			return fmt.Errorf("count role policies: %w", err)
		}
		if n > 0 {
			return newErr(CodeDeleteConflict, "Cannot delete entity, must delete policies first.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM iam_roles WHERE name = ?`, in.RoleName); err != nil {
			return fmt.Errorf("delete role: %w", err)
		}
		return nil
	})
}

// allRoles reads every role, sorted by name without regard to case.
func (s *Service) allRoles(ctx context.Context) ([]*role, error) {
	out, err := scanAll(ctx, s.comp.Read(), scanRole, `SELECT `+roleColumns+` FROM iam_roles`)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].name) < strings.ToLower(out[j].name) })
	return out, nil
}

// listRolesInput is the input of ListRoles.
type listRolesInput struct {
	PathPrefix string
	pageInput
}

func (s *Service) listRoles(ctx context.Context, in listRolesInput) (any, error) {
	all, err := s.allRoles(ctx)
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(r *role) bool { return !strings.HasPrefix(r.path, in.PathPrefix) })
	items, next, err := page(all, func(r *role) string { return r.name }, in.pageInput)
	if err != nil {
		return nil, err
	}
	out := struct {
		Roles []roleOut
		listPage
	}{Roles: make([]roleOut, 0, len(items)), listPage: pageOf(next)}
	for _, r := range items {
		out.Roles = append(out.Roles, s.roleView(r, true))
	}
	return out, nil
}

// writeRole loads a role in a write transaction and runs fn on it.
func (s *Service) writeRole(ctx context.Context, name string, fn func(tx *sql.Tx, r *role) error) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		r, err := loadRole(ctx, tx, name)
		if err != nil {
			return err
		}
		return fn(tx, r)
	})
}

// updateRoleWith is writeRole for changes to the role itself: it saves
// the role fn changed and returns it.
func (s *Service) updateRoleWith(ctx context.Context, name string, fn func(tx *sql.Tx, r *role) error) (*role, error) {
	var out *role
	err := s.writeRole(ctx, name, func(tx *sql.Tx, r *role) error {
		if err := fn(tx, r); err != nil {
			return err
		}
		out = r
		return saveRole(ctx, tx, r)
	})
	return out, err
}

// updateRoleInput is the input of UpdateRole.
type updateRoleInput struct {
	RoleName           string
	Description        *string
	MaxSessionDuration int
}

func (s *Service) updateRole(ctx context.Context, in updateRoleInput) (any, error) {
	_, err := s.updateRoleWith(ctx, in.RoleName, func(_ *sql.Tx, r *role) error {
		if in.Description != nil {
			r.description = *in.Description
		}
		if in.MaxSessionDuration != 0 {
			r.maxSession = in.MaxSessionDuration
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) updateRoleDescription(ctx context.Context, in struct{ RoleName, Description string }) (any, error) {
	r, err := s.updateRoleWith(ctx, in.RoleName, func(_ *sql.Tx, r *role) error {
		r.description = in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	return roleResult{Role: s.roleView(r, false)}, nil
}

func (s *Service) updateAssumeRolePolicy(ctx context.Context, in struct{ RoleName, PolicyDocument string }) (any, error) {
	if err := checkDocument(in.PolicyDocument, true); err != nil {
		return nil, err
	}
	_, err := s.updateRoleWith(ctx, in.RoleName, func(_ *sql.Tx, r *role) error {
		r.assumeDoc = in.PolicyDocument
		return nil
	})
	return nil, err
}

func (s *Service) putRolePermissionsBoundary(ctx context.Context, in struct{ RoleName, PermissionsBoundary string }) (any, error) {
	_, err := s.updateRoleWith(ctx, in.RoleName, func(tx *sql.Tx, r *role) error {
		if err := s.checkPolicyExists(ctx, tx, in.PermissionsBoundary); err != nil {
			return err
		}
		r.boundary = in.PermissionsBoundary
		return nil
	})
	return nil, err
}

func (s *Service) deleteRolePermissionsBoundary(ctx context.Context, in struct{ RoleName string }) (any, error) {
	_, err := s.updateRoleWith(ctx, in.RoleName, func(_ *sql.Tx, r *role) error {
		r.boundary = ""
		return nil
	})
	return nil, err
}

// tagRoleInput is the input of TagRole.
type tagRoleInput struct {
	RoleName string
	Tags     []tag
}

func (s *Service) tagRole(ctx context.Context, in tagRoleInput) (any, error) {
	_, err := s.updateRoleWith(ctx, in.RoleName, func(_ *sql.Tx, r *role) error {
		tags, err := mergeTags(r.tags, in.Tags)
		r.tags = tags
		return err
	})
	return nil, err
}

// untagRoleInput is the input of UntagRole.
type untagRoleInput struct {
	RoleName string
	TagKeys  []string
}

func (s *Service) untagRole(ctx context.Context, in untagRoleInput) (any, error) {
	_, err := s.updateRoleWith(ctx, in.RoleName, func(_ *sql.Tx, r *role) error {
		r.tags = removeTags(r.tags, in.TagKeys)
		return nil
	})
	return nil, err
}

type tagsResult struct {
	Tags []tag
	listPage
}

// listRoleTagsInput is the input of ListRoleTags.
type listRoleTagsInput struct {
	RoleName string
	pageInput
}

func (s *Service) listRoleTags(ctx context.Context, in listRoleTagsInput) (any, error) {
	r, err := loadRole(ctx, s.comp.Read(), in.RoleName)
	if err != nil {
		return nil, err
	}
	return tagPage(r.tags, in.pageInput)
}

// tagPage pages through tags in the order they were set.
func tagPage(tags []tag, p pageInput) (any, error) {
	items, next, err := pageInOrder(tags, p)
	if err != nil {
		return nil, err
	}
	return tagsResult{Tags: items, listPage: pageOf(next)}, nil
}

func (s *Service) listInstanceProfilesForRole(ctx context.Context, in struct{ RoleName string }) (any, error) {
	if _, err := loadRole(ctx, s.comp.Read(), in.RoleName); err != nil {
		return nil, err
	}
	return struct {
		InstanceProfiles []struct{}
		listPage
	}{InstanceProfiles: []struct{}{}}, nil
}

// mergeTags returns have with add applied: a key already there (compared
// without regard to case, as IAM does) takes the new value.
func mergeTags(have, add []tag) ([]tag, error) {
	seen := map[string]bool{}
	for _, t := range add {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return nil, newErr(CodeInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	out := append([]tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, newErr(CodeLimitExceeded, fmt.Sprintf("The number of tags has reached the maximum limit of %d. Remove tags before adding new ones.", maxTags))
	}
	return out, nil
}

// removeTags returns tags without the given keys.
func removeTags(tags []tag, keys []string) []tag {
	out := make([]tag, 0, len(tags))
	for _, t := range tags {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

func isNoSuchEntity(err error) bool {
	return errors.Is(err, newErr(CodeNoSuchEntity, ""))
}

// RoleID returns the RoleId of the role a role ARN
// (arn:aws:iam::<account>:role/<path><name>) names, and false when this
// account has no such role. It fits sts.Config.RoleID, so AssumeRole
// refuses unknown roles as AWS does.
func (s *Service) RoleID(ctx context.Context, roleARN string) (string, bool) {
	prefix := "arn:aws:iam::" + s.cfg.Account + ":role/"
	rest, ok := strings.CutPrefix(roleARN, prefix)
	if !ok || rest == "" {
		return "", false
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	r, err := loadRole(ctx, s.comp.Read(), name)
	if err != nil || s.roleARN(r.path, r.name) != roleARN {
		return "", false
	}
	return r.id, true
}
