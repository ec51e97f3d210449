package engine

import (
	"math"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// fanout tracks the children of a Parallel or Map state.
type fanout struct {
	isMap       bool
	distributed bool
	total       int
	next        int // next child to start
	running     int
	finished    int
	failures    int
	max         int // most children in flight; 0 means no limit
	tolerated   func(failures, total int) bool
	input       jsonv.Value // Map: the effective input ItemSelector sees
	items       []any       // Map: the items (or batches, when batched)
	batched     bool        // items are ItemBatcher batches, already selected
	results     []any
	active      map[int]*frame
	runCtx      *frame // distributed Map: linkage of the map run's events
	// lastIterationEvent is the id of the latest MapIteration{Succeeded,
	// Failed} event; MapStateSucceeded links to it.
	lastIterationEvent int64
	// enteredFirst is set when the Map state's entry linked to no event
	// (it is the execution's first state).
	enteredFirst bool
	mapRunArn    string
	run          *mapRun // distributed Map: the map run's record
	// records are the children as a ResultWriter exports them (only with
	// a ResultWriter); written is set once the results were written, and
	// output is then the Map's result.
	records []childRecord
	written bool
	output  jsonv.Value
	express bool // the children are EXPRESS executions

	// For RedriveExecution: ok marks the children that succeeded (their
	// results stay), failedKids keeps the frames of those that failed.
	// A redriven fan-out runs redo's frames again, in index order, before
	// the children never started.
	ok         []bool
	failedKids map[int]*frame
	redo       []*frame
}

// execParallel runs a Parallel state: every branch runs with the effective
// input, and the result is the array of branch outputs.
func (e *Execution) execParallel(f *frame) {
	st := f.state
	en := e.env(f, f.input)
	eff, err := e.applyInputPath(f, en, f.input)
	if err == nil && st.Parameters != nil {
		en.Input = eff
		eff, err = st.Parameters.Eval(en)
	}
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	e.inspect(f, "afterParameters", eff)
	e.startBranches(f, eff)
}

// startBranches starts every branch of f's Parallel state with input eff.
func (e *Execution) startBranches(f *frame, eff jsonv.Value) {
	st := f.state
	e.record(f, ParallelStateStarted, true)
	old := f.redo
	fan := &fanout{total: len(st.Branches), results: make([]any, len(st.Branches)), active: map[int]*frame{}}
	f.fan = fan
	f.status = stWaiting
	children := make([]*frame, 0, len(st.Branches))
	for i, br := range st.Branches {
		if old.succeeded(i) {
			// Redriven: a branch that succeeded keeps its output.
			fan.keep(old, i)
			continue
		}
		c := old.unfinished(i)
		if c != nil {
			c.lastID = f.lastID
			e.redriveFrame(c)
		} else {
			c = &frame{parent: f, kind: frameBranch, sm: br, log: f.log, index: i, lastID: f.lastID, vars: &scope{parent: f.vars}}
			e.enter(c, br.StartAt, eff)
		}
		children = append(children, c)
		fan.active[i] = c
		fan.running++
	}
	fan.next = fan.total
	for _, c := range children {
		if f.fan != fan || e.status != Running {
			return // the state already failed
		}
		e.run(c)
		if c.status == stDone {
			e.collect(f, c)
		}
	}
	e.settle(f)
}

// execMap runs a Map state over the items its ItemsPath selects.
func (e *Execution) execMap(f *frame) {
	st := f.state
	en := e.env(f, f.input)
	eff, err := e.applyInputPath(f, en, f.input)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	en.Input = eff
	if st.Reader != nil {
		e.execMapReader(f, en, eff)
		return
	}
	itemsVal := eff
	if st.ItemsPath != nil {
		v, ok := asl.GetPath(en, st.ItemsPath)
		if !ok {
			e.stateFailed(f, e.runtimeError(f, asl.PathNotFoundInput(st.ItemsPath)))
			return
		}
		itemsVal = v
	}
	e.inspect(f, "afterItemsPath", itemsVal)
	items, ok := itemsVal.([]any)
	if !ok {
		path := "$"
		if st.ItemsPath != nil {
			path = st.ItemsPath.String()
		}
		e.stateFailed(f, e.runtimeError(f, failure.New(failure.Runtime, "Reference path \"%s\" must point to array.", path)))
		return
	}
	maxc, err := asl.IntField(en, st.MaxConcurrency, st.MaxConcurrencyPath, "MaxConcurrencyPath")
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	if st.MaxConcurrency != 0 || st.MaxConcurrencyPath != nil {
		e.inspect(f, "maxConcurrency", jsonv.Int(maxc))
	}
	fan := newMapFan(st, eff, items, maxc)
	var tol toleranceSpec
	if fan.distributed {
		tol, err = e.tolerance(st, en)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
		fan.tolerated = tol.ok
	}
	if fan.distributed && st.Batcher != nil {
		if err := e.batch(f, fan, en); err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
	}
	e.startMap(f, fan, tol, len(items))
}

// execMapReader runs a JSONPath Map state whose ItemReader reads the
// items: en is the Map's environment with its effective input eff.
func (e *Execution) execMapReader(f *frame, en *asl.Env, eff jsonv.Value) {
	st := f.state
	req, err := e.readerRequest(f, en)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	en.Input = eff
	maxc, err := asl.IntField(en, st.MaxConcurrency, st.MaxConcurrencyPath, "MaxConcurrencyPath")
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	if st.MaxConcurrency != 0 || st.MaxConcurrencyPath != nil {
		e.inspect(f, "maxConcurrency", jsonv.Int(maxc))
	}
	fan := newMapFan(st, eff, nil, maxc)
	var tol toleranceSpec
	if fan.distributed {
		if tol, err = e.tolerance(st, en); err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
		fan.tolerated = tol.ok
	}
	e.startMapReading(f, fan, tol, req)
}

// startMapReading records the start of f's Map state, whose items an
// ItemReader reads, and asks for them: the map run's children start when
// they come (itemsRead). As on AWS, MapStateStarted counts no items.
func (e *Execution) startMapReading(f *frame, fan *fanout, tol toleranceSpec, req jsonv.Value) {
	e.startMap(f, fan, tol, 0)
	if f.fan == fan && e.status == Running && fan.items == nil {
		e.scheduleInternal(f, TaskItemReader, f.state.Reader.Resource, req)
	}
}

// newMapFan is the fan-out of f's Map state over items; input is what
// ItemSelector sees as the state input.
func newMapFan(st *asl.State, input jsonv.Value, items []any, maxc int64) *fanout {
	return &fanout{
		isMap: true, distributed: st.ProcessorMode == "DISTRIBUTED", express: st.ExecutionType == "EXPRESS",
		total: len(items), max: int(maxc), input: input, items: items,
		results: make([]any, len(items)), active: map[int]*frame{},
	}
}

// startMap records the start of f's Map state over length items and runs
// its first iterations.
func (e *Execution) startMap(f *frame, fan *fanout, tol toleranceSpec, length int) {
	st := f.state
	ev := e.record(f, MapStateStarted, true)
	ev.kind, ev.detailsKey, ev.Length = detailsMapStateStarted, "mapStateStartedEventDetails", int32(length)
	old := f.redo
	if old != nil && old.items == nil {
		old = nil // the items were never read: the Map starts over
	}
	if old != nil {
		e.redoMap(fan, old)
	}
	if fan.distributed {
		if old != nil && old.run != nil {
			e.redriveMapRun(f, fan, old.run)
		} else {
			fan.mapRunArn = e.mapRunArn(st)
			ev := e.record(f, MapRunStarted, true)
			ev.kind, ev.detailsKey = detailsMapRunStarted, "mapRunStartedEventDetails"
			ev.x().MapRunArn = fan.mapRunArn
			e.startMapRun(f, fan, tol)
		}
		fan.runCtx = &frame{log: f.log, lastID: f.lastID}
		fan.enteredFirst = f.log.events[f.enteredID-1].PreviousID == 0
	}
	f.fan = fan
	f.status = stWaiting
	if f.state.Reader != nil && fan.items == nil {
		return // the children start once the items are read
	}
	e.fill(f)
	e.settle(f)
}

// redoMap makes fan, a Map state's new fan-out, the redrive of old, the
// one it failed or was stopped in: the same items, the succeeded
// children's results kept, the failed and stopped ones run again first,
// then those never started. A distributed Map keeps its map run.
func (e *Execution) redoMap(fan, old *fanout) {
	fan.items, fan.batched, fan.total = old.items, old.batched, old.total
	fan.results = make([]any, fan.total)
	fan.records = old.records
	for i := range old.next {
		if old.succeeded(i) {
			fan.keep(old, i)
		} else if c := old.unfinished(i); c != nil {
			fan.redo = append(fan.redo, c)
		}
	}
	fan.next = old.next
}

// succeeded reports whether child i of fan succeeded; false for a nil fan.
func (fan *fanout) succeeded(i int) bool {
	return fan != nil && i < len(fan.ok) && fan.ok[i]
}

// unfinished returns the frame of child i of fan if it failed or was
// stopped; nil for a nil fan.
func (fan *fanout) unfinished(i int) *frame {
	if fan == nil {
		return nil
	}
	if c, ok := fan.failedKids[i]; ok {
		return c
	}
	return fan.active[i]
}

// keep takes child i's success from old, the fan-out fan redrives.
func (fan *fanout) keep(old *fanout, i int) {
	fan.results[i] = old.results[i]
	fan.markOK(i)
	fan.finished++
}

// markOK records that child i succeeded.
func (fan *fanout) markOK(i int) {
	if fan.ok == nil {
		fan.ok = make([]bool, fan.total)
	}
	fan.ok[i] = true
}

// batch groups a distributed Map's items into ItemBatcher batches: each
// child gets {"BatchInput": …, "Items": [selected items]}.
func (e *Execution) batch(f *frame, fan *fanout, en *asl.Env) error {
	b := f.state.Batcher
	maxItems, err := e.batchLimit(f, en, b.MaxItems, b.MaxItemsPath, b.MaxItemsExpr, "MaxItemsPerBatch")
	if err != nil {
		return err
	}
	maxBytes, err := e.batchLimit(f, en, b.MaxBytes, b.MaxBytesPath, b.MaxBytesExpr, "MaxInputBytesPerBatch")
	if err != nil {
		return err
	}
	if maxBytes == 0 || maxBytes > MaxPayloadSize {
		maxBytes = MaxPayloadSize
	}
	var batchInput jsonv.Value
	if b.BatchInput != nil {
		ben := e.env(f, fan.input)
		if f.state.JSONata {
			ben = e.jenv(f, fan.input)
		}
		if batchInput, err = b.BatchInput.Eval(ben); err != nil {
			return err
		}
	}
	selected := make([]any, len(fan.items))
	for i, item := range fan.items {
		selected[i] = item
		if f.state.ItemSelector != nil {
			v, err := f.state.ItemSelector.Eval(e.itemEnv(f, fan, i, item))
			if err != nil {
				return err
			}
			selected[i] = v
		}
	}
	var batches []any
	for start := 0; start < len(selected); {
		end, size := start, 0
		for end < len(selected) && (maxItems == 0 || int64(end-start) < maxItems) {
			n := jsonv.Size(selected[end]) + 1
			if end > start && size+n > int(maxBytes) {
				break
			}
			size += n
			end++
		}
		o := jsonv.NewObject(2)
		if batchInput != nil {
			o.Set("BatchInput", batchInput)
		}
		o.Set("Items", selected[start:end:end])
		batches = append(batches, o)
		start = end
	}
	fan.items, fan.batched, fan.total, fan.results = batches, true, len(batches), make([]any, len(batches))
	return nil
}

// batchLimit reads an ItemBatcher limit given directly, through its Path
// form or as an expression; 0 means none.
func (e *Execution) batchLimit(f *frame, en *asl.Env, fixed int64, path *jsonpath.Path, q *asl.Query, field string) (int64, error) {
	switch {
	case q != nil:
		return asl.QueryInt(q, e.jenv(f, f.input), field, 0, math.MaxInt32)
	case path != nil:
		return asl.IntField(en, 0, path, field+"Path")
	}
	return fixed, nil
}

// itemEnv is the environment ItemSelector sees for item i: the Map's
// effective input as "$" and $$.Map.Item.
func (e *Execution) itemEnv(f *frame, fan *fanout, i int, item jsonv.Value) *asl.Env {
	mi := jsonv.NewObject(2)
	mi.Set("Index", jsonv.Int(int64(i)))
	mi.Set("Value", item)
	mo := jsonv.NewObject(1)
	mo.Set("Item", mi)
	if f.state.JSONata {
		return e.jenv(f, fan.input, jsonv.Member{Key: "Map", Value: mo})
	}
	return e.env(f, fan.input, jsonv.Member{Key: "Map", Value: mo})
}

// tolerance returns the distributed Map's failure tolerance check.
func (e *Execution) tolerance(st *asl.State, en *asl.Env) (toleranceSpec, error) {
	count, err := asl.IntField(en, st.ToleratedFailureCount, st.ToleratedFailureCountPath, "ToleratedFailureCountPath")
	if err != nil {
		return toleranceSpec{}, err
	}
	hasCount := st.HasToleratedFailureCount || st.ToleratedFailureCountPath != nil
	pct := st.ToleratedFailurePercentage
	if st.ToleratedFailurePercentagePath != nil {
		v, ok := asl.GetPath(en, st.ToleratedFailurePercentagePath)
		n, isNum := asl.Numeric(v)
		if !ok || !isNum || n.Float64() < 0 || n.Float64() > 100 {
			return toleranceSpec{}, failure.New(failure.Runtime, "The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid percentage: %s", asl.Render(v, ok), st.ToleratedFailurePercentagePath.String())
		}
		pct = n.Float64()
	}
	hasPct := st.HasToleratedFailurePercentage || st.ToleratedFailurePercentagePath != nil
	return toleranceSpec{count: count, pct: pct, hasCount: hasCount, isPct: hasPct}, nil
}

// mapRunArn names a distributed Map's map run.
func (e *Execution) mapRunArn(st *asl.State) string {
	label := st.Label
	if label == "" {
		label = e.rng.uuid()
	}
	return "arn:aws:states:" + e.info.Region + ":" + e.info.Account + ":mapRun:" + e.info.StateMachineName + "/" + label + ":" + e.rng.uuid()
}

// fill starts Map iterations while the concurrency limit allows, running
// each until it waits or finishes.
func (e *Execution) fill(f *frame) {
	fan := f.fan
	for (len(fan.redo) > 0 || fan.next < fan.total) && (fan.max == 0 || fan.running < fan.max) && f.fan == fan && e.status == Running {
		var c *frame
		var err error
		if len(fan.redo) > 0 {
			c = fan.redo[0]
			fan.redo = fan.redo[1:]
			e.restartIteration(f, c)
		} else {
			i := fan.next
			fan.next++
			c, err = e.startIteration(f, i)
		}
		if err != nil {
			e.failFan(f, e.runtimeError(f, err))
			return
		}
		e.run(c)
		if c.status == stDone {
			e.collect(f, c)
		}
	}
}

// startIteration creates iteration i of f's Map state.
func (e *Execution) startIteration(f *frame, i int) (*frame, error) {
	st, fan := f.state, f.fan
	item := fan.items[i]
	input := item
	if st.ItemSelector != nil && !fan.batched {
		v, err := st.ItemSelector.Eval(e.itemEnv(f, fan, i, item))
		if err != nil {
			return nil, err
		}
		input = v
	}
	c := &frame{parent: f, kind: frameIteration, sm: st.ItemProcessor, log: f.log, index: i, lastID: f.lastID, vars: &scope{parent: f.vars}}
	if fan.distributed {
		if st.Writer != nil {
			if fan.records == nil {
				fan.records = make([]childRecord, fan.total)
			}
			fan.records[i] = childRecord{input: input, start: e.now, started: true}
		}
		c.kind, c.log, c.lastID = frameChild, &historyLog{}, 0
		if !fan.express {
			e.startChild(fan, c, input)
		}
		ev := e.record(c, ExecutionStarted, false)
		ev.kind, ev.detailsKey, ev.Data = detailsExecutionStarted, "executionStartedEventDetails", input
		ev.x().RoleArn = e.info.RoleArn
	} else {
		ev := e.record(c, MapIterationStarted, true)
		ev.kind, ev.detailsKey, ev.Name, ev.Index = detailsMapIteration, "mapIterationStartedEventDetails", st.Name, int32(i)
	}
	fan.active[i] = c
	fan.running++
	e.enter(c, st.ItemProcessor.StartAt, input)
	return c, nil
}

// collect takes a finished child's outcome into its parent's fan-out.
func (e *Execution) collect(p *frame, c *frame) {
	fan := p.fan
	if fan == nil || fan.active[c.index] != c {
		return
	}
	delete(fan.active, c.index)
	fan.running--
	fan.finished++
	if fan.isMap && !fan.distributed {
		typ, key := MapIterationSucceeded, "mapIterationSucceededEventDetails"
		if c.failed {
			typ, key = MapIterationFailed, "mapIterationFailedEventDetails"
		}
		ev := e.record(c, typ, false)
		ev.kind, ev.detailsKey, ev.Name, ev.Index = detailsMapIteration, key, p.state.Name, int32(c.index)
		fan.lastIterationEvent = ev.ID
	}
	if fan.distributed {
		if ch := c.log.child; ch != nil && ch.info.Status == Aborted {
			// Stopped (StopExecution): its ExecutionAborted is recorded.
		} else if c.failed {
			ev := e.record(c, ExecutionFailed, true)
			ev.kind, ev.detailsKey = detailsErrorCause, "executionFailedEventDetails"
			ev.setError(c.errName, c.errCause, c.errName != "", c.errCause != "")
			e.endChild(c, Failed)
		} else {
			ev := e.record(c, ExecutionSucceeded, true)
			ev.kind, ev.detailsKey, ev.Data = detailsExecutionSucceeded, "executionSucceededEventDetails", c.output
			e.endChild(c, Succeeded)
		}
		if fan.records != nil {
			r := &fan.records[c.index]
			r.stop, r.output, r.failed, r.errName, r.errCause = e.now, c.output, c.failed, c.errName, c.errCause
		}
	} else if c.lastID > p.lastID {
		p.lastID = c.lastID
	}
	if !c.failed {
		fan.results[c.index] = c.output
		fan.markOK(c.index)
		return
	}
	if fan.failedKids == nil {
		fan.failedKids = map[int]*frame{}
	}
	fan.failedKids[c.index] = c
	fan.failures++
	if fan.distributed && fan.tolerated != nil && fan.tolerated(fan.failures, fan.total) {
		fan.results[c.index] = nil
		return
	}
	var fe *failure.Error
	if fan.distributed {
		fe = failure.New(failure.ExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
	} else {
		fe = &failure.Error{Name: c.errName, Cause: c.errCause}
	}
	e.failFan(p, fe)
}

// childFinished is called when a child finishes after waiting: its parent
// collects it, starts more children and completes when all are done.
func (e *Execution) childFinished(p *frame, c *frame) {
	if p.fan == nil {
		return
	}
	e.collect(p, c)
	if p.fan == nil {
		return
	}
	if p.fan.isMap {
		e.fill(p)
	}
	e.settle(p)
}

// settle completes f's Parallel or Map state once every child succeeded.
func (e *Execution) settle(f *frame) {
	fan := f.fan
	if fan == nil || f.task != nil || fan.finished < fan.total || e.status != Running {
		return
	}
	if fan.distributed && f.state.Writer != nil && !fan.written && e.writeResults(f, fan) {
		return
	}
	f.fan = nil
	var result jsonv.Value = fan.results
	if fan.written {
		result = fan.output
	}
	if fan.isMap {
		if fan.distributed {
			e.endMapRun(fan, Succeeded)
			e.record(fan.runCtx, MapRunSucceeded, true)
			e.record(fan.runCtx, MapStateSucceeded, false)
			// Observed on AWS (all eleven recordings): MapStateExited links
			// to MapRunSucceeded when the Map state is the first state or
			// has a ResultPath, to MapRunStarted otherwise.
			if fan.enteredFirst || f.state.ResultPath != nil {
				f.lastID = fan.runCtx.lastID
			}
		} else {
			if fan.lastIterationEvent > f.lastID {
				f.lastID = fan.lastIterationEvent
			}
			e.record(f, MapStateSucceeded, false)
		}
	} else {
		e.record(f, ParallelSucceeded, false)
		e.noteParallelText(fan.results)
	}
	f.status = stRunning
	e.finishResult(f, result)
}

// failFan fails f's Parallel or Map state: running children are aborted and
// the error goes to the state's Retry and Catch.
func (e *Execution) failFan(f *frame, fe *failure.Error) {
	fan := f.fan
	if fan == nil {
		return
	}
	f.fan = nil
	e.endMapRun(fan, Failed)
	for i := 0; i < fan.total; i++ {
		if c, ok := fan.active[i]; ok {
			e.abortFrame(c)
			if fan.isMap && !fan.distributed {
				ev := e.record(c, MapIterationAborted, false)
				ev.kind, ev.detailsKey, ev.Name, ev.Index = detailsMapIteration, "mapIterationAbortedEventDetails", f.state.Name, int32(i)
			}
		}
	}
	f.status = stRunning
	if e.retry(f, fe) {
		return
	}
	f.redo = fan // a redrive runs the unfinished children again (a Catch moves on and drops it)
	switch {
	case fan.distributed:
		ev := e.record(fan.runCtx, MapRunFailed, true)
		ev.kind, ev.detailsKey = detailsErrorCause, "mapRunFailedEventDetails"
		ev.setError(fe.Name, fe.Cause, true, fe.Cause != "")
		e.record(fan.runCtx, MapStateFailed, false)
	case fan.isMap:
		e.record(f, MapStateFailed, true)
	default:
		e.record(f, ParallelStateFailed, true)
	}
	e.catchOrFail(f, fe)
}

// abortFrame stops a child and everything below it.
func (e *Execution) abortFrame(c *frame) {
	if c.status == stDone {
		return
	}
	if c.task != nil {
		t := e.endTask(c)
		e.commands = append(e.commands, CancelTask{TaskID: t.id})
	}
	for id, t := range e.timers {
		if t.frame == c {
			e.cancelTimer(id)
		}
	}
	if c.fan != nil {
		fan := c.fan
		c.fan, c.redo = nil, fan
		e.endMapRun(fan, Aborted)
		for i := 0; i < fan.total; i++ {
			if gc, ok := fan.active[i]; ok {
				e.abortFrame(gc)
			}
		}
	}
	c.status = stDone
	c.failed = true
}
