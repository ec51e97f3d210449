// Command etl_transform is the batch ETL's item processor: the
// Distributed Map runs it on each batch of rows its ItemReader read from
// the day's CSV and JSON Lines input, and ItemBatcher groups.
//
// Input (from ItemBatcher, with BatchInput set by the Map state):
//
//	{"Items": [{"orderId": "o-1", "sku": "KB-101", "qty": "2", "price": "49.90",
//	            "ts": "2026-11-29T10:00:00Z"}, …],
//	 "BatchInput": {"date": "2026-11-29"}}
//
// Output:
//
//	{"rowsIn": 100, "rowsOk": 97,
//	 "rejected": [{"row": {…as read…}, "reason": "qty 0 is not a whole number from 1 to 1000000"}, …],
//	 "totals": {"KB-101": {"qty": 42, "revenue": 2095.80}, …}}
//
// Each row is checked and normalised by the rules of package etl (qty a
// whole number ≥ 1, price a decimal ≥ 0 with at most two decimals, sku and
// orderId non-empty, ts RFC 3339 on the date in UTC); a row that breaks
// them is listed in rejected with every reason, never dropped. The
// function calls no AWS service.
//
// Errors: InvalidInput when BatchInput.date is missing or not a date
// (the batch fails, and the Map's ToleratedFailurePercentage decides).
package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/stepflow/stepflow/tasks/shared/etl"
	"github.com/stepflow/stepflow/tasks/shared/fault"
)

// Event is a batch from ItemBatcher.
type Event struct {
	Items      []json.RawMessage `json:"Items"`
	BatchInput struct {
		Date string `json:"date"`
	} `json:"BatchInput"`
}

func handle(_ context.Context, raw json.RawMessage) (etl.Result, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return etl.Result{}, fault.Invalid(`the input must be a batch {"Items": [...], "BatchInput": {"date": "YYYY-MM-DD"}}: %v`, err)
	}
	date := ev.BatchInput.Date
	if _, err := time.Parse(etl.DateLayout, date); err != nil {
		return etl.Result{}, fault.Invalid(`BatchInput.date %q is not a date such as 2026-11-29: set "ItemBatcher": {"BatchInput": {"date.$": "$.date"}}`, date)
	}
	res := etl.NewResult()
	for _, row := range ev.Items {
		res.Add(row, date)
	}
	return res, nil
}

func main() {
	lambda.Start(handle)
}
