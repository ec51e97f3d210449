package main

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/tasks/shared/ddb"
)

// fakeDB holds at most one reservation; TransactWriteItems answers txErr.
type fakeDB struct {
	reservation map[string]types.AttributeValue
	getErr      error
	txErr       error
	tx          *dynamodb.TransactWriteItemsInput
}

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if !aws.ToBool(in.ConsistentRead) {
		panic("the reservation must be read consistently")
	}
	return &dynamodb.GetItemOutput{Item: f.reservation}, f.getErr
}

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.tx = in
	return &dynamodb.TransactWriteItemsOutput{}, f.txErr
}

const event = `{"order":{"orderId":"o-1","customer":{"email":"a@b.co"},"items":[{"sku":"KB-101","qty":2,"name":"Keyboard","price":49.90}],"total":99.80}}`

func line(sku string, qty int) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"sku": ddb.S(sku), "qty": ddb.N(qty)}}
}

// reservation took 3 × KB-101 and 1 × MS-200 (what was reserved, not what
// the event says, is given back).
var reservation = map[string]types.AttributeValue{
	"orderId":    ddb.S("o-1"),
	"items":      &types.AttributeValueMemberL{Value: []types.AttributeValue{line("KB-101", 3), line("MS-200", 1)}},
	"reservedAt": ddb.S("2026-11-29T10:00:00Z"),
}

func reasons(codes ...string) error {
	var r []types.CancellationReason
	for _, c := range codes {
		r = append(r, types.CancellationReason{Code: aws.String(c)})
	}
	return &types.TransactionCanceledException{CancellationReasons: r}
}

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		db      *fakeDB
		want    bool
		errType string
	}{
		{name: "released", db: &fakeDB{reservation: reservation}, want: true},
		{name: "nothing reserved", db: &fakeDB{}, want: false},
		{name: "released meanwhile", db: &fakeDB{reservation: reservation, txErr: reasons("None", "None", ddb.CodeConditionFailed)}, want: false},
		{name: "sku removed", db: &fakeDB{reservation: reservation, txErr: reasons("None", ddb.CodeConditionFailed, "None")}, errType: "ServiceError"},
		{name: "conflict", db: &fakeDB{reservation: reservation, txErr: reasons("TransactionConflict", "None", "None")}, errType: "TransientError"},
		{name: "read throttled", db: &fakeDB{getErr: &smithy.GenericAPIError{Code: "ThrottlingException"}}, errType: "TransientError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &handler{db: tc.db, inventory: "inventory", reservations: "reservations"}
			got, err := h.handle(context.Background(), json.RawMessage(event))
			if tc.errType != "" {
				if err == nil || reflect.TypeOf(err).Elem().Name() != tc.errType {
					t.Fatalf("err = %v, want %s", err, tc.errType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Released != tc.want {
				t.Errorf("released = %v, want %v", got.Released, tc.want)
			}
		})
	}
}

func TestTransaction(t *testing.T) {
	t.Parallel()
	db := &fakeDB{reservation: reservation}
	h := &handler{db: db, inventory: "inventory", reservations: "reservations"}
	if _, err := h.handle(context.Background(), json.RawMessage(event)); err != nil {
		t.Fatal(err)
	}
	tx := db.tx.TransactItems
	if len(tx) != 3 {
		t.Fatalf("%d items, want 3", len(tx))
	}
	for i, want := range []struct {
		sku string
		qty int
	}{{"KB-101", 3}, {"MS-200", 1}} {
		u := tx[i].Update
		if u == nil || *u.UpdateExpression != "SET stock = stock + :q" || *u.ConditionExpression != "attribute_exists(sku)" ||
			!reflect.DeepEqual(u.Key, ddb.Key("sku", want.sku)) || !reflect.DeepEqual(u.ExpressionAttributeValues[":q"], ddb.N(want.qty)) {
			t.Errorf("item %d = %+v", i, u)
		}
	}
	d := tx[2].Delete
	if d == nil || *d.TableName != "reservations" || *d.ConditionExpression != "attribute_exists(orderId)" || !reflect.DeepEqual(d.Key, ddb.Key("orderId", "o-1")) {
		t.Errorf("last item = %+v", tx[2])
	}
}
