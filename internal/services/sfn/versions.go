package sfn

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/store"
)

// publishLocked publishes sm's current revision as a version, or returns
// the newest version when it already holds that revision (publishing is
// idempotent). The caller holds s.mu.
func (s *Service) publishLocked(ctx context.Context, sm store.StateMachine, desc string) (store.Version, error) {
	latest, _, err := s.st.ListVersions(ctx, sm.Arn, 1, "")
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Version{}, err
	}
	if len(latest) == 1 {
		v := latest[0]
		if v.RevisionID == sm.RevisionID && v.Definition == sm.Definition && v.RoleArn == sm.RoleArn {
			return v, nil
		}
	}
	v, err := s.st.PublishVersion(ctx, store.Version{
		StateMachineArn: sm.Arn, Definition: sm.Definition, RoleArn: sm.RoleArn, Description: desc,
		RevisionID: sm.RevisionID, CreationDate: s.now(), Configuration: sm.Configuration,
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Version{}, errStateMachineDoesNotExist(sm.Arn)
	}
	return v, err
}

// PublishStateMachineVersion.

type publishInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	RevisionID      *string `json:"revisionId"`
	Description     *string `json:"description"`
}

type publishOutput struct {
	CreationDate           epoch  `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

func (s *Service) publishStateMachineVersion(ctx context.Context, body []byte) (any, error) {
	var in publishInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
		if utf8.RuneCountInString(desc) > maxDescriptionLen {
			return nil, errTooLong("description", desc, maxDescriptionLen, true)
		}
	}
	ref, err := parseStateMachineARN(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if ref.qualified() {
		return nil, errStateMachineDoesNotExist(ref.arn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, err := s.stateMachine(ctx, ref)
	if err != nil {
		return nil, err
	}
	if in.RevisionID != nil && *in.RevisionID != sm.RevisionID {
		return nil, apiError(CodeConflict, "Failed to publish the State Machine version for revision "+*in.RevisionID+
			". The current State Machine revision is "+sm.RevisionID+".")
	}
	v, err := s.publishLocked(ctx, sm, desc)
	if err != nil {
		return nil, err
	}
	return publishOutput{CreationDate: epoch(v.CreationDate), StateMachineVersionArn: v.Arn}, nil
}

// ListStateMachineVersions.

type listVersionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	NextToken       string `json:"nextToken"`
	MaxResults      int64  `json:"maxResults"`
}

type versionListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           epoch  `json:"creationDate"`
}

type listVersionsOutput struct {
	StateMachineVersions []versionListItem `json:"stateMachineVersions"`
	NextToken            string            `json:"nextToken,omitempty"`
}

const tokenVersions = "version"

func (s *Service) listStateMachineVersions(ctx context.Context, body []byte) (any, error) {
	var in listVersionsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseStateMachineARN(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	limit, after, err := page(listInput{MaxResults: in.MaxResults, NextToken: in.NextToken}, tokenVersions)
	if err != nil {
		return nil, err
	}
	out := listVersionsOutput{StateMachineVersions: []versionListItem{}}
	if ref.qualified() {
		return out, nil
	}
	vs, next, err := s.st.ListVersions(ctx, ref.base, limit, after)
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, listError(err)
	}
	out.NextToken = encodeToken(tokenVersions, next)
	for _, v := range vs {
		out.StateMachineVersions = append(out.StateMachineVersions,
			versionListItem{StateMachineVersionArn: v.Arn, CreationDate: epoch(v.CreationDate)})
	}
	return out, nil
}

// DeleteStateMachineVersion.

type deleteVersionInput struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

func (s *Service) deleteStateMachineVersion(ctx context.Context, body []byte) (any, error) {
	var in deleteVersionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseStateMachineARN(in.StateMachineVersionArn)
	if err != nil {
		return nil, err
	}
	if ref.version == 0 {
		return nil, errValidation("Invalid state machine version ARN: '" + ref.arn + "'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	aliases, err := s.aliasesOf(ctx, ref.base)
	if err != nil {
		return nil, err
	}
	var using []string
	for _, a := range aliases {
		if a.routesTo(ref.arn) {
			using = append(using, a.Name)
		}
	}
	if len(using) > 0 {
		return nil, apiError(CodeConflict, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: ["+
			strings.Join(using, ", ")+"]")
	}
	if err := s.st.DeleteVersion(ctx, ref.arn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return empty{}, nil
}
