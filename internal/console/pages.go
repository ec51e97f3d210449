package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Limits of what one page shows.
const (
	historyPageSize = 500
	maxShownJSON    = 64 << 10
	homeListSize    = 10
	peekCount       = 10
	invocationCount = 20
	outboxLimit     = 1000
	maxSteps        = 500
)

// executionStatuses are the values of the status filter.
var executionStatuses = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}

// section is a part of a page whose data may be unavailable.
type section struct {
	// Problem says in words why the data is missing ("" when present).
	Problem string
}

// problem words an error for a page section.
func problem(what string, err error) string {
	if errors.Is(err, ErrNotAvailable) {
		return what + " is not available on this server."
	}
	return what + " could not be read: " + err.Error()
}

// pager links a list's pages.
type pager struct {
	First, Next, Prev string // URLs ("" when there is no such page)
	Page              int
}

// withQuery returns path?query with key set to value (removed when "").
func withQuery(path string, q url.Values, key, value string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	if value == "" {
		c.Del(key)
	} else {
		c.Set(key, value)
	}
	if len(c) == 0 {
		return path
	}
	return path + "?" + c.Encode()
}

// slicePage cuts page p (1-based, from ?page=) out of n items.
func slicePage(r *http.Request, n, size int) (lo, hi int, pg pager) {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if p < 1 {
		p = 1
	}
	lo = min((p-1)*size, n)
	hi = min(lo+size, n)
	pg.Page = p
	if p > 1 {
		pg.First = withQuery(r.URL.Path, r.URL.Query(), "page", "")
		pg.Prev = withQuery(r.URL.Path, r.URL.Query(), "page", strconv.Itoa(p-1))
	}
	if hi < n {
		pg.Next = withQuery(r.URL.Path, r.URL.Query(), "page", strconv.Itoa(p+1))
	}
	return lo, hi, pg
}

// tokenPager links AWS-style pages.
func tokenPager(r *http.Request, next string) pager {
	var pg pager
	q := r.URL.Query()
	if q.Get("token") != "" {
		pg.First = withQuery(r.URL.Path, q, "token", "")
	}
	if next != "" {
		pg.Next = withQuery(r.URL.Path, q, "token", next)
	}
	return pg
}

// home shows what is running, what waits for people and recent activity.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	type homeData struct {
		Running, Recent       []ExecutionSummary
		RunningErr, RecentErr string
		Approvals             []Approval
		ApprovalsErr          string
		StateMachines         []StateMachine
		StateMachinesErr      string
		MoreRunning, MoreSMs  bool
	}
	var d homeData
	if p, err := h.b.ListExecutions(ctx, ExecutionFilter{Status: "RUNNING", Limit: homeListSize}); err != nil {
		d.RunningErr = problem("The list of executions", err)
	} else {
		d.Running, d.MoreRunning = p.Executions, p.NextToken != ""
	}
	if p, err := h.b.ListExecutions(ctx, ExecutionFilter{Limit: homeListSize}); err != nil {
		d.RecentErr = problem("The list of executions", err)
	} else {
		d.Recent = p.Executions
	}
	if a, err := h.b.Approvals(ctx, true); err != nil {
		if !errors.Is(err, ErrNotAvailable) {
			d.ApprovalsErr = problem("Approvals", err)
		}
	} else {
		d.Approvals = a
	}
	if p, err := h.b.ListStateMachines(ctx, "", homeListSize); err != nil {
		d.StateMachinesErr = problem("The list of state machines", err)
	} else {
		d.StateMachines, d.MoreSMs = p.StateMachines, p.NextToken != ""
	}
	h.render(w, r, http.StatusOK, "home", "Overview", d)
	return nil
}

// stateMachines lists state machines.
func (h *Handler) stateMachines(w http.ResponseWriter, r *http.Request) error {
	p, err := h.b.ListStateMachines(r.Context(), r.URL.Query().Get("token"), h.opts.PageSize)
	if err != nil {
		return fmt.Errorf("list state machines: %w", err)
	}
	h.render(w, r, http.StatusOK, "statemachines", "State machines", map[string]any{
		"StateMachines": p.StateMachines, "Pager": tokenPager(r, p.NextToken),
	})
	return nil
}

// smPage is the state machine page's data.
type smPage struct {
	SM          StateMachineDetail
	Graph       template.HTML
	GraphErr    string
	Definition  string
	Executions  []ExecutionSummary
	ExecErr     string
	MoreExecs   bool
	CLI         []cliCommand
	StartURL    string
	AllExecsURL string
}

// stateMachine shows one state machine: graph, definition, versions,
// aliases and executions.
func (h *Handler) stateMachine(w http.ResponseWriter, r *http.Request) error {
	arn := r.URL.Query().Get("arn")
	if arn == "" {
		return httpError{http.StatusBadRequest, "Which state machine? The address needs ?arn= with a state machine ARN."}
	}
	ctx := r.Context()
	sm, err := h.b.DescribeStateMachine(ctx, arn)
	if err != nil {
		return fmt.Errorf("describe state machine %s: %w", arn, err)
	}
	d := smPage{SM: sm, Definition: indentJSON(sm.Definition)}
	if g, err := Layout([]byte(sm.Definition)); err != nil {
		d.GraphErr = "The definition cannot be drawn: " + err.Error()
	} else {
		d.Graph = renderSVG(g, svgOptions{Label: "Graph of " + sm.Name})
	}
	if p, err := h.b.ListExecutions(ctx, ExecutionFilter{StateMachineArn: arn, Limit: 20}); err != nil {
		d.ExecErr = problem("The executions", err)
	} else {
		d.Executions, d.MoreExecs = p.Executions, p.NextToken != ""
	}
	d.StartURL = h.opts.Prefix + "/start?sm=" + url.QueryEscape(arn)
	d.AllExecsURL = h.opts.Prefix + "/executions?sm=" + url.QueryEscape(arn)
	base := h.baseURL(r)
	d.CLI = []cliCommand{
		{ID: "cli-describe", Label: "Describe", Text: h.aws(base, "describe-state-machine", "--state-machine-arn", arn)},
		{ID: "cli-start", Label: "Start an execution", Text: h.aws(base, "start-execution", "--state-machine-arn", arn, "--input", "{}")},
		{ID: "cli-list", Label: "List executions", Text: h.aws(base, "list-executions", "--state-machine-arn", arn)},
	}
	h.render(w, r, http.StatusOK, "statemachine", sm.Name, d)
	return nil
}

// execFilter is the executions list's filter form.
type execFilter struct {
	SM, Status, Prefix, After, Before, Search string
	Problems                                  []string
}

// parseFilter reads the filter form of the executions list.
func parseFilter(q url.Values) (ExecutionFilter, execFilter) {
	ef := execFilter{SM: q.Get("sm"), Status: q.Get("status"), Prefix: q.Get("prefix"), After: q.Get("after"), Before: q.Get("before"), Search: q.Get("q")}
	f := ExecutionFilter{StateMachineArn: ef.SM, NamePrefix: ef.Prefix, Search: ef.Search, Token: q.Get("token")}
	if ef.Status != "" {
		ok := false
		for _, s := range executionStatuses {
			ok = ok || s == ef.Status
		}
		if ok {
			f.Status = ef.Status
		} else {
			ef.Problems = append(ef.Problems, fmt.Sprintf("Status %q is not one of %s.", ef.Status, strings.Join(executionStatuses, ", ")))
		}
	}
	for _, tf := range []struct {
		text, label string
		dst         *time.Time
	}{{ef.After, "Started after", &f.StartedAfter}, {ef.Before, "Started before", &f.StartedBefore}} {
		if tf.text == "" {
			continue
		}
		t, err := parseFormTime(tf.text)
		if err != nil {
			ef.Problems = append(ef.Problems, fmt.Sprintf("%s: %q is not a date and time (write 2024-05-06T07:08, in UTC).", tf.label, tf.text))
			continue
		}
		*tf.dst = t
	}
	if !f.StartedAfter.IsZero() && !f.StartedBefore.IsZero() && f.StartedBefore.Before(f.StartedAfter) {
		ef.Problems = append(ef.Problems, "Started before is earlier than started after: no execution can match.")
	}
	return f, ef
}

// parseFormTime reads a datetime-local value (UTC) or RFC 3339.
func parseFormTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// execListData is the executions list's data.
type execListData struct {
	Filter        execFilter
	Statuses      []string
	StateMachines []StateMachine
	Executions    []ExecutionSummary
	Pager         pager
	APIURL        string
	Searched      bool
}

// listExecutions runs the list's query.
func (h *Handler) listExecutions(r *http.Request) (execListData, int, error) {
	f, ef := parseFilter(r.URL.Query())
	d := execListData{Filter: ef, Statuses: executionStatuses}
	d.Searched = ef.SM != "" || ef.Status != "" || ef.Prefix != "" || ef.After != "" || ef.Before != "" || ef.Search != ""
	if len(ef.Problems) > 0 {
		return d, http.StatusBadRequest, nil
	}
	f.Limit = h.opts.PageSize
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 && n <= 1000 {
		f.Limit = n
	}
	p, err := h.b.ListExecutions(r.Context(), f)
	if err != nil {
		return d, 0, fmt.Errorf("list executions: %w", err)
	}
	d.Executions = p.Executions
	d.Pager = tokenPager(r, p.NextToken)
	api := url.URL{Path: h.opts.Prefix + "/api/executions", RawQuery: r.URL.RawQuery}
	d.APIURL = api.String()
	return d, http.StatusOK, nil
}

// executions lists executions with the filters.
func (h *Handler) executions(w http.ResponseWriter, r *http.Request) error {
	d, code, err := h.listExecutions(r)
	if err != nil {
		return err
	}
	if sms, err := h.b.ListStateMachines(r.Context(), "", 200); err == nil {
		d.StateMachines = sms.StateMachines
	}
	h.render(w, r, code, "executions", "Executions", d)
	return nil
}

// apiExecutions is the executions list's live data: the rendered rows.
func (h *Handler) apiExecutions(w http.ResponseWriter, r *http.Request) error {
	d, code, err := h.listExecutions(r)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return httpError{code, strings.Join(d.Filter.Problems, " ")}
	}
	rows, err := h.fragment("executions", "exec-rows", execRows{h.opts.Prefix, d.Executions})
	if err != nil {
		return err
	}
	running := 0
	for _, e := range d.Executions {
		if e.Status == "RUNNING" {
			running++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"fragments": map[string]string{"exec-rows": rows}, "running": running, "count": len(d.Executions)})
	return nil
}

// statePanel is one state's details panel on the execution page.
type statePanel struct {
	ID      string
	Name    string
	Type    string
	Status  StateStatus
	Words   string
	Summary *StateSummary
	Last    *Run
	Hidden  bool
	// Input, Output are the last run's, indented and bounded.
	Input, Output string
	Duration      string
	Retries       int
	Href          string
	// MapRun is the newest map run of a distributed Map state.
	MapRun *mapRunRow
}

// execPage is the execution page's data.
type execPage struct {
	Exec         Execution
	Running      bool
	Duration     string
	Graph        template.HTML
	GraphErr     string
	Panels       []statePanel
	Selected     string
	HistoryErr   string
	Callbacks    []Callback
	CallbackErr  string
	Approvals    []Approval
	ApprovalsErr string
	Steps        []stepRow
	StepsTotal   int
	Events       []Event
	EventsPager  pager
	EventsTotal  int
	Input        string
	Output       string
	CLI          []cliCommand
	Redrivable   bool
	Nodes        map[string]string // graph node id → status
	StartAgain   string
	SMURL        string
	APIURL       string
	Now          time.Time
	// MapRuns are the execution's Distributed Map runs, newest first.
	MapRuns    []mapRunRow
	MapRunsErr string
	// Child is set for a Distributed Map's child execution.
	Child *childInfo
}

// stepRow is one line of the steps table.
type stepRow struct {
	Run      *Run
	Offset   string
	Duration string
	Href     string
}

// buildExecution gathers everything the execution page shows.
func (h *Handler) buildExecution(ctx context.Context, r *http.Request) (*execPage, error) {
	q := r.URL.Query()
	arn := q.Get("arn")
	if arn == "" {
		return nil, httpError{http.StatusBadRequest, "Which execution? The address needs ?arn= with an execution ARN."}
	}
	ex, err := h.b.DescribeExecution(ctx, arn)
	if err != nil {
		return nil, fmt.Errorf("describe execution %s: %w", arn, err)
	}
	now := h.opts.Now()
	d := &execPage{Exec: ex, Running: ex.Status == "RUNNING", Selected: q.Get("state"), Now: now}
	d.Duration = fmtDuration(durationOf(ex.StartDate, ex.StopDate, now))
	d.Input = boundJSON(ex.Input)
	d.Output = boundJSON(ex.Output)
	d.Redrivable = ex.Status == "FAILED" || ex.Status == "TIMED_OUT" || ex.Status == "ABORTED"
	if ex.RedriveStatus == "NOT_REDRIVABLE" {
		d.Redrivable = false
	}
	d.SMURL = h.opts.Prefix + "/statemachine?arn=" + url.QueryEscape(ex.StateMachineArn)
	d.StartAgain = h.opts.Prefix + "/start?sm=" + url.QueryEscape(ex.StateMachineArn) + "&from=" + url.QueryEscape(arn)
	if ex.MapRunArn != "" {
		// A child runs the Map state's item processor as the state machine
		// "machine/label", which has no page and cannot be started or
		// redriven on its own.
		d.Child = h.childOf(ctx, ex)
		d.Redrivable = false
		d.StartAgain = ""
		d.SMURL = h.opts.Prefix + "/statemachine?arn=" + url.QueryEscape(ParentStateMachineArn(ex.StateMachineArn))
	}
	apiq := url.Values{"arn": {arn}}
	if pg := q.Get("page"); pg != "" {
		apiq.Set("page", pg)
	}
	d.APIURL = h.opts.Prefix + "/api/execution?" + apiq.Encode()

	waiting := map[string]bool{}
	if d.Running {
		if cbs, err := h.b.PendingCallbacks(ctx, arn); err != nil {
			if !errors.Is(err, ErrNotAvailable) {
				d.CallbackErr = problem("The callbacks this execution waits for", err)
			}
		} else {
			d.Callbacks = cbs
			for _, c := range cbs {
				waiting[c.StateName] = true
			}
		}
		if aps, err := h.b.Approvals(ctx, true); err != nil {
			if !errors.Is(err, ErrNotAvailable) {
				d.ApprovalsErr = problem("Approvals", err)
			}
		} else {
			for _, a := range aps {
				if a.ExecutionArn == arn {
					d.Approvals = append(d.Approvals, a)
					waiting[a.StateName] = true
				}
			}
		}
	}
	var an *Analysis
	if events, err := h.b.GetHistory(ctx, arn); err != nil {
		d.HistoryErr = problem("The execution history", err)
	} else if an, err = Analyze(events, waiting); err != nil {
		d.HistoryErr = "The execution history could not be read: " + err.Error()
		an = nil
	}
	if an == nil {
		an = &Analysis{States: map[string]*StateSummary{}}
	}
	d.MapRuns, d.MapRunsErr = h.listMapRuns(ctx, arn, an)
	newestRun := map[string]*mapRunRow{}
	for i := range d.MapRuns {
		if st := d.MapRuns[i].State; st != "" && newestRun[st] == nil {
			newestRun[st] = &d.MapRuns[i]
		}
	}
	hrefFor := func(name string) string {
		return h.opts.Prefix + "/execution?" + url.Values{"arn": {arn}, "state": {name}}.Encode() + "#state-panel"
	}
	panelIDs := map[string]string{}
	g, gerr := Layout([]byte(ex.Definition))
	if gerr != nil {
		d.GraphErr = "The definition cannot be drawn: " + gerr.Error()
	}
	// One panel per state name, in graph order, then any state the history
	// names that the graph does not have.
	var names []string
	types := map[string]string{}
	for _, n := range g.Nodes {
		if n.Name != "" && n.Type != "Start" && n.Type != "End" {
			if _, dup := types[n.Name]; !dup {
				names = append(names, n.Name)
			}
			types[n.Name] = n.Type
		}
	}
	extra := make([]string, 0)
	for name := range an.States {
		if _, ok := types[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	names = append(names, extra...)
	d.Nodes = map[string]string{}
	for i, name := range names {
		id := "panel-" + strconv.Itoa(i)
		panelIDs[name] = id
		p := statePanel{ID: id, Name: name, Type: types[name], Status: an.StatusOf(name), Hidden: name != d.Selected, Href: hrefFor(name), MapRun: newestRun[name]}
		p.Words = statusWords(p.Status)
		if s, ok := an.States[name]; ok {
			p.Summary = s
			p.Last = s.Last()
			if p.Type == "" {
				p.Type = p.Last.Type
			}
			p.Input = boundJSON(p.Last.Input)
			p.Output = boundJSON(p.Last.Output)
			p.Duration = fmtDuration(p.Last.Duration(now))
			p.Retries = max(p.Last.Attempts-1, 0)
		}
		d.Panels = append(d.Panels, p)
	}
	if gerr == nil {
		for _, n := range g.Nodes {
			if n.Name != "" {
				d.Nodes["node-"+n.ID] = string(an.StatusOf(n.Name))
			}
		}
		d.Graph = renderSVG(g, svgOptions{
			Status:   an.StatusOf,
			Href:     hrefFor,
			Panel:    func(name string) string { return panelIDs[name] },
			Selected: d.Selected,
			Label:    "Graph of execution " + ex.Name + ", coloured by state status",
		})
	}
	d.StepsTotal = len(an.Runs)
	for _, run := range an.Runs[:min(len(an.Runs), maxSteps)] {
		d.Steps = append(d.Steps, stepRow{Run: run, Offset: fmtOffset(an.Start, run.Entered), Duration: fmtDuration(run.Duration(now)), Href: hrefFor(run.Name)})
	}
	// History, one page at a time.
	d.EventsTotal = len(an.Events)
	lo, hi, pg := slicePage(r, len(an.Events), historyPageSize)
	d.Events = an.Events[lo:hi]
	d.EventsPager = pg
	base := h.baseURL(r)
	d.CLI = []cliCommand{
		{ID: "cli-describe", Label: "Describe", Text: h.aws(base, "describe-execution", "--execution-arn", arn)},
		{ID: "cli-history", Label: "History", Text: h.aws(base, "get-execution-history", "--execution-arn", arn)},
	}
	if d.Running {
		d.CLI = append(d.CLI, cliCommand{ID: "cli-stop", Label: "Stop", Text: h.aws(base, "stop-execution", "--execution-arn", arn)})
	}
	if d.Redrivable {
		d.CLI = append(d.CLI, cliCommand{ID: "cli-redrive", Label: "Redrive", Text: h.aws(base, "redrive-execution", "--execution-arn", arn)})
	}
	if len(d.MapRuns) > 0 {
		d.CLI = append(d.CLI, cliCommand{ID: "cli-mapruns", Label: "List map runs", Text: h.aws(base, "list-map-runs", "--execution-arn", arn)})
	}
	if d.Child != nil {
		d.CLI = append(d.CLI, cliCommand{ID: "cli-maprun", Label: "Describe its map run", Text: h.aws(base, "describe-map-run", "--map-run-arn", ex.MapRunArn)})
	}
	for i, c := range d.Callbacks {
		d.CLI = append(d.CLI, cliCommand{ID: "cli-success-" + strconv.Itoa(i), Label: "Send task success (" + c.StateName + ")", Text: h.aws(base, "send-task-success", "--task-token", c.TaskToken, "--task-output", "{}")})
	}
	if d.Child == nil {
		d.CLI = append(d.CLI, cliCommand{ID: "cli-start", Label: "Start again with the same input", Text: h.aws(base, "start-execution", "--state-machine-arn", ex.StateMachineArn, "--input", compactJSON(ex.Input))})
	}
	return d, nil
}

// execution shows one execution.
func (h *Handler) execution(w http.ResponseWriter, r *http.Request) error {
	d, err := h.buildExecution(r.Context(), r)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "execution", d.Exec.Name, d)
	return nil
}

// apiExecution is the execution page's live data: node statuses and the
// re-rendered parts.
func (h *Handler) apiExecution(w http.ResponseWriter, r *http.Request) error {
	d, err := h.buildExecution(r.Context(), r)
	if err != nil {
		return err
	}
	frags := map[string]string{}
	for _, name := range []string{"exec-head", "exec-actions", "exec-mapruns", "exec-panels", "exec-steps", "exec-history", "exec-io"} {
		s, err := h.fragment("execution", name, view{Prefix: h.opts.Prefix, CSRF: h.csrfToken(r), CanAct: h.authorized(r), Data: d})
		if err != nil {
			return err
		}
		frags[name] = s
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": d.Exec.Status, "running": d.Running, "nodes": d.Nodes, "fragments": frags})
	return nil
}

// fragment renders one named template of a page.
func (h *Handler) fragment(page, name string, data any) (string, error) {
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return buf.String(), nil
}

// startData is the start form's data.
type startData struct {
	SM       StateMachineDetail
	SMErr    string
	SMs      []StateMachine
	Name     string
	Input    string
	Problem  string
	CLI      []cliCommand
	Selected string
}

// startForm shows the form that starts an execution.
func (h *Handler) startForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := startData{Input: "{}", Selected: q.Get("sm")}
	if from := q.Get("from"); from != "" {
		if ex, err := h.b.DescribeExecution(r.Context(), from); err == nil {
			d.Input = indentJSON(ex.Input)
			if d.Selected == "" {
				d.Selected = ex.StateMachineArn
			}
		}
	}
	return h.renderStart(w, r, http.StatusOK, d)
}

// renderStart renders the start form with d.
func (h *Handler) renderStart(w http.ResponseWriter, r *http.Request, code int, d startData) error {
	ctx := r.Context()
	if d.Selected != "" {
		sm, err := h.b.DescribeStateMachine(ctx, d.Selected)
		if err != nil {
			d.SMErr = problem("The state machine "+d.Selected, err)
		} else {
			d.SM = sm
		}
	}
	if p, err := h.b.ListStateMachines(ctx, "", 200); err == nil {
		d.SMs = p.StateMachines
	}
	if d.Selected != "" {
		args := []string{"--state-machine-arn", d.Selected}
		if d.Name != "" {
			args = append(args, "--name", d.Name)
		}
		args = append(args, "--input", compactJSON(d.Input))
		base := h.baseURL(r)
		d.CLI = []cliCommand{{ID: "cli-start", Label: "The same with the AWS CLI", Text: h.aws(base, "start-execution", args...), Endpoint: base, Region: h.opts.Region}}
	}
	title := "Start an execution"
	if d.SM.Name != "" {
		title = "Start " + d.SM.Name
	}
	h.render(w, r, code, "start", title, d)
	return nil
}

// start starts an execution and opens it.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) error {
	d := startData{Selected: r.PostForm.Get("sm"), Name: strings.TrimSpace(r.PostForm.Get("name")), Input: r.PostForm.Get("input")}
	if d.Selected == "" {
		d.Problem = "Choose the state machine to start."
		return h.renderStart(w, r, http.StatusBadRequest, d)
	}
	if strings.TrimSpace(d.Input) == "" {
		d.Input = "{}"
	}
	if _, err := jsonv.ParseString(d.Input); err != nil {
		d.Problem = "The input is not valid JSON: " + jsonProblem(err)
		return h.renderStart(w, r, http.StatusBadRequest, d)
	}
	arn, err := h.b.StartExecution(r.Context(), d.Selected, d.Name, d.Input)
	if err != nil {
		if errors.Is(err, ErrNotAvailable) {
			return err
		}
		d.Problem = "The execution was not started: " + err.Error()
		return h.renderStart(w, r, http.StatusBadRequest, d)
	}
	http.Redirect(w, r, h.opts.Prefix+"/execution?arn="+url.QueryEscape(arn), http.StatusSeeOther)
	return nil
}

// jsonProblem words a JSON syntax error with its line and column.
func jsonProblem(err error) string {
	var se *jsonv.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (line %d, column %d).", se.Msg, se.Line, se.Column)
	}
	return err.Error()
}

// backTo redirects to the execution page after an action, with a notice.
func (h *Handler) backTo(w http.ResponseWriter, r *http.Request, arn string) {
	http.Redirect(w, r, h.opts.Prefix+"/execution?arn="+url.QueryEscape(arn), http.StatusSeeOther)
}

// actionFailed renders a failed action as an error page that links back.
func actionFailed(what string, err error) error {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotAvailable) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return httpError{http.StatusBadRequest, what + " failed: " + err.Error()}
}

// stop stops an execution.
func (h *Handler) stop(w http.ResponseWriter, r *http.Request) error {
	arn := r.PostForm.Get("arn")
	if err := h.b.StopExecution(r.Context(), arn, r.PostForm.Get("error"), r.PostForm.Get("cause")); err != nil {
		return actionFailed("Stopping the execution", err)
	}
	h.backTo(w, r, arn)
	return nil
}

// redrive redrives an execution.
func (h *Handler) redrive(w http.ResponseWriter, r *http.Request) error {
	arn := r.PostForm.Get("arn")
	if err := h.b.RedriveExecution(r.Context(), arn); err != nil {
		return actionFailed("Redriving the execution", err)
	}
	h.backTo(w, r, arn)
	return nil
}

// callback sends task success or failure for a waiting task token.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	arn, token := f.Get("arn"), f.Get("token")
	if token == "" {
		return httpError{http.StatusBadRequest, "The form has no task token."}
	}
	var err error
	switch f.Get("outcome") {
	case "success":
		out := f.Get("output")
		if strings.TrimSpace(out) == "" {
			out = "{}"
		}
		if _, perr := jsonv.ParseString(out); perr != nil {
			return httpError{http.StatusBadRequest, "The task output is not valid JSON: " + jsonProblem(perr) + " Go back and correct it."}
		}
		err = h.b.SendTaskSuccess(r.Context(), token, out)
	case "failure":
		err = h.b.SendTaskFailure(r.Context(), token, f.Get("error"), f.Get("cause"))
	default:
		return httpError{http.StatusBadRequest, "The form says neither success nor failure."}
	}
	if err != nil {
		return actionFailed("Sending the task result", err)
	}
	if arn == "" {
		http.Redirect(w, r, h.opts.Prefix+"/", http.StatusSeeOther)
		return nil
	}
	h.backTo(w, r, arn)
	return nil
}

// outbox lists sent e-mails.
func (h *Handler) outbox(w http.ResponseWriter, r *http.Request) error {
	d := struct {
		section
		Emails []Email
		Pager  pager
	}{}
	if all, err := h.b.Outbox(r.Context(), outboxLimit); err != nil {
		d.Problem = problem("The outbox (SES)", err)
	} else {
		lo, hi, pg := slicePage(r, len(all), h.opts.PageSize)
		d.Emails, d.Pager = all[lo:hi], pg
	}
	h.render(w, r, http.StatusOK, "outbox", "Outbox", d)
	return nil
}

// queues lists queues with their counts.
func (h *Handler) queues(w http.ResponseWriter, r *http.Request) error {
	d := struct {
		section
		Queues []Queue
		Pager  pager
	}{}
	if all, err := h.b.Queues(r.Context()); err != nil {
		d.Problem = problem("Queues (SQS)", err)
	} else {
		lo, hi, pg := slicePage(r, len(all), h.opts.PageSize)
		d.Queues, d.Pager = all[lo:hi], pg
	}
	h.render(w, r, http.StatusOK, "queues", "Queues", d)
	return nil
}

// queue peeks at one queue's messages.
func (h *Handler) queue(w http.ResponseWriter, r *http.Request) error {
	u := r.URL.Query().Get("url")
	if u == "" {
		return httpError{http.StatusBadRequest, "Which queue? The address needs ?url= with a queue URL."}
	}
	d := struct {
		section
		URL      string
		Messages []QueueMessage
	}{URL: u}
	msgs, err := h.b.PeekQueue(r.Context(), u, peekCount)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("queue %s: %w", u, err)
		}
		d.Problem = problem("The queue's messages", err)
	}
	for i := range msgs {
		msgs[i].Body = boundJSON(msgs[i].Body)
	}
	d.Messages = msgs
	h.render(w, r, http.StatusOK, "queue", "Queue", d)
	return nil
}

// schedules lists schedules with their next fire times.
func (h *Handler) schedules(w http.ResponseWriter, r *http.Request) error {
	d := struct {
		section
		Schedules []Schedule
		Pager     pager
	}{}
	if all, err := h.b.Schedules(r.Context()); err != nil {
		d.Problem = problem("Schedules (EventBridge Scheduler)", err)
	} else {
		lo, hi, pg := slicePage(r, len(all), h.opts.PageSize)
		d.Schedules, d.Pager = all[lo:hi], pg
	}
	h.render(w, r, http.StatusOK, "schedules", "Schedules", d)
	return nil
}

// functions lists Lambda functions.
func (h *Handler) functions(w http.ResponseWriter, r *http.Request) error {
	d := struct {
		section
		Functions []Function
		Pager     pager
	}{}
	if all, err := h.b.Functions(r.Context()); err != nil {
		d.Problem = problem("Functions (Lambda)", err)
	} else {
		lo, hi, pg := slicePage(r, len(all), h.opts.PageSize)
		d.Functions, d.Pager = all[lo:hi], pg
	}
	h.render(w, r, http.StatusOK, "functions", "Functions", d)
	return nil
}

// function shows a function's recent invocations and their logs.
func (h *Handler) function(w http.ResponseWriter, r *http.Request) error {
	name := r.URL.Query().Get("name")
	if name == "" {
		return httpError{http.StatusBadRequest, "Which function? The address needs ?name= with a function name."}
	}
	d := struct {
		section
		Name        string
		Invocations []Invocation
	}{Name: name}
	inv, err := h.b.FunctionInvocations(r.Context(), name, invocationCount)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("function %s: %w", name, err)
		}
		d.Problem = problem("The function's invocations", err)
	}
	d.Invocations = inv
	h.render(w, r, http.StatusOK, "function", name, d)
	return nil
}

// approvals lists approval requests.
func (h *Handler) approvals(w http.ResponseWriter, r *http.Request) error {
	all := r.URL.Query().Get("all") != ""
	d := struct {
		section
		Approvals []Approval
		All       bool
		Pager     pager
	}{All: all}
	if list, err := h.b.Approvals(r.Context(), !all); err != nil {
		d.Problem = problem("Approvals", err)
	} else {
		lo, hi, pg := slicePage(r, len(list), h.opts.PageSize)
		d.Approvals, d.Pager = list[lo:hi], pg
	}
	h.render(w, r, http.StatusOK, "approvals", "Approvals", d)
	return nil
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// boundJSON indents JSON text for display, cut at maxShownJSON bytes.
func boundJSON(s string) string {
	if len(s) > maxShownJSON {
		return s[:maxShownJSON] + "\n… (cut: " + strconv.Itoa(len(s)) + " bytes in all; the history has everything)"
	}
	return indentJSON(s)
}

// compactJSON returns JSON text without insignificant spaces.
func compactJSON(s string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(s)) != nil {
		return s
	}
	return buf.String()
}

// durationOf is stop-start, or now-start while running.
func durationOf(start, stop, now time.Time) time.Duration {
	if start.IsZero() {
		return 0
	}
	if stop.IsZero() {
		stop = now
	}
	if stop.Before(start) {
		return 0
	}
	return stop.Sub(start)
}

// fmtDuration writes a duration for people: 420 ms, 3.2 s, 4 min 05 s.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days %d h", int(d.Hours())/24, int(d.Hours())%24)
}

// fmtOffset writes t relative to start: +1.5 s.
func fmtOffset(start, t time.Time) string {
	if start.IsZero() || t.IsZero() {
		return ""
	}
	return "+" + fmtDuration(t.Sub(start))
}

// fmtTime writes a time in UTC, or a dash for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000") + " UTC"
}
