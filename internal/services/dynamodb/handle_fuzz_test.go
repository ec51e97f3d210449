package dynamodb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// FuzzHandle sends arbitrary bodies to every action, past the model
// validation the wire path applies first: no input may panic, and every
// error must be an API error.
func FuzzHandle(f *testing.F) {
	seeds := []struct{ action, body string }{
		{"PutItem", `{"TableName":"fzt","Item":{"pk":{"S":"a"},"n":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}`},
		{"UpdateItem", `{"TableName":"fzt","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = n + :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`},
		{"GetItem", `{"TableName":"fzt","Key":{"pk":{"S":"a"}},"ProjectionExpression":"n"}`},
		{"DeleteItem", `{"TableName":"fzt","Key":{"pk":{"S":"a"}},"ReturnValues":"ALL_OLD"}`},
		{"Query", `{"TableName":"fzt","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Limit":1}`},
		{"Query", `{"TableName":"fzt","IndexName":"byG","KeyConditionExpression":"g = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ExclusiveStartKey":{"pk":{"S":"a"},"g":{"S":"b"}}}`},
		{"Scan", `{"TableName":"fzt","Segment":0,"TotalSegments":2,"FilterExpression":"n > :z","ExpressionAttributeValues":{":z":{"N":"0"}}}`},
		{"Scan", `{"TableName":"fzt","Segment":-1,"TotalSegments":0}`},
		{"BatchWriteItem", `{"RequestItems":{"fzt":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"a"}}}}]}}`},
		{"BatchGetItem", `{"RequestItems":{"fzt":{"Keys":[{"pk":{"S":"b"}}]}}}`},
		{"TransactWriteItems", `{"TransactItems":[{"Update":{"TableName":"fzt","Key":{"pk":{"S":"c"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}},{}]}`},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"fzt","Key":{"pk":{"S":"c"}}}},{}]}`},
		{"UpdateTable", `{"TableName":"fzt","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"nope"}}]}`},
		{"UpdateTimeToLive", `{"TableName":"fzt","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}`},
		{"CreateTable", `{"TableName":"fzt2","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","LocalSecondaryIndexes":[]}`},
		{"TagResource", `{"ResourceArn":"arn:aws:dynamodb:us-east-1:111111111111:table/fzt","Tags":[{"Key":"k","Value":"v"}]}`},
		{"ListTables", `{"Limit":0}`},
		{"DescribeTable", `{"TableName":"arn:aws:dynamodb:us-east-1:111111111111:table/fzt"}`},
		{"UpdateItem", `{"TableName":"fzt","Key":{"pk":{"S":"a"}},"AttributeUpdates":{"n":{"Action":"ADD","Value":{"N":"1"}}},"Expected":{"n":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"}]}},"ConditionalOperator":"OR"}`},
		{"Query", `{"TableName":"fzt","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"n":{"ComparisonOperator":"NULL"}}}`},
	}
	for _, s := range seeds {
		f.Add(s.action, []byte(s.body))
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	svc, err := New(Config{DB: db, DisableTTL: true, Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { svc.Close() })
	if _, err := svc.Handle(ctx, "CreateTable", []byte(`{"TableName":"fzt","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
		`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST",`+
		`"GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, action string, body []byte) {
		if action == "DeleteTable" {
			return // keep the table for the other inputs
		}
		_, err := svc.Handle(ctx, action, body)
		if err != nil {
			var ae *awsproto.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%s %s: non-API error %v", action, body, err)
			}
		}
	})
}
