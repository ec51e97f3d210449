package lambda_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/lambda"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestSigV4 checks the API behind SigV4 verification: signed requests
// work (ARNs in the path included), bad keys get 403 with AWS's error.
func TestSigV4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := lambda.New(lambda.Config{DB: db, CodeDir: filepath.Join(dir, "code")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	v := &awsproto.Verifier{Lookup: func(k string) (string, bool) { return "secret", k == "AKIDEXAMPLE" }}
	var rt awsproto.Router
	h := lambda.NewHTTPHandler(svc, v.Verify)
	for _, p := range lambda.PathPrefixes {
		rt.HandlePath(p, h)
	}
	srv := httptest.NewServer(&rt)
	defer srv.Close()
	client := func(key string) *awslambda.Client {
		return awslambda.NewFromConfig(aws.Config{Region: region,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: key, SecretAccessKey: "secret"}, nil
			}),
			Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		}, func(o *awslambda.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	}
	_, err = client("AKIDEXAMPLE").GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fnARN + "nope:1")})
	apiErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"nope:1")
	_, err = client("AKIDOTHER").ListFunctions(ctx, &awslambda.ListFunctionsInput{})
	apiErr(t, err, "UnrecognizedClientException", "")
	resp, err := http.Get(srv.URL + "/2015-03-31/functions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(resp.Header.Get("X-Amzn-ErrorType"), "MissingAuthenticationToken") {
		t.Errorf("unsigned: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}
