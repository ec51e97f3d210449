package validate

import (
	"github.com/stepflow/stepflow/internal/jsonv"
)

// The fields each kind of States block accepts.
var (
	topFields       = fields("Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage")
	branchFields    = fields("Comment", "StartAt", "States")
	processorFields = fields("Comment", "StartAt", "States", "ProcessorConfig")
)

// blockKind says which kind of States block an object is.
type blockKind int

const (
	blockTop blockKind = iota
	blockBranch
	blockProcessor // ItemProcessor, or the legacy Iterator
)

// topLevel checks the definition object.
func (c *checker) topLevel(o *jsonv.Object) {
	if v, ok := o.Get("QueryLanguage"); ok && v != JSONPath {
		c.topJSONata = true
	}
	c.block(o, rootLoc, blockTop)
}

// block checks an object holding StartAt and States.
func (c *checker) block(o *jsonv.Object, at loc, kind blockKind) {
	allowed := topFields
	switch kind {
	case blockBranch:
		allowed = branchFields
	case blockProcessor:
		allowed = processorFields
	}
	c.required(o, at, "States", "StartAt")
	c.unsupported(o, at, allowed)

	cont := &container{at: at, top: kind == blockTop}
	for _, m := range o.Members {
		if !allowed[m.Key] {
			continue
		}
		fat := at.key(m.Key)
		switch m.Key {
		case "Comment":
			c.str(m.Value, fat)
		case "StartAt":
			cont.startAt, _ = c.str(m.Value, fat)
		case "Version":
			if s, ok := c.str(m.Value, fat); ok && s != "1.0" {
				c.fail(fat, msgEnum("1.0"))
			}
		case "TimeoutSeconds":
			c.integer(m.Value, fat, bounds{min: 0, max: maxSeconds})
		case "QueryLanguage":
			if _, ok := m.Value.(string); !ok {
				c.fail(fat, msgType("STRING"))
			} else {
				c.enum(m.Value, fat, JSONPath, JSONata)
			}
		case "ProcessorConfig":
			c.processorConfig(m.Value, fat)
		}
	}
	// The states come after the block's own fields, as AWS reports them.
	if v, ok := o.Get("States"); ok {
		states, ok := c.object(v, at.key("States"))
		if ok {
			cont.states = states
			c.containers = append(c.containers, cont)
			if states.Len() == 0 {
				c.fail(at.key("States"), msgCannotBeEmpty)
			}
			for _, m := range states.Members {
				c.state(m.Key, m.Value, at.key("States").key(m.Key))
			}
		}
	}
}

// graph runs the checks that need a schema-valid definition: unique state
// names, existing transition targets, reachable states and a terminal state.
func (c *checker) graph() {
	c.duplicateNames()
	for _, b := range c.containers {
		c.transitions(b)
	}
	top := c.containers[0]
	terminal := hasTerminal(top.states)
	for _, b := range c.containers {
		if b.top && !terminal {
			continue
		}
		c.reachability(b)
	}
	if !terminal {
		c.failCode(CodeMissingEndState, "", "Workflow has no terminal state")
	}
}

// duplicateNames reports a state name used twice anywhere in the machine.
func (c *checker) duplicateNames() {
	seen := map[string]bool{}
	for _, b := range c.containers {
		for _, m := range b.states.Members {
			if seen[m.Key] {
				c.failCode(CodeDuplicateStateName, b.at.key("States").key(m.Key), "Duplicate State name: "+m.Key)
			}
			seen[m.Key] = true
		}
	}
}

// transitions reports every StartAt, Next, Default, Choices[].Next and
// Catch[].Next naming no state of its own block.
func (c *checker) transitions(b *container) {
	missing := func(target string, at loc) {
		if !b.states.Has(target) {
			c.failCode(CodeMissingTransitionTarget, at, "Missing 'Next' target: "+target)
		}
	}
	missing(b.startAt, b.at.key("StartAt"))
	for _, m := range b.states.Members {
		forEachTarget(m.Value.(*jsonv.Object), b.at.key("States").key(m.Key), missing)
	}
}

// reachability reports every state of b that no transition names.
func (c *checker) reachability(b *container) {
	targeted := map[string]bool{b.startAt: true}
	for _, m := range b.states.Members {
		forEachTarget(m.Value.(*jsonv.Object), "", func(target string, _ loc) { targeted[target] = true })
	}
	for _, m := range b.states.Members {
		if !targeted[m.Key] {
			c.failCode(CodeMissingTransitionTarget, b.at.key("States").key(m.Key), "State \""+m.Key+"\" is not reachable.")
		}
	}
}

// forEachTarget calls f with every state name a state transitions to, in
// the order its fields are written.
func forEachTarget(st *jsonv.Object, at loc, f func(target string, at loc)) {
	for _, m := range st.Members {
		switch m.Key {
		case "Next", "Default":
			if s, ok := m.Value.(string); ok {
				f(s, at.key(m.Key))
			}
		case "Choices", "Catch":
			list, _ := m.Value.([]any)
			for i, e := range list {
				if o, ok := e.(*jsonv.Object); ok {
					if s, ok := o.Get("Next"); ok {
						if s, ok := s.(string); ok {
							f(s, at.key(m.Key).index(i).key("Next"))
						}
					}
				}
			}
		}
	}
}

// hasTerminal reports whether a block has a state that can end it.
func hasTerminal(states *jsonv.Object) bool {
	for _, m := range states.Members {
		st := m.Value.(*jsonv.Object)
		switch t, _ := st.Get("Type"); t {
		case "Succeed", "Fail":
			return true
		}
		if end, _ := st.Get("End"); end == true {
			return true
		}
	}
	return false
}
