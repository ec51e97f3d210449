package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/console"
	"github.com/stepflow/stepflow/internal/services/ses"
	"github.com/stepflow/stepflow/internal/store"
)

// consoleBackend is the console.Backend of a running server: it reads the
// store and the services, and acts through the Step Functions API.
type consoleBackend struct{ s *Server }

var _ console.Backend = consoleBackend{}

// sfn runs a Step Functions action and decodes its answer into out.
func (b consoleBackend) sfn(ctx context.Context, action string, in, out any) error {
	body, _ := json.Marshal(in)
	res, err := callJSON(ctx, "sfn", b.s.sfn.Handle, action, body)
	if err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) {
			if strings.HasSuffix(ae.Code, "DoesNotExist") {
				return console.ErrNotFound
			}
			return errors.New(ae.Code + ": " + ae.Message)
		}
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(res, out)
}

// epoch is the API's epoch seconds with a fraction.
type epoch float64

func (e epoch) time() time.Time {
	if e == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(float64(e) * 1000)).UTC()
}

func (b consoleBackend) ListStateMachines(ctx context.Context, token string, limit int) (console.StateMachinePage, error) {
	var out struct {
		StateMachines []struct {
			StateMachineArn, Name, Type string
			CreationDate                epoch
		}
		NextToken string
	}
	in := map[string]any{"maxResults": limit}
	if token != "" {
		in["nextToken"] = token
	}
	if err := b.sfn(ctx, "ListStateMachines", in, &out); err != nil {
		return console.StateMachinePage{}, err
	}
	page := console.StateMachinePage{NextToken: out.NextToken}
	for _, m := range out.StateMachines {
		sm := console.StateMachine{Arn: m.StateMachineArn, Name: m.Name, Type: m.Type, CreationDate: m.CreationDate.time()}
		versions, aliases := b.versionsAndAliases(ctx, m.StateMachineArn)
		if len(versions) > 0 {
			sm.LatestVersion = versions[0].Number
		}
		for _, a := range aliases {
			sm.Aliases = append(sm.Aliases, a.Name)
		}
		page.StateMachines = append(page.StateMachines, sm)
	}
	return page, nil
}

func (b consoleBackend) versionsAndAliases(ctx context.Context, arn string) ([]console.Version, []console.Alias) {
	var vs struct {
		StateMachineVersions []struct {
			StateMachineVersionArn string
			CreationDate           epoch
		}
	}
	b.sfn(ctx, "ListStateMachineVersions", map[string]any{"stateMachineArn": arn}, &vs)
	var versions []console.Version
	for _, v := range vs.StateMachineVersions {
		versions = append(versions, console.Version{Arn: v.StateMachineVersionArn,
			Number: v.StateMachineVersionArn[strings.LastIndexByte(v.StateMachineVersionArn, ':')+1:], CreationDate: v.CreationDate.time()})
	}
	var as struct {
		StateMachineAliases []struct {
			StateMachineAliasArn string
			CreationDate         epoch
		}
	}
	b.sfn(ctx, "ListStateMachineAliases", map[string]any{"stateMachineArn": arn}, &as)
	var aliases []console.Alias
	for _, a := range as.StateMachineAliases {
		var d struct {
			Name, Description    string
			CreationDate         epoch
			RoutingConfiguration []struct {
				StateMachineVersionArn string
				Weight                 int
			}
		}
		b.sfn(ctx, "DescribeStateMachineAlias", map[string]any{"stateMachineAliasArn": a.StateMachineAliasArn}, &d)
		al := console.Alias{Arn: a.StateMachineAliasArn, Name: d.Name, Description: d.Description, CreationDate: a.CreationDate.time()}
		for _, r := range d.RoutingConfiguration {
			al.Routing = append(al.Routing, console.Route{VersionArn: r.StateMachineVersionArn, Weight: r.Weight})
		}
		aliases = append(aliases, al)
	}
	return versions, aliases
}

func (b consoleBackend) DescribeStateMachine(ctx context.Context, arn string) (console.StateMachineDetail, error) {
	var d struct {
		StateMachineArn, Name, Type, Status, Definition, RoleArn, Description string
		CreationDate                                                          epoch
	}
	if err := b.sfn(ctx, "DescribeStateMachine", map[string]any{"stateMachineArn": arn}, &d); err != nil {
		return console.StateMachineDetail{}, err
	}
	out := console.StateMachineDetail{
		StateMachine: console.StateMachine{Arn: d.StateMachineArn, Name: d.Name, Type: d.Type, CreationDate: d.CreationDate.time()},
		Status:       d.Status, Definition: d.Definition, RoleArn: d.RoleArn, Description: d.Description,
	}
	out.Versions, out.AliasList = b.versionsAndAliases(ctx, arn)
	if len(out.Versions) > 0 {
		out.LatestVersion = out.Versions[0].Number
	}
	for _, a := range out.AliasList {
		out.Aliases = append(out.Aliases, a.Name)
	}
	return out, nil
}

// searchScan bounds how many executions a content search reads.
const searchScan = 5000

func (b consoleBackend) ListExecutions(ctx context.Context, f console.ExecutionFilter) (console.ExecutionPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	var page console.ExecutionPage
	after := f.Token
	scanned := 0
	for len(page.Executions) < limit && scanned < searchScan {
		rows, next, err := b.s.db.ListExecutions(ctx, store.ListExecutionsFilter{
			StateMachineArn: f.StateMachineArn, MapRunArn: f.MapRunArn, Status: f.Status, Limit: 100, After: after})
		if errors.Is(err, store.ErrInvalidCursor) {
			return page, errors.New("InvalidToken: the page token is not valid any more: reload the list")
		}
		if err != nil {
			return page, err
		}
		for i, e := range rows {
			scanned++
			if !matches(ctx, b.s.db, e, f) {
				continue
			}
			page.Executions = append(page.Executions, summary(e))
			if len(page.Executions) == limit {
				if i < len(rows)-1 || next != "" {
					// Resume after this row: re-list from its cursor.
					page.NextToken = cursorAfter(ctx, b.s.db, f, after, i)
				}
				return page, nil
			}
		}
		if next == "" {
			return page, nil
		}
		after = next
	}
	page.NextToken = after
	return page, nil
}

// cursorAfter returns the cursor that lists the executions after the i-th
// row of the page that after starts.
func cursorAfter(ctx context.Context, db store.Store, f console.ExecutionFilter, after string, i int) string {
	_, next, err := db.ListExecutions(ctx, store.ListExecutionsFilter{StateMachineArn: f.StateMachineArn, MapRunArn: f.MapRunArn,
		Status: f.Status, Limit: i + 1, After: after})
	if err != nil {
		return ""
	}
	return next
}

// matches applies the filters the store does not.
func matches(ctx context.Context, db store.Store, e store.Execution, f console.ExecutionFilter) bool {
	if f.NamePrefix != "" && !strings.HasPrefix(e.Name, f.NamePrefix) {
		return false
	}
	if !f.StartedAfter.IsZero() && e.StartDate.Before(f.StartedAfter) {
		return false
	}
	if !f.StartedBefore.IsZero() && e.StartDate.After(f.StartedBefore) {
		return false
	}
	if f.Search != "" {
		full, err := db.GetExecution(ctx, e.Arn)
		if err != nil || !(strings.Contains(full.Input, f.Search) || strings.Contains(full.Output, f.Search)) {
			return false
		}
	}
	return true
}

func summary(e store.Execution) console.ExecutionSummary {
	return console.ExecutionSummary{Arn: e.Arn, Name: e.Name, StateMachineArn: e.StateMachineArn,
		StateMachineName: e.StateMachineArn[strings.LastIndexByte(e.StateMachineArn, ':')+1:],
		Status:           e.Status, StartDate: e.StartDate, StopDate: e.StopDate, MapRunArn: e.MapRunArn, ItemCount: e.ItemCount}
}

func (b consoleBackend) DescribeExecution(ctx context.Context, arn string) (console.Execution, error) {
	e, err := b.s.db.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return console.Execution{}, console.ErrNotFound
	}
	if err != nil {
		return console.Execution{}, err
	}
	out := console.Execution{ExecutionSummary: summary(e), Input: e.Input, Output: e.Output, Error: e.Error, Cause: e.Cause,
		Definition: e.Definition, RedriveCount: e.RedriveCount, VersionArn: e.VersionArn, AliasArn: e.AliasArn, StateMachineType: e.Type}
	var in map[string]any
	if json.Unmarshal([]byte(e.Input), &in) == nil {
		if p, ok := in["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"].(string); ok {
			out.ParentArn = p
		}
	}
	switch e.Status {
	case "FAILED", "TIMED_OUT", "ABORTED":
		out.RedriveStatus = "REDRIVABLE"
	default:
		out.RedriveStatus = "NOT_REDRIVABLE"
	}
	if e.MapRunArn != "" {
		// A distributed Map's child runs the Map state's ItemProcessor,
		// which the map run keeps (the child's own row has no definition),
		// and is redriven only with its parent.
		out.RedriveStatus = "NOT_REDRIVABLE"
		m, err := b.s.db.GetMapRun(ctx, e.MapRunArn)
		switch {
		case err == nil:
			out.Definition = m.Definition
		case !errors.Is(err, store.ErrNotFound):
			return console.Execution{}, err
		}
	}
	return out, nil
}

// mapRunsPage is how many map runs one store call lists, and maxMapRuns
// how many an execution page shows.
const (
	mapRunsPage = 100
	maxMapRuns  = 1000
)

func (b consoleBackend) ListMapRuns(ctx context.Context, executionArn string) ([]console.MapRun, error) {
	var out []console.MapRun
	after := ""
	for len(out) < maxMapRuns {
		runs, next, err := b.s.db.ListMapRuns(ctx, executionArn, mapRunsPage, after)
		if err != nil {
			return nil, err
		}
		for _, m := range runs {
			out = append(out, mapRun(m))
		}
		if next == "" {
			break
		}
		after = next
	}
	return out, nil
}

func (b consoleBackend) DescribeMapRun(ctx context.Context, arn string) (console.MapRun, error) {
	m, err := b.s.db.GetMapRun(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return console.MapRun{}, fmt.Errorf("ResourceNotFound: Resource Not Found: '%s': %w", arn, console.ErrNotFound)
	}
	if err != nil {
		return console.MapRun{}, err
	}
	return mapRun(m), nil
}

// mapRun converts a stored map run, with the counts DescribeMapRun shows.
func mapRun(m store.MapRun) console.MapRun {
	out := console.MapRun{Arn: m.Arn, ExecutionArn: m.ExecutionArn, StateMachineArn: m.StateMachineArn, Status: m.Status,
		StartDate: m.StartDate, StopDate: m.StopDate, MaxConcurrency: m.MaxConcurrency,
		ToleratedFailureCount: m.ToleratedFailureCount, ToleratedFailurePercentage: m.ToleratedFailurePercentage,
		ItemsTotal: m.ItemsTotal, ItemsSucceeded: m.ItemsSucceeded, ItemsFailed: m.ItemsFailed, Definition: m.Definition}
	out.ItemsRunning, out.ItemsPending, out.ItemsAborted = m.Unfinished()
	return out
}

func (b consoleBackend) GetHistory(ctx context.Context, arn string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	token := ""
	for {
		in := map[string]any{"executionArn": arn, "maxResults": 1000, "includeExecutionData": true}
		if token != "" {
			in["nextToken"] = token
		}
		var out struct {
			Events    []json.RawMessage
			NextToken string
		}
		if err := b.sfn(ctx, "GetExecutionHistory", in, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Events...)
		if out.NextToken == "" {
			return all, nil
		}
		token = out.NextToken
	}
}

func (b consoleBackend) StartExecution(ctx context.Context, smArn, name, input string) (string, error) {
	in := map[string]any{"stateMachineArn": smArn, "input": input}
	if name != "" {
		in["name"] = name
	}
	var out struct{ ExecutionArn string }
	err := b.sfn(ctx, "StartExecution", in, &out)
	return out.ExecutionArn, err
}

func (b consoleBackend) StopExecution(ctx context.Context, arn, errorCode, cause string) error {
	in := map[string]any{"executionArn": arn}
	if errorCode != "" {
		in["error"] = errorCode
	}
	if cause != "" {
		in["cause"] = cause
	}
	return b.sfn(ctx, "StopExecution", in, nil)
}

func (b consoleBackend) RedriveExecution(ctx context.Context, arn string) error {
	return b.sfn(ctx, "RedriveExecution", map[string]any{"executionArn": arn}, nil)
}

func (b consoleBackend) SendTaskSuccess(ctx context.Context, token, output string) error {
	return b.sfn(ctx, "SendTaskSuccess", map[string]any{"taskToken": token, "output": output}, nil)
}

func (b consoleBackend) SendTaskFailure(ctx context.Context, token, errorCode, cause string) error {
	return b.sfn(ctx, "SendTaskFailure", map[string]any{"taskToken": token, "error": errorCode, "cause": cause}, nil)
}

func (b consoleBackend) PendingCallbacks(ctx context.Context, arn string) ([]console.Callback, error) {
	var out []console.Callback
	for _, t := range b.s.runner.PendingCallbacks(arn) {
		out = append(out, console.Callback{TaskToken: t.TaskToken, StateName: t.StateName, Resource: t.Resource})
	}
	return out, nil
}

func (b consoleBackend) Outbox(ctx context.Context, limit int) ([]console.Email, error) {
	msgs, err := b.s.ses.Outbox(ctx, ses.Filter{Limit: limit, NoContent: true})
	if err != nil {
		return nil, err
	}
	var out []console.Email
	for _, m := range msgs {
		out = append(out, console.Email{ID: m.ID, From: m.From, To: m.To, Subject: m.Subject, Date: m.Date,
			Status: m.Delivery.Status, Link: ses.OutboxPath + "/" + m.ID})
	}
	return out, nil
}

func (b consoleBackend) Queues(ctx context.Context) ([]console.Queue, error) {
	stats, err := b.s.sqs.Stats(ctx)
	if err != nil {
		return nil, err
	}
	var out []console.Queue
	for _, q := range stats {
		out = append(out, console.Queue{Name: q.Name, URL: q.URL, Visible: int(q.Visible), InFlight: int(q.InFlight), Delayed: int(q.Delayed)})
	}
	return out, nil
}

func (b consoleBackend) PeekQueue(ctx context.Context, url string, n int) ([]console.QueueMessage, error) {
	msgs, err := b.s.sqs.Peek(ctx, url, n)
	if err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) && strings.Contains(ae.Code, "QueueDoesNotExist") {
			return nil, console.ErrNotFound
		}
		return nil, err
	}
	var out []console.QueueMessage
	for _, m := range msgs {
		out = append(out, console.QueueMessage{MessageID: m.MessageID, Body: m.Body, SentAt: m.Sent,
			ReceiveCount: m.ReceiveCount, GroupID: m.GroupID})
	}
	return out, nil
}

func (b consoleBackend) Schedules(ctx context.Context) ([]console.Schedule, error) {
	next, err := b.s.scheduler.NextFireTimes(ctx)
	if err != nil {
		return nil, err
	}
	var out []console.Schedule
	for _, n := range next {
		sc := console.Schedule{Group: n.Group, Name: n.Name, NextFire: n.DueTime, Target: n.TargetArn, State: "ENABLED"}
		var d struct {
			ScheduleExpression, ScheduleExpressionTimezone, State string
		}
		body, _ := json.Marshal(map[string]string{"Name": n.Name, "GroupName": n.Group})
		if res, err := b.s.scheduler.Call(ctx, "GetSchedule", body); err == nil && json.Unmarshal(res, &d) == nil {
			sc.Expression, sc.Timezone, sc.State = d.ScheduleExpression, d.ScheduleExpressionTimezone, d.State
		}
		out = append(out, sc)
	}
	return out, nil
}

func (b consoleBackend) Functions(ctx context.Context) ([]console.Function, error) {
	var out []console.Function
	marker := ""
	for {
		in := map[string]any{"MaxItems": 50}
		if marker != "" {
			in["Marker"] = marker
		}
		body, _ := json.Marshal(in)
		res, err := b.s.lambda.Call(ctx, "ListFunctions", body)
		if err != nil {
			return nil, err
		}
		var page struct {
			Functions []struct {
				FunctionName, FunctionArn, Runtime, Handler, State, LastModified string
				MemorySize, Timeout                                              int
			}
			NextMarker string
		}
		if err := json.Unmarshal(res, &page); err != nil {
			return nil, err
		}
		for _, f := range page.Functions {
			mod, _ := time.Parse("2006-01-02T15:04:05.000-0700", f.LastModified)
			out = append(out, console.Function{Name: f.FunctionName, Arn: f.FunctionArn, Runtime: f.Runtime, Handler: f.Handler,
				State: f.State, LastModified: mod, MemoryMB: f.MemorySize, TimeoutSec: f.Timeout})
		}
		if page.NextMarker == "" {
			return out, nil
		}
		marker = page.NextMarker
	}
}

func (b consoleBackend) FunctionInvocations(ctx context.Context, name string, n int) ([]console.Invocation, error) {
	invs, err := b.s.lambda.RecentInvocations(ctx, name, n)
	if err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) && ae.Code == "ResourceNotFoundException" {
			return nil, console.ErrNotFound
		}
		return nil, err
	}
	var out []console.Invocation
	for _, i := range invs {
		out = append(out, console.Invocation{RequestID: i.RequestID, Start: i.Start, Duration: i.Duration, Status: i.Status, Log: i.Log})
	}
	return out, nil
}

func (b consoleBackend) Approvals(ctx context.Context, pendingOnly bool) ([]console.Approval, error) {
	recs, err := b.s.approvals.List(ctx, pendingOnly, 200)
	if err != nil {
		return nil, err
	}
	var out []console.Approval
	for _, r := range recs {
		a := console.Approval{ID: r.ID, ExecutionArn: r.ExecutionArn, StateName: r.StateName, Title: r.Title,
			Status: r.Status, Created: r.CreatedAt, Expires: r.ExpiresAt}
		if r.Decision == "" {
			if l, err := b.s.approvals.Links(ctx, r.ID); err == nil {
				a.ApproveURL, a.RejectURL = l.ApproveURL, l.RejectURL
			}
		}
		out = append(out, a)
	}
	return out, nil
}
