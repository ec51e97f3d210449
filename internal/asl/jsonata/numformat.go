package jsonata

import (
	"math"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// formatNumber is $formatNumber: XPath F&O fn:format-number as
// jsonata-js implements it. Characters are handled as code points.
func formatNumber(value float64, picture string, options *jsonv.Object) any {
	props := map[string]string{
		"decimal-separator":  ".",
		"grouping-separator": ",",
		"exponent-separator": "e",
		"infinity":           "Infinity",
		"minus-sign":         "-",
		"NaN":                "NaN",
		"percent":            "%",
		"per-mille":          "\u2030",
		"zero-digit":         "0",
		"digit":              "#",
		"pattern-separator":  ";",
	}
	if options != nil {
		for _, m := range options.Members {
			if s, ok := m.Value.(string); ok {
				props[m.Key] = s
			}
		}
	}
	zero := firstRune(props["zero-digit"])
	var family []string
	for i := zero; i < zero+10; i++ {
		family = append(family, string(i))
	}
	isDigit := func(c string) bool {
		for _, d := range family {
			if d == c {
				return true
			}
		}
		return false
	}
	decSep, grpSep, expSep := props["decimal-separator"], props["grouping-separator"], props["exponent-separator"]
	digit, patSep := props["digit"], props["pattern-separator"]
	percent, permille := props["percent"], props["per-mille"]
	active := append(append([]string{}, family...), decSep, expSep, grpSep, digit, patSep)
	isActive := func(c string) bool {
		for _, a := range active {
			if a == c {
				return true
			}
		}
		return false
	}
	subPictures := strings.Split(picture, patSep)
	if patSep == "" {
		subPictures = []string{picture}
	}
	if len(subPictures) > 2 {
		throw(newError("D3080"))
	}
	type parts struct {
		prefix, suffix, active, mantissa, exponent, integer, fraction, sub string
		hasExponent                                                        bool
	}
	split := func(sub string) parts {
		chars := []rune(sub)
		prefix := ""
		for i, ch := range chars {
			c := string(ch)
			if isActive(c) && c != expSep {
				prefix = string(chars[:i])
				break
			}
		}
		suffix := ""
		for i := len(chars) - 1; i >= 0; i-- {
			c := string(chars[i])
			if isActive(c) && c != expSep {
				suffix = string(chars[i+1:])
				break
			}
		}
		pl, sl := len([]rune(prefix)), len([]rune(suffix))
		activePart := ""
		if pl <= len(chars)-sl {
			activePart = string(chars[pl : len(chars)-sl])
		}
		p := parts{prefix: prefix, suffix: suffix, active: activePart, sub: sub}
		expPos := runeIndexFrom(sub, expSep, pl)
		if expPos == -1 || expPos > len(chars)-sl {
			p.mantissa = activePart
		} else {
			ar := []rune(activePart)
			p.mantissa = string(ar[:min(expPos, len(ar))])
			if expPos+1 <= len(ar) {
				p.exponent = string(ar[expPos+1:])
			}
			p.hasExponent = true
		}
		decPos := runeIndex(p.mantissa, decSep)
		if decPos == -1 {
			p.integer = p.mantissa
			p.fraction = suffix
		} else {
			mr := []rune(p.mantissa)
			p.integer = string(mr[:decPos])
			p.fraction = string(mr[decPos+1:])
		}
		return p
	}
	validate := func(p parts) {
		code := ""
		sub := p.sub
		dp := runeIndex(sub, decSep)
		if dp != runeLastIndex(sub, decSep) {
			code = "D3081"
		}
		if runeIndex(sub, percent) != runeLastIndex(sub, percent) {
			code = "D3082"
		}
		if runeIndex(sub, permille) != runeLastIndex(sub, permille) {
			code = "D3083"
		}
		if runeIndex(sub, percent) != -1 && runeIndex(sub, permille) != -1 {
			code = "D3084"
		}
		valid := false
		for _, ch := range p.mantissa {
			if isDigit(string(ch)) || string(ch) == digit {
				valid = true
				break
			}
		}
		if !valid {
			code = "D3085"
		}
		for _, ch := range p.active {
			if !isActive(string(ch)) {
				code = "D3086"
				break
			}
		}
		sr := []rune(sub)
		if dp != -1 {
			if (dp > 0 && string(sr[dp-1]) == grpSep) || (dp+1 < len(sr) && string(sr[dp+1]) == grpSep) {
				code = "D3087"
			}
		} else if ir := []rune(p.integer); len(ir) > 0 && string(ir[len(ir)-1]) == grpSep {
			code = "D3088"
		}
		if strings.Contains(sub, grpSep+grpSep) {
			code = "D3089"
		}
		if odp := runeIndex(p.integer, digit); odp != -1 {
			for _, ch := range []rune(p.integer)[:odp] {
				if isDigit(string(ch)) {
					code = "D3090"
					break
				}
			}
		}
		if odp := runeLastIndex(p.fraction, digit); odp != -1 {
			for _, ch := range []rune(p.fraction)[odp:] {
				if isDigit(string(ch)) {
					code = "D3091"
					break
				}
			}
		}
		if p.hasExponent && len(p.exponent) > 0 && (runeIndex(sub, percent) != -1 || runeIndex(sub, permille) != -1) {
			code = "D3092"
		}
		if p.hasExponent {
			bad := len(p.exponent) == 0
			for _, ch := range p.exponent {
				if !isDigit(string(ch)) {
					bad = true
				}
			}
			if bad {
				code = "D3093"
			}
		}
		if code != "" {
			throw(newError(code))
		}
	}
	type vars struct {
		intGroups                []int
		regular                  int
		minInt, scaling          int
		prefix, suffix, picture  string
		fracGroups               []int
		minFrac, maxFrac, minExp int
	}
	groupPositions := func(part, integer string, toLeft bool) []int {
		var pos []int
		pr := []rune(part)
		gp := runeIndex(part, grpSep)
		for gp != -1 {
			var seg []rune
			if toLeft {
				seg = pr[:gp]
			} else {
				seg = pr[gp:]
			}
			n := 0
			for _, ch := range seg {
				if isDigit(string(ch)) || string(ch) == digit {
					n++
				}
			}
			pos = append(pos, n)
			gp = runeIndexFrom(integer, grpSep, gp+1)
		}
		return pos
	}
	analyse := func(p parts) vars {
		v := vars{prefix: p.prefix, suffix: p.suffix, picture: p.sub}
		v.intGroups = groupPositions(p.integer, p.integer, false)
		if len(v.intGroups) > 0 {
			f := v.intGroups[0]
			for _, x := range v.intGroups[1:] {
				f = gcd(f, x)
			}
			v.regular = f
			for i := 1; i <= len(v.intGroups); i++ {
				found := false
				for _, x := range v.intGroups {
					if x == i*f {
						found = true
					}
				}
				if !found {
					v.regular = 0
					break
				}
			}
		}
		v.fracGroups = groupPositions(p.fraction, p.integer, true)
		for _, ch := range p.integer {
			if isDigit(string(ch)) {
				v.minInt++
			}
		}
		v.scaling = v.minInt
		for _, ch := range p.fraction {
			if isDigit(string(ch)) {
				v.minFrac++
			}
			if isDigit(string(ch)) || string(ch) == digit {
				v.maxFrac++
			}
		}
		if v.minInt == 0 && v.maxFrac == 0 {
			if p.hasExponent {
				v.minFrac, v.maxFrac = 1, 1
			} else {
				v.minInt = 1
			}
		}
		if p.hasExponent && v.minInt == 0 && strings.Contains(p.integer, digit) {
			v.minInt = 1
		}
		if v.minInt == 0 && v.minFrac == 0 {
			v.minFrac = 1
		}
		if p.hasExponent {
			for _, ch := range p.exponent {
				if isDigit(string(ch)) {
					v.minExp++
				}
			}
		}
		return v
	}
	var ps []parts
	for _, sp := range subPictures {
		ps = append(ps, split(sp))
	}
	for _, p := range ps {
		validate(p)
	}
	var vs []vars
	for _, p := range ps {
		vs = append(vs, analyse(p))
	}
	minus := props["minus-sign"]
	if len(vs) == 1 {
		c := vs[0]
		c.prefix = minus + c.prefix
		vs = append(vs, c)
	}
	pic := vs[0]
	if value < 0 {
		pic = vs[1]
	}
	adjusted := value
	if strings.Contains(pic.picture, percent) {
		adjusted = value * 100
	} else if strings.Contains(pic.picture, permille) {
		adjusted = value * 1000
	}
	mantissa := adjusted
	hasExp := pic.minExp != 0
	exponent := 0
	if hasExp {
		maxM := math.Pow(10, float64(pic.scaling))
		minM := math.Pow(10, float64(pic.scaling-1))
		if mantissa != 0 {
			for math.Abs(mantissa) < minM {
				mantissa *= 10
				exponent--
			}
			for math.Abs(mantissa) > maxM {
				mantissa /= 10
				exponent++
			}
		}
	}
	rounded := roundHalfEven(mantissa, float64(pic.maxFrac))
	makeString := func(v float64, dp int) string {
		s := strconv.FormatFloat(math.Abs(v), 'f', dp, 64)
		if math.Abs(v) >= 1e21 {
			s = formatJSNumber(math.Abs(v))
		}
		if zero != '0' {
			var b strings.Builder
			for _, r := range s {
				if r >= '0' && r <= '9' {
					b.WriteRune(zero + (r - '0'))
				} else {
					b.WriteRune(r)
				}
			}
			s = b.String()
		}
		return s
	}
	sv := makeString(rounded, pic.maxFrac)
	if i := strings.IndexByte(sv, '.'); i == -1 {
		sv += decSep
	} else {
		sv = sv[:i] + decSep + sv[i+1:]
	}
	zd := string(zero)
	for strings.HasPrefix(sv, zd) {
		sv = sv[len(zd):]
	}
	for strings.HasSuffix(sv, zd) {
		sv = sv[:len(sv)-len(zd)]
	}
	r := []rune(sv)
	dpos := runeIndex(sv, decSep)
	padLeft := pic.minInt - dpos
	padRight := pic.minFrac - (len(r) - dpos - 1)
	if padLeft > 0 {
		sv = strings.Repeat(zd, padLeft) + sv
	}
	if padRight > 0 {
		sv += strings.Repeat(zd, padRight)
	}
	r = []rune(sv)
	dpos = runeIndex(sv, decSep)
	if pic.regular > 0 {
		groupCount := (dpos - 1) / pic.regular
		for g := 1; g <= groupCount; g++ {
			at := dpos - g*pic.regular
			r = insertRunes(r, at, grpSep)
		}
	} else {
		for _, pos := range pic.intGroups {
			r = insertRunes(r, dpos-pos, grpSep)
			dpos++
		}
	}
	sv = string(r)
	dpos = runeIndex(sv, decSep)
	for _, pos := range pic.fracGroups {
		r = []rune(sv)
		r = insertRunes(r, pos+dpos+1, grpSep)
		sv = string(r)
	}
	dpos = runeIndex(sv, decSep)
	if !strings.Contains(pic.picture, decSep) || dpos == len([]rune(sv))-1 {
		r = []rune(sv)
		sv = string(r[:len(r)-1])
	}
	if hasExp {
		se := makeString(float64(exponent), 0)
		if pl := pic.minExp - len([]rune(se)); pl > 0 {
			se = strings.Repeat(zd, pl) + se
		}
		sign := ""
		if exponent < 0 {
			sign = minus
		}
		sv = sv + expSep + sign + se
	}
	return pic.prefix + sv + pic.suffix
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return '0'
}

// runeIndex is indexOf in code points (-1 if absent or sub is empty... as
// JavaScript: "" is found at 0).
func runeIndex(s, sub string) int {
	return runeIndexFrom(s, sub, 0)
}

func runeIndexFrom(s, sub string, from int) int {
	r := []rune(s)
	sr := []rune(sub)
	if from < 0 {
		from = 0
	}
	for i := from; i+len(sr) <= len(r); i++ {
		if string(r[i:i+len(sr)]) == sub {
			return i
		}
	}
	return -1
}

func runeLastIndex(s, sub string) int {
	r := []rune(s)
	sr := []rune(sub)
	for i := len(r) - len(sr); i >= 0; i-- {
		if string(r[i:i+len(sr)]) == sub {
			return i
		}
	}
	return -1
}
