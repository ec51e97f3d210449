package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReferenceApp runs the reference application's journeys on a stack
// provisioned by Terraform: an API client's orders (one fulfilled, the last
// units sold exactly once under concurrency), an approver's decisions
// through the e-mailed links, the scheduled ETL, and a payment failure whose
// compensation leaves the stock as it was.
func TestReferenceApp(t *testing.T) {
	if testing.Short() {
		t.Skip("applies a whole Terraform stack")
	}
	t.Parallel() // mostly waits inside the provider
	// Approval requests time out after 3000 s, 5 s at this time scale.
	s := newStack(t, []string{"approval_timeout_seconds=3000", "etl_schedule=rate(1 hour)", "etl_date=2026-11-29"}, "--time-scale", "600")

	t.Run("api client", func(t *testing.T) {
		before := s.stock(t, "coffee")
		arn := s.order(t, "small-1", "ann@example.org", "coffee", 2)
		if d := s.waitExecution(t, arn, time.Minute); d["status"] != "SUCCEEDED" {
			t.Fatalf("order: %v %v %v", d["status"], d["error"], d["cause"])
		}
		if got := s.stock(t, "coffee"); got != before-2 {
			t.Errorf("coffee stock %d, want %d", got, before-2)
		}
		if st := s.orderStatus(t, "small-1"); st != "FULFILLED" {
			t.Errorf("order status %q", st)
		}
		if !s.queueHas(t, s.outputs["fulfilment_queue_url"], `"orderId":"small-1"`) {
			t.Error("no fulfilment message")
		}
		if m := s.mail(t, "ann@example.org", "small-1"); m == nil {
			t.Error("no confirmation e-mail")
		}
	})

	t.Run("last units", func(t *testing.T) {
		s.setStock(t, "bread", 10)
		var wg sync.WaitGroup
		arns := make([]string, 50)
		for i := range arns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				arns[i] = s.order(t, fmt.Sprintf("rush-%02d", i), "bob@example.org", "bread", 1)
			}()
		}
		wg.Wait()
		succeeded, outOfStock := 0, 0
		for _, arn := range arns {
			d := s.waitExecution(t, arn, 2*time.Minute)
			switch {
			case d["status"] == "SUCCEEDED":
				succeeded++
			case d["error"] == "OutOfStock":
				outOfStock++
			default:
				t.Errorf("%s: %v %v %v", arn, d["status"], d["error"], d["cause"])
			}
		}
		if succeeded != 10 || outOfStock != 40 || s.stock(t, "bread") != 0 {
			t.Errorf("%d succeeded, %d out of stock, %d left; want 10, 40, 0", succeeded, outOfStock, s.stock(t, "bread"))
		}
	})

	t.Run("approver", func(t *testing.T) {
		approve := s.order(t, "big-approve", "carl@example.org", "espresso", 1)
		reject := s.order(t, "big-reject", "dora@example.org", "espresso", 1)
		ignore := s.order(t, "big-ignore", "emil@example.org", "espresso", 1)
		links := map[string]map[string]string{}
		for _, id := range []string{"big-approve", "big-reject"} {
			m := s.mail(t, "approver@example.com", id)
			if m == nil {
				t.Fatalf("no approval e-mail for %s", id)
			}
			links[id] = approvalLinks(m)
		}
		first := s.decide(t, links["big-approve"]["approve"], http.StatusOK)
		s.decide(t, links["big-reject"]["reject"], http.StatusOK)
		if d := s.waitExecution(t, approve, time.Minute); d["status"] != "SUCCEEDED" {
			t.Errorf("approved order: %v %v", d["status"], d["error"])
		}
		if d := s.waitExecution(t, reject, time.Minute); d["status"] != "FAILED" || d["error"] != "ApprovalRejected" {
			t.Errorf("rejected order: %v %v", d["status"], d["error"])
		}
		if st := s.orderStatus(t, "big-reject"); st != "REJECTED" {
			t.Errorf("rejected order status %q", st)
		}
		if d := s.waitExecution(t, ignore, time.Minute); d["status"] != "FAILED" || d["error"] != "States.Timeout" {
			t.Errorf("unanswered order: %v %v", d["status"], d["error"])
		}
		// A reused link changes nothing.
		s.post(t, first, http.StatusGone)
	})

	t.Run("schedule runs the ETL", func(t *testing.T) {
		etl := s.outputs["batch_etl_arn"]
		var arn string
		deadline := time.Now().Add(2 * time.Minute)
		for arn == "" && time.Now().Before(deadline) {
			runs, _ := s.c.executions(context.Background(), etl, "")
			for name := range runs {
				arn = strings.Replace(etl, ":stateMachine:", ":execution:", 1) + ":" + name
			}
			time.Sleep(200 * time.Millisecond)
		}
		if arn == "" {
			t.Fatal("the schedule did not start the ETL")
		}
		d := s.waitExecution(t, arn, 3*time.Minute)
		if d["status"] != "SUCCEEDED" {
			t.Fatalf("ETL: %v %v %v", d["status"], d["error"], d["cause"])
		}
		var sum struct{ RowsIn, RowsLoaded, RowsRejected int }
		json.Unmarshal([]byte(d["output"].(string)), &sum)
		if sum.RowsIn != 250 || sum.RowsLoaded != 212 || sum.RowsRejected != 38 {
			t.Errorf("ETL summary %+v, want 250 in, 212 loaded, 38 rejected", sum)
		}
		if m := s.mail(t, "reports@example.com", "2026-11-29"); m == nil {
			t.Error("no ETL summary e-mail")
		}
		if !s.queueHas(t, s.outputs["etl_results_queue_url"], `"rowsRejected":38`) {
			t.Error("no message for downstream consumers")
		}
	})

	t.Run("ETL re-run and redrive", func(t *testing.T) {
		etl := s.outputs["batch_etl_arn"]
		bucket := s.outputs["etl_bucket"]
		summary := func() string {
			code, body := s.s3(t, http.MethodGet, "/"+bucket+"/summaries/2026-11-29/summary.json", "")
			if code != 200 {
				t.Fatalf("summary: %d %s", code, body)
			}
			return body
		}
		before := summary()
		var st map[string]any
		s.c.must(t, "StartExecution", obj{"stateMachineArn": etl, "name": "rerun", "input": `{"date":"2026-11-29"}`}, &st)
		if d := s.waitExecution(t, st["executionArn"].(string), 3*time.Minute); d["status"] != "SUCCEEDED" {
			t.Fatalf("re-run: %v %v %v", d["status"], d["error"], d["cause"])
		}
		if after := summary(); after != before {
			t.Errorf("re-running the date changed its summary:\n%s\n%s", before, after)
		}

		// A date without input fails; once its input is there, the failed
		// run is redriven to success.
		s.c.must(t, "StartExecution", obj{"stateMachineArn": etl, "name": "missing-input", "input": `{"date":"2026-11-30"}`}, &st)
		arn := st["executionArn"].(string)
		if d := s.waitExecution(t, arn, time.Minute); d["status"] != "FAILED" {
			t.Fatalf("run without input: %v %v", d["status"], d["error"])
		}
		for _, f := range []string{"orders.csv", "orders.jsonl"} {
			_, body := s.s3(t, http.MethodGet, "/"+bucket+"/input/2026-11-29/"+f, "")
			body = strings.ReplaceAll(body, "2026-11-29", "2026-11-30")
			if code, resp := s.s3(t, http.MethodPut, "/"+bucket+"/input/2026-11-30/"+f, body); code != 200 {
				t.Fatalf("put %s: %d %s", f, code, resp)
			}
		}
		s.c.must(t, "RedriveExecution", obj{"executionArn": arn}, nil)
		if d := s.waitExecution(t, arn, 3*time.Minute); d["status"] != "SUCCEEDED" {
			t.Errorf("redriven run: %v %v %v", d["status"], d["error"], d["cause"])
		}
	})

	t.Run("payment fails after reservation", func(t *testing.T) {
		before := s.stock(t, "mug")
		arn := s.order(t, "declined-1", "fred+declined@example.org", "mug", 3)
		d := s.waitExecution(t, arn, time.Minute)
		if d["status"] != "FAILED" || d["error"] != "PaymentDeclined" {
			t.Errorf("declined order: %v %v %v", d["status"], d["error"], d["cause"])
		}
		if got := s.stock(t, "mug"); got != before {
			t.Errorf("mug stock %d after compensation, want %d", got, before)
		}
		if st := s.orderStatus(t, "declined-1"); st != "FAILED" {
			t.Errorf("order status %q", st)
		}
	})
}

// order posts an order of qty units of sku and returns its execution ARN.
func (s *stack) order(t *testing.T, id, email, sku string, qty int) string {
	t.Helper()
	status, out := s.api(t, http.MethodPost, "orders", obj{"orderId": id, "customer": obj{"email": email, "name": "Test"},
		"items": []obj{{"sku": sku, "qty": qty}}})
	arn, _ := out["executionArn"].(string)
	if status != 200 || arn == "" {
		t.Fatalf("POST /orders %s: %d %v", id, status, out)
	}
	return arn
}

func (s *stack) orderStatus(t *testing.T, id string) string {
	t.Helper()
	_, out := s.api(t, http.MethodGet, "orders/"+id, nil)
	st, _ := out["status"].(string)
	return st
}

// ddb runs a DynamoDB action on the stack's server.
func (s *stack) ddb(t *testing.T, action string, in any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, s.srv.url()+"/", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+action)
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v", action, resp.StatusCode, out)
	}
	return out
}

func (s *stack) stock(t *testing.T, sku string) int {
	t.Helper()
	out := s.ddb(t, "GetItem", obj{"TableName": s.outputs["inventory_table"], "Key": obj{"sku": obj{"S": sku}}})
	item, _ := out["Item"].(map[string]any)
	n, _ := item["stock"].(map[string]any)
	var v int
	fmt.Sscan(fmt.Sprint(n["N"]), &v)
	return v
}

func (s *stack) setStock(t *testing.T, sku string, n int) {
	t.Helper()
	s.ddb(t, "UpdateItem", obj{"TableName": s.outputs["inventory_table"], "Key": obj{"sku": obj{"S": sku}},
		"UpdateExpression": "SET stock = :n", "ExpressionAttributeValues": obj{":n": obj{"N": fmt.Sprint(n)}}})
}

// queueHas reports whether a message containing text arrives on the queue.
func (s *stack) queueHas(t *testing.T, queueURL, text string) bool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := json.Marshal(obj{"QueueUrl": queueURL, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 2})
		req, _ := http.NewRequest(http.MethodPost, s.srv.url()+"/", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "AmazonSQS.ReceiveMessage")
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Messages []struct{ Body string } }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		for _, m := range out.Messages {
			if strings.Contains(m.Body, text) {
				return true
			}
		}
	}
	return false
}

// mail waits for an e-mail to addr whose subject or text mentions text.
func (s *stack) mail(t *testing.T, addr, text string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := s.http.Get(s.srv.url() + "/outbox/api/messages?to=" + url.QueryEscape(addr))
		if err != nil {
			t.Fatal(err)
		}
		var box struct{ Messages []map[string]any }
		json.NewDecoder(resp.Body).Decode(&box)
		resp.Body.Close()
		for _, m := range box.Messages {
			if strings.Contains(fmt.Sprint(m["subject"]), text) || strings.Contains(fmt.Sprint(m["text"]), text) {
				return m
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

var decisionLink = regexp.MustCompile(`/approvals/[0-9a-f]+\?d=(approve|reject)&s=[A-Za-z0-9_-]+`)

// approvalLinks returns an approval e-mail's links by decision.
func approvalLinks(m map[string]any) map[string]string {
	out := map[string]string{}
	links, _ := m["links"].([]any)
	for _, l := range links {
		u := fmt.Sprint(l)
		if sm := decisionLink.FindStringSubmatch(u); sm != nil {
			out[sm[1]] = u
		}
	}
	return out
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// decide follows a link as a browser would: GET shows the page, and its
// one button POSTs the form. It returns the form's URL.
func (s *stack) decide(t *testing.T, link string, want int) string {
	t.Helper()
	resp, err := s.http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", link, resp.StatusCode, page)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], m[2])
	}
	u, _ := url.Parse(link)
	target := s.srv.url() + u.Path + "?" + form.Encode()
	s.post(t, target, want)
	return target
}

func (s *stack) post(t *testing.T, target string, want int) {
	t.Helper()
	u, _ := url.Parse(target)
	resp, err := s.http.PostForm(s.srv.url()+u.Path, u.Query())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Errorf("POST %s: %d, want %d", u.Path, resp.StatusCode, want)
	}
}

// s3 sends a path-style S3 request (signed for s3 in its scope only; the
// server does not verify signatures here).
func (s *stack) s3(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.srv.url()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
