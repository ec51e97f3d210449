// Package approvals owns human approval links: a workflow waiting on a task
// token (.waitForTaskToken) gets links that point at Stepflow itself, and a
// person approves or rejects from an e-mail by following one and pressing a
// button.
//
// A link carries a signed, single-use, expiring reference to a request stored
// server-side, never the task token:
//
//	{BaseURL}/approvals/{id}?d=approve&s={sig}
//
// where sig is base64url(HMAC-SHA256(key, id|decision|expiry)) truncated to
// 128 bits. Following a link (GET) only shows a page naming the execution,
// the state and the request, with one button; pressing it POSTs the
// decision, so mail scanners that pre-fetch links decide nothing. The first
// valid POST records the decision with a conditional write (so two
// concurrent ones decide once) and then completes the task through
// Config.Complete: SendTaskSuccess with {"approved":true,...} for approve,
// SendTaskFailure with ApprovalRejected for reject.
//
// The HMAC key is 32 random bytes generated once and kept in the database
// (so links survive restarts), unless Config.Key is set. Requests live in the
// approvals_requests table of the shared SQLite database.
package approvals

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// Limits and defaults of a request.
const (
	// DefaultTTL is how long links stay valid when a request sets no TTL.
	DefaultTTL = 24 * time.Hour
	// MaxTTL is the longest a link may stay valid.
	MaxTTL = 7 * 24 * time.Hour
	// MaxTaskTokenLength is AWS's limit on a task token (SendTaskSuccess).
	MaxTaskTokenLength = 2048
	// MaxArnLength bounds ExecutionArn.
	MaxArnLength = 2048
	// MaxStateNameLength is AWS's limit on a state name.
	MaxStateNameLength = 80
	// MaxTitleLength bounds Title, in characters.
	MaxTitleLength = 256
	// MaxDetailsLength bounds Details, in characters.
	MaxDetailsLength = 8192
	// Retention is how long a request is kept after its links expire;
	// Create forgets older ones.
	Retention = 30 * 24 * time.Hour
	// DefaultTitle is shown when a request has no Title.
	DefaultTitle = "Approval requested"
)

// The error and cause a rejected task fails with.
const (
	RejectedError = "ApprovalRejected"
	rejectedCause = "Rejected by the approver through approval "
)

// CompleteFunc completes a waiting task: with approved, SendTaskSuccess with
// output (JSON text); otherwise SendTaskFailure with errName and cause. It
// returns an error when the task can no longer be completed (the token is
// invalid, the task timed out or the execution ended); any error is taken
// to mean that.
type CompleteFunc func(ctx context.Context, token string, approved bool, output string, errName, cause string) error

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the requests and the link key. Required.
	DB *sqlite.DB
	// BaseURL is the server's public URL, the start of every link, e.g.
	// http://127.0.0.1:8083. Required.
	BaseURL string
	// Key signs the links; at least 32 bytes. [32 random bytes generated
	// once and stored in the database]
	Key []byte
	// Now is the clock. [time.Now]
	Now func() time.Time
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Complete delivers a decision to the waiting task. Required.
	Complete CompleteFunc
	// Authenticate, when set, authenticates POST /approvals and GET
	// /approvals (the link pages are protected by their signatures). When
	// nil those are open, which the server allows only on a loopback
	// address.
	Authenticate awsproto.Authenticator
	// Describe, when set, returns an execution's name for the pages. [the
	// name taken from the ARN]
	Describe func(ctx context.Context, executionArn string) (name string, err error)
	// CompleteTimeout bounds one call of Complete. [30s]
	CompleteTimeout time.Duration
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("approvals config: DB is required")
	}
	if c.Complete == nil {
		return errors.New("approvals config: Complete is required")
	}
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("approvals config: BaseURL %q must be the server's public URL, e.g. http://127.0.0.1:8083", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Key != nil && len(c.Key) < keySize {
		return fmt.Errorf("approvals config: Key has %d bytes, need at least %d", len(c.Key), keySize)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.CompleteTimeout <= 0 {
		c.CompleteTimeout = 30 * time.Second
	}
	return nil
}

// Request asks a person for a decision on a waiting task.
type Request struct {
	// TaskToken is the token of the waiting task ($$.Task.Token). Required;
	// it stays on the server.
	TaskToken string
	// ExecutionArn names the waiting execution ($$.Execution.Id). Required.
	ExecutionArn string
	// StateName is the waiting state ($$.State.Name).
	StateName string
	// Title is the request's one-line summary. [DefaultTitle]
	Title string
	// Details is free text shown below the title (kept as written, line
	// breaks included).
	Details string
	// TTL is how long the links stay valid. [DefaultTTL; at most MaxTTL]
	TTL time.Duration
}

// Approval is a minted request: its links and when they expire.
type Approval struct {
	// ID identifies the request.
	ID string
	// ApproveURL and RejectURL each show a page with one button that
	// records that decision.
	ApproveURL, RejectURL string
	// PageURL shows the request with both buttons.
	PageURL string
	// ExpiresAt is when the links stop working (whole seconds).
	ExpiresAt time.Time
}

// Statuses of a Record.
const (
	StatusPending    = "PENDING"     // waiting for a decision
	StatusApproved   = "APPROVED"    // approved and delivered to the task
	StatusRejected   = "REJECTED"    // rejected and delivered to the task
	StatusExpired    = "EXPIRED"     // no decision before the links expired
	StatusNotWaiting = "NOT_WAITING" // decided, but the task no longer waited
	StatusDelivering = "DELIVERING"  // decided, the task is being completed
)

// Decisions.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// Record is a stored request as the console lists it. It holds neither the
// task token nor any link.
type Record struct {
	ID           string
	ExecutionArn string
	StateName    string
	Title        string
	Details      string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	// Status is one of the Status constants.
	Status string
	// Decision is DecisionApprove, DecisionReject or "" (none yet).
	Decision  string
	DecidedAt time.Time
	// Problem says why a decision was not delivered (StatusNotWaiting).
	Problem string

	token   string
	outcome string
}

// Errors callers branch on.
var (
	// ErrInvalidRequest is matched by every *RequestError.
	ErrInvalidRequest = errors.New("invalid approval request")
	// ErrNotFound: no request has this id.
	ErrNotFound = errors.New("approval not found")
	// ErrBadSignature: the link's signature does not match its id and
	// decision.
	ErrBadSignature = errors.New("approval link signature does not match")
	// ErrDecided: the request was already decided.
	ErrDecided = errors.New("approval already decided")
	// ErrExpired: the request's links expired before a decision.
	ErrExpired = errors.New("approval link expired")
	// ErrNotWaiting: the decision was recorded but the task no longer
	// waited for it (see NotWaitingError).
	ErrNotWaiting = errors.New("the task no longer waits for this approval")
)

// RequestError is a Request or wire body that cannot be accepted; Message
// says what to change.
type RequestError struct{ Message string }

// Error implements error.
func (e *RequestError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrInvalidRequest) true.
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

func invalid(format string, args ...any) error {
	return &RequestError{Message: fmt.Sprintf(format, args...)}
}

// NotWaitingError is returned when a recorded decision could not be
// delivered; Err is Complete's error.
type NotWaitingError struct{ Err error }

// Error implements error.
func (e *NotWaitingError) Error() string { return "deliver decision: " + e.Err.Error() }

// Unwrap returns Complete's error.
func (e *NotWaitingError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotWaiting) true.
func (e *NotWaitingError) Is(target error) bool { return target == ErrNotWaiting }

// Service mints approval links and records decisions. It is safe for
// concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	key  []byte
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// While the startup redelivery runs, deciding marks the requests it
	// decides so the redelivery leaves their delivery to the decider.
	mu           sync.Mutex
	redelivering bool
	deciding     map[string]bool
}

// New opens the service's tables in cfg.DB, loads (or creates) the link key
// and, in the background, delivers decisions a crash left undelivered.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "approvals", migrations)
	if err != nil {
		return nil, err
	}
	key := cfg.Key
	if key == nil {
		if key, err = cfg.DB.Secret(ctx, "approval-links"); err != nil {
			return nil, err
		}
	}
	s := &Service{cfg: cfg, comp: comp, key: key, log: cfg.Logger, redelivering: true, deciding: map[string]bool{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.redeliver(s.ctx)
	}()
	return s, nil
}

// Close stops the background delivery and waits for it. It does not close
// the database. Close is idempotent.
func (s *Service) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// Create stores r and returns its links. Returns a *RequestError when r is
// invalid.
func (s *Service) Create(ctx context.Context, r Request) (Approval, error) {
	if err := checkRequest(&r); err != nil {
		return Approval{}, err
	}
	id, err := newID()
	if err != nil {
		return Approval{}, err
	}
	now := s.cfg.Now()
	exp := now.Add(r.TTL).Truncate(time.Second)
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		// Forget requests that expired long ago (their links then say
		// "not found" instead of "expired").
		if _, err := tx.Exec(`DELETE FROM approvals_requests WHERE expires_at < ?`, now.Add(-Retention).Unix()); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO approvals_requests
			(id, task_token, execution_arn, state_name, title, details, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.TaskToken, r.ExecutionArn, r.StateName, r.Title, r.Details, now.UnixNano(), exp.Unix())
		return err
	})
	if err != nil {
		return Approval{}, fmt.Errorf("store approval: %w", err)
	}
	s.log.Info("approval_created", "approval_id", id, "execution_arn", r.ExecutionArn, "state", r.StateName, "expires_at", exp)
	return s.links(id, exp), nil
}

// Links returns the signed links of a request, e.g. for a console that
// lists pending approvals (a decision still needs the page's button).
func (s *Service) Links(ctx context.Context, id string) (Approval, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Approval{}, err
	}
	return s.links(id, r.ExpiresAt), nil
}

// links builds the URLs of a request.
func (s *Service) links(id string, exp time.Time) Approval {
	return Approval{
		ID:         id,
		ApproveURL: s.linkURL(id, DecisionApprove, exp),
		RejectURL:  s.linkURL(id, DecisionReject, exp),
		PageURL:    s.linkURL(id, decisionPage, exp),
		ExpiresAt:  exp.UTC(),
	}
}

func (s *Service) linkURL(id, decision string, exp time.Time) string {
	return s.cfg.BaseURL + formatLink(id, decision, sign(s.key, id, decision, exp))
}

// checkRequest validates r and applies its defaults.
func checkRequest(r *Request) error {
	switch {
	case r.TaskToken == "":
		return invalid("TaskToken is required: pass the waiting task's token ($$.Task.Token)")
	case len(r.TaskToken) > MaxTaskTokenLength:
		return invalid("TaskToken is %d characters long; a task token has at most %d", len(r.TaskToken), MaxTaskTokenLength)
	case r.ExecutionArn == "":
		return invalid("ExecutionArn is required: pass the waiting execution's ARN ($$.Execution.Id)")
	case !strings.HasPrefix(r.ExecutionArn, "arn:"):
		return invalid("ExecutionArn %q is not an ARN: pass $$.Execution.Id", truncate(r.ExecutionArn, 64))
	case len(r.ExecutionArn) > MaxArnLength:
		return invalid("ExecutionArn is %d characters long; at most %d are allowed", len(r.ExecutionArn), MaxArnLength)
	case utf8.RuneCountInString(r.StateName) > MaxStateNameLength:
		return invalid("StateName has more than %d characters", MaxStateNameLength)
	case utf8.RuneCountInString(r.Title) > MaxTitleLength:
		return invalid("Title has more than %d characters: put the rest in Details", MaxTitleLength)
	case utf8.RuneCountInString(r.Details) > MaxDetailsLength:
		return invalid("Details has more than %d characters", MaxDetailsLength)
	case r.TTL < 0:
		return invalid("the expiry must be positive, or 0 for the default of %s", DefaultTTL)
	case r.TTL > MaxTTL:
		return invalid("the expiry %s is longer than the maximum of 7 days (%d seconds)", r.TTL, int64(MaxTTL/time.Second))
	}
	for name, v := range map[string]string{"TaskToken": r.TaskToken, "ExecutionArn": r.ExecutionArn, "StateName": r.StateName, "Title": r.Title, "Details": r.Details} {
		if !utf8.ValidString(v) {
			return invalid("%s is not valid UTF-8", name)
		}
		if strings.ContainsRune(v, 0) {
			return invalid("%s contains a NUL character", name)
		}
	}
	if r.TTL == 0 {
		r.TTL = DefaultTTL
	}
	if r.TTL < time.Second {
		return invalid("the expiry must be at least one second")
	}
	if strings.TrimSpace(r.Title) == "" {
		r.Title = DefaultTitle
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// newID returns 128 random bits in hex.
func newID() (string, error) {
	var b [idBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate approval id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Get returns the stored request id. Returns ErrNotFound when there is none.
func (s *Service) Get(ctx context.Context, id string) (Record, error) {
	if !validID(id) {
		return Record{}, ErrNotFound
	}
	row := s.comp.Read().QueryRowContext(ctx, `SELECT `+recordColumns+` FROM approvals_requests WHERE id = ?`, id)
	rec, err := scanRecord(row, s.cfg.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("read approval: %w", err)
	}
	return rec, nil
}

// List returns stored requests, newest first: only those still waiting for
// a decision when pendingOnly. limit ≤ 0 means 100; at most 1000.
func (s *Service) List(ctx context.Context, pendingOnly bool, limit int) ([]Record, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	now := s.cfg.Now()
	q := `SELECT ` + recordColumns + ` FROM approvals_requests`
	args := []any{}
	if pendingOnly {
		q += ` WHERE decision = '' AND expires_at > ?`
		args = append(args, now.Unix())
	}
	q += ` ORDER BY created_at DESC, rowid DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.comp.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		rec, err := scanRecord(rows, now)
		if err != nil {
			return nil, fmt.Errorf("list approvals: %w", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	return out, nil
}

// Verify checks a link's signature against the stored request and returns
// the request. decision is DecisionApprove, DecisionReject or "" for the
// page link. Returns ErrNotFound or ErrBadSignature; it does not look at the
// request's status.
func (s *Service) Verify(ctx context.Context, id, decision, sig string) (Record, error) {
	l, err := parseLink(id, decision, sig)
	if err != nil {
		if errors.Is(err, errBadID) {
			return Record{}, ErrNotFound
		}
		return Record{}, ErrBadSignature
	}
	rec, err := s.Get(ctx, l.id)
	if err != nil {
		return Record{}, err
	}
	if !verify(s.key, l, rec.ExpiresAt) {
		return Record{}, ErrBadSignature
	}
	return rec, nil
}

// Decide records the decision on request id and delivers it to the waiting
// task; approve chooses SendTaskSuccess or SendTaskFailure. It trusts its
// caller: the link handler calls it after Verify, the console may call it
// directly. Returns the updated record, or ErrNotFound, ErrDecided,
// ErrExpired (nothing changed), or a *NotWaitingError (the decision is
// recorded, but the task no longer waited for it).
func (s *Service) Decide(ctx context.Context, id string, approve bool) (Record, error) {
	decision := DecisionReject
	if approve {
		decision = DecisionApprove
	}
	now := s.cfg.Now()
	var won bool
	var rec Record
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE approvals_requests SET decision = ?, decided_at = ?
			WHERE id = ? AND decision = '' AND expires_at > ?`, decision, now.UnixNano(), id, now.Unix())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if won = n == 1; won {
			s.markDeciding(id)
		}
		rec, err = scanRecord(tx.QueryRow(`SELECT `+recordColumns+` FROM approvals_requests WHERE id = ?`, id), now)
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Record{}, ErrNotFound
	case err != nil:
		return Record{}, fmt.Errorf("record decision: %w", err)
	case !won && rec.Decision != "":
		return rec, ErrDecided
	case !won:
		return rec, ErrExpired
	}
	return s.deliver(ctx, rec)
}

// deliver completes the task of a decided record and records the outcome.
func (s *Service) deliver(ctx context.Context, rec Record) (Record, error) {
	approved := rec.Decision == DecisionApprove
	var output, errName, cause string
	if approved {
		b, _ := json.Marshal(approvedOutput{Approved: true, ApprovalID: rec.ID, DecidedAt: rec.DecidedAt.UTC().Format(time.RFC3339)})
		output = string(b)
	} else {
		errName, cause = RejectedError, rejectedCause+rec.ID
	}
	// The approver's request may go away; the decision is recorded, so
	// finish delivering it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.CompleteTimeout)
	cerr := s.cfg.Complete(cctx, rec.token, approved, output, errName, cause)
	cancel()
	outcome, problem := outcomeDelivered, ""
	if cerr != nil {
		outcome, problem = outcomeNotWaiting, cerr.Error()
	}
	err := s.comp.Write(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE approvals_requests SET outcome = ?, problem = ? WHERE id = ?`, outcome, problem, rec.ID)
		return err
	})
	if err != nil {
		return rec, fmt.Errorf("record delivery: %w", err)
	}
	rec.outcome, rec.Problem = outcome, problem
	rec.Status = status(rec.Decision, outcome, rec.ExpiresAt, s.cfg.Now())
	if cerr != nil {
		s.log.Warn("approval_not_waiting", "approval_id", rec.ID, "execution_arn", rec.ExecutionArn, "decision", rec.Decision, "err", cerr)
		return rec, &NotWaitingError{Err: cerr}
	}
	s.log.Info("approval_decided", "approval_id", rec.ID, "execution_arn", rec.ExecutionArn, "decision", rec.Decision)
	return rec, nil
}

type approvedOutput struct {
	Approved   bool   `json:"approved"`
	ApprovalID string `json:"approvalId"`
	DecidedAt  string `json:"decidedAt"`
}

// markDeciding notes, while the startup redelivery runs, that this process
// decided id and delivers it itself. It is called before the decision
// commits, so a redelivery that reads the decision sees the mark.
func (s *Service) markDeciding(id string) {
	s.mu.Lock()
	if s.redelivering {
		s.deciding[id] = true
	}
	s.mu.Unlock()
}

// claim reports whether the redelivery should deliver id (no request of
// this process decided it).
func (s *Service) claim(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.deciding[id]
}

// redeliver completes the tasks of decisions recorded before a crash that
// were never delivered.
func (s *Service) redeliver(ctx context.Context) {
	defer func() {
		s.mu.Lock()
		s.redelivering, s.deciding = false, nil
		s.mu.Unlock()
	}()
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT `+recordColumns+` FROM approvals_requests
		WHERE decision <> '' AND outcome = '' ORDER BY decided_at`)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("approval_redeliver_failed", "err", err)
		}
		return
	}
	var pending []Record
	now := s.cfg.Now()
	for rows.Next() {
		rec, err := scanRecord(rows, now)
		if err != nil {
			s.log.Error("approval_redeliver_failed", "err", err)
			break
		}
		pending = append(pending, rec)
	}
	rows.Close()
	for _, rec := range pending {
		if ctx.Err() != nil {
			return
		}
		if !s.claim(rec.ID) {
			continue
		}
		_, _ = s.deliver(ctx, rec) // deliver logs the outcome
	}
}
