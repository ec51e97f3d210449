package sqs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stepflow/stepflow/internal/services/sqs"
	"github.com/stepflow/stepflow/internal/store/sqlite"
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

// TestServiceRestartOnOpenDatabase closes the service, not the database,
// while sends, receives (of varying MaxNumberOfMessages) and deletes run:
// they all succeed, the closed service's prepared statements giving way to
// unprepared ones. A new service on the same database then counts every
// message sent and not deleted.
func TestServiceRestartOnOpenDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, err := sqs.New(sqs.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, in := range []string{`{"QueueName":"std"}`, `{"QueueName":"q.fifo","Attributes":{"FifoQueue":"true"}}`} {
		out, err := first.Call(ctx, "CreateQueue", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		var res struct{ QueueUrl string }
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		urls = append(urls, res.QueueUrl)
	}
	var sent, deleted atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				for _, url := range urls {
					send := fmt.Sprintf(`{"QueueUrl":%q,"MessageBody":"m"}`, url)
					if strings.HasSuffix(url, ".fifo") {
						send = fmt.Sprintf(`{"QueueUrl":%q,"MessageBody":"m","MessageGroupId":"g%d","MessageDeduplicationId":"%d-%d"}`, url, w, w, i)
					}
					if _, err := first.Call(ctx, "SendMessage", []byte(send)); err != nil {
						t.Errorf("SendMessage: %v", err)
						return
					}
					sent.Add(1)
					recv := fmt.Sprintf(`{"QueueUrl":%q,"MaxNumberOfMessages":%d}`, url, 1+(w+i)%10)
					out, err := first.Call(ctx, "ReceiveMessage", []byte(recv))
					if err != nil {
						t.Errorf("ReceiveMessage: %v", err)
						return
					}
					var got struct {
						Messages []struct{ ReceiptHandle string }
					}
					if err := json.Unmarshal(out, &got); err != nil {
						t.Error(err)
						return
					}
					for _, m := range got.Messages {
						del, _ := json.Marshal(map[string]string{"QueueUrl": url, "ReceiptHandle": m.ReceiptHandle})
						if _, err := first.Call(ctx, "DeleteMessage", del); err != nil {
							t.Errorf("DeleteMessage: %v", err)
							return
						}
						deleted.Add(1)
					}
				}
			}
		})
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	second, err := sqs.New(sqs.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	left := int64(0)
	for _, url := range urls {
		out, err := second.Call(ctx, "GetQueueAttributes", []byte(fmt.Sprintf(`{"QueueUrl":%q,"AttributeNames":["All"]}`, url)))
		if err != nil {
			t.Fatal(err)
		}
		var res struct{ Attributes map[string]string }
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
			n, err := strconv.ParseInt(res.Attributes[a], 10, 64)
			if err != nil {
				t.Fatalf("%s = %q", a, res.Attributes[a])
			}
			left += n
		}
	}
	if want := sent.Load() - deleted.Load(); left != want {
		t.Errorf("%d messages left after the restart, want %d (%d sent, %d deleted)", left, want, sent.Load(), deleted.Load())
	}
}
