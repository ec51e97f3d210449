package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// WaitingResult is what RunWaiting measured.
type WaitingResult struct {
	Executions int           // executions left waiting on a task token
	StartTime  time.Duration // to start them all
	RSSMiB     float64       // resident set after starting them (after a GC)
	HeapMiB    float64       // live heap then
	Recovery   time.Duration // a new runner's Start on the reopened store
	RecRSSMiB  float64       // resident set after that recovery (after a GC)
	RecHeapMiB float64       // live heap then
}

// waitingDefinition is one callback task that waits for its token.
const waitingDefinition = `{"StartAt":"Wait","States":{"Wait":{"Type":"Task",` +
	`"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",` +
	`"Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/q","MessageBody":{"order.$":"$.order","token.$":"$$.Task.Token"}},` +
	`"End":true}}}`

// RunWaiting starts n STANDARD executions that each wait on a task token
// (fsync at commit, 32 starts in flight), measures the process's resident
// set, then stops the runner, reopens the store and measures how long a new
// runner takes to recover them all and serve again.
func RunWaiting(ctx context.Context, n int, dir string) (WaitingResult, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "stepflow-waiting-")
		if err != nil {
			return WaitingResult{}, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	path := filepath.Join(dir, "waiting.db")
	var delivered atomic.Int64
	handlers := map[string]runner.Handler{
		"arn:aws:states:::sqs:sendMessage": func(ctx context.Context, t runner.Task) (jsonv.Value, error) {
			delivered.Add(1)
			return nil, runner.ErrCallback
		},
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return WaitingResult{}, err
	}
	r, err := runner.New(runner.Config{Store: db, Handlers: handlers})
	if err != nil {
		db.Close()
		return WaitingResult{}, err
	}
	if err := r.Start(ctx); err != nil {
		db.Close()
		return WaitingResult{}, err
	}
	var res WaitingResult
	t0 := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				name := "wait-" + strconv.FormatInt(i, 10)
				_, err := r.StartExecution(ctx, runner.StartRequest{
					Arn:             "arn:aws:states:us-east-1:111111111111:execution:bench-waiting:" + name,
					Name:            name,
					StateMachineArn: "arn:aws:states:us-east-1:111111111111:stateMachine:bench-waiting",
					Definition:      waitingDefinition, Input: `{"order":{"id":"` + name + `","items":[1,2,3]}}`,
					RoleArn: "arn:aws:iam::111111111111:role/bench",
				})
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		r.Stop()
		db.Close()
		return res, firstErr
	}
	// Let the dispatched tasks reach their handlers (TaskStarted commits).
	for deadline := time.Now().Add(time.Minute); delivered.Load() < int64(n) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	res.Executions = n
	res.StartTime = time.Since(t0)
	res.RSSMiB, res.HeapMiB = memNow()
	if path := os.Getenv("STEPFLOW_WAITING_HEAPPROFILE"); path != "" {
		// The live heap of the waiting executions, for go tool pprof.
		if f, err := os.Create(path); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	r.Stop()
	if err := db.Close(); err != nil {
		return res, err
	}

	t1 := time.Now()
	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return res, err
	}
	defer db.Close()
	r, err = runner.New(runner.Config{Store: db, Handlers: handlers})
	if err != nil {
		return res, err
	}
	if err := r.Start(ctx); err != nil {
		return res, err
	}
	res.Recovery = time.Since(t1)
	defer r.Stop()
	res.RecRSSMiB, res.RecHeapMiB = memNow()
	running, err := db.Running(ctx)
	if err != nil {
		return res, err
	}
	if len(running) != n {
		return res, fmt.Errorf("waiting: %d executions running after recovery, want %d", len(running), n)
	}
	return res, nil
}

// memNow returns the resident set (VmRSS) and the live heap in MiB after a
// garbage collection.
func memNow() (rss, heap float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			rss = kb / 1024
		}
	}
	return rss, float64(ms.HeapAlloc) / (1 << 20)
}
