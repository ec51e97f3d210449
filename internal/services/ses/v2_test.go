package ses_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

func TestV2Identities(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	email, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{
		EmailIdentity: aws.String("me@example.com"),
		Tags:          []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if email.IdentityType != types.IdentityTypeEmailAddress || !email.VerifiedForSendingStatus || email.DkimAttributes != nil {
		t.Errorf("CreateEmailIdentity(email) = %+v", email)
	}
	domain, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.org")})
	if err != nil {
		t.Fatal(err)
	}
	if domain.IdentityType != types.IdentityTypeDomain || !domain.VerifiedForSendingStatus ||
		domain.DkimAttributes == nil || domain.DkimAttributes.Status != types.DkimStatusSuccess || len(domain.DkimAttributes.Tokens) != 3 {
		t.Errorf("CreateEmailIdentity(domain) = %+v", domain)
	}
	_, err = tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.org")})
	if code, msg := apiCode(err); code != "AlreadyExistsException" || msg != "Email identity example.org already exist." {
		t.Errorf("second create: %s %q", code, msg)
	}

	got, err := tb.v2.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("me@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if got.IdentityType != types.IdentityTypeEmailAddress || got.VerificationStatus != types.VerificationStatusSuccess ||
		!got.VerifiedForSendingStatus || !got.FeedbackForwardingStatus || len(got.Tags) != 1 || aws.ToString(got.Tags[0].Value) != "web" {
		t.Errorf("GetEmailIdentity = %+v", got)
	}
	gd, err := tb.v2.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.org")})
	if err != nil {
		t.Fatal(err)
	}
	if gd.DkimAttributes == nil || gd.DkimAttributes.LastKeyGenerationTimestamp == nil || gd.VerificationInfo == nil || gd.VerificationInfo.LastSuccessTimestamp == nil {
		t.Errorf("GetEmailIdentity(domain) = %+v", gd)
	}
	_, err = tb.v2.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("nobody@example.com")})
	if code, msg := apiCode(err); code != "NotFoundException" || msg != "Email identity nobody@example.com does not exist." || httpStatus(err) != 404 {
		t.Errorf("get missing: %d %s %q", httpStatus(err), code, msg)
	}

	// v1 and v2 share identities.
	attrs, err := tb.v1.ListIdentities(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(attrs.Identities, []string{"me@example.com", "example.org"}) {
		t.Errorf("v1 ListIdentities = %v", attrs.Identities)
	}

	for _, n := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if _, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := sesv2.NewListEmailIdentitiesPaginator(tb.v2, &sesv2.ListEmailIdentitiesInput{PageSize: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range out.EmailIdentities {
			names = append(names, aws.ToString(i.IdentityName))
			if !i.SendingEnabled || i.VerificationStatus != types.VerificationStatusSuccess {
				t.Errorf("identity info %+v", i)
			}
		}
	}
	if want := []string{"me@example.com", "example.org", "a@example.com", "b@example.com", "c@example.com"}; !slices.Equal(names, want) {
		t.Errorf("ListEmailIdentities = %v, want %v", names, want)
	}

	if _, err := tb.v2.DeleteEmailIdentity(ctx, &sesv2.DeleteEmailIdentityInput{EmailIdentity: aws.String("b@example.com")}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.v2.DeleteEmailIdentity(ctx, &sesv2.DeleteEmailIdentityInput{EmailIdentity: aws.String("b@example.com")})
	if code, _ := apiCode(err); code != "NotFoundException" || httpStatus(err) != 404 {
		t.Errorf("second delete: %d %s", httpStatus(err), code)
	}
}

func TestV2Tags(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:ses:us-east-1:111111111111:identity/example.com"
	if _, err := tb.v2.TagResource(ctx, &sesv2.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.v2.TagResource(ctx, &sesv2.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{
		{Key: aws.String("b"), Value: aws.String("3")}, {Key: aws.String("c"), Value: aws.String("4")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.v2.UntagResource(ctx, &sesv2.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a", "zzz"}}); err != nil {
		t.Fatal(err)
	}
	out, err := tb.v2.ListTagsForResource(ctx, &sesv2.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range out.Tags {
		got = append(got, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	if !slices.Equal(got, []string{"b=3", "c=4"}) {
		t.Errorf("tags = %v", got)
	}
	_, err = tb.v2.ListTagsForResource(ctx, &sesv2.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ses:us-east-1:111111111111:identity/nope.com")})
	if code, _ := apiCode(err); code != "NotFoundException" {
		t.Errorf("tags of a missing identity: %s", code)
	}
	tooMany := make([]types.Tag, 51)
	for i := range tooMany {
		tooMany[i] = types.Tag{Key: aws.String("k" + strings.Repeat("x", i)), Value: aws.String("v")}
	}
	_, err = tb.v2.TagResource(ctx, &sesv2.TagResourceInput{ResourceArn: aws.String(arn), Tags: tooMany})
	if code, _ := apiCode(err); code != "BadRequestException" || httpStatus(err) != 400 {
		t.Errorf("51 tags: %d %s", httpStatus(err), code)
	}
}

func TestV2SendEmail(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	out, err := tb.v2.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("Grüße GmbH <hello@example.com>"),
		Destination:      &types.Destination{ToAddresses: []string{"x@example.net"}, BccAddresses: []string{"hidden@example.net"}},
		ReplyToAddresses: []string{"support@example.com"},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("Привет, " + strings.Repeat("мир ", 30))},
			Body:    &types.Body{Html: &types.Content{Data: aws.String(`<h1>Hi</h1><a href='https://example.com/a'>a</a> <a href="#top">top</a>`)}},
			Headers: []types.MessageHeader{{Name: aws.String("X-Campaign"), Value: aws.String("spring")}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.MessageId)
	if !messageIDRE.MatchString(id) {
		t.Errorf("MessageId %q", id)
	}
	m, err := tb.svc.Message(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Привет, "+strings.Repeat("мир ", 30) || m.HTML == "" || m.Text != "" || m.API != "v2 SendEmail" {
		t.Errorf("message: subject %q html %q text %q api %q", m.Subject, m.HTML, m.Text, m.API)
	}
	if !slices.Equal(m.Links, []string{"https://example.com/a"}) || !slices.Equal(m.ReplyTo, []string{"support@example.com"}) {
		t.Errorf("links %v reply-to %v", m.Links, m.ReplyTo)
	}
	if !strings.Contains(string(m.Raw), "\r\nX-Campaign: spring\r\n") || strings.Contains(string(m.Raw), "hidden@") {
		t.Errorf("raw message:\n%s", m.Raw)
	}

	raw := "From: hello@example.com\r\nTo: y@example.net\r\nSubject: raw v2\r\n\r\nhi\r\n"
	out, err = tb.v2.SendEmail(ctx, &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte(raw)}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err = tb.svc.Message(ctx, aws.ToString(out.MessageId))
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Raw) != raw || !slices.Equal(m.Destinations, []string{"y@example.net"}) {
		t.Errorf("raw v2: %q to %v", m.Raw, m.Destinations)
	}

	tests := []struct {
		name   string
		in     *sesv2.SendEmailInput
		status int
		code   string
		msg    string
	}{
		{"unverified", &sesv2.SendEmailInput{FromEmailAddress: aws.String("a@other.com"),
			Destination: &types.Destination{ToAddresses: []string{"x@example.net"}},
			Content:     &types.EmailContent{Simple: &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}}},
			400, "MessageRejected", "Email address is not verified. The following identities failed the check in region US-EAST-1: a@other.com"},
		{"template", &sesv2.SendEmailInput{FromEmailAddress: aws.String("hello@example.com"),
			Destination: &types.Destination{ToAddresses: []string{"x@example.net"}},
			Content:     &types.EmailContent{Template: &types.Template{TemplateName: aws.String("welcome"), TemplateData: aws.String("{}")}}},
			404, "NotFoundException", "Template welcome does not exist."},
		{"bad recipient", &sesv2.SendEmailInput{FromEmailAddress: aws.String("hello@example.com"),
			Destination: &types.Destination{ToAddresses: []string{""}},
			Content:     &types.EmailContent{Simple: &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}}},
			400, "BadRequestException", "Invalid email address ."},
		{"two contents", &sesv2.SendEmailInput{FromEmailAddress: aws.String("hello@example.com"),
			Destination: &types.Destination{ToAddresses: []string{"x@example.net"}},
			Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte(raw)},
				Simple: &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}}},
			400, "BadRequestException", "Content must contain exactly one of Simple, Raw or Template."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tb.v2.SendEmail(ctx, tt.in)
			code, msg := apiCode(err)
			if httpStatus(err) != tt.status || code != tt.code || msg != tt.msg {
				t.Errorf("got %d %s %q; want %d %s %q", httpStatus(err), code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
	if n, _ := tb.svc.Count(ctx); n != 2 {
		t.Errorf("outbox holds %d messages, want 2", n)
	}
}

func TestV2GetAccount(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	out, err := tb.v2.GetAccount(context.Background(), &sesv2.GetAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !out.SendingEnabled || !out.ProductionAccessEnabled || out.SendQuota == nil || out.SendQuota.MaxSendRate != 14 || aws.ToString(out.EnforcementStatus) != "HEALTHY" {
		t.Errorf("GetAccount = %+v", out)
	}
}

// TestV2BadRequests sends REST requests the SDK would not build.
func TestV2BadRequests(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed json", "POST", "/v2/email/identities", `{"EmailIdentity":`, 400, "BadRequestException"},
		{"wrong type", "POST", "/v2/email/identities", `{"EmailIdentity":5}`, 400, "BadRequestException"},
		{"missing member", "POST", "/v2/email/identities", `{}`, 400, "BadRequestException"},
		{"missing query member", "GET", "/v2/email/tags", ``, 400, "BadRequestException"},
		{"bad page size", "GET", "/v2/email/identities?PageSize=ten", ``, 400, "BadRequestException"},
		{"unknown path", "GET", "/v2/email/frobnicate", ``, 404, "UnknownOperationException"},
		{"wrong method", "PATCH", "/v2/email/identities", ``, 405, "MethodNotAllowedException"},
		{"not implemented", "GET", "/v2/email/configuration-sets", ``, 501, "NotImplemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tt.method, tb.url+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e struct {
				Message string `json:"message"`
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Message == "" {
				t.Errorf("body %s is not {\"message\":...}", b)
			}
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-Errortype") != tt.code {
				t.Errorf("got %d %s (%s); want %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), e.Message, tt.status, tt.code)
			}
		})
	}
	t.Cleanup(func() {
		out, err := tb.v2.ListEmailIdentities(context.Background(), nil)
		if err != nil || len(out.EmailIdentities) != 0 {
			t.Errorf("bad requests created identities: %v %v", out, err)
		}
	})
}
