package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// The shared benchmark workloads, copied into testdata/bench so the tests
// need nothing outside the module.
var workloadNames = []string{"linear10", "choice100", "map1000", "parallel10", "three"}

// workload is one benchmark workload.
type workload struct {
	name     string
	sm       *asl.StateMachine
	input    jsonv.Value
	expected jsonv.Value
}

// loadWorkload reads testdata/bench/NAME.*. The workloads' "module:"
// resources are not AWS ARNs, so they are compiled without validation.
func loadWorkload(tb testing.TB, name string) *workload {
	tb.Helper()
	read := func(suffix string) jsonv.Value {
		b, err := os.ReadFile(filepath.Join("testdata", "bench", name+suffix))
		if err != nil {
			tb.Fatal(err)
		}
		v, err := jsonv.Parse(b)
		if err != nil {
			tb.Fatalf("%s%s: %v", name, suffix, err)
		}
		return v
	}
	sm, err := asl.Compile(read(".asl.json"))
	if err != nil {
		tb.Fatalf("compile %s: %v", name, err)
	}
	return &workload{name: name, sm: sm, input: read(".input.json"), expected: read(".expected.json")}
}

// workloadHandlers binds the workloads' resources: inc maps {"i": n} to
// {"i": n+1}; echo returns its input. Both fail cleanly on other input.
func workloadHandlers() map[string]local.Handler {
	return map[string]local.Handler{
		"module:echo": echo,
		"module:inc": func(_ context.Context, p jsonv.Value) (jsonv.Value, error) {
			o, _ := p.(*jsonv.Object)
			if o == nil {
				return nil, &local.TaskError{Name: "Inc.BadInput", Cause: "input is not an object"}
			}
			v, _ := o.Get("i")
			n, ok := v.(jsonv.Number)
			i, isInt := n.Int64()
			if !ok || !isInt {
				return nil, &local.TaskError{Name: "Inc.BadInput", Cause: "i is not an integer"}
			}
			out := jsonv.NewObject(1)
			out.Set("i", jsonv.Int(i+1))
			return out, nil
		},
	}
}

// TestWorkloads checks that every benchmark workload produces its expected
// output.
func TestWorkloads(t *testing.T) {
	t.Parallel()
	for _, name := range workloadNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := loadWorkload(t, name)
			r := local.Runner{Handlers: workloadHandlers()}
			ex, err := r.Run(context.Background(), w.sm, testInfo(), w.input, t0)
			if err != nil {
				t.Fatal(err)
			}
			if ex.Status() != engine.Succeeded {
				name, cause := ex.Error()
				t.Fatalf("status %s: %s: %s", ex.Status(), name, cause)
			}
			if !jsonv.Equal(ex.Output(), w.expected) {
				t.Errorf("output = %s\nwant     %s", jsonv.Marshal(ex.Output()), jsonv.Marshal(w.expected))
			}
		})
	}
}
