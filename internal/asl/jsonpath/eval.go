package jsonpath

import "github.com/stepflow/stepflow/internal/jsonv"

// evaluator collects the matches of an indefinite path. Steps that do not
// apply (a member of a non-object, an index past the end, ...) are skipped.
type evaluator struct {
	root jsonv.Value // the document "$" in filters refers to
	out  []any
}

func (e *evaluator) eval(steps []step, cur jsonv.Value) {
	if len(steps) == 0 {
		e.out = append(e.out, cur)
		return
	}
	s := &steps[0]
	if s.scan {
		e.scan(s, steps[1:], cur)
		return
	}
	e.apply(s, steps[1:], cur)
}

// apply applies s to cur and evaluates rest on each result.
func (e *evaluator) apply(s *step, rest []step, cur jsonv.Value) {
	switch s.kind {
	case stepMember:
		if o, ok := cur.(*jsonv.Object); ok {
			if v, ok := o.Get(s.name); ok {
				e.eval(rest, v)
			}
		}
	case stepMembers:
		o, ok := cur.(*jsonv.Object)
		if !ok {
			return
		}
		if len(rest) == 0 { // Jayway merges a trailing name list
			e.out = append(e.out, mergeMembers(o, s.names))
			return
		}
		for _, n := range s.names {
			if v, ok := o.Get(n); ok {
				e.eval(rest, v)
			}
		}
	case stepIndex, stepFromEnd:
		if a, ok := cur.([]any); ok {
			i := s.index
			if s.kind == stepFromEnd {
				i = len(a) - s.index
			}
			if i >= 0 && i < len(a) {
				e.eval(rest, a[i])
			}
		}
	case stepIndexes:
		if a, ok := cur.([]any); ok {
			for _, i := range s.indexes {
				if i >= 0 && i < len(a) {
					e.eval(rest, a[i])
				}
			}
		}
	case stepSlice:
		if a, ok := cur.([]any); ok {
			lo, hi := s.bounds(len(a))
			for i := lo; i < hi; i++ {
				e.eval(rest, a[i])
			}
		}
	case stepWildcard:
		switch c := cur.(type) {
		case *jsonv.Object:
			for _, m := range c.Members {
				e.eval(rest, m.Value)
			}
		case []any:
			for _, v := range c {
				e.eval(rest, v)
			}
		}
	case stepFilter:
		switch c := cur.(type) {
		case *jsonv.Object: // Jayway tests an object itself
			if s.filter.match(c, e.root) {
				e.eval(rest, c)
			}
		case []any:
			for _, v := range c {
				if s.filter.match(v, e.root) {
					e.eval(rest, v)
				}
			}
		}
	}
	// stepFunction: AWS does not evaluate functions; nothing matches.
}

// bounds returns the index range a slice selects from an array of length n,
// following Jayway: a negative start or end of a one-sided slice counts from
// the end; in a two-sided slice negative positions select nothing.
func (s *step) bounds(n int) (lo, hi int) {
	if n == 0 {
		return 0, 0
	}
	switch {
	case s.hasFrom && !s.hasTo:
		from := s.from
		if from < 0 {
			from += n
		}
		return min(max(0, from), n), n
	case s.hasFrom:
		to := min(n, s.to)
		from := max(0, s.from)
		if from >= to {
			return 0, 0
		}
		return from, to
	default:
		to := s.to
		if to < 0 {
			to += n
		}
		return 0, max(0, min(n, to))
	}
}

// scan applies s at cur and at every value below it, in document order
// (a value before its children), the way Jayway's deep scan does.
func (e *evaluator) scan(s *step, rest []step, cur jsonv.Value) {
	switch c := cur.(type) {
	case *jsonv.Object:
		if e.scanMatches(s, rest, c) {
			e.apply(s, rest, c)
		}
		for _, m := range c.Members {
			e.scan(s, rest, m.Value)
		}
	case []any:
		if e.scanMatches(s, rest, c) {
			if len(rest) == 0 {
				e.apply(s, rest, c)
			} else {
				// Jayway applies what follows to every element of a matching
				// array, whatever the array step itself selects.
				for _, v := range c {
					e.eval(rest, v)
				}
			}
		}
		for _, v := range c {
			e.scan(s, rest, v)
		}
	}
}

// scanMatches is Jayway's scan predicate: which values a step after ".."
// is tried on.
func (e *evaluator) scanMatches(s *step, rest []step, v jsonv.Value) bool {
	switch s.kind {
	case stepMember, stepMembers:
		o, ok := v.(*jsonv.Object)
		if !ok {
			return false
		}
		if s.kind == stepMember {
			return o.Has(s.name)
		}
		if len(rest) > 0 {
			return true
		}
		for _, n := range s.names {
			if !o.Has(n) {
				return false
			}
		}
		return true
	case stepIndex, stepFromEnd, stepIndexes, stepSlice:
		_, ok := v.([]any)
		return ok
	case stepWildcard:
		return true
	case stepFilter:
		return s.filter.match(v, e.root)
	}
	return false
}
