package engine

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// pendingTask is a Task state's scheduled work.
type pendingTask struct {
	id             string
	cmd            ScheduleTask // as it was issued
	started        bool
	res            *resource
	timeoutTimer   string
	heartbeatTimer string
	heartbeat      time.Duration
}

// resource is a Task's Resource split the way history events show it.
type resource struct {
	family       family
	resourceType string
	resource     string
	token        bool // the task is resumed by a task token
}

// family is the kind of history events a resource records.
type family uint8

const (
	familyTask     family = iota // TaskScheduled, …
	familyLambda                 // LambdaFunctionScheduled, … (a Lambda function ARN)
	familyActivity               // ActivityScheduled, …
)

// taskStep is one step of a task's life in history.
type taskStep uint8

const (
	stepScheduled taskStep = iota
	stepStarted
	stepSucceeded
	stepFailed
	stepTimedOut
)

// taskEvents names each family's events and their details members.
var taskEvents = [3][5]struct {
	typ EventType
	key string
}{
	familyTask: {
		{"TaskScheduled", "taskScheduledEventDetails"}, {"TaskStarted", "taskStartedEventDetails"},
		{"TaskSucceeded", "taskSucceededEventDetails"}, {"TaskFailed", "taskFailedEventDetails"},
		{"TaskTimedOut", "taskTimedOutEventDetails"},
	},
	familyLambda: {
		{"LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails"}, {"LambdaFunctionStarted", ""},
		{"LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails"}, {"LambdaFunctionFailed", "lambdaFunctionFailedEventDetails"},
		{"LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails"},
	},
	familyActivity: {
		{"ActivityScheduled", "activityScheduledEventDetails"}, {"ActivityStarted", "activityStartedEventDetails"},
		{"ActivitySucceeded", "activitySucceededEventDetails"}, {"ActivityFailed", "activityFailedEventDetails"},
		{"ActivityTimedOut", "activityTimedOutEventDetails"},
	},
}

// resources caches parsed resources: definitions are compiled once and run
// many times.
var resources sync.Map // string → *resource

func parseResource(arn string) *resource {
	if r, ok := resources.Load(arn); ok {
		return r.(*resource)
	}
	r := splitResource(arn)
	resources.Store(arn, r)
	return r
}

func splitResource(arn string) *resource {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) >= 6 && parts[0] == "arn" {
		switch {
		case parts[2] == "states" && parts[3] == "" && parts[4] == "":
			// arn:aws:states:::service:action[.pattern]
			rest := strings.Join(parts[5:], ":")
			typ, action, _ := strings.Cut(rest, ":")
			return &resource{family: familyTask, resourceType: typ, resource: action, token: strings.HasSuffix(action, ".waitForTaskToken")}
		case parts[2] == "lambda":
			return &resource{family: familyLambda, resourceType: "lambda", resource: arn}
		case parts[2] == "states" && parts[5] == "activity":
			return &resource{family: familyActivity, resourceType: "activity", resource: arn, token: true}
		}
	}
	typ, action, ok := strings.Cut(arn, ":")
	if !ok {
		return &resource{family: familyTask, resourceType: arn, resource: arn}
	}
	return &resource{family: familyTask, resourceType: typ, resource: action}
}

// record appends the event of a task step.
func (r *resource) record(e *Execution, f *frame, step taskStep) *HistoryEvent {
	te := taskEvents[r.family][step]
	ev := e.record(f, te.typ, true)
	ev.detailsKey = te.key
	if r.family == familyTask {
		ev.res = r
	}
	return ev
}

// execTask runs a Task state: it schedules the task and waits for its
// result.
func (e *Execution) execTask(f *frame) {
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
	en := e.env(f, f.input, extra...)
	eff, err := e.applyInputPath(f, en, f.input)
	if err != nil {
		e.stateFailed(f, e.runtimeError(f, err))
		return
	}
	params := eff
	if st.Parameters != nil {
		en.Input = eff
		params, err = st.Parameters.Eval(en)
		if err != nil {
			e.stateFailed(f, e.runtimeError(f, err))
			return
		}
	}
	e.inspect(f, "afterParameters", params)
	en.Input = f.input
	timeout, err := seconds(en, st.TimeoutSeconds, st.TimeoutSecondsPath, "TimeoutSecondsPath")
	if err == nil {
		var hb int64
		hb, err = seconds(en, st.HeartbeatSeconds, st.HeartbeatSecondsPath, "HeartbeatSecondsPath")
		if err == nil {
			e.scheduleTask(f, res, params, timeout, hb, token)
			return
		}
	}
	e.stateFailed(f, e.runtimeError(f, err))
}

// seconds resolves a TimeoutSeconds/HeartbeatSeconds field or its Path
// form.
func seconds(en *asl.Env, fixed int64, path *jsonpath.Path, field string) (int64, error) {
	if path == nil {
		return fixed, nil
	}
	v, ok := asl.GetPath(en, path)
	n, isNum := v.(jsonv.Number)
	secs, isInt := n.Int64()
	if !ok || !isNum || !isInt || secs <= 0 || secs > maxWaitSeconds {
		return 0, failure.New(failure.Runtime, "The %s field refers to value %s which is not a valid positive integer: %s", field, jsonv.Quote(asl.Render(v, ok)), path.String())
	}
	return secs, nil
}

func (e *Execution) scheduleTask(f *frame, res *resource, params jsonv.Value, timeout, heartbeat int64, token string) {
	st := f.state
	t := &pendingTask{id: e.nextID("task-"), res: res}
	ev := res.record(e, f, stepScheduled)
	ev.kind = detailsTaskScheduled
	x := ev.x()
	x.Resource, x.Region, x.Params = res.resource, e.info.Region, params
	x.Timeout, x.Heartbeat = timeout, heartbeat
	if e.tasks == nil {
		e.tasks = map[string]*frame{}
	}
	e.tasks[t.id] = f
	f.task = t
	f.status = stWaiting
	t.cmd = ScheduleTask{
		TaskID: t.id, StateName: st.Name, Resource: st.Resource, Parameters: params,
		TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat, TaskToken: token,
	}
	e.commands = append(e.commands, t.cmd)
	if timeout > 0 {
		t.timeoutTimer = e.nextID("timeout-")
		e.startTimer(t.timeoutTimer, e.now.Add(time.Duration(timeout)*time.Second), timerTarget{frame: f, kind: timerTaskTimeout})
	}
	if heartbeat > 0 {
		t.heartbeat = time.Duration(heartbeat) * time.Second
		t.heartbeatTimer = e.nextID("heartbeat-")
		e.startTimer(t.heartbeatTimer, e.now.Add(t.heartbeat), timerTarget{frame: f, kind: timerHeartbeat})
	}
}

// taskToken returns a new task token: random, then signed when
// Info.TokenKey is set.
func (e *Execution) taskToken() string {
	var b []byte
	for range 4 {
		b = strconv.AppendUint(b, e.rng.Uint64(), 36)
	}
	if e.info.TokenKey != nil {
		b = appendTokenMAC(append(b, '.'), e.info.TokenKey, b)
	}
	return string(b)
}

// tokenMACBytes is how much of a token's HMAC-SHA256 it carries.
const tokenMACBytes = 16

// appendTokenMAC appends to dst the hex MAC of a token's random part.
func appendTokenMAC(dst, key, random []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(random)
	return hex.AppendEncode(dst, m.Sum(nil)[:tokenMACBytes])
}

// TokenIssued reports whether token was issued by an execution whose
// Info.TokenKey is key: its MAC matches. A token that is no longer waiting
// but was issued is a task that ended (TaskTimedOut); any other is forged
// (InvalidToken).
func TokenIssued(key []byte, token string) bool {
	random, mac, ok := strings.Cut(token, ".")
	if !ok || key == nil || len(mac) != 2*tokenMACBytes {
		return false
	}
	want := appendTokenMAC(nil, key, []byte(random))
	return hmac.Equal(want, []byte(mac))
}

func (e *Execution) endTask(f *frame) *pendingTask {
	t := f.task
	f.task = nil
	delete(e.tasks, t.id)
	e.cancelTimer(t.timeoutTimer)
	e.cancelTimer(t.heartbeatTimer)
	return t
}

func (e *Execution) taskStarted(f *frame, worker string) {
	t := f.task
	if t.started {
		return // a task starts once (an activity task offered again after a crash)
	}
	t.started = true
	if t.cmd.Kind != TaskState {
		return // item readers and result writers record no event
	}
	ev := t.res.record(e, f, stepStarted)
	switch t.res.family {
	case familyTask:
		ev.kind = detailsTaskStarted
	case familyActivity:
		ev.kind = detailsActivityStarted
		ev.Name = worker
	}
}

func (e *Execution) taskHeartbeat(f *frame) {
	t := f.task
	if t.heartbeatTimer == "" {
		return
	}
	e.cancelTimer(t.heartbeatTimer)
	t.heartbeatTimer = e.nextID("heartbeat-")
	e.startTimer(t.heartbeatTimer, e.now.Add(t.heartbeat), timerTarget{frame: f, kind: timerHeartbeat})
}

func (e *Execution) taskSucceeded(f *frame, output jsonv.Value) {
	switch f.task.cmd.Kind {
	case TaskItemReader:
		e.itemsRead(f, output) // the items are not a state's payload: no size limit
		return
	case TaskResultWriter:
		e.resultsWritten(f, output)
		return
	}
	if e.tooLarge(output) {
		e.endTask(f)
		e.finishFailed(f, failure.DataLimitExceeded, dataLimitCause(f.state.Name))
		return
	}
	t := e.endTask(f)
	ev := t.res.record(e, f, stepSucceeded)
	ev.kind, ev.Data = detailsTaskSucceeded, output
	f.status = stRunning
	e.finishResult(f, output)
}

func (e *Execution) taskFailed(f *frame, step taskStep, name, cause string) {
	if kind := f.task.cmd.Kind; kind != TaskState {
		e.internalTaskFailed(f, kind, cause)
		return
	}
	t := e.endTask(f)
	ev := t.res.record(e, f, step)
	ev.kind = detailsErrorCause
	ev.setError(name, cause, true, cause != "")
	f.status = stRunning
	e.stateFailed(f, &failure.Error{Name: name, Cause: cause})
}

func (e *Execution) taskTimedOut(f *frame, name string) {
	if f.task == nil {
		return
	}
	e.commands = append(e.commands, CancelTask{TaskID: f.task.id})
	e.taskFailed(f, stepTimedOut, name, "")
}
