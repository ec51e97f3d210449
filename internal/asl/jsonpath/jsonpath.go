// Package jsonpath implements the JSONPath dialect of AWS Step Functions:
// the Jayway JsonPath syntax and evaluation rules as AWS exposes them, plus
// the ASL additions ("$$" for the context object, "$name" for a workflow
// variable) and ResultPath-style assignment (Set).
//
// Paths are compiled once by Parse and evaluated many times by Get; a path
// made only of member names and indexes ("$.a.b[0]") is evaluated without
// allocating.
//
// Semantics, following Jayway and what AWS was observed to do:
//   - A definite path (no wildcard, slice, filter, index list or deep scan)
//     selects one value or fails; Get reports the failure with false.
//   - An indefinite path always succeeds with the list of matches in document
//     order; members, indexes and types that do not match are skipped, so a
//     path over missing input yields an empty list.
//   - A member step applies to objects only, an index step to arrays only.
//     "[*]" and ".*" yield an object's member values or an array's elements.
//   - Negative indexes ("[-1]") parse but never match (AWS reports them as not
//     found); slices accept negative bounds the way Jayway does ("[-2:]").
//     "[(@.length-N)]" selects the N-th element from the end.
//   - A bracketed name list at the end of a path ("$['a','b']") yields one
//     object holding the members that exist, as Jayway merges them.
//   - Functions ("$.a.length()") parse but never match: AWS does not support
//     them and reports such paths as not found.
//   - Filters "[?(...)]" support &&, ||, !, parentheses, ==, !=, ===, !==, <,
//     <=, >, >=, =~ /regex/flags, in, nin, contains, all, subsetof, anyof,
//     noneof, size and empty, with Jayway's comparison rules. As AWS documents,
//     "@" only matches objects: against a scalar or array item every "@" path
//     is undefined. Regular expressions use Go's RE2 syntax, which lacks
//     Java's backreferences and lookaround.
//   - Bracketed names are taken literally between their quotes: a backslash
//     only keeps the next character from closing the name ("$['a\'b']" names
//     the key a\'b), which is what AWS was observed to do.
package jsonpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// RootKind says what a path is evaluated against.
type RootKind int

const (
	// RootInput is "$...": the state input (or effective input).
	RootInput RootKind = iota
	// RootContext is "$$...": the context object.
	RootContext
	// RootVariable is "$name...": a workflow variable, named by Path.Variable.
	RootVariable
)

// String returns "input", "context" or "variable".
func (k RootKind) String() string {
	switch k {
	case RootInput:
		return "input"
	case RootContext:
		return "context"
	case RootVariable:
		return "variable"
	}
	return "RootKind(" + strconv.Itoa(int(k)) + ")"
}

// Path is a compiled JSONPath. It is immutable and safe for concurrent use.
type Path struct {
	text      string
	root      RootKind
	variable  string
	steps     []step
	definite  bool
	reference bool
	simple    bool // only member and index steps: the allocation-free fast path
	atItem    bool // a filter path rooted at "@", the current item
}

// SyntaxError describes a malformed path.
type SyntaxError struct {
	Path   string // the text given to Parse
	Offset int    // byte offset of the problem in Path
	Msg    string // what is wrong, e.g. "expected '.' or '[' after the root"
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSONPath %q: %s (at offset %d)", e.Path, e.Msg, e.Offset)
}

// NotFoundError reports that a definite path selected nothing. Msg is worded
// the way Jayway JsonPath words it, which AWS quotes in some causes
// ("No results for path: $['a']", "Missing property in path $['a']").
type NotFoundError struct {
	Path *Path
	Msg  string
}

func (e *NotFoundError) Error() string { return e.Msg }

// ErrCannotSet is wrapped by the errors Set returns.
var ErrCannotSet = errors.New("path cannot be applied")

// Parse compiles s: "$", "$.a.b", "$['a b']", "$.a[0]", "$.a[*]",
// "$.a[1:3]", "$..deep", "$.a[?(@.x > 1)]", "$.a[0,2]", "$$.Execution.Id",
// "$myVar.x" and the other Jayway forms described in the package doc.
// A malformed path yields a *SyntaxError.
func Parse(s string) (*Path, error) {
	p := &parser{src: s}
	return p.parsePath(false)
}

// MustParse is Parse that panics on error; for literals in tests and tables.
func MustParse(s string) *Path {
	p, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("jsonpath.MustParse(%q): %v", s, err))
	}
	return p
}

// String returns the original text of the path.
func (p *Path) String() string { return p.text }

// Root says what the path is evaluated against.
func (p *Path) Root() RootKind { return p.root }

// Variable returns the variable name of a RootVariable path, "" otherwise.
func (p *Path) Variable() string { return p.variable }

// IsDefinite reports whether the path selects at most one value: it has no
// wildcard, slice, filter, index list or deep scan, so Get returns the value
// itself rather than a list of matches.
func (p *Path) IsDefinite() bool { return p.definite }

// IsReference reports whether the path is an ASL Reference Path: only member
// names and single non-negative indexes. ResultPath accepts only these.
func (p *Path) IsReference() bool { return p.reference }

// Normalized returns the path in Jayway's normalized form, as Jayway prints
// it in messages: "$['a']['b'][0]". The root is written "$" whatever Root is.
func (p *Path) Normalized() string { return normalized(p.steps) }

func normalized(steps []step) string {
	var b strings.Builder
	b.WriteByte('$')
	for i := range steps {
		steps[i].appendFragment(&b)
	}
	return b.String()
}

// Get evaluates p against root, the document chosen by Root. A definite path
// yields (value, true), or (nil, false) when a step is missing or does not
// apply. An indefinite path yields ([]any of the matches in document order,
// true), possibly empty.
func (p *Path) Get(root jsonv.Value) (jsonv.Value, bool) {
	if p.simple {
		cur := root
		for i := range p.steps {
			s := &p.steps[i]
			if s.kind == stepMember {
				o, ok := cur.(*jsonv.Object)
				if !ok {
					return nil, false
				}
				if cur, ok = o.Get(s.name); !ok {
					return nil, false
				}
				continue
			}
			a, ok := cur.([]any)
			if !ok || s.index < 0 || s.index >= len(a) {
				return nil, false
			}
			cur = a[s.index]
		}
		return cur, true
	}
	if p.definite {
		v, _, ok := getDefinite(p.steps, root, false)
		return v, ok
	}
	e := evaluator{root: root, out: make([]any, 0, 4)}
	e.eval(p.steps, root)
	return e.out, true
}

// Lookup is Get for callers that need Jayway's words when a definite path
// selects nothing: it returns a *NotFoundError instead of false. An
// indefinite path never fails.
func (p *Path) Lookup(root jsonv.Value) (jsonv.Value, error) {
	if v, ok := p.Get(root); ok {
		return v, nil
	}
	_, msg, _ := getDefinite(p.steps, root, true)
	return nil, &NotFoundError{Path: p, Msg: msg}
}

// getDefinite walks a definite path. When explain is set and the walk fails,
// msg says why in Jayway's words.
func getDefinite(steps []step, root jsonv.Value, explain bool) (v jsonv.Value, msg string, ok bool) {
	cur := root
	for i := range steps {
		s := &steps[i]
		leaf := i == len(steps)-1
		switch s.kind {
		case stepMember, stepMembers:
			o, isObj := cur.(*jsonv.Object)
			if !isObj {
				if explain {
					msg = fmt.Sprintf("Expected to find an object with property %s in path %s but found '%s'. "+
						"This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.",
						fragment(s), normalized(steps[:i]), javaClass(cur))
				}
				return nil, msg, false
			}
			if s.kind == stepMembers { // only definite as the leaf: merge
				return mergeMembers(o, s.names), "", true
			}
			next, found := o.Get(s.name)
			if !found {
				if explain {
					if leaf {
						msg = "No results for path: " + normalized(steps)
					} else {
						msg = "Missing property in path " + normalized(steps[:i+1])
					}
				}
				return nil, msg, false
			}
			cur = next
		case stepIndex, stepFromEnd:
			a, isArr := cur.([]any)
			if !isArr {
				if explain {
					if cur == nil {
						msg = "The path " + normalized(steps[:i]) + " is null"
					} else {
						msg = fmt.Sprintf("Filter: %s can only be applied to arrays. Current context is: %s",
							normalized(steps[i:])[1:], jsonv.Marshal(cur))
					}
				}
				return nil, msg, false
			}
			idx := s.index
			if s.kind == stepFromEnd {
				idx = len(a) - s.index
			}
			if idx < 0 || idx >= len(a) {
				if explain {
					msg = "No results for path: " + normalized(steps)
				}
				return nil, msg, false
			}
			cur = a[idx]
		default: // stepFunction: AWS does not evaluate functions
			if explain {
				msg = "No results for path: " + normalized(steps)
			}
			return nil, msg, false
		}
	}
	return cur, "", true
}

func fragment(s *step) string {
	var b strings.Builder
	s.appendFragment(&b)
	return b.String()
}

// javaClass names the Java class Jayway's Jackson provider would report for v.
func javaClass(v jsonv.Value) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "java.lang.Boolean"
	case jsonv.Number:
		if v.IsInteger() {
			if _, ok := v.Int64(); ok {
				return "java.lang.Integer"
			}
			return "java.math.BigInteger"
		}
		return "java.lang.Double"
	case string:
		return "java.lang.String"
	case []any:
		return "java.util.ArrayList"
	}
	return "java.util.LinkedHashMap"
}

// mergeMembers returns a new object with the members of o named in names, in
// the order of names, skipping names o lacks.
func mergeMembers(o *jsonv.Object, names []string) *jsonv.Object {
	m := jsonv.NewObject(len(names))
	for _, n := range names {
		if v, ok := o.Get(n); ok {
			m.Set(n, v)
		}
	}
	return m
}

// Set returns a copy of root with the value at reference path p replaced by
// v, as ResultPath does: "$" replaces the whole document, missing members
// are added (creating empty objects for missing intermediate members), and
// only the objects and arrays along the path are copied; root itself is not
// modified. Set fails, with an error wrapping ErrCannotSet, when p is not a
// reference path or cannot be applied: a member step meets a value that is
// not an object, an index step meets a value that is not an array or an
// index past its end, or a missing member would have to be an array.
func Set(root jsonv.Value, p *Path, v jsonv.Value) (jsonv.Value, error) {
	if !p.reference {
		return nil, fmt.Errorf("set %s: not a reference path: %w", p.text, ErrCannotSet)
	}
	out, err := setAt(root, p.steps, 0, v)
	if err != nil {
		return nil, fmt.Errorf("set %s: %s: %w", p.text, err.Error(), ErrCannotSet)
	}
	return out, nil
}

type setError struct{ msg string }

func (e *setError) Error() string { return e.msg }

func setAt(cur jsonv.Value, steps []step, i int, v jsonv.Value) (jsonv.Value, error) {
	if i == len(steps) {
		return v, nil
	}
	s := &steps[i]
	switch s.kind {
	case stepMember:
		o, ok := cur.(*jsonv.Object)
		if !ok {
			return nil, &setError{fmt.Sprintf("%s is %s, not an object", normalized(steps[:i]), article(cur))}
		}
		if o == nil {
			o = &jsonv.Object{}
		}
		child, exists := o.Get(s.name)
		if !exists && i+1 < len(steps) {
			if steps[i+1].kind != stepMember {
				return nil, &setError{fmt.Sprintf("%s does not exist", normalized(steps[:i+1]))}
			}
			child = &jsonv.Object{}
		}
		nv, err := setAt(child, steps, i+1, v)
		if err != nil {
			return nil, err
		}
		return o.With(s.name, nv), nil
	default: // stepIndex
		a, ok := cur.([]any)
		if !ok {
			return nil, &setError{fmt.Sprintf("%s is %s, not an array", normalized(steps[:i]), article(cur))}
		}
		if s.index >= len(a) {
			return nil, &setError{fmt.Sprintf("index %d is past the end of %s (length %d)", s.index, normalized(steps[:i]), len(a))}
		}
		nv, err := setAt(a[s.index], steps, i+1, v)
		if err != nil {
			return nil, err
		}
		na := make([]any, len(a))
		copy(na, a)
		na[s.index] = nv
		return na, nil
	}
}

func article(v jsonv.Value) string {
	switch t := jsonv.TypeName(v); t {
	case "null":
		return "null"
	case "array", "object":
		return "an " + t
	default:
		return "a " + t
	}
}
