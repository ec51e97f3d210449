package asl

import (
	"slices"
	"strings"

	"github.com/stepflow/stepflow/internal/asl/intrinsics"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// VariableReferences returns DescribeStateMachine's variableReferences:
// for every state (nested ones included) whose own fields read workflow
// variables, the state's name and the sorted names of those variables. It
// returns nil when no state reads a variable, and AWS then leaves the
// member out.
//
// JSONPath states read variables through paths rooted at "$name" in the
// fields that take paths (InputPath, ItemsPath, SecondsPath, Choice
// Variable, …) and in ".$" fields of templates, intrinsic arguments
// included; JSONata states through the free variables of their "{% … %}"
// expressions ($states and functions excepted).
func VariableReferences(sm *StateMachine) *jsonv.Object {
	out := jsonv.NewObject(0)
	addReferences(out, sm)
	if out.Len() == 0 {
		return nil
	}
	return out
}

func addReferences(out *jsonv.Object, sm *StateMachine) {
	if sm == nil {
		return
	}
	for _, name := range sm.Order {
		st := sm.States[name]
		if refs := StateReferences(st); len(refs) > 0 {
			list := make([]any, len(refs))
			for i, r := range refs {
				list[i] = r
			}
			out.Set(name, list)
		}
		for _, br := range st.Branches {
			addReferences(out, br)
		}
		addReferences(out, st.ItemProcessor)
	}
}

// StateReferences returns the sorted names of the workflow variables the
// state's own fields read (not those of the states nested in it).
func StateReferences(st *State) []string {
	var refs []string
	add := func(names ...string) { refs = append(refs, names...) }
	for _, m := range st.Raw.Members {
		switch m.Key {
		case "Branches", "ItemProcessor", "Iterator", "Result", "ResultPath", "Type", "Comment", "QueryLanguage":
			continue
		}
		if st.JSONata {
			queryReferences(m.Value, add)
		} else {
			pathReferences(m.Key, m.Value, add)
		}
	}
	slices.Sort(refs)
	return slices.Compact(refs)
}

// queryReferences adds the variables of every JSONata expression in v.
func queryReferences(v jsonv.Value, add func(...string)) {
	switch v := v.(type) {
	case string:
		if IsQuery(v) {
			if q, err := CompileQuery(v); err == nil {
				add(q.Variables()...)
			}
		}
	case []any:
		for _, e := range v {
			queryReferences(e, add)
		}
	case *jsonv.Object:
		for _, m := range v.Members {
			queryReferences(m.Value, add)
		}
	}
}

// pathReferences adds the variables that a JSONPath field key = v reads.
func pathReferences(key string, v jsonv.Value, add func(...string)) {
	switch v := v.(type) {
	case string:
		switch {
		case strings.HasSuffix(key, ".$"), strings.HasSuffix(key, "Path"), key == "Variable":
			if intrinsics.IsCall(v) {
				if c, err := intrinsics.Parse(v); err == nil {
					add(c.Variables()...)
				}
				return
			}
			if p, err := jsonpath.Parse(v); err == nil && p.Root() == jsonpath.RootVariable {
				add(p.Variable())
			}
		}
	case []any:
		for _, e := range v {
			pathReferences(key, e, add)
		}
	case *jsonv.Object:
		for _, m := range v.Members {
			if m.Key == "ResultPath" {
				continue
			}
			pathReferences(m.Key, m.Value, add)
		}
	}
}
