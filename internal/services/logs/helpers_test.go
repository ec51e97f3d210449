package logs_test

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
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/logs"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account   = "111111111111"
	region    = "us-east-1"
	groupBase = "arn:aws:logs:us-east-1:111111111111:log-group:"
)

// start is the test clock's initial time.
var start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

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

type testBundle struct {
	url    string
	path   string
	db     *sqlite.DB
	svc    *logs.Service
	client *cwl.Client
	clock  *clock
	sweep  time.Duration
	h      atomicHandler
}

type atomicHandler struct {
	p atomic.Pointer[awsproto.Router]
}

func (a *atomicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.p.Load().ServeHTTP(w, r) }

func setup(t testing.TB) *testBundle {
	return setupSweep(t, -1)
}

func setupSweep(t testing.TB, sweep time.Duration) *testBundle {
	t.Helper()
	tb := &testBundle{path: filepath.Join(t.TempDir(), "stepflow.db"), clock: &clock{now: start}, sweep: sweep}
	srv := httptest.NewServer(&tb.h)
	tb.url = srv.URL
	tb.open(t)
	t.Cleanup(func() {
		srv.Close()
		tb.close(t)
	})
	tb.client = cwl.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *cwl.Options) { o.BaseEndpoint = aws.String(tb.url) })
	return tb
}

func (tb *testBundle) open(t testing.TB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), tb.path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := logs.New(logs.Config{DB: db, Account: account, Region: region, Now: tb.clock.Now, SweepInterval: tb.sweep})
	if err != nil {
		t.Fatal(err)
	}
	tb.db, tb.svc = db, svc
	// Route as the server does: by X-Amz-Target prefix.
	var rt awsproto.Router
	rt.HandleTarget(logs.TargetPrefix, logs.NewHTTPHandler(svc, nil))
	tb.h.p.Store(&rt)
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

func (tb *testBundle) reopen(t testing.TB) {
	t.Helper()
	tb.close(t)
	tb.open(t)
}

func wantAPIError(t testing.TB, err error, code string, msg string) {
	t.Helper()
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
	if errors.As(err, &re) && re.HTTPStatusCode() != 400 {
		t.Errorf("status = %d, want 400", re.HTTPStatusCode())
	}
}

func (tb *testBundle) createGroup(t testing.TB, name string) {
	t.Helper()
	if _, err := tb.client.CreateLogGroup(context.Background(), &cwl.CreateLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		t.Fatalf("create log group %s: %v", name, err)
	}
}

func (tb *testBundle) createStream(t testing.TB, group, name string) {
	t.Helper()
	if _, err := tb.client.CreateLogStream(context.Background(), &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(name)}); err != nil {
		t.Fatalf("create log stream %s: %v", name, err)
	}
}

// put writes messages at the given offsets (ms) from the clock's now.
func (tb *testBundle) put(t testing.TB, group, stream string, events ...ev) *cwl.PutLogEventsOutput {
	t.Helper()
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}
	for _, e := range events {
		in.LogEvents = append(in.LogEvents, types.InputLogEvent{Timestamp: aws.Int64(e.ts), Message: aws.String(e.msg)})
	}
	out, err := tb.client.PutLogEvents(context.Background(), in)
	if err != nil {
		t.Fatalf("put log events: %v", err)
	}
	return out
}

type ev struct {
	ts  int64
	msg string
}

func ms(t time.Time) int64 { return t.UnixMilli() }
