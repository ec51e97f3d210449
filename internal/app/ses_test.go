package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/app"
)

// TestSESFromStateMachine verifies an identity and sends an e-mail from
// Task states (AWS SDK integrations for SES v2 and v1), then reads it in
// the outbox; an unverified sender fails the Task with SES's error name.
func TestSESFromStateMachine(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{})
	c := &http.Client{}
	base := srv.URL()
	sm := createSM(t, c, base, "mail", `{"StartAt":"Verify","States":{
		"Verify":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sesv2:createEmailIdentity","Parameters":{"EmailIdentity":"shop@example.com"},"ResultPath":null,"Next":"Send"},
		"Send":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sesv2:sendEmail","Parameters":{
			"FromEmailAddress":"shop@example.com","Destination":{"ToAddresses.$":"States.Array($.to)"},
			"Content":{"Simple":{"Subject":{"Data.$":"States.Format('Order {} confirmed', $.order)"},"Body":{"Text":{"Data":"Thank you."}}}}},
			"ResultPath":"$.sent","Next":"SendV1"},
		"SendV1":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ses:sendEmail","Parameters":{
			"Source":"shop@example.com","Destination":{"ToAddresses.$":"States.Array($.to)"},
			"Message":{"Subject":{"Data":"v1 copy"},"Body":{"Text":{"Data":"Hi."}}}},"ResultPath":"$.sentV1","End":true}}}`)
	d := runToEnd(t, c, base, sm, `{"to":"ann@example.org","order":"42"}`)
	if d["status"] != "SUCCEEDED" {
		t.Fatalf("execution = %v", d)
	}
	var out struct {
		Sent   struct{ MessageId string }
		SentV1 struct{ MessageId string }
	}
	json.Unmarshal([]byte(d["output"].(string)), &out)
	if out.Sent.MessageId == "" || out.SentV1.MessageId == "" {
		t.Fatalf("output = %s", d["output"])
	}
	resp, err := c.Get(base + "/outbox/api/messages?to=ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	var box struct {
		Messages []struct{ Subject, MessageId string }
	}
	json.NewDecoder(resp.Body).Decode(&box)
	resp.Body.Close()
	if len(box.Messages) != 2 || box.Messages[1].Subject != "Order 42 confirmed" {
		t.Errorf("outbox = %+v", box.Messages)
	}

	bad := createSM(t, c, base, "mail-bad", `{"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sesv2:sendEmail","Parameters":{
		"FromEmailAddress":"nobody@unverified.example","Destination":{"ToAddresses":["a@b.c"]},
		"Content":{"Simple":{"Subject":{"Data":"x"},"Body":{"Text":{"Data":"x"}}}}},"End":true}}}`)
	d = runToEnd(t, c, base, bad, `{}`)
	if d["status"] != "FAILED" || d["error"] != "SesV2.MessageRejectedException" || !strings.Contains(d["cause"].(string), "not verified") {
		t.Errorf("unverified sender: %v %v %v", d["status"], d["error"], d["cause"])
	}
}
