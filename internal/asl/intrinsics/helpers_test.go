package intrinsics

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// evalCase is one row of a function's table: the call, the input and either
// the result (compact JSON, compared as text so key order and number
// spelling count) or the failure.
type evalCase struct {
	expr  string
	input string // JSON; "" means {}
	want  string // compact JSON of the result
	err   string // failure name when the call fails
	cause string // the cause after "The function '…' had the following error: "
}

var testContext = jsonv.MustParse(`{"Execution":{"Name":"exec-1","Input":{"FunctionInput":"a,b"}},"StateMachine":{"Id":"arn:aws:states:us-east-1:111111111111:stateMachine:sm-one","Name":"sm-one"}}`)

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			in := tc.input
			if in == "" {
				in = "{}"
			}
			env := &Env{
				Input:   jsonv.MustParse(in),
				Context: testContext,
				Var: func(name string) (jsonv.Value, bool) {
					if name == "greeting" {
						return "hello", true
					}
					return nil, false
				},
				Rand: &counterRand{},
			}
			got, err := e.Eval(env)
			if tc.err != "" {
				var fe *failure.Error
				if !errors.As(err, &fe) {
					t.Fatalf("Eval = %s, %v; want failure %s", marshalOrNil(got), err, tc.err)
				}
				wantCause := "The function '" + tc.expr + "' had the following error: " + tc.cause
				if fe.Name != tc.err || fe.Cause != wantCause {
					t.Errorf("Eval failed with\n %s: %s\nwant\n %s: %s", fe.Name, fe.Cause, tc.err, wantCause)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if s := jsonv.Marshal(got); s != tc.want {
				t.Errorf("Eval = %s, want %s", s, tc.want)
			}
		})
	}
}

func marshalOrNil(v jsonv.Value) string {
	if v == nil {
		return "<nil>"
	}
	return jsonv.Marshal(v)
}

// counterRand is a deterministic Rand for tests.
type counterRand struct{ n uint64 }

func (r *counterRand) Uint64() uint64 {
	r.n += 0x9E3779B97F4A7C15
	return r.n
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func itoa(i int) string { return strconv.Itoa(i) }
