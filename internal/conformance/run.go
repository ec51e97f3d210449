package conformance

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Filter selects cases. Empty fields select everything.
type Filter struct {
	Kinds      []string // only cases of these kinds
	Features   []string // only cases carrying at least one of these features
	IDContains string   // only cases whose ID contains this text
}

// Match reports whether c passes the filter.
func (f Filter) Match(c *Case) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, c.Kind) {
		return false
	}
	if len(f.Features) > 0 && !slices.ContainsFunc(f.Features, c.HasFeature) {
		return false
	}
	return strings.Contains(c.ID, f.IDContains)
}

// Options configure Run.
type Options struct {
	Filter Filter
	// Parallelism is how many cases run at once; 0 means GOMAXPROCS.
	Parallelism int
	// CaseTimeout bounds one case; 0 means DefaultCaseTimeout.
	CaseTimeout time.Duration
}

// DefaultCaseTimeout bounds one case when Options.CaseTimeout is zero.
const DefaultCaseTimeout = 2 * time.Minute

// Result is the outcome of one case.
type Result struct {
	Case    *Case
	Passed  bool
	Skipped bool   // the executor does not support the case (ErrUnsupported)
	Reason  string // why it was skipped, or the executor's error
	Diff    string // one line: the first difference, for failures
	// Actual is the executor's response, un-normalized (nil on error).
	Actual   jsonv.Value
	Duration time.Duration
}

// Failed reports whether the case neither passed nor was skipped.
func (r Result) Failed() bool { return !r.Passed && !r.Skipped }

// Run runs the cases the filter selects through ex and compares each
// result with its expectation. Results come in the order of cases. A
// panicking executor fails the case instead of the run. When ctx is
// cancelled, cases not yet started are reported as failed with ctx's error.
func Run(ctx context.Context, cases []*Case, ex Executor, opts Options) []Result {
	var selected []*Case
	for _, c := range cases {
		if opts.Filter.Match(c) {
			selected = append(selected, c)
		}
	}
	par := opts.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	timeout := opts.CaseTimeout
	if timeout <= 0 {
		timeout = DefaultCaseTimeout
	}
	results := make([]Result, len(selected))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(par, len(selected)) {
		wg.Go(func() {
			for i := range next {
				results[i] = runOne(ctx, selected[i], ex, timeout)
			}
		})
	}
	for i := range selected {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func runOne(ctx context.Context, c *Case, ex Executor, timeout time.Duration) (res Result) {
	res.Case = c
	if err := ctx.Err(); err != nil {
		res.Reason = err.Error()
		res.Diff = "not run: " + err.Error()
		return res
	}
	start := time.Now()
	defer func() {
		res.Duration = time.Since(start)
		if p := recover(); p != nil {
			res.Passed, res.Skipped = false, false
			res.Reason = fmt.Sprint("panic: ", p)
			res.Diff = oneLine("executor panicked: " + fmt.Sprint(p))
		}
	}()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	actual, err := ex.Run(cctx, c)
	res.Actual = actual
	switch {
	case errors.Is(err, ErrUnsupported):
		res.Skipped = true
		res.Reason = oneLine(err.Error())
	case err != nil:
		res.Reason = oneLine(err.Error())
		res.Diff = "executor error: " + res.Reason
	default:
		res.Diff, res.Passed = Compare(c, actual)
	}
	return res
}

// oneLine collapses s onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
