package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/app"
)

// TestApprovalLinks waits on a task token, mints approval links for it
// through POST /approvals, and follows them as a browser would: GET shows a
// page with one button and changes nothing; POSTing the button resumes the
// execution; the link cannot be used twice.
func TestApprovalLinks(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{})
	c := &http.Client{}
	base := srv.URL()
	child := createSM(t, c, base, "approval-request", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	sm := createSM(t, c, base, "needs-approval", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
		"Parameters":{"StateMachineArn":"`+child+`","Input":{"token.$":"$$.Task.Token"}},"TimeoutSeconds":600,"End":true}}}`)

	usedTokens := map[string]bool{}
	for _, decision := range []string{"approve", "reject"} {
		st, _, _ := call(c, base, "StartExecution", map[string]any{"stateMachineArn": sm, "name": decision})
		arn := st["executionArn"].(string)
		token := waitToken(t, c, base, child, usedTokens)

		body, _ := json.Marshal(map[string]any{"TaskToken": token, "ExecutionArn": arn, "StateName": "Ask", "Title": "Order 42 needs approval"})
		resp, err := c.Post(base+"/approvals", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var minted map[string]string
		json.NewDecoder(resp.Body).Decode(&minted)
		resp.Body.Close()
		link := minted[map[string]string{"approve": "ApproveUrl", "reject": "RejectUrl"}[decision]]
		if resp.StatusCode != 200 || link == "" || strings.Contains(link, token) {
			t.Fatalf("mint: %d %v", resp.StatusCode, minted)
		}

		// GET (what a mail scanner does) changes nothing.
		page := get(t, c, link)
		if !strings.Contains(page, "Order 42 needs approval") || strings.Contains(page, token) {
			t.Fatalf("page:\n%s", page)
		}
		if d, _, _ := call(c, base, "DescribeExecution", map[string]any{"executionArn": arn}); d["status"] != "RUNNING" {
			t.Fatalf("GET decided: %v", d["status"])
		}
		// The button POSTs the form.
		form := formValues(page)
		u, _ := url.Parse(link)
		resp, err = c.PostForm(base+u.Path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST decision: %d", resp.StatusCode)
		}
		d := waitEnd(t, c, base, arn)
		switch decision {
		case "approve":
			if d["status"] != "SUCCEEDED" || !strings.Contains(d["output"].(string), `"approved":true`) {
				t.Errorf("approved execution = %v", d)
			}
		case "reject":
			if d["status"] != "FAILED" || d["error"] != "ApprovalRejected" {
				t.Errorf("rejected execution = %v", d)
			}
		}
		// Reused link: a clear page, nothing changes.
		resp, _ = c.PostForm(base+u.Path, form)
		resp.Body.Close()
		if resp.StatusCode != http.StatusGone {
			t.Errorf("reused link: %d, want 410", resp.StatusCode)
		}
	}
}

// waitToken returns a token carried in the input of a child execution,
// one not in used (which it then joins).
func waitToken(t *testing.T, c *http.Client, base, child string, used map[string]bool) string {
	t.Helper()
	seen := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		l, _, _ := call(c, base, "ListExecutions", map[string]any{"stateMachineArn": child})
		for _, e := range l["executions"].([]any) {
			arn := e.(map[string]any)["executionArn"].(string)
			if seen[arn] {
				continue
			}
			d, _, _ := call(c, base, "DescribeExecution", map[string]any{"executionArn": arn})
			var in map[string]string
			json.Unmarshal([]byte(d["input"].(string)), &in)
			if tok := in["token"]; tok != "" && !used[tok] {
				used[tok] = true
				return tok
			}
			seen[arn] = true
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no waiting child")
	return ""
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

func formValues(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], m[2])
	}
	return v
}
