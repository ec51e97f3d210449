package validate

import (
	"strings"
	"unicode"

	"github.com/stepflow/stepflow/internal/asl/intrinsics"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// validPath reports whether s is a JSONPath AWS accepts.
func validPath(s string) bool {
	_, err := jsonpath.Parse(s)
	return err == nil
}

// validPathOrIntrinsic reports whether s is a JSONPath or an intrinsic
// function call AWS accepts.
func validPathOrIntrinsic(s string) bool {
	if intrinsics.IsCall(s) {
		_, err := intrinsics.Parse(s)
		return err == nil
	}
	return validPath(s)
}

// optionalPath checks InputPath or OutputPath: null or a JSONPath.
func (c *checker) optionalPath(v jsonv.Value, at loc, field string) {
	if v == nil {
		return
	}
	s, ok := c.str(v, at)
	if ok && !validPath(s) {
		c.fail(at, msgInvalidPath(field))
	}
}

// resultPath checks a ResultPath: null or a Reference Path into the input.
func (c *checker) resultPath(v jsonv.Value, at loc) {
	if v == nil {
		return
	}
	s, ok := c.str(v, at)
	if !ok {
		return
	}
	p, err := jsonpath.Parse(s)
	if err != nil || !p.IsReference() || p.Root() != jsonpath.RootInput {
		c.fail(at, msgNotRefPath)
	}
}

// referencePath checks a field such as SecondsPath whose value is a
// Reference Path. The context object is allowed only when context is set.
func (c *checker) referencePath(v jsonv.Value, at loc, field string, context bool) {
	s, ok := c.str(v, at)
	if !ok {
		return
	}
	p, err := jsonpath.Parse(s)
	if err != nil {
		c.fail(at, msgInvalidPath(field))
		return
	}
	if !p.IsReference() || (!context && p.Root() == jsonpath.RootContext) {
		c.fail(at, msgNotRefPath)
	}
}

// pathOrIntrinsic checks a field such as ErrorPath: a JSONPath or an
// intrinsic function call.
func (c *checker) pathOrIntrinsic(v jsonv.Value, at loc, field string) {
	s, ok := c.str(v, at)
	if ok && !validPathOrIntrinsic(s) {
		c.fail(at, msgInvalidPathOrIntrinsic(field))
	}
}

// template checks a JSONPath payload template (Parameters, ResultSelector,
// ItemSelector, ...): every field whose name ends in ".$" holds a JSONPath
// or an intrinsic function call. A bad one is reported at the object that
// holds it.
func (c *checker) template(o *jsonv.Object, at loc) {
	for _, m := range o.Members {
		if strings.HasSuffix(m.Key, ".$") {
			s, ok := m.Value.(string)
			if !ok || !validPathOrIntrinsic(s) {
				c.fail(at, msgInvalidPathOrIntrinsic(m.Key))
			}
			continue
		}
		if str, ok := m.Value.(string); ok && looksLikePath(str) {
			c.warn(CodeNoDollar, at, "The value of '"+m.Key+"' looks like a JSONPath. Instead of '"+m.Key+"', use '"+m.Key+".$' to evaluate it as a JSONPath at runtime.")
		}
		c.templateValue(m.Value, at.key(m.Key))
	}
}

// looksLikePath reports whether a plain string value is probably meant as a
// JSONPath.
func looksLikePath(s string) bool {
	return strings.HasPrefix(s, "$") && validPath(s)
}

// staticResult warns about ".$" fields in a Pass state's Result, which are
// not evaluated.
func (c *checker) staticResult(v jsonv.Value, at loc) {
	switch v := v.(type) {
	case *jsonv.Object:
		for _, m := range v.Members {
			if strings.HasSuffix(m.Key, ".$") {
				c.warn(CodePassResultIsStatic, at, "The value of '"+m.Key+"' will not evaluate as a JSONPath or Intrinsic Function at runtime. Instead of 'Result', use 'Parameters' to evaluate it as a JSONPath or Intrinsic Function at runtime.")
			}
			c.staticResult(m.Value, at.key(m.Key))
		}
	case []any:
		for i, e := range v {
			c.staticResult(e, at.index(i))
		}
	}
}

func (c *checker) templateValue(v jsonv.Value, at loc) {
	switch v := v.(type) {
	case *jsonv.Object:
		c.template(v, at)
	case []any:
		for i, e := range v {
			c.templateValue(e, at.index(i))
		}
	}
}

// arguments checks a JSONata Arguments field: an object or an expression.
func (c *checker) arguments(v jsonv.Value, at loc) {
	if s, ok := v.(string); ok && isExpression(s) {
		return
	}
	c.object(v, at)
}

// assign checks an Assign object: JSONPath states treat it as a payload
// template.
func (c *checker) assign(v jsonv.Value, at loc, lang string) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	for _, m := range o.Members {
		name := m.Key
		if lang == JSONPath {
			name = strings.TrimSuffix(name, ".$")
		}
		switch {
		case name == "states":
			c.failCode(CodeReservedVariableName, at, "Cannot assign to reserved variable '$states'.")
		case !validVariableName(name):
			c.failCode(CodeInvalidVariableName, at, "Invalid variable name '"+name+"': the variable name contains invalid characters.")
		}
	}
	if lang == JSONPath {
		c.template(o, at)
	}
}

// validVariableName reports whether name can name a workflow variable: a
// letter or underscore, then letters, digits and underscores.
func validVariableName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', unicode.IsLetter(r):
		case i > 0 && unicode.IsDigit(r):
		default:
			return false
		}
	}
	return true
}

// credentials checks a Task's Credentials: an object holding a RoleArn
// ("RoleArn.$" in JSONPath).
func (c *checker) credentials(v jsonv.Value, at loc, lang string) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	if !o.Has("RoleArn") && !(lang == JSONPath && o.Has("RoleArn.$")) {
		c.fail(at, msgRequiredField("RoleArn"))
	}
	if lang == JSONPath {
		c.template(o, at)
	}
}
