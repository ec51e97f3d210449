package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServicesSurviveKill writes to DynamoDB, SQS and S3, kills the server
// with SIGKILL, starts it again and reads everything back: every
// acknowledged write was committed (fsynced) before its answer.
func TestServicesSurviveKill(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	hc := &http.Client{}
	awsJSON := func(target, version string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, s.url()+"/", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/x-amz-json-"+version)
		req.Header.Set("X-Amz-Target", target)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", target, resp.StatusCode, out)
		}
		return out
	}
	s3 := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.url()+path, strings.NewReader(body))
		// Path-style S3 needs the request signed for s3 to be told apart
		// from other services; the credential scope is enough unverified.
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0")
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	awsJSON("DynamoDB_20120810.CreateTable", "1.0", obj{"TableName": "things", "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []obj{{"AttributeName": "k", "AttributeType": "S"}}, "KeySchema": []obj{{"AttributeName": "k", "KeyType": "HASH"}}})
	awsJSON("DynamoDB_20120810.PutItem", "1.0", obj{"TableName": "things", "Item": obj{"k": obj{"S": "a"}, "n": obj{"N": "41"}}})
	awsJSON("DynamoDB_20120810.UpdateItem", "1.0", obj{"TableName": "things", "Key": obj{"k": obj{"S": "a"}},
		"UpdateExpression": "ADD n :one", "ExpressionAttributeValues": obj{":one": obj{"N": "1"}}})
	q := awsJSON("AmazonSQS.CreateQueue", "1.0", obj{"QueueName": "q"})
	awsJSON("AmazonSQS.SendMessage", "1.0", obj{"QueueUrl": q["QueueUrl"], "MessageBody": "kept"})
	if code, body := s3(http.MethodPut, "/bucket", ""); code != 200 {
		t.Fatalf("create bucket: %d %s", code, body)
	}
	if code, body := s3(http.MethodPut, "/bucket/key.txt", "object body"); code != 200 {
		t.Fatalf("put object: %d %s", code, body)
	}

	s.kill()
	s.start()

	item := awsJSON("DynamoDB_20120810.GetItem", "1.0", obj{"TableName": "things", "Key": obj{"k": obj{"S": "a"}}, "ConsistentRead": true})
	if n := item["Item"].(map[string]any)["n"].(map[string]any)["N"]; n != "42" {
		t.Errorf("item n = %v, want 42", n)
	}
	msgs := awsJSON("AmazonSQS.ReceiveMessage", "1.0", obj{"QueueUrl": q["QueueUrl"], "WaitTimeSeconds": 1})
	if m, _ := msgs["Messages"].([]any); len(m) != 1 || m[0].(map[string]any)["Body"] != "kept" {
		t.Errorf("messages after the kill: %v", msgs)
	}
	if code, body := s3(http.MethodGet, "/bucket/key.txt", ""); code != 200 || body != "object body" {
		t.Errorf("object after the kill: %d %q", code, body)
	}
}
