package scheduler_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssched "github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/scheduler"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestSigV4 signs requests as the SDK does, including the tags path whose
// ARN label is escaped.
func TestSigV4(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := scheduler.New(scheduler.Config{DB: db, DisableFiring: true})
	if err != nil {
		t.Fatal(err)
	}
	v := awsproto.Verifier{Lookup: func(k string) (string, bool) { return "secret", k == "AKIDEXAMPLE" }}
	var rt awsproto.Router
	h := scheduler.NewHTTPHandler(svc, v.Verify)
	for _, p := range scheduler.PathPrefixes {
		rt.HandlePath(p, h)
	}
	srv := httptest.NewServer(&rt)
	t.Cleanup(func() {
		srv.Close()
		_ = svc.Close()
		_ = db.Close()
	})
	client := func(secret string) *awssched.Client {
		return awssched.NewFromConfig(aws.Config{Region: region,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: secret}, nil
			}),
			Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		}, func(o *awssched.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	}
	ctx := context.Background()
	good := client("secret")
	if _, err := good.ListTagsForResource(ctx, &awssched.ListTagsForResourceInput{
		ResourceArn: aws.String("arn:aws:scheduler:us-east-1:111111111111:schedule-group/default")}); err != nil {
		t.Errorf("signed tags request: %v", err)
	}
	if _, err := good.CreateSchedule(ctx, createInput("signed", "rate(1 day)")); err != nil {
		t.Errorf("signed create: %v", err)
	}
	_, err = client("wrong").ListSchedules(ctx, &awssched.ListSchedulesInput{})
	wantAPIError(t, err, "InvalidSignatureException", "")
}
