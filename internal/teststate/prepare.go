package teststate

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/validate"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// loneStateName is the name AWS gives a state tested on its own: its
// validation messages locate problems at /States/StateName/..., and its
// context object's State.Name reads "StateName".
const loneStateName = "StateName"

// plan is a validated request, ready to run.
type plan struct {
	req   Request
	level string
	name  string        // the state's name in messages
	raw   *jsonv.Object // the state's definition
	typ   asl.StateType
	ql    string // the state's query language
	mock  *Mock
	// result is the mocked result, when the mock has one.
	result    jsonv.Value
	hasResult bool
	input     jsonv.Value
	vars      *jsonv.Object // the request's variables, nil when none
	ctx       *jsonv.Object // the context object every state sees
	now       time.Time
	retries   int64 // retries already made (StateConfiguration)
	// mapThresholdExceeded is set when the request's Map iteration
	// failures exceed the Map state's tolerated failures.
	mapThresholdExceeded bool
}

// prepare checks a request the way TestState does, in AWS's order, and
// returns the first problem as an *APIError.
func prepare(req Request) (*plan, error) {
	p := &plan{req: req, mock: req.Mock, now: req.Now}
	if p.now.IsZero() {
		p.now = time.Now().UTC()
	}
	switch req.InspectionLevel {
	case "":
		p.level = LevelInfo
	case LevelInfo, LevelDebug, LevelTrace:
		p.level = req.InspectionLevel
	default:
		return nil, enumError(req.InspectionLevel, "inspectionLevel", "[INFO, DEBUG, TRACE]")
	}
	if m := req.Mock; m != nil {
		switch m.FieldValidationMode {
		case "", ValidationStrict, ValidationPresent, ValidationNone:
		default:
			return nil, enumError(m.FieldValidationMode, "mock.fieldValidationMode", "[STRICT, PRESENT, NONE]")
		}
	}
	if sc := req.StateConfiguration; sc != nil && sc.RetrierRetryCount != nil {
		p.retries = *sc.RetrierRetryCount
	}
	name, raw, ql, err := locate(req.Definition, req.StateName)
	if err != nil {
		return nil, err
	}
	p.name, p.raw, p.ql = name, raw, ql
	if ql == asl.JSONata && !raw.Has("QueryLanguage") {
		// The state inherits JSONata from its state machine; the synthetic
		// machine it runs in is JSONPath.
		o := jsonv.NewObject(raw.Len() + 1)
		o.Members = append(append(o.Members, jsonv.Member{Key: "QueryLanguage", Value: asl.JSONata}), raw.Members...)
		p.raw = o
	}
	p.typ = asl.StateType(str(raw, "Type"))
	if err := p.checkMock(); err != nil {
		return nil, err
	}
	if err := p.checkInput(); err != nil {
		return nil, err
	}
	if err := p.checkContext(); err != nil {
		return nil, err
	}
	if err := p.checkVariables(); err != nil {
		return nil, err
	}
	if p.typ == asl.Task && p.mock == nil {
		if req.RoleArn == "" {
			return nil, validationError("RoleArn must be specified when testing a Task state")
		}
		return nil, fmt.Errorf("TestState of a Task state without a mock would call %s: the real service is not reachable from TestState: %w", str(raw, "Resource"), ErrUnsupported)
	}
	return p, nil
}

func enumError(value, field, set string) *APIError {
	return validationError("1 validation error detected: Value '" + value + "' at '" + field + "' failed to satisfy constraint: Member must satisfy enum value set: " + set)
}

// locate validates the definition and finds the state to test: the whole
// definition, or the state named stateName anywhere in the state machine
// (also inside Parallel branches and Map item processors). It returns the
// state's name for messages, its definition and its query language.
func locate(definition, stateName string) (string, *jsonv.Object, string, error) {
	if stateName == "" {
		if err := invalid(validate.StateDefinition(definition, validate.Options{})); err != nil {
			return "", nil, "", err
		}
		v, err := jsonv.ParseString(definition)
		if err != nil {
			return "", nil, "", &APIError{Code: CodeInvalidDefinition, Message: "Invalid State Machine Definition: '" + err.Error() + "'"}
		}
		o, _ := v.(*jsonv.Object)
		if o == nil {
			return "", nil, "", &APIError{Code: CodeInvalidDefinition, Message: "Invalid State Machine Definition: 'the definition is not a JSON object'"}
		}
		ql := str(o, "QueryLanguage")
		if ql == "" {
			ql = asl.JSONPath
		}
		return loneStateName, o, ql, nil
	}
	if err := invalid(validate.Definition(definition, validate.Options{})); err != nil {
		return "", nil, "", err
	}
	v, err := jsonv.ParseString(definition)
	if err != nil {
		return "", nil, "", &APIError{Code: CodeInvalidDefinition, Message: "Invalid State Machine Definition: '" + err.Error() + "'"}
	}
	root, _ := v.(*jsonv.Object)
	ql := asl.JSONPath
	if q := str(root, "QueryLanguage"); q != "" {
		ql = q
	}
	st := findState(root, stateName)
	if st == nil {
		return "", nil, "", validationError("State '" + stateName + "' not found in the state machine definition")
	}
	// A state without its own QueryLanguage has the state machine's, also
	// inside a Parallel or a Map.
	if q := str(st, "QueryLanguage"); q != "" {
		ql = q
	}
	return stateName, st, ql, nil
}

func invalid(diags []validate.Diagnostic) error {
	if !validate.HasErrors(diags) {
		return nil
	}
	return &APIError{Code: CodeInvalidDefinition, Message: validate.CreateMessage(diags)}
}

// findState looks for the state called name in machine m and the machines
// nested in its states.
func findState(m *jsonv.Object, name string) *jsonv.Object {
	states, _ := get(m, "States").(*jsonv.Object)
	if states == nil {
		return nil
	}
	for _, mem := range states.Members {
		so, ok := mem.Value.(*jsonv.Object)
		if !ok {
			continue
		}
		if mem.Key == name {
			return so
		}
		var nested []*jsonv.Object
		if brs, ok := get(so, "Branches").([]any); ok {
			for _, b := range brs {
				if bo, ok := b.(*jsonv.Object); ok {
					nested = append(nested, bo)
				}
			}
		}
		for _, key := range []string{"ItemProcessor", "Iterator"} {
			if po, ok := get(so, key).(*jsonv.Object); ok {
				nested = append(nested, po)
			}
		}
		for _, n := range nested {
			if found := findState(n, name); found != nil {
				return found
			}
		}
	}
	return nil
}

// checkMock applies TestState's rules on mocks.
func (p *plan) checkMock() error {
	m := p.mock
	if m == nil {
		if p.typ == asl.Map || p.typ == asl.Parallel {
			return &APIError{Code: CodeInvalidDefinition, Message: "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"}
		}
		return nil
	}
	switch p.typ {
	case asl.Task, asl.Map, asl.Parallel:
	default:
		return validationError("State type '" + string(p.typ) + "' is not supported when a mock is specified")
	}
	if p.req.RevealSecrets {
		return validationError("TestState does not support RevealSecrets when a mock is specified.")
	}
	if (m.Result == nil) == (m.ErrorOutput == nil) {
		return validationError("A test mock should have only one of the following fields: [result, errorOutput].")
	}
	if m.Result == nil {
		return nil
	}
	v, err := jsonv.ParseString(*m.Result)
	if err != nil {
		return validationError("Mocked result must be valid JSON")
	}
	p.result, p.hasResult = v, true
	switch p.typ {
	case asl.Map:
		if p.raw.Has("ResultWriter") {
			if _, ok := v.(*jsonv.Object); !ok {
				return validationError("Mocked result must be a JSON object.")
			}
		} else if _, ok := v.([]any); !ok {
			return validationError("Mocked result must be an array.")
		}
	case asl.Task:
		mode := m.FieldValidationMode
		if mode == "" {
			mode = ValidationStrict
		}
		if msg := validateMockResult(str(p.raw, "Resource"), v, mode); msg != "" {
			return validationError("Mock result schema validation error: " + msg)
		}
	}
	return nil
}

// checkInput parses the state input.
func (p *plan) checkInput() error {
	text := p.req.Input
	if text == "" {
		text = "{}"
	}
	v, err := jsonv.ParseString(text)
	if err != nil {
		return &APIError{Code: CodeInvalidInput, Message: "Invalid State Machine Execution Input: '" + err.Error() + "'"}
	}
	p.input = v
	return nil
}

// checkContext parses the request's context object, or builds the one AWS
// shows a state tested without one.
func (p *plan) checkContext() error {
	if p.req.Context == "" {
		p.ctx = p.defaultContext()
		return nil
	}
	if p.mock == nil {
		return validationError("Context object can only be specified when a mock is specified.")
	}
	v, err := jsonv.ParseString(p.req.Context)
	if err != nil {
		return validationError("Invalid Context object provided: " + err.Error())
	}
	o, ok := v.(*jsonv.Object)
	if !ok {
		return validationError("Invalid Context object provided: Context object must be a JSON object")
	}
	if o.Has("Task") && !p.callback() {
		return validationError("Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern")
	}
	p.ctx = o
	return nil
}

// callback reports whether the state is a Task with the .sync or
// .waitForTaskToken integration pattern.
func (p *plan) callback() bool {
	if p.typ != asl.Task {
		return false
	}
	res := str(p.raw, "Resource")
	return strings.HasSuffix(res, ".waitForTaskToken") || strings.Contains(res, ".sync")
}

// checkVariables parses the request's variables.
func (p *plan) checkVariables() error {
	if p.req.Variables == "" {
		return nil
	}
	v, err := jsonv.ParseString(p.req.Variables)
	if err != nil {
		return validationError("Invalid variables provided: " + err.Error())
	}
	o, ok := v.(*jsonv.Object)
	if !ok {
		return validationError("Invalid variables provided: variables must be a JSON object")
	}
	for _, m := range o.Members {
		if !validVariableName(m.Key) {
			return validationError("Invalid variables provided: invalid variable name '" + m.Key + "'")
		}
	}
	if o.Len() > 0 {
		p.vars = o
	}
	return nil
}

// validVariableName reports whether name can be a workflow variable: a
// letter or underscore, then letters, digits and underscores.
func validVariableName(name string) bool {
	if name == "" || name == "states" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// defaultContext is the context object of a TestState call without one:
// an express execution of a state machine made for the call.
func (p *plan) defaultContext() *jsonv.Object {
	account, region := p.req.Account, p.req.Region
	if account == "" {
		account = DefaultAccount
	}
	if region == "" {
		region = DefaultRegion
	}
	rng := rand.New(rand.NewPCG(uint64(p.now.UnixNano()), uint64(len(p.req.Definition))))
	smName, execName := "TestState-"+uuid(rng), uuid(rng)
	start := p.now.UTC().Format("2006-01-02T15:04:05.000Z")

	ex := jsonv.NewObject(5)
	ex.Set("Id", "arn:aws:states:"+region+":"+account+":express:"+smName+":"+execName)
	ex.Set("Input", p.input)
	ex.Set("Name", execName)
	if p.req.RoleArn != "" {
		ex.Set("RoleArn", p.req.RoleArn)
	} else {
		ex.Set("RoleArn", nil)
	}
	ex.Set("StartTime", start)
	st := jsonv.NewObject(3)
	st.Set("EnteredTime", start)
	st.Set("Name", loneStateName)
	switch p.typ {
	case asl.Task, asl.Map, asl.Parallel:
		st.Set("RetryCount", jsonv.Int(p.retries))
	}
	sm := jsonv.NewObject(2)
	sm.Set("Id", "arn:aws:states:"+region+":"+account+":stateMachine:"+smName)
	sm.Set("Name", smName)
	ctx := jsonv.NewObject(4)
	ctx.Set("Execution", ex)
	ctx.Set("State", st)
	ctx.Set("StateMachine", sm)
	if p.typ == asl.Task && strings.HasSuffix(str(p.raw, "Resource"), ".waitForTaskToken") {
		tk := jsonv.NewObject(1)
		tk.Set("Token", strconv.FormatUint(rng.Uint64(), 36)+strconv.FormatUint(rng.Uint64(), 36))
		ctx.Set("Task", tk)
	}
	return ctx
}

// uuid returns a random version 4 UUID.
func uuid(r *rand.Rand) string {
	const hex = "0123456789abcdef"
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}

func get(o *jsonv.Object, key string) jsonv.Value {
	if o == nil {
		return nil
	}
	v, _ := o.Get(key)
	return v
}

func str(o *jsonv.Object, key string) string {
	s, _ := get(o, key).(string)
	return s
}
