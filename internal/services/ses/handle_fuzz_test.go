package ses_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/services/ses"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// FuzzHandle sends arbitrary SES v1 forms and SES v2 bodies through the
// HTTP handler: no input panics, and every refusal is an AWS error, never
// an internal failure.
func FuzzHandle(f *testing.F) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	svc, err := ses.New(ses.Config{DB: db})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		_ = svc.Close()
		_ = db.Close()
	})
	if _, err := svc.Call(ctx, "CreateEmailIdentity", []byte(`{"EmailIdentity":"example.com"}`)); err != nil {
		f.Fatal(err)
	}
	h := ses.NewHTTPHandler(svc, nil)
	f.Add("POST", "/", "Action=SendEmail&Source=a%40example.com&Destination.ToAddresses.member.1=b%40x.y&Message.Subject.Data=s&Message.Body.Text.Data=t")
	f.Add("POST", "/", "Action=SendRawEmail&RawMessage.Data=RnJvbTogYUBleGFtcGxlLmNvbQ0KVG86IGJAeC55DQoNCmhp")
	f.Add("POST", "/", "Action=GetIdentityVerificationAttributes&Identities.member.1=example.com")
	f.Add("POST", "/", "Action=ListIdentities&MaxItems=1&NextToken=%%%")
	f.Add("GET", "/v2/email/identities/example.com", "")
	f.Add("POST", "/v2/email/outbound-emails", `{"FromEmailAddress":"a@example.com","Destination":{"ToAddresses":["b@x.y"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Html":{"Data":"<a href=x>"}}}}}`)
	f.Add("POST", "/v2/email/outbound-emails", `{"Content":{"Raw":{"Data":"Rm9v"}}}`)
	f.Add("DELETE", "/v2/email/tags?ResourceArn=arn&TagKeys=a&TagKeys=b", "")
	f.Add("POST", "/v2/email/list-identities", `{"Filter":{"IDENTITY_TYPE":"X"},"PageSize":-1}`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			return
		}
		if _, err := url.ParseRequestURI(path); err != nil {
			return
		}
		switch method {
		case "GET", "POST", "PUT", "DELETE", "PATCH":
		default:
			return
		}
		req := httptest.NewRequest(method, "http://ses.test"+path, strings.NewReader(body))
		if strings.HasPrefix(path, "/v2/") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusNotImplemented {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
	})
}
