package logs_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/stepflow/stepflow/internal/services/logs"
)

// BenchmarkPutLogEvents measures PutLogEvents through the HTTP API with
// the real SDK client: one op is a batch of 100 events of ~100 bytes.
func BenchmarkPutLogEvents(b *testing.B) {
	tb := setup(b)
	tb.createGroup(b, "g")
	tb.createStream(b, "g", "s")
	ctx := context.Background()
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}
	for i := range 100 {
		in.LogEvents = append(in.LogEvents, types.InputLogEvent{Timestamp: aws.Int64(ms(start) + int64(i)),
			Message: aws.String(fmt.Sprintf("%03d 2025-03-01T12:00:00Z INFO request handled in 12 ms, status=200, path=/api/v1/items", i))})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := tb.client.PutLogEvents(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppend measures the in-process Append used by Lambda and Step
// Functions logging: one op is a batch of 10 events.
func BenchmarkAppend(b *testing.B) {
	tb := setup(b)
	ctx := context.Background()
	events := make([]logs.Event, 10)
	for i := range events {
		events[i] = logs.Event{Timestamp: start, Message: fmt.Sprintf("line %d of the function's output", i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := tb.svc.Append(ctx, "/aws/lambda/fn", "stream", events); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "events/s")
}
