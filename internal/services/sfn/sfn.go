// Package sfn is the AWS Step Functions API: every action of the
// AWSStepFunctions service (state machines and their versions and aliases,
// executions, task callbacks, activities, map runs, tags, TestState and
// ValidateStateMachineDefinition) on top of the durable store and runner.
//
// The service speaks in request and response bodies: Handle takes an action
// name and its awsJson1_0 body and returns the response value (encoded with
// encoding/json) or an *awsproto.Error carrying AWS's error code and message. The
// wire protocol (dispatch on X-Amz-Target, error shapes, model-level request
// validation, SigV4) belongs to package awsproto; NewHTTPHandler wires the
// two together.
//
// Resource names, ARNs and error messages are AWS's: a state machine is
// arn:aws:states:<region>:<account>:stateMachine:<name>, its versions and
// aliases append ":<n>" and ":<alias>", executions are
// ...:execution:<machine>:<name> (EXPRESS ones ...:express:<machine>:<name>:<uuid>),
// activities ...:activity:<name>. A request that fails changes nothing in
// the store.
package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/local"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/store"
)

// TargetPrefix is the X-Amz-Target prefix of the Step Functions actions.
const TargetPrefix = "AWSStepFunctions"

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// Store holds every resource and execution. Required.
	Store store.Store
	// Runner runs STANDARD executions durably. Required; the caller starts
	// and stops it.
	Runner *runner.Runner
	// Account and Region appear in every ARN the service builds; they must
	// match the runner's. [111111111111, us-east-1]
	Account, Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock. [time.Now]
	Now func() time.Time
	// Local runs EXPRESS executions in memory: StartSyncExecution and
	// StartExecution of an EXPRESS state machine. [a zero local.Runner, on
	// which every Task state fails]
	Local *local.Runner
	// ActivityPollTimeout is how long GetActivityTask waits for a task
	// before answering with none. [60s, as AWS]
	ActivityPollTimeout time.Duration
	// ActivityPollInterval is how often a waiting GetActivityTask looks for
	// a task. [50ms]
	ActivityPollInterval time.Duration
	// SyncTimeout bounds a StartSyncExecution. [5m, as AWS]
	SyncTimeout time.Duration
	// OnExpressEnded, when set, is told of every EXPRESS execution that
	// ended, with its history (EXPRESS histories are not stored; AWS shows
	// them only through the state machine's logs).
	OnExpressEnded func(stateMachineArn, executionArn string, history []engine.HistoryEvent)
	// Express keeps asynchronous EXPRESS executions until they end, so a
	// restart runs them again (RecoverExpress). [none: at-most-once]
	Express ExpressLog
}

func (c *Config) setDefaults() error {
	if c.Store == nil {
		return errors.New("sfn config: Store is required")
	}
	if c.Runner == nil {
		return errors.New("sfn config: Runner is required")
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
	if c.Local == nil {
		c.Local = &local.Runner{}
	}
	if c.ActivityPollTimeout <= 0 {
		c.ActivityPollTimeout = 60 * time.Second
	}
	if c.ActivityPollInterval <= 0 {
		c.ActivityPollInterval = 50 * time.Millisecond
	}
	if c.SyncTimeout <= 0 {
		c.SyncTimeout = 5 * time.Minute
	}
	return nil
}

// Service serves the Step Functions API. It is safe for concurrent use.
type Service struct {
	cfg Config
	st  store.Store
	run *runner.Runner
	log *slog.Logger

	// mu serializes the control-plane changes that read, then write
	// (create, update, publish, alias and version changes), so concurrent
	// requests see each other's effects.
	mu sync.Mutex

	// Asynchronous EXPRESS executions run in the background until Close.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a service on cfg's store and runner.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{cfg: cfg, st: cfg.Store, run: cfg.Runner, log: cfg.Logger, ctx: ctx, cancel: cancel}, nil
}

// Close stops the asynchronous EXPRESS executions still running and waits
// for them. It is idempotent.
func (s *Service) Close() {
	s.cancel()
	s.wg.Wait()
}

// actions maps every Step Functions action to its handler.
var actions = awsproto.Actions[*Service]{
	"CreateStateMachine":               (*Service).createStateMachine,
	"DescribeStateMachine":             (*Service).describeStateMachine,
	"UpdateStateMachine":               (*Service).updateStateMachine,
	"DeleteStateMachine":               (*Service).deleteStateMachine,
	"ListStateMachines":                (*Service).listStateMachines,
	"DescribeStateMachineForExecution": (*Service).describeStateMachineForExecution,
	"ValidateStateMachineDefinition":   (*Service).validateStateMachineDefinition,
	"TagResource":                      (*Service).tagResource,
	"UntagResource":                    (*Service).untagResource,
	"ListTagsForResource":              (*Service).listTagsForResource,

	"PublishStateMachineVersion": (*Service).publishStateMachineVersion,
	"ListStateMachineVersions":   (*Service).listStateMachineVersions,
	"DeleteStateMachineVersion":  (*Service).deleteStateMachineVersion,

	"CreateStateMachineAlias":   (*Service).createStateMachineAlias,
	"DescribeStateMachineAlias": (*Service).describeStateMachineAlias,
	"UpdateStateMachineAlias":   (*Service).updateStateMachineAlias,
	"DeleteStateMachineAlias":   (*Service).deleteStateMachineAlias,
	"ListStateMachineAliases":   (*Service).listStateMachineAliases,

	"StartExecution":      (*Service).startExecution,
	"StartSyncExecution":  (*Service).startSyncExecution,
	"DescribeExecution":   (*Service).describeExecution,
	"StopExecution":       (*Service).stopExecution,
	"ListExecutions":      (*Service).listExecutions,
	"GetExecutionHistory": (*Service).getExecutionHistory,
	"RedriveExecution":    (*Service).redriveExecution,

	"SendTaskSuccess":   (*Service).sendTaskSuccess,
	"SendTaskFailure":   (*Service).sendTaskFailure,
	"SendTaskHeartbeat": (*Service).sendTaskHeartbeat,

	"CreateActivity":   (*Service).createActivity,
	"DescribeActivity": (*Service).describeActivity,
	"DeleteActivity":   (*Service).deleteActivity,
	"ListActivities":   (*Service).listActivities,
	"GetActivityTask":  (*Service).getActivityTask,

	"DescribeMapRun": (*Service).describeMapRun,
	"ListMapRuns":    (*Service).listMapRuns,
	"UpdateMapRun":   (*Service).updateMapRun,

	"TestState": (*Service).testState,
}

// Actions lists the actions Handle serves, sorted.
func Actions() []string { return actions.Names() }

// Handle runs one action on its JSON request body. It returns the response
// value, to be encoded with encoding/json, or an error: an
// *awsproto.Error for AWS API errors, any other error for an internal
// failure. Its signature is awsproto.HandlerFunc's.
func (s *Service) Handle(ctx context.Context, action string, body []byte) (any, error) {
	return actions.Dispatch(s, ctx, action, body)
}

// decode unmarshals a request body; an empty body is an empty request.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return awsproto.Serialization(serializationMessage(err))
	}
	return nil
}

// serializationMessage words a body that does not decode.
func serializationMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "Unexpected value type for field '" + te.Field + "': expected " + te.Type.String() + ", got " + te.Value
	}
	return "Unable to parse the request body as JSON: " + err.Error()
}

// empty is the response of actions that answer with no members.
type empty struct{}

// NewHTTPHandler returns the awsJson1_0 endpoint of the service: POST /
// with X-Amz-Target "AWSStepFunctions.<Action>", bodies validated against
// the Step Functions model. auth, when set, authenticates every request.
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) (*awsproto.JSONHandler, error) {
	return awsproto.NewJSONHandler(awsproto.JSONConfig{Service: "sfn", Handle: s.Handle, Authenticate: auth})
}
