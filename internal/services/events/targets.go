package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
)

// maxTargets is the number of targets a rule may have.
const maxTargets = 5

type putTargetsInput struct {
	Rule         string   `json:"Rule"`
	EventBusName string   `json:"EventBusName"`
	Targets      []Target `json:"Targets"`
	Ids          []string `json:"Ids"`
	Force        bool     `json:"Force"`
}

type failedEntry struct {
	TargetId     string `json:"TargetId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type targetsResult struct {
	FailedEntryCount int           `json:"FailedEntryCount"`
	FailedEntries    []failedEntry `json:"FailedEntries"`
}

// checkTargetDef applies the rules the model cannot express.
func checkTargetDef(t *Target) error {
	if !strings.HasPrefix(t.Arn, "arn:") || strings.Count(t.Arn, ":") < 5 {
		return errValidation("Parameter " + t.Arn + " is not valid. Reason: Provided Arn is not in correct format.")
	}
	n := 0
	for _, set := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errValidation("Only one of Input, InputPath, or InputTransformer must be provided.")
	}
	if t.Input != "" && !json.Valid([]byte(t.Input)) {
		return errValidation("Parameter Input of target " + t.Id + " is not valid JSON.")
	}
	if t.InputPath != "" {
		if _, err := parsePath(t.InputPath); err != nil {
			return errValidation("Parameter InputPath of target " + t.Id + " is not a valid JSON path: " + t.InputPath +
				" (use $.detail.name, $.detail['name'] or $.resources[0]).")
		}
	}
	if t.InputTransformer != nil {
		if err := checkTransformer(t.InputTransformer); err != nil {
			return err
		}
	}
	if strings.Contains(t.Arn, ":sqs:") && strings.HasSuffix(t.Arn, ".fifo") && t.SqsParameters == nil {
		return errValidation("Parameter(s) SqsParameters must be specified for target: " + t.Id + ".")
	}
	return nil
}

func (s *Service) putTargets(ctx context.Context, body []byte) (any, error) {
	var in putTargetsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	for i := range in.Targets {
		if err := checkTargetDef(&in.Targets[i]); err != nil {
			return nil, err
		}
	}
	return s.retarget(ctx, &in, func(have []Target) ([]Target, error) {
		targets := append([]Target{}, have...)
		for _, t := range in.Targets {
			if i := slices.IndexFunc(targets, func(o Target) bool { return o.Id == t.Id }); i >= 0 {
				targets[i] = t
			} else {
				targets = append(targets, t)
			}
		}
		if len(targets) > maxTargets {
			return nil, errLimit()
		}
		return targets, nil
	})
}

func (s *Service) removeTargets(ctx context.Context, body []byte) (any, error) {
	var in putTargetsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.retarget(ctx, &in, func(have []Target) ([]Target, error) {
		targets := []Target{}
		for _, t := range have {
			if !slices.Contains(in.Ids, t.Id) {
				targets = append(targets, t)
			}
		}
		return targets, nil
	})
}

// retarget gives the rule a PutTargets or RemoveTargets input names the
// targets change makes of its targets.
func (s *Service) retarget(ctx context.Context, in *putTargetsInput, change func(have []Target) ([]Target, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findRule(in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	targets, err := change(r.def.Targets)
	if err != nil {
		return nil, err
	}
	next := *r
	next.def.Targets = targets
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveRule(tx, &next) }); err != nil {
		return nil, err
	}
	r.def.Targets = targets
	return targetsResult{FailedEntries: []failedEntry{}}, nil
}

type listTargetsOutput struct {
	Targets   []Target `json:"Targets"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (s *Service) listTargetsByRule(_ context.Context, body []byte) (any, error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findRule(in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(r.def.Targets))
	byID := map[string]Target{}
	for _, t := range r.def.Targets {
		ids = append(ids, t.Id)
		byID[t.Id] = t
	}
	ids, next, err := page(ids, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := listTargetsOutput{Targets: []Target{}, NextToken: next}
	for _, id := range ids {
		out.Targets = append(out.Targets, byID[id])
	}
	return out, nil
}
