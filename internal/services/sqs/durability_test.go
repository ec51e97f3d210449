package sqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// TestRestart closes and reopens the database and the service: queues,
// tags, messages, receive counts, visibility and FIFO de-duplication
// survive.
func TestRestart(t *testing.T) {
	t.Parallel()
	clk := newClock()
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	c := tb.client
	url := tb.createQueue(t, "durable", map[string]string{"VisibilityTimeout": "60"})
	if _, err := c.TagQueue(ctx, &awssqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"first", "second"} {
		if _, err := c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b),
			MessageAttributes: map[string]types.MessageAttributeValue{"a": strAttr(b)}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if err != nil || aws.ToString(got.Messages[0].Body) != "first" {
		t.Fatalf("receive = %v, %v", got, err)
	}
	fifo := tb.createQueue(t, "durable.fifo", map[string]string{"FifoQueue": "true"})
	sent := sendFIFO(t, tb, fifo, "g", "once", "d")

	tb.reopen(t)

	wantCounts(t, tb, url, 1, 1, 0)
	tags, err := c.ListQueueTags(ctx, &awssqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil || tags.Tags["k"] != "v" {
		t.Errorf("tags after restart = %v, %v", tags, err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "60" {
		t.Errorf("attributes after restart = %v, %v", attrs, err)
	}
	// "first" is still in flight: "second" comes, then "first" once its
	// visibility ends, with its receive count.
	if b := receiveOne(t, tb, url); b != "second" {
		t.Fatalf("receive after restart = %q", b)
	}
	clk.Advance(61 * time.Second)
	again, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		MessageAttributeNames:       []string{"All"}})
	if err != nil || len(again.Messages) != 1 {
		t.Fatalf("receive = %v, %v", again, err)
	}
	m := again.Messages[0]
	if aws.ToString(m.Body) != "first" || m.Attributes["ApproximateReceiveCount"] != "2" ||
		aws.ToString(m.MessageAttributes["a"].StringValue) != "first" || aws.ToString(m.MessageId) != aws.ToString(got.Messages[0].MessageId) {
		t.Errorf("message after restart = %+v", m)
	}
	// The receipt handle from before the restart is stale (received again);
	// the new one deletes.
	if _, err := c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	// FIFO de-duplication records survive too.
	dup := sendFIFO(t, tb, fifo, "g", "once", "d")
	if aws.ToString(dup.MessageId) != aws.ToString(sent.MessageId) {
		t.Errorf("de-duplication lost in the restart")
	}
}
