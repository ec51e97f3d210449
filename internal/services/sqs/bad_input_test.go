package sqs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// TestBadInput sends requests AWS refuses, through the SDK: each gets
// AWS's code (as the SDK reports it: the awsQuery code), message and
// status, and none changes anything.
func TestBadInput(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	std := tb.createQueue(t, "std", nil)
	fifo := tb.createQueue(t, "f.fifo", map[string]string{"FifoQueue": "true"})
	big := strings.Repeat("x", 262145)
	half := strings.Repeat("y", 140000)
	eleven := map[string]types.MessageAttributeValue{}
	for i := range 11 {
		eleven["a"+strconv.Itoa(i)] = strAttr("v")
	}
	var entries11 []types.SendMessageBatchRequestEntry
	for i := range 11 {
		entries11 = append(entries11, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String("b")})
	}
	send := func(q string, mod func(*awssqs.SendMessageInput)) func() error {
		return func() error {
			in := &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("body")}
			if mod != nil {
				mod(in)
			}
			_, err := c.SendMessage(ctx, in)
			return err
		}
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		msg    string
		status int
	}{
		{"too large", send(std, func(in *awssqs.SendMessageInput) { in.MessageBody = aws.String(big) }),
			"InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.", 400},
		{"invalid characters", send(std, func(in *awssqs.SendMessageInput) { in.MessageBody = aws.String("a\x01b") }),
			"InvalidMessageContents", "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", 400},
		{"delay over 900", send(std, func(in *awssqs.SendMessageInput) { in.DelaySeconds = 901 }),
			"InvalidParameterValue", "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", 400},
		{"empty string attribute", send(std, func(in *awssqs.SendMessageInput) {
			in.MessageAttributes = map[string]types.MessageAttributeValue{"ErrorDetails": strAttr("")}
		}), "InvalidParameterValue", "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.", 400},
		{"attribute type", send(std, func(in *awssqs.SendMessageInput) {
			in.MessageAttributes = map[string]types.MessageAttributeValue{"t": {DataType: aws.String("Integer"), StringValue: aws.String("1")}}
		}), "InvalidParameterValue", "The type of message (user) attribute 't' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", 400},
		{"not a number", send(std, func(in *awssqs.SendMessageInput) {
			in.MessageAttributes = map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("ten")}}
		}), "InvalidParameterValue", "Can't cast the value of message (user) attribute 'n' to a number.", 400},
		{"eleven attributes", send(std, func(in *awssqs.SendMessageInput) { in.MessageAttributes = eleven }),
			"InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10].", 400},
		{"dedup id on standard", send(std, func(in *awssqs.SendMessageInput) { in.MessageDeduplicationId = aws.String("d") }),
			"InvalidParameterValue", "Value d for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.", 400},
		{"fifo without group", send(fifo, func(in *awssqs.SendMessageInput) { in.MessageDeduplicationId = aws.String("d") }),
			"MissingParameter", "The request must contain the parameter MessageGroupId.", 400},
		{"fifo without dedup", send(fifo, func(in *awssqs.SendMessageInput) { in.MessageGroupId = aws.String("g") }),
			"InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly", 400},
		{"fifo delay", send(fifo, func(in *awssqs.SendMessageInput) {
			in.MessageGroupId, in.MessageDeduplicationId, in.DelaySeconds = aws.String("g"), aws.String("d"), 2
		}), "InvalidParameterValue", "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", 400},
		{"missing queue", send(tb.url+"/"+account+"/missing", nil),
			"AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400},
		{"receive 11", func() error {
			_, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(std), MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", 400},
		{"wait 21", func() error {
			_, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(std), WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue", "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", 400},
		{"invalid receipt handle", func() error {
			_, err := c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(std), ReceiptHandle: aws.String("not-a-handle")})
			return err
		}, "ReceiptHandleIsInvalid", `The input receipt handle "not-a-handle" is not a valid receipt handle.`, 404},
		{"visibility over 12 hours", func() error {
			_, err := c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(std),
				ReceiptHandle: aws.String("AQEBAQAAAAAAAAAB"), VisibilityTimeout: 43201})
			return err
		}, "InvalidParameterValue", "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", 400},
		{"empty batch", func() error {
			_, err := c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(std), Entries: []types.SendMessageBatchRequestEntry{}})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.", 400},
		{"eleven entries", func() error {
			_, err := c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(std), Entries: entries11})
			return err
		}, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11.", 400},
		{"repeated ids", func() error {
			_, err := c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(std), Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("a"), MessageBody: aws.String("1")}, {Id: aws.String("a"), MessageBody: aws.String("2")}}})
			return err
		}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated.", 400},
		{"bad entry id", func() error {
			_, err := c.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(std), Entries: []types.DeleteMessageBatchRequestEntry{
				{Id: aws.String("a:b"), ReceiptHandle: aws.String("h")}}})
			return err
		}, "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.", 400},
		{"batch too long", func() error {
			_, err := c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(std), Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("a"), MessageBody: aws.String(half)}, {Id: aws.String("b"), MessageBody: aws.String(half)}}})
			return err
		}, "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes. You have sent 280000 bytes.", 400},
		{"queue name", func() error {
			_, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("has space")})
			return err
		}, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length", 400},
		{"fifo name", func() error {
			_, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("nofifo"), Attributes: map[string]string{"FifoQueue": "true"}})
			return err
		}, "InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.", 400},
		{"unknown attribute", func() error {
			_, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("q"), Attributes: map[string]string{"Colour": "blue"}})
			return err
		}, "InvalidAttributeName", "Unknown Attribute Colour.", 400},
		{"attribute out of range", func() error {
			_, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("q"), Attributes: map[string]string{"VisibilityTimeout": "50000"}})
			return err
		}, "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout.", 400},
		{"fifo attribute on standard", func() error {
			_, err := c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(std), Attributes: map[string]string{"FifoQueue": "true"}})
			return err
		}, "InvalidAttributeName", "Unknown Attribute FifoQueue.", 400},
		{"two kinds of SSE", func() error {
			_, err := c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(std), Attributes: map[string]string{
				"KmsMasterKeyId": "k", "SqsManagedSseEnabled": "true"}})
			return err
		}, "InvalidAttributeName", "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.", 400},
		{"max receive count", func() error {
			_, err := c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(std), Attributes: map[string]string{
				"RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `std","maxReceiveCount":0}`}})
			return err
		}, "InvalidParameterValue", `Value {"deadLetterTargetArn":"` + arnBase + `std","maxReceiveCount":0} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.`, 400},
		{"unknown attribute name", func() error {
			_, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(std), AttributeNames: []types.QueueAttributeName{"Bogus"}})
			return err
		}, "InvalidAttributeName", "Unknown Attribute Bogus.", 400},
		{"owner account", func() error {
			_, err := c.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("std"), QueueOwnerAWSAccountId: aws.String("222222222222")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400},
		{"not emulated", func() error {
			_, err := c.AddPermission(ctx, &awssqs.AddPermissionInput{QueueUrl: aws.String(std), Label: aws.String("l"),
				AWSAccountIds: []string{"222222222222"}, Actions: []string{"SendMessage"}})
			return err
		}, "AWS.SimpleQueueService.UnsupportedOperation", "AddPermission is not supported by this emulator.", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.msg, tt.status)
		})
	}
	// Nothing changed.
	wantCounts(t, tb, std, 0, 0, 0)
	wantCounts(t, tb, fifo, 0, 0, 0)
	list, err := c.ListQueues(ctx, &awssqs.ListQueuesInput{})
	if err != nil || len(list.QueueUrls) != 2 {
		t.Errorf("queues = %v, %v", list, err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(std), AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil || attrs.Attributes["SqsManagedSseEnabled"] != "true" || attrs.Attributes["KmsMasterKeyId"] != "" || attrs.Attributes["RedrivePolicy"] != "" {
		t.Errorf("attributes changed: %v, %v", attrs, err)
	}
}

// TestBadJSON sends raw JSON requests the SDK would never build.
func TestBadJSON(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tests := []struct {
		name, target, body string
		status             int
		typ, queryError    string
	}{
		{"missing queue url", "AmazonSQS.SendMessage", `{"MessageBody":"x"}`, 400,
			"com.amazonaws.sqs#MissingRequiredParameterException", "MissingParameter;Sender"},
		{"invalid parameter", "AmazonSQS.ReceiveMessage", `{"QueueUrl":"` + tb.createQueue(t, "raw", nil) + `","MaxNumberOfMessages":0}`, 400,
			"com.amazonaws.sqs#InvalidParameterValueException", "InvalidParameterValue;Sender"},
		{"malformed", "AmazonSQS.SendMessage", `{"QueueUrl":`, 400, "com.amazon.coral.service#SerializationException", ""},
		{"wrong type", "AmazonSQS.SendMessage", `{"QueueUrl":5}`, 400, "com.amazon.coral.service#SerializationException", ""},
		{"unknown action", "AmazonSQS.Frobnicate", `{}`, 400, "com.amazon.coral.service#UnknownOperationException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodPost, tb.url, strings.NewReader(tt.body))
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
			if resp.StatusCode != tt.status || e.Type != tt.typ {
				t.Errorf("status %d body %s; want %d %s", resp.StatusCode, body, tt.status, tt.typ)
			}
			if qe := resp.Header.Get("x-amzn-query-error"); tt.queryError != "" && qe != tt.queryError {
				t.Errorf("x-amzn-query-error = %q; want %q", qe, tt.queryError)
			}
		})
	}
}

// TestCall drives the in-process entry point with the JSON protocol's
// shapes.
func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	out, err := tb.svc.Call(ctx, "CreateQueue", []byte(`{"QueueName":"called","tags":{"a":"b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var cq struct{ QueueUrl string }
	if err := json.Unmarshal(out, &cq); err != nil || cq.QueueUrl != tb.url+"/"+account+"/called" {
		t.Fatalf("CreateQueue = %s, %v", out, err)
	}
	out, err = tb.svc.Call(ctx, "SendMessage", []byte(`{"QueueUrl":"`+cq.QueueUrl+`","MessageBody":"hi",`+
		`"MessageAttributes":{"b":{"DataType":"Binary","BinaryValue":"AAEC"}}}`))
	if err != nil || !strings.Contains(string(out), `"MD5OfMessageBody":"49f68a5c8493ec2c0bf489821c21fc3b"`) {
		t.Fatalf("SendMessage = %s, %v", out, err)
	}
	out, err = tb.svc.Call(ctx, "ReceiveMessage", []byte(`{"QueueUrl":"`+cq.QueueUrl+`","MessageAttributeNames":["All"]}`))
	if err != nil || !strings.Contains(string(out), `"Body":"hi"`) || !strings.Contains(string(out), `"BinaryValue":"AAEC"`) {
		t.Fatalf("ReceiveMessage = %s, %v", out, err)
	}
	empty, err := tb.svc.Call(ctx, "ReceiveMessage", []byte(`{"QueueUrl":"`+cq.QueueUrl+`"}`))
	if err != nil || string(empty) != `{"Messages":[]}` {
		t.Errorf("empty receive = %s, %v", empty, err)
	}
	out, err = tb.svc.Call(ctx, "ListQueueTags", []byte(`{"QueueUrl":"`+cq.QueueUrl+`"}`))
	if err != nil || string(out) != `{"Tags":{"a":"b"}}` {
		t.Errorf("ListQueueTags = %s, %v", out, err)
	}
	for _, tt := range []struct{ action, body, code string }{
		{"Frobnicate", `{}`, awsproto.CodeUnknownOperation},
		{"SendMessage", `{"QueueUrl":`, awsproto.CodeSerialization},
		{"SendMessage", `{"MessageBody":"x"}`, "MissingRequiredParameterException"},
		{"GetQueueUrl", `{"QueueName":"none"}`, "QueueDoesNotExist"},
	} {
		_, err := tb.svc.Call(ctx, tt.action, []byte(tt.body))
		var e *awsproto.Error
		if !errors.As(err, &e) || e.Code != tt.code {
			t.Errorf("Call(%s, %s) = %v; want %s", tt.action, tt.body, err, tt.code)
		}
	}
	if len(sqsActions()) < 18 {
		t.Errorf("actions = %v", sqsActions())
	}
}
