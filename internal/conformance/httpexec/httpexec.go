// Package httpexec runs conformance cases through the Step Functions API of
// a running Stepflow server: CreateStateMachine, StartExecution,
// DescribeExecution and GetExecutionHistory (for EXPRESS machines, the
// execution's CloudWatch Logs events, as AWS was recorded),
// ValidateStateMachineDefinition and TestState, over HTTP in the awsJson
// protocols, so the pass table measures the service as clients see it.
package httpexec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Executor implements conformance.Executor against a server at Endpoint.
type Executor struct {
	Endpoint string // e.g. http://127.0.0.1:8083
	Client   *http.Client
	RoleArn  string // ["arn:aws:iam::111111111111:role/stepflow-conformance-role"]
	seq      atomic.Int64
}

var _ conformance.Executor = (*Executor)(nil)

// apiError is an AWS error answer.
type apiError struct {
	Code, Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// call posts one Step Functions action and decodes the JSON answer.
func (x *Executor) call(ctx context.Context, action string, req any) (*jsonv.Object, error) {
	return x.callTarget(ctx, "AWSStepFunctions."+action, "application/x-amz-json-1.0", req)
}

// callTarget posts one awsJson action (X-Amz-Target target) and decodes the
// JSON answer.
func (x *Executor) callTarget(ctx context.Context, target, contentType string, req any) (*jsonv.Object, error) {
	action := target[strings.IndexByte(target, '.')+1:]
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, x.Endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", contentType)
	hr.Header.Set("X-Amz-Target", target)
	client := x.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: answer is not JSON: %w", action, err)
	}
	o, _ := v.(*jsonv.Object)
	if o == nil {
		return nil, fmt.Errorf("%s: answer is not an object", action)
	}
	if resp.StatusCode != http.StatusOK {
		typ, _ := o.Get("__type")
		msg, ok := o.Get("message")
		if !ok {
			msg, _ = o.Get("Message")
		}
		code, _ := typ.(string)
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		m, _ := msg.(string)
		return nil, &apiError{Code: code, Message: m}
	}
	return o, nil
}

func str(o *jsonv.Object, k string) string {
	v, _ := o.Get(k)
	s, _ := v.(string)
	return s
}

// Run runs one case over HTTP.
func (x *Executor) Run(ctx context.Context, c *conformance.Case) (jsonv.Value, error) {
	switch c.Kind {
	case conformance.KindExecution, conformance.KindExecutionOutput, conformance.KindStartExecutionError:
		return x.execution(ctx, c)
	case conformance.KindValidateDefinition:
		typ, _ := c.RequestString("type")
		req := map[string]any{"definition": c.Definition}
		if typ != "" {
			req["type"] = typ
		}
		return errorAsResponse(x.call(ctx, "ValidateStateMachineDefinition", req))
	case conformance.KindCreateStateMachineError:
		_, err := x.create(ctx, c)
		return errorAsResponse(nil, err)
	case conformance.KindSyncExecution:
		sm, err := x.create(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("create state machine: %w", err)
		}
		req := map[string]any{"stateMachineArn": str(sm, "stateMachineArn"), "name": "StepflowSync" + strconv.FormatInt(x.seq.Add(1), 36)}
		if c.Input != nil {
			req["input"] = *c.Input
		}
		o, err := x.call(ctx, "StartSyncExecution", req)
		if err != nil {
			return errorAsResponse(o, err)
		}
		return isoTimestamps(o), nil
	case conformance.KindTestState, conformance.KindTestStateError:
		req := map[string]any{"definition": c.Definition}
		if c.Input != nil {
			req["input"] = *c.Input
		}
		for _, m := range c.Request.Members {
			req[m.Key] = json.RawMessage(jsonv.Marshal(m.Value))
		}
		if _, ok := req["roleArn"]; ok {
			req["roleArn"] = x.role()
		}
		return errorAsResponse(x.call(ctx, "TestState", req))
	case conformance.KindDescribeStateMachine:
		sm, err := x.create(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("create state machine: %w", err)
		}
		arn := str(sm, "stateMachineArn")
		if op, _ := c.RequestString("operation"); op == "start_execution" {
			req := map[string]any{"stateMachineArn": arn}
			if c.Input != nil {
				req["input"] = *c.Input
			}
			ex, err := x.call(ctx, "StartExecution", req)
			if err != nil {
				return nil, fmt.Errorf("start execution: %w", err)
			}
			o, err := x.call(ctx, "DescribeStateMachineForExecution", map[string]any{"executionArn": str(ex, "executionArn")})
			if err != nil {
				return errorAsResponse(o, err)
			}
			return isoTimestamps(o), nil
		}
		o, err := x.call(ctx, "DescribeStateMachine", map[string]any{"stateMachineArn": arn})
		if err != nil {
			return errorAsResponse(o, err)
		}
		return isoTimestamps(o), nil
	}
	return nil, fmt.Errorf("kind %s over HTTP: %w", c.Kind, conformance.ErrUnsupported)
}

// errorAsResponse turns an API error into the case's error shape.
func errorAsResponse(o *jsonv.Object, err error) (jsonv.Value, error) {
	if ae, ok := err.(*apiError); ok {
		return conformance.ErrorResponse(ae.Code, ae.Message), nil
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

func (x *Executor) role() string {
	if x.RoleArn != "" {
		return x.RoleArn
	}
	return "arn:aws:iam::111111111111:role/stepflow-conformance-role"
}

func (x *Executor) create(ctx context.Context, c *conformance.Case) (*jsonv.Object, error) {
	return x.createLogged(ctx, c, "")
}

// createLogged creates the case's state machine; with logGroupArn set, it
// logs ALL its executions' events, with their data, to that group.
func (x *Executor) createLogged(ctx context.Context, c *conformance.Case, logGroupArn string) (*jsonv.Object, error) {
	role := x.role()
	typ := c.StateMachineType
	if t, ok := c.RequestString("type"); ok && typ == "" {
		typ = t
	}
	req := map[string]any{
		"name":       "StepflowMachine" + strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.FormatInt(x.seq.Add(1), 36),
		"definition": c.Definition,
		"roleArn":    role,
	}
	if typ != "" {
		req["type"] = typ
	}
	if d, ok := c.RequestString("versionDescription"); ok {
		req["versionDescription"] = d
	}
	if logGroupArn != "" {
		req["loggingConfiguration"] = map[string]any{"level": "ALL", "includeExecutionData": true,
			"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": logGroupArn}}}}
	}
	return x.call(ctx, "CreateStateMachine", req)
}

// expressExecution runs an EXPRESS case as AWS was recorded: there is no
// DescribeExecution or history, so the state machine logs its executions to
// a CloudWatch Logs group, and the outcome is read back from the group's
// events ("logEvents", the parsed messages oldest first).
func (x *Executor) expressExecution(ctx context.Context, c *conformance.Case) (jsonv.Value, error) {
	const logs, logsType = "Logs_20140328.", "application/x-amz-json-1.1"
	group := "/stepflow/conformance/" + strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.FormatInt(x.seq.Add(1), 36)
	if _, err := x.callTarget(ctx, logs+"CreateLogGroup", logsType, map[string]any{"logGroupName": group}); err != nil {
		return nil, fmt.Errorf("create log group: %w", err)
	}
	sm, err := x.createLogged(ctx, c, "arn:aws:logs:us-east-1:111111111111:log-group:"+group+":*")
	if err != nil {
		return nil, fmt.Errorf("create state machine: %w", err)
	}
	req := map[string]any{"stateMachineArn": str(sm, "stateMachineArn")}
	if c.Input != nil {
		req["input"] = *c.Input
	}
	started, err := x.call(ctx, "StartExecution", req)
	if err != nil {
		return nil, fmt.Errorf("start execution: %w", err)
	}
	arn := str(started, "executionArn")
	for {
		page, err := x.callTarget(ctx, logs+"FilterLogEvents", logsType, map[string]any{"logGroupName": group})
		if err != nil {
			return nil, fmt.Errorf("read the execution's log: %w", err)
		}
		var events []any
		list, _ := page.Get("events")
		items, _ := list.([]any)
		for _, item := range items {
			o, _ := item.(*jsonv.Object)
			msg, err := jsonv.ParseString(str(o, "message"))
			if ev, ok := msg.(*jsonv.Object); err == nil && ok && str(ev, "execution_arn") == arn {
				events = append(events, ev)
			}
		}
		if out := expressOutcome(arn, events); out != nil {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// expressOutcome is an EXPRESS execution's result from its log events, or
// nil until its terminal event is logged.
func expressOutcome(arn string, events []any) *jsonv.Object {
	if len(events) == 0 {
		return nil
	}
	last := events[len(events)-1].(*jsonv.Object)
	typ := str(last, "type")
	status, ok := map[string]string{"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED",
		"ExecutionAborted": "ABORTED", "ExecutionTimedOut": "TIMED_OUT"}[typ]
	if !ok {
		return nil
	}
	out := jsonv.NewObject(6)
	out.Set("executionArn", arn)
	out.Set("status", status)
	details, _ := last.Get("details")
	if d, isObj := details.(*jsonv.Object); isObj {
		for _, k := range []string{"output", "error", "cause"} {
			if v, has := d.Get(k); has {
				out.Set(k, v)
			}
		}
	}
	out.Set("logEvents", events)
	return out
}

func (x *Executor) execution(ctx context.Context, c *conformance.Case) (jsonv.Value, error) {
	if c.StateMachineType == "EXPRESS" && c.Kind != conformance.KindStartExecutionError {
		return x.expressExecution(ctx, c)
	}
	sm, err := x.create(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("create state machine: %w", err)
	}
	req := map[string]any{
		"stateMachineArn": str(sm, "stateMachineArn"),
		"name":            "StepflowExecution" + strconv.FormatInt(x.seq.Add(1), 36),
	}
	if c.Input != nil {
		req["input"] = *c.Input
	}
	started, err := x.call(ctx, "StartExecution", req)
	if c.Kind == conformance.KindStartExecutionError {
		return errorAsResponse(started, err)
	}
	if err != nil {
		return nil, fmt.Errorf("start execution: %w", err)
	}
	arn := str(started, "executionArn")
	var desc *jsonv.Object
	for {
		desc, err = x.call(ctx, "DescribeExecution", map[string]any{"executionArn": arn})
		if err != nil {
			return nil, err
		}
		if str(desc, "status") != "RUNNING" {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	var events []any
	token := ""
	for {
		req := map[string]any{"executionArn": arn, "maxResults": 1000}
		if token != "" {
			req["nextToken"] = token
		}
		page, err := x.call(ctx, "GetExecutionHistory", req)
		if err != nil {
			return nil, err
		}
		list, _ := page.Get("events")
		for _, e := range list.([]any) {
			events = append(events, isoTimestamps(e))
		}
		if token = str(page, "nextToken"); token == "" {
			break
		}
	}
	out := isoTimestamps(desc).(*jsonv.Object)
	out.Set("history", events)
	return out, nil
}

// isoTimestamps rewrites the awsJson epoch-second numbers of date fields to
// ISO-8601 text, the form the recorded cases hold.
func isoTimestamps(v jsonv.Value) jsonv.Value {
	o, ok := v.(*jsonv.Object)
	if !ok {
		return v
	}
	out := jsonv.NewObject(o.Len())
	for _, m := range o.Members {
		val := m.Value
		if n, isNum := val.(jsonv.Number); isNum && (strings.HasSuffix(m.Key, "Date") || m.Key == "timestamp") {
			f := n.Float64()
			sec, frac := math.Modf(f)
			val = time.Unix(int64(sec), int64(frac*1e9)).UTC().Format("2006-01-02T15:04:05.000Z")
		} else if sub, isObj := val.(*jsonv.Object); isObj {
			val = isoTimestamps(sub)
		}
		out.Members = append(out.Members, jsonv.Member{Key: m.Key, Value: val})
	}
	return out
}
