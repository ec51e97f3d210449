package query

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// fakeSTS implements a few STS actions for the API tests.
type fakeSTS struct{ account string }

func (f *fakeSTS) getCallerIdentity(context.Context, struct{}) (any, error) {
	return struct{ Account string }{f.account}, nil
}

func (f *fakeSTS) getAccessKeyInfo(context.Context, struct{ AccessKeyId string }) (any, error) {
	return nil, nil // as if the action had no output members
}

func (f *fakeSTS) getSessionToken(context.Context, struct{ DurationSeconds int }) (any, error) {
	return nil, errors.New("disk on fire")
}

var fakeActions = Actions[*fakeSTS]{
	"GetCallerIdentity": Typed((*fakeSTS).getCallerIdentity),
	"GetAccessKeyInfo":  Typed((*fakeSTS).getAccessKeyInfo),
	"GetSessionToken":   Typed((*fakeSTS).getSessionToken),
}

func newFakeAPI(t *testing.T) *API[*fakeSTS] {
	t.Helper()
	api, err := NewAPI("sts", "https://sts.amazonaws.com/doc/2011-06-15/", &fakeSTS{account: "111111111111"}, fakeActions, nil)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func TestActionsNames(t *testing.T) {
	t.Parallel()
	want := []string{"GetAccessKeyInfo", "GetCallerIdentity", "GetSessionToken"}
	if got := fakeActions.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestAPICall(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	tests := []struct {
		action, input string
		want          string // output, when code is ""
		code          string
	}{
		{"GetCallerIdentity", "", `{"Account":"111111111111"}`, ""},
		{"GetAccessKeyInfo", `{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE"}`, `{}`, ""},
		{"Frobnicate", `{}`, "", "InvalidAction"},
		{"AssumeRole", `{}`, "", "NotImplemented"},
		{"GetAccessKeyInfo", `{"AccessKeyId":5}`, "", "ValidationError"},
		{"GetAccessKeyInfo", `{`, "", "ValidationError"},
		{"GetSessionToken", `{}`, "", awsproto.CodeInternalFailure},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.input, func(t *testing.T) {
			t.Parallel()
			out, err := api.Call(context.Background(), tt.action, []byte(tt.input))
			if tt.code == "" {
				if err != nil || string(out) != tt.want {
					t.Errorf("Call = %s, %v; want %s", out, err, tt.want)
				}
				return
			}
			var e *awsproto.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Errorf("Call = %s, %v; want error %s", out, err, tt.code)
			}
		})
	}
}

func TestAPIHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newFakeAPI(t).Handler(nil))
	t.Cleanup(srv.Close)
	tests := []struct {
		form   url.Values
		status int
		want   string // a substring of the body
	}{
		{url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, 200,
			`<GetCallerIdentityResult><Account>111111111111</Account></GetCallerIdentityResult>`},
		{url.Values{"Action": {"GetAccessKeyInfo"}, "Version": {"2011-06-15"}, "AccessKeyId": {"AKIAIOSFODNN7EXAMPLE"}}, 200,
			`<GetAccessKeyInfoResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><ResponseMetadata>`},
		{url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}}, 501, `<Code>NotImplemented</Code>`},
		{url.Values{"Action": {"GetSessionToken"}, "Version": {"2011-06-15"}}, 500, `<Type>Receiver</Type><Code>InternalFailure</Code>`},
	}
	for _, tt := range tests {
		t.Run(tt.form.Get("Action"), func(t *testing.T) {
			t.Parallel()
			resp, err := http.PostForm(srv.URL, tt.form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("status %d, body %s; want %d with %s", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
}
