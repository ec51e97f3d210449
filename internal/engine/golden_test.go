package engine_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// update rewrites the golden history files:
//
//	go test ./internal/engine -run Golden -update
var update = flag.Bool("update", false, "rewrite testdata/golden/*.history.json")

// goldenHandlers serves the golden machines' tasks. lambda:invoke answers
// as Lambda does ({"Payload": …, "StatusCode": 200}); the function named
// "flaky" fails its first two calls, "broken" always fails.
func goldenHandlers() map[string]local.Handler {
	var flakyCalls atomic.Int32
	return map[string]local.Handler{
		resInvoke: func(_ context.Context, p jsonv.Value) (jsonv.Value, error) {
			o, _ := p.(*jsonv.Object)
			var fn, payload jsonv.Value
			if o != nil {
				fn, _ = o.Get("FunctionName")
				payload, _ = o.Get("Payload")
			}
			switch fn {
			case "flaky":
				if flakyCalls.Add(1) <= 2 {
					return nil, &local.TaskError{Name: "Lambda.ServiceException", Cause: "Rate exceeded"}
				}
			case "broken":
				return nil, &local.TaskError{Name: "Lambda.Unknown", Cause: "The function crashed"}
			}
			out := jsonv.NewObject(2)
			out.Set("Payload", payload)
			out.Set("StatusCode", jsonv.Int(200))
			return out, nil
		},
	}
}

// TestGolden runs each testdata/golden/NAME.asl.json on NAME.input.json from
// a fixed virtual clock and compares the history, as GetExecutionHistory
// returns it, with NAME.history.json byte for byte.
func TestGolden(t *testing.T) {
	t.Parallel()
	defs, err := filepath.Glob(filepath.Join("testdata", "golden", "*.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Fatal("no golden machines in testdata/golden")
	}
	for _, def := range defs {
		name := strings.TrimSuffix(filepath.Base(def), ".asl.json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base := strings.TrimSuffix(def, ".asl.json")
			defText, err := os.ReadFile(def)
			if err != nil {
				t.Fatal(err)
			}
			inputText, err := os.ReadFile(base + ".input.json")
			if err != nil {
				t.Fatal(err)
			}
			input := strings.TrimSpace(string(inputText))
			ex := run(t, string(defText), input, goldenHandlers())
			got := goldenHistory(ex)
			path := base + ".history.json"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("history differs from %s (run with -update to accept):\n%s", path, lineDiff(string(want), string(got)))
			}
		})
	}
}

// goldenHistory encodes the history as GetExecutionHistory's response, one
// event per line.
func goldenHistory(ex *engine.Execution) []byte {
	b := []byte("{\"events\":[\n")
	for i := range ex.History() {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = ex.History()[i].AppendJSON(b)
	}
	return append(b, "\n]}\n"...)
}

// lineDiff lists the lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + string(jsonv.Int(int64(i+1))) + ":\n- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}
