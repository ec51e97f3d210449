// Command send_approval_request is the Lambda that asks a person to
// approve a large order. The state machine invokes it with
// lambda:invoke.waitForTaskToken and then waits for the decision; this
// function only sends the request.
//
// Input:
//
//	{"token": "<$$.Task.Token>", "order": <the validated order>,
//	 "executionArn": "<$$.Execution.Id>", "timeoutSeconds": 3600}
//
// Output: {"approvalId": "…", "sent": true}
//
// It mints approval links by POSTing
//
//	{"TaskToken", "ExecutionArn", "StateName": "RequestApproval",
//	 "Title": "Approve order o-1001 (1234.00 EUR)", "Details": "<the lines>",
//	 "ExpiresInSeconds": <timeoutSeconds>}
//
// to APPROVALS_URL, signed with SigV4 (service "execute-api") with the
// function's own credentials. That service answers {"ApprovalId",
// "ApproveUrl", "RejectUrl", "PageUrl", "ExpiresAt"}; it is Stepflow's
// built-in one locally and the approval_api Lambda on AWS. The task token
// stays with that service: the links carry a signed reference to it.
// Then it e-mails the approver (SES v2 SendEmail, text and HTML) the order
// and the Approve and Reject links. Pressing the button behind a link
// resumes the execution with {"approved": true, ...} or fails the waiting
// state with ApprovalRejected.
//
// Errors: TransientError (the approval service or SES is unavailable or
// throttled; retry), ServiceError (refused: permissions, unverified
// sender, bad request), InvalidInput.
//
// Environment: APPROVALS_URL (e.g. https://…/approvals), FROM_EMAIL,
// APPROVER_EMAIL.
package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/stepflow/stepflow/tasks/shared/awsenv"
	"github.com/stepflow/stepflow/tasks/shared/fault"
	"github.com/stepflow/stepflow/tasks/shared/order"
)

// StateName is the waiting state's name the approval pages show.
const StateName = "RequestApproval"

// Event is the function's input.
type Event struct {
	Token          string      `json:"token"`
	Order          order.Order `json:"order"`
	ExecutionArn   string      `json:"executionArn"`
	TimeoutSeconds int64       `json:"timeoutSeconds"`
}

// Result is the function's output.
type Result struct {
	ApprovalID string `json:"approvalId"`
	Sent       bool   `json:"sent"`
}

// sender is the part of the SES v2 client the function uses.
type sender interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

type handler struct {
	approvals minter
	ses       sender
	from, to  string
}

func (h *handler) handle(ctx context.Context, raw json.RawMessage) (Result, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Result{}, fault.Invalid(`the input must be {"token", "order", "executionArn", "timeoutSeconds"}: %v`, err)
	}
	switch {
	case ev.Token == "":
		return Result{}, fault.Invalid("token is missing: pass $$.Task.Token (invoke with lambda:invoke.waitForTaskToken)")
	case ev.ExecutionArn == "":
		return Result{}, fault.Invalid("executionArn is missing: pass $$.Execution.Id")
	case ev.Order.OrderID == "":
		return Result{}, fault.Invalid("order is missing: pass the validated order")
	case ev.TimeoutSeconds < 0:
		return Result{}, fault.Invalid("timeoutSeconds must be positive, or 0 for the approval service's default")
	}
	o := ev.Order
	a, err := h.approvals.Mint(ctx, MintRequest{
		TaskToken:        ev.Token,
		ExecutionArn:     ev.ExecutionArn,
		StateName:        StateName,
		Title:            "Approve order " + o.OrderID + " (" + o.Total.String() + " EUR)",
		Details:          details(o),
		ExpiresInSeconds: ev.TimeoutSeconds,
	})
	if err != nil {
		return Result{}, err
	}
	msg, err := compose(o, a)
	if err != nil {
		return Result{}, &fault.ServiceError{Op: "write the approval e-mail", Err: err}
	}
	_, err = h.ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(h.from),
		Destination:      &types.Destination{ToAddresses: []string{h.to}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(msg.Subject), Charset: aws.String("UTF-8")},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String(msg.Text), Charset: aws.String("UTF-8")},
				Html: &types.Content{Data: aws.String(msg.HTML), Charset: aws.String("UTF-8")},
			},
		}},
	})
	if err != nil {
		return Result{}, fault.FromAWS("send the approval e-mail", err)
	}
	return Result{ApprovalID: a.ApprovalId, Sent: true}, nil
}

func main() {
	env, err := awsenv.Require("APPROVALS_URL", "FROM_EMAIL", "APPROVER_EMAIL")
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{
		approvals: &httpMinter{
			url: env["APPROVALS_URL"], client: &http.Client{Timeout: 5 * time.Second},
			signer: v4.NewSigner(), credentials: cfg.Credentials, region: cfg.Region, now: time.Now,
		},
		ses:  sesv2.NewFromConfig(cfg),
		from: env["FROM_EMAIL"],
		to:   env["APPROVER_EMAIL"],
	}
	lambda.Start(h.handle)
}
