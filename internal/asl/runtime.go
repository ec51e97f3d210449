package asl

import (
	"math"
	"strconv"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Run-time rules shared by the engine and TestState.

// ErrorMatches applies an ErrorEquals list to an error name: States.ALL
// matches every error except States.Runtime and States.DataLimitExceeded;
// States.TaskFailed is a wildcard for every task error except
// States.Timeout (and those two terminal errors).
func ErrorMatches(list []string, name string) bool {
	for _, want := range list {
		switch {
		case want == name:
			return true
		case want == failure.All:
			if name != failure.Runtime && name != failure.DataLimitExceeded {
				return true
			}
		case want == failure.TaskFailed:
			switch name {
			case failure.Timeout, failure.Runtime, failure.DataLimitExceeded:
			default:
				return true
			}
		}
	}
	return false
}

// MatchRetrier returns the first retrier whose ErrorEquals matches name,
// or -1 and nil.
func (s *State) MatchRetrier(name string) (int, *Retrier) {
	for i, r := range s.Retry {
		if ErrorMatches(r.ErrorEquals, name) {
			return i, r
		}
	}
	return -1, nil
}

// MatchCatcher returns the first catcher whose ErrorEquals matches name,
// or -1 and nil.
func (s *State) MatchCatcher(name string) (int, *Catcher) {
	for i, c := range s.Catch {
		if ErrorMatches(c.ErrorEquals, name) {
			return i, c
		}
	}
	return -1, nil
}

// PathNotFoundInput is AWS's States.Runtime failure for an InputPath,
// OutputPath or ItemsPath that selects nothing.
func PathNotFoundInput(p *jsonpath.Path) *failure.Error {
	return failure.New(failure.Runtime, "Invalid path '%s' : No results for path: %s", p.String(), p.Normalized())
}

// IntField resolves an integer field given directly or through its Path
// form (MaxConcurrencyPath, ToleratedFailureCountPath, …); a number held in
// a string counts, as on AWS.
func IntField(en *Env, fixed int64, path *jsonpath.Path, field string) (int64, error) {
	if path == nil {
		return fixed, nil
	}
	v, ok := GetPath(en, path)
	n, isNum := Numeric(v)
	i, isInt := n.Int64()
	if !ok || !isNum || !isInt || i < 0 {
		return 0, failure.New(failure.Runtime, "The %s field refers to value \"%s\" which is not a valid integer: %s", field, Render(v, ok), path.String())
	}
	return i, nil
}

// Numeric reads a number, or a string holding one.
func Numeric(v jsonv.Value) (jsonv.Number, bool) {
	switch v := v.(type) {
	case jsonv.Number:
		return v, true
	case string:
		if n, err := jsonv.ParseString(v); err == nil {
			if num, ok := n.(jsonv.Number); ok {
				return num, true
			}
		}
	}
	return "", false
}

// Render shows a value in a message: strings as they are, others as JSON,
// a missing value as null.
func Render(v jsonv.Value, ok bool) string {
	if !ok {
		return "null"
	}
	if s, isStr := v.(string); isStr {
		return s
	}
	return jsonv.Marshal(v)
}

// MaxSeconds is the largest number of seconds a field (Seconds,
// TimeoutSeconds, IntervalSeconds, …) accepts.
const MaxSeconds = 99_999_999

// QueryInt evaluates an integer field written as a JSONata expression and
// checks that it lies in [min, max].
func QueryInt(q *Query, en *Env, field string, min, max int64) (int64, error) {
	v, err := q.Eval(en, field)
	if err != nil {
		return 0, err
	}
	n, ok := v.(jsonv.Number)
	if !ok {
		return 0, q.Mismatch(field, "integer", v)
	}
	f := n.Float64()
	if f != math.Trunc(f) || f < float64(min) || f > float64(max) {
		return 0, q.Invalid(field, "an integer from "+strconv.FormatInt(min, 10)+" to "+strconv.FormatInt(max, 10), v)
	}
	return int64(f), nil
}

// Resolve returns the retrier with its fields written as JSONata
// expressions evaluated against en (r itself when it has none).
func (r *Retrier) Resolve(en *Env) (*Retrier, error) {
	if !r.Dynamic() {
		return r, nil
	}
	rr := *r
	var err error
	if q := r.IntervalSecondsExpr; q != nil {
		if rr.IntervalSeconds, err = QueryInt(q, en, "IntervalSeconds", 0, MaxSeconds); err != nil {
			return nil, err
		}
	}
	if q := r.MaxAttemptsExpr; q != nil {
		if rr.MaxAttempts, err = QueryInt(q, en, "MaxAttempts", 0, MaxSeconds); err != nil {
			return nil, err
		}
	}
	if q := r.MaxDelaySecondsExpr; q != nil {
		if rr.MaxDelaySeconds, err = QueryInt(q, en, "MaxDelaySeconds", 1, 31622400); err != nil {
			return nil, err
		}
	}
	if q := r.BackoffRateExpr; q != nil {
		v, err := q.Eval(en, "BackoffRate")
		if err != nil {
			return nil, err
		}
		n, ok := v.(jsonv.Number)
		if !ok {
			return nil, q.Mismatch("BackoffRate", "number", v)
		}
		if n.Float64() < 1 {
			return nil, q.Invalid("BackoffRate", "a number of at least 1.0", v)
		}
		rr.BackoffRate = n.Float64()
	}
	return &rr, nil
}
