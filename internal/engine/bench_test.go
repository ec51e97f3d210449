package engine_test

import (
	"context"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/local"
)

// Benchmarks of whole executions on the shared workloads:
//
//	go test ./internal/engine -run '^$' -bench . -benchmem
//
// They report time and allocations per execution; timing never decides a
// test.

func benchmarkWorkload(b *testing.B, name string) {
	w := loadWorkload(b, name)
	r := local.Runner{Handlers: workloadHandlers()}
	info := testInfo()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ex, err := r.Run(ctx, w.sm, info, w.input, t0)
		if err != nil {
			b.Fatal(err)
		}
		if ex.Status() != engine.Succeeded {
			b.Fatalf("status %s", ex.Status())
		}
	}
}

// BenchmarkLinear10 runs 10 Pass states with Parameters and ResultPath.
func BenchmarkLinear10(b *testing.B) { benchmarkWorkload(b, "linear10") }

// BenchmarkMap1000 runs an inline Map over 1,000 items.
func BenchmarkMap1000(b *testing.B) { benchmarkWorkload(b, "map1000") }

// BenchmarkChoice100 runs a Choice/Task loop 100 times.
func BenchmarkChoice100(b *testing.B) { benchmarkWorkload(b, "choice100") }

// BenchmarkParallel10 runs a Parallel state with 10 branches.
func BenchmarkParallel10(b *testing.B) { benchmarkWorkload(b, "parallel10") }

// BenchmarkThree runs Pass → Task → Pass.
func BenchmarkThree(b *testing.B) { benchmarkWorkload(b, "three") }

// BenchmarkHistoryEncode encodes the history of a map1000 execution as
// GetExecutionHistory returns it.
func BenchmarkHistoryEncode(b *testing.B) {
	w := loadWorkload(b, "map1000")
	r := local.Runner{Handlers: workloadHandlers()}
	ex, err := r.Run(context.Background(), w.sm, testInfo(), w.input, t0)
	if err != nil {
		b.Fatal(err)
	}
	h := ex.History()
	buf := make([]byte, 0, 1<<20)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf = buf[:0]
		for i := range h {
			buf = h[i].AppendJSON(buf)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkJSONataVsJSONPath runs the same data flow written in each query
// language: a Task whose arguments pick three input fields, and whose
// output keeps the input and adds a field of the result, then a Pass state
// that reshapes it.
func BenchmarkJSONataVsJSONPath(b *testing.B) {
	const input = `{"order":{"id":"o-1","total":42.5,"lines":[1,2,3]},"customer":{"name":"Ada","tier":"gold"}}`
	defs := []struct{ name, def string }{
		{"JSONPath", `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
				"Parameters":{"id.$":"$.order.id","total.$":"$.order.total","customer.$":"$.customer.name"},
				"ResultSelector":{"status.$":"$.id"},"ResultPath":"$.result","Next":"P"},
			"P":{"Type":"Pass","Parameters":{"id.$":"$.order.id","status.$":"$.result.status","tier.$":"$.customer.tier"},"End":true}}}`},
		{"JSONata", `{"QueryLanguage":"JSONata","StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
				"Arguments":{"id":"{% $states.input.order.id %}","total":"{% $states.input.order.total %}","customer":"{% $states.input.customer.name %}"},
				"Output":{"order":"{% $states.input.order %}","customer":"{% $states.input.customer %}","result":{"status":"{% $states.result.id %}"}},"Next":"P"},
			"P":{"Type":"Pass","Output":{"id":"{% $states.input.order.id %}","status":"{% $states.input.result.status %}","tier":"{% $states.input.customer.tier %}"},"End":true}}}`},
	}
	for _, d := range defs {
		b.Run(d.name, func(b *testing.B) {
			sm := mustParse(b, d.def)
			in := mustJSON(b, input)
			r := local.Runner{Handlers: map[string]local.Handler{resInvoke: echo}}
			info := testInfo()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ex, err := r.Run(ctx, sm, info, in, t0)
				if err != nil {
					b.Fatal(err)
				}
				if ex.Status() != engine.Succeeded {
					name, cause := ex.Error()
					b.Fatalf("status %s: %s: %s", ex.Status(), name, cause)
				}
			}
		})
	}
}
