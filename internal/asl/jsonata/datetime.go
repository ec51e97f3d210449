package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date/time pictures (XPath fn:format-dateTime) as jsonata-js implements
// them, on millisecond timestamps in UTC.

type dtPart struct {
	literal      bool
	value        string
	component    byte
	pres1, pres2 string
	ordinal      bool
	names        int // 0 none, 1 lower, 2 upper, 3 title
	intFmt       *intFormat
	widthMin     int // -1 unset
	widthMax     int // -1 unset
	hasWidth     bool
	n            int
}

var defaultPresentation = map[byte]string{
	'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'w': "1", 'X': "1", 'x': "1", 'H': "1", 'h': "1",
	'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01", 'C': "n", 'E': "n",
}

var wsRe = regexp.MustCompile(`\s+`)

func analyseDateTimePicture(picture string) []*dtPart {
	var spec []*dtPart
	addLiteral := func(start, end int) {
		if end > start {
			lit := strings.ReplaceAll(picture[start:end], "]]", "]")
			spec = append(spec, &dtPart{literal: true, value: lit})
		}
	}
	start, pos := 0, 0
	for pos < len(picture) {
		if picture[pos] == '[' {
			if pos+1 < len(picture) && picture[pos+1] == '[' {
				addLiteral(start, pos)
				spec = append(spec, &dtPart{literal: true, value: "["})
				pos += 2
				start = pos
				continue
			}
			addLiteral(start, pos)
			start = pos
			end := strings.IndexByte(picture[start:], ']')
			if end < 0 {
				throw(newError("D3135"))
			}
			pos = start + end
			marker := wsRe.ReplaceAllString(picture[start+1:pos], "")
			def := &dtPart{widthMin: -1, widthMax: -1}
			if marker != "" {
				def.component = marker[0]
			}
			var pres string
			if comma := strings.LastIndexByte(marker, ','); comma != -1 {
				wm := marker[comma+1:]
				def.hasWidth = true
				minS, maxS, hasDash := strings.Cut(wm, "-")
				parseW := func(s string, present bool) int {
					if !present || s == "*" {
						return -1
					}
					n, ok := jsParseInt(s)
					if !ok {
						return -2 // NaN
					}
					return n
				}
				def.widthMin = parseW(minS, true)
				def.widthMax = parseW(maxS, hasDash)
				if comma >= 1 {
					pres = marker[1:comma]
				}
			} else if len(marker) > 1 {
				pres = marker[1:]
			}
			switch {
			case len([]rune(pres)) == 1:
				def.pres1 = pres
			case len(pres) > 1:
				last := pres[len(pres)-1]
				if strings.IndexByte("atco", last) >= 0 {
					def.pres2 = string(last)
					def.ordinal = last == 'o'
					def.pres1 = pres[:len(pres)-1]
				} else {
					def.pres1 = pres
				}
			default:
				p, ok := defaultPresentation[def.component]
				if !ok {
					throw(newError("D3132").withValue(string(def.component)))
				}
				def.pres1 = p
			}
			switch {
			case strings.HasPrefix(def.pres1, "n"):
				def.names = 1
			case strings.HasPrefix(def.pres1, "N"):
				if strings.HasPrefix(def.pres1[1:], "n") {
					def.names = 3
				} else {
					def.names = 2
				}
			case strings.IndexByte("YMDdFWwXxHhmsf", def.component) >= 0 && def.component != 0:
				pat := def.pres1
				if def.pres2 != "" {
					pat += ";" + def.pres2
				}
				def.intFmt = analyseIntegerPicture(pat)
				if def.hasWidth && def.widthMin >= 0 && def.intFmt.mandatoryDigits < def.widthMin {
					def.intFmt.mandatoryDigits = def.widthMin
				}
				if def.component == 'Y' {
					def.n = -1
					if def.hasWidth && def.widthMax != -1 {
						def.n = def.widthMax
						def.intFmt.mandatoryDigits = def.n
					} else {
						w := def.intFmt.mandatoryDigits + def.intFmt.optionalDigits
						if w >= 2 {
							def.n = w
						}
					}
				}
				if len(spec) > 0 && spec[len(spec)-1].intFmt != nil {
					prev := spec[len(spec)-1]
					prev.intFmt.parseWidth = prev.intFmt.mandatoryDigits
				}
			}
			if def.component == 'Z' || def.component == 'z' {
				def.intFmt = analyseIntegerPicture(def.pres1)
			}
			spec = append(spec, def)
			start = pos + 1
		}
		pos++
	}
	addLiteral(start, pos)
	return spec
}

var (
	dayNames   = []string{"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

const millisInADay = 86400000

func utcMillis(year, month int) float64 {
	return float64(time.Date(year, time.Month(month+1), 1, 0, 0, 0, 0, time.UTC).UnixMilli())
}

func startOfFirstWeek(year, month int) float64 {
	jan1 := utcMillis(year, month)
	day := int(time.UnixMilli(int64(jan1)).UTC().Weekday())
	if day == 0 {
		day = 7
	}
	if day > 4 {
		return jan1 + float64(8-day)*millisInADay
	}
	return jan1 - float64(day-1)*millisInADay
}

func nextMonth(y, m int) (int, int) {
	if m == 11 {
		return y + 1, 0
	}
	return y, m + 1
}

func prevMonth(y, m int) (int, int) {
	if m == 0 {
		return y - 1, 11
	}
	return y, m - 1
}

func deltaWeeks(start, end float64) float64 { return (end-start)/(millisInADay*7) + 1 }

// dateFragment is getDateTimeFragment: a number, or a string for P, C, E.
func dateFragment(t time.Time, c byte) any {
	switch c {
	case 'Y':
		return float64(t.Year())
	case 'M':
		return float64(t.Month())
	case 'D':
		return float64(t.Day())
	case 'd':
		return float64(t.YearDay())
	case 'F':
		d := int(t.Weekday())
		if d == 0 {
			d = 7
		}
		return float64(d)
	case 'W':
		y := t.Year()
		start := startOfFirstWeek(y, 0)
		today := float64(time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).UnixMilli())
		week := deltaWeeks(start, today)
		if week > 52 {
			if today >= startOfFirstWeek(y+1, 0) {
				week = 1
			}
		} else if week < 1 {
			week = deltaWeeks(startOfFirstWeek(y-1, 0), today)
		}
		return math.Floor(week)
	case 'w':
		y, m := t.Year(), int(t.Month())-1
		start := startOfFirstWeek(y, m)
		today := float64(time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).UnixMilli())
		week := deltaWeeks(start, today)
		if week > 4 {
			ny, nm := nextMonth(y, m)
			if today >= startOfFirstWeek(ny, nm) {
				week = 1
			}
		} else if week < 1 {
			py, pm := prevMonth(y, m)
			week = deltaWeeks(startOfFirstWeek(py, pm), today)
		}
		return math.Floor(week)
	case 'X':
		y := t.Year()
		now := float64(t.UnixMilli())
		if now < startOfFirstWeek(y, 0) {
			return float64(y - 1)
		}
		if now >= startOfFirstWeek(y+1, 0) {
			return float64(y + 1)
		}
		return float64(y)
	case 'x':
		y, m := t.Year(), int(t.Month())-1
		now := float64(t.UnixMilli())
		ny, nm := nextMonth(y, m)
		if now < startOfFirstWeek(y, m) {
			_, pm := prevMonth(y, m)
			return float64(pm + 1)
		}
		if now >= startOfFirstWeek(ny, nm) {
			return float64(nm + 1)
		}
		return float64(m + 1)
	case 'H':
		return float64(t.Hour())
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return float64(h)
	case 'P':
		if t.Hour() >= 12 {
			return "pm"
		}
		return "am"
	case 'm':
		return float64(t.Minute())
	case 's':
		return float64(t.Second())
	case 'f':
		return float64(t.Nanosecond() / 1e6)
	case 'C', 'E':
		return "ISO"
	}
	return Undefined
}

var iso8601Spec = analyseDateTimePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]")

func (ev *evaluator) fromMillis(millis float64, picture, timezone any) any {
	offH, offM := 0.0, 0.0
	if tz, ok := timezone.(string); ok {
		off, ok := jsParseInt(tz)
		if !ok {
			offH, offM = math.NaN(), math.NaN()
		} else {
			offH = math.Floor(float64(off) / 100)
			offM = float64(off % 100)
		}
	}
	var spec []*dtPart
	if p, ok := picture.(string); ok {
		spec = analyseDateTimePicture(p)
	} else {
		spec = cloneSpec(iso8601Spec)
	}
	offMillis := (60*offH + offM) * 60 * 1000
	ms := millis + offMillis
	if math.IsNaN(ms) || math.Abs(ms) > 8.64e15 {
		return formatInvalidDate(spec)
	}
	t := time.UnixMilli(int64(math.Floor(ms))).UTC()
	var b strings.Builder
	for _, p := range spec {
		if p.literal {
			b.WriteString(p.value)
			continue
		}
		b.WriteString(formatComponent(t, p, offH, offM))
	}
	return b.String()
}

func cloneSpec(spec []*dtPart) []*dtPart {
	out := make([]*dtPart, len(spec))
	for i, p := range spec {
		c := *p
		if p.intFmt != nil {
			f := *p.intFmt
			f.separators = append([]groupSep(nil), p.intFmt.separators...)
			c.intFmt = &f
		}
		out[i] = &c
	}
	return out
}

func formatInvalidDate(spec []*dtPart) string {
	var b strings.Builder
	for _, p := range spec {
		if p.literal {
			b.WriteString(p.value)
		} else {
			b.WriteString("NaN")
		}
	}
	return b.String()
}

func formatComponent(t time.Time, p *dtPart, offH, offM float64) string {
	v := dateFragment(t, p.component)
	c := p.component
	switch {
	case strings.IndexByte("YMDdFWwXxHhms", c) >= 0 && c != 0:
		f, _ := v.(float64)
		if c == 'Y' && p.n != -1 {
			f = math.Mod(f, math.Pow(10, float64(p.n)))
		}
		if p.names != 0 {
			var s string
			switch c {
			case 'M', 'x':
				i := int(f) - 1
				if i >= 0 && i < 12 {
					s = monthNames[i]
				}
			case 'F':
				i := int(f)
				if i >= 0 && i < 8 {
					s = dayNames[i]
				}
			default:
				throw(newError("D3133").withValue(string(c)))
			}
			switch p.names {
			case 2:
				s = strings.ToUpper(s)
			case 1:
				s = strings.ToLower(s)
			}
			if p.hasWidth && p.widthMax >= 0 && len(s) > p.widthMax {
				s = s[:p.widthMax]
			}
			return s
		}
		return formatIntegerWith(f, p.intFmt)
	case c == 'f':
		f, _ := v.(float64)
		return formatIntegerWith(f, p.intFmt)
	case c == 'Z' || c == 'z':
		offset := offH*100 + offM
		var s string
		if p.intFmt.regular {
			s = formatIntegerWith(offset, p.intFmt)
		} else {
			switch p.intFmt.mandatoryDigits {
			case 1, 2:
				s = formatIntegerWith(offH, p.intFmt)
				if offM != 0 {
					s += ":" + formatIntegerWith(offM, analyseIntegerPicture("00"))
				}
			case 3, 4:
				s = formatIntegerWith(offset, p.intFmt)
			default:
				throw(newError("D3134").withValue(float64(p.intFmt.mandatoryDigits)))
			}
		}
		if offset >= 0 {
			s = "+" + s
		}
		if c == 'z' {
			s = "GMT" + s
		}
		if offset == 0 && p.pres2 == "t" {
			s = "Z"
		}
		return s
	case c == 'P':
		s, _ := v.(string)
		if p.names == 2 {
			s = strings.ToUpper(s)
		}
		return s
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return formatJSNumber(x)
	}
	return "undefined"
}

var iso8601Re = regexp.MustCompile(`^\d{4}(-[01]\d)?(-[0-3]\d)?(T[0-2]\d:[0-5]\d:[0-5]\d)?(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$`)

// toMillisISO is $toMillis without a picture.
func toMillisISO(s string) any {
	if !iso8601Re.MatchString(s) {
		throw(newError("D3110").withValue(s))
	}
	m, ok := parseISODate(s)
	if !ok {
		return math.NaN()
	}
	return numv(m)
}

// parseISODate is Date.parse for the forms the ISO regex accepts; times
// without an offset are taken as UTC.
func parseISODate(s string) (float64, bool) {
	year, _ := strconv.Atoi(s[0:4])
	rest := s[4:]
	month, day := 1, 1
	hour, min, sec, ms := 0, 0, 0, 0
	if strings.HasPrefix(rest, "-") && len(rest) >= 3 {
		month, _ = strconv.Atoi(rest[1:3])
		rest = rest[3:]
		if strings.HasPrefix(rest, "-") && len(rest) >= 3 {
			day, _ = strconv.Atoi(rest[1:3])
			rest = rest[3:]
		}
	}
	hasTime := false
	if strings.HasPrefix(rest, "T") {
		hasTime = true
		hour, _ = strconv.Atoi(rest[1:3])
		min, _ = strconv.Atoi(rest[4:6])
		sec, _ = strconv.Atoi(rest[7:9])
		rest = rest[9:]
	}
	if strings.HasPrefix(rest, ".") {
		if !hasTime {
			return 0, false
		}
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		frac := rest[1:i] + "000"
		ms, _ = strconv.Atoi(frac[:3])
		rest = rest[i:]
	}
	offset := 0
	if rest != "" {
		if !hasTime {
			return 0, false
		}
		if rest != "Z" {
			sign := 1
			if rest[0] == '-' {
				sign = -1
			}
			r := strings.ReplaceAll(rest[1:], ":", "")
			oh, _ := strconv.Atoi(r[0:2])
			om, _ := strconv.Atoi(r[2:4])
			if oh > 23 || om > 59 {
				return 0, false
			}
			offset = sign * (oh*60 + om)
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 24 || min > 59 || sec > 59 {
		return 0, false
	}
	if hour == 24 && (min != 0 || sec != 0 || ms != 0) {
		return 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, ms*1e6, time.UTC)
	return float64(t.UnixMilli()) - float64(offset)*60000, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month+1), 0, 0, 0, 0, 0, time.UTC).Day()
}

type dtMatcher struct {
	regex     string
	component byte
	parse     func(string) any
}

func integerMatcher(f *intFormat) (string, func(string) any) {
	upper := f.cas == caseUpper
	switch f.primary {
	case fmtLetters:
		re := "[a-z]+"
		if upper {
			re = "[A-Z]+"
		}
		return re, func(v string) any { return parseIntegerWith(v, f) }
	case fmtRoman:
		re := "[mdclxvi]+"
		if upper {
			re = "[MDCLXVI]+"
		}
		return re, func(v string) any { return parseIntegerWith(v, f) }
	case fmtWords:
		var words []string
		for w := range wordValues {
			words = append(words, w)
		}
		// longest first so that alternation prefers whole words
		sortByLenDesc(words)
		words = append(words, "and", `[\-, ]`)
		return "(?:" + strings.Join(words, "|") + ")+", func(v string) any { return parseIntegerWith(v, f) }
	case fmtDecimal:
		re := "[0-9]"
		if f.parseWidth > 0 {
			re += "{" + strconv.Itoa(f.parseWidth) + "}"
		} else {
			re += "+"
		}
		if f.ordinal {
			re += "(?:th|st|nd|rd)"
		}
		return re, func(v string) any { return parseIntegerWith(v, f) }
	}
	throw(newError("D3130").withValue(f.token))
	return "", nil
}

func sortByLenDesc(ws []string) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && (len(ws[j]) > len(ws[j-1]) || (len(ws[j]) == len(ws[j-1]) && ws[j] < ws[j-1])); j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
}

func (ev *evaluator) parseDateTime(timestamp, picture string) any {
	spec := analyseDateTimePicture(picture)
	var ms []dtMatcher
	for _, p := range spec {
		var m dtMatcher
		switch {
		case p.literal:
			m.regex = regexp.QuoteMeta(p.value)
		case p.component == 'Z' || p.component == 'z':
			var sep string
			hasSep := p.intFmt.regular
			if hasSep {
				sep = p.intFmt.regularSep.character
			}
			if p.component == 'z' {
				m.regex = "GMT"
			}
			m.regex += "[-+][0-9]+"
			if hasSep {
				m.regex += regexp.QuoteMeta(sep) + "[0-9]+"
			}
			comp := p.component
			m.parse = func(v string) any {
				if comp == 'z' && len(v) >= 3 {
					v = v[3:]
				}
				var oh, om int
				if hasSep {
					i := strings.Index(v, sep)
					oh, _ = jsParseInt(v[:i])
					om, _ = jsParseInt(v[i+len(sep):])
				} else if len(v)-1 <= 2 {
					oh, _ = jsParseInt(v)
				} else {
					oh, _ = jsParseInt(v[:3])
					om, _ = jsParseInt(v[3:])
				}
				return float64(oh*60 + om)
			}
		case p.component == 'f':
			m.regex = "[0-9]+"
			m.parse = func(v string) any {
				d := v
				if len(d) > 3 {
					d = d[:3]
				}
				f, _ := strconv.ParseFloat("0."+d, 64)
				return f * 1000
			}
		case p.intFmt != nil:
			m.regex, m.parse = integerMatcher(p.intFmt)
		default:
			m.regex = "[a-zA-Z]+"
			lookup := map[string]float64{}
			switch p.component {
			case 'M', 'x':
				for i, n := range monthNames {
					if p.hasWidth && p.widthMax > 0 && p.widthMax < len(n) {
						n = n[:p.widthMax]
					}
					lookup[strings.ToLower(n)] = float64(i + 1)
				}
			case 'F':
				for i, n := range dayNames {
					if i == 0 {
						continue
					}
					if p.hasWidth && p.widthMax > 0 && p.widthMax < len(n) {
						n = n[:p.widthMax]
					}
					lookup[strings.ToLower(n)] = float64(i)
				}
			case 'P':
				lookup = map[string]float64{"am": 0, "pm": 1}
			default:
				throw(newError("D3133").withValue(string(p.component)))
			}
			m.parse = func(v string) any {
				if f, ok := lookup[strings.ToLower(v)]; ok {
					return f
				}
				return Undefined
			}
		}
		if !p.literal {
			m.component = p.component
		}
		ms = append(ms, m)
	}
	var full strings.Builder
	full.WriteString("(?i)^")
	for _, m := range ms {
		full.WriteString("(" + m.regex + ")")
	}
	full.WriteString("$")
	re, err := regexp.Compile(full.String())
	if err != nil {
		return Undefined
	}
	info := re.FindStringSubmatch(timestamp)
	if info == nil {
		return Undefined
	}
	comps := map[byte]float64{}
	for i := 1; i < len(info); i++ {
		m := ms[i-1]
		if m.parse != nil {
			if f, ok := m.parse(info[i]).(float64); ok {
				comps[m.component] = f
			} else if f, ok := num(m.parse(info[i])); ok {
				comps[m.component] = f
			}
		}
	}
	if len(comps) == 0 {
		return Undefined
	}
	mask := 0
	shift := func(c byte) {
		mask <<= 1
		if _, ok := comps[c]; ok {
			mask++
		}
	}
	isType := func(t int) bool { return (^t&mask) == 0 && (t&mask) != 0 }
	for _, c := range []byte("YXMxWwdD") {
		shift(c)
	}
	dateA := isType(161)
	dateB := !dateA && isType(130)
	dateC := isType(84)
	dateD := !dateC && isType(72)
	mask = 0
	for _, c := range []byte("PHhmsf") {
		shift(c)
	}
	timeA := isType(23)
	timeB := !timeA && isType(47)
	dateComps := "YMD"
	switch {
	case dateB:
		dateComps = "Yd"
	case dateC:
		dateComps = "XxwF"
	case dateD:
		dateComps = "XWF"
	}
	timeComps := "Hmsf"
	if timeB {
		timeComps = "Phmsf"
	}
	now := ev.now.UTC()
	startSpecified, endSpecified := false, false
	for _, c := range []byte(dateComps + timeComps) {
		if _, ok := comps[c]; !ok {
			if startSpecified {
				if strings.IndexByte("MDd", c) >= 0 {
					comps[c] = 1
				} else {
					comps[c] = 0
				}
				endSpecified = true
			} else {
				f, _ := dateFragment(now, c).(float64)
				comps[c] = f
			}
		} else {
			startSpecified = true
			if endSpecified {
				throw(newError("D3136"))
			}
		}
	}
	if comps['M'] > 0 {
		comps['M']--
	} else {
		comps['M'] = 0
	}
	if dateB {
		first := time.Date(int(comps['Y']), 1, 1, 0, 0, 0, 0, time.UTC)
		d := first.AddDate(0, 0, int(comps['d'])-1)
		comps['M'] = float64(d.Month() - 1)
		comps['D'] = float64(d.Day())
	}
	if dateC || dateD {
		throw(newError("D3136"))
	}
	if timeB {
		h := comps['h']
		if h == 12 {
			h = 0
		}
		if comps['P'] == 1 {
			h += 12
		}
		comps['H'] = h
	}
	for _, v := range comps {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN()
		}
	}
	y := int(comps['Y'])
	if y >= 0 && y <= 99 {
		y += 1900
	}
	t := time.Date(y, time.Month(int(comps['M'])+1), int(comps['D']), int(comps['H']), int(comps['m']), int(comps['s']), 0, time.UTC)
	millis := float64(t.UnixMilli()) + math.Trunc(comps['f'])
	if z, ok := comps['Z']; ok && z != 0 {
		millis -= z * 60 * 1000
	} else if z, ok := comps['z']; ok && z != 0 {
		millis -= z * 60 * 1000
	}
	return numv(millis)
}
