// Command release_inventory is the Lambda that puts an order's reserved
// units back in stock: the compensation of reserve_inventory when a later
// step fails.
//
// Input: {"order": <the validated order>}
//
// Output: {"released": true} when it released a reservation,
// {"released": false} when there was none (never reserved, or already
// released), so it is safe to run any number of times.
//
// It reads the reservation from RESERVATIONS_TABLE and, in one
// transaction, adds each reserved line back (SET stock = stock + :q IF
// attribute_exists(sku)) and deletes the reservation IF
// attribute_exists(orderId), so two concurrent releases give the units
// back once.
//
// Errors: TransientError (retry), ServiceError (e.g. a reserved SKU was
// removed from the inventory), InvalidInput.
//
// Environment: INVENTORY_TABLE, RESERVATIONS_TABLE.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

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

// Result is the function's output.
type Result struct {
	Released bool `json:"released"`
}

// store is the part of the DynamoDB client the function uses.
type store interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

type handler struct {
	db                      store
	inventory, reservations string
}

func (h *handler) handle(ctx context.Context, raw json.RawMessage) (Result, error) {
	o, err := order.DecodeEvent(raw)
	if err != nil {
		return Result{}, err
	}
	got, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(h.reservations), Key: ddb.Key("orderId", o.OrderID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Result{}, fault.FromAWS("read the reservation", err)
	}
	if got.Item == nil {
		return Result{Released: false}, nil
	}
	var res order.Reservation
	if err := attributevalue.UnmarshalMap(got.Item, &res); err != nil {
		return Result{}, &fault.ServiceError{Op: "read the reservation", Err: err}
	}
	var tx []types.TransactWriteItem
	for _, l := range res.Items {
		tx = append(tx, types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(h.inventory),
			Key:                       ddb.Key("sku", l.SKU),
			UpdateExpression:          aws.String("SET stock = stock + :q"),
			ConditionExpression:       aws.String("attribute_exists(sku)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":q": ddb.N(l.Qty)},
		}})
	}
	tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{
		TableName:           aws.String(h.reservations),
		Key:                 ddb.Key("orderId", o.OrderID),
		ConditionExpression: aws.String("attribute_exists(orderId)"),
	}})
	_, err = h.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	if err == nil {
		return Result{Released: true}, nil
	}
	reasons, cancelled := ddb.Cancelled(err)
	if !cancelled {
		return Result{}, fault.FromAWS("release inventory", err)
	}
	if ddb.Code(reasons, len(res.Items)) == ddb.CodeConditionFailed {
		return Result{Released: false}, nil // released meanwhile by another attempt
	}
	for i, l := range res.Items {
		if ddb.Code(reasons, i) == ddb.CodeConditionFailed {
			return Result{}, &fault.ServiceError{Op: "release inventory", Err: fmt.Errorf("sku %s of order %s is no longer in the inventory", l.SKU, o.OrderID)}
		}
	}
	return Result{}, &fault.TransientError{Op: "release inventory", Err: err}
}

func main() {
	env, err := awsenv.Require("INVENTORY_TABLE", "RESERVATIONS_TABLE")
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{db: dynamodb.NewFromConfig(cfg), inventory: env["INVENTORY_TABLE"], reservations: env["RESERVATIONS_TABLE"]}
	lambda.Start(h.handle)
}
