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

func strAttr(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// TestAttributeMD5 checks MD5OfMessageAttributes against values AWS
// returned for the same attributes (recorded in public SQS test
// snapshots), including filtered receives.
func TestAttributeMD5(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	url := tb.createQueue(t, "md5", map[string]string{"VisibilityTimeout": "0"})
	sent, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("msg"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"General": strAttr("Kenobi"), "Hello": strAttr("There"), "Help.Me": strAttr("Me"),
		}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(sent.MD5OfMessageBody) != "6e2baaf3b97dbeef01c0043275f9a0e7" ||
		aws.ToString(sent.MD5OfMessageAttributes) != "4c360f3fdafd970e05fae2f149d997f5" {
		t.Errorf("send MD5s = %s %s", aws.ToString(sent.MD5OfMessageBody), aws.ToString(sent.MD5OfMessageAttributes))
	}
	tests := []struct {
		names []string
		md5   string
		n     int
	}{
		{[]string{"All"}, "4c360f3fdafd970e05fae2f149d997f5", 3},
		{[]string{".*"}, "4c360f3fdafd970e05fae2f149d997f5", 3},
		{[]string{"General", "Hello"}, "fca026605781cb4126a1e9044df24232", 2},
		{[]string{"Hello", "Nope"}, "a311262e065454b75da111d535b8dacd", 1},
		{[]string{"Hel.*"}, "83fee93c1bcd8b9a5a923ffacdc636c7", 2},
		{[]string{"Nope"}, "", 0},
		{nil, "", 0},
	}
	for _, tt := range tests {
		out, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MessageAttributeNames: tt.names})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive %v = %v, %v", tt.names, out, err)
		}
		m := out.Messages[0]
		if aws.ToString(m.MD5OfMessageAttributes) != tt.md5 || len(m.MessageAttributes) != tt.n {
			t.Errorf("receive %v: md5 %q, %d attributes; want %q, %d", tt.names, aws.ToString(m.MD5OfMessageAttributes),
				len(m.MessageAttributes), tt.md5, tt.n)
		}
	}

	one, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("msg"),
		MessageAttributes: map[string]types.MessageAttributeValue{"Foo": strAttr("Bar")}})
	if err != nil || aws.ToString(one.MD5OfMessageAttributes) != "ae7155c6026991b6d54b11589678bf9c" {
		t.Errorf("Foo=Bar md5 = %v, %v", aws.ToString(one.MD5OfMessageAttributes), err)
	}
	bin, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("test"),
		MessageAttributes: map[string]types.MessageAttributeValue{"attr1": {DataType: aws.String("Binary"),
			BinaryValue: []byte("traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01")}}})
	if err != nil || aws.ToString(bin.MD5OfMessageAttributes) != "8cbe4db156db8a94db8b801b7addb984" ||
		aws.ToString(bin.MD5OfMessageBody) != "098f6bcd4621d373cade4e832627b4f6" {
		t.Errorf("binary md5 = %v, %v", aws.ToString(bin.MD5OfMessageAttributes), err)
	}
}

func TestSendReceiveDelete(t *testing.T) {
	t.Parallel()
	clk := newClock()
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	c := tb.client
	url := tb.createQueue(t, "work", map[string]string{"VisibilityTimeout": "30"})
	sent, err := c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("hello ✓"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"n":   {DataType: aws.String("Number.int"), StringValue: aws.String("42")},
			"bin": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
		},
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MessageId == nil || sent.MD5OfMessageAttributes == nil || sent.MD5OfMessageSystemAttributes == nil || sent.SequenceNumber != nil {
		t.Errorf("send = %+v", sent)
	}
	sentAt := clk.Now()
	clk.Advance(time.Second)
	out, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive = %v, %v", out, err)
	}
	m := out.Messages[0]
	if aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) || aws.ToString(m.Body) != "hello ✓" ||
		aws.ToString(m.MD5OfMessageAttributes) != aws.ToString(sent.MD5OfMessageAttributes) {
		t.Errorf("message = %+v", m)
	}
	wantAttrs := map[string]string{
		"SenderId": "AKIDEXAMPLE", "SentTimestamp": strconv.FormatInt(sentAt.UnixMilli(), 10), "ApproximateReceiveCount": "1",
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(clk.Now().UnixMilli(), 10),
		"AWSTraceHeader":                   "Root=1-5759e988-bd862e3fe1be46a994272793",
	}
	if len(m.Attributes) != len(wantAttrs) {
		t.Errorf("attributes = %v", m.Attributes)
	}
	for k, v := range wantAttrs {
		if m.Attributes[k] != v {
			t.Errorf("%s = %q; want %q", k, m.Attributes[k], v)
		}
	}
	if v := m.MessageAttributes["bin"]; string(v.BinaryValue) != "\x00\x01\x02" || aws.ToString(m.MessageAttributes["n"].StringValue) != "42" {
		t.Errorf("message attributes = %+v", m.MessageAttributes)
	}

	// In flight: invisible until the visibility timeout passes.
	wantCounts(t, tb, url, 0, 1, 0)
	if n := receiveN(t, tb, url); n != 0 {
		t.Fatalf("received an in-flight message")
	}
	clk.Advance(30 * time.Second)
	wantCounts(t, tb, url, 1, 0, 0)
	again, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(again.Messages) != 1 || again.Messages[0].Attributes["ApproximateReceiveCount"] != "2" ||
		len(again.Messages[0].Attributes) != 1 {
		t.Fatalf("second receive = %v, %v", again, err)
	}
	// The old receipt handle no longer deletes (AWS documents that only the
	// latest one does), the new one does.
	if _, err := c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tb, url, 0, 1, 0)
	// ChangeMessageVisibility to 0 makes it visible at once.
	h := again.Messages[0].ReceiptHandle
	if _, err := c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: h, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tb, url, 1, 0, 0)
	if _, err := c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: h, VisibilityTimeout: 100}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tb, url, 0, 1, 0)
	if _, err := c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: h}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tb, url, 0, 0, 0)
	// Deleting again succeeds; changing visibility does not.
	if _, err := c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: h}); err != nil {
		t.Errorf("second delete: %v", err)
	}
	_, err = c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: h, VisibilityTimeout: 5})
	wantAPIError(t, err, "InvalidParameterValue", "Value "+aws.ToString(h)+" for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", 400)
}

// receiveN receives without waiting and returns the number of messages.
func receiveN(t *testing.T, tb *testBundle, url string) int {
	t.Helper()
	out, err := tb.client.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Messages)
}

func wantCounts(t *testing.T, tb *testBundle, url string, visible, inflight, delayed int) {
	t.Helper()
	out, err := tb.client.GetQueueAttributes(context.Background(), &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible, types.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Attributes["ApproximateNumberOfMessages"] + "/" + out.Attributes["ApproximateNumberOfMessagesNotVisible"] + "/" +
		out.Attributes["ApproximateNumberOfMessagesDelayed"]
	if want := strconv.Itoa(visible) + "/" + strconv.Itoa(inflight) + "/" + strconv.Itoa(delayed); got != want {
		t.Errorf("visible/in flight/delayed = %s; want %s", got, want)
	}
}

func TestBatches(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	url := tb.createQueue(t, "batch", nil)
	entries := []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("one")},
		{Id: aws.String("b"), MessageBody: aws.String("two"), DelaySeconds: 0},
		{Id: aws.String("bad"), MessageBody: aws.String("three\x00")},
		{Id: aws.String("c"), MessageBody: aws.String("four"), MessageAttributes: map[string]types.MessageAttributeValue{"k": strAttr("v")}},
	}
	out, err := c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 3 || len(out.Failed) != 1 {
		t.Fatalf("batch = %+v", out)
	}
	if f := out.Failed[0]; aws.ToString(f.Id) != "bad" || aws.ToString(f.Code) != "InvalidMessageContents" || !f.SenderFault {
		t.Errorf("failed entry = %+v", f)
	}
	got, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 3 {
		t.Fatalf("receive = %v, %v", got, err)
	}
	var bodies []string
	for _, m := range got.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	if strings.Join(bodies, ",") != "one,two,four" {
		t.Errorf("bodies = %v", bodies)
	}

	vis, err := c.ChangeMessageVisibilityBatch(ctx, &awssqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url),
		Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
			{Id: aws.String("x"), ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 60},
			{Id: aws.String("y"), ReceiptHandle: aws.String("bogus"), VisibilityTimeout: 60},
		}})
	if err != nil || len(vis.Successful) != 1 || len(vis.Failed) != 1 || aws.ToString(vis.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Errorf("change visibility batch = %+v, %v", vis, err)
	}

	del, err := c.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(url),
		Entries: []types.DeleteMessageBatchRequestEntry{
			{Id: aws.String("1"), ReceiptHandle: got.Messages[0].ReceiptHandle},
			{Id: aws.String("2"), ReceiptHandle: got.Messages[1].ReceiptHandle},
			{Id: aws.String("3"), ReceiptHandle: aws.String("bogus")},
		}})
	if err != nil || len(del.Successful) != 2 || len(del.Failed) != 1 {
		t.Fatalf("delete batch = %+v, %v", del, err)
	}
	if f := del.Failed[0]; aws.ToString(f.Code) != "ReceiptHandleIsInvalid" ||
		aws.ToString(f.Message) != `The input receipt handle "bogus" is not a valid receipt handle.` {
		t.Errorf("failed delete = %+v", f)
	}
	wantCounts(t, tb, url, 0, 1, 0)
}

func TestDelayAndRetention(t *testing.T) {
	t.Parallel()
	clk := newClock()
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	url := tb.createQueue(t, "delayed", map[string]string{"DelaySeconds": "10", "MessageRetentionPeriod": "120"})
	for _, d := range []int32{-1, 0, 30} {
		in := &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("d" + strconv.Itoa(int(d)))}
		if d >= 0 {
			in.DelaySeconds = d
		}
		if _, err := tb.client.SendMessage(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// The SDK omits DelaySeconds 0, so two messages take the queue's 10 s.
	wantCounts(t, tb, url, 0, 0, 3)
	clk.Advance(10 * time.Second)
	wantCounts(t, tb, url, 2, 0, 1)
	clk.Advance(20 * time.Second)
	wantCounts(t, tb, url, 3, 0, 0)
	// Past the retention period the messages are gone, to receives at once
	// and from the database at the next sweep.
	clk.Advance(100 * time.Second)
	wantCounts(t, tb, url, 0, 0, 0)
	if n := receiveN(t, tb, url); n != 0 {
		t.Errorf("received %d expired messages", n)
	}
	if err := tb.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	peek, err := tb.svc.Peek(ctx, url, 10)
	if err != nil || len(peek) != 0 {
		t.Errorf("peek after sweep = %v, %v", peek, err)
	}
}

func TestPurge(t *testing.T) {
	t.Parallel()
	clk := newClock()
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	url := tb.createQueue(t, "purge-me", nil)
	for range 3 {
		if _, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tb.client.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, tb, url, 0, 0, 0)
	clk.Advance(59 * time.Second)
	_, err := tb.client.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: aws.String(url)})
	wantAPIError(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on purge-me is allowed every 60 seconds.", 403)
	clk.Advance(time.Second)
	if _, err := tb.client.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Errorf("purge after 60 s: %v", err)
	}
}

func TestStatsAndPeek(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	url := tb.createQueue(t, "b-stats", nil)
	tb.createQueue(t, "a-empty.fifo", map[string]string{"FifoQueue": "true"})
	for i := range 3 {
		if _, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("m" + strconv.Itoa(i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"k": strAttr("v")}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := receiveOne(t, tb, url); n == "" {
		t.Fatal("no message")
	}
	stats, err := tb.svc.Stats(ctx)
	if err != nil || len(stats) != 2 {
		t.Fatalf("stats = %v, %v", stats, err)
	}
	if s := stats[1]; s.Name != "b-stats" || s.URL != url || s.ARN != arnBase+"b-stats" || s.Visible != 2 || s.InFlight != 1 || s.Delayed != 0 || s.FIFO {
		t.Errorf("stats = %+v", s)
	}
	if !stats[0].FIFO {
		t.Errorf("stats[0] = %+v", stats[0])
	}
	peek, err := tb.svc.Peek(ctx, url, 2)
	if err != nil || len(peek) != 2 || peek[0].Body != "m0" || peek[0].ReceiveCount != 1 || peek[1].ReceiveCount != 0 ||
		string(peek[1].MessageAttributes) != `{"k":{"DataType":"String","StringValue":"v"}}` {
		t.Errorf("peek = %+v, %v", peek, err)
	}
	// Peeking changes nothing.
	wantCounts(t, tb, url, 2, 1, 0)
	if _, err := tb.svc.Peek(ctx, tb.url+"/"+account+"/nope", 1); err == nil {
		t.Error("peek of a missing queue succeeded")
	}
}

// receiveOne receives one message and returns its body ("" for none).
func receiveOne(t *testing.T, tb *testBundle, url string) string {
	t.Helper()
	out, err := tb.client.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) == 0 {
		return ""
	}
	return aws.ToString(out.Messages[0].Body)
}
