package lambda

import (
	"context"
	"database/sql"
	"maps"
	"sort"
	"strings"
)

type aliasIn struct {
	FunctionName    string
	Name            string
	FunctionVersion *string
	Description     *string
	RoutingConfig   *struct {
		AdditionalVersionWeights map[string]float64
	}
	RevisionID string `json:"RevisionId"`
	Marker     string
	MaxItems   int
}

// checkAliasTarget verifies the versions an alias points at.
func (s *Service) checkAliasTarget(ref fnRef, f *function, version string, weights map[string]float64) error {
	if version != latest && f.version(version) == nil {
		return functionNotFound(s.qualifiedARN(ref.name, version))
	}
	if len(weights) > 1 {
		return invalidParam("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for v, w := range weights {
		if w < 0 || w > 1 {
			return invalidParam("Weight of a version must be between 0.0 and 1.0.")
		}
		if v == version {
			return invalidParam("Cannot set the additional version weight for the primary version %s. Use a different version for the routing configuration.", v)
		}
		if version == latest || v == latest {
			return invalidParam("$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if f.version(v) == nil {
			return functionNotFound(s.qualifiedARN(ref.name, v))
		}
	}
	return nil
}

func (s *Service) createAlias(ctx context.Context, body []byte) (any, error) {
	var in aliasIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return nil, err
	}
	if f.aliases[in.Name] != nil {
		return nil, conflict("Alias already exists: %s", s.qualifiedARN(ref.name, in.Name))
	}
	a := &alias{Name: in.Name, FunctionVersion: *in.FunctionVersion, RevisionID: newID()}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.RoutingConfig != nil {
		a.Weights = in.RoutingConfig.AdditionalVersionWeights
	}
	return s.putAliasLocked(ctx, ref, f, a)
}

// aliasLocked finds the function and the alias a request names. s.mu must
// be held.
func (s *Service) aliasLocked(in *aliasIn) (fnRef, *function, *alias, error) {
	ref, f, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return ref, nil, nil, err
	}
	a := f.aliases[in.Name]
	if a == nil {
		return ref, nil, nil, notFound("Alias not found: %s", s.qualifiedARN(ref.name, in.Name))
	}
	return ref, f, a, nil
}

// putAliasLocked checks the versions a new or changed alias points at,
// then stores it. s.mu must be held.
func (s *Service) putAliasLocked(ctx context.Context, ref fnRef, f *function, a *alias) (any, error) {
	if err := s.checkAliasTarget(ref, f, a.FunctionVersion, a.Weights); err != nil {
		return nil, err
	}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return putAlias(tx, ref.name, a) }); err != nil {
		return nil, err
	}
	f.aliases = maps.Clone(f.aliases)
	f.aliases[a.Name] = a
	return s.aliasOut(ref.name, a), nil
}

func (s *Service) getAlias(_ context.Context, body []byte) (any, error) {
	var in aliasIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref, _, a, err := s.aliasLocked(&in)
	if err != nil {
		return nil, err
	}
	return s.aliasOut(ref.name, a), nil
}

func (s *Service) updateAlias(ctx context.Context, body []byte) (any, error) {
	var in aliasIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, cur, err := s.aliasLocked(&in)
	if err != nil {
		return nil, err
	}
	if err := checkRevision(in.RevisionID, cur.RevisionID); err != nil {
		return nil, err
	}
	a := *cur
	a.RevisionID = newID()
	if in.FunctionVersion != nil {
		a.FunctionVersion = *in.FunctionVersion
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.RoutingConfig != nil {
		a.Weights = in.RoutingConfig.AdditionalVersionWeights
	}
	return s.putAliasLocked(ctx, ref, f, &a)
}

func (s *Service) deleteAlias(ctx context.Context, body []byte) (any, error) {
	var in aliasIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return nil, err
	}
	if f.aliases[in.Name] == nil {
		return nil, nil // AWS answers 204 for a missing alias
	}
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM lambda_aliases WHERE name = ? AND alias = ?`, ref.name, in.Name); err != nil {
			return err
		}
		return putPolicy(tx, ref.name, in.Name, nil)
	})
	if err != nil {
		return nil, err
	}
	f.aliases = maps.Clone(f.aliases)
	delete(f.aliases, in.Name)
	delete(f.policies, in.Name)
	return nil, nil
}

func (s *Service) listAliases(_ context.Context, body []byte) (any, error) {
	var in listIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	p, err := newPager(in.Marker, in.MaxItems, 50)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref, f, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(f.aliases))
	for n, a := range f.aliases {
		if in.FunctionVersion == "" || a.FunctionVersion == in.FunctionVersion {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out struct {
		Aliases    []aliasOut `json:"Aliases"`
		NextMarker string     `json:"NextMarker,omitempty"`
	}
	out.Aliases, out.NextMarker = page(p, names, func(n string) string { return n },
		func(n string) aliasOut { return s.aliasOut(ref.name, f.aliases[n]) })
	return out, nil
}

// Tags.

type tagsIn struct {
	Resource string
	Tags     map[string]string
	TagKeys  []string
}

// tagTarget finds the tag map of a resource ARN: a function or an event
// source mapping. set replaces it.
func (s *Service) tagTarget(arn string) (tags map[string]string, set func(tx *sql.Tx, m map[string]string) error, apply func(map[string]string), err error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 {
		return nil, nil, nil, functionNotFound(arn)
	}
	if parts[5] == "event-source-mapping" {
		m := s.mappings[parts[6]]
		if m == nil || parts[3] != s.cfg.Region || parts[4] != s.cfg.Account {
			return nil, nil, nil, notFound("Event source mapping not found: %s", arn)
		}
		return m.Tags, func(tx *sql.Tx, t map[string]string) error {
				nm := *m
				nm.Tags = t
				return putMapping(tx, &nm)
			}, func(t map[string]string) {
				nm := *m
				nm.Tags = t
				s.mappings[m.UUID] = &nm
			}, nil
	}
	if len(parts) > 7 {
		return nil, nil, nil, invalidParam("Tags on function aliases and versions are not supported. Please specify a function ARN.")
	}
	ref := fnRef{name: parts[6], account: parts[4], region: parts[3]}
	f, err := s.lookupLocked(ref)
	if err != nil {
		return nil, nil, nil, err
	}
	return f.tags, func(tx *sql.Tx, t map[string]string) error {
			nf := *f
			nf.tags = t
			return putFunction(tx, ref.name, &nf)
		}, func(t map[string]string) {
			f.tags = t
		}, nil
}

func (s *Service) tagResource(ctx context.Context, body []byte) (any, error) {
	return s.retag(ctx, body, func(in *tagsIn, n map[string]string) (map[string]string, error) {
		if n == nil {
			n = map[string]string{}
		}
		maps.Copy(n, in.Tags)
		if len(n) > 50 {
			return nil, invalidParam("Number of tags exceeds resource tag limit.")
		}
		return n, nil
	})
}

func (s *Service) untagResource(ctx context.Context, body []byte) (any, error) {
	return s.retag(ctx, body, func(in *tagsIn, n map[string]string) (map[string]string, error) {
		for _, k := range in.TagKeys {
			delete(n, k)
		}
		if len(n) == 0 {
			n = nil
		}
		return n, nil
	})
}

// retag replaces the tags of the resource a request names with what
// change makes of a copy of them.
func (s *Service) retag(ctx context.Context, body []byte, change func(in *tagsIn, tags map[string]string) (map[string]string, error)) (any, error) {
	var in tagsIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, set, apply, err := s.tagTarget(in.Resource)
	if err != nil {
		return nil, err
	}
	n, err := change(&in, maps.Clone(cur))
	if err != nil {
		return nil, err
	}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return set(tx, n) }); err != nil {
		return nil, err
	}
	apply(n)
	return nil, nil
}

func (s *Service) listTags(_ context.Context, body []byte) (any, error) {
	var in tagsIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cur, _, _, err := s.tagTarget(in.Resource)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		cur = map[string]string{}
	}
	return struct {
		Tags map[string]string `json:"Tags"`
	}{cur}, nil
}
