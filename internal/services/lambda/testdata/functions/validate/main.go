// Command validate is a test function: it validates an order event and
// returns it with its total, or fails with an error of type InvalidOrder
// (the errorType aws-lambda-go reports is the error's type name).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

// Order is the event.
type Order struct {
	OrderID  string `json:"orderId"`
	Customer *struct {
		Email string `json:"email"`
	} `json:"customer"`
	Items []struct {
		SKU   string      `json:"sku"`
		Qty   json.Number `json:"qty"`
		Price json.Number `json:"price"`
	} `json:"items"`
}

// InvalidOrder lists what is wrong with an order.
type InvalidOrder struct{ Problems []string }

func (e *InvalidOrder) Error() string { return "invalid order: " + strings.Join(e.Problems, "; ") }

func handle(_ context.Context, o Order) (map[string]any, error) {
	bad := &InvalidOrder{}
	if strings.TrimSpace(o.OrderID) == "" {
		bad.Problems = append(bad.Problems, "orderId is required")
	}
	if o.Customer == nil || !strings.Contains(o.Customer.Email, "@") {
		bad.Problems = append(bad.Problems, "customer is required")
	}
	if len(o.Items) == 0 {
		bad.Problems = append(bad.Problems, "items must hold at least one item")
	}
	var cents int64
	for i, it := range o.Items {
		qty, err := strconv.Atoi(it.Qty.String())
		price, perr := strconv.ParseFloat(it.Price.String(), 64)
		if err != nil || perr != nil || qty < 1 {
			bad.Problems = append(bad.Problems, fmt.Sprintf("items[%d] is not valid", i))
			continue
		}
		cents += int64(qty) * int64(price*100+0.5)
	}
	if len(bad.Problems) > 0 {
		return nil, bad
	}
	return map[string]any{
		"orderId": strings.TrimSpace(o.OrderID),
		"email":   strings.ToLower(strings.TrimSpace(o.Customer.Email)),
		"total":   json.Number(fmt.Sprintf("%d.%02d", cents/100, cents%100)),
	}, nil
}

func main() { lambda.Start(handle) }
