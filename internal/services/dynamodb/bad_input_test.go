package dynamodb_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestBadRequests sends raw awsJson requests, including ones the SDK would
// never build: each gets AWS's status, __type and message, and none
// changes the table.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.createTable(t, "bad", "")
	tb.put(t, "bad", item("pk", s("exists"), "v", n("1")))
	const (
		validate = "com.amazon.coral.validate#ValidationException"
		ddbNS    = "com.amazonaws.dynamodb.v20120810#"
	)
	big := strings.Repeat("x", 400*1024)
	longKey := strings.Repeat("k", 2049)
	tests := []struct {
		name, action, body string
		typ, msg           string
	}{
		{"malformed json", "PutItem", `{"TableName":`, "com.amazon.coral.service#SerializationException", ""},
		{"unknown action", "Frobnicate", `{}`, "com.amazon.coral.service#UnknownOperationException", ""},
		{"wrong json type", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":5}}}`, "com.amazon.coral.service#SerializationException", "NUMBER_VALUE cannot be converted to String"},
		{"missing table name", "PutItem", `{"Item":{"pk":{"S":"a"}}}`, validate, "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"},
		{"empty value", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{}}}`, validate, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{"two types", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"S":"a","N":"1"}}}`, validate, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{"not a number", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"N":"abc"}}}`, validate, "A value provided cannot be converted into a number"},
		{"39 digits", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"N":"123456789012345678901234567890123456789"}}}`, validate, "Attempting to store more than 38 significant digits in a Number"},
		{"overflow", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"N":"1E126"}}}`, validate, "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"underflow", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"N":"1E-131"}}}`, validate, "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{"empty string set", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"SS":[]}}}`, validate, "One or more parameter values were invalid: An string set  may not be empty"},
		{"duplicate set", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"SS":["a","a"]}}}`, validate, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{"null false", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"NULL":false}}}`, validate, "One or more parameter values were invalid: Null attribute value types must have the value of true"},
		{"missing key", "PutItem", `{"TableName":"bad","Item":{"x":{"S":"a"}}}`, validate, "One or more parameter values were invalid: Missing the key pk in the item"},
		{"key type", "PutItem", `{"TableName":"bad","Item":{"pk":{"N":"1"}}}`, validate, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{"empty key", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":""}}}`, validate, "One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"long key", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"` + longKey + `"}}}`, validate, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{"item too large", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"},"x":{"S":"` + big + `"}}}`, validate, "Item size has exceeded the maximum allowed size"},
		{"no table", "PutItem", `{"TableName":"nope","Item":{"pk":{"S":"a"}}}`, ddbNS + "ResourceNotFoundException", "Requested resource not found"},
		{"key schema", "GetItem", `{"TableName":"bad","Key":{"pk":{"S":"a"},"x":{"S":"b"}}}`, validate, "The provided key element does not match the schema"},
		{"bad value key", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"ConditionExpression":"v = :v","ExpressionAttributeValues":{"v":{"S":"x"}}}`,
			validate, `ExpressionAttributeValues contains invalid key: Syntax error; key: "v"`},
		{"bad value", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"ConditionExpression":"v = :v","ExpressionAttributeValues":{":v":{"SS":[]}}}`,
			validate, "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :v"},
		{"values without expression", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"ExpressionAttributeValues":{":v":{"S":"x"}}}`,
			validate, "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"},
		{"empty names", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_exists(v)","ExpressionAttributeNames":{}}`,
			validate, "ExpressionAttributeNames must not be empty"},
		{"empty condition", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"ConditionExpression":""}`,
			validate, "Invalid ConditionExpression: The expression can not be empty;"},
		{"condition failed", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"exists"}},"ConditionExpression":"attribute_not_exists(pk)"}`,
			ddbNS + "ConditionalCheckFailedException", "The conditional request failed"},
		{"legacy and expression", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"Expected":{"pk":{"Exists":false}},"ConditionExpression":"attribute_not_exists(pk)"}`,
			validate, "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"},
		{"legacy Expected failing", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"exists"}},"Expected":{"pk":{"Exists":false}}}`,
			ddbNS + "ConditionalCheckFailedException", "The conditional request failed"},
		{"legacy argument count", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"Expected":{"v":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"}]}}}`,
			validate, "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
		{"bad return values", "PutItem", `{"TableName":"bad","Item":{"pk":{"S":"a"}},"ReturnValues":"ALL_NEW"}`, validate, "ReturnValues can only be ALL_OLD or NONE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := tb.raw(t, tt.action, tt.body)
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if status != 400 || e.Type != tt.typ || e.Message != tt.msg {
				t.Errorf("got %d %s %q\nwant 400 %s %q", status, e.Type, e.Message, tt.typ, tt.msg)
			}
		})
	}
	t.Cleanup(func() {
		out, err := tb.client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("bad")})
		if err != nil || out.Count != 1 || renderItem(out.Items[0]) != "{pk=S:exists v=N:1}" {
			t.Errorf("bad requests changed the table: %+v, %v", out, err)
		}
	})
}

// raw posts an awsJson request and returns the status and body.
func (tb *testBundle) raw(t testing.TB, action, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tb.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestErrorBodies checks the members some errors carry besides __type and
// message, as AWS writes them.
func TestErrorBodies(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.createTable(t, "ebt", "")
	tb.put(t, "ebt", item("pk", s("a"), "v", n("1")))
	status, body := tb.raw(t, "PutItem", `{"TableName":"ebt","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`)
	if want := `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}`; status != 400 || string(body) != want {
		t.Errorf("ConditionalCheckFailedException = %d %s\nwant %s", status, body, want)
	}
	status, body = tb.raw(t, "TransactWriteItems", `{"TransactItems":[{"ConditionCheck":{"TableName":"ebt","Key":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk)"}},`+
		`{"Put":{"TableName":"ebt","Item":{"pk":{"S":"b"}}}}]}`)
	if want := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",` +
		`"CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},{"Code":"None"}]}`; status != 400 || string(body) != want {
		t.Errorf("TransactionCanceledException = %d %s\nwant %s", status, body, want)
	}
	if tb.get(t, "ebt", item("pk", s("b"))) != nil {
		t.Error("a cancelled transaction wrote")
	}
	var _ = types.AttributeValueMemberS{}
}

// TestCall runs actions in process, as Step Functions' integrations do.
func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "calls", "")
	if _, err := tb.svc.Call(ctx, "PutItem", []byte(`{"TableName":"calls","Item":{"pk":{"S":"a"},"n":{"N":"1.50"}}}`)); err != nil {
		t.Fatal(err)
	}
	out, err := tb.svc.Call(ctx, "UpdateItem", []byte(`{"TableName":"calls","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = n + :d",`+
		`"ExpressionAttributeValues":{":d":{"N":"2"}},"ReturnValues":"ALL_NEW"}`))
	if err != nil || string(out) != `{"Attributes":{"n":{"N":"3.5"},"pk":{"S":"a"}}}` {
		t.Errorf("UpdateItem = %s, %v", out, err)
	}
	out, err = tb.svc.Call(ctx, "GetItem", []byte(`{"TableName":"calls","Key":{"pk":{"S":"missing"}}}`))
	if err != nil || string(out) != `{}` {
		t.Errorf("GetItem missing = %s, %v", out, err)
	}
	for _, tc := range []struct{ action, input, code string }{
		{"PutItem", `{"TableName":"calls","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk)"}`, "ConditionalCheckFailedException"},
		{"PutItem", `{"Item":{"pk":{"S":"a"}}}`, "ValidationException"},
		{"PutItem", `{"TableName":"calls","Item":{"pk":{"S":5}}}`, "SerializationException"},
		{"Nope", `{}`, "UnknownOperationException"},
	} {
		_, err := tb.svc.Call(ctx, tc.action, []byte(tc.input))
		if code := errCode(err); code != tc.code {
			t.Errorf("%s %s: %v, want %s", tc.action, tc.input, err, tc.code)
		}
	}
}
