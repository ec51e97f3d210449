package awsproto_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	const scope = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00"
	verified := func(service string) awsproto.Authenticator {
		return func(*http.Request, []byte) (*awsproto.Credential, error) {
			return &awsproto.Credential{AccessKey: "AKVERIFIED", Service: service}, nil
		}
	}
	refused := func(*http.Request, []byte) (*awsproto.Credential, error) {
		return nil, awsproto.UnrecognizedClient()
	}
	tests := []struct {
		name        string
		header      string // Authorization
		auth        awsproto.Authenticator
		signingName string
		wantKey     string // the credential's access key in ctx, "" for none
		wantErr     string
	}{
		{name: "unverified scope", header: scope, signingName: "sqs", wantKey: "AKID"},
		{name: "unverified other service", header: scope, signingName: "iam", wantKey: "AKID"},
		{name: "unverified unsigned", signingName: "sqs"},
		{name: "unverified malformed", header: "AWS4-HMAC-SHA256 garbage", signingName: "sqs"},
		{name: "verified", header: scope, auth: verified("sqs"), signingName: "sqs", wantKey: "AKVERIFIED"},
		{name: "verified any service", header: scope, auth: verified("iam"), wantKey: "AKVERIFIED"},
		{name: "verified wrong service", header: scope, auth: verified("iam"), signingName: "sqs",
			wantErr: "InvalidSignatureException: Credential should be scoped to correct service: 'sqs'. "},
		{name: "refused", header: scope, auth: refused, signingName: "sqs",
			wantErr: "UnrecognizedClientException: The security token included in the request is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			ctx, err := awsproto.Authenticate(context.Background(), r, []byte("x"), tt.auth, tt.signingName)
			if tt.wantErr != "" {
				var apiErr *awsproto.Error
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &apiErr) {
					t.Fatalf("Authenticate error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if cred, ok := awsproto.CredentialFrom(ctx); ok {
				got = cred.AccessKey
			}
			if got != tt.wantKey {
				t.Errorf("credential %q, want %q", got, tt.wantKey)
			}
		})
	}
}
