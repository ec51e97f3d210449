package events_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/stepflow/stepflow/internal/services/events"
)

// BenchmarkPutEvents measures PutEvents in-process: 10 entries matched
// against 20 rules, 2 of which match each entry and deliver (to a target
// that accepts at once) through an InputTransformer.
func BenchmarkPutEvents(b *testing.B) {
	var delivered atomic.Int64
	tb := setup(b, func(o *options) {
		o.deliver = func(context.Context, events.Target, []byte) error {
			delivered.Add(1)
			return nil
		}
	})
	ctx := context.Background()
	for i := range 20 {
		src := fmt.Sprintf("src-%d", i%10)
		putRule(b, tb.client, &eventbridge.PutRuleInput{Name: aws.String(fmt.Sprintf("r%d", i)),
			EventPattern: aws.String(`{"source":["` + src + `"],"detail":{"n":[{"numeric":[">",0]}]}}`)},
			types.Target{Id: aws.String("t"), Arn: aws.String(fnArn), InputTransformer: &types.InputTransformer{
				InputPathsMap: map[string]string{"n": "$.detail.n"}, InputTemplate: aws.String(`{"n":<n>}`)}})
	}
	body := []byte(`{"Entries":[`)
	for i := range 10 {
		if i > 0 {
			body = append(body, ',')
		}
		body = fmt.Appendf(body, `{"Source":"src-%d","DetailType":"d","Detail":"{\"n\":%d}"}`, i, i+1)
	}
	body = append(body, "]}"...)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := tb.svc.Call(ctx, "PutEvents", body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "events/s")
}
