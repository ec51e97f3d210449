package apigateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/apigateway"
)

// signed describes how a test request is signed ("" service: unsigned).
type signed struct {
	service, region, key, secret string
}

// doSigned sends a data plane request signed with SigV4.
func (tb *testBundle) doSigned(t testing.TB, method, url, body string, sig signed) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if sig.service != "" {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: sig.key, SecretAccessKey: sig.secret}, req,
			hex.EncodeToString(sum[:]), sig.service, sig.region, time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := tb.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestIAMAuthorization checks AWS_IAM routes with the default verifier,
// which wants a signature scoped to execute-api but accepts any key.
func TestIAMAuthorization(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	tb.authRoute(t, apiID, "POST /orders", tb.lambdaIntegration(t, apiID, "2.0"), types.AuthorizationTypeAwsIam, "")
	tb.route(t, apiID, "GET /open", tb.lambdaIntegration(t, apiID, "2.0"))
	tb.stage(t, apiID, "$default", nil)
	url := tb.url + "/_apis/" + apiID + "/orders"
	tests := []struct {
		name   string
		sig    signed
		status int
		body   string
	}{
		{"signed", signed{"execute-api", region, "AKIDANY", "whatever"}, 200, "ok"},
		{"unsigned", signed{}, 403, `{"message":"Forbidden"}`},
		{"another service", signed{"lambda", region, "AKIDANY", "x"}, 403, `{"message":"Credential should be scoped to correct service: 'execute-api'. "}`},
		{"another region", signed{"execute-api", "eu-west-1", "AKIDANY", "x"}, 403, `{"message":"Credential should be scoped to a valid region, not 'eu-west-1'. "}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := tb.doSigned(t, "POST", url, `{"a":1}`, tt.sig)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("response = %d %s, want %d %s", resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
	t.Run("identity", func(t *testing.T) {
		t.Parallel()
		tb := setup(t)
		apiID := tb.api(t)
		tb.authRoute(t, apiID, "POST /orders", tb.lambdaIntegration(t, apiID, "2.0"), types.AuthorizationTypeAwsIam, "")
		tb.stage(t, apiID, "$default", nil)
		resp, _ := tb.doSigned(t, "POST", tb.url+"/_apis/"+apiID+"/orders", "", signed{"execute-api", region, "AKIDANY", "x"})
		if resp.StatusCode != 200 {
			t.Fatalf("status = %d", resp.StatusCode)
		}
		rc := tb.lambda.last(t).event(t)["requestContext"].(map[string]any)
		got, _ := json.Marshal(rc["authorizer"])
		want := `{"iam":{"accessKey":"AKIDANY","accountId":"111111111111","callerId":"111111111111","cognitoIdentity":null,` +
			`"principalOrgId":null,"userArn":"arn:aws:iam::111111111111:root","userId":"111111111111"}}`
		if string(got) != want {
			t.Errorf("requestContext.authorizer = %s\nwant %s", got, want)
		}
	})
	// A route without authorization needs no signature.
	if resp, _ := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/open", ""); resp.StatusCode != 200 {
		t.Errorf("open route: %d", resp.StatusCode)
	}
}

// TestIAMAuthorizationVerified checks AWS_IAM routes with a verifier that
// knows the secret keys, as the server configures it with --credentials.
func TestIAMAuthorizationVerified(t *testing.T) {
	t.Parallel()
	verifier := &awsproto.Verifier{Lookup: func(k string) (string, bool) {
		if k == "AKIDEXAMPLE" {
			return "secret", true
		}
		return "", false
	}}
	tb := setup(t, func(c *apigateway.Config) {
		c.VerifyIAM = func(r *http.Request, body []byte) (*apigateway.CallerIdentity, error) {
			cred, err := verifier.Verify(r, body)
			if err != nil {
				return nil, err
			}
			return &apigateway.CallerIdentity{AccessKey: cred.AccessKey, AccountID: account, CallerID: "AIDAEXAMPLE", UserID: "AIDAEXAMPLE",
				UserARN: "arn:aws:iam::111111111111:user/ann"}, nil
		}
	})
	apiID := tb.api(t)
	tb.authRoute(t, apiID, "POST /orders", tb.lambdaIntegration(t, apiID, "1.0"), types.AuthorizationTypeAwsIam, "")
	tb.stage(t, apiID, "prod", nil)
	url := tb.url + "/_apis/" + apiID + "/prod/orders?x=1"
	tests := []struct {
		name   string
		sig    signed
		status int
		body   string
	}{
		{"right secret", signed{"execute-api", region, "AKIDEXAMPLE", "secret"}, 200, "ok"},
		{"wrong secret", signed{"execute-api", region, "AKIDEXAMPLE", "wrong"}, 403, `{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`},
		{"unknown key", signed{"execute-api", region, "AKIDOTHER", "secret"}, 403, `{"message":"The security token included in the request is invalid."}`},
		{"unsigned", signed{}, 403, `{"message":"Forbidden"}`},
	}
	for _, tt := range tests {
		resp, body := tb.doSigned(t, "POST", url, `{"order":1}`, tt.sig)
		if resp.StatusCode != tt.status || body != tt.body {
			t.Errorf("%s: response = %d %s, want %d %s", tt.name, resp.StatusCode, body, tt.status, tt.body)
		}
	}
	// Payload format 1.0 shows the caller in requestContext.identity.
	if n := len(tb.lambda.callsOf(fnARN)); n != 1 {
		t.Fatalf("integration invocations = %d, want 1", n)
	}
	id := tb.lambda.last(t).event(t)["requestContext"].(map[string]any)["identity"].(map[string]any)
	for k, want := range map[string]any{"accessKey": "AKIDEXAMPLE", "accountId": account, "caller": "AIDAEXAMPLE", "user": "AIDAEXAMPLE",
		"userArn": "arn:aws:iam::111111111111:user/ann", "principalOrgId": nil, "sourceIp": "127.0.0.1"} {
		if id[k] != want {
			t.Errorf("identity.%s = %v, want %v", k, id[k], want)
		}
	}
}
