package apigateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/services/apigateway"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// benchAPI makes an API with a realistic route table and returns the data
// plane handler and the API id. The integrations answer instantly, so the
// benchmarks measure the gateway's own overhead per request: routing,
// building the event or the mapped input, and writing the response.
func benchAPI(b *testing.B) (http.Handler, string) {
	b.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := apigateway.New(apigateway.Config{DB: db,
		Invoke: func(context.Context, string, []byte) (int, string, []byte, error) {
			return 200, "", []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`), nil
		},
		StepFunctions: func(context.Context, string, []byte) ([]byte, error) {
			return []byte(`{"executionArn":"arn:aws:states:us-east-1:111111111111:execution:orders:x","startDate":1.7E9}`), nil
		}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = svc.Close()
		_ = db.Close()
	})
	call := func(action, input string) map[string]any {
		out, err := svc.Call(ctx, action, []byte(input))
		if err != nil {
			b.Fatal(err)
		}
		return decode(b, out)
	}
	apiID := call("CreateApi", `{"Name":"bench","ProtocolType":"HTTP"}`)["ApiId"].(string)
	lambda := call("CreateIntegration", `{"ApiId":"`+apiID+`","IntegrationType":"AWS_PROXY","PayloadFormatVersion":"2.0","IntegrationUri":"`+fnARN+`"}`)["IntegrationId"].(string)
	sfn := call("CreateIntegration", `{"ApiId":"`+apiID+`","IntegrationType":"AWS_PROXY","IntegrationSubtype":"StepFunctions-StartExecution",
		"PayloadFormatVersion":"1.0","RequestParameters":{"StateMachineArn":"`+smARN+`","Input":"$request.body","Name":"$request.body.orderId"}}`)["IntegrationId"].(string)
	for _, k := range []string{"GET /orders", "GET /orders/{id}", "PUT /orders/{id}", "DELETE /orders/{id}", "GET /users/{id}/orders",
		"ANY /admin/{proxy+}", "GET /health", "$default"} {
		call("CreateRoute", `{"ApiId":"`+apiID+`","RouteKey":"`+k+`","Target":"integrations/`+lambda+`"}`)
	}
	call("CreateRoute", `{"ApiId":"`+apiID+`","RouteKey":"POST /orders","Target":"integrations/`+sfn+`"}`)
	call("CreateStage", `{"ApiId":"`+apiID+`","StageName":"$default","AutoDeploy":true}`)
	return apigateway.NewDataPlane(svc), apiID
}

func BenchmarkDataPlaneLambda(b *testing.B) {
	h, apiID := benchAPI(b)
	benchRequest(b, h, func() *http.Request {
		r := httptest.NewRequest("GET", "/_apis/"+apiID+"/orders/42?expand=items", nil)
		r.Header.Set("User-Agent", "bench")
		r.Header.Set("Accept", "application/json")
		return r
	})
}

func BenchmarkDataPlaneStepFunctions(b *testing.B) {
	h, apiID := benchAPI(b)
	body := `{"orderId":"o-1","items":[{"sku":"a","qty":2}],"total":12.5}`
	benchRequest(b, h, func() *http.Request {
		r := httptest.NewRequest("POST", "/_apis/"+apiID+"/orders", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	})
}

func benchRequest(b *testing.B, h http.Handler, newReq func() *http.Request) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, newReq())
	if w.Code != 200 {
		b.Fatalf("status %d: %s", w.Code, w.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, newReq())
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// decode decodes a JSON object.
func decode(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// BenchmarkHarness is the cost of the benchmark's own request and recorder
// with a handler that does nothing: subtract it from the others.
func BenchmarkHarness(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	benchRequest(b, h, func() *http.Request {
		r := httptest.NewRequest("GET", "/_apis/abc/orders/42?expand=items", nil)
		r.Header.Set("User-Agent", "bench")
		r.Header.Set("Accept", "application/json")
		return r
	})
}
