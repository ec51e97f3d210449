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
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
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
	api  *query.API[*Service]
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
	s := &Service{cfg: cfg, comp: comp}
	if s.api, err = query.NewAPI(modelName, xmlns, s, actions, cfg.Logger); err != nil {
		return nil, fmt.Errorf("new iam service: %w", err)
	}
	return s, nil
}

// Close releases the service. It runs no background work, so it only
// exists for symmetry with the other services; it is idempotent.
func (s *Service) Close() error { return nil }

// actions are the actions IAM serves.
var actions = query.Actions[*Service]{
	"CreateRole":                    query.Typed((*Service).createRole),
	"GetRole":                       query.Typed((*Service).getRole),
	"DeleteRole":                    query.Typed((*Service).deleteRole),
	"ListRoles":                     query.Typed((*Service).listRoles),
	"UpdateRole":                    query.Typed((*Service).updateRole),
	"UpdateRoleDescription":         query.Typed((*Service).updateRoleDescription),
	"UpdateAssumeRolePolicy":        query.Typed((*Service).updateAssumeRolePolicy),
	"PutRolePermissionsBoundary":    query.Typed((*Service).putRolePermissionsBoundary),
	"DeleteRolePermissionsBoundary": query.Typed((*Service).deleteRolePermissionsBoundary),
	"TagRole":                       query.Typed((*Service).tagRole),
	"UntagRole":                     query.Typed((*Service).untagRole),
	"ListRoleTags":                  query.Typed((*Service).listRoleTags),
	"ListInstanceProfilesForRole":   query.Typed((*Service).listInstanceProfilesForRole),

	"PutRolePolicy":    query.Typed((*Service).putRolePolicy),
	"GetRolePolicy":    query.Typed((*Service).getRolePolicy),
	"DeleteRolePolicy": query.Typed((*Service).deleteRolePolicy),
	"ListRolePolicies": query.Typed((*Service).listRolePolicies),

	"CreatePolicy":            query.Typed((*Service).createPolicy),
	"GetPolicy":               query.Typed((*Service).getPolicy),
	"DeletePolicy":            query.Typed((*Service).deletePolicy),
	"ListPolicies":            query.Typed((*Service).listPolicies),
	"CreatePolicyVersion":     query.Typed((*Service).createPolicyVersion),
	"GetPolicyVersion":        query.Typed((*Service).getPolicyVersion),
	"ListPolicyVersions":      query.Typed((*Service).listPolicyVersions),
	"DeletePolicyVersion":     query.Typed((*Service).deletePolicyVersion),
	"SetDefaultPolicyVersion": query.Typed((*Service).setDefaultPolicyVersion),
	"TagPolicy":               query.Typed((*Service).tagPolicy),
	"UntagPolicy":             query.Typed((*Service).untagPolicy),
	"ListPolicyTags":          query.Typed((*Service).listPolicyTags),

	"AttachRolePolicy":         query.Typed((*Service).attachRolePolicy),
	"DetachRolePolicy":         query.Typed((*Service).detachRolePolicy),
	"ListAttachedRolePolicies": query.Typed((*Service).listAttachedRolePolicies),
	"ListEntitiesForPolicy":    query.Typed((*Service).listEntitiesForPolicy),

	"GetUser": query.Typed((*Service).getUser),
}

// Actions lists the actions the service serves, sorted.
func Actions() []string { return actions.Names() }

// Call runs one IAM action (e.g. "GetRole") on the JSON form of its input
// shape (the model's member names) and returns the JSON form of its output
// ("{}" for actions without output). The input is validated against the
// model as on the wire. Errors are *awsproto.Error values: the model's
// error shape names (NoSuchEntityException, ...), or ValidationError.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	return s.api.Call(ctx, action, input)
}

// NewHTTPHandler returns IAM's awsQuery endpoint: POST / (or GET) with
// Action=<Action>&Version=2010-05-08 form parameters, answered in XML. auth,
// when set, authenticates every request. Route to it by the SigV4 signing
// name "iam" (awsproto.Router.HandleService).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	return s.api.Handler(auth)
}
