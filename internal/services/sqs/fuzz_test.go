package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// newFuzzService opens a service on a fresh database for a fuzz target.
func newFuzzService(f *testing.F) *Service {
	f.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(Config{DB: db, BaseURL: "http://localhost:8083"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		_ = s.Close()
		_ = db.Close()
	})
	return s
}

// inputTypes are the request shapes the query converter must produce.
var inputTypes = map[string]func() any{
	"CreateQueue":                  func() any { return &createQueueInput{} },
	"GetQueueUrl":                  func() any { return &getQueueURLInput{} },
	"ListQueues":                   func() any { return &listQueuesInput{} },
	"GetQueueAttributes":           func() any { return &getQueueAttributesInput{} },
	"SetQueueAttributes":           func() any { return &setQueueAttributesInput{} },
	"DeleteQueue":                  func() any { return &queueInput{} },
	"PurgeQueue":                   func() any { return &queueInput{} },
	"ListQueueTags":                func() any { return &queueInput{} },
	"TagQueue":                     func() any { return &tagQueueInput{} },
	"UntagQueue":                   func() any { return &untagQueueInput{} },
	"ListDeadLetterSourceQueues":   func() any { return &listDLQSourcesInput{} },
	"SendMessage":                  func() any { return &sendMessageInput{} },
	"SendMessageBatch":             func() any { return &sendMessageBatchInput{} },
	"ReceiveMessage":               func() any { return &receiveMessageInput{} },
	"DeleteMessage":                func() any { return &deleteMessageInput{} },
	"DeleteMessageBatch":           func() any { return &deleteMessageBatchInput{} },
	"ChangeMessageVisibility":      func() any { return &changeVisibilityInput{} },
	"ChangeMessageVisibilityBatch": func() any { return &changeVisibilityBatchInput{} },
}

func TestInputTypesCoverActions(t *testing.T) {
	t.Parallel()
	for _, a := range Actions() {
		if inputTypes[a] == nil || queryInputs[a] == nil {
			t.Errorf("%s: no input type or query shape", a)
		}
	}
}

// FuzzQueryForm feeds the query-protocol parser arbitrary form bodies: no
// input may panic, refusals are API errors, and what it accepts decodes
// into the action's JSON request shape.
func FuzzQueryForm(f *testing.F) {
	seeds := []string{
		"Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=10&Tag.1.Key=k&Tag.1.Value=v",
		"Action=SendMessage&MessageBody=hi&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=x",
		"MessageAttribute.1.Name=b&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=AAEC&DelaySeconds=5",
		"SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.2.Id=b",
		"AttributeName.1=All&MessageAttributeName.1=All&MaxNumberOfMessages=10&WaitTimeSeconds=0",
		"DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=h",
		"ChangeMessageVisibilityBatchRequestEntry.1.Id=a&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=x",
		"TagKey.1=a&TagKey.2=b&Tag.1.Key=k", "Attribute..Name=x", "MaxResults=99999999999", "a.b.c.d.e=1&a.b=2",
		"MessageAttribute.1.Value.StringListValue.1=a&MessageAttribute.1.Value.BinaryListValue.1=AA==",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	actions := Actions()
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		root, err := parseQueryForm(form)
		if err != nil {
			var e *awsproto.Error
			if !errors.As(err, &e) {
				t.Fatalf("parse %q: non-API error %v", body, err)
			}
			return
		}
		for _, a := range actions {
			in, err := queryToJSON(a, root)
			if err != nil {
				var e *awsproto.Error
				if !errors.As(err, &e) {
					t.Fatalf("%s %q: non-API error %v", a, body, err)
				}
				continue
			}
			if err := decode(in, inputTypes[a]()); err != nil {
				t.Fatalf("%s %q: converted to %s, which does not decode: %v", a, body, in, err)
			}
		}
	})
}

// FuzzQueueAttributes feeds CreateQueue's attribute validation arbitrary
// attribute maps ("name=value" lines): no input may panic, refusals are API
// errors, and accepted attributes are canonical (validating them again
// changes nothing).
func FuzzQueueAttributes(f *testing.F) {
	s := newFuzzService(f)
	seeds := []string{
		"VisibilityTimeout=30\nDelaySeconds=0", "FifoQueue=true\nContentBasedDeduplication=TRUE",
		"FifoQueue=true\nDeduplicationScope=messageGroup\nFifoThroughputLimit=perMessageGroupId",
		"RedrivePolicy={\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:111111111111:fz\",\"maxReceiveCount\":\"5\"}",
		"RedriveAllowPolicy={\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:aws:sqs:us-east-1:111111111111:a\"]}",
		"KmsMasterKeyId=alias/x\nKmsDataKeyReusePeriodSeconds=600", "SqsManagedSseEnabled=true\nKmsMasterKeyId=k",
		"Policy={\"Version\":\"2012-10-17\"}", "MaximumMessageSize=1023", "MessageRetentionPeriod= 60", "Colour=blue", "Policy=",
	}
	for _, seed := range seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		in := map[string]string{}
		for line := range strings.SplitSeq(text, "\n") {
			k, v, _ := strings.Cut(line, "=")
			in[k] = v
		}
		fifo, _ := parseBool(in[attrFifoQueue])
		s.mu.Lock()
		defer s.mu.Unlock()
		out, err := s.applyAttributes(nil, in, fifo, true, "fz")
		if err != nil {
			var e *awsproto.Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: non-API error %v", text, err)
			}
			return
		}
		again, err := s.applyAttributes(nil, out, fifo, true, "fz")
		if err != nil {
			t.Fatalf("%q: canonical attributes %v refused: %v", text, out, err)
		}
		a, _ := json.Marshal(out)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("%q: not canonical: %s then %s", text, a, b)
		}
		q := &queue{fifo: fifo, attrs: out, cfg: parseConfig(out)}
		for _, name := range allAttrs {
			q.effective(name)
		}
	})
}

// FuzzCall runs every action on arbitrary JSON bodies: no input may panic,
// and every refusal is an AWS API error, never an internal failure.
func FuzzCall(f *testing.F) {
	s := newFuzzService(f)
	ctx := context.Background()
	if _, err := s.Call(ctx, "CreateQueue", []byte(`{"QueueName":"fz"}`)); err != nil {
		f.Fatal(err)
	}
	if _, err := s.Call(ctx, "CreateQueue", []byte(`{"QueueName":"fz.fifo","Attributes":{"FifoQueue":"true"}}`)); err != nil {
		f.Fatal(err)
	}
	q := `"QueueUrl":"http://localhost:8083/111111111111/fz"`
	seeds := map[string]string{
		"SendMessage": `{` + q + `,"MessageBody":"x","MessageAttributes":{"a":{"DataType":"Number","StringValue":"1e5"},` +
			`"b":{"DataType":"Binary.x","BinaryValue":"AAE="}},"MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"t"}}}`,
		"SendMessageBatch":             `{"QueueUrl":"http://localhost:8083/111111111111/fz.fifo","Entries":[{"Id":"a","MessageBody":"x","MessageGroupId":"g","MessageDeduplicationId":"d"}]}`,
		"ReceiveMessage":               `{` + q + `,"MaxNumberOfMessages":10,"AttributeNames":["All"],"MessageAttributeNames":["a.*"]}`,
		"DeleteMessage":                `{` + q + `,"ReceiptHandle":"AQEBAQAAAAAAAAAB"}`,
		"CreateQueue":                  `{"QueueName":"fz2","Attributes":{"DelaySeconds":"1"},"tags":{"k":"v"}}`,
		"SetQueueAttributes":           `{` + q + `,"Attributes":{"VisibilityTimeout":"0"}}`,
		"ChangeMessageVisibilityBatch": `{` + q + `,"Entries":[{"Id":"1","ReceiptHandle":"x","VisibilityTimeout":3}]}`,
	}
	actions := Actions()
	for i, a := range actions {
		body, ok := seeds[a]
		if !ok {
			body = `{` + q + `}`
		}
		f.Add(uint8(i), []byte(body))
	}
	f.Fuzz(func(t *testing.T, action uint8, body []byte) {
		name := actions[int(action)%len(actions)]
		// Long polls (a fuzzed wait time) end with the context.
		ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, err := s.Call(ctx, name, body)
		if ctx.Err() != nil {
			return // the harness's deadline, not the input, ended the call
		}
		var apiErr *awsproto.Error
		if err != nil && !errors.As(err, &apiErr) {
			t.Fatalf("%s %s: internal error %v", name, body, err)
		}
		if apiErr != nil && apiErr.Code == awsproto.CodeInternalFailure {
			t.Fatalf("%s %s: %v", name, body, apiErr)
		}
	})
}
