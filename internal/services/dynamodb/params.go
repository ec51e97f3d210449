package dynamodb

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
	"github.com/stepflow/stepflow/internal/services/dynamodb/expr"
)

// exprInput is the expression members most item actions share.
type exprInput struct {
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]json.RawMessage
}

// exprs compiles a request's expressions against one Context and checks
// that every name and value is used.
type exprs struct {
	ctx *expr.Context
	in  *exprInput
}

// newExprs validates ExpressionAttributeNames and ExpressionAttributeValues.
func newExprs(in *exprInput) (*exprs, error) {
	if in.ExpressionAttributeNames != nil && len(in.ExpressionAttributeNames) == 0 {
		return nil, errValidation("ExpressionAttributeNames must not be empty")
	}
	if in.ExpressionAttributeValues != nil && len(in.ExpressionAttributeValues) == 0 {
		return nil, errValidation("ExpressionAttributeValues must not be empty")
	}
	for _, k := range sortedKeys(in.ExpressionAttributeNames) {
		if !validPlaceholder(k, '#') {
			return nil, errValidation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`)
		}
	}
	ctx := &expr.Context{Names: in.ExpressionAttributeNames}
	if len(in.ExpressionAttributeValues) > 0 {
		ctx.Values = make(map[string]attr.Value, len(in.ExpressionAttributeValues))
		keys := make([]string, 0, len(in.ExpressionAttributeValues))
		for k := range in.ExpressionAttributeValues {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !validPlaceholder(k, ':') {
				return nil, errValidation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
		for _, k := range keys {
			v, err := attr.DecodeValue(in.ExpressionAttributeValues[k])
			if err != nil {
				var ae *attr.Error
				if e, ok := err.(*attr.Error); ok && !e.Serialization {
					ae = e
					return nil, errValidation("ExpressionAttributeValues contains invalid value: " + ae.Msg + " for key " + k)
				}
				return nil, valueError(err)
			}
			ctx.Values[k] = v
		}
	}
	return &exprs{ctx: ctx, in: in}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validPlaceholder reports whether k is prefix followed by one or more
// letters, digits or underscores.
func validPlaceholder(k string, prefix byte) bool {
	if len(k) < 2 || k[0] != prefix {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// condition compiles an optional condition-like expression.
func (e *exprs) condition(src *string, kind string) (*expr.Condition, error) {
	if src == nil {
		return nil, nil
	}
	c, err := expr.ParseCondition(*src, kind, e.ctx)
	if err != nil {
		return nil, valueError(err)
	}
	return c, nil
}

// projection compiles an optional projection expression.
func (e *exprs) projection(src *string) (*expr.Projection, error) {
	if src == nil {
		return nil, nil
	}
	p, err := expr.ParseProjection(*src, e.ctx)
	if err != nil {
		return nil, valueError(err)
	}
	return p, nil
}

// update compiles an optional update expression.
func (e *exprs) update(src *string) (*expr.Update, error) {
	if src == nil {
		return nil, nil
	}
	u, err := expr.ParseUpdate(*src, e.ctx)
	if err != nil {
		return nil, valueError(err)
	}
	return u, nil
}

// done checks, once every expression is compiled, that names and values
// were used. noneMsg words values given to a request without expressions
// (e.g. "ConditionExpression is null").
func (e *exprs) done(anyExpr bool, noneMsg string) error {
	if !anyExpr {
		if e.in.ExpressionAttributeNames != nil {
			return errValidation("ExpressionAttributeNames can only be specified when using expressions")
		}
		if e.in.ExpressionAttributeValues != nil {
			return errValidation("ExpressionAttributeValues can only be specified when using expressions: " + noneMsg)
		}
		return nil
	}
	if unused := e.ctx.UnusedNames(); len(unused) > 0 {
		return errValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	if unused := e.ctx.UnusedValues(); len(unused) > 0 {
		return errValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	return nil
}
