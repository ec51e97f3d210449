package sfn_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// TestBadRequests sends raw awsJson requests the SDK would never build:
// each gets AWS's error, and none changes the store.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tests := []struct {
		name   string
		target string
		body   string
		status int
		typ    string
	}{
		{"malformed json", "AWSStepFunctions.CreateStateMachine", `{"name":`, 400, "SerializationException"},
		{"wrong type", "AWSStepFunctions.CreateStateMachine", `{"name":5,"definition":"{}","roleArn":"arn:aws:iam::1:role/r"}`, 400, "SerializationException"},
		{"unknown action", "AWSStepFunctions.Frobnicate", `{}`, 400, "UnknownOperationException"},
		{"missing members", "AWSStepFunctions.CreateStateMachine", `{}`, 400, "ValidationException"},
		{"forged token", "AWSStepFunctions.SendTaskSuccess", `{"taskToken":"AAAA","output":"{}"}`, 400, "InvalidToken"},
		{"bad arn", "AWSStepFunctions.StartExecution", `{"stateMachineArn":"x"}`, 400, "InvalidArn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodPost, tb.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var e struct {
				Type string `json:"__type"`
			}
			_ = json.Unmarshal(body, &e)
			if resp.StatusCode != tt.status || !strings.HasSuffix(e.Type, "#"+tt.typ) {
				t.Errorf("status %d body %s; want %d %s", resp.StatusCode, body, tt.status, tt.typ)
			}
		})
	}
	t.Cleanup(func() {
		out, err := tb.client.ListStateMachines(context.Background(), &awssfn.ListStateMachinesInput{})
		if err != nil || len(out.StateMachines) != 0 {
			t.Errorf("bad requests left %v, %v", out, err)
		}
	})
}

// TestHandleDirect covers what awsproto normally refuses before Handle
// runs, for callers that use the service without it.
func TestHandleDirect(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tests := []struct {
		action, body, code string
	}{
		{"Frobnicate", `{}`, awsproto.CodeUnknownOperation},
		{"CreateStateMachine", `{"name":`, awsproto.CodeSerialization},
		{"CreateStateMachine", `{"name":7}`, awsproto.CodeSerialization},
		{"CreateStateMachine", `{"name":"n","roleArn":"arn:aws:iam::1:role/r"}`, awsproto.CodeValidation},
		{"StartExecution", `{}`, "InvalidArn"},
		{"SendTaskSuccess", `{"taskToken":""}`, awsproto.CodeValidation},
		{"TestState", `{}`, awsproto.CodeValidation},
		{"ValidateStateMachineDefinition", `{}`, awsproto.CodeValidation},
		{"GetExecutionHistory", `{"executionArn":"` + prefix + `execution:a:b","maxResults":5000}`, awsproto.CodeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.body, func(t *testing.T) {
			t.Parallel()
			_, err := tb.svc.Handle(ctx, tt.action, []byte(tt.body))
			var e *awsproto.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Errorf("Handle = %v; want %s", err, tt.code)
			}
		})
	}
	if _, err := tb.svc.Handle(ctx, "ListStateMachines", nil); err != nil {
		t.Errorf("empty body: %v", err)
	}
}
