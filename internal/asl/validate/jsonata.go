package validate

import (
	"strings"

	ja "github.com/stepflow/stepflow/internal/asl/jsonata"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// expressions checks that every "{% … %}" string in the value of the
// field key (of the object at at) is a JSONata expression that compiles. A
// bad one is reported at the object holding it, naming its member, as AWS
// reports a bad ".$" path.
func (c *checker) expressions(key string, v jsonv.Value, at loc) {
	switch v := v.(type) {
	case string:
		if !isExpression(v) {
			return
		}
		if _, err := ja.Compile(strings.TrimSpace(v[2 : len(v)-2])); err != nil {
			c.fail(at, msgInvalidJSONata(key))
		}
	case []any:
		for i, e := range v {
			if o, ok := e.(*jsonv.Object); ok {
				c.memberExpressions(o, at.key(key).index(i))
				continue
			}
			c.expressions(key, e, at)
		}
	case *jsonv.Object:
		c.memberExpressions(v, at.key(key))
	}
}

// memberExpressions checks the expressions of the members of o, which is
// at at.
func (c *checker) memberExpressions(o *jsonv.Object, at loc) {
	for _, m := range o.Members {
		c.expressions(m.Key, m.Value, at)
	}
}

func msgInvalidJSONata(field string) string {
	return "The value for the field '" + field + "' must be a valid JSONata expression"
}
