package validate

import (
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// comparators lists the JSONPath comparison operators of Choice rules.
var comparators = []string{
	"StringEquals", "StringEqualsPath", "StringLessThan", "StringLessThanPath",
	"StringGreaterThan", "StringGreaterThanPath", "StringLessThanEquals", "StringLessThanEqualsPath",
	"StringGreaterThanEquals", "StringGreaterThanEqualsPath", "StringMatches",
	"NumericEquals", "NumericEqualsPath", "NumericLessThan", "NumericLessThanPath",
	"NumericGreaterThan", "NumericGreaterThanPath", "NumericLessThanEquals", "NumericLessThanEqualsPath",
	"NumericGreaterThanEquals", "NumericGreaterThanEqualsPath",
	"BooleanEquals", "BooleanEqualsPath",
	"TimestampEquals", "TimestampEqualsPath", "TimestampLessThan", "TimestampLessThanPath",
	"TimestampGreaterThan", "TimestampGreaterThanPath", "TimestampLessThanEquals", "TimestampLessThanEqualsPath",
	"TimestampGreaterThanEquals", "TimestampGreaterThanEqualsPath",
	"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
}

var comparatorSet = fields(comparators...)

// The fields Choice rules accept.
var (
	jsonPathRuleFields = fields(append([]string{"Variable", "And", "Or", "Not", "Next", "Comment", "Assign"}, comparators...)...)
	jsonataRuleFields  = fields("Condition", "Next", "Comment", "Assign", "Output")
	// topRuleOnly are the fields only a top-level rule (one in Choices) may have.
	topRuleOnly = fields("Next", "Assign", "Output")
)

// combinators are the fields of which a JSONPath rule has exactly one.
var combinators = []string{"And", "Or", "Not", "Variable", "Condition"}

// choices checks a Choice state's Choices.
func (c *checker) choices(v jsonv.Value, at loc, lang string) {
	list, ok := c.nonEmptyArray(v, at)
	if !ok {
		return
	}
	for i, e := range list {
		c.choiceRule(e, at.index(i), lang, true)
	}
}

// choiceRule checks one Choice rule; top is set for a rule in Choices, clear
// for one inside And, Or or Not.
func (c *checker) choiceRule(v jsonv.Value, at loc, lang string, top bool) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	allowed, other := jsonPathRuleFields, jsonataRuleFields
	if lang == JSONata {
		allowed, other = jsonataRuleFields, jsonPathRuleFields
	}
	for _, m := range o.Members {
		switch {
		case !top && topRuleOnly[m.Key]:
			c.fail(at, msgNotSupported(m.Key))
		case !allowed[m.Key] && other[m.Key]:
			c.fail(at, msgOtherLanguage(lang, m.Key))
		case !allowed[m.Key]:
			c.fail(at, msgNotSupported(m.Key))
		}
	}
	if top {
		c.required(o, at, "Next")
	}
	if lang == JSONata {
		c.required(o, at, "Condition")
	} else {
		c.jsonPathRule(o, at)
	}
	for _, m := range o.Members {
		if !allowed[m.Key] || (!top && topRuleOnly[m.Key]) {
			continue
		}
		fat := at.key(m.Key)
		switch m.Key {
		case "Next", "Comment":
			c.str(m.Value, fat)
		case "Assign":
			c.assign(m.Value, fat, lang)
		case "Output":
			// Any value; its expressions are checked with the state's.
		case "Condition":
			if s, ok := m.Value.(string); ok {
				if !isExpression(s) {
					c.fail(fat, msgType("BOOLEAN"))
				}
			} else {
				c.boolean(m.Value, fat)
			}
		case "Variable":
			if s, ok := c.str(m.Value, fat); ok && !validPath(s) {
				c.fail(fat, msgInvalidPath(m.Key))
			}
		case "And", "Or":
			if list, ok := c.nonEmptyArray(m.Value, fat); ok {
				for i, e := range list {
					c.choiceRule(e, fat.index(i), lang, false)
				}
			}
		case "Not":
			c.choiceRule(m.Value, fat, lang, false)
		default:
			c.comparison(m.Key, m.Value, fat)
		}
	}
}

// jsonPathRule checks that a JSONPath rule is a single comparison on a
// Variable, or a single And, Or or Not.
func (c *checker) jsonPathRule(o *jsonv.Object, at loc) {
	var ops []string
	for _, m := range o.Members {
		if comparatorSet[m.Key] {
			ops = append(ops, m.Key)
		}
	}
	n := 0
	for _, k := range combinators {
		if o.Has(k) {
			n++
		}
	}
	switch {
	case n == 0 && len(ops) > 0:
		c.fail(at, msgRequired("Variable"))
		return
	case n != 1:
		c.fail(at, "The object must have only one of the following fields, "+fieldList(combinators))
		return
	}
	if !o.Has("Variable") {
		if len(ops) > 0 {
			c.fail(at, msgNotSupported(ops[0]))
		}
		return
	}
	switch {
	case len(ops) == 0:
		c.fail(at, msgExactlyOne(comparators...))
	case len(ops) > 1:
		c.fail(at, msgOnlyOne(comparators...))
	}
}

// comparison checks the value of one comparison operator.
func (c *checker) comparison(op string, v jsonv.Value, at loc) {
	switch {
	case strings.HasSuffix(op, "Path"):
		c.referencePath(v, at, op, true)
	case strings.HasPrefix(op, "Is"), op == "BooleanEquals":
		c.boolean(v, at)
	case strings.HasPrefix(op, "Numeric"):
		c.number(v, at, noBounds)
	case strings.HasPrefix(op, "Timestamp"):
		if s, ok := c.str(v, at); ok && !isTimestamp(s) {
			c.fail(at, msgRFC3339)
		}
	default: // String*
		c.str(v, at)
	}
}
