package lambda_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stepflow/stepflow/internal/services/lambda"
)

func TestEventSourceMapping(t *testing.T) {
	t.Parallel()
	sqs := newFakeSQS()
	tb := setup(t, func(c *lambda.Config) { c.SQS = sqs.call })
	ctx := context.Background()
	fn := name("consumer")
	tb.create(t, fn, "batch")
	queue := name("q")
	queueARN := sqs.createQueue(queue)

	created, err := tb.client.CreateEventSourceMapping(ctx, &awslambda.CreateEventSourceMappingInput{
		FunctionName: aws.String(fn), EventSourceArn: aws.String(queueARN), BatchSize: aws.Int32(5),
		MaximumBatchingWindowInSeconds: aws.Int32(1),
		FunctionResponseTypes:          []types.FunctionResponseType{types.FunctionResponseTypeReportBatchItemFailures},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.State) != "Creating" || aws.ToString(created.FunctionArn) != fnARN+fn || aws.ToInt32(created.BatchSize) != 5 ||
		aws.ToString(created.EventSourceMappingArn) != "arn:aws:lambda:us-east-1:111111111111:event-source-mapping:"+aws.ToString(created.UUID) {
		t.Fatalf("created = %+v", created)
	}
	_, err = tb.client.CreateEventSourceMapping(ctx, &awslambda.CreateEventSourceMappingInput{FunctionName: aws.String(fn), EventSourceArn: aws.String(queueARN)})
	apiErr(t, err, "ResourceConflictException", `An event source mapping with SQS arn (" `+queueARN+` ") and function (" `+fn+` ") already exists. Please update or delete the existing mapping with UUID `+aws.ToString(created.UUID))

	ok1 := sqs.send(queue, "hello")
	bad := sqs.send(queue, "fail")
	ok2 := sqs.send(queue, "world")
	waitFor(t, "the handled messages to be deleted", 10*time.Second, func() bool { return len(sqs.deleted(queue)) == 2 })
	deleted := sqs.deleted(queue)
	slices.Sort(deleted)
	want := []string{ok1, ok2}
	slices.Sort(want)
	if !slices.Equal(deleted, want) {
		t.Fatalf("deleted %v, want %v (failed %s)", deleted, want, bad)
	}
	recent, err := tb.svc.RecentInvocations(ctx, fn, 10)
	if err != nil || len(recent) == 0 {
		t.Fatal(recent, err)
	}
	if log := recent[len(recent)-1].Log; !strings.Contains(log, "batch: "+ok1+" hello aws:sqs") {
		t.Errorf("first batch log:\n%s", log)
	}
	// The failed message comes back after its visibility timeout and fails
	// again: it is never deleted.
	waitFor(t, "the failed message to be retried", 10*time.Second, func() bool {
		recent, _ = tb.svc.RecentInvocations(ctx, fn, 10)
		return len(recent) >= 2
	})
	if slices.Contains(sqs.deleted(queue), bad) {
		t.Errorf("the failed message was deleted")
	}

	got, err := tb.client.GetEventSourceMapping(ctx, &awslambda.GetEventSourceMappingInput{UUID: created.UUID})
	if err != nil || aws.ToString(got.State) != "Enabled" || got.FunctionResponseTypes[0] != types.FunctionResponseTypeReportBatchItemFailures {
		t.Fatalf("get: %+v %v", got, err)
	}
	// Disable: nothing more is delivered.
	up, err := tb.client.UpdateEventSourceMapping(ctx, &awslambda.UpdateEventSourceMappingInput{UUID: created.UUID, Enabled: aws.Bool(false)})
	if err != nil || aws.ToString(up.State) != "Disabling" {
		t.Fatalf("update: %+v %v", up, err)
	}
	list, err := tb.client.ListEventSourceMappings(ctx, &awslambda.ListEventSourceMappingsInput{FunctionName: aws.String(fn)})
	if err != nil || len(list.EventSourceMappings) != 1 || aws.ToString(list.EventSourceMappings[0].State) != "Disabled" {
		t.Fatalf("list: %+v %v", list, err)
	}
	time.Sleep(100 * time.Millisecond) // let the poller notice
	n := len(sqs.deleted(queue))
	sqs.send(queue, "while disabled")
	time.Sleep(500 * time.Millisecond)
	if len(sqs.deleted(queue)) != n {
		t.Errorf("a disabled mapping delivered")
	}
	if _, err := tb.client.UpdateEventSourceMapping(ctx, &awslambda.UpdateEventSourceMappingInput{UUID: created.UUID, Enabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery after enabling", 10*time.Second, func() bool { return len(sqs.deleted(queue)) == n+1 })

	// A crash fails the whole batch: nothing deleted.
	sqs.send(queue, "crash")
	time.Sleep(700 * time.Millisecond)
	if len(sqs.deleted(queue)) != n+1 {
		t.Errorf("a failed batch deleted messages")
	}

	del, err := tb.client.DeleteEventSourceMapping(ctx, &awslambda.DeleteEventSourceMappingInput{UUID: created.UUID})
	if err != nil || aws.ToString(del.State) != "Deleting" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, err = tb.client.GetEventSourceMapping(ctx, &awslambda.GetEventSourceMappingInput{UUID: created.UUID})
	apiErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
}

// TestEventSourceMappingBatching: BatchSize and the batching window
// gather messages into one invocation; the record has AWS's shape.
func TestEventSourceMappingBatching(t *testing.T) {
	t.Parallel()
	sqs := newFakeSQS()
	tb := setup(t, func(c *lambda.Config) { c.SQS = sqs.call })
	ctx := context.Background()
	fn := name("batcher")
	tb.create(t, fn, "echo")
	queue := name("q")
	queueARN := sqs.createQueue(queue)
	for i := range 12 {
		sqs.send(queue, "m"+string(rune('a'+i)))
	}
	m, err := tb.client.CreateEventSourceMapping(ctx, &awslambda.CreateEventSourceMappingInput{
		FunctionName: aws.String(fn), EventSourceArn: aws.String(queueARN), BatchSize: aws.Int32(12), MaximumBatchingWindowInSeconds: aws.Int32(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the batch", 10*time.Second, func() bool { return len(sqs.deleted(queue)) == 12 })
	recent, _ := tb.svc.RecentInvocations(ctx, fn, 10)
	if len(recent) != 1 {
		t.Fatalf("%d invocations for one batch of 12", len(recent))
	}
	if n := strings.Count(recent[0].Log, `"eventSource":"aws:sqs"`); n != 12 {
		t.Errorf("%d records in the batch", n)
	}
	out, err := tb.svc.Invoke(ctx, lambda.InvokeInput{FunctionName: fn, Payload: []byte(`{}`)})
	if err != nil || out.FunctionError != "" {
		t.Fatal(err)
	}
	if _, err := tb.client.DeleteEventSourceMapping(ctx, &awslambda.DeleteEventSourceMappingInput{UUID: m.UUID}); err != nil {
		t.Fatal(err)
	}

	// BatchSize over 10 needs a window.
	_, err = tb.client.CreateEventSourceMapping(ctx, &awslambda.CreateEventSourceMappingInput{
		FunctionName: aws.String(fn), EventSourceArn: aws.String(queueARN), BatchSize: aws.Int32(11)})
	apiErr(t, err, "InvalidParameterValueException", "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	_, err = tb.client.CreateEventSourceMapping(ctx, &awslambda.CreateEventSourceMappingInput{
		FunctionName: aws.String("missing"), EventSourceArn: aws.String(queueARN)})
	apiErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"missing")
}

// TestSQSEventShape checks one delivered record member by member.
func TestSQSEventShape(t *testing.T) {
	t.Parallel()
	sqs := newFakeSQS()
	tb := setup(t, func(c *lambda.Config) { c.SQS = sqs.call })
	ctx := context.Background()
	fn := name("shape")
	tb.create(t, fn, "echo")
	queue := name("q")
	queueARN := sqs.createQueue(queue)
	id := sqs.send(queue, `{"x":1}`)
	if _, err := tb.client.CreateEventSourceMapping(ctx, &awslambda.CreateEventSourceMappingInput{
		FunctionName: aws.String(fn), EventSourceArn: aws.String(queueARN)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery", 10*time.Second, func() bool { return len(sqs.deleted(queue)) == 1 })
	recent, _ := tb.svc.RecentInvocations(ctx, fn, 1)
	if len(recent) != 1 {
		t.Fatal("no invocation")
	}
	_, after, _ := strings.Cut(recent[0].Log, "echo: event ")
	event, _, _ := strings.Cut(after, "\n")
	sum := md5.Sum([]byte(`{"x":1}`))
	want := `{"Records":[{"messageId":"` + id + `","receiptHandle":"rh-` + id + `-1","body":"{\"x\":1}","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1700000000000"},` +
		`"messageAttributes":{"color":{"stringValue":"blue","stringListValues":[],"binaryListValues":[],"dataType":"String"}},` +
		`"md5OfBody":"` + hex.EncodeToString(sum[:]) + `","eventSource":"aws:sqs","eventSourceARN":"` + queueARN + `","awsRegion":"us-east-1"}]}`
	if event != want {
		t.Errorf("event:\n got %s\nwant %s", event, want)
	}
}
