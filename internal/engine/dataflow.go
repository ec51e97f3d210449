package engine

import (
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// The JSONPath input/output pipeline: InputPath → Parameters → (state work)
// → ResultSelector → ResultPath → OutputPath.

// timeFormat is how the context object and history write times.
const timeFormat = "2006-01-02T15:04:05.000Z"

// env returns the evaluation environment for f's current state with input
// as "$". extra adds context members (Task.Token, Map.Item).
//
// The environment is the frame's own, reused by every call: callers use it
// before asking for another.
func (e *Execution) env(f *frame, input jsonv.Value, extra ...jsonv.Member) *asl.Env {
	en := &f.en
	en.Input, en.Context = input, nil
	if j := en.JSONata; j != nil {
		j.Result, j.HasResult, j.ErrorOutput, j.HasErrorOutput = nil, false, nil, false
	}
	if en.Rand == nil {
		en.Rand = &e.rng
	}
	if en.Var == nil && f.vars != nil {
		en.Var = f.vars.get
	}
	if f.state.UsesContext || len(extra) > 0 {
		en.Context = e.contextObject(f, extra)
	}
	return en
}

// contextObject builds $$ for f's current state.
func (e *Execution) contextObject(f *frame, extra []jsonv.Member) *jsonv.Object {
	if ctx, ok := e.contextOverride(); ok {
		return ctx
	}
	if e.contextBase == nil {
		ex := jsonv.NewObject(6)
		ex.Set("Id", e.info.ExecutionArn)
		ex.Set("Input", e.input)
		ex.Set("Name", e.info.Name)
		ex.Set("RoleArn", e.info.RoleArn)
		ex.Set("StartTime", e.startTime.UTC().Format(timeFormat))
		if !e.info.Sync {
			ex.Set("RedriveCount", jsonv.Int(int64(e.info.RedriveCount)))
		}
		sm := jsonv.NewObject(2)
		sm.Set("Id", e.info.StateMachineArn)
		sm.Set("Name", e.info.StateMachineName)
		e.contextBase = &jsonv.Object{Members: []jsonv.Member{{Key: "Execution", Value: ex}, {Key: "StateMachine", Value: sm}}}
	}
	st := jsonv.NewObject(3)
	st.Set("EnteredTime", f.enteredAt.UTC().Format(timeFormat))
	st.Set("Name", f.state.Name)
	switch f.state.Type {
	case asl.Task, asl.Parallel, asl.Map:
		st.Set("RetryCount", jsonv.Int(f.retryCount))
	}
	ctx := jsonv.NewObject(3 + len(extra))
	ctx.Members = append(ctx.Members, e.contextBase.Members[0], jsonv.Member{Key: "State", Value: st}, e.contextBase.Members[1])
	ctx.Members = append(ctx.Members, extra...)
	return ctx
}

// inspect reports an intermediate value to the Inspect hook.
func (e *Execution) inspect(f *frame, point string, v jsonv.Value) {
	if e.info.Inspect != nil {
		e.info.Inspect(f.state.Name, point, v)
	}
}

// applyInputPath selects the effective input.
func (e *Execution) applyInputPath(f *frame, en *asl.Env, input jsonv.Value) (jsonv.Value, error) {
	v, err := selectPath(f.state.InputPath, en, input)
	if err == nil {
		e.inspect(f, "afterInputPath", v)
	}
	return v, err
}

// applyOutputPath selects the state output.
func (e *Execution) applyOutputPath(f *frame, output jsonv.Value) (jsonv.Value, error) {
	op := f.state.OutputPath
	if op == nil || op.Null || op.Path.Root() == jsonpath.RootInput {
		return selectPath(op, nil, output)
	}
	return selectPath(op, e.env(f, output), output)
}

func selectPath(op *asl.OptPath, en *asl.Env, doc jsonv.Value) (jsonv.Value, error) {
	if op == nil {
		return doc, nil
	}
	if op.Null {
		return jsonv.NewObject(0), nil
	}
	p := op.Path
	var v jsonv.Value
	var ok bool
	switch p.Root() {
	case jsonpath.RootInput:
		v, ok = p.Get(doc)
	default:
		v, ok = asl.GetPath(en, p)
	}
	if !ok {
		return nil, asl.PathNotFoundInput(p)
	}
	return v, nil
}

// applyResultPath combines the state input and its result.
func applyResultPath(f *frame, input, result jsonv.Value, op *asl.OptPath) (jsonv.Value, error) {
	if op == nil {
		return result, nil
	}
	if op.Null {
		return input, nil
	}
	out, err := jsonpath.Set(input, op.Path, result)
	if err != nil {
		return nil, failure.New(failure.ResultPathMatchFailure, "Unable to apply ResultPath \"%s\" to input \"%s\"", op.Path.String(), jsonv.Marshal(input))
	}
	return out, nil
}

// finishResult runs ResultSelector, Assign, ResultPath and OutputPath on a
// state's raw result (Assign and Output for a JSONata state) and exits the
// state.
func (e *Execution) finishResult(f *frame, result jsonv.Value) {
	st := f.state
	if st.JSONata {
		e.finishJSONata(f, result, true)
		return
	}
	var err error
	e.inspect(f, "result", result)
	if st.ResultSelector != nil {
		en := e.env(f, result)
		result, err = st.ResultSelector.Eval(en)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
	}
	e.inspect(f, "afterResultSelector", result)
	var assigned *jsonv.Object
	if st.Assign != nil {
		assigned, err = e.assign(f, st.Assign, result)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
	}
	out, err := applyResultPath(f, f.input, result, st.ResultPath)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.inspect(f, "afterResultPath", out)
	out, err = e.applyOutputPath(f, out)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.exitAssigning(f, out, assigned, "", false)
}

// assign evaluates an Assign template with "$" bound to input. The
// variables are applied by the caller once the state succeeds.
func (e *Execution) assign(f *frame, t *asl.Template, input jsonv.Value) (*jsonv.Object, error) {
	v, err := t.Eval(e.env(f, input))
	if err != nil {
		return nil, err
	}
	o, _ := v.(*jsonv.Object)
	if o == nil {
		o = jsonv.NewObject(0)
	}
	return o, nil
}

// Variable size limits (AWS quotas): one variable, the variables of one
// Assign, and all the variables an execution holds.
const (
	MaxVariableSize       = 256 * 1024
	MaxAssignSize         = 256 * 1024
	MaxVariablesTotalSize = 10 * 1024 * 1024
)

// setVars stores assigned variables in f's scope, after checking the size
// limits (lifted with the payload limit). A variable that is too large
// fails the state with States.DataLimitExceeded.
func (e *Execution) setVars(f *frame, vals *jsonv.Object) *failure.Error {
	if f.vars == nil {
		f.vars = &scope{vars: jsonv.NewObject(len(vals.Members))}
	} else if f.vars.vars == nil {
		f.vars.vars = jsonv.NewObject(len(vals.Members))
	}
	limited := e.info.MaxPayloadBytes >= 0
	size := f.vars.size
	if limited {
		assign := 0
		for _, m := range vals.Members {
			n := jsonv.Size(m.Value)
			if n > MaxVariableSize {
				return failure.New(failure.DataLimitExceeded, "The variable '%s' assigned by the state '%s' has a size exceeding the maximum number of bytes service limit.", m.Key, f.state.Name)
			}
			assign += n
			if old, ok := f.vars.vars.Get(m.Key); ok {
				size -= jsonv.Size(old)
			}
			size += n
		}
		if assign > MaxAssignSize {
			return failure.New(failure.DataLimitExceeded, "The variables assigned by the state '%s' have a combined size exceeding the maximum number of bytes service limit.", f.state.Name)
		}
		total := size
		for s := f.vars.parent; s != nil; s = s.parent {
			total += s.size
		}
		if total > MaxVariablesTotalSize {
			return failure.New(failure.DataLimitExceeded, "The variables of the execution have a combined size exceeding the maximum number of bytes service limit after the state '%s'.", f.state.Name)
		}
	}
	// Copy on write: the scope's object may be shared with history events.
	n := &jsonv.Object{Members: append([]jsonv.Member(nil), f.vars.vars.Members...)}
	for _, m := range vals.Members {
		n.Set(m.Key, m.Value)
	}
	f.vars.vars, f.vars.size = n, size
	return nil
}

// assignedText renders assigned values as the history shows them: each
// value's JSON text.
func assignedText(vals *jsonv.Object) *jsonv.Object {
	if vals.Len() == 0 {
		return nil
	}
	out := jsonv.NewObject(len(vals.Members))
	for _, m := range vals.Members {
		out.Members = append(out.Members, jsonv.Member{Key: m.Key, Value: jsonv.Marshal(m.Value)})
	}
	return out
}

// parseTimestamp parses an ISO-8601 extended offset date-time as AWS
// accepts it.
func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
