package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// mapRunRow is a map run as the execution page's list and the map run page
// show it.
type mapRunRow struct {
	MapRun
	Label string
	URL   string
	// State names the Map state that ran it ("" when the history does not
	// say).
	State       string
	Concurrency string
	Tolerance   string
	// Finished counts the items that ended (succeeded, failed, aborted).
	Finished int64
}

// newMapRunRow words a map run for display.
func (h *Handler) newMapRunRow(m MapRun, state string) mapRunRow {
	row := mapRunRow{MapRun: m, Label: m.Label(), URL: h.mapRunURL(m.Arn), State: state,
		Concurrency: "No limit", Tolerance: tolerance(m)}
	if m.MaxConcurrency > 0 {
		row.Concurrency = strconv.Itoa(m.MaxConcurrency)
	}
	row.Finished = m.ItemsSucceeded + m.ItemsFailed + m.ItemsAborted
	return row
}

// mapRunURL is the map run page of arn.
func (h *Handler) mapRunURL(arn string) string {
	return h.opts.Prefix + "/maprun?arn=" + url.QueryEscape(arn)
}

// executionURL is the execution page of arn.
func (h *Handler) executionURL(arn string) string {
	return h.opts.Prefix + "/execution?arn=" + url.QueryEscape(arn)
}

// tolerance words a map run's failure tolerance.
func tolerance(m MapRun) string {
	var parts []string
	if m.ToleratedFailureCount > 0 {
		unit := " items"
		if m.ToleratedFailureCount == 1 {
			unit = " item"
		}
		parts = append(parts, strconv.FormatInt(m.ToleratedFailureCount, 10)+unit)
	}
	if m.ToleratedFailurePercentage > 0 {
		parts = append(parts, strconv.FormatFloat(m.ToleratedFailurePercentage, 'f', -1, 64)+" %")
	}
	if len(parts) == 0 {
		return "None"
	}
	return strings.Join(parts, " or ")
}

// mapRunStates maps the map runs a history started to their Map states
// (from the MapRunStarted events).
func mapRunStates(an *Analysis) map[string]string {
	out := map[string]string{}
	for _, ev := range an.Events {
		if ev.Type != "MapRunStarted" || ev.Details == "" {
			continue
		}
		var d struct {
			MapRunArn string `json:"mapRunArn"`
		}
		if json.Unmarshal([]byte(ev.Details), &d) == nil && d.MapRunArn != "" {
			out[d.MapRunArn] = ev.State
		}
	}
	return out
}

// childInfo is what the execution page shows about a Distributed Map's
// child execution.
type childInfo struct {
	MapRunArn   string
	MapRunURL   string
	MapRunLabel string
	// ParentArn and ParentURL name the execution whose Map state started
	// the map run ("" when the map run could not be read).
	ParentArn, ParentURL string
	Problem              string
}

// childOf reads the map run of a child execution.
func (h *Handler) childOf(ctx context.Context, ex Execution) *childInfo {
	c := &childInfo{MapRunArn: ex.MapRunArn, MapRunURL: h.mapRunURL(ex.MapRunArn), MapRunLabel: MapRunLabel(ex.MapRunArn)}
	m, err := h.b.DescribeMapRun(ctx, ex.MapRunArn)
	if err != nil {
		c.Problem = problem("The map run that started this execution", err)
		return c
	}
	c.ParentArn, c.ParentURL = m.ExecutionArn, h.executionURL(m.ExecutionArn)
	return c
}

// mapRunPage is the map run page's data.
type mapRunPage struct {
	Run      mapRunRow
	Running  bool
	Duration string
	// ParentURL is the parent execution's page; SMURL the state machine's.
	ParentURL  string
	ParentName string
	SMURL      string
	SMName     string
	Graph      template.HTML
	GraphErr   string
	Definition string
	// The child executions, one page, with the status filter.
	Children    []ExecutionSummary
	ChildrenErr string
	Status      string
	Statuses    []string
	FilterErr   string
	Pager       pager
	ClearURL    string
	APIURL      string
	CLI         []cliCommand
}

// buildMapRun gathers everything the map run page shows; the int is the
// page's status code.
func (h *Handler) buildMapRun(r *http.Request) (*mapRunPage, int, error) {
	ctx := r.Context()
	q := r.URL.Query()
	arn := q.Get("arn")
	if arn == "" {
		return nil, 0, httpError{http.StatusBadRequest, "Which map run? The address needs ?arn= with a map run ARN."}
	}
	m, err := h.b.DescribeMapRun(ctx, arn)
	if err != nil {
		return nil, 0, fmt.Errorf("describe map run %s: %w", arn, err)
	}
	now := h.opts.Now()
	d := &mapRunPage{Running: m.Status == "RUNNING", Statuses: executionStatuses, Definition: indentJSON(m.Definition)}
	d.Duration = fmtDuration(durationOf(m.StartDate, m.StopDate, now))
	d.ParentURL, d.ParentName = h.executionURL(m.ExecutionArn), shortArn(m.ExecutionArn)
	sm := ParentStateMachineArn(m.StateMachineArn)
	if sm == "" {
		sm = ParentStateMachineArn(strings.Replace(arn, ":mapRun:", ":stateMachine:", 1))
	}
	d.SMURL, d.SMName = h.opts.Prefix+"/statemachine?arn="+url.QueryEscape(sm), shortArn(sm)
	state := ""
	if events, err := h.b.GetHistory(ctx, m.ExecutionArn); err == nil {
		if an, err := Analyze(events, nil); err == nil {
			state = mapRunStates(an)[arn]
		}
	}
	d.Run = h.newMapRunRow(m, state)
	if m.Definition == "" {
		d.GraphErr = "The item processor's definition is not known."
	} else if g, err := Layout([]byte(m.Definition)); err != nil {
		d.GraphErr = "The item processor cannot be drawn: " + err.Error()
	} else {
		d.Graph = renderSVG(g, svgOptions{Label: "Graph of the item processor of map run " + d.Run.Label})
	}

	code := http.StatusOK
	d.ClearURL = h.mapRunURL(arn)
	f := ExecutionFilter{MapRunArn: arn, Token: q.Get("token"), Limit: h.opts.PageSize}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= 1000 {
		f.Limit = n
	}
	if st := q.Get("status"); st != "" {
		d.Status = st
		known := false
		for _, s := range executionStatuses {
			known = known || s == st
		}
		if known {
			f.Status = st
		} else {
			d.FilterErr = fmt.Sprintf("Status %q is not one of %s.", st, strings.Join(executionStatuses, ", "))
			code = http.StatusBadRequest
		}
	}
	if d.FilterErr == "" {
		p, err := h.b.ListExecutions(ctx, f)
		if err != nil {
			d.ChildrenErr = problem("The child executions", err)
		} else {
			d.Children = p.Executions
			d.Pager = tokenPager(r, p.NextToken)
		}
	}
	api := url.URL{Path: h.opts.Prefix + "/api/maprun", RawQuery: r.URL.RawQuery}
	d.APIURL = api.String()

	base := h.baseURL(r)
	list := []string{"--map-run-arn", arn}
	if f.Status != "" {
		list = append(list, "--status-filter", f.Status)
	}
	d.CLI = []cliCommand{
		{ID: "cli-describe", Label: "Describe", Text: h.aws(base, "describe-map-run", "--map-run-arn", arn)},
		{ID: "cli-children", Label: "List child executions", Text: h.aws(base, "list-executions", list...)},
	}
	if d.Running {
		d.CLI = append(d.CLI, cliCommand{ID: "cli-update", Label: "Change its concurrency", Text: h.aws(base, "update-map-run", "--map-run-arn", arn, "--max-concurrency", strconv.Itoa(m.MaxConcurrency))})
	}
	return d, code, nil
}

// mapRun shows one map run with its child executions.
func (h *Handler) mapRun(w http.ResponseWriter, r *http.Request) error {
	d, code, err := h.buildMapRun(r)
	if err != nil {
		return err
	}
	h.render(w, r, code, "maprun", "Map run "+d.Run.Label, d)
	return nil
}

// apiMapRun is the map run page's live data: its facts and child rows.
func (h *Handler) apiMapRun(w http.ResponseWriter, r *http.Request) error {
	d, code, err := h.buildMapRun(r)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return httpError{code, d.FilterErr}
	}
	frags := map[string]string{}
	for _, name := range []string{"maprun-head", "maprun-counts", "child-rows"} {
		s, err := h.fragment("maprun", name, view{Prefix: h.opts.Prefix, Data: d})
		if err != nil {
			return err
		}
		frags[name] = s
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": d.Run.Status, "running": d.Running, "fragments": frags})
	return nil
}

// listMapRuns reads an execution's map runs for its page; the string words
// a failure ("" when there is none, or when the server has no map runs).
func (h *Handler) listMapRuns(ctx context.Context, arn string, an *Analysis) ([]mapRunRow, string) {
	runs, err := h.b.ListMapRuns(ctx, arn)
	if err != nil {
		if errors.Is(err, ErrNotAvailable) {
			return nil, ""
		}
		return nil, problem("The map runs", err)
	}
	states := mapRunStates(an)
	rows := make([]mapRunRow, 0, len(runs))
	for _, m := range runs {
		rows = append(rows, h.newMapRunRow(m, states[m.Arn]))
	}
	return rows, ""
}

// shortArn returns the part of an ARN after its last colon.
func shortArn(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 && i+1 < len(arn) {
		return arn[i+1:]
	}
	return arn
}
