package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/tasks/shared/fault"
	"github.com/stepflow/stepflow/tasks/shared/order"
)

// product is a catalogue entry.
type product struct {
	SKU   string      `dynamodbav:"sku"`
	Name  string      `dynamodbav:"name"`
	Price order.Money `dynamodbav:"price"`
}

// catalogue looks products up by SKU.
type catalogue interface {
	// Lookup returns the products with these SKUs (at most 100, distinct);
	// unknown SKUs are absent from the map. Errors are named for Step
	// Functions (fault.TransientError, fault.ServiceError).
	Lookup(ctx context.Context, skus []string) (map[string]product, error)
}

// batchGetter is the part of the DynamoDB client dynamoCatalogue uses.
type batchGetter interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// dynamoCatalogue reads INVENTORY_TABLE (key sku; name, price, stock).
type dynamoCatalogue struct {
	db    batchGetter
	table string
	// delay is the wait before asking again for unprocessed keys; it
	// doubles each round.
	delay time.Duration
}

var _ catalogue = (*dynamoCatalogue)(nil)

// maxRounds bounds the BatchGetItem calls made for unprocessed keys.
const maxRounds = 5

// Lookup implements catalogue with BatchGetItem, calling again for the
// keys DynamoDB left unprocessed.
func (c *dynamoCatalogue) Lookup(ctx context.Context, skus []string) (map[string]product, error) {
	keys := make([]map[string]types.AttributeValue, len(skus))
	for i, s := range skus {
		keys[i] = map[string]types.AttributeValue{"sku": &types.AttributeValueMemberS{Value: s}}
	}
	req := map[string]types.KeysAndAttributes{c.table: {
		Keys:                     keys,
		ProjectionExpression:     aws.String("sku, #name, price"),
		ExpressionAttributeNames: map[string]string{"#name": "name"}, // name is a reserved word
	}}
	out := make(map[string]product, len(skus))
	for round := range maxRounds {
		if round > 0 {
			time.Sleep(c.delay << (round - 1))
		}
		res, err := c.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fault.FromAWS("read the catalogue", err)
		}
		for _, item := range res.Responses[c.table] {
			var p product
			if err := attributevalue.UnmarshalMap(item, &p); err != nil {
				return nil, &fault.ServiceError{Op: "read the catalogue", Err: fmt.Errorf("item %v: %w", item["sku"], err)}
			}
			out[p.SKU] = p
		}
		if len(res.UnprocessedKeys[c.table].Keys) == 0 {
			return out, nil
		}
		req = res.UnprocessedKeys
	}
	return nil, &fault.TransientError{Op: "read the catalogue", Err: errors.New("DynamoDB left keys unprocessed after several attempts")}
}
