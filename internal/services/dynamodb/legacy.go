package dynamodb

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// The legacy (pre-expression) parameters: Expected, AttributeUpdates,
// KeyConditions, QueryFilter, ScanFilter and ConditionalOperator are
// translated into the equivalent expressions, with generated
// ExpressionAttributeNames and ExpressionAttributeValues, and then run as
// expressions are.

// legacyParams is embedded by inputs that may carry legacy parameters.
type legacyParams struct {
	Expected            map[string]legacyCondition
	AttributeUpdates    map[string]attributeUpdate
	KeyConditions       map[string]legacyCondition
	QueryFilter         map[string]legacyCondition
	ScanFilter          map[string]legacyCondition
	ConditionalOperator string
}

// legacyCondition is an ExpectedAttributeValue or a Condition.
type legacyCondition struct {
	ComparisonOperator string
	AttributeValueList []json.RawMessage
	Value              json.RawMessage
	Exists             *bool
}

// attributeUpdate is an AttributeValueUpdate.
type attributeUpdate struct {
	Value  json.RawMessage
	Action string
}

// legacyTarget is where a translation goes: the request's expression
// members.
type legacyTarget struct {
	exprs      *exprInput
	condition  **string // Expected → ConditionExpression
	update     **string // AttributeUpdates → UpdateExpression
	keyCond    **string // KeyConditions → KeyConditionExpression
	filter     **string // QueryFilter/ScanFilter → FilterExpression
	projection *string  // for the mixing check
}

// translate rewrites the legacy parameters of a request as expressions.
// Mixing both kinds is AWS's ValidationException.
func (l *legacyParams) translate(t legacyTarget) error {
	var legacy, modern []string
	if l.Expected != nil {
		legacy = append(legacy, "Expected")
	}
	if l.AttributeUpdates != nil {
		legacy = append(legacy, "AttributeUpdates")
	}
	if l.KeyConditions != nil {
		legacy = append(legacy, "KeyConditions")
	}
	if l.QueryFilter != nil {
		legacy = append(legacy, "QueryFilter")
	}
	if l.ScanFilter != nil {
		legacy = append(legacy, "ScanFilter")
	}
	if l.ConditionalOperator != "" {
		legacy = append(legacy, "ConditionalOperator")
	}
	if len(legacy) == 0 {
		return nil
	}
	for _, m := range []struct {
		name string
		set  bool
	}{
		{"ConditionExpression", t.condition != nil && *t.condition != nil},
		{"UpdateExpression", t.update != nil && *t.update != nil},
		{"KeyConditionExpression", t.keyCond != nil && *t.keyCond != nil},
		{"FilterExpression", t.filter != nil && *t.filter != nil},
		{"ProjectionExpression", t.projection != nil},
		{"ExpressionAttributeNames", t.exprs.ExpressionAttributeNames != nil},
		{"ExpressionAttributeValues", t.exprs.ExpressionAttributeValues != nil},
	} {
		if m.set {
			modern = append(modern, m.name)
		}
	}
	if len(modern) > 0 {
		return errValidation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {" +
			strings.Join(legacy, ", ") + "} Expression parameters: {" + strings.Join(modern, ", ") + "}")
	}
	b := &legacyBuilder{names: map[string]string{}, values: map[string]json.RawMessage{}}
	op := l.ConditionalOperator
	if op == "" {
		op = "AND"
	}
	if op != "AND" && op != "OR" {
		return errValidation(msgInvalid + "Invalid ConditionalOperator: " + op)
	}
	set := func(dst **string, src string) {
		if src != "" {
			*dst = &src
		}
	}
	if l.Expected != nil && t.condition != nil {
		e, err := b.conditions(l.Expected, op, true)
		if err != nil {
			return err
		}
		set(t.condition, e)
	}
	if l.KeyConditions != nil && t.keyCond != nil {
		for name, c := range l.KeyConditions {
			switch c.ComparisonOperator {
			case "EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN":
			default:
				return errValidation(msgInvalid + "Unsupported operator on KeyCondition: " + c.ComparisonOperator + " for attribute " + name)
			}
		}
		e, err := b.conditions(l.KeyConditions, "AND", false)
		if err != nil {
			return err
		}
		set(t.keyCond, e)
	}
	for _, f := range []map[string]legacyCondition{l.QueryFilter, l.ScanFilter} {
		if f != nil && t.filter != nil {
			e, err := b.conditions(f, op, false)
			if err != nil {
				return err
			}
			set(t.filter, e)
		}
	}
	if l.AttributeUpdates != nil && t.update != nil {
		e, err := b.updates(l.AttributeUpdates)
		if err != nil {
			return err
		}
		set(t.update, e)
	}
	if len(b.names) > 0 {
		t.exprs.ExpressionAttributeNames = b.names
	}
	if len(b.values) > 0 {
		t.exprs.ExpressionAttributeValues = b.values
	}
	*l = legacyParams{}
	return nil
}

// legacyBuilder names the attributes and values of a translation.
type legacyBuilder struct {
	names  map[string]string
	values map[string]json.RawMessage
	n      int
}

func (b *legacyBuilder) name(attrName string) string {
	for k, v := range b.names {
		if v == attrName {
			return k
		}
	}
	k := "#legacy" + itoa(len(b.names))
	b.names[k] = attrName
	return k
}

func (b *legacyBuilder) value(v json.RawMessage) string {
	b.n++
	k := ":legacy" + itoa(b.n)
	b.values[k] = v
	return k
}

// conditions translates a map of conditions joined by op. expected
// selects the ExpectedAttributeValue rules (Exists and Value).
func (b *legacyBuilder) conditions(conds map[string]legacyCondition, op string, expected bool) (string, error) {
	names := make([]string, 0, len(conds))
	for n := range conds {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, attrName := range names {
		c := conds[attrName]
		e, err := b.condition(attrName, c, expected)
		if err != nil {
			return "", err
		}
		parts = append(parts, "("+e+")")
	}
	return strings.Join(parts, " "+op+" "), nil
}

func (b *legacyBuilder) condition(attrName string, c legacyCondition, expected bool) (string, error) {
	invalid := func(msg string) error { return errValidation(msgInvalid + msg) }
	hasValue := len(c.Value) > 0 && string(c.Value) != "null"
	n := b.name(attrName)
	if c.ComparisonOperator == "" {
		if !expected {
			return "", invalid("Invalid ComparisonOperator: null for attribute " + attrName)
		}
		if c.AttributeValueList != nil {
			return "", invalid("AttributeValueList can only be used with a ComparisonOperator for Attribute: " + attrName)
		}
		exists := c.Exists == nil || *c.Exists
		switch {
		case exists && !hasValue:
			state := "null"
			if c.Exists != nil {
				state = "true"
			}
			return "", invalid("Value must be provided when Exists is " + state + " for Attribute: " + attrName)
		case !exists && hasValue:
			return "", invalid("Value cannot be used when Exists is false for Attribute: " + attrName)
		case !exists:
			return "attribute_not_exists(" + n + ")", nil
		}
		return n + " = " + b.value(c.Value), nil
	}
	if c.Exists != nil {
		return "", invalid("Exists and ComparisonOperator cannot be used together for Attribute: " + attrName)
	}
	args := c.AttributeValueList
	if hasValue {
		if args != nil {
			return "", invalid("Value and AttributeValueList cannot be used together for Attribute: " + attrName)
		}
		args = []json.RawMessage{c.Value}
	}
	count := func(want int) error {
		if len(args) != want {
			return invalid("Invalid number of argument(s) for the " + c.ComparisonOperator + " ComparisonOperator")
		}
		return nil
	}
	binary := map[string]string{"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
	switch op := c.ComparisonOperator; op {
	case "EQ", "NE", "LE", "LT", "GE", "GT":
		if err := count(1); err != nil {
			return "", err
		}
		return n + " " + binary[op] + " " + b.value(args[0]), nil
	case "NULL", "NOT_NULL":
		if err := count(0); err != nil {
			return "", err
		}
		if op == "NULL" {
			return "attribute_not_exists(" + n + ")", nil
		}
		return "attribute_exists(" + n + ")", nil
	case "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH":
		if err := count(1); err != nil {
			return "", err
		}
		v := b.value(args[0])
		switch op {
		case "CONTAINS":
			return "contains(" + n + ", " + v + ")", nil
		case "NOT_CONTAINS":
			return "attribute_exists(" + n + ") AND NOT contains(" + n + ", " + v + ")", nil
		}
		return "begins_with(" + n + ", " + v + ")", nil
	case "IN":
		if len(args) == 0 {
			return "", invalid("Invalid number of argument(s) for the IN ComparisonOperator")
		}
		vs := make([]string, len(args))
		for i, a := range args {
			vs[i] = b.value(a)
		}
		return n + " IN (" + strings.Join(vs, ", ") + ")", nil
	case "BETWEEN":
		if err := count(2); err != nil {
			return "", err
		}
		return n + " BETWEEN " + b.value(args[0]) + " AND " + b.value(args[1]), nil
	}
	return "", invalid("Invalid ComparisonOperator: " + c.ComparisonOperator)
}

// updates translates AttributeUpdates into an update expression.
func (b *legacyBuilder) updates(ups map[string]attributeUpdate) (string, error) {
	names := make([]string, 0, len(ups))
	for n := range ups {
		names = append(names, n)
	}
	sort.Strings(names)
	var set, remove, add, del []string
	for _, attrName := range names {
		u := ups[attrName]
		hasValue := len(u.Value) > 0 && string(u.Value) != "null"
		n := b.name(attrName)
		action := u.Action
		if action == "" {
			action = "PUT"
		}
		if !hasValue && action != "DELETE" {
			return "", errValidation(msgInvalid + "Only DELETE action is allowed when no attribute value is specified")
		}
		switch action {
		case "PUT":
			set = append(set, n+" = "+b.value(u.Value))
		case "DELETE":
			if !hasValue {
				remove = append(remove, n)
			} else {
				del = append(del, n+" "+b.value(u.Value))
			}
		case "ADD":
			v, err := attr.DecodeValue(u.Value)
			if err != nil {
				return "", valueError(err)
			}
			if v.T == attr.L {
				empty := b.value(json.RawMessage(`{"L":[]}`))
				set = append(set, n+" = list_append(if_not_exists("+n+", "+empty+"), "+b.value(u.Value)+")")
			} else {
				add = append(add, n+" "+b.value(u.Value))
			}
		default:
			return "", errValidation(msgInvalid + "Invalid Action: " + action)
		}
	}
	var parts []string
	for _, sec := range []struct {
		kw   string
		list []string
	}{{"SET", set}, {"REMOVE", remove}, {"ADD", add}, {"DELETE", del}} {
		if len(sec.list) > 0 {
			parts = append(parts, sec.kw+" "+strings.Join(sec.list, ", "))
		}
	}
	return strings.Join(parts, " "), nil
}
