package lambda_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/stepflow/stepflow/internal/services/lambda"
)

// reportLatencies adds p50 and p99 (µs) and invocations/s to a benchmark.
func reportLatencies(b *testing.B, lat []time.Duration, total time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(len(lat))/total.Seconds(), "invokes/s")
}

// BenchmarkInvokeWarm is a warm invocation through the Go API (what Step
// Functions' lambda:invoke uses): the process is running and waiting in
// /next.
func BenchmarkInvokeWarm(b *testing.B) {
	tb := setup(b)
	fn := name("bench")
	tb.create(b, fn, "noop")
	ctx := context.Background()
	in := lambda.InvokeInput{FunctionName: fn, Payload: []byte(`{"n":1}`)}
	if _, err := tb.svc.Invoke(ctx, in); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		out, err := tb.svc.Invoke(ctx, in)
		lat = append(lat, time.Since(t0))
		if err != nil || out.FunctionError != "" {
			b.Fatal(err, string(out.Payload))
		}
	}
	reportLatencies(b, lat, time.Since(start))
}

// BenchmarkInvokeWarmHTTP is a warm invocation through the AWS SDK and
// the HTTP API.
func BenchmarkInvokeWarmHTTP(b *testing.B) {
	tb := setup(b)
	fn := name("bench")
	tb.create(b, fn, "noop")
	ctx := context.Background()
	in := &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"n":1}`)}
	if _, err := tb.client.Invoke(ctx, in); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		_, err := tb.client.Invoke(ctx, in)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	reportLatencies(b, lat, time.Since(start))
}

// BenchmarkColdStart is an invocation that starts a new process: process
// start → first /next → response. init-ms is the process start to its
// first /next alone (the REPORT line's Init Duration).
func BenchmarkColdStart(b *testing.B) {
	tb := setup(b)
	fn := name("cold")
	tb.create(b, fn, "noop")
	ctx := context.Background()
	in := lambda.InvokeInput{FunctionName: fn, Payload: []byte(`{}`)}
	lat := make([]time.Duration, 0, b.N)
	var init time.Duration
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		tb.svc.StopProcesses(fn)
		t0 := time.Now()
		if _, err := tb.svc.Invoke(ctx, in); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		init += tb.svc.LastInitDuration(fn)
	}
	reportLatencies(b, lat, time.Since(start))
	b.ReportMetric(float64(init.Microseconds())/1e3/float64(b.N), "init-ms")
}
