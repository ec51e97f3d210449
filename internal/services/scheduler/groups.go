package scheduler

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/resource"
)

type createGroupInput struct {
	Name        string `json:"Name"`
	Tags        []Tag  `json:"Tags"`
	ClientToken string `json:"ClientToken"`
}

type createGroupOutput struct {
	ScheduleGroupArn string `json:"ScheduleGroupArn"`
}

// groupOutput is GetScheduleGroup's output and one entry of
// ListScheduleGroups.
type groupOutput struct {
	Arn                  string `json:"Arn"`
	CreationDate         epoch  `json:"CreationDate"`
	LastModificationDate epoch  `json:"LastModificationDate"`
	Name                 string `json:"Name"`
	State                string `json:"State"`
}

func (s *Service) groupOut(g *group) groupOutput {
	return groupOutput{Arn: s.groupArn(g.name), CreationDate: epoch(g.created), LastModificationDate: epoch(g.modified),
		Name: g.name, State: "ACTIVE"}
}

func (s *Service) createScheduleGroup(ctx context.Context, body []byte) (any, error) {
	var in createGroupInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[in.Name]; ok {
		return nil, errGroupExists(in.Name)
	}
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	g := &group{name: in.Name, created: now, modified: now, tags: resource.MergeTags(nil, in.Tags)}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveGroup(tx, g) }); err != nil {
		return nil, err
	}
	s.groups[g.name] = g
	return createGroupOutput{ScheduleGroupArn: s.groupArn(g.name)}, nil
}

type groupRef struct {
	Name string `json:"Name"`
}

func (s *Service) getScheduleGroup(_ context.Context, body []byte) (any, error) {
	var in groupRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[in.Name]
	if !ok {
		return nil, errGroupNotFound(in.Name)
	}
	return s.groupOut(g), nil
}

// deleteScheduleGroup deletes a group and every schedule in it.
func (s *Service) deleteScheduleGroup(ctx context.Context, body []byte) (any, error) {
	var in groupRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Name == DefaultGroup {
		return nil, errValidation("The default schedule group cannot be deleted.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[in.Name]; !ok {
		return nil, errGroupNotFound(in.Name)
	}
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM scheduler_schedules WHERE grp = ?`, in.Name); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM scheduler_firings WHERE grp = ?`, in.Name); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM scheduler_groups WHERE name = ?`, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	for k := range s.schedules {
		if k.group == in.Name {
			delete(s.schedules, k)
		}
	}
	delete(s.groups, in.Name)
	s.poke()
	return struct{}{}, nil
}

type listGroupsInput struct {
	NamePrefix string `json:"NamePrefix"`
	NextToken  string `json:"NextToken"`
	MaxResults int    `json:"MaxResults"`
}

type listGroupsOutput struct {
	NextToken      string        `json:"NextToken,omitempty"`
	ScheduleGroups []groupOutput `json:"ScheduleGroups"`
}

func (s *Service) listScheduleGroups(_ context.Context, body []byte) (any, error) {
	var in listGroupsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	after, err := fromToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.groups {
		if strings.HasPrefix(n, in.NamePrefix) {
			names = append(names, n)
		}
	}
	names, next := resource.Page(names, after, in.MaxResults)
	out := listGroupsOutput{ScheduleGroups: []groupOutput{}, NextToken: next}
	for _, n := range names {
		out.ScheduleGroups = append(out.ScheduleGroups, s.groupOut(s.groups[n]))
	}
	return out, nil
}

// groupOfArn returns the group an ARN names, or a not-found error.
func (s *Service) groupOfArn(arn string) (*group, error) {
	prefix := "arn:aws:scheduler:" + s.cfg.Region + ":" + s.cfg.Account + ":schedule-group/"
	name, ok := strings.CutPrefix(arn, prefix)
	if ok {
		if g, ok := s.groups[name]; ok {
			return g, nil
		}
	}
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		name = arn[i+1:]
	}
	return nil, errGroupNotFound(name)
}

type tagInput struct {
	ResourceArn string   `json:"ResourceArn"`
	Tags        []Tag    `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
}

type tagsOutput struct {
	Tags []Tag `json:"Tags"`
}

func (s *Service) tagResource(ctx context.Context, body []byte) (any, error) {
	return s.retag(ctx, body, func(have []Tag, in *tagInput) ([]Tag, error) {
		tags := resource.MergeTags(have, in.Tags)
		if len(tags) > 200 {
			return nil, errValidation("A schedule group can have at most 200 tags; remove some with UntagResource first.")
		}
		return tags, nil
	})
}

func (s *Service) untagResource(ctx context.Context, body []byte) (any, error) {
	return s.retag(ctx, body, func(have []Tag, in *tagInput) ([]Tag, error) {
		return resource.DropTags(have, in.TagKeys), nil
	})
}

// retag gives the group a TagResource or UntagResource input names the
// tags change makes of its tags.
func (s *Service) retag(ctx context.Context, body []byte, change func(have []Tag, in *tagInput) ([]Tag, error)) (any, error) {
	var in tagInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupOfArn(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	next := *g
	if next.tags, err = change(g.tags, &in); err != nil {
		return nil, err
	}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveGroup(tx, &next) }); err != nil {
		return nil, err
	}
	*g = next
	return struct{}{}, nil
}

func (s *Service) listTagsForResource(_ context.Context, body []byte) (any, error) {
	var in tagInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupOfArn(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := tagsOutput{Tags: append([]Tag{}, g.tags...)}
	return out, nil
}
