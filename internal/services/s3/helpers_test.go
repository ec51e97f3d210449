package s3_test

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/s3"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	region    = "us-east-1"
	accessKey = "AKIDEXAMPLE"
	secretKey = "secret"
)

// testBundle is one service behind a router on a test server, with SDK
// clients for both addressing styles.
type testBundle struct {
	svc   *s3.Service
	db    *sqlite.DB
	dir   string
	srv   *httptest.Server
	path  *awss3.Client // path style
	vhost *awss3.Client // virtual-hosted style: bucket.localhost:port
	url   string
}

type setupOpts struct {
	// synchronous is the SQLite setting; "" means NORMAL.
	synchronous string
	tls         bool
	auth        bool
	config      func(*s3.Config)
}

func setup(t testing.TB, opts ...func(*setupOpts)) *testBundle {
	t.Helper()
	var o setupOpts
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	dir := t.TempDir()
	if o.synchronous == "" {
		o.synchronous = "NORMAL"
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "db"), sqlite.Options{Synchronous: o.synchronous})
	if err != nil {
		t.Fatal(err)
	}
	cfg := s3.Config{DB: db, Dir: filepath.Join(dir, "s3"), Account: "111111111111", Region: region, NoSync: true}
	if o.config != nil {
		o.config(&cfg)
	}
	svc, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var auth awsproto.Authenticator
	if o.auth {
		v := &awsproto.Verifier{Lookup: func(k string) (string, bool) { return secretKey, k == accessKey }}
		auth = v.Verify
	}
	h := s3.NewHTTPHandler(svc, auth)
	rt := &awsproto.Router{NotFound: h}
	rt.HandleService(s3.SigningName, h)
	var srv *httptest.Server
	if o.tls {
		srv = httptest.NewTLSServer(rt)
	} else {
		srv = httptest.NewServer(rt)
	}
	t.Cleanup(func() {
		srv.Close()
		_ = svc.Close()
		_ = db.Close()
	})
	tb := &testBundle{svc: svc, db: db, dir: cfg.Dir, srv: srv, url: srv.URL}
	tb.path = newClient(srv, srv.URL, true)
	u, _ := url.Parse(srv.URL)
	tb.vhost = newClient(srv, u.Scheme+"://localhost:"+u.Port(), false)
	return tb
}

func withTLS(o *setupOpts)  { o.tls = true }
func withAuth(o *setupOpts) { o.auth = true }

// newClient returns an SDK client whose connections all go to srv,
// whatever host name the request carries (bucket.localhost resolves
// nowhere in the sandbox).
func newClient(srv *httptest.Server, endpoint string, pathStyle bool) *awss3.Client {
	addr := srv.Listener.Addr().String()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the test server's certificate
	}
	return awss3.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}, nil
		}),
		Retryer:    func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient: &http.Client{Transport: tr},
		// What config.LoadDefaultConfig sets: CRC32 on every upload,
		// checksums validated on download.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}, func(o *awss3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = pathStyle
	})
}

var seq atomic.Int64

// bucketName returns a fresh bucket name.
func bucketName() string {
	return "b-" + time.Now().Format("150405") + "-" + strconv.FormatInt(seq.Add(1), 10)
}

// bucket creates a fresh bucket.
func (tb *testBundle) bucket(t testing.TB) string {
	t.Helper()
	name := bucketName()
	if _, err := tb.path.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return name
}

// wantAPIError checks err is the S3 error code with message msg ("" for
// any message).
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v; want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("code = %s (%s); want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("message = %q; want %q", ae.ErrorMessage(), msg)
	}
}

// wantStatus checks err is an HTTP response error with the status.
func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v; want HTTP %d", err, status)
	}
	if re.HTTPStatusCode() != status {
		t.Errorf("status = %d; want %d (%v)", re.HTTPStatusCode(), status, err)
	}
}

// raw sends an unsigned request to the server and returns the response
// with its body read.
func (tb *testBundle) raw(t *testing.T, method, target, body string, hdr map[string]string) *rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, tb.url+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := tb.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &rawResponse{Response: resp, body: string(data)}
}

type rawResponse struct {
	*http.Response
	body string
}

// errorDoc is S3's error document.
type errorDoc struct {
	Code, Message, BucketName, Key, RequestID, HostID string
	RequestIDElem                                     string `xml:"RequestId"`
	HostIDElem                                        string `xml:"HostId"`
}

// wantErrorDoc checks a raw response is S3's error document.
func wantErrorDoc(t *testing.T, resp *rawResponse, status int, code, msg string) errorDoc {
	t.Helper()
	var d errorDoc
	if err := xml.Unmarshal([]byte(resp.body), &d); err != nil {
		t.Fatalf("body %q: %v", resp.body, err)
	}
	if resp.StatusCode != status || d.Code != code || (msg != "" && d.Message != msg) {
		t.Errorf("got %d %s %q; want %d %s %q", resp.StatusCode, d.Code, d.Message, status, code, msg)
	}
	if d.RequestIDElem == "" || d.RequestIDElem != resp.Header.Get("x-amz-request-id") || d.HostIDElem != resp.Header.Get("x-amz-id-2") {
		t.Errorf("RequestId %q / HostId %q do not match the headers %q / %q", d.RequestIDElem, d.HostIDElem,
			resp.Header.Get("x-amz-request-id"), resp.Header.Get("x-amz-id-2"))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
		t.Errorf("Content-Type = %q", ct)
	}
	return d
}
