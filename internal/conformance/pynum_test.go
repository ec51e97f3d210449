package conformance

import (
	"math"
	"strconv"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func TestPyNumber(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"0", "0"}, {"-0", "0"}, {"42", "42"}, {"-7", "-7"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"1.0", "1.0"}, {"1.50", "1.5"}, {"-0.0", "-0.0"}, {"0.0", "0.0"},
		{"1E2", "100.0"}, {"1e5", "100000.0"}, {"1.0E10", "10000000000.0"},
		{"1e15", "1000000000000000.0"}, {"1e16", "1e+16"}, {"1.0E16", "1e+16"},
		{"1.2345678901234568E17", "1.2345678901234568e+17"},
		{"0.0001", "0.0001"}, {"0.00001", "1e-05"}, {"1.5E-5", "1.5e-05"},
		{"123.456", "123.456"}, {"0.1", "0.1"}, {"2.5e-300", "2.5e-300"},
		{"1e400", "Infinity"}, {"-1e400", "-Infinity"}, {"1e-400", "0.0"},
		{"9007199254740993.0", "9007199254740992.0"},
		{"not", "not"},
	}
	for _, tt := range tests {
		if got := pyNumber(jsonv.Number(tt.in)); string(got) != tt.want {
			t.Errorf("pyNumber(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzPyNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "1.5e-05", "1e+16", "123.0", "1E400", "-", "1e", "00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := pyNumber(jsonv.Number(s))
		if again := pyNumber(got); again != got {
			t.Fatalf("pyNumber not idempotent: %q -> %q -> %q", s, got, again)
		}
		if isIntLiteral(s) {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil && !math.IsInf(want, 0) {
			return
		}
		back, err := strconv.ParseFloat(string(got), 64)
		if math.IsInf(want, 0) {
			return
		}
		if err != nil || back != want && !(math.IsNaN(back) && math.IsNaN(want)) {
			t.Fatalf("pyNumber(%q) = %q does not round-trip", s, got)
		}
	})
}
