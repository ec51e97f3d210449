package attr

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

func TestNormalizeNumber(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, err string }{
		{in: "1.50", want: "1.5"},
		{in: "1E2", want: "100"},
		{in: "1e+2", want: "100"},
		{in: "-0", want: "0"},
		{in: "0.000", want: "0"},
		{in: "+5", want: "5"},
		{in: ".5", want: "0.5"},
		{in: "5.", want: "5"},
		{in: "-007.0100", want: "-7.01"},
		{in: "12345678901234567890123456789012345678", want: "12345678901234567890123456789012345678"},
		{in: "1234567890123456789012345678901234567800000", want: "1234567890123456789012345678901234567800000"},
		{in: "1E-130", want: "0." + strings.Repeat("0", 129) + "1"},
		{in: "9.9999999999999999999999999999999999999E+125", want: "99999999999999999999999999999999999999" + strings.Repeat("0", 88)},
		{in: "0E999999", want: "0"},
		{in: "123456789012345678901234567890123456789", err: "Attempting to store more than 38 significant digits in a Number"},
		{in: "1E126", err: "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{in: "-1e126", err: "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{in: "1E-131", err: "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{in: "", err: "A value provided cannot be converted into a number"},
		{in: "abc", err: "A value provided cannot be converted into a number"},
		{in: "1.2.3", err: "A value provided cannot be converted into a number"},
		{in: "1e", err: "A value provided cannot be converted into a number"},
		{in: " 1", err: "A value provided cannot be converted into a number"},
		{in: "NaN", err: "A value provided cannot be converted into a number"},
		{in: "0x10", err: "A value provided cannot be converted into a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeNumber(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("NormalizeNumber(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("NormalizeNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNumberArithmetic(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b, sum, diff string }{
		{"1", "2", "3", "-1"},
		{"0.1", "0.2", "0.3", "-0.1"},
		{"1.5", "-1.5", "0", "3"},
		{"99999999999999999", "1", "100000000000000000", "99999999999999998"},
		{"1E+100", "1E+100", "2" + strings.Repeat("0", 100), "0"},
		{"12345678901234567890", "0.5", "12345678901234567890.5", "12345678901234567889.5"},
	}
	for _, tt := range tests {
		if got, err := AddNumbers(tt.a, mustNorm(t, tt.b)); err != nil || got != tt.sum {
			t.Errorf("%s + %s = %s, %v; want %s", tt.a, tt.b, got, err, tt.sum)
		}
		if got, err := SubNumbers(tt.a, mustNorm(t, tt.b)); err != nil || got != tt.diff {
			t.Errorf("%s - %s = %s, %v; want %s", tt.a, tt.b, got, err, tt.diff)
		}
	}
	if _, err := AddNumbers("1"+strings.Repeat("0", 37), "0.1"); err == nil || err.Error() != errNumberPrecision.Msg {
		t.Errorf("39-digit sum: %v", err)
	}
}

func mustNorm(t *testing.T, s string) string {
	n, err := NormalizeNumber(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNumberKeyOrder: bytewise order of encodings is numeric order.
func TestNumberKeyOrder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	nums := []string{"0", "1", "-1", "10", "9.99", "-9.99", "0.001", "-0.001", "1E+125", "-1E+125", "1E-130", "-1E-130", "1.5", "1.55", "-1.5", "-1.55"}
	for i := 0; i < 500; i++ {
		digits := make([]byte, 1+r.IntN(20))
		for j := range digits {
			digits[j] = byte('0' + r.IntN(10))
		}
		s := string(digits) + "E" + itoa(r.IntN(60)-30)
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		nums = append(nums, s)
	}
	type entry struct {
		n   string
		key []byte
		rat *big.Rat
	}
	var es []entry
	for _, s := range nums {
		n, err := NormalizeNumber(s)
		if err != nil {
			t.Fatal(s, err)
		}
		rat, _ := new(big.Rat).SetString(n)
		es = append(es, entry{n, AppendNumberKey(nil, n), rat})
		if back, ok := DecodeNumberKey(AppendNumberKey(nil, n)); !ok || back != n {
			t.Errorf("DecodeNumberKey(%s) = %s, %v", n, back, ok)
		}
	}
	sort.Slice(es, func(i, j int) bool { return bytes.Compare(es[i].key, es[j].key) < 0 })
	for i := 1; i < len(es); i++ {
		if es[i-1].rat.Cmp(es[i].rat) > 0 {
			t.Errorf("key order puts %s before %s", es[i-1].n, es[i].n)
		}
		if c := CompareNumbers(es[i-1].n, es[i].n); c != es[i-1].rat.Cmp(es[i].rat) {
			t.Errorf("CompareNumbers(%s, %s) = %d", es[i-1].n, es[i].n, c)
		}
	}
}

func TestDecodeValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, err string }{
		{in: `{"S":"héllo\n\u00e9\ud83d\ude00"}`, want: `{"S":"héllo\né😀"}`},
		{in: `{"N":"1.50"}`, want: `{"N":"1.5"}`},
		{in: `{"B":"AQID"}`, want: `{"B":"AQID"}`},
		{in: `{"BOOL":false}`, want: `{"BOOL":false}`},
		{in: `{"NULL":true}`, want: `{"NULL":true}`},
		{in: `{"L":[{"S":"a"},{"N":"1"}]}`, want: `{"L":[{"S":"a"},{"N":"1"}]}`},
		{in: `{"M":{"b":{"S":"x"},"a":{"L":[]}}}`, want: `{"M":{"a":{"L":[]},"b":{"S":"x"}}}`},
		{in: `{"NS":["1","2.0"]}`, want: `{"NS":["1","2"]}`},
		{in: `{"SS":["a"],"X":1}`, want: `{"SS":["a"]}`},
		{in: `{"S":null,"N":"2"}`, want: `{"N":"2"}`},
		{in: `{}`, err: msgEmpty},
		{in: `{"S":"a","N":"1"}`, err: msgMultiple},
		{in: `{"NULL":false}`, err: msgNullFalse},
		{in: `{"SS":[]}`, err: msgEmptySS},
		{in: `{"NS":[]}`, err: msgEmptyNS},
		{in: `{"BS":[]}`, err: msgEmptyBS},
		{in: `{"SS":["a","a"]}`, err: "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{in: `{"NS":["1","1.0"]}`, err: "Input collection contains duplicates"},
		{in: `{"BS":["Yg==","Yg=="]}`, err: "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates."},
		{in: `{"N":"x"}`, err: "A value provided cannot be converted into a number"},
		{in: `{"S":5}`, err: "NUMBER_VALUE cannot be converted to String"},
		{in: `{"L":[{"M":{"a":{}}}]}`, err: msgEmpty},
		{in: strings.Repeat(`{"L":[`, 40) + `{"S":"x"}` + strings.Repeat(`]}`, 40), err: msgNesting},
	}
	for _, tt := range tests {
		v, err := DecodeValue([]byte(tt.in))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("DecodeValue(%s) = %v; want error %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("DecodeValue(%s): %v", tt.in, err)
			continue
		}
		if got := string(AppendJSON(nil, v)); got != tt.want {
			t.Errorf("DecodeValue(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	t.Parallel()
	it, err := DecodeItem([]byte(`{"a":{"S":"x"},"b":{"N":"-1.5"},"c":{"B":"AAEC"},"d":{"BOOL":true},"e":{"NULL":true},` +
		`"f":{"L":[{"SS":["p","q"]},{"NS":["1"]},{"BS":["AA=="]}]},"g":{"M":{"h":{"M":{}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeItemBinary(AppendItemBinary(nil, it))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := string(AppendItemJSON(nil, it)), string(AppendItemJSON(nil, back)); a != b {
		t.Errorf("round trip:\n%s\n%s", a, b)
	}
	for _, bad := range [][]byte{{5}, {1, 1, 9}, {1, 0, 200}, {1, 1, 'a', 6, 200, 200, 200}} {
		if _, err := DecodeItemBinary(bad); err == nil {
			t.Errorf("DecodeItemBinary(%v) accepted corrupt data", bad)
		}
	}
}

// TestItemSize follows AWS's documented sizes.
func TestItemSize(t *testing.T) {
	t.Parallel()
	it, err := DecodeItem([]byte(`{"name":{"S":"abc"},"n":{"N":"123.45"},"b":{"BOOL":true},"l":{"L":[{"S":"ab"},{"NULL":true}]},"m":{"M":{"k":{"S":"v"}}},"ss":{"SS":["a","bc"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	// name 4+3; n 1+(1+3); b 1+1; l 1+3+(1+2)+(1+1); m 1+3+(1+1+1); ss 2+3
	want := 7 + 5 + 2 + 9 + 7 + 5
	if got := it.Size(); got != want {
		t.Errorf("Size = %d, want %d", got, want)
	}
}

func FuzzNormalizeNumber(f *testing.F) {
	for _, s := range []string{"0", "1.50", "-1e-130", "9.9999999999999999999999999999999999999E+125", ".5", "1e", "--1", "1e99999999999999999999", "00.00100"} {
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		n, err := NormalizeNumber(s)
		if err != nil {
			var e *Error
			if !asError(err, &e) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		again, err := NormalizeNumber(n)
		if err != nil || again != n {
			t.Fatalf("NormalizeNumber(%q) = %q, which renormalizes to %q, %v", s, n, again, err)
		}
		if back, ok := DecodeNumberKey(AppendNumberKey(nil, n)); !ok || back != n {
			t.Fatalf("key round trip of %q = %q, %v", n, back, ok)
		}
		o, err := NormalizeNumber(other)
		if err != nil {
			return
		}
		rn, _ := new(big.Rat).SetString(n)
		ro, _ := new(big.Rat).SetString(o)
		want := rn.Cmp(ro)
		if got := CompareNumbers(n, o); got != want {
			t.Fatalf("CompareNumbers(%s, %s) = %d, want %d", n, o, got, want)
		}
		if got := bytes.Compare(AppendNumberKey(nil, n), AppendNumberKey(nil, o)); got != want {
			t.Fatalf("key order of %s and %s = %d, want %d", n, o, got, want)
		}
		if sum, err := AddNumbers(n, o); err == nil {
			rs, _ := new(big.Rat).SetString(sum)
			if rs.Cmp(new(big.Rat).Add(rn, ro)) != 0 {
				t.Fatalf("%s + %s = %s", n, o, sum)
			}
		}
	})
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

func FuzzDecodeValue(f *testing.F) {
	for _, s := range []string{`{"S":"a"}`, `{"N":"1"}`, `{"M":{"a":{"L":[{"NULL":true}]}}}`, `{"SS":["a","b"]}`, `{"B":"AQ=="}`, `{}`, `[`, `{"S":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeValue(data)
		if err != nil {
			var e *Error
			if !asError(err, &e) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		out := AppendJSON(nil, v)
		w, err := DecodeValue(out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if !Equal(v, w) {
			t.Fatalf("round trip changed %s", out)
		}
		it := Item{"x": v}
		back, err := DecodeItemBinary(AppendItemBinary(nil, it))
		if err != nil || !Equal(back["x"], v) {
			t.Fatalf("binary round trip of %s: %v", out, err)
		}
	})
}
