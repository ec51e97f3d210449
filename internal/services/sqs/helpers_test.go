package sqs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/sqs"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account = "111111111111"
	region  = "us-east-1"
	arnBase = "arn:aws:sqs:us-east-1:111111111111:"
)

// clock is a settable clock; the zero value follows real time until Set.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testBundle is one service over HTTP on a fresh SQLite database.
type testBundle struct {
	url    string
	path   string // database file
	db     *sqlite.DB
	svc    *sqs.Service
	client *awssqs.Client
	clock  *clock // nil: real time
	sync   string
	auth   awsproto.Authenticator
	// reopen closes the service and database and opens them again on
	// the same file, behind the same server.
	reopen func(testing.TB)
	// queryRequests counts the requests without X-Amz-Target.
	queryRequests *atomic.Int64
}

type options struct {
	clock *clock
	path  string
	sync  string // SQLite synchronous setting [NORMAL]
	auth  awsproto.Authenticator
}

func setup(t testing.TB, opts ...func(*options)) *testBundle {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.path == "" {
		o.path = filepath.Join(t.TempDir(), "stepflow.db")
	}
	if o.sync == "" {
		o.sync = "NORMAL"
	}
	tb := &testBundle{path: o.path, clock: o.clock, sync: o.sync, auth: o.auth}
	srv := httptest.NewUnstartedServer(nil)
	tb.url = "http://" + srv.Listener.Addr().String()
	tb.open(t)
	h := atomicHandler{count: new(atomic.Int64)}
	tb.queryRequests = h.count
	h.set(tb.handler(t))
	srv.Config.Handler = &h
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		tb.close(t)
	})
	tb.client = newClient(tb.url)
	tb.reopen = func(t testing.TB) {
		tb.close(t)
		tb.open(t)
		h.set(tb.handler(t))
	}
	return tb
}

// open opens the database and the service.
func (tb *testBundle) open(t testing.TB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), tb.path, sqlite.Options{Synchronous: tb.sync})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sqs.Config{DB: db, Account: account, Region: region, BaseURL: tb.url}
	if tb.clock != nil {
		cfg.Now = tb.clock.Now
	}
	svc, err := sqs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tb.db, tb.svc = db, svc
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

// handler routes as the server does: by target, by the queue URL path and
// by the signing name.
func (tb *testBundle) handler(t testing.TB) *awsproto.Router {
	h, err := sqs.NewHTTPHandler(tb.svc, tb.auth)
	if err != nil {
		t.Fatal(err)
	}
	var rt awsproto.Router
	rt.HandleTarget(sqs.TargetPrefix, h)
	rt.HandlePath("/"+account, h)
	rt.HandleService(sqs.SigningName, h)
	return &rt
}

type atomicHandler struct {
	p     atomic.Pointer[awsproto.Router]
	count *atomic.Int64
}

func (a *atomicHandler) set(r *awsproto.Router) { a.p.Store(r) }

func (a *atomicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") == "" {
		a.count.Add(1)
	}
	a.p.Load().ServeHTTP(w, r)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func newClient(url string) *awssqs.Client {
	return awssqs.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *awssqs.Options) { o.BaseEndpoint = aws.String(url) })
}

var nameSeq atomic.Int64

// name returns a queue name unique within the test binary.
func name(prefix string) string {
	return prefix + "-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "") + "-" +
		string(rune('a'+nameSeq.Add(1)%26))
}

// createQueue creates a queue and returns its URL.
func (tb *testBundle) createQueue(t testing.TB, name string, attrs map[string]string) string {
	t.Helper()
	out, err := tb.client.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	return aws.ToString(out.QueueUrl)
}

// wantAPIError checks an SDK error's code (the awsQuery code the SDK
// reports for query-compatible services), message and HTTP status.
func wantAPIError(t testing.TB, err error, code, msg string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v; want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Errorf("error = %s: %q; want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	var re *awshttp.ResponseError
	if status != 0 && errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("status = %d; want %d", re.HTTPStatusCode(), status)
	}
}

func sqsActions() []string { return sqs.Actions() }
