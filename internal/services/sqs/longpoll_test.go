package sqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

type received struct {
	out     *awssqs.ReceiveMessageOutput
	err     error
	elapsed time.Duration
}

// receiveAsync starts a long-polling receive.
func receiveAsync(tb *testBundle, in *awssqs.ReceiveMessageInput) <-chan received {
	ch := make(chan received, 1)
	go func() {
		start := time.Now()
		out, err := tb.client.ReceiveMessage(context.Background(), in)
		ch <- received{out, err, time.Since(start)}
	}()
	return ch
}

func TestLongPollWokenBySend(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	url := tb.createQueue(t, "poll", nil)
	ch := receiveAsync(tb, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 5})
	time.Sleep(100 * time.Millisecond) // let the receive start waiting
	if _, err := tb.client.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("wake")}); err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil || len(r.out.Messages) != 1 || aws.ToString(r.out.Messages[0].Body) != "wake" {
		t.Fatalf("receive = %v, %v", r.out, r.err)
	}
	if r.elapsed >= 5*time.Second {
		t.Errorf("the receive waited its whole wait time (%v) instead of returning at the send", r.elapsed)
	}
	t.Logf("long poll returned %v after it started", r.elapsed)
}

func TestLongPollWokenByVisibilityExpiry(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	url := tb.createQueue(t, "expiry", nil)
	if _, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("again")}); err != nil {
		t.Fatal(err)
	}
	first, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 1})
	if err != nil || len(first.Messages) != 1 {
		t.Fatalf("first receive = %v, %v", first, err)
	}
	r := <-receiveAsync(tb, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 5})
	if r.err != nil || len(r.out.Messages) != 1 {
		t.Fatalf("receive = %v, %v", r.out, r.err)
	}
	if r.elapsed >= 5*time.Second {
		t.Errorf("the receive waited its whole wait time (%v) instead of returning when the visibility timeout ended", r.elapsed)
	}
}

func TestLongPollTimesOut(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	// The queue's ReceiveMessageWaitTimeSeconds applies when the request
	// has none.
	url := tb.createQueue(t, "quiet", map[string]string{"ReceiveMessageWaitTimeSeconds": "1"})
	r := <-receiveAsync(tb, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if r.err != nil || len(r.out.Messages) != 0 {
		t.Fatalf("receive = %v, %v", r.out, r.err)
	}
	if r.elapsed < 500*time.Millisecond {
		t.Errorf("an empty receive with a 1 s wait returned after %v", r.elapsed)
	}
}

// TestLongPollManyWaiters: every message sent reaches exactly one of the
// waiting receivers.
func TestLongPollManyWaiters(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	url := tb.createQueue(t, "crowd", nil)
	const n = 5
	var chans []<-chan received
	for range n {
		chans = append(chans, receiveAsync(tb, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 10}))
	}
	time.Sleep(100 * time.Millisecond)
	for range n {
		if _, err := tb.client.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("m")}); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]bool{}
	for _, ch := range chans {
		r := <-ch
		if r.err != nil {
			t.Fatal(r.err)
		}
		for _, m := range r.out.Messages {
			if ids[aws.ToString(m.MessageId)] {
				t.Errorf("message %s received twice", aws.ToString(m.MessageId))
			}
			ids[aws.ToString(m.MessageId)] = true
		}
	}
	if len(ids) != n {
		t.Errorf("received %d distinct messages; want %d", len(ids), n)
	}
}
