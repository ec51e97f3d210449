package approvals_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepflow/stepflow/internal/approvals"
	"github.com/stepflow/stepflow/internal/awsproto"
)

func TestApprove(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	if !strings.HasPrefix(m.ApproveUrl, tb.srv.URL+"/approvals/"+m.ApprovalId+"?d=approve&s=") {
		t.Fatalf("ApproveUrl = %s", m.ApproveUrl)
	}
	if got, want := m.ExpiresAt, start.Add(24*time.Hour).Truncate(time.Second).Format(time.RFC3339); got != want {
		t.Errorf("ExpiresAt = %s, want %s (the 24 h default)", got, want)
	}
	for _, u := range []string{m.ApproveUrl, m.RejectUrl, m.PageUrl} {
		if strings.Contains(u, testToken) || strings.Contains(u, url.QueryEscape(testToken)) {
			t.Errorf("link %s carries the task token", u)
		}
	}

	// Following the link (as a mail scanner would) shows the page and
	// decides nothing.
	resp, html := tb.get(t, m.ApproveUrl)
	wantStatus(t, "GET approve link", resp.StatusCode, http.StatusOK, html)
	wantContains(t, "approve page", html,
		"Refund 120 EUR to order 1234", "Customer: Ada\nReason: damaged parcel",
		"order-1234", testArn, "WaitForManager", "Approve")
	if strings.Contains(html, testToken) || strings.Contains(html, "secret-task-token") {
		t.Error("the page shows the task token")
	}
	if n := len(buttonRE.FindAllString(html, -1)); n != 1 {
		t.Errorf("the page has %d buttons, want 1", n)
	}
	if strings.Contains(html, "<script") {
		t.Error("the page has a script")
	}
	for k, v := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := tb.tasks.Calls(); len(got) != 0 {
		t.Fatalf("GET called Complete: %+v", got)
	}
	if s := tb.status(t, m.ApprovalId); s != approvals.StatusPending {
		t.Fatalf("status after GET = %s", s)
	}

	f := forms(t, m.ApproveUrl, html)
	if len(f) != 1 || f[0].D != "approve" || f[0].Label != "Approve" || f[0].S != query(t, m.ApproveUrl, "s") {
		t.Fatalf("forms = %+v", f)
	}
	if want := tb.srv.URL + "/approvals/" + m.ApprovalId; f[0].Action != want {
		t.Errorf("form posts to %s, want %s", f[0].Action, want)
	}
	tb.clock.Advance(90 * time.Second)
	code, body := tb.submit(t, f[0])
	wantStatus(t, "POST approve", code, http.StatusOK, body)
	wantContains(t, "confirmation", body, "Approved", "order-1234")

	calls := tb.tasks.Calls()
	if len(calls) != 1 {
		t.Fatalf("Complete called %d times, want 1", len(calls))
	}
	c := calls[0]
	if c.Token != testToken || !c.Approved || c.ErrName != "" || c.Cause != "" {
		t.Errorf("Complete(%+v)", c)
	}
	decided := start.Add(90 * time.Second).UTC().Format(time.RFC3339)
	if want := `{"approved":true,"approvalId":"` + m.ApprovalId + `","decidedAt":"` + decided + `"}`; c.Output != want {
		t.Errorf("output = %s, want %s", c.Output, want)
	}
	if s := tb.status(t, m.ApprovalId); s != approvals.StatusApproved {
		t.Errorf("status = %s, want APPROVED", s)
	}

	// The link works once: a second press, the reject link and a reload
	// of either page say so and change nothing.
	code, body = tb.submit(t, f[0])
	wantStatus(t, "second POST", code, http.StatusGone, body)
	wantContains(t, "reused link page", body, "already decided", "approved")
	rf := form{Action: f[0].Action, D: "reject", S: query(t, m.RejectUrl, "s")}
	code, body = tb.submit(t, rf)
	wantStatus(t, "POST reject after approve", code, http.StatusGone, body)
	for _, u := range []string{m.ApproveUrl, m.RejectUrl, m.PageUrl} {
		resp, html := tb.get(t, u)
		wantStatus(t, "GET decided link", resp.StatusCode, http.StatusGone, html)
		if strings.Contains(html, "<form") {
			t.Errorf("a decided link's page still has a form:\n%s", html)
		}
	}
	if n := len(tb.tasks.Calls()); n != 1 {
		t.Errorf("Complete called %d times after reuse, want 1", n)
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	f := tb.openForm(t, m.RejectUrl)
	if f.D != "reject" || f.Label != "Reject" {
		t.Fatalf("form = %+v", f)
	}
	code, body := tb.submit(t, f)
	wantStatus(t, "POST reject", code, http.StatusOK, body)
	wantContains(t, "confirmation", body, "Rejected", "ApprovalRejected")
	calls := tb.tasks.Calls()
	want := completeCall{Token: testToken, Approved: false, ErrName: "ApprovalRejected",
		Cause: "Rejected by the approver through approval " + m.ApprovalId}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("Complete calls = %+v, want [%+v]", calls, want)
	}
	if s := tb.status(t, m.ApprovalId); s != approvals.StatusRejected {
		t.Errorf("status = %s, want REJECTED", s)
	}
	code, body = tb.submit(t, f)
	wantStatus(t, "second POST", code, http.StatusGone, body)
	wantContains(t, "reused link page", body, "rejected")
}

func TestPageLink(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	if query(t, m.PageUrl, "d") != "" {
		t.Fatalf("PageUrl %s names a decision", m.PageUrl)
	}
	resp, html := tb.get(t, m.PageUrl)
	wantStatus(t, "GET page link", resp.StatusCode, http.StatusOK, html)
	fs := forms(t, m.PageUrl, html)
	if len(fs) != 2 || fs[0].Label != "Approve" || fs[1].Label != "Reject" {
		t.Fatalf("forms = %+v", fs)
	}
	// The page link's own signature decides nothing.
	code, body := tb.postForm(t, fs[0].Action, url.Values{"s": {query(t, m.PageUrl, "s")}})
	wantStatus(t, "POST page signature", code, http.StatusBadRequest, body)
	code, body = tb.submit(t, fs[1])
	wantStatus(t, "POST reject form", code, http.StatusOK, body)
	if calls := tb.tasks.Calls(); len(calls) != 1 || calls[0].Approved {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestPostLinkDirectly(t *testing.T) {
	t.Parallel()
	// A client may POST the link itself (no form body): that is a decision.
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	resp, err := tb.client.Post(m.ApproveUrl, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	code, body := readResp(t, resp)
	wantStatus(t, "POST link", code, http.StatusOK, string(body))
	if calls := tb.tasks.Calls(); len(calls) != 1 || !calls[0].Approved {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestExpired(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b := defaultMint()
	b.ExpiresInSeconds = 3600
	m := tb.mint(t, b)
	f := tb.openForm(t, m.ApproveUrl)
	tb.clock.Advance(time.Hour) // the page was open for an hour
	code, body := tb.submit(t, f)
	wantStatus(t, "POST expired", code, http.StatusGone, body)
	wantContains(t, "expired page", body, "expired")
	resp, html := tb.get(t, m.RejectUrl)
	wantStatus(t, "GET expired", resp.StatusCode, http.StatusGone, html)
	wantContains(t, "expired page", html, "expired")
	if calls := tb.tasks.Calls(); len(calls) != 0 {
		t.Fatalf("Complete called: %+v", calls)
	}
	if s := tb.status(t, m.ApprovalId); s != approvals.StatusExpired {
		t.Errorf("status = %s, want EXPIRED", s)
	}
}

func TestBadLinks(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	other := tb.mint(t, defaultMint())
	approveSig := query(t, m.ApproveUrl, "s")
	rejectSig := query(t, m.RejectUrl, "s")
	flip := func(s string) string {
		c := byte('A')
		if s[3] == 'A' {
			c = 'B'
		}
		return s[:3] + string(c) + s[4:]
	}
	base := tb.srv.URL + "/approvals/"
	unknown := strings.Repeat("ab", 16)
	tests := []struct {
		name       string
		target     string // the page URL (its query is the link)
		d, s       string // the form
		wantStatus int
		wantText   string
	}{
		{"tampered signature", base + m.ApprovalId, "approve", flip(approveSig), http.StatusForbidden, "not valid"},
		{"decision swapped", base + m.ApprovalId, "reject", approveSig, http.StatusForbidden, "not valid"},
		{"reject swapped", base + m.ApprovalId, "approve", rejectSig, http.StatusForbidden, "not valid"},
		{"another approval's signature", base + other.ApprovalId, "approve", approveSig, http.StatusForbidden, "not valid"},
		{"no signature", base + m.ApprovalId, "approve", "", http.StatusForbidden, "not valid"},
		{"short signature", base + m.ApprovalId, "approve", approveSig[:10], http.StatusForbidden, "not valid"},
		{"padded signature", base + m.ApprovalId, "approve", approveSig + "==", http.StatusForbidden, "not valid"},
		{"unknown decision", base + m.ApprovalId, "maybe", approveSig, http.StatusForbidden, "not valid"},
		{"unknown id", base + unknown, "approve", approveSig, http.StatusNotFound, "not found"},
		{"malformed id", base + "nope", "approve", approveSig, http.StatusNotFound, "not found"},
		{"upper-case id", base + strings.ToUpper(m.ApprovalId), "approve", approveSig, http.StatusNotFound, "not found"},
		{"nested path", base + m.ApprovalId + "/x", "approve", approveSig, http.StatusNotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := tt.target + "?" + url.Values{"d": {tt.d}, "s": {tt.s}}.Encode()
			resp, html := tb.get(t, link)
			wantStatus(t, "GET", resp.StatusCode, tt.wantStatus, html)
			wantContains(t, "GET page", html, tt.wantText, "Nothing was changed")
			if strings.Contains(html, "<form") {
				t.Errorf("the page offers a form:\n%s", html)
			}
			code, body := tb.postForm(t, tt.target, url.Values{"d": {tt.d}, "s": {tt.s}})
			wantStatus(t, "POST", code, tt.wantStatus, body)
			wantContains(t, "POST page", body, tt.wantText)
		})
	}
	if calls := tb.tasks.Calls(); len(calls) != 0 {
		t.Fatalf("Complete called: %+v", calls)
	}
	// Nothing changed: the real links still work.
	if s := tb.status(t, m.ApprovalId); s != approvals.StatusPending {
		t.Fatalf("status = %s, want PENDING", s)
	}
	code, body := tb.submit(t, tb.openForm(t, m.ApproveUrl))
	wantStatus(t, "POST the real link", code, http.StatusOK, body)
}

func TestConcurrentDecisions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	approve, reject := tb.openForm(t, m.ApproveUrl), tb.openForm(t, m.RejectUrl)
	const n = 20
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := approve
			if i%2 == 1 {
				f = reject
			}
			resp, err := tb.client.PostForm(f.Action, url.Values{"d": {f.D}, "s": {f.S}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	var ok, gone int
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusGone:
			gone++
		}
	}
	if ok != 1 || gone != n-1 {
		t.Errorf("statuses %v: %d × 200 and %d × 410, want 1 and %d", codes, ok, gone, n-1)
	}
	if calls := tb.tasks.Calls(); len(calls) != 1 {
		t.Errorf("Complete called %d times, want 1", len(calls))
	}
}

func TestNotWaiting(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.tasks.Err = errTaskGone
	m := tb.mint(t, defaultMint())
	f := tb.openForm(t, m.ApproveUrl)
	code, body := tb.submit(t, f)
	wantStatus(t, "POST", code, http.StatusGone, body)
	wantContains(t, "not waiting page", body, "no longer waiting", "no effect")
	rec, err := tb.svc.Get(context.Background(), m.ApprovalId)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != approvals.StatusNotWaiting || rec.Decision != "approve" || !strings.Contains(rec.Problem, "TaskTimedOut") {
		t.Errorf("record = %+v", rec)
	}
	code, body = tb.submit(t, f)
	wantStatus(t, "second POST", code, http.StatusGone, body)
	wantContains(t, "second page", body, "no longer waiting")
	if n := len(tb.tasks.Calls()); n != 1 {
		t.Errorf("Complete called %d times, want 1", n)
	}
}

func TestLinksSurviveRestart(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	tb.close()

	tb2 := setup(t, func(o *setupOpts) { o.dbPath = tb.dbPath })
	// The new server listens on another port; the link's path and query
	// are what count.
	f := tb2.openForm(t, tb2.srv.URL+m.ApproveUrl[strings.Index(m.ApproveUrl, "/approvals/"):])
	code, body := tb2.submit(t, f)
	wantStatus(t, "POST after restart", code, http.StatusOK, body)
	if calls := tb2.tasks.Calls(); len(calls) != 1 || calls[0].Token != testToken {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestConfiguredKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	tb := setup(t, func(o *setupOpts) { o.key = key })
	m := tb.mint(t, defaultMint())
	tb.close()
	// The same database with another key: the links no longer verify.
	tb2 := setup(t, func(o *setupOpts) { o.dbPath = tb.dbPath; o.key = bytes.Repeat([]byte{8}, 32) })
	link := tb2.srv.URL + m.ApproveUrl[strings.Index(m.ApproveUrl, "/approvals/"):]
	resp, html := tb2.get(t, link)
	wantStatus(t, "GET with another key", resp.StatusCode, http.StatusForbidden, html)
}

func TestMintValidation(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ok := defaultMint()
	with := func(f func(*mintBody)) mintBody { b := ok; f(&b); return b }
	tests := []struct {
		name string
		body any
		want string
	}{
		{"missing TaskToken", with(func(b *mintBody) { b.TaskToken = "" }), "TaskToken is required"},
		{"TTL too long", with(func(b *mintBody) { b.ExpiresInSeconds = 7*24*3600 + 1 }), "ExpiresInSeconds 604801 is longer than the maximum of 604800 (7 days)"},
		{"TTL negative", with(func(b *mintBody) { b.ExpiresInSeconds = -5 }), "ExpiresInSeconds must be positive"},
		{"missing ExecutionArn", with(func(b *mintBody) { b.ExecutionArn = "" }), "ExecutionArn is required"},
		{"ExecutionArn not an ARN", with(func(b *mintBody) { b.ExecutionArn = "order-1234" }), `ExecutionArn "order-1234" is not an ARN`},
		{"token too long", with(func(b *mintBody) { b.TaskToken = strings.Repeat("t", 2049) }), "at most 2048"},
		{"title too long", with(func(b *mintBody) { b.Title = strings.Repeat("é", 257) }), "Title has more than 256 characters"},
		{"huge TTL", `{"TaskToken":"t","ExecutionArn":"arn:x","ExpiresInSeconds":1e30}`, "ExpiresInSeconds must be a whole number"},
		{"fractional TTL", `{"TaskToken":"t","ExecutionArn":"arn:x","ExpiresInSeconds":1.5}`, "ExpiresInSeconds must be a whole number"},
		{"number token", `{"TaskToken":5,"ExecutionArn":"arn:x"}`, "TaskToken must be a string"},
		{"unknown field", `{"TaskToken":"t","ExecutionArn":"arn:x","Ttl":5}`, `"Ttl" is not a field of an approval request`},
		{"not JSON", `{"TaskToken":`, "not valid JSON"},
		{"empty body", ``, "the body is empty"},
		{"array", `[]`, "must be a JSON object"},
		{"two objects", `{"TaskToken":"t","ExecutionArn":"arn:x"} {}`, "one JSON object"},
		{"invalid UTF-8", "{\"TaskToken\":\"t\",\"ExecutionArn\":\"arn:x\",\"Title\":\"\xff\"}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, body := tb.mintRaw(t, tt.body)
			if tt.name == "invalid UTF-8" {
				// encoding/json turns invalid UTF-8 into U+FFFD: accepted.
				wantStatus(t, "POST /approvals", code, http.StatusOK, string(body))
				return
			}
			wantStatus(t, "POST /approvals", code, http.StatusBadRequest, string(body))
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if e.Type != "ValidationException" || !strings.Contains(e.Message, tt.want) {
				t.Errorf("error = %s, want ValidationException containing %q", body, tt.want)
			}
		})
	}
	t.Cleanup(func() {
		recs, err := tb.svc.List(context.Background(), false, 0)
		if err != nil {
			t.Error(err)
		}
		if len(recs) != 1 { // the invalid UTF-8 one
			t.Errorf("%d approvals stored, want 1", len(recs))
		}
	})
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b := defaultMint()
	b.Title = `<script>alert("x")</script>`
	b.Details = `"><img src=x onerror=alert(1)> & friends`
	b.StateName = `<b>bold</b>`
	b.ExecutionArn = `arn:aws:states:us-east-1:111111111111:execution:m:<i>name</i>`
	m := tb.mint(t, b)
	for _, link := range []string{m.ApproveUrl, m.PageUrl} {
		resp, html := tb.get(t, link)
		wantStatus(t, "GET", resp.StatusCode, http.StatusOK, html)
		for _, bad := range []string{"<script", "<img", "<b>", "<i>"} {
			if strings.Contains(html, bad) {
				t.Errorf("page contains %q unescaped:\n%s", bad, html)
			}
		}
		wantContains(t, "page", html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; friends", "&lt;b&gt;bold&lt;/b&gt;")
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	var ids []string
	for i := range 3 {
		b := defaultMint()
		b.Title = fmt.Sprintf("request %d", i)
		ids = append(ids, tb.mint(t, b).ApprovalId)
		tb.clock.Advance(time.Second)
	}
	// Decide the middle one.
	a2, err := tb.svc.Get(context.Background(), ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.svc.Decide(context.Background(), a2.ID, true); err != nil {
		t.Fatal(err)
	}
	getList := func(q string) (int, []map[string]any) {
		resp, err := tb.client.Get(tb.srv.URL + "/approvals" + q)
		if err != nil {
			t.Fatal(err)
		}
		code, body := readResp(t, resp)
		var out struct{ Approvals []map[string]any }
		if code == http.StatusOK {
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(body), testToken) || strings.Contains(string(body), "?s=") {
				t.Errorf("the list carries a token or a link: %s", body)
			}
		}
		return code, out.Approvals
	}
	titles := func(items []map[string]any) []string {
		var s []string
		for _, it := range items {
			s = append(s, it["Title"].(string)+"/"+it["Status"].(string))
		}
		return s
	}
	tests := []struct {
		query string
		code  int
		want  string
	}{
		{"", 200, "[request 2/PENDING request 0/PENDING]"},
		{"?status=pending&limit=1", 200, "[request 2/PENDING]"},
		{"?status=all", 200, "[request 2/PENDING request 1/APPROVED request 0/PENDING]"},
		{"?status=decided", 400, "[]"},
		{"?limit=0", 400, "[]"},
		{"?limit=x", 400, "[]"},
	}
	for _, tt := range tests {
		code, items := getList(tt.query)
		if got := fmt.Sprint(titles(items)); code != tt.code || got != tt.want {
			t.Errorf("GET /approvals%s = %d %s, want %d %s", tt.query, code, got, tt.code, tt.want)
		}
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	m := tb.mint(t, defaultMint())
	for _, tt := range []struct{ method, path string }{
		{http.MethodDelete, "/approvals"},
		{http.MethodPut, "/approvals/" + m.ApprovalId},
	} {
		req, _ := http.NewRequest(tt.method, tb.srv.URL+tt.path, nil)
		resp, err := tb.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		code, body := readResp(t, resp)
		if code != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s = %d %s", tt.method, tt.path, code, body)
		}
	}
	resp, err := tb.client.Head(m.ApproveUrl)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(tb.tasks.Calls()) != 0 {
		t.Errorf("HEAD = %d, calls %d", resp.StatusCode, len(tb.tasks.Calls()))
	}
}

func TestAuthenticatedMinting(t *testing.T) {
	t.Parallel()
	v := &awsproto.Verifier{Lookup: func(k string) (string, bool) { return "secret", k == "AKID" }}
	tb := setup(t, func(o *setupOpts) { o.auth = v.Verify })
	body, _ := json.Marshal(defaultMint())

	// Refused as every awsJson service refuses them (the error table's
	// status).
	code, resp := tb.mintRaw(t, defaultMint())
	wantStatus(t, "unsigned POST /approvals", code, http.StatusBadRequest, string(resp))
	wantContains(t, "error", string(resp), "MissingAuthenticationToken")
	lresp, err := tb.client.Get(tb.srv.URL + "/approvals")
	if err != nil {
		t.Fatal(err)
	}
	code, resp = readResp(t, lresp)
	wantStatus(t, "unsigned GET /approvals", code, http.StatusBadRequest, string(resp))

	signed := func(secret string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodPost, tb.srv.URL+"/approvals", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256(body)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), "states", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tb.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return readResp(t, resp)
	}
	code, resp = signed("wrong")
	wantStatus(t, "badly signed POST", code, http.StatusBadRequest, string(resp))
	wantContains(t, "error", string(resp), "InvalidSignature")
	code, resp = signed("secret")
	wantStatus(t, "signed POST", code, http.StatusOK, string(resp))
	var m minted
	if err := json.Unmarshal(resp, &m); err != nil {
		t.Fatal(err)
	}
	// The links themselves need no credentials: their signature is the
	// credential.
	code, html := tb.submit(t, tb.openForm(t, m.ApproveUrl))
	wantStatus(t, "POST decision", code, http.StatusOK, html)
}
