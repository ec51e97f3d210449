package events

import (
	"errors"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// path is a compiled InputPath or InputPathsMap path: $ followed by
// .name, ['name'] and [index] steps.
type path []step

type step struct {
	key   string
	index int // >= 0 for an array index
}

var errPath = errors.New("bad JSON path")

// parsePath compiles an EventBridge JSON path ("$.detail.state",
// "$.detail['instance-id']", "$.resources[0]").
func parsePath(s string) (path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, errPath
	}
	var p path
	for i := 1; i < len(s); {
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i+1 {
				return nil, errPath
			}
			p = append(p, step{key: s[i+1 : j], index: -1})
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, errPath
			}
			inner := s[i+1 : i+end]
			switch {
			case len(inner) >= 2 && (inner[0] == '\'' && inner[len(inner)-1] == '\'' || inner[0] == '"' && inner[len(inner)-1] == '"'):
				p = append(p, step{key: inner[1 : len(inner)-1], index: -1})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, errPath
				}
				p = append(p, step{index: n})
			}
			i += end + 1
		default:
			return nil, errPath
		}
	}
	return p, nil
}

// eval selects the path's value in v.
func (p path) eval(v jsonv.Value) (jsonv.Value, bool) {
	for _, st := range p {
		if st.index >= 0 {
			a, ok := v.([]any)
			if !ok || st.index >= len(a) {
				return nil, false
			}
			v = a[st.index]
			continue
		}
		o, ok := v.(*jsonv.Object)
		if !ok {
			return nil, false
		}
		if v, ok = o.Get(st.key); !ok {
			return nil, false
		}
	}
	return v, true
}

// Reserved variables of input templates.
const (
	varRuleArn       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"
	varEventJSON     = "aws.events.event.json"
)

// checkTransformer validates an InputTransformer.
func checkTransformer(t *InputTransformer) error {
	if len(t.InputPathsMap) > 100 {
		return errValidation("InputPathsMap can have at most 100 entries.")
	}
	for name, p := range t.InputPathsMap {
		if strings.HasPrefix(name, "aws.") {
			return errValidation("The InputPathsMap key " + name + " is reserved: keys starting with aws. are EventBridge's own variables.")
		}
		if _, err := parsePath(p); err != nil {
			return errValidation("The InputPathsMap value of " + name + " is not a valid JSON path: " + p + " (use $.detail.name, $.detail['name'] or $.resources[0]).")
		}
	}
	return nil
}

// transformCtx holds what a payload is computed from.
type transformCtx struct {
	event         *jsonv.Object
	ruleArn, rule string
	ingestion     string
}

// payload computes a target's input for an event.
func payload(t *Target, c *transformCtx) []byte {
	switch {
	case t.Input != "":
		return []byte(t.Input)
	case t.InputPath != "":
		p, err := parsePath(t.InputPath)
		if err != nil {
			return []byte("null")
		}
		v, ok := p.eval(c.event)
		if !ok {
			return []byte("null")
		}
		return jsonv.Append(nil, v)
	case t.InputTransformer != nil:
		return render(t.InputTransformer, c)
	}
	return jsonv.Append(nil, c.event)
}

// render substitutes an InputTransformer's variables into its template.
// A variable inside a JSON string inserts the text of a string value (or
// the JSON text of another value) escaped for the string; outside one it
// inserts the value's JSON text. A path that selects nothing inserts null
// (or nothing inside a string).
func render(t *InputTransformer, c *transformCtx) []byte {
	tpl := t.InputTemplate
	out := make([]byte, 0, len(tpl)+64)
	inString := false
	for i := 0; i < len(tpl); i++ {
		ch := tpl[i]
		switch {
		case ch == '\\' && inString && i+1 < len(tpl):
			out = append(out, ch, tpl[i+1])
			i++
			continue
		case ch == '"':
			inString = !inString
		case ch == '<':
			end := strings.IndexByte(tpl[i:], '>')
			if end > 1 {
				name := tpl[i+1 : i+end]
				if v, ok, known := c.lookup(t, name); known {
					out = insert(out, v, ok, inString)
					i += end
					continue
				}
			}
		}
		out = append(out, ch)
	}
	return out
}

// lookup resolves a template variable: known is false for a name that is
// neither mapped nor reserved.
func (c *transformCtx) lookup(t *InputTransformer, name string) (v jsonv.Value, ok, known bool) {
	switch name {
	case varRuleArn:
		return c.ruleArn, true, true
	case varRuleName:
		return c.rule, true, true
	case varIngestionTime:
		return c.ingestion, true, true
	case varEventJSON:
		return c.event, true, true
	case varEvent:
		o := jsonv.NewObject(c.event.Len())
		for _, m := range c.event.Members {
			if m.Key != "detail" {
				o.Set(m.Key, m.Value)
			}
		}
		return o, true, true
	}
	p, mapped := t.InputPathsMap[name]
	if !mapped {
		return nil, false, false
	}
	pp, err := parsePath(p)
	if err != nil {
		return nil, false, true
	}
	v, ok = pp.eval(c.event)
	return v, ok, true
}

func insert(out []byte, v jsonv.Value, ok, inString bool) []byte {
	if !inString {
		if !ok {
			return append(out, "null"...)
		}
		return jsonv.Append(out, v)
	}
	if !ok {
		return out
	}
	var text string
	if s, isString := v.(string); isString {
		text = s
	} else {
		text = jsonv.Marshal(v)
	}
	q := jsonv.AppendString(nil, text)
	return append(out, q[1:len(q)-1]...)
}
