package ses_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/ses"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account = "111111111111"
	region  = "us-east-1"
)

// messageIDRE is the shape of SES MessageIds in us-east-1.
var messageIDRE = regexp.MustCompile(`^0100[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$`)

// testBundle is one service behind a router on a fresh SQLite database,
// with both SDK clients pointed at it.
type testBundle struct {
	url    string
	svc    *ses.Service
	db     *sqlite.DB
	dbPath string
	v1     *awsses.Client
	v2     *sesv2.Client
	cfg    ses.Config

	closeFn func()
}

// setup starts a service; opts adjust its configuration.
func setup(t testing.TB, opts ...func(*ses.Config)) *testBundle {
	t.Helper()
	tb := &testBundle{dbPath: filepath.Join(t.TempDir(), "stepflow.db")}
	tb.open(t, opts...)
	return tb
}

// open (re)opens the database and the service and serves them.
func (tb *testBundle) open(t testing.TB, opts ...func(*ses.Config)) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, tb.dbPath, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ses.Config{DB: db, Account: account, Region: region, RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond, SMTPTimeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := ses.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var rt awsproto.Router
	h := ses.NewHTTPHandler(svc, nil)
	rt.HandlePath(ses.PathPrefix, h)
	rt.HandleService(ses.SigningName, h)
	rt.HandlePath(ses.OutboxPath, ses.NewOutboxHandler(svc))
	srv := httptest.NewServer(&rt)
	closed := false
	closeAll := func() {
		if closed {
			return
		}
		closed = true
		srv.Close()
		_ = svc.Close()
		_ = db.Close()
	}
	t.Cleanup(closeAll)
	tb.closeFn = closeAll
	tb.url, tb.svc, tb.db, tb.cfg = srv.URL, svc, db, cfg
	awsCfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}
	tb.v1 = awsses.NewFromConfig(awsCfg, func(o *awsses.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	tb.v2 = sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

// reopen closes the service and the database and opens them again.
func (tb *testBundle) reopen(t testing.TB, opts ...func(*ses.Config)) {
	t.Helper()
	tb.closeFn()
	tb.open(t, opts...)
}

// apiCode returns the AWS error code and message of err.
func apiCode(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	if err == nil {
		return "", ""
	}
	return "not an API error", err.Error()
}

// httpStatus returns the HTTP status of an SDK error.
func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// get fetches a URL and returns status, content type and body.
func get(t testing.TB, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// received is one message an SMTP sink accepted.
type received struct {
	from string
	to   []string
	data []byte
}

// sink is a real SMTP server (emersion/go-smtp) recording what it
// receives. rejectRcpt, when set, refuses that recipient with 550.
type sink struct {
	srv        *gosmtp.Server
	addr       string
	mu         sync.Mutex
	msgs       []received
	rejectRcpt string
}

// startSink listens on addr ("" for any free port).
func startSink(t testing.TB, addr string) *sink {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var (
		ln  net.Listener
		err error
	)
	for range 50 { // a just-freed port may take a moment to be reusable
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{addr: ln.Addr().String()}
	s.srv = gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &sinkSession{s: s}, nil
	}))
	s.srv.Domain = "sink.test"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		<-done
	})
	return s
}

func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *gosmtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.s.mu.Lock()
	reject := ss.s.rejectRcpt
	ss.s.mu.Unlock()
	if to == reject {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, received{from: ss.from, to: ss.to, data: b})
	ss.s.mu.Unlock()
	return nil
}

// freeAddr returns a local address nothing listens on (yet).
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// xmlUnmarshal decodes an XML response.
func xmlUnmarshal(b []byte, v any) error { return xml.Unmarshal(b, v) }
