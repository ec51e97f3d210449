package teststate

import (
	"context"
	"errors"
	"testing"

	"github.com/stepflow/stepflow/internal/conformance"
)

// TestRecordedCases runs the AWS-recorded JSONPath TestState cases and
// compares the responses with what AWS answered.
func TestRecordedCases(t *testing.T) {
	t.Parallel()
	cases := conformance.LoadForTest(t)
	n := 0
	for _, c := range cases {
		if (c.Kind != conformance.KindTestState && c.Kind != conformance.KindTestStateError) || c.JSONata() {
			continue
		}
		n++
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			got, err := ConformanceFunc(context.Background(), c)
			if errors.Is(err, conformance.ErrUnsupported) {
				t.Skip(err)
			}
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if diff, ok := conformance.Compare(c, got); !ok {
				t.Errorf("differs from AWS: %s", diff)
			}
		})
	}
	if n == 0 {
		t.Skip("no JSONPath TestState cases")
	}
}
