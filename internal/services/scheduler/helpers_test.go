package scheduler_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssched "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/scheduler"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account   = "111111111111"
	region    = "us-east-1"
	roleArn   = "arn:aws:iam::111111111111:role/scheduler"
	queueArn  = "arn:aws:sqs:us-east-1:111111111111:target"
	dlqArn    = "arn:aws:sqs:us-east-1:111111111111:dlq"
	sfnTarget = "arn:aws:states:us-east-1:111111111111:stateMachine:sm"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// call is one delivery Deliver or DeadLetter received.
type call struct {
	target scheduler.Target
	arn    string // the dead-letter queue
	input  string
	at     time.Time // real time
}

// recorder is a fake target: it records deliveries and fails while fail
// returns an error.
type recorder struct {
	mu    sync.Mutex
	calls []call
	dlq   []call
	fail  func(n int) error // n counts deliveries from 1
	ch    chan call
}

func newRecorder() *recorder { return &recorder{ch: make(chan call, 1000)} }

func (r *recorder) Deliver(_ context.Context, t scheduler.Target, input []byte) error {
	r.mu.Lock()
	c := call{target: t, input: string(input), at: time.Now()}
	r.calls = append(r.calls, c)
	n := len(r.calls)
	fail := r.fail
	r.mu.Unlock()
	r.ch <- c
	if fail != nil {
		return fail(n)
	}
	return nil
}

func (r *recorder) DeadLetter(_ context.Context, arn string, body []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dlq = append(r.dlq, call{arn: arn, input: string(body), at: time.Now()})
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// next waits for the next delivery.
func (r *recorder) next(t *testing.T) call {
	t.Helper()
	select {
	case c := <-r.ch:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery")
		return call{}
	}
}

// none checks no delivery arrives for d.
func (r *recorder) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case c := <-r.ch:
		t.Fatalf("unexpected delivery %+v", c)
	case <-time.After(d):
	}
}

type options struct {
	clock     *clock
	scale     float64
	rec       *recorder
	path      string
	noFiring  bool
	retryBase time.Duration
}

// testBundle is a service behind an HTTP server routed as the lead routes
// it, on a fresh database.
type testBundle struct {
	svc    *scheduler.Service
	db     *sqlite.DB
	client *awssched.Client
	rec    *recorder
	opts   options
	srv    *httptest.Server
	router *swappable
}

// swappable lets reopen replace the service behind the running server.
type swappable struct {
	mu sync.Mutex
	h  *awsproto.Router
}

func (s *swappable) get() *awsproto.Router {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h
}

func setup(t testing.TB, opts ...func(*options)) *testBundle {
	t.Helper()
	o := options{rec: newRecorder(), path: filepath.Join(t.TempDir(), "db")}
	for _, f := range opts {
		f(&o)
	}
	tb := &testBundle{rec: o.rec, opts: o, router: &swappable{}}
	tb.open(t)
	tb.srv = httptest.NewServer(routerFunc(tb.router))
	tb.client = awssched.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *awssched.Options) { o.BaseEndpoint = aws.String(tb.srv.URL) })
	t.Cleanup(func() {
		tb.srv.Close()
		tb.close(t)
	})
	return tb
}

func (tb *testBundle) open(t testing.TB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), tb.opts.path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := scheduler.Config{DB: db, Account: account, Region: region, TimeScale: tb.opts.scale,
		Deliver: tb.rec.Deliver, DeadLetter: tb.rec.DeadLetter, DisableFiring: tb.opts.noFiring,
		RetryBase: tb.opts.retryBase}
	if tb.opts.clock != nil {
		cfg.Now = tb.opts.clock.Now
		cfg.MaxWait = 2 * time.Millisecond
	}
	svc, err := scheduler.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var rt awsproto.Router
	h := scheduler.NewHTTPHandler(svc, nil)
	for _, p := range scheduler.PathPrefixes {
		rt.HandlePath(p, h)
	}
	tb.router.mu.Lock()
	tb.router.h = &rt
	tb.router.mu.Unlock()
	tb.svc, tb.db = svc, db
}

func (tb *testBundle) close(t testing.TB) {
	t.Helper()
	if err := tb.svc.Close(); err != nil {
		t.Error(err)
	}
	if err := tb.db.Close(); err != nil {
		t.Error(err)
	}
}

// reopen restarts the service on the same database.
func (tb *testBundle) reopen(t testing.TB) {
	t.Helper()
	tb.close(t)
	tb.open(t)
}

// wantAPIError checks err is the AWS error code with message msg ("" for
// any message) and HTTP status.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v; want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("code = %s (%s); want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("message = %q; want %q", ae.ErrorMessage(), msg)
	}
}

// createInput is a minimal valid CreateSchedule input.
func createInput(name, expr string) *awssched.CreateScheduleInput {
	return &awssched.CreateScheduleInput{
		Name:               aws.String(name),
		ScheduleExpression: aws.String(expr),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             &types.Target{Arn: aws.String(queueArn), RoleArn: aws.String(roleArn), Input: aws.String(`{"hello":"world"}`)},
	}
}
