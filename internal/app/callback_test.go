package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepflow/stepflow/internal/app"
)

// TestCallbackTimeouts: a task waiting on its token fails with
// States.HeartbeatTimeout when no heartbeat comes, and with States.Timeout
// when the whole wait is too long; a token can complete a task once.
func TestCallbackTimeouts(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{TimeScale: 100, NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	q := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	created, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("callbacks")})
	if err != nil {
		t.Fatal(err)
	}
	// The once-only check reads its own queue, so that it never takes the
	// token of an execution that already timed out.
	once, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("callbacks-once")})
	if err != nil {
		t.Fatal(err)
	}
	waitOn := func(queueURL *string, name, timeouts string) string {
		return createSM(t, c, base, name, `{"StartAt":"Wait","States":{"Wait":{"Type":"Task",
			"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
			"Parameters":{"QueueUrl":"`+*queueURL+`","MessageBody":{"token.$":"$$.Task.Token"}},`+timeouts+`,"End":true}}}`)
	}
	wait := func(name, timeouts string) string { return waitOn(created.QueueUrl, name, timeouts) }
	for _, tc := range []struct{ name, timeouts, want string }{
		{"heartbeat", `"HeartbeatSeconds":60,"TimeoutSeconds":3600`, "States.HeartbeatTimeout"},
		{"timeout", `"TimeoutSeconds":60`, "States.Timeout"},
	} {
		d := runToEnd(t, c, base, wait("wait-"+tc.name, tc.timeouts), `{}`)
		if d["status"] != "FAILED" || d["error"] != tc.want {
			t.Errorf("%s: %v %v", tc.name, d["status"], d["error"])
		}
	}

	// A token completes its task once.
	sm := waitOn(once.QueueUrl, "wait-once", `"TimeoutSeconds":3600`)
	st, _, _ := call(c, base, "StartExecution", map[string]any{"stateMachineArn": sm})
	msg, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: once.QueueUrl, WaitTimeSeconds: 10, MaxNumberOfMessages: 10})
	if err != nil || len(msg.Messages) != 1 {
		t.Fatalf("callback messages: %d, %v; want 1", len(msg.Messages), err)
	}
	var token string
	for _, m := range msg.Messages {
		var b struct{ Token string }
		jsonUnmarshal(*m.Body, &b)
		token = b.Token
	}
	if _, code, _ := call(c, base, "SendTaskSuccess", map[string]any{"taskToken": token, "output": `{"n":1}`}); code != 200 {
		t.Fatalf("first SendTaskSuccess: %d", code)
	}
	waitEnd(t, c, base, st["executionArn"].(string))
	out, code, _ := call(c, base, "SendTaskSuccess", map[string]any{"taskToken": token, "output": `{"n":2}`})
	if code != 400 || (out["__type"] != "TaskTimedOut" && out["__type"] != "com.amazonaws.swf.service.v2.model#TaskTimedOut") {
		t.Errorf("second SendTaskSuccess: %d %v", code, out)
	}
}

func jsonUnmarshal(s string, v any) { _ = json.Unmarshal([]byte(s), v) }
