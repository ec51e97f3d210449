package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/app"
)

// TestExpressAtLeastOnce starts an asynchronous EXPRESS execution that
// waits, then starts a STANDARD execution; Stepflow stops during the wait.
// After the restart the EXPRESS execution runs again and its Task starts
// the STANDARD one: accepted EXPRESS executions are not lost.
func TestExpressAtLeastOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := func(scale float64) *app.Server {
		srv, err := app.Start(context.Background(), app.Config{Listen: "127.0.0.1:0", DataDir: dir, TimeScale: scale, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	c := &http.Client{}
	srv := start(1)
	url := srv.URL()
	target := createSM(t, c, url, "target", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	express := createExpress(t, c, url, "express", `{"StartAt":"W","States":{
		"W":{"Type":"Wait","Seconds":200,"Next":"Start"},
		"Start":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution","Parameters":{"StateMachineArn":"`+target+`","Name":"from-express"},"End":true}}}`)
	if _, code, err := call(c, url, "StartExecution", map[string]any{"stateMachineArn": express}); err != nil || code != 200 {
		t.Fatalf("start express: %v %d", err, code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	srv = start(2000) // the wait of 200 s now takes 0.1 s
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	url = srv.URL()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		l, _, err := call(c, url, "ListExecutions", map[string]any{"stateMachineArn": target})
		if err != nil {
			t.Fatal(err)
		}
		if ex, _ := l["executions"].([]any); len(ex) == 1 {
			if name := ex[0].(map[string]any)["name"]; name != "from-express" {
				t.Fatalf("execution name = %v", name)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the EXPRESS execution did not run again after the restart")
}

// TestExpressRealTimeAndTasks checks that EXPRESS executions wait in real
// time and run Task integrations.
func TestExpressRealTimeAndTasks(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{})
	c := &http.Client{}
	url := srv.URL()
	target := createSM(t, c, url, "t2", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	express := createExpress(t, c, url, "express2", `{"StartAt":"W","States":{
		"W":{"Type":"Wait","Seconds":1,"Next":"Describe"},
		"Describe":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:describeStateMachine","Parameters":{"StateMachineArn":"`+target+`"},
			"ResultSelector":{"name.$":"$.Name"},"End":true}}}`)
	began := time.Now()
	out, code, err := callSync(c, url, map[string]any{"stateMachineArn": express})
	if err != nil || code != 200 {
		t.Fatalf("sync: %v %d %v", err, code, out)
	}
	if out["status"] != "SUCCEEDED" || out["output"] != `{"name":"t2"}` {
		t.Errorf("sync = %v", out)
	}
	if d := time.Since(began); d < time.Second {
		t.Errorf("a Wait of 1 s took %v", d)
	}
}

func createExpress(t *testing.T, c *http.Client, url, name, def string) string {
	t.Helper()
	out, code, err := call(c, url, "CreateStateMachine", map[string]any{"name": name, "definition": def, "type": "EXPRESS", "roleArn": "arn:aws:iam::111111111111:role/r"})
	if err != nil || code != 200 {
		t.Fatalf("create %s: %v %d %v", name, err, code, out)
	}
	return out["stateMachineArn"].(string)
}

func callSync(c *http.Client, url string, body map[string]any) (map[string]any, int, error) {
	return call(c, url, "StartSyncExecution", body)
}
