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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestQueueLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	n := name("life")
	before := time.Now().Unix()
	out, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{
		QueueName:  aws.String(n),
		Attributes: map[string]string{"VisibilityTimeout": "45", "DelaySeconds": "2"},
		Tags:       map[string]string{"team": "core", "empty": ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	url := tb.url + "/" + account + "/" + n
	if aws.ToString(out.QueueUrl) != url {
		t.Errorf("QueueUrl = %s; want %s", aws.ToString(out.QueueUrl), url)
	}

	// Idempotent with the same attributes (and with a subset of them).
	for _, attrs := range []map[string]string{{"VisibilityTimeout": "45", "DelaySeconds": "2"}, {"DelaySeconds": "2"}, nil} {
		again, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(n), Attributes: attrs})
		if err != nil || aws.ToString(again.QueueUrl) != url {
			t.Errorf("idempotent create %v = %v, %v", attrs, again, err)
		}
	}
	// A different value is refused with AWS's code (QueueNameExists, sent as QueueAlreadyExists).
	_, err = c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(n), Attributes: map[string]string{"DelaySeconds": "3"}})
	wantAPIError(t, err, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute DelaySeconds", 400)
	var exists *types.QueueNameExists
	if !errors.As(err, &exists) {
		t.Errorf("error %T is not *types.QueueNameExists", err)
	}

	got, err := c.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(n)})
	if err != nil || aws.ToString(got.QueueUrl) != url {
		t.Errorf("GetQueueUrl = %v, %v", got, err)
	}

	attrs, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"QueueArn":                              arnBase + n,
		"ApproximateNumberOfMessages":           "0",
		"ApproximateNumberOfMessagesNotVisible": "0",
		"ApproximateNumberOfMessagesDelayed":    "0",
		"VisibilityTimeout":                     "45",
		"MaximumMessageSize":                    "262144",
		"MessageRetentionPeriod":                "345600",
		"DelaySeconds":                          "2",
		"ReceiveMessageWaitTimeSeconds":         "0",
		"SqsManagedSseEnabled":                  "true",
	}
	for k, v := range want {
		if attrs.Attributes[k] != v {
			t.Errorf("%s = %q; want %q", k, attrs.Attributes[k], v)
		}
	}
	for _, k := range []string{"CreatedTimestamp", "LastModifiedTimestamp"} {
		ts, err := strconv.ParseInt(attrs.Attributes[k], 10, 64)
		if err != nil || ts < before || ts > time.Now().Unix()+1 {
			t.Errorf("%s = %q", k, attrs.Attributes[k])
		}
	}
	if len(attrs.Attributes) != len(want)+2 {
		t.Errorf("attributes = %v", attrs.Attributes)
	}

	// Only the named attributes; none without names.
	some, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn, types.QueueAttributeNameFifoQueue}})
	if err != nil || len(some.Attributes) != 1 || some.Attributes["QueueArn"] != arnBase+n {
		t.Errorf("named attributes = %v, %v", some.Attributes, err)
	}
	none, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url)})
	if err != nil || len(none.Attributes) != 0 {
		t.Errorf("no attribute names = %v, %v", none.Attributes, err)
	}

	// Set, read back; a policy and a redrive allow policy are echoed as written.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"` + arnBase + n + `"}]}`
	allow := `{"redrivePermission":"allowAll"}`
	_, err = c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{
		"MaximumMessageSize": "2048", "ReceiveMessageWaitTimeSeconds": "5", "Policy": policy, "RedriveAllowPolicy": allow,
		"KmsMasterKeyId": "alias/aws/sqs",
	}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err = c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"MaximumMessageSize": "2048", "ReceiveMessageWaitTimeSeconds": "5", "Policy": policy,
		"RedriveAllowPolicy": allow, "KmsMasterKeyId": "alias/aws/sqs", "KmsDataKeyReusePeriodSeconds": "300",
		"SqsManagedSseEnabled": "false", "VisibilityTimeout": "45"} {
		if attrs.Attributes[k] != v {
			t.Errorf("after set: %s = %q; want %q", k, attrs.Attributes[k], v)
		}
	}
	// Removing the policy: an empty value.
	if _, err := c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(url),
		Attributes: map[string]string{"Policy": ""}}); err != nil {
		t.Fatal(err)
	}
	pol, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNamePolicy}})
	if err != nil || len(pol.Attributes) != 0 {
		t.Errorf("policy after removal = %v, %v", pol.Attributes, err)
	}

	// Tags.
	tags, err := c.ListQueueTags(ctx, &awssqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil || len(tags.Tags) != 2 || tags.Tags["team"] != "core" {
		t.Errorf("tags = %v, %v", tags, err)
	}
	if _, err := c.TagQueue(ctx, &awssqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"a": "1", "team": "edge"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagQueue(ctx, &awssqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"empty", "missing"}}); err != nil {
		t.Fatal(err)
	}
	tags, err = c.ListQueueTags(ctx, &awssqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil || len(tags.Tags) != 2 || tags.Tags["team"] != "edge" || tags.Tags["a"] != "1" {
		t.Errorf("tags after changes = %v, %v", tags, err)
	}

	// Any host names the queue, as long as account and name match.
	other := strings.Replace(url, "127.0.0.1", "localhost", 1)
	if _, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(other)}); err != nil {
		t.Errorf("queue URL with another host: %v", err)
	}

	if _, err := c.DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(n)})
	wantAPIError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
	var dne *types.QueueDoesNotExist
	if !errors.As(err, &dne) {
		t.Errorf("error %T is not *types.QueueDoesNotExist", err)
	}
	_, err = c.DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: aws.String(url)})
	wantAPIError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
}

// TestNotFoundWire checks the exact JSON wire form of a missing queue, which
// the Terraform provider depends on.
func TestNotFoundWire(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	req, _ := http.NewRequest(http.MethodPost, tb.url+"/", strings.NewReader(`{"QueueUrl":"`+tb.url+`/`+account+`/nope"}`))
	req.Header.Set("X-Amz-Target", "AmazonSQS.GetQueueAttributes")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if resp.StatusCode != 400 || e.Type != "com.amazonaws.sqs#QueueDoesNotExist" || e.Message != "The specified queue does not exist." {
		t.Errorf("status %d body %s", resp.StatusCode, body)
	}
	if h := resp.Header.Get("x-amzn-query-error"); h != "AWS.SimpleQueueService.NonExistentQueue;Sender" {
		t.Errorf("x-amzn-query-error = %q", h)
	}
}

func TestListQueues(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	var urls []string
	for i := range 5 {
		urls = append(urls, tb.createQueue(t, "list-"+strconv.Itoa(i), nil))
	}
	tb.createQueue(t, "other", nil)

	all, err := tb.client.ListQueues(ctx, &awssqs.ListQueuesInput{})
	if err != nil || len(all.QueueUrls) != 6 || all.NextToken != nil {
		t.Fatalf("ListQueues = %v, %v", all, err)
	}
	pre, err := tb.client.ListQueues(ctx, &awssqs.ListQueuesInput{QueueNamePrefix: aws.String("list-")})
	if err != nil || strings.Join(pre.QueueUrls, ",") != strings.Join(urls, ",") {
		t.Fatalf("prefix = %v, %v", pre, err)
	}
	none, err := tb.client.ListQueues(ctx, &awssqs.ListQueuesInput{QueueNamePrefix: aws.String("zzz")})
	if err != nil || len(none.QueueUrls) != 0 {
		t.Fatalf("no match = %v, %v", none, err)
	}
	// Pages of two with the SDK's paginator.
	var got []string
	pages := 0
	p := awssqs.NewListQueuesPaginator(tb.client, &awssqs.ListQueuesInput{QueueNamePrefix: aws.String("list-"), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, page.QueueUrls...)
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(urls, ",") {
		t.Errorf("paged %d pages: %v", pages, got)
	}
	_, err = tb.client.ListQueues(ctx, &awssqs.ListQueuesInput{MaxResults: aws.Int32(1001)})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	_, err = tb.client.ListQueues(ctx, &awssqs.ListQueuesInput{MaxResults: aws.Int32(1), NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
}

func TestFIFOQueueAttributes(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	url := tb.createQueue(t, "attrs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	attrs, err := tb.client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "queue",
		"FifoThroughputLimit": "perQueue", "SqsManagedSseEnabled": "true"} {
		if attrs.Attributes[k] != v {
			t.Errorf("%s = %q; want %q", k, attrs.Attributes[k], v)
		}
	}
	// Idempotent create; a different value of a FIFO attribute is refused.
	if _, err := tb.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("attrs.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}}); err != nil {
		t.Errorf("idempotent FIFO create: %v", err)
	}
	_, err = tb.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("attrs.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "false"}})
	wantAPIError(t, err, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute ContentBasedDeduplication", 400)
	// High throughput settings.
	if _, err := tb.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{
		"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(url),
		Attributes: map[string]string{"FifoQueue": "false"}})
	wantAPIError(t, err, "InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.", 400)
}

func TestListDeadLetterSourceQueues(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	dlq := tb.createQueue(t, "dlq", nil)
	policy := `{"deadLetterTargetArn":"` + arnBase + `dlq","maxReceiveCount":"3"}`
	a := tb.createQueue(t, "src-a", map[string]string{"RedrivePolicy": policy})
	b := tb.createQueue(t, "src-b", map[string]string{"RedrivePolicy": policy})
	tb.createQueue(t, "unrelated", nil)
	out, err := tb.client.ListDeadLetterSourceQueues(ctx, &awssqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	if err != nil || strings.Join(out.QueueUrls, ",") != a+","+b {
		t.Errorf("sources = %v, %v", out, err)
	}
	// AWS's canonical form of the redrive policy.
	attrs, err := tb.client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(a),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy}})
	if want := `{"deadLetterTargetArn":"` + arnBase + `dlq","maxReceiveCount":3}`; err != nil || attrs.Attributes["RedrivePolicy"] != want {
		t.Errorf("RedrivePolicy = %v, %v; want %s", attrs.Attributes, err, want)
	}
	first, err := tb.client.ListDeadLetterSourceQueues(ctx, &awssqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq), MaxResults: aws.Int32(1)})
	if err != nil || len(first.QueueUrls) != 1 || first.NextToken == nil {
		t.Fatalf("first page = %v, %v", first, err)
	}
	second, err := tb.client.ListDeadLetterSourceQueues(ctx, &awssqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq),
		MaxResults: aws.Int32(1), NextToken: first.NextToken})
	if err != nil || len(second.QueueUrls) != 1 || second.QueueUrls[0] != b || second.NextToken != nil {
		t.Errorf("second page = %v, %v", second, err)
	}
}
