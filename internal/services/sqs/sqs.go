// Package sqs is Amazon Simple Queue Service: standard and FIFO queues with
// their attributes and tags, messages with attributes, delays, visibility
// timeouts, long polling, batches, purges, dead-letter redrive, FIFO
// ordering per message group and de-duplication, all durable in the shared
// SQLite database.
//
// The service speaks the awsJson1_0 protocol of the current SDKs
// (X-Amz-Target "AmazonSQS.<Action>", query-compatible errors with the
// x-amzn-query-error header) and the older query protocol (form POSTs with
// Action=..., XML responses) on one handler, NewHTTPHandler. Call runs one
// action in-process with the JSON protocol's request and response shapes.
//
// A queue's URL is <BaseURL>/<account>/<name>; any URL whose last two path
// segments are the account and the queue name names it, whatever its host.
// Its ARN is arn:aws:sqs:<region>:<account>:<name>. Messages, their
// receive counts and visibility survive a restart; long polling waits on an
// in-memory notification per queue (woken by sends, visibility changes and
// a timer for the earliest visibility deadline), never by polling the
// database. A request that fails changes nothing. The SQL statements are
// prepared once, at New (stmts.go), and closed by Close.
package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TargetPrefix is the X-Amz-Target prefix of the SQS actions.
const TargetPrefix = "AmazonSQS"

// SigningName is the SigV4 service name SQS requests are signed with.
const SigningName = "sqs"

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the queues and messages (tables prefixed "sqs_"). Required.
	DB *sqlite.DB
	// Account and Region appear in queue URLs and ARNs. [111111111111,
	// us-east-1]
	Account, Region string
	// BaseURL is the server's public URL; queue URLs are
	// <BaseURL>/<account>/<name>. [http://127.0.0.1:8083]
	BaseURL string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock used for visibility timeouts, delays, retention and
	// timestamps. Long polling waits in real time. [time.Now]
	Now func() time.Time
	// SweepInterval is how often expired messages (past the queue's
	// MessageRetentionPeriod) and de-duplication records are deleted in the
	// background. [1m]
	SweepInterval time.Duration
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("sqs config: DB is required")
	}
	if c.Account == "" {
		c.Account = "111111111111"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8083"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = time.Minute
	}
	return nil
}

// Service serves the SQS API. It is safe for concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	log  *slog.Logger

	// mu guards queues (the cache of every queue's settings, written
	// through to the database) and serializes control-plane changes.
	mu     sync.RWMutex
	queues map[string]*queue

	waiters waiters
	// attempts remembers FIFO receives by ReceiveRequestAttemptId.
	attempts attempts

	done   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup
}

// New opens (migrating if needed) the SQS tables in cfg.DB, loads the
// queues and starts the background sweeper; Close stops it.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "sqs", migrations)
	if err != nil {
		return nil, fmt.Errorf("open sqs: %w", err)
	}
	s := &Service{cfg: cfg, comp: comp, log: cfg.Logger, queues: map[string]*queue{}, done: make(chan struct{})}
	s.waiters.m = map[int64]*waiter{}
	s.attempts.m = map[attemptKey]attempt{}
	if err := s.prepareStatements(ctx); err != nil {
		comp.Close()
		return nil, fmt.Errorf("open sqs: %w", err)
	}
	qs, err := s.loadQueues(ctx)
	if err != nil {
		comp.Close()
		return nil, fmt.Errorf("open sqs: %w", err)
	}
	for _, q := range qs {
		s.queues[q.name] = q
	}
	s.wg.Add(1)
	go s.sweepLoop()
	return s, nil
}

// Close stops the background sweeper, ends the receives that are waiting
// (they answer with no messages) and closes the service's prepared
// statements (a request still running finishes with unprepared ones). It
// is idempotent.
func (s *Service) Close() error {
	var err error
	s.closed.Do(func() {
		close(s.done)
		s.wg.Wait()
		err = s.comp.Close()
	})
	s.wg.Wait()
	return err
}

func (s *Service) now() time.Time { return s.cfg.Now() }

// actions maps every SQS action the service serves to its handler: it
// decodes its JSON body and returns its typed response.
var actions = awsproto.Actions[*Service]{
	"CreateQueue":                  (*Service).createQueue,
	"GetQueueUrl":                  (*Service).getQueueURL,
	"ListQueues":                   (*Service).listQueues,
	"GetQueueAttributes":           (*Service).getQueueAttributes,
	"SetQueueAttributes":           (*Service).setQueueAttributes,
	"DeleteQueue":                  (*Service).deleteQueue,
	"PurgeQueue":                   (*Service).purgeQueue,
	"TagQueue":                     (*Service).tagQueue,
	"UntagQueue":                   (*Service).untagQueue,
	"ListQueueTags":                (*Service).listQueueTags,
	"ListDeadLetterSourceQueues":   (*Service).listDeadLetterSourceQueues,
	"SendMessage":                  (*Service).sendMessage,
	"SendMessageBatch":             (*Service).sendMessageBatch,
	"ReceiveMessage":               (*Service).receiveMessage,
	"DeleteMessage":                (*Service).deleteMessage,
	"DeleteMessageBatch":           (*Service).deleteMessageBatch,
	"ChangeMessageVisibility":      (*Service).changeMessageVisibility,
	"ChangeMessageVisibilityBatch": (*Service).changeMessageVisibilityBatch,
}

// Actions lists the actions Call serves, sorted.
func Actions() []string { return actions.Names() }

// Call runs one action in-process: input is the action's request in the
// awsJson1_0 form (the model's member names), the result its response in
// the same form. Errors are *awsproto.Error values with AWS's code and
// message (an unknown action is UnknownOperationException); any other
// error is an internal failure. It validates the input as the wire path
// does.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	out, err := s.handle(ctx, action, input)
	if err != nil {
		return nil, err
	}
	return marshalOutput(out)
}

// handle runs one action and returns its typed response. A model action
// the service does not serve is UnsupportedOperation.
func (s *Service) handle(ctx context.Context, action string, body []byte) (any, error) {
	if !actions.Has(action) && isModelOperation(action) {
		return nil, apiError(CodeUnsupportedOperation, action+" is not supported by this emulator.")
	}
	return actions.Dispatch(s, ctx, action, body)
}

func marshalOutput(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal response: %w", err)
	}
	return b, nil
}

// decode unmarshals a JSON request body into v; an empty or null body is
// an empty request. A body that does not decode is a
// SerializationException, as on the JSON protocol.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return awsproto.Serialization("Unexpected value type for field '" + te.Field + "': expected " +
				te.Type.String() + ", got " + te.Value)
		}
		return awsproto.Serialization("")
	}
	return nil
}
