package s3_test

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stepflow/stepflow/internal/services/s3"
)

// benchSetups are the durability settings the benchmarks run with:
// "durable" fsyncs every object file, its folder and the SQLite commit
// (the server's setting: SQLite FULL); "nosync" skips the object fsyncs
// and commits with SQLite NORMAL.
var benchSetups = []struct {
	name   string
	noSync bool
}{{"durable", false}, {"nosync", true}}

func benchBundle(b *testing.B, noSync bool) *testBundle {
	return setup(b, func(o *setupOpts) {
		if !noSync {
			o.synchronous = "FULL"
		}
		o.config = func(c *s3.Config) { c.NoSync = noSync }
	})
}

// BenchmarkPutObject measures small (1 KiB) PutObject through the SDK over
// HTTP, and in process.
func BenchmarkPutObject(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	for _, bs := range benchSetups {
		b.Run("sdk/"+bs.name, func(b *testing.B) {
			tb := benchBundle(b, bs.noSync)
			bucket := tb.bucket(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket),
					Key: aws.String("k/" + strconv.Itoa(i)), Body: bytes.NewReader(body)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
		b.Run("inprocess/"+bs.name, func(b *testing.B) {
			tb := benchBundle(b, bs.noSync)
			bucket := tb.bucket(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := tb.svc.PutObject(ctx, bucket, "k/"+strconv.Itoa(i), body, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkGetObject measures small (1 KiB) GetObject through the SDK over
// HTTP, and in process.
func BenchmarkGetObject(b *testing.B) {
	tb := benchBundle(b, true)
	bucket := tb.bucket(b)
	ctx := context.Background()
	const n = 100
	for i := range n {
		if _, err := tb.svc.PutObject(ctx, bucket, "k/"+strconv.Itoa(i), bytes.Repeat([]byte("x"), 1024), ""); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			out, err := tb.path.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k/" + strconv.Itoa(i%n))})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, out.Body); err != nil {
				b.Fatal(err)
			}
			out.Body.Close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
	b.Run("inprocess", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r, _, err := tb.svc.GetObject(ctx, bucket, "k/"+strconv.Itoa(i%n))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
			r.Close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}
