package ses_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/stepflow/stepflow/internal/services/ses"
)

func withRelay(addr string) func(*ses.Config) {
	return func(c *ses.Config) { c.SMTPRelay = addr }
}

// sendOne verifies example.com and sends one message with SES v1.
func sendOne(t *testing.T, tb *testBundle, subject string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := tb.v1.VerifyDomainIdentity(ctx, &awsses.VerifyDomainIdentityInput{Domain: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	out, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{
		Source:      aws.String("Robot <robot@example.com>"),
		Destination: &types.Destination{ToAddresses: []string{"Alice <alice@example.net>"}, CcAddresses: []string{"bob@example.net"}, BccAddresses: []string{"audit@example.net"}},
		Message: &types.Message{Subject: &types.Content{Data: aws.String(subject)},
			Body: &types.Body{Text: &types.Content{Data: aws.String("Hello.\nLine two has = and dots:\n.\n..")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.MessageId)
}

func TestRelayDelivers(t *testing.T) {
	t.Parallel()
	relay := startSink(t, "")
	tb := setup(t, withRelay(relay.addr))
	id := sendOne(t, tb, "Relayed")
	waitFor(t, "the relay to receive the message", func() bool { return len(relay.messages()) == 1 })
	got := relay.messages()[0]
	if got.from != "robot@example.com" {
		t.Errorf("MAIL FROM %q, want robot@example.com", got.from)
	}
	if want := []string{"alice@example.net", "bob@example.net", "audit@example.net"}; !slices.Equal(got.to, want) {
		t.Errorf("RCPT TO %v, want %v", got.to, want)
	}
	m, err := tb.svc.Message(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.data, m.Raw) {
		t.Errorf("relayed message differs from the outbox copy:\n%q\n%q", got.data, m.Raw)
	}
	if !bytes.Contains(got.data, []byte("Subject: Relayed\r\n")) || !bytes.Contains(got.data, []byte("\r\n.\r\n..")) {
		t.Errorf("relayed message (dots must survive SMTP's dot-stuffing):\n%s", got.data)
	}
	waitFor(t, "the delivered status", func() bool {
		m, err := tb.svc.Message(context.Background(), id)
		return err == nil && m.Delivery.Status == ses.DeliveryDelivered
	})
	m, _ = tb.svc.Message(context.Background(), id)
	if m.Delivery.Attempts != 1 || m.Delivery.DeliveredAt.IsZero() || m.Delivery.Relay != relay.addr {
		t.Errorf("delivery %+v", m.Delivery)
	}
}

// TestRelayDownThenUp: a relay that is down keeps the message, retrying,
// until the relay comes up.
func TestRelayDownThenUp(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	tb := setup(t, withRelay(addr))
	ctx := context.Background()
	id := sendOne(t, tb, "Patience")
	waitFor(t, "a failed attempt", func() bool {
		m, err := tb.svc.Message(ctx, id)
		return err == nil && m.Delivery.Status == ses.DeliveryRetrying && m.Delivery.Attempts >= 2
	})
	m, _ := tb.svc.Message(ctx, id)
	if !strings.Contains(m.Delivery.LastError, "connect to SMTP relay "+addr) || m.Delivery.NextAttempt.IsZero() {
		t.Errorf("delivery while the relay is down: %+v", m.Delivery)
	}
	// The outbox page shows it, with the error in words.
	_, _, page := get(t, tb.url+"/outbox/"+id)
	if !strings.Contains(page, "retrying") || !strings.Contains(page, "connect to SMTP relay") {
		t.Errorf("message page does not show the retrying delivery:\n%s", page)
	}
	relay := startSink(t, addr)
	waitFor(t, "delivery once the relay is up", func() bool {
		m, err := tb.svc.Message(ctx, id)
		return err == nil && m.Delivery.Status == ses.DeliveryDelivered
	})
	if n := len(relay.messages()); n != 1 {
		t.Errorf("relay received %d messages, want 1", n)
	}
}

// TestRelayRefuses: a permanent refusal fails the message at once; a retry
// from the outbox page delivers it once the relay accepts.
func TestRelayRefuses(t *testing.T) {
	t.Parallel()
	relay := startSink(t, "")
	relay.mu.Lock()
	relay.rejectRcpt = "bob@example.net"
	relay.mu.Unlock()
	tb := setup(t, withRelay(relay.addr))
	ctx := context.Background()
	id := sendOne(t, tb, "Refused")
	waitFor(t, "the failed status", func() bool {
		m, err := tb.svc.Message(ctx, id)
		return err == nil && m.Delivery.Status == ses.DeliveryFailed
	})
	m, _ := tb.svc.Message(ctx, id)
	if m.Delivery.Attempts != 1 || !strings.Contains(m.Delivery.LastError, "RCPT TO:<bob@example.net>: 550") {
		t.Errorf("delivery %+v", m.Delivery)
	}
	relay.mu.Lock()
	relay.rejectRcpt = ""
	relay.mu.Unlock()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(tb.url+"/outbox/"+url.PathEscape(id)+"/retry", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("retry answered %d", resp.StatusCode)
	}
	waitFor(t, "delivery after the retry", func() bool {
		m, err := tb.svc.Message(ctx, id)
		return err == nil && m.Delivery.Status == ses.DeliveryDelivered
	})
	if n := len(relay.messages()); n != 1 {
		t.Errorf("relay received %d messages, want 1", n)
	}
	// Retrying a delivered message is refused in words.
	resp, err = client.PostForm(tb.url+"/outbox/"+url.PathEscape(id)+"/retry", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("retry of a delivered message answered %d, want 409", resp.StatusCode)
	}
}

// TestRelayAfterRestart: messages pending when the service stops are
// delivered by the next one.
func TestRelayAfterRestart(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	tb := setup(t, withRelay(addr), func(c *ses.Config) { c.RetryMin, c.RetryMax = time.Hour, time.Hour })
	id := sendOne(t, tb, "Survives")
	waitFor(t, "a failed attempt", func() bool {
		m, err := tb.svc.Message(context.Background(), id)
		return err == nil && m.Delivery.Status == ses.DeliveryRetrying
	})
	relay := startSink(t, addr)
	// The next attempt is an hour away; a restart keeps it scheduled, and
	// Retry brings it forward.
	tb.reopen(t, withRelay(addr))
	if err := tb.svc.Retry(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery after the restart", func() bool { return len(relay.messages()) == 1 })
}

// TestRelayV2: SES v2 messages are relayed too, raw ones byte for byte.
func TestRelayV2(t *testing.T) {
	t.Parallel()
	relay := startSink(t, "")
	tb := setup(t, withRelay(relay.addr))
	ctx := context.Background()
	if _, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("me@example.com")}); err != nil {
		t.Fatal(err)
	}
	raw := "From: me@example.com\r\nTo: you@example.net\r\nSubject: v2 raw\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n"
	if _, err := tb.v2.SendEmail(ctx, &sesv2.SendEmailInput{Content: &v2types.EmailContent{Raw: &v2types.RawMessage{Data: []byte(raw)}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the relay", func() bool { return len(relay.messages()) == 1 })
	got := relay.messages()[0]
	if string(got.data) != raw || got.from != "me@example.com" || !slices.Equal(got.to, []string{"you@example.net"}) {
		t.Errorf("relayed %q from %q to %v", got.data, got.from, got.to)
	}
}
