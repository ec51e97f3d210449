package sfn_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/services/sfn"
	"github.com/stepflow/stepflow/internal/store"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account = "111111111111"
	region  = "us-east-1"
	role    = "arn:aws:iam::111111111111:role/stepflow-test"
	prefix  = "arn:aws:states:us-east-1:111111111111:"
)

// Definitions used across the tests.
const (
	passDef     = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}`
	passDef2    = `{"Comment":"two","StartAt":"P","States":{"P":{"Type":"Pass","Result":{"Arg1":"argument2"},"End":true}}}`
	waitDef     = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	callbackDef = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",` +
		`"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`
	failDef = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`
)

// testBundle is one service over HTTP on a fresh SQLite store.
type testBundle struct {
	url    string
	svc    *sfn.Service
	client *awssfn.Client
	store  store.Store
	tokens chan string // task tokens of callback tasks, as they are dispatched
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepflow.db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	tb := &testBundle{store: st, tokens: make(chan string, 16)}
	run, err := runner.New(runner.Config{
		Store: st, Account: account, Region: region,
		Handlers: map[string]runner.Handler{
			"arn:aws:states:::lambda:invoke": func(_ context.Context, task runner.Task) (jsonv.Value, error) {
				if task.Token != "" {
					tb.tokens <- task.Token
					return nil, runner.ErrCallback
				}
				return jsonv.MustParse(`{"ok":true}`), nil
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := sfn.New(sfn.Config{
		Store: st, Runner: run, Account: account, Region: region,
		ActivityPollTimeout: 300 * time.Millisecond, ActivityPollInterval: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := sfn.NewHTTPHandler(svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rt awsproto.Router
	rt.HandleTarget(h.TargetPrefix(), h)
	srv := httptest.NewServer(&rt)
	t.Cleanup(func() {
		srv.Close()
		svc.Close()
		run.Stop()
		_ = st.Close()
	})
	tb.svc, tb.url = svc, srv.URL
	tb.client = awssfn.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *awssfn.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		// StartSyncExecution and TestState prefix the host with "sync-";
		// a local endpoint has no such host.
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("NoHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		})
	})
	return tb
}

var seq atomic.Int64

// name returns a fresh resource name.
func name(base string) string {
	return base + "-" + time.Now().Format("150405") + "-" + strconv.FormatInt(seq.Add(1), 10)
}

// createMachine creates a state machine and returns its ARN.
func (tb *testBundle) createMachine(t *testing.T, def string, opts ...func(*awssfn.CreateStateMachineInput)) string {
	t.Helper()
	in := &awssfn.CreateStateMachineInput{Name: aws.String(name("sm")), Definition: aws.String(def), RoleArn: aws.String(role)}
	for _, o := range opts {
		o(in)
	}
	out, err := tb.client.CreateStateMachine(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	return aws.ToString(out.StateMachineArn)
}

// waitStatus polls DescribeExecution until the execution leaves RUNNING.
func (tb *testBundle) waitStatus(t *testing.T, arn string) *awssfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := tb.client.DescribeExecution(context.Background(), &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if out.Status != "RUNNING" || time.Now().After(deadline) {
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// token waits for the next callback task token.
func (tb *testBundle) token(t *testing.T) string {
	t.Helper()
	select {
	case tok := <-tb.tokens:
		return tok
	case <-time.After(10 * time.Second):
		t.Fatal("no task token dispatched")
		return ""
	}
}

// wantAPIError checks err is the AWS error code with message msg ("" for
// any message).
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v; want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("code = %s (%s); want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("message = %q; want %q", ae.ErrorMessage(), msg)
	}
}

// wantPrefix checks err is the AWS error code with a message starting with
// msg.
func wantPrefix(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v; want API error %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.HasPrefix(ae.ErrorMessage(), msg) {
		t.Errorf("error = %s: %q; want %s: %q...", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}
