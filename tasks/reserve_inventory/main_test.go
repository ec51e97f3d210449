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

// fakeDB answers TransactWriteItems with err and keeps the request.
type fakeDB struct {
	err error
	got *dynamodb.TransactWriteItemsInput
}

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.got = in
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

const event = `{"order":{"orderId":"o-1","customer":{"email":"a@b.co"},"items":[{"sku":"KB-101","qty":2,"name":"Keyboard","price":49.90},{"sku":"MS-200","qty":1,"name":"Mouse","price":19}],"total":118.80}}`

// cancelled is a TransactionCanceledException with one reason per
// transaction item: a code, or a code and the item's old stock.
func cancelled(reasons ...types.CancellationReason) error {
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

func none() types.CancellationReason { return types.CancellationReason{Code: aws.String("None")} }

func failed(item map[string]types.AttributeValue) types.CancellationReason {
	return types.CancellationReason{Code: aws.String(ddb.CodeConditionFailed), Item: item}
}

func stock(n int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"stock": ddb.N(n)}
}

var earlier = map[string]types.AttributeValue{
	"orderId": ddb.S("o-1"),
	"items": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"sku": ddb.S("KB-101"), "qty": ddb.N(2),
	}}}},
}

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		want    string // output as JSON
		errType string // or the error's type name
		errMsg  string
	}{
		{name: "reserved", want: `{"reserved":true,"items":[{"sku":"KB-101","qty":2},{"sku":"MS-200","qty":1}]}`},
		{
			name: "already reserved by an earlier attempt",
			err:  cancelled(none(), none(), failed(earlier)),
			want: `{"reserved":true,"items":[{"sku":"KB-101","qty":2}]}`,
		},
		{
			name: "already reserved, though stock has run out since",
			err:  cancelled(failed(stock(0)), none(), failed(nil)),
			want: `{"reserved":true,"items":[{"sku":"KB-101","qty":2},{"sku":"MS-200","qty":1}]}`,
		},
		{
			name:    "out of stock",
			err:     cancelled(failed(stock(1)), none(), none()),
			errType: "OutOfStock", errMsg: "order o-1 is out of stock: KB-101: 2 wanted, 1 left",
		},
		{
			name:    "unknown sku and short",
			err:     cancelled(failed(stock(0)), failed(nil), none()),
			errType: "OutOfStock", errMsg: "order o-1 is out of stock: KB-101: 2 wanted, 0 left; MS-200 is not in the inventory",
		},
		{
			name:    "conflict",
			err:     cancelled(types.CancellationReason{Code: aws.String("TransactionConflict")}, none(), none()),
			errType: "TransientError",
		},
		{name: "throttled", err: &smithy.GenericAPIError{Code: "ThrottlingException"}, errType: "TransientError"},
		{name: "no table", err: &types.ResourceNotFoundException{Message: aws.String("no table")}, errType: "ServiceError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := &fakeDB{err: tc.err}
			h := &handler{db: db, inventory: "inventory", reservations: "reservations", now: func() time.Time { return time.Unix(0, 0) }}
			got, err := h.handle(context.Background(), json.RawMessage(event))
			if tc.errType != "" {
				if err == nil {
					t.Fatalf("no error, got %+v", got)
				}
				if name := reflect.TypeOf(err).Elem().Name(); name != tc.errType {
					t.Errorf("errorType = %s (%v), want %s", name, err, tc.errType)
				}
				if tc.errMsg != "" && err.Error() != tc.errMsg {
					t.Errorf("message = %q, want %q", err.Error(), tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(got); string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

// TestTransaction checks the writes: one guarded decrement per line, then
// the reservation put only if absent.
func TestTransaction(t *testing.T) {
	t.Parallel()
	db := &fakeDB{}
	h := &handler{db: db, inventory: "inventory", reservations: "reservations", now: func() time.Time { return time.Unix(0, 0) }}
	if _, err := h.handle(context.Background(), json.RawMessage(event)); err != nil {
		t.Fatal(err)
	}
	tx := db.got.TransactItems
	if len(tx) != 3 {
		t.Fatalf("%d transaction items, want 3", len(tx))
	}
	for i, want := range []struct {
		sku string
		qty int
	}{{"KB-101", 2}, {"MS-200", 1}} {
		u := tx[i].Update
		if u == nil || *u.TableName != "inventory" || *u.UpdateExpression != "SET stock = stock - :q" || *u.ConditionExpression != "stock >= :q" {
			t.Fatalf("item %d = %+v", i, tx[i])
		}
		if !reflect.DeepEqual(u.Key, ddb.Key("sku", want.sku)) || !reflect.DeepEqual(u.ExpressionAttributeValues[":q"], ddb.N(want.qty)) {
			t.Errorf("item %d key %v qty %v", i, u.Key, u.ExpressionAttributeValues[":q"])
		}
	}
	p := tx[2].Put
	if p == nil || *p.TableName != "reservations" || *p.ConditionExpression != "attribute_not_exists(orderId)" {
		t.Fatalf("last item = %+v", tx[2])
	}
	if !reflect.DeepEqual(p.Item["orderId"], ddb.S("o-1")) || !reflect.DeepEqual(p.Item["reservedAt"], ddb.S("1970-01-01T00:00:00Z")) {
		t.Errorf("reservation = %v", p.Item)
	}
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	for _, ev := range []string{`{}`, `{"order":{"orderId":"o","items":[]}}`, `{"order":{"orderId":"o","items":[{"sku":"a","qty":0}]}}`, `[]`} {
		h := &handler{db: &fakeDB{}, now: time.Now}
		_, err := h.handle(context.Background(), json.RawMessage(ev))
		if err == nil || reflect.TypeOf(err).Elem().Name() != "InvalidInput" {
			t.Errorf("%s: err = %v, want InvalidInput", ev, err)
		}
	}
}
