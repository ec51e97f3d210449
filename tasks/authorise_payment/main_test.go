package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// fakeTable is PAYMENTS_TABLE in memory. It understands the two updates
// the function makes, and fails every call with err when set.
type fakeTable struct {
	mu       sync.Mutex
	payments map[string]Payment
	err      error
	// raceWith, when set, is recorded by another writer just before the
	// authorisation is written.
	raceWith *Payment
}

func (f *fakeTable) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	id := in.Key["orderId"].(*types.AttributeValueMemberS).Value
	p := f.payments[id]
	p.OrderID = id
	switch expr := aws.ToString(in.UpdateExpression); {
	case expr == "ADD attempts :one":
		p.Attempts++
		f.payments[id] = p
		item, err := attributevalue.MarshalMap(p)
		return &dynamodb.UpdateItemOutput{Attributes: item}, err
	case strings.HasPrefix(expr, "SET #status = :authorised") && aws.ToString(in.ConditionExpression) == "attribute_not_exists(#status)":
		if f.raceWith != nil {
			p.Status, p.PaymentID, p.Amount, p.Risk = f.raceWith.Status, f.raceWith.PaymentID, f.raceWith.Amount, f.raceWith.Risk
			f.payments[id] = p
		}
		if p.Status != "" {
			return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		}
		v := in.ExpressionAttributeValues
		p.Status = v[":authorised"].(*types.AttributeValueMemberS).Value
		p.PaymentID = v[":id"].(*types.AttributeValueMemberS).Value
		p.Risk = v[":risk"].(*types.AttributeValueMemberS).Value
		p.AuthorisedAt = v[":now"].(*types.AttributeValueMemberS).Value
		if err := p.Amount.UnmarshalDynamoDBAttributeValue(v[":amount"]); err != nil {
			return nil, err
		}
		f.payments[id] = p
		return &dynamodb.UpdateItemOutput{}, nil
	default:
		return nil, fmt.Errorf("fake: unexpected update %q", expr)
	}
}

func (f *fakeTable) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.payments[in.Key["orderId"].(*types.AttributeValueMemberS).Value]
	if !ok {
		return &dynamodb.GetItemOutput{}, nil
	}
	item, err := attributevalue.MarshalMap(p)
	return &dynamodb.GetItemOutput{Item: item}, err
}

func event(email, total string) json.RawMessage {
	return json.RawMessage(`{"order":{"orderId":"o-1","customer":{"email":"` + email + `"},"items":[{"sku":"KB-101","qty":1,"name":"Keyboard","price":` + total + `}],"total":` + total + `}}`)
}

func newHandler(table *fakeTable) *handler {
	if table.payments == nil {
		table.payments = map[string]Payment{}
	}
	return &handler{db: table, table: "payments", riskThreshold: 1000_00, now: func() time.Time { return time.Unix(0, 0) }}
}

// attempt is one invocation and what it must give.
type attempt struct {
	want    string // output as JSON
	errType string // or the error's type name
}

const paymentID = "pay_5cbdcb742069a582" // derived from "o-1"

func TestHandle(t *testing.T) {
	t.Parallel()
	ok := func(amount, risk string) attempt {
		return attempt{want: `{"paymentId":"` + paymentID + `","amount":` + amount + `,"risk":"` + risk + `"}`}
	}
	tests := []struct {
		name     string
		email    string
		total    string
		existing *Payment
		attempts []attempt
	}{
		{name: "low risk", email: "ann@example.com", total: "99.5", attempts: []attempt{ok("99.50", "LOW"), ok("99.50", "LOW")}},
		{name: "high by amount", email: "ann@example.com", total: "1000", attempts: []attempt{ok("1000.00", "HIGH")}},
		{name: "high by address", email: "ann+risky@example.com", total: "10", attempts: []attempt{ok("10.00", "HIGH")}},
		{name: "declined", email: "ann+declined@example.com", total: "10", attempts: []attempt{{errType: "PaymentDeclined"}, {errType: "PaymentDeclined"}}},
		{
			name: "flaky twice, then authorised", email: "Ann+Flaky@example.com", total: "10",
			attempts: []attempt{{errType: "TransientError"}, {errType: "TransientError"}, ok("10.00", "LOW"), ok("10.00", "LOW")},
		},
		{
			name: "already authorised: the stored payment", email: "ann+declined@example.com", total: "10",
			existing: &Payment{Status: StatusAuthorised, PaymentID: "pay_earlier", Amount: 12_00, Risk: "LOW"},
			attempts: []attempt{{want: `{"paymentId":"pay_earlier","amount":12.00,"risk":"LOW"}`}},
		},
		{
			name: "refunded", email: "ann@example.com", total: "10",
			existing: &Payment{Status: StatusRefunded, PaymentID: "pay_earlier", Amount: 10_00},
			attempts: []attempt{{errType: "PaymentDeclined"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			table := &fakeTable{payments: map[string]Payment{}}
			if tc.existing != nil {
				table.payments["o-1"] = *tc.existing
			}
			h := newHandler(table)
			for i, a := range tc.attempts {
				got, err := h.handle(context.Background(), event(tc.email, tc.total))
				if a.errType != "" {
					if err == nil || reflect.TypeOf(err).Elem().Name() != a.errType {
						t.Fatalf("attempt %d: err = %v, want %s", i+1, err, a.errType)
					}
					continue
				}
				if err != nil {
					t.Fatalf("attempt %d: %v", i+1, err)
				}
				if b, _ := json.Marshal(got); string(b) != a.want {
					t.Errorf("attempt %d: got %s, want %s", i+1, b, a.want)
				}
			}
			if n := table.payments["o-1"].Attempts; n != len(tc.attempts) {
				t.Errorf("attempts recorded = %d, want %d", n, len(tc.attempts))
			}
		})
	}
}

func TestConcurrentAuthorisation(t *testing.T) {
	t.Parallel()
	table := &fakeTable{raceWith: &Payment{Status: StatusAuthorised, PaymentID: "pay_other", Amount: 10_00, Risk: "LOW"}}
	got, err := newHandler(table).handle(context.Background(), event("ann@example.com", "10"))
	if err != nil {
		t.Fatal(err)
	}
	if got.PaymentID != "pay_other" {
		t.Errorf("got %+v, want the payment the other attempt wrote", got)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		event json.RawMessage
		want  string
	}{
		{"throttled", &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}, event("a@b.co", "1"), "TransientError"},
		{"denied", &smithy.GenericAPIError{Code: "AccessDeniedException"}, event("a@b.co", "1"), "ServiceError"},
		{"no order", nil, json.RawMessage(`{"orderId":"o-1"}`), "InvalidInput"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := newHandler(&fakeTable{err: tc.err}).handle(context.Background(), tc.event)
			if err == nil || reflect.TypeOf(err).Elem().Name() != tc.want {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
	msg := (&PaymentDeclined{OrderID: "o-1", Reason: "no"}).Error()
	if msg != "payment for order o-1 declined: no" {
		t.Errorf("message %q", msg)
	}
}
