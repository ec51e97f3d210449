package validate

import (
	"math"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// checker collects the diagnostics of one definition.
type checker struct {
	opts       Options
	express    bool
	warnings   bool // report WARNING diagnostics too
	topJSONata bool // the state machine's own QueryLanguage resolves to JSONata
	diags      []Diagnostic
	containers []*container // every States block, outermost first
}

// container is one States block: the top-level machine, a Parallel branch or
// a Map's ItemProcessor / Iterator.
type container struct {
	at      loc // where the object holding StartAt and States is
	top     bool
	startAt string
	states  *jsonv.Object
}

func newChecker(opts Options) *checker {
	return &checker{
		opts:     opts,
		express:  strings.EqualFold(opts.Type, TypeExpress),
		warnings: strings.EqualFold(opts.Severity, SeverityWarning),
	}
}

func (c *checker) warn(code string, at loc, message string) {
	if c.warnings {
		c.diags = append(c.diags, Diagnostic{Severity: SeverityWarning, Code: code, Message: message, Location: string(at)})
	}
}

func (c *checker) fail(at loc, message string) {
	c.diags = append(c.diags, errorAt(CodeSchemaValidationFailed, string(at), message))
}

func (c *checker) failCode(code string, at loc, message string) {
	c.diags = append(c.diags, errorAt(code, string(at), message))
}

// fieldSet is the set of fields an object accepts.
type fieldSet map[string]bool

func fields(names ...string) fieldSet {
	s := make(fieldSet, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

// unsupported reports every member of o not in allowed, at o's location.
func (c *checker) unsupported(o *jsonv.Object, at loc, allowed fieldSet) {
	for _, m := range o.Members {
		if !allowed[m.Key] {
			c.fail(at, msgNotSupported(m.Key))
		}
	}
}

// required reports the fields missing from o, in one message.
func (c *checker) required(o *jsonv.Object, at loc, names ...string) bool {
	var missing []string
	for _, n := range names {
		if !o.Has(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		c.fail(at, msgRequired(missing...))
		return false
	}
	return true
}

// exclusive reports when more than one of names is present in o, and, when
// need is set, when none is. It returns how many are present.
func (c *checker) exclusive(o *jsonv.Object, at loc, need bool, names ...string) int {
	n := 0
	for _, name := range names {
		if o.Has(name) {
			n++
		}
	}
	switch {
	case n > 1:
		c.fail(at, msgOnlyOne(names...))
	case n == 0 && need:
		c.fail(at, msgExactlyOne(names...))
	}
	return n
}

func (c *checker) str(v jsonv.Value, at loc) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, msgType("STRING"))
	}
	return s, ok
}

func (c *checker) boolean(v jsonv.Value, at loc) (bool, bool) {
	b, ok := v.(bool)
	if !ok {
		c.fail(at, msgType("BOOLEAN"))
	}
	return b, ok
}

func (c *checker) object(v jsonv.Value, at loc) (*jsonv.Object, bool) {
	o, ok := v.(*jsonv.Object)
	if !ok {
		c.fail(at, msgType("OBJECT"))
	}
	return o, ok
}

func (c *checker) array(v jsonv.Value, at loc) ([]any, bool) {
	a, ok := v.([]any)
	if !ok {
		c.fail(at, msgType("ARRAY"))
	}
	return a, ok
}

// nonEmptyArray is array that also rejects [].
func (c *checker) nonEmptyArray(v jsonv.Value, at loc) ([]any, bool) {
	a, ok := c.array(v, at)
	if ok && len(a) == 0 {
		c.fail(at, msgCannotBeEmpty)
		return nil, false
	}
	return a, ok
}

// bounds is an inclusive numeric range; a NaN end is open.
type bounds struct {
	min, max float64
	double   bool // render the bounds as doubles ("0.0") rather than integers
}

var (
	noBounds     = bounds{min: math.NaN(), max: math.NaN()}
	nonNegative  = bounds{min: 0, max: math.NaN()}
	seconds      = bounds{min: 1, max: 99999999}
	maxSeconds   = 99999999.0
	percentRange = bounds{min: 0, max: 100, double: true}
)

func (b bounds) render(v float64) string {
	if b.double {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// checkRange reports f outside b.
func (c *checker) checkRange(f float64, at loc, b bounds) {
	switch {
	case !math.IsNaN(b.min) && f < b.min:
		c.fail(at, msgMinimum(b.render(b.min)))
	case !math.IsNaN(b.max) && f > b.max:
		c.fail(at, msgMaximum(b.render(b.max)))
	}
}

// integer checks that v is an integer within b.
func (c *checker) integer(v jsonv.Value, at loc, b bounds) {
	n, ok := v.(jsonv.Number)
	if !ok || !n.IsInteger() {
		c.fail(at, msgType("INTEGER"))
		return
	}
	c.checkRange(n.Float64(), at, b)
}

// number checks that v is a number within b.
func (c *checker) number(v jsonv.Value, at loc, b bounds) {
	n, ok := v.(jsonv.Number)
	if !ok {
		c.fail(at, msgType("NUMBER"))
		return
	}
	c.checkRange(n.Float64(), at, b)
}

// enum checks that v is one of values.
func (c *checker) enum(v jsonv.Value, at loc, values ...string) (string, bool) {
	s, ok := c.str(v, at)
	if !ok {
		return "", false
	}
	for _, x := range values {
		if s == x {
			return s, true
		}
	}
	c.fail(at, msgEnum(values...))
	return s, false
}

// isExpression reports whether s is a JSONata expression "{% ... %}".
func isExpression(s string) bool {
	return strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") && len(s) >= 4
}

// intOrExpr checks a field that holds an integer, or in JSONata a
// "{% ... %}" expression.
func (c *checker) intOrExpr(v jsonv.Value, at loc, b bounds, lang string) {
	if s, ok := v.(string); ok && lang == JSONata && isExpression(s) {
		return
	}
	c.integer(v, at, b)
}

// numberOrExpr is intOrExpr for any number.
func (c *checker) numberOrExpr(v jsonv.Value, at loc, b bounds, lang string) {
	if s, ok := v.(string); ok && lang == JSONata && isExpression(s) {
		return
	}
	c.number(v, at, b)
}
