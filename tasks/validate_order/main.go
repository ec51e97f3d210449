// Command validate_order is the first Lambda of the order workflow: it
// checks an order as a client sent it and prices it from the catalogue.
//
// Input (the body of POST /orders):
//
//	{"orderId": "o-1001", "customer": {"email": "Ann@Example.com", "name": "Ann"},
//	 "items": [{"sku": "KB-101", "qty": 2}, {"sku": "MS-200", "qty": 1}]}
//
// Output (the order every later state works on; see package order):
//
//	{"orderId": "o-1001", "customer": {"email": "ann@example.com", "name": "Ann"},
//	 "items": [{"sku": "KB-101", "qty": 2, "name": "Keyboard", "price": 49.90},
//	           {"sku": "MS-200", "qty": 1, "name": "Mouse", "price": 19.00}],
//	 "total": 118.80}
//
// Lines of the same SKU are merged; the e-mail address is lower-cased.
// Prices and names come from INVENTORY_TABLE (one BatchGetItem).
//
// Errors:
//   - InvalidOrder: no orderId (or one that is not 1-64 letters, digits,
//     '-' or '_'), no customer e-mail, no items or more than 25 lines, a
//     qty that is not a whole number from 1 to 1000, an unknown SKU. The
//     message lists every problem.
//   - TransientError: DynamoDB throttled or failed; retry.
//   - ServiceError: the table is missing, or holds a bad price.
//
// Environment: INVENTORY_TABLE.
package main

import (
	"context"
	"encoding/json"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/stepflow/stepflow/tasks/shared/awsenv"
	"github.com/stepflow/stepflow/tasks/shared/order"
)

// request is the order as a client sends it. Quantities stay raw JSON so
// that 1.5 or "two" are reported, not rounded or refused wholesale.
type request struct {
	OrderID  string `json:"orderId"`
	Customer *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"customer"`
	Items []struct {
		SKU string          `json:"sku"`
		Qty json.RawMessage `json:"qty"`
	} `json:"items"`
}

// handler validates orders against a catalogue.
type handler struct {
	catalogue catalogue
}

// handle is the Lambda handler.
func (h *handler) handle(ctx context.Context, raw json.RawMessage) (order.Order, error) {
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return order.Order{}, &order.InvalidOrder{Problems: []string{"the order is not a JSON object of the expected shape: " + err.Error()}}
	}
	o, bad := check(req)
	if len(bad.Problems) > 0 {
		return order.Order{}, bad
	}
	skus := make([]string, len(o.Items))
	for i, l := range o.Items {
		skus[i] = l.SKU
	}
	products, err := h.catalogue.Lookup(ctx, skus)
	if err != nil {
		return order.Order{}, err
	}
	for i := range o.Items {
		l := &o.Items[i]
		p, ok := products[l.SKU]
		if !ok {
			bad.Addf("unknown sku %q", l.SKU)
			continue
		}
		l.Name, l.Price = p.Name, p.Price
		o.Total += p.Price.Times(l.Qty)
	}
	if len(bad.Problems) > 0 {
		return order.Order{}, bad
	}
	return o, nil
}

// check validates the shape of a request and normalizes it (trimmed
// fields, lower-cased e-mail, merged lines); it reports every problem.
func check(req request) (order.Order, *order.InvalidOrder) {
	bad := &order.InvalidOrder{}
	o := order.Order{OrderID: strings.TrimSpace(req.OrderID)}
	if o.OrderID == "" {
		bad.Addf("orderId is required")
	} else if !validID(o.OrderID) {
		bad.Addf("orderId %q must be 1 to 64 letters, digits, '-' or '_'", o.OrderID)
	}
	if req.Customer != nil {
		o.Customer.Email = strings.ToLower(strings.TrimSpace(req.Customer.Email))
		o.Customer.Name = strings.TrimSpace(req.Customer.Name)
	}
	if !validEmail(o.Customer.Email) {
		bad.Addf("customer.email is required and must be an e-mail address")
	}
	switch {
	case len(req.Items) == 0:
		bad.Addf("items must list at least one line")
	case len(req.Items) > order.MaxLines:
		bad.Addf("items has %d lines; an order has at most %d", len(req.Items), order.MaxLines)
	}
	index := map[string]int{} // sku → position in o.Items
	for i, it := range req.Items {
		sku := strings.TrimSpace(it.SKU)
		if sku == "" {
			bad.Addf("items[%d].sku is required", i)
		}
		qty, ok := quantity(it.Qty)
		if !ok {
			bad.Addf("items[%d].qty must be a whole number from 1 to %d, not %s", i, order.MaxQty, orNothing(it.Qty))
			continue
		}
		if j, ok := index[sku]; ok {
			o.Items[j].Qty += qty
			if o.Items[j].Qty > order.MaxQty {
				bad.Addf("sku %q is ordered %d times in all; at most %d", sku, o.Items[j].Qty, order.MaxQty)
			}
			continue
		}
		index[sku] = len(o.Items)
		o.Items = append(o.Items, order.Line{SKU: sku, Qty: qty})
	}
	return o, bad
}

// quantity reads a qty: a JSON number, or a string holding one (as forms
// send), that is a whole number from 1 to MaxQty.
func quantity(raw json.RawMessage) (int, bool) {
	s := string(raw)
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= order.MaxQty
}

func orNothing(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	return string(raw)
}

// validID reports whether id can name an order (and its execution).
func validID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validEmail is a deliberately simple check: something@domain.tld, no
// spaces.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	dot := strings.LastIndexByte(domain, '.')
	return ok && local != "" && !strings.ContainsAny(s, " \t\r\n<>,;") && !strings.Contains(domain, "@") &&
		dot > 0 && dot < len(domain)-1
}

func main() {
	env, err := awsenv.Require("INVENTORY_TABLE")
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{catalogue: &dynamoCatalogue{
		db: dynamodb.NewFromConfig(cfg), table: env["INVENTORY_TABLE"], delay: 50 * time.Millisecond,
	}}
	lambda.Start(h.handle)
}
