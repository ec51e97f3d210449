package ses_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/ses"
)

// sendTo sends a text+HTML message from robot@example.com (verified
// first) to one recipient.
func sendTo(t *testing.T, tb *testBundle, to, subject string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := tb.v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("robot@example.com")}); err != nil {
		t.Fatal(err)
	}
	out, err := tb.v1.SendEmail(ctx, &awsses.SendEmailInput{
		Source:      aws.String("robot@example.com"),
		Destination: &types.Destination{ToAddresses: []string{to}},
		Message: &types.Message{Subject: &types.Content{Data: aws.String(subject)}, Body: &types.Body{
			Text: &types.Content{Data: aws.String("Confirm: https://app.example.com/confirm?t=abc")},
			Html: &types.Content{Data: aws.String(`<p>Please <a href="https://app.example.com/confirm?t=abc&amp;x=1">confirm</a> <script>alert(1)</script></p>`)},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.MessageId)
}

func TestOutboxPages(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	first := sendTo(t, tb, "ann@example.net", "Welcome <Ann> & co")
	second := sendTo(t, tb, "ben@example.net", "Reset your password")

	status, hdr, page := get(t, tb.url+"/outbox")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /outbox: %d %s", status, hdr.Get("Content-Type"))
	}
	for _, want := range []string{"Welcome &lt;Ann&gt; &amp; co", "Reset your password", `href="/outbox/` + second + `"`, "ann@example.net", "stored"} {
		if !strings.Contains(page, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
	if strings.Index(page, "Reset your password") > strings.Index(page, "Welcome") {
		t.Errorf("list page is not newest first")
	}
	if strings.Contains(page, "<script") {
		t.Errorf("list page has a script")
	}
	_, _, filtered := get(t, tb.url+"/outbox?to=ANN@example.net")
	if !strings.Contains(filtered, "Welcome") || strings.Contains(filtered, "Reset your password") {
		t.Errorf("filtered list page:\n%s", filtered)
	}

	status, _, page = get(t, tb.url+"/outbox/"+first)
	if status != 200 {
		t.Fatalf("message page: %d", status)
	}
	for _, want := range []string{
		"Welcome &lt;Ann&gt; &amp; co",
		`<iframe title="HTML part of the message" src="/outbox/` + first + `/html" sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"`,
		`href="https://app.example.com/confirm?t=abc&amp;x=1"`,
		"Confirm: https://app.example.com/confirm?t=abc",
		"&lt;" + first + "@email.amazonses.com&gt;",
		`href="/outbox/` + first + `/raw"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("message page lacks %q", want)
		}
	}

	status, hdr, htmlPart := get(t, tb.url+"/outbox/"+first+"/html")
	if status != 200 || !strings.Contains(htmlPart, `<a href="https://app.example.com/confirm?t=abc&amp;x=1">confirm</a>`) {
		t.Errorf("html part: %d %s", status, htmlPart)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox allow-popups") || !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("html part CSP %q", csp)
	}

	m, err := tb.svc.Message(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	status, hdr, raw := get(t, tb.url+"/outbox/"+first+"/raw")
	if status != 200 || raw != string(m.Raw) || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("raw: %d %s", status, hdr.Get("Content-Type"))
	}
	_, hdr, _ = get(t, tb.url+"/outbox/"+first+"/raw?download=1")
	if hdr.Get("Content-Type") != "message/rfc822" {
		t.Errorf("raw download: %s", hdr.Get("Content-Type"))
	}

	// The JSON API.
	var api struct {
		Messages []struct {
			ID        string   `json:"id"`
			MessageID string   `json:"messageId"`
			From      string   `json:"from"`
			To        []string `json:"to"`
			Cc        []string `json:"cc"`
			Subject   string   `json:"subject"`
			Date      string   `json:"date"`
			Text      string   `json:"text"`
			HTML      string   `json:"html"`
			Links     []string `json:"links"`
			Delivery  struct {
				Status string `json:"status"`
			} `json:"delivery"`
		} `json:"messages"`
	}
	status, hdr, body := get(t, tb.url+"/outbox/api/messages?to="+url.QueryEscape("ann@example.net")+"&limit=5")
	if status != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("api: %d %s", status, hdr.Get("Content-Type"))
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatal(err)
	}
	if len(api.Messages) != 1 {
		t.Fatalf("api returned %d messages: %s", len(api.Messages), body)
	}
	got := api.Messages[0]
	if got.ID != first || got.MessageID != "<"+first+"@email.amazonses.com>" || got.From != "robot@example.com" ||
		!slices.Equal(got.To, []string{"ann@example.net"}) || got.Cc == nil || got.Subject != "Welcome <Ann> & co" ||
		got.Date == "" || got.Text == "" || got.HTML == "" || got.Delivery.Status != "stored" ||
		!slices.Equal(got.Links, []string{"https://app.example.com/confirm?t=abc&x=1", "https://app.example.com/confirm?t=abc"}) {
		t.Errorf("api message %+v", got)
	}
	_, _, body = get(t, tb.url+"/outbox/api/messages?limit=1")
	if err := json.Unmarshal([]byte(body), &api); err != nil || len(api.Messages) != 1 || api.Messages[0].ID != second {
		t.Errorf("limit=1 newest first: %s", body)
	}

	// Errors, in words.
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/outbox/nope", 404, "No message in the outbox has the MessageId nope."},
		{"/outbox/nope/raw", 404, "No message in the outbox has the MessageId nope."},
		{"/outbox/api/messages?limit=0", 400, "limit must be a whole number from 1 to 1000"},
		{"/outbox/api/frob", 404, "Unknown outbox API path"},
		{"/outbox/" + first + "/frob", 404, "This page does not exist."},
	}
	for _, tt := range tests {
		status, _, body := get(t, tb.url+tt.path)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: %d %s; want %d with %q", tt.path, status, body, tt.status, tt.want)
		}
	}
	resp, err := http.PostForm(tb.url+"/outbox/"+first+"/retry", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("retry without a relay: %d, want 409", resp.StatusCode)
	}
}

func TestOutboxPaging(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	for i := range 53 {
		sendTo(t, tb, "x@example.net", "Message "+strconv.Itoa(i))
	}
	_, _, page := get(t, tb.url+"/outbox")
	if !strings.Contains(page, "Message 52") || strings.Contains(page, "Message 2<") || !strings.Contains(page, "Older messages") {
		t.Errorf("first page wrong")
	}
	i := strings.Index(page, `href="/outbox?before=`)
	if i < 0 {
		t.Fatal("no link to older messages")
	}
	href := page[i+6:]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	_, _, older := get(t, tb.url+href)
	for _, want := range []string{"Message 2<", "Message 0<", "Newest messages"} {
		if !strings.Contains(older, want) {
			t.Errorf("second page lacks %q", want)
		}
	}
	if strings.Contains(older, "Message 52") {
		t.Errorf("second page repeats the first")
	}
}

// TestReopen: identities and the outbox survive closing and reopening
// the database.
func TestReopen(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	id := sendTo(t, tb, "keep@example.net", "Durable")
	tb.reopen(t)
	ctx := context.Background()
	m, err := tb.svc.Message(ctx, id)
	if err != nil || m.Subject != "Durable" {
		t.Fatalf("after reopen: %+v %v", m, err)
	}
	// robot@example.com is still verified.
	sendTo(t, tb, "keep@example.net", "Again")
	msgs, err := tb.svc.Outbox(ctx, ses.Filter{To: "keep@example.net"})
	if err != nil || len(msgs) != 2 || msgs[0].Subject != "Again" {
		t.Errorf("outbox after reopen: %v %v", msgs, err)
	}
}

// TestCall drives both APIs in process, as Step Functions' aws-sdk
// integrations do.
func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.svc.Call(ctx, "CreateEmailIdentity", []byte(`{"EmailIdentity":"example.com"}`)); err != nil {
		t.Fatal(err)
	}
	out, err := tb.svc.Call(ctx, "SendEmail", []byte(`{"FromEmailAddress":"a@example.com","Destination":{"ToAddresses":["b@example.net"]},
		"Content":{"Simple":{"Subject":{"Data":"from a state machine"},"Body":{"Text":{"Data":"hi"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ MessageId string }
	if err := json.Unmarshal(out, &res); err != nil || !messageIDRE.MatchString(res.MessageId) {
		t.Errorf("Call SendEmail = %s %v", out, err)
	}
	out, err = tb.svc.Call(ctx, "GetEmailIdentity", []byte(`{"EmailIdentity":"example.com"}`))
	if err != nil || !strings.Contains(string(out), `"VerificationStatus":"SUCCESS"`) || !strings.Contains(string(out), `"LastKeyGenerationTimestamp":`) {
		t.Errorf("Call GetEmailIdentity = %s %v", out, err)
	}
	out, err = tb.svc.CallV1(ctx, "SendRawEmail", []byte(`{"RawMessage":{"Data":"RnJvbTogeEBleGFtcGxlLmNvbQ0KVG86IHlAZXhhbXBsZS5uZXQNClN1YmplY3Q6IHJhdw0KDQpib2R5DQo="}}`))
	if err != nil || !strings.Contains(string(out), `"MessageId":"0100`) {
		t.Errorf("CallV1 SendRawEmail = %s %v", out, err)
	}
	out, err = tb.svc.CallV1(ctx, "GetSendStatistics", nil)
	if err != nil || !strings.Contains(string(out), `"DeliveryAttempts":2`) {
		t.Errorf("CallV1 GetSendStatistics = %s %v", out, err)
	}
	tests := []struct {
		v1     bool
		action string
		input  string
		code   string
		msg    string
	}{
		{false, "SendEmail", `{"FromEmailAddress":"a@other.com","Destination":{"ToAddresses":["b@example.net"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"b"}}}}}`,
			"MessageRejected", "Email address is not verified. The following identities failed the check in region US-EAST-1: a@other.com"},
		{false, "GetEmailIdentity", `{}`, "BadRequestException", "1 validation error detected: Value null at 'emailIdentity' failed to satisfy constraint: Member must not be null"},
		{false, "Frobnicate", `{}`, "UnknownOperationException", ""},
		{false, "CreateContactList", `{"ContactListName":"x"}`, "NotImplemented", "Stepflow does not implement the SES v2 action CreateContactList yet."},
		{true, "SendEmail", `{"Source":"a@example.com"}`, "ValidationError",
			"2 validation errors detected: Value null at 'destination' failed to satisfy constraint: Member must not be null; Value null at 'message' failed to satisfy constraint: Member must not be null"},
		{true, "SendEmail", `not json`, "InvalidParameterValue", "Could not parse the request: the input is not valid JSON."},
		{true, "Frobnicate", `{}`, "InvalidAction", "The action Frobnicate is not valid for this web service."},
	}
	for _, tt := range tests {
		call := tb.svc.Call
		if tt.v1 {
			call = tb.svc.CallV1
		}
		_, err := call(ctx, tt.action, []byte(tt.input))
		var e *awsproto.Error
		if !errors.As(err, &e) || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("%s(%s): %v; want %s %q", tt.action, tt.input, err, tt.code, tt.msg)
		}
	}
}
