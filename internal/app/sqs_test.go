package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepflow/stepflow/internal/app"
)

// TestSQSFromStateMachine sends to a queue from the optimized integration
// (object bodies become JSON text) and with .waitForTaskToken, where a
// consumer reads the token from the message and resumes the execution.
func TestSQSFromStateMachine(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	ctx := context.Background()
	q := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("fulfilment")})
	if err != nil {
		t.Fatal(err)
	}
	url := *created.QueueUrl

	sm := createSM(t, c, base, "send", `{"StartAt":"Send","States":{
		"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"`+url+`","MessageBody.$":"$"},"ResultPath":"$.sent","Next":"Wait"},
		"Wait":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"`+url+`",
			"MessageBody":{"token.$":"$$.Task.Token"}},"TimeoutSeconds":60,"End":true}}}`)
	st, _, _ := call(c, base, "StartExecution", map[string]any{"stateMachineArn": sm, "input": `{"order":"42"}`})
	arn := st["executionArn"].(string)

	var bodies []string
	for len(bodies) < 2 {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 5, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			bodies = append(bodies, *m.Body)
			q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	if bodies[0] != `{"order":"42"}` {
		t.Errorf("first message = %s", bodies[0])
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(bodies[1]), &tok); err != nil || tok.Token == "" {
		t.Fatalf("second message = %s", bodies[1])
	}
	call(c, base, "SendTaskSuccess", map[string]any{"taskToken": tok.Token, "output": `{"shipped":true}`})
	d := waitEnd(t, c, base, arn)
	if d["status"] != "SUCCEEDED" || d["output"] != `{"shipped":true}` {
		t.Errorf("execution = %v", d)
	}

	missing := createSM(t, c, base, "send-missing", `{"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
		"Parameters":{"QueueUrl":"`+strings.Replace(url, "fulfilment", "nope", 1)+`","MessageBody":"x"},"End":true}}}`)
	d = runToEnd(t, c, base, missing, `{}`)
	if d["status"] != "FAILED" || d["error"] != "SQS.QueueDoesNotExistException" ||
		!strings.Contains(d["cause"].(string), "Error Code: AWS.SimpleQueueService.NonExistentQueue") {
		t.Errorf("missing queue: %v %v %v", d["status"], d["error"], d["cause"])
	}
}
