package sfn

import (
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// variableReferences lists, per state, the workflow variables a definition
// reads, as DescribeStateMachine's variableReferences does: the names
// referenced by paths ("$var", "$var.field"), intrinsic function arguments
// and JSONata expressions, sorted. States inside Parallel branches and Map
// processors are listed under their own names. It returns nil when nothing
// references a variable (AWS then leaves the member out).
func variableReferences(definition string) map[string][]string {
	v, err := jsonv.ParseString(definition)
	if err != nil {
		return nil
	}
	root, ok := v.(*jsonv.Object)
	if !ok {
		return nil
	}
	refs := map[string]map[string]bool{}
	collectStates(root, refs)
	if len(refs) == 0 {
		return nil
	}
	out := make(map[string][]string, len(refs))
	for state, names := range refs {
		list := make([]string, 0, len(names))
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		out[state] = list
	}
	return out
}

// collectStates walks the States of a state machine or a nested one.
func collectStates(machine *jsonv.Object, refs map[string]map[string]bool) {
	states, _ := get(machine, "States").(*jsonv.Object)
	if states == nil {
		return
	}
	for _, name := range states.Keys() {
		st, _ := get(states, name).(*jsonv.Object)
		if st == nil {
			continue
		}
		found := map[string]bool{}
		collectValue(st, found, true)
		if len(found) > 0 {
			refs[name] = found
		}
		if branches, ok := get(st, "Branches").([]any); ok {
			for _, b := range branches {
				if bo, ok := b.(*jsonv.Object); ok {
					collectStates(bo, refs)
				}
			}
		}
		for _, k := range []string{"ItemProcessor", "Iterator"} {
			if p, ok := get(st, k).(*jsonv.Object); ok {
				collectStates(p, refs)
			}
		}
	}
}

func get(o *jsonv.Object, k string) jsonv.Value {
	v, _ := o.Get(k)
	return v
}

// collectValue gathers the variables a value of a state references.
// top marks the state object itself, whose nested machines belong to
// other states.
func collectValue(v jsonv.Value, found map[string]bool, top bool) {
	switch v := v.(type) {
	case *jsonv.Object:
		for _, k := range v.Keys() {
			if top && (k == "Branches" || k == "ItemProcessor" || k == "Iterator") {
				continue
			}
			m := get(v, k)
			if s, ok := m.(string); ok {
				switch {
				case strings.HasSuffix(k, ".$"):
					pathRefs(s, found)
				case k == "ResultPath":
				case k == "Variable" || strings.HasSuffix(k, "Path"):
					pathRefs(s, found)
				default:
					jsonataRefs(s, found)
				}
				continue
			}
			collectValue(m, found, false)
		}
	case []any:
		for _, e := range v {
			collectValue(e, found, false)
		}
	case string:
		jsonataRefs(v, found)
	}
}

// pathRefs gathers the variable of a reference path, or those of an
// intrinsic function's arguments.
func pathRefs(s string, found map[string]bool) {
	if strings.HasPrefix(s, "States.") {
		scanRefs(s, found, false)
		return
	}
	if name := varName(s); name != "" {
		found[name] = true
	}
}

// jsonataRefs gathers the variables of a JSONata expression "{% ... %}".
func jsonataRefs(s string, found map[string]bool) {
	t := strings.TrimSpace(s)
	if len(t) >= 4 && strings.HasPrefix(t, "{%") && strings.HasSuffix(t, "%}") {
		scanRefs(t[2:len(t)-2], found, true)
	}
}

// scanRefs finds "$name" references outside quoted strings. In JSONata,
// "$states" and function calls ("$name(") are not variables.
func scanRefs(expr string, found map[string]bool, jsonata bool) {
	var quote byte
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if quote != 0 {
			switch c {
			case '\\':
				i++
			case quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
		case '$':
			if i > 0 && (isIdentByte(expr[i-1]) || expr[i-1] == '$') {
				continue
			}
			name := varName(expr[i:])
			if name == "" {
				continue
			}
			end := i + 1 + len(name)
			i = end - 1
			if jsonata {
				rest := strings.TrimLeft(expr[end:], " \t\r\n")
				if name == "states" || strings.HasPrefix(rest, "(") {
					continue
				}
			}
			found[name] = true
		}
	}
}

// varName returns the variable a path starting at s names: "$name",
// "$name.x" or "$name[0]" give "name"; "$", "$.x", "$$..." give "".
func varName(s string) string {
	if len(s) < 2 || s[0] != '$' || !isIdentStart(s[1]) {
		return ""
	}
	n := 2
	for n < len(s) && isIdentByte(s[n]) {
		n++
	}
	return s[1:n]
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentByte(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
