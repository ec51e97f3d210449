package sqlite

import (
	"errors"
	"math"
	"testing"

	"github.com/stepflow/stepflow/internal/store"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    cursor
		kind byte
	}{
		{"zero", cursor{}, kindExecutions},
		{"date and arn", cursor{key: 1741064767891011121, arn: "arn:aws:states:us-east-1:1:execution:m:e|x"}, kindExecutions},
		{"negative", cursor{key: math.MinInt64, arn: "a"}, kindStateMachines},
		{"version", cursor{key: 12}, kindVersions},
		{"unicode arn", cursor{key: 1, arn: "arn:é:\x00"}, kindAliases},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.c.encode(tc.kind)
			got, err := decodeCursor(s, tc.kind, ascending)
			if err != nil || got != tc.c {
				t.Errorf("decodeCursor(encode(%+v)) = %+v, %v", tc.c, got, err)
			}
			if _, err := decodeCursor(s, tc.kind+1, ascending); !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("cursor of kind %c accepted as kind %c: %v", tc.kind, tc.kind+1, err)
			}
		})
	}
}

func TestDecodeCursorInvalid(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"=", "x", "ZQ", "ZXw", "ZXx4fGE", "ZXwxMg", "ZXwxMnw=", "ZXw5OTk5OTk5OTk5OTk5OTk5OTk5OTl8YQ"} {
		if c, err := decodeCursor(s, kindExecutions, ascending); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("decodeCursor(%q) = %+v, %v; want ErrInvalidCursor", s, c, err)
		}
	}
	if c, err := decodeCursor("", kindExecutions, descending); err != nil || c != descending {
		t.Errorf(`decodeCursor("") = %+v, %v; want the start cursor`, c, err)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(cursor{key: 5, arn: "arn:x"}.encode(kindExecutions))
	f.Add(cursor{key: -1}.encode(kindVersions))
	f.Add("")
	f.Add("ZXwxMg")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range []byte{kindStateMachines, kindVersions, kindAliases, kindActivities, kindExecutions} {
			c, err := decodeCursor(s, kind, ascending)
			if err != nil {
				if !errors.Is(err, store.ErrInvalidCursor) {
					t.Fatalf("decodeCursor(%q) = %v, not ErrInvalidCursor", s, err)
				}
				continue
			}
			if s == "" {
				continue
			}
			// A valid cursor is one encode makes: decoding its encoding
			// gives it back.
			back, err := decodeCursor(c.encode(kind), kind, ascending)
			if err != nil || back != c {
				t.Fatalf("round trip of %+v: %+v, %v", c, back, err)
			}
		}
	})
}
