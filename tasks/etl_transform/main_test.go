package main

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, want, errType string
	}{
		{
			name: "csv and json rows, good and bad",
			event: `{"Items":[
				{"orderId":"o-1","sku":"KB-101","qty":"2","price":"49.90","ts":"2026-11-29T10:00:00Z"},
				{"orderId":"o-2","sku":"KB-101","qty":1,"price":49.9,"ts":"2026-11-29T11:00:00+01:00"},
				{"orderId":"o-3","sku":"MS-200","qty":"0","price":"19.00","ts":"2026-11-29T12:00:00Z"},
				{"orderId":"o-4","sku":"","qty":"1","price":"x","ts":"2026-11-28T12:00:00Z"},
				"not a row"],
				"BatchInput":{"date":"2026-11-29"}}`,
			want: `{"rowsIn":5,"rowsOk":2,"rejected":[` +
				`{"row":{"orderId":"o-3","sku":"MS-200","qty":"0","price":"19.00","ts":"2026-11-29T12:00:00Z"},"reason":"qty \"0\" is not a whole number from 1 to 1000000"},` +
				`{"row":{"orderId":"o-4","sku":"","qty":"1","price":"x","ts":"2026-11-28T12:00:00Z"},"reason":"sku is missing; price \"x\" is not an amount from 0 to 1000000.00 with at most two decimals; ts 2026-11-28T12:00:00Z is on 2026-11-28 (UTC), not 2026-11-29"},` +
				`{"row":"not a row","reason":"the row is not a JSON object"}],` +
				`"totals":{"KB-101":{"qty":3,"revenue":149.70}}}`,
		},
		{name: "empty batch", event: `{"Items":[],"BatchInput":{"date":"2026-11-29"}}`, want: `{"rowsIn":0,"rowsOk":0,"rejected":[],"totals":{}}`},
		{name: "no date", event: `{"Items":[{}]}`, errType: "InvalidInput"},
		{name: "not a batch", event: `[1]`, errType: "InvalidInput"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := handle(context.Background(), json.RawMessage(tc.event))
			if tc.errType != "" {
				if err == nil || reflect.TypeOf(err).Elem().Name() != tc.errType {
					t.Fatalf("err = %v, want %s", err, tc.errType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}
