package events

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/resource"
	"github.com/stepflow/stepflow/internal/schedexpr"
	"github.com/stepflow/stepflow/internal/services/events/pattern"
)

func (s *Service) ruleArn(bus, name string) string {
	p := "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.Account + ":rule/"
	if bus == DefaultBus {
		return p + name
	}
	return p + bus + "/" + name
}

type putRuleInput struct {
	Name               string `json:"Name"`
	ScheduleExpression string `json:"ScheduleExpression"`
	EventPattern       string `json:"EventPattern"`
	State              string `json:"State"`
	Description        string `json:"Description"`
	RoleArn            string `json:"RoleArn"`
	Tags               []Tag  `json:"Tags"`
	EventBusName       string `json:"EventBusName"`
}

type putRuleOutput struct {
	RuleArn string `json:"RuleArn"`
}

// invalidPattern turns a pattern compile error into AWS's error.
func invalidPattern(err error) error {
	var pe *pattern.Error
	if errors.As(err, &pe) {
		return awsError(CodeInvalidEventPattern, pe.Error())
	}
	return err
}

func (s *Service) putRule(ctx context.Context, body []byte) (any, error) {
	var in putRuleInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	bn := busName(in.EventBusName)
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, errValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if in.ScheduleExpression != "" {
		if bn != DefaultBus {
			return nil, errValidation("ScheduleExpression is supported only on the default event bus.")
		}
		if _, err := schedexpr.Parse(in.ScheduleExpression, schedexpr.Events); err != nil {
			return nil, errValidation("Parameter ScheduleExpression is not valid.")
		}
	}
	if in.EventPattern != "" {
		if _, err := pattern.Compile(in.EventPattern); err != nil {
			return nil, invalidPattern(err)
		}
	}
	if in.State == "" {
		in.State = "ENABLED"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.findBus(bn); err != nil {
		return nil, err
	}
	k := ruleKey{bn, in.Name}
	old := s.rules[k]
	def := ruleDef{Name: in.Name, EventBusName: bn, Arn: s.ruleArn(bn, in.Name), EventPattern: in.EventPattern,
		ScheduleExpression: in.ScheduleExpression, State: in.State, Description: in.Description, RoleArn: in.RoleArn,
		Tags: resource.MergeTags(nil, in.Tags), Targets: []Target{}, Created: s.cfg.Now().UTC().Truncate(time.Millisecond)}
	if old != nil {
		// An update keeps the targets and tags (tags change through
		// TagResource only).
		def.Targets, def.Tags, def.Created = old.def.Targets, old.def.Tags, old.def.Created
	}
	r, err := compileRule(&def)
	if err != nil {
		return nil, invalidPattern(err)
	}
	if old != nil && old.def.ScheduleExpression == def.ScheduleExpression && old.def.State == def.State {
		r.anchor, r.next = old.anchor, old.next
	} else {
		s.plan(r, s.clk.Sched())
	}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveRule(tx, r) }); err != nil {
		return nil, err
	}
	s.rules[k] = r
	s.poke()
	return putRuleOutput{RuleArn: def.Arn}, nil
}

// plan sets a scheduled rule's anchor and next time after now (schedule
// clock); a rate rule first fires one period after it is scheduled.
func (s *Service) plan(r *rule, now time.Time) {
	r.anchor, r.next = now.Truncate(time.Millisecond), time.Time{}
	if r.expr == nil || !r.enabled() {
		return
	}
	if next, ok := r.expr.Next(r.anchor, time.UTC, r.anchor); ok {
		r.next = next
	}
}

type ruleRef struct {
	Name         string `json:"Name"`
	EventBusName string `json:"EventBusName"`
	Force        bool   `json:"Force"`
}

// ruleOutput is DescribeRule's output and one entry of ListRules.
type ruleOutput struct {
	Name               string `json:"Name"`
	Arn                string `json:"Arn"`
	EventPattern       string `json:"EventPattern,omitempty"`
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State"`
	Description        string `json:"Description,omitempty"`
	RoleArn            string `json:"RoleArn,omitempty"`
	EventBusName       string `json:"EventBusName"`
	CreatedBy          string `json:"CreatedBy,omitempty"`
}

func (s *Service) ruleOut(r *rule, createdBy bool) ruleOutput {
	d := &r.def
	out := ruleOutput{Name: d.Name, Arn: d.Arn, EventPattern: d.EventPattern, ScheduleExpression: d.ScheduleExpression,
		State: d.State, Description: d.Description, RoleArn: d.RoleArn, EventBusName: d.EventBusName}
	if createdBy {
		out.CreatedBy = s.cfg.Account
	}
	return out
}

// findRule returns a rule or AWS's not-found error; s.mu is held.
func (s *Service) findRule(name, bus string) (*rule, error) {
	bn := busName(bus)
	r, ok := s.rules[ruleKey{bn, name}]
	if !ok {
		if _, err := s.findBus(bn); err != nil {
			return nil, err
		}
		return nil, errRuleNotFound(name, bn)
	}
	return r, nil
}

func (s *Service) describeRule(_ context.Context, body []byte) (any, error) {
	var in ruleRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findRule(in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	return s.ruleOut(r, true), nil
}

// deleteRule deletes a rule without targets; deleting a rule that does
// not exist succeeds, as on AWS.
func (s *Service) deleteRule(ctx context.Context, body []byte) (any, error) {
	var in ruleRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := ruleKey{busName(in.EventBusName), in.Name}
	r, ok := s.rules[k]
	if !ok {
		return struct{}{}, nil
	}
	if len(r.def.Targets) > 0 {
		return nil, errValidation("Rule can't be deleted since it has targets.")
	}
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM events_rules WHERE bus = ? AND name = ?`, k.bus, k.name)
		return err
	})
	if err != nil {
		return nil, err
	}
	delete(s.rules, k)
	s.poke()
	return struct{}{}, nil
}

func (s *Service) setState(ctx context.Context, body []byte, state string) (any, error) {
	var in ruleRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findRule(in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	if r.def.State == state {
		return struct{}{}, nil
	}
	next := *r
	next.def.State = state
	s.plan(&next, s.clk.Sched())
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveRule(tx, &next) }); err != nil {
		return nil, err
	}
	*r = next
	s.poke()
	return struct{}{}, nil
}

func (s *Service) enableRule(ctx context.Context, body []byte) (any, error) {
	return s.setState(ctx, body, "ENABLED")
}

func (s *Service) disableRule(ctx context.Context, body []byte) (any, error) {
	return s.setState(ctx, body, "DISABLED")
}

type listRulesOutput struct {
	Rules     []ruleOutput `json:"Rules"`
	NextToken string       `json:"NextToken,omitempty"`
}

// rulePage returns a page of the rules, by name, on the bus a list input
// names that keep accepts; s.mu is held.
func (s *Service) rulePage(in *listInput, keep func(*rule) bool) ([]*rule, string, error) {
	bn := busName(in.EventBusName)
	if _, err := s.findBus(bn); err != nil {
		return nil, "", err
	}
	var names []string
	for k, r := range s.rules {
		if k.bus == bn && keep(r) {
			names = append(names, k.name)
		}
	}
	names, next, err := page(names, in.NextToken, in.Limit)
	if err != nil {
		return nil, "", err
	}
	rules := make([]*rule, len(names))
	for i, n := range names {
		rules[i] = s.rules[ruleKey{bn, n}]
	}
	return rules, next, nil
}

func (s *Service) listRules(_ context.Context, body []byte) (any, error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rules, next, err := s.rulePage(&in, func(r *rule) bool { return strings.HasPrefix(r.def.Name, in.NamePrefix) })
	if err != nil {
		return nil, err
	}
	out := listRulesOutput{Rules: []ruleOutput{}, NextToken: next}
	for _, r := range rules {
		out.Rules = append(out.Rules, s.ruleOut(r, false))
	}
	return out, nil
}

type ruleNamesOutput struct {
	RuleNames []string `json:"RuleNames"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (s *Service) listRuleNamesByTarget(_ context.Context, body []byte) (any, error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rules, next, err := s.rulePage(&in, func(r *rule) bool {
		return slices.ContainsFunc(r.def.Targets, func(t Target) bool { return t.Arn == in.TargetArn })
	})
	if err != nil {
		return nil, err
	}
	out := ruleNamesOutput{RuleNames: []string{}, NextToken: next}
	for _, r := range rules {
		out.RuleNames = append(out.RuleNames, r.def.Name)
	}
	return out, nil
}

type testPatternInput struct {
	EventPattern string `json:"EventPattern"`
	Event        string `json:"Event"`
}

type testPatternOutput struct {
	Result bool `json:"Result"`
}

// eventFields are the members TestEventPattern requires of an event.
var eventFields = []string{"id", "account", "source", "time", "region", "detail-type"}

func (s *Service) testEventPattern(_ context.Context, body []byte) (any, error) {
	var in testPatternInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	p, err := pattern.Compile(in.EventPattern)
	if err != nil {
		return nil, invalidPattern(err)
	}
	ev, err := jsonv.ParseString(in.Event)
	obj, ok := ev.(*jsonv.Object)
	if err != nil || !ok {
		return nil, errValidation("Parameter Event is not valid.")
	}
	for _, f := range eventFields {
		if !obj.Has(f) {
			return nil, errValidation("Parameter Event is not valid: the event has no \"" + f + "\" field (an event has id, account, source, time, region, detail-type, resources and detail).")
		}
	}
	return testPatternOutput{Result: p.Match(obj)}, nil
}
