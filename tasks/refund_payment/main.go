// Command refund_payment is the Lambda that refunds an order's authorised
// payment: the compensation of authorise_payment when a later step fails.
//
// Input: {"order": <the validated order>}
//
// Output: {"refunded": true} when it refunded the payment,
// {"refunded": false} when there was nothing to refund (never authorised,
// or already refunded), so it is safe to run any number of times.
//
// It makes one conditional write to PAYMENTS_TABLE:
//
//	SET status = REFUNDED, refundedAt = :now   IF status = AUTHORISED
//
// Errors: TransientError (retry), ServiceError, InvalidInput.
//
// Environment: PAYMENTS_TABLE.
package main

import (
	"context"
	"encoding/json"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/tasks/shared/awsenv"
	"github.com/stepflow/stepflow/tasks/shared/ddb"
	"github.com/stepflow/stepflow/tasks/shared/fault"
	"github.com/stepflow/stepflow/tasks/shared/order"
)

// Result is the function's output.
type Result struct {
	Refunded bool `json:"refunded"`
}

// updater is the part of the DynamoDB client the function uses.
type updater interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

type handler struct {
	db    updater
	table string
	now   func() time.Time
}

func (h *handler) handle(ctx context.Context, raw json.RawMessage) (Result, error) {
	o, err := order.DecodeEvent(raw)
	if err != nil {
		return Result{}, err
	}
	_, err = h.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(h.table),
		Key:                      ddb.Key("orderId", o.OrderID),
		UpdateExpression:         aws.String("SET #status = :refunded, refundedAt = :now"),
		ConditionExpression:      aws.String("#status = :authorised"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":refunded": ddb.S("REFUNDED"), ":authorised": ddb.S("AUTHORISED"),
			":now": ddb.S(h.now().UTC().Format(time.RFC3339)),
		},
	})
	switch {
	case err == nil:
		return Result{Refunded: true}, nil
	case ddb.ConditionFailed(err):
		return Result{Refunded: false}, nil
	}
	return Result{}, fault.FromAWS("refund payment", err)
}

func main() {
	env, err := awsenv.Require("PAYMENTS_TABLE")
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{db: dynamodb.NewFromConfig(cfg), table: env["PAYMENTS_TABLE"], now: time.Now}
	lambda.Start(h.handle)
}
