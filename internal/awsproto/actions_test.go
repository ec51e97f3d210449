package awsproto_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// counter is a service implementing actionsUnderTest.
type counter struct{ calls int }

var errBoom = errors.New("boom")

var actionsUnderTest = awsproto.Actions[*counter]{
	"Echo": func(c *counter, _ context.Context, body []byte) (any, error) {
		c.calls++
		return string(body), nil
	},
	"Fail": func(c *counter, _ context.Context, _ []byte) (any, error) {
		c.calls++
		return nil, errBoom
	},
	"Reject": func(c *counter, _ context.Context, _ []byte) (any, error) {
		c.calls++
		return nil, awsproto.NewError("NotFound", "no such thing")
	},
	"RejectWrapped": func(c *counter, _ context.Context, _ []byte) (any, error) {
		c.calls++
		return nil, wrapped{awsproto.NewError("NotFound", "wrapped")}
	},
}

// wrapped is an error carrying an *awsproto.Error, as a service's error
// with extra members does.
type wrapped struct{ err *awsproto.Error }

func (w wrapped) Error() string { return w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func TestActionsNames(t *testing.T) {
	t.Parallel()
	want := []string{"Echo", "Fail", "Reject", "RejectWrapped"}
	if got := actionsUnderTest.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	if got := (awsproto.Actions[*counter]{}).Names(); len(got) != 0 {
		t.Errorf("empty Names() = %v", got)
	}
	for name, want := range map[string]bool{"Echo": true, "Reject": true, "Nope": false, "": false} {
		if got := actionsUnderTest.Has(name); got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestActionsDispatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action    string
		want      any
		wantErr   string // err.Error()
		wantCode  string // the *awsproto.Error's code, "" for none
		wantSame  bool   // the action's error is returned as it is
		wantCalls int
	}{
		{action: "Echo", want: `{"a":1}`, wantCalls: 1},
		{action: "Nope", wantErr: awsproto.CodeUnknownOperation, wantCode: awsproto.CodeUnknownOperation},
		{action: "Fail", wantErr: "Fail: boom", wantCalls: 1},
		{action: "Reject", wantErr: "NotFound: no such thing", wantCode: "NotFound", wantCalls: 1},
		{action: "RejectWrapped", wantErr: "NotFound: wrapped", wantCode: "NotFound", wantSame: true, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			t.Parallel()
			var c counter
			got, err := actionsUnderTest.Dispatch(&c, context.Background(), tt.action, []byte(`{"a":1}`))
			if c.calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", c.calls, tt.wantCalls)
			}
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Dispatch = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || got != nil {
				t.Fatalf("Dispatch = %v, %v; want error %q", got, err, tt.wantErr)
			}
			var apiErr *awsproto.Error
			if ok := errors.As(err, &apiErr); ok != (tt.wantCode != "") || ok && apiErr.Code != tt.wantCode {
				t.Errorf("error %v: API error %v, want code %q", err, apiErr, tt.wantCode)
			}
			if tt.action == "Fail" && !errors.Is(err, errBoom) {
				t.Errorf("error %v does not wrap the action's error", err)
			}
			if _, ok := err.(wrapped); ok != tt.wantSame {
				t.Errorf("error %T: returned as it is = %v, want %v", err, ok, tt.wantSame)
			}
		})
	}
}
