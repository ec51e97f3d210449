package sqs_test

import (
	"context"
	"encoding/xml"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// TestAuthentication: with an authenticator, both protocols verify SigV4
// signatures.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	v := &awsproto.Verifier{Lookup: func(key string) (string, bool) {
		switch key {
		case "AKIDEXAMPLE":
			return "secret", true
		case "AKIDQUERY":
			return "other-secret", true // queryPost signs with "secret": wrong
		}
		return "", false
	}}
	tb := setup(t, func(o *options) { o.auth = v.Verify })
	url0 := tb.createQueue(t, "signed", nil)
	if _, err := tb.client.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(url0), MessageBody: aws.String("ok")}); err != nil {
		t.Fatalf("signed JSON request: %v", err)
	}
	status, body := queryPost(t, tb.url+"/", url.Values{"Action": {"ListQueues"}})
	var e xmlError
	if err := xml.Unmarshal([]byte(body), &e); err != nil || status != 403 || e.Error.Code != "SignatureDoesNotMatch" {
		t.Errorf("badly signed query request = %d %s", status, body)
	}
}

func TestRedriveAllowPolicy(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createQueue(t, "closed-dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`})
	tb.createQueue(t, "picky-dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["` + arnBase + `friend"]}`})
	_, err := tb.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("src"), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `closed-dlq","maxReceiveCount":1}`}})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	_, err = tb.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("stranger"), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `picky-dlq","maxReceiveCount":1}`}})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	tb.createQueue(t, "friend", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + arnBase + `picky-dlq","maxReceiveCount":1}`})
	_, err = tb.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("bad-allow"), Attributes: map[string]string{
		"RedriveAllowPolicy": `{"redrivePermission":"sometimes"}`}})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
}
