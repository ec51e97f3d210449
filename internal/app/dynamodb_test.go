package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/internal/app"
)

// TestDynamoDBFromStateMachine uses each optimized DynamoDB integration
// (putItem, getItem, updateItem with a condition, deleteItem) and an AWS
// SDK integration (query), and catches a failed condition by AWS's name.
func TestDynamoDBFromStateMachine(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	ctx := context.Background()
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("inventory"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("sku"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("sku"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sm := createSM(t, c, base, "stock", `{"StartAt":"Put","States":{
		"Put":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"inventory",
			"Item":{"sku":{"S":"apple"},"stock":{"N":"2"}}},"ResultPath":null,"Next":"Take"},
		"Take":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:updateItem","Parameters":{"TableName":"inventory",
			"Key":{"sku":{"S":"apple"}},"UpdateExpression":"SET stock = stock - :n","ConditionExpression":"stock >= :n",
			"ExpressionAttributeValues":{":n":{"N.$":"States.Format('{}', $.n)"}},"ReturnValues":"UPDATED_NEW"},
			"ResultSelector":{"left.$":"$.Attributes.stock.N"},"ResultPath":"$.take",
			"Catch":[{"ErrorEquals":["DynamoDB.ConditionalCheckFailedException"],"ResultPath":"$.error","Next":"OutOfStock"}],"Next":"Get"},
		"Get":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Parameters":{"TableName":"inventory","Key":{"sku":{"S":"apple"}}},
			"ResultSelector":{"stock.$":"$.Item.stock.N"},"ResultPath":"$.get","Next":"Query"},
		"Query":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:query","Parameters":{"TableName":"inventory",
			"KeyConditionExpression":"sku = :s","ExpressionAttributeValues":{":s":{"S":"apple"}}},"ResultSelector":{"count.$":"$.Count"},"ResultPath":"$.query","Next":"Delete"},
		"Delete":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:deleteItem","Parameters":{"TableName":"inventory","Key":{"sku":{"S":"apple"}}},"ResultPath":null,"End":true},
		"OutOfStock":{"Type":"Pass","End":true}}}`)

	d := runToEnd(t, c, base, sm, `{"n":1}`)
	var out struct {
		Take  struct{ Left string }
		Get   struct{ Stock string }
		Query struct{ Count int }
	}
	json.Unmarshal([]byte(d["output"].(string)), &out)
	if d["status"] != "SUCCEEDED" || out.Take.Left != "1" || out.Get.Stock != "1" || out.Query.Count != 1 {
		t.Errorf("execution = %v %s", d["status"], d["output"])
	}
	got, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("inventory"), Key: map[string]types.AttributeValue{"sku": &types.AttributeValueMemberS{Value: "apple"}}})
	if got.Item != nil {
		t.Errorf("deleteItem left %v", got.Item)
	}

	d = runToEnd(t, c, base, sm, `{"n":5}`)
	var caught struct{ Error struct{ Error, Cause string } }
	json.Unmarshal([]byte(d["output"].(string)), &caught)
	if d["status"] != "SUCCEEDED" || caught.Error.Error != "DynamoDB.ConditionalCheckFailedException" ||
		!strings.Contains(caught.Error.Cause, "Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException") {
		t.Errorf("out of stock: %v %s", d["status"], d["output"])
	}
}
