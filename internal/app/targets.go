package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/integrations"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// targets delivers what schedules and event rules send to their targets:
// a state machine (StartExecution), a Lambda function (asynchronous
// Invoke), an SQS queue (SendMessage), or a universal target
// (arn:aws:scheduler:::aws-sdk:<service>:<action>, the input being the
// API request).
type targets struct {
	sdk       map[string]integrations.Caller
	publicURL string
	invoke    func(ctx context.Context, function string, payload []byte) error
}

// deliver sends input to the target arn; group is the SQS message group
// of a FIFO queue target.
func (t *targets) deliver(ctx context.Context, arn string, input []byte, group string) error {
	if len(input) == 0 {
		input = []byte("{}")
	}
	if rest, ok := strings.CutPrefix(arn, "arn:aws:scheduler:::aws-sdk:"); ok {
		svc, action, _ := strings.Cut(rest, ":")
		call := t.sdk[svc]
		if call == nil {
			return fmt.Errorf("Stepflow does not emulate the service of the universal target %s", arn)
		}
		if svc == "sfn" {
			v, err := jsonv.Parse(input)
			if err != nil {
				return fmt.Errorf("the input of %s is not JSON: %w", arn, err)
			}
			input = []byte(jsonv.Marshal(lowerKeys(v)))
		}
		_, err := call(ctx, upper(action), input)
		return err
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return fmt.Errorf("target %q is not an ARN", arn)
	}
	switch parts[2] {
	case "states":
		req, _ := json.Marshal(map[string]string{"stateMachineArn": arn, "input": string(input)})
		return t.call(ctx, "sfn", "StartExecution", req)
	case "sqs":
		m := map[string]any{"QueueUrl": t.publicURL + "/" + parts[4] + "/" + parts[5], "MessageBody": string(input)}
		if group != "" {
			m["MessageGroupId"] = group
		}
		req, _ := json.Marshal(m)
		return t.call(ctx, "sqs", "SendMessage", req)
	case "lambda":
		if t.invoke == nil {
			return errors.New("Lambda is not available in this Stepflow")
		}
		return t.invoke(ctx, arn, input)
	}
	return fmt.Errorf("Stepflow cannot deliver to %s: targets may be state machines, Lambda functions, SQS queues or universal targets", arn)
}

func (t *targets) call(ctx context.Context, svc, action string, req []byte) error {
	call := t.sdk[svc]
	if call == nil {
		return fmt.Errorf("%s is not available in this Stepflow", svc)
	}
	_, err := call(ctx, action, req)
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		return fmt.Errorf("%s %s: %s: %s", svc, action, ae.Code, ae.Message)
	}
	return err
}

// deadLetter sends an undeliverable invocation to a queue by its ARN.
func (t *targets) deadLetter(ctx context.Context, queueArn string, body []byte) error {
	return t.deliver(ctx, queueArn, body, "")
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// lowerKeys lower-cases the first letter of every object key (the
// PascalCase of SDK requests → Step Functions' camelCase wire names).
func lowerKeys(v jsonv.Value) jsonv.Value {
	switch v := v.(type) {
	case *jsonv.Object:
		o := jsonv.NewObject(v.Len())
		for _, m := range v.Members {
			k := m.Key
			if k != "" {
				k = strings.ToLower(k[:1]) + k[1:]
			}
			o.Set(k, lowerKeys(m.Value))
		}
		return o
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = lowerKeys(e)
		}
		return a
	}
	return v
}
