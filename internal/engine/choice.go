package engine

import (
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// evalRule evaluates a JSONPath-mode Choice rule against en.Input.
func evalRule(r *asl.ChoiceRule, en *asl.Env) (bool, error) {
	switch r.Op {
	case "And":
		for _, c := range r.Children {
			ok, err := evalRule(c, en)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case "Or":
		for _, c := range r.Children {
			ok, err := evalRule(c, en)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case "Not":
		ok, err := evalRule(r.Children[0], en)
		return !ok, err
	}
	v, present := asl.GetPath(en, r.Variable)
	if r.Op == "IsPresent" {
		want, _ := r.Value.(bool)
		return present == want, nil
	}
	if !present {
		return false, failure.New(failure.Runtime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable.String())
	}
	op, operand := r.Op, r.Value
	if name, isPath := strings.CutSuffix(op, "Path"); isPath && r.ValuePath != nil {
		op = name
		ov, ok := asl.GetPath(en, r.ValuePath)
		if !ok {
			return false, failure.New(failure.Runtime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.ValuePath.String())
		}
		operand = ov
	}
	return compare(op, v, operand), nil
}

// compare applies a comparison operator; values of the wrong type never
// match.
func compare(op string, v, operand jsonv.Value) bool {
	switch op {
	case "IsNull":
		want, _ := operand.(bool)
		return (v == nil) == want
	case "IsNumeric":
		want, _ := operand.(bool)
		_, ok := v.(jsonv.Number)
		return ok == want
	case "IsString":
		want, _ := operand.(bool)
		_, ok := v.(string)
		return ok == want
	case "IsBoolean":
		want, _ := operand.(bool)
		_, ok := v.(bool)
		return ok == want
	case "IsTimestamp":
		want, _ := operand.(bool)
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == want
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a)
	}
	if cmp, kind := strings.CutPrefix(op, "String"); kind {
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(cmp, jsonv.CompareStrings(a, b))
	}
	if cmp, kind := strings.CutPrefix(op, "Numeric"); kind {
		a, ok1 := v.(jsonv.Number)
		b, ok2 := operand.(jsonv.Number)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(cmp, a.Compare(b))
	}
	if cmp, kind := strings.CutPrefix(op, "Timestamp"); kind {
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		ta, ok1 := parseTimestamp(a)
		tb, ok2 := parseTimestamp(b)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(cmp, compareTimes(ta, tb))
	}
	return false
}

func ordered(cmp string, c int) bool {
	switch cmp {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

func compareTimes(a, b time.Time) int {
	switch {
	case a.Before(b):
		return -1
	case a.After(b):
		return 1
	}
	return 0
}

// wildcardMatch implements StringMatches: "*" matches any run of
// characters; "\*" and "\\" stand for a literal star and backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		lit  byte
	}
	toks := make([]tok, 0, len(pattern))
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' && i+1 < len(pattern) {
			i++
			toks = append(toks, tok{lit: pattern[i]})
			continue
		}
		toks = append(toks, tok{star: c == '*', lit: c})
	}
	// Greedy matching with backtracking to the last star.
	ti, si := 0, 0
	starTok, starS := -1, 0
	for si < len(s) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].lit == s[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starTok, starS = ti, si
			ti++
		case starTok >= 0:
			starS++
			ti, si = starTok+1, starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
