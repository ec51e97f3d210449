package validate

import (
	"github.com/stepflow/stepflow/internal/jsonv"
)

// The fields retriers and catchers accept.
var (
	retrierFields = fields("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
		"MaxDelaySeconds", "JitterStrategy", "Comment")
	catcherFields = map[string]fieldSet{
		JSONPath: fields("ErrorEquals", "Next", "ResultPath", "Assign", "Comment"),
		JSONata:  fields("ErrorEquals", "Next", "Output", "Assign", "Comment"),
	}
)

const (
	errorAll     = "States.ALL"
	msgStatesAll = "States.ALL must appear alone and at end of list"
)

// retry checks a Retry field.
func (c *checker) retry(v jsonv.Value, at loc, lang string) {
	list, ok := c.array(v, at)
	if !ok {
		return
	}
	for i, e := range list {
		rat := at.index(i)
		o, ok := c.object(e, rat)
		if !ok {
			continue
		}
		c.unsupported(o, rat, retrierFields)
		c.required(o, rat, "ErrorEquals")
		for _, m := range o.Members {
			fat := rat.key(m.Key)
			switch m.Key {
			case "ErrorEquals":
				c.errorEquals(m.Value, fat, i == len(list)-1)
			case "IntervalSeconds":
				c.intOrExpr(m.Value, fat, bounds{min: 0, max: maxSeconds}, lang)
			case "MaxAttempts":
				c.intOrExpr(m.Value, fat, bounds{min: 0, max: maxSeconds}, lang)
			case "BackoffRate":
				c.numberOrExpr(m.Value, fat, bounds{min: 1, max: noBounds.max, double: true}, lang)
			case "MaxDelaySeconds":
				c.intOrExpr(m.Value, fat, bounds{min: 1, max: 31622400}, lang)
			case "JitterStrategy":
				c.enum(m.Value, fat, "FULL", "NONE")
			case "Comment":
				c.str(m.Value, fat)
			}
		}
	}
}

// catch checks a Catch field.
func (c *checker) catch(v jsonv.Value, at loc, lang string) {
	list, ok := c.array(v, at)
	if !ok {
		return
	}
	allowed := catcherFields[lang]
	other := catcherFields[JSONata]
	if lang == JSONata {
		other = catcherFields[JSONPath]
	}
	for i, e := range list {
		cat := at.index(i)
		o, ok := c.object(e, cat)
		if !ok {
			continue
		}
		for _, m := range o.Members {
			switch {
			case !allowed[m.Key] && other[m.Key]:
				c.fail(cat, msgOtherLanguage(lang, m.Key))
			case !allowed[m.Key]:
				c.fail(cat, msgNotSupported(m.Key))
			}
		}
		c.required(o, cat, "ErrorEquals", "Next")
		for _, m := range o.Members {
			if !allowed[m.Key] {
				continue
			}
			fat := cat.key(m.Key)
			switch m.Key {
			case "ErrorEquals":
				c.errorEquals(m.Value, fat, i == len(list)-1)
			case "Next", "Comment":
				c.str(m.Value, fat)
			case "ResultPath":
				c.resultPath(m.Value, fat)
			case "Assign":
				c.assign(m.Value, fat, lang)
			}
		}
	}
}

// errorEquals checks an ErrorEquals list: non-empty strings, with
// States.ALL alone and only in the last retrier or catcher.
func (c *checker) errorEquals(v jsonv.Value, at loc, last bool) {
	list, ok := c.nonEmptyArray(v, at)
	if !ok {
		return
	}
	all := false
	for i, e := range list {
		s, ok := c.str(e, at.index(i))
		if ok && s == errorAll {
			all = true
		}
	}
	if all && (len(list) > 1 || !last) {
		c.fail(at, msgStatesAll)
	}
}
