package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/console"
	"github.com/stepflow/stepflow/internal/console/consoletest"
)

// testBundle is a console on a fake backend.
type testBundle struct {
	fake *consoletest.Fake
	h    http.Handler
}

func setup(t *testing.T, opts console.Options) *testBundle {
	t.Helper()
	fake := consoletest.New(func() time.Time { return time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC) })
	return &testBundle{fake: fake, h: console.NewHandler(fake, opts)}
}

// response is a recorded answer.
type response struct {
	code int
	body string
	hdr  http.Header
}

// do sends a request to the console.
func (b *testBundle) do(req *http.Request) response {
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return response{rec.Code, string(body), rec.Result().Header}
}

func (b *testBundle) get(path string) response {
	return b.do(httptest.NewRequest(http.MethodGet, "http://console.test"+path, nil))
}

// session GETs a page and returns the CSRF cookie and form token it set.
func (b *testBundle) session(t *testing.T) (*http.Cookie, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://console.test/console/start", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("GET set %d cookies, want the CSRF cookie", len(cookies))
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("the start form has no CSRF token")
	}
	return cookies[0], m[1]
}

// post sends a form with the session's cookie.
func (b *testBundle) post(path string, c *http.Cookie, form url.Values, mod ...func(*http.Request)) response {
	req := httptest.NewRequest(http.MethodPost, "http://console.test"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c != nil {
		req.AddCookie(c)
	}
	for _, m := range mod {
		m(req)
	}
	return b.do(req)
}

func q(s string) string { return url.QueryEscape(s) }

func TestPages(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	order := consoletest.SMArn("order-flow")
	tests := []struct {
		path string
		want []string
	}{
		{"/console/", []string{"Running executions", consoletest.ExecWaiting, "Approve order 1003 (EUR 900)?", `href="/approvals/apr-1003?d=approve&amp;s=demo"`, "order-flow", "echo-express"}},
		{"/console/statemachines", []string{"order-flow", "STANDARD", "EXPRESS", "prod", `<td>2</td>`, "Start execution"}},
		{"/console/statemachine?arn=" + q(order), []string{
			`<svg class="graph"`, `data-state="WaitForApproval"`, `Catch InvalidOrder`, "Branch 1", "Item processor",
			"&#34;Comment&#34;", "approval above 500", "first release", "prod", "version 2: 100%", consoletest.ExecSucceeded,
			"aws stepfunctions describe-state-machine", "--endpoint-url http://console.test"}},
		{"/console/executions", []string{consoletest.ExecRunning, consoletest.ExecWaiting, "hello-59", "Next page", `name="q"`, `data-live="/console/api/executions"`}},
		{"/console/execution?arn=" + q(consoletest.ExecArn("order-flow", consoletest.ExecCaught)), []string{
			"FAILED", "OrderFailed", "The order could not be completed.", `class="node type-task st-caught"`, `class="node type-fail st-failed"`,
			"Redrive", "TaskFailed", "Lambda.ServiceException", "Steps", "&#43;1.4 s", "1.3 s", "InvalidOrder",
			"aws stepfunctions redrive-execution"}},
		{"/console/execution?arn=" + q(consoletest.ExecArn("order-flow", consoletest.ExecWaiting)) + "&state=WaitForApproval", []string{
			"RUNNING", "Stop execution", "Waiting for a callback", consoletest.WaitingToken, "Send task success", "Send task failure",
			"Waiting for approval", "Approve…", `class="node type-task st-waiting selected"`, "waiting for a callback",
			"aws stepfunctions send-task-success"}},
		{"/console/execution?arn=" + q(consoletest.ExecArn("order-flow", consoletest.ExecMap50)) + "&state=ShipItems", []string{
			"50 started, 50 succeeded", "entered 50 times", "MapIterationSucceeded"}},
		{"/console/execution?arn=" + q(consoletest.ExecArn("order-flow", consoletest.ExecSucceeded)) + "&state=Validate", []string{
			"Variables assigned", "$orderId", "&#34;1001&#34;"}},
		{"/console/start?sm=" + q(order), []string{"Start an execution of order-flow", `<textarea id="start-input"`, "aws stepfunctions start-execution", "--input &#39;{}&#39;"}},
		{"/console/start?from=" + q(consoletest.ExecArn("order-flow", consoletest.ExecSucceeded)), []string{"&#34;id&#34;: &#34;1001&#34;", `value="` + order + `" selected`}},
		{"/console/outbox", []string{"Your order 1001", `href="/outbox/0100018e-a1"`, "bob@example.com, ops@example.com", "relayed"}},
		{"/console/queues", []string{"shipping-dlq", "events.fifo", `<td class="num">3</td>`}},
		{"/console/queue?url=" + q("http://127.0.0.1:8083/111111111111/shipping"), []string{"book-17", "not JSON, plain text", "received 1 time(s)"}},
		{"/console/schedules", []string{"nightly-report", "cron(0 2 * * ? *)", "2025-03-15 02:00:00.000 UTC", "DISABLED"}},
		{"/console/functions", []string{"validate-order", "provided.al2023", "128 MB"}},
		{"/console/function?name=validate-order", []string{"validated order 1003", "order 1002 has no items", "InvalidOrder", "12 ms"}},
		{"/console/approvals", []string{"Approve order 1003", "PENDING"}},
		{"/console/approvals?all=1", []string{"Approve order 1003", "Approve order 999", "APPROVED"}},
	}
	for _, tt := range tests {
		res := b.get(tt.path)
		if res.code != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", tt.path, res.code, res.body)
			continue
		}
		for _, want := range tt.want {
			if !strings.Contains(res.body, want) {
				t.Errorf("GET %s: the page lacks %q", tt.path, want)
			}
		}
		if strings.Contains(res.body, "<script>") || strings.Contains(res.body, " style=") || strings.Contains(res.body, " onclick=") {
			t.Errorf("GET %s: inline script or style", tt.path)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	res := b.get("/console/")
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src http://console.test/console/static/; style-src http://console.test/console/static/; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := res.hdr.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	c := res.hdr.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/console"} {
		if !strings.Contains(c, attr) {
			t.Errorf("cookie %q lacks %s", c, attr)
		}
	}
	// A Host header that is not a plain host falls back to 'self'.
	req := httptest.NewRequest(http.MethodGet, "http://console.test/console/", nil)
	req.Host = "evil.test; script-src *"
	if csp := b.do(req).hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("CSP for a strange Host: %q", csp)
	}
	static := b.get("/console/static/console.js")
	if static.code != http.StatusOK || !strings.Contains(static.hdr.Get("Content-Type"), "javascript") || !strings.Contains(static.body, "use strict") {
		t.Errorf("console.js: %d %s", static.code, static.hdr.Get("Content-Type"))
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{Prefix: "/ui/"})
	for _, path := range []string{"/", "/ui"} {
		res := b.get(path)
		if res.code != http.StatusFound || res.hdr.Get("Location") != "/ui/" {
			t.Errorf("GET %s: %d to %q, want 302 to /ui/", path, res.code, res.hdr.Get("Location"))
		}
	}
	if res := b.get("/ui/"); res.code != http.StatusOK || !strings.Contains(res.body, `href="/ui/static/console.css"`) {
		t.Errorf("GET /ui/: %d", res.code)
	}
}

func TestErrorsInWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fail   string // backend method to break
		err    error
		path   string
		code   int
		want   string
		method string
	}{
		{name: "unknown execution", path: "/console/execution?arn=nope", code: 404, want: "ExecutionDoesNotExist: Execution Does Not Exist: &#39;nope&#39;"},
		{name: "no arn", path: "/console/execution", code: 400, want: "Which execution?"},
		{name: "unknown page", path: "/console/nope", code: 404, want: "There is no console page at /console/nope."},
		{name: "unknown function", path: "/console/function?name=nope", code: 404, want: "Function not found"},
		{name: "unknown queue", path: "/console/queue?url=nope", code: 404, want: "QueueDoesNotExist"},
		{name: "backend down", fail: "ListExecutions", err: errors.New("database is locked"), path: "/console/executions", code: 500, want: "list executions: database is locked"},
		{name: "service not wired", fail: "Outbox", err: console.ErrNotAvailable, path: "/console/outbox", code: 200, want: "The outbox (SES) is not available on this server."},
		{name: "no queues", fail: "Queues", err: console.ErrNotAvailable, path: "/console/queues", code: 200, want: "Queues (SQS) is not available on this server."},
		{name: "no scheduler", fail: "Schedules", err: console.ErrNotAvailable, path: "/console/schedules", code: 200, want: "is not available on this server."},
		{name: "no lambda", fail: "Functions", err: console.ErrNotAvailable, path: "/console/functions", code: 200, want: "is not available on this server."},
		{name: "no approvals", fail: "Approvals", err: console.ErrNotAvailable, path: "/console/approvals", code: 200, want: "Approvals is not available on this server."},
		{name: "history broken", fail: "GetHistory", err: errors.New("disk full"), path: "/console/execution?arn=" + q(consoletest.ExecArn("order-flow", consoletest.ExecCaught)), code: 200, want: "The execution history could not be read: disk full"},
		{name: "whole sm service", fail: "DescribeStateMachine", err: console.ErrNotAvailable, path: "/console/statemachine?arn=x", code: 501, want: "This server does not run that service"},
		{name: "bad filter", path: "/console/executions?after=yesterday&status=DONE", code: 400, want: "Started after: &#34;yesterday&#34; is not a date and time"},
		{name: "bad token", path: "/console/executions?token=garbage", code: 500, want: "InvalidToken: Invalid Token"},
		{name: "api error as JSON", path: "/console/api/execution?arn=nope", code: 404, want: `{"error":"describe execution nope: ExecutionDoesNotExist`},
		{name: "wrong method", path: "/console/executions", method: http.MethodPut, code: 405, want: "This page only answers GET requests."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, console.Options{})
			if tt.fail != "" {
				b.fake.FailWith(tt.fail, tt.err)
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			res := b.do(httptest.NewRequest(method, "http://console.test"+tt.path, nil))
			if res.code != tt.code || !strings.Contains(res.body, tt.want) {
				t.Errorf("%s %s: %d, want %d with %q\n%s", method, tt.path, res.code, tt.code, tt.want, res.body)
			}
		})
	}
}

// panicky panics in DescribeExecution.
type panicky struct{ *consoletest.Fake }

func (panicky) DescribeExecution(context.Context, string) (console.Execution, error) {
	panic("boom")
}

func TestPanicBecomesErrorPage(t *testing.T) {
	t.Parallel()
	h := console.NewHandler(panicky{consoletest.New(nil)}, console.Options{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/execution?arn=x", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "The console failed while building this page") {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	cookie, token := b.session(t)
	form := url.Values{"sm": {consoletest.SMArn("hello")}, "input": {`{}`}, "csrf": {token}}
	other := setup(t, console.Options{})
	otherCookie, otherToken := other.session(t)
	tests := []struct {
		name   string
		cookie *http.Cookie
		csrf   string
		mod    func(*http.Request)
	}{
		{"no cookie", nil, token, nil},
		{"no token", cookie, "", nil},
		{"tokens differ", cookie, token + "x", nil},
		{"another server's pair", &http.Cookie{Name: cookie.Name, Value: otherCookie.Value}, otherToken, nil},
		{"cross-site fetch", cookie, token, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }},
		{"foreign origin", cookie, token, func(r *http.Request) { r.Header.Set("Origin", "http://evil.test") }},
	}
	for _, tt := range tests {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("csrf", tt.csrf)
		var mods []func(*http.Request)
		if tt.mod != nil {
			mods = append(mods, tt.mod)
		}
		res := b.post("/console/start", tt.cookie, f, mods...)
		if res.code != http.StatusForbidden || !strings.Contains(res.body, "security token is missing or does not match (CSRF check)") {
			t.Errorf("%s: %d\n%s", tt.name, res.code, res.body)
		}
	}
	if calls := b.fake.Calls(); len(calls) != 0 {
		t.Errorf("refused forms reached the backend: %q", calls)
	}
	res := b.post("/console/start", cookie, form, func(r *http.Request) {
		r.Header.Set("Origin", "http://console.test")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	})
	if res.code != http.StatusSeeOther || !strings.HasPrefix(res.hdr.Get("Location"), "/console/execution?arn=") {
		t.Errorf("valid form: %d %q", res.code, res.hdr.Get("Location"))
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	waiting := consoletest.ExecArn("order-flow", consoletest.ExecWaiting)
	caught := consoletest.ExecArn("order-flow", consoletest.ExecCaught)
	tests := []struct {
		name     string
		path     string
		form     url.Values
		code     int
		location string // prefix of the redirect
		want     string // in the body, for failures
		call     string // the backend call made
	}{
		{"start", "/console/start", url.Values{"sm": {consoletest.SMArn("hello")}, "name": {"mine"}, "input": {`{"a": [1, 2]}`}}, 303,
			"/console/execution?arn=" + q(consoletest.ExecArn("hello", "mine")), "", `StartExecution ` + consoletest.SMArn("hello") + ` mine {"a": [1, 2]}`},
		{"start with empty input", "/console/start", url.Values{"sm": {consoletest.SMArn("hello")}, "input": {"  "}}, 303, "/console/execution?arn=", "", "StartExecution " + consoletest.SMArn("hello") + "  {}"},
		{"start with bad JSON", "/console/start", url.Values{"sm": {consoletest.SMArn("hello")}, "input": {"{\n  \"a\": 1,\n}"}}, 400, "",
			"The input is not valid JSON: Unexpected character (&#39;}&#39; (code 125)): was expecting double-quote to start field name (line 3, column 2).", ""},
		{"start without machine", "/console/start", url.Values{"input": {"{}"}}, 400, "", "Choose the state machine to start.", ""},
		{"start a duplicate", "/console/start", url.Values{"sm": {consoletest.SMArn("hello")}, "name": {"hello-01"}, "input": {"{}"}}, 400, "",
			"The execution was not started: ExecutionAlreadyExists: Execution Already Exists", "StartExecution"},
		{"stop", "/console/stop", url.Values{"arn": {waiting}, "error": {"Manual"}, "cause": {"changed my mind"}}, 303, "/console/execution?arn=" + q(waiting), "", "StopExecution " + waiting + " Manual changed my mind"},
		{"redrive", "/console/redrive", url.Values{"arn": {caught}}, 303, "/console/execution?arn=" + q(caught), "", "RedriveExecution " + caught},
		{"redrive refused", "/console/redrive", url.Values{"arn": {waiting}}, 400, "", "Redriving the execution failed: ExecutionNotRedrivable", "RedriveExecution"},
		{"task success", "/console/callback", url.Values{"arn": {waiting}, "token": {consoletest.WaitingToken}, "outcome": {"success"}, "output": {`{"approved": true}`}}, 303,
			"/console/execution?arn=" + q(waiting), "", "SendTaskSuccess " + consoletest.WaitingToken + ` {"approved": true}`},
		{"task success bad JSON", "/console/callback", url.Values{"arn": {waiting}, "token": {consoletest.WaitingToken}, "outcome": {"success"}, "output": {`{`}}, 400, "", "The task output is not valid JSON", ""},
		{"task failure", "/console/callback", url.Values{"arn": {waiting}, "token": {consoletest.WaitingToken}, "outcome": {"failure"}, "error": {"Rejected"}, "cause": {"too big"}}, 303,
			"/console/execution?arn=", "", "SendTaskFailure " + consoletest.WaitingToken + " Rejected too big"},
		{"unknown token", "/console/callback", url.Values{"token": {"nope"}, "outcome": {"failure"}}, 400, "", "Sending the task result failed: TaskDoesNotExist", "SendTaskFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, console.Options{})
			cookie, token := b.session(t)
			tt.form.Set("csrf", token)
			res := b.post(tt.path, cookie, tt.form)
			if res.code != tt.code {
				t.Fatalf("POST %s: %d, want %d\n%s", tt.path, res.code, tt.code, res.body)
			}
			if tt.location != "" && !strings.HasPrefix(res.hdr.Get("Location"), tt.location) {
				t.Errorf("redirect to %q, want %q…", res.hdr.Get("Location"), tt.location)
			}
			if !strings.Contains(res.body, tt.want) {
				t.Errorf("the answer lacks %q:\n%s", tt.want, res.body)
			}
			calls := b.fake.Calls()
			if tt.call == "" && len(calls) != 0 {
				t.Errorf("backend called: %q", calls)
			}
			if tt.call != "" && (len(calls) != 1 || !strings.HasPrefix(calls[0], tt.call)) {
				t.Errorf("backend calls %q, want %q", calls, tt.call)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{AccessKey: "AKID", SecretKey: "s3cret"})
	if res := b.get("/console/"); res.code != 200 || !strings.Contains(res.body, "Sign in to act") {
		t.Errorf("overview: %d, want a readable page with a sign-in link", res.code)
	}
	res := b.get("/console/login")
	if res.code != http.StatusUnauthorized || !strings.Contains(res.hdr.Get("WWW-Authenticate"), `Basic realm="Stepflow console"`) {
		t.Errorf("login: %d %q", res.code, res.hdr.Get("WWW-Authenticate"))
	}
	cookie, token := b.session(t)
	form := url.Values{"arn": {consoletest.ExecArn("order-flow", consoletest.ExecCaught)}, "csrf": {token}}
	for _, auth := range []func(*http.Request){
		func(*http.Request) {},
		func(r *http.Request) { r.SetBasicAuth("AKID", "wrong") },
	} {
		if res := b.post("/console/redrive", cookie, form, auth); res.code != http.StatusForbidden || !strings.Contains(res.body, "This server requires credentials for actions") {
			t.Errorf("unauthenticated action: %d", res.code)
		}
	}
	if calls := b.fake.Calls(); len(calls) != 0 {
		t.Errorf("backend called without credentials: %q", calls)
	}
	signed := func(r *http.Request) { r.SetBasicAuth("AKID", "s3cret") }
	if res := b.post("/console/redrive", cookie, form, signed); res.code != http.StatusSeeOther {
		t.Errorf("signed action: %d\n%s", res.code, res.body)
	}
	req := httptest.NewRequest(http.MethodGet, "http://console.test/console/login", nil)
	signed(req)
	if res := b.do(req); res.code != http.StatusFound {
		t.Errorf("login with credentials: %d", res.code)
	}
}

func TestExecutionFilterReachesBackend(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	sm := consoletest.SMArn("order-flow")
	res := b.get("/console/executions?status=FAILED&sm=" + q(sm) + "&prefix=order-&after=2020-01-02T03:04&before=2030-01-01T00:00:00Z&q=" + q(`"id": "1002"`))
	if res.code != 200 {
		t.Fatalf("%d %s", res.code, res.body)
	}
	want := console.ExecutionFilter{StateMachineArn: sm, Status: "FAILED", NamePrefix: "order-", Search: `"id": "1002"`,
		StartedAfter: time.Date(2020, 1, 2, 3, 4, 0, 0, time.UTC), StartedBefore: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 50}
	if got := b.fake.LastFilter(); got != want {
		t.Errorf("filter %+v\nwant   %+v", got, want)
	}
	if !strings.Contains(res.body, consoletest.ExecCaught) || strings.Contains(res.body, consoletest.ExecParallel) {
		t.Error("the page does not show exactly the matching execution")
	}
	if !strings.Contains(res.body, `value="&#34;id&#34;: &#34;1002&#34;"`) || !strings.Contains(res.body, `<option value="FAILED" selected>`) {
		t.Error("the form does not keep the filter")
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{PageSize: 2})
	first := b.get("/console/statemachines")
	m := regexp.MustCompile(`href="([^"]*token=[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if m == nil {
		t.Fatalf("no next page link:\n%s", first.body)
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	if next != "/console/statemachines?token=page.2" {
		t.Errorf("next page %q", next)
	}
	second := b.get(next)
	if !strings.Contains(second.body, "echo-express") || strings.Contains(second.body, ">order-flow<") || strings.Contains(second.body, `rel="next"`) || !strings.Contains(second.body, "First page") {
		t.Errorf("second page wrong:\n%s", second.body)
	}
	// Executions keep the filter across pages.
	res := b.get("/console/executions?sm=" + q(consoletest.SMArn("hello")))
	if !strings.Contains(res.body, `href="/console/executions?sm=`+q(consoletest.SMArn("hello"))+`&amp;token=page.2" rel="next"`) {
		t.Errorf("executions next link lacks the filter")
	}
	if b.fake.LastFilter().Limit != 2 {
		t.Errorf("limit %d, want the page size", b.fake.LastFilter().Limit)
	}
	// Slices paginate with ?page=.
	q1 := b.get("/console/queues")
	if !strings.Contains(q1.body, `href="/console/queues?page=2" rel="next"`) || strings.Contains(q1.body, "events.fifo") {
		t.Error("queues are not paginated")
	}
	if q2 := b.get("/console/queues?page=2"); !strings.Contains(q2.body, "events.fifo") || !strings.Contains(q2.body, `rel="prev"`) {
		t.Error("queues page 2 wrong")
	}
	// Long histories are paginated too.
	big := b.get("/console/execution?arn=" + q(consoletest.ExecArn("order-flow", consoletest.ExecMap50)) + "&page=1")
	if !strings.Contains(big.body, "events.") || strings.Contains(big.body, `id="event-501"`) {
		t.Error("history page 1 wrong")
	}
}

func TestLiveAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	arn := consoletest.ExecArn("hello", consoletest.ExecRunning)
	var body struct {
		Status    string
		Running   bool
		Nodes     map[string]string
		Fragments map[string]string
	}
	read := func() {
		t.Helper()
		res := b.get("/console/api/execution?arn=" + q(arn))
		if res.code != 200 || !strings.HasPrefix(res.hdr.Get("Content-Type"), "application/json") {
			t.Fatalf("%d %s", res.code, res.body)
		}
		if err := json.Unmarshal([]byte(res.body), &body); err != nil {
			t.Fatal(err)
		}
	}
	read()
	statuses := map[string]int{}
	for _, s := range body.Nodes {
		statuses[s]++
	}
	if body.Status != "RUNNING" || !body.Running || statuses["running"] != 1 || statuses["succeeded"] != 1 || statuses["not-reached"] != 1 {
		t.Errorf("running: %s %v %v", body.Status, body.Running, body.Nodes)
	}
	for _, f := range []string{"exec-head", "exec-actions", "exec-panels", "exec-steps", "exec-history", "exec-io"} {
		if body.Fragments[f] == "" {
			t.Errorf("fragment %s missing", f)
		}
	}
	if err := b.fake.Finish(arn); err != nil {
		t.Fatal(err)
	}
	read()
	if body.Status != "SUCCEEDED" || body.Running || !strings.Contains(body.Fragments["exec-head"], "SUCCEEDED") {
		t.Errorf("after finishing: %s %v", body.Status, body.Running)
	}
	for id, s := range body.Nodes {
		if s != "succeeded" {
			t.Errorf("node %s is %s after the execution succeeded", id, s)
		}
	}
	res := b.get("/console/api/executions?status=SUCCEEDED&limit=3")
	var list struct {
		Fragments map[string]string
		Count     int
	}
	if err := json.Unmarshal([]byte(res.body), &list); err != nil || list.Count != 3 || strings.Count(list.Fragments["exec-rows"], "<tr ") != 3 {
		t.Errorf("list API: %v %s", err, res.body)
	}
	if res := b.get("/console/api/executions?after=x"); res.code != 400 || !strings.Contains(res.body, `"error"`) {
		t.Errorf("list API with a bad filter: %d %s", res.code, res.body)
	}
}

func TestCLICommands(t *testing.T) {
	t.Parallel()
	arn := consoletest.ExecArn("order-flow", consoletest.ExecWaiting)
	tests := []struct {
		opts console.Options
		want string
	}{
		{console.Options{}, "--endpoint-url http://console.test --region us-east-1"},
		{console.Options{BaseURL: "https://flows.example.com/", Region: "eu-west-1"}, "--endpoint-url https://flows.example.com --region eu-west-1"},
	}
	for _, tt := range tests {
		b := setup(t, tt.opts)
		res := b.get("/console/execution?arn=" + q(arn))
		for _, want := range []string{tt.want, "aws stepfunctions stop-execution", "--execution-arn " + arn,
			"--input &#39;{&#34;id&#34;:&#34;1003&#34;,&#34;email&#34;:&#34;dora@example.com&#34;"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	}
}
