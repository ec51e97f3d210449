package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The crash workload: state machines that wait, loop, call an activity
// (with a retry and a caught failure) and run Map and Parallel states. Each
// execution has at most one timer or activity task pending at any moment,
// so its history is a function of its definition and input alone: a
// crash-free run and a run killed at random moments must write the same
// events.

const workActivity = "e2e-work"

// waitLoop waits $.delay seconds per iteration until its counter reaches
// $.limit.
const waitLoop = `{
  "Comment": "wait and loop on a counter",
  "StartAt": "Init",
  "States": {
    "Init": {"Type": "Pass", "Parameters": {"i": 0, "limit.$": "$.limit", "delay.$": "$.delay"}, "Next": "Nap"},
    "Nap": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Inc"},
    "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "limit.$": "$.limit", "delay.$": "$.delay"}, "Next": "More"},
    "More": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.limit", "Next": "Nap"}], "Default": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

// callTasks calls the activity twice: the first call fails once and is
// retried, the second is rejected (and caught, then failed) when $.fail.
const callTasks = `{
  "StartAt": "First",
  "States": {
    "First": {
      "Type": "Task", "Resource": "ACTIVITY",
      "Parameters": {"step": "flaky", "run.$": "$$.Execution.Name", "n.$": "$.n", "attempt.$": "$$.State.RetryCount"},
      "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
      "ResultPath": "$.first", "Next": "Pause"
    },
    "Pause": {"Type": "Wait", "Seconds": 5, "Next": "Second"},
    "Second": {
      "Type": "Task", "Resource": "ACTIVITY",
      "Parameters": {"step": "check", "run.$": "$$.Execution.Name", "n.$": "$.n", "reject.$": "$.fail"},
      "Catch": [{"ErrorEquals": ["Custom.Rejected"], "ResultPath": "$.error", "Next": "Rejected"}],
      "ResultPath": "$.second", "End": true
    },
    "Rejected": {"Type": "Fail", "Error": "Rejected", "Cause": "the worker rejected the input"}
  }
}`

// mapItems runs a Wait and an activity task per item, one item at a time.
const mapItems = `{
  "StartAt": "Each",
  "States": {
    "Each": {
      "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
      "ItemSelector": {"v.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Rest",
        "States": {
          "Rest": {"Type": "Wait", "Seconds": 3, "Next": "Item"},
          "Item": {"Type": "Task", "Resource": "ACTIVITY", "Parameters": {"step": "item", "run.$": "$$.Execution.Name", "v.$": "$.v", "index.$": "$.index"}, "End": true}
        }
      },
      "ResultPath": "$.results", "Next": "Count"
    },
    "Count": {"Type": "Pass", "Parameters": {"count.$": "States.ArrayLength($.results)", "results.$": "$.results"}, "End": true}
  }
}`

// distributedItems runs the same per-item work as mapItems in a
// Distributed Map: each item is a child execution of its own, with its own
// history.
const distributedItems = `{
  "StartAt": "Each",
  "States": {
    "Each": {
      "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "Label": "Items",
      "ItemSelector": {"v.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Rest",
        "States": {
          "Rest": {"Type": "Wait", "Seconds": 3, "Next": "Item"},
          "Item": {"Type": "Task", "Resource": "ACTIVITY", "Parameters": {"step": "item", "v.$": "$.v", "index.$": "$.index"}, "End": true}
        }
      },
      "ResultPath": "$.results", "Next": "Count"
    },
    "Count": {"Type": "Pass", "Parameters": {"count.$": "States.ArrayLength($.results)", "results.$": "$.results"}, "End": true}
  }
}`

// parallelBranches runs a branch that waits and calls the activity beside
// one that loops and maps synchronously.
const parallelBranches = `{
  "StartAt": "Both",
  "States": {
    "Both": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Hold", "States": {
          "Hold": {"Type": "Wait", "Seconds": 4, "Next": "Call"},
          "Call": {"Type": "Task", "Resource": "ACTIVITY", "Parameters": {"step": "branch", "run.$": "$$.Execution.Name", "n.$": "$.n"}, "End": true}
        }},
        {"StartAt": "Zero", "States": {
          "Zero": {"Type": "Pass", "Parameters": {"i": 0, "items.$": "$.items"}, "Next": "Step"},
          "Step": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "items.$": "$.items"}, "Next": "Again"},
          "Again": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 3, "Next": "Step"}], "Default": "Square"},
          "Square": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "Sq", "States": {
            "Sq": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": true}
          }}, "End": true}
        }}
      ],
      "Next": "Done"
    },
    "Done": {"Type": "Pass", "End": true}
  }
}`

// waitSeconds is the Seconds of the fixed Wait states of the workload.
var waitSeconds = map[string]float64{"Pause": 5, "Rest": 3, "Hold": 4}

// machine is a state machine of the workload.
type machine struct {
	name       string
	definition string
}

// workloadMachines returns the workload's machines with the activity ARN
// filled in.
func workloadMachines() []machine {
	act := strconv.Quote(activityArn(workActivity))
	fill := func(def string) string {
		return strings.ReplaceAll(def, `"ACTIVITY"`, act)
	}
	return []machine{
		{"e2e-waitloop", waitLoop},
		{"e2e-tasks", fill(callTasks)},
		{"e2e-map", fill(mapItems)},
		{"e2e-dmap", fill(distributedItems)},
		{"e2e-parallel", fill(parallelBranches)},
	}
}

// run is one execution of the workload.
type run struct {
	machine string
	name    string
	input   string
}

func (r run) arn() string { return executionArn(r.machine, r.name) }

// workloadRuns returns n executions spread over the machines.
func workloadRuns(n int) []run {
	ms := workloadMachines()
	runs := make([]run, 0, n)
	for k := range n {
		m := ms[k%len(ms)]
		var input string
		switch m.name {
		case "e2e-waitloop":
			input = fmt.Sprintf(`{"limit": %d, "delay": %d}`, 3+k%3, 3+k%4)
		case "e2e-tasks":
			input = fmt.Sprintf(`{"n": %d, "fail": %t}`, k, k%8 == 1)
		case "e2e-map", "e2e-dmap":
			input = fmt.Sprintf(`{"items": [%d, "x%d", {"k": %d}, null]}`, k, k, k)
		default:
			input = fmt.Sprintf(`{"n": %d, "items": [1, 2, %d]}`, k, k)
		}
		runs = append(runs, run{machine: m.name, name: fmt.Sprintf("run-%02d", k), input: input})
	}
	return runs
}

// setupWorkload creates the activity and the machines.
func setupWorkload(t testing.TB, c *client) {
	t.Helper()
	c.must(t, "CreateActivity", obj{"name": workActivity}, nil)
	for _, m := range workloadMachines() {
		c.must(t, "CreateStateMachine", obj{"name": m.name, "definition": m.definition, "roleArn": roleArn}, nil)
	}
}

// workerName is the one worker name, so ActivityStarted events (which
// carry it) are the same in every run.
const workerName = "e2e-worker"

// answer is the worker's deterministic answer to an activity task input:
// the action (SendTaskSuccess or SendTaskFailure) and its request.
func answer(token, input string) (string, obj, error) {
	var in struct {
		Step    string          `json:"step"`
		N       json.Number     `json:"n"`
		Attempt int             `json:"attempt"`
		Reject  bool            `json:"reject"`
		V       json.RawMessage `json:"v"`
		Index   int             `json:"index"`
	}
	if err := json.Unmarshal([]byte(input), &in); err != nil {
		return "", nil, fmt.Errorf("activity input %q: %w", input, err)
	}
	fail := func(name, cause string) (string, obj, error) {
		return "SendTaskFailure", obj{"taskToken": token, "error": name, "cause": cause}, nil
	}
	succeed := func(output string) (string, obj, error) {
		return "SendTaskSuccess", obj{"taskToken": token, "output": output}, nil
	}
	switch in.Step {
	case "flaky":
		if in.Attempt == 0 {
			return fail("Flaky", "attempt "+strconv.Itoa(in.Attempt)+" of "+in.N.String())
		}
		return succeed(fmt.Sprintf(`{"n":%s,"attempt":%d}`, in.N, in.Attempt))
	case "check":
		if in.Reject {
			return fail("Custom.Rejected", "n="+in.N.String())
		}
		return succeed(`{"ok":true}`)
	case "item":
		return succeed(fmt.Sprintf(`{"index":%d,"value":%s}`, in.Index, in.V))
	case "branch":
		return succeed(fmt.Sprintf(`{"branch":%s}`, in.N))
	}
	return "", nil, fmt.Errorf("activity input %q: unknown step", input)
}

// workers polls the workload's activity with n goroutines and answers
// each task after holding it up to hold (so that some answers come after
// a restart), retrying through server restarts, until stop is called.
// Problems (a token refused on its first delivery, a malformed task) are
// reported with t.Errorf.
type workers struct {
	hold   time.Duration
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	received map[string]int // task inputs received, with how often
	answered int
	resent   int // answers sent again after a connection error, then accepted
	repeated int // answers refused as already given after a connection error
}

func startWorkers(t testing.TB, c *client, n int, hold time.Duration) *workers {
	ctx, cancel := context.WithCancel(context.Background())
	w := &workers{cancel: cancel, received: map[string]int{}, hold: hold}
	for range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.loop(ctx, t, c)
		}()
	}
	t.Cleanup(w.stop)
	return w
}

func (w *workers) loop(ctx context.Context, t testing.TB, c *client) {
	for ctx.Err() == nil {
		var task struct {
			TaskToken string `json:"taskToken"`
			Input     string `json:"input"`
		}
		_, err := c.retry(ctx, "GetActivityTask", obj{"activityArn": activityArn(workActivity), "workerName": workerName}, &task)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			t.Errorf("GetActivityTask: %v", err)
			return
		}
		if task.TaskToken == "" {
			continue // the long poll ended without a task
		}
		w.mu.Lock()
		w.received[task.Input]++
		w.mu.Unlock()
		action, req, err := answer(task.TaskToken, task.Input)
		if err != nil {
			t.Errorf("worker: %v", err)
			return
		}
		if w.hold > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(rand.N(w.hold)):
			}
		}
		retried, err := c.retry(ctx, action, req, nil)
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		switch {
		case err == nil:
			w.answered++
			if retried {
				w.resent++
			}
		case retried && codeOf(err) == "TaskTimedOut":
			// The first attempt committed before the server died.
			w.answered++
			w.repeated++
		default:
			t.Errorf("%s for the task with input %s (sent again after a connection error: %t): %v", action, task.Input, retried, err)
		}
		w.mu.Unlock()
	}
}

// got reports whether a worker received a task with this input.
func (w *workers) got(input string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.received[input] > 0
}

// stop ends the workers and waits for them. It is idempotent.
func (w *workers) stop() {
	w.cancel()
	w.wg.Wait()
}

// startRuns starts every run, retrying through restarts; a start repeated
// after a connection error must find the same execution (StartExecution is
// idempotent by name and input). It returns how many starts were repeated.
func startRuns(ctx context.Context, t testing.TB, c *client, runs []run, gap time.Duration) (repeated int) {
	for i, r := range runs {
		if i > 0 && gap > 0 {
			select {
			case <-ctx.Done():
				return repeated
			case <-time.After(gap):
			}
		}
		var out struct {
			ExecutionArn string `json:"executionArn"`
		}
		retried, err := c.retry(ctx, "StartExecution", obj{"stateMachineArn": stateMachineArn(r.machine), "name": r.name, "input": r.input}, &out)
		if retried {
			repeated++
		}
		if err != nil {
			t.Errorf("StartExecution %s (retried: %t): %v", r.name, retried, err)
			continue
		}
		if out.ExecutionArn != r.arn() {
			t.Errorf("StartExecution %s: executionArn %s, want %s", r.name, out.ExecutionArn, r.arn())
		}
	}
	return repeated
}

// waitDone waits until no execution of the workload is RUNNING. When ctx
// ends first, it returns those running at the last answer and the error.
func waitDone(ctx context.Context, c *client) ([]string, error) {
	var last []string
	for {
		running, err := runningRuns(ctx, c)
		if err != nil {
			return last, err
		}
		if len(running) == 0 {
			return nil, nil
		}
		last = running
		select {
		case <-ctx.Done():
			return running, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// runningRuns lists the workload's RUNNING executions ("machine:name").
func runningRuns(ctx context.Context, c *client) ([]string, error) {
	var running []string
	for _, m := range workloadMachines() {
		got, err := c.executions(ctx, stateMachineArn(m.name), "RUNNING")
		if err != nil {
			return nil, fmt.Errorf("ListExecutions: %w", err)
		}
		for name := range got {
			running = append(running, m.name+":"+name)
		}
	}
	sort.Strings(running)
	return running, nil
}
