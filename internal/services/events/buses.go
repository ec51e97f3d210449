package events

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/resource"
)

func (s *Service) busArn(name string) string {
	return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.Account + ":event-bus/" + name
}

// busName returns the bus an EventBusName member names (a name or an ARN;
// "" is the default bus).
func busName(s string) string {
	if s == "" {
		return DefaultBus
	}
	if strings.HasPrefix(s, "arn:") {
		if _, name, ok := strings.Cut(s, ":event-bus/"); ok {
			return name
		}
	}
	return s
}

// findBus returns a bus or AWS's not-found error; s.mu is held.
func (s *Service) findBus(name string) (*bus, error) {
	b, ok := s.buses[name]
	if !ok {
		return nil, errBusNotFound(name)
	}
	return b, nil
}

type createBusInput struct {
	Name             string            `json:"Name"`
	EventSourceName  string            `json:"EventSourceName"`
	Description      string            `json:"Description"`
	KmsKeyIdentifier string            `json:"KmsKeyIdentifier"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig"`
	Tags             []Tag             `json:"Tags"`
}

type createBusOutput struct {
	EventBusArn      string            `json:"EventBusArn"`
	Description      string            `json:"Description,omitempty"`
	KmsKeyIdentifier string            `json:"KmsKeyIdentifier,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
}

func (s *Service) createEventBus(ctx context.Context, body []byte) (any, error) {
	var in createBusInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.EventSourceName != "" {
		return nil, awsError(CodeResourceNotFound, "Event source "+in.EventSourceName+" does not exist.")
	}
	if strings.Contains(in.Name, "/") {
		return nil, errValidation("Event bus name must not contain '/'.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buses[in.Name]; ok {
		return nil, errBusExists(in.Name)
	}
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	b := &bus{def: busDef{Name: in.Name, Description: in.Description, KmsKeyIdentifier: in.KmsKeyIdentifier,
		DeadLetterConfig: in.DeadLetterConfig, Created: now, Modified: now, Tags: resource.MergeTags(nil, in.Tags)}}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveBus(tx, &b.def) }); err != nil {
		return nil, err
	}
	s.buses[in.Name] = b
	return createBusOutput{EventBusArn: s.busArn(in.Name), Description: in.Description,
		KmsKeyIdentifier: in.KmsKeyIdentifier, DeadLetterConfig: in.DeadLetterConfig}, nil
}

type updateBusInput struct {
	Name             string            `json:"Name"`
	Description      *string           `json:"Description"`
	KmsKeyIdentifier *string           `json:"KmsKeyIdentifier"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig"`
}

type updateBusOutput struct {
	Arn              string            `json:"Arn"`
	Name             string            `json:"Name"`
	Description      string            `json:"Description,omitempty"`
	KmsKeyIdentifier string            `json:"KmsKeyIdentifier,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
}

// updateEventBus changes a bus's description, key or dead-letter queue;
// members left out keep their values.
func (s *Service) updateEventBus(ctx context.Context, body []byte) (any, error) {
	var in updateBusInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.findBus(busName(in.Name))
	if err != nil {
		return nil, err
	}
	def := b.def
	if in.Description != nil {
		def.Description = *in.Description
	}
	if in.KmsKeyIdentifier != nil {
		def.KmsKeyIdentifier = *in.KmsKeyIdentifier
	}
	if in.DeadLetterConfig != nil {
		def.DeadLetterConfig = in.DeadLetterConfig
		if in.DeadLetterConfig.Arn == "" {
			def.DeadLetterConfig = nil
		}
	}
	def.Modified = s.cfg.Now().UTC().Truncate(time.Millisecond)
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveBus(tx, &def) }); err != nil {
		return nil, err
	}
	b.def = def
	return updateBusOutput{Arn: s.busArn(def.Name), Name: def.Name, Description: def.Description,
		KmsKeyIdentifier: def.KmsKeyIdentifier, DeadLetterConfig: def.DeadLetterConfig}, nil
}

type busRef struct {
	Name string `json:"Name"`
}

type describeBusOutput struct {
	Name             string            `json:"Name"`
	Arn              string            `json:"Arn"`
	Description      string            `json:"Description,omitempty"`
	KmsKeyIdentifier string            `json:"KmsKeyIdentifier,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
	CreationTime     epoch             `json:"CreationTime"`
	LastModifiedTime epoch             `json:"LastModifiedTime"`
}

func (s *Service) describeEventBus(_ context.Context, body []byte) (any, error) {
	var in busRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.findBus(busName(in.Name))
	if err != nil {
		return nil, err
	}
	return describeBusOutput{Name: b.def.Name, Arn: s.busArn(b.def.Name), Description: b.def.Description,
		KmsKeyIdentifier: b.def.KmsKeyIdentifier, DeadLetterConfig: b.def.DeadLetterConfig,
		CreationTime: epoch(b.def.Created), LastModifiedTime: epoch(b.def.Modified)}, nil
}

// deleteEventBus deletes a bus and its rules. Deleting a bus that does not
// exist succeeds, as on AWS.
func (s *Service) deleteEventBus(ctx context.Context, body []byte) (any, error) {
	var in busRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name := busName(in.Name)
	if name == DefaultBus {
		return nil, errValidation("Cannot delete event bus default.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buses[name]; !ok {
		return struct{}{}, nil
	}
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM events_rules WHERE bus = ?`, name); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM events_buses WHERE name = ?`, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	for k := range s.rules {
		if k.bus == name {
			delete(s.rules, k)
		}
	}
	delete(s.buses, name)
	s.poke()
	return struct{}{}, nil
}

type listInput struct {
	NamePrefix   string `json:"NamePrefix"`
	EventBusName string `json:"EventBusName"`
	Rule         string `json:"Rule"`
	TargetArn    string `json:"TargetArn"`
	NextToken    string `json:"NextToken"`
	Limit        int    `json:"Limit"`
}

type busSummary struct {
	Name             string `json:"Name"`
	Arn              string `json:"Arn"`
	Description      string `json:"Description,omitempty"`
	CreationTime     epoch  `json:"CreationTime"`
	LastModifiedTime epoch  `json:"LastModifiedTime"`
}

type listBusesOutput struct {
	EventBuses []busSummary `json:"EventBuses"`
	NextToken  string       `json:"NextToken,omitempty"`
}

// page returns a page of names (see resource.Page) after the position
// token encodes.
func page(names []string, token string, limit int) ([]string, string, error) {
	after, ok := resource.ParseToken(token)
	if !ok {
		return nil, "", errValidation("The NextToken is not valid: pass the NextToken of the previous page, unchanged.")
	}
	names, next := resource.Page(names, after, limit)
	return names, next, nil
}

func (s *Service) listEventBuses(_ context.Context, body []byte) (any, error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.buses {
		if strings.HasPrefix(n, in.NamePrefix) {
			names = append(names, n)
		}
	}
	names, next, err := page(names, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := listBusesOutput{EventBuses: []busSummary{}, NextToken: next}
	for _, n := range names {
		b := s.buses[n]
		out.EventBuses = append(out.EventBuses, busSummary{Name: n, Arn: s.busArn(n), Description: b.def.Description,
			CreationTime: epoch(b.def.Created), LastModifiedTime: epoch(b.def.Modified)})
	}
	return out, nil
}

type tagInput struct {
	ResourceARN string   `json:"ResourceARN"`
	Tags        []Tag    `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
}

type tagsOutput struct {
	Tags []Tag `json:"Tags"`
}

// tagged finds the bus or rule an ARN names and returns its tags and a
// function that saves new ones; s.mu is held.
func (s *Service) tagged(arn string) ([]Tag, func(ctx context.Context, tags []Tag) error, error) {
	prefix := "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.Account + ":"
	res, ok := strings.CutPrefix(arn, prefix)
	if name, isBus := strings.CutPrefix(res, "event-bus/"); ok && isBus {
		b, err := s.findBus(name)
		if err != nil {
			return nil, nil, err
		}
		return b.def.Tags, func(ctx context.Context, tags []Tag) error {
			def := b.def
			def.Tags = tags
			if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveBus(tx, &def) }); err != nil {
				return err
			}
			b.def = def
			return nil
		}, nil
	}
	if path, isRule := strings.CutPrefix(res, "rule/"); ok && isRule {
		bn, name := DefaultBus, path
		if i := strings.LastIndexByte(path, '/'); i >= 0 {
			bn, name = path[:i], path[i+1:]
		}
		r, ok := s.rules[ruleKey{bn, name}]
		if !ok {
			return nil, nil, errRuleNotFound(name, bn)
		}
		return r.def.Tags, func(ctx context.Context, tags []Tag) error {
			next := *r
			next.def.Tags = tags
			if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveRule(tx, &next) }); err != nil {
				return err
			}
			r.def.Tags = tags
			return nil
		}, nil
	}
	return nil, nil, awsError(CodeResourceNotFound, "Resource "+arn+" not found.")
}

func (s *Service) tagResource(ctx context.Context, body []byte) (any, error) {
	return s.retag(ctx, body, func(have []Tag, in *tagInput) ([]Tag, error) {
		tags := resource.MergeTags(have, in.Tags)
		if len(tags) > 50 {
			return nil, errLimit()
		}
		return tags, nil
	})
}

func (s *Service) untagResource(ctx context.Context, body []byte) (any, error) {
	return s.retag(ctx, body, func(have []Tag, in *tagInput) ([]Tag, error) {
		return resource.DropTags(have, in.TagKeys), nil
	})
}

// retag gives the bus or rule a TagResource or UntagResource input names
// the tags change makes of its tags.
func (s *Service) retag(ctx context.Context, body []byte, change func(have []Tag, in *tagInput) ([]Tag, error)) (any, error) {
	var in tagInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	have, save, err := s.tagged(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags, err := change(have, &in)
	if err != nil {
		return nil, err
	}
	if err := save(ctx, tags); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) listTagsForResource(_ context.Context, body []byte) (any, error) {
	var in tagInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	have, _, err := s.tagged(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return tagsOutput{Tags: append([]Tag{}, have...)}, nil
}
