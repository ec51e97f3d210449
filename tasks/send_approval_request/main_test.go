package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"
)

var creds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")

// approvalService is an approval-link service that checks each request's
// SigV4 signature (service execute-api) and answers status, or links.
type approvalService struct {
	t      *testing.T
	status int
	mu     sync.Mutex
	got    []MintRequest
}

func (s *approvalService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/approvals" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request line", http.StatusBadRequest)
		return
	}
	// Sign the same request again and compare.
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		http.Error(w, "no X-Amz-Date", http.StatusForbidden)
		return
	}
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	again.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	c, _ := creds.Retrieve(context.Background())
	if err := v4.NewSigner().SignHTTP(context.Background(), c, again, hex.EncodeToString(sum[:]), "execute-api", "eu-west-1", when); err != nil {
		s.t.Error(err)
	}
	if got, want := r.Header.Get("Authorization"), again.Header.Get("Authorization"); got != want || !strings.Contains(got, "/eu-west-1/execute-api/aws4_request") {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"__type":"InvalidSignatureException","message":"signature does not match"}`))
		return
	}
	var m MintRequest
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.got = append(s.got, m)
	s.mu.Unlock()
	if s.status != 0 {
		w.WriteHeader(s.status)
		_, _ = w.Write([]byte(`{"__type":"ValidationException","message":"refused for the test"}`))
		return
	}
	base := "http://" + r.Host + "/approvals/ab12"
	_ = json.NewEncoder(w).Encode(Approval{
		ApprovalId: "ab12", ApproveUrl: base + "?d=approve&s=sig1", RejectUrl: base + "?d=reject&s=sig2",
		PageUrl: base + "?s=sig3", ExpiresAt: "2026-11-29T11:00:00Z",
	})
}

// fakeSES keeps the e-mails it is asked to send, or fails with err.
type fakeSES struct {
	err  error
	sent []*sesv2.SendEmailInput
}

func (f *fakeSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.sent = append(f.sent, in)
	return &sesv2.SendEmailOutput{MessageId: aws.String("m-1")}, nil
}

const token = "AAAA-secret-task-token"

const event = `{"token":"` + token + `","executionArn":"arn:aws:states:eu-west-1:123456789012:execution:orders:o-1","timeoutSeconds":3600,
 "order":{"orderId":"o-1","customer":{"email":"ann@example.com","name":"Ann <b>"},
  "items":[{"sku":"TV-900","qty":2,"name":"TV <script>alert(1)</script>","price":999.50}],"total":1999.00}}`

func setup(t *testing.T, status int, ses *fakeSES) (*handler, *approvalService) {
	svc := &approvalService{t: t, status: status}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	h := &handler{
		approvals: &httpMinter{url: srv.URL + "/approvals", client: srv.Client(), signer: v4.NewSigner(),
			credentials: creds, region: "eu-west-1", now: time.Now},
		ses: ses, from: "shop@example.com", to: "boss@example.com",
	}
	return h, svc
}

func TestSend(t *testing.T) {
	t.Parallel()
	ses := &fakeSES{}
	h, svc := setup(t, 0, ses)
	got, err := h.handle(context.Background(), json.RawMessage(event))
	if err != nil {
		t.Fatal(err)
	}
	if got != (Result{ApprovalID: "ab12", Sent: true}) {
		t.Errorf("result = %+v", got)
	}
	want := MintRequest{
		TaskToken: token, ExecutionArn: "arn:aws:states:eu-west-1:123456789012:execution:orders:o-1", StateName: "RequestApproval",
		Title:            "Approve order o-1 (1999.00 EUR)",
		Details:          "Customer: Ann <b> <ann@example.com>\n2 × TV <script>alert(1)</script> (TV-900) at 999.50 EUR = 1999.00 EUR\nTotal: 1999.00 EUR",
		ExpiresInSeconds: 3600,
	}
	if len(svc.got) != 1 || !reflect.DeepEqual(svc.got[0], want) {
		t.Errorf("minted %+v\nwant %+v", svc.got, want)
	}
	if len(ses.sent) != 1 {
		t.Fatalf("%d e-mails sent", len(ses.sent))
	}
	m := ses.sent[0]
	if *m.FromEmailAddress != "shop@example.com" || !reflect.DeepEqual(m.Destination.ToAddresses, []string{"boss@example.com"}) {
		t.Errorf("from %s to %v", *m.FromEmailAddress, m.Destination.ToAddresses)
	}
	subject, text, html := *m.Content.Simple.Subject.Data, *m.Content.Simple.Body.Text.Data, *m.Content.Simple.Body.Html.Data
	if subject != "Approval needed: order o-1 (1999.00 EUR)" {
		t.Errorf("subject %q", subject)
	}
	for _, part := range []struct{ name, body, approve, reject string }{
		{"text", text, "?d=approve&s=sig1", "?d=reject&s=sig2"},
		{"html", html, "?d=approve&amp;s=sig1", "?d=reject&amp;s=sig2"},
	} {
		if strings.Contains(part.body, token) {
			t.Errorf("the %s part holds the task token", part.name)
		}
		for _, s := range []string{part.approve, part.reject, "1999.00 EUR", "Sun 29 Nov 2026 11:00 UTC"} {
			if !strings.Contains(part.body, s) {
				t.Errorf("the %s part lacks %q:\n%s", part.name, s, part.body)
			}
		}
	}
	if !strings.Contains(text, "Ann <b> <ann@example.com>") || !strings.Contains(text, "TV <script>alert(1)</script>") {
		t.Errorf("the text part is escaped:\n%s", text)
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "Ann <b>") || !strings.Contains(html, "TV &lt;script&gt;") {
		t.Errorf("the html part is not escaped:\n%s", html)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		sesErr error
		event  string
		want   string
		msg    string
	}{
		{name: "approval service down", status: 503, event: event, want: "TransientError"},
		{name: "approval service refuses", status: 400, event: event, want: "ServiceError", msg: "refused for the test"},
		{name: "ses throttled", sesErr: &smithy.GenericAPIError{Code: "TooManyRequestsException"}, event: event, want: "TransientError"},
		{name: "sender not verified", sesErr: &smithy.GenericAPIError{Code: "MessageRejected", Message: "Email address is not verified"}, event: event, want: "ServiceError"},
		{name: "no token", event: `{"order":{"orderId":"o-1"},"executionArn":"arn:x"}`, want: "InvalidInput", msg: "token is missing"},
		{name: "not an object", event: `"hello"`, want: "InvalidInput"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ses := &fakeSES{err: tc.sesErr}
			h, _ := setup(t, tc.status, ses)
			_, err := h.handle(context.Background(), json.RawMessage(tc.event))
			if err == nil || reflect.TypeOf(err).Elem().Name() != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q lacks %q", err.Error(), tc.msg)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	h := &handler{approvals: &httpMinter{url: "http://127.0.0.1:1/approvals", client: &http.Client{Timeout: time.Second},
		signer: v4.NewSigner(), credentials: creds, region: "eu-west-1", now: time.Now}, ses: &fakeSES{}}
	_, err := h.handle(context.Background(), json.RawMessage(event))
	if err == nil || reflect.TypeOf(err).Elem().Name() != "TransientError" {
		t.Errorf("err = %v, want TransientError", err)
	}
}
