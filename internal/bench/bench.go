// Package bench measures the in-memory engine on the shared benchmark
// workloads: transitions per second, latency per execution, allocations per
// transition and peak memory, in the modes peers are compared in.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// Workload is one benchmark: a definition, its input and the output every
// correct engine produces.
type Workload struct {
	Name        string
	Machine     *asl.StateMachine
	Input       jsonv.Value
	Expected    jsonv.Value
	Transitions int // state transitions per execution
}

// Load reads the workloads in dir: NAME.asl.json, NAME.input.json,
// NAME.expected.json, and meta.json with each workload's transition count.
func Load(dir string) ([]*Workload, error) {
	metaText, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, fmt.Errorf("load workloads: %w (is %s the bench-workloads folder?)", err, dir)
	}
	var meta map[string]struct {
		Transitions int `json:"transitions"`
	}
	if err := json.Unmarshal(metaText, &meta); err != nil {
		return nil, fmt.Errorf("load workloads: meta.json: %w", err)
	}
	names := make([]string, 0, len(meta))
	for n := range meta {
		names = append(names, n)
	}
	order := []string{"linear10", "choice100", "map1000", "parallel10", "three"}
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 || ib < 0 {
			return strings.Compare(a, b)
		}
		return ia - ib
	})
	var out []*Workload
	for _, n := range names {
		w := &Workload{Name: n, Transitions: meta[n].Transitions}
		// The workloads' "module:" resources are not AWS ARNs, so the
		// definitions are compiled without AWS's resource validation.
		def, err := readJSON(filepath.Join(dir, n+".asl.json"))
		if err != nil {
			return nil, fmt.Errorf("load workload %s: %w", n, err)
		}
		if w.Machine, err = asl.Compile(def); err != nil {
			return nil, fmt.Errorf("load workload %s: %w", n, err)
		}
		if w.Input, err = readJSON(filepath.Join(dir, n+".input.json")); err != nil {
			return nil, fmt.Errorf("load workload %s: %w", n, err)
		}
		if w.Expected, err = readJSON(filepath.Join(dir, n+".expected.json")); err != nil {
			return nil, fmt.Errorf("load workload %s: %w", n, err)
		}
		out = append(out, w)
	}
	return out, nil
}

func readJSON(path string) (jsonv.Value, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return jsonv.Parse(b)
}

// Handlers returns the in-process task handlers the workloads use:
// module:inc maps {"i": n} to {"i": n+1}; module:echo returns its input.
func Handlers() map[string]local.Handler {
	return map[string]local.Handler{
		"module:echo": func(_ context.Context, p jsonv.Value) (jsonv.Value, error) { return p, nil },
		"module:inc": func(_ context.Context, p jsonv.Value) (jsonv.Value, error) {
			o, _ := p.(*jsonv.Object)
			v, _ := o.Get("i")
			n, ok := v.(jsonv.Number)
			i, isInt := n.Int64()
			if !ok || !isInt {
				return nil, &local.TaskError{Name: "IncError", Cause: "input has no integer field i"}
			}
			out := jsonv.NewObject(1)
			out.Set("i", jsonv.Int(i+1))
			return out, nil
		},
	}
}

// Result is one workload's figures.
type Result struct {
	Workload            string  `json:"workload"`
	Mode                string  `json:"mode"` // "seq" or "conc"
	Executions          int     `json:"executions"`
	TransitionsPerSec   float64 `json:"transitions_per_sec"`
	ExecutionsPerSec    float64 `json:"executions_per_sec"`
	P50Micros           float64 `json:"p50_us"`
	P99Micros           float64 `json:"p99_us"`
	AllocsPerTransition float64 `json:"allocs_per_transition"`
	BytesPerTransition  float64 `json:"bytes_per_transition"`
	PeakRSSMiB          float64 `json:"peak_rss_mib"`
}

// Options control a run.
type Options struct {
	Duration    time.Duration // per workload and mode; default 3 s
	Concurrency int           // executions in flight in conc mode; default 32
	Progress    func(msg string)
}

// Run measures every workload in seq mode, and "three" also in conc mode.
// It first checks each workload's output against the expected one.
func Run(ctx context.Context, ws []*Workload, opts Options) ([]Result, error) {
	if opts.Duration <= 0 {
		opts.Duration = 3 * time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 32
	}
	r := &local.Runner{Handlers: Handlers()}
	var results []Result
	for _, w := range ws {
		if err := check(ctx, r, w); err != nil {
			return nil, err
		}
		resetPeakRSS()
		if opts.Progress != nil {
			opts.Progress(fmt.Sprintf("%s: seq for %s", w.Name, opts.Duration))
		}
		res, err := measure(w, "seq", 1, opts.Duration, inMemory(ctx, r, w))
		if err != nil {
			return nil, err
		}
		results = append(results, res)
		if w.Name == "three" {
			if opts.Progress != nil {
				opts.Progress(fmt.Sprintf("%s: %d in flight for %s", w.Name, opts.Concurrency, opts.Duration))
			}
			res, err := measure(w, "conc", opts.Concurrency, opts.Duration, inMemory(ctx, r, w))
			if err != nil {
				return nil, err
			}
			results = append(results, res)
		}
	}
	return results, nil
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func info(i int) engine.Info {
	name := "bench-" + strconv.Itoa(i)
	return engine.Info{
		ExecutionArn:     "arn:aws:states:us-east-1:111111111111:execution:bench:" + name,
		Name:             name,
		StateMachineArn:  "arn:aws:states:us-east-1:111111111111:stateMachine:bench",
		StateMachineName: "bench", Region: "us-east-1", Account: "111111111111",
		Seed: uint64(i),
	}
}

func check(ctx context.Context, r *local.Runner, w *Workload) error {
	ex, err := r.Run(ctx, w.Machine, info(0), w.Input, epoch)
	if err != nil {
		return fmt.Errorf("workload %s: %w", w.Name, err)
	}
	if ex.Status() != engine.Succeeded {
		name, cause := ex.Error()
		return fmt.Errorf("workload %s: execution %s: %s: %s", w.Name, ex.Status(), name, cause)
	}
	if !jsonv.Equal(ex.Output(), w.Expected) {
		return fmt.Errorf("workload %s: wrong output %s", w.Name, jsonv.Marshal(ex.Output()))
	}
	return nil
}

// inMemory returns a function that runs one execution of w on the
// in-memory engine.
func inMemory(ctx context.Context, r *local.Runner, w *Workload) func(g, i int) error {
	return func(g, i int) error {
		ex, err := r.Run(ctx, w.Machine, info(g*1_000_000+i), w.Input, epoch)
		if err == nil && ex.Status() != engine.Succeeded {
			err = errors.New("workload " + w.Name + ": execution did not succeed")
		}
		return err
	}
}

// measure runs one execution after another in each of inFlight goroutines
// for d and summarizes their latencies and allocations.
func measure(w *Workload, mode string, inFlight int, d time.Duration, run func(g, i int) error) (Result, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	for g := range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; time.Since(start) < d; i++ {
				t0 := time.Now()
				if err := run(g, i); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if firstErr != nil {
		return Result{}, firstErr
	}
	return summarize(w, mode, len(lat), elapsed, lat, &before, &after), nil
}

func summarize(w *Workload, mode string, n int, elapsed time.Duration, lat []time.Duration, before, after *runtime.MemStats) Result {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Nanoseconds()) / 1e3
	}
	trans := float64(n * w.Transitions)
	return Result{
		Workload: w.Name, Mode: mode, Executions: n,
		TransitionsPerSec:   trans / elapsed.Seconds(),
		ExecutionsPerSec:    float64(n) / elapsed.Seconds(),
		P50Micros:           pct(0.50),
		P99Micros:           pct(0.99),
		AllocsPerTransition: float64(after.Mallocs-before.Mallocs) / trans,
		BytesPerTransition:  float64(after.TotalAlloc-before.TotalAlloc) / trans,
		PeakRSSMiB:          peakRSS(),
	}
}

// resetPeakRSS restarts the kernel's peak RSS count (Linux), so each
// workload reports its own peak.
func resetPeakRSS() {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS reads the process's peak resident set size (VmHWM) in MiB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
