// Package scheduler is Amazon EventBridge Scheduler: schedule groups (with
// tags) and the schedules in them, durable in the shared SQLite database,
// and the loop that fires each schedule at its times and delivers to its
// target.
//
// # API
//
// Every action of the aws_scheduler_schedule and aws_scheduler_schedule_group
// Terraform resources is served: CreateSchedule, GetSchedule,
// UpdateSchedule, DeleteSchedule, ListSchedules, CreateScheduleGroup,
// GetScheduleGroup, DeleteScheduleGroup, ListScheduleGroups, TagResource,
// UntagResource and ListTagsForResource. NewHTTPHandler speaks restJson1 on
// the paths under PathPrefixes; Call runs an action in-process on its JSON
// input. The "default" group always exists. A schedule's ARN is
// arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>, a group's
// arn:aws:scheduler:<region>:<account>:schedule-group/<name>. A request
// that fails changes nothing.
//
// # Firing
//
// Schedule expressions are rate(), cron() and at() (package schedexpr),
// evaluated in ScheduleExpressionTimezone. Each schedule's next scheduled
// time is kept in the database, so firings survive restarts. One
// background loop sleeps until the earliest due time.
//
// Scaled time: with Config.TimeScale N, schedules run on a schedule clock
// that advances N times faster than Config.Now while the service runs:
// schedule time = B + (Now() - A) * N, where A is Now() when New ran and B
// is A, or, when N is not 1, the schedule clock's last value before the
// previous Close if that is later (so the schedule clock never runs
// backwards across restarts). Every wait between two firings, and every
// retry back-off, is thus divided by N: with N = 3600 a rate(1 hour)
// schedule fires every wall-clock second. Fire times, <aws.scheduler.
// scheduled-time> and the missed-invocation rule below use the schedule
// clock; API timestamps (CreationDate, LastModificationDate) and the time
// of each delivery attempt in the firing history are real (Now). With N = 1
// the schedule clock is Now.
//
// Missed invocations: when the loop finds a schedule past due (Stepflow
// was down, or the machine slept), it delivers once, for the latest
// scheduled time that has passed, if that time is no older than the
// target's RetryPolicy.MaximumEventAgeInSeconds (default 86400), as AWS
// delivers a late invocation within the event age; the earlier missed
// times are dropped and recorded in the firing history as one MISSED
// entry. It never delivers a burst of every missed time.
//
// FlexibleTimeWindow FLEXIBLE delays each invocation by an offset within
// MaximumWindowInMinutes that is a hash of the schedule ARN and the
// scheduled time: pseudo-random, but the same on every run.
//
// Delivery goes through Config.Deliver with the target and its input (the
// Target.Input with the context attributes <aws.scheduler.schedule-arn>,
// <aws.scheduler.scheduled-time>, <aws.scheduler.execution-id> and
// <aws.scheduler.attempt-number> replaced; "{}" when the target has no
// Input). Universal targets (arn:aws:scheduler:::aws-sdk:<service>:<action>,
// whose Input is the API request) and templated targets (a function, state
// machine or queue ARN) alike go to Deliver, which routes them. A failed
// delivery is retried with exponential back-off up to
// RetryPolicy.MaximumRetryAttempts (default 185) while the event is younger
// than MaximumEventAgeInSeconds, then sent to the DeadLetterConfig queue
// through Config.DeadLetter. Deliveries in progress are kept in the
// database and resume after a restart. Each schedule keeps its last
// Config.HistorySize firings (Firings); NextFireTimes lists what is due
// next, for the web console.
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones on machines without a zoneinfo database

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
	"github.com/stepflow/stepflow/internal/dispatch"
	"github.com/stepflow/stepflow/internal/schedexpr"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// SigningName is the SigV4 service name of Scheduler requests.
const SigningName = "scheduler"

// PathPrefixes are the REST path prefixes of the Scheduler API; register
// each with awsproto.Router.HandlePath. ("/tags" carries the schedule
// group ARN as its next segment.)
var PathPrefixes = []string{"/schedules", "/schedule-groups", "/tags"}

// DefaultGroup is the schedule group that always exists.
const DefaultGroup = "default"

// Defaults of a target's RetryPolicy.
const (
	DefaultMaximumEventAgeInSeconds = dispatch.DefaultMaximumEventAgeInSeconds
	DefaultMaximumRetryAttempts     = dispatch.DefaultMaximumRetryAttempts
)

// DeliverFunc delivers one invocation: input to the target. A nil error is
// success; any error is retried as the target's RetryPolicy says.
type DeliverFunc func(ctx context.Context, t Target, input []byte) error

// DeadLetterFunc sends the input of an invocation that could not be
// delivered to a dead-letter queue (an SQS queue ARN).
type DeadLetterFunc func(ctx context.Context, queueArn string, body []byte) error

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the groups, schedules, pending deliveries and firing
	// history (tables prefixed "scheduler_"). Required.
	DB *sqlite.DB
	// Account and Region appear in every ARN. [111111111111, us-east-1]
	Account, Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the real clock. [time.Now]
	Now func() time.Time
	// TimeScale makes the schedule clock run TimeScale times faster than
	// Now (see the package documentation). [1]
	TimeScale float64
	// Deliver delivers invocations. [none: every invocation fails with
	// "no target delivery configured"]
	Deliver DeliverFunc
	// DeadLetter sends undeliverable invocations to a DeadLetterConfig
	// queue. [none: they are only recorded]
	DeadLetter DeadLetterFunc
	// RetryBase and RetryMax bound the exponential back-off between
	// delivery attempts, in schedule-clock time: attempt n waits
	// min(RetryBase * 2^(n-1), RetryMax). [1s, 5m]
	RetryBase, RetryMax time.Duration
	// MaxWait caps one sleep of the firing loop in real time, so a clock
	// that jumps (a sleeping machine, an injected clock) is noticed. [1m]
	MaxWait time.Duration
	// HistorySize is how many firings each schedule keeps. [100]
	HistorySize int
	// DisableFiring turns the firing loop off (API only). [false]
	DisableFiring bool
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("scheduler config: DB is required")
	}
	if c.Account == "" {
		c.Account = "111111111111"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TimeScale < 0 {
		return fmt.Errorf("scheduler config: TimeScale %v is negative", c.TimeScale)
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	if c.Deliver == nil {
		c.Deliver = func(context.Context, Target, []byte) error {
			return errors.New("no target delivery configured")
		}
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Minute
	}
	if c.MaxWait <= 0 {
		c.MaxWait = time.Minute
	}
	if c.HistorySize <= 0 {
		c.HistorySize = 100
	}
	return nil
}

// Service serves the Scheduler API and fires the schedules. It is safe for
// concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	log  *slog.Logger
	clk  schedexpr.Clock
	// retry times the delivery attempts on clk.
	retry dispatch.Retry

	// mu guards groups and schedules (caches of the database, written
	// through) and serializes changes.
	mu        sync.Mutex
	groups    map[string]*group
	schedules map[key]*schedule

	wake   chan struct{}
	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// key names a schedule.
type key struct{ group, name string }

// New opens (migrating if needed) the Scheduler tables in cfg.DB, loads the
// groups and schedules, resumes pending deliveries and starts the firing
// loop; Close stops it.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "scheduler", migrations)
	if err != nil {
		return nil, fmt.Errorf("open scheduler: %w", err)
	}
	s := &Service{cfg: cfg, comp: comp, log: cfg.Logger, wake: make(chan struct{}, 1)}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	s.retry = dispatch.Retry{Clock: &s.clk, Base: cfg.RetryBase, Max: cfg.RetryMax}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if !cfg.DisableFiring {
		pending, err := s.loadDeliveries(ctx)
		if err != nil {
			s.cancel()
			return nil, err
		}
		for _, d := range pending {
			s.startDelivery(d)
		}
		s.wg.Go(func() { dispatch.Loop(s.ctx, &s.clk, cfg.MaxWait, s.wake, s.fireDue) })
	}
	return s, nil
}

// Close stops the firing loop and the deliveries in progress (they resume
// at the next New) and waits for them. It is idempotent.
func (s *Service) Close() error {
	var err error
	s.closed.Do(func() {
		s.cancel()
		s.wg.Wait()
		if s.cfg.TimeScale != 1 {
			if err = dispatch.SaveClock(context.Background(), s.comp, "scheduler_meta", s.clk.Sched()); err != nil {
				err = fmt.Errorf("save scheduler clock: %w", err)
			}
		}
	})
	return err
}

// handler is one action: it decodes its JSON input and returns its output.
type handler func(s *Service, ctx context.Context, body []byte) (any, error)

var actions = map[string]handler{
	"CreateSchedule":      (*Service).createSchedule,
	"GetSchedule":         (*Service).getSchedule,
	"UpdateSchedule":      (*Service).updateSchedule,
	"DeleteSchedule":      (*Service).deleteSchedule,
	"ListSchedules":       (*Service).listSchedules,
	"CreateScheduleGroup": (*Service).createScheduleGroup,
	"GetScheduleGroup":    (*Service).getScheduleGroup,
	"DeleteScheduleGroup": (*Service).deleteScheduleGroup,
	"ListScheduleGroups":  (*Service).listScheduleGroups,
	"TagResource":         (*Service).tagResource,
	"UntagResource":       (*Service).untagResource,
	"ListTagsForResource": (*Service).listTagsForResource,
}

// Actions lists the actions the service serves, sorted.
func Actions() []string { return slices.Sorted(maps.Keys(actions)) }

// Call runs one action in-process: input is the action's request as JSON
// with the model's member names (path and query members included, e.g.
// {"Name":"s","GroupName":"g"} for GetSchedule), the result its response
// in the same form. Errors are *awsproto.Error values with AWS's code and
// message; the input is validated against the model as on the wire.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	out, err := s.handle(ctx, action, input)
	if err != nil {
		return nil, err
	}
	return awsproto.MarshalResult(out)
}

// handle validates and runs one action.
func (s *Service) handle(ctx context.Context, action string, body []byte) (any, error) {
	h, ok := actions[action]
	if !ok {
		return nil, awsproto.UnknownOperation()
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := awsproto.Validate("scheduler", action, body); err != nil {
		return nil, actionError(action, err)
	}
	if err := checkLabels(action, body); err != nil {
		return nil, err
	}
	out, err := h(s, ctx, body)
	if err != nil {
		return nil, actionError(action, err)
	}
	return out, nil
}

// actionError returns an action's error: an *awsproto.Error as it is, any
// other error (an internal failure) wrapped with the action's name.
func actionError(action string, err error) error {
	var apiErr *awsproto.Error
	if errors.As(err, &apiErr) {
		return err
	}
	return fmt.Errorf("%s: %w", action, err)
}

// checkLabels reports a required path member missing from an in-process
// input (the wire always has them; the model validator leaves them to the
// protocol).
func checkLabels(action string, body []byte) error {
	svc, err := model.Load("scheduler")
	if err != nil {
		return err
	}
	op, ok := svc.Operation(action)
	if !ok || op.Input < 0 {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return awsproto.Serialization("")
	}
	var missing []string
	for _, m := range svc.Shapes[op.Input].Members {
		if m.Location == "label" && m.Required {
			if v, ok := members[m.Name]; !ok || string(v) == "null" {
				missing = append(missing, awsproto.NullViolation(strings.ToLower(m.Name[:1])+m.Name[1:]))
			}
		}
	}
	if len(missing) > 0 {
		return awsproto.ValidationError(missing...)
	}
	return nil
}

// decode unmarshals a validated request body.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return errValidation("Unable to parse the request: " + err.Error())
	}
	return nil
}
