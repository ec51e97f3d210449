package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The error and cause a rejected task fails with.
const (
	rejectedError = "ApprovalRejected"
	rejectedCause = "Rejected by the approver through approval "
)

// tasks is the part of the Step Functions client the function uses.
type tasks interface {
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
}

// approved is the output of an approved task.
type approved struct {
	Approved   bool   `json:"approved"`
	ApprovalID string `json:"approvalId"`
	DecidedAt  string `json:"decidedAt"`
}

// deliver completes r's waiting task with r's decision. It returns the
// outcome to record, or an error when Step Functions could not be told
// and a later attempt may succeed.
func (h *handler) deliver(ctx context.Context, r Record) (outcome, problem string, err error) {
	if r.Decision == decisionApprove {
		out, _ := json.Marshal(approved{Approved: true, ApprovalID: r.ID, DecidedAt: r.DecidedAt}) // cannot fail
		_, err = h.tasks.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(r.Token), Output: aws.String(string(out))})
	} else {
		_, err = h.tasks.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
			TaskToken: aws.String(r.Token), Error: aws.String(rejectedError), Cause: aws.String(rejectedCause + r.ID),
		})
	}
	var (
		timedOut *types.TaskTimedOut
		invalid  *types.InvalidToken
		gone     *types.TaskDoesNotExist
	)
	switch {
	case err == nil:
		return outcomeDelivered, "", nil
	case errors.As(err, &timedOut), errors.As(err, &invalid), errors.As(err, &gone):
		return outcomeNotWaiting, err.Error(), nil
	}
	return "", "", err
}
