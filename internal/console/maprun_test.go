package console_test

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/console"
	"github.com/stepflow/stepflow/internal/console/consoletest"
)

// The demo's distributed Map, for these tests.
var (
	fanoutRun    = consoletest.MapRunArn("fanout", consoletest.FanoutLabel, consoletest.FanoutMapRunID)
	fanoutParent = consoletest.ExecArn("fanout", consoletest.ExecFanout)
)

func child(name string) string { return consoletest.ChildArn("fanout", consoletest.FanoutLabel, name) }

func TestMapRunLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arn, label, parent string
	}{
		{"arn:aws:states:us-east-1:111111111111:mapRun:fanout/Work:9f1e", "Work", ""},
		{"arn:aws:states:us-east-1:111111111111:mapRun:m/0b6c5a1e-1111-4c4c:9f1e", "0b6c5a1e-1111-4c4c", ""},
		{"arn:aws:states:us-east-1:111111111111:mapRun:nolabel:9f1e", "arn:aws:states:us-east-1:111111111111:mapRun:nolabel:9f1e", ""},
		{"nope", "nope", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := console.MapRunLabel(tt.arn); got != tt.label {
			t.Errorf("MapRunLabel(%q) = %q, want %q", tt.arn, got, tt.label)
		}
		if got := (console.MapRun{Arn: tt.arn}).Label(); got != tt.label {
			t.Errorf("MapRun{%q}.Label() = %q, want %q", tt.arn, got, tt.label)
		}
	}
	parents := []struct{ in, want string }{
		{"arn:aws:states:us-east-1:1:stateMachine:fanout/Work", "arn:aws:states:us-east-1:1:stateMachine:fanout"},
		{"arn:aws:states:us-east-1:1:stateMachine:fanout", "arn:aws:states:us-east-1:1:stateMachine:fanout"},
		{"arn:aws:states:us-east-1:1:stateMachine:fanout:prod", "arn:aws:states:us-east-1:1:stateMachine:fanout:prod"},
		{"x/y", "x/y"},
	}
	for _, tt := range parents {
		if got := console.ParentStateMachineArn(tt.in); got != tt.want {
			t.Errorf("ParentStateMachineArn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMapRunPages(t *testing.T) {
	t.Parallel()
	runPage := "/console/maprun?arn=" + q(fanoutRun)
	tests := []struct {
		name    string
		path    string
		code    int
		want    []string
		notWant []string
	}{
		{"map run", runPage, 200, []string{
			"Map run Work", `id="maprun-status">RUNNING`, "(Map state CheckItems)", "3 of 5 items finished", `<progress max="5" value="3"`,
			`id="count-running">2<`, `id="count-succeeded">2<`, `id="count-failed">1<`, `id="count-pending">0<`, `id="count-total">5<`,
			"<dd>2</dd>", "<dd>1 item</dd>", "still running",
			`href="/console/execution?arn=` + q(fanoutParent) + `" id="maprun-parent">fanout-0001</a>`,
			`href="/console/statemachine?arn=` + q(consoletest.SMArn("fanout")) + `">fanout</a>`,
			`href="/console/execution?arn=` + q(child(consoletest.Child3)) + `">` + consoletest.Child3 + `</a>`,
			consoletest.Child1, consoletest.Child5, `<span class="badge s-failed">FAILED</span>`, `<td class="num">1</td>`,
			`data-live="/console/api/maprun?arn=` + q(fanoutRun) + `"`, `data-running="true"`,
			`<svg class="graph"`, `data-state="Reject"`, "&#34;ProcessorConfig&#34;",
			"aws stepfunctions describe-map-run", "aws stepfunctions list-executions", "--map-run-arn " + fanoutRun, "update-map-run",
			`aria-current="page">Executions`,
		}, []string{"No child executions"}},
		{"filtered", runPage + "&status=FAILED", 200, []string{
			consoletest.Child3, `<option value="FAILED" selected>`, "Clear filter", "--status-filter FAILED",
		}, []string{consoletest.Child1, consoletest.Child4}},
		{"filtered to nothing", runPage + "&status=TIMED_OUT", 200, []string{"No TIMED_OUT child executions."}, []string{consoletest.Child1}},
		{"bad filter", runPage + "&status=DONE", 400, []string{"The filter could not be used: Status &#34;DONE&#34; is not one of RUNNING"}, []string{consoletest.Child1}},
		{"parent", "/console/execution?arn=" + q(fanoutParent) + "&state=CheckItems", 200, []string{
			`<h2 id="mapruns-h">Map runs</h2>`, `href="/console/maprun?arn=` + q(fanoutRun) + `">Work</a>`, "state CheckItems",
			`<td class="num">2</td><td>1 item</td>`, `<td class="num">2</td><td class="num">1</td><td class="num">2</td><td class="num">5</td>`,
			`<dt>Map run</dt><dd><a href="/console/maprun?arn=` + q(fanoutRun) + `">Work</a> <span class="badge s-running">RUNNING</span>`,
			`<dt>Map runs</dt><dd><a href="/console/maprun?arn=` + q(fanoutRun) + `">Work</a> <span class="badge s-running">RUNNING</span> <a href="#map-runs" class="small">details below</a>`,
			"aws stepfunctions list-map-runs", "New execution with this input",
		}, []string{`class="crumbs"`, `id="child-maprun"`}},
		{"parent without map runs", "/console/execution?arn=" + q(consoletest.ExecArn("order-flow", consoletest.ExecMap50)), 200, nil,
			[]string{"Map runs", "list-map-runs"}},
		{"failed child", "/console/execution?arn=" + q(child(consoletest.Child3)), 200, []string{
			`<nav class="crumbs"`, `<a href="/console/execution?arn=` + q(fanoutParent) + `">fanout-0001</a> › <a href="/console/maprun?arn=` + q(fanoutRun) + `">Map run Work</a> › child execution`,
			`id="child-maprun">Work</a>`, `id="child-parent">fanout-0001</a>`, "(this execution is one of its children, with 1 item)",
			`href="/console/statemachine?arn=` + q(consoletest.SMArn("fanout")) + `">fanout/Work</a>`,
			`id="child-no-redrive"`, "cannot be redriven on its own", `class="node type-fail st-failed"`, `data-state="Check"`,
			"BadItem", "aws stepfunctions describe-map-run",
		}, []string{`action="/console/redrive"`, "redrive-execution", "New execution with this input", "start-execution", "Map runs"}},
		{"running child", "/console/execution?arn=" + q(child(consoletest.Child4)), 200, []string{
			"Stop execution", `class="node type-wait st-running"`, "aws stepfunctions stop-execution",
		}, []string{`action="/console/redrive"`, `id="child-no-redrive"`}},
		{"executions list", "/console/executions", 200, []string{
			`href="/console/maprun?arn=` + q(fanoutRun) + `" title="A child execution of this map run">fanout/Work</a> <span class="muted small">map run</span>`,
		}, []string{`/console/statemachine?arn=` + q(consoletest.SMArn("fanout")+"/Work")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, console.Options{})
			res := b.get(tt.path)
			if res.code != tt.code {
				t.Fatalf("GET %s: %d, want %d\n%s", tt.path, res.code, tt.code, res.body)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.body, want) {
					t.Errorf("GET %s: the page lacks %q", tt.path, want)
				}
			}
			for _, bad := range tt.notWant {
				if strings.Contains(res.body, bad) {
					t.Errorf("GET %s: the page has %q", tt.path, bad)
				}
			}
			if strings.Contains(res.body, "<script>") || strings.Contains(res.body, " style=") || strings.Contains(res.body, " onclick=") {
				t.Errorf("GET %s: inline script or style", tt.path)
			}
		})
	}
}

func TestMapRunFilterReachesBackend(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{PageSize: 2})
	res := b.get("/console/maprun?arn=" + q(fanoutRun) + "&status=RUNNING")
	if res.code != 200 {
		t.Fatalf("%d %s", res.code, res.body)
	}
	if got, want := b.fake.LastFilter(), (console.ExecutionFilter{MapRunArn: fanoutRun, Status: "RUNNING", Limit: 2}); got != want {
		t.Errorf("filter %+v, want %+v", got, want)
	}
	// Paging keeps the map run and the filter.
	first := b.get("/console/maprun?arn=" + q(fanoutRun))
	m := regexp.MustCompile(`href="([^"]*token=[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if m == nil {
		t.Fatalf("no next page link:\n%s", first.body)
	}
	next := html.UnescapeString(m[1])
	if next != "/console/maprun?arn="+q(fanoutRun)+"&token=page.2" {
		t.Errorf("next page %q", next)
	}
	second := b.get(next)
	for _, want := range []string{consoletest.Child3, consoletest.Child2, "First page", `rel="next"`} {
		if !strings.Contains(second.body, want) {
			t.Errorf("second page lacks %q", want)
		}
	}
	for _, bad := range []string{consoletest.Child5, consoletest.Child1} {
		if strings.Contains(second.body, ">"+bad+"<") {
			t.Errorf("second page has %s", bad)
		}
	}
}

func TestMapRunErrors(t *testing.T) {
	t.Parallel()
	runPage := "/console/maprun?arn=" + q(fanoutRun)
	tests := []struct {
		name string
		fail string
		err  error
		path string
		code int
		want string
	}{
		{name: "unknown map run", path: "/console/maprun?arn=" + q(fanoutRun+"x"), code: 404, want: "describe map run " + fanoutRun + "x: ResourceNotFound: Resource Not Found: &#39;" + fanoutRun + "x&#39;"},
		{name: "no arn", path: "/console/maprun", code: 400, want: "Which map run? The address needs ?arn= with a map run ARN."},
		{name: "an execution's ARN", path: "/console/maprun?arn=" + q(fanoutParent), code: 404, want: "ResourceNotFound"},
		{name: "not wired", fail: "DescribeMapRun", err: console.ErrNotAvailable, path: runPage, code: 501, want: "This server does not run that service"},
		{name: "children unreadable", fail: "ListExecutions", err: errors.New("database is locked"), path: runPage, code: 200, want: "The child executions could not be read: database is locked"},
		{name: "bad token", path: runPage + "&token=garbage", code: 200, want: "The child executions could not be read: InvalidToken"},
		{name: "map runs unreadable", fail: "ListMapRuns", err: errors.New("disk full"), path: "/console/execution?arn=" + q(fanoutParent), code: 200, want: "The map runs could not be read: disk full"},
		{name: "child's map run unreadable", fail: "DescribeMapRun", err: errors.New("disk full"), path: "/console/execution?arn=" + q(child(consoletest.Child1)), code: 200,
			want: "The map run that started this execution could not be read: disk full"},
		{name: "unknown map run API", path: "/console/api/maprun?arn=nope", code: 404, want: `{"error":"describe map run nope: ResourceNotFound`},
		{name: "bad filter API", path: "/console/api/maprun?arn=" + q(fanoutRun) + "&status=DONE", code: 400, want: `{"error":"Status \"DONE\" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, console.Options{})
			if tt.fail != "" {
				b.fake.FailWith(tt.fail, tt.err)
			}
			res := b.get(tt.path)
			if res.code != tt.code || !strings.Contains(res.body, tt.want) {
				t.Errorf("GET %s: %d, want %d with %q\n%s", tt.path, res.code, tt.code, tt.want, res.body)
			}
		})
	}
	// Without map runs on the server, an execution page just has none.
	b := setup(t, console.Options{})
	b.fake.FailWith("ListMapRuns", console.ErrNotAvailable)
	if res := b.get("/console/execution?arn=" + q(fanoutParent)); res.code != 200 || strings.Contains(res.body, "Map runs") || strings.Contains(res.body, "map runs") {
		t.Errorf("map runs not available: %d\n%s", res.code, res.body)
	}
}

func TestMapRunEscaping(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	parent := consoletest.ExecArn("fanout", consoletest.ExecFanout)
	evil := `<img src=x onerror=alert(1)>`
	run := consoletest.MapRunArn("fanout", `"><script>alert(1)</script>`, "id-1")
	b.fake.AddMapRun(console.MapRun{Arn: run, ExecutionArn: parent, StateMachineArn: consoletest.SMArn("fanout") + "/x",
		Status: "RUNNING", StartDate: time.Date(2025, 3, 14, 11, 59, 0, 0, time.UTC), ItemsTotal: 1,
		Definition: `{"StartAt":"` + evil + `","States":{"` + evil + `":{"Type":"Pass","End":true}}}`})
	var ex console.Execution
	ex.Arn, ex.Name, ex.Status, ex.MapRunArn, ex.ItemCount = consoletest.ChildArn("fanout", "x", evil), evil, "RUNNING", run, 1
	ex.StateMachineArn, ex.StateMachineName, ex.StartDate = consoletest.SMArn("fanout")+"/x", "fanout/"+evil, time.Date(2025, 3, 14, 11, 59, 1, 0, time.UTC)
	ex.Input, ex.Definition = `{"x":"`+evil+`"}`, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	b.fake.AddExecution(ex, consoletest.NewHistory(ex.StartDate))
	for _, path := range []string{
		"/console/maprun?arn=" + q(run),
		"/console/execution?arn=" + q(parent),
		"/console/execution?arn=" + q(ex.Arn),
		"/console/executions",
	} {
		res := b.get(path)
		if res.code != 200 {
			t.Errorf("GET %s: %d\n%s", path, res.code, res.body)
			continue
		}
		if strings.Contains(res.body, "<script>alert") || strings.Contains(res.body, "<img src=x") {
			t.Errorf("GET %s: unescaped text from the backend", path)
		}
		if !strings.Contains(res.body, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.Contains(res.body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("GET %s: the escaped label or name is missing", path)
		}
	}
	// The parent now has two map runs: the newest is named, the other
	// counted.
	if res := b.get("/console/execution?arn=" + q(parent)); !strings.Contains(res.body, ` and <a href="#map-runs">1 more</a>`) || strings.Count(res.body, `<tr data-arn="arn:aws:states:us-east-1:111111111111:mapRun:`) != 2 {
		t.Errorf("two map runs are not both shown")
	}
}

func TestMapRunLiveAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	var body struct {
		Status    string
		Running   bool
		Fragments map[string]string
	}
	read := func() {
		t.Helper()
		res := b.get("/console/api/maprun?arn=" + q(fanoutRun))
		if res.code != 200 || !strings.HasPrefix(res.hdr.Get("Content-Type"), "application/json") {
			t.Fatalf("%d %s", res.code, res.body)
		}
		if err := json.Unmarshal([]byte(res.body), &body); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if body.Status != "RUNNING" || !body.Running || strings.Count(body.Fragments["child-rows"], "<tr ") != 5 ||
		!strings.Contains(body.Fragments["maprun-counts"], "3 of 5 items finished") || !strings.Contains(body.Fragments["maprun-head"], "Map run Work") {
		t.Errorf("live map run: %+v", body)
	}
	for _, c := range []string{consoletest.Child4, consoletest.Child5} {
		if err := b.fake.Finish(child(c)); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if !strings.Contains(body.Fragments["maprun-counts"], "5 of 5 items finished") || !strings.Contains(body.Fragments["maprun-counts"], `id="count-succeeded">4<`) ||
		strings.Contains(body.Fragments["child-rows"], "RUNNING") {
		t.Errorf("after the children finished: %+v", body.Fragments)
	}
	// The parent's page refreshes its map runs too.
	res := b.get("/console/api/execution?arn=" + q(fanoutParent))
	var ex struct{ Fragments map[string]string }
	if err := json.Unmarshal([]byte(res.body), &ex); err != nil || !strings.Contains(ex.Fragments["exec-mapruns"], `<td class="num">4</td><td class="num">1</td><td class="num">0</td><td class="num">5</td>`) {
		t.Errorf("parent's live map runs: %v %q", err, ex.Fragments["exec-mapruns"])
	}
}

func TestMapRunChildActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		arn      string
		code     int
		location string
		want     string
	}{
		{"stop a running child", "/console/stop", child(consoletest.Child4), 303, "/console/execution?arn=" + q(child(consoletest.Child4)), ""},
		{"redrive a failed child", "/console/redrive", child(consoletest.Child3), 400, "", "Redriving the execution failed: ExecutionNotRedrivable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, console.Options{})
			cookie, token := b.session(t)
			res := b.post(tt.path, cookie, url.Values{"arn": {tt.arn}, "csrf": {token}})
			if res.code != tt.code || !strings.HasPrefix(res.hdr.Get("Location"), tt.location) || !strings.Contains(res.body, tt.want) {
				t.Fatalf("POST %s: %d to %q, want %d to %q with %q\n%s", tt.path, res.code, res.hdr.Get("Location"), tt.code, tt.location, tt.want, res.body)
			}
		})
	}
	// A stopped child counts as a failed item of its running map run.
	b := setup(t, console.Options{})
	cookie, token := b.session(t)
	b.post("/console/stop", cookie, url.Values{"arn": {child(consoletest.Child4)}, "csrf": {token}})
	if res := b.get("/console/maprun?arn=" + q(fanoutRun)); !strings.Contains(res.body, `id="count-failed">2<`) || !strings.Contains(res.body, `id="count-running">1<`) {
		t.Errorf("the map run does not count the stopped child as failed")
	}
	// Without the CSRF token, nothing is stopped.
	if res := b.post("/console/stop", cookie, url.Values{"arn": {child(consoletest.Child5)}}); res.code != http.StatusForbidden {
		t.Errorf("stop without a token: %d", res.code)
	}
}

// TestListLinksReachTheirPages follows every execution, map run and state
// machine link of the list pages: each must open its page (an ARN escaped
// twice in a query would not).
func TestListLinksReachTheirPages(t *testing.T) {
	t.Parallel()
	b := setup(t, console.Options{})
	link := regexp.MustCompile(`href="(/console/(?:execution|maprun|statemachine|start|function|queue)\?[^"#]+)`)
	seen := map[string]bool{}
	for _, page := range []string{"/console/", "/console/executions", "/console/statemachines", "/console/approvals?all=1",
		"/console/functions", "/console/queues", "/console/statemachine?arn=" + q(consoletest.SMArn("order-flow")),
		"/console/maprun?arn=" + q(fanoutRun), "/console/execution?arn=" + q(fanoutParent)} {
		res := b.get(page)
		for _, m := range link.FindAllStringSubmatch(res.body, -1) {
			href := html.UnescapeString(m[1])
			if seen[href] {
				continue
			}
			seen[href] = true
			if strings.Contains(href, "%25") {
				t.Errorf("%s links to %s: escaped twice", page, href)
				continue
			}
			if got := b.get(href); got.code != http.StatusOK && !strings.Contains(href, "order-0999") {
				t.Errorf("%s links to %s: %d", page, href, got.code)
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d links followed", len(seen))
	}
}

// FuzzMapRunLabel reads arbitrary ARNs: no input may panic, and a label
// is always part of its ARN.
func FuzzMapRunLabel(f *testing.F) {
	for _, s := range []string{fanoutRun, "arn:aws:states:r:a:mapRun:/:", "arn:aws:states:r:a:mapRun:m/", ":mapRun:", ":stateMachine:/", "arn:aws:states:r:a:stateMachine:m/l", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		if l := console.MapRunLabel(arn); !strings.Contains(arn, l) {
			t.Fatalf("label %q is not part of %q", l, arn)
		}
		if p := console.ParentStateMachineArn(arn); !strings.HasPrefix(arn, p) {
			t.Fatalf("parent %q is not a prefix of %q", p, arn)
		}
	})
}
