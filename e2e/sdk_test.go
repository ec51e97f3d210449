package e2e

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestSDKSyncHostPrefix drives StartSyncExecution and TestState with the
// Go SDK as a user would, with nothing but an endpoint: the SDK sends them
// to a "sync-" prefixed host, which does not resolve, until the client
// uses the server as its HTTP proxy (the README's advice); then both work.
func TestSDKSyncHostPrefix(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	proxy, err := url.Parse(srv.url())
	if err != nil {
		t.Fatal(err)
	}
	client := func(viaProxy bool) *awssfn.Client {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		if viaProxy {
			tr.Proxy = http.ProxyURL(proxy)
		}
		return awssfn.New(awssfn.Options{
			Region: region, BaseEndpoint: aws.String(srv.url()),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
			}),
			HTTPClient:       &http.Client{Transport: tr, Timeout: 30 * time.Second},
			RetryMaxAttempts: 1,
		})
	}
	ctx := context.Background()
	plain, proxied := client(false), client(true)
	sm, err := plain.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("sdk-express"), Type: types.StateMachineTypeExpress,
		RoleArn:    aws.String(roleArn),
		Definition: aws.String(`{"StartAt":"Add","States":{"Add":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	in := &awssfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"a":1,"b":2}`)}
	if _, err := plain.StartSyncExecution(ctx, in); err == nil {
		t.Fatal("StartSyncExecution reached the server without a proxy: the SDK no longer prefixes the host, update the README")
	}
	out, err := proxied.StartSyncExecution(ctx, in)
	if err != nil {
		t.Fatalf("StartSyncExecution through the proxy: %v", err)
	}
	if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"sum":3}` {
		t.Errorf("StartSyncExecution = %s %s", out.Status, aws.ToString(out.Output))
	}
	ts, err := proxied.TestState(ctx, &awssfn.TestStateInput{RoleArn: aws.String(roleArn), Input: aws.String(`{"a":2,"b":3}`),
		Definition: aws.String(`{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}`)})
	if err != nil {
		t.Fatalf("TestState through the proxy: %v", err)
	}
	if ts.Status != types.TestExecutionStatusSucceeded || aws.ToString(ts.Output) != `{"sum": 5}` {
		t.Errorf("TestState = %s %s", ts.Status, aws.ToString(ts.Output))
	}
}
