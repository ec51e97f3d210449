package query

// This file is what every awsQuery service does around its actions: the
// table of actions it implements, the check of an action against the
// model, input validation, output encoding and the error forms, shared by
// the in-process Call and the HTTP handler.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// Action is one action of an awsQuery service implemented by S: it runs
// on the action's JSON input (the model's member names, already validated
// against the model; see Typed) and returns the value whose JSON form is
// the output, nil for an action without output members. Errors other than
// *awsproto.Error values are internal failures.
type Action[S any] func(s S, ctx context.Context, input []byte) (any, error)

// Typed makes an Action of a method that takes its input decoded into In,
// a struct with the model's member names.
func Typed[S, In any](f func(s S, ctx context.Context, in In) (any, error)) Action[S] {
	return func(s S, ctx context.Context, input []byte) (any, error) {
		var in In
		if err := decode(input, &in); err != nil {
			return nil, err
		}
		return f(s, ctx, in)
	}
}

// Actions is the table of the actions a service implements, by name.
type Actions[S any] map[string]Action[S]

// Names lists the actions, sorted.
func (a Actions[S]) Names() []string { return slices.Sorted(maps.Keys(a)) }

// has reports whether the table holds action.
func (a Actions[S]) has(action string) bool {
	_, ok := a[action]
	return ok
}

// API is an awsQuery service's actions bound to its implementation. It
// serves them in process (Call) and over HTTP (Handler) with one model
// check, one validation and one output encoding. It is safe for
// concurrent use when the actions are.
type API[S any] struct {
	name    string // the generated model, e.g. "iam"
	xmlns   string
	model   *model.Service
	impl    S
	actions Actions[S]
	logger  *slog.Logger
	failed  string // the log message of a failure that is not an API error
}

// NewAPI loads the generated model name (e.g. "iam") and binds actions to
// impl. xmlns is the XML namespace of responses; logger, when set,
// receives the failures that are not API errors, as "<name>_action_failed".
func NewAPI[S any](name, xmlns string, impl S, actions Actions[S], logger *slog.Logger) (*API[S], error) {
	m, err := model.Load(name)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &API[S]{name: name, xmlns: xmlns, model: m, impl: impl, actions: actions, logger: logger, failed: name + "_action_failed"}, nil
}

// Call runs one action (e.g. "GetRole") on the JSON form of its input
// shape (the model's member names; empty means "{}") and returns the JSON
// form of its output ("{}" for actions without output). The input is
// validated against the model as on the wire. Errors are *awsproto.Error
// values: the model's error shape names, InvalidAction, NotImplemented,
// or ValidationError for input the model rejects.
func (a *API[S]) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	if _, err := operation(a.model, a.actions.has, action); err != nil {
		return nil, err
	}
	if len(input) == 0 {
		input = []byte("{}")
	}
	if err := awsproto.Validate(a.name, action, input); err != nil {
		return nil, callError(err)
	}
	out, err := a.run(ctx, action, input)
	if err != nil {
		return nil, callError(err)
	}
	if out == nil {
		return []byte("{}"), nil
	}
	return out, nil
}

// Handler returns the service's awsQuery endpoint: POST / (or GET) with
// Action=<Action>&Version=<version> form parameters, answered in XML.
// auth, when set, authenticates every request.
func (a *API[S]) Handler(auth awsproto.Authenticator) http.Handler {
	return &Handler{
		Service: a.name,
		XMLNS:   a.xmlns,
		Call:    a.run,
		Has:     a.actions.has,
		Auth:    auth,
		Model:   a.model,
	}
}

// run runs a validated action; nil output means the action has no output
// members.
func (a *API[S]) run(ctx context.Context, action string, input []byte) ([]byte, error) {
	h, ok := a.actions[action]
	if !ok {
		return nil, NotImplemented(action)
	}
	out, err := h(a.impl, ctx, input)
	if err != nil {
		var apiErr *awsproto.Error
		if !errors.As(err, &apiErr) {
			a.logger.Error(a.failed, "action", action, "error", err)
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

// operation returns the model's operation named action: InvalidAction
// when the model has none, NotImplemented when has says the service does
// not serve it.
func operation(m *model.Service, has func(string) bool, action string) (*model.Operation, error) {
	op, ok := m.Operation(action)
	if !ok {
		return nil, awsproto.NewError("InvalidAction", "Could not find operation "+action+" for version "+m.Version)
	}
	if !has(action) {
		return nil, NotImplemented(action)
	}
	return op, nil
}

// callError gives Call's errors their awsQuery form: the framework's
// validation errors become ValidationError, errors that are not API
// errors InternalFailure.
func callError(err error) error {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		return awsproto.InternalFailure(err.Error())
	}
	if e.Code == awsproto.CodeValidation || e.Code == awsproto.CodeSerialization {
		return ValidationError(e.Message)
	}
	return err
}

// NotImplemented is the error for a model action Stepflow does not serve.
func NotImplemented(action string) *awsproto.Error {
	return &awsproto.Error{Code: "NotImplemented", Message: "Stepflow does not implement the action " + action + " yet.", Status: http.StatusNotImplemented}
}

// ValidationError is the awsQuery services' error for input they reject
// (HTTP 400, a client fault).
func ValidationError(msg string) *awsproto.Error {
	return &awsproto.Error{Code: "ValidationError", Message: msg, Status: http.StatusBadRequest, Sender: true}
}

// decode unmarshals an action's validated JSON input into v.
func decode(input []byte, v any) error {
	if err := json.Unmarshal(input, v); err != nil {
		return ValidationError("The request could not be parsed: " + err.Error())
	}
	return nil
}

// Timestamp is a time as awsQuery services write it in their output:
// ISO 8601, UTC, whole seconds.
type Timestamp time.Time

// MarshalJSON writes the time as a JSON string.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05Z") + `"`), nil
}

// IsZero reports an unset time, for omitzero.
func (t Timestamp) IsZero() bool { return time.Time(t).IsZero() }
