package sqs_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func sendFIFO(t *testing.T, tb *testBundle, url, group, body, dedup string) *awssqs.SendMessageOutput {
	t.Helper()
	in := &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body), MessageGroupId: aws.String(group)}
	if dedup != "" {
		in.MessageDeduplicationId = aws.String(dedup)
	}
	out, err := tb.client.SendMessage(context.Background(), in)
	if err != nil {
		t.Fatalf("send %s: %v", body, err)
	}
	return out
}

func bodiesOf(ms []types.Message) string {
	var b []string
	for _, m := range ms {
		b = append(b, aws.ToString(m.Body))
	}
	return strings.Join(b, ",")
}

func TestFIFOOrdering(t *testing.T) {
	t.Parallel()
	clk := newClock()
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	url := tb.createQueue(t, "orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	var seqs []string
	for i, g := range []string{"a", "b", "a", "b", "a"} {
		out := sendFIFO(t, tb, url, g, g+strconv.Itoa(i), "")
		seqs = append(seqs, aws.ToString(out.SequenceNumber))
	}
	for i := 1; i < len(seqs); i++ {
		if len(seqs[i]) != 20 || seqs[i] <= seqs[i-1] {
			t.Errorf("sequence numbers %v do not increase", seqs)
		}
	}
	// One receive returns as many messages of one group as it can, in order.
	first, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 2,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil || bodiesOf(first.Messages) != "a0,a2" {
		t.Fatalf("first receive = %s, %v", bodiesOf(first.Messages), err)
	}
	a := first.Messages[0].Attributes
	if a["MessageGroupId"] != "a" || a["SequenceNumber"] != seqs[0] || len(a["MessageDeduplicationId"]) != 64 {
		t.Errorf("system attributes = %v", a)
	}
	// Group a is blocked while its messages are in flight: only b comes.
	second, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil || bodiesOf(second.Messages) != "b1,b3" {
		t.Fatalf("second receive = %s, %v", bodiesOf(second.Messages), err)
	}
	if n := receiveN(t, tb, url); n != 0 {
		t.Fatalf("received %d messages of blocked groups", n)
	}
	for _, m := range second.Messages {
		if _, err := tb.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	// Deleting a0 leaves a2 in flight: a4 still waits.
	if _, err := tb.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if n := receiveN(t, tb, url); n != 0 {
		t.Fatalf("a4 delivered while a2 is in flight")
	}
	// a2's visibility ends: a2 comes back before a4, and a4 with it.
	clk.Advance(31 * time.Second)
	third, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		AttributeNames: []types.QueueAttributeName{"ApproximateReceiveCount"}})
	if err != nil || bodiesOf(third.Messages) != "a2,a4" {
		t.Fatalf("third receive = %s, %v", bodiesOf(third.Messages), err)
	}
	if third.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Errorf("a2 receive count = %v", third.Messages[0].Attributes)
	}
	// A FIFO receipt handle whose visibility has expired no longer deletes.
	clk.Advance(31 * time.Second)
	h := third.Messages[0].ReceiptHandle
	_, err = tb.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: h})
	wantAPIError(t, err, "InvalidParameterValue", "Value "+aws.ToString(h)+" for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", 400)
}

func TestFIFODeduplication(t *testing.T) {
	t.Parallel()
	clk := newClock()
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	url := tb.createQueue(t, "dedup.fifo", map[string]string{"FifoQueue": "true"})
	first := sendFIFO(t, tb, url, "g", "one", "d1")
	dup := sendFIFO(t, tb, url, "g", "one again", "d1")
	if aws.ToString(dup.MessageId) != aws.ToString(first.MessageId) || aws.ToString(dup.SequenceNumber) != aws.ToString(first.SequenceNumber) {
		t.Errorf("duplicate = %s %s; want the original's %s %s", aws.ToString(dup.MessageId), aws.ToString(dup.SequenceNumber),
			aws.ToString(first.MessageId), aws.ToString(first.SequenceNumber))
	}
	// Same id in another group: a duplicate too with the default queue scope.
	sendFIFO(t, tb, url, "h", "other group", "d1")
	got, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil || bodiesOf(got.Messages) != "one" {
		t.Fatalf("receive = %s, %v", bodiesOf(got.Messages), err)
	}
	// Still a duplicate after the original was deleted, within 5 minutes.
	if _, err := tb.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: got.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	sendFIFO(t, tb, url, "g", "one", "d1")
	if n := receiveN(t, tb, url); n != 0 {
		t.Errorf("duplicate delivered after delete")
	}
	clk.Advance(5 * time.Minute)
	sendFIFO(t, tb, url, "g", "later", "d1")
	if b := receiveOne(t, tb, url); b != "later" {
		t.Errorf("after 5 minutes received %q", b)
	}

	// Content-based de-duplication: the SHA-256 of the body.
	cb := tb.createQueue(t, "content.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	a := sendFIFO(t, tb, cb, "g", "same", "")
	b := sendFIFO(t, tb, cb, "g", "same", "")
	c := sendFIFO(t, tb, cb, "g", "different", "")
	if aws.ToString(a.MessageId) != aws.ToString(b.MessageId) || aws.ToString(c.MessageId) == aws.ToString(a.MessageId) {
		t.Errorf("content dedup ids %s %s %s", aws.ToString(a.MessageId), aws.ToString(b.MessageId), aws.ToString(c.MessageId))
	}

	// messageGroup scope: the same id in two groups is two messages.
	mg := tb.createQueue(t, "scoped.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup",
		"FifoThroughputLimit": "perMessageGroupId"})
	x := sendFIFO(t, tb, mg, "g1", "x", "same")
	y := sendFIFO(t, tb, mg, "g2", "y", "same")
	if aws.ToString(x.MessageId) == aws.ToString(y.MessageId) {
		t.Error("messageGroup scope de-duplicated across groups")
	}
}

func TestFIFOReceiveRequestAttemptID(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	url := tb.createQueue(t, "attempt.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	sendFIFO(t, tb, url, "g", "m1", "")
	sendFIFO(t, tb, url, "h", "m2", "")
	in := &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), ReceiveRequestAttemptId: aws.String("try-1"), MaxNumberOfMessages: 1}
	first, err := tb.client.ReceiveMessage(ctx, in)
	if err != nil || len(first.Messages) != 1 {
		t.Fatalf("first = %v, %v", first, err)
	}
	retry, err := tb.client.ReceiveMessage(ctx, in)
	if err != nil || len(retry.Messages) != 1 || aws.ToString(retry.Messages[0].ReceiptHandle) != aws.ToString(first.Messages[0].ReceiptHandle) {
		t.Fatalf("retry = %v, %v; want the same message and receipt handle", retry, err)
	}
	other, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), ReceiveRequestAttemptId: aws.String("try-2")})
	if err != nil || bodiesOf(other.Messages) != "m2" {
		t.Errorf("new attempt = %s, %v", bodiesOf(other.Messages), err)
	}
}

func TestDeadLetterRedrive(t *testing.T) {
	t.Parallel()
	clk := newClock()
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	dlq := tb.createQueue(t, "dead", nil)
	src := tb.createQueue(t, "live", map[string]string{"VisibilityTimeout": "10",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `dead","maxReceiveCount":2}`})
	sent, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(src), MessageBody: aws.String("poison")})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if b := receiveOne(t, tb, src); b != "poison" {
			t.Fatalf("receive %d = %q", i, b)
		}
		clk.Advance(11 * time.Second)
	}
	// The third receive finds it over maxReceiveCount and moves it.
	if b := receiveOne(t, tb, src); b != "" {
		t.Fatalf("third receive returned %q", b)
	}
	wantCounts(t, tb, src, 0, 0, 0)
	wantCounts(t, tb, dlq, 1, 0, 0)
	out, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(dlq),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("dlq receive = %v, %v", out, err)
	}
	m := out.Messages[0]
	if aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) || m.Attributes["DeadLetterQueueSourceArn"] != arnBase+"live" {
		t.Errorf("dead letter = %+v", m)
	}
	// The policy's target must exist and be of the same type.
	_, err = tb.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `nope","maxReceiveCount":2}`}})
	wantAPIError(t, err, "InvalidParameterValue", `Value {"deadLetterTargetArn":"`+arnBase+`nope","maxReceiveCount":2} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`, 400)
}

func TestFIFODeadLetterRedrive(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	dlq := tb.createQueue(t, "dead.fifo", map[string]string{"FifoQueue": "true"})
	src := tb.createQueue(t, "live.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true",
		"VisibilityTimeout": "0", "RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `dead.fifo","maxReceiveCount":1}`})
	sendFIFO(t, tb, src, "g", "first", "")
	sendFIFO(t, tb, src, "g", "second", "")
	if b := receiveOne(t, tb, src); b != "first" {
		t.Fatalf("receive = %q", b)
	}
	// first is over the limit: it moves and second, next in its group, comes.
	if b := receiveOne(t, tb, src); b != "second" {
		t.Fatalf("receive after redrive = %q", b)
	}
	if b := receiveOne(t, tb, dlq); b != "first" {
		t.Errorf("dead-letter queue holds %q", b)
	}
	_, err := tb.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `dead","maxReceiveCount":2}`}})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
}
