package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

// memStore is a store in memory with the same conditions as dynamoStore.
type memStore struct {
	mu      sync.Mutex
	records map[string]Record
}

func (m *memStore) Create(_ context.Context, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.records[r.ID]; ok {
		return errors.New("exists")
	}
	m.records[r.ID] = r
	return nil
}

func (m *memStore) Get(_ context.Context, id string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[id]
	if !ok {
		return Record{}, errNotFound
	}
	return r, nil
}

func (m *memStore) Decide(_ context.Context, id, decision string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[id]
	if !ok || r.Decision != "" || r.ExpiresAt <= at.Unix() {
		return errNotOpen
	}
	r.Decision, r.DecidedAt = decision, at.UTC().Format(time.RFC3339)
	m.records[id] = r
	return nil
}

func (m *memStore) Finish(_ context.Context, id, outcome, problem string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.records[id]
	r.Outcome, r.Problem = outcome, problem
	m.records[id] = r
	return nil
}

// fakeSFN records the completions it is asked for, failing with errs in
// turn first.
type fakeSFN struct {
	mu        sync.Mutex
	errs      []error
	successes []*sfn.SendTaskSuccessInput
	failures  []*sfn.SendTaskFailureInput
}

func (f *fakeSFN) next() error {
	if len(f.errs) == 0 {
		return nil
	}
	err := f.errs[0]
	f.errs = f.errs[1:]
	return err
}

func (f *fakeSFN) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.next(); err != nil {
		return nil, err
	}
	f.successes = append(f.successes, in)
	return &sfn.SendTaskSuccessOutput{}, nil
}

func (f *fakeSFN) SendTaskFailure(_ context.Context, in *sfn.SendTaskFailureInput, _ ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.next(); err != nil {
		return nil, err
	}
	f.failures = append(f.failures, in)
	return &sfn.SendTaskFailureOutput{}, nil
}

// testBundle is a handler with its fakes and a clock tests can move.
type testBundle struct {
	h     *handler
	store *memStore
	sfn   *fakeSFN
	mu    sync.Mutex
	clock time.Time
}

const token = "AAAA-the-task-token"

func setup(t *testing.T) *testBundle {
	t.Helper()
	tb := &testBundle{store: &memStore{records: map[string]Record{}}, sfn: &fakeSFN{}, clock: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}
	tb.h = &handler{
		store: tb.store, tasks: tb.sfn, key: []byte(strings.Repeat("k", 32)),
		now: func() time.Time { tb.mu.Lock(); defer tb.mu.Unlock(); return tb.clock },
		log: slog.New(slog.DiscardHandler),
	}
	return tb
}

func (tb *testBundle) advance(d time.Duration) {
	tb.mu.Lock()
	tb.clock = tb.clock.Add(d)
	tb.mu.Unlock()
}

func request(method, rawURL, body string) events.APIGatewayV2HTTPRequest {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	r := events.APIGatewayV2HTTPRequest{RawPath: u.Path, RawQueryString: u.RawQuery, Body: body, Headers: map[string]string{}}
	if q := u.Query(); len(q) > 0 {
		r.QueryStringParameters = map[string]string{}
		for k := range q {
			r.QueryStringParameters[k] = q.Get(k)
		}
	}
	r.RequestContext.HTTP.Method = method
	r.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
	r.RequestContext.Stage = "$default"
	if method == "POST" && !strings.HasSuffix(u.Path, "/approvals") {
		r.Headers["content-type"] = "application/x-www-form-urlencoded"
	}
	return r
}

func (tb *testBundle) do(t *testing.T, method, rawURL, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := tb.h.handle(context.Background(), request(method, rawURL, body))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

const mintBody = `{"TaskToken":"` + token + `","ExecutionArn":"arn:aws:states:eu-west-1:123456789012:execution:orders:o-1","StateName":"RequestApproval",
 "Title":"Approve order o-1 (1999.00 EUR) <script>alert(1)</script>","Details":"2 × TV\nTotal: 1999.00 EUR","ExpiresInSeconds":3600}`

func (tb *testBundle) mint(t *testing.T) mintResponse {
	t.Helper()
	resp := tb.do(t, "POST", "/approvals", mintBody)
	if resp.StatusCode != 200 {
		t.Fatalf("mint: %d %s", resp.StatusCode, resp.Body)
	}
	var m mintResponse
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

var formRE = regexp.MustCompile(`<form method="post" action="([0-9a-f]+)">\s*<input type="hidden" name="d" value="(\w+)">\s*<input type="hidden" name="s" value="([\w-]+)">`)

// form is the decision a page's button would POST.
type form struct{ action, d, s string }

func forms(page string) []form {
	var out []form
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		out = append(out, form{m[1], m[2], m[3]})
	}
	return out
}

// press POSTs a page's only button, as a browser would.
func (tb *testBundle) press(t *testing.T, link string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	page := tb.do(t, "GET", link, "")
	f := forms(page.Body)
	if page.StatusCode != 200 || len(f) != 1 {
		t.Fatalf("GET %s: %d with %d buttons:\n%s", link, page.StatusCode, len(f), page.Body)
	}
	return tb.do(t, "POST", "/approvals/"+f[0].action, url.Values{"d": {f[0].d}, "s": {f[0].s}}.Encode())
}

func path(link string) string {
	u, _ := url.Parse(link)
	return u.RequestURI()
}

func TestMint(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t)
	base := "https://abc123.execute-api.eu-west-1.amazonaws.com/approvals/" + m.ApprovalId
	if !validID(m.ApprovalId) || !strings.HasPrefix(m.ApproveUrl, base+"?d=approve&s=") ||
		!strings.HasPrefix(m.RejectUrl, base+"?d=reject&s=") || !strings.HasPrefix(m.PageUrl, base+"?s=") {
		t.Errorf("links %+v", m)
	}
	if m.ExpiresAt != "2026-11-29T11:00:00Z" {
		t.Errorf("ExpiresAt = %s", m.ExpiresAt)
	}
	for _, u := range []string{m.ApproveUrl, m.RejectUrl, m.PageUrl} {
		if strings.Contains(u, token) {
			t.Errorf("link %s holds the token", u)
		}
	}
	r := tb.store.records[m.ApprovalId]
	if r.Token != token || r.StateName != "RequestApproval" || r.ExpiresAt != tb.clock.Add(time.Hour).Unix() || r.Decision != "" {
		t.Errorf("stored %+v", r)
	}

	// A named stage and PUBLIC_URL change the base.
	req := request("POST", "/prod/approvals", mintBody)
	req.RequestContext.Stage = "prod"
	resp, _ := tb.h.handle(context.Background(), req)
	if !strings.Contains(resp.Body, `"ApproveUrl":"https://abc123.execute-api.eu-west-1.amazonaws.com/prod/approvals/`) {
		t.Errorf("stage base: %s", resp.Body)
	}
	tb.h.baseURL = "https://approve.example.com"
	if m := tb.mint(t); !strings.HasPrefix(m.ApproveUrl, "https://approve.example.com/approvals/") {
		t.Errorf("PUBLIC_URL base: %s", m.ApproveUrl)
	}
}

func TestMintInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, want string }{
		{"empty", ``, "the body must be a JSON object with TaskToken, ExecutionArn, StateName, Title, Details, ExpiresInSeconds"},
		{"no token", `{"ExecutionArn":"arn:x"}`, "TaskToken is required: pass the waiting task's token ($$.Task.Token)"},
		{"no arn", `{"TaskToken":"t"}`, "ExecutionArn is required and must be an ARN: pass $$.Execution.Id"},
		{"unknown field", `{"TaskToken":"t","Token":"x"}`, `"Token" is not a field of an approval request; the fields are TaskToken, ExecutionArn, StateName, Title, Details, ExpiresInSeconds`},
		{"ttl too long", `{"TaskToken":"t","ExecutionArn":"arn:x","ExpiresInSeconds":604801}`, "ExpiresInSeconds 604801 is longer than the maximum of 604800 (7 days)"},
		{"ttl negative", `{"TaskToken":"t","ExecutionArn":"arn:x","ExpiresInSeconds":-1}`, "ExpiresInSeconds must be positive, or 0 for the default of 86400 (24 hours)"},
		{"ttl fractional", `{"TaskToken":"t","ExecutionArn":"arn:x","ExpiresInSeconds":1.5}`, "ExpiresInSeconds must be a whole number of seconds"},
		{"two objects", `{"TaskToken":"t","ExecutionArn":"arn:x"}{}`, "the body must hold one JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t)
			resp := tb.do(t, "POST", "/approvals", tc.body)
			var e struct{ Type, Message string }
			_ = json.Unmarshal([]byte(strings.Replace(resp.Body, "__type", "Type", 1)), &e)
			if resp.StatusCode != 400 || e.Type != "ValidationException" || e.Message != tc.want {
				t.Errorf("got %d %s\nwant 400 %s", resp.StatusCode, resp.Body, tc.want)
			}
		})
	}
}

func TestApprove(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t)

	page := tb.do(t, "GET", path(m.ApproveUrl), "")
	if page.StatusCode != 200 || page.Headers["Content-Type"] != "text/html; charset=utf-8" {
		t.Fatalf("GET: %d %v", page.StatusCode, page.Headers)
	}
	if f := forms(page.Body); len(f) != 1 || f[0].d != "approve" || f[0].action != m.ApprovalId {
		t.Errorf("buttons %+v", f)
	}
	if strings.Contains(page.Body, "<script>") || !strings.Contains(page.Body, "&lt;script&gt;") || strings.Contains(page.Body, token) {
		t.Errorf("page not escaped, or shows the token:\n%s", page.Body)
	}
	if len(tb.sfn.successes)+len(tb.sfn.failures) != 0 || tb.store.records[m.ApprovalId].Decision != "" {
		t.Fatal("GET changed something")
	}

	resp := tb.press(t, path(m.ApproveUrl))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Approved") {
		t.Fatalf("POST: %d\n%s", resp.StatusCode, resp.Body)
	}
	if len(tb.sfn.successes) != 1 || *tb.sfn.successes[0].TaskToken != token ||
		*tb.sfn.successes[0].Output != `{"approved":true,"approvalId":"`+m.ApprovalId+`","decidedAt":"2026-11-29T10:00:00Z"}` {
		t.Errorf("SendTaskSuccess %+v", tb.sfn.successes)
	}
	if r := tb.store.records[m.ApprovalId]; r.Decision != "approve" || r.Outcome != outcomeDelivered {
		t.Errorf("stored %+v", r)
	}

	// The links are spent: GET and POST answer 410 and change nothing.
	for _, link := range []string{m.ApproveUrl, m.RejectUrl, m.PageUrl} {
		if resp := tb.do(t, "GET", path(link), ""); resp.StatusCode != 410 || !strings.Contains(resp.Body, "already decided") {
			t.Errorf("GET %s after the decision: %d", link, resp.StatusCode)
		}
	}
	u, _ := url.Parse(m.RejectUrl)
	again := tb.do(t, "POST", u.Path, url.Values{"d": {"reject"}, "s": {u.Query().Get("s")}}.Encode())
	if again.StatusCode != 410 || len(tb.sfn.failures) != 0 || len(tb.sfn.successes) != 1 {
		t.Errorf("reused link: %d, completions %d/%d", again.StatusCode, len(tb.sfn.successes), len(tb.sfn.failures))
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t)
	// The page link shows both buttons.
	if f := forms(tb.do(t, "GET", path(m.PageUrl), "").Body); len(f) != 2 || f[0].d != "approve" || f[1].d != "reject" {
		t.Errorf("page link buttons %+v", f)
	}
	// A form POST may arrive base64-encoded.
	u, _ := url.Parse(m.RejectUrl)
	req := request("POST", u.Path, base64.StdEncoding.EncodeToString([]byte(url.Values{"d": {"reject"}, "s": {u.Query().Get("s")}}.Encode())))
	req.IsBase64Encoded = true
	resp, _ := tb.h.handle(context.Background(), req)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Rejected") {
		t.Fatalf("POST: %d\n%s", resp.StatusCode, resp.Body)
	}
	if len(tb.sfn.failures) != 1 || *tb.sfn.failures[0].Error != "ApprovalRejected" || *tb.sfn.failures[0].Cause != "Rejected by the approver through approval "+m.ApprovalId {
		t.Errorf("SendTaskFailure %+v", tb.sfn.failures)
	}
}

func TestBadLinks(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t)
	u, _ := url.Parse(m.ApproveUrl)
	sig := u.Query().Get("s")
	tests := []struct {
		name, method, link, body string
		status                   int
		text                     string
	}{
		{"tampered signature", "GET", u.Path + "?d=approve&s=" + strings.Repeat("A", 22), "", 403, "not valid"},
		{"approve signature used to reject", "GET", u.Path + "?d=reject&s=" + sig, "", 403, "not valid"},
		{"unknown decision", "GET", u.Path + "?d=maybe&s=" + sig, "", 403, "not valid"},
		{"unknown request", "GET", "/approvals/" + strings.Repeat("0", 32) + "?d=approve&s=" + sig, "", 404, "not found"},
		{"malformed id", "GET", "/approvals/..%2F?d=approve&s=" + sig, "", 404, "not found"},
		{"tampered POST", "POST", u.Path, "d=reject&s=" + sig, 403, "not valid"},
		{"POST of the page link", "POST", u.Path, "s=" + path(m.PageUrl)[strings.Index(path(m.PageUrl), "s=")+2:], 400, "Choose Approve or Reject"},
		{"other path", "GET", "/elsewhere", "", 404, "not found"},
		{"list", "GET", "/approvals", "", 405, "MethodNotAllowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tb.do(t, tc.method, tc.link, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.text) {
				t.Errorf("got %d, want %d with %q:\n%s", resp.StatusCode, tc.status, tc.text, resp.Body)
			}
		})
	}
	if len(tb.sfn.successes)+len(tb.sfn.failures) != 0 || tb.store.records[m.ApprovalId].Decision != "" {
		t.Error("a bad link changed something")
	}
}

func TestExpired(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t)
	page := tb.do(t, "GET", path(m.ApproveUrl), "")
	f := forms(page.Body)[0]
	tb.advance(time.Hour) // the links expire at exactly this time
	if resp := tb.do(t, "GET", path(m.ApproveUrl), ""); resp.StatusCode != 410 || !strings.Contains(resp.Body, "expired") {
		t.Errorf("GET: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := tb.do(t, "POST", "/approvals/"+f.action, url.Values{"d": {f.d}, "s": {f.s}}.Encode()); resp.StatusCode != 410 || !strings.Contains(resp.Body, "expired") {
		t.Errorf("POST: %d\n%s", resp.StatusCode, resp.Body)
	}
	if len(tb.sfn.successes) != 0 {
		t.Error("an expired link completed the task")
	}
}

func TestNotWaiting(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.sfn.errs = []error{&types.TaskTimedOut{Message: aws.String("Task Timed Out")}}
	m := tb.mint(t)
	resp := tb.press(t, path(m.ApproveUrl))
	if resp.StatusCode != 410 || !strings.Contains(resp.Body, "no longer waiting") {
		t.Errorf("got %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := tb.store.records[m.ApprovalId]; r.Outcome != outcomeNotWaiting || r.Decision != "approve" {
		t.Errorf("stored %+v", r)
	}
}

func TestRedeliver(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.sfn.errs = []error{&smithy.GenericAPIError{Code: "ThrottlingException"}}
	m := tb.mint(t)
	resp := tb.press(t, path(m.ApproveUrl))
	if resp.StatusCode != 503 || len(forms(resp.Body)) != 1 {
		t.Fatalf("first press: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := tb.store.records[m.ApprovalId]; r.Decision != "approve" || r.Outcome != "" {
		t.Fatalf("stored %+v", r)
	}
	// The reject link cannot change the recorded decision...
	if resp := tb.do(t, "GET", path(m.RejectUrl), ""); resp.StatusCode != 410 {
		t.Errorf("reject link after the decision: %d", resp.StatusCode)
	}
	// ...and the approve link delivers it.
	if resp := tb.press(t, path(m.ApproveUrl)); resp.StatusCode != 200 || len(tb.sfn.successes) != 1 {
		t.Errorf("second press: %d, %d successes", resp.StatusCode, len(tb.sfn.successes))
	}
}

// TestConcurrentDecisions presses Approve and Reject at once, many times:
// exactly one decision reaches the task.
func TestConcurrentDecisions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t)
	var fs []form
	for _, link := range []string{m.ApproveUrl, m.RejectUrl} {
		fs = append(fs, forms(tb.do(t, "GET", path(link), "").Body)...)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		f := fs[i%2]
		wg.Go(func() {
			_, _ = tb.h.handle(context.Background(), request("POST", "/approvals/"+f.action, url.Values{"d": {f.d}, "s": {f.s}}.Encode()))
		})
	}
	wg.Wait()
	if n := len(tb.sfn.successes) + len(tb.sfn.failures); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
}

func FuzzDecodeMint(f *testing.F) {
	f.Add([]byte(mintBody))
	f.Add([]byte(`{"TaskToken":"t","ExecutionArn":"arn:x","ExpiresInSeconds":1e30}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := decodeMint(body)
		if err != nil {
			return
		}
		if m.TaskToken == "" || !strings.HasPrefix(m.ExecutionArn, "arn:") || m.ExpiresInSeconds < 0 || m.ExpiresInSeconds > 604800 || m.Title == "" {
			t.Fatalf("accepted %+v", m)
		}
	})
}
