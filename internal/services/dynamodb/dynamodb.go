// Package dynamodb is the Amazon DynamoDB API (DynamoDB_20120810, awsJson1_0):
// tables with their secondary indexes, TTL and tags, items with the
// expression language (conditions, updates, projections, key conditions and
// filters), Query and Scan, batches and transactions, durable in the shared
// SQLite database.
//
// The service speaks in request and response bodies: Handle takes an action
// name and its JSON body and returns the response or an *awsproto.Error with
// AWS's code and message; Call does the same for in-process callers (Step
// Functions' dynamodb integrations). NewHTTPHandler serves the wire protocol.
//
// Storage: every table's items live in one SQLite table keyed by the table,
// a hash of the partition key and the order-preserving encodings of the
// partition and sort keys (package attr), so a Query is an index range.
// Secondary index entries live in their own table and are maintained in
// the same transaction as the item. Every write is one SQLite transaction
// through the database's single writer: a conditional write reads, checks
// and writes atomically, and TransactWriteItems is all-or-nothing. The
// statements are prepared once, at New (stmts.go), and closed by Close.
package dynamodb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TargetPrefix is the X-Amz-Target prefix of the DynamoDB actions.
const TargetPrefix = "DynamoDB_20120810"

// SigningName is the SigV4 service name DynamoDB requests are signed for.
const SigningName = "dynamodb"

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the tables and items. Required.
	DB *sqlite.DB
	// Account and Region appear in every ARN. [111111111111, us-east-1]
	Account, Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock: creation times and TTL expiry. [time.Now]
	Now func() time.Time
	// TTLInterval is how often expired items are deleted (AWS takes up to a
	// few days; reads do not hide expired items, as on AWS). [1m]
	TTLInterval time.Duration
	// DisableTTL turns the background TTL deletion off.
	DisableTTL bool
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("dynamodb config: DB is required")
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
	if c.TTLInterval <= 0 {
		c.TTLInterval = time.Minute
	}
	return nil
}

// Service serves the DynamoDB API. It is safe for concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	log  *slog.Logger

	// schemaMu orders table definition changes (write lock) against item
	// operations (read lock), so an item write never uses a definition
	// that is being replaced.
	schemaMu sync.RWMutex
	tables   map[string]*table
	nextNum  int64

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// New returns a service on cfg.DB, migrating its tables, and starts the
// TTL sweeper.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "dynamodb", migrations)
	if err != nil {
		return nil, fmt.Errorf("new dynamodb service: %w", err)
	}
	s := &Service{cfg: cfg, comp: comp, log: cfg.Logger, tables: map[string]*table{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := prepare(ctx, comp); err != nil {
		comp.Close()
		return nil, fmt.Errorf("new dynamodb service: %w", err)
	}
	if err := s.loadTables(ctx); err != nil {
		comp.Close()
		return nil, fmt.Errorf("new dynamodb service: %w", err)
	}
	for _, t := range s.tables {
		s.nextNum = max(s.nextNum, t.meta.Num)
	}
	if cfg.DisableTTL {
		close(s.done)
	} else {
		go s.sweepLoop()
	}
	return s, nil
}

// Close stops the background TTL sweeper, waits for it and closes the
// service's prepared statements (a request still running finishes with
// unprepared ones). It is idempotent.
func (s *Service) Close() error {
	var err error
	s.stopOnce.Do(func() {
		close(s.stop)
		<-s.done
		err = s.comp.Close()
	})
	<-s.done
	return err
}

// actions maps every action Handle serves to its handler.
var actions = awsproto.Actions[*Service]{
	"CreateTable":                         (*Service).createTable,
	"DescribeTable":                       (*Service).describeTable,
	"UpdateTable":                         (*Service).updateTable,
	"DeleteTable":                         (*Service).deleteTable,
	"ListTables":                          (*Service).listTables,
	"UpdateTimeToLive":                    (*Service).updateTimeToLive,
	"DescribeTimeToLive":                  (*Service).describeTimeToLive,
	"DescribeContinuousBackups":           (*Service).describeContinuousBackups,
	"UpdateContinuousBackups":             (*Service).updateContinuousBackups,
	"TagResource":                         (*Service).tagResource,
	"UntagResource":                       (*Service).untagResource,
	"ListTagsOfResource":                  (*Service).listTagsOfResource,
	"DescribeKinesisStreamingDestination": (*Service).describeKinesisStreamingDestination,
	"DescribeContributorInsights":         (*Service).describeContributorInsights,
	"DescribeTableReplicaAutoScaling":     (*Service).describeTableReplicaAutoScaling,
	"GetResourcePolicy":                   (*Service).getResourcePolicy,
	"DescribeLimits":                      (*Service).describeLimits,
	"DescribeEndpoints":                   (*Service).describeEndpoints,
	"ListBackups":                         (*Service).listBackups,
	"ListGlobalTables":                    (*Service).listGlobalTables,

	"PutItem":    (*Service).putItem,
	"GetItem":    (*Service).getItem,
	"UpdateItem": (*Service).updateItem,
	"DeleteItem": (*Service).deleteItem,
	"Query":      (*Service).query,
	"Scan":       (*Service).scan,

	"BatchGetItem":       (*Service).batchGetItem,
	"BatchWriteItem":     (*Service).batchWriteItem,
	"TransactWriteItems": (*Service).transactWriteItems,
	"TransactGetItems":   (*Service).transactGetItems,
}

// Actions lists the actions Handle serves, sorted.
func Actions() []string { return actions.Names() }

// Handle runs one action on its JSON request body and returns the
// response body or an error: an *awsproto.Error for AWS API errors, any
// other error for an internal failure. Its signature is
// awsproto.HandlerFunc's. Actions of the model that Stepflow does not
// emulate answer UnknownOperationException.
func (s *Service) Handle(ctx context.Context, action string, body []byte) (any, error) {
	out, err := actions.Dispatch(s, ctx, action, body)
	var wm *memberError
	if errors.As(err, &wm) {
		if sl, ok := ctx.Value(slotKey{}).(*errorSlot); ok {
			sl.members, sl.capital = wm.members, wm.capital
		}
		return nil, wm.err
	}
	return out, err
}

// Call runs one action for an in-process caller (Step Functions'
// arn:aws:states:::dynamodb:* and aws-sdk:dynamodb:* integrations): input
// is the JSON form of the action's input shape, validated against the model
// as the wire path does; the result is the output shape as JSON, or an
// *awsproto.Error with AWS's code and message.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	if len(bytes.TrimSpace(input)) == 0 {
		input = []byte("{}")
	}
	if !actions.Has(action) {
		return nil, awsproto.UnknownOperation()
	}
	if err := awsproto.Validate("dynamodb", action, input); err != nil {
		var apiErr *awsproto.Error
		if !errors.As(err, &apiErr) {
			return nil, awsproto.UnknownOperation()
		}
		return nil, err
	}
	out, err := s.Handle(ctx, action, input)
	if err != nil {
		return nil, err
	}
	switch v := out.(type) {
	case nil:
		return []byte("{}"), nil
	case []byte:
		return v, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, awsproto.InternalFailure("marshal response: " + err.Error())
	}
	return b, nil
}

// decode unmarshals a request body; an empty body is an empty request.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return decodeError(err)
	}
	return nil
}

// empty is the response of actions that answer with no members.
type empty struct{}
