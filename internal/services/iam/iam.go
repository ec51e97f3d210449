// Package iam is the AWS Identity and Access Management control plane
// Stepflow needs for the Terraform AWS provider and the aws-sdk:iam Task
// integrations: roles (with tags, trust policies and permissions
// boundaries), inline role policies, customer managed policies with their
// versions and tags, attachments of customer and AWS managed policies to
// roles, and GetUser for the caller. Everything is durable in the shared
// SQLite database; nothing is enforced (no request is ever denied for lack
// of a permission).
//
// IAM is global: its ARNs carry the account and no region,
// arn:aws:iam::<account>:role/<path><name> and
// arn:aws:iam::<account>:policy/<path><name>. Any ARN of the form
// arn:aws:iam::aws:policy/... names an AWS managed policy, which always
// exists. Role and policy names are unique without regard to case, as in
// IAM. Policy documents are stored as written and returned URL-encoded
// (RFC 3986), as IAM returns them.
//
// The wire protocol is awsQuery (form POST with Action= and
// Version=2010-05-08, XML responses and errors), served by NewHTTPHandler;
// Call runs the same actions with the JSON form of their input and output.
package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
	"github.com/stepflow/stepflow/internal/awsproto/query"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// SigningName is the SigV4 service name of IAM requests; register the
// handler with awsproto.Router.HandleService(SigningName, ...).
const SigningName = "iam"

// xmlns is the namespace of IAM's XML responses.
const xmlns = "https://iam.amazonaws.com/doc/2010-05-08/"

// modelName is the generated model of IAM.
const modelName = "iam"

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the roles and policies. Required.
	DB *sqlite.DB
	// Account appears in every ARN. [111111111111]
	Account string
	// Region is accepted for symmetry with the other services; IAM ARNs
	// carry no region. [us-east-1]
	Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock. [time.Now]
	Now func() time.Time
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("iam config: DB is required")
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
	return nil
}

// Service serves the IAM API. It is safe for concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	svc  *model.Service
}

// New opens the service's tables in cfg.DB.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	comp, err := cfg.DB.Component(context.Background(), "iam", migrations)
	if err != nil {
		return nil, fmt.Errorf("new iam service: %w", err)
	}
	svc, err := model.Load(modelName)
	if err != nil {
		return nil, fmt.Errorf("new iam service: %w", err)
	}
	return &Service{cfg: cfg, comp: comp, svc: svc}, nil
}

// Close releases the service. It runs no background work, so it only
// exists for symmetry with the other services; it is idempotent.
func (s *Service) Close() error { return nil }

// handler is one action: it decodes its JSON input and returns its output
// value (nil for an action without output members).
type handler func(s *Service, ctx context.Context, input []byte) (any, error)

var actions = map[string]handler{
	"CreateRole":                    (*Service).createRole,
	"GetRole":                       (*Service).getRole,
	"DeleteRole":                    (*Service).deleteRole,
	"ListRoles":                     (*Service).listRoles,
	"UpdateRole":                    (*Service).updateRole,
	"UpdateRoleDescription":         (*Service).updateRoleDescription,
	"UpdateAssumeRolePolicy":        (*Service).updateAssumeRolePolicy,
	"PutRolePermissionsBoundary":    (*Service).putRolePermissionsBoundary,
	"DeleteRolePermissionsBoundary": (*Service).deleteRolePermissionsBoundary,
	"TagRole":                       (*Service).tagRole,
	"UntagRole":                     (*Service).untagRole,
	"ListRoleTags":                  (*Service).listRoleTags,
	"ListInstanceProfilesForRole":   (*Service).listInstanceProfilesForRole,

	"PutRolePolicy":    (*Service).putRolePolicy,
	"GetRolePolicy":    (*Service).getRolePolicy,
	"DeleteRolePolicy": (*Service).deleteRolePolicy,
	"ListRolePolicies": (*Service).listRolePolicies,

	"CreatePolicy":            (*Service).createPolicy,
	"GetPolicy":               (*Service).getPolicy,
	"DeletePolicy":            (*Service).deletePolicy,
	"ListPolicies":            (*Service).listPolicies,
	"CreatePolicyVersion":     (*Service).createPolicyVersion,
	"GetPolicyVersion":        (*Service).getPolicyVersion,
	"ListPolicyVersions":      (*Service).listPolicyVersions,
	"DeletePolicyVersion":     (*Service).deletePolicyVersion,
	"SetDefaultPolicyVersion": (*Service).setDefaultPolicyVersion,
	"TagPolicy":               (*Service).tagPolicy,
	"UntagPolicy":             (*Service).untagPolicy,
	"ListPolicyTags":          (*Service).listPolicyTags,

	"AttachRolePolicy":         (*Service).attachRolePolicy,
	"DetachRolePolicy":         (*Service).detachRolePolicy,
	"ListAttachedRolePolicies": (*Service).listAttachedRolePolicies,
	"ListEntitiesForPolicy":    (*Service).listEntitiesForPolicy,

	"GetUser": (*Service).getUser,
}

// Actions lists the actions the service serves, sorted.
func Actions() []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Call runs one IAM action (e.g. "GetRole") on the JSON form of its input
// shape (the model's member names) and returns the JSON form of its output
// ("{}" for actions without output). The input is validated against the
// model as on the wire. Errors are *awsproto.Error values: the model's
// error shape names (NoSuchEntityException, ...), or ValidationError.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	if _, ok := s.svc.Operation(action); !ok {
		return nil, awsproto.NewError("InvalidAction", "Could not find operation "+action+" for version "+s.svc.Version)
	}
	if _, ok := actions[action]; !ok {
		return nil, notImplemented(action)
	}
	if len(input) == 0 {
		input = []byte("{}")
	}
	if err := awsproto.Validate(modelName, action, input); err != nil {
		return nil, callError(err)
	}
	out, err := s.run(ctx, action, input)
	if err != nil {
		return nil, callError(err)
	}
	if out == nil {
		return []byte("{}"), nil
	}
	return out, nil
}

// callError renames the framework validation errors to IAM's code.
func callError(err error) error {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		return awsproto.InternalFailure(err.Error())
	}
	if e.Code == awsproto.CodeValidation || e.Code == awsproto.CodeSerialization {
		return &awsproto.Error{Code: "ValidationError", Message: e.Message, Status: http.StatusBadRequest, Sender: true}
	}
	return err
}

// run runs a validated action; nil output means the action has no output
// members.
func (s *Service) run(ctx context.Context, action string, input []byte) ([]byte, error) {
	h, ok := actions[action]
	if !ok {
		return nil, notImplemented(action)
	}
	out, err := h(s, ctx, input)
	if err != nil {
		var apiErr *awsproto.Error
		if !errors.As(err, &apiErr) {
			s.cfg.Logger.Error("iam_action_failed", "action", action, "error", err)
			return nil, fmt.Errorf("%s: %w", action, err)
		}
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("%s: marshal output: %w", action, err)
	}
	return b, nil
}

// NewHTTPHandler returns IAM's awsQuery endpoint: POST / (or GET) with
// Action=<Action>&Version=2010-05-08 form parameters, answered in XML. auth,
// when set, authenticates every request. Route to it by the SigV4 signing
// name "iam" (awsproto.Router.HandleService).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	return &query.Handler{
		Service: modelName,
		XMLNS:   xmlns,
		Call:    s.run,
		Has:     func(action string) bool { _, ok := actions[action]; return ok },
		Auth:    auth,
		Model:   s.svc,
	}
}

// decode unmarshals a validated JSON input.
func decode(input []byte, v any) error {
	if err := json.Unmarshal(input, v); err != nil {
		return awsproto.NewError("ValidationError", "The request could not be parsed: "+err.Error())
	}
	return nil
}

// isoTime is a timestamp as IAM writes it: ISO 8601, UTC, whole seconds.
type isoTime time.Time

// MarshalJSON writes the time as a JSON string.
func (t isoTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05Z") + `"`), nil
}

// IsZero reports an unset time, for omitzero.
func (t isoTime) IsZero() bool { return time.Time(t).IsZero() }
