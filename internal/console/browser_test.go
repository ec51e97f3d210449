package console_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/stepflow/stepflow/internal/console"
	"github.com/stepflow/stepflow/internal/console/consoletest"
)

// One headless Chromium serves every browser test of the package; each test
// gets its own tab and its own server with a fresh fake backend.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	skip   string
	dir    string
}

// chromiumPath finds a Chromium: $STEPFLOW_CHROMIUM, else the usual names.
func chromiumPath() string {
	if p := os.Getenv("STEPFLOW_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts the shared browser once.
func startBrowser() {
	path := chromiumPath()
	if path == "" {
		browser.skip = "no Chromium found (install the Debian package chromium, or set STEPFLOW_CHROMIUM)"
		return
	}
	dir, err := os.MkdirTemp("", "stepflow-console-chromium-")
	if err != nil {
		browser.skip = "temp dir: " + err.Error()
		return
	}
	browser.dir = dir
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		browser.skip = "Chromium did not start: " + err.Error()
		return
	}
	browser.ctx = bctx
	browser.cancel = func() { bcancel(); acancel(); _ = os.RemoveAll(dir) }
}

// page is one tab on a console server with its own fake backend.
type page struct {
	t    *testing.T
	ctx  context.Context
	fake *consoletest.Fake
	base string // the server's URL

	mu       sync.Mutex
	problems []string
	allowed  []string // log texts to ignore (expected error statuses)
}

// allow ignores browser log entries that contain text.
func (p *page) allow(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowed = append(p.allowed, text)
}

// newPage opens a tab on a new server, or skips the test without a browser.
func newPage(t *testing.T) *page {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.skip != "" {
		t.Skip("browser tests skipped: " + browser.skip)
	}
	fake := consoletest.New(nil)
	srv := httptest.NewServer(console.NewHandler(fake, console.Options{PollInterval: 250 * time.Millisecond}))
	t.Cleanup(srv.Close)
	p := &page{t: t, fake: fake, base: srv.URL}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithListener(p.listen))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	p.ctx = ctx
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	t.Cleanup(p.checkConsole)
	return p
}

// listen collects JavaScript errors, console errors and browser log errors
// (CSP violations, failed loads).
func (p *page) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			msg = "log " + string(ev.Entry.Level) + " (" + string(ev.Entry.Source) + "): " + ev.Entry.Text + " " + ev.Entry.URL
		}
	}
	if msg == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.allowed {
		if strings.Contains(msg, a) {
			return
		}
	}
	p.problems = append(p.problems, msg)
}

// checkConsole fails the test on any error the page logged.
func (p *page) checkConsole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.problems {
		p.t.Errorf("browser console: %s", m)
	}
}

// run runs actions, failing the test on error.
func (p *page) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition, across page loads.
func (p *page) waitFor(what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`!!(function(){try{return `+cond+`}catch(e){return false}})()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waiting for %s (%s): %v", what, cond, err)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// open navigates to a console path and waits for the script to start.
func (p *page) open(path string) {
	p.t.Helper()
	p.run("open "+path, chromedp.Navigate(p.base+path))
	p.waitFor("the console script", `document.body && document.body.dataset.ready === "true"`)
}

// screenshot saves the visible part of the page as PNG under
// $STEPFLOW_SCREENSHOTS, when set.
func (p *page) screenshot(name string) {
	p.t.Helper()
	dir := os.Getenv("STEPFLOW_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// press sends keys to the focused element.
func (p *page) press(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.run("press keys", chromedp.KeyEvent(keys, opts...))
}

// tabTo presses Tab until the focused element matches the CSS selector.
func (p *page) tabTo(sel string) {
	p.t.Helper()
	for i := 0; i < 80; i++ {
		if eval[bool](p, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel)) {
			return
		}
		p.press(kb.Tab)
	}
	p.t.Fatalf("Tab never reached %s (focus is on %s)", sel, eval[string](p, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
}

func execPath(sm, name string) string {
	return "/console/execution?arn=" + url.QueryEscape(consoletest.ExecArn(sm, name))
}

// nodeClass returns the class of the graph node of a state.
func (p *page) nodeClass(state string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`(function(){var n=[...document.querySelectorAll("svg.graph .node")].find(e=>e.getAttribute("data-state")===%q);return n?n.getAttribute("class"):"missing"})()`, state))
}

func TestBrowserExecutionGraph(t *testing.T) {
	t.Parallel()
	p := newPage(t)
	tests := []struct {
		exec  string
		state map[string]string // state → status class
	}{
		{consoletest.ExecCaught, map[string]string{"Validate": "st-caught", "Rejected": "st-succeeded", "Failed": "st-failed", "Prepare": "st-not-reached", "ShipItems": "st-not-reached"}},
		{consoletest.ExecWaiting, map[string]string{"Validate": "st-succeeded", "Prepare": "st-succeeded", "Charge": "st-succeeded", "NeedsApproval": "st-succeeded", "WaitForApproval": "st-waiting", "ShipItems": "st-not-reached"}},
		{consoletest.ExecParallel, map[string]string{"Prepare": "st-caught", "Charge": "st-failed", "Reserve": "st-succeeded", "Refund": "st-succeeded", "Failed": "st-failed"}},
		{consoletest.ExecMap50, map[string]string{"ShipItems": "st-succeeded", "Ship": "st-succeeded", "Done": "st-succeeded", "WaitForApproval": "st-not-reached"}},
	}
	for _, tt := range tests {
		p.open(execPath("order-flow", tt.exec))
		for state, want := range tt.state {
			if got := p.nodeClass(state); !strings.Contains(" "+got+" ", " "+want+" ") {
				t.Errorf("%s: node %s has class %q, want %s", tt.exec, state, got, want)
			}
		}
		p.screenshot("execution-" + tt.exec)
	}
	p.run("fit the graph", chromedp.Click(`.fit-toggle`))
	p.screenshot("execution-fit")

	// Click a state: its panel shows the error and the retries.
	p.open(execPath("order-flow", consoletest.ExecCaught))
	p.run("click Validate", chromedp.Click(`svg.graph a.node[data-state="Validate"]`))
	p.waitFor("the Validate panel", `[...document.querySelectorAll(".state-panel")].some(s => !s.hidden && s.dataset.state === "Validate")`)
	text := eval[string](p, `[...document.querySelectorAll(".state-panel")].find(s => !s.hidden).innerText`)
	for _, want := range []string{"InvalidOrder", "Attempts", "2 (1 retry)", "order 1002 has no items", `"id": "1002"`} {
		if !strings.Contains(text, want) {
			t.Errorf("Validate panel lacks %q:\n%s", want, text)
		}
	}
	if loc := eval[string](p, `location.search`); !strings.Contains(loc, "state=Validate") {
		t.Errorf("location %q does not name the selected state", loc)
	}
	p.screenshot("execution-state-panel")

	// History rows expand.
	p.run("expand an event", chromedp.Click(`table.history tr#event-8 summary`))
	if txt := eval[string](p, `document.querySelector("table.history tr#event-8 details[open] pre").innerText`); !strings.Contains(txt, "order 1002 has no items") {
		t.Errorf("expanded TaskFailed event shows %q", txt)
	}
	p.run("expand all", chromedp.Click(`button.expand-all`))
	if n := eval[int](p, `document.querySelectorAll("table.history details:not([open])").length`); n != 0 {
		t.Errorf("%d events still collapsed after Expand all", n)
	}

	// Keyboard: focus another state and press Enter.
	p.run("focus Rejected", chromedp.Focus(`svg.graph a.node[data-state="Rejected"]`))
	p.press(kb.Enter)
	p.waitFor("the Rejected panel", `[...document.querySelectorAll(".state-panel")].some(s => !s.hidden && s.dataset.state === "Rejected")`)
	if n := eval[int](p, `[...document.querySelectorAll(".state-panel")].filter(s => !s.hidden).length`); n != 1 {
		t.Errorf("%d panels shown, want 1", n)
	}
}

func TestBrowserStartExecutionWithKeyboard(t *testing.T) {
	t.Parallel()
	p := newPage(t)
	p.open("/console/statemachine?arn=" + url.QueryEscape(consoletest.SMArn("hello")))
	p.tabTo(`a.button.primary`) // "Start execution"
	p.press(kb.Enter)
	p.waitFor("the start form", `location.pathname === "/console/start" && document.body.dataset.ready === "true"`)

	p.tabTo(`#start-input`)
	p.press("a", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	p.press(kb.Delete)
	p.press(`{"order": 7,, "x": 1}`)
	p.waitFor("the live validation", `document.getElementById("input-status").textContent.includes("Not valid JSON")`)
	p.tabTo(`#start-submit`)
	p.press(kb.Enter)
	msg := eval[string](p, `document.getElementById("input-status").textContent`)
	if !strings.Contains(msg, "line 1, column 13") {
		t.Errorf("error message %q does not give the position (line 1, column 13)", msg)
	}
	if active := eval[string](p, `document.activeElement.id`); active != "start-input" {
		t.Errorf("focus is on %q after a refused submit, want the input", active)
	}
	if path := eval[string](p, `location.pathname`); path != "/console/start" {
		t.Errorf("an invalid input left the form (now at %s)", path)
	}
	p.screenshot("start-invalid-json")
	if calls := p.fake.Calls(); len(calls) != 0 {
		t.Errorf("backend called with an invalid input: %q", calls)
	}

	p.press("a", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	p.press(kb.Delete)
	p.press(`{"order": 7}`)
	p.waitFor("the input to be valid", `document.getElementById("input-status").textContent === "Valid JSON."`)
	if cmd := eval[string](p, `document.getElementById("cli-start").textContent`); !strings.Contains(cmd, `--input '{"order":7}'`) {
		t.Errorf("the AWS CLI command does not follow the input:\n%s", cmd)
	}
	p.tabTo(`#start-submit`)
	p.press(kb.Enter)
	p.waitFor("the new execution's page", `location.pathname === "/console/execution" && document.body.dataset.ready === "true"`)
	if status := eval[string](p, `document.getElementById("exec-status").textContent`); status != "RUNNING" {
		t.Errorf("new execution status %q, want RUNNING", status)
	}
	calls := p.fake.Calls()
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "StartExecution "+consoletest.SMArn("hello")+" ") || !strings.HasSuffix(calls[0], ` {"order": 7}`) {
		t.Errorf("backend calls %q, want one StartExecution with the typed input", calls)
	}
	if cls := p.nodeClass("Greet"); !strings.Contains(cls, "st-running") {
		t.Errorf("Greet class %q, want st-running", cls)
	}
	// The page follows the execution to its end.
	arn := eval[string](p, `new URLSearchParams(location.search).get("arn")`)
	if err := p.fake.Finish(arn); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the execution to show SUCCEEDED", `document.getElementById("exec-status").textContent === "SUCCEEDED"`)
	p.waitFor("Done to turn green", `document.querySelector('svg.graph .node[data-state="Done"]').getAttribute("class").includes("st-succeeded")`)
	p.screenshot("execution-finished-live")
}

func TestBrowserExecutionListLive(t *testing.T) {
	t.Parallel()
	p := newPage(t)
	p.open("/console/executions")
	row := fmt.Sprintf(`document.querySelector('tr[data-arn=%q]')`, consoletest.ExecArn("hello", consoletest.ExecRunning))
	if got := eval[string](p, row+`.dataset.status`); got != "RUNNING" {
		t.Fatalf("row status %q, want RUNNING", got)
	}
	p.screenshot("executions")
	if err := p.fake.Finish(consoletest.ExecArn("hello", consoletest.ExecRunning)); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the row to show SUCCEEDED", row+`.dataset.status === "SUCCEEDED"`)
	if txt := eval[string](p, row+`.innerText`); !strings.Contains(txt, "SUCCEEDED") {
		t.Errorf("row text %q lacks SUCCEEDED", txt)
	}
}

func TestBrowserSendTaskSuccess(t *testing.T) {
	t.Parallel()
	p := newPage(t)
	p.open(execPath("order-flow", consoletest.ExecWaiting))
	if !eval[bool](p, `!!document.querySelector('a[href*="/approvals/apr-1003?d=approve"]')`) {
		t.Error("no approve link on the waiting execution")
	}
	p.screenshot("execution-waiting")
	p.run("send task success", chromedp.Click(`form[action$="/callback"] button.ok`))
	p.waitFor("the execution page after the callback", `document.body.dataset.ready === "true" && document.getElementById("exec-status").textContent === "SUCCEEDED"`)
	if cls := p.nodeClass("WaitForApproval"); !strings.Contains(cls, "st-succeeded") {
		t.Errorf("WaitForApproval class %q after success, want st-succeeded", cls)
	}
}

func TestBrowserPagesHaveNoErrors(t *testing.T) {
	t.Parallel()
	p := newPage(t)
	paths := map[string]string{
		"overview":       "/console/",
		"statemachines":  "/console/statemachines",
		"statemachine":   "/console/statemachine?arn=" + url.QueryEscape(consoletest.SMArn("order-flow")),
		"executions-p2":  "/console/executions?token=page.50",
		"filtered":       "/console/executions?status=FAILED&q=1002",
		"start":          "/console/start?sm=" + url.QueryEscape(consoletest.SMArn("order-flow")),
		"outbox":         "/console/outbox",
		"queues":         "/console/queues",
		"queue":          "/console/queue?url=" + url.QueryEscape("http://127.0.0.1:8083/111111111111/shipping"),
		"schedules":      "/console/schedules",
		"functions":      "/console/functions",
		"function":       "/console/function?name=validate-order",
		"approvals":      "/console/approvals?all=1",
		"not-found":      "/console/execution?arn=nope",
		"bad-filter":     "/console/executions?after=yesterday",
		"execution-slow": execPath("hello", consoletest.ExecRunning),
		"fanout-parent":  execPath("fanout", consoletest.ExecFanout),
		"maprun":         "/console/maprun?arn=" + url.QueryEscape(consoletest.MapRunArn("fanout", consoletest.FanoutLabel, consoletest.FanoutMapRunID)),
		"maprun-failed":  "/console/maprun?status=FAILED&arn=" + url.QueryEscape(consoletest.MapRunArn("fanout", consoletest.FanoutLabel, consoletest.FanoutMapRunID)),
		"maprun-missing": "/console/maprun?arn=nope",
		"child-failed":   execPath("fanout/"+consoletest.FanoutLabel, consoletest.Child3),
		"child-running":  execPath("fanout/"+consoletest.FanoutLabel, consoletest.Child4),
	}
	p.allow("/console/maprun?arn=nope")
	p.allow("/console/execution?arn=nope")
	p.allow("/console/executions?after=yesterday")
	for name, path := range paths {
		p.open(path)
		if txt := eval[string](p, `document.querySelector("main").innerText`); strings.TrimSpace(txt) == "" {
			t.Errorf("%s: empty page", name)
		}
		if hidden := eval[bool](p, `document.getElementById("js-error").hidden`); !hidden {
			t.Errorf("%s: script error shown: %s", name, eval[string](p, `document.getElementById("js-error").textContent`))
		}
		// Scroll to the bottom: wide content must not overflow the page.
		if w := eval[int](p, `document.documentElement.scrollWidth`); w > 1280 {
			t.Errorf("%s: page is %d px wide at 1280 px", name, w)
		}
		p.screenshot("page-" + name)
	}
	// The narrowest supported width.
	p.run("resize", chromedp.EmulateViewport(1000, 800))
	p.open(execPath("order-flow", consoletest.ExecMap50))
	if w := eval[int](p, `document.documentElement.scrollWidth`); w > 1000 {
		t.Errorf("execution page is %d px wide at 1000 px", w)
	}
	p.screenshot("execution-1000px")
}

// TestBrowserMapRun follows a distributed Map from its parent execution to
// its map run and a child execution, and watches the map run page follow
// its children live.
func TestBrowserMapRun(t *testing.T) {
	t.Parallel()
	p := newPage(t)
	run := consoletest.MapRunArn("fanout", consoletest.FanoutLabel, consoletest.FanoutMapRunID)
	p.open(execPath("fanout", consoletest.ExecFanout))
	if n := eval[int](p, `document.querySelectorAll("#map-runs table.mapruns tbody tr").length`); n != 1 {
		t.Fatalf("%d map runs listed, want 1", n)
	}
	p.screenshot("maprun-parent")
	p.run("open the map run", chromedp.Click(`#map-runs a[href*="/maprun?"]`))
	p.waitFor("the map run page", `location.pathname === "/console/maprun" && document.body.dataset.ready === "true"`)
	if arn := eval[string](p, `new URLSearchParams(location.search).get("arn")`); arn != run {
		t.Errorf("map run page for %q, want %q", arn, run)
	}
	if got := eval[string](p, `document.getElementById("progress-words").textContent`); got != "3 of 5 items finished" {
		t.Errorf("progress %q", got)
	}
	if n := eval[int](p, `document.querySelectorAll("table.children tbody tr[data-arn]").length`); n != 5 {
		t.Errorf("%d children listed, want 5", n)
	}
	p.screenshot("maprun")

	// The status filter.
	p.run("filter FAILED", chromedp.SetValue(`#f-status`, "FAILED"), chromedp.Click(`form.inline-filter button[type=submit]`))
	p.waitFor("the filtered list", `new URLSearchParams(location.search).get("status") === "FAILED" && document.body.dataset.ready === "true"`)
	rows := eval[[]string](p, `[...document.querySelectorAll("table.children tbody tr[data-arn]")].map(r => r.dataset.status)`)
	if len(rows) != 1 || rows[0] != "FAILED" {
		t.Errorf("filtered rows %q, want one FAILED", rows)
	}

	// The failed child: its map run and parent, no Redrive.
	p.run("open the failed child", chromedp.Click(`table.children tbody tr[data-status="FAILED"] a`))
	p.waitFor("the child's page", `location.pathname === "/console/execution" && document.body.dataset.ready === "true"`)
	if got := eval[string](p, `document.getElementById("exec-status").textContent`); got != "FAILED" {
		t.Errorf("child status %q", got)
	}
	if cls := p.nodeClass("Reject"); !strings.Contains(cls, "st-failed") {
		t.Errorf("Reject class %q, want st-failed", cls)
	}
	if eval[bool](p, `!!document.querySelector('form[action$="/redrive"]')`) {
		t.Error("the failed child offers Redrive")
	}
	if txt := eval[string](p, `document.querySelector("nav.crumbs").innerText`); !strings.Contains(txt, consoletest.ExecFanout) || !strings.Contains(txt, "Map run Work") {
		t.Errorf("crumbs %q", txt)
	}
	p.screenshot("maprun-child")
	p.run("back to the map run", chromedp.Click(`#child-maprun`))
	p.waitFor("the map run page again", `location.pathname === "/console/maprun" && document.body.dataset.ready === "true"`)

	// The running children finish: the page follows.
	for _, c := range []string{consoletest.Child4, consoletest.Child5} {
		if err := p.fake.Finish(consoletest.ChildArn("fanout", consoletest.FanoutLabel, c)); err != nil {
			t.Fatal(err)
		}
	}
	p.waitFor("the counts to follow", `document.getElementById("progress-words").textContent === "5 of 5 items finished"`)
	if n := eval[int](p, `document.querySelectorAll('table.children tbody tr[data-status="RUNNING"]').length`); n != 0 {
		t.Errorf("%d children still shown running", n)
	}
	p.run("open the parent", chromedp.Click(`#maprun-parent`))
	p.waitFor("the parent's page", `location.pathname === "/console/execution" && document.body.dataset.ready === "true" && !!document.getElementById("map-runs")`)
}
