package dynamodb_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestLegacyParameters: Expected, AttributeUpdates, KeyConditions,
// QueryFilter and ScanFilter behave as their expression equivalents.
func TestLegacyParameters(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "legacy", types.ScalarAttributeTypeN)
	for i, name := range []string{"a", "b", "c", "d"} {
		tb.put(t, "legacy", item("pk", s("p"), "sk", n(string(rune('1'+i))), "name", s(name), "n", n(string(rune('1'+i)))))
	}
	// Expected with a comparison: fails, then succeeds.
	_, err := tb.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("legacy"), Item: item("pk", s("p"), "sk", n("1"), "name", s("z")),
		Expected: map[string]types.ExpectedAttributeValue{"n": {ComparisonOperator: types.ComparisonOperatorGt, AttributeValueList: []av{n("5")}}}})
	wantAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	_, err = tb.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("legacy"), Item: item("pk", s("p"), "sk", n("1"), "name", s("z"), "n", n("1")),
		Expected: map[string]types.ExpectedAttributeValue{"name": {Value: s("a")}, "gone": {Exists: aws.Bool(false)}}})
	if err != nil {
		t.Fatal(err)
	}
	// AttributeUpdates.
	_, err = tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("legacy"), Key: item("pk", s("p"), "sk", n("2")),
		AttributeUpdates: map[string]types.AttributeValueUpdate{
			"n":    {Action: types.AttributeActionAdd, Value: n("10")},
			"tags": {Action: types.AttributeActionAdd, Value: ss("x")},
			"name": {Action: types.AttributeActionDelete},
			"new":  {Value: s("v")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if got := renderItem(tb.get(t, "legacy", item("pk", s("p"), "sk", n("2")))); got != "{n=N:12 new=S:v pk=S:p sk=N:2 tags=SS[x]}" {
		t.Errorf("after AttributeUpdates: %s", got)
	}
	// KeyConditions and QueryFilter.
	out, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("legacy"),
		KeyConditions: map[string]types.Condition{
			"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []av{s("p")}},
			"sk": {ComparisonOperator: types.ComparisonOperatorBetween, AttributeValueList: []av{n("1"), n("3")}},
		},
		QueryFilter: map[string]types.Condition{"name": {ComparisonOperator: types.ComparisonOperatorNotNull}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 2 || out.ScannedCount != 3 {
		t.Errorf("legacy query: Count %d ScannedCount %d", out.Count, out.ScannedCount)
	}
	// ScanFilter with OR.
	scan, err := tb.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("legacy"), ConditionalOperator: types.ConditionalOperatorOr,
		ScanFilter: map[string]types.Condition{
			"name": {ComparisonOperator: types.ComparisonOperatorIn, AttributeValueList: []av{s("c"), s("z")}},
			"n":    {ComparisonOperator: types.ComparisonOperatorGe, AttributeValueList: []av{n("12")}},
		}})
	if err != nil || scan.Count != 3 {
		t.Errorf("legacy scan: %d, %v", scan.Count, err)
	}
}
