package bench

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDurableThree runs workload "three" durably (32 in flight) for
// 3 s once, for profiling the durable path:
//
//	go test -run='^$' -bench=DurableThree -benchtime=1x -cpuprofile=cpu.out ./internal/bench
func BenchmarkDurableThree(b *testing.B) {
	var three []*Workload
	for _, w := range workloads(b) {
		if w.Name == "three" {
			three = append(three, w)
		}
	}
	for b.Loop() {
		cpu0 := cpuTime()
		res, err := RunDurable(b.Context(), three, DurableOptions{Duration: 3 * time.Second, Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, r := range res {
			b.Logf("%s: %.0f executions/s", r.Mode, r.ExecutionsPerSec)
			n += r.Executions
		}
		// CPU time is steadier than wall time on a shared machine.
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/execution")
	}
}

// BenchmarkWaiting measures the memory of STEPFLOW_WAITING (default
// 100,000) executions waiting on task tokens and the time a new runner
// takes to recover them:
//
//	go test -run='^$' -bench=Waiting -benchtime=1x ./internal/bench
func BenchmarkWaiting(b *testing.B) {
	n := 100000
	if s := os.Getenv("STEPFLOW_WAITING"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		res, err := RunWaiting(b.Context(), n, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d waiting: started in %v; RSS %.0f MiB (heap %.0f MiB); recovery %v; RSS after %.0f MiB (heap %.0f MiB)",
			res.Executions, res.StartTime.Round(time.Millisecond), res.RSSMiB, res.HeapMiB,
			res.Recovery.Round(time.Millisecond), res.RecRSSMiB, res.RecHeapMiB)
	}
}

func TestRunWaiting(t *testing.T) {
	t.Parallel()
	res, err := RunWaiting(t.Context(), 50, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Executions != 50 || res.Recovery <= 0 {
		t.Fatalf("result %+v", res)
	}
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
