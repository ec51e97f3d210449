package conformance

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// The fake executor below answers every case with an AWS-shaped response
// rebuilt from the case's expectation: placeholders become real-looking
// accounts, regions, names, UUIDs, dates and ids, JSON documents become
// strings, floats are written the way Java writes them, and dropped members
// come back. Normalize must undo all of it.

const (
	fakeAccount = "210987654321"
	fakeRegion  = "eu-west-3"
	fakeRole    = "arn:aws:iam::" + fakeAccount + ":role/StepflowConformanceRole"
	fakeDate    = "2024-02-07T13:52:02.123Z"
)

var fakeTokenRE = regexp.MustCompile(`<([A-Za-z][A-Za-z0-9_-]*?)(?::(\d+)|_(\d+)idx)>`)

// fakeUUID returns a distinct UUID for a token family and number.
func fakeUUID(family string, n int) string {
	h := 0
	for _, c := range family {
		h = h*31 + int(c)
	}
	return fmt.Sprintf("%08x-1b2c-4d3e-8f40-%012d", uint32(h), n)
}

func fakeValue(tok string) string {
	m := fakeTokenRE.FindStringSubmatch(tok)
	if m == nil {
		return tok
	}
	name := m[1]
	n, _ := strconv.Atoi(m[2] + m[3])
	switch name {
	case "ArnPart":
		return fmt.Sprintf("StepflowMachine%dq7Zx", n)
	case "resource":
		return fmt.Sprintf("StepflowResource%dk3Vw", n)
	case "json-input":
		return fmt.Sprintf(`{"fake_input":%d,"nested":{"a":[1,2]}}`, n)
	}
	return fakeUUID(name, n)
}

type fakeBuilder struct {
	c *Case
	p *plan
}

// denorm turns a recorded string back into something AWS could have sent.
func (f *fakeBuilder) denorm(s string) string {
	// A value AWS echoes from the definition keeps the recording's region.
	if echo := strings.ReplaceAll(s, "<region>", recordingRegion); echo != s && strings.Contains(f.c.Definition, echo) {
		return echo
	}
	s = fakeTokenRE.ReplaceAllStringFunc(s, fakeValue)
	s = strings.ReplaceAll(s, "arn:<partition>:", "arn:aws:")
	s = strings.ReplaceAll(s, "<region>", fakeRegion)
	s = strings.ReplaceAll(s, "111111111111", fakeAccount)
	roles := slices.Clone(f.p.roleTokens)
	slices.SortFunc(roles, func(a, b string) int { return len(b) - len(a) })
	for _, r := range roles {
		s = strings.ReplaceAll(s, r, fakeRole)
	}
	if s == "date" {
		return fakeDate
	}
	return strings.ReplaceAll(s, `"date"`, `"`+fakeDate+`"`)
}

// value denormalizes v; key is the member name v sits under.
func (f *fakeBuilder) value(key string, v jsonv.Value) jsonv.Value {
	switch v := v.(type) {
	case string:
		if strings.Contains(strings.ToLower(key), "timestamp") && v == "timestamp" {
			return "1707313922123"
		}
		if slices.Contains(f.p.opaque, v) {
			switch v {
			case "RandomNumberGenerated":
				return jsonv.Number("42")
			case "map_run_arn":
				return "arn:aws:states:" + fakeRegion + ":" + fakeAccount + ":mapRun:" + fakeValue("<ArnPart_0idx>") + "/" + fakeUUID("mr", 0) + ":" + fakeUUID("mr", 1)
			}
			return fakeUUID(v, 0)
		}
		return f.denorm(v)
	case jsonv.Number:
		// Java writes 1e+16 as 1.0E16.
		if !v.IsInteger() {
			return jsonv.Float(v.Float64())
		}
		return v
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = f.value(key, e)
		}
		return out
	case *jsonv.Object:
		out := jsonv.NewObject(v.Len())
		for _, m := range v.Members {
			out.Set(f.denorm(m.Key), f.value(m.Key, m.Value))
		}
		return out
	}
	return v
}

// doc returns v as the JSON string AWS sends when the recorder parsed it.
func (f *fakeBuilder) doc(key string, v jsonv.Value) jsonv.Value {
	v = f.value(key, v)
	if _, ok := v.(*jsonv.Object); ok {
		return jsonv.Marshal(v)
	}
	return v
}

func (f *fakeBuilder) stateMachineArn() string {
	return "arn:aws:states:" + fakeRegion + ":" + fakeAccount + ":stateMachine:" + fakeValue("<ArnPart_0idx>")
}

// executionArn uses the execution the expectation mentions, if any.
func (f *fakeBuilder) executionArn() string {
	s := jsonv.Marshal(f.c.Expected)
	sm := fakeValue("<ArnPart_0idx>")
	prefix := "arn:aws:states:" + fakeRegion + ":" + fakeAccount + ":"
	for _, fam := range []string{"ExpressExecArn", "SyncExecArn"} {
		if m := regexp.MustCompile(`<` + fam + `_Part1_(\d+)idx>`).FindStringSubmatch(s); m != nil {
			return prefix + "express:" + sm + ":" + fakeValue("<"+fam+"_Part1_"+m[1]+"idx>") + ":" + fakeValue("<"+fam+"_Part2_"+m[1]+"idx>")
		}
	}
	idx := "0"
	if m := regexp.MustCompile(`<ExecArnPart_(\d+)idx>`).FindStringSubmatch(s); m != nil {
		idx = m[1]
	}
	return prefix + "execution:" + sm + ":" + fakeValue("<ExecArnPart_"+idx+"idx>")
}

// details denormalizes an event's details, turning documents into strings.
func (f *fakeBuilder) details(det *jsonv.Object) *jsonv.Object {
	out := jsonv.NewObject(det.Len())
	for _, m := range det.Members {
		switch m.Key {
		case "input", "output", "cause":
			if f.p.outputToJSON && m.Key == "output" {
				out.Set(m.Key, jsonv.Marshal(f.value(m.Key, m.Value)))
				continue
			}
			out.Set(m.Key, f.doc(m.Key, m.Value))
		case "assignedVariables":
			av, _ := m.Value.(*jsonv.Object)
			vars := jsonv.NewObject(av.Len())
			for _, vm := range av.Members {
				vars.Set(vm.Key, f.doc(vm.Key, vm.Value))
			}
			out.Set(m.Key, vars)
		default:
			out.Set(m.Key, f.value(m.Key, m.Value))
		}
	}
	return out
}

func (f *fakeBuilder) history(exp *jsonv.Object) []any {
	hv, _ := exp.Get("history")
	iv, _ := exp.Get("history_event_ids")
	events, _ := hv.([]any)
	ids, _ := iv.([]any)
	var out []any
	inBlock := false
	for i, e := range events {
		eo := e.(*jsonv.Object)
		pair, _ := ids[i].([]any)
		typ, _ := getString(eo, "type")
		if f.p.parallel && inBlock && strings.HasPrefix(typ, "ParallelState") && typ != "ParallelStateEntered" && typ != "ParallelStateStarted" {
			// The recorder's transformer dropped the ParallelStateSucceeded
			// that preceded this event; put one back for it to drop.
			out = append(out, fakeEvent("ParallelStateSucceeded", jsonv.Number("990"), jsonv.Number("989"), nil))
		}
		id, prev := pair[0], pair[1]
		if _, sorted := id.([]any); sorted {
			id, prev = jsonv.Int(int64(900+i)), jsonv.Int(int64(899+i))
			inBlock = true
		} else {
			inBlock = false
		}
		ev := jsonv.NewObject(eo.Len() + 3)
		ev.Set("timestamp", jsonv.Number("1.707313922123E9"))
		ev.Set("type", typ)
		ev.Set("id", id)
		ev.Set("previousEventId", prev)
		for _, m := range eo.Members {
			if m.Key == "type" {
				continue
			}
			det, ok := m.Value.(*jsonv.Object)
			if !ok {
				ev.Set(m.Key, f.value(m.Key, m.Value))
				continue
			}
			d := f.details(det)
			if m.Key == "executionStartedEventDetails" {
				d.Set("roleArn", fakeRole)
			}
			ev.Set(m.Key, d)
		}
		out = append(out, ev)
	}
	if f.c.HasIssue("reverseOrder") {
		slices.Reverse(out)
	}
	return out
}

func fakeEvent(typ string, id, prev jsonv.Value, details *jsonv.Object) *jsonv.Object {
	ev := jsonv.NewObject(5)
	ev.Set("timestamp", jsonv.Number("1.707313922123E9"))
	ev.Set("type", typ)
	ev.Set("id", id)
	ev.Set("previousEventId", prev)
	if details != nil {
		ev.Set(strings.ToLower(typ[:1])+typ[1:]+"EventDetails", details)
	}
	return ev
}

// fakeResponse builds the un-normalized response for c.
func fakeResponse(c *Case) jsonv.Value {
	f := &fakeBuilder{c: c, p: c.plan}
	exp, _ := c.Expected.(*jsonv.Object)
	switch c.Kind {
	case KindExecution, KindExecutionOutput:
		r := jsonv.NewObject(16)
		r.Set("executionArn", f.executionArn())
		r.Set("stateMachineArn", f.stateMachineArn())
		r.Set("name", "fake")
		r.Set("startDate", jsonv.Number("1.707313922E9"))
		r.Set("stopDate", jsonv.Number("1.707313923E9"))
		src := exp
		if d, ok := exp.Get("describe_execution"); ok {
			src = d.(*jsonv.Object)
		}
		for _, m := range src.Members {
			switch m.Key {
			case "history", "history_event_ids", "last_cloudwatch_log_event", "outputDetails":
			case "input", "output", "cause":
				r.Set(m.Key, f.doc(m.Key, m.Value))
			default:
				r.Set(m.Key, f.value(m.Key, m.Value))
			}
		}
		if !src.Has("outputDetails") && src.Has("output") {
			od := jsonv.NewObject(1)
			od.Set("included", true)
			r.Set("outputDetails", od)
		} else if od, ok := src.Get("outputDetails"); ok {
			r.Set("outputDetails", od)
		}
		if exp.Has("history") {
			r.Set("history", f.history(exp))
		}
		if lv, ok := exp.Get("last_cloudwatch_log_event"); ok {
			lo := lv.(*jsonv.Object)
			ev := jsonv.NewObject(lo.Len())
			for _, m := range lo.Members {
				if det, ok := m.Value.(*jsonv.Object); ok && m.Key == "details" {
					ev.Set(m.Key, f.details(det))
					continue
				}
				ev.Set(m.Key, f.value(m.Key, m.Value))
			}
			r.Set("logEvents", []any{jsonv.NewObject(0), ev})
		}
		return r
	case KindSyncExecution:
		r := jsonv.NewObject(12)
		r.Set("executionArn", f.executionArn())
		r.Set("stateMachineArn", f.stateMachineArn())
		r.Set("name", "fake")
		r.Set("startDate", jsonv.Number("1.707313922E9"))
		r.Set("billingDetails", jsonv.MustParse(`{"billedMemoryUsedInMB":64,"billedDurationInMilliseconds":100}`))
		for _, m := range exp.Members {
			r.Set(m.Key, f.doc(m.Key, m.Value))
		}
		return r
	case KindDescribeStateMachine:
		r := jsonv.NewObject(12)
		r.Set("stateMachineArn", f.stateMachineArn())
		r.Set("name", fakeValue("<ArnPart_0idx>"))
		r.Set("roleArn", fakeRole)
		r.Set("creationDate", jsonv.Number("1.707313922E9"))
		r.Set("revisionId", fakeUUID("revision", 1))
		for _, m := range exp.Members {
			r.Set(m.Key, f.doc(m.Key, m.Value))
		}
		return r
	case KindTestState:
		r := jsonv.NewObject(6)
		for _, m := range exp.Members {
			if idata, ok := m.Value.(*jsonv.Object); ok && m.Key == "inspectionData" {
				d := jsonv.NewObject(idata.Len())
				for _, im := range idata.Members {
					if im.Key == "errorDetails" {
						d.Set(im.Key, f.value(im.Key, im.Value))
						continue
					}
					d.Set(im.Key, f.doc(im.Key, im.Value))
				}
				r.Set(m.Key, d)
				continue
			}
			r.Set(m.Key, f.doc(m.Key, m.Value))
		}
		return r
	case KindTestStateError, KindCreateStateMachineError, KindStartExecutionError:
		if ev, ok := exp.Get("Error"); ok {
			code, _ := getString(ev.(*jsonv.Object), "Code")
			msg, _ := getString(ev.(*jsonv.Object), "Message")
			return ErrorResponse(f.denorm(code), f.denorm(msg))
		}
		code, _ := getString(exp, "exception_typename")
		text, _ := getString(exp, "exception_value")
		_, msg, _ := strings.Cut(text, " operation: ")
		return ErrorResponse(code, f.denorm(msg))
	}
	return f.value("", c.Expected)
}

var fakeExecutor = ExecutorFunc(func(_ context.Context, c *Case) (jsonv.Value, error) {
	return fakeResponse(c), nil
})

func loadCases(t *testing.T) []*Case {
	t.Helper()
	cases := LoadForTest(t)
	if len(cases) == 0 {
		t.Skipf("no conformance cases in %q (set %s)", DefaultDir(), EnvDir)
	}
	return cases
}

func TestFakeExecutorPassesEveryCase(t *testing.T) {
	t.Parallel()
	cases := loadCases(t)
	results := Run(t.Context(), cases, fakeExecutor, Options{})
	if len(results) != len(cases) {
		t.Fatalf("got %d results for %d cases", len(results), len(cases))
	}
	failed := 0
	for _, r := range results {
		if !r.Passed {
			failed++
			if failed <= 40 {
				t.Errorf("FAIL %s: %s %s", r.Case.ID, r.Diff, r.Reason)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d cases failed against the fake", failed, len(cases))
	}
}
