package engine

import (
	"math"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// The JSONata data flow: Arguments → (state work) → Assign and Output,
// both evaluated against $states.input (the raw state input),
// $states.result (the work's result), $states.context and the variables
// as they were when the state was entered; a catcher's Assign and Output
// see $states.errorOutput instead of $states.result.

// jenv returns f's environment for a JSONata evaluation with
// $states.input bound to input.
func (e *Execution) jenv(f *frame, input jsonv.Value, extra ...jsonv.Member) *asl.Env {
	en := e.env(f, input, extra...)
	j := en.JSONata
	if j == nil {
		j = &asl.JSONataEnv{}
		en.JSONata = j
	}
	if j.Funcs == nil {
		if e.funcs == nil {
			e.funcs = asl.Functions(&e.rng)
		}
		j.Funcs = e.funcs
	}
	j.Now = e.now
	return en
}

// executeJSONata runs one step of f's current JSONata state.
func (e *Execution) executeJSONata(f *frame) {
	switch f.state.Type {
	case asl.Pass:
		e.finishJSONata(f, f.input, false)
	case asl.Choice:
		e.execChoiceJSONata(f)
	case asl.Wait:
		e.execWaitJSONata(f)
	case asl.Succeed:
		e.execSucceedJSONata(f)
	case asl.Fail:
		e.execFailJSONata(f)
	case asl.Task:
		e.execTaskJSONata(f)
	case asl.Parallel:
		args := f.input
		if st := f.state; st.Arguments != nil {
			v, err := st.Arguments.Eval(e.jenv(f, f.input))
			if err != nil {
				e.failedEarly(f, err)
				return
			}
			args = v
		}
		e.inspect(f, "afterArguments", args)
		e.startBranches(f, args)
	case asl.Map:
		e.execMapJSONata(f)
	default:
		e.stateFailed(f, failure.New(failure.Runtime, "Unsupported state type %s", f.state.Type))
	}
}

// evaluationFailed records AWS's EvaluationFailed event for a JSONata
// state that raised States.QueryEvaluationError. It links to the event
// before the state's entry, as on AWS.
func (e *Execution) evaluationFailed(f *frame, fe *failure.Error) {
	if fe.Name != failure.QueryEvaluationError || !f.state.JSONata || !strings.HasPrefix(fe.Cause, "An error occurred while executing the state '") {
		return // not an evaluation (a task may fail with any error name)
	}
	prev := f.log.events[f.enteredID-1].PreviousID
	ev := e.record(f, EvaluationFailed, true)
	ev.PreviousID = prev
	ev.kind, ev.detailsKey, ev.Name, ev.Data = detailsEvaluationFailed, "evaluationFailedEventDetails", f.state.Name, fe.Location
	ev.setError(fe.Name, fe.Cause, true, true)
}

// failedEarly fails a JSONata Parallel or Map state whose fields failed
// before its branches or iterations started: AWS records the state's
// failure event (after EvaluationFailed) before applying Catch.
func (e *Execution) failedEarly(f *frame, err error) {
	fe := e.runtimeError(f, err)
	e.evaluationFailed(f, fe)
	if e.retry(f, fe) {
		return
	}
	if f.state.Type == asl.Map {
		e.record(f, MapStateFailed, true)
	} else {
		e.record(f, ParallelStateFailed, true)
	}
	e.catchOrFail(f, fe)
}

// arguments evaluates the state's Arguments (the state input when
// absent). On failure the state has failed and ok is false.
func (e *Execution) arguments(f *frame, extra ...jsonv.Member) (jsonv.Value, bool) {
	st := f.state
	args := f.input
	if st.Arguments != nil {
		v, err := st.Arguments.Eval(e.jenv(f, f.input, extra...))
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return nil, false
		}
		args = v
	}
	e.inspect(f, "afterArguments", args)
	return args, true
}

// finishJSONata evaluates the state's Assign and Output and exits it.
// result is the state's result ($states.result when hasResult); without
// an Output the state's output is the result, or the input for states
// that have none.
func (e *Execution) finishJSONata(f *frame, result jsonv.Value, hasResult bool) {
	st := f.state
	if hasResult {
		e.inspect(f, "result", result)
	}
	assigned, out, err := e.assignOutput(f, st.Assign, st.Output, result, hasResult, nil, false)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.exitAssigning(f, out, assigned, "", false)
}

// assignOutput evaluates an Assign and an Output template (either may be
// nil) against the state input, result or error output. The output
// defaults to result when it is set, else to the error output, else to
// the input.
func (e *Execution) assignOutput(f *frame, assign, output *asl.Template, result jsonv.Value, hasResult bool, errOut jsonv.Value, hasErr bool) (*jsonv.Object, jsonv.Value, error) {
	out := f.input
	switch {
	case hasResult:
		out = result
	case hasErr:
		out = errOut
	}
	if assign == nil && output == nil {
		return nil, out, nil
	}
	en := e.jenv(f, f.input)
	j := en.JSONata
	j.Result, j.HasResult = result, hasResult
	j.ErrorOutput, j.HasErrorOutput = errOut, hasErr
	var assigned *jsonv.Object
	if assign != nil {
		v, err := assign.Eval(en)
		if err != nil {
			return nil, nil, err
		}
		if assigned, _ = v.(*jsonv.Object); assigned == nil {
			assigned = jsonv.NewObject(0)
		}
	}
	if output != nil {
		v, err := output.Eval(en)
		if err != nil {
			return nil, nil, err
		}
		out = v
	}
	return assigned, out, nil
}

// execChoiceJSONata runs a JSONata Choice state: the first rule whose
// Condition holds decides the next state, its Assign and Output (the
// state's own when the rule has none, or when the Default is taken).
func (e *Execution) execChoiceJSONata(f *frame) {
	st := f.state
	next := ""
	var rule *asl.ChoiceRule
	var en *asl.Env
	for _, r := range st.Choices {
		ok := r.ConditionValue
		if r.Condition != nil {
			if en == nil {
				en = e.jenv(f, f.input)
			}
			v, err := r.Condition.Eval(en, "Condition")
			if err != nil {
				e.stateFailed(f, e.runtimeError(f, err))
				return
			}
			b, isBool := v.(bool)
			if !isBool {
				e.stateFailed(f, e.runtimeError(f, r.Condition.Mismatch("Condition", "boolean", v)))
				return
			}
			ok = b
		}
		if ok {
			next, rule = r.Next, r
			break
		}
	}
	if next == "" {
		next = st.Default
	}
	if next == "" {
		e.stateFailed(f, failure.New(failure.NoChoiceMatched, "No Matches!"))
		return
	}
	assign, output := st.Assign, st.Output
	if rule != nil {
		if rule.Assign != nil {
			assign = rule.Assign
		}
		if rule.Output != nil {
			output = rule.Output
		}
	}
	assigned, out, err := e.assignOutput(f, assign, output, nil, false, nil, false)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.exitAssigning(f, out, assigned, next, false)
}

// execWaitJSONata runs a JSONata Wait state; waitDone finishes it.
func (e *Execution) execWaitJSONata(f *frame) {
	st := f.state
	f.effective = f.input
	until := e.now
	switch {
	case st.HasSeconds:
		until = e.now.Add(time.Duration(st.Seconds) * time.Second)
	case st.HasTimestamp:
		until = st.Timestamp
	case st.SecondsExpr != nil:
		secs, err := asl.QueryInt(st.SecondsExpr, e.jenv(f, f.input), "Seconds", 0, maxWaitSeconds)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
		until = e.now.Add(time.Duration(secs) * time.Second)
	case st.TimestampExpr != nil:
		v, err := st.TimestampExpr.Eval(e.jenv(f, f.input), "Timestamp")
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
		s, isStr := v.(string)
		if !isStr {
			e.stateFailed(f, e.runtimeError(f, st.TimestampExpr.Mismatch("Timestamp", "string", v)))
			return
		}
		t, ok := parseTimestamp(s)
		if !ok {
			e.stateFailed(f, e.runtimeError(f, st.TimestampExpr.Invalid("Timestamp", "an ISO-8601 extended offset date-time", v)))
			return
		}
		until = t
	}
	if !until.After(e.now) {
		e.waitDone(f)
		return
	}
	f.status = stWaiting
	e.startTimer(e.nextID("wait-"), until, timerTarget{frame: f, kind: timerWait})
}

// execSucceedJSONata runs a JSONata Succeed state.
func (e *Execution) execSucceedJSONata(f *frame) {
	_, out, err := e.assignOutput(f, nil, f.state.Output, nil, false, nil, false)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.exit(f, out, nil, "")
}

// execFailJSONata runs a JSONata Fail state: Error and Cause are literal
// strings or expressions.
func (e *Execution) execFailJSONata(f *frame) {
	st := f.state
	name, cause := st.Error, st.Cause
	for _, x := range []struct {
		q     *asl.Query
		field string
		dst   *string
	}{{st.ErrorExpr, "Error", &name}, {st.CauseExpr, "Cause", &cause}} {
		if x.q == nil {
			continue
		}
		v, err := x.q.Eval(e.jenv(f, f.input), x.field)
		if err == nil {
			if s, ok := v.(string); ok {
				*x.dst = s
				continue
			}
			err = x.q.Mismatch(x.field, "string", v)
		}
		fe := e.runtimeError(f, err)
		e.evaluationFailed(f, fe)
		e.finishFailed(f, fe.Name, fe.Cause)
		return
	}
	e.finishFailed(f, name, cause)
}

// execTaskJSONata runs a JSONata Task state: it evaluates Arguments and
// the timeouts and schedules the task; finishResult handles its result.
func (e *Execution) execTaskJSONata(f *frame) {
	st := f.state
	res := parseResource(st.Resource)
	var extra []jsonv.Member
	token := ""
	if res.token {
		token = e.taskToken()
		tk := jsonv.NewObject(1)
		tk.Set("Token", token)
		extra = append(extra, jsonv.Member{Key: "Task", Value: tk})
	}
	args, ok := e.arguments(f, extra...)
	if !ok {
		return
	}
	timeout, heartbeat := st.TimeoutSeconds, st.HeartbeatSeconds
	var err error
	if st.TimeoutSecondsExpr != nil {
		timeout, err = asl.QueryInt(st.TimeoutSecondsExpr, e.jenv(f, f.input, extra...), "TimeoutSeconds", 1, maxWaitSeconds)
	}
	if err == nil && st.HeartbeatSecondsExpr != nil {
		heartbeat, err = asl.QueryInt(st.HeartbeatSecondsExpr, e.jenv(f, f.input, extra...), "HeartbeatSeconds", 1, maxWaitSeconds)
	}
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.scheduleTask(f, res, args, timeout, heartbeat, token)
}

// execMapJSONata runs a JSONata Map state over its Items (the state input
// when absent).
func (e *Execution) execMapJSONata(f *frame) {
	st := f.state
	en := e.jenv(f, f.input)
	var items []any
	switch {
	case st.Reader != nil:
	case st.Items != nil:
		v, err := st.Items.Eval(en)
		if err != nil {
			e.failedEarly(f, err)
			return
		}
		list, ok := v.([]any)
		if !ok {
			if q := st.Items.Query(); q != nil {
				e.failedEarly(f, q.Mismatch("Items", "array", v))
				return
			}
			e.failedEarly(f, notArray(v))
			return
		}
		items = list
	default:
		list, ok := f.input.([]any)
		if !ok {
			e.failedEarly(f, notArray(f.input))
			return
		}
		items = list
	}
	var req jsonv.Value
	if st.Reader != nil {
		var err error
		if req, err = e.readerRequest(f, e.jenv(f, f.input)); err != nil {
			e.failedEarly(f, err)
			return
		}
	}
	maxc := st.MaxConcurrency
	if st.MaxConcurrencyExpr != nil {
		var err error
		if maxc, err = asl.QueryInt(st.MaxConcurrencyExpr, e.jenv(f, f.input), "MaxConcurrency", 0, math.MaxInt32); err != nil {
			e.failedEarly(f, err)
			return
		}
	}
	e.inspect(f, "maxConcurrency", jsonv.Int(maxc))
	fan := newMapFan(st, f.input, items, maxc)
	var tol toleranceSpec
	if fan.distributed {
		var err error
		if tol, err = e.toleranceJSONata(f); err != nil {
			e.failedEarly(f, err)
			return
		}
		fan.tolerated = tol.ok
		if st.Batcher != nil && req == nil {
			if err := e.batch(f, fan, e.jenv(f, f.input)); err != nil {
				e.failedEarly(f, err)
				return
			}
		}
	}
	if req != nil {
		e.startMapReading(f, fan, tol, req)
		return
	}
	e.startMap(f, fan, tol, len(items))
}

// notArray is AWS's failure for a JSONata Map state whose input is not an
// array.
func notArray(v jsonv.Value) *failure.Error {
	return &failure.Error{Name: failure.QueryEvaluationError, Cause: "Map state input must be an array but was: " + jsonv.Marshal(v)}
}

// toleranceJSONata evaluates a distributed JSONata Map's tolerated
// failure count and percentage.
func (e *Execution) toleranceJSONata(f *frame) (toleranceSpec, error) {
	st := f.state
	t := toleranceSpec{
		count: st.ToleratedFailureCount, hasCount: st.HasToleratedFailureCount,
		pct: st.ToleratedFailurePercentage, isPct: st.HasToleratedFailurePercentage,
	}
	if st.ToleratedFailureCountExpr != nil {
		n, err := asl.QueryInt(st.ToleratedFailureCountExpr, e.jenv(f, f.input), "ToleratedFailureCount", 0, math.MaxInt64)
		if err != nil {
			return t, err
		}
		t.count = n
	}
	if st.ToleratedFailurePercentageExpr != nil {
		q := st.ToleratedFailurePercentageExpr
		v, err := q.Eval(e.jenv(f, f.input), "ToleratedFailurePercentage")
		if err != nil {
			return t, err
		}
		n, ok := v.(jsonv.Number)
		if !ok {
			return t, q.Mismatch("ToleratedFailurePercentage", "number", v)
		}
		if p := n.Float64(); p < 0 || p > 100 {
			return t, q.Invalid("ToleratedFailurePercentage", "a number between 0 and 100", v)
		}
		t.pct = n.Float64()
	}
	if t.hasCount {
		e.inspect(f, "toleratedFailureCount", jsonv.Int(t.count))
	}
	if t.isPct {
		e.inspect(f, "toleratedFailurePercentage", jsonv.Float(t.pct))
	}
	return t, nil
}

// catchJSONata applies catcher c of a JSONata state to the error errOut
// ({"Error", "Cause"}): its Assign and Output see $states.errorOutput; the
// output is the error output when it has no Output.
func (e *Execution) catchJSONata(f *frame, c *asl.Catcher, errOut *jsonv.Object) {
	assigned, out, err := e.assignOutput(f, c.Assign, c.Output, nil, false, errOut, true)
	if err != nil {
		fe := e.runtimeError(f, err)
		e.evaluationFailed(f, fe)
		e.finishFailed(f, fe.Name, fe.Cause)
		return
	}
	e.exitAssigning(f, out, assigned, c.Next, true)
}
