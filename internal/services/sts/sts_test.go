package sts_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/sts"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const account = "111111111111"

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	url  string
	path string
	db   *sqlite.DB
	svc  *sts.Service
	cfg  sts.Config
	h    atomicHandler
}

type atomicHandler struct {
	p atomic.Pointer[awsproto.Router]
}

func (a *atomicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.p.Load().ServeHTTP(w, r) }

func setup(t testing.TB, cfg sts.Config) *testBundle {
	t.Helper()
	tb := &testBundle{path: filepath.Join(t.TempDir(), "stepflow.db"), cfg: cfg}
	srv := httptest.NewServer(&tb.h)
	tb.url = srv.URL
	tb.open(t)
	t.Cleanup(func() {
		srv.Close()
		tb.close(t)
	})
	return tb
}

func (tb *testBundle) open(t testing.TB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), tb.path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := tb.cfg
	cfg.DB, cfg.Account = db, account
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	svc, err := sts.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tb.db, tb.svc = db, svc
	var rt awsproto.Router
	rt.HandleService(sts.SigningName, sts.NewHTTPHandler(svc, nil))
	tb.h.p.Store(&rt)
}

func (tb *testBundle) close(t testing.TB) {
	if tb.svc == nil {
		return
	}
	if err := tb.svc.Close(); err != nil {
		t.Error(err)
	}
	if err := tb.db.Close(); err != nil {
		t.Error(err)
	}
	tb.svc, tb.db = nil, nil
}

func (tb *testBundle) client(key, secret string) *awssts.Client {
	return awssts.NewFromConfig(aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *awssts.Options) { o.BaseEndpoint = aws.String(tb.url) })
}

func wantAPIError(t testing.TB, err error, code string, status int, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("code = %s, want %s (%v)", ae.ErrorCode(), code, err)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("message = %q, want %q", ae.ErrorMessage(), msg)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("status = %d, want %d", re.HTTPStatusCode(), status)
	}
}

func TestGetCallerIdentity(t *testing.T) {
	t.Parallel()
	tb := setup(t, sts.Config{})
	out, err := tb.client("AKIDEXAMPLE", "secret").GetCallerIdentity(context.Background(), &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != account || aws.ToString(out.Arn) != "arn:aws:iam::111111111111:root" || aws.ToString(out.UserId) != account {
		t.Errorf("GetCallerIdentity = %+v", out)
	}
	ak, err := tb.client("AKIDEXAMPLE", "secret").GetAccessKeyInfo(context.Background(), &awssts.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIDEXAMPLE123456")})
	if err != nil || aws.ToString(ak.Account) != account {
		t.Errorf("GetAccessKeyInfo = %+v, %v", ak, err)
	}
}

var (
	accessKeyPattern = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)
	roleIDPattern    = regexp.MustCompile(`^AROA[A-Z2-7]{17}:build$`)
)

func TestAssumeRole(t *testing.T) {
	t.Parallel()
	tb := setup(t, sts.Config{})
	ctx := context.Background()
	out, err := tb.client("AKIDEXAMPLE", "secret").AssumeRole(ctx, &awssts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/ci/deployer"), RoleSessionName: aws.String("build"),
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !accessKeyPattern.MatchString(aws.ToString(c.AccessKeyId)) || len(aws.ToString(c.SecretAccessKey)) != 40 ||
		len(aws.ToString(c.SessionToken)) < 100 || !c.Expiration.Equal(now.Add(15*time.Minute)) {
		t.Errorf("Credentials = %+v", c)
	}
	u := out.AssumedRoleUser
	if aws.ToString(u.Arn) != "arn:aws:sts::222222222222:assumed-role/deployer/build" || !roleIDPattern.MatchString(aws.ToString(u.AssumedRoleId)) {
		t.Errorf("AssumedRoleUser = %+v", u)
	}
	if out.PackedPolicySize != nil {
		t.Errorf("PackedPolicySize = %d without a session policy", *out.PackedPolicySize)
	}
	// The credentials name the role.
	id, err := tb.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey)).GetCallerIdentity(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != aws.ToString(u.Arn) || aws.ToString(id.UserId) != aws.ToString(u.AssumedRoleId) {
		t.Errorf("GetCallerIdentity with assumed credentials = %+v", id)
	}
	// And survive a restart.
	tb.close(t)
	tb.open(t)
	if secret, ok := tb.svc.Secret(ctx, aws.ToString(c.AccessKeyId)); !ok || secret != aws.ToString(c.SecretAccessKey) {
		t.Errorf("Secret after reopen = %q, %v", secret, ok)
	}
	id, err = tb.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey)).GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(id.Arn) != aws.ToString(u.Arn) {
		t.Errorf("after reopen: %+v, %v", id, err)
	}

	withPolicy, err := tb.client("AKIDEXAMPLE", "secret").AssumeRole(ctx, &awssts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), RoleSessionName: aws.String("s2"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
	})
	if err != nil || withPolicy.PackedPolicySize == nil || *withPolicy.PackedPolicySize < 1 || !withPolicy.Credentials.Expiration.Equal(now.Add(time.Hour)) {
		t.Errorf("AssumeRole with policy = %+v, %v", withPolicy, err)
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t, sts.Config{RoleID: func(_ context.Context, arn string) (string, bool) {
		return "AROAEXAMPLEEXAMPLEEX", strings.HasSuffix(arn, ":role/exists")
	}})
	ctx := context.Background()
	cl := tb.client("AKIDEXAMPLE", "secret")
	out, err := cl.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/exists"), RoleSessionName: aws.String("s1")})
	if err != nil || aws.ToString(out.AssumedRoleUser.AssumedRoleId) != "AROAEXAMPLEEXAMPLEEX:s1" {
		t.Errorf("AssumeRole with RoleID = %+v, %v", out, err)
	}
	tests := []struct {
		name   string
		in     awssts.AssumeRoleInput
		code   string
		status int
		msg    string
	}{
		{"unknown role", awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/missing"), RoleSessionName: aws.String("s1")},
			"AccessDenied", 403, "User: arn:aws:iam::111111111111:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/missing"},
		{"not a role arn", awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:s3:::some-bucket-name"), RoleSessionName: aws.String("s1")},
			"ValidationError", 400, ""},
		{"bad session name", awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/exists"), RoleSessionName: aws.String("a b")},
			"ValidationError", 400, "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@-]*$"},
		{"duration too short", awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/exists"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(60)},
			"ValidationError", 400, "1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"bad policy", awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/exists"), RoleSessionName: aws.String("s1"), Policy: aws.String("{")},
			"MalformedPolicyDocument", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cl.AssumeRole(ctx, &tt.in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
}

func TestGetSessionToken(t *testing.T) {
	t.Parallel()
	tb := setup(t, sts.Config{})
	ctx := context.Background()
	out, err := tb.client("AKIDEXAMPLE", "secret").GetSessionToken(ctx, &awssts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !accessKeyPattern.MatchString(aws.ToString(c.AccessKeyId)) || !c.Expiration.Equal(now.Add(12*time.Hour)) {
		t.Errorf("Credentials = %+v", c)
	}
	cl := tb.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey))
	id, err := cl.GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::111111111111:root" {
		t.Errorf("identity of session credentials = %+v, %v", id, err)
	}
	_, err = cl.GetSessionToken(ctx, nil)
	wantAPIError(t, err, "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")
	_, err = tb.client("AKIDEXAMPLE", "secret").GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(200000)})
	wantAPIError(t, err, "ValidationError", 400, "")
}

func TestExpiredCredentials(t *testing.T) {
	t.Parallel()
	clock := now
	var mu atomic.Pointer[time.Time]
	mu.Store(&clock)
	tb := setup(t, sts.Config{Now: func() time.Time { return *mu.Load() }})
	ctx := context.Background()
	out, err := tb.client("AKIDEXAMPLE", "secret").AssumeRole(ctx, &awssts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(16 * time.Minute)
	mu.Store(&later)
	if _, ok := tb.svc.Secret(ctx, aws.ToString(out.Credentials.AccessKeyId)); ok {
		t.Error("expired credentials still known")
	}
}

func TestWire(t *testing.T) {
	t.Parallel()
	tb := setup(t, sts.Config{})
	req, _ := http.NewRequest(http.MethodPost, tb.url, strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250301/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>111111111111</UserId><Account>111111111111</Account><Arn>arn:aws:iam::111111111111:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>`
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), want) {
		t.Errorf("got %d %s\nwant %s...", resp.StatusCode, b, want)
	}
	req, _ = http.NewRequest(http.MethodPost, tb.url, strings.NewReader("Action=AssumeRoleWithSAML&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250301/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 501 || !strings.Contains(string(b), `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type><Code>NotImplemented</Code>`) {
		t.Errorf("not implemented: %d %s", resp.StatusCode, b)
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t, sts.Config{})
	ctx := context.Background()
	out, err := tb.svc.Call(ctx, "GetCallerIdentity", nil)
	if err != nil || string(out) != `{"UserId":"111111111111","Account":"111111111111","Arn":"arn:aws:iam::111111111111:root"}` {
		t.Errorf("GetCallerIdentity = %s, %v", out, err)
	}
	out, err = tb.svc.Call(ctx, "AssumeRole", []byte(`{"RoleArn":"arn:aws:iam::111111111111:role/r","RoleSessionName":"sfn"}`))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Credentials     struct{ AccessKeyId, Expiration string }
		AssumedRoleUser struct{ Arn string }
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Credentials.Expiration != "2025-03-01T13:00:00Z" ||
		v.AssumedRoleUser.Arn != "arn:aws:sts::111111111111:assumed-role/r/sfn" {
		t.Errorf("AssumeRole = %s, %v", out, err)
	}
	_, err = tb.svc.Call(ctx, "AssumeRole", []byte(`{}`))
	var e *awsproto.Error
	if !errors.As(err, &e) || e.Code != "ValidationError" {
		t.Errorf("AssumeRole {} = %v", err)
	}
	// A credential in the context is the caller.
	cctx := awsproto.WithCredential(ctx, &awsproto.Credential{AccessKey: v.Credentials.AccessKeyId})
	out, err = tb.svc.Call(cctx, "GetCallerIdentity", []byte(`{}`))
	if err != nil || !strings.Contains(string(out), "assumed-role/r/sfn") {
		t.Errorf("GetCallerIdentity as the role = %s, %v", out, err)
	}
}

func TestMemoryOnly(t *testing.T) {
	t.Parallel()
	svc, err := sts.New(sts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	out, err := svc.Call(context.Background(), "GetSessionToken", []byte(`{"DurationSeconds":900}`))
	if err != nil || !strings.Contains(string(out), `"AccessKeyId":"ASIA`) {
		t.Errorf("GetSessionToken = %s, %v", out, err)
	}
}
