package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/lambda"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

const (
	account = "111111111111"
	region  = "us-east-1"
	role    = "arn:aws:iam::111111111111:role/lambda-test"
	fnARN   = "arn:aws:lambda:us-east-1:111111111111:function:"
)

// testBundle is one service over HTTP on a fresh SQLite database.
type testBundle struct {
	t       testing.TB
	dir     string
	dbPath  string
	db      *sqlite.DB
	svc     *lambda.Service
	srv     *httptest.Server
	client  *awslambda.Client
	cfg     lambda.Config
	handler atomic.Pointer[http.Handler]
}

type option func(*lambda.Config)

func setup(t testing.TB, opts ...option) *testBundle {
	t.Helper()
	tb := &testBundle{t: t, dir: t.TempDir()}
	tb.dbPath = filepath.Join(tb.dir, "stepflow.db")
	tb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*tb.handler.Load()).ServeHTTP(w, r)
	}))
	tb.cfg = lambda.Config{
		CodeDir:     filepath.Join(tb.dir, "lambda"),
		EndpointURL: tb.srv.URL,
		IdleTimeout: time.Minute,
	}
	for _, o := range opts {
		o(&tb.cfg)
	}
	tb.open()
	tb.client = awslambda.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *awslambda.Options) { o.BaseEndpoint = aws.String(tb.srv.URL) })
	t.Cleanup(func() {
		tb.srv.Close()
		tb.close()
	})
	return tb
}

// open starts the service on the bundle's database (again, after close).
func (tb *testBundle) open() {
	tb.t.Helper()
	db, err := sqlite.Open(context.Background(), tb.dbPath, sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		tb.t.Fatal(err)
	}
	cfg := tb.cfg
	cfg.DB = db
	svc, err := lambda.New(cfg)
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.db, tb.svc = db, svc
	var rt awsproto.Router
	h := lambda.NewHTTPHandler(svc, nil)
	for _, p := range lambda.PathPrefixes {
		rt.HandlePath(p, h)
	}
	var hh http.Handler = &rt
	tb.handler.Store(&hh)
}

// close stops the service and its database.
func (tb *testBundle) close() {
	if tb.svc == nil {
		return
	}
	if err := tb.svc.Close(); err != nil {
		tb.t.Error(err)
	}
	if err := tb.db.Close(); err != nil {
		tb.t.Error(err)
	}
	tb.svc = nil
}

var seq atomic.Int64

// name returns a fresh function name.
func name(base string) string {
	return base + "-" + strconv.FormatInt(seq.Add(1), 10)
}

// create creates a function from a test function's zip.
func (tb *testBundle) create(t testing.TB, fn, code string, opts ...func(*awslambda.CreateFunctionInput)) *awslambda.CreateFunctionOutput {
	t.Helper()
	in := &awslambda.CreateFunctionInput{
		FunctionName: aws.String(fn),
		Runtime:      types.RuntimeProvidedal2023,
		Role:         aws.String(role),
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: functionZip(t, code)},
	}
	for _, o := range opts {
		o(in)
	}
	out, err := tb.client.CreateFunction(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", fn, err)
	}
	return out
}

// invoke invokes a function synchronously through the API.
func (tb *testBundle) invoke(t testing.TB, fn string, payload string, opts ...func(*awslambda.InvokeInput)) *awslambda.InvokeOutput {
	t.Helper()
	in := &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(payload)}
	for _, o := range opts {
		o(in)
	}
	out, err := tb.client.Invoke(context.Background(), in)
	if err != nil {
		t.Fatalf("Invoke %s: %v", fn, err)
	}
	return out
}

// apiErr checks that err is an API error with the given code and message
// ("" skips the message check).
func apiErr(t testing.TB, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Fatalf("message = %q, want %q", ae.ErrorMessage(), message)
	}
}

// rawRequest sends a request to the server and returns status, headers
// and body.
func (tb *testBundle) rawRequest(t testing.TB, method, path string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, tb.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, buf.Bytes()
}

// makeZip builds a zip from name → content (mode 0755).
func makeZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, c := range files {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(c))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// alive reports whether a process exists (and is not a zombie).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	return true
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeSQS is an in-memory stand-in for the three SQS actions event source
// mappings use. It fails loudly on any other action.
type fakeSQS struct {
	mu         sync.Mutex
	queues     map[string]*fakeQueue // by URL
	visibility time.Duration
	wake       chan struct{}
}

type fakeQueue struct {
	arn      string
	messages []*fakeMessage
	deleted  []string // message IDs
	receives int
}

type fakeMessage struct {
	id, body     string
	receipt      string
	visibleAt    time.Time
	receiveCount int
	attrs        map[string]any
}

func newFakeSQS() *fakeSQS {
	return &fakeSQS{queues: map[string]*fakeQueue{}, visibility: 300 * time.Millisecond, wake: make(chan struct{})}
}

func (f *fakeSQS) url(name string) string { return "http://sqs.local/" + account + "/" + name }

func (f *fakeSQS) createQueue(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queues[f.url(name)] = &fakeQueue{arn: "arn:aws:sqs:" + region + ":" + account + ":" + name}
	return "arn:aws:sqs:" + region + ":" + account + ":" + name
}

func (f *fakeSQS) send(name, body string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[f.url(name)]
	id := fmt.Sprintf("msg-%d", seq.Add(1))
	q.messages = append(q.messages, &fakeMessage{id: id, body: body,
		attrs: map[string]any{"color": map[string]any{"DataType": "String", "StringValue": "blue"}}})
	close(f.wake)
	f.wake = make(chan struct{})
	return id
}

func (f *fakeSQS) deleted(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queues[f.url(name)].deleted...)
}

func (f *fakeSQS) call(ctx context.Context, action string, input []byte) ([]byte, error) {
	switch action {
	case "GetQueueUrl":
		var in struct{ QueueName, QueueOwnerAWSAccountId string }
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, err
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.queues[f.url(in.QueueName)]; !ok || in.QueueOwnerAWSAccountId != account {
			return nil, awsproto.NewError("QueueDoesNotExist", "The specified queue does not exist.")
		}
		return json.Marshal(map[string]string{"QueueUrl": f.url(in.QueueName)})
	case "ReceiveMessage":
		var in struct {
			QueueUrl                    string
			MaxNumberOfMessages         int
			WaitTimeSeconds             int
			MessageSystemAttributeNames []string
			MessageAttributeNames       []string
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, err
		}
		if in.MaxNumberOfMessages < 1 || in.MaxNumberOfMessages > 10 || in.WaitTimeSeconds > 20 {
			return nil, fmt.Errorf("fake sqs: bad ReceiveMessage %s", input)
		}
		deadline := time.Now().Add(time.Duration(in.WaitTimeSeconds) * time.Second)
		for {
			f.mu.Lock()
			q := f.queues[in.QueueUrl]
			if q == nil {
				f.mu.Unlock()
				return nil, awsproto.NewError("QueueDoesNotExist", "The specified queue does not exist.")
			}
			q.receives++
			var out []map[string]any
			now := time.Now()
			for _, m := range q.messages {
				if len(out) == in.MaxNumberOfMessages {
					break
				}
				if m.visibleAt.After(now) {
					continue
				}
				m.receiveCount++
				m.visibleAt = now.Add(f.visibility)
				m.receipt = fmt.Sprintf("rh-%s-%d", m.id, m.receiveCount)
				sum := md5.Sum([]byte(m.body))
				out = append(out, map[string]any{
					"MessageId": m.id, "ReceiptHandle": m.receipt, "Body": m.body,
					"MD5OfBody": hex.EncodeToString(sum[:]),
					"Attributes": map[string]string{
						"ApproximateReceiveCount": strconv.Itoa(m.receiveCount),
						"SentTimestamp":           "1700000000000",
					},
					"MessageAttributes": m.attrs,
				})
			}
			wake := f.wake
			f.mu.Unlock()
			if len(out) > 0 || !time.Now().Before(deadline) {
				return json.Marshal(map[string]any{"Messages": out})
			}
			t := time.NewTimer(min(time.Until(deadline), 50*time.Millisecond))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-wake:
			case <-t.C:
			}
			t.Stop()
		}
	case "DeleteMessageBatch":
		var in struct {
			QueueUrl string
			Entries  []struct{ Id, ReceiptHandle string }
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, err
		}
		if len(in.Entries) == 0 || len(in.Entries) > 10 {
			return nil, fmt.Errorf("fake sqs: bad DeleteMessageBatch %s", input)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		q := f.queues[in.QueueUrl]
		var ok []map[string]string
		for _, e := range in.Entries {
			for i, m := range q.messages {
				if m.receipt == e.ReceiptHandle {
					q.deleted = append(q.deleted, m.id)
					q.messages = append(q.messages[:i], q.messages[i+1:]...)
					ok = append(ok, map[string]string{"Id": e.Id})
					break
				}
			}
		}
		return json.Marshal(map[string]any{"Successful": ok, "Failed": []any{}})
	}
	return nil, fmt.Errorf("fake sqs: unexpected action %s", action)
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
