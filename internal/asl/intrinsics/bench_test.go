package intrinsics

import (
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Run with: go test -run '^$' -bench . -benchmem ./internal/asl/intrinsics
func BenchmarkEval(b *testing.B) {
	input := jsonv.MustParse(`{"name":"Arnav","items":[1,2,3,4,5,6,7,8,9],"n":3,"csv":"a,b,c,d"}`)
	for _, expr := range []string{
		"States.Format('Hello, my name is {}.', $.name)",
		"States.ArrayGetItem($.items, $.n)",
		"States.MathAdd($.n, -1)",
		"States.MathAdd(2, -1)",
		"States.Format('{} {}', 'a', 1)",
		"States.ArrayLength(States.StringSplit($.csv, ','))",
		"States.Hash($.name, 'SHA-256')",
	} {
		e := MustParse(expr)
		env := &Env{Input: input}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Eval(env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("States.Format('{}.{}', States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), 'x')"); err != nil {
			b.Fatal(err)
		}
	}
}
