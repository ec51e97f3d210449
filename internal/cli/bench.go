package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stepflow/stepflow/internal/app"
	"github.com/stepflow/stepflow/internal/bench"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	dir := fs.String("workloads", "../shared/bench-workloads", "folder holding the benchmark workloads")
	asJSON := fs.Bool("json", false, "print results as JSON")
	dur := fs.Duration("duration", 3*time.Second, "how long to run each workload and mode")
	inFlight := fs.Int("concurrency", 32, "executions in flight in conc mode")
	durable := fs.Bool("durable", false, "run the workloads as STANDARD executions through the runner and SQLite with fsync at commit")
	only := fs.String("only", "", "comma-separated workloads to run (default all)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ws, err := bench.Load(*dir)
	if err != nil {
		return err
	}
	if *only != "" {
		var keep []*bench.Workload
		for _, w := range ws {
			if strings.Contains(","+*only+",", ","+w.Name+",") {
				keep = append(keep, w)
			}
		}
		ws = keep
	}
	log := logger(stderr)
	progress := func(msg string) { log.Info("bench_progress", "step", msg) }
	var res []bench.Result
	if *durable {
		app.TuneRuntime() // measure the server's configuration
		res, err = bench.RunDurable(ctx, ws, bench.DurableOptions{Duration: *dur, Concurrency: *inFlight, Progress: progress})
	} else {
		res, err = bench.Run(ctx, ws, bench.Options{Duration: *dur, Concurrency: *inFlight, Progress: progress})
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tmode\texecutions\ttransitions/s\texecutions/s\tp50 µs\tp99 µs\tallocs/transition\tbytes/transition\tpeak RSS MiB\t")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%.0f\t%.1f\t\n",
			r.Workload, r.Mode, r.Executions, r.TransitionsPerSec, r.ExecutionsPerSec, r.P50Micros, r.P99Micros, r.AllocsPerTransition, r.BytesPerTransition, r.PeakRSSMiB)
	}
	return tw.Flush()
}
