package main

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/tasks/shared/ddb"
)

// fakeTable holds payment statuses by order id and applies the refund's
// conditional update to them.
type fakeTable struct {
	status map[string]string
	err    error
}

func (f *fakeTable) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	if aws.ToString(in.ConditionExpression) != "#status = :authorised" || in.ExpressionAttributeNames["#status"] != "status" ||
		!reflect.DeepEqual(in.ExpressionAttributeValues[":authorised"], ddb.S("AUTHORISED")) ||
		!reflect.DeepEqual(in.ExpressionAttributeValues[":refunded"], ddb.S("REFUNDED")) {
		panic("unexpected update")
	}
	id := in.Key["orderId"].(*types.AttributeValueMemberS).Value
	if f.status[id] != "AUTHORISED" {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	f.status[id] = "REFUNDED"
	return &dynamodb.UpdateItemOutput{}, nil
}

const event = `{"order":{"orderId":"o-1","customer":{"email":"a@b.co"},"items":[{"sku":"KB-101","qty":1,"name":"Keyboard","price":10}],"total":10}}`

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  string // of o-1's payment; "" for none
		err     error
		want    []bool // results of successive calls
		errType string
	}{
		{name: "refunds once", status: "AUTHORISED", want: []bool{true, false}},
		{name: "no payment", want: []bool{false}},
		{name: "already refunded", status: "REFUNDED", want: []bool{false}},
		{name: "throttled", status: "AUTHORISED", err: &smithy.GenericAPIError{Code: "ThrottlingException"}, errType: "TransientError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			table := &fakeTable{status: map[string]string{}, err: tc.err}
			if tc.status != "" {
				table.status["o-1"] = tc.status
			}
			h := &handler{db: table, table: "payments", now: time.Now}
			if tc.errType != "" {
				_, err := h.handle(context.Background(), json.RawMessage(event))
				if err == nil || reflect.TypeOf(err).Elem().Name() != tc.errType {
					t.Fatalf("err = %v, want %s", err, tc.errType)
				}
				return
			}
			for i, want := range tc.want {
				got, err := h.handle(context.Background(), json.RawMessage(event))
				if err != nil {
					t.Fatal(err)
				}
				if got.Refunded != want {
					t.Errorf("call %d: refunded = %v, want %v", i+1, got.Refunded, want)
				}
			}
		})
	}
}
