package engine

import (
	"math"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// execPass runs a Pass state.
func (e *Execution) execPass(f *frame) {
	st := f.state
	en := e.env(f, f.input)
	eff, err := e.applyInputPath(f, en, f.input)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	result := eff
	switch {
	case st.HasResult:
		result = st.Result
	case st.Parameters != nil:
		en.Input = eff
		result, err = st.Parameters.Eval(en)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
		e.inspect(f, "afterParameters", result)
	}
	e.finishResult(f, result)
}

// execChoice runs a Choice state.
func (e *Execution) execChoice(f *frame) {
	st := f.state
	en := e.env(f, f.input)
	eff, err := e.applyInputPath(f, en, f.input)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	en.Input = eff
	next := ""
	var rule *asl.ChoiceRule
	for _, r := range st.Choices {
		ok, err := evalRule(r, en)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
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
	var assigned *jsonv.Object
	tmpl := st.Assign
	if rule != nil && rule.Assign != nil {
		tmpl = rule.Assign
	}
	if tmpl != nil {
		assigned, err = e.assign(f, tmpl, eff)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
	}
	out, err := e.applyOutputPath(f, eff)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.exitAssigning(f, out, assigned, next, false)
}

// execWait runs a Wait state: it starts a timer, and waitDone finishes it.
func (e *Execution) execWait(f *frame) {
	st := f.state
	en := e.env(f, f.input)
	eff, err := e.applyInputPath(f, en, f.input)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	f.effective = eff
	en.Input = eff
	var until time.Time
	switch {
	case st.HasSeconds:
		until = e.now.Add(time.Duration(st.Seconds) * time.Second)
	case st.HasTimestamp:
		until = st.Timestamp
	case st.SecondsPath != nil:
		v, ok := asl.GetPath(en, st.SecondsPath)
		n, isNum := v.(jsonv.Number)
		secs, isInt := n.Int64()
		if !ok || !isNum || !isInt || secs < 0 || secs > maxWaitSeconds {
			e.stateFailed(f, e.runtimeError(f, failure.New(failure.Runtime,
				"The SecondsPath parameter does not reference an input value that is a valid non-negative integer: %s == %s", st.SecondsPath.String(), asl.Render(v, ok))))
			return
		}
		until = e.now.Add(time.Duration(secs) * time.Second)
	case st.TimestampPath != nil:
		v, ok := asl.GetPath(en, st.TimestampPath)
		s, isStr := v.(string)
		t, valid := parseTimestamp(s)
		if !ok || !isStr || !valid {
			e.stateFailed(f, e.runtimeError(f, failure.New(failure.Runtime,
				"The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.TimestampPath.String(), asl.Render(v, ok))))
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

// waitDone finishes a Wait state once its time has come.
func (e *Execution) waitDone(f *frame) {
	f.status = stRunning
	if f.state.JSONata {
		e.finishJSONata(f, nil, false)
		return
	}
	out, err := e.applyOutputPath(f, f.effective)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	var assigned *jsonv.Object
	if f.state.Assign != nil {
		assigned, err = e.assign(f, f.state.Assign, f.effective)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
	}
	e.exitAssigning(f, out, assigned, "", false)
}

// execSucceed runs a Succeed state.
func (e *Execution) execSucceed(f *frame) {
	en := e.env(f, f.input)
	eff, err := e.applyInputPath(f, en, f.input)
	if err == nil {
		eff, err = e.applyOutputPath(f, eff)
	}
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.exit(f, eff, nil, "")
}

// execFail runs a Fail state.
func (e *Execution) execFail(f *frame) {
	st := f.state
	name, cause := st.Error, st.Cause
	if st.ErrorPath != nil || st.CausePath != nil {
		en := e.env(f, f.input)
		if st.ErrorPath != nil {
			v, err := st.ErrorPath.EvalField(en, "ErrorPath")
			if err != nil {
				e.finishFailed(f, failure.Runtime, e.runtimeError(f, err).Cause)
				return
			}
			name = asl.Render(v, true)
		}
		if st.CausePath != nil {
			v, err := st.CausePath.EvalField(en, "CausePath")
			if err != nil {
				e.finishFailed(f, failure.Runtime, e.runtimeError(f, err).Cause)
				return
			}
			cause = asl.Render(v, true)
		}
	}
	e.finishFailed(f, name, cause)
}

// retryDelay is the wait before retry attempt n (0-based).
func retryDelay(r *asl.Retrier, n int64, rnd *rng) time.Duration {
	secs := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(n))
	if r.MaxDelaySeconds > 0 && secs > float64(r.MaxDelaySeconds) {
		secs = float64(r.MaxDelaySeconds)
	}
	if secs > maxWaitSeconds || math.IsNaN(secs) {
		secs = maxWaitSeconds
	}
	if r.JitterStrategy == "FULL" {
		secs = secs * float64(rnd.Uint64()>>11) / (1 << 53)
	}
	return time.Duration(secs * float64(time.Second))
}
