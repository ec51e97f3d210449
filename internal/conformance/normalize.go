package conformance

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Patterns of the recording tool (localstack-snapshot and LocalStack's
// transformer utilities), in Go syntax.
var (
	// isoRE is PATTERN_ISO8601: a validated calendar date, 'T', time,
	// optional fraction, and a zone.
	isoRE = regexp.MustCompile(`(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-][01]\d:?(?:[0-5]\d)?)`)
	// uuidPrefixRE is re.match(PATTERN_UUID, v): a UUID at the start.
	uuidPrefixRE = regexp.MustCompile(`^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}`)
	// causeJSONRE finds the JSON document quoted at the end of a cause.
	causeJSONRE = regexp.MustCompile(`^.*'(\{.*\})'`)
	// anyARNRE is PATTERN_ARN as resource_name() matches it.
	anyARNRE = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:([a-zA-Z0-9_.-]+)?:([^:]+)?:(\d{12})?:(.*)`)
	// statesARNRE finds Step Functions resource ARNs inside any text.
	statesARNRE = regexp.MustCompile(`arn:(aws[a-zA-Z-]*):states:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):(stateMachine|execution|express|mapRun):([^\s"'\\<>{}\[\],]+)`)
	// accountARNRE finds the region and account of any ARN.
	accountARNRE = regexp.MustCompile(`arn:(aws[a-zA-Z-]*):[a-zA-Z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d+)?:(\d{12}):`)
	// roleARNRE finds IAM role ARNs.
	roleARNRE = regexp.MustCompile(`arn:aws[a-zA-Z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+`)
)

// recordingRegion is the region the cases were recorded in; some definitions
// and inputs spell it out, and the recorder rewrote it to <region>.
const recordingRegion = "us-east-1"

// dropped lists, per kind, the response members the case builder removed
// (identities, dates and billing, all of them placeholders after the
// rewrites).
var dropped = map[string][]string{
	"describe_execution":        {"executionArn", "stateMachineArn", "name", "startDate", "stopDate", "ResponseMetadata"},
	KindSyncExecution:           {"executionArn", "stateMachineArn", "name", "startDate", "stopDate", "billingDetails", "traceHeader", "ResponseMetadata"},
	KindDescribeStateMachine:    {"stateMachineArn", "name", "roleArn", "creationDate", "updateDate", "revisionId", "ResponseMetadata"},
	KindTestState:               {"ResponseMetadata"},
	KindValidateDefinition:      {"ResponseMetadata"},
	KindTestStateError:          {"ResponseMetadata"},
	KindCreateStateMachineError: {"ResponseMetadata"},
	KindStartExecutionError:     {"ResponseMetadata"},
}

// errorOperation names the API call of each error kind, as botocore writes
// it in an exception's text.
var errorOperation = map[string]string{
	KindCreateStateMachineError: "CreateStateMachine",
	KindStartExecutionError:     "StartExecution",
	KindTestStateError:          "TestState",
}

// terminalStatus maps the type of a history's last event to the execution
// status the case builder derived from it.
var terminalStatus = map[string]string{
	"ExecutionSucceeded": "SUCCEEDED",
	"ExecutionFailed":    "FAILED",
	"ExecutionAborted":   "ABORTED",
	"ExecutionTimedOut":  "TIMED_OUT",
}

// Normalize rewrites an executor's response the way the recording tool and
// the case builder rewrote AWS's, so that it can be compared with
// c.Expected:
//
//   - the response is cut to what was recorded for the kind (for executions:
//     history events without timestamp, id, previousEventId and roleArn plus
//     history_event_ids; status, output, error and cause from the terminal
//     event; describe_execution and last_cloudwatch_log_event when
//     recorded; dropped identity and date members);
//   - strings that start with "{" and parse as JSON are replaced by the
//     parsed value (object members and array items of objects, not nested
//     parsed values, exactly as the recorder did);
//   - the case's snapshot transformers, then: ISO-8601 timestamps -> "date",
//     values under keys containing "timestamp" -> "timestamp", the account
//     id -> 111111111111, the region -> <region>, arn:aws: ->
//     arn:<partition>:, state machine / execution / map run names ->
//     <ArnPart_0idx>, <ExecArnPart_0idx>, <MapRunArnPart0_0idx>..., the role
//     ARN -> the case's role token, UUIDs under keys ending in "id" ->
//     <uuid:N>, JSON quoted in a cause -> <json-input:N>;
//   - numbers are written as Python's json module writes them.
//
// Normalize never fails: what it cannot interpret it leaves alone, and the
// comparison then reports it.
func Normalize(c *Case, actual jsonv.Value) jsonv.Value {
	n := newNormalizer(c)
	return n.normalize(actual)
}

type normalizer struct {
	c *Case
	p *plan

	// Learned from the response.
	partition string
	accounts  []string
	regions   []string
	smNames   []string
	execNames []string
	express   [][2]string // the two name parts of express execution ARNs
	mapRuns   [][2]string // the two parts after mapRun:<sm>/

	// Reference replacements registered while walking, in order.
	cache     map[string]bool
	counters  map[string]int
	jsonInput []ref
	resources []ref
	uuids     []ref

	rewrites []func(string) string
}

type ref struct{ from, to string }

func newNormalizer(c *Case) *normalizer {
	p := c.plan
	if p == nil {
		p = parsePlan(c.SnapshotTransformers)
	}
	return &normalizer{c: c, p: p, cache: map[string]bool{}, counters: map[string]int{}}
}

// part is one snapshot entry the recorder saw.
type part struct {
	name string
	v    jsonv.Value
}

func (n *normalizer) normalize(actual jsonv.Value) jsonv.Value {
	actual = sanitize(actual)
	parts := n.split(actual)
	for _, pt := range parts {
		n.learn(pt.v)
	}
	for i := range parts {
		parts[i].v = parseMember(parts[i].v)
	}
	for i := range parts {
		if parts[i].name == "history" {
			if n.p.parallel {
				parts[i].v = parallelQuirk(parts[i].v)
			}
			if n.p.outputToJSON {
				parts[i].v = outputToJSON(parts[i].v)
			}
		}
		for _, kv := range n.p.keyValues {
			parts[i].v = kvMap(parts[i].v, func(k string, v jsonv.Value) (jsonv.Value, bool) {
				if s, isString := v.(string); k != kv.key || v == nil || isString && s == "" {
					return v, false
				}
				return kv.repl, true
			})
		}
	}
	n.register(parts, "json-input", causeJSON)
	if n.p.resourceName {
		n.register(parts, "resource", resourceName)
	}
	n.register(parts, "uuid", uuidUnderID)
	for i := range parts {
		parts[i].v = kvMap(parts[i].v, timestampKey)
	}
	n.buildRewrites()
	for i := range parts {
		parts[i].v = mapStrings(parts[i].v, n.rewrite)
	}
	out := n.assemble(parts)
	return mapNumbers(out, pyNumber)
}

// split cuts the executor's response into the snapshot entries the recorder
// saw for the case's kind.
func (n *normalizer) split(actual jsonv.Value) []part {
	o, ok := actual.(*jsonv.Object)
	if !ok {
		return []part{{name: "response", v: actual}}
	}
	switch n.c.Kind {
	case KindExecution, KindExecutionOutput:
		exp, _ := n.c.Expected.(*jsonv.Object)
		describe := jsonv.NewObject(o.Len())
		for _, m := range o.Members {
			if m.Key != "history" && m.Key != "logEvents" {
				describe.Members = append(describe.Members, m)
			}
		}
		parts := []part{{name: "describe", v: describe}}
		if n.c.Kind == KindExecutionOutput {
			return parts
		}
		hist, hasHist := o.Get("history")
		if exp.Has("history") || exp.Has("history_event_ids") {
			if hasHist {
				if n.c.HasIssue("reverseOrder") {
					hist = reversed(hist)
				}
				parts = append(parts, part{name: "history", v: hist})
			}
		}
		if exp.Has("last_cloudwatch_log_event") {
			if ev := lastLogEvent(o); ev != nil {
				parts = append(parts, part{name: "log", v: ev})
			}
		}
		return parts
	case KindTestStateError, KindCreateStateMachineError, KindStartExecutionError:
		return []part{{name: "response", v: n.errorShape(o)}}
	}
	return []part{{name: "response", v: o}}
}

func reversed(v jsonv.Value) jsonv.Value {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	out := slices.Clone(arr)
	slices.Reverse(out)
	return out
}

// errorShape renders an {"Error": {"Code", "Message"}} response in the form
// the case recorded: botocore's error response, or the exception's type
// name and text.
func (n *normalizer) errorShape(o *jsonv.Object) jsonv.Value {
	ev, _ := o.Get("Error")
	eo, ok := ev.(*jsonv.Object)
	if !ok {
		return o
	}
	code, _ := eo.Get("Code")
	msg, _ := eo.Get("Message")
	codeStr, _ := code.(string)
	msgStr, _ := msg.(string)
	exp, _ := n.c.Expected.(*jsonv.Object)
	if exp.Has("exception_typename") {
		out := jsonv.NewObject(2)
		out.Set("exception_typename", codeStr)
		out.Set("exception_value", "An error occurred ("+codeStr+") when calling the "+errorOperation[n.c.Kind]+" operation: "+msgStr)
		return out
	}
	out := jsonv.NewObject(2)
	e := jsonv.NewObject(2)
	e.Set("Code", code)
	e.Set("Message", msg)
	out.Set("Error", e)
	if m, has := o.Get("message"); has {
		out.Set("message", m)
	} else {
		out.Set("message", msg)
	}
	return out
}

// lastLogEvent returns the last CloudWatch Logs execution event: the last of
// "logEvents", or one derived from the last history event.
func lastLogEvent(o *jsonv.Object) jsonv.Value {
	if lv, ok := o.Get("logEvents"); ok {
		if arr, isArray := lv.([]any); isArray && len(arr) > 0 {
			return arr[len(arr)-1]
		}
	}
	hv, _ := o.Get("history")
	arr, _ := hv.([]any)
	if len(arr) == 0 {
		return nil
	}
	last, ok := arr[len(arr)-1].(*jsonv.Object)
	if !ok {
		return nil
	}
	ev := jsonv.NewObject(7)
	id, _ := last.Get("id")
	prev, _ := last.Get("previousEventId")
	typ, _ := last.Get("type")
	var details jsonv.Value = jsonv.NewObject(0)
	for _, m := range last.Members {
		if strings.HasSuffix(m.Key, "EventDetails") {
			details = m.Value
			break
		}
	}
	ts, _ := last.Get("timestamp")
	arn, _ := o.Get("executionArn")
	ev.Set("id", numberText(id))
	ev.Set("type", typ)
	ev.Set("details", details)
	ev.Set("previous_event_id", numberText(prev))
	ev.Set("event_timestamp", epochMillis(ts))
	ev.Set("execution_arn", arn)
	ev.Set("redrive_count", "0")
	return ev
}

// epochMillis renders an event timestamp (epoch seconds, or RFC 3339 text)
// as CloudWatch Logs writes event_timestamp: epoch milliseconds as a string.
func epochMillis(v jsonv.Value) string {
	switch v := v.(type) {
	case jsonv.Number:
		return strconv.FormatInt(int64(math.Round(v.Float64()*1000)), 10)
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return strconv.FormatInt(t.UnixMilli(), 10)
		}
	}
	return "0"
}

func numberText(v jsonv.Value) jsonv.Value {
	switch v := v.(type) {
	case jsonv.Number:
		return string(v)
	case nil:
		return "0"
	}
	return v
}

// learn collects the account, region, partition and resource names from the
// ARNs in v (including ARNs inside JSON held in strings).
func (n *normalizer) learn(v jsonv.Value) {
	eachString(v, func(s string) {
		if !strings.Contains(s, "arn:") {
			return
		}
		for _, m := range accountARNRE.FindAllStringSubmatch(s, -1) {
			if n.partition == "" {
				n.partition = m[1]
			}
			n.accounts = appendNew(n.accounts, m[3])
			if m[2] != "" {
				n.regions = appendNew(n.regions, m[2])
			}
		}
		for _, m := range statesARNRE.FindAllStringSubmatch(s, -1) {
			res := m[5]
			switch m[4] {
			case "stateMachine":
				n.smNames = appendNew(n.smNames, firstSegment(res))
			case "execution":
				n.smNames = appendNew(n.smNames, firstSegment(res))
				if i := strings.LastIndexByte(res, ':'); i >= 0 {
					n.execNames = appendNew(n.execNames, res[i+1:])
				}
			case "express":
				segs := strings.Split(res, ":")
				n.smNames = appendNew(n.smNames, segs[0])
				if len(segs) >= 3 {
					pair := [2]string{segs[len(segs)-2], segs[len(segs)-1]}
					if !slices.Contains(n.express, pair) {
						n.express = append(n.express, pair)
					}
				}
			case "mapRun":
				n.smNames = appendNew(n.smNames, firstSegment(res))
				if i := strings.IndexByte(res, '/'); i >= 0 {
					if p0, p1, ok := strings.Cut(res[i+1:], ":"); ok {
						pair := [2]string{p0, p1}
						if !slices.Contains(n.mapRuns, pair) {
							n.mapRuns = append(n.mapRuns, pair)
						}
					}
				}
			}
		}
	})
}

func firstSegment(s string) string {
	if i := strings.IndexAny(s, ":/"); i >= 0 {
		return s[:i]
	}
	return s
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// register walks the parts like the recorder's key/value transformers and
// registers a reference replacement <name:N> for every value match returns.
func (n *normalizer) register(parts []part, name string, match func(k string, v jsonv.Value) (string, bool)) {
	for i := range parts {
		kvMap(parts[i].v, func(k string, v jsonv.Value) (jsonv.Value, bool) {
			s, ok := match(k, v)
			if !ok {
				return v, false
			}
			if !n.cache[s] {
				n.cache[s] = true
				n.counters[name]++
				r := ref{from: s, to: "<" + name + ":" + strconv.Itoa(n.counters[name]) + ">"}
				// The recorder replaced in the JSON text it had dumped with
				// ASCII escapes; a value whose text changes when escaped never
				// matched there.
				if serializesVerbatim(s) {
					switch name {
					case "json-input":
						n.jsonInput = append(n.jsonInput, r)
					case "resource":
						n.resources = append(n.resources, r)
					default:
						n.uuids = append(n.uuids, r)
					}
				}
			}
			return v, true
		})
	}
}

func serializesVerbatim(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// causeJSON matches the JSON document quoted in a "cause".
func causeJSON(k string, v jsonv.Value) (string, bool) {
	s, ok := v.(string)
	if k != "cause" || !ok {
		return "", false
	}
	m := causeJSONRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	if _, err := jsonv.ParseString(m[1]); err != nil {
		return "", false
	}
	return m[1], true
}

// uuidUnderID matches UUID values of keys ending in "id".
func uuidUnderID(k string, v jsonv.Value) (string, bool) {
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(strings.ToLower(k), "id") || !uuidPrefixRE.MatchString(s) {
		return "", false
	}
	return s, true
}

// resourceName is LocalStack's _resource_name_transformer: the resource
// name of an ARN value.
func resourceName(_ string, v jsonv.Value) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	m := anyARNRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	res := m[5]
	switch {
	case strings.HasPrefix(res, "<") && strings.HasSuffix(res, ">"):
		return "", false
	case strings.Contains(s, ":changeSet/"):
		res = s[strings.LastIndex(s, ":changeSet/")+len(":changeSet/"):]
	case strings.Contains(res, "/"):
		res = res[strings.LastIndexByte(res, '/')+1:]
	case strings.HasPrefix(res, "function:"):
		res = strings.TrimPrefix(res, "function:")
		if i := strings.IndexByte(res, '$'); i >= 0 {
			res = strings.TrimRight(res[:i], ":")
		}
	case strings.HasPrefix(res, "layer:"):
		segs := strings.Split(res, ":")
		if len(segs) == 2 || len(segs) == 3 {
			res = segs[1]
		}
	case strings.Contains(res, ":"):
		res = res[strings.LastIndexByte(res, ':')+1:]
	}
	return res, true
}

// timestampKey replaces the values of keys containing "timestamp" (unless
// they are ISO-8601 strings, which become "date" later).
func timestampKey(k string, v jsonv.Value) (jsonv.Value, bool) {
	if !strings.Contains(strings.ToLower(k), "timestamp") && k != "creationTime" && k != "ingestionTime" {
		return v, false
	}
	if s, ok := v.(string); ok && isoRE.FindStringIndex(s) != nil && isoRE.FindStringIndex(s)[0] == 0 {
		return v, false
	}
	return "timestamp", true
}

// buildRewrites lists the recorder's text replacements in the order it
// applied them.
func (n *normalizer) buildRewrites() {
	var rw []func(string) string
	add := func(from, to string) {
		if from != "" && from != to {
			rw = append(rw, func(s string) string { return strings.ReplaceAll(s, from, to) })
		}
	}
	for _, r := range n.jsonInput {
		add(r.from, r.to)
	}
	if len(n.p.roleTokens) > 0 {
		tok := n.p.roleTokens[0]
		rw = append(rw, func(s string) string {
			if !strings.Contains(s, ":role/") {
				return s
			}
			return roleARNRE.ReplaceAllLiteralString(s, tok)
		})
	}
	for _, r := range n.p.regexes {
		re, repl := r.re, r.repl
		rw = append(rw, func(s string) string { return re.ReplaceAllLiteralString(s, repl) })
	}
	for _, r := range n.resources {
		add(r.from, r.to)
	}
	for i, name := range n.smNames {
		if i < len(n.p.smIdx) {
			add(name, "<ArnPart_"+strconv.Itoa(n.p.smIdx[i])+"idx>")
		}
	}
	for i, name := range n.execNames {
		if i < len(n.p.execIdx) {
			add(name, "<ExecArnPart_"+strconv.Itoa(n.p.execIdx[i])+"idx>")
		}
	}
	for i, pair := range n.express {
		switch {
		case i < len(n.p.expressIdx):
			idx := strconv.Itoa(n.p.expressIdx[i])
			add(pair[0], "<ExpressExecArn_Part1_"+idx+"idx>")
			add(pair[1], "<ExpressExecArn_Part2_"+idx+"idx>")
		case i < len(n.p.syncIdx):
			idx := strconv.Itoa(n.p.syncIdx[i])
			add(pair[0], "<SyncExecArn_Part1_"+idx+"idx>")
			add(pair[1], "<SyncExecArn_Part2_"+idx+"idx>")
		case len(n.p.expressIdx) == 0 && len(n.p.syncIdx) == 0 && i+len(n.execNames) < len(n.p.execIdx):
			add(pair[1], "<ExecArnPart_"+strconv.Itoa(n.p.execIdx[i+len(n.execNames)])+"idx>")
		}
	}
	if n.c.Kind == KindExecution {
		for i, pair := range n.mapRuns {
			idx := strconv.Itoa(i)
			add(pair[1], "<MapRunArnPart1_"+idx+"idx>")
			if uuidPrefixRE.MatchString(pair[0]) {
				add(pair[0], "<MapRunArnPart0_"+idx+"idx>")
			}
		}
	}
	for _, a := range n.accounts {
		add(a, "111111111111")
	}
	for _, r := range appendNew(slices.Clone(n.regions), recordingRegion) {
		add(r, "<region>")
	}
	partition := cmp.Or(n.partition, "aws")
	add("arn:"+partition+":", "arn:<partition>:")
	for _, r := range n.uuids {
		add(r.from, r.to)
	}
	rw = append(rw, func(s string) string { return isoRE.ReplaceAllLiteralString(s, "date") })
	n.rewrites = rw
}

func (n *normalizer) rewrite(s string) string {
	for _, f := range n.rewrites {
		s = f(s)
	}
	return s
}

// assemble builds the recorded shape from the transformed parts.
func (n *normalizer) assemble(parts []part) jsonv.Value {
	get := func(name string) (jsonv.Value, bool) {
		for _, pt := range parts {
			if pt.name == name {
				return pt.v, true
			}
		}
		return nil, false
	}
	switch n.c.Kind {
	case KindExecution:
		return n.assembleExecution(get)
	case KindExecutionOutput:
		d, _ := get("describe")
		out := jsonv.NewObject(2)
		copyMembers(out, d, "output", "status")
		return out
	}
	v, _ := get("response")
	o, ok := v.(*jsonv.Object)
	if !ok {
		return v
	}
	return without(o, dropped[n.c.Kind]...)
}

func (n *normalizer) assembleExecution(get func(string) (jsonv.Value, bool)) jsonv.Value {
	exp, _ := n.c.Expected.(*jsonv.Object)
	out := jsonv.NewObject(8)
	d, _ := get("describe")
	hv, hasHist := get("history")
	lv, hasLog := get("log")
	switch {
	case hasHist:
		events, ids := stripEvents(hv)
		out.Set("history", events)
		out.Set("history_event_ids", ids)
		if arr, ok := events.([]any); ok && len(arr) > 0 {
			last := arr[len(arr)-1]
			if n.c.HasIssue("reverseOrder") {
				last = arr[0]
			}
			if lo, ok := last.(*jsonv.Object); ok {
				typ, _ := lo.Get("type")
				if status, terminal := terminalStatus[typeString(typ)]; terminal {
					out.Set("status", status)
					for _, m := range lo.Members {
						if strings.HasSuffix(m.Key, "EventDetails") {
							if det, ok := m.Value.(*jsonv.Object); ok {
								for _, dm := range det.Members {
									out.Set(dm.Key, dm.Value)
								}
							}
						}
					}
				}
			}
		}
	case exp.Has("history") || exp.Has("history_event_ids"):
		// The history was recorded but the executor returned none: leave
		// it missing so the comparison says so.
	case exp.Has("describe_execution"):
		copyMembers(out, d, "status", "output", "outputDetails", "error", "cause")
	case hasLog:
		if lo, ok := lv.(*jsonv.Object); ok {
			typ, _ := lo.Get("type")
			if status, terminal := terminalStatus[typeString(typ)]; terminal {
				out.Set("status", status)
			}
			det, _ := lo.Get("details")
			copyMembers(out, det, "output", "error", "cause")
		}
	default:
		copyMembers(out, d, "status", "output", "outputDetails", "error", "cause")
	}
	if exp.Has("describe_execution") {
		if do, ok := d.(*jsonv.Object); ok {
			out.Set("describe_execution", without(do, dropped["describe_execution"]...))
		}
	}
	if hasLog {
		out.Set("last_cloudwatch_log_event", lv)
	}
	return out
}

func typeString(v jsonv.Value) string {
	s, _ := v.(string)
	return s
}

// stripEvents removes from each history event what the case builder moved
// or removed: id and previousEventId (returned as [id, previousEventId]
// pairs), timestamp, and roleArn.
func stripEvents(v jsonv.Value) (events, ids jsonv.Value) {
	arr, ok := v.([]any)
	if !ok {
		return v, nil
	}
	evs := make([]any, len(arr))
	idl := make([]any, len(arr))
	for i, e := range arr {
		eo, ok := e.(*jsonv.Object)
		if !ok {
			evs[i] = e
			idl[i] = []any{nil, nil}
			continue
		}
		id, _ := eo.Get("id")
		prev, hasPrev := eo.Get("previousEventId")
		if !hasPrev {
			prev = jsonv.Number("0")
		}
		idl[i] = []any{id, prev}
		s := jsonv.NewObject(eo.Len())
		for _, m := range eo.Members {
			switch m.Key {
			case "id", "previousEventId", "timestamp", "roleArn":
				continue
			}
			if det, ok := m.Value.(*jsonv.Object); ok && strings.HasSuffix(m.Key, "EventDetails") {
				m.Value = without(det, "roleArn")
			}
			s.Members = append(s.Members, m)
		}
		evs[i] = s
	}
	return evs, idl
}

func copyMembers(dst *jsonv.Object, src jsonv.Value, keys ...string) {
	so, ok := src.(*jsonv.Object)
	if !ok {
		return
	}
	for _, k := range keys {
		if v, has := so.Get(k); has {
			dst.Set(k, v)
		}
	}
}

// without returns o without the given keys (o itself when none is present).
func without(o *jsonv.Object, keys ...string) *jsonv.Object {
	hit := false
	for _, k := range keys {
		if o.Has(k) {
			hit = true
			break
		}
	}
	if !hit {
		return o
	}
	out := jsonv.NewObject(o.Len())
	for _, m := range o.Members {
		if !slices.Contains(keys, m.Key) {
			out.Members = append(out.Members, m)
		}
	}
	return out
}

// parseMember is the recorder's _transform_dict_to_parseable_values for one
// object member value: objects and the objects directly inside arrays are
// walked, and strings starting with "{" that parse as JSON are replaced by
// the parsed value (which is not walked again).
func parseMember(v jsonv.Value) jsonv.Value {
	switch v := v.(type) {
	case *jsonv.Object:
		out := jsonv.NewObject(v.Len())
		for _, m := range v.Members {
			out.Members = append(out.Members, jsonv.Member{Key: m.Key, Value: parseMember(m.Value)})
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			if eo, ok := e.(*jsonv.Object); ok {
				out[i] = parseMember(eo)
			} else {
				out[i] = e
			}
		}
		return out
	case string:
		if strings.HasPrefix(v, "{") {
			if p, err := jsonv.ParseString(v); err == nil {
				return p
			}
		}
	}
	return v
}

// kvMap walks v like the recorder's KeyValueBasedTransformer: every object
// member is offered to fn; members fn does not match are descended into
// when they are objects or arrays (whose object items are walked).
func kvMap(v jsonv.Value, fn func(k string, v jsonv.Value) (jsonv.Value, bool)) jsonv.Value {
	switch v := v.(type) {
	case *jsonv.Object:
		out := jsonv.NewObject(v.Len())
		for _, m := range v.Members {
			nv, matched := fn(m.Key, m.Value)
			if !matched {
				nv = kvMap(m.Value, fn)
			}
			out.Members = append(out.Members, jsonv.Member{Key: m.Key, Value: nv})
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			if eo, ok := e.(*jsonv.Object); ok {
				out[i] = kvMap(eo, fn)
			} else {
				out[i] = e
			}
		}
		return out
	}
	return v
}

// parallelQuirk applies the recording test's SfnNoneRecursiveParallelTransformer
// to a history, including its quirks: the events between a
// ParallelStateStarted and the next Parallel end event get id [0] and
// previousEventId 0 and are sorted, and each later Parallel end event
// replaces the list from the block start up to itself by the block, which
// drops the events in between (e.g. ParallelStateSucceeded).
func parallelQuirk(v jsonv.Value) jsonv.Value {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	evs := slices.Clone(arr)
	start := -1
	var sub []any
	in := false
	for i := 0; i < len(evs); i++ {
		eo, _ := evs[i].(*jsonv.Object)
		tv, has := eo.Get("type")
		typ, isString := tv.(string)
		switch {
		case !has || !isString:
			in = false
		case typ == "ParallelStateSucceeded" || typ == "ParallelStateAborted" || typ == "ParallelStateExited" || typ == "ParallelStateFailed":
			from := max(start, 0)
			block := slices.Clone(sub)
			slices.SortStableFunc(block, func(a, b any) int { return strings.Compare(jsonv.Marshal(a), jsonv.Marshal(b)) })
			rest := slices.Clone(evs[i:])
			evs = append(append(evs[:from:from], block...), rest...)
			in = false
		case typ == "ParallelStateStarted":
			in = true
			sub = nil
			start = i + 1
		case in:
			marked := eo.With("id", []any{jsonv.Number("0")})
			marked.Set("previousEventId", jsonv.Number("0"))
			evs[i] = marked
			sub = append(sub, marked)
		}
	}
	return evs
}

// outputToJSON is the recording test's _convert_output_to_json: in every
// event, the first details object holding a JSON string "output" gets it
// parsed.
func outputToJSON(v jsonv.Value) jsonv.Value {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		out[i] = e
		eo, ok := e.(*jsonv.Object)
		if !ok {
			continue
		}
		for _, m := range eo.Members {
			det, ok := m.Value.(*jsonv.Object)
			if !ok {
				continue
			}
			s, isString := getString(det, "output")
			if !isString {
				continue
			}
			if p, err := jsonv.ParseString(s); err == nil {
				out[i] = eo.With(m.Key, det.With("output", p))
				break
			}
		}
	}
	return out
}

func getString(o *jsonv.Object, key string) (string, bool) {
	v, _ := o.Get(key)
	s, ok := v.(string)
	return s, ok
}

// sanitize makes an executor's value a well-formed jsonv value: a nil
// *jsonv.Object becomes {} and plain Go values are converted (or, when they
// cannot be, written as text) so that nothing downstream can panic.
func sanitize(v jsonv.Value) (out jsonv.Value) {
	switch v := v.(type) {
	case nil, bool, jsonv.Number, string:
		return v
	case []any:
		arr := make([]any, len(v))
		for i, e := range v {
			arr[i] = sanitize(e)
		}
		return arr
	case *jsonv.Object:
		o := jsonv.NewObject(v.Len())
		if v != nil {
			for _, m := range v.Members {
				o.Members = append(o.Members, jsonv.Member{Key: m.Key, Value: sanitize(m.Value)})
			}
		}
		return o
	}
	defer func() {
		if recover() != nil {
			out = fmt.Sprint(v)
		}
	}()
	return sanitize(jsonv.FromGo(v))
}

// mapStrings returns v with f applied to every string and object key.
func mapStrings(v jsonv.Value, f func(string) string) jsonv.Value {
	switch v := v.(type) {
	case string:
		return f(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = mapStrings(e, f)
		}
		return out
	case *jsonv.Object:
		out := jsonv.NewObject(v.Len())
		for _, m := range v.Members {
			out.Set(f(m.Key), mapStrings(m.Value, f))
		}
		return out
	}
	return v
}

// mapNumbers returns v with f applied to every number.
func mapNumbers(v jsonv.Value, f func(jsonv.Number) jsonv.Number) jsonv.Value {
	switch v := v.(type) {
	case jsonv.Number:
		return f(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = mapNumbers(e, f)
		}
		return out
	case *jsonv.Object:
		out := jsonv.NewObject(v.Len())
		for _, m := range v.Members {
			out.Members = append(out.Members, jsonv.Member{Key: m.Key, Value: mapNumbers(m.Value, f)})
		}
		return out
	}
	return v
}

// eachString calls f for every string and object key in v.
func eachString(v jsonv.Value, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case []any:
		for _, e := range v {
			eachString(e, f)
		}
	case *jsonv.Object:
		for _, m := range v.Members {
			f(m.Key)
			eachString(m.Value, f)
		}
	}
}
