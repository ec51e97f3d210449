// Package logs is Amazon CloudWatch Logs as Stepflow needs it: log groups
// (with retention, tags and classes), log streams and log events, written
// by PutLogEvents or, in process, by Append (Lambda function logs, state
// machine logging) and read back with GetLogEvents and FilterLogEvents.
// Everything is durable in the shared SQLite database; a background sweep
// deletes events older than their group's retention.
//
// ARNs are AWS's: a group is arn:aws:logs:<region>:<account>:log-group:<name>
// (DescribeLogGroups' "arn" adds ":*", its "logGroupArn" does not), a
// stream ...:log-group:<name>:log-stream:<stream>.
//
// The wire protocol is awsJson1_1 with X-Amz-Target "Logs_20140328.<Action>",
// served by NewHTTPHandler; Call runs the same actions in process. Request
// bodies are validated against the model; constraint violations are
// InvalidParameterException, as CloudWatch Logs answers them.
package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TargetPrefix is the X-Amz-Target prefix of the CloudWatch Logs actions;
// register the handler with awsproto.Router.HandleTarget(TargetPrefix, ...).
const TargetPrefix = "Logs_20140328"

const modelName = "cloudwatch-logs"

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the groups, streams and events. Required.
	DB *sqlite.DB
	// Account and Region appear in every ARN. [111111111111, us-east-1]
	Account, Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock: ingestion times, PutLogEvents' age limits and
	// retention. [time.Now]
	Now func() time.Time
	// SweepInterval is how often events past their group's retention are
	// deleted; negative turns the background sweep off. [1m]
	SweepInterval time.Duration
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("logs config: DB is required")
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
	if c.SweepInterval == 0 {
		c.SweepInterval = time.Minute
	}
	return nil
}

// Service serves the CloudWatch Logs API. It is safe for concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component

	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New opens the service's tables in cfg.DB and starts the retention sweep.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	comp, err := cfg.DB.Component(context.Background(), "logs", migrations)
	if err != nil {
		return nil, fmt.Errorf("new logs service: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{cfg: cfg, comp: comp, stop: cancel}
	if cfg.SweepInterval > 0 {
		s.wg.Add(1)
		go s.sweepLoop(ctx)
	}
	return s, nil
}

// Close stops the retention sweep and waits for it. It is idempotent.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		s.wg.Wait()
	})
	return nil
}

// actions maps every CloudWatch Logs action to its handler.
var actions = awsproto.Actions[*Service]{
	"CreateLogGroup":        (*Service).createLogGroup,
	"DeleteLogGroup":        (*Service).deleteLogGroup,
	"DescribeLogGroups":     (*Service).describeLogGroups,
	"PutRetentionPolicy":    (*Service).putRetentionPolicy,
	"DeleteRetentionPolicy": (*Service).deleteRetentionPolicy,
	"TagResource":           (*Service).tagResource,
	"UntagResource":         (*Service).untagResource,
	"ListTagsForResource":   (*Service).listTagsForResource,
	"TagLogGroup":           (*Service).tagLogGroup,
	"UntagLogGroup":         (*Service).untagLogGroup,
	"ListTagsLogGroup":      (*Service).listTagsLogGroup,
	"CreateLogStream":       (*Service).createLogStream,
	"DeleteLogStream":       (*Service).deleteLogStream,
	"DescribeLogStreams":    (*Service).describeLogStreams,
	"PutLogEvents":          (*Service).putLogEvents,
	"GetLogEvents":          (*Service).getLogEvents,
	"FilterLogEvents":       (*Service).filterLogEvents,
}

// Actions lists the actions the service serves, sorted.
func Actions() []string { return actions.Names() }

// Handle runs one action on its awsJson1_1 body: it validates the body
// against the model (violations become InvalidParameterException) and
// returns the response value or an *awsproto.Error. Its signature is
// awsproto.HandlerFunc's.
func (s *Service) Handle(ctx context.Context, action string, body []byte) (any, error) {
	if !actions.Has(action) {
		return nil, awsproto.UnknownOperation()
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := awsproto.Validate(modelName, action, body); err != nil {
		var e *awsproto.Error
		if errors.As(err, &e) && e.Code == awsproto.CodeValidation {
			return nil, awsproto.NewError(CodeInvalidParameter, unanchor(e.Message))
		}
		return nil, err
	}
	out, err := actions.Dispatch(s, ctx, action, body)
	if err != nil {
		var apiErr *awsproto.Error
		if !errors.As(err, &apiErr) {
			// Log the action's own error, without Dispatch's action prefix.
			s.cfg.Logger.Error("logs_action_failed", "action", action, "error", errors.Unwrap(err))
		}
		return nil, err
	}
	if out == nil {
		return struct{}{}, nil
	}
	return out, nil
}

// Call runs one CloudWatch Logs action (e.g. "PutLogEvents") on the JSON
// form of its input shape (the model's member names) and returns the JSON
// form of its output. Errors are *awsproto.Error values with AWS's codes.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	out, err := s.Handle(ctx, action, input)
	if err != nil {
		var e *awsproto.Error
		if !errors.As(err, &e) {
			return nil, awsproto.InternalFailure(err.Error())
		}
		return nil, err
	}
	b, err := jsonMarshal(out)
	if err != nil {
		return nil, fmt.Errorf("%s: marshal output: %w", action, err)
	}
	return b, nil
}

// NewHTTPHandler returns the awsJson1_1 endpoint of the service: POST /
// with X-Amz-Target "Logs_20140328.<Action>". auth, when set,
// authenticates every request. Route to it with
// awsproto.Router.HandleTarget(TargetPrefix, ...).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	h, err := awsproto.NewJSONHandler(awsproto.JSONConfig{
		Service: modelName, Handle: s.Handle, Authenticate: auth,
		SkipValidation: true, // Handle validates, with Logs' error code
	})
	if err != nil {
		panic(err) // the model is embedded and speaks awsJson1_1
	}
	return h
}

// decode unmarshals a validated JSON body.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return awsproto.Serialization("Unable to parse the request body: " + err.Error())
	}
	return nil
}

// jsonMarshal is json.Marshal without HTML escaping.
func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// unanchor removes the ^ and $ anchors the current model adds to patterns
// in validation messages: CloudWatch Logs words them as its older model
// did ("pattern: [\\.\\-_/#A-Za-z0-9]+").
func unanchor(msg string) string {
	const key = "regular expression pattern: ^"
	var b strings.Builder
	for {
		i := strings.Index(msg, key)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		b.WriteString(msg[:i+len(key)-1])
		msg = msg[i+len(key):]
		end := strings.Index(msg, "; Value ")
		if end < 0 {
			end = len(msg)
		}
		b.WriteString(strings.TrimSuffix(msg[:end], "$"))
		msg = msg[end:]
	}
}
