package dynamodb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The benchmarks run on SQLite with synchronous=NORMAL (WAL, no fsync per
// commit), through the HTTP handler with the SDK client and directly
// through Call. They report ops/s.

func benchSetup(b *testing.B) *testBundle {
	tb := setupSync(b, "NORMAL")
	tb.createTable(b, "bench", types.ScalarAttributeTypeN)
	for i := 0; i < 100; i++ {
		tb.put(b, "bench", item("pk", s("p"), "sk", n(fmt.Sprint(i)), "stock", n("1000000000"), "name", s(fmt.Sprintf("item-%03d", i)),
			"tags", ss("a", "b"), "price", n("12.5")))
	}
	return tb
}

func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkUpdateItemConditional(b *testing.B) {
	tb := benchSetup(b)
	ctx := context.Background()
	b.Run("HTTP", func(b *testing.B) {
		in := &dynamodb.UpdateItemInput{TableName: aws.String("bench"), Key: item("pk", s("p"), "sk", n("7")),
			UpdateExpression: aws.String("SET stock = stock - :one"), ConditionExpression: aws.String("stock >= :one"),
			ExpressionAttributeValues: item(":one", n("1"))}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tb.client.UpdateItem(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		reportOps(b)
	})
	b.Run("Call", func(b *testing.B) {
		body := []byte(`{"TableName":"bench","Key":{"pk":{"S":"p"},"sk":{"N":"8"}},"UpdateExpression":"SET stock = stock - :one",` +
			`"ConditionExpression":"stock >= :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tb.svc.Call(ctx, "UpdateItem", body); err != nil {
				b.Fatal(err)
			}
		}
		reportOps(b)
	})
}

func BenchmarkQuery(b *testing.B) {
	tb := benchSetup(b)
	ctx := context.Background()
	b.Run("HTTP", func(b *testing.B) {
		in := &dynamodb.QueryInput{TableName: aws.String("bench"), KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: item(":p", s("p"), ":lo", n("10"), ":hi", n("19"))}
		b.ReportAllocs()
		for b.Loop() {
			out, err := tb.client.Query(ctx, in)
			if err != nil || out.Count != 10 {
				b.Fatal(out, err)
			}
		}
		reportOps(b)
	})
	b.Run("Call", func(b *testing.B) {
		body := []byte(`{"TableName":"bench","KeyConditionExpression":"pk = :p AND sk BETWEEN :lo AND :hi",` +
			`"ExpressionAttributeValues":{":p":{"S":"p"},":lo":{"N":"10"},":hi":{"N":"19"}}}`)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tb.svc.Call(ctx, "Query", body); err != nil {
				b.Fatal(err)
			}
		}
		reportOps(b)
	})
}
