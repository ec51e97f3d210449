package sqs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// BenchmarkSDKRoundTrip measures one message's life through the SDK
// client and the HTTP handler: SendMessage, ReceiveMessage, DeleteMessage
// (three requests, three SQLite commits).
func BenchmarkSDKRoundTrip(b *testing.B) {
	for _, sync := range []string{"NORMAL", "FULL"} {
		b.Run("sync="+sync, func(b *testing.B) {
			tb := setup(b, func(o *options) { o.sync = sync })
			ctx := context.Background()
			url := aws.String(tb.createQueue(b, "bench", nil))
			body := aws.String(`{"order":12345,"items":["a","b","c"]}`)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := tb.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: url, MessageBody: body}); err != nil {
					b.Fatal(err)
				}
				out, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: url})
				if err != nil || len(out.Messages) != 1 {
					b.Fatalf("receive = %v, %v", out, err)
				}
				if _, err := tb.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
		})
	}
}

// BenchmarkCallRoundTrip is BenchmarkSDKRoundTrip through Call, without
// HTTP.
func BenchmarkCallRoundTrip(b *testing.B) {
	tb := setup(b)
	ctx := context.Background()
	url := tb.createQueue(b, "bench", nil)
	send := []byte(`{"QueueUrl":"` + url + `","MessageBody":"{\"order\":12345,\"items\":[\"a\",\"b\",\"c\"]}"}`)
	recv := []byte(`{"QueueUrl":"` + url + `"}`)
	var out struct {
		Messages []struct{ ReceiptHandle string }
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := tb.svc.Call(ctx, "SendMessage", send); err != nil {
			b.Fatal(err)
		}
		res, err := tb.svc.Call(ctx, "ReceiveMessage", recv)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(res, &out); err != nil || len(out.Messages) != 1 {
			b.Fatalf("receive = %s, %v", res, err)
		}
		del, _ := json.Marshal(map[string]string{"QueueUrl": url, "ReceiptHandle": out.Messages[0].ReceiptHandle})
		if _, err := tb.svc.Call(ctx, "DeleteMessage", del); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
