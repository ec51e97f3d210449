// Package events is Amazon EventBridge: event buses, rules (event patterns
// and schedules), their targets and tags, PutEvents and TestEventPattern,
// durable in the shared SQLite database, with the matching and the
// scheduled firing that deliver events to targets.
//
// # API
//
// The actions the aws_cloudwatch_event_rule, aws_cloudwatch_event_target and
// aws_cloudwatch_event_bus Terraform resources use are served: PutRule,
// DescribeRule, DeleteRule, ListRules, EnableRule, DisableRule,
// ListRuleNamesByTarget, PutTargets, RemoveTargets, ListTargetsByRule,
// PutEvents, TestEventPattern, CreateEventBus, DescribeEventBus,
// UpdateEventBus, DeleteEventBus, ListEventBuses, TagResource, UntagResource and
// ListTagsForResource. NewHTTPHandler speaks awsJson1_1 (X-Amz-Target
// "AWSEvents.<Action>"); Call runs an action in-process. The "default" bus
// always exists. ARNs: a bus is arn:aws:events:<region>:<account>:event-bus/<name>,
// a rule on the default bus ...:rule/<name>, on another bus
// ...:rule/<bus>/<name>. A request that fails changes nothing.
//
// # Delivery
//
// PutEvents builds each entry's event, {"version":"0","id",
// "detail-type","source","account","time","region","resources","detail"},
// and matches it against the event patterns (package pattern) of the
// enabled rules of its bus. Rules with a ScheduleExpression (default bus
// only; rate() and cron() in UTC, package schedexpr) fire on the same
// schedule clock as package scheduler (Config.TimeScale; see there) with a
// "Scheduled Event" from source "aws.events" whose resources hold the rule
// ARN; a rule missed while Stepflow was down fires once, for its latest
// time, if that is within the target's MaximumEventAgeInSeconds.
//
// For each target of a matched or fired rule the payload is computed
// first: the Input text, the InputPath selection of the event, the
// InputTransformer's template with its paths substituted, or else the
// whole event. Config.Deliver receives the target and the payload; failed
// deliveries are retried with exponential back-off up to the target's
// RetryPolicy (default 185 attempts within 24 hours), then sent to its
// DeadLetterConfig queue through Config.DeadLetter. Deliveries in progress
// are kept in the database and resume after a restart.
package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/dispatch"
	"github.com/stepflow/stepflow/internal/schedexpr"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TargetPrefix is the X-Amz-Target prefix of the EventBridge actions.
const TargetPrefix = "AWSEvents"

// SigningName is the SigV4 service name of EventBridge requests.
const SigningName = "events"

// DefaultBus is the event bus that always exists.
const DefaultBus = "default"

// Defaults of a target's RetryPolicy.
const (
	DefaultMaximumEventAgeInSeconds = dispatch.DefaultMaximumEventAgeInSeconds
	DefaultMaximumRetryAttempts     = dispatch.DefaultMaximumRetryAttempts
)

// DeliverFunc delivers one payload to a target. A nil error is success;
// any error is retried as the target's RetryPolicy says.
type DeliverFunc func(ctx context.Context, t Target, input []byte) error

// DeadLetterFunc sends an event that could not be delivered to a
// dead-letter queue (an SQS queue ARN).
type DeadLetterFunc func(ctx context.Context, queueArn string, body []byte) error

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the buses, rules, targets and pending deliveries (tables
	// prefixed "events_"). Required.
	DB *sqlite.DB
	// Account and Region appear in every ARN and event. [111111111111,
	// us-east-1]
	Account, Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the real clock. [time.Now]
	Now func() time.Time
	// TimeScale makes the schedule clock of scheduled rules run TimeScale
	// times faster than Now, as in package scheduler. [1]
	TimeScale float64
	// Deliver delivers payloads to targets. [none: every delivery fails
	// with "no target delivery configured"]
	Deliver DeliverFunc
	// DeadLetter sends undeliverable events to a target's DeadLetterConfig
	// queue. [none: they are only logged]
	DeadLetter DeadLetterFunc
	// RetryBase and RetryMax bound the exponential back-off between
	// delivery attempts (schedule-clock time). [1s, 5m]
	RetryBase, RetryMax time.Duration
	// MaxWait caps one sleep of the scheduled-rule loop in real time. [1m]
	MaxWait time.Duration
	// DisableDelivery turns matching, scheduled rules and delivery off
	// (API only). [false]
	DisableDelivery bool
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("events config: DB is required")
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
		return fmt.Errorf("events config: TimeScale %v is negative", c.TimeScale)
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	if c.Deliver == nil {
		c.Deliver = func(context.Context, Target, []byte) error { return errors.New("no target delivery configured") }
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
	return nil
}

// Service serves the EventBridge API and delivers events. It is safe for
// concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	log  *slog.Logger
	clk  schedexpr.Clock
	// retry times the delivery attempts on clk.
	retry dispatch.Retry

	// mu guards buses and rules (caches of the database, written through)
	// and serializes changes.
	mu    sync.Mutex
	buses map[string]*bus
	rules map[ruleKey]*rule

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the loop and the deliveries
	closed sync.Once

	// Finished deliveries are forgotten in batches by the reaper.
	reapMu   sync.Mutex
	reapIDs  []string
	reapWake chan struct{}
	reapStop chan struct{}
	reapDone chan struct{}
}

type ruleKey struct{ bus, name string }

// New opens (migrating if needed) the EventBridge tables in cfg.DB, loads
// the buses and rules, resumes pending deliveries and starts the loop of
// scheduled rules; Close stops them.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "events", migrations)
	if err != nil {
		return nil, fmt.Errorf("open events: %w", err)
	}
	s := &Service{cfg: cfg, comp: comp, log: cfg.Logger, wake: make(chan struct{}, 1),
		reapWake: make(chan struct{}, 1), reapStop: make(chan struct{}), reapDone: make(chan struct{})}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	s.retry = dispatch.Retry{Clock: &s.clk, Base: cfg.RetryBase, Max: cfg.RetryMax}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.reaper()
	if !cfg.DisableDelivery {
		pending, err := s.loadDeliveries(ctx)
		if err != nil {
			s.cancel()
			close(s.reapStop)
			<-s.reapDone
			return nil, err
		}
		for _, d := range pending {
			s.startDelivery(d)
		}
		s.wg.Go(func() { dispatch.Loop(s.ctx, &s.clk, cfg.MaxWait, s.wake, s.fireDue) })
	}
	return s, nil
}

// Close stops the scheduled-rule loop and the deliveries in progress (they
// resume at the next New) and waits for them. It is idempotent.
func (s *Service) Close() error {
	var err error
	s.closed.Do(func() {
		s.cancel()
		s.wg.Wait()
		close(s.reapStop)
		<-s.reapDone
		if s.cfg.TimeScale != 1 {
			if err = dispatch.SaveClock(context.Background(), s.comp, "events_meta", s.clk.Sched()); err != nil {
				err = fmt.Errorf("save events clock: %w", err)
			}
		}
	})
	return err
}

// actions maps every EventBridge action the service serves to its handler.
var actions = awsproto.Actions[*Service]{
	"PutRule":               (*Service).putRule,
	"DescribeRule":          (*Service).describeRule,
	"DeleteRule":            (*Service).deleteRule,
	"ListRules":             (*Service).listRules,
	"EnableRule":            (*Service).enableRule,
	"DisableRule":           (*Service).disableRule,
	"ListRuleNamesByTarget": (*Service).listRuleNamesByTarget,
	"PutTargets":            (*Service).putTargets,
	"RemoveTargets":         (*Service).removeTargets,
	"ListTargetsByRule":     (*Service).listTargetsByRule,
	"PutEvents":             (*Service).putEvents,
	"TestEventPattern":      (*Service).testEventPattern,
	"CreateEventBus":        (*Service).createEventBus,
	"DescribeEventBus":      (*Service).describeEventBus,
	"DeleteEventBus":        (*Service).deleteEventBus,
	"UpdateEventBus":        (*Service).updateEventBus,
	"ListEventBuses":        (*Service).listEventBuses,
	"TagResource":           (*Service).tagResource,
	"UntagResource":         (*Service).untagResource,
	"ListTagsForResource":   (*Service).listTagsForResource,
}

// Actions lists the actions the service serves, sorted.
func Actions() []string { return actions.Names() }

// Handle runs one action on its validated awsJson1_1 body; its signature is
// awsproto.HandlerFunc's.
func (s *Service) Handle(ctx context.Context, action string, body []byte) (any, error) {
	if !actions.Has(action) {
		return nil, errUnsupported(action)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	return actions.Dispatch(s, ctx, action, body)
}

// Call runs one action in-process: input is the action's request in the
// awsJson1_1 form, the result its response in the same form. Errors are
// *awsproto.Error values with AWS's code and message; the input is
// validated against the model as on the wire.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	if len(bytes.TrimSpace(input)) == 0 {
		input = []byte("{}")
	}
	if actions.Has(action) {
		if err := awsproto.Validate("eventbridge", action, input); err != nil {
			return nil, err
		}
	}
	out, err := s.Handle(ctx, action, input)
	if err != nil {
		return nil, err
	}
	return awsproto.MarshalResult(out)
}

// NewHTTPHandler returns the awsJson1_1 endpoint of the service: POST /
// with X-Amz-Target "AWSEvents.<Action>", bodies validated against the
// EventBridge model. auth, when set, authenticates every request (signed
// for the "events" service). Register it with
// awsproto.Router.HandleTarget(TargetPrefix, h).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	h, err := awsproto.NewJSONHandler(awsproto.JSONConfig{Service: "eventbridge", Handle: s.Handle, Authenticate: auth})
	if err != nil {
		panic(err) // the model is embedded and speaks awsJson1_1
	}
	return h
}

// decode unmarshals a validated request body.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return awsproto.Serialization("Unexpected value type for field '" + te.Field + "'")
		}
		return awsproto.Serialization("")
	}
	return nil
}

// poke wakes the scheduled-rule loop after a change.
func (s *Service) poke() { dispatch.Poke(s.wake) }
