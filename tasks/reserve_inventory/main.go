// Command reserve_inventory is the Lambda that takes an order's units out
// of stock, all or nothing, so the shop can never oversell.
//
// Input: {"order": <the order validate_order returned>}
//
// Output: {"reserved": true, "items": [{"sku": "KB-101", "qty": 2}, ...]}
//
// It makes one DynamoDB transaction (TransactWriteItems): for each line,
// an update of INVENTORY_TABLE
//
//	SET stock = stock - :q   IF stock >= :q
//
// and a put of the reservation {orderId, items, reservedAt} into
// RESERVATIONS_TABLE IF attribute_not_exists(orderId). Either every line
// is taken or none is. If the reservation already exists, this order was
// reserved by an earlier attempt whose answer was lost: that is success
// (the stored lines are returned), whatever the stock is now.
//
// Errors:
//   - OutOfStock: some lines' stock is too low (or the SKU is gone); the
//     message names each SKU with the units wanted and left.
//   - TransientError: a transaction conflict, throttling or a DynamoDB
//     fault; retry.
//   - ServiceError, InvalidInput: misconfiguration, wrong input.
//
// Environment: INVENTORY_TABLE, RESERVATIONS_TABLE.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
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

// Result is the function's output.
type Result struct {
	Reserved bool             `json:"reserved"`
	Items    []order.Quantity `json:"items"`
}

// OutOfStock is the error for an order whose lines cannot all be taken.
type OutOfStock struct {
	OrderID string
	// Short lists the lines that are short, with the stock left.
	Short []Shortage
}

// Shortage is a line that cannot be taken.
type Shortage struct {
	SKU    string
	Wanted int
	// Left is the stock left, or -1 when the SKU is not in the inventory.
	Left int
}

// Error implements error.
func (e *OutOfStock) Error() string {
	parts := make([]string, len(e.Short))
	for i, s := range e.Short {
		if s.Left < 0 {
			parts[i] = fmt.Sprintf("%s is not in the inventory", s.SKU)
		} else {
			parts[i] = fmt.Sprintf("%s: %d wanted, %d left", s.SKU, s.Wanted, s.Left)
		}
	}
	return "order " + e.OrderID + " is out of stock: " + strings.Join(parts, "; ")
}

// transactor is the part of the DynamoDB client the function uses.
type transactor interface {
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

type handler struct {
	db                      transactor
	inventory, reservations string
	now                     func() time.Time
}

func (h *handler) handle(ctx context.Context, raw json.RawMessage) (Result, error) {
	o, err := order.DecodeEvent(raw)
	if err != nil {
		return Result{}, err
	}
	lines := o.Quantities()
	res := order.Reservation{OrderID: o.OrderID, Items: lines, ReservedAt: h.now().UTC().Format(time.RFC3339)}
	item, err := attributevalue.MarshalMap(res)
	if err != nil {
		return Result{}, &fault.ServiceError{Op: "reserve inventory", Err: err}
	}
	var tx []types.TransactWriteItem
	for _, l := range lines {
		tx = append(tx, types.TransactWriteItem{Update: &types.Update{
			TableName:                           aws.String(h.inventory),
			Key:                                 ddb.Key("sku", l.SKU),
			UpdateExpression:                    aws.String("SET stock = stock - :q"),
			ConditionExpression:                 aws.String("stock >= :q"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":q": ddb.N(l.Qty)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	tx = append(tx, types.TransactWriteItem{Put: &types.Put{
		TableName:                           aws.String(h.reservations),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(orderId)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}})
	_, err = h.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	if err == nil {
		return Result{Reserved: true, Items: lines}, nil
	}
	reasons, cancelled := ddb.Cancelled(err)
	if !cancelled {
		return Result{}, fault.FromAWS("reserve inventory", err)
	}
	if ddb.Code(reasons, len(lines)) == ddb.CodeConditionFailed {
		// Reserved by an earlier attempt: return what it took.
		var prev order.Reservation
		if attributevalue.UnmarshalMap(reasons[len(lines)].Item, &prev) == nil && len(prev.Items) > 0 {
			lines = prev.Items
		}
		return Result{Reserved: true, Items: lines}, nil
	}
	short := &OutOfStock{OrderID: o.OrderID}
	for i, l := range lines {
		if ddb.Code(reasons, i) != ddb.CodeConditionFailed {
			continue
		}
		s := Shortage{SKU: l.SKU, Wanted: l.Qty, Left: -1}
		var old struct {
			Stock *int `dynamodbav:"stock"`
		}
		if attributevalue.UnmarshalMap(reasons[i].Item, &old) == nil && old.Stock != nil {
			s.Left = *old.Stock
		}
		short.Short = append(short.Short, s)
	}
	if len(short.Short) > 0 {
		return Result{}, short
	}
	// TransactionConflict, ThrottlingError, ...: another writer got there
	// first, or DynamoDB is busy.
	return Result{}, &fault.TransientError{Op: "reserve inventory", Err: err}
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
	h := &handler{db: dynamodb.NewFromConfig(cfg), inventory: env["INVENTORY_TABLE"], reservations: env["RESERVATIONS_TABLE"], now: time.Now}
	lambda.Start(h.handle)
}
