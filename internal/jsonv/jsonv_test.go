package jsonv

import "testing"

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"b":1,"a":[1.0,-2.5e3,"x\"y\n\u0001é<&>"],"c":{"z":null,"y":true,"x":false}}`,
		`[]`, `{}`, `"\u2028"`, `0`, `-0.0`,
	} {
		v, err := ParseString(in)
		if err != nil {
			t.Fatalf("Parse(%s): %v", in, err)
		}
		out := Marshal(v)
		v2, err := ParseString(out)
		if err != nil || !Equal(v, v2) {
			t.Errorf("round trip of %s gave %s", in, out)
		}
		if Size(v) != len(out) {
			t.Errorf("Size(%s) = %d, want %d", in, Size(v), len(out))
		}
	}
	if got := Marshal(MustParse(`{"b":1,"a":2,"b":3}`)); got != `{"b":3,"a":2}` {
		t.Errorf("duplicate keys: got %s", got)
	}
}

func TestParseErrorsInJacksonWords(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, msg, loc string }{
		{`{'not': 'json'`, `Unexpected character (''' (code 39)): was expecting double-quote to start field name`, ""},
		{`not some json`, `Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`, ""},
		{`not a definition`, `Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`, `[Source: (String)"not a definition"; line: 1, column: 4]`},
		{`{"a" 1}`, `Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value`, ""},
		{`[1 2]`, `Unexpected character ('2' (code 50)): was expecting comma to separate Array entries`, ""},
		{`{} x`, `Unexpected character ('x' (code 120)): expected end of input`, ""},
	}
	for _, tt := range tests {
		_, err := ParseString(tt.in)
		se, ok := err.(*SyntaxError)
		if !ok {
			t.Fatalf("Parse(%s) = %v, want *SyntaxError", tt.in, err)
		}
		if se.Msg != tt.msg {
			t.Errorf("Parse(%s) message\n got %s\nwant %s", tt.in, se.Msg, tt.msg)
		}
		if tt.loc != "" && se.Location() != tt.loc {
			t.Errorf("Parse(%s) location %s, want %s", tt.in, se.Location(), tt.loc)
		}
	}
}

func TestFloatLikeJava(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{1: "1.0", 0.1: "0.1", 2.5: "2.5", 1e10: "1.0E10", 1.5e-5: "1.5E-5", -3: "-3.0"} {
		if got := Float(f); string(got) != want {
			t.Errorf("Float(%v) = %s, want %s", f, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `-1.5e+3`, `[`, `{"a"`, `tru`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseString(s)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		out := Marshal(v)
		v2, err := ParseString(out)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if !Equal(v, v2) || Marshal(v2) != out {
			t.Fatalf("round trip changed %q -> %q", s, out)
		}
	})
}
