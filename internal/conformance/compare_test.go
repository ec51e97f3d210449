package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// syntheticExecution is a recorded execution written by hand, so these tests
// run without the case folder.
const syntheticExecution = `{
 "id": "synthetic.execution",
 "kind": "execution",
 "definition": "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}",
 "input": "{\"n\": 1.0}",
 "state_machine_type": "STANDARD",
 "features": ["jsonpath", "state:Pass", "context_object"],
 "issues": [],
 "snapshot_transformers": [
  "RegexTransformer(sfn_role_arn, 'snf_role_arn')",
  "sfn_snapshot.transform.sfn_sm_create_arn(create_state_machine(), 0)",
  "sfn_snapshot.transform.sfn_sm_exec_arn(start_execution(), 0)"
 ],
 "expected": {
  "history": [
   {"executionStartedEventDetails": {"input": {"n": 1.0}, "inputDetails": {"truncated": false}}, "type": "ExecutionStarted"},
   {"stateEnteredEventDetails": {"input": {"n": 1.0}, "inputDetails": {"truncated": false}, "name": "P"}, "type": "PassStateEntered"},
   {"stateExitedEventDetails": {"name": "P", "output": {"big": 1e+16, "ctx": {"Id": "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>", "Role": "snf_role_arn", "Start": "date"}, "list": "[1,2]", "n": 1.0, "uid": {"requestId": "<uuid:1>"}}, "outputDetails": {"truncated": false}}, "type": "PassStateExited"},
   {"executionSucceededEventDetails": {"output": {"big": 1e+16, "n": 1.0}, "outputDetails": {"truncated": false}}, "type": "ExecutionSucceeded"}
  ],
  "history_event_ids": [[1, 0], [2, 0], [3, 2], [4, 3]],
  "output": {"big": 1e+16, "n": 1.0},
  "outputDetails": {"truncated": false},
  "status": "SUCCEEDED"
 }
}`

const (
	synthARN  = "arn:aws:states:ap-south-2:123456789012:execution:MachineXq12:0b5c3a52-7e57-4b1f-9c1d-3e5f7a9b1c2d"
	synthRole = "arn:aws:iam::123456789012:role/RoleForSteps"
)

// syntheticActual is what an executor could return for syntheticExecution.
func syntheticActual() *jsonv.Object {
	stateOut := `{"n":1.0,"list":"[1,2]","big":1.0E16,"uid":{"requestId":"9d1e7c3a-1111-4222-8333-944455556666"},` +
		`"ctx":{"Start":"2025-03-01T10:11:12.345Z","Role":"` + synthRole + `","Id":"` + synthARN + `"}}`
	return jsonv.MustParse(`{
	  "executionArn": "` + synthARN + `",
	  "stateMachineArn": "arn:aws:states:ap-south-2:123456789012:stateMachine:MachineXq12",
	  "name": "0b5c3a52-7e57-4b1f-9c1d-3e5f7a9b1c2d",
	  "status": "SUCCEEDED",
	  "startDate": 1.7e9,
	  "input": "{\"n\": 1.0}",
	  "output": "{\"n\":1.0,\"big\":1.0E16}",
	  "history": [
	    {"timestamp": 1.7e9, "type": "ExecutionStarted", "id": 1, "previousEventId": 0,
	     "executionStartedEventDetails": {"input": "{\"n\": 1.0}", "inputDetails": {"truncated": false}, "roleArn": "` + synthRole + `"}},
	    {"timestamp": 1.7e9, "type": "PassStateEntered", "id": 2, "previousEventId": 0,
	     "stateEnteredEventDetails": {"name": "P", "input": "{\"n\": 1.0}", "inputDetails": {"truncated": false}}},
	    {"timestamp": 1.7e9, "type": "PassStateExited", "id": 3, "previousEventId": 2,
	     "stateExitedEventDetails": {"name": "P", "output": ` + jsonv.Quote(stateOut) + `, "outputDetails": {"truncated": false}}},
	    {"timestamp": 1.7e9, "type": "ExecutionSucceeded", "id": 4, "previousEventId": 3,
	     "executionSucceededEventDetails": {"output": "{\"n\":1.0,\"big\":1.0E16}", "outputDetails": {"truncated": false}}}
	  ]}`).(*jsonv.Object)
}

func mustCase(t testing.TB, text string) *Case {
	t.Helper()
	c, err := ParseCase([]byte(text))
	if err != nil {
		t.Fatalf("ParseCase: %v", err)
	}
	return c
}

// setPath returns v with the value at path replaced (or, when del, removed).
func setPath(v jsonv.Value, path []any, nv jsonv.Value, del bool) jsonv.Value {
	if len(path) == 0 {
		return nv
	}
	switch k := path[0].(type) {
	case string:
		o := v.(*jsonv.Object)
		if len(path) == 1 && del {
			return without(o, k)
		}
		old, _ := o.Get(k)
		return o.With(k, setPath(old, path[1:], nv, del))
	case int:
		arr := slices.Clone(v.([]any))
		if len(path) == 1 && del {
			return slices.Delete(arr, k, k+1)
		}
		arr[k] = setPath(arr[k], path[1:], nv, del)
		return arr
	}
	panic("bad path")
}

func TestCompareSynthetic(t *testing.T) {
	t.Parallel()
	c := mustCase(t, syntheticExecution)
	exitOut := []any{"history", 2, "stateExitedEventDetails", "output"}
	withOut := func(field, value string) jsonv.Value {
		o := jsonv.MustParse(`{"n":1.0,"list":"[1,2]","big":1.0E16,"uid":{"requestId":"9d1e7c3a-1111-4222-8333-944455556666"},"ctx":{"Start":"2025-03-01T10:11:12.345Z","Role":"` + synthRole + `","Id":"` + synthARN + `"}}`).(*jsonv.Object)
		return jsonv.Marshal(o.With(field, jsonv.MustParse(value)))
	}
	tests := []struct {
		name     string
		actual   jsonv.Value
		wantDiff string // "" means the comparison must pass
	}{
		{"as recorded", syntheticActual(), ""},
		{"keys reordered", setPath(syntheticActual(), exitOut,
			`{"ctx":{"Id":"`+synthARN+`","Role":"`+synthRole+`","Start":"2025-03-01T10:11:12.345Z"},"uid":{"requestId":"9d1e7c3a-1111-4222-8333-944455556666"},"big":1.0E16,"list":"[1,2]","n":1.0}`, false), ""},
		{"integer where a float was recorded", setPath(syntheticActual(), exitOut, withOut("n", "1"), false),
			`$.history[2](PassStateExited).stateExitedEventDetails.output.n: want 1.0, got 1 (number written differently)`},
		{"JSON text in a string compares exactly", setPath(syntheticActual(), exitOut, withOut("list", `"[1, 2]"`), false),
			`$.history[2](PassStateExited).stateExitedEventDetails.output.list: want "[1,2]", got "[1, 2]"`},
		{"other execution name", setPath(syntheticActual(), exitOut, withOut("ctx", `{"Start":"2025-03-01T10:11:12.345Z","Role":"`+synthRole+`","Id":"arn:aws:states:ap-south-2:123456789012:execution:MachineXq12:other"}`), false),
			`$.history[2](PassStateExited).stateExitedEventDetails.output.ctx.Id: want "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>", got "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:other"`},
		{"date that is no ISO-8601 timestamp", setPath(syntheticActual(), exitOut, withOut("ctx", `{"Start":"2025-03-01 10:11:12","Role":"`+synthRole+`","Id":"`+synthARN+`"}`), false),
			`$.history[2](PassStateExited).stateExitedEventDetails.output.ctx.Start: want "date", got "2025-03-01 10:11:12"`},
		{"missing event", setPath(syntheticActual(), []any{"history", 1}, nil, true),
			`$.history[1](PassStateEntered).type: want "PassStateEntered", got "PassStateExited" (want 4 elements, got 3)`},
		{"extra member", setPath(syntheticActual(), []any{"history", 1, "stateEnteredEventDetails", "extra"}, true, false),
			`$.history[1](PassStateEntered).stateEnteredEventDetails.extra: unexpected (got true)`},
		{"wrong previous event id", setPath(syntheticActual(), []any{"history", 2, "previousEventId"}, jsonv.Number("1"), false),
			`$.history_event_ids[2][1]: want 2, got 1`},
		{"wrong status", setPath(syntheticActual(), []any{"history", 3, "type"}, "ExecutionFailed", false),
			`$.history[3](ExecutionSucceeded).type: want "ExecutionSucceeded", got "ExecutionFailed"`},
		{"no history", setPath(syntheticActual(), []any{"history"}, nil, true),
			`$.history: missing (want [{"executionStartedEventDetails"`},
		{"not an object", jsonv.Number("1"), `$.history: missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			diff, ok := Compare(c, tt.actual)
			if tt.wantDiff == "" {
				if !ok {
					t.Fatalf("Compare failed: %s", diff)
				}
				return
			}
			if ok {
				t.Fatalf("Compare passed, want diff %q", tt.wantDiff)
			}
			if !strings.HasPrefix(diff, tt.wantDiff) {
				t.Errorf("diff\n got %s\nwant %s...", diff, tt.wantDiff)
			}
			if strings.Contains(diff, "\n") {
				t.Errorf("diff spans lines: %q", diff)
			}
		})
	}
}

func TestMismatchShowsWhereLongStringsDiffer(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefghij", 20)
	got := mismatch("$.x", long+"<want>", long+"<got>")
	want := `$.x: want …bcdefghijabcdefghijabcdefghij<want>", got …bcdefghijabcdefghijabcdefghij<got>"`
	if got != want {
		t.Errorf("mismatch\n got %s\nwant %s", got, want)
	}
	if got := mismatch("$.x", "short", "other"); got != `$.x: want "short", got "other"` {
		t.Errorf("mismatch of short strings = %s", got)
	}
}

func TestNormalizeSynthetic(t *testing.T) {
	t.Parallel()
	c := mustCase(t, syntheticExecution)
	got := Normalize(c, syntheticActual())
	want := `{"history":[{"type":"ExecutionStarted","executionStartedEventDetails":{"input":{"n":1.0},"inputDetails":{"truncated":false}}},` +
		`{"type":"PassStateEntered","stateEnteredEventDetails":{"name":"P","input":{"n":1.0},"inputDetails":{"truncated":false}}},` +
		`{"type":"PassStateExited","stateExitedEventDetails":{"name":"P","output":{"n":1.0,"list":"[1,2]","big":1e+16,"uid":{"requestId":"<uuid:1>"},` +
		`"ctx":{"Start":"date","Role":"snf_role_arn","Id":"arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>"}},"outputDetails":{"truncated":false}}},` +
		`{"type":"ExecutionSucceeded","executionSucceededEventDetails":{"output":{"n":1.0,"big":1e+16},"outputDetails":{"truncated":false}}}],` +
		`"history_event_ids":[[1,0],[2,0],[3,2],[4,3]],"status":"SUCCEEDED","output":{"n":1.0,"big":1e+16},"outputDetails":{"truncated":false}}`
	if s := jsonv.Marshal(got); s != want {
		t.Errorf("Normalize\n got %s\nwant %s", s, want)
	}
}

func TestNormalizeRules(t *testing.T) {
	t.Parallel()
	base := func(kind, transformers, expected string) string {
		return `{"id":"synthetic.` + kind + `","kind":"` + kind + `","definition":"{}","features":[],"issues":[],
		"snapshot_transformers":[` + transformers + `],"expected":` + expected + `}`
	}
	tests := []struct {
		name, caseText, actual, want string
	}{
		{
			name:     "cause JSON, uuid under id keys, timestamp keys, dates",
			caseText: base("test_state", "", `{}`),
			actual: `{"status":"FAILED","cause":"bad input '{\"a\": 1}'","error":"E","eventTimestamp":17,"TimestampISO":"2024-01-02T03:04:05Z",` +
				`"inspectionData":{"input":"{\"x\":\"2024-01-02T03:04:05.1+01:00\"}","traceId":"0b5c3a52-7e57-4b1f-9c1d-3e5f7a9b1c2d","other":"0b5c3a52-7e57-4b1f-9c1d-3e5f7a9b1c2d"}}`,
			want: `{"status":"FAILED","cause":"bad input '<json-input:1>'","error":"E","eventTimestamp":"timestamp","TimestampISO":"date",` +
				`"inspectionData":{"input":{"x":"date"},"traceId":"<uuid:1>","other":"<uuid:1>"}}`,
		},
		{
			name:     "only strings starting with { are parsed, and not recursively",
			caseText: base("test_state", "", `{}`),
			actual:   `{"output":"{\"inner\":\"{\\\"b\\\":1}\",\"list\":[\"{}\"]}","arr":"[1]","items":[{"s":"{\"c\":2}"},"{\"d\":3}"]}`,
			want:     `{"output":{"inner":"{\"b\":1}","list":["{}"]},"arr":"[1]","items":[{"s":{"c":2}},"{\"d\":3}"]}`,
		},
		{
			name:     "resource names of ARNs",
			caseText: base("test_state", `"sfn_snapshot.transform.resource_name()"`, `{}`),
			actual:   `{"output":"{\"Id\":\"arn:aws:states:us-east-1:123456789012:express:SmName1:ExName2:ExName3\",\"Name\":\"ExName3\",\"Sm\":\"arn:aws:states:us-east-1:123456789012:stateMachine:SmName1\"}"}`,
			want:     `{"output":{"Id":"arn:<partition>:states:<region>:111111111111:express:<resource:2>:ExName2:<resource:1>","Name":"<resource:1>","Sm":"arn:<partition>:states:<region>:111111111111:stateMachine:<resource:2>"}}`,
		},
		{
			name:     "error in botocore form",
			caseText: base("test_state_error", "", `{"Error":{"Code":"X","Message":"m"},"message":"m"}`),
			actual:   `{"Error":{"Code":"ValidationException","Message":"bad arn:aws:states:::lambda:invoke"}}`,
			want:     `{"Error":{"Code":"ValidationException","Message":"bad arn:<partition>:states:::lambda:invoke"},"message":"bad arn:<partition>:states:::lambda:invoke"}`,
		},
		{
			name:     "error as exception text",
			caseText: base("create_state_machine_error", "", `{"exception_typename":"X","exception_value":"y"}`),
			actual:   `{"Error":{"Code":"InvalidDefinition","Message":"Invalid State Machine Definition: 'x'"}}`,
			want:     `{"exception_typename":"InvalidDefinition","exception_value":"An error occurred (InvalidDefinition) when calling the CreateStateMachine operation: Invalid State Machine Definition: 'x'"}`,
		},
		{
			name:     "describe_state_machine drops identities",
			caseText: base("describe_state_machine", `"sfn_snapshot.transform.sfn_sm_create_arn(create_state_machine(), 0)"`, `{}`),
			actual:   `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Sm1234567","name":"Sm1234567","roleArn":"arn:aws:iam::123456789012:role/r","creationDate":1.7E9,"revisionId":"0b5c3a52-7e57-4b1f-9c1d-3e5f7a9b1c2d","status":"ACTIVE","definition":"{\"Comment\":\"Sm1234567 1.50\",\"n\":1.50}","type":"STANDARD"}`,
			want:     `{"status":"ACTIVE","definition":{"Comment":"<ArnPart_0idx> 1.50","n":1.5},"type":"STANDARD"}`,
		},
		{
			name:     "execution_output keeps status and output",
			caseText: base("execution_output", "", `{"output":{},"status":"SUCCEEDED"}`),
			actual:   `{"executionArn":"x","status":"SUCCEEDED","output":"{\"a\":-0}","outputDetails":{"included":true}}`,
			want:     `{"output":{"a":0},"status":"SUCCEEDED"}`,
		},
		{
			name:     "express execution from CloudWatch Logs derived from the history",
			caseText: base("execution", `"sfn_snapshot.transform.sfn_sm_create_arn(create_state_machine(), 0)","sfn_snapshot.transform.sfn_sm_express_exec_arn(start_execution(), 0)"`, `{"last_cloudwatch_log_event":{},"output":{},"status":"SUCCEEDED"}`),
			actual: `{"executionArn":"arn:aws:states:us-east-1:123456789012:express:Sm1234567:p1-abcdef:p2-ghijkl","history":[` +
				`{"timestamp":1.7E9,"type":"ExecutionSucceeded","id":4,"previousEventId":3,"executionSucceededEventDetails":{"output":"{\"a\":1}","outputDetails":{"truncated":false}}}]}`,
			want: `{"status":"SUCCEEDED","output":{"a":1},"last_cloudwatch_log_event":{"id":"4","type":"ExecutionSucceeded","details":{"output":{"a":1},"outputDetails":{"truncated":false}},` +
				`"previous_event_id":"3","event_timestamp":"timestamp","execution_arn":"arn:<partition>:states:<region>:111111111111:express:<ArnPart_0idx>:<ExpressExecArn_Part1_0idx>:<ExpressExecArn_Part2_0idx>","redrive_count":"0"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustCase(t, tt.caseText)
			got := jsonv.Marshal(Normalize(c, jsonv.MustParse(tt.actual)))
			if got != tt.want {
				t.Errorf("Normalize\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParallelQuirk(t *testing.T) {
	t.Parallel()
	// A nested Parallel state, as AWS records it.
	types := []string{
		"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
		"ParallelStateEntered", "ParallelStateStarted", "PassStateEntered", "PassStateExited",
		"ParallelStateSucceeded", "ParallelStateExited", "ParallelStateSucceeded", "ParallelStateExited",
		"ExecutionSucceeded",
	}
	var events []any
	for i, typ := range types {
		events = append(events, jsonv.MustParse(`{"type":"`+typ+`","id":`+jsonv.Marshal(jsonv.Int(int64(i+1)))+`,"previousEventId":`+jsonv.Marshal(jsonv.Int(int64(i)))+`}`))
	}
	got := parallelQuirk(events).([]any)
	var summary []string
	for _, e := range got {
		eo := e.(*jsonv.Object)
		typ, _ := getString(eo, "type")
		id, _ := eo.Get("id")
		summary = append(summary, typ+"="+jsonv.Marshal(id))
	}
	want := []string{
		"ExecutionStarted=1", "ParallelStateEntered=2", "ParallelStateStarted=3",
		"ParallelStateEntered=[0]", "ParallelStateStarted=5", "PassStateEntered=[0]", "PassStateExited=[0]",
		"ParallelStateExited=11", "ExecutionSucceeded=12",
	}
	if !slices.Equal(summary, want) {
		t.Errorf("parallelQuirk\n got %v\nwant %v", summary, want)
	}
}

func TestMatchString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		want, got string
		ok        bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"<uuid:1>", "<uuid:7>", true},
		{"<uuid:1>", "<resource:1>", false},
		{"<lambda-function-name>", "fn-eval-x1", true}, // not reproducible: any text
		{"<uuid:1>", "", false},
		{"x:<ArnPart_0idx>:<ExecArnPart_0idx>", "x:<ArnPart_0idx>:<ExecArnPart_0idx>", true},
		{"x:<ArnPart_1idx>:y", "x:<ArnPart_0idx>:y", true},
		{"x:<ArnPart_0idx>:y", "x:raw-name:y", true}, // no sfn_sm_create_arn: any text
		{"<resource:1>/<resource:1>", "a/a", true},
		{"<resource:1>/<resource:1>", "a/b", false},
		{"<resource:1>/<resource:2>", "a/a", false},
		{"<resource:1>/<resource:2>", "<resource:4>/<resource:3>", true},
		{"<region>", "eu-west-1", false},
	}
	for _, tt := range tests {
		m := newMatcher(&Case{plan: &plan{}})
		if got := m.matchString(tt.want, tt.got); got != tt.ok {
			t.Errorf("matchString(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.ok)
		}
	}
}

// TestMatchBindingsAcrossValues checks that a placeholder stands for the
// same text throughout a case.
func TestMatchBindingsAcrossValues(t *testing.T) {
	t.Parallel()
	c := mustCase(t, `{"id":"b","kind":"test_state","definition":"{}","features":[],"issues":[],"snapshot_transformers":[],
		"expected":{"a":"<resource:1>","b":"<resource:1>","c":"<resource:2>"}}`)
	for _, tt := range []struct {
		actual string
		ok     bool
	}{
		{`{"a":"x","b":"x","c":"y"}`, true},
		{`{"a":"x","b":"z","c":"y"}`, false},
		{`{"a":"x","b":"x","c":"x"}`, false},
	} {
		if _, ok := Compare(c, jsonv.MustParse(tt.actual)); ok != tt.ok {
			t.Errorf("Compare(%s) ok = %v, want %v", tt.actual, ok, tt.ok)
		}
	}
}

// TestPerturbedCases changes fake responses to real cases and checks the
// diff names the change.
func TestPerturbedCases(t *testing.T) {
	t.Parallel()
	cases := loadCases(t)
	byID := map[string]*Case{}
	for _, c := range cases {
		byID[c.ID] = c
	}
	tests := []struct {
		id       string
		perturb  func(v jsonv.Value) jsonv.Value
		wantDiff string // "" means it must still pass
	}{
		{
			id: "base.test_base.TestSnfBase.test_decl_version_1_0",
			perturb: func(v jsonv.Value) jsonv.Value {
				return setPath(v, []any{"history", 3, "executionSucceededEventDetails", "output"}, `{"a":1}`, false)
			},
			wantDiff: `$.history[3](ExecutionSucceeded).executionSucceededEventDetails.output.a: unexpected (got 1)`,
		},
		{
			id: "scenarios.test_base_scenarios.TestBaseScenarios.test_parallel_state_order",
			perturb: func(v jsonv.Value) jsonv.Value {
				// Branch events in another order still match.
				h, _ := v.(*jsonv.Object).Get("history")
				arr := slices.Clone(h.([]any))
				arr[3], arr[6] = arr[6], arr[3]
				arr[7], arr[10] = arr[10], arr[7]
				return v.(*jsonv.Object).With("history", arr)
			},
		},
		{
			id: "scenarios.test_base_scenarios.TestBaseScenarios.test_parallel_state_order",
			perturb: func(v jsonv.Value) jsonv.Value {
				return setPath(v, []any{"history", 9, "stateExitedEventDetails", "output"}, `{"branch":7}`, false)
			},
			wantDiff: `$.history[9](PassStateExited): no match in the unordered Parallel block $.history[3:11]`,
		},
		{
			id: "choice_operators.test_boolean_equals.TestBooleanEquals.test_boolean_equals.cases.0",
			perturb: func(v jsonv.Value) jsonv.Value {
				return setPath(v, []any{"status"}, "FAILED", false)
			},
			wantDiff: `$.status: want "SUCCEEDED", got "FAILED"`,
		},
		{
			id: "test_sfn_api.TestSnfApi.test_invalid_start_execution_input.start_exec_str_inp",
			perturb: func(v jsonv.Value) jsonv.Value {
				return setPath(v, []any{"Error", "Message"}, "Invalid State Machine Execution Input: 'other'", false)
			},
			wantDiff: `$.Error.Message: want "Invalid State Machine Execution Input: 'Unrecognized token 'not'`,
		},
	}
	for _, tt := range tests {
		c := byID[tt.id]
		if c == nil {
			t.Errorf("case %s not found", tt.id)
			continue
		}
		diff, ok := Compare(c, tt.perturb(fakeResponse(c)))
		switch {
		case tt.wantDiff == "" && !ok:
			t.Errorf("%s: Compare failed: %s", tt.id, diff)
		case tt.wantDiff != "" && ok:
			t.Errorf("%s: Compare passed, want diff %q", tt.id, tt.wantDiff)
		case tt.wantDiff != "" && !strings.HasPrefix(diff, tt.wantDiff):
			t.Errorf("%s: diff\n got %s\nwant %s...", tt.id, diff, tt.wantDiff)
		}
	}
}

func FuzzCompare(f *testing.F) {
	f.Add(jsonv.Marshal(syntheticActual()))
	f.Add(`{"history":[{"type":"ParallelStateExited"},{"type":"ParallelStateStarted"},{}]}`)
	f.Add(`{"Error":{"Code":1},"output":"{\"a\":","cause":"x '{}'"}`)
	f.Add(`[1,"<uuid:1>",{"timestamp":null}]`)
	cases := []*Case{
		mustCase(f, syntheticExecution),
		mustCase(f, `{"id":"p","kind":"execution","definition":"{}","features":[],"issues":["sorted by JSON text"],
			"snapshot_transformers":["SfnNoneRecursiveParallelTransformer()","GenericTransformer(<_convert_output_to_json>)","sfn_snapshot.transform.resource_name()"],
			"expected":{"history":[{"type":"ParallelStateStarted"},{"type":"Pass"}],"history_event_ids":[[1,0],[[0],0]]}}`),
		mustCase(f, `{"id":"e","kind":"test_state_error","definition":"{}","features":[],"issues":[],"snapshot_transformers":[],
			"expected":{"exception_typename":"X","exception_value":"<resource:1>"}}`),
	}
	f.Fuzz(func(t *testing.T, actual string) {
		v, err := jsonv.ParseString(actual)
		if err != nil {
			return
		}
		for _, c := range cases {
			diff, ok := Compare(c, v)
			if !ok && (diff == "" || strings.Contains(diff, "\n")) {
				t.Fatalf("bad diff %q", diff)
			}
		}
	})
}

func FuzzMatchString(f *testing.F) {
	f.Add("x:<ArnPart_0idx>:<ExecArnPart_0idx>", "x:<ArnPart_0idx>:abc")
	f.Add("<resource:1><resource:2><resource:1>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")
	f.Add("<uuid:1>", "<uuid:2>")
	f.Add("<lambda-function-name>-<lambda-function-name>", "a-b-a-b")
	f.Fuzz(func(t *testing.T, want, got string) {
		m := newMatcher(&Case{plan: &plan{resourceName: false, tokens: []string{"<lambda-function-name>"}}})
		ok := m.matchString(want, got)
		if want == got && !tokenRE.MatchString(want) && !ok {
			t.Fatalf("matchString(%q, %q) = false for equal strings", want, got)
		}
		if ok && !tokenRE.MatchString(want) && !strings.Contains(want, "<lambda-function-name>") && want != got {
			t.Fatalf("matchString(%q, %q) = true without placeholders", want, got)
		}
	})
}

func TestCompareOddValues(t *testing.T) {
	t.Parallel()
	c := mustCase(t, syntheticExecution)
	for _, v := range []jsonv.Value{
		(*jsonv.Object)(nil),
		map[string]any{"status": "SUCCEEDED", "n": 3, "f": 1.5},
		[]any{(*jsonv.Object)(nil), struct{ X chan int }{}},
		&jsonv.Object{Members: []jsonv.Member{{Key: "history", Value: []any{(*jsonv.Object)(nil), 7}}}},
	} {
		if diff, ok := Compare(c, v); ok || diff == "" {
			t.Errorf("Compare(%#v) = %q, %v", v, diff, ok)
		}
	}
}
