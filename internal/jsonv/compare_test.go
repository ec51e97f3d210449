package jsonv

import "testing"

func TestCompareUTF16(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"a", "b", -1}, {"b", "a", 1}, {"a", "a", 0}, {"a", "ab", -1}, {"", "", 0},
		{"\U0001F600", "\uFFFD", -1}, // a surrogate pair sorts before U+E000..U+FFFF in UTF-16
		{"\uE000", "\U00010000", 1},
	}
	for _, tt := range tests {
		if got := CompareStrings(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareStrings(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNumberCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b Number
		want int
	}{
		{"1", "2", -1}, {"2", "1", 1}, {"1", "1.0", 0}, {"9007199254740993", "9007199254740992", 1},
		{"-0.5", "0", -1}, {"1e2", "100", 0}, {"2.5", "2.25", 1},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
