package integrations

import (
	"context"
	"errors"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// lambdaFunction runs a Task whose resource is a function ARN: the
// effective input is the payload and the function's answer the result.
func (in *Integrations) lambdaFunction(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	if in.cfg.Invoke == nil {
		return nil, failed("Lambda is not available in this Stepflow")
	}
	resp, reqID, err := in.invoke(ctx, InvokeRequest{FunctionName: t.Resource, Payload: []byte(jsonv.Marshal(t.Parameters))})
	if err != nil {
		return nil, v1Error("lambda", "Lambda", "AWSLambda", err, reqID)
	}
	if resp.FunctionError != "" {
		return nil, functionError(resp.Payload)
	}
	return payloadValue(resp.Payload), nil
}

// lambdaInvoke runs arn:aws:states:::lambda:invoke (and its
// .waitForTaskToken form): the Invoke API's parameters in, the response
// envelope out.
func (in *Integrations) lambdaInvoke(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	if in.cfg.Invoke == nil {
		return nil, failed("Lambda is not available in this Stepflow")
	}
	p, _ := t.Parameters.(*jsonv.Object)
	if p == nil {
		p = jsonv.NewObject(0)
	}
	req := InvokeRequest{
		FunctionName:   stringParam(p, "FunctionName"),
		Qualifier:      stringParam(p, "Qualifier"),
		InvocationType: stringParam(p, "InvocationType"),
		ClientContext:  stringParam(p, "ClientContext"),
	}
	if v, ok := p.Get("Payload"); ok {
		req.Payload = []byte(jsonv.Marshal(v))
	} else {
		req.Payload = []byte("{}")
	}
	callback := t.Token != ""
	if callback && req.InvocationType == "" {
		// The result comes back through the token: do not hold a
		// dispatcher for the function's run.
		req.InvocationType = "Event"
	}
	resp, reqID, err := in.invoke(ctx, req)
	if err != nil {
		return nil, v1Error("lambda", "Lambda", "AWSLambda", err, reqID)
	}
	if resp.FunctionError != "" {
		return nil, functionError(resp.Payload)
	}
	if callback {
		return nil, runner.ErrCallback
	}
	out := jsonv.NewObject(3)
	if resp.ExecutedVersion != "" {
		out.Set("ExecutedVersion", resp.ExecutedVersion)
	}
	if req.InvocationType == "" || req.InvocationType == "RequestResponse" {
		out.Set("Payload", payloadValue(resp.Payload))
	}
	out.Set("StatusCode", jsonv.Int(int64(resp.StatusCode)))
	return withSdkMetadata(out, "application/json", len(resp.Payload), reqID, in.cfg.Now()), nil
}

// invoke calls the function. Step Functions does not cancel a function
// whose Task ends first (a timeout, a stopped execution), so neither does
// this; a shutdown of Stepflow does abandon it (the Task runs again after
// the restart).
func (in *Integrations) invoke(ctx context.Context, req InvokeRequest) (InvokeResponse, string, error) {
	reqID := in.cfg.NewRequestID()
	ictx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(context.Cause(ctx), runner.ErrTaskCancelled) {
			cancel()
		}
	})
	defer stop()
	resp, err := in.cfg.Invoke(ictx, req)
	if err != nil && ictx.Err() != nil && ctx.Err() != nil {
		return resp, reqID, ctx.Err() // shutting down: no result
	}
	return resp, reqID, err
}

// functionError is the Task error of a function that failed: its
// errorType names the error and the payload it answered is the cause, as
// Step Functions reports it.
func functionError(payload []byte) error {
	name := "Lambda.Unknown"
	if v, err := jsonv.Parse(payload); err == nil {
		if o, ok := v.(*jsonv.Object); ok {
			if et, ok := o.Get("errorType"); ok {
				if s, ok := et.(string); ok && s != "" {
					name = s
				}
			}
		}
	}
	cause := string(payload)
	if name == "Lambda.Unknown" && cause == "" {
		cause = "The cause could not be determined because Lambda did not return an error type."
	}
	return &runner.TaskError{Name: name, Cause: cause}
}

// payloadValue is a function's answer as a value: its JSON, or the text as
// a string when it is not JSON.
func payloadValue(b []byte) jsonv.Value {
	if len(b) == 0 {
		return nil
	}
	v, err := jsonv.Parse(b)
	if err != nil {
		return string(b)
	}
	return v
}

// stringParam returns a string parameter, or "".
func stringParam(p *jsonv.Object, name string) string {
	v, _ := p.Get(name)
	s, _ := v.(string)
	return s
}

// errMissing is the failure of a Task that lacks a required parameter.
func errMissing(resource, name string) error {
	return failed("The field '" + name + "' is required by " + strings.TrimPrefix(resource, "arn:aws:states:::"))
}
