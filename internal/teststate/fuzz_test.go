package teststate

import (
	"context"
	"errors"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// FuzzRun feeds arbitrary definitions, inputs, mocks, variables and
// context objects to Run: it must answer with a response or an error, never
// panic, and a response's documents must be JSON.
func FuzzRun(f *testing.F) {
	seeds := []struct{ def, input, mock, vars, ctx string }{
		{`{"Type":"Pass","End":true}`, `{"a":1}`, "", "", ""},
		{`{"Type":"Pass","Parameters":{"x.$":"$$.Execution.Input"},"Assign":{"v.$":"$.x"},"Next":"N"}`, `[1,2]`, "", `{"w":1}`, ""},
		{`{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"A"}],"Default":"B"}`, `{}`, "", "", ""},
		{`{"Type":"Wait","SecondsPath":"$.s","Next":"N"}`, `{"s":5}`, "", "", ""},
		{`{"Type":"Fail","ErrorPath":"$.e"}`, `{"e":"x"}`, "", "", ""},
		{lambdaTask, `{}`, `{"StatusCode":200}`, "", `{"Execution":{}}`},
		{`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:kms:encrypt","Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true}`, `{}`, "!error", "", ""},
		{`{"Type":"Map","ItemsPath":"$$.Execution.Input","MaxConcurrencyPath":"$.m","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`, `{"m":2}`, `[1]`, "", `{"Execution":{"Input":[1]}}`},
		{`{"Type":"Parallel","Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}],"Catch":[{"ErrorEquals":["E"],"Next":"X"}],"End":true}`, `{}`, "!error", "", ""},
		{`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, `{}`, "", "", ""},
		{`{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"x":"{% $states.input.a %}"},"Output":{"v":"{% $v %}","c":"{% $states.context %}"},"Next":"N"}`, `{"a":1}`, "", `{"v":[1]}`, ""},
		{`{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":"{% $states.input %}"},"Output":"{% $states.result %}",` +
			`"Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Next":"H"}],"End":true}`, `{}`, `{"StatusCode":200}`, "", ""},
		{`{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.v %}","MaxConcurrency":"{% $m %}","ToleratedFailureCount":"{% 1 %}","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`, `{"v":[1,2]}`, `[1]`, `{"m":1}`, ""},
		{`not json`, `{`, `{`, `[`, `"`},
	}
	for _, s := range seeds {
		f.Add(s.def, s.input, s.mock, s.vars, s.ctx, "A", uint8(1))
	}
	f.Fuzz(func(t *testing.T, def, input, mock, vars, ctxText, stateName string, flags uint8) {
		req := Request{Definition: def, Input: input, Variables: vars, Context: ctxText, Now: testNow}
		if flags&1 != 0 {
			req.InspectionLevel = LevelTrace
		}
		if flags&2 != 0 {
			req.StateName = stateName
		}
		if flags&4 != 0 {
			req.RoleArn = "arn:aws:iam::111111111111:role/r"
		}
		switch {
		case mock == "!error":
			req.Mock = mockError("E", "cause")
		case mock != "":
			req.Mock = mockResult(mock)
		}
		if flags&8 != 0 {
			req.StateConfiguration = &StateConfiguration{RetrierRetryCount: intp(int64(flags >> 4)), MapIterationFailureCount: intp(int64(flags >> 5))}
		}
		resp, err := Run(context.Background(), req)
		if err != nil {
			var apiErr *APIError
			if !errors.As(err, &apiErr) && !errors.Is(err, ErrUnsupported) && resp != nil {
				t.Fatalf("error %v with a response", err)
			}
			return
		}
		for _, key := range []string{"output"} {
			if v, ok := resp.Get(key); ok {
				if _, err := jsonv.ParseString(v.(string)); err != nil {
					t.Fatalf("%s %q is not JSON: %v", key, v, err)
				}
			}
		}
		if st, _ := resp.Get("status"); st == nil {
			t.Fatalf("response without status: %s", jsonv.Marshal(resp))
		}
	})
}
