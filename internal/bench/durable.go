package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// DurableOptions control a durable run.
type DurableOptions struct {
	Duration    time.Duration // per workload and mode; default 3 s
	Concurrency int           // executions in flight in conc mode; default 32
	Dir         string        // folder for the database; default a temp folder
	NoSync      bool          // relax fsync at commit (not the measured default)
	Progress    func(msg string)
}

// lambdaArn is the resource the durable mode binds a workload's
// "module:NAME" handler to, since a state machine in the service must name
// real ARNs.
func lambdaArn(name string) string {
	return "arn:aws:lambda:us-east-1:111111111111:function:" + name
}

// durableDefinition rewrites "module:NAME" resources to Lambda ARNs.
func durableDefinition(w *Workload) string {
	return strings.ReplaceAll(jsonv.Marshal(w.Machine.Raw), `"module:`, `"`+lambdaArn(""))
}

// RunDurable runs the workloads as STANDARD executions through the runner
// and the SQLite store with fsync at every commit, as the server does:
// "three" in seq and conc modes, the others in seq mode.
func RunDurable(ctx context.Context, ws []*Workload, opts DurableOptions) ([]Result, error) {
	if opts.Duration <= 0 {
		opts.Duration = 3 * time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 32
	}
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "stepflow-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	sopts := sqlite.Options{}
	if opts.NoSync {
		sopts.Synchronous = "NORMAL"
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"), sopts)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	handlers := map[string]runner.Handler{}
	for name, h := range Handlers() {
		h := h
		handlers[lambdaArn(strings.TrimPrefix(name, "module:"))] = func(ctx context.Context, t runner.Task) (jsonv.Value, error) {
			return h(ctx, t.Parameters)
		}
	}
	r, err := runner.New(runner.Config{Store: db, Handlers: handlers})
	if err != nil {
		return nil, err
	}
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	defer r.Stop()
	var results []Result
	for _, w := range ws {
		def := durableDefinition(w)
		input := jsonv.Marshal(w.Input)
		modes := []int{1}
		if w.Name == "three" {
			modes = append(modes, opts.Concurrency)
		}
		for _, inFlight := range modes {
			mode := "durable-seq"
			if inFlight > 1 {
				mode = "durable-conc"
			}
			if opts.Progress != nil {
				opts.Progress(fmt.Sprintf("%s: %s, %d in flight for %s", w.Name, mode, inFlight, opts.Duration))
			}
			resetPeakRSS()
			res, err := measure(w, mode, inFlight, opts.Duration, func(g, i int) error {
				name := fmt.Sprintf("%s-%s-%d-%d", w.Name, mode, g, i)
				rec, err := r.StartExecution(ctx, runner.StartRequest{
					Arn:  "arn:aws:states:us-east-1:111111111111:execution:bench-" + w.Name + ":" + name,
					Name: name, StateMachineArn: "arn:aws:states:us-east-1:111111111111:stateMachine:bench-" + w.Name,
					Definition: def, Input: input, RoleArn: "arn:aws:iam::111111111111:role/bench",
				})
				if err == nil {
					rec, err = r.Wait(ctx, rec.Arn)
				}
				if err == nil && rec.Status != "SUCCEEDED" {
					err = errors.New("workload " + w.Name + ": execution " + rec.Status + ": " + rec.Error + ": " + rec.Cause)
				}
				return err
			})
			if err != nil {
				return nil, err
			}
			results = append(results, res)
		}
	}
	return results, nil
}
