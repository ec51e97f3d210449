package ses_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// BenchmarkSendEmail measures accepting one message: validation, MIME
// building and the durable outbox insert (one SQLite commit, synchronous
// NORMAL as the tests open it), in process through Call.
func BenchmarkSendEmail(b *testing.B) {
	tb := setup(b)
	ctx := context.Background()
	if _, err := tb.svc.Call(ctx, "CreateEmailIdentity", []byte(`{"EmailIdentity":"example.com"}`)); err != nil {
		b.Fatal(err)
	}
	in := []byte(`{"FromEmailAddress":"Shop <shop@example.com>","Destination":{"ToAddresses":["a@example.net"],"CcAddresses":["b@example.net"]},
		"Content":{"Simple":{"Subject":{"Data":"Your order is on its way"},"Body":{
		"Text":{"Data":"Hello,\nyour order 42 ships today: https://shop.example.com/orders/42\nThanks!"},
		"Html":{"Data":"<p>Hello,</p><p>your order <a href=\"https://shop.example.com/orders/42\">42</a> ships today.</p>"}}}}}`)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tb.svc.Call(ctx, "SendEmail", in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSendEmailHTTP is BenchmarkSendEmail through the SES v2 SDK
// client and the HTTP handler.
func BenchmarkSendEmailHTTP(b *testing.B) {
	tb := setup(b)
	ctx := context.Background()
	if _, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil {
		b.Fatal(err)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("Shop <shop@example.com>"),
		Destination:      &types.Destination{ToAddresses: []string{"a@example.net"}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("Your order is on its way")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String("Hello, your order ships today.")}},
		}},
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tb.v2.SendEmail(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
