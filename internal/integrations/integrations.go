// Package integrations runs the Task states that call other services:
// Lambda functions (a bare function ARN, lambda:invoke), the optimized
// integrations (sqs:sendMessage, dynamodb:getItem/putItem/updateItem/
// deleteItem, states:startExecution with .sync, .sync:2 and
// .waitForTaskToken) and the AWS SDK integrations
// (arn:aws:states:::aws-sdk:<service>:<action>) of every emulated service,
// and a distributed Map's ItemReader and ResultWriter over S3 (itemio.go).
//
// It turns a Task's parameters into a call on the service, and the
// service's answer into the Task's result or error exactly as Step
// Functions shapes them: the optimized integrations answer the way AWS's
// Java SDK v1 serializes responses (members in alphabetical order, with
// SdkHttpMetadata and SdkResponseMetadata) and name errors
// "<Service>.<Code>" with a v1-style cause; the AWS SDK integrations answer
// the response shape and name errors "<Service>.<Code>Exception" with a
// v2-style cause.
//
// The services are reached through plain functions (Caller, Invoke), so
// this package imports none of them; internal/app wires them.
package integrations

import (
	"context"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/runner"
)

// Caller runs one API action of a service with its JSON input (the
// service's own member names, as its JSON protocol sends them) and returns
// the JSON output, or an *awsproto.Error.
type Caller func(ctx context.Context, action string, input []byte) ([]byte, error)

// InvokeRequest is a Lambda Invoke call.
type InvokeRequest struct {
	FunctionName   string
	Qualifier      string
	InvocationType string // "RequestResponse" (default), "Event", "DryRun"
	ClientContext  string
	Payload        []byte
}

// InvokeResponse is a Lambda Invoke answer.
type InvokeResponse struct {
	StatusCode      int
	FunctionError   string // "Unhandled" when the function failed
	ExecutedVersion string
	Payload         []byte
}

// Config wires the services. A nil field leaves its integrations out:
// their Tasks fail with States.TaskFailed and a cause that says so.
type Config struct {
	Account string
	Region  string

	// Invoke invokes a Lambda function.
	Invoke func(ctx context.Context, req InvokeRequest) (InvokeResponse, error)
	// SDK maps an AWS SDK service name as it appears in Task resources
	// ("sqs", "dynamodb", "s3", "ses", "sesv2", "lambda", "sfn") to its
	// Caller.
	SDK map[string]Caller
	// Wait blocks until a Step Functions execution ends (or ctx is done).
	// Used with SDK["sfn"] by states:startExecution.sync.
	Wait func(ctx context.Context, executionArn string) error

	// Now is the clock [time.Now]. NewRequestID makes the request ids of
	// SdkResponseMetadata [random UUIDs].
	Now          func() time.Time
	NewRequestID func() string
}

// Integrations resolves Task resources to the runner.Handler that runs
// them.
type Integrations struct {
	cfg Config
}

// New returns the integrations of cfg.
func New(cfg Config) *Integrations {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = newRequestID
	}
	return &Integrations{cfg: cfg}
}

// Resolve returns the handler of a Task resource, or nil when it is not a
// resource these integrations run. It is runner.Config.Resolve.
func (in *Integrations) Resolve(resource string) runner.Handler {
	r, ok := parseResource(resource)
	if !ok {
		return nil
	}
	switch {
	case r.function != "":
		return in.lambdaFunction
	case r.service == "aws-sdk":
		return in.awsSDK
	case r.service == "lambda" && r.action == "invoke":
		return in.lambdaInvoke
	case r.service == "sqs" && r.action == "sendMessage":
		return in.sqsSendMessage
	case r.service == "dynamodb":
		switch r.action {
		case "getItem", "putItem", "updateItem", "deleteItem":
			return in.dynamoDB
		}
	case r.service == "states" && r.action == "startExecution":
		return in.startExecution
	case r.service == "s3" && r.pattern == "":
		// A distributed Map's ItemReader and ResultWriter (itemio.go).
		switch r.action {
		case "getObject", "listObjectsV2":
			return in.itemReader
		case "putObject":
			return in.resultWriter
		}
	}
	return nil
}

// resource is a Task resource taken apart.
type resource struct {
	// function is the Lambda function ARN of a bare-ARN Task (with its
	// qualifier), else "".
	function string
	// service and action of an arn:aws:states::: integration; for AWS SDK
	// integrations service is "aws-sdk", sdkService the service.
	service, sdkService, action string
	// pattern is "", "sync", "sync:2" or "waitForTaskToken".
	pattern string
}

// parseResource takes a Task resource apart.
func parseResource(s string) (resource, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return resource{}, false
	}
	switch parts[2] {
	case "lambda":
		if strings.HasPrefix(parts[5], "function:") {
			return resource{function: s}, true
		}
		return resource{}, false
	case "states":
		if parts[3] != "" || parts[4] != "" {
			return resource{}, false // an activity or state machine ARN
		}
	default:
		return resource{}, false
	}
	rest := parts[5] // "sqs:sendMessage.waitForTaskToken", "aws-sdk:s3:getObject"
	var r resource
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		r.pattern = rest[i+1:]
		rest = rest[:i]
	}
	svc, action, ok := strings.Cut(rest, ":")
	if !ok {
		return resource{}, false
	}
	r.service = svc
	if svc == "aws-sdk" {
		r.sdkService, r.action, ok = strings.Cut(action, ":")
		if !ok || r.sdkService == "" || r.action == "" {
			return resource{}, false
		}
		return r, true
	}
	r.action = action
	return r, action != ""
}
