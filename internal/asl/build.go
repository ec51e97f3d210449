package asl

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/asl/validate"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Options select how a definition is validated.
type Options = validate.Options

// Diagnostic is one validation problem.
type Diagnostic = validate.Diagnostic

// InvalidDefinitionError is returned by Parse when validation reports
// errors. Its message is CreateStateMachine's InvalidDefinition message.
type InvalidDefinitionError struct {
	Diagnostics []Diagnostic
}

func (e *InvalidDefinitionError) Error() string { return validate.CreateMessage(e.Diagnostics) }

// Parse validates definition and compiles it. It returns an
// *InvalidDefinitionError listing every problem when the definition is not
// valid.
func Parse(definition string, opts Options) (*StateMachine, error) {
	diags := validate.Definition(definition, opts)
	var errs []Diagnostic
	for _, d := range diags {
		if d.Severity == "ERROR" {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return nil, &InvalidDefinitionError{Diagnostics: errs}
	}
	raw, err := jsonv.ParseString(definition)
	if err != nil {
		return nil, fmt.Errorf("parse definition: %w", err)
	}
	return Compile(raw)
}

// Compile builds a StateMachine from a decoded definition that has passed
// validation. It returns an error instead of panicking on malformed input.
func Compile(raw jsonv.Value) (*StateMachine, error) {
	o, ok := raw.(*jsonv.Object)
	if !ok {
		return nil, errors.New("compile definition: not a JSON object")
	}
	b := builder{rootQL: JSONPath}
	if str(o, "QueryLanguage") == JSONata {
		b.rootQL = JSONata
	}
	sm := b.machine(o, b.rootQL)
	if b.err != nil {
		return nil, b.err
	}
	return sm, nil
}

type builder struct {
	err    error
	rootQL string // the state machine's query language, which nested states inherit
}

func (b *builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("compile definition: "+format, args...)
	}
}

func (b *builder) machine(o *jsonv.Object, ql string) *StateMachine {
	sm := &StateMachine{Raw: o, States: map[string]*State{}}
	sm.Comment = str(o, "Comment")
	sm.StartAt = str(o, "StartAt")
	sm.Version = str(o, "Version")
	sm.TimeoutSeconds = integer(o, "TimeoutSeconds")
	sm.QueryLanguage = ql
	states, _ := get(o, "States").(*jsonv.Object)
	for _, m := range states.Members {
		so, ok := m.Value.(*jsonv.Object)
		if !ok {
			b.fail("state %q is not an object", m.Key)
			continue
		}
		sm.States[m.Key] = b.state(m.Key, so, sm.QueryLanguage)
		sm.Order = append(sm.Order, m.Key)
	}
	if _, ok := sm.States[sm.StartAt]; !ok {
		b.fail("StartAt %q names no state", sm.StartAt)
	}
	return sm
}

func (b *builder) state(name string, o *jsonv.Object, ql string) *State {
	s := &State{Name: name, Raw: o}
	s.Type = StateType(str(o, "Type"))
	s.Comment = str(o, "Comment")
	s.Next = str(o, "Next")
	s.End, _ = get(o, "End").(bool)
	s.QueryLanguage = ql
	if q := str(o, "QueryLanguage"); q != "" {
		s.QueryLanguage = q
	}
	s.JSONata = s.QueryLanguage == JSONata
	s.UsesContext = usesContext(o, s.JSONata)
	if s.JSONata {
		b.jsonataFields(s, o)
	} else {
		b.jsonPathFields(s, o)
	}
	if s.Type == Task || s.Type == Parallel || s.Type == Map {
		s.Retry = b.retriers(o)
		s.Catch = b.catchers(o, s.JSONata)
	}
	switch s.Type {
	case Parallel:
		branches, _ := get(o, "Branches").([]any)
		for _, br := range branches {
			bo, ok := br.(*jsonv.Object)
			if !ok {
				b.fail("state %q: branch is not an object", name)
				continue
			}
			s.Branches = append(s.Branches, b.machine(bo, b.rootQL))
		}
	case Map:
		b.mapProcessor(s, o)
	}
	return s
}

// jsonPathFields compiles the fields of a JSONPath state.
func (b *builder) jsonPathFields(s *State, o *jsonv.Object) {
	s.InputPath = b.optPath(o, "InputPath")
	s.OutputPath = b.optPath(o, "OutputPath")
	s.ResultPath = b.optPath(o, "ResultPath")
	s.Parameters = b.template(o, "Parameters")
	s.ResultSelector = b.template(o, "ResultSelector")
	s.Assign = b.template(o, "Assign")
	s.Result, s.HasResult = o.Get("Result")

	switch s.Type {
	case Task:
		s.Resource = str(o, "Resource")
		s.TimeoutSeconds = integer(o, "TimeoutSeconds")
		s.TimeoutSecondsPath = b.path(o, "TimeoutSecondsPath")
		s.HeartbeatSeconds = integer(o, "HeartbeatSeconds")
		s.HeartbeatSecondsPath = b.path(o, "HeartbeatSecondsPath")
		s.Credentials = b.template(o, "Credentials")
	case Choice:
		s.Default = str(o, "Default")
		choices, _ := get(o, "Choices").([]any)
		for _, c := range choices {
			co, ok := c.(*jsonv.Object)
			if !ok {
				b.fail("state %q: choice rule is not an object", s.Name)
				continue
			}
			s.Choices = append(s.Choices, b.choice(co))
		}
	case Wait:
		if v, ok := o.Get("Seconds"); ok {
			if n, ok := v.(jsonv.Number); ok {
				s.Seconds, _ = n.Int64()
				s.HasSeconds = true
			}
		}
		if ts := str(o, "Timestamp"); ts != "" {
			t, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				b.fail("state %q: Timestamp: %v", s.Name, err)
			}
			s.Timestamp, s.HasTimestamp = t, true
		}
		s.SecondsPath = b.path(o, "SecondsPath")
		s.TimestampPath = b.path(o, "TimestampPath")
	case Fail:
		s.Error = str(o, "Error")
		s.Cause = str(o, "Cause")
		s.ErrorPath = b.expr(o, "ErrorPath")
		s.CausePath = b.expr(o, "CausePath")
	case Map:
		b.mapFields(s, o)
	}
}

// jsonataFields compiles the fields of a JSONata state: every "{% … %}"
// string is compiled here, once.
func (b *builder) jsonataFields(s *State, o *jsonv.Object) {
	s.Arguments = b.jtemplate(o, "Arguments")
	s.Output = b.jtemplate(o, "Output")
	s.Assign = b.jtemplate(o, "Assign")

	switch s.Type {
	case Task:
		s.Resource = str(o, "Resource")
		s.TimeoutSeconds, s.TimeoutSecondsExpr = b.intOrQuery(o, "TimeoutSeconds")
		s.HeartbeatSeconds, s.HeartbeatSecondsExpr = b.intOrQuery(o, "HeartbeatSeconds")
		s.Credentials = b.jtemplate(o, "Credentials")
	case Choice:
		s.Default = str(o, "Default")
		choices, _ := get(o, "Choices").([]any)
		for _, c := range choices {
			co, ok := c.(*jsonv.Object)
			if !ok {
				b.fail("state %q: choice rule is not an object", s.Name)
				continue
			}
			r := &ChoiceRule{Next: str(co, "Next"), Op: "Condition"}
			r.Assign = b.jtemplate(co, "Assign")
			r.Output = b.jtemplate(co, "Output")
			switch c := get(co, "Condition").(type) {
			case bool:
				r.ConditionValue = c
			case string:
				r.Condition = b.query(c, "Condition")
			}
			s.Choices = append(s.Choices, r)
		}
	case Wait:
		switch v := get(o, "Seconds").(type) {
		case jsonv.Number:
			s.Seconds, _ = v.Int64()
			s.HasSeconds = true
		case string:
			s.SecondsExpr = b.query(v, "Seconds")
		}
		if ts := str(o, "Timestamp"); ts != "" {
			if IsQuery(ts) {
				s.TimestampExpr = b.query(ts, "Timestamp")
			} else {
				t, err := time.Parse(time.RFC3339Nano, ts)
				if err != nil {
					b.fail("state %q: Timestamp: %v", s.Name, err)
				}
				s.Timestamp, s.HasTimestamp = t, true
			}
		}
	case Fail:
		s.Error, s.ErrorExpr = b.strOrQuery(o, "Error")
		s.Cause, s.CauseExpr = b.strOrQuery(o, "Cause")
	case Map:
		s.Items = b.jtemplate(o, "Items")
		s.ItemSelector = b.jtemplate(o, "ItemSelector")
		s.MaxConcurrency, s.MaxConcurrencyExpr = b.intOrQuery(o, "MaxConcurrency")
		if o.Has("ToleratedFailureCount") {
			s.HasToleratedFailureCount = true
			s.ToleratedFailureCount, s.ToleratedFailureCountExpr = b.intOrQuery(o, "ToleratedFailureCount")
		}
		switch v := get(o, "ToleratedFailurePercentage").(type) {
		case jsonv.Number:
			s.ToleratedFailurePercentage = v.Float64()
			s.HasToleratedFailurePercentage = true
		case string:
			s.ToleratedFailurePercentageExpr = b.query(v, "ToleratedFailurePercentage")
			s.HasToleratedFailurePercentage = true
		}
		b.mapSettings(s, o)
	}
}

// jtemplate compiles a JSONata field.
func (b *builder) jtemplate(o *jsonv.Object, key string) *Template {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	t, err := CompileJSONata(v, key)
	if err != nil {
		b.fail("%v", err)
		return nil
	}
	return t
}

// query compiles one "{% … %}" field value.
func (b *builder) query(s, field string) *Query {
	if !IsQuery(s) {
		b.fail("%s is not a JSONata expression", field)
		return nil
	}
	q, err := CompileQuery(s)
	if err != nil {
		b.fail("%s: %v", field, err)
		return nil
	}
	return q
}

// intOrQuery reads a JSONata integer field: a number or an expression.
func (b *builder) intOrQuery(o *jsonv.Object, key string) (int64, *Query) {
	if s, ok := get(o, key).(string); ok {
		return 0, b.query(s, key)
	}
	return integer(o, key), nil
}

// strOrQuery reads a JSONata string field: a literal or an expression.
func (b *builder) strOrQuery(o *jsonv.Object, key string) (string, *Query) {
	s := str(o, key)
	if IsQuery(s) {
		return "", b.query(s, key)
	}
	return s, nil
}

func (b *builder) mapFields(s *State, o *jsonv.Object) {
	s.ItemsPath = b.path(o, "ItemsPath")
	s.ItemSelector = b.template(o, "ItemSelector")
	if s.ItemSelector == nil && s.Parameters != nil {
		// Legacy Map: Parameters selects each item.
		s.ItemSelector, s.Parameters = s.Parameters, nil
	}
	s.MaxConcurrency = integer(o, "MaxConcurrency")
	s.MaxConcurrencyPath = b.path(o, "MaxConcurrencyPath")
	if v, ok := o.Get("ToleratedFailureCount"); ok {
		if n, ok := v.(jsonv.Number); ok {
			s.ToleratedFailureCount, _ = n.Int64()
			s.HasToleratedFailureCount = true
		}
	}
	s.ToleratedFailureCountPath = b.path(o, "ToleratedFailureCountPath")
	if v, ok := o.Get("ToleratedFailurePercentage"); ok {
		if n, ok := v.(jsonv.Number); ok {
			s.ToleratedFailurePercentage = n.Float64()
			s.HasToleratedFailurePercentage = true
		}
	}
	s.ToleratedFailurePercentagePath = b.path(o, "ToleratedFailurePercentagePath")
	b.mapSettings(s, o)
}

// mapSettings reads the Map fields both query languages share.
func (b *builder) mapSettings(s *State, o *jsonv.Object) {
	s.Label = str(o, "Label")
	s.ItemReader, _ = get(o, "ItemReader").(*jsonv.Object)
	s.ItemBatcher, _ = get(o, "ItemBatcher").(*jsonv.Object)
	if s.ItemBatcher != nil {
		s.Batcher = b.batcher(s.ItemBatcher, s.JSONata)
	}
	s.ResultWriter, _ = get(o, "ResultWriter").(*jsonv.Object)
	if s.ItemReader != nil {
		s.Reader = b.itemReader(s.ItemReader, s.JSONata)
	}
	if s.ResultWriter != nil {
		s.Writer = b.resultWriter(s.ResultWriter, s.JSONata)
	}
}

// payload compiles the Parameters (JSONPath) or Arguments (JSONata) of an
// ItemReader or ResultWriter.
func (b *builder) payload(o *jsonv.Object, jsonata bool) *Template {
	if jsonata {
		return b.jtemplate(o, "Arguments")
	}
	return b.template(o, "Parameters")
}

// itemReader compiles an ItemReader.
func (b *builder) itemReader(o *jsonv.Object, jsonata bool) *ItemReader {
	r := &ItemReader{Resource: str(o, "Resource"), Parameters: b.payload(o, jsonata)}
	cfg, _ := get(o, "ReaderConfig").(*jsonv.Object)
	if cfg == nil {
		return r
	}
	r.Config = jsonv.NewObject(cfg.Len())
	for _, m := range cfg.Members {
		switch m.Key {
		case "MaxItems":
			if jsonata {
				r.MaxItems, r.MaxItemsExpr = b.intOrQuery(cfg, "MaxItems")
			} else {
				r.MaxItems = integer(cfg, "MaxItems")
			}
		case "MaxItemsPath":
			r.MaxItemsPath = b.path(cfg, "MaxItemsPath")
		default:
			r.Config.Set(m.Key, m.Value)
		}
	}
	return r
}

// resultWriter compiles a ResultWriter.
func (b *builder) resultWriter(o *jsonv.Object, jsonata bool) *ResultWriter {
	w := &ResultWriter{Resource: str(o, "Resource"), Parameters: b.payload(o, jsonata)}
	if cfg, ok := get(o, "WriterConfig").(*jsonv.Object); ok {
		w.Transformation, w.OutputType = str(cfg, "Transformation"), str(cfg, "OutputType")
	}
	return w
}

// batcher compiles an ItemBatcher.
func (b *builder) batcher(o *jsonv.Object, jsonata bool) *Batcher {
	bt := &Batcher{}
	if jsonata {
		bt.MaxItems, bt.MaxItemsExpr = b.intOrQuery(o, "MaxItemsPerBatch")
		bt.MaxBytes, bt.MaxBytesExpr = b.intOrQuery(o, "MaxInputBytesPerBatch")
		bt.BatchInput = b.jtemplate(o, "BatchInput")
		return bt
	}
	bt.MaxItems = integer(o, "MaxItemsPerBatch")
	bt.MaxItemsPath = b.path(o, "MaxItemsPerBatchPath")
	bt.MaxBytes = integer(o, "MaxInputBytesPerBatch")
	bt.MaxBytesPath = b.path(o, "MaxInputBytesPerBatchPath")
	bt.BatchInput = b.template(o, "BatchInput")
	return bt
}

// mapProcessor compiles a Map state's ItemProcessor (or legacy Iterator).
func (b *builder) mapProcessor(s *State, o *jsonv.Object) {
	proc, _ := get(o, "ItemProcessor").(*jsonv.Object)
	if proc == nil {
		proc, _ = get(o, "Iterator").(*jsonv.Object)
	}
	s.ProcessorMode = "INLINE"
	if proc == nil {
		b.fail("state %q: Map has no ItemProcessor", s.Name)
		return
	}
	if cfg, ok := get(proc, "ProcessorConfig").(*jsonv.Object); ok {
		if m := str(cfg, "Mode"); m != "" {
			s.ProcessorMode = m
		}
		s.ExecutionType = str(cfg, "ExecutionType")
	}
	s.ItemProcessor = b.machine(proc, b.rootQL)
}

// comparisonOps lists the Choice comparison operators; each also has a
// "…Path" form except the Is* tests.
var comparisonOps = []string{
	"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals", "StringMatches",
	"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
	"BooleanEquals",
	"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals",
	"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
}

func (b *builder) choice(o *jsonv.Object) *ChoiceRule {
	r := &ChoiceRule{Next: str(o, "Next")}
	r.Assign = b.template(o, "Assign")
	for _, op := range []string{"And", "Or"} {
		if v, ok := o.Get(op); ok {
			r.Op = op
			list, _ := v.([]any)
			for _, c := range list {
				co, ok := c.(*jsonv.Object)
				if !ok {
					b.fail("choice rule %s operand is not an object", op)
					continue
				}
				r.Children = append(r.Children, b.choice(co))
			}
			return r
		}
	}
	if v, ok := o.Get("Not"); ok {
		r.Op = "Not"
		co, ok := v.(*jsonv.Object)
		if !ok {
			b.fail("choice rule Not operand is not an object")
			return r
		}
		r.Children = []*ChoiceRule{b.choice(co)}
		return r
	}
	r.Variable = b.path(o, "Variable")
	for _, op := range comparisonOps {
		if v, ok := o.Get(op); ok {
			r.Op, r.Value = op, v
			return r
		}
		if v, ok := o.Get(op + "Path"); ok {
			r.Op = op + "Path"
			s, _ := v.(string)
			p, err := jsonpath.Parse(s)
			if err != nil {
				b.fail("choice rule %sPath: %v", op, err)
			}
			r.ValuePath = p
			return r
		}
	}
	if _, ok := o.Get("Condition"); !ok {
		b.fail("choice rule has no comparison operator")
	}
	return r
}

func (b *builder) retriers(o *jsonv.Object) []*Retrier {
	list, _ := get(o, "Retry").([]any)
	var out []*Retrier
	for _, v := range list {
		ro, ok := v.(*jsonv.Object)
		if !ok {
			b.fail("Retry element is not an object")
			continue
		}
		r := &Retrier{ErrorEquals: stringList(ro, "ErrorEquals"), IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0, JitterStrategy: "NONE"}
		if _, ok := ro.Get("IntervalSeconds"); ok {
			r.IntervalSeconds, r.IntervalSecondsExpr = b.intOrQuery(ro, "IntervalSeconds")
		}
		if _, ok := ro.Get("MaxAttempts"); ok {
			r.MaxAttempts, r.MaxAttemptsExpr = b.intOrQuery(ro, "MaxAttempts")
		}
		switch v := get(ro, "BackoffRate").(type) {
		case jsonv.Number:
			r.BackoffRate = v.Float64()
		case string:
			r.BackoffRateExpr = b.query(v, "BackoffRate")
		}
		r.MaxDelaySeconds, r.MaxDelaySecondsExpr = b.intOrQuery(ro, "MaxDelaySeconds")
		if j := str(ro, "JitterStrategy"); j != "" {
			r.JitterStrategy = j
		}
		out = append(out, r)
	}
	return out
}

func (b *builder) catchers(o *jsonv.Object, jsonata bool) []*Catcher {
	list, _ := get(o, "Catch").([]any)
	var out []*Catcher
	for _, v := range list {
		co, ok := v.(*jsonv.Object)
		if !ok {
			b.fail("Catch element is not an object")
			continue
		}
		c := &Catcher{ErrorEquals: stringList(co, "ErrorEquals"), Next: str(co, "Next")}
		if jsonata {
			c.Output = b.jtemplate(co, "Output")
			c.Assign = b.jtemplate(co, "Assign")
		} else {
			c.ResultPath = b.optPath(co, "ResultPath")
			c.Assign = b.template(co, "Assign")
		}
		out = append(out, c)
	}
	return out
}

func (b *builder) optPath(o *jsonv.Object, key string) *OptPath {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	if v == nil {
		return &OptPath{Null: true}
	}
	return &OptPath{Path: b.path(o, key)}
}

func (b *builder) path(o *jsonv.Object, key string) *jsonpath.Path {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		b.fail("%s is not a string", key)
		return nil
	}
	p, err := jsonpath.Parse(s)
	if err != nil {
		b.fail("%s: %v", key, err)
		return nil
	}
	return p
}

func (b *builder) expr(o *jsonv.Object, key string) *Expr {
	s, ok := get(o, key).(string)
	if !ok {
		return nil
	}
	e, err := CompileExpr(s)
	if err != nil {
		b.fail("%s: %v", key, err)
		return nil
	}
	return e
}

func (b *builder) template(o *jsonv.Object, key string) *Template {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	t, err := CompileTemplate(v)
	if err != nil {
		b.fail("%s: %v", key, err)
		return nil
	}
	return t
}

func get(o *jsonv.Object, key string) jsonv.Value {
	v, _ := o.Get(key)
	return v
}

func str(o *jsonv.Object, key string) string {
	s, _ := get(o, key).(string)
	return s
}

func integer(o *jsonv.Object, key string) int64 {
	n, ok := get(o, key).(jsonv.Number)
	if !ok {
		return 0
	}
	if i, ok := n.Int64(); ok {
		return i
	}
	return int64(n.Float64())
}

func stringList(o *jsonv.Object, key string) []string {
	list, _ := get(o, key).([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// usesContext reports whether a state's own fields (not those of nested
// branches or item processors) mention the context object: "$$", or in
// JSONata $states other than $states.input, .result or .errorOutput.
func usesContext(o *jsonv.Object, jsonata bool) bool {
	for _, m := range o.Members {
		switch m.Key {
		case "Branches", "ItemProcessor", "Iterator":
			continue
		}
		text := jsonv.Marshal(m.Value)
		if strings.Contains(text, "$$") || jsonata && UsesStatesContext(text) {
			return true
		}
	}
	return false
}
