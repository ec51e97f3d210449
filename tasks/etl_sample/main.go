// Command etl_sample writes a deterministic sample of one day's order
// events for the batch ETL demo. It is not a Lambda: Terraform runs it and
// uploads what it writes.
//
//	go run ./tasks/etl_sample -date 2026-11-29 -out DIR
//
// writes DIR/orders.csv (150 rows, every value a string) and
// DIR/orders.jsonl (100 rows, typed values) for that date (upload them to
// s3://<bucket>/input/<date>/, where the batch ETL reads), each with a few
// malformed rows of every kind etl_transform rejects: a qty of zero, a
// fractional or non-numeric qty, a negative or non-numeric price, a
// missing sku or orderId, a timestamp that is not RFC 3339 or falls on
// another day (and, in JSON Lines, a qty of the wrong type). The same date
// always gives the same bytes.
//
// It prints what the ETL should make of them, as JSON:
//
//	{"date": "2026-11-29", "files": [{"name": "orders.csv", "rows": 150,
//	 "valid": 132, "malformed": 18}, …], "rowsIn": 250, "rowsLoaded": 212,
//	 "rowsRejected": 38, "revenue": 12345.60, "totals": {"apple": {"qty": 80, "revenue": 40.00}, …}}
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/stepflow/stepflow/tasks/shared/etl"
	"github.com/stepflow/stepflow/tasks/shared/order"
)

// Sizes of the sample.
const (
	csvRows   = 150
	jsonlRows = 100
	// perKind is how many rows of each malformation a file has.
	perKind = 2
)

// catalogue is what the sample sells: the reference app's catalogue
// (terraform/app/data.tf).
var catalogue = []struct {
	SKU   string
	Price order.Money
}{
	{"apple", 50}, {"bread", 2_20}, {"coffee", 18_00}, {"espresso", 649_00}, {"mug", 8_50},
}

// event is one row: orderId, sku, qty, price, ts. Values are strings in
// CSV, typed in JSON Lines; a malformation may change any of them.
type event struct {
	OrderID, SKU any
	Qty, Price   any
	TS           any
	dropOrderID  bool // leave orderId out (JSON Lines)
}

// malformation breaks a row in one way etl_transform rejects.
type malformation struct {
	name      string
	jsonlOnly bool
	apply     func(e *event, date time.Time)
}

var malformations = []malformation{
	{name: "qty zero", apply: func(e *event, _ time.Time) { e.Qty = 0 }},
	{name: "fractional qty", apply: func(e *event, _ time.Time) { e.Qty = json.Number("1.5") }},
	{name: "qty not a number", apply: func(e *event, _ time.Time) { e.Qty = "two" }},
	{name: "negative price", apply: func(e *event, _ time.Time) { e.Price = json.Number("-5.00") }},
	{name: "price not a number", apply: func(e *event, _ time.Time) { e.Price = "abc" }},
	{name: "missing sku", apply: func(e *event, _ time.Time) { e.SKU = "" }},
	{name: "missing orderId", apply: func(e *event, _ time.Time) { e.OrderID, e.dropOrderID = "", true }},
	{name: "timestamp not RFC 3339", apply: func(e *event, d time.Time) { e.TS = d.Add(10 * time.Hour).Format("02/01/2006 15:04") }},
	{name: "timestamp on another day", apply: func(e *event, d time.Time) { e.TS = d.Add(-time.Hour).Format(time.RFC3339) }},
	{name: "qty of the wrong type", jsonlOnly: true, apply: func(e *event, _ time.Time) { e.Qty = true }},
}

// FileSummary says what one file holds.
type FileSummary struct {
	Name      string `json:"name"`
	Rows      int    `json:"rows"`
	Valid     int    `json:"valid"`
	Malformed int    `json:"malformed"`
}

// Expectation is what the ETL should make of the sample.
type Expectation struct {
	Date         string               `json:"date"`
	Files        []FileSummary        `json:"files"`
	RowsIn       int                  `json:"rowsIn"`
	RowsLoaded   int                  `json:"rowsLoaded"`
	RowsRejected int                  `json:"rowsRejected"`
	Revenue      order.Money          `json:"revenue"`
	Totals       map[string]etl.Total `json:"totals"`
}

// generate makes n rows for the date; JSON Lines rows get the extra
// malformations. It returns the rows and how many are malformed, and adds
// the valid rows to exp.
func generate(rng *rand.Rand, date time.Time, prefix string, n int, jsonl bool, exp *Expectation) ([]event, int) {
	var kinds []malformation
	for _, m := range malformations {
		if jsonl || !m.jsonlOnly {
			for range perKind {
				kinds = append(kinds, m)
			}
		}
	}
	bad := map[int]malformation{} // row → malformation, at fixed random places
	for i, p := range rng.Perm(n)[:len(kinds)] {
		bad[p] = kinds[i]
	}
	rows := make([]event, n)
	for i := range rows {
		item := catalogue[rng.IntN(len(catalogue))]
		qty := 1 + rng.IntN(5)
		at := date.Add(time.Duration(rng.IntN(23*3600)) * time.Second)
		e := event{OrderID: fmt.Sprintf("%s-%04d", prefix, i+1), SKU: item.SKU, Qty: qty, Price: json.Number(item.Price.String()), TS: at.Format(time.RFC3339)}
		if jsonl && i%5 == 0 {
			e.TS = at.In(time.FixedZone("", 3600)).Format(time.RFC3339) // local time, same UTC day
		}
		if m, ok := bad[i]; ok {
			m.apply(&e, date)
		} else {
			t := exp.Totals[item.SKU]
			t.Qty += int64(qty)
			t.Revenue += item.Price.Times(qty)
			exp.Totals[item.SKU] = t
			exp.Revenue += item.Price.Times(qty)
		}
		rows[i] = e
	}
	return rows, len(kinds)
}

// writeCSV writes rows with a header, every value as text.
func writeCSV(rows []event) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"orderId", "sku", "qty", "price", "ts"})
	for _, e := range rows {
		_ = w.Write([]string{fmt.Sprint(e.OrderID), fmt.Sprint(e.SKU), fmt.Sprint(e.Qty), fmt.Sprint(e.Price), fmt.Sprint(e.TS)})
	}
	w.Flush()
	return buf.Bytes()
}

// writeJSONL writes one JSON object per row, keys in a fixed order.
func writeJSONL(rows []event) []byte {
	var buf bytes.Buffer
	for _, e := range rows {
		buf.WriteByte('{')
		if !e.dropOrderID {
			fmt.Fprintf(&buf, `"orderId":%s,`, mustJSON(e.OrderID))
		}
		fmt.Fprintf(&buf, `"sku":%s,"qty":%s,"price":%s,"ts":%s}`+"\n", mustJSON(e.SKU), mustJSON(e.Qty), mustJSON(e.Price), mustJSON(e.TS))
	}
	return buf.Bytes()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // our values always marshal
	}
	return b
}

// Generate writes the sample for date into dir and returns what the ETL
// should make of it.
func Generate(date, dir string) (Expectation, error) {
	day, err := time.Parse(etl.DateLayout, date)
	if err != nil {
		return Expectation{}, fmt.Errorf("date %q is not a date such as 2026-11-29", date)
	}
	h := fnv.New64a()
	h.Write([]byte(date))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	exp := Expectation{Date: date, Totals: map[string]etl.Total{}}
	compact := day.Format("20060102")
	csvEvents, csvBad := generate(rng, day, "o-"+compact+"-c", csvRows, false, &exp)
	jsonlEvents, jsonlBad := generate(rng, day, "o-"+compact+"-j", jsonlRows, true, &exp)
	files := []struct {
		name string
		body []byte
		rows int
		bad  int
	}{
		{"orders.csv", writeCSV(csvEvents), csvRows, csvBad},
		{"orders.jsonl", writeJSONL(jsonlEvents), jsonlRows, jsonlBad},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Expectation{}, err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.body, 0o644); err != nil {
			return Expectation{}, err
		}
		exp.Files = append(exp.Files, FileSummary{Name: f.name, Rows: f.rows, Valid: f.rows - f.bad, Malformed: f.bad})
		exp.RowsIn += f.rows
		exp.RowsRejected += f.bad
	}
	exp.RowsLoaded = exp.RowsIn - exp.RowsRejected
	return exp, nil
}

func main() {
	date := flag.String("date", "", "the date partition, e.g. 2026-11-29 (required)")
	out := flag.String("out", "", "the directory to write the files to (required)")
	flag.Parse()
	if *date == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	exp, err := Generate(*date, *out)
	if err == nil {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(exp)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "etl_sample:", err)
		os.Exit(1)
	}
}
