package iam_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/iam"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const account = "111111111111"

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// testBundle is one service over HTTP on a fresh SQLite database.
type testBundle struct {
	url    string
	path   string
	db     *sqlite.DB
	svc    *iam.Service
	client *awsiam.Client
	clock  *clock
	auth   awsproto.Authenticator
	h      atomicHandler
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	tb := &testBundle{
		path:  filepath.Join(t.TempDir(), "stepflow.db"),
		clock: &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
	}
	srv := httptest.NewUnstartedServer(&tb.h)
	tb.url = "http://" + srv.Listener.Addr().String()
	tb.open(t)
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		tb.close(t)
	})
	tb.client = newClient(tb.url, "AKIDEXAMPLE")
	return tb
}

// reopen closes the service and the database and opens them again on the
// same file, behind the same server.
func (tb *testBundle) reopen(t testing.TB) {
	t.Helper()
	tb.close(t)
	tb.open(t)
}

func (tb *testBundle) open(t testing.TB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), tb.path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := iam.New(iam.Config{DB: db, Account: account, Now: tb.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tb.db, tb.svc = db, svc
	// Route as the server does: IAM by its SigV4 signing name.
	var rt awsproto.Router
	rt.HandleService(iam.SigningName, iam.NewHTTPHandler(svc, tb.auth))
	tb.h.set(&rt)
}

func (tb *testBundle) close(t testing.TB) {
	if tb.svc == nil {
		return
	}
	if err := tb.svc.Close(); err != nil {
		t.Error(err)
	}
	if err := tb.db.Close(); err != nil {
		t.Error(err)
	}
	tb.svc, tb.db = nil, nil
}

type atomicHandler struct {
	p atomic.Pointer[awsproto.Router]
}

func (a *atomicHandler) set(r *awsproto.Router) { a.p.Store(r) }

func (a *atomicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.p.Load().ServeHTTP(w, r) }

func newClient(url, accessKey string) *awsiam.Client {
	return awsiam.NewFromConfig(aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *awsiam.Options) { o.BaseEndpoint = aws.String(url) })
}

// wantAPIError checks that err is the AWS error code with the HTTP status
// and, when msg is not empty, the message.
func wantAPIError(t testing.TB, err error, code string, status int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("code = %s, want %s (%v)", ae.ErrorCode(), code, err)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("message = %q, want %q", ae.ErrorMessage(), msg)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("status = %d, want %d", re.HTTPStatusCode(), status)
	}
}

// errorCase is a call that must fail with an AWS error: code, HTTP status
// and, when msg is not empty, message.
type errorCase struct {
	name   string
	call   func() error
	code   string
	status int
	msg    string
}

// runErrorCases runs the cases in order, each as a subtest.
func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) { wantAPIError(t, tt.call(), tt.code, tt.status, tt.msg) })
	}
}

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

const s3Policy = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]
}`

func (tb *testBundle) createRole(t testing.TB, name string) *awsiam.CreateRoleOutput {
	t.Helper()
	out, err := tb.client.CreateRole(context.Background(), &awsiam.CreateRoleInput{
		RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustPolicy),
	})
	if err != nil {
		t.Fatalf("create role %s: %v", name, err)
	}
	return out
}

func (tb *testBundle) createPolicy(t testing.TB, name string) string {
	t.Helper()
	out, err := tb.client.CreatePolicy(context.Background(), &awsiam.CreatePolicyInput{
		PolicyName: aws.String(name), PolicyDocument: aws.String(s3Policy),
	})
	if err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
	return aws.ToString(out.Policy.Arn)
}
