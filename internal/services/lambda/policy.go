package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// policy is a function's (or version's, or alias's) resource-based policy.
type policy struct {
	Statements []json.RawMessage `json:"statements"`
	Sids       []string          `json:"sids"`
	RevisionID string            `json:"revisionId"`
}

// document renders the policy as AWS returns it from GetPolicy.
func (p *policy) document() string {
	var b strings.Builder
	b.WriteString(`{"Version":"2012-10-17","Id":"default","Statement":[`)
	for i, st := range p.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(st)
	}
	b.WriteString(`]}`)
	return b.String()
}

type addPermissionIn struct {
	FunctionName        string
	StatementID         string `json:"StatementId"`
	Action              string
	Principal           string
	SourceArn           string
	SourceAccount       string
	EventSourceToken    string
	Qualifier           string
	RevisionID          string `json:"RevisionId"`
	PrincipalOrgID      string
	FunctionURLAuthType string `json:"FunctionUrlAuthType"`
}

var servicePrincipal = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$|^[a-z0-9.-]+\.amazon\.com$`)

// principal renders a Principal as IAM policies hold it.
func principal(p string) any {
	switch {
	case p == "*":
		return "*"
	case servicePrincipal.MatchString(p):
		return map[string]string{"Service": p}
	case isAccount(p):
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	}
	return map[string]string{"AWS": p}
}

// orderedStatement keeps AWS's member order.
type orderedStatement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

func (s *Service) addPermission(ctx context.Context, body []byte) (any, error) {
	var in addPermissionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.qualifiedLocked(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if ref.qualifier == latest {
		return nil, invalidParam("We currently do not support adding policies for $LATEST.")
	}
	cur := f.policies[ref.qualifier]
	if err := checkPolicyRevision(in.RevisionID, cur); err != nil {
		return nil, err
	}
	if cur != nil {
		for _, sid := range cur.Sids {
			if sid == in.StatementID {
				return nil, conflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementID)
			}
		}
	}
	st := orderedStatement{
		Sid:       in.StatementID,
		Effect:    "Allow",
		Principal: principal(in.Principal),
		Action:    in.Action,
		Resource:  s.qualifiedARN(ref.name, ref.qualifier),
	}
	cond := map[string]map[string]string{}
	add := func(op, key, val string) {
		if val == "" {
			return
		}
		if cond[op] == nil {
			cond[op] = map[string]string{}
		}
		cond[op][key] = val
	}
	add("ArnLike", "AWS:SourceArn", in.SourceArn)
	add("StringEquals", "AWS:SourceAccount", in.SourceAccount)
	add("StringEquals", "aws:PrincipalOrgID", in.PrincipalOrgID)
	add("StringEquals", "lambda:EventSourceToken", in.EventSourceToken)
	add("StringEquals", "lambda:FunctionUrlAuthType", in.FunctionURLAuthType)
	if len(cond) > 0 {
		st.Condition = cond
	}
	raw := json.RawMessage(mustJSON(st))
	np := &policy{RevisionID: newID()}
	if cur != nil {
		np.Statements = append(np.Statements, cur.Statements...)
		np.Sids = append(np.Sids, cur.Sids...)
	}
	np.Statements = append(np.Statements, raw)
	np.Sids = append(np.Sids, in.StatementID)
	if len(np.document()) > 20480 {
		return nil, awsproto.NewError("PolicyLengthExceededException", "The final policy size (bigger than the limit of 20480) for the resource is exceeded.")
	}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return putPolicy(tx, ref.name, ref.qualifier, np) }); err != nil {
		return nil, err
	}
	f.policies[ref.qualifier] = np
	return map[string]string{"Statement": string(raw)}, nil
}

// checkPolicyRevision is the optimistic lock of policy changes: a
// RevisionId the request sends must be that of the current policy.
func checkPolicyRevision(sent string, cur *policy) error {
	if sent != "" && (cur == nil || cur.RevisionID != sent) {
		return awsproto.NewError(CodePreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
	}
	return nil
}

// policyOf returns the policy of ref's qualifier (the function's own for
// none or $LATEST) and its key in f.policies, or ResourceNotFoundException
// when there is none.
func policyOf(f *function, ref fnRef) (string, *policy, error) {
	q := ref.qualifier
	if q == latest {
		q = ""
	}
	p := f.policies[q]
	if p == nil || len(p.Statements) == 0 {
		return q, nil, notFound(msgResourceDoesNotExist)
	}
	return q, p, nil
}

func (s *Service) getPolicy(_ context.Context, body []byte) (any, error) {
	var in functionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref, f, err := s.qualifiedLocked(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	_, p, err := policyOf(f, ref)
	if err != nil {
		return nil, err
	}
	return struct {
		Policy     string `json:"Policy"`
		RevisionID string `json:"RevisionId"`
	}{p.document(), p.RevisionID}, nil
}

type removePermissionIn struct {
	FunctionName string
	StatementID  string `json:"StatementId"`
	Qualifier    string
	RevisionID   string `json:"RevisionId"`
}

func (s *Service) removePermission(ctx context.Context, body []byte) (any, error) {
	var in removePermissionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.qualifiedLocked(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	q, cur, err := policyOf(f, ref)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyRevision(in.RevisionID, cur); err != nil {
		return nil, err
	}
	i := -1
	for j, sid := range cur.Sids {
		if sid == in.StatementID {
			i = j
		}
	}
	if i < 0 {
		return nil, notFound("Statement %s is not found in resource policy.", in.StatementID)
	}
	np := &policy{RevisionID: newID()}
	np.Statements = append(append(np.Statements, cur.Statements[:i]...), cur.Statements[i+1:]...)
	np.Sids = append(append(np.Sids, cur.Sids[:i]...), cur.Sids[i+1:]...)
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return putPolicy(tx, ref.name, q, np) }); err != nil {
		return nil, err
	}
	if len(np.Statements) == 0 {
		delete(f.policies, q)
	} else {
		f.policies[q] = np
	}
	return nil, nil
}
