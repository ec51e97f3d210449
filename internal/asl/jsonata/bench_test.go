package jsonata

import (
	"testing"
)

// Benchmarks on typical Step Functions expressions. Run with:
//
//	go test -run='^$' -bench=. -benchmem ./internal/asl/jsonata/
func BenchmarkEval(b *testing.B) {
	doc := `{"order":{"id":"o-1","customer":{"name":"Ann","email":"ann@example.com"},"items":[` +
		`{"sku":"a","price":5,"qty":2},{"sku":"b","price":20,"qty":1},{"sku":"c","price":12.5,"qty":4},` +
		`{"sku":"d","price":99.99,"qty":1},{"sku":"e","price":1,"qty":10}]},"status":"NEW"}`
	env := Env{Vars: statesVars(doc)}
	benches := []struct{ name, expr string }{
		{"path", `$states.input.order.customer.name`},
		{"filter", `$states.input.order.items[price > 10].sku`},
		{"object5", `{"id": $states.input.order.id, "name": $states.input.order.customer.name, "email": $states.input.order.customer.email, "status": $states.input.status, "count": $count($states.input.order.items)}`},
		{"sum", `$sum($states.input.order.items.(price*qty))`},
		{"map", `$map($states.input.order.items, function($i){ $i.sku & ":" & $string($i.qty) })`},
		{"condition", `$states.input.status = "NEW" ? "process" : "skip"`},
		{"string", `$uppercase($substring($states.input.order.customer.email, 0, 3)) & "-" & $states.input.order.id`},
	}
	for _, bb := range benches {
		e, err := Compile(bb.expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := e.Eval(env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Compile(`{"total": $sum($states.input.order.items.(price*qty)), "skus": $states.input.order.items[price > 10].sku}`); err != nil {
			b.Fatal(err)
		}
	}
}
