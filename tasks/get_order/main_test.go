package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/tasks/shared/ddb"
)

// fakeDB serves items by orderId.
type fakeDB struct {
	items map[string]map[string]types.AttributeValue
	err   error
}

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	// status and total are DynamoDB reserved words: they must go through
	// ExpressionAttributeNames.
	if *in.ProjectionExpression != "orderId, #status, reason, #total, updatedAt" || in.ExpressionAttributeNames["#total"] != "total" || in.ExpressionAttributeNames["#status"] != "status" {
		return nil, errors.New("fake: unexpected projection")
	}
	return &dynamodb.GetItemOutput{Item: f.items[in.Key["orderId"].(*types.AttributeValueMemberS).Value]}, f.err
}

func request(method, path string, params map[string]string) events.APIGatewayV2HTTPRequest {
	r := events.APIGatewayV2HTTPRequest{RawPath: path, PathParameters: params}
	r.RequestContext.HTTP.Method = method
	r.RequestContext.Stage = "$default"
	return r
}

func TestHandle(t *testing.T) {
	t.Parallel()
	db := &fakeDB{items: map[string]map[string]types.AttributeValue{
		"o-1": {"orderId": ddb.S("o-1"), "status": ddb.S("FULFILLED"), "total": &types.AttributeValueMemberN{Value: "118.80"}, "updatedAt": ddb.S("2026-11-29T10:00:03Z")},
		"o 2": {"orderId": ddb.S("o 2"), "status": ddb.S("FAILED"), "reason": ddb.S("OutOfStock: KB-101")},
	}}
	tests := []struct {
		name   string
		db     *fakeDB
		req    events.APIGatewayV2HTTPRequest
		status int
		body   string
	}{
		{"found", db, request("GET", "/orders/o-1", map[string]string{"id": "o-1"}), 200,
			`{"orderId":"o-1","status":"FULFILLED","reason":null,"total":118.80,"updatedAt":"2026-11-29T10:00:03Z"}`},
		{"catch-all route, escaped id", db, request("GET", "/orders/o%202", nil), 200,
			`{"orderId":"o 2","status":"FAILED","reason":"OutOfStock: KB-101","total":null,"updatedAt":null}`},
		{"named stage", db, func() events.APIGatewayV2HTTPRequest {
			r := request("GET", "/prod/orders/o-1", nil)
			r.RequestContext.Stage = "prod"
			return r
		}(), 200, `{"orderId":"o-1","status":"FULFILLED","reason":null,"total":118.80,"updatedAt":"2026-11-29T10:00:03Z"}`},
		{"not found", db, request("GET", "/orders/o-9", map[string]string{"id": "o-9"}), 404, `{"message":"order o-9 not found"}`},
		{"no id", db, request("GET", "/orders/", nil), 404, `{"message":"not found: use GET /orders/{id}"}`},
		{"wrong method", db, request("DELETE", "/orders/o-1", nil), 405, `{"message":"use GET /orders/{id}"}`},
		{"dynamodb down", &fakeDB{err: &smithy.GenericAPIError{Code: "InternalServerError"}}, request("GET", "/orders/o-1", nil), 503,
			`{"message":"could not read order o-1; try again"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &handler{db: tc.db, table: "orders", log: slog.New(slog.DiscardHandler)}
			resp, err := h.handle(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || resp.Body != tc.body {
				t.Errorf("got %d %s\nwant %d %s", resp.StatusCode, resp.Body, tc.status, tc.body)
			}
			if resp.Headers["Content-Type"] != "application/json" {
				t.Errorf("Content-Type = %q", resp.Headers["Content-Type"])
			}
		})
	}
}
