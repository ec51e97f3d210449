package iam

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto/query"
)

// Managed policies and their attachments to roles.

const (
	maxPolicyVersions      = 5
	maxAttachedPerRole     = 10
	awsManagedAccount      = "aws"
	defaultPolicyVersionID = "v1"
)

// awsManagedCreated is the CreateDate of AWS managed policies.
var awsManagedCreated = time.Date(2015, 2, 6, 18, 40, 0, 0, time.UTC)

// awsManagedDocuments are the documents of the AWS managed policies
// Stepflow knows; any other AWS managed policy reads as allowing nothing.
var awsManagedDocuments = map[string]string{
	"AWSLambdaBasicExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
	"AWSLambdaRole":               `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["*"]}]}`,
	"AdministratorAccess":         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
}

const emptyDocument = `{"Version":"2012-10-17","Statement":[]}`

// policyARN is a parsed policy ARN:
// arn:<partition>:iam::<account>:policy<path><name>.
type policyARN struct {
	raw, account, path, name string
}

// parsePolicyARN parses s, or returns IAM's InvalidInput error.
func parsePolicyARN(s string) (policyARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
		return policyARN{}, errInvalidARN(s)
	}
	res, ok := strings.CutPrefix(parts[5], "policy/")
	if !ok || res == "" || strings.HasSuffix(res, "/") {
		return policyARN{}, errInvalidARN(s)
	}
	a := policyARN{raw: s, account: parts[4], path: "/"}
	if i := strings.LastIndexByte(res, '/'); i >= 0 {
		a.path, a.name = "/"+res[:i+1], res[i+1:]
	} else {
		a.name = res
	}
	return a, nil
}

func (a policyARN) awsManaged() bool { return a.account == awsManagedAccount }

func (s *Service) policyARN(path, name string) string {
	return "arn:aws:iam::" + s.cfg.Account + ":policy" + path + name
}

// findPolicy returns the policy an ARN names: an AWS managed one (which
// always exists) as if stored, else the stored customer managed one, or
// IAM's error.
func findPolicy(ctx context.Context, q querier, arn string) (*policy, policyARN, error) {
	a, err := parsePolicyARN(arn)
	if err != nil {
		return nil, a, err
	}
	if a.awsManaged() {
		return awsManagedPolicy(a), a, nil
	}
	p, err := loadPolicy(ctx, q, arn)
	return p, a, err
}

// checkPolicyExists returns nil for an AWS managed policy or an existing
// customer managed one, else IAM's error.
func (s *Service) checkPolicyExists(ctx context.Context, q querier, arn string) error {
	_, _, err := findPolicy(ctx, q, arn)
	return err
}

// awsManagedPolicy is the AWS managed policy a names, as if stored: one
// version, an ID derived from its ARN, no description and no tags.
func awsManagedPolicy(a policyARN) *policy {
	return &policy{
		arn: a.raw, name: a.name, id: stableID("ANPA", a.raw), path: a.path,
		defaultVersion: 1, nextVersion: 2, created: awsManagedCreated, updated: awsManagedCreated,
	}
}

// policyOut is the Policy shape.
type policyOut struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `json:",omitempty"`
	CreateDate                    query.Timestamp
	UpdateDate                    query.Timestamp
	Tags                          []tag `json:",omitempty"`
}

func versionID(n int) string { return "v" + strconv.Itoa(n) }

// parseVersionID parses "v<n>"; ok is false for anything else.
func parseVersionID(s string) (int, bool) {
	rest, ok := strings.CutPrefix(s, "v")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n <= 0 || strconv.Itoa(n) != rest {
		return 0, false
	}
	return n, true
}

// policyView renders a policy; full adds the description and tags
// (GetPolicy, CreatePolicy), which listings leave out.
func (s *Service) policyView(ctx context.Context, q querier, p *policy, full bool) (policyOut, error) {
	n, err := attachmentCount(ctx, q, p.arn)
	if err != nil {
		return policyOut{}, err
	}
	b, err := boundaryCount(ctx, q, p.arn)
	if err != nil {
		return policyOut{}, err
	}
	out := policyOut{
		PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path,
		DefaultVersionId: versionID(p.defaultVersion), AttachmentCount: n, PermissionsBoundaryUsageCount: b,
		IsAttachable: true, CreateDate: query.Timestamp(p.created), UpdateDate: query.Timestamp(p.updated),
	}
	if full {
		out.Description = p.description
		if len(p.tags) > 0 {
			out.Tags = p.tags
		}
	}
	return out, nil
}

// stableID is an IAM-shaped ID derived from a name, for resources Stepflow
// does not store (AWS managed policies).
func stableID(prefix, name string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum := sha256.Sum256([]byte(name))
	var b [17]byte
	for i := range b {
		b[i] = alphabet[sum[i]&31]
	}
	return prefix + string(b[:])
}

type policyResult struct {
	Policy policyOut
}

// createPolicyInput is the input of CreatePolicy.
type createPolicyInput struct {
	PolicyName     string
	Path           string
	PolicyDocument string
	Description    string
	Tags           []tag
}

func (s *Service) createPolicy(ctx context.Context, in createPolicyInput) (any, error) {
	if in.Path == "" {
		in.Path = "/"
	}
	if err := checkDocument(in.PolicyDocument, false); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC().Truncate(time.Second)
	p := &policy{
		arn: s.policyARN(in.Path, in.PolicyName), name: in.PolicyName, id: newID("ANPA"), path: in.Path,
		description: in.Description, defaultVersion: 1, nextVersion: 2, created: now, updated: now, tags: tags,
	}
	var out policyOut
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		n, err := countRows(ctx, tx, `SELECT count(*) FROM iam_policies WHERE name = ?`, in.PolicyName)
		if err != nil {
			return fmt.Errorf("create policy: %w", err)
		}
		if n > 0 {
			return newErr(CodeEntityAlreadyExists, "A policy called "+in.PolicyName+" already exists. Duplicate names are not allowed.")
		}
		if err := savePolicy(ctx, tx, p); err != nil {
			return err
		}
		if err := addVersion(ctx, tx, p.arn, 1, in.PolicyDocument, now); err != nil {
			return err
		}
		out, err = s.policyView(ctx, tx, p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: out}, nil
}

func (s *Service) getPolicy(ctx context.Context, in struct{ PolicyArn string }) (any, error) {
	db := s.comp.Read()
	p, _, err := findPolicy(ctx, db, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	out, err := s.policyView(ctx, db, p, true)
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: out}, nil
}

func (s *Service) deletePolicy(ctx context.Context, in struct{ PolicyArn string }) (any, error) {
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if a.awsManaged() {
		return nil, errAWSManaged(in.PolicyArn, "deleted")
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		if _, err := loadPolicy(ctx, tx, in.PolicyArn); err != nil {
			return err
		}
		n, err := attachmentCount(ctx, tx, in.PolicyArn)
		if err != nil {
			return err
		}
		if n > 0 {
			return newErr(CodeDeleteConflict, "Cannot delete a policy attached to entities.")
		}
		if n, err = versionCount(ctx, tx, in.PolicyArn); err != nil {
			return err
		}
		if n > 1 {
			return newErr(CodeDeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM iam_policies WHERE arn = ?`, in.PolicyArn); err != nil {
			return fmt.Errorf("delete policy: %w", err)
		}
		return nil
	})
}

// listPoliciesInput is the input of ListPolicies.
type listPoliciesInput struct {
	Scope        string
	OnlyAttached bool
	PathPrefix   string
	pageInput
}

func (s *Service) listPolicies(ctx context.Context, in listPoliciesInput) (any, error) {
	db := s.comp.Read()
	var ps []*policy
	if in.Scope != "AWS" {
		stored, err := scanAll(ctx, db, scanPolicy, `SELECT `+policyColumns+` FROM iam_policies`)
		if err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		ps = append(ps, stored...)
	}
	if in.Scope != "Local" {
		// The AWS managed policies Stepflow knows of: those in use.
		arns, err := scanAll(ctx, db, scanString, `SELECT DISTINCT arn FROM iam_attachments WHERE arn LIKE 'arn:%:iam::aws:policy/%'`)
		if err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		for _, arn := range arns {
			if a, err := parsePolicyARN(arn); err == nil {
				ps = append(ps, awsManagedPolicy(a))
			}
		}
	}
	var all []policyOut
	for _, p := range ps {
		v, err := s.policyView(ctx, db, p, false)
		if err != nil {
			return nil, err
		}
		all = append(all, v)
	}
	all = slices.DeleteFunc(all, func(p policyOut) bool {
		return !strings.HasPrefix(p.Path, in.PathPrefix) || in.OnlyAttached && p.AttachmentCount == 0
	})
	sort.Slice(all, func(i, j int) bool { return strings.ToLower(all[i].PolicyName) < strings.ToLower(all[j].PolicyName) })
	items, next, err := page(all, func(p policyOut) string { return p.PolicyName }, in.pageInput)
	if err != nil {
		return nil, err
	}
	return struct {
		Policies []policyOut
		listPage
	}{Policies: append([]policyOut{}, items...), listPage: pageOf(next)}, nil
}

// policyVersionOut is the PolicyVersion shape.
type policyVersionOut struct {
	Document         string `json:",omitempty"`
	VersionId        string
	IsDefaultVersion bool
	CreateDate       query.Timestamp
}

type policyVersionResult struct {
	PolicyVersion policyVersionOut
}

// createPolicyVersionInput is the input of CreatePolicyVersion.
type createPolicyVersionInput struct {
	PolicyArn      string
	PolicyDocument string
	SetAsDefault   bool
}

func (s *Service) createPolicyVersion(ctx context.Context, in createPolicyVersionInput) (any, error) {
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if a.awsManaged() {
		return nil, errNoSuchPolicy(in.PolicyArn)
	}
	if err := checkDocument(in.PolicyDocument, false); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC().Truncate(time.Second)
	var out policyVersionOut
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		p, err := loadPolicy(ctx, tx, in.PolicyArn)
		if err != nil {
			return err
		}
		n, err := versionCount(ctx, tx, p.arn)
		if err != nil {
			return err
		}
		if n >= maxPolicyVersions {
			return newErr(CodeLimitExceeded, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		v := p.nextVersion
		if err := addVersion(ctx, tx, p.arn, v, in.PolicyDocument, now); err != nil {
			return err
		}
		p.nextVersion++
		if in.SetAsDefault {
			p.defaultVersion = v
			p.updated = now
		}
		out = policyVersionOut{VersionId: versionID(v), IsDefaultVersion: in.SetAsDefault, CreateDate: query.Timestamp(now)}
		return savePolicy(ctx, tx, p)
	})
	if err != nil {
		return nil, err
	}
	return policyVersionResult{PolicyVersion: out}, nil
}

func (s *Service) getPolicyVersion(ctx context.Context, in struct{ PolicyArn, VersionId string }) (any, error) {
	db := s.comp.Read()
	p, a, err := findPolicy(ctx, db, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	v, ok := parseVersionID(in.VersionId)
	if !ok {
		return nil, errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
	}
	var doc string
	var created time.Time
	if a.awsManaged() {
		if v != p.defaultVersion { // its only version
			return nil, errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		if doc, ok = awsManagedDocuments[a.name]; !ok {
			doc = emptyDocument
		}
		created = awsManagedCreated
	} else {
		var ms int64
		err = db.QueryRowContext(ctx, `SELECT doc, created_ms FROM iam_policy_versions WHERE arn = ? AND version = ?`, p.arn, v).Scan(&doc, &ms)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		if err != nil {
			return nil, fmt.Errorf("get policy version: %w", err)
		}
		created = time.UnixMilli(ms)
	}
	return policyVersionResult{PolicyVersion: policyVersionOut{
		Document: encodeDocument(doc), VersionId: versionID(v), IsDefaultVersion: v == p.defaultVersion,
		CreateDate: query.Timestamp(created),
	}}, nil
}

// listPolicyVersionsInput is the input of ListPolicyVersions.
type listPolicyVersionsInput struct {
	PolicyArn string
	pageInput
}

func (s *Service) listPolicyVersions(ctx context.Context, in listPolicyVersionsInput) (any, error) {
	db := s.comp.Read()
	p, a, err := findPolicy(ctx, db, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	var versions []policyVersionOut
	if a.awsManaged() {
		versions = []policyVersionOut{{VersionId: defaultPolicyVersionID, IsDefaultVersion: true, CreateDate: query.Timestamp(awsManagedCreated)}}
	} else {
		versions, err = scanAll(ctx, db, func(sc scanner) (policyVersionOut, error) {
			var v int
			var created int64
			err := sc.Scan(&v, &created)
			return policyVersionOut{VersionId: versionID(v), IsDefaultVersion: v == p.defaultVersion, CreateDate: query.Timestamp(time.UnixMilli(created))}, err
		}, `SELECT version, created_ms FROM iam_policy_versions WHERE arn = ? ORDER BY version DESC`, p.arn)
		if err != nil {
			return nil, fmt.Errorf("list policy versions: %w", err)
		}
	}
	items, next, err := pageInOrder(versions, in.pageInput)
	if err != nil {
		return nil, err
	}
	return struct {
		Versions []policyVersionOut
		listPage
	}{Versions: items, listPage: pageOf(next)}, nil
}

// writePolicy loads a customer managed policy in a write transaction and
// runs fn on it; AWS managed policies cannot be changed.
func (s *Service) writePolicy(ctx context.Context, arn string, fn func(tx *sql.Tx, p *policy) error) error {
	a, err := parsePolicyARN(arn)
	if err != nil {
		return err
	}
	if a.awsManaged() {
		return errAWSManaged(arn, "changed")
	}
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		p, err := loadPolicy(ctx, tx, arn)
		if err != nil {
			return err
		}
		return fn(tx, p)
	})
}

// updatePolicyWith is writePolicy for changes to the policy itself: it
// saves the policy fn changed.
func (s *Service) updatePolicyWith(ctx context.Context, arn string, fn func(tx *sql.Tx, p *policy) error) error {
	return s.writePolicy(ctx, arn, func(tx *sql.Tx, p *policy) error {
		if err := fn(tx, p); err != nil {
			return err
		}
		return savePolicy(ctx, tx, p)
	})
}

func (s *Service) deletePolicyVersion(ctx context.Context, in struct{ PolicyArn, VersionId string }) (any, error) {
	return nil, s.writePolicy(ctx, in.PolicyArn, func(tx *sql.Tx, p *policy) error {
		v, ok := parseVersionID(in.VersionId)
		if !ok {
			return errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		if v == p.defaultVersion {
			return newErr(CodeDeleteConflict, "Cannot delete the default version of a policy.")
		}
		return deleteOne(ctx, tx, "delete policy version", errNoSuchPolicyVersion(in.PolicyArn, in.VersionId),
			`DELETE FROM iam_policy_versions WHERE arn = ? AND version = ?`, p.arn, v)
	})
}

func (s *Service) setDefaultPolicyVersion(ctx context.Context, in struct{ PolicyArn, VersionId string }) (any, error) {
	return nil, s.updatePolicyWith(ctx, in.PolicyArn, func(tx *sql.Tx, p *policy) error {
		v, ok := parseVersionID(in.VersionId)
		n := 0
		if ok {
			var err error
			if n, err = countRows(ctx, tx, `SELECT count(*) FROM iam_policy_versions WHERE arn = ? AND version = ?`, p.arn, v); err != nil {
				return fmt.Errorf("set default policy version: %w", err)
			}
		}
		if n == 0 {
			return errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		p.defaultVersion = v
		p.updated = s.cfg.Now().UTC().Truncate(time.Second)
		return nil
	})
}

// tagPolicyInput is the input of TagPolicy.
type tagPolicyInput struct {
	PolicyArn string
	Tags      []tag
}

func (s *Service) tagPolicy(ctx context.Context, in tagPolicyInput) (any, error) {
	return nil, s.updatePolicyWith(ctx, in.PolicyArn, func(_ *sql.Tx, p *policy) error {
		tags, err := mergeTags(p.tags, in.Tags)
		p.tags = tags
		return err
	})
}

// untagPolicyInput is the input of UntagPolicy.
type untagPolicyInput struct {
	PolicyArn string
	TagKeys   []string
}

func (s *Service) untagPolicy(ctx context.Context, in untagPolicyInput) (any, error) {
	return nil, s.updatePolicyWith(ctx, in.PolicyArn, func(_ *sql.Tx, p *policy) error {
		p.tags = removeTags(p.tags, in.TagKeys)
		return nil
	})
}

// listPolicyTagsInput is the input of ListPolicyTags.
type listPolicyTagsInput struct {
	PolicyArn string
	pageInput
}

func (s *Service) listPolicyTags(ctx context.Context, in listPolicyTagsInput) (any, error) {
	p, _, err := findPolicy(ctx, s.comp.Read(), in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return tagPage(p.tags, in.pageInput)
}

// Attachments.

func (s *Service) attachRolePolicy(ctx context.Context, in struct{ RoleName, PolicyArn string }) (any, error) {
	if _, err := parsePolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, s.writeRole(ctx, in.RoleName, func(tx *sql.Tx, r *role) error {
		if err := s.checkPolicyExists(ctx, tx, in.PolicyArn); err != nil {
			return err
		}
		var have, n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(arn = ?), 0) FROM iam_attachments WHERE role = ?`, in.PolicyArn, r.name).Scan(&n, &have); err != nil {
			return fmt.Errorf("count attachments: %w", err)
		}
		if have > 0 {
			return nil // attaching again changes nothing, as in IAM
		}
		if n >= maxAttachedPerRole {
			return newErr(CodeLimitExceeded, fmt.Sprintf("Cannot exceed quota for PoliciesPerRole: %d", maxAttachedPerRole))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO iam_attachments (role, arn) VALUES (?, ?)`, r.name, in.PolicyArn); err != nil {
			return fmt.Errorf("attach role policy: %w", err)
		}
		return nil
	})
}

func (s *Service) detachRolePolicy(ctx context.Context, in struct{ RoleName, PolicyArn string }) (any, error) {
	if _, err := parsePolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, s.writeRole(ctx, in.RoleName, func(tx *sql.Tx, _ *role) error {
		return deleteOne(ctx, tx, "detach role policy", newErr(CodeNoSuchEntity, "Policy "+in.PolicyArn+" was not found."),
			`DELETE FROM iam_attachments WHERE role = ? AND arn = ?`, in.RoleName, in.PolicyArn)
	})
}

type attachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

// listAttachedRolePoliciesInput is the input of ListAttachedRolePolicies.
type listAttachedRolePoliciesInput struct {
	RoleName   string
	PathPrefix string
	pageInput
}

func (s *Service) listAttachedRolePolicies(ctx context.Context, in listAttachedRolePoliciesInput) (any, error) {
	db := s.comp.Read()
	if _, err := loadRole(ctx, db, in.RoleName); err != nil {
		return nil, err
	}
	type attached struct {
		seq int64
		a   policyARN // zero when the stored ARN does not parse
	}
	all, err := scanAll(ctx, db, func(sc scanner) (x attached, err error) {
		var arn string
		if err = sc.Scan(&x.seq, &arn); err == nil {
			x.a, _ = parsePolicyARN(arn)
		}
		return x, err
	}, `SELECT seq, arn FROM iam_attachments WHERE role = ? ORDER BY seq`, in.RoleName)
	if err != nil {
		return nil, fmt.Errorf("list attached role policies: %w", err)
	}
	all = slices.DeleteFunc(all, func(x attached) bool { return x.a.raw == "" || !strings.HasPrefix(x.a.path, in.PathPrefix) })
	items, next, err := page(all, func(x attached) string { return fmt.Sprintf("%020d", x.seq) }, in.pageInput)
	if err != nil {
		return nil, err
	}
	out := struct {
		AttachedPolicies []attachedPolicy
		listPage
	}{AttachedPolicies: make([]attachedPolicy, 0, len(items)), listPage: pageOf(next)}
	for _, x := range items {
		out.AttachedPolicies = append(out.AttachedPolicies, attachedPolicy{PolicyName: x.a.name, PolicyArn: x.a.raw})
	}
	return out, nil
}

// listEntitiesForPolicyInput is the input of ListEntitiesForPolicy.
type listEntitiesForPolicyInput struct {
	PolicyArn    string
	EntityFilter string
	PathPrefix   string
	pageInput
}

func (s *Service) listEntitiesForPolicy(ctx context.Context, in listEntitiesForPolicyInput) (any, error) {
	db := s.comp.Read()
	if err := s.checkPolicyExists(ctx, db, in.PolicyArn); err != nil {
		return nil, err
	}
	type policyRole struct {
		RoleName string
		RoleId   string
	}
	type roleRow struct {
		policyRole
		path string
	}
	var roles []policyRole
	if in.EntityFilter == "" || in.EntityFilter == "Role" {
		rows, err := scanAll(ctx, db, func(sc scanner) (r roleRow, err error) {
			err = sc.Scan(&r.RoleName, &r.RoleId, &r.path)
			return r, err
		}, `SELECT r.name, r.id, r.path FROM iam_attachments a JOIN iam_roles r ON r.name = a.role
			WHERE a.arn = ? ORDER BY r.name COLLATE NOCASE`, in.PolicyArn)
		if err != nil {
			return nil, fmt.Errorf("list entities for policy: %w", err)
		}
		for _, r := range rows {
			if strings.HasPrefix(r.path, in.PathPrefix) {
				roles = append(roles, r.policyRole)
			}
		}
	}
	items, next, err := page(roles, func(r policyRole) string { return r.RoleName }, in.pageInput)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyGroups []struct{}
		PolicyUsers  []struct{}
		PolicyRoles  []policyRole
		listPage
	}{PolicyGroups: []struct{}{}, PolicyUsers: []struct{}{}, PolicyRoles: append([]policyRole{}, items...), listPage: pageOf(next)}, nil
}
