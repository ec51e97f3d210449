// Command etl_summarise is the batch ETL's last Lambda: it merges the
// results every batch of the Distributed Map wrote to S3 and writes the
// day's summary and rejected rows.
//
// Input:
//
//	{"date": "2026-11-29", "bucket": "my-etl-bucket",
//	 "resultWriterDetails": {"Bucket": "my-etl-bucket", "Key": "results/<mapRunId>/manifest.json"}}
//
// resultWriterDetails is the ResultWriterDetails of the Map state's
// output, or a list of them when several Maps (e.g. one for CSV and one
// for JSON Lines) processed the day. Instead, "manifests" may list the
// manifests' keys in bucket: {"date", "bucket", "manifests": ["results/…/manifest.json", …]}.
//
// Output:
//
//	{"date": "2026-11-29", "rowsIn": 240, "rowsLoaded": 222, "rowsRejected": 18,
//	 "summaryKey": "summaries/2026-11-29/summary.json",
//	 "rejectedKey": "rejected/2026-11-29/rejected.jsonl"}
//
// Step Functions' ResultWriter writes a manifest.json ({"ResultFiles":
// {"SUCCEEDED": [{"Key", "Size"}], "FAILED": […], "PENDING": […]}}) next
// to result files that each hold the child executions, as a JSON array (or
// JSON Lines): {"Status", "Input", "Output", "Error", "Cause", …} with
// Input and Output as JSON text. A succeeded batch's Output is
// etl_transform's result (or a Lambda Invoke result holding it in
// "Payload"); a failed or pending batch's rows, taken from its Input, are
// all counted as rejected with the batch's error, so no row is lost
// silently.
//
// It writes (overwriting, so re-running a date gives the same objects)
// summaries/<date>/summary.json:
//
//	{"date", "rowsIn", "rowsLoaded", "rowsRejected", "batches", "batchesFailed",
//	 "revenue", "totals": {"<sku>": {"qty", "revenue"}}}
//
// and rejected/<date>/rejected.jsonl, one {"row", "reason"} per line.
// rowsIn = rowsLoaded + rowsRejected. (Should a failed batch's result
// entry lack its input, its rows cannot be counted: one line with "row":
// null says so.)
// Batches are merged in a fixed order, so the objects do not depend on
// which batch finished first.
//
// Errors: TransientError (S3 unavailable or throttled; retry),
// ServiceError (a missing object or bucket, a malformed manifest),
// InvalidInput.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stepflow/stepflow/tasks/shared/awsenv"
	"github.com/stepflow/stepflow/tasks/shared/etl"
	"github.com/stepflow/stepflow/tasks/shared/fault"
	"github.com/stepflow/stepflow/tasks/shared/order"
)

// Location is an S3 object.
type Location struct {
	Bucket string
	Key    string
}

// Locations is one Location or a list of them.
type Locations []Location

// UnmarshalJSON reads a Location object or an array of them.
func (l *Locations) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		var one Location
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = Locations{one}
		return nil
	}
	return json.Unmarshal(b, (*[]Location)(l))
}

// Event is the function's input.
type Event struct {
	Date                string    `json:"date"`
	Bucket              string    `json:"bucket"`
	ResultWriterDetails Locations `json:"resultWriterDetails"`
	Manifests           []string  `json:"manifests"`
}

// Output is the function's output.
type Output struct {
	Date         string `json:"date"`
	RowsIn       int    `json:"rowsIn"`
	RowsLoaded   int    `json:"rowsLoaded"`
	RowsRejected int    `json:"rowsRejected"`
	SummaryKey   string `json:"summaryKey"`
	RejectedKey  string `json:"rejectedKey"`
}

// Summary is the day's summary object.
type Summary struct {
	Date          string               `json:"date"`
	RowsIn        int                  `json:"rowsIn"`
	RowsLoaded    int                  `json:"rowsLoaded"`
	RowsRejected  int                  `json:"rowsRejected"`
	Batches       int                  `json:"batches"`
	BatchesFailed int                  `json:"batchesFailed"`
	Revenue       order.Money          `json:"revenue"`
	Totals        map[string]etl.Total `json:"totals"`
}

type handler struct {
	s3 objects
}

func (h *handler) handle(ctx context.Context, raw json.RawMessage) (Output, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Output{}, fault.Invalid(`the input must be {"date", "bucket", "resultWriterDetails": {"Bucket", "Key"}}: %v`, err)
	}
	if _, err := time.Parse(etl.DateLayout, ev.Date); err != nil {
		return Output{}, fault.Invalid("date %q is not a date such as 2026-11-29", ev.Date)
	}
	locs := ev.ResultWriterDetails
	for _, key := range ev.Manifests {
		locs = append(locs, Location{Bucket: ev.Bucket, Key: key})
	}
	if ev.Bucket == "" || len(locs) == 0 {
		return Output{}, fault.Invalid("bucket, and resultWriterDetails (the Map state's ResultWriterDetails) or manifests, are required")
	}
	res := etl.NewResult()
	var batches, failed int
	for _, loc := range locs {
		m, err := h.readMap(ctx, loc, ev.Date)
		if err != nil {
			return Output{}, err
		}
		res.Merge(m.result)
		batches += m.batches
		failed += m.failed
	}
	sum := Summary{
		Date: ev.Date, RowsIn: res.RowsIn, RowsLoaded: res.RowsOK, RowsRejected: res.RowsIn - res.RowsOK,
		Batches: batches, BatchesFailed: failed, Revenue: res.Revenue(), Totals: res.Totals,
	}
	out := Output{
		Date: ev.Date, RowsIn: sum.RowsIn, RowsLoaded: sum.RowsLoaded, RowsRejected: sum.RowsRejected,
		SummaryKey:  "summaries/" + ev.Date + "/summary.json",
		RejectedKey: "rejected/" + ev.Date + "/rejected.jsonl",
	}
	summary, _ := json.MarshalIndent(sum, "", "  ") // plain types: cannot fail
	var rejected bytes.Buffer
	enc := json.NewEncoder(&rejected)
	enc.SetEscapeHTML(false)
	for _, r := range res.Rejected {
		_ = enc.Encode(r) // plain types: cannot fail
	}
	if err := h.s3.put(ctx, ev.Bucket, out.SummaryKey, "application/json", append(summary, '\n')); err != nil {
		return Output{}, err
	}
	if err := h.s3.put(ctx, ev.Bucket, out.RejectedKey, "application/x-ndjson", rejected.Bytes()); err != nil {
		return Output{}, err
	}
	return out, nil
}

func main() {
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Path-style addressing (http://host/bucket/key) works with any
		// endpoint; AWS's own keeps the default.
		o.UsePathStyle = awsenv.CustomEndpoint("s3")
	})
	h := &handler{s3: &s3Objects{client: client}}
	lambda.Start(h.handle)
}
