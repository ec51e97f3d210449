package integrations

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// startExecution runs arn:aws:states:::states:startExecution: request-
// response (the new execution's ARN and start date), .sync (waits; the
// child's output as a JSON string), .sync:2 (waits; input and output as
// JSON) and .waitForTaskToken.
//
// A child started without a Name gets one derived from the parent's task,
// so a task that runs again after a restart finds the child it started
// instead of starting a second one. Stopping the parent (or any end of the
// Task) stops a .sync child.
func (in *Integrations) startExecution(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	call := in.cfg.SDK["sfn"]
	if call == nil {
		return nil, failed("Step Functions is not available to Tasks in this Stepflow")
	}
	r, _ := parseResource(t.Resource)
	p, _ := t.Parameters.(*jsonv.Object)
	if p == nil {
		p = jsonv.NewObject(0)
	}
	smArn := stringParam(p, "StateMachineArn")
	if smArn == "" {
		return nil, errMissing(t.Resource, "StateMachineArn")
	}
	input := "{}"
	if v, ok := p.Get("Input"); ok {
		if s, isString := v.(string); isString {
			input = s
		} else {
			input = jsonv.Marshal(v)
		}
	}
	name := stringParam(p, "Name")
	derived := name == ""
	if derived {
		name = childName(t.ExecutionArn, t.TaskID)
	}
	req := jsonv.NewObject(4)
	req.Set("stateMachineArn", smArn)
	req.Set("name", name)
	req.Set("input", input)
	if th := stringParam(p, "TraceHeader"); th != "" {
		req.Set("traceHeader", th)
	}
	reqID := in.cfg.NewRequestID()
	out, err := call(ctx, "StartExecution", []byte(jsonv.Marshal(req)))
	var arn string
	var ae *awsproto.Error
	switch {
	case err == nil:
		v, perr := jsonv.Parse(out)
		if perr != nil {
			return nil, failed("StartExecution answered no JSON: " + perr.Error())
		}
		o, _ := v.(*jsonv.Object)
		if o == nil {
			return nil, failed("StartExecution answered no object")
		}
		arn = stringParam(o, "executionArn")
		if r.pattern == "" {
			res := jsonv.NewObject(2)
			res.Set("ExecutionArn", arn)
			sd, _ := o.Get("startDate")
			res.Set("StartDate", epochMillis(sd))
			return withSdkMetadata(res, "application/x-amz-json-1.0", len(out), reqID, in.cfg.Now()), nil
		}
	case derived && r.pattern != "" && errors.As(err, &ae) && ae.Code == "ExecutionAlreadyExists":
		// This task started the child before a restart: follow it.
		arn = executionArn(smArn, name)
	default:
		return nil, v1Error("sfn", "StepFunctions", "AWSStepFunctions", err, reqID)
	}

	switch r.pattern {
	case "waitForTaskToken":
		return nil, runner.ErrCallback
	case "sync", "sync:2":
	default:
		return nil, failed("Stepflow does not support the integration pattern ." + r.pattern + " of " + t.Resource)
	}
	if in.cfg.Wait == nil {
		return nil, failed("Step Functions .sync is not available in this Stepflow")
	}
	if err := in.cfg.Wait(ctx, arn); err != nil {
		if errors.Is(context.Cause(ctx), runner.ErrTaskCancelled) {
			stop := jsonv.NewObject(3)
			stop.Set("executionArn", arn)
			call(context.WithoutCancel(ctx), "StopExecution", []byte(jsonv.Marshal(stop)))
		}
		return nil, err
	}
	d := jsonv.NewObject(1)
	d.Set("executionArn", arn)
	out, err = call(ctx, "DescribeExecution", []byte(jsonv.Marshal(d)))
	if err != nil {
		return nil, v1Error("sfn", "StepFunctions", "AWSStepFunctions", err, reqID)
	}
	v, err := jsonv.Parse(out)
	if err != nil {
		return nil, failed("DescribeExecution answered no JSON: " + err.Error())
	}
	desc, _ := v.(*jsonv.Object)
	if desc == nil {
		return nil, failed("DescribeExecution answered no object")
	}
	res := describeResult(desc, r.pattern == "sync:2")
	if stringParam(desc, "status") != "SUCCEEDED" {
		return nil, &runner.TaskError{Name: "States.TaskFailed", Cause: jsonv.Marshal(res)}
	}
	return withSdkMetadata(res, "application/x-amz-json-1.0", len(out), reqID, in.cfg.Now()), nil
}

// describeResult is a DescribeExecution answer as a .sync Task returns it:
// PascalCase members, dates in epoch milliseconds, and for .sync:2 the
// input and output as JSON rather than JSON text.
func describeResult(desc *jsonv.Object, parsed bool) *jsonv.Object {
	res := jsonv.NewObject(desc.Len())
	for _, k := range desc.Keys() {
		v, _ := desc.Get(k)
		switch k {
		case "startDate", "stopDate", "redriveDate":
			v = epochMillis(v)
		case "input", "output":
			if s, ok := v.(string); ok && parsed {
				if pv, err := jsonv.ParseString(s); err == nil {
					v = pv
				}
			}
		default:
			v = renameKeys(v, upperFirst)
		}
		res.Set(upperFirst(k), v)
	}
	return res
}

// epochMillis turns the API's epoch seconds (with a fraction) into epoch
// milliseconds, as the Java SDK v1 serializes dates.
func epochMillis(v jsonv.Value) jsonv.Value {
	n, ok := v.(jsonv.Number)
	if !ok {
		return v
	}
	return jsonv.Int(int64(math.Round(n.Float64() * 1000)))
}

// childName derives the name of a child execution from the task that
// starts it: a UUID, the form of the names AWS generates.
func childName(parentArn, taskID string) string {
	h := sha256.Sum256([]byte(parentArn + "\x00" + taskID))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// executionArn is the ARN of a STANDARD execution of a state machine
// (given by its ARN, possibly with a version or alias qualifier).
func executionArn(stateMachineArn, name string) string {
	const marker = ":stateMachine:"
	i := strings.Index(stateMachineArn, marker)
	if i < 0 {
		return stateMachineArn + ":" + name
	}
	base, _, _ := strings.Cut(stateMachineArn[i+len(marker):], ":")
	return stateMachineArn[:i] + ":execution:" + base + ":" + name
}
