package awsproto

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Action is one action of an awsJson service implemented by S (usually a
// pointer to the service): it decodes body, the action's JSON request, and
// returns the response value (written as HandlerFunc's result is) or an
// error: an *Error for an AWS API error, any other error for an internal
// failure.
type Action[S any] func(s S, ctx context.Context, body []byte) (any, error)

// Actions is the table of the actions a service implements, by name (e.g.
// "StartExecution"). A service declares it once, as a package variable of
// method expressions, and serves Handle and Call through Dispatch:
//
//	var actions = awsproto.Actions[*Service]{
//		"CreateQueue": (*Service).createQueue,
//	}
//
//	func (s *Service) Handle(ctx context.Context, action string, body []byte) (any, error) {
//		return actions.Dispatch(s, ctx, action, body)
//	}
type Actions[S any] map[string]Action[S]

// Names lists the actions, sorted.
func (a Actions[S]) Names() []string { return slices.Sorted(maps.Keys(a)) }

// Has reports whether the table holds action.
func (a Actions[S]) Has(action string) bool {
	_, ok := a[action]
	return ok
}

// Dispatch runs action on body for s. An action the table does not hold is
// UnknownOperation() (a service that words it otherwise checks Has
// first). An error of the action that is not an *Error is returned wrapped
// with the action's name ("StartExecution: ..."); an *Error (or an error
// wrapping one) is returned as it is.
func (a Actions[S]) Dispatch(s S, ctx context.Context, action string, body []byte) (any, error) {
	h, ok := a[action]
	if !ok {
		return nil, UnknownOperation()
	}
	out, err := h(s, ctx, body)
	if err != nil {
		var apiErr *Error
		if !errors.As(err, &apiErr) {
			return nil, fmt.Errorf("%s: %w", action, err)
		}
		return nil, err
	}
	return out, nil
}
