package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stepflow/stepflow/internal/app"
	"github.com/stepflow/stepflow/internal/taskbuild"
)

// zips builds the functions the tests use once per test binary.
var zips = struct {
	once sync.Once
	dir  string
	err  error
}{}

// functionZip returns the deployment package of tasks/<name> (or of the
// Lambda service's test function testdata/functions/<name>).
func functionZip(t testing.TB, name string) []byte {
	t.Helper()
	zips.once.Do(func() {
		zips.dir, zips.err = os.MkdirTemp("", "stepflow-app-zips-")
		if zips.err != nil {
			return
		}
		_, zips.err = taskbuild.BuildDirs(context.Background(), []string{
			filepath.Join("..", "..", "tasks", "validate_order"),
			filepath.Join("..", "services", "lambda", "testdata", "functions", "sleep"),
			filepath.Join("..", "services", "lambda", "testdata", "functions", "echo"),
		}, zips.dir)
	})
	if zips.err != nil {
		t.Fatalf("build functions: %v", zips.err)
	}
	b, err := os.ReadFile(filepath.Join(zips.dir, name+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lambdaClient(base string) *lambda.Client {
	return lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
}

func createFunction(t testing.TB, lc *lambda.Client, name, zip string, env map[string]string) string {
	t.Helper()
	out, err := lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::111111111111:role/fn"), Code: &types.FunctionCode{ZipFile: functionZip(t, zip)},
		Timeout: aws.Int32(10), Environment: &types.Environment{Variables: env},
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.FunctionArn
}

// TestLambdaFromStateMachine runs tasks/validate_order, a real Go Lambda,
// from Task states: as lambda:invoke (the response envelope) and as a bare
// function ARN; a bad order fails the Task with the function's error type,
// which a Catch handles.
func TestLambdaFromStateMachine(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	ctx := context.Background()
	lc := lambdaClient(base)

	// The function prices orders from an inventory table.
	ddbCreateInventory(t, base)
	fn := createFunction(t, lc, "validate-order", "validate_order", map[string]string{"INVENTORY_TABLE": "inventory"})
	sm := createSM(t, c, base, "validate", `{"StartAt":"Envelope","States":{
		"Envelope":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"validate-order","Payload.$":"$"},
			"ResultPath":"$.envelope","Next":"Bare"},
		"Bare":{"Type":"Task","Resource":"`+fn+`","InputPath":"$.envelope.Payload","ResultPath":"$.order",
			"Catch":[{"ErrorEquals":["InvalidOrder"],"ResultPath":"$.error","Next":"Invalid"}],"End":true},
		"Invalid":{"Type":"Pass","End":true}}}`)
	d := runToEnd(t, c, base, sm, `{"orderId":"o-1","customer":{"email":"ann@example.org"},"items":[{"sku":"apple","qty":4}]}`)
	if d["status"] != "SUCCEEDED" {
		t.Fatalf("execution: %v %v %v", d["status"], d["error"], d["cause"])
	}
	var out struct {
		Envelope struct {
			ExecutedVersion string
			StatusCode      int
			Payload         struct{ Total json.Number }
		}
		Order struct{ Total json.Number }
	}
	json.Unmarshal([]byte(d["output"].(string)), &out)
	if out.Envelope.StatusCode != 200 || out.Envelope.ExecutedVersion != "$LATEST" || out.Envelope.Payload.Total != "2.00" || out.Order.Total != "2.00" {
		t.Errorf("output = %s", d["output"])
	}

	// A bad order: the Task fails with InvalidOrder; the cause is the
	// function's error document.
	bad := createSM(t, c, base, "validate-bad", `{"StartAt":"V","States":{"V":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"validate-order","Payload.$":"$"},"End":true}}}`)
	d = runToEnd(t, c, base, bad, `{"orderId":"o-2","customer":{"email":"ann@example.org"},"items":[{"sku":"nope","qty":1}]}`)
	if d["status"] != "FAILED" || d["error"] != "InvalidOrder" || !strings.Contains(d["cause"].(string), `"errorType":"InvalidOrder"`) {
		t.Errorf("bad order: %v %v %v", d["status"], d["error"], d["cause"])
	}
	// A missing function: Lambda's error, as Step Functions names it.
	missing := createSM(t, c, base, "validate-missing", `{"StartAt":"V","States":{"V":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"nope"},"End":true}}}`)
	d = runToEnd(t, c, base, missing, `{}`)
	if d["status"] != "FAILED" || d["error"] != "Lambda.ResourceNotFoundException" {
		t.Errorf("missing function: %v %v %v", d["status"], d["error"], d["cause"])
	}

	// The invocations' logs are in the function's CloudWatch Logs group.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/", strings.NewReader(`{"logGroupName":"/aws/lambda/validate-order","filterPattern":"REPORT"}`))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "Logs_20140328.FilterLogEvents")
		resp, err := c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Events []struct{ Message string } }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if len(out.Events) >= 3 && strings.HasPrefix(out.Events[0].Message, "REPORT RequestId: ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("REPORT lines in /aws/lambda/validate-order: %+v", out.Events)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLambdaTaskSurvivesRestart stops Stepflow while a Task's function
// runs; after the restart the Task runs again and the execution succeeds:
// the task is never lost.
func TestLambdaTaskSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := func() *app.Server {
		srv, err := app.Start(context.Background(), app.Config{Listen: "127.0.0.1:0", DataDir: dir, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	srv := start()
	c := &http.Client{}
	createFunction(t, lambdaClient(srv.URL()), "sleeper", "sleep", nil)
	sm := createSM(t, c, srv.URL(), "sleepy", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"sleeper","Payload":{"ms":1500}},"OutputPath":"$.Payload","End":true}}}`)
	st, _, _ := call(c, srv.URL(), "StartExecution", map[string]any{"stateMachineArn": sm})
	arn := st["executionArn"].(string)
	time.Sleep(500 * time.Millisecond) // the function is running
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	srv.Shutdown(ctx)
	cancel()

	srv = start()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	d := waitEnd(t, c, srv.URL(), arn)
	if d["status"] != "SUCCEEDED" || !strings.Contains(d["output"].(string), `"slept":1500`) {
		t.Errorf("after restart: %v %v %v", d["status"], d["output"], d["cause"])
	}
}

// ddbCreateInventory creates the inventory table validate_order reads.
func ddbCreateInventory(t *testing.T, base string) {
	t.Helper()
	c := &http.Client{}
	for _, req := range []struct{ action, body string }{
		{"CreateTable", `{"TableName":"inventory","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"sku","AttributeType":"S"}],"KeySchema":[{"AttributeName":"sku","KeyType":"HASH"}]}`},
		{"PutItem", `{"TableName":"inventory","Item":{"sku":{"S":"apple"},"name":{"S":"Apple"},"price":{"N":"0.50"},"stock":{"N":"100"}}}`},
	} {
		r, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(req.body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+req.action)
		resp, err := c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", req.action, resp.StatusCode)
		}
	}
}

// BenchmarkLambdaTask measures what a Task that invokes a warm Go Lambda
// (lambda:invoke) adds to a state transition: EXPRESS executions through
// StartSyncExecution, one Pass state versus one Task state; p50 and p99 per
// execution are reported.
//
//	go test -run='^$' -bench=LambdaTask ./internal/app
func BenchmarkLambdaTask(b *testing.B) {
	srv := startServer(b, app.Config{NoSync: true})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	base := srv.URL()
	createFunction(b, lambdaClient(base), "echo", "echo", nil)
	create := func(name, def string) string {
		out, code, err := call(c, base, "CreateStateMachine", map[string]any{"name": name, "definition": def, "type": "EXPRESS", "roleArn": "arn:aws:iam::111111111111:role/r"})
		if err != nil || code != 200 {
			b.Fatalf("create: %v %d %v", err, code, out)
		}
		return out["stateMachineArn"].(string)
	}
	machines := map[string]string{
		"pass": create("pass", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
		"lambda-task": create("invoke", `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"echo","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`),
	}
	for _, name := range []string{"pass", "lambda-task"} {
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				began := time.Now()
				out, code, err := call(c, base, "StartSyncExecution", map[string]any{"stateMachineArn": machines[name], "input": `{"n":1}`})
				if err != nil || code != 200 || out["status"] != "SUCCEEDED" {
					b.Fatalf("%v %d %v", err, code, out)
				}
				lat = append(lat, time.Since(began))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
