package etl

import (
	"encoding/json"
	"testing"
)

const date = "2026-11-29"

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, row string
		want      Row
		err       string
	}{
		{name: "csv strings", row: `{"orderId":"o-1","sku":" KB-101 ","qty":"2","price":"49.9","ts":"2026-11-29T10:00:00Z"}`,
			want: Row{OrderID: "o-1", SKU: "KB-101", Qty: 2, Price: 49_90}},
		{name: "typed json", row: `{"orderId":"o-2","sku":"MS-200","qty":3,"price":19,"ts":"2026-11-29T23:30:00-00:15"}`,
			want: Row{OrderID: "o-2", SKU: "MS-200", Qty: 3, Price: 19_00}},
		{name: "free", row: `{"orderId":"o-3","sku":"GIFT","qty":1,"price":0,"ts":"2026-11-29T00:00:00+00:00"}`,
			want: Row{OrderID: "o-3", SKU: "GIFT", Qty: 1}},
		{name: "everything wrong", row: `{"sku":"","qty":"1.5","price":-1,"ts":"29/11/2026"}`,
			err: `orderId is missing; sku is missing; qty "1.5" is not a whole number from 1 to 1000000; price -1 is not an amount from 0 to 1000000.00 with at most two decimals; ts "29/11/2026" is not an RFC 3339 time such as 2026-11-29T10:00:00Z`},
		{name: "local time on the next day, UTC on the date", row: `{"orderId":"o","sku":"a","qty":1,"price":1,"ts":"2026-11-30T00:30:00+01:00"}`,
			want: Row{OrderID: "o", SKU: "a", Qty: 1, Price: 1_00}},
		{name: "other day in UTC", row: `{"orderId":"o","sku":"a","qty":1,"price":1,"ts":"2026-11-29T23:30:00-01:00"}`,
			err: "ts 2026-11-29T23:30:00-01:00 is on 2026-11-30 (UTC), not 2026-11-29"},
		{name: "wrong types", row: `{"orderId":7,"sku":["a"],"qty":true,"price":"abc","ts":1700000000}`,
			err: "orderId is missing; sku is missing; qty true is not a whole number from 1 to 1000000; price \"abc\" is not an amount from 0 to 1000000.00 with at most two decimals; ts 1700000000 is not an RFC 3339 time such as 2026-11-29T10:00:00Z"},
		{name: "not an object", row: `[1]`, err: "the row is not a JSON object"},
		{name: "null", row: `null`, err: "the row is not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(json.RawMessage(tc.row), date)
			if tc.err != "" || (tc.want == Row{}) {
				if err == nil {
					t.Fatalf("accepted %+v", got)
				}
				if tc.err != "" && err.Error() != tc.err {
					t.Errorf("error:\n got %s\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.TS = got.TS.UTC()
			tc.want.TS = got.TS
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestResult(t *testing.T) {
	t.Parallel()
	a := NewResult()
	a.Add(json.RawMessage(`{"orderId":"o-1","sku":"KB-101","qty":"2","price":"49.90","ts":"2026-11-29T10:00:00Z"}`), date)
	a.Add(json.RawMessage(`{"orderId":"o-2","sku":"KB-101","qty":1,"price":49.90,"ts":"2026-11-29T11:00:00Z"}`), date)
	a.Add(json.RawMessage(`{"orderId":"o-3","sku":"KB-101","qty":0,"price":49.90,"ts":"2026-11-29T11:00:00Z"}`), date)
	b := NewResult()
	b.Add(json.RawMessage(`{"orderId":"o-4","sku":"MS-200","qty":1,"price":19,"ts":"2026-11-29T12:00:00Z"}`), date)
	b.Reject(nil, "batch failed")
	a.Merge(b)
	got, _ := json.Marshal(a)
	want := `{"rowsIn":4,"rowsOk":3,"rejected":[{"row":{"orderId":"o-3","sku":"KB-101","qty":0,"price":49.90,"ts":"2026-11-29T11:00:00Z"},"reason":"qty 0 is not a whole number from 1 to 1000000"},{"row":null,"reason":"batch failed"}],"totals":{"KB-101":{"qty":3,"revenue":149.70},"MS-200":{"qty":1,"revenue":19.00}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if a.Revenue() != 168_70 {
		t.Errorf("revenue %s", a.Revenue())
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"orderId":"o-1","sku":"KB-101","qty":"2","price":"49.90","ts":"2026-11-29T10:00:00Z"}`)
	f.Add(`{"orderId":"o","sku":"a","qty":1e9,"price":1e-3,"ts":"2026-11-29T10:00:00.123456789+14:00"}`)
	f.Add(`{"qty":"","price":"."}`)
	f.Fuzz(func(t *testing.T, row string) {
		r, err := Parse(json.RawMessage(row), date)
		if err != nil {
			return
		}
		if r.OrderID == "" || r.SKU == "" || r.Qty < 1 || r.Qty > MaxQty || r.Price < 0 || r.Price > MaxPrice || r.TS.Format(DateLayout) != date {
			t.Fatalf("accepted %+v", r)
		}
	})
}
