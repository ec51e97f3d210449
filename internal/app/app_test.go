package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/app"
)

func startServer(tb testing.TB, cfg app.Config) *app.Server {
	tb.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = tb.TempDir()
	srv, err := app.Start(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

func call(client *http.Client, url, action string, body any) (map[string]any, int, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var out map[string]any
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out, resp.StatusCode, err
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg     app.Config
		wantErr bool
	}{
		{app.Config{DataDir: "x"}, false},
		{app.Config{DataDir: "x", Listen: "0.0.0.0:8083"}, true},
		{app.Config{DataDir: "x", Listen: "0.0.0.0:8083", Insecure: true}, false},
		{app.Config{DataDir: "x", Listen: "0.0.0.0:8083", Credentials: map[string]string{"k": "s"}}, false},
		{app.Config{DataDir: "x", Account: "12"}, true},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err != nil) != tt.wantErr {
			t.Errorf("Validate(%+v) = %v, want error %v", tt.cfg, err, tt.wantErr)
		}
	}
}

// BenchmarkStartExecutionAt1000PerSecond offers StartExecution at 1,000
// requests per second for a few seconds (each execution then waits on a
// timer) and reports the latency percentiles the service issue targets
// (p99 ≤ 5 ms).
func BenchmarkStartExecutionAt1000PerSecond(b *testing.B) {
	srv := startServer(b, app.Config{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	sm, code, err := call(client, srv.URL(), "CreateStateMachine", map[string]any{"name": "rate", "definition": def, "roleArn": "arn:aws:iam::111111111111:role/r"})
	if err != nil || code != 200 {
		b.Fatalf("create: %v %d %v", err, code, sm)
	}
	arn := sm["stateMachineArn"].(string)
	const rate = 1000
	const seconds = 3
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	b.ResetTimer()
	for i := range rate * seconds {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			_, code, err := call(client, srv.URL(), "StartExecution", map[string]any{"stateMachineArn": arn, "name": fmt.Sprint("e", i)})
			d := time.Since(t0)
			if err != nil || code != 200 {
				b.Errorf("start %d: %v %d", i, err, code)
				return
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat))/seconds, "starts/s")
}
