package events_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/events"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account  = "111111111111"
	region   = "us-east-1"
	queueArn = "arn:aws:sqs:us-east-1:111111111111:target"
	dlqArn   = "arn:aws:sqs:us-east-1:111111111111:dlq"
	fnArn    = "arn:aws:lambda:us-east-1:111111111111:function:fn"
	roleArn  = "arn:aws:iam::111111111111:role/events"
)

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

type call struct {
	target events.Target
	arn    string
	input  string
}

// recorder is a fake target.
type recorder struct {
	mu    sync.Mutex
	calls []call
	dlq   []call
	fail  func(n int) error
	ch    chan call
}

func newRecorder() *recorder { return &recorder{ch: make(chan call, 1000)} }

func (r *recorder) Deliver(_ context.Context, t events.Target, input []byte) error {
	r.mu.Lock()
	c := call{target: t, input: string(input)}
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
	r.dlq = append(r.dlq, call{arn: arn, input: string(body)})
	return nil
}

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

func (r *recorder) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case c := <-r.ch:
		t.Fatalf("unexpected delivery %+v", c)
	case <-time.After(d):
	}
}

type options struct {
	clock      *clock
	scale      float64
	rec        *recorder
	path       string
	noDelivery bool
	deliver    events.DeliverFunc // replaces the recorder when set
}

type testBundle struct {
	svc    *events.Service
	db     *sqlite.DB
	client *eventbridge.Client
	rec    *recorder
	opts   options
	srv    *httptest.Server
	mu     sync.Mutex
	h      http.Handler
}

func setup(t testing.TB, opts ...func(*options)) *testBundle {
	t.Helper()
	o := options{rec: newRecorder(), path: filepath.Join(t.TempDir(), "db")}
	for _, f := range opts {
		f(&o)
	}
	tb := &testBundle{rec: o.rec, opts: o}
	tb.open(t)
	tb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tb.mu.Lock()
		h := tb.h
		tb.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	tb.client = eventbridge.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(tb.srv.URL) })
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
	cfg := events.Config{DB: db, Account: account, Region: region, TimeScale: tb.opts.scale,
		Deliver: tb.opts.deliverFunc(tb.rec), DeadLetter: tb.rec.DeadLetter, DisableDelivery: tb.opts.noDelivery}
	if tb.opts.clock != nil {
		cfg.Now = tb.opts.clock.Now
		cfg.MaxWait = 2 * time.Millisecond
	}
	svc, err := events.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var rt awsproto.Router
	rt.HandleTarget(events.TargetPrefix, events.NewHTTPHandler(svc, nil))
	tb.mu.Lock()
	tb.h = &rt
	tb.mu.Unlock()
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

func (o *options) deliverFunc(r *recorder) events.DeliverFunc {
	if o.deliver != nil {
		return o.deliver
	}
	return r.Deliver
}
