// Command get_order is the API Gateway HTTP API Lambda (payload format
// 2.0) behind GET /orders/{id}: it tells a client where its order is.
//
//	GET /orders/o-1001
//	200 {"orderId": "o-1001", "status": "FULFILLED", "reason": null,
//	     "total": 118.80, "updatedAt": "2026-11-29T10:00:03Z"}
//	404 {"message": "order o-1001 not found"}
//
// status is one of RECEIVED, RESERVED, AWAITING_APPROVAL, APPROVED,
// REJECTED, FULFILLED, FAILED (the state machine records them); reason
// says why an order was rejected or failed. Fields the order does not
// have yet are null. A DynamoDB failure is a 503 (try again).
//
// Environment: ORDERS_TABLE.
package main

import (
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/tasks/shared/awsenv"
	"github.com/stepflow/stepflow/tasks/shared/ddb"
	"github.com/stepflow/stepflow/tasks/shared/httpapi"
)

// Status is the 200 response.
type Status struct {
	OrderID   string       `json:"orderId"`
	Status    string       `json:"status"`
	Reason    *string      `json:"reason"`
	Total     *json.Number `json:"total"`
	UpdatedAt *string      `json:"updatedAt"`
}

// getter is the part of the DynamoDB client the function uses.
type getter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

type handler struct {
	db    getter
	table string
	log   *slog.Logger
}

func (h *handler) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	id, ok := orderID(req)
	if !ok {
		return httpapi.Message(http.StatusNotFound, "not found: use GET /orders/{id}"), nil
	}
	if m := httpapi.Method(req); m != http.MethodGet && m != http.MethodHead {
		return httpapi.Message(http.StatusMethodNotAllowed, "use GET /orders/{id}"), nil
	}
	out, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(h.table),
		Key:                      ddb.Key("orderId", id),
		ProjectionExpression:     aws.String("orderId, #status, reason, #total, updatedAt"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#total": "total"}, // reserved words
	})
	if err != nil {
		h.log.Error("read_order_failed", "order_id", id, "err", err)
		return httpapi.Message(http.StatusServiceUnavailable, "could not read order "+id+"; try again"), nil
	}
	if out.Item == nil {
		return httpapi.Message(http.StatusNotFound, "order "+id+" not found"), nil
	}
	st := Status{OrderID: id, Reason: str(out.Item["reason"]), UpdatedAt: str(out.Item["updatedAt"])}
	if s := str(out.Item["status"]); s != nil {
		st.Status = *s
	}
	if n, ok := out.Item["total"].(*types.AttributeValueMemberN); ok {
		st.Total = (*json.Number)(&n.Value)
	}
	return httpapi.JSON(http.StatusOK, st), nil
}

// orderID is the {id} of /orders/{id}: the route's path parameter, or
// the path's last segment when the route is a catch-all.
func orderID(req events.APIGatewayV2HTTPRequest) (string, bool) {
	if id := req.PathParameters["id"]; id != "" {
		return id, true
	}
	rest, ok := strings.CutPrefix(httpapi.Path(req), "/orders/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	return id, err == nil && id != ""
}

// str is a string attribute's value, or nil.
func str(av types.AttributeValue) *string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return &s.Value
	}
	return nil
}

func main() {
	env, err := awsenv.Require("ORDERS_TABLE")
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{db: dynamodb.NewFromConfig(cfg), table: env["ORDERS_TABLE"], log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	lambda.Start(h.handle)
}
