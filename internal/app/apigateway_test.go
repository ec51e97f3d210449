package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/app"
)

// TestHTTPAPIStartsExecution creates an HTTP API whose POST /orders route
// starts a state machine (StepFunctions-StartExecution, the execution named
// after the order), calls it as an API client would, and checks that a
// retried request does not start a second order.
func TestHTTPAPIStartsExecution(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	sm := createSM(t, c, base, "orders", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	rest := func(method, path string, body any) map[string]any {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
		}
		return out
	}
	api := rest("POST", "/v2/apis", map[string]any{"name": "shop", "protocolType": "HTTP"})
	id := api["apiId"].(string)
	integ := rest("POST", "/v2/apis/"+id+"/integrations", map[string]any{"integrationType": "AWS_PROXY",
		"integrationSubtype": "StepFunctions-StartExecution", "credentialsArn": "arn:aws:iam::111111111111:role/api", "payloadFormatVersion": "1.0",
		"requestParameters": map[string]string{"StateMachineArn": sm, "Input": "$request.body", "Name": "$request.body.orderId"}})
	rest("POST", "/v2/apis/"+id+"/routes", map[string]any{"routeKey": "POST /orders", "target": "integrations/" + integ["integrationId"].(string)})
	rest("POST", "/v2/apis/"+id+"/stages", map[string]any{"stageName": "$default", "autoDeploy": true})

	endpoint := api["apiEndpoint"].(string)
	post := func(body string) (int, string) {
		resp, err := c.Post(endpoint+"/orders", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post(`{"orderId":"o-7","qty":1}`)
	if code != 200 || !strings.Contains(body, ":execution:orders:o-7") {
		t.Fatalf("POST /orders: %d %s", code, body)
	}
	// The client retries while the order runs: same name and input, the
	// same execution (StartExecution is idempotent).
	code, body = post(`{"orderId":"o-7","qty":1}`)
	if code != 200 || !strings.Contains(body, ":execution:orders:o-7") {
		t.Errorf("retried POST /orders: %d %s", code, body)
	}
	// Another order with the same id is refused as AWS refuses it.
	code, body = post(`{"orderId":"o-7","qty":2}`)
	if code != 400 || !strings.Contains(body, "ExecutionAlreadyExists") {
		t.Errorf("conflicting POST /orders: %d %s", code, body)
	}
	l, _, _ := call(c, base, "ListExecutions", map[string]any{"stateMachineArn": sm})
	if n := len(l["executions"].([]any)); n != 1 {
		t.Errorf("%d executions, want 1", n)
	}
}

// TestConsoleServes: the console's pages answer, and a browser asking for
// the root page is sent there.
func TestConsoleServes(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	sm := createSM(t, c, base, "shown", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	d := runToEnd(t, c, base, sm, `{"needle":"haystack-42"}`)
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/console/" || !strings.Contains(string(page), "shown") {
		t.Errorf("root page: %s %d", resp.Request.URL, resp.StatusCode)
	}
	for _, path := range []string{"/console/statemachines", "/console/executions?q=haystack-42", "/console/execution?arn=" + d["executionArn"].(string),
		"/console/outbox", "/console/queues", "/console/schedules", "/console/approvals"} {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d\n%s", path, resp.StatusCode, b)
		}
		if strings.Contains(path, "q=haystack") && !strings.Contains(string(b), d["executionArn"].(string)[strings.LastIndexByte(d["executionArn"].(string), ':')+1:]) {
			t.Errorf("search did not find the execution:\n%s", b)
		}
	}
}
