package scheduler

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/resource"
	"github.com/stepflow/stepflow/internal/schedexpr"
)

// runtime is a schedule's compiled expression and time zone.
type runtime struct {
	expr *schedexpr.Expr
	loc  *time.Location
}

// loadLocation resolves an IANA time zone name ("" is UTC).
func loadLocation(name string) (*time.Location, bool) {
	if name == "" || name == "UTC" {
		return time.UTC, true
	}
	if name == "Local" {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

func compile(def *scheduleDef) (runtime, error) {
	e, err := schedexpr.Parse(def.ScheduleExpression, schedexpr.Scheduler)
	if err != nil {
		return runtime{}, err
	}
	loc, ok := loadLocation(def.ScheduleExpressionTimezone)
	if !ok {
		return runtime{}, errors.New("unknown time zone " + def.ScheduleExpressionTimezone)
	}
	return runtime{expr: e, loc: loc}, nil
}

// scheduleInput is CreateSchedule's and UpdateSchedule's input.
type scheduleInput struct {
	Name                       string             `json:"Name"`
	GroupName                  string             `json:"GroupName"`
	ScheduleExpression         string             `json:"ScheduleExpression"`
	StartDate                  *epoch             `json:"StartDate"`
	EndDate                    *epoch             `json:"EndDate"`
	Description                string             `json:"Description"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone"`
	State                      string             `json:"State"`
	KmsKeyArn                  string             `json:"KmsKeyArn"`
	Target                     Target             `json:"Target"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	ClientToken                string             `json:"ClientToken"`
	ActionAfterCompletion      string             `json:"ActionAfterCompletion"`
}

// scheduleArnOutput is CreateSchedule's and UpdateSchedule's output.
type scheduleArnOutput struct {
	ScheduleArn string `json:"ScheduleArn"`
}

func (s *Service) scheduleArn(grp, name string) string {
	return "arn:aws:scheduler:" + s.cfg.Region + ":" + s.cfg.Account + ":schedule/" + grp + "/" + name
}

func (s *Service) groupArn(name string) string {
	return "arn:aws:scheduler:" + s.cfg.Region + ":" + s.cfg.Account + ":schedule-group/" + name
}

// startDateSlack is how far in the past a recurring schedule's StartDate
// may be.
const startDateSlack = 5 * time.Minute

// define validates an input and builds the schedule's definition; now is
// the schedule clock.
func (s *Service) define(in *scheduleInput, now time.Time) (scheduleDef, runtime, error) {
	if in.GroupName == "" {
		in.GroupName = DefaultGroup
	}
	def := scheduleDef{
		Name: in.Name, GroupName: in.GroupName, Arn: s.scheduleArn(in.GroupName, in.Name),
		Description: in.Description, ScheduleExpression: in.ScheduleExpression,
		ScheduleExpressionTimezone: in.ScheduleExpressionTimezone, State: in.State, KmsKeyArn: in.KmsKeyArn,
		Target: in.Target, FlexibleTimeWindow: in.FlexibleTimeWindow, ActionAfterCompletion: in.ActionAfterCompletion,
	}
	if def.ScheduleExpressionTimezone == "" {
		def.ScheduleExpressionTimezone = "UTC"
	}
	if def.State == "" {
		def.State = "ENABLED"
	}
	if def.ActionAfterCompletion == "" {
		def.ActionAfterCompletion = "NONE"
	}
	e, err := schedexpr.Parse(def.ScheduleExpression, schedexpr.Scheduler)
	if err != nil {
		return scheduleDef{}, runtime{}, errInvalidExpression(def.ScheduleExpression)
	}
	loc, ok := loadLocation(def.ScheduleExpressionTimezone)
	if !ok {
		return scheduleDef{}, runtime{}, errValidation("Invalid ScheduleExpressionTimezone " + def.ScheduleExpressionTimezone +
			": use an IANA time zone name such as UTC, Europe/Paris or America/New_York.")
	}
	switch w := def.FlexibleTimeWindow; {
	case w.Mode == "FLEXIBLE" && w.MaximumWindowInMinutes == nil:
		return scheduleDef{}, runtime{}, errValidation("MaximumWindowInMinutes must be provided when the FlexibleTimeWindow Mode is FLEXIBLE.")
	case w.Mode == "OFF" && w.MaximumWindowInMinutes != nil:
		return scheduleDef{}, runtime{}, errValidation("MaximumWindowInMinutes must not be provided when the FlexibleTimeWindow Mode is OFF.")
	}
	if in.StartDate != nil {
		t := time.Time(*in.StartDate).UTC()
		def.StartDate = &t
	}
	if in.EndDate != nil {
		t := time.Time(*in.EndDate).UTC()
		def.EndDate = &t
	}
	if e.Recurring() {
		if def.StartDate != nil && def.StartDate.Before(now.Add(-startDateSlack)) {
			return scheduleDef{}, runtime{}, errValidation("The StartDate you specify cannot be earlier than 5 minutes ago.")
		}
		if def.EndDate != nil && def.EndDate.Before(now.Add(-startDateSlack)) {
			return scheduleDef{}, runtime{}, errValidation("The EndDate you specify cannot be earlier than 5 minutes ago.")
		}
		if def.StartDate != nil && def.EndDate != nil && !def.StartDate.Before(*def.EndDate) {
			return scheduleDef{}, runtime{}, errValidation("The StartDate you specify must come before the EndDate.")
		}
	}
	if err := checkTarget(&def.Target); err != nil {
		return scheduleDef{}, runtime{}, err
	}
	if def.Target.RetryPolicy == nil {
		def.Target.RetryPolicy = &RetryPolicy{}
	}
	if def.Target.RetryPolicy.MaximumEventAgeInSeconds == nil {
		n := DefaultMaximumEventAgeInSeconds
		def.Target.RetryPolicy.MaximumEventAgeInSeconds = &n
	}
	if def.Target.RetryPolicy.MaximumRetryAttempts == nil {
		n := DefaultMaximumRetryAttempts
		def.Target.RetryPolicy.MaximumRetryAttempts = &n
	}
	return def, runtime{expr: e, loc: loc}, nil
}

// checkTarget applies the rules the model cannot express.
func checkTarget(t *Target) error {
	if strings.HasPrefix(t.Arn, "arn:aws:scheduler:::aws-sdk:") {
		if _, _, ok := t.Universal(); !ok {
			return errValidation("Invalid target ARN " + t.Arn + ": a universal target is arn:aws:scheduler:::aws-sdk:<service>:<apiAction>.")
		}
	} else if !strings.HasPrefix(t.Arn, "arn:") {
		return errValidation("Invalid target ARN " + t.Arn + ".")
	}
	return nil
}

// sameTiming reports whether two definitions fire at the same times, so an
// update keeps the schedule's firing state.
func sameTiming(a, b *scheduleDef) bool {
	eqTime := func(x, y *time.Time) bool { return x == nil && y == nil || x != nil && y != nil && x.Equal(*y) }
	eqInt := func(x, y *int) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.ScheduleExpression == b.ScheduleExpression && a.ScheduleExpressionTimezone == b.ScheduleExpressionTimezone &&
		eqTime(a.StartDate, b.StartDate) && eqTime(a.EndDate, b.EndDate) && a.State == b.State &&
		a.FlexibleTimeWindow.Mode == b.FlexibleTimeWindow.Mode &&
		eqInt(a.FlexibleTimeWindow.MaximumWindowInMinutes, b.FlexibleTimeWindow.MaximumWindowInMinutes)
}

// plan sets a schedule's anchor and first fire time at or after now (the
// schedule clock).
func plan(sc *schedule, now time.Time) {
	def := &sc.def
	sc.anchor = now.Truncate(time.Millisecond)
	if def.StartDate != nil && sc.runtime.expr.Recurring() {
		sc.anchor = *def.StartDate
	}
	sc.next, sc.due = time.Time{}, time.Time{}
	if def.State != "ENABLED" {
		return
	}
	if at, ok := sc.runtime.expr.AtTime(sc.runtime.loc); ok {
		sc.next = at
	} else {
		from := now
		if def.StartDate != nil && def.StartDate.After(from) {
			from = *def.StartDate
		}
		t, ok := nextAfter(sc, from.Add(-time.Nanosecond))
		if !ok {
			return
		}
		sc.next = t
	}
	sc.due = dueTime(sc, sc.next)
}

// nextAfter returns a recurring schedule's first scheduled time after t,
// within its EndDate.
func nextAfter(sc *schedule, t time.Time) (time.Time, bool) {
	if !sc.runtime.expr.Recurring() {
		return time.Time{}, false
	}
	n, ok := sc.runtime.expr.Next(t, sc.runtime.loc, sc.anchor)
	if !ok || sc.def.EndDate != nil && n.After(*sc.def.EndDate) {
		return time.Time{}, false
	}
	return n, true
}

// dueTime is when an invocation scheduled at t is delivered: t, or t plus
// a deterministic offset within the flexible time window.
func dueTime(sc *schedule, t time.Time) time.Time {
	w := sc.def.FlexibleTimeWindow
	if w.Mode != "FLEXIBLE" || w.MaximumWindowInMinutes == nil || *w.MaximumWindowInMinutes <= 0 {
		return t
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(sc.def.Arn))
	_, _ = h.Write([]byte(t.UTC().Format(time.RFC3339)))
	window := uint64(*w.MaximumWindowInMinutes) * 60
	return t.Add(time.Duration(h.Sum64()%window) * time.Second)
}

func (s *Service) createSchedule(ctx context.Context, body []byte) (any, error) {
	return s.putSchedule(ctx, body, true)
}

func (s *Service) updateSchedule(ctx context.Context, body []byte) (any, error) {
	return s.putSchedule(ctx, body, false)
}

// putSchedule creates a schedule (create) or replaces one; an update that
// keeps the schedule's timing (sameTiming) keeps its firing state.
func (s *Service) putSchedule(ctx context.Context, body []byte, create bool) (any, error) {
	var in scheduleInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	now := s.clk.Sched()
	def, rt, err := s.define(&in, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[def.GroupName]; !ok {
		return nil, errGroupNotFound(def.GroupName)
	}
	k := key{def.GroupName, def.Name}
	old, exists := s.schedules[k]
	switch {
	case create && exists:
		return nil, errScheduleExists(def.Name)
	case !create && !exists:
		return nil, errScheduleNotFound(def.Name)
	}
	real := s.cfg.Now().UTC().Truncate(time.Millisecond)
	def.CreationDate, def.LastModificationDate = real, real
	if exists {
		def.CreationDate = old.def.CreationDate
	}
	sc := &schedule{def: def, runtime: rt}
	if exists && sameTiming(&old.def, &def) {
		sc.anchor, sc.next, sc.due = old.anchor, old.next, old.due
	} else {
		plan(sc, now)
	}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return saveSchedule(tx, sc) }); err != nil {
		return nil, err
	}
	s.schedules[k] = sc
	s.poke()
	return scheduleArnOutput{ScheduleArn: def.Arn}, nil
}

// scheduleRef is the input of GetSchedule and DeleteSchedule.
type scheduleRef struct {
	Name      string `json:"Name"`
	GroupName string `json:"GroupName"`
}

// findSchedule returns a schedule ("" is the default group), or AWS's
// not-found error; s.mu is held.
func (s *Service) findSchedule(group, name string) (*schedule, error) {
	if group == "" {
		group = DefaultGroup
	}
	if _, ok := s.groups[group]; !ok {
		return nil, errGroupNotFound(group)
	}
	sc, ok := s.schedules[key{group, name}]
	if !ok {
		return nil, errScheduleNotFound(name)
	}
	return sc, nil
}

// getScheduleOutput is GetSchedule's output.
type getScheduleOutput struct {
	ActionAfterCompletion      string             `json:"ActionAfterCompletion"`
	Arn                        string             `json:"Arn"`
	CreationDate               epoch              `json:"CreationDate"`
	Description                string             `json:"Description,omitempty"`
	EndDate                    *epoch             `json:"EndDate,omitempty"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	GroupName                  string             `json:"GroupName"`
	KmsKeyArn                  string             `json:"KmsKeyArn,omitempty"`
	LastModificationDate       epoch              `json:"LastModificationDate"`
	Name                       string             `json:"Name"`
	ScheduleExpression         string             `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone"`
	StartDate                  *epoch             `json:"StartDate,omitempty"`
	State                      string             `json:"State"`
	Target                     Target             `json:"Target"`
}

func (s *Service) getSchedule(_ context.Context, body []byte) (any, error) {
	var in scheduleRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.findSchedule(in.GroupName, in.Name)
	if err != nil {
		return nil, err
	}
	d := &sc.def
	return getScheduleOutput{
		ActionAfterCompletion: d.ActionAfterCompletion, Arn: d.Arn, CreationDate: epoch(d.CreationDate),
		Description: d.Description, EndDate: epochPtr(d.EndDate), FlexibleTimeWindow: d.FlexibleTimeWindow,
		GroupName: d.GroupName, KmsKeyArn: d.KmsKeyArn, LastModificationDate: epoch(d.LastModificationDate),
		Name: d.Name, ScheduleExpression: d.ScheduleExpression, ScheduleExpressionTimezone: d.ScheduleExpressionTimezone,
		StartDate: epochPtr(d.StartDate), State: d.State, Target: d.Target,
	}, nil
}

func (s *Service) deleteSchedule(ctx context.Context, body []byte) (any, error) {
	var in scheduleRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.findSchedule(in.GroupName, in.Name)
	if err != nil {
		return nil, err
	}
	k := key{sc.def.GroupName, sc.def.Name}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return deleteScheduleRow(tx, k.group, k.name) }); err != nil {
		return nil, err
	}
	delete(s.schedules, k)
	s.poke()
	return struct{}{}, nil
}

// listSchedulesInput is ListSchedules' input.
type listSchedulesInput struct {
	GroupName  string `json:"GroupName"`
	NamePrefix string `json:"NamePrefix"`
	State      string `json:"State"`
	NextToken  string `json:"NextToken"`
	MaxResults int    `json:"MaxResults"`
}

// scheduleSummary is one entry of ListSchedules.
type scheduleSummary struct {
	Arn                  string        `json:"Arn"`
	CreationDate         epoch         `json:"CreationDate"`
	GroupName            string        `json:"GroupName"`
	LastModificationDate epoch         `json:"LastModificationDate"`
	Name                 string        `json:"Name"`
	State                string        `json:"State"`
	Target               targetSummary `json:"Target"`
}

type targetSummary struct {
	Arn string `json:"Arn"`
}

type listSchedulesOutput struct {
	NextToken string            `json:"NextToken,omitempty"`
	Schedules []scheduleSummary `json:"Schedules"`
}

// fromToken returns the position a NextToken starts after.
func fromToken(tok string) (string, error) {
	after, ok := resource.ParseToken(tok)
	if !ok {
		return "", errValidation("Invalid NextToken: pass the NextToken of the previous page, unchanged.")
	}
	return after, nil
}

func (s *Service) listSchedules(_ context.Context, body []byte) (any, error) {
	var in listSchedulesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	after, err := fromToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.GroupName != "" {
		if _, ok := s.groups[in.GroupName]; !ok {
			return nil, errGroupNotFound(in.GroupName)
		}
	}
	// Schedules are listed by "group/name".
	var names []string
	for k, sc := range s.schedules {
		if in.GroupName != "" && k.group != in.GroupName || !strings.HasPrefix(k.name, in.NamePrefix) ||
			in.State != "" && sc.def.State != in.State {
			continue
		}
		names = append(names, k.group+"/"+k.name)
	}
	names, next := resource.Page(names, after, in.MaxResults)
	out := listSchedulesOutput{Schedules: []scheduleSummary{}, NextToken: next}
	for _, n := range names {
		grp, name, _ := strings.Cut(n, "/")
		d := &s.schedules[key{grp, name}].def
		out.Schedules = append(out.Schedules, scheduleSummary{
			Arn: d.Arn, CreationDate: epoch(d.CreationDate), GroupName: d.GroupName,
			LastModificationDate: epoch(d.LastModificationDate), Name: d.Name, State: d.State,
			Target: targetSummary{Arn: d.Target.Arn},
		})
	}
	return out, nil
}
