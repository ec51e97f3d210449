package schedexpr

import (
	"strconv"
	"strings"
	"time"
)

// bitset holds the values of one cron field (value v at bit v-base).
type bitset [4]uint64

func (b *bitset) set(i int)      { b[i>>6] |= 1 << (i & 63) }
func (b *bitset) has(i int) bool { return i >= 0 && i < 256 && b[i>>6]&(1<<(i&63)) != 0 }
func (b *bitset) empty() bool    { return b[0]|b[1]|b[2]|b[3] == 0 }

// cronSpec is a compiled cron expression.
type cronSpec struct {
	minutes, hours, months, years bitset // minutes 0-59, hours 0-23, months 1-12, years at bit y-MinYear
	dom                           domSpec
	dow                           dowSpec
}

// domSpec is the day-of-month field.
type domSpec struct {
	any         bool   // "?"
	days        bitset // 1-31
	last        bool   // "L": the last day of the month
	lastWeekday bool   // "LW": the last weekday (Monday-Friday) of the month
	nearest     int    // "nW": the weekday nearest day n, within the month
}

// dowSpec is the day-of-week field (1 = Sunday ... 7 = Saturday).
type dowSpec struct {
	any    bool   // "?"
	days   bitset // 1-7
	last   int    // "nL": the last day n of the month
	nthDay int    // "n#k": the k-th day n of the month
	nth    int
}

// field describes one cron field.
type field struct {
	name     string
	min, max int
	names    []string // names[i] is value min+i
}

var (
	minuteField = field{name: "minutes", min: 0, max: 59}
	hourField   = field{name: "hours", min: 0, max: 23}
	domField    = field{name: "day-of-month", min: 1, max: 31}
	monthField  = field{name: "month", min: 1, max: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	dowField  = field{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearField = field{name: "year", min: MinYear, max: MaxYear}
)

func parseCron(body string) (*cronSpec, string) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, "a cron expression has six fields: minutes hours day-of-month month day-of-week year"
	}
	c := &cronSpec{}
	var reason string
	if reason = parseList(&c.minutes, f[0], minuteField, 0); reason != "" {
		return nil, reason
	}
	if reason = parseList(&c.hours, f[1], hourField, 0); reason != "" {
		return nil, reason
	}
	if reason = parseDOM(&c.dom, f[2]); reason != "" {
		return nil, reason
	}
	if reason = parseList(&c.months, f[3], monthField, 0); reason != "" {
		return nil, reason
	}
	if reason = parseDOW(&c.dow, f[4]); reason != "" {
		return nil, reason
	}
	if reason = parseList(&c.years, f[5], yearField, MinYear); reason != "" {
		return nil, reason
	}
	switch {
	case c.dom.any && c.dow.any:
		return nil, "only one of day-of-month and day-of-week may be ?"
	case !c.dom.any && !c.dow.any:
		return nil, "one of day-of-month and day-of-week must be ? (they cannot both be given)"
	}
	return c, ""
}

// parseList parses a list of values, ranges and steps into b (value v at
// bit v-base).
func parseList(b *bitset, s string, f field, base int) string {
	if s == "" {
		return "the " + f.name + " field is empty"
	}
	for _, item := range strings.Split(s, ",") {
		if reason := parseItem(b, item, f, base); reason != "" {
			return reason
		}
	}
	return ""
}

func parseItem(b *bitset, item string, f field, base int) string {
	bad := func(what string) string { return "bad " + f.name + " value " + strconv.Quote(item) + ": " + what }
	rng, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n <= 0 || !digits(stepText) {
			return bad("the step after / must be a positive whole number")
		}
		step = n
	}
	var lo, hi int
	switch {
	case rng == "*":
		lo, hi = f.min, f.max
	case rng == "":
		return bad("a value is missing")
	default:
		a, bText, isRange := strings.Cut(rng, "-")
		var ok bool
		if lo, ok = f.value(a); !ok {
			return bad("expected a number from " + strconv.Itoa(f.min) + " to " + strconv.Itoa(f.max) + f.nameHint())
		}
		hi = lo
		if isRange {
			if hi, ok = f.value(bText); !ok {
				return bad("expected a number from " + strconv.Itoa(f.min) + " to " + strconv.Itoa(f.max) + f.nameHint())
			}
		} else if hasStep {
			hi = f.max
		}
	}
	// A range may wrap around (22-2 hours, FRI-MON).
	n := hi - lo
	if hi < lo {
		n += f.max - f.min + 1
	}
	width := f.max - f.min + 1
	for i := 0; i <= n; i += step {
		v := lo + i
		if v > f.max {
			v -= width
		}
		b.set(v - base)
	}
	return ""
}

func (f field) nameHint() string {
	if f.names == nil {
		return ""
	}
	return " or " + f.names[0] + "-" + f.names[len(f.names)-1]
}

// value parses one number or name of the field.
func (f field) value(s string) (int, bool) {
	if digits(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n < f.min || n > f.max {
			return 0, false
		}
		return n, true
	}
	for i, name := range f.names {
		if strings.EqualFold(s, name) {
			return f.min + i, true
		}
	}
	return 0, false
}

func digits(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseDOM(d *domSpec, s string) string {
	switch u := strings.ToUpper(s); {
	case u == "?":
		d.any = true
	case u == "L":
		d.last = true
	case u == "LW":
		d.lastWeekday = true
	case strings.HasSuffix(u, "W"):
		n, ok := domField.value(u[:len(u)-1])
		if !ok {
			return "bad day-of-month value " + strconv.Quote(s) + ": nW takes a day from 1 to 31, e.g. 15W"
		}
		d.nearest = n
	default:
		return parseList(&d.days, s, domField, 0)
	}
	return ""
}

func parseDOW(d *dowSpec, s string) string {
	u := strings.ToUpper(s)
	switch {
	case u == "?":
		d.any = true
	case u == "L":
		d.days.set(7) // the last day of the week: Saturday
	case strings.HasSuffix(u, "L"):
		n, ok := dowField.value(u[:len(u)-1])
		if !ok {
			return "bad day-of-week value " + strconv.Quote(s) + ": nL takes a day from 1 to 7 or SUN-SAT, e.g. 6L"
		}
		d.last = n
	case strings.Contains(u, "#"):
		day, nth, _ := strings.Cut(u, "#")
		n, ok := dowField.value(day)
		k, err := strconv.Atoi(nth)
		if !ok || err != nil || !digits(nth) || k < 1 || k > 5 {
			return "bad day-of-week value " + strconv.Quote(s) + ": n#k takes a day from 1 to 7 or SUN-SAT and k from 1 to 5, e.g. 3#2"
		}
		d.nthDay, d.nth = n, k
	default:
		return parseList(&d.days, s, dowField, 0)
	}
	return ""
}

// daysIn returns the number of days of a month.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// weekday returns the AWS day of week of a date: 1 = Sunday ... 7 = Saturday.
func weekday(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()) + 1
}

func (c *cronSpec) dayMatches(y int, m time.Month, d, dim int) bool {
	if !c.dom.any {
		switch {
		case c.dom.last:
			return d == dim
		case c.dom.lastWeekday:
			last := dim
			switch weekday(y, m, dim) {
			case 7:
				last = dim - 1
			case 1:
				last = dim - 2
			}
			return d == last
		case c.dom.nearest > 0:
			n := c.dom.nearest
			if n > dim {
				return false
			}
			switch weekday(y, m, n) {
			case 7: // Saturday: the Friday before, or Monday when the 1st
				if n == 1 {
					n = 3
				} else {
					n--
				}
			case 1: // Sunday: the Monday after, or Friday when the last day
				if n == dim {
					n -= 2
				} else {
					n++
				}
			}
			return d == n
		}
		return c.dom.days.has(d)
	}
	wd := weekday(y, m, d)
	switch {
	case c.dow.nth > 0:
		return wd == c.dow.nthDay && (d-1)/7+1 == c.dow.nth
	case c.dow.last > 0:
		return wd == c.dow.last && d+7 > dim
	}
	return c.dow.days.has(wd)
}

// next returns the first matching minute strictly after after, in loc.
func (c *cronSpec) next(after time.Time, loc *time.Location) (time.Time, bool) {
	t := after.In(loc)
	y0, m0, d0 := t.Date()
	h0, mi0, _ := t.Clock()
	first := true
	for y := max(y0, MinYear); y <= MaxYear; y++ {
		if y != y0 {
			first = false
		}
		if !c.years.has(y - MinYear) {
			first = false
			continue
		}
		mStart := time.January
		if first {
			mStart = m0
		}
		for m := mStart; m <= time.December; m++ {
			if m != m0 {
				first = false
			}
			if !c.months.has(int(m)) {
				first = false
				continue
			}
			dim := daysIn(y, m)
			dStart := 1
			if first {
				dStart = d0
			}
			for d := dStart; d <= dim; d++ {
				if d != d0 {
					first = false
				}
				if !c.dayMatches(y, m, d, dim) {
					first = false
					continue
				}
				if t, ok := c.onDay(y, m, d, first, h0, mi0, after, loc); ok {
					return t, true
				}
				first = false
			}
		}
	}
	return time.Time{}, false
}

// onDay returns the first matching time of a day strictly after after;
// on the first day only times from h0:mi0 on are tried.
func (c *cronSpec) onDay(y int, m time.Month, d int, first bool, h0, mi0 int, after time.Time, loc *time.Location) (time.Time, bool) {
	hStart := 0
	if first {
		hStart = h0
	}
	for h := hStart; h < 24; h++ {
		if !c.hours.has(h) {
			continue
		}
		miStart := 0
		if first && h == h0 {
			miStart = mi0
		}
		for mi := miStart; mi < 60; mi++ {
			if !c.minutes.has(mi) {
				continue
			}
			t := time.Date(y, m, d, h, mi, 0, 0, loc)
			// A wall time that does not exist (spring forward) is skipped.
			if th, tmi, _ := t.Clock(); th != h || tmi != mi || t.Day() != d {
				continue
			}
			// A wall time that occurs twice (fall back) fires once.
			if t.After(after) {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
