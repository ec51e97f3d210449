package main

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/tasks/shared/order"
)

// fakeDB serves BatchGetItem from a map of sku → item. It leaves the
// first unprocessed keys unanswered once, or every key every time when
// stuck.
type fakeDB struct {
	items       map[string]map[string]types.AttributeValue
	unprocessed int
	stuck       bool
	err         error
}

func (f *fakeDB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	for table, ka := range in.RequestItems {
		if aws.ToString(ka.ProjectionExpression) != "sku, #name, price" {
			return nil, errors.New("unexpected projection")
		}
		keys := ka.Keys
		if f.stuck {
			f.unprocessed = len(keys)
		}
		if f.unprocessed > 0 {
			n := min(f.unprocessed, len(keys))
			out.UnprocessedKeys = map[string]types.KeysAndAttributes{table: {Keys: keys[:n], ProjectionExpression: ka.ProjectionExpression, ExpressionAttributeNames: ka.ExpressionAttributeNames}}
			keys, f.unprocessed = keys[n:], 0
		}
		for _, k := range keys {
			if it, ok := f.items[k["sku"].(*types.AttributeValueMemberS).Value]; ok {
				out.Responses[table] = append(out.Responses[table], it)
			}
		}
	}
	return out, nil
}

func item(sku, name, price string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"sku":   &types.AttributeValueMemberS{Value: sku},
		"name":  &types.AttributeValueMemberS{Value: name},
		"price": &types.AttributeValueMemberN{Value: price},
	}
}

func catalogueDB() *fakeDB {
	return &fakeDB{items: map[string]map[string]types.AttributeValue{
		"KB-101": item("KB-101", "Keyboard", "49.9"),
		"MS-200": item("MS-200", "Mouse", "19"),
		"BAD":    item("BAD", "Broken", "1.999"),
	}}
}

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		event       string
		unprocessed int
		want        string   // the output, as JSON
		problems    []string // or the InvalidOrder's problems
	}{
		{
			name:  "prices, totals and normalizes",
			event: `{"orderId":" o-1 ","customer":{"email":" Ann@Example.COM ","name":"Ann"},"items":[{"sku":"KB-101","qty":2},{"sku":"MS-200","qty":"1"},{"sku":"KB-101","qty":1}]}`,
			want:  `{"orderId":"o-1","customer":{"email":"ann@example.com","name":"Ann"},"items":[{"sku":"KB-101","qty":3,"name":"Keyboard","price":49.90},{"sku":"MS-200","qty":1,"name":"Mouse","price":19.00}],"total":168.70}`,
		},
		{
			name:        "unprocessed keys are asked again",
			event:       `{"orderId":"o-2","customer":{"email":"a@b.co"},"items":[{"sku":"KB-101","qty":1},{"sku":"MS-200","qty":1}]}`,
			unprocessed: 1,
			want:        `{"orderId":"o-2","customer":{"email":"a@b.co","name":""},"items":[{"sku":"KB-101","qty":1,"name":"Keyboard","price":49.90},{"sku":"MS-200","qty":1,"name":"Mouse","price":19.00}],"total":68.90}`,
		},
		{
			name:     "everything missing",
			event:    `{}`,
			problems: []string{"orderId is required", "customer.email is required and must be an e-mail address", "items must list at least one line"},
		},
		{
			name:  "bad lines",
			event: `{"orderId":"o 1","customer":{"email":"nope"},"items":[{"sku":"","qty":1},{"sku":"a","qty":0},{"sku":"b","qty":1.5},{"sku":"c","qty":"two"},{"sku":"d","qty":1001},{"sku":"e"}]}`,
			problems: []string{
				`orderId "o 1" must be 1 to 64 letters, digits, '-' or '_'`,
				"customer.email is required and must be an e-mail address",
				"items[0].sku is required",
				"items[1].qty must be a whole number from 1 to 1000, not 0",
				"items[2].qty must be a whole number from 1 to 1000, not 1.5",
				`items[3].qty must be a whole number from 1 to 1000, not "two"`,
				"items[4].qty must be a whole number from 1 to 1000, not 1001",
				"items[5].qty must be a whole number from 1 to 1000, not nothing",
			},
		},
		{
			name:     "too many lines",
			event:    `{"orderId":"o","customer":{"email":"a@b.co"},"items":[` + strings.Repeat(`{"sku":"KB-101","qty":1},`, 25) + `{"sku":"MS-200","qty":1}]}`,
			problems: []string{"items has 26 lines; an order has at most 25"},
		},
		{
			name:     "unknown skus",
			event:    `{"orderId":"o","customer":{"email":"a@b.co"},"items":[{"sku":"KB-101","qty":1},{"sku":"NOPE","qty":1},{"sku":"GONE","qty":2}]}`,
			problems: []string{`unknown sku "NOPE"`, `unknown sku "GONE"`},
		},
		{
			name:     "not an object",
			event:    `[1,2]`,
			problems: []string{"the order is not a JSON object of the expected shape: json: cannot unmarshal array into Go value of type main.request"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := catalogueDB()
			db.unprocessed = tc.unprocessed
			h := &handler{catalogue: &dynamoCatalogue{db: db, table: "inventory"}}
			got, err := h.handle(context.Background(), json.RawMessage(tc.event))
			if tc.problems != nil {
				var bad *order.InvalidOrder
				if !errors.As(err, &bad) {
					t.Fatalf("err = %v, want *InvalidOrder", err)
				}
				if !reflect.DeepEqual(bad.Problems, tc.problems) {
					t.Errorf("problems:\n got %q\nwant %q", bad.Problems, tc.problems)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

// TestErrors checks the error names Step Functions sees (the Go type
// names the Lambda runtime reports).
func TestErrors(t *testing.T) {
	t.Parallel()
	valid := `{"orderId":"o","customer":{"email":"a@b.co"},"items":[{"sku":"KB-101","qty":1}]}`
	tests := []struct {
		name  string
		event string
		db    *fakeDB
		want  string
	}{
		{"invalid", `{}`, catalogueDB(), "InvalidOrder"},
		{"throttled", valid, &fakeDB{err: &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}}, "TransientError"},
		{"no table", valid, &fakeDB{err: &smithy.GenericAPIError{Code: "ResourceNotFoundException"}}, "ServiceError"},
		{"bad price", `{"orderId":"o","customer":{"email":"a@b.co"},"items":[{"sku":"BAD","qty":1}]}`, catalogueDB(), "ServiceError"},
		{"never processed", valid, &fakeDB{stuck: true}, "TransientError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &handler{catalogue: &dynamoCatalogue{db: tc.db, table: "inventory"}}
			_, err := h.handle(context.Background(), json.RawMessage(tc.event))
			if err == nil {
				t.Fatal("no error")
			}
			if got := reflect.TypeOf(err).Elem().Name(); got != tc.want {
				t.Errorf("errorType = %s (%v), want %s", got, err, tc.want)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(`{"orderId":"o","customer":{"email":"a@b.co"},"items":[{"sku":"a","qty":1}]}`)
	f.Add(`{"items":[{"qty":"x"},{"sku":"a","qty":99999999999999999999}]}`)
	f.Fuzz(func(t *testing.T, event string) {
		var req request
		if json.Unmarshal([]byte(event), &req) != nil {
			return
		}
		o, bad := check(req)
		if len(bad.Problems) > 0 {
			return
		}
		if o.OrderID == "" || len(o.Items) == 0 || len(o.Items) > order.MaxLines {
			t.Fatalf("accepted %+v", o)
		}
		for _, l := range o.Items {
			if l.SKU == "" || l.Qty < 1 || l.Qty > order.MaxQty {
				t.Fatalf("accepted line %+v", l)
			}
		}
	})
}
