package ses_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"

	"github.com/stepflow/stepflow/internal/services/ses"
)

func TestV1Identities(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	for _, a := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if _, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tb.v1.VerifyEmailAddress(ctx, &awsses.VerifyEmailAddressInput{EmailAddress: aws.String("old@example.com")}); err != nil {
		t.Fatal(err)
	}
	d1, err := tb.v1.VerifyDomainIdentity(ctx, &awsses.VerifyDomainIdentityInput{Domain: aws.String("example.org")})
	if err != nil {
		t.Fatal(err)
	}
	if len(aws.ToString(d1.VerificationToken)) != 44 {
		t.Errorf("VerificationToken %q, want 44 base64 characters", aws.ToString(d1.VerificationToken))
	}
	d2, err := tb.v1.VerifyDomainIdentity(ctx, &awsses.VerifyDomainIdentityInput{Domain: aws.String("example.org")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d2.VerificationToken) != aws.ToString(d1.VerificationToken) {
		t.Errorf("second VerifyDomainIdentity gave another token")
	}
	// Verifying again changes nothing.
	if _, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("a@example.com")}); err != nil {
		t.Fatal(err)
	}

	attrs, err := tb.v1.GetIdentityVerificationAttributes(ctx, &awsses.GetIdentityVerificationAttributesInput{
		Identities: []string{"a@example.com", "example.org", "unknown@example.net"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs.VerificationAttributes) != 2 {
		t.Errorf("VerificationAttributes = %v, want a@example.com and example.org", attrs.VerificationAttributes)
	}
	if a := attrs.VerificationAttributes["a@example.com"]; a.VerificationStatus != types.VerificationStatusSuccess || a.VerificationToken != nil {
		t.Errorf("a@example.com: %+v", a)
	}
	if a := attrs.VerificationAttributes["example.org"]; a.VerificationStatus != types.VerificationStatusSuccess || aws.ToString(a.VerificationToken) != aws.ToString(d1.VerificationToken) {
		t.Errorf("example.org: %+v", a)
	}

	// Paging through all identities, two at a time.
	var all []string
	p := awsses.NewListIdentitiesPaginator(tb.v1, &awsses.ListIdentitiesInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, out.Identities...)
	}
	want := []string{"a@example.com", "b@example.com", "c@example.com", "old@example.com", "example.org"}
	if !slices.Equal(all, want) || pages != 3 {
		t.Errorf("ListIdentities pages = %d, identities %v; want 3 pages of %v", pages, all, want)
	}
	for _, tt := range []struct {
		typ  types.IdentityType
		want []string
	}{
		{types.IdentityTypeDomain, []string{"example.org"}},
		{types.IdentityTypeEmailAddress, []string{"a@example.com", "b@example.com", "c@example.com", "old@example.com"}},
	} {
		out, err := tb.v1.ListIdentities(ctx, &awsses.ListIdentitiesInput{IdentityType: tt.typ})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.Identities, tt.want) {
			t.Errorf("ListIdentities(%s) = %v, want %v", tt.typ, out.Identities, tt.want)
		}
	}
	ve, err := tb.v1.ListVerifiedEmailAddresses(ctx, &awsses.ListVerifiedEmailAddressesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ve.VerifiedEmailAddresses) != 4 {
		t.Errorf("ListVerifiedEmailAddresses = %v", ve.VerifiedEmailAddresses)
	}

	// Deleting, twice: the second one succeeds too, as on AWS.
	for range 2 {
		if _, err := tb.v1.DeleteIdentity(ctx, &awsses.DeleteIdentityInput{Identity: aws.String("b@example.com")}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := tb.v1.ListIdentities(ctx, &awsses.ListIdentitiesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(out.Identities, "b@example.com") || len(out.Identities) != 4 {
		t.Errorf("after delete: %v", out.Identities)
	}
}

func TestV1SendEmail(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("sender@example.com")}); err != nil {
		t.Fatal(err)
	}
	out, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{
		Source: aws.String("Shop Team <sender@example.com>"),
		Destination: &types.Destination{
			ToAddresses:  []string{"alice@example.net", "Bob Ünal <bob@example.net>"},
			CcAddresses:  []string{"carol@example.net"},
			BccAddresses: []string{"dave@example.net"},
		},
		ReplyToAddresses: []string{"help@example.com"},
		Message: &types.Message{
			Subject: &types.Content{Data: aws.String("Your order ✓ is on its way"), Charset: aws.String("UTF-8")},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String("Track it: https://shop.example.com/track?id=42\nThanks!")},
				Html: &types.Content{Data: aws.String(`<p>Track it <a href="https://shop.example.com/track?id=42&amp;ref=mail">here</a>.</p>`)},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.MessageId)
	if !messageIDRE.MatchString(id) {
		t.Fatalf("MessageId %q is not shaped as SES's", id)
	}
	m, err := tb.svc.Message(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Your order ✓ is on its way" || m.From != "Shop Team <sender@example.com>" || m.Source != "sender@example.com" {
		t.Errorf("outbox message: subject %q from %q source %q", m.Subject, m.From, m.Source)
	}
	if !slices.Equal(m.Destinations, []string{"alice@example.net", "Bob Ünal <bob@example.net>", "carol@example.net", "dave@example.net"}) {
		t.Errorf("Destinations = %v", m.Destinations)
	}
	if m.Delivery.Status != ses.DeliveryStored {
		t.Errorf("delivery status %q without a relay, want %q", m.Delivery.Status, ses.DeliveryStored)
	}
	if m.Text != "Track it: https://shop.example.com/track?id=42\r\nThanks!" {
		t.Errorf("Text = %q", m.Text)
	}
	if !slices.Equal(m.Links, []string{"https://shop.example.com/track?id=42&ref=mail", "https://shop.example.com/track?id=42"}) {
		t.Errorf("Links = %q", m.Links)
	}

	// The MIME message as a mail reader sees it.
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Your order ✓ is on its way" {
		t.Errorf("Subject header decodes to %q", subject)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[1].Name != "Bob Ünal" || to[1].Address != "bob@example.net" {
		t.Errorf("To header %q: %v %v", msg.Header.Get("To"), to, err)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+id+"@email.amazonses.com>" {
		t.Errorf("Message-ID = %q", got)
	}
	for _, h := range []string{"Date", "Reply-To", "Cc", "From", "Mime-Version"} {
		if msg.Header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
	if strings.Contains(string(m.Raw), "dave@example.net") {
		t.Errorf("the Bcc recipient appears in the message")
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, part.Header.Get("Content-Type"))
	}
	if !slices.Equal(types, []string{"text/plain; charset=UTF-8", "text/html; charset=UTF-8"}) {
		t.Errorf("parts %v", types)
	}
	for _, line := range strings.Split(string(m.Raw), "\r\n") {
		if len(line) > 998 || strings.Contains(line, "\n") {
			t.Errorf("line breaks the RFC 5322 limits: %q", line)
		}
	}
}

func TestV1SendRawEmail(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.v1.VerifyDomainIdentity(ctx, &awsses.VerifyDomainIdentityInput{Domain: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	raw := "From: Reports <reports@mail.example.com>\r\nTo: ops@example.net\r\nCc: Boss <boss@example.net>\r\nSubject: =?UTF-8?Q?Daily_r=C3=A9port?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAll green.\r\n"
	out, err := tb.v1.SendRawEmail(ctx, &awsses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: []byte(raw)}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := tb.svc.Message(ctx, aws.ToString(out.MessageId))
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Raw) != raw {
		t.Errorf("raw message changed:\n%q\nwant\n%q", m.Raw, raw)
	}
	if m.Subject != "Daily réport" || m.Source != "reports@mail.example.com" || m.Text != "All green." {
		t.Errorf("subject %q source %q text %q", m.Subject, m.Source, m.Text)
	}
	if !slices.Equal(m.Destinations, []string{"ops@example.net", "Boss <boss@example.net>"}) {
		t.Errorf("Destinations = %v", m.Destinations)
	}

	// Explicit Source and Destinations override the headers for the
	// envelope.
	out, err = tb.v1.SendRawEmail(ctx, &awsses.SendRawEmailInput{
		Source: aws.String("bounces@example.com"), Destinations: []string{"only@example.net"},
		RawMessage: &types.RawMessage{Data: []byte(raw)},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err = tb.svc.Message(ctx, aws.ToString(out.MessageId))
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != "bounces@example.com" || !slices.Equal(m.Destinations, []string{"only@example.net"}) {
		t.Errorf("envelope from %q to %v", m.Source, m.Destinations)
	}
}

func TestV1Unverified(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.v1.VerifyDomainIdentity(ctx, &awsses.VerifyDomainIdentityInput{Domain: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("me@gmail.com")}); err != nil {
		t.Fatal(err)
	}
	simple := func(from string) *awsses.SendEmailInput {
		return &awsses.SendEmailInput{
			Source:      aws.String(from),
			Destination: &types.Destination{ToAddresses: []string{"x@example.net"}},
			Message:     &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}},
		}
	}
	tests := []struct {
		from string
		ok   bool
	}{
		{"anyone@example.com", true},
		{"Someone <someone@EXAMPLE.com>", true},
		{"deep@mail.eu.example.com", true},
		{"me@gmail.com", true},
		{"other@gmail.com", false},
		{"x@notexample.com", false},
		{"Fake <x@example.com.evil.net>", false},
	}
	for _, tt := range tests {
		_, err := tb.v1.SendEmail(ctx, simple(tt.from))
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.from, err)
			}
			continue
		}
		code, msg := apiCode(err)
		want := "Email address is not verified. The following identities failed the check in region US-EAST-1: " + tt.from
		if code != "MessageRejected" || msg != want || httpStatus(err) != 400 {
			t.Errorf("%s: %d %s %q; want 400 MessageRejected %q", tt.from, httpStatus(err), code, msg, want)
		}
	}
	// A raw message names both the From header and the address.
	_, err := tb.v1.SendRawEmail(ctx, &awsses.SendRawEmailInput{RawMessage: &types.RawMessage{
		Data: []byte("From: Ann <ann@other.org>\r\nTo: x@example.net\r\nSubject: s\r\n\r\nb\r\n")}})
	code, msg := apiCode(err)
	if code != "MessageRejected" || !strings.HasSuffix(msg, "region US-EAST-1: Ann <ann@other.org>, ann@other.org") {
		t.Errorf("raw: %s %q", code, msg)
	}
	n, _ := tb.svc.Count(ctx)
	if n != 4 {
		t.Errorf("outbox holds %d messages, want the 4 accepted", n)
	}
}

func TestV1Quota(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("s@example.com")}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{
			Source:      aws.String("s@example.com"),
			Destination: &types.Destination{ToAddresses: []string{"a@example.net"}, CcAddresses: []string{"b@example.net"}},
			Message:     &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	q, err := tb.v1.GetSendQuota(ctx, &awsses.GetSendQuotaInput{})
	if err != nil {
		t.Fatal(err)
	}
	if q.SentLast24Hours != 4 || q.Max24HourSend != 50000 || q.MaxSendRate != 14 {
		t.Errorf("GetSendQuota = %+v", q)
	}
	st, err := tb.v1.GetSendStatistics(ctx, &awsses.GetSendStatisticsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var attempts int64
	for _, p := range st.SendDataPoints {
		attempts += p.DeliveryAttempts
		if p.Timestamp == nil || p.Timestamp.IsZero() {
			t.Errorf("data point without a timestamp: %+v", p)
		}
	}
	if attempts != 4 {
		t.Errorf("GetSendStatistics counts %d delivery attempts, want 4", attempts)
	}
}

// TestV1BadInput sends requests AWS refuses: each gets AWS's error and
// changes nothing.
func TestV1BadInput(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("s@example.com")}); err != nil {
		t.Fatal(err)
	}
	body := &types.Body{Text: &types.Content{Data: aws.String("b")}}
	subject := &types.Content{Data: aws.String("s")}
	many := make([]string, 51)
	for i := range many {
		many[i] = "r" + strings.Repeat("x", i) + "@example.net"
	}
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"bad source", func() error {
			_, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{Source: aws.String("nobody"), Destination: &types.Destination{ToAddresses: []string{"a@example.net"}},
				Message: &types.Message{Subject: subject, Body: body}})
			return err
		}, "InvalidParameterValue", "Missing final '@domain'"},
		{"bad recipient", func() error {
			_, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{Source: aws.String("s@example.com"), Destination: &types.Destination{ToAddresses: []string{"@example.net"}},
				Message: &types.Message{Subject: subject, Body: body}})
			return err
		}, "InvalidParameterValue", "Missing local name"},
		{"no recipient", func() error {
			_, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{Source: aws.String("s@example.com"), Destination: &types.Destination{ToAddresses: []string{}},
				Message: &types.Message{Subject: subject, Body: body}})
			return err
		}, "InvalidParameterValue", "Missing required header 'To'."},
		{"51 recipients", func() error {
			_, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{Source: aws.String("s@example.com"), Destination: &types.Destination{BccAddresses: many},
				Message: &types.Message{Subject: subject, Body: body}})
			return err
		}, "InvalidParameterValue", "Recipient count exceeds 50."},
		{"raw over 10 MB", func() error {
			raw := "From: s@example.com\r\nTo: a@example.net\r\nSubject: big\r\n\r\n" + strings.Repeat("x", 10<<20)
			_, err := tb.v1.SendRawEmail(ctx, &awsses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: []byte(raw)}})
			return err
		}, "InvalidParameterValue", "Message length is more than 10485760 bytes long: '10485816'."},
		{"raw without From", func() error {
			_, err := tb.v1.SendRawEmail(ctx, &awsses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: []byte("To: a@example.net\r\n\r\nb")}})
			return err
		}, "InvalidParameterValue", "Missing required header 'From'."},
		{"raw without recipients", func() error {
			_, err := tb.v1.SendRawEmail(ctx, &awsses.SendRawEmailInput{RawMessage: &types.RawMessage{Data: []byte("From: s@example.com\r\n\r\nb")}})
			return err
		}, "InvalidParameterValue", "Missing required header 'To'."},
		{"configuration set", func() error {
			_, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{Source: aws.String("s@example.com"), Destination: &types.Destination{ToAddresses: []string{"a@example.net"}},
				Message: &types.Message{Subject: subject, Body: body}, ConfigurationSetName: aws.String("cs")})
			return err
		}, "ConfigurationSetDoesNotExist", "Configuration set <cs> does not exist."},
		{"bad MaxItems", func() error {
			_, err := tb.v1.ListIdentities(ctx, &awsses.ListIdentitiesInput{MaxItems: aws.Int32(5000)})
			return err
		}, "InvalidParameterValue", "Value 5000 for parameter MaxItems is invalid: it must be between 1 and 1000."},
		{"bad token", func() error {
			_, err := tb.v1.ListIdentities(ctx, &awsses.ListIdentitiesInput{NextToken: aws.String("bm9wZQ")})
			return err
		}, "InvalidParameterValue", "Invalid NextToken: pass the NextToken of the previous ListIdentities response, with the same IdentityType."},
		{"bad address to verify", func() error {
			_, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("not an address")})
			return err
		}, "InvalidParameterValue", "Invalid email address not an address."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			code, msg := apiCode(err)
			if code != tt.code || msg != tt.msg || httpStatus(err) != 400 {
				t.Errorf("got %d %s %q; want 400 %s %q", httpStatus(err), code, msg, tt.code, tt.msg)
			}
		})
	}
	// Requests the SDK would not send.
	raw := []struct {
		name, form, code, msg string
	}{
		{"missing members", "Action=SendEmail&Version=2010-12-01", "ValidationError",
			"3 validation errors detected: Value null at 'source' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'destination' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'message' failed to satisfy constraint: Member must not be null"},
		{"unknown action", "Action=Frobnicate&Version=2010-12-01", "InvalidAction", "The action Frobnicate is not valid for this web service."},
		{"no action", "Version=2010-12-01", "MissingAction", "The request must contain the parameter Action."},
		{"not an integer", "Action=ListIdentities&MaxItems=ten", "InvalidParameterValue", "Value 'ten' for parameter MaxItems is invalid: expected an integer."},
		{"bad enum", "Action=ListIdentities&IdentityType=Robot", "ValidationError",
			"1 validation error detected: Value 'Robot' at 'identityType' failed to satisfy constraint: Member must satisfy enum value set: [EmailAddress, Domain]"},
		// Only Name.member.N (N = 1, 2, ...) and "Name=" spell a list.
		{"list without members", "Action=GetIdentityVerificationAttributes&Identities.member.01=a.com&Identities.member.x=b.com", "ValidationError",
			"1 validation error detected: Value null at 'identities' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range raw {
		t.Run(tt.name, func(t *testing.T) {
			status, code, msg := postForm(t, tb.url, tt.form)
			if status != 400 || code != tt.code || msg != tt.msg {
				t.Errorf("got %d %s %q; want 400 %s %q", status, code, msg, tt.code, tt.msg)
			}
		})
	}
	status, code, _ := postForm(t, tb.url, "Action=CreateTemplate&Template.TemplateName=t")
	if status != 501 || code != "NotImplemented" {
		t.Errorf("an action Stepflow lacks: %d %s, want 501 NotImplemented", status, code)
	}
	if n, _ := tb.svc.Count(ctx); n != 0 {
		t.Errorf("bad requests stored %d messages", n)
	}
	ids, err := tb.v1.ListIdentities(ctx, &awsses.ListIdentitiesInput{})
	if err != nil || len(ids.Identities) != 1 {
		t.Errorf("identities after bad requests: %v %v", ids, err)
	}
}

// postForm sends an unsigned-but-scoped SES v1 form request and returns the
// status and the XML error's code and message.
func postForm(t *testing.T, base, form string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// The router picks SES v1 by the credential scope's service.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct{ Type, Code, Message string }
	}
	if err := xmlUnmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return resp.StatusCode, e.Error.Code, e.Error.Message
}
