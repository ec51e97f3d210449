package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepflow/stepflow/internal/app"
)

// BenchmarkSQSSendMessageTask runs EXPRESS executions through
// StartSyncExecution over HTTP: one whose single state is an
// sqs:sendMessage Task, and one whose single state is a Pass. The
// difference is the Task integration's cost (SQS's durable send included).
//
//	go test -run='^$' -bench=SQSSendMessageTask ./internal/app
func BenchmarkSQSSendMessageTask(b *testing.B) {
	srv := startServer(b, app.Config{NoSync: true})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	base := srv.URL()
	q := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	created, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	create := func(name, def string) string {
		out, code, err := call(c, base, "CreateStateMachine", map[string]any{"name": name, "definition": def, "type": "EXPRESS", "roleArn": "arn:aws:iam::111111111111:role/r"})
		if err != nil || code != 200 {
			b.Fatalf("create: %v %d %v", err, code, out)
		}
		return out["stateMachineArn"].(string)
	}
	machines := map[string]string{
		"pass": create("pass", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
		"sqs-task": create("send", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
			"Parameters":{"QueueUrl":"`+*created.QueueUrl+`","MessageBody.$":"$"},"End":true}}}`),
	}
	for _, name := range []string{"pass", "sqs-task"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				out, code, err := call(c, base, "StartSyncExecution", map[string]any{"stateMachineArn": machines[name], "input": `{"order":"42"}`})
				if err != nil || code != 200 || out["status"] != "SUCCEEDED" {
					b.Fatalf("%v %d %v", err, code, out)
				}
			}
		})
	}
}
