package iam

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
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

// checkPolicyExists returns nil for an AWS managed policy or an existing
// customer managed one, else IAM's error.
func (s *Service) checkPolicyExists(ctx context.Context, q querier, arn string) error {
	a, err := parsePolicyARN(arn)
	if err != nil {
		return err
	}
	if a.awsManaged() {
		return nil
	}
	_, err = loadPolicy(ctx, q, arn)
	return err
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
	CreateDate                    isoTime
	UpdateDate                    isoTime
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

// policyView renders a customer managed policy; full adds the description
// and tags (GetPolicy, CreatePolicy), which listings leave out.
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
		IsAttachable: true, CreateDate: isoTime(p.created), UpdateDate: isoTime(p.updated),
	}
	if full {
		out.Description = p.description
		if len(p.tags) > 0 {
			out.Tags = p.tags
		}
	}
	return out, nil
}

// awsManagedView renders an AWS managed policy.
func (s *Service) awsManagedView(ctx context.Context, q querier, a policyARN) (policyOut, error) {
	n, err := attachmentCount(ctx, q, a.raw)
	if err != nil {
		return policyOut{}, err
	}
	b, err := boundaryCount(ctx, q, a.raw)
	if err != nil {
		return policyOut{}, err
	}
	return policyOut{
		PolicyName: a.name, PolicyId: stableID("ANPA", a.raw), Arn: a.raw, Path: a.path,
		DefaultVersionId: defaultPolicyVersionID, AttachmentCount: n, PermissionsBoundaryUsageCount: b,
		IsAttachable: true, CreateDate: isoTime(awsManagedCreated), UpdateDate: isoTime(awsManagedCreated),
	}, nil
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

func (s *Service) createPolicy(ctx context.Context, input []byte) (any, error) {
	var in struct {
		PolicyName     string
		Path           string
		PolicyDocument string
		Description    string
		Tags           []tag
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
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
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM iam_policies WHERE name = ?`, in.PolicyName).Scan(&n); err != nil {
			return fmt.Errorf("create policy: %w", err)
		}
		if n > 0 {
			return newErr(CodeEntityAlreadyExists, "A policy called "+in.PolicyName+" already exists. Duplicate names are not allowed.")
		}
		if err := savePolicy(ctx, tx, p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO iam_policy_versions (arn, version, doc, created_ms) VALUES (?, 1, ?, ?)`,
			p.arn, in.PolicyDocument, now.UnixMilli()); err != nil {
			return fmt.Errorf("create policy version: %w", err)
		}
		var err error
		out, err = s.policyView(ctx, tx, p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: out}, nil
}

func (s *Service) getPolicy(ctx context.Context, input []byte) (any, error) {
	var in struct{ PolicyArn string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	db := s.comp.Read()
	var out policyOut
	if a.awsManaged() {
		out, err = s.awsManagedView(ctx, db, a)
	} else {
		var p *policy
		if p, err = loadPolicy(ctx, db, in.PolicyArn); err != nil {
			return nil, err
		}
		out, err = s.policyView(ctx, db, p, true)
	}
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: out}, nil
}

func (s *Service) deletePolicy(ctx context.Context, input []byte) (any, error) {
	var in struct{ PolicyArn string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if a.awsManaged() {
		return nil, newErr(CodeUnmodifiableEntity, "Policy "+in.PolicyArn+" is an AWS managed policy and cannot be deleted.")
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
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM iam_policy_versions WHERE arn = ?`, in.PolicyArn).Scan(&n); err != nil {
			return fmt.Errorf("count policy versions: %w", err)
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

func (s *Service) listPolicies(ctx context.Context, input []byte) (any, error) {
	var in struct {
		Scope        string
		OnlyAttached bool
		PathPrefix   string
		Marker       string
		MaxItems     int
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	db := s.comp.Read()
	var all []policyOut
	if in.Scope != "AWS" {
		rows, err := db.QueryContext(ctx, `SELECT `+policyColumns+` FROM iam_policies`)
		if err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		var ps []*policy
		for rows.Next() {
			p, err := scanPolicy(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("list policies: %w", err)
			}
			ps = append(ps, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		for _, p := range ps {
			v, err := s.policyView(ctx, db, p, false)
			if err != nil {
				return nil, err
			}
			all = append(all, v)
		}
	}
	if in.Scope != "Local" {
		// The AWS managed policies Stepflow knows of: those in use.
		rows, err := db.QueryContext(ctx, `SELECT DISTINCT arn FROM iam_attachments WHERE arn LIKE 'arn:%:iam::aws:policy/%'`)
		if err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		var arns []string
		for rows.Next() {
			var arn string
			if err := rows.Scan(&arn); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list policies: %w", err)
			}
			arns = append(arns, arn)
		}
		rows.Close()
		for _, arn := range arns {
			a, err := parsePolicyARN(arn)
			if err != nil {
				continue
			}
			v, err := s.awsManagedView(ctx, db, a)
			if err != nil {
				return nil, err
			}
			all = append(all, v)
		}
	}
	kept := all[:0]
	for _, p := range all {
		if (in.PathPrefix == "" || strings.HasPrefix(p.Path, in.PathPrefix)) && (!in.OnlyAttached || p.AttachmentCount > 0) {
			kept = append(kept, p)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return strings.ToLower(kept[i].PolicyName) < strings.ToLower(kept[j].PolicyName) })
	items, next, err := page(kept, func(p policyOut) string { return p.PolicyName }, in.Marker, in.MaxItems)
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
	CreateDate       isoTime
}

type policyVersionResult struct {
	PolicyVersion policyVersionOut
}

func (s *Service) createPolicyVersion(ctx context.Context, input []byte) (any, error) {
	var in struct {
		PolicyArn      string
		PolicyDocument string
		SetAsDefault   bool
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
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
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM iam_policy_versions WHERE arn = ?`, p.arn).Scan(&n); err != nil {
			return fmt.Errorf("count policy versions: %w", err)
		}
		if n >= maxPolicyVersions {
			return newErr(CodeLimitExceeded, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		v := p.nextVersion
		if _, err := tx.ExecContext(ctx, `INSERT INTO iam_policy_versions (arn, version, doc, created_ms) VALUES (?, ?, ?, ?)`,
			p.arn, v, in.PolicyDocument, now.UnixMilli()); err != nil {
			return fmt.Errorf("create policy version: %w", err)
		}
		p.nextVersion++
		if in.SetAsDefault {
			p.defaultVersion = v
			p.updated = now
		}
		out = policyVersionOut{VersionId: versionID(v), IsDefaultVersion: in.SetAsDefault, CreateDate: isoTime(now)}
		return savePolicy(ctx, tx, p)
	})
	if err != nil {
		return nil, err
	}
	return policyVersionResult{PolicyVersion: out}, nil
}

func (s *Service) getPolicyVersion(ctx context.Context, input []byte) (any, error) {
	var in struct{ PolicyArn, VersionId string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	v, ok := parseVersionID(in.VersionId)
	if a.awsManaged() {
		if !ok || v != 1 {
			return nil, errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		doc, ok := awsManagedDocuments[a.name]
		if !ok {
			doc = emptyDocument
		}
		return policyVersionResult{PolicyVersion: policyVersionOut{
			Document: encodeDocument(doc), VersionId: defaultPolicyVersionID, IsDefaultVersion: true, CreateDate: isoTime(awsManagedCreated),
		}}, nil
	}
	db := s.comp.Read()
	p, err := loadPolicy(ctx, db, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
	}
	var doc string
	var created int64
	err = db.QueryRowContext(ctx, `SELECT doc, created_ms FROM iam_policy_versions WHERE arn = ? AND version = ?`, p.arn, v).Scan(&doc, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
	}
	if err != nil {
		return nil, fmt.Errorf("get policy version: %w", err)
	}
	return policyVersionResult{PolicyVersion: policyVersionOut{
		Document: encodeDocument(doc), VersionId: versionID(v), IsDefaultVersion: v == p.defaultVersion,
		CreateDate: isoTime(time.UnixMilli(created)),
	}}, nil
}

func (s *Service) listPolicyVersions(ctx context.Context, input []byte) (any, error) {
	var in struct {
		PolicyArn string
		Marker    string
		MaxItems  int
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	var versions []policyVersionOut
	if a.awsManaged() {
		versions = []policyVersionOut{{VersionId: defaultPolicyVersionID, IsDefaultVersion: true, CreateDate: isoTime(awsManagedCreated)}}
	} else {
		db := s.comp.Read()
		p, err := loadPolicy(ctx, db, in.PolicyArn)
		if err != nil {
			return nil, err
		}
		rows, err := db.QueryContext(ctx, `SELECT version, created_ms FROM iam_policy_versions WHERE arn = ? ORDER BY version DESC`, p.arn)
		if err != nil {
			return nil, fmt.Errorf("list policy versions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			var created int64
			if err := rows.Scan(&v, &created); err != nil {
				return nil, fmt.Errorf("list policy versions: %w", err)
			}
			versions = append(versions, policyVersionOut{VersionId: versionID(v), IsDefaultVersion: v == p.defaultVersion, CreateDate: isoTime(time.UnixMilli(created))})
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list policy versions: %w", err)
		}
	}
	type indexed struct {
		i int
		v policyVersionOut
	}
	all := make([]indexed, len(versions))
	for i, v := range versions {
		all[i] = indexed{i, v}
	}
	items, next, err := page(all, func(x indexed) string { return fmt.Sprintf("%08d", x.i) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := struct {
		Versions []policyVersionOut
		listPage
	}{Versions: make([]policyVersionOut, 0, len(items)), listPage: pageOf(next)}
	for _, x := range items {
		out.Versions = append(out.Versions, x.v)
	}
	return out, nil
}

func (s *Service) deletePolicyVersion(ctx context.Context, input []byte) (any, error) {
	var in struct{ PolicyArn, VersionId string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if a.awsManaged() {
		return nil, newErr(CodeUnmodifiableEntity, "Policy "+in.PolicyArn+" is an AWS managed policy and cannot be changed.")
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		p, err := loadPolicy(ctx, tx, in.PolicyArn)
		if err != nil {
			return err
		}
		v, ok := parseVersionID(in.VersionId)
		if !ok {
			return errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		if v == p.defaultVersion {
			return newErr(CodeDeleteConflict, "Cannot delete the default version of a policy.")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM iam_policy_versions WHERE arn = ? AND version = ?`, p.arn, v)
		if err != nil {
			return fmt.Errorf("delete policy version: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		return nil
	})
}

func (s *Service) setDefaultPolicyVersion(ctx context.Context, input []byte) (any, error) {
	var in struct{ PolicyArn, VersionId string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if a.awsManaged() {
		return nil, newErr(CodeUnmodifiableEntity, "Policy "+in.PolicyArn+" is an AWS managed policy and cannot be changed.")
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		p, err := loadPolicy(ctx, tx, in.PolicyArn)
		if err != nil {
			return err
		}
		v, ok := parseVersionID(in.VersionId)
		var n int
		if ok {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM iam_policy_versions WHERE arn = ? AND version = ?`, p.arn, v).Scan(&n); err != nil {
				return fmt.Errorf("set default policy version: %w", err)
			}
		}
		if n == 0 {
			return errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
		}
		p.defaultVersion = v
		p.updated = s.cfg.Now().UTC().Truncate(time.Second)
		return savePolicy(ctx, tx, p)
	})
}

// updatePolicyWith loads a customer managed policy, lets fn change it and
// saves it.
func (s *Service) updatePolicyWith(ctx context.Context, arn string, fn func(p *policy) error) error {
	a, err := parsePolicyARN(arn)
	if err != nil {
		return err
	}
	if a.awsManaged() {
		return newErr(CodeUnmodifiableEntity, "Policy "+arn+" is an AWS managed policy and cannot be changed.")
	}
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		p, err := loadPolicy(ctx, tx, arn)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return savePolicy(ctx, tx, p)
	})
}

func (s *Service) tagPolicy(ctx context.Context, input []byte) (any, error) {
	var in struct {
		PolicyArn string
		Tags      []tag
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	return nil, s.updatePolicyWith(ctx, in.PolicyArn, func(p *policy) error {
		tags, err := mergeTags(p.tags, in.Tags)
		p.tags = tags
		return err
	})
}

func (s *Service) untagPolicy(ctx context.Context, input []byte) (any, error) {
	var in struct {
		PolicyArn string
		TagKeys   []string
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	return nil, s.updatePolicyWith(ctx, in.PolicyArn, func(p *policy) error {
		p.tags = removeTags(p.tags, in.TagKeys)
		return nil
	})
}

func (s *Service) listPolicyTags(ctx context.Context, input []byte) (any, error) {
	var in struct {
		PolicyArn string
		Marker    string
		MaxItems  int
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	a, err := parsePolicyARN(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if a.awsManaged() {
		return tagPage(nil, in.Marker, in.MaxItems)
	}
	p, err := loadPolicy(ctx, s.comp.Read(), in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return tagPage(p.tags, in.Marker, in.MaxItems)
}

// Attachments.

func (s *Service) attachRolePolicy(ctx context.Context, input []byte) (any, error) {
	var in struct{ RoleName, PolicyArn string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	if _, err := parsePolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		r, err := loadRole(ctx, tx, in.RoleName)
		if err != nil {
			return err
		}
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

func (s *Service) detachRolePolicy(ctx context.Context, input []byte) (any, error) {
	var in struct{ RoleName, PolicyArn string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	if _, err := parsePolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		if _, err := loadRole(ctx, tx, in.RoleName); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM iam_attachments WHERE role = ? AND arn = ?`, in.RoleName, in.PolicyArn)
		if err != nil {
			return fmt.Errorf("detach role policy: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return newErr(CodeNoSuchEntity, "Policy "+in.PolicyArn+" was not found.")
		}
		return nil
	})
}

type attachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

func (s *Service) listAttachedRolePolicies(ctx context.Context, input []byte) (any, error) {
	var in struct {
		RoleName   string
		PathPrefix string
		Marker     string
		MaxItems   int
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	db := s.comp.Read()
	if _, err := loadRole(ctx, db, in.RoleName); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT seq, arn FROM iam_attachments WHERE role = ? ORDER BY seq`, in.RoleName)
	if err != nil {
		return nil, fmt.Errorf("list attached role policies: %w", err)
	}
	defer rows.Close()
	type attached struct {
		seq int64
		a   policyARN
	}
	var all []attached
	for rows.Next() {
		var x attached
		var arn string
		if err := rows.Scan(&x.seq, &arn); err != nil {
			return nil, fmt.Errorf("list attached role policies: %w", err)
		}
		if x.a, err = parsePolicyARN(arn); err != nil {
			continue
		}
		if in.PathPrefix == "" || strings.HasPrefix(x.a.path, in.PathPrefix) {
			all = append(all, x)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attached role policies: %w", err)
	}
	items, next, err := page(all, func(x attached) string { return fmt.Sprintf("%020d", x.seq) }, in.Marker, in.MaxItems)
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

func (s *Service) listEntitiesForPolicy(ctx context.Context, input []byte) (any, error) {
	var in struct {
		PolicyArn    string
		EntityFilter string
		PathPrefix   string
		Marker       string
		MaxItems     int
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	db := s.comp.Read()
	if err := s.checkPolicyExists(ctx, db, in.PolicyArn); err != nil {
		return nil, err
	}
	type policyRole struct {
		RoleName string
		RoleId   string
	}
	var roles []policyRole
	if in.EntityFilter == "" || in.EntityFilter == "Role" {
		rows, err := db.QueryContext(ctx, `SELECT r.name, r.id, r.path FROM iam_attachments a JOIN iam_roles r ON r.name = a.role
			WHERE a.arn = ? ORDER BY r.name COLLATE NOCASE`, in.PolicyArn)
		if err != nil {
			return nil, fmt.Errorf("list entities for policy: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var pr policyRole
			var path string
			if err := rows.Scan(&pr.RoleName, &pr.RoleId, &path); err != nil {
				return nil, fmt.Errorf("list entities for policy: %w", err)
			}
			if in.PathPrefix == "" || strings.HasPrefix(path, in.PathPrefix) {
				roles = append(roles, pr)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list entities for policy: %w", err)
		}
	}
	items, next, err := page(roles, func(r policyRole) string { return r.RoleName }, in.Marker, in.MaxItems)
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
