package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Test-wide names: the server's default account and region.
const (
	account = "111111111111"
	region  = "us-east-1"
	roleArn = "arn:aws:iam::" + account + ":role/e2e"
)

func stateMachineArn(name string) string {
	return "arn:aws:states:" + region + ":" + account + ":stateMachine:" + name
}

func executionArn(machine, name string) string {
	return "arn:aws:states:" + region + ":" + account + ":execution:" + machine + ":" + name
}

func activityArn(name string) string {
	return "arn:aws:states:" + region + ":" + account + ":activity:" + name
}

// apiError is an AWS error answer: the HTTP status and the error shape.
type apiError struct {
	Status  int
	Type    string // __type as sent, e.g. "com.amazonaws.swf.service.v2.model#InvalidToken"
	Message string
}

// Code is the error code: __type after its namespace, as the SDKs read it.
func (e *apiError) Code() string {
	code := e.Type
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	code, _, _ = strings.Cut(code, ":")
	return code
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code(), e.Message)
}

// codeOf returns err's AWS error code, or "" when err is not an AWS error
// answer (nil, or a connection error).
func codeOf(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code()
	}
	return ""
}

// client sends awsJson1_0 requests to the Step Functions API of a server.
type client struct {
	url  string
	http *http.Client
}

func newClient(t testing.TB, url string) *client {
	c := &client{url: url, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	t.Cleanup(c.http.CloseIdleConnections)
	return c
}

// send posts body to the server with X-Amz-Target target and returns the
// status and response body; err is a transport error.
func (c *client) send(ctx context.Context, target, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// rawCall sends a raw body to an action; a non-200 answer is an *apiError.
func (c *client) rawCall(ctx context.Context, action string, body []byte, out any) error {
	status, b, err := c.send(ctx, "AWSStepFunctions."+action, "application/x-amz-json-1.0", body)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		ae := &apiError{Status: status}
		var shape struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		if err := json.Unmarshal(b, &shape); err != nil {
			return fmt.Errorf("%s: HTTP %d with a body that is no AWS error: %q", action, status, b)
		}
		ae.Type, ae.Message = shape.Type, shape.Message
		if ae.Message == "" {
			ae.Message = shape.Message2
		}
		return ae
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s: decode %q: %w", action, b, err)
	}
	return nil
}

// call sends in (encoded as JSON) to an action and decodes the answer into
// out (if not nil).
func (c *client) call(ctx context.Context, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.rawCall(ctx, action, body, out)
}

// must is call that fails the test on any error.
func (c *client) must(t testing.TB, action string, in, out any) {
	t.Helper()
	if err := c.call(context.Background(), action, in, out); err != nil {
		t.Fatalf("%s: %v", action, err)
	}
}

// retry is call that retries connection errors (the server is down or
// restarting) until ctx ends. retried reports whether an attempt failed
// on the connection, so an AWS error may answer a repeated request.
func (c *client) retry(ctx context.Context, action string, in, out any) (retried bool, err error) {
	for {
		err = c.call(ctx, action, in, out)
		var ae *apiError
		if err == nil || errors.As(err, &ae) {
			return retried, err
		}
		if ctx.Err() != nil {
			return retried, err
		}
		retried = true
		select {
		case <-ctx.Done():
			return retried, err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// obj is a decoded JSON object (numbers as json.Number).
type obj = map[string]any

// history returns every event of an execution (all pages, in order), each
// as decoded JSON.
func (c *client) history(ctx context.Context, arn string) ([]obj, error) {
	var events []obj
	token := ""
	for pages := 0; ; pages++ {
		in := obj{"executionArn": arn, "maxResults": 25}
		if token != "" {
			in["nextToken"] = token
		}
		var out struct {
			Events    []obj  `json:"events"`
			NextToken string `json:"nextToken"`
		}
		if _, err := c.retry(ctx, "GetExecutionHistory", in, &out); err != nil {
			return nil, err
		}
		events = append(events, out.Events...)
		if out.NextToken == "" {
			return events, nil
		}
		if pages > 10000 {
			return nil, errors.New("GetExecutionHistory: nextToken never ends")
		}
		token = out.NextToken
	}
}

// executions lists the executions of a state machine (all pages; only
// those in status when it is not ""), as name → status.
func (c *client) executions(ctx context.Context, machineArn, status string) (map[string]string, error) {
	got := map[string]string{}
	token := ""
	for {
		in := obj{"stateMachineArn": machineArn, "maxResults": 100}
		if status != "" {
			in["statusFilter"] = status
		}
		if token != "" {
			in["nextToken"] = token
		}
		var out struct {
			Executions []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"executions"`
			NextToken string `json:"nextToken"`
		}
		if _, err := c.retry(ctx, "ListExecutions", in, &out); err != nil {
			return nil, err
		}
		for _, e := range out.Executions {
			got[e.Name] = e.Status
		}
		if out.NextToken == "" {
			return got, nil
		}
		token = out.NextToken
	}
}

// jsonText encodes v as JSON text (for definitions and inputs).
func jsonText(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
