package bench

import (
	"context"
	"os"
	"testing"

	"github.com/stepflow/stepflow/internal/local"
)

func workloads(b *testing.B) []*Workload {
	dir := "../../../shared/bench-workloads"
	if _, err := os.Stat(dir); err != nil {
		b.Skip("bench workloads folder absent")
	}
	ws, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	return ws
}

// BenchmarkWorkloads runs each shared workload once per iteration on the
// in-memory engine; transitions/op come from the workload's meta.json.
func BenchmarkWorkloads(b *testing.B) {
	r := &local.Runner{Handlers: Handlers()}
	for _, w := range workloads(b) {
		b.Run(w.Name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				if _, err := r.Run(ctx, w.Machine, info(i), w.Input, epoch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*w.Transitions)/b.Elapsed().Seconds(), "transitions/s")
		})
	}
}

func TestWorkloadsProduceExpectedOutput(t *testing.T) {
	dir := "../../../shared/bench-workloads"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("bench workloads folder absent")
	}
	ws, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &local.Runner{Handlers: Handlers()}
	for _, w := range ws {
		if err := check(context.Background(), r, w); err != nil {
			t.Error(err)
		}
	}
}
