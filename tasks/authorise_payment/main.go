// Command authorise_payment is the Lambda that authorises an order's
// payment with a fake payment provider, once per order.
//
// Input: {"order": <the validated order>}
//
// Output: {"paymentId": "pay_3f2a…", "amount": 118.80, "risk": "LOW"}
//
// The fake provider's rules are deterministic, so demos and tests can ask
// for each outcome through the customer's e-mail address:
//
//   - an address containing "+declined" is declined (PaymentDeclined);
//   - one containing "+flaky" fails with TransientError on the order's
//     first two attempts and succeeds on the third (the state machine's
//     Retry gets there);
//   - risk is "HIGH" when the total is at least RISK_THRESHOLD euros
//     (default 1000) or the address contains "+risky", else "LOW";
//   - the payment id is derived from the order id.
//
// Payments live in PAYMENTS_TABLE (key orderId; status AUTHORISED |
// REFUNDED, amount, paymentId, risk, attempts). Each call first counts
// the attempt (UpdateItem ADD attempts :one, returning the item); a
// payment already AUTHORISED is returned as stored, so retries and
// re-runs never charge twice. A new authorisation is written with the
// condition attribute_not_exists(status): of two concurrent attempts one
// writes and the other returns what it wrote.
//
// Errors: PaymentDeclined, TransientError (retry), ServiceError,
// InvalidInput.
//
// Environment: PAYMENTS_TABLE; RISK_THRESHOLD (euros, default 1000).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/tasks/shared/awsenv"
	"github.com/stepflow/stepflow/tasks/shared/ddb"
	"github.com/stepflow/stepflow/tasks/shared/fault"
	"github.com/stepflow/stepflow/tasks/shared/order"
)

// Payment statuses.
const (
	StatusAuthorised = "AUTHORISED"
	StatusRefunded   = "REFUNDED"
)

// flakyFailures is how many attempts of a "+flaky" order fail.
const flakyFailures = 2

// Result is the function's output.
type Result struct {
	PaymentID string      `json:"paymentId"`
	Amount    order.Money `json:"amount"`
	Risk      string      `json:"risk"`
}

// Payment is an item of PAYMENTS_TABLE.
type Payment struct {
	OrderID      string      `dynamodbav:"orderId"`
	Status       string      `dynamodbav:"status"`
	Amount       order.Money `dynamodbav:"amount"`
	PaymentID    string      `dynamodbav:"paymentId"`
	Risk         string      `dynamodbav:"risk"`
	Attempts     int         `dynamodbav:"attempts"`
	AuthorisedAt string      `dynamodbav:"authorisedAt"`
}

// PaymentDeclined is the error for a payment the provider refuses.
type PaymentDeclined struct {
	OrderID string
	Reason  string
}

// Error implements error.
func (e *PaymentDeclined) Error() string {
	return "payment for order " + e.OrderID + " declined: " + e.Reason
}

// store is the part of the DynamoDB client the function uses.
type store interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

type handler struct {
	db            store
	table         string
	riskThreshold order.Money
	now           func() time.Time
}

func (h *handler) handle(ctx context.Context, raw json.RawMessage) (Result, error) {
	o, err := order.DecodeEvent(raw)
	if err != nil {
		return Result{}, err
	}
	key := ddb.Key("orderId", o.OrderID)
	// Count the attempt, and see any earlier payment.
	out, err := h.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(h.table),
		Key:                       key,
		UpdateExpression:          aws.String("ADD attempts :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": ddb.N(1)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return Result{}, fault.FromAWS("count the payment attempt", err)
	}
	var p Payment
	if err := attributevalue.UnmarshalMap(out.Attributes, &p); err != nil {
		return Result{}, &fault.ServiceError{Op: "read the payment", Err: err}
	}
	switch p.Status {
	case StatusAuthorised:
		return Result{PaymentID: p.PaymentID, Amount: p.Amount, Risk: p.Risk}, nil
	case StatusRefunded:
		return Result{}, &PaymentDeclined{OrderID: o.OrderID, Reason: "its payment was refunded and cannot be authorised again"}
	}

	email := strings.ToLower(o.Customer.Email)
	if strings.Contains(email, "+declined") {
		return Result{}, &PaymentDeclined{OrderID: o.OrderID, Reason: "the card issuer refused the payment (test address +declined)"}
	}
	if strings.Contains(email, "+flaky") && p.Attempts <= flakyFailures {
		return Result{}, &fault.TransientError{Op: "authorise payment",
			Err: fmt.Errorf("the payment provider is unavailable (test address +flaky, attempt %d of order %s)", p.Attempts, o.OrderID)}
	}
	risk := "LOW"
	if o.Total >= h.riskThreshold || strings.Contains(email, "+risky") {
		risk = "HIGH"
	}
	sum := sha256.Sum256([]byte(o.OrderID))
	res := Result{PaymentID: "pay_" + hex.EncodeToString(sum[:8]), Amount: o.Total, Risk: risk}
	amount, _ := o.Total.MarshalDynamoDBAttributeValue() // cannot fail
	_, err = h.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(h.table),
		Key:                      key,
		UpdateExpression:         aws.String("SET #status = :authorised, amount = :amount, paymentId = :id, risk = :risk, authorisedAt = :now"),
		ConditionExpression:      aws.String("attribute_not_exists(#status)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"}, // status is a reserved word
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":authorised": ddb.S(StatusAuthorised), ":amount": amount, ":id": ddb.S(res.PaymentID),
			":risk": ddb.S(risk), ":now": ddb.S(h.now().UTC().Format(time.RFC3339)),
		},
	})
	if ddb.ConditionFailed(err) {
		return h.stored(ctx, o.OrderID) // a concurrent attempt wrote first
	}
	if err != nil {
		return Result{}, fault.FromAWS("record the payment", err)
	}
	return res, nil
}

// stored returns the payment a concurrent attempt recorded.
func (h *handler) stored(ctx context.Context, orderID string) (Result, error) {
	out, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(h.table), Key: ddb.Key("orderId", orderID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Result{}, fault.FromAWS("read the payment", err)
	}
	var p Payment
	if err := attributevalue.UnmarshalMap(out.Item, &p); err != nil {
		return Result{}, &fault.ServiceError{Op: "read the payment", Err: err}
	}
	if p.Status != StatusAuthorised {
		return Result{}, &fault.TransientError{Op: "authorise payment", Err: errors.New("the payment changed while it was being authorised")}
	}
	return Result{PaymentID: p.PaymentID, Amount: p.Amount, Risk: p.Risk}, nil
}

func main() {
	env, err := awsenv.Require("PAYMENTS_TABLE")
	if err != nil {
		log.Fatal(err)
	}
	threshold := order.Money(1000_00)
	if v := os.Getenv("RISK_THRESHOLD"); v != "" {
		if threshold, err = order.ParseMoney(v); err != nil {
			log.Fatalf("RISK_THRESHOLD: %v", err)
		}
	}
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{db: dynamodb.NewFromConfig(cfg), table: env["PAYMENTS_TABLE"], riskThreshold: threshold, now: time.Now}
	lambda.Start(h.handle)
}
