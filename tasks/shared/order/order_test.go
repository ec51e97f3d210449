package order

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Money
		ok   bool
	}{
		{"49", 49_00, true}, {"49.9", 49_90, true}, {"49.90", 49_90, true}, {"0", 0, true}, {"007.05", 7_05, true},
		{"99999999999.99", 99999999999_99, true},
		{"", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"1.999", 0, false}, {"1.", 0, false}, {".5", 0, false},
		{"1e3", 0, false}, {" 1", 0, false}, {"1,5", 0, false}, {"100000000000", 0, false}, {"abc", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseMoney(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestMoneyEncodings(t *testing.T) {
	t.Parallel()
	for _, m := range []Money{0, 5, 49_90, 1000_00} {
		b, _ := json.Marshal(m)
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Errorf("JSON %s → %v, %v", b, back, err)
		}
		av, _ := attributevalue.Marshal(m)
		if err := attributevalue.Unmarshal(av, &back); err != nil || back != m {
			t.Errorf("DynamoDB %v → %v, %v", av, back, err)
		}
	}
	if got := Money(-1_50).String(); got != "-1.50" {
		t.Errorf("String() = %q", got)
	}
	var m Money
	if err := json.Unmarshal([]byte(`"12.5"`), &m); err != nil || m != 12_50 {
		t.Errorf("from a string: %v, %v", m, err)
	}
	if err := json.Unmarshal([]byte(`true`), &m); err == nil {
		t.Error("accepted true")
	}
	if err := attributevalue.Unmarshal(&types.AttributeValueMemberS{Value: "1"}, &m); err == nil {
		t.Error("accepted a string attribute")
	}
}

func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	o, err := DecodeEvent([]byte(`{"order":{"orderId":"o-1","customer":{"email":"a@b.co"},"items":[{"sku":"A","qty":2,"name":"A","price":1.5}],"total":3}}`))
	want := Order{OrderID: "o-1", Customer: Customer{Email: "a@b.co"}, Items: []Line{{SKU: "A", Qty: 2, Name: "A", Price: 1_50}}, Total: 3_00}
	if err != nil || !reflect.DeepEqual(o, want) {
		t.Errorf("got %+v, %v", o, err)
	}
	if q := o.Quantities(); !reflect.DeepEqual(q, []Quantity{{SKU: "A", Qty: 2}}) {
		t.Errorf("Quantities() = %v", q)
	}
	for _, bad := range []string{`{}`, `{"order":{"orderId":"o"}}`, `{"order":{"orderId":"o","items":[{"sku":"","qty":1}]}}`, `{"order":{"orderId":"o","items":[{"sku":"a","qty":1001}]}}`, `{"order":{"total":"x"}}`} {
		if _, err := DecodeEvent([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"49.90", "0", "1.5", "-1", "1e3", "99999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		if m < 0 || m > maxMoney {
			t.Fatalf("ParseMoney(%q) = %d", s, m)
		}
		if back, err := ParseMoney(m.String()); err != nil || back != m {
			t.Fatalf("%q → %s → %v, %v", s, m, back, err)
		}
	})
}
