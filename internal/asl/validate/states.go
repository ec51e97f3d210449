package validate

import (
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// stateTypes lists the state types in the order AWS's message names them.
var stateTypes = []string{"Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"}

// stateFields is the set of fields each state type accepts, besides Type,
// Comment and QueryLanguage, which every state accepts.
var stateFields = map[string]fieldSet{
	"Pass": fields("InputPath", "OutputPath", "Result", "ResultPath", "Parameters", "Output", "Assign", "Next", "End"),
	"Task": fields("InputPath", "OutputPath", "ResultPath", "Parameters", "Arguments", "Output", "Assign",
		"Resource", "Credentials", "ResultSelector", "Retry", "Catch",
		"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Next", "End"),
	"Wait":    fields("InputPath", "OutputPath", "Output", "Assign", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Next", "End"),
	"Succeed": fields("InputPath", "OutputPath", "Output"),
	"Fail":    fields("Error", "Cause", "ErrorPath", "CausePath"),
	"Choice":  fields("InputPath", "OutputPath", "Output", "Assign", "Choices", "Default"),
	"Parallel": fields("InputPath", "OutputPath", "ResultPath", "Parameters", "Arguments", "Output", "Assign",
		"ResultSelector", "Retry", "Catch", "Branches", "Next", "End"),
	"Map": fields("InputPath", "OutputPath", "ResultPath", "Parameters", "Output", "Assign", "ResultSelector",
		"Retry", "Catch", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "ItemReader",
		"ItemBatcher", "ResultWriter", "MaxConcurrency", "MaxConcurrencyPath",
		"ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
		"ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "Next", "End"),
}

// Fields that only one query language accepts.
var (
	jsonPathOnly = fields("InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result",
		"ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath",
		"ErrorPath", "CausePath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath",
		"ToleratedFailureCountPath")
	jsonataOnly = fields("Output", "Arguments", "Items")
)

// maxStateNameLength is the longest state name AWS accepts.
const maxStateNameLength = 80

// state checks one state.
func (c *checker) state(name string, v jsonv.Value, at loc) {
	if utf8.RuneCountInString(name) > maxStateNameLength {
		c.failCode(CodeInvalidStateName, at, "State name '"+name+"' exceeds the 80-character limit allowed by the service")
	}
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	tv, ok := o.Get("Type")
	if !ok {
		c.fail(at, msgRequired("Type"))
		return
	}
	typ, ok := c.str(tv, at.key("Type"))
	if !ok {
		return
	}
	allowed, ok := stateFields[typ]
	if !ok {
		c.fail(at.key("Type"), "The field 'Type' should have one of these values: "+fieldList(stateTypes))
		return
	}

	lang, checkLang := c.stateLanguage(o, at)
	other := jsonataOnly
	if lang == JSONata {
		other = jsonPathOnly
	}
	if checkLang {
		for _, m := range o.Members {
			if allowed[m.Key] && other[m.Key] {
				c.fail(at, msgOtherLanguage(lang, m.Key))
			}
		}
	}
	for _, m := range o.Members {
		switch m.Key {
		case "Type", "Comment", "QueryLanguage":
		default:
			if !allowed[m.Key] {
				c.fail(at, msgNotSupported(m.Key))
			}
		}
	}

	switch typ {
	case "Task":
		c.required(o, at, "Resource")
	case "Choice":
		c.required(o, at, "Choices")
	case "Parallel":
		c.required(o, at, "Branches")
	case "Map":
		c.exclusive(o, at, true, "ItemProcessor", "Iterator")
	case "Wait":
		c.exclusive(o, at, true, "Seconds", "Timestamp", "SecondsPath", "TimestampPath")
	case "Fail":
		c.exclusive(o, at, false, "Error", "ErrorPath")
		c.exclusive(o, at, false, "Cause", "CausePath")
	}
	switch typ {
	case "Pass", "Task", "Wait", "Parallel", "Map":
		c.exclusive(o, at, true, "Next", "End")
	}
	switch typ {
	case "Task":
		c.exclusive(o, at, false, "TimeoutSeconds", "TimeoutSecondsPath")
		c.exclusive(o, at, false, "HeartbeatSeconds", "HeartbeatSecondsPath")
	case "Map":
		c.exclusive(o, at, false, "MaxConcurrency", "MaxConcurrencyPath")
		c.exclusive(o, at, false, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
		c.exclusive(o, at, false, "ToleratedFailureCount", "ToleratedFailureCountPath")
	}

	for _, m := range o.Members {
		if m.Key != "Type" && m.Key != "Comment" && m.Key != "QueryLanguage" && !allowed[m.Key] {
			continue
		}
		if checkLang && other[m.Key] {
			continue // already reported: its value is not checked
		}
		c.stateField(lang, m.Key, m.Value, at.key(m.Key))
	}
	if lang == JSONata {
		for _, m := range o.Members {
			switch m.Key {
			case "Branches", "ItemProcessor", "Iterator":
				continue
			}
			if allowed[m.Key] && !(checkLang && other[m.Key]) {
				c.expressions(m.Key, m.Value, at)
			}
		}
	}
}

// stateLanguage resolves the query language of a state and reports a state
// that asks for JSONPath inside a JSONata machine. A QueryLanguage resolves
// to JSONPath only when it is exactly "JSONPath"; absent, the machine's
// applies (a Map or Parallel does not pass its own to the states inside it).
// checkLang is false when the state's fields must not be checked against
// its language (AWS reports only the downgrade then).
func (c *checker) stateLanguage(o *jsonv.Object, at loc) (lang string, checkLang bool) {
	top := JSONPath
	if c.topJSONata {
		top = JSONata
	}
	v, ok := o.Get("QueryLanguage")
	switch {
	case !ok:
		return top, true
	case v == JSONPath:
		if c.topJSONata {
			c.fail(at, msgDowngrade)
			return JSONPath, false
		}
		return JSONPath, true
	default:
		return JSONata, true
	}
}

// stateField checks the value of one supported field of a state whose
// effective query language is lang.
func (c *checker) stateField(lang, key string, v jsonv.Value, at loc) {
	switch key {
	case "Type":
	case "Comment":
		c.str(v, at)
	case "QueryLanguage":
		if _, ok := v.(string); !ok {
			c.fail(at, msgType("STRING"))
		} else {
			c.enum(v, at, JSONPath, JSONata)
		}
	case "Next", "Default":
		c.str(v, at)
	case "End":
		c.boolean(v, at)
	case "InputPath", "OutputPath":
		c.optionalPath(v, at, key)
	case "ResultPath":
		c.resultPath(v, at)
	case "Parameters", "ResultSelector":
		if o, ok := c.object(v, at); ok {
			c.template(o, at)
		}
	case "ItemSelector":
		if lang == JSONPath {
			if o, ok := c.object(v, at); ok {
				c.template(o, at)
			}
		}
	case "Result":
		c.staticResult(v, at)
	case "Output":
	case "Arguments":
		c.arguments(v, at)
	case "Assign":
		c.assign(v, at, lang)
	case "Resource":
		c.resource(v, at)
	case "Credentials":
		c.credentials(v, at, lang)
	case "Retry":
		c.retry(v, at, lang)
	case "Catch":
		c.catch(v, at, lang)
	case "TimeoutSeconds", "HeartbeatSeconds":
		c.intOrExpr(v, at, seconds, lang)
	case "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath":
		c.referencePath(v, at, key, true)
	case "Seconds":
		c.intOrExpr(v, at, bounds{min: 0, max: maxSeconds}, lang)
	case "Timestamp":
		c.timestamp(v, at, lang)
	case "Error", "Cause":
		if s, ok := c.str(v, at); ok && lang == JSONPath && looksLikePath(s) {
			c.warn(CodeNoPath, at, "The value of '"+key+"' looks like a JSONPath. Instead of '"+key+"', use '"+key+"Path' to evaluate it as a JSONPath at runtime.")
		}
	case "ErrorPath", "CausePath":
		c.pathOrIntrinsic(v, at, key)
	case "Choices":
		c.choices(v, at, lang)
	case "Branches":
		if list, ok := c.nonEmptyArray(v, at); ok {
			for i, b := range list {
				if o, ok := c.object(b, at.index(i)); ok {
					c.block(o, at.index(i), blockBranch)
				}
			}
		}
	default:
		c.mapField(lang, key, v, at)
	}
}

// rfc3339 is the shape of a timestamp AWS accepts: an uppercase T between
// date and time and an uppercase Z or a numeric offset.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// isTimestamp reports whether s is a timestamp AWS accepts.
func isTimestamp(s string) bool {
	if !rfc3339.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// timestamp checks a Wait state's Timestamp.
func (c *checker) timestamp(v jsonv.Value, at loc, lang string) {
	s, ok := c.str(v, at)
	if !ok || (lang == JSONata && isExpression(s)) {
		return
	}
	if !isTimestamp(s) {
		c.fail(at, msgRFC3339)
	}
}
