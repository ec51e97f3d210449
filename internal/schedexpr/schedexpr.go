// Package schedexpr parses the schedule expressions of Amazon EventBridge
// Scheduler and EventBridge scheduled rules, and computes their fire times.
//
// Three forms exist:
//
//   - rate(value unit): every value minutes, hours or days (a day is 24
//     hours of elapsed time, not a calendar day), counted from an anchor (a
//     schedule's StartDate or creation time);
//   - cron(minutes hours day-of-month month day-of-week year): AWS's
//     six-field cron, with the wildcards , - * / in every field, ? L W in
//     day-of-month, ? L # in day-of-week, month names JAN-DEC and day names
//     SUN-SAT (1 = Sunday), years 1970-2199; exactly one of day-of-month and
//     day-of-week is "?";
//   - at(yyyy-mm-ddThh:mm:ss): one time (EventBridge Scheduler only).
//
// Cron and at expressions are evaluated in a time zone. Across daylight
// saving time changes a cron wall-clock time that does not exist (spring
// forward) is skipped and one that occurs twice (fall back) fires once, as
// EventBridge Scheduler documents.
//
// The two services differ on rate units: EventBridge rules demand the
// singular for 1 ("rate(1 minute)") and the plural otherwise; Scheduler
// accepts either. Parse takes the dialect.
package schedexpr

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Kind is the form of an expression.
type Kind uint8

// The expression forms.
const (
	Rate Kind = iota + 1
	Cron
	At
)

// String names the kind as it is written ("rate", "cron", "at").
func (k Kind) String() string {
	switch k {
	case Rate:
		return "rate"
	case Cron:
		return "cron"
	case At:
		return "at"
	}
	return "unknown"
}

// Dialect selects the service whose rules Parse applies.
type Dialect uint8

// The dialects.
const (
	// Scheduler is EventBridge Scheduler: rate, cron and at; rate units in
	// the singular or the plural.
	Scheduler Dialect = iota
	// Events is EventBridge scheduled rules: rate and cron only; a rate of 1
	// takes the singular unit, any other the plural.
	Events
)

// Bounds of the cron year field.
const (
	MinYear = 1970
	MaxYear = 2199
)

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid schedule expression")

// Error is a parse error: the expression and what is wrong with it.
type Error struct {
	Expr   string
	Reason string
}

// Error implements error.
func (e *Error) Error() string { return "invalid schedule expression " + e.Expr + ": " + e.Reason }

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// Expr is a parsed schedule expression. It is immutable and safe for
// concurrent use.
type Expr struct {
	kind   Kind
	text   string
	period time.Duration // Rate
	at     wall          // At
	cron   *cronSpec     // Cron
}

// wall is a civil date and time without a zone.
type wall struct {
	year                      int
	month                     time.Month
	day, hour, minute, second int
}

// Kind returns the expression's form.
func (e *Expr) Kind() Kind { return e.kind }

// String returns the expression as it was written.
func (e *Expr) String() string { return e.text }

// Recurring reports whether the expression fires more than once (rate and
// cron).
func (e *Expr) Recurring() bool { return e.kind != At }

// Period is the interval of a rate expression, 0 for the others.
func (e *Expr) Period() time.Duration { return e.period }

// Parse parses an expression in the given dialect. Errors wrap ErrInvalid
// and are *Error values.
func Parse(s string, d Dialect) (*Expr, error) {
	fail := func(reason string) (*Expr, error) { return nil, &Error{Expr: s, Reason: reason} }
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		if d == Events {
			return fail("expected rate(value unit) or cron(fields)")
		}
		return fail("expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)")
	}
	body := s[open+1 : len(s)-1]
	switch s[:open] {
	case "rate":
		p, reason := parseRate(body, d)
		if reason != "" {
			return fail(reason)
		}
		return &Expr{kind: Rate, text: s, period: p}, nil
	case "cron":
		c, reason := parseCron(body)
		if reason != "" {
			return fail(reason)
		}
		return &Expr{kind: Cron, text: s, cron: c}, nil
	case "at":
		if d == Events {
			return fail("at(...) expressions are for EventBridge Scheduler only")
		}
		w, reason := parseAt(body)
		if reason != "" {
			return fail(reason)
		}
		return &Expr{kind: At, text: s, at: w}, nil
	}
	return fail("unknown expression type " + strconv.Quote(s[:open]))
}

// units of rate expressions.
var units = map[string]time.Duration{
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

func parseRate(body string, d Dialect) (time.Duration, string) {
	num, unit, ok := strings.Cut(body, " ")
	if !ok || num == "" || unit == "" {
		return 0, "a rate is rate(value unit), e.g. rate(5 minutes)"
	}
	per, ok := units[unit]
	if !ok {
		return 0, "the unit must be minute, minutes, hour, hours, day or days"
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return 0, "the value must be a positive whole number"
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, "the value must be a positive whole number"
	}
	if n > int64(100*366*24*time.Hour/per) {
		return 0, "the rate is longer than 100 years"
	}
	if d == Events {
		plural := strings.HasSuffix(unit, "s")
		if n == 1 && plural {
			return 0, "a rate of 1 takes the singular unit, e.g. rate(1 minute)"
		}
		if n != 1 && !plural {
			return 0, "a rate above 1 takes the plural unit, e.g. rate(5 minutes)"
		}
	}
	return time.Duration(n) * per, ""
}

func parseAt(body string) (wall, string) {
	const layout = "2006-01-02T15:04:05"
	if len(body) != len(layout) {
		return wall{}, "a one-time schedule is at(yyyy-mm-ddThh:mm:ss)"
	}
	t, err := time.Parse(layout, body)
	if err != nil {
		return wall{}, "a one-time schedule is at(yyyy-mm-ddThh:mm:ss) with a valid date and time"
	}
	return wall{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second()}, ""
}

// Next returns the first fire time strictly after after, and false when
// there is none (an at() in the past, a cron whose years are over).
//
// Rate times are anchor + k*period for k >= 0. Cron and at expressions are
// evaluated in loc (UTC when nil); anchor is not used for them.
func (e *Expr) Next(after time.Time, loc *time.Location, anchor time.Time) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	switch e.kind {
	case Rate:
		if anchor.After(after) {
			return anchor, true
		}
		k := after.Sub(anchor)/e.period + 1
		return anchor.Add(k * e.period), true
	case At:
		t := time.Date(e.at.year, e.at.month, e.at.day, e.at.hour, e.at.minute, e.at.second, 0, loc)
		if t.After(after) {
			return t, true
		}
		return time.Time{}, false
	case Cron:
		return e.cron.next(after, loc)
	}
	return time.Time{}, false
}

// AtTime returns the instant of an at() expression in loc, and false for
// the other kinds.
func (e *Expr) AtTime(loc *time.Location) (time.Time, bool) {
	if e.kind != At {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(e.at.year, e.at.month, e.at.day, e.at.hour, e.at.minute, e.at.second, 0, loc), true
}
