package scheduler_test

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkCreateGetSchedule measures the control plane in-process: one
// CreateSchedule (a durable write) and one GetSchedule per iteration.
func BenchmarkCreateGetSchedule(b *testing.B) {
	tb := setup(b, func(o *options) { o.noFiring = true })
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		name := fmt.Sprintf("s%d", i)
		if _, err := tb.svc.Call(ctx, "CreateSchedule", []byte(`{"Name":"`+name+`","ScheduleExpression":"cron(0 10 ? * MON-FRI *)",`+
			`"FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"`+queueArn+`","RoleArn":"`+roleArn+`"}}`)); err != nil {
			b.Fatal(err)
		}
		if _, err := tb.svc.Call(ctx, "GetSchedule", []byte(`{"Name":"`+name+`"}`)); err != nil {
			b.Fatal(err)
		}
	}
}
