package apigateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	apigw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/apigateway"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account = "111111111111"
	region  = "us-east-1"
	fnARN   = "arn:aws:lambda:us-east-1:111111111111:function:orders"
	smARN   = "arn:aws:states:us-east-1:111111111111:stateMachine:orders"
	roleARN = "arn:aws:iam::111111111111:role/apigw"
)

// start is the test clock's time.
var start = time.Date(2025, 3, 12, 19, 3, 58, 390_000_000, time.UTC)

// fakeLambda records invocations and answers with Reply.
type fakeLambda struct {
	mu    sync.Mutex
	calls []invocation
	Reply func(ctx context.Context, fn string, payload []byte) (int, string, []byte, error)
}

type invocation struct {
	fn      string
	payload []byte
}

func (f *fakeLambda) invoke(ctx context.Context, fn string, payload []byte) (int, string, []byte, error) {
	f.mu.Lock()
	f.calls = append(f.calls, invocation{fn: fn, payload: append([]byte(nil), payload...)})
	reply := f.Reply
	f.mu.Unlock()
	if reply == nil {
		return 200, "", []byte(`{"statusCode":200,"body":"ok"}`), nil
	}
	return reply(ctx, fn, payload)
}

func (f *fakeLambda) last(t testing.TB) invocation {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the function was not invoked")
	}
	return f.calls[len(f.calls)-1]
}

// fakeSFN records Step Functions calls and answers with Reply.
type fakeSFN struct {
	mu    sync.Mutex
	calls []sfnCall
	Reply func(action string, input []byte) ([]byte, error)
}

type sfnCall struct {
	action string
	input  string
}

func (f *fakeSFN) call(ctx context.Context, action string, input []byte) ([]byte, error) {
	f.mu.Lock()
	f.calls = append(f.calls, sfnCall{action: action, input: string(input)})
	reply := f.Reply
	f.mu.Unlock()
	if reply == nil {
		return []byte(`{"executionArn":"arn:aws:states:us-east-1:111111111111:execution:orders:x","startDate":1.741806238E9}`), nil
	}
	return reply(action, input)
}

func (f *fakeSFN) last(t testing.TB) sfnCall {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("Step Functions was not called")
	}
	return f.calls[len(f.calls)-1]
}

type testBundle struct {
	url    string
	path   string
	db     *sqlite.DB
	svc    *apigateway.Service
	client *apigw.Client
	lambda *fakeLambda
	sfn    *fakeSFN
	h      atomicHandler
	http   *http.Client
	// clock is the service's clock (Unix nanoseconds); advance moves it.
	clock atomic.Int64
	opts  []func(*apigateway.Config)
}

// advance moves the service's clock forward.
func (tb *testBundle) advance(d time.Duration) { tb.clock.Add(int64(d)) }

type atomicHandler struct{ p atomic.Pointer[http.Handler] }

func (a *atomicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*a.p.Load()).ServeHTTP(w, r)
}

// setup starts a service (configured further by opts) behind a test
// server.
func setup(t testing.TB, opts ...func(*apigateway.Config)) *testBundle {
	t.Helper()
	tb := &testBundle{path: filepath.Join(t.TempDir(), "stepflow.db"), lambda: &fakeLambda{}, sfn: &fakeSFN{}, opts: opts}
	tb.clock.Store(start.UnixNano())
	srv := httptest.NewServer(&tb.h)
	tb.url = srv.URL
	tb.http = srv.Client()
	tb.open(t)
	t.Cleanup(func() {
		srv.Close()
		tb.close(t)
	})
	tb.client = apigw.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *apigw.Options) { o.BaseEndpoint = aws.String(tb.url) })
	return tb
}

// open starts the service on the bundle's database, routed as the server
// routes it: execute-api hosts first, then the path prefixes.
func (tb *testBundle) open(t testing.TB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), tb.path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := apigateway.Config{DB: db, Account: account, Region: region, BaseURL: tb.url,
		Now: func() time.Time { return time.Unix(0, tb.clock.Load()).UTC() }, Invoke: tb.lambda.invoke, StepFunctions: tb.sfn.call}
	for _, o := range tb.opts {
		o(&cfg)
	}
	svc, err := apigateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tb.db, tb.svc = db, svc
	var rt awsproto.Router
	control := apigateway.NewHTTPHandler(svc, nil)
	for _, p := range apigateway.PathPrefixes {
		rt.HandlePath(p, control)
	}
	dp := apigateway.NewDataPlane(svc)
	rt.HandlePath(apigateway.DataPlanePrefix, dp)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apigateway.IsExecuteAPIHost(r.Host) {
			dp.ServeHTTP(w, r)
			return
		}
		rt.ServeHTTP(w, r)
	})
	tb.h.p.Store(&h)
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

func (tb *testBundle) reopen(t testing.TB) {
	t.Helper()
	tb.close(t)
	tb.open(t)
}

var ctx = context.Background()

// api creates an HTTP API and returns its id.
func (tb *testBundle) api(t testing.TB, mod ...func(*apigw.CreateApiInput)) string {
	t.Helper()
	in := &apigw.CreateApiInput{Name: aws.String("orders"), ProtocolType: types.ProtocolTypeHttp}
	for _, m := range mod {
		m(in)
	}
	out, err := tb.client.CreateApi(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.ApiId
}

// lambdaIntegration creates an AWS_PROXY integration to fnARN.
func (tb *testBundle) lambdaIntegration(t testing.TB, apiID, version string) string {
	t.Helper()
	out, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID),
		IntegrationType: types.IntegrationTypeAwsProxy, IntegrationUri: aws.String(fnARN), PayloadFormatVersion: aws.String(version)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.IntegrationId
}

func (tb *testBundle) route(t testing.TB, apiID, key, integrationID string) string {
	t.Helper()
	in := &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String(key)}
	if integrationID != "" {
		in.Target = aws.String("integrations/" + integrationID)
	}
	out, err := tb.client.CreateRoute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.RouteId
}

func (tb *testBundle) stage(t testing.TB, apiID, name string, vars map[string]string) {
	t.Helper()
	_, err := tb.client.CreateStage(ctx, &apigw.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String(name),
		AutoDeploy: aws.Bool(true), StageVariables: vars})
	if err != nil {
		t.Fatal(err)
	}
}

// do sends a data plane request and returns the response with its body.
func (tb *testBundle) do(t testing.TB, method, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
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

// wantAPIError checks err is the given API Gateway error.
func wantAPIError(t testing.TB, err error, code string, status int, msgPart string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("code = %s, want %s (message %q)", ae.ErrorCode(), code, ae.ErrorMessage())
	}
	if !strings.Contains(ae.ErrorMessage(), msgPart) {
		t.Errorf("message = %q, want it to contain %q", ae.ErrorMessage(), msgPart)
	}
	var re interface{ HTTPStatusCode() int }
	if status != 0 && errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("status = %d, want %d", re.HTTPStatusCode(), status)
	}
}

// fmtJSON renders v as indented JSON for comparisons and messages.
func fmtJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// set replaces the fake's answer.
func (f *fakeLambda) set(reply func(ctx context.Context, fn string, payload []byte) (int, string, []byte, error)) {
	f.mu.Lock()
	f.Reply = reply
	f.mu.Unlock()
}

// returns makes the fake answer every invocation with out.
func (f *fakeLambda) returns(out string) {
	f.set(func(context.Context, string, []byte) (int, string, []byte, error) { return 200, "", []byte(out), nil })
}

// set replaces the fake's answer.
func (f *fakeSFN) set(reply func(action string, input []byte) ([]byte, error)) {
	f.mu.Lock()
	f.Reply = reply
	f.mu.Unlock()
}
