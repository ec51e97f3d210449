// Package ses is Amazon Simple Email Service, both APIs: SES v1 (awsQuery:
// form POSTs with Action=...&Version=2010-12-01 answered in XML) and SES v2
// (restJson1 under /v2/email, signed as "ses"). It owns e-mail identities,
// sending, and a durable local outbox.
//
// Identities (addresses and domains) are shared by both APIs, as on AWS,
// and verified at once: VerificationStatus Success, DKIM SUCCESS. Sending
// from an identity that is not verified fails with AWS's MessageRejected
// ("Email address is not verified. The following identities failed the
// check in region US-EAST-1: ..."); a verified domain covers every address
// in it and in its subdomains. The sandbox rules are not enforced:
// recipients need no verification and the quotas GetSendQuota and
// GetAccount report (50,000 a day, 14 a second) are never applied. A
// message may have 50 recipients and, once MIME-encoded, 10 MB through v1
// and 40 MB through v2.
//
// Every accepted message is built into a MIME message (From, Reply-To, To,
// Cc, Subject, Date, Message-ID <MessageId@email.amazonses.com>,
// MIME-Version, then text/plain, text/html or both in
// multipart/alternative, quoted-printable UTF-8; Bcc recipients are in the
// envelope only; raw messages are kept byte for byte), given a MessageId
// shaped as SES's, and committed to the outbox table before the API call
// answers. With Config.SMTPRelay set, a background loop delivers each
// message to that relay over SMTP, retrying with a doubling delay and
// recording the outcome per message; the outbox web pages and JSON API
// (NewOutboxHandler) show the messages and their delivery.
//
// Call runs a v2 action and CallV1 a v1 action in process, with the JSON
// form of the model's input shape; both return the output shape as JSON
// or an *awsproto.Error. The HTTP handler (NewHTTPHandler) serves both wire
// protocols on the same code.
//
// Not emulated: templates (v2 SendEmail with Template content answers
// NotFoundException; no CreateEmailTemplate), configuration sets, contact
// lists, custom MAIL FROM, DKIM signing of the relayed messages, sending
// authorization policies, bounces and complaints, message charsets other
// than UTF-8 (a Charset member is accepted, the text is sent as UTF-8),
// STARTTLS and authentication towards the relay. Actions of the models
// that Stepflow does not serve answer 501 NotImplemented.
package ses

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// Model names of the two APIs in awsproto/model.
const (
	modelV1 = "ses"
	modelV2 = "sesv2"
)

// SigningName is the SigV4 service name of both APIs (the models' sigv4
// trait): register the handler with awsproto.Router.HandleService for v1.
const SigningName = "ses"

// PathPrefix is the path prefix of every SES v2 operation: register the
// handler with awsproto.Router.HandlePath.
const PathPrefix = "/v2/email"

// OutboxPath is where NewOutboxHandler expects to be mounted, unstripped.
const OutboxPath = "/outbox"

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds identities, tags and the outbox. Required.
	DB *sqlite.DB
	// Account and Region appear in ARNs and in AWS's messages.
	// [111111111111, us-east-1]
	Account, Region string
	// Logger receives delivery failures and retries. [discard]
	Logger *slog.Logger
	// Now is the clock of message dates and delivery times. [time.Now]
	Now func() time.Time
	// BaseURL is the public URL of the server, used for links to the
	// outbox in logs. [none]
	BaseURL string
	// SMTPRelay, "host:port", is where accepted messages are delivered
	// over SMTP (no TLS, no authentication). Empty keeps messages in the
	// outbox only.
	SMTPRelay string
	// SMTPHelo is the name sent in EHLO. [localhost]
	SMTPHelo string
	// SMTPTimeout bounds one delivery attempt. [30s]
	SMTPTimeout time.Duration
	// RetryMin and RetryMax bound the delay between delivery attempts,
	// which doubles from RetryMin after each failure. [1s, 5m]
	RetryMin, RetryMax time.Duration
	// MaxAttempts is how many times a message is offered to the relay
	// before it is marked failed (it stays in the outbox and can be
	// retried from its page). [20]
	MaxAttempts int
	// Workers is the number of concurrent deliveries. [2]
	Workers int
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("ses config: DB is required")
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
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.SMTPRelay != "" {
		if _, _, err := net.SplitHostPort(c.SMTPRelay); err != nil {
			return fmt.Errorf("ses config: SMTPRelay %q is not host:port: %w", c.SMTPRelay, err)
		}
	}
	if c.SMTPHelo == "" {
		c.SMTPHelo = "localhost"
	}
	if c.SMTPTimeout <= 0 {
		c.SMTPTimeout = 30 * time.Second
	}
	if c.RetryMin <= 0 {
		c.RetryMin = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Minute
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = c.RetryMin
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 20
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	return nil
}

// Service serves both SES APIs and the outbox. It is safe for concurrent
// use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	log  *slog.Logger

	// mu guards ids, the in-memory copy of the identity table (only this
	// service writes it), and serializes identity changes.
	mu      sync.RWMutex
	ids     map[string]*identity // by lower-cased name
	lastSeq int64                // the highest identity creation order given

	// Delivery.
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// New opens the service's tables in cfg.DB and, when a relay is set,
// starts delivering, beginning with the messages a previous run left
// pending.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	comp, err := cfg.DB.Component(ctx, "ses", migrations)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open ses: %w", err)
	}
	s := &Service{cfg: cfg, comp: comp, log: cfg.Logger, wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
	if err := s.loadIdentities(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("open ses: %w", err)
	}
	if cfg.SMTPRelay != "" {
		s.wg.Add(1)
		go s.deliverLoop()
	}
	return s, nil
}

// Close stops delivery and waits for the attempts in flight. Messages not
// yet delivered stay pending and are delivered by the next New. It is
// idempotent.
func (s *Service) Close() error {
	s.closed.Do(func() {
		s.cancel()
		s.wg.Wait()
	})
	return nil
}

// handler is one action: it decodes its JSON input and returns its output.
type handler func(s *Service, ctx context.Context, in []byte) (any, error)

// Call runs one SES v2 action (named as in the sesv2 model, e.g.
// "SendEmail", "CreateEmailIdentity") on the JSON form of its input shape
// (every member by its model name, path and query members included, blobs
// base64) and returns the output shape as JSON, or an *awsproto.Error.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	out, err := s.call(ctx, modelV2, actionsV2, action, input)
	if err != nil {
		return nil, err
	}
	return marshalJSON(out)
}

// CallV1 runs one SES v1 action (named as in the ses model, e.g.
// "SendEmail", "VerifyEmailIdentity") on the JSON form of its input shape
// and returns the output shape as JSON (timestamps as epoch seconds), or an
// *awsproto.Error.
func (s *Service) CallV1(ctx context.Context, action string, input []byte) ([]byte, error) {
	out, err := s.call(ctx, modelV1, actionsV1, action, input)
	if err != nil {
		return nil, err
	}
	return marshalJSON(out)
}

// call validates input against the model and runs the action.
func (s *Service) call(ctx context.Context, model string, actions map[string]handler, action string, input []byte) (any, error) {
	h, ok := actions[action]
	if !ok {
		return nil, unknownAction(model, action)
	}
	if len(strings.TrimSpace(string(input))) == 0 {
		input = []byte("{}")
	}
	if err := validate(model, action, input); err != nil {
		return nil, err
	}
	if err := checkBoundRequired(model, action, input); err != nil {
		return nil, err
	}
	return s.run(ctx, h, action, input)
}

// run calls h, wrapping errors that are not API errors.
func (s *Service) run(ctx context.Context, h handler, action string, input []byte) (any, error) {
	out, err := h(s, ctx, input)
	if err != nil {
		var apiErr *awsproto.Error
		if !errors.As(err, &apiErr) {
			return nil, fmt.Errorf("%s: %w", action, err)
		}
		return nil, err
	}
	return out, nil
}

// marshalJSON encodes an output value without HTML escaping.
func marshalJSON(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal output: %w", err)
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// decode unmarshals a validated JSON input.
func decode(in []byte, v any) error {
	if err := json.Unmarshal(in, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return awsproto.Serialization("Unexpected value type for field '" + te.Field + "': expected " + te.Type.String() + ", got " + te.Value)
		}
		return awsproto.Serialization("Unable to parse the request body as JSON: " + err.Error())
	}
	return nil
}
