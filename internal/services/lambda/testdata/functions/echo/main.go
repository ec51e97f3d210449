// Command echo is a test function: it returns its event, its context and
// the Lambda environment it sees, and writes a line to stdout and stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

var envKeys = []string{
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"_HANDLER", "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	"AWS_ENDPOINT_URL", "AWS_LAMBDA_RUNTIME_API", "MY_VAR", "_X_AMZN_TRACE_ID",
}

func main() {
	fmt.Println("echo: init")
	lambda.Start(func(ctx context.Context, event json.RawMessage) (map[string]any, error) {
		lc, _ := lambdacontext.FromContext(ctx)
		env := map[string]string{}
		for _, k := range envKeys {
			env[k] = os.Getenv(k)
		}
		wd, _ := os.Getwd()
		deadline, _ := ctx.Deadline()
		fmt.Printf("echo: event %s\n", event)
		fmt.Println("echo: stdout line")
		fmt.Fprintln(os.Stderr, "echo: stderr line")
		return map[string]any{
			"event":         event,
			"requestId":     lc.AwsRequestID,
			"functionArn":   lc.InvokedFunctionArn,
			"clientContext": lc.ClientContext.Custom,
			"env":           env,
			"cwd":           wd,
			"pid":           os.Getpid(),
			"deadlineMs":    deadline.UnixMilli(),
		}, nil
	})
}
