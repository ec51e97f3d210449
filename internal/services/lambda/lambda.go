package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the service's tables. Required.
	DB *sqlite.DB
	// LogSink, when set, receives each invocation's log (START … REPORT)
	// after it is saved, e.g. to write it to the function's CloudWatch Logs
	// group. It runs on the log writer: keep it short.
	LogSink func(ctx context.Context, function string, inv Invocation)
	// CodeDir holds the uploaded zips and their unpacked folders. Required.
	CodeDir string
	// Account and Region appear in every ARN. [111111111111, us-east-1]
	Account, Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock of the control plane (LastModified, retry times).
	// [time.Now]
	Now func() time.Time
	// EndpointURL is Stepflow's public base URL: functions get it as
	// AWS_ENDPOINT_URL, and GetFunction's Code.Location points under it.
	// [http://127.0.0.1:8083]
	EndpointURL string
	// AccessKeyID, SecretAccessKey and SessionToken are the credentials
	// functions receive. [test, test, none]
	AccessKeyID, SecretAccessKey, SessionToken string
	// MaxConcurrency is the account's concurrent executions limit; it also
	// bounds the number of function processes. [64]
	MaxConcurrency int
	// IdleTimeout is how long a warm process waits for an invocation
	// before it is stopped. [5m]
	IdleTimeout time.Duration
	// InitTimeout bounds a process's start (until its first call to
	// /runtime/invocation/next), as AWS's 10-second init phase. [10s]
	InitTimeout time.Duration
	// LogsPerFunction is how many invocations' logs are kept per function.
	// [100]
	LogsPerFunction int
	// AsyncRetryDelay is the delay before the first retry of a failed
	// asynchronous (Event) invocation; the second waits twice as long.
	// [1m]
	AsyncRetryDelay time.Duration
	// SQS runs one SQS action (the SQS service's Call) for event source
	// mappings. [none: mappings are stored but never poll]
	SQS func(ctx context.Context, action string, input []byte) ([]byte, error)
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("lambda config: DB is required")
	}
	if c.CodeDir == "" {
		return errors.New("lambda config: CodeDir is required")
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
	if c.EndpointURL == "" {
		c.EndpointURL = "http://127.0.0.1:8083"
	}
	if c.AccessKeyID == "" {
		c.AccessKeyID = "test"
	}
	if c.SecretAccessKey == "" {
		c.SecretAccessKey = "test"
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 64
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 5 * time.Minute
	}
	if c.InitTimeout <= 0 {
		c.InitTimeout = 10 * time.Second
	}
	if c.LogsPerFunction <= 0 {
		c.LogsPerFunction = 100
	}
	if c.AsyncRetryDelay <= 0 {
		c.AsyncRetryDelay = time.Minute
	}
	return nil
}

// Service serves the Lambda API and runs functions. It is safe for
// concurrent use.
type Service struct {
	cfg  Config
	log  *slog.Logger
	comp *sqlite.Component
	code *codeStore

	// mu guards the resources: control-plane changes take it for writing,
	// reads and invocations for reading. Function configurations are
	// immutable, so an invocation keeps its own after unlocking.
	mu       sync.RWMutex
	fns      map[string]*function
	mappings map[string]*mapping
	pollers  map[string]*poller

	rt    *runtime
	lim   *limiter
	logs  *logStore
	async *asyncQueue

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup // background goroutines
	closeOnce sync.Once
}

// New opens the service's tables in cfg.DB, loads its resources and
// starts its background work (asynchronous invocations, event source
// mappings, the idle reaper).
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "lambda", migrations)
	if err != nil {
		return nil, fmt.Errorf("new lambda service: %w", err)
	}
	s := &Service{
		cfg:      cfg,
		log:      cfg.Logger,
		comp:     comp,
		code:     &codeStore{root: cfg.CodeDir},
		fns:      map[string]*function{},
		mappings: map[string]*mapping{},
		pollers:  map[string]*poller{},
		lim:      newLimiter(cfg.MaxConcurrency),
	}
	s.rt = newRuntime(s)
	s.logs = newLogStore(comp, cfg.LogsPerFunction, cfg.Logger)
	s.logs.sink = cfg.LogSink
	s.async = newAsyncQueue(s)
	// Logs a deleted function's last invocations left behind.
	if err := comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM lambda_invocations WHERE function NOT IN (SELECT name FROM lambda_functions)`)
		return err
	}); err != nil {
		return nil, fmt.Errorf("new lambda service: %w", err)
	}
	if err := s.load(ctx); err != nil {
		return nil, fmt.Errorf("new lambda service: load: %w", err)
	}
	for name, f := range s.fns {
		if f.reserved != nil {
			s.lim.setReserved(name, f.reserved)
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Lock()
	s.gcCodeLocked()
	for _, m := range s.mappings {
		s.startPollerLocked(m)
	}
	s.mu.Unlock()
	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		s.async.run(s.ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.logs.run(s.ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.reapIdle(s.ctx)
	}()
	return s, nil
}

// reapIdle stops idle processes.
func (s *Service) reapIdle(ctx context.Context) {
	every := min(max(s.cfg.IdleTimeout/4, 10*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.rt.reap(now)
		}
	}
}

// gcCode removes unused packages.
func (s *Service) gcCode() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gcCodeLocked()
}

// Close stops every function process and background goroutine and waits
// for them; queued Event invocations stay queued for the next start. It is
// idempotent.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.rt.close()
		s.wg.Wait()
	})
	return nil
}

// handler is one action on the JSON form of its input.
type handler func(s *Service, ctx context.Context, body []byte) (any, error)

// actions maps every action the service implements to its handler.
var actions = map[string]handler{
	"CreateFunction":               (*Service).createFunction,
	"GetFunction":                  (*Service).getFunction,
	"GetFunctionConfiguration":     (*Service).getFunctionConfiguration,
	"UpdateFunctionCode":           (*Service).updateFunctionCode,
	"UpdateFunctionConfiguration":  (*Service).updateFunctionConfiguration,
	"DeleteFunction":               (*Service).deleteFunction,
	"ListFunctions":                (*Service).listFunctions,
	"PublishVersion":               (*Service).publishVersion,
	"ListVersionsByFunction":       (*Service).listVersionsByFunction,
	"GetFunctionCodeSigningConfig": (*Service).getFunctionCodeSigningConfig,
	"PutFunctionConcurrency":       (*Service).putFunctionConcurrency,
	"GetFunctionConcurrency":       (*Service).getFunctionConcurrency,
	"DeleteFunctionConcurrency":    (*Service).deleteFunctionConcurrency,
	"GetAccountSettings":           (*Service).getAccountSettings,

	"CreateAlias": (*Service).createAlias,
	"GetAlias":    (*Service).getAlias,
	"UpdateAlias": (*Service).updateAlias,
	"DeleteAlias": (*Service).deleteAlias,
	"ListAliases": (*Service).listAliases,

	"AddPermission":    (*Service).addPermission,
	"GetPolicy":        (*Service).getPolicy,
	"RemovePermission": (*Service).removePermission,

	"TagResource":   (*Service).tagResource,
	"UntagResource": (*Service).untagResource,
	"ListTags":      (*Service).listTags,

	"Invoke": (*Service).invokeAction,

	"CreateEventSourceMapping": (*Service).createEventSourceMapping,
	"GetEventSourceMapping":    (*Service).getEventSourceMapping,
	"UpdateEventSourceMapping": (*Service).updateEventSourceMapping,
	"DeleteEventSourceMapping": (*Service).deleteEventSourceMapping,
	"ListEventSourceMappings":  (*Service).listEventSourceMappings,
}

// Actions lists the actions the service implements, sorted.
func Actions() []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// handle validates an action's JSON input against the model and runs it.
func (s *Service) handle(ctx context.Context, action string, input []byte) (any, error) {
	h, ok := actions[action]
	if !ok {
		return nil, unknownOperation(action)
	}
	if len(input) == 0 {
		input = []byte("{}")
	}
	if err := awsproto.Validate("lambda", action, input); err != nil {
		return nil, err
	}
	return h(s, ctx, input)
}

func unknownOperation(action string) error {
	return &awsproto.Error{Code: codeUnknownOperation, Status: 400, Sender: true,
		Message: "Stepflow's Lambda does not implement " + action + "."}
}

// Call runs one Lambda API action on the JSON form of its input shape
// (the model's member names, blobs base64) and returns the JSON form of
// its output shape, or an *awsproto.Error with AWS's code and message.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	if err := checkBoundMembers(action, input); err != nil {
		return nil, err
	}
	out, err := s.handle(ctx, action, input)
	if err != nil {
		return nil, apiError(err)
	}
	return awsproto.MarshalResult(out)
}

// checkBoundMembers reports the required members a REST request carries in
// its path or query string (which model validation of a body skips) when
// a Call input lacks them.
func checkBoundMembers(action string, input []byte) error {
	svc, err := model.Load("lambda")
	if err != nil {
		return err
	}
	op, ok := svc.Operation(action)
	if !ok || op.Input < 0 {
		return nil
	}
	var members map[string]json.RawMessage
	if len(input) > 0 && json.Unmarshal(input, &members) != nil {
		return nil // validation reports it
	}
	var missing []string
	for _, m := range svc.Shapes[op.Input].Members {
		if v, ok := members[m.Name]; m.Required && m.Location != "" && (!ok || string(v) == "null") {
			missing = append(missing, awsproto.NullViolation(strings.ToLower(m.Name[:1])+m.Name[1:]))
		}
	}
	if len(missing) > 0 {
		return awsproto.ValidationError(missing...)
	}
	return nil
}

// Invocation is one invocation's record, as RecentInvocations returns it.
type Invocation struct {
	RequestID string
	// Version is the version that ran ("$LATEST" or a number).
	Version  string
	Start    time.Time
	Duration time.Duration
	// Status is Succeeded, Failed or TimedOut.
	Status string
	// Log is the invocation's log as CloudWatch would show it: the output
	// of the process's initialization (for a cold start), START, the
	// function's output, END and REPORT.
	Log string
}

// RecentInvocations returns up to n of a function's latest invocations,
// newest first (at most Config.LogsPerFunction are kept). function is a
// name or ARN; an unknown function is ResourceNotFoundException.
func (s *Service) RecentInvocations(ctx context.Context, function string, n int) ([]Invocation, error) {
	s.mu.RLock()
	ref, _, err := s.functionLocked(function)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return s.logs.recent(ref.name, n), nil
}
