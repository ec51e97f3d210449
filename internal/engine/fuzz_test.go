package engine_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// fuzzMachines are small machines whose behaviour depends on their input
// in as many ways as possible: paths, intrinsics, choice rules, waits,
// timeouts, map and tolerance settings, variables.
var fuzzMachines = []string{
	// Data flow with paths that may be missing or of the wrong type.
	`{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.in","Parameters":{"a.$":"$.a","b.$":"$.b[0]","all.$":"$"},"ResultPath":"$.out.deep","OutputPath":"$.out","Next":"Q"},
	  "Q":{"Type":"Pass","Result":{"r":1},"ResultPath":"$.deep.deeper","End":true}}}`,
	// Intrinsics on input values.
	`{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{
	  "f.$":"States.Format('{} and {}', $.a, $.b)","j.$":"States.StringToJson($.s)","t.$":"States.JsonToString($.o)",
	  "p.$":"States.ArrayPartition($.list, $.n)","c.$":"States.ArrayContains($.list, $.a)","r.$":"States.ArrayRange($.n, 10, $.step)",
	  "g.$":"States.ArrayGetItem($.list, $.n)","l.$":"States.ArrayLength($.list)","u.$":"States.ArrayUnique($.list)",
	  "e.$":"States.Base64Encode($.s)","d.$":"States.Base64Decode($.s)","h.$":"States.Hash($.s, $.alg)",
	  "m.$":"States.MathAdd($.n, $.step)","x.$":"States.MathRandom($.n, $.step)","sp.$":"States.StringSplit($.s, $.sep)",
	  "mg.$":"States.JsonMerge($.o, $.o2, false)","id.$":"States.UUID()","arr.$":"States.Array($.a, $.b, $.o)"},"End":true}}}`,
	// Choice rules of every kind on input values.
	`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
	  {"Variable":"$.n","NumericGreaterThanPath":"$.m","Next":"A"},
	  {"And":[{"Variable":"$.s","IsString":true},{"Variable":"$.s","StringMatches":"a*b\\*c"}],"Next":"A"},
	  {"Or":[{"Variable":"$.t","TimestampLessThan":"2020-01-01T00:00:00Z"},{"Not":{"Variable":"$.b","IsBoolean":true}}],"Next":"B"},
	  {"Variable":"$.v","IsPresent":true,"Next":"B"}],"Default":"F"},
	  "A":{"Type":"Succeed"},"B":{"Type":"Pass","End":true},"F":{"Type":"Fail","ErrorPath":"$.err","CausePath":"$.cause"}}}`,
	// Waits from input.
	`{"StartAt":"W1","States":{"W1":{"Type":"Wait","SecondsPath":"$.secs","Next":"W2"},"W2":{"Type":"Wait","TimestampPath":"$.ts","End":true}}}`,
	// Tasks with dynamic timeouts, retries and catches.
	`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resInvoke + `","Parameters":{"FunctionName.$":"$.fn","Payload.$":"$"},
	  "TimeoutSecondsPath":"$.timeout","HeartbeatSecondsPath":"$.hb",
	  "Retry":[{"ErrorEquals":["Fuzz.Retry"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":1.5,"JitterStrategy":"FULL","MaxDelaySeconds":2}],
	  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Done"}],"Next":"Done"},"Done":{"Type":"Pass","End":true}}}`,
	// Inline Map with item selection and concurrency from input.
	`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrencyPath":"$.max",
	  "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","n.$":"$.n"},
	  "ItemProcessor":{"StartAt":"IC","States":{"IC":{"Type":"Choice","Choices":[{"Variable":"$.v","IsNumeric":true,"Next":"IT"}],"Default":"IP"},
	    "IT":{"Type":"Task","Resource":"` + resInvoke + `","Parameters":{"FunctionName":"item","Payload.$":"$.v"},"End":true},
	    "IP":{"Type":"Pass","End":true}}},
	  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"Next":"Done"},"Done":{"Type":"Succeed"}}}`,
	// Distributed Map with tolerance from input.
	`{"StartAt":"D","States":{"D":{"Type":"Map","ItemsPath":"$.items","ToleratedFailureCountPath":"$.count","ToleratedFailurePercentagePath":"$.pct",
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"DC","States":{
	    "DC":{"Type":"Choice","Choices":[{"Variable":"$","IsNumeric":true,"Next":"DF"}],"Default":"DP"},
	    "DF":{"Type":"Fail","Error":"Item"},"DP":{"Type":"Pass","End":true}}},"End":true}}}`,
	// Parallel with variables, failing branches and a catch.
	`{"StartAt":"S","States":{"S":{"Type":"Pass","Assign":{"x.$":"$.x","all.$":"$"},"Next":"Par"},
	  "Par":{"Type":"Parallel","Branches":[
	    {"StartAt":"B1","States":{"B1":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}},
	    {"StartAt":"B2","States":{"B2":{"Type":"Choice","Choices":[{"Variable":"$x","IsNull":true,"Next":"B2F"}],"Default":"B2P"},
	      "B2F":{"Type":"Fail","Error":"Null"},"B2P":{"Type":"Pass","Assign":{"y.$":"$all"},"End":true}}}],
	  "Catch":[{"ErrorEquals":["Null"],"Assign":{"caught.$":"$.Error"},"Next":"Done"}],"Next":"Done"},
	  "Done":{"Type":"Pass","End":true}}}`,
	// Loop bounded by input: the runner's step limit must end it if the
	// input never reaches the exit. (The Wait makes every turn an Apply; a
	// loop of Pass and Choice states alone never returns: see
	// TestEndlessLoopEnds.)
	`{"StartAt":"L","States":{"L":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThanPath":"$.limit","Next":"Inc"}],"Default":"Out"},
	  "Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)","limit.$":"$.limit"},"Next":"Tick"},
	  "Tick":{"Type":"Wait","Seconds":1,"Next":"L"},"Out":{"Type":"Succeed"}}}`,
	// Execution timeout racing a wait.
	`{"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.secs","End":true}}}`,
	// JSONata: expressions over input values and variables, Step Functions'
	// functions, a Choice on an expression and a Fail with computed fields.
	`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x":"{% $states.input.x %}","all":"{% $states.input %}"},
	  "Output":{"s":"{% $string($states.input.a) & '!' %}","n":"{% $sum($states.input.list) %}","p":"{% $partition($states.input.list, $states.input.n) %}",
	    "r":"{% $range($states.input.n, 10, $states.input.step) %}","h":"{% $hash($states.input.s, $states.input.alg) %}","j":"{% $parse($states.input.s) %}",
	    "m":"{% $merge([$states.input.o, $states.input.o2]) %}","f":"{% $states.input.list[$ > 1].($ * 2) %}"},"Next":"C"},
	  "C":{"Type":"Choice","Choices":[{"Condition":"{% $x = null %}","Next":"F"},{"Condition":"{% $exists($all.n) and $all.n > 3 %}","Output":"{% $all %}","Next":"W"}],"Default":"Done"},
	  "W":{"Type":"Wait","Seconds":"{% $states.input.secs %}","Next":"Done"},
	  "F":{"Type":"Fail","Error":"{% 'E.' & $string($states.input.err) %}","Cause":"{% $string($states.input) %}"},"Done":{"Type":"Succeed","Output":"{% $x %}"}}}`,
	// JSONata Task, Map and Parallel with expressions in their settings.
	`{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resInvoke + `","Arguments":{"FunctionName":"{% $states.input.fn %}","Payload":"{% $states.input %}"},
	  "TimeoutSeconds":"{% $states.input.timeout %}","Output":"{% $states.result.Payload %}",
	  "Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Assign":{"err":"{% $states.errorOutput.Error %}"},"Next":"Done"}],"Next":"M"},
	  "M":{"Type":"Map","Items":"{% $states.input.items %}","MaxConcurrency":"{% $states.input.max %}",
	    "ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value %}"},
	    "ItemProcessor":{"StartAt":"IP","States":{"IP":{"Type":"Pass","Output":"{% $states.input.v %}","End":true}}},
	    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"Next":"Par"},
	  "Par":{"Type":"Parallel","Arguments":"{% $states.input %}","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"inner":"{% $states.input %}"},"End":true}}}],
	    "Output":"{% $states.result[0] %}","Next":"Done"},
	  "Done":{"Type":"Pass","End":true}}}`,
}

// fuzzSeedInputs are inputs that reach the machines' interesting paths.
var fuzzSeedInputs = []string{
	`{}`, `[]`, `null`, `0`, `"s"`,
	`{"in":{"a":1,"b":[2]},"a":1}`,
	`{"a":"x","b":2,"s":"eyJrIjoxfQ==","o":{"k":1},"o2":{"k":2},"list":[1,2,2,3],"n":1,"step":2,"alg":"SHA-256","sep":","}`,
	`{"n":5,"m":3,"s":"axb*c","t":"2019-12-31T23:59:59Z","b":true,"v":null,"err":"E","cause":{"c":1}}`,
	`{"secs":3,"ts":"2024-05-06T07:09:00Z"}`, `{"secs":-1}`, `{"ts":"2016-13-05T21:29:29Z"}`,
	`{"fn":"ok","timeout":5,"hb":2}`, `{"fn":"retry","timeout":0}`, `{"fn":"fail","timeout":"x"}`,
	`{"items":[1,"a",{"b":2},null],"max":1,"n":0}`, `{"items":[1,2,"x"],"count":1,"pct":50}`, `{"items":{},"max":-1}`,
	`{"x":null}`, `{"x":[1,{"y":2}]}`,
	`{"i":0,"limit":5}`, `{"i":0,"limit":1e300}`,
	`{"secs":10}`, `{"secs":1}`,
}

// fuzzMachine is one machine the fuzzer picks from.
type fuzzMachine struct {
	name string
	sm   *asl.StateMachine
}

// loadFuzzMachines compiles the bench workloads, the golden machines and
// fuzzMachines.
func loadFuzzMachines(tb testing.TB) []fuzzMachine {
	tb.Helper()
	var out []fuzzMachine
	for _, name := range workloadNames {
		out = append(out, fuzzMachine{"bench/" + name, loadWorkload(tb, name).sm})
	}
	golden, err := filepath.Glob(filepath.Join("testdata", "golden", "*.asl.json"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(golden)
	for _, path := range golden {
		def, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, fuzzMachine{"golden/" + filepath.Base(path), mustParse(tb, string(def))})
	}
	for i, def := range fuzzMachines {
		out = append(out, fuzzMachine{"fuzz/" + string(jsonv.Int(int64(i))), mustParse(tb, def)})
	}
	return out
}

// fuzzHandlers serve every resource the fuzz machines use. lambda:invoke
// behaves by FunctionName: "fail" fails, "retry" fails with a retried
// error, anything else echoes its payload.
func fuzzHandlers() map[string]local.Handler {
	h := workloadHandlers()
	h[resInvoke] = func(_ context.Context, p jsonv.Value) (jsonv.Value, error) {
		o, _ := p.(*jsonv.Object)
		if o == nil {
			return p, nil
		}
		fn, _ := o.Get("FunctionName")
		switch fn {
		case "fail":
			return nil, &local.TaskError{Name: "Fuzz.Fail", Cause: "asked to fail"}
		case "retry":
			return nil, &local.TaskError{Name: "Fuzz.Retry", Cause: "asked to retry"}
		}
		v, _ := o.Get("Payload")
		return v, nil
	}
	h["module:echo"] = echo
	return h
}

// FuzzExecute runs a machine from the seed corpus on fuzzed input: the
// engine must never panic, must end (or hit the runner's step limit), must
// record a well-formed history and must be deterministic.
func FuzzExecute(f *testing.F) {
	machines := loadFuzzMachines(f)
	for i, m := range machines {
		if strings.HasPrefix(m.name, "bench/") {
			in, err := os.ReadFile(filepath.Join("testdata", "bench", strings.TrimPrefix(m.name, "bench/")+".input.json"))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), in)
		}
		for _, in := range fuzzSeedInputs {
			f.Add(uint8(i), []byte(in))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, input []byte) {
		if len(input) > 64<<10 {
			return
		}
		in, err := jsonv.Parse(input)
		if err != nil {
			return // StartExecution rejects input that is not JSON
		}
		m := machines[int(which)%len(machines)]
		// A hang is a bug too: crash the worker so the fuzzer keeps the
		// input.
		watchdog := time.AfterFunc(10*time.Second, func() {
			panic("FuzzExecute: " + m.name + " did not end within 10s on input " + string(input))
		})
		defer watchdog.Stop()
		runOnce := func() (*engine.Execution, []byte) {
			info := testInfo()
			info.InputText = string(input)
			r := local.Runner{Handlers: fuzzHandlers(), MaxSteps: 2000}
			ex, err := r.Run(context.Background(), m.sm, info, in, t0)
			switch {
			case errors.Is(err, local.ErrTooManySteps):
				if ex.Status() != engine.Running {
					t.Fatalf("%s: step limit hit by a finished execution", m.name)
				}
			case err != nil:
				t.Fatalf("%s: run: %v\nhistory:\n%s", m.name, err, historyText(ex))
			case ex.Status() == engine.Running:
				t.Fatalf("%s: Run returned while the execution is running", m.name)
			}
			return ex, encodeHistory(ex)
		}
		ex, hist := runOnce()
		if _, err := jsonv.Parse(hist); err != nil {
			t.Fatalf("%s: history is not JSON: %v\n%s", m.name, err, hist)
		}
		h := ex.History()
		if len(h) == 0 || h[0].Type != engine.ExecutionStarted {
			t.Fatalf("%s: history does not start with ExecutionStarted", m.name)
		}
		for i, ev := range h {
			if ev.ID != int64(i+1) || ev.PreviousID < 0 || ev.PreviousID >= ev.ID {
				t.Fatalf("%s: event %d has id %d linking to %d", m.name, i+1, ev.ID, ev.PreviousID)
			}
		}
		if ex.Status() != engine.Running {
			last := h[len(h)-1].Type
			switch last {
			case engine.ExecutionSucceeded, engine.ExecutionFailed, engine.ExecutionTimedOut, engine.ExecutionAborted:
			default:
				t.Fatalf("%s: finished (%s) but the last event is %s", m.name, ex.Status(), last)
			}
			if err := ex.Apply(engine.StopInput{}, t0); !errors.Is(err, engine.ErrNotRunning) {
				t.Fatalf("%s: Apply after the end: %v", m.name, err)
			}
		}
		if _, hist2 := runOnce(); !bytes.Equal(hist, hist2) {
			t.Fatalf("%s: two runs gave different histories:\n%s\n----\n%s", m.name, hist, hist2)
		}
	})
}

// TestEndlessLoopEnds runs a loop of Pass and Choice states that never
// exits. AWS fails such an execution when its history reaches 25,000
// events; the engine must end it too rather than loop inside Start.
func TestEndlessLoopEnds(t *testing.T) {
	t.Parallel()
	done := make(chan *engine.Execution, 1)
	go func() {
		sm := mustParse(t, `{"StartAt":"L","States":{"L":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Out"}],"Default":"Inc"},
			"Inc":{"Type":"Pass","Next":"L"},"Out":{"Type":"Succeed"}}}`)
		done <- engine.Start(sm, testInfo(), jsonv.NewObject(0), t0)
	}()
	select {
	case ex := <-done:
		if ex.Status() != engine.Failed {
			t.Errorf("status = %s, want FAILED", ex.Status())
		}
		if n := len(ex.History()); n > 25_000 {
			t.Errorf("history has %d events, more than AWS's 25,000", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start did not return")
	}
}
