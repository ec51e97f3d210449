package sqs_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// queryPost sends a signed query-protocol request (as the older SDKs do)
// and returns the status and body.
func queryPost(t *testing.T, target string, form url.Values) (int, string) {
	t.Helper()
	form.Set("Version", "2012-11-05")
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256Hex(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDQUERY", SecretAccessKey: "secret"},
		req, sum, "sqs", region, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q", ct)
	}
	return resp.StatusCode, string(b)
}

type xmlError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type, Code, Message string
		Detail              *struct{}
	}
	RequestID string `xml:"RequestId"`
}

type xmlMessage struct {
	MessageID              string `xml:"MessageId"`
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attribute              []struct{ Name, Value string }
	MD5OfMessageAttributes string
	MessageAttribute       []struct {
		Name  string
		Value struct{ StringValue, BinaryValue, DataType string }
	}
}

func TestQueryProtocol(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()

	// CreateQueue posted to "/", routed by the signing name.
	status, body := queryPost(t, tb.url+"/", url.Values{"Action": {"CreateQueue"}, "QueueName": {"q1"},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"40"}, "Tag.1.Key": {"env"}, "Tag.1.Value": {"test"}})
	var created struct {
		XMLName  xml.Name `xml:"CreateQueueResponse"`
		QueueURL string   `xml:"CreateQueueResult>QueueUrl"`
		ReqID    string   `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal([]byte(body), &created); status != 200 || err != nil || created.QueueURL != tb.url+"/"+account+"/q1" || created.ReqID == "" {
		t.Fatalf("CreateQueue = %d %s (%v)", status, body, err)
	}
	if !strings.Contains(body, `xmlns="http://queue.amazonaws.com/doc/2012-11-05/"`) {
		t.Errorf("no SQS namespace: %s", body)
	}
	qurl := created.QueueURL

	// SendMessage posted to the queue URL, without a QueueUrl parameter.
	status, body = queryPost(t, qurl, url.Values{"Action": {"SendMessage"}, "MessageBody": {"hello <world> & \"you\"\r\n"},
		"MessageAttribute.1.Name": {"General"}, "MessageAttribute.1.Value.DataType": {"String"}, "MessageAttribute.1.Value.StringValue": {"Kenobi"},
		"MessageAttribute.2.Name": {"Hello"}, "MessageAttribute.2.Value.DataType": {"String"}, "MessageAttribute.2.Value.StringValue": {"There"},
		"MessageAttribute.3.Name": {"Help.Me"}, "MessageAttribute.3.Value.DataType": {"String"}, "MessageAttribute.3.Value.StringValue": {"Me"},
		"MessageAttribute.4.Name": {"bin"}, "MessageAttribute.4.Value.DataType": {"Binary"}, "MessageAttribute.4.Value.BinaryValue": {"AAEC"},
	})
	var sent struct {
		MessageID              string `xml:"SendMessageResult>MessageId"`
		MD5OfMessageBody       string `xml:"SendMessageResult>MD5OfMessageBody"`
		MD5OfMessageAttributes string `xml:"SendMessageResult>MD5OfMessageAttributes"`
	}
	if err := xml.Unmarshal([]byte(body), &sent); status != 200 || err != nil || sent.MessageID == "" || sent.MD5OfMessageAttributes == "" {
		t.Fatalf("SendMessage = %d %s (%v)", status, body, err)
	}

	// The message reads back the same through the JSON protocol.
	got, err := tb.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(qurl), VisibilityTimeout: 1, MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "hello <world> & \"you\"\r\n" ||
		aws.ToString(got.Messages[0].MD5OfMessageAttributes) != sent.MD5OfMessageAttributes {
		t.Fatalf("JSON receive = %+v, %v", got, err)
	}
	if _, err := tb.client.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(qurl),
		ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}

	// ReceiveMessage over the query protocol.
	status, body = queryPost(t, tb.url+"/", url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {qurl},
		"AttributeName.1": {"All"}, "MessageAttributeName.1": {"All"}, "MaxNumberOfMessages": {"5"}})
	var recv struct {
		Messages []xmlMessage `xml:"ReceiveMessageResult>Message"`
	}
	if err := xml.Unmarshal([]byte(body), &recv); status != 200 || err != nil || len(recv.Messages) != 1 {
		t.Fatalf("ReceiveMessage = %d %s (%v)", status, body, err)
	}
	m := recv.Messages[0]
	attrs := map[string]string{}
	for _, a := range m.Attribute {
		attrs[a.Name] = a.Value
	}
	if m.Body != "hello <world> & \"you\"\r\n" || m.MessageID != sent.MessageID || m.MD5OfBody != sent.MD5OfMessageBody ||
		attrs["ApproximateReceiveCount"] != "2" || attrs["SenderId"] != "AKIDQUERY" || len(m.MessageAttribute) != 4 ||
		m.MD5OfMessageAttributes != sent.MD5OfMessageAttributes {
		t.Errorf("received %+v", m)
	}

	// Batches.
	status, body = queryPost(t, tb.url+"/", url.Values{"Action": {"DeleteMessageBatch"}, "QueueUrl": {qurl},
		"DeleteMessageBatchRequestEntry.1.Id": {"ok"}, "DeleteMessageBatchRequestEntry.1.ReceiptHandle": {m.ReceiptHandle},
		"DeleteMessageBatchRequestEntry.2.Id": {"bad"}, "DeleteMessageBatchRequestEntry.2.ReceiptHandle": {"nope"}})
	var del struct {
		OK     []string `xml:"DeleteMessageBatchResult>DeleteMessageBatchResultEntry>Id"`
		Failed []struct {
			ID          string `xml:"Id"`
			SenderFault bool
			Code        string
		} `xml:"DeleteMessageBatchResult>BatchResultErrorEntry"`
	}
	if err := xml.Unmarshal([]byte(body), &del); status != 200 || err != nil || len(del.OK) != 1 || len(del.Failed) != 1 ||
		del.Failed[0].Code != "ReceiptHandleIsInvalid" || !del.Failed[0].SenderFault {
		t.Errorf("DeleteMessageBatch = %d %s (%v)", status, body, err)
	}
	status, body = queryPost(t, qurl, url.Values{"Action": {"SendMessageBatch"},
		"SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"one"},
		"SendMessageBatchRequestEntry.2.Id": {"b"}, "SendMessageBatchRequestEntry.2.MessageBody": {"two"}, "SendMessageBatchRequestEntry.2.DelaySeconds": {"5"}})
	if status != 200 || strings.Count(body, "<SendMessageBatchResultEntry>") != 2 {
		t.Errorf("SendMessageBatch = %d %s", status, body)
	}

	// Attributes, tags, list.
	status, body = queryPost(t, tb.url+"/", url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {qurl}, "AttributeName.1": {"All"}})
	if status != 200 || !strings.Contains(body, "<Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute>") ||
		!strings.Contains(body, "<Name>ApproximateNumberOfMessagesDelayed</Name><Value>1</Value>") {
		t.Errorf("GetQueueAttributes = %d %s", status, body)
	}
	status, body = queryPost(t, tb.url+"/", url.Values{"Action": {"ListQueueTags"}, "QueueUrl": {qurl}})
	if status != 200 || !strings.Contains(body, "<Tag><Key>env</Key><Value>test</Value></Tag>") {
		t.Errorf("ListQueueTags = %d %s", status, body)
	}
	status, body = queryPost(t, tb.url+"/", url.Values{"Action": {"ListQueues"}, "QueueNamePrefix": {"q"}})
	if status != 200 || !strings.Contains(body, "<ListQueuesResult><QueueUrl>"+qurl+"</QueueUrl></ListQueuesResult>") {
		t.Errorf("ListQueues = %d %s", status, body)
	}
	status, body = queryPost(t, qurl, url.Values{"Action": {"SetQueueAttributes"}, "Attribute.1.Name": {"DelaySeconds"}, "Attribute.1.Value": {"3"}})
	if status != 200 || !strings.Contains(body, "<SetQueueAttributesResponse") || strings.Contains(body, "Result>") {
		t.Errorf("SetQueueAttributes = %d %s", status, body)
	}

	// Errors are XML documents with the awsQuery code.
	tests := []struct {
		name   string
		target string
		form   url.Values
		status int
		code   string
		msg    string
	}{
		{"missing queue", tb.url + "/", url.Values{"Action": {"GetQueueUrl"}, "QueueName": {"nope"}}, 400,
			"AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist for this wsdl version."},
		{"missing queue by path", tb.url + "/" + account + "/nope", url.Values{"Action": {"SendMessage"}, "MessageBody": {"x"}}, 400,
			"AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist for this wsdl version."},
		{"invalid parameter", qurl, url.Values{"Action": {"ReceiveMessage"}, "MaxNumberOfMessages": {"20"}}, 400,
			"InvalidParameterValue", "Value 20 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{"not an integer", qurl, url.Values{"Action": {"ReceiveMessage"}, "MaxNumberOfMessages": {"ten"}}, 400,
			"InvalidParameterValue", "Value ten for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer."},
		{"empty batch", qurl, url.Values{"Action": {"ChangeMessageVisibilityBatch"}}, 400,
			"AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request."},
		{"purge twice", qurl, url.Values{"Action": {"PurgeQueue"}}, 0, "", ""},
		{"purge in progress", qurl, url.Values{"Action": {"PurgeQueue"}}, 403,
			"AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on q1 is allowed every 60 seconds."},
		{"unknown action", tb.url + "/", url.Values{"Action": {"Frobnicate"}}, 400, "InvalidAction", "The action Frobnicate is not valid for this web service."},
		{"queue exists", tb.url + "/", url.Values{"Action": {"CreateQueue"}, "QueueName": {"q1"}, "Attribute.1.Name": {"VisibilityTimeout"},
			"Attribute.1.Value": {"41"}}, 400, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute VisibilityTimeout"},
	}
	for _, tt := range tests {
		status, body := queryPost(t, tt.target, tt.form)
		if tt.status == 0 {
			continue
		}
		var e xmlError
		if err := xml.Unmarshal([]byte(body), &e); err != nil || status != tt.status || e.Error.Code != tt.code ||
			e.Error.Message != tt.msg || e.Error.Type != "Sender" || e.Error.Detail == nil || e.RequestID == "" {
			t.Errorf("%s: %d %s (%v)", tt.name, status, body, err)
		}
	}

	status, body = queryPost(t, tb.url+"/", url.Values{"Action": {"DeleteQueue"}, "QueueUrl": {qurl}})
	if status != 200 || !strings.Contains(body, "<DeleteQueueResponse") {
		t.Errorf("DeleteQueue = %d %s", status, body)
	}
}

// TestQueryGet: query parameters in the URL of a GET work too.
func TestQueryGet(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.createQueue(t, "viaget", nil)
	resp, err := http.Get(tb.url + "/" + account + "/viaget?Action=GetQueueAttributes&AttributeName.1=QueueArn&Version=2012-11-05")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<Value>"+arnBase+"viaget</Value>") {
		t.Errorf("GET = %d %s", resp.StatusCode, b)
	}
}

// TestAWSCLI drives the server with the AWS CLI when it is installed.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the AWS CLI takes seconds per command")
	}
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not installed")
	}
	tb := setup(t)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--endpoint-url", tb.url, "--region", region, "--output", "json", "sqs"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDCLI", "AWS_SECRET_ACCESS_KEY=secret", "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws sqs %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("create-queue", "--queue-name", "cli-q", "--attributes", "VisibilityTimeout=5")
	if !strings.Contains(out, tb.url+"/"+account+"/cli-q") {
		t.Fatalf("create-queue: %s", out)
	}
	qurl := tb.url + "/" + account + "/cli-q"
	out = run("send-message", "--queue-url", qurl, "--message-body", "from the cli",
		"--message-attributes", `{"k":{"DataType":"String","StringValue":"v"}}`)
	if !strings.Contains(out, "MD5OfMessageAttributes") {
		t.Errorf("send-message: %s", out)
	}
	out = run("receive-message", "--queue-url", qurl, "--attribute-names", "All", "--message-attribute-names", "All")
	if !strings.Contains(out, "from the cli") || !strings.Contains(out, `"SenderId": "AKIDCLI"`) {
		t.Fatalf("receive-message: %s", out)
	}
	handle := out[strings.Index(out, `"ReceiptHandle": "`)+len(`"ReceiptHandle": "`):]
	handle = handle[:strings.IndexByte(handle, '"')]
	run("delete-message", "--queue-url", qurl, "--receipt-handle", handle)
	out = run("get-queue-attributes", "--queue-url", qurl, "--attribute-names", "All")
	if !strings.Contains(out, `"ApproximateNumberOfMessages": "0"`) || !strings.Contains(out, `"VisibilityTimeout": "5"`) {
		t.Errorf("get-queue-attributes: %s", out)
	}
	cmd := exec.Command(bin, "--endpoint-url", tb.url, "--region", region, "sqs", "get-queue-url", "--queue-name", "absent")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDCLI", "AWS_SECRET_ACCESS_KEY=secret", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "AWS.SimpleQueueService.NonExistentQueue") {
		t.Errorf("get-queue-url of a missing queue: %v %s", err, b)
	}
	t.Logf("query-protocol requests from the CLI: %d", tb.queryRequests.Load())
}
