// Package order holds the order types the reference application's Lambdas
// pass to each other through the state machine, and exact money.
//
// validate_order turns what a client sent into an Order; the functions
// after it receive {"order": <Order>} (an Event):
//
//	{"orderId": "o-1001",
//	 "customer": {"email": "ann@example.com", "name": "Ann"},
//	 "items": [{"sku": "KB-101", "qty": 2, "name": "Keyboard", "price": 49.90}],
//	 "total": 99.80}
package order

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/tasks/shared/fault"
)

// Limits on an order.
const (
	// MaxLines is the most lines an order may have, so that reserving it
	// fits in one DynamoDB transaction with room to spare.
	MaxLines = 25
	// MaxQty is the most units of one line.
	MaxQty = 1000
)

// Customer is who placed the order.
type Customer struct {
	Email string `json:"email"`
	// Name is always present ("" when the client gave none), so that
	// states can use $.order.customer.name.
	Name string `json:"name"`
}

// Line is one line of a validated order, priced from the catalogue.
type Line struct {
	SKU   string `json:"sku"`
	Qty   int    `json:"qty"`
	Name  string `json:"name"`
	Price Money  `json:"price"`
}

// Order is a validated order: what validate_order returns.
type Order struct {
	OrderID  string   `json:"orderId"`
	Customer Customer `json:"customer"`
	Items    []Line   `json:"items"`
	Total    Money    `json:"total"`
}

// Quantity is a SKU and a number of units, as reservations store them.
type Quantity struct {
	SKU string `json:"sku" dynamodbav:"sku"`
	Qty int    `json:"qty" dynamodbav:"qty"`
}

// Quantities lists the order's lines as Quantities.
func (o Order) Quantities() []Quantity {
	q := make([]Quantity, len(o.Items))
	for i, l := range o.Items {
		q[i] = Quantity{SKU: l.SKU, Qty: l.Qty}
	}
	return q
}

// Reservation is an item of RESERVATIONS_TABLE: the units an order took
// out of stock.
type Reservation struct {
	OrderID    string     `dynamodbav:"orderId"`
	Items      []Quantity `dynamodbav:"items"`
	ReservedAt string     `dynamodbav:"reservedAt"`
}

// Event is the input of the functions that act on a validated order.
type Event struct {
	Order Order `json:"order"`
}

// DecodeEvent reads {"order": <Order>} and checks the fields every
// function relies on (an orderId and 1 to MaxLines lines, each with a SKU
// and a quantity from 1 to MaxQty). Returns a *fault.InvalidInput when the
// event is not such an object: the state machine passed the wrong thing.
func DecodeEvent(raw []byte) (Order, error) {
	var e Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&e); err != nil {
		return Order{}, fault.Invalid(`the input must be {"order": <the validated order>}: %v`, err)
	}
	o := e.Order
	switch {
	case o.OrderID == "":
		return Order{}, fault.Invalid(`the input must be {"order": <the validated order>}: order.orderId is missing`)
	case len(o.Items) == 0 || len(o.Items) > MaxLines:
		return Order{}, fault.Invalid("order %s has %d lines; an order has 1 to %d", o.OrderID, len(o.Items), MaxLines)
	}
	for i, l := range o.Items {
		if l.SKU == "" || l.Qty < 1 || l.Qty > MaxQty {
			return Order{}, fault.Invalid("order %s: items[%d] needs a sku and a qty from 1 to %d", o.OrderID, i, MaxQty)
		}
	}
	return o, nil
}

// InvalidOrder is an order that cannot be accepted. Step Functions sees it
// as the error "InvalidOrder"; its message lists every problem.
type InvalidOrder struct {
	// Problems lists each problem, in the order's order.
	Problems []string
}

// Error implements error.
func (e *InvalidOrder) Error() string {
	return "invalid order: " + strings.Join(e.Problems, "; ")
}

// Addf records a problem.
func (e *InvalidOrder) Addf(format string, args ...any) {
	e.Problems = append(e.Problems, fmt.Sprintf(format, args...))
}
