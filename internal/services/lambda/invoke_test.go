package lambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stepflow/stepflow/internal/services/lambda"
)

type echoOut struct {
	Event         json.RawMessage   `json:"event"`
	RequestID     string            `json:"requestId"`
	FunctionArn   string            `json:"functionArn"`
	ClientContext map[string]string `json:"clientContext"`
	Env           map[string]string `json:"env"`
	Cwd           string            `json:"cwd"`
	PID           int               `json:"pid"`
	DeadlineMs    int64             `json:"deadlineMs"`
}

func TestInvokeEcho(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	fn := name("echo")
	tb.create(t, fn, "echo", func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"MY_VAR": "mine", "AWS_ENDPOINT_URL": "http://elsewhere"}}
		in.MemorySize = aws.Int32(256)
		in.Timeout = aws.Int32(7)
	})
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	start := time.Now()
	out := tb.invoke(t, fn, `{"hello":"world"}`, func(in *awslambda.InvokeInput) {
		in.LogType = types.LogTypeTail
		in.ClientContext = aws.String(cc)
	})
	if out.StatusCode != 200 || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Fatalf("out = %d %v %v: %s", out.StatusCode, aws.ToString(out.FunctionError), aws.ToString(out.ExecutedVersion), out.Payload)
	}
	var got echoOut
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatalf("%v: %s", err, out.Payload)
	}
	if string(got.Event) != `{"hello":"world"}` || got.FunctionArn != fnARN+fn || got.ClientContext["k"] != "v" {
		t.Errorf("got %+v", got)
	}
	if d := time.UnixMilli(got.DeadlineMs).Sub(start); d < 6*time.Second || d > 8*time.Second {
		t.Errorf("deadline in %v, want ~7s", d)
	}
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        fn,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + fn,
		"_HANDLER":                        "bootstrap",
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_ENDPOINT_URL":                "http://elsewhere",
		"MY_VAR":                          "mine",
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, got.Env[k], v)
		}
	}
	if got.Env["LAMBDA_TASK_ROOT"] != got.Cwd || !strings.HasPrefix(got.Env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("task root %q, cwd %q, runtime API %q", got.Env["LAMBDA_TASK_ROOT"], got.Cwd, got.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !strings.Contains(got.Env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[$LATEST]") {
		t.Errorf("log stream %q", got.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	logText, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil {
		t.Fatal(err)
	}
	log := string(logText)
	for _, want := range []string{
		"echo: init\nSTART RequestId: " + got.RequestID + " Version: $LATEST\n",
		"echo: stdout line\n", "echo: stderr line\n",
		"END RequestId: " + got.RequestID + "\nREPORT RequestId: " + got.RequestID + "\tDuration: ",
		"\tMemory Size: 256 MB\tMax Memory Used: ", "\tInit Duration: ",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}

	// Warm: the same process, no init.
	out2 := tb.invoke(t, fn+":$LATEST", `[1,2]`, func(in *awslambda.InvokeInput) { in.LogType = types.LogTypeTail })
	var got2 echoOut
	_ = json.Unmarshal(out2.Payload, &got2)
	if got2.PID != got.PID || string(got2.Event) != `[1,2]` || got2.FunctionArn != fnARN+fn+":$LATEST" {
		t.Errorf("warm invoke: %s (first pid %d)", out2.Payload, got.PID)
	}
	log2, _ := base64.StdEncoding.DecodeString(aws.ToString(out2.LogResult))
	if strings.Contains(string(log2), "Init Duration") || strings.Contains(string(log2), "echo: init") {
		t.Errorf("warm log:\n%s", log2)
	}

	// The Go API and RecentInvocations.
	res, err := tb.svc.Invoke(context.Background(), lambda.InvokeInput{FunctionName: fnARN + fn, Payload: []byte(`"x"`)})
	if err != nil || res.StatusCode != 200 || !strings.Contains(string(res.Payload), `"event":"x"`) {
		t.Fatalf("Go Invoke: %+v %v", res, err)
	}
	recent, err := tb.svc.RecentInvocations(context.Background(), fn, 10)
	if err != nil || len(recent) != 3 {
		t.Fatalf("RecentInvocations: %d %v", len(recent), err)
	}
	if recent[2].RequestID != got.RequestID || recent[0].Status != "Succeeded" || !strings.Contains(recent[2].Log, "echo: stdout line") {
		t.Errorf("recent = %+v", recent)
	}
}

// TestInvokeOutcomes covers how a function can end, with the payload,
// FunctionError and log line AWS gives each.
func TestInvokeOutcomes(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tests := []struct {
		name, code, payload string
		timeout             int32
		wantErr             bool
		wantType            string // errorType in the payload
		wantPayload         string // substring of the payload
		wantLog             []string
	}{
		{name: "success", code: "validate",
			payload:     `{"orderId":"o-1","customer":{"email":"A@B.co"},"items":[{"sku":"x","qty":2,"price":1.25}]}`,
			wantPayload: `"total":2.50`},
		{name: "handler error", code: "validate", payload: `{"orderId":""}`, wantErr: true,
			wantType: "InvalidOrder", wantPayload: `"errorMessage":"invalid order: orderId is required; customer is required; items must hold at least one item"`},
		{name: "panic", code: "panic", payload: `{}`, wantErr: true, wantType: "string",
			wantPayload: `"errorMessage":"boom"`, wantLog: []string{"panic: about to panic"}},
		{name: "exit", code: "exit", payload: `{}`, wantErr: true, wantType: "Runtime.ExitError",
			wantPayload: `Error: Runtime exited with error: exit status 1"`,
			wantLog:     []string{"exit: exiting with status 1\n", "Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n", "Status: error\tError Type: Runtime.ExitError"}},
		{name: "timeout", code: "sleep", payload: `{"ms":5000}`, timeout: 1, wantErr: true, wantType: "Sandbox.Timedout",
			wantPayload: `Error: Task timed out after 1.00 seconds"`,
			wantLog:     []string{"sleep: sleeping 5000 ms\n", " Task timed out after 1.00 seconds\nEND RequestId: ", "Status: timeout"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fn := name("outcome")
			tb.create(t, fn, tc.code, func(in *awslambda.CreateFunctionInput) {
				if tc.timeout > 0 {
					in.Timeout = aws.Int32(tc.timeout)
				}
			})
			out := tb.invoke(t, fn, tc.payload, func(in *awslambda.InvokeInput) { in.LogType = types.LogTypeTail })
			if out.StatusCode != 200 {
				t.Fatalf("status %d", out.StatusCode)
			}
			if got := aws.ToString(out.FunctionError); (got == "Unhandled") != tc.wantErr {
				t.Fatalf("FunctionError = %q: %s", got, out.Payload)
			}
			var doc struct {
				ErrorType  string `json:"errorType"`
				StackTrace []any  `json:"stackTrace"`
			}
			_ = json.Unmarshal(out.Payload, &doc)
			if doc.ErrorType != tc.wantType {
				t.Errorf("errorType = %q, want %q: %s", doc.ErrorType, tc.wantType, out.Payload)
			}
			if !strings.Contains(string(out.Payload), tc.wantPayload) {
				t.Errorf("payload %s lacks %s", out.Payload, tc.wantPayload)
			}
			if tc.name == "panic" && len(doc.StackTrace) == 0 {
				t.Errorf("panic without stack trace: %s", out.Payload)
			}
			log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			for _, w := range tc.wantLog {
				if !strings.Contains(string(log), w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			if tc.wantErr {
				// The function still works afterwards (a new process when
				// the old one died).
				again := tb.invoke(t, fn, tc.payload)
				if aws.ToString(again.FunctionError) != "Unhandled" {
					t.Errorf("second invoke: %s", again.Payload)
				}
			}
		})
	}
}

func TestInvokeMissingBootstrap(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	fn := name("nobootstrap")
	_, err := tb.client.CreateFunction(context.Background(), &awslambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: types.RuntimeProvidedal2023, Role: aws.String(role), Handler: aws.String("bootstrap"),
		Code: &types.FunctionCode{ZipFile: makeZip(t, map[string]string{"main.py": "print(1)"})},
	})
	if err != nil {
		t.Fatal(err) // AWS accepts it, and fails at invoke
	}
	out := tb.invoke(t, fn, `{}`, func(in *awslambda.InvokeInput) { in.LogType = types.LogTypeTail })
	want := `{"errorMessage":"RequestId: `
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.HasPrefix(string(out.Payload), want) ||
		!strings.HasSuffix(string(out.Payload), ` Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]","errorType":"Runtime.InvalidEntrypoint"}`) {
		t.Fatalf("out = %v %s", aws.ToString(out.FunctionError), out.Payload)
	}
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(log), "Runtime.InvalidEntrypoint") {
		t.Errorf("log:\n%s", log)
	}
}

func TestInvokeTypes(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	fn := name("types")
	tb.create(t, fn, "echo")
	ctx := context.Background()

	dry, err := tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeDryRun})
	if err != nil || dry.StatusCode != 204 {
		t.Fatalf("DryRun: %v %v", dry, err)
	}
	if n, _ := tb.svc.RecentInvocations(ctx, fn, 10); len(n) != 0 {
		t.Fatalf("DryRun ran the function: %d", len(n))
	}
	ev, err := tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"async":1}`)})
	if err != nil || ev.StatusCode != 202 || len(ev.Payload) != 0 {
		t.Fatalf("Event: %v %v", ev, err)
	}
	var recent []lambda.Invocation
	waitFor(t, "the event to run", 10*time.Second, func() bool {
		recent, _ = tb.svc.RecentInvocations(ctx, fn, 10)
		return len(recent) == 1
	})
	if recent[0].Status != "Succeeded" || !strings.Contains(recent[0].Log, "echo: stdout line") {
		t.Errorf("event invocation %+v", recent[0])
	}
	// The Go API.
	out, err := tb.svc.Invoke(ctx, lambda.InvokeInput{FunctionName: fn, InvocationType: "Event"})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("Go Event: %+v %v", out, err)
	}
	waitFor(t, "the second event", 10*time.Second, func() bool {
		recent, _ = tb.svc.RecentInvocations(ctx, fn, 10)
		return len(recent) == 2
	})
}

// TestEventSurvivesRestart: an accepted event is stored before the 202 and
// runs after a restart if Stepflow stopped before running it.
func TestEventSurvivesRestart(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(c *lambda.Config) { c.MaxConcurrency = 2 })
	fn := name("durable")
	tb.create(t, fn, "sleep")
	ctx := context.Background()
	// Reserve 0: the event cannot run yet.
	if _, err := tb.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"ms":1}`)}); err != nil {
		t.Fatal(err)
	}
	tb.close()
	tb.open()
	if n, _ := tb.svc.RecentInvocations(ctx, fn, 10); len(n) != 0 {
		t.Fatalf("ran while throttled: %d", len(n))
	}
	if _, err := tb.client.DeleteFunctionConcurrency(ctx, &awslambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String(fn)}); err != nil {
		t.Fatal(err)
	}
	// The dispatcher waits for room; a release anywhere wakes it, and so
	// does the next poll.
	waitFor(t, "the stored event", 10*time.Second, func() bool {
		n, _ := tb.svc.RecentInvocations(ctx, fn, 10)
		return len(n) == 1
	})
}

func TestReservedConcurrency(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	fn := name("reserved")
	tb.create(t, fn, "sleep")
	ctx := context.Background()
	if _, err := tb.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	slow := make(chan *awslambda.InvokeOutput)
	go func() { slow <- tb.invoke(t, fn, `{"ms":1500}`) }()
	waitFor(t, "the first invocation to run", 10*time.Second, func() bool {
		return tb.svc.InFlight(fn) == 1
	})
	_, err := tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"ms":1}`)})
	apiErr(t, err, "TooManyRequestsException", "Rate Exceeded.")
	var tm *types.TooManyRequestsException
	if !errorsAs(err, &tm) || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Errorf("reason: %v", err)
	}
	// The Go API gives the same error.
	_, gerr := tb.svc.Invoke(ctx, lambda.InvokeInput{FunctionName: fn, Payload: []byte(`{"ms":1}`)})
	if gerr == nil || !strings.Contains(gerr.Error(), "TooManyRequestsException: Rate Exceeded.") {
		t.Errorf("Go API: %v", gerr)
	}
	if out := <-slow; !strings.Contains(string(out.Payload), `"slept":1500`) {
		t.Errorf("slow: %s", out.Payload)
	}
	// Room again.
	tb.invoke(t, fn, `{"ms":1}`)
}

func TestAccountConcurrency(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(c *lambda.Config) { c.MaxConcurrency = 2 })
	fn := name("account")
	tb.create(t, fn, "sleep")
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tb.invoke(t, fn, `{"ms":1500}`)
		}()
	}
	waitFor(t, "two invocations to run", 10*time.Second, func() bool { return tb.svc.InFlight(fn) == 2 })
	_, err := tb.client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"ms":1}`)})
	var tm *types.TooManyRequestsException
	if !errorsAs(err, &tm) || tm.Reason != types.ThrottleReasonConcurrentInvocationLimitExceeded {
		t.Errorf("third invoke: %v", err)
	}
	wg.Wait()
}

// TestUpdateCodeWhileWarm: new invocations run the new code; one in
// flight finishes on the old.
func TestUpdateCodeWhileWarm(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	fn := name("update")
	tb.create(t, fn, "sleep")
	ctx := context.Background()
	warm := tb.invoke(t, fn, `{"ms":1}`)
	var first map[string]int
	_ = json.Unmarshal(warm.Payload, &first)

	slow := make(chan *awslambda.InvokeOutput)
	go func() { slow <- tb.invoke(t, fn, `{"ms":800}`) }()
	waitFor(t, "the slow invocation", 10*time.Second, func() bool { return tb.svc.InFlight(fn) == 1 })
	up, err := tb.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String(fn), ZipFile: functionZip(t, "echo")})
	if err != nil {
		t.Fatal(err)
	}
	if up.LastUpdateStatus != types.LastUpdateStatusSuccessful || up.State != types.StateActive {
		t.Errorf("update: %v %v", up.LastUpdateStatus, up.State)
	}
	now := tb.invoke(t, fn, `{"v":2}`)
	if !strings.Contains(string(now.Payload), `"event":{"v":2}`) {
		t.Errorf("after update: %s", now.Payload)
	}
	old := <-slow
	var got map[string]int
	_ = json.Unmarshal(old.Payload, &got)
	if got["slept"] != 800 || got["pid"] != first["pid"] {
		t.Errorf("in-flight invocation: %s (warm pid %d)", old.Payload, first["pid"])
	}
	waitFor(t, "the old process to stop", 5*time.Second, func() bool { return !alive(first["pid"]) })
}

// TestDeleteWhileRunning: an invocation in flight finishes (as on AWS);
// the function is gone for new ones, and its process stops.
func TestDeleteWhileRunning(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	fn := name("delete")
	tb.create(t, fn, "sleep")
	ctx := context.Background()
	slow := make(chan *awslambda.InvokeOutput)
	go func() { slow <- tb.invoke(t, fn, `{"ms":800}`) }()
	waitFor(t, "the slow invocation", 10*time.Second, func() bool { return tb.svc.InFlight(fn) == 1 })
	if _, err := tb.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(fn)}); err != nil {
		t.Fatal(err)
	}
	_, err := tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn)})
	apiErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+fn)
	out := <-slow
	var got map[string]int
	_ = json.Unmarshal(out.Payload, &got)
	if got["slept"] != 800 {
		t.Fatalf("in flight: %s", out.Payload)
	}
	waitFor(t, "the process to stop", 5*time.Second, func() bool { return !alive(got["pid"]) })
}

// TestCloseKillsProcesses: Close stops every process, idle or busy.
func TestCloseKillsProcesses(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	fn := name("close")
	tb.create(t, fn, "sleep")
	out := tb.invoke(t, fn, `{"ms":1}`)
	var idle map[string]int
	_ = json.Unmarshal(out.Payload, &idle)
	fn2 := name("close")
	tb.create(t, fn2, "sleep")
	done := make(chan error)
	go func() {
		_, err := tb.svc.Invoke(context.Background(), lambda.InvokeInput{FunctionName: fn2, Payload: []byte(`{"ms":60000}`)})
		done <- err
	}()
	waitFor(t, "the long invocation", 10*time.Second, func() bool { return tb.svc.InFlight(fn2) == 1 })
	procs := tb.svc.Processes()
	tb.close()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "ServiceException") {
		t.Errorf("in-flight invocation at Close: %v", err)
	}
	for _, pid := range append(procs, idle["pid"]) {
		if alive(pid) {
			t.Errorf("process %d survived Close", pid)
		}
	}
	tb.open()
}

// TestIdleReaping: an idle process stops after IdleTimeout; the next
// invocation starts a new one.
func TestIdleReaping(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(c *lambda.Config) { c.IdleTimeout = 200 * time.Millisecond })
	fn := name("idle")
	tb.create(t, fn, "sleep")
	var a, b map[string]int
	_ = json.Unmarshal(tb.invoke(t, fn, `{"ms":1}`).Payload, &a)
	waitFor(t, "the idle process to stop", 5*time.Second, func() bool { return !alive(a["pid"]) })
	_ = json.Unmarshal(tb.invoke(t, fn, `{"ms":1}`).Payload, &b)
	if a["pid"] == b["pid"] {
		t.Errorf("same process after the idle timeout")
	}
}

// TestShellBootstrap: a bootstrap that is a shell script talking to the
// Runtime API with curl (as in AWS's custom runtime tutorial) works: the
// endpoint is a plain host:port.
func TestShellBootstrap(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	script := `#!/bin/sh
set -eu
echo "shell: init"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$HEADERS"
  echo "shell: got $EVENT"
  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "{\"shell\":$EVENT}" >/dev/null
done
`
	tb := setup(t)
	fn := name("shell")
	if _, err := tb.client.CreateFunction(context.Background(), &awslambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: types.RuntimeProvidedal2, Role: aws.String(role), Handler: aws.String("function.handler"),
		Code: &types.FunctionCode{ZipFile: makeZip(t, map[string]string{"bootstrap": script})},
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		out := tb.invoke(t, fn, `{"i":`+string(rune('0'+i))+`}`, func(in *awslambda.InvokeInput) { in.LogType = types.LogTypeTail })
		if string(out.Payload) != `{"shell":{"i":`+string(rune('0'+i))+`}}` {
			t.Fatalf("payload %s", out.Payload)
		}
		log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		if !strings.Contains(string(log), "shell: got {\"i\":"+string(rune('0'+i))+"}\n") {
			t.Errorf("log:\n%s", log)
		}
	}
}

// TestShellRuntimes covers Runtime API paths the Go library does not take:
// /init/error, a runtime that exits after answering, and output larger
// than a pipe holds.
func TestShellRuntimes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	const next = `H="$(mktemp)"; EVENT=$(curl -sS -D "$H" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"); ` +
		`ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2); rm -f "$H"` + "\n"
	const respond = `curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d '"ok"' >/dev/null` + "\n"
	tests := []struct {
		name, script string
		wantErr      bool
		wantPayload  string
		wantLog      string
	}{
		{name: "init error", wantErr: true,
			script: `curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error" -H "Lambda-Runtime-Function-Error-Type: Runtime.ConfigError" ` +
				`-d '{"errorMessage":"bad config","errorType":"Runtime.ConfigError"}'` + "\nsleep 30\n",
			wantPayload: `{"errorMessage":"bad config","errorType":"Runtime.ConfigError"}`},
		{name: "one shot", script: next + respond + "exit 0\n", wantPayload: `"ok"`},
		{name: "big output", script: next + `i=0; while [ $i -lt 3000 ]; do echo "line $i ................................................................"; i=$((i+1)); done` + "\n" + respond,
			wantPayload: `"ok"`, wantLog: "line 2999 ....."},
		{name: "error document", wantErr: true,
			script:      next + `curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/error" -H "Lambda-Runtime-Function-Error-Type: Custom.Err" -d 'not json'` + "\nsleep 30\n",
			wantPayload: `{"errorMessage":"not json","errorType":"Custom.Err"}`},
	}
	tb := setup(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fn := name("sh")
			if _, err := tb.client.CreateFunction(context.Background(), &awslambda.CreateFunctionInput{
				FunctionName: aws.String(fn), Runtime: types.RuntimeProvidedal2023, Role: aws.String(role), Handler: aws.String("h"),
				Code: &types.FunctionCode{ZipFile: makeZip(t, map[string]string{"bootstrap": "#!/bin/sh\n" + tc.script})},
			}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // twice: the second run needs a fresh process for some
				out := tb.invoke(t, fn, `{}`, func(in *awslambda.InvokeInput) { in.LogType = types.LogTypeTail })
				if (aws.ToString(out.FunctionError) == "Unhandled") != tc.wantErr || string(out.Payload) != tc.wantPayload {
					t.Fatalf("got %q %s", aws.ToString(out.FunctionError), out.Payload)
				}
				log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
				if !strings.Contains(string(log), tc.wantLog) {
					t.Errorf("log lacks %q:\n%s", tc.wantLog, log)
				}
			}
		})
	}
}
