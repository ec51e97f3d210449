// Package sts is the AWS Security Token Service as Stepflow needs it:
// GetCallerIdentity (which the Terraform AWS provider calls to learn the
// account), AssumeRole, GetSessionToken and GetAccessKeyInfo. Credentials
// it issues are shaped like AWS's (ASIA... access key IDs, 40-character
// secrets, session tokens, expirations) and remembered, so
// GetCallerIdentity signed with them names the assumed role; nothing is
// authorized or denied.
//
// The wire protocol is awsQuery (form POST with Action= and
// Version=2011-06-15, XML responses and errors), served by NewHTTPHandler;
// Call runs the same actions with the JSON form of their input and output.
package sts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/query"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// SigningName is the SigV4 service name of STS requests; register the
// handler with awsproto.Router.HandleService(SigningName, ...).
const SigningName = "sts"

const (
	xmlns     = "https://sts.amazonaws.com/doc/2011-06-15/"
	modelName = "sts"
)

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB, when set, keeps the issued credentials across restarts. [memory
	// only]
	DB *sqlite.DB
	// Account is the caller's account. [111111111111]
	Account string
	// Region is accepted for symmetry; STS answers the same everywhere.
	// [us-east-1]
	Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock. [time.Now]
	Now func() time.Time
	// RoleID, when set, returns the RoleId (AROA...) of the role an ARN
	// names, and false when there is no such role; AssumeRole then refuses
	// unknown roles with AccessDenied, as AWS does. [any role exists, its
	// ID derived from its ARN]
	RoleID func(ctx context.Context, roleARN string) (id string, ok bool)
}

func (c *Config) setDefaults() {
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
}

// session is a set of temporary credentials and whom they stand for.
type session struct {
	accessKey, secret, token string
	arn, userID              string
	expires                  time.Time
}

// Service serves the STS API. It is safe for concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component // nil without a DB
	api  *query.API[*Service]

	mu       sync.Mutex
	sessions map[string]*session // by access key
}

var migrations = []string{
	`CREATE TABLE sts_sessions (
		access_key TEXT NOT NULL PRIMARY KEY,
		secret     TEXT NOT NULL,
		token      TEXT NOT NULL,
		arn        TEXT NOT NULL,
		user_id    TEXT NOT NULL,
		expires_ms INTEGER NOT NULL
	) WITHOUT ROWID`,
}

// New returns a service; with cfg.DB it opens its table there.
func New(cfg Config) (*Service, error) {
	cfg.setDefaults()
	s := &Service{cfg: cfg, sessions: map[string]*session{}}
	var err error
	if s.api, err = query.NewAPI(modelName, xmlns, s, actions, cfg.Logger); err != nil {
		return nil, fmt.Errorf("new sts service: %w", err)
	}
	if cfg.DB != nil {
		if s.comp, err = cfg.DB.Component(context.Background(), "sts", migrations); err != nil {
			return nil, fmt.Errorf("new sts service: %w", err)
		}
	}
	return s, nil
}

// Close releases the service; it runs no background work. It is
// idempotent.
func (s *Service) Close() error { return nil }

// actions are the actions STS serves.
var actions = query.Actions[*Service]{
	"GetCallerIdentity": query.Typed((*Service).getCallerIdentity),
	"AssumeRole":        query.Typed((*Service).assumeRole),
	"GetSessionToken":   query.Typed((*Service).getSessionToken),
	"GetAccessKeyInfo":  query.Typed((*Service).getAccessKeyInfo),
}

// Actions lists the actions the service serves, sorted.
func Actions() []string { return actions.Names() }

// Call runs one STS action (e.g. "AssumeRole") on the JSON form of its
// input shape and returns the JSON form of its output. The caller is the
// credential in ctx (awsproto.WithCredential), else the account's root.
// Errors are *awsproto.Error values with the model's error shape names,
// or ValidationError.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	return s.api.Call(ctx, action, input)
}

// NewHTTPHandler returns STS's awsQuery endpoint: POST / (or GET) with
// Action=<Action>&Version=2011-06-15, answered in XML. auth, when set,
// authenticates every request. Route to it by the SigV4 signing name "sts"
// (awsproto.Router.HandleService).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	return s.api.Handler(auth)
}

// Secret returns the secret access key of temporary credentials this
// service issued and that have not expired, so a SigV4 verifier can accept
// them (chain it after the configured keys).
func (s *Service) Secret(ctx context.Context, accessKey string) (string, bool) {
	ss, ok := s.lookup(ctx, accessKey)
	if !ok {
		return "", false
	}
	return ss.secret, true
}

// caller is the identity behind the request's credential.
type caller struct {
	arn, userID string
}

func (s *Service) rootCaller() caller {
	return caller{arn: "arn:aws:iam::" + s.cfg.Account + ":root", userID: s.cfg.Account}
}

func (s *Service) callerOf(ctx context.Context) caller {
	if cred, ok := awsproto.CredentialFrom(ctx); ok {
		if ss, ok := s.lookup(ctx, cred.AccessKey); ok {
			return caller{arn: ss.arn, userID: ss.userID}
		}
	}
	return s.rootCaller()
}

func (s *Service) getCallerIdentity(ctx context.Context, _ struct{}) (any, error) {
	c := s.callerOf(ctx)
	return struct{ UserId, Account, Arn string }{c.userID, s.cfg.Account, c.arn}, nil
}

func (s *Service) getAccessKeyInfo(_ context.Context, _ struct{ AccessKeyId string }) (any, error) {
	return struct{ Account string }{s.cfg.Account}, nil
}

type credentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      query.Timestamp
}

type assumedRoleUser struct {
	AssumedRoleId string
	Arn           string
}

// roleARN is a parsed role ARN arn:<partition>:iam::<account>:role/<path><name>.
type roleARN struct {
	account, name string
}

func parseRoleARN(s string) (roleARN, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
		return roleARN{}, false
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if !ok || res == "" || strings.HasSuffix(res, "/") {
		return roleARN{}, false
	}
	return roleARN{account: parts[4], name: res[strings.LastIndexByte(res, '/')+1:]}, true
}

// assumeRoleInput is the input of AssumeRole.
type assumeRoleInput struct {
	RoleArn         string
	RoleSessionName string
	Policy          string
	DurationSeconds int
	Tags            []struct{ Key, Value string }
	SourceIdentity  string
}

func (s *Service) assumeRole(ctx context.Context, in assumeRoleInput) (any, error) {
	ra, ok := parseRoleARN(in.RoleArn)
	if !ok {
		return nil, query.ValidationError(in.RoleArn + " is not a valid role ARN: pass arn:aws:iam::<account>:role/<name>.")
	}
	var roleID string
	if s.cfg.RoleID != nil {
		if roleID, ok = s.cfg.RoleID(ctx, in.RoleArn); !ok {
			c := s.callerOf(ctx)
			return nil, awsproto.AccessDenied("User: " + c.arn + " is not authorized to perform: sts:AssumeRole on resource: " + in.RoleArn)
		}
	} else {
		roleID = stableID("AROA", in.RoleArn)
	}
	packed := 0
	if in.Policy != "" {
		var v map[string]any
		if json.Unmarshal([]byte(in.Policy), &v) != nil {
			return nil, awsproto.NewError("MalformedPolicyDocumentException", "The policy is not in the valid JSON format.")
		}
	}
	if in.Policy != "" || len(in.Tags) > 0 {
		size := len(in.Policy)
		for _, t := range in.Tags {
			size += len(t.Key) + len(t.Value)
		}
		packed = (size*100 + 2047) / 2048
		if packed > 100 {
			return nil, awsproto.NewError("PackedPolicyTooLargeException", fmt.Sprintf("Packed policy consumes %d%% of allotted space, please use smaller policy.", packed))
		}
	}
	if in.DurationSeconds == 0 {
		in.DurationSeconds = 3600
	}
	ss := &session{
		arn:     "arn:aws:sts::" + ra.account + ":assumed-role/" + ra.name + "/" + in.RoleSessionName,
		userID:  roleID + ":" + in.RoleSessionName,
		expires: s.cfg.Now().UTC().Add(time.Duration(in.DurationSeconds) * time.Second).Truncate(time.Second),
	}
	if err := s.issue(ctx, ss); err != nil {
		return nil, err
	}
	out := struct {
		Credentials      credentials
		AssumedRoleUser  assumedRoleUser
		PackedPolicySize *int   `json:",omitempty"`
		SourceIdentity   string `json:",omitempty"`
	}{
		Credentials:     credentials{ss.accessKey, ss.secret, ss.token, query.Timestamp(ss.expires)},
		AssumedRoleUser: assumedRoleUser{AssumedRoleId: ss.userID, Arn: ss.arn},
		SourceIdentity:  in.SourceIdentity,
	}
	if in.Policy != "" || len(in.Tags) > 0 {
		out.PackedPolicySize = &packed
	}
	return out, nil
}

func (s *Service) getSessionToken(ctx context.Context, in struct{ DurationSeconds int }) (any, error) {
	if cred, ok := awsproto.CredentialFrom(ctx); ok && strings.HasPrefix(cred.AccessKey, "ASIA") {
		if _, known := s.lookup(ctx, cred.AccessKey); known {
			return nil, awsproto.AccessDenied("Cannot call GetSessionToken with session credentials")
		}
	}
	if in.DurationSeconds == 0 {
		in.DurationSeconds = 43200
	}
	c := s.callerOf(ctx)
	ss := &session{arn: c.arn, userID: c.userID,
		expires: s.cfg.Now().UTC().Add(time.Duration(in.DurationSeconds) * time.Second).Truncate(time.Second)}
	if err := s.issue(ctx, ss); err != nil {
		return nil, err
	}
	return struct{ Credentials credentials }{credentials{ss.accessKey, ss.secret, ss.token, query.Timestamp(ss.expires)}}, nil
}

// issue fills in new credentials for ss and remembers them.
func (s *Service) issue(ctx context.Context, ss *session) error {
	ss.accessKey = "ASIA" + randomString(16, base32Alphabet)
	ss.secret = randomString(40, secretAlphabet)
	tok := make([]byte, 240)
	_, _ = rand.Read(tok)
	ss.token = "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(tok)
	now := s.cfg.Now()
	if s.comp != nil {
		err := s.comp.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sts_sessions WHERE expires_ms < ?`, now.UnixMilli()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO sts_sessions (access_key, secret, token, arn, user_id, expires_ms) VALUES (?, ?, ?, ?, ?, ?)`,
				ss.accessKey, ss.secret, ss.token, ss.arn, ss.userID, ss.expires.UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("issue credentials: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, old := range s.sessions {
		if old.expires.Before(now) {
			delete(s.sessions, k)
		}
	}
	s.sessions[ss.accessKey] = ss
	return nil
}

// lookup finds unexpired credentials this service issued.
func (s *Service) lookup(ctx context.Context, accessKey string) (*session, bool) {
	if !strings.HasPrefix(accessKey, "ASIA") {
		return nil, false
	}
	now := s.cfg.Now()
	s.mu.Lock()
	ss, ok := s.sessions[accessKey]
	s.mu.Unlock()
	if !ok && s.comp != nil {
		var expires int64
		ss = &session{accessKey: accessKey}
		err := s.comp.Read().QueryRowContext(ctx, `SELECT secret, token, arn, user_id, expires_ms FROM sts_sessions WHERE access_key = ?`, accessKey).
			Scan(&ss.secret, &ss.token, &ss.arn, &ss.userID, &expires)
		if err != nil {
			return nil, false
		}
		ss.expires = time.UnixMilli(expires).UTC()
		ok = true
		s.mu.Lock()
		s.sessions[accessKey] = ss
		s.mu.Unlock()
	}
	if !ok || ss.expires.Before(now) {
		return nil, false
	}
	return ss, true
}

const (
	base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// stableID is an IAM-shaped ID derived from a name.
func stableID(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	var b [17]byte
	for i := range b {
		b[i] = base32Alphabet[sum[i]&31]
	}
	return prefix + string(b[:])
}
