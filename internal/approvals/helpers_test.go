package approvals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/approvals"
	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// completeCall is one call of the fake Complete.
type completeCall struct {
	Token, Output, ErrName, Cause string
	Approved                      bool
}

// fakeTasks is a hand-written fake of the runner's task completion. Err,
// when set, is what every call returns.
type fakeTasks struct {
	mu    sync.Mutex
	calls []completeCall
	Err   error
}

func (f *fakeTasks) Complete(_ context.Context, token string, approved bool, output, errName, cause string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, completeCall{Token: token, Approved: approved, Output: output, ErrName: errName, Cause: cause})
	return f.Err
}

func (f *fakeTasks) Calls() []completeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]completeCall(nil), f.calls...)
}

// clock is an injected clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var start = time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

// testBundle is one service behind a real HTTP server on the lead's router.
type testBundle struct {
	svc    *approvals.Service
	db     *sqlite.DB
	dbPath string
	srv    *httptest.Server
	tasks  *fakeTasks
	clock  *clock
	client *http.Client
}

type setupOpts struct {
	auth   awsproto.Authenticator
	dbPath string
	key    []byte
}

func setup(t *testing.T, opts ...func(*setupOpts)) *testBundle {
	t.Helper()
	var o setupOpts
	for _, f := range opts {
		f(&o)
	}
	if o.dbPath == "" {
		o.dbPath = filepath.Join(t.TempDir(), "db")
	}
	db, err := sqlite.Open(context.Background(), o.dbPath, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tb := &testBundle{db: db, dbPath: o.dbPath, tasks: &fakeTasks{}, clock: &clock{t: start}}
	tb.svc, err = approvals.New(approvals.Config{
		DB: db, BaseURL: "http://" + ln.Addr().String() + "/", Key: o.key,
		Now: tb.clock.Now, Complete: tb.tasks.Complete, Authenticate: o.auth,
	})
	if err != nil {
		t.Fatal(err)
	}
	router := &awsproto.Router{}
	router.HandlePath(approvals.PathPrefix, approvals.NewHTTPHandler(tb.svc))
	tb.srv = httptest.NewUnstartedServer(router)
	tb.srv.Listener.Close()
	tb.srv.Listener = ln
	tb.srv.Start()
	tb.client = tb.srv.Client()
	t.Cleanup(tb.close)
	return tb
}

// close stops the server and service and closes the database; safe to
// call twice.
func (tb *testBundle) close() {
	if tb.srv == nil {
		return
	}
	tb.srv.Close()
	tb.client.CloseIdleConnections()
	tb.svc.Close()
	tb.db.Close()
	tb.srv = nil
}

// mintBody is POST /approvals's body.
type mintBody struct {
	TaskToken, ExecutionArn, StateName, Title, Details string
	ExpiresInSeconds                                   int64 `json:",omitempty"`
}

type minted struct {
	ApprovalId, ApproveUrl, RejectUrl, PageUrl, ExpiresAt string
}

const (
	testToken = "AQCEAAAAKgAAAAMAAAAAAAAAAf3nZx+secret-task-token"
	testArn   = "arn:aws:states:us-east-1:111111111111:execution:orders:order-1234"
)

func defaultMint() mintBody {
	return mintBody{TaskToken: testToken, ExecutionArn: testArn, StateName: "WaitForManager",
		Title: "Refund 120 EUR to order 1234", Details: "Customer: Ada\nReason: damaged parcel"}
}

// mint POSTs b to /approvals and decodes the answer; it fails the test
// unless the status is 200.
func (tb *testBundle) mint(t *testing.T, b mintBody) minted {
	t.Helper()
	code, body := tb.mintRaw(t, b)
	if code != http.StatusOK {
		t.Fatalf("POST /approvals = %d %s", code, body)
	}
	var m minted
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return m
}

func (tb *testBundle) mintRaw(t *testing.T, b any) (int, []byte) {
	t.Helper()
	var body []byte
	switch b := b.(type) {
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := tb.client.Post(tb.srv.URL+"/approvals", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return readResp(t, resp)
}

func readResp(t *testing.T, resp *http.Response) (int, []byte) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// get GETs a link.
func (tb *testBundle) get(t *testing.T, link string) (*http.Response, string) {
	t.Helper()
	resp, err := tb.client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	_, b := readResp(t, resp)
	return resp, string(b)
}

// form is a decision form found on a page.
type form struct {
	Action, D, S, Label string
}

var (
	formRE   = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)">\s*<input type="hidden" name="d" value="([^"]*)">\s*<input type="hidden" name="s" value="([^"]*)">\s*<button type="submit" class="[^"]*">([^<]*)</button>`)
	buttonRE = regexp.MustCompile(`<button`)
)

// forms returns the decision forms of a page, with actions resolved
// against the page's URL as a browser does.
func forms(t *testing.T, pageURL, html string) []form {
	t.Helper()
	base, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	var out []form
	for _, m := range formRE.FindAllStringSubmatch(html, -1) {
		ref, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, form{Action: base.ResolveReference(ref).String(), D: m[2], S: m[3], Label: m[4]})
	}
	return out
}

// submit POSTs a form as a browser does.
func (tb *testBundle) submit(t *testing.T, f form) (int, string) {
	t.Helper()
	return tb.postForm(t, f.Action, url.Values{"d": {f.D}, "s": {f.S}})
}

func (tb *testBundle) postForm(t *testing.T, target string, v url.Values) (int, string) {
	t.Helper()
	resp, err := tb.client.PostForm(target, v)
	if err != nil {
		t.Fatal(err)
	}
	code, b := readResp(t, resp)
	return code, string(b)
}

// openForm GETs a single-decision link and returns its one form.
func (tb *testBundle) openForm(t *testing.T, link string) form {
	t.Helper()
	resp, html := tb.get(t, link)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", link, resp.StatusCode, html)
	}
	fs := forms(t, link, html)
	if len(fs) != 1 {
		t.Fatalf("GET %s: %d forms, want 1\n%s", link, len(fs), html)
	}
	return fs[0]
}

// withQuery returns link with query parameter k set to v ("" removes it).
func withQuery(t *testing.T, link, k, v string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func query(t *testing.T, link, k string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(k)
}

// status returns the stored status of approval id.
func (tb *testBundle) status(t *testing.T, id string) string {
	t.Helper()
	rec, err := tb.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Status
}

func wantStatus(t *testing.T, what string, got, want int, body string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %d, want %d\n%s", what, got, want, body)
	}
}

func wantContains(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s lacks %q\n%s", what, s, body)
		}
	}
}

var errTaskGone = errors.New("TaskTimedOut: Task Timed Out")
