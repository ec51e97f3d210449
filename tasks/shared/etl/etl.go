// Package etl holds the batch ETL's row rules and results, shared by
// etl_transform (which checks and aggregates one batch of rows) and
// etl_summarise (which merges every batch's result).
//
// A row is an order event read from the day's input by the Distributed
// Map's ItemReader: from CSV every value is a string, from JSON Lines
// values are typed:
//
//	{"orderId": "o-1", "sku": "KB-101", "qty": "2", "price": "49.90", "ts": "2026-11-29T10:00:00Z"}
//	{"orderId": "o-1", "sku": "KB-101", "qty": 2, "price": 49.90, "ts": "2026-11-29T10:00:00Z"}
package etl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/tasks/shared/order"
)

// Bounds of a row's values.
const (
	MaxQty   = 1_000_000
	MaxPrice = order.Money(1_000_000_00)
)

// DateLayout is the form of a date partition: 2026-11-29.
const DateLayout = "2006-01-02"

// Row is a valid, normalised row.
type Row struct {
	OrderID string
	SKU     string
	Qty     int
	Price   order.Money
	TS      time.Time // UTC
}

// Rejected is a row that was not loaded, as it was read, and why.
type Rejected struct {
	Row    json.RawMessage `json:"row"`
	Reason string          `json:"reason"`
}

// Total is what one SKU sold.
type Total struct {
	Qty     int64       `json:"qty"`
	Revenue order.Money `json:"revenue"`
}

// Result is the outcome of checking rows: etl_transform's output for one
// batch, and what etl_summarise merges. Every row read is either counted
// in RowsOK and Totals, or listed in Rejected.
type Result struct {
	RowsIn   int              `json:"rowsIn"`
	RowsOK   int              `json:"rowsOk"`
	Rejected []Rejected       `json:"rejected"`
	Totals   map[string]Total `json:"totals"`
}

// NewResult returns an empty Result (with non-nil lists, so it marshals
// as [] and {}).
func NewResult() Result {
	return Result{Rejected: []Rejected{}, Totals: map[string]Total{}}
}

// Add checks one row read for date and counts it.
func (r *Result) Add(raw json.RawMessage, date string) {
	r.RowsIn++
	row, err := Parse(raw, date)
	if err != nil {
		r.Reject(raw, err.Error())
		return
	}
	r.RowsOK++
	t := r.Totals[row.SKU]
	t.Qty += int64(row.Qty)
	t.Revenue += row.Price.Times(row.Qty)
	r.Totals[row.SKU] = t
}

// Reject lists a row that was read but not loaded.
func (r *Result) Reject(raw json.RawMessage, reason string) {
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	r.Rejected = append(r.Rejected, Rejected{Row: raw, Reason: reason})
}

// Merge adds other's counts to r.
func (r *Result) Merge(other Result) {
	r.RowsIn += other.RowsIn
	r.RowsOK += other.RowsOK
	r.Rejected = append(r.Rejected, other.Rejected...)
	for sku, o := range other.Totals {
		t := r.Totals[sku]
		t.Qty += o.Qty
		t.Revenue += o.Revenue
		r.Totals[sku] = t
	}
}

// Revenue is the sum of the totals' revenue.
func (r *Result) Revenue() order.Money {
	var sum order.Money
	for _, t := range r.Totals {
		sum += t.Revenue
	}
	return sum
}

// Parse checks a row read for date: a JSON object with a non-empty
// orderId and sku, a qty that is a whole number from 1 to MaxQty, a price
// from 0 to MaxPrice with at most two decimals, and a ts in RFC 3339 that
// falls on date in UTC. Numbers may be JSON numbers or strings (as CSV
// gives them); strings are trimmed. The error lists every problem.
func Parse(raw json.RawMessage, date string) (Row, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return Row{}, fmt.Errorf("the row is not a JSON object")
	}
	var row Row
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	row.OrderID, _ = text(fields["orderId"], false)
	if row.OrderID == "" {
		bad("orderId is missing")
	}
	row.SKU, _ = text(fields["sku"], false)
	if row.SKU == "" {
		bad("sku is missing")
	}
	q, _ := text(fields["qty"], true)
	if n, err := strconv.Atoi(q); err != nil || n < 1 || n > MaxQty {
		bad("qty %s is not a whole number from 1 to %d", show(fields["qty"]), MaxQty)
	} else {
		row.Qty = n
	}
	p, _ := text(fields["price"], true)
	if m, err := order.ParseMoney(p); err != nil || m > MaxPrice {
		bad("price %s is not an amount from 0 to %s with at most two decimals", show(fields["price"]), MaxPrice)
	} else {
		row.Price = m
	}
	ts, isString := text(fields["ts"], false)
	if t, err := time.Parse(time.RFC3339, ts); !isString || err != nil {
		bad("ts %s is not an RFC 3339 time such as %sT10:00:00Z", show(fields["ts"]), date)
	} else if day := t.UTC().Format(DateLayout); day != date {
		bad("ts %s is on %s (UTC), not %s", ts, day, date)
	} else {
		row.TS = t.UTC()
	}
	if len(problems) > 0 {
		return Row{}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return row, nil
}

// text is a field's value as trimmed text: a JSON string's content, or,
// when numbers is true, a JSON number's literal. ok is false for any
// other value.
func text(v json.RawMessage, numbers bool) (s string, ok bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	if v[0] == '"' {
		var str string
		if json.Unmarshal(v, &str) != nil {
			return "", false
		}
		return strings.TrimSpace(str), true
	}
	if numbers && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return string(v), true
	}
	return "", false
}

// show is a field's value for a message, or "(missing)".
func show(v json.RawMessage) string {
	if len(v) == 0 {
		return "(missing)"
	}
	if len(v) > 40 {
		return string(v[:40]) + "…"
	}
	return string(v)
}
