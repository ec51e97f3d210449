package teststate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

// Names of the synthetic state machine's own states. They hold a NUL
// character, which no state name of a valid definition has.
const (
	testedName   = "\x00tested"
	variableName = "\x00variables"
	// mockResource is the resource of a mocked Map or Parallel state,
	// which runs as a Task whose result is the mock.
	mockResource = "arn:aws:states:::stepflow:testStateMock"
)

// outcome is what one run of the synthetic state machine produced.
type outcome struct {
	points   map[string]jsonv.Value // inspection points of the tested state
	failed   bool
	errName  string
	errCause string
	output   jsonv.Value
	next     string        // the state entered after the tested state
	assigned *jsonv.Object // variables the tested state assigned
}

// run executes the plan and builds the response.
func (p *plan) run(ctx context.Context) (*jsonv.Object, error) {
	orig, err := p.compile(p.raw)
	if err != nil {
		return nil, err
	}
	r := &response{level: p.level, vars: p.vars}
	r.inspect("input", p.input)

	var mapFail *failure.Error
	if p.typ == asl.Map {
		mapFail, err = p.mapInspection(orig, r)
		if err != nil {
			return nil, err
		}
		if mapFail != nil {
			r.fail(mapFail.Name, mapFail.Cause)
			return r.build(), nil
		}
	}

	// First run: the state without Retry and Catch, to see how it ends.
	first, err := p.execute(ctx, false)
	if err != nil {
		return nil, err
	}
	if !first.failed {
		r.take(p, first)
		r.succeed(first.output, first.next)
		r.assigned(first.assigned)
		return r.build(), nil
	}
	fe := &failure.Error{Name: first.errName, Cause: p.cause(first.errCause)}
	retryIndex := -1
	if i, rt := orig.MatchRetrier(fe.Name); rt != nil {
		retryIndex = i
		if rt, err = rt.Resolve(p.env()); err != nil {
			var qe *failure.Error
			if !errors.As(err, &qe) {
				return nil, err
			}
			r.take(p, first)
			r.fail(qe.Name, "An error occurred while executing the state '"+p.name+"' (entered at the event id #2). "+qe.Cause)
			return r.build(), nil
		}
		if p.retries < rt.MaxAttempts {
			r.take(p, first)
			r.fail(fe.Name, fe.Cause)
			r.status = StatusRetriable
			r.errorDetails(retryDelay(rt, p.retries), i, -1)
			return r.build(), nil
		}
	}
	if c, _ := orig.MatchCatcher(fe.Name); c >= 0 {
		// Second run: with Catch, so the engine applies the catcher.
		second, err := p.execute(ctx, true)
		if err != nil {
			return nil, err
		}
		r.take(p, second)
		r.fail(fe.Name, fe.Cause)
		if second.failed {
			r.fail(second.errName, p.cause(second.errCause))
		} else {
			r.status = StatusCaughtError
			r.output, r.hasOutput, r.next = second.output, true, second.next
			r.assigned(second.assigned)
		}
		r.errorDetails(nil, retryIndex, c)
		return r.build(), nil
	}
	r.take(p, first)
	r.fail(fe.Name, fe.Cause)
	if retryIndex >= 0 {
		r.errorDetails(nil, retryIndex, -1)
	}
	return r.build(), nil
}

// compile builds the synthetic state machine around state.
func (p *plan) compile(state *jsonv.Object) (*asl.State, error) {
	sm, err := p.machine(state)
	if err != nil {
		return nil, err
	}
	return sm.States[testedName], nil
}

// machine builds and compiles the synthetic state machine: the variables'
// Pass state, the tested state and a Succeed placeholder per transition
// target.
func (p *plan) machine(state *jsonv.Object) (*asl.StateMachine, error) {
	states := jsonv.NewObject(4)
	start := testedName
	if p.vars != nil {
		start = variableName
		states.Set(variableName, p.variablesState())
	}
	states.Set(testedName, state)
	for _, t := range targets(p.raw) {
		if !states.Has(t) {
			states.Set(t, jsonv.MustParse(`{"Type":"Succeed"}`))
		}
	}
	m := jsonv.NewObject(2)
	m.Set("StartAt", start)
	m.Set("States", states)
	sm, err := asl.Compile(m)
	if err != nil {
		return nil, fmt.Errorf("test state: %w", err)
	}
	return sm, nil
}

// variablesState is a Pass state that assigns the request's variables.
func (p *plan) variablesState() *jsonv.Object {
	assign := jsonv.NewObject(p.vars.Len())
	for _, m := range p.vars.Members {
		assign.Set(m.Key+".$", "$."+m.Key)
	}
	o := jsonv.NewObject(5)
	o.Set("Type", "Pass")
	o.Set("Result", p.vars)
	o.Set("ResultPath", nil)
	o.Set("Assign", assign)
	o.Set("Next", testedName)
	return o
}

// targets lists the states the state may transition to.
func targets(o *jsonv.Object) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(str(o, "Next"))
	add(str(o, "Default"))
	for _, key := range []string{"Choices", "Catch"} {
		list, _ := get(o, key).([]any)
		for _, e := range list {
			if eo, ok := e.(*jsonv.Object); ok {
				add(str(eo, "Next"))
			}
		}
	}
	return out
}

// runnable returns the state as the synthetic machine runs it: without
// Retry (decided here), without Catch unless withCatch, and a mocked Map or
// Parallel state as a Task whose result is the mock.
func (p *plan) runnable(withCatch bool) *jsonv.Object {
	o := jsonv.NewObject(len(p.raw.Members))
	mockState := p.mock != nil && (p.typ == asl.Map || p.typ == asl.Parallel)
	for _, m := range p.raw.Members {
		switch m.Key {
		case "Retry":
			continue
		case "Catch":
			if !withCatch {
				continue
			}
		}
		if mockState {
			switch m.Key {
			case "Type":
				o.Set("Type", "Task")
				o.Set("Resource", mockResource)
				continue
			case "Comment", "InputPath", "OutputPath", "ResultPath", "ResultSelector", "Assign", "Catch", "Next", "End", "QueryLanguage", "Output":
			case "Parameters", "Arguments":
				if p.typ == asl.Map {
					continue // the items' selector
				}
			default:
				continue
			}
		}
		o.Members = append(o.Members, m)
	}
	return o
}

// execute runs the synthetic state machine once.
func (p *plan) execute(ctx context.Context, withCatch bool) (*outcome, error) {
	sm, err := p.machine(p.runnable(withCatch))
	if err != nil {
		return nil, err
	}
	out := &outcome{points: map[string]jsonv.Value{}}
	info := engine.Info{
		RoleArn: p.req.RoleArn,
		Context: p.ctx,
		Inspect: func(state, point string, v jsonv.Value) {
			if state == testedName {
				out.points[point] = v
			}
		},
	}
	if ex, ok := get(p.ctx, "Execution").(*jsonv.Object); ok {
		info.ExecutionArn = str(ex, "Id")
		info.Name = str(ex, "Name")
	}
	runner := local.Runner{Handlers: map[string]local.Handler{}, MaxSteps: 10_000}
	if p.mock != nil {
		res := str(p.raw, "Resource")
		if p.typ != asl.Task {
			res = mockResource
		}
		runner.Handlers[res] = p.mockHandler()
	}
	ex, err := runner.Run(ctx, sm, info, p.input, p.now)
	if err != nil {
		return nil, fmt.Errorf("test state: %w", err)
	}
	switch ex.Status() {
	case engine.Succeeded:
		out.output = ex.Output()
	case engine.Running:
		return nil, errors.New("test state: the state did not finish")
	default:
		out.failed = true
		out.errName, out.errCause = ex.Error()
	}
	hist := ex.History()
	for i := range hist {
		ev := &hist[i]
		if ev.Name != testedName || !strings.HasSuffix(string(ev.Type), "StateExited") {
			continue
		}
		out.assigned = ev.Assigned
		for j := i + 1; j < len(hist); j++ {
			if strings.HasSuffix(string(hist[j].Type), "StateEntered") {
				out.next = hist[j].Name
				break
			}
		}
		break
	}
	return out, nil
}

// mockHandler serves the mocked service call.
func (p *plan) mockHandler() local.Handler {
	m := p.mock
	return func(context.Context, jsonv.Value) (jsonv.Value, error) {
		if m.ErrorOutput != nil {
			return nil, &local.TaskError{Name: m.ErrorOutput.Error, Cause: m.ErrorOutput.Cause}
		}
		if p.typ == asl.Map && p.mapThresholdExceeded {
			return nil, &local.TaskError{Name: failure.ExceedToleratedFailureThreshold, Cause: "The specified tolerated failure threshold was exceeded"}
		}
		return p.result, nil
	}
}

// runtimeCauseRE matches the engine's prefix of a States.Runtime cause,
// which names the state and the event that entered it.
var runtimeCauseRE = regexp.MustCompile(`^An error occurred while executing the state '` + testedName + `' \(entered at the event id #\d+\)\. `)

// cause rewrites an error cause to name the tested state as AWS does.
func (p *plan) cause(c string) string {
	if loc := runtimeCauseRE.FindStringIndex(c); loc != nil {
		return "An error occurred while executing the state '" + p.name + "' (entered at the event id #2). " + c[loc[1]:]
	}
	return c
}

// mapInspection evaluates a mocked Map state's ItemsPath and concurrency
// and tolerance fields, which TestState reports although the mock stands
// for the iterations. It returns the failure that ends the state early.
func (p *plan) mapInspection(st *asl.State, r *response) (*failure.Error, error) {
	en := p.env()
	if st.JSONata {
		return p.mapInspectionJSONata(st, en, r)
	}
	eff := p.input
	if st.InputPath != nil {
		if st.InputPath.Null {
			eff = jsonv.NewObject(0)
		} else {
			v, ok := asl.GetPath(en, st.InputPath.Path)
			if !ok {
				return nil, nil // the engine reports it
			}
			eff = v
		}
	}
	r.inspect("afterInputPath", eff)
	en.Input = eff
	items := -1
	if st.ItemReader == nil {
		itemsVal := eff
		if st.ItemsPath != nil {
			v, ok := asl.GetPath(en, st.ItemsPath)
			if !ok {
				return asl.PathNotFoundInput(st.ItemsPath), nil
			}
			itemsVal = v
		}
		arr, ok := itemsVal.([]any)
		if !ok {
			return failure.New(failure.Runtime, "Reference path \"%s\" must point to array.", messagePath(st.ItemsPath)), nil
		}
		items = len(arr)
		r.inspect("afterItemsPath", itemsVal)
	}
	maxc, ierr := asl.IntField(en, st.MaxConcurrency, st.MaxConcurrencyPath, "MaxConcurrencyPath")
	if ierr != nil {
		return ierr.(*failure.Error), nil
	}
	hasCount := st.HasToleratedFailureCount || st.ToleratedFailureCountPath != nil
	count, ierr := asl.IntField(en, st.ToleratedFailureCount, st.ToleratedFailureCountPath, "ToleratedFailureCountPath")
	if ierr != nil {
		return ierr.(*failure.Error), nil
	}
	if hasCount {
		r.inspect("toleratedFailureCount", jsonv.Int(count))
	}
	hasPct := st.HasToleratedFailurePercentage || st.ToleratedFailurePercentagePath != nil
	pct := st.ToleratedFailurePercentage
	if st.ToleratedFailurePercentagePath != nil {
		v, ok := asl.GetPath(en, st.ToleratedFailurePercentagePath)
		n, isNum := asl.Numeric(v)
		if !ok || !isNum || n.Float64() < 0 || n.Float64() > 100 {
			return failure.New(failure.Runtime, "The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid percentage: %s", asl.Render(v, ok), st.ToleratedFailurePercentagePath.String()), nil
		}
		pct = n.Float64()
	}
	if hasPct {
		r.inspect("toleratedFailurePercentage", jsonv.Float(pct))
	}
	r.inspect("maxConcurrency", jsonv.Int(maxc))

	return nil, p.mapFailures(items, hasCount, count, hasPct, pct)
}

// mapFailures applies the request's Map iteration failure count to the
// state's tolerated failures; items is the number of items (-1 when an
// ItemReader reads them).
func (p *plan) mapFailures(items int, hasCount bool, count int64, hasPct bool, pct float64) error {
	if sc := p.req.StateConfiguration; sc != nil && sc.MapIterationFailureCount != nil {
		failures := *sc.MapIterationFailureCount
		if items >= 0 && failures > int64(items) {
			return validationError("Map iteration failure count must be less than or equal to the number of Map iterations")
		}
		tolerated := (hasCount && failures <= count) || (hasPct && items > 0 && float64(failures)*100/float64(items) <= pct)
		p.mapThresholdExceeded = (hasCount || hasPct) && !tolerated
	}
	return nil
}

// mapInspectionJSONata is mapInspection for a JSONata Map state: Items,
// MaxConcurrency and the tolerated failures, literal or expressions.
func (p *plan) mapInspectionJSONata(st *asl.State, en *asl.Env, r *response) (*failure.Error, error) {
	fail := func(err error) (*failure.Error, error) {
		var fe *failure.Error
		if errors.As(err, &fe) {
			return fe, nil
		}
		return nil, err
	}
	items := -1
	if st.ItemReader == nil {
		v := p.input
		if st.Items != nil {
			var err error
			if v, err = st.Items.Eval(en); err != nil {
				return fail(err)
			}
		}
		list, ok := v.([]any)
		if !ok {
			if q := st.Items.Query(); q != nil {
				return q.Mismatch("Items", "array", v), nil
			}
			return &failure.Error{Name: failure.QueryEvaluationError, Cause: "Map state input must be an array but was: " + jsonv.Marshal(v)}, nil
		}
		items = len(list)
	}
	maxc, err := jsonataInt(st.MaxConcurrency, st.MaxConcurrencyExpr, en, "MaxConcurrency")
	if err != nil {
		return fail(err)
	}
	count, err := jsonataInt(st.ToleratedFailureCount, st.ToleratedFailureCountExpr, en, "ToleratedFailureCount")
	if err != nil {
		return fail(err)
	}
	if st.HasToleratedFailureCount {
		r.inspect("toleratedFailureCount", jsonv.Int(count))
	}
	pct := st.ToleratedFailurePercentage
	if q := st.ToleratedFailurePercentageExpr; q != nil {
		v, err := q.Eval(en, "ToleratedFailurePercentage")
		if err != nil {
			return fail(err)
		}
		n, ok := v.(jsonv.Number)
		if !ok {
			return q.Mismatch("ToleratedFailurePercentage", "number", v), nil
		}
		pct = n.Float64()
	}
	if st.HasToleratedFailurePercentage {
		r.inspect("toleratedFailurePercentage", jsonv.Float(pct))
	}
	r.inspect("maxConcurrency", jsonv.Int(maxc))
	return nil, p.mapFailures(items, st.HasToleratedFailureCount, count, st.HasToleratedFailurePercentage, pct)
}

// jsonataInt reads a JSONata integer field: fixed, or q's value.
func jsonataInt(fixed int64, q *asl.Query, en *asl.Env, field string) (int64, error) {
	if q == nil {
		return fixed, nil
	}
	v, err := q.Eval(en, field)
	if err != nil {
		return 0, err
	}
	n, ok := v.(jsonv.Number)
	if !ok {
		return 0, q.Mismatch(field, "integer", v)
	}
	i, ok := n.Int64()
	if !ok || i < 0 {
		return 0, q.Invalid(field, "a non-negative integer", v)
	}
	return i, nil
}

// env is the environment the state's own fields are evaluated in outside
// the engine: the input, the context object and the request's variables.
func (p *plan) env() *asl.Env {
	en := &asl.Env{JSONata: &asl.JSONataEnv{Funcs: asl.Functions(nil), Now: p.now}}
	en.Input, en.Context, en.Var = p.input, p.ctx, p.variable
	return en
}

// variable looks up a request variable.
func (p *plan) variable(name string) (jsonv.Value, bool) {
	if p.vars == nil {
		return nil, false
	}
	return p.vars.Get(name)
}

// messagePath is how AWS names an ItemsPath in its "must point to array"
// message: "$" when absent, and a context path relative to the context
// object ("$$" reads "$").
func messagePath(p *jsonpath.Path) string {
	if p == nil {
		return "$"
	}
	s := p.String()
	if p.Root() == jsonpath.RootContext {
		return strings.TrimPrefix(s, "$")
	}
	return s
}

// retryDelay is the backoff before retry number n+1 (n retries made), in
// seconds, as TestState reports it: IntervalSeconds × BackoffRate^n,
// capped by MaxDelaySeconds (jitter is not applied).
func retryDelay(r *asl.Retrier, n int64) jsonv.Value {
	secs := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(n))
	if r.MaxDelaySeconds > 0 && secs > float64(r.MaxDelaySeconds) {
		secs = float64(r.MaxDelaySeconds)
	}
	if secs == math.Trunc(secs) && secs < 1<<53 {
		return jsonv.Int(int64(secs))
	}
	return jsonv.Float(secs)
}
