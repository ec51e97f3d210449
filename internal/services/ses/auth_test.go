package ses_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsses "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/ses"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestAuthenticated: with SigV4 verification on, both SDK clients' signed
// requests pass and a wrong secret is refused with AWS's error.
func TestAuthenticated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ses.New(ses.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	verifier := &awsproto.Verifier{Lookup: func(key string) (string, bool) { return "right", key == "AKIDEXAMPLE" }}
	h := ses.NewHTTPHandler(svc, verifier.Verify)
	var rt awsproto.Router
	rt.HandlePath(ses.PathPrefix, h)
	rt.HandleService(ses.SigningName, h)
	srv := httptest.NewServer(&rt)
	t.Cleanup(func() {
		srv.Close()
		_ = svc.Close()
		_ = db.Close()
	})
	cfg := func(secret string) aws.Config {
		return aws.Config{
			Region: region,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: secret}, nil
			}),
			Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		}
	}
	v1 := awsses.NewFromConfig(cfg("right"), func(o *awsses.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	v2 := sesv2.NewFromConfig(cfg("right"), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	if _, err := v1.VerifyEmailIdentity(ctx, &awsses.VerifyEmailIdentityInput{EmailAddress: aws.String("a+b@example.com")}); err != nil {
		t.Fatal(err)
	}
	// '+' and '@' in a path label must survive signing.
	if _, err := v2.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("a+b@example.com")}); err != nil {
		t.Fatal(err)
	}
	bad1 := awsses.NewFromConfig(cfg("wrong"), func(o *awsses.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	_, err = bad1.ListIdentities(ctx, &awsses.ListIdentitiesInput{})
	if code, _ := apiCode(err); code != "SignatureDoesNotMatch" || httpStatus(err) != 403 {
		t.Errorf("v1 with a wrong secret: %v", err)
	}
	bad2 := sesv2.NewFromConfig(cfg("wrong"), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	_, err = bad2.GetAccount(ctx, &sesv2.GetAccountInput{})
	if code, _ := apiCode(err); code != "InvalidSignatureException" || httpStatus(err) != 403 {
		t.Errorf("v2 with a wrong secret: %v", err)
	}
}

// TestV2OlderBindings: the GET /v2/email/identities binding of the model
// (AWS CLI 2.9, Terraform) works beside the SDK's newer POST
// /v2/email/list-identities.
func TestV2OlderBindings(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	for _, n := range []string{"a@example.com", "example.org", "b@example.com"} {
		if _, err := tb.v2.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var page struct {
		EmailIdentities []struct{ IdentityName, IdentityType string }
		NextToken       string
	}
	status, _, body := get(t, tb.url+"/v2/email/identities?PageSize=2")
	if err := json.Unmarshal([]byte(body), &page); err != nil || status != 200 || len(page.EmailIdentities) != 2 || page.NextToken == "" {
		t.Fatalf("first page: %d %s", status, body)
	}
	status, _, body = get(t, tb.url+"/v2/email/identities?PageSize=2&NextToken="+page.NextToken)
	page.NextToken = ""
	if err := json.Unmarshal([]byte(body), &page); err != nil || status != 200 || len(page.EmailIdentities) != 1 ||
		page.EmailIdentities[0].IdentityName != "b@example.com" || page.NextToken != "" {
		t.Fatalf("second page: %d %s", status, body)
	}
	// The newer SDK's Filter.
	out, err := tb.v2.ListEmailIdentities(ctx, &sesv2.ListEmailIdentitiesInput{Filter: map[string]string{"IDENTITY_TYPE": "DOMAIN"}})
	if err != nil || len(out.EmailIdentities) != 1 || aws.ToString(out.EmailIdentities[0].IdentityName) != "example.org" {
		t.Errorf("filtered: %+v %v", out, err)
	}
	out, err = tb.v2.ListEmailIdentities(ctx, &sesv2.ListEmailIdentitiesInput{Filter: map[string]string{"IDENTITY_NAME_CONTAINS": "B@"}})
	if err != nil || len(out.EmailIdentities) != 1 || !strings.HasPrefix(aws.ToString(out.EmailIdentities[0].IdentityName), "b@") {
		t.Errorf("filtered by name: %+v %v", out, err)
	}
}
