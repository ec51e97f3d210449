package jsonata

import (
	"math"
	"strings"
)

// Integer pictures (XPath fn:format-integer) as jsonata-js implements them.

type intPrimary int

const (
	fmtDecimal intPrimary = iota
	fmtLetters
	fmtRoman
	fmtWords
	fmtSequence
)

type letterCase int

const (
	caseLower letterCase = iota
	caseUpper
	caseTitle
)

type groupSep struct {
	position  int
	character string
}

type intFormat struct {
	primary         intPrimary
	cas             letterCase
	ordinal         bool
	zeroCode        rune
	mandatoryDigits int
	optionalDigits  int
	regular         bool
	regularSep      groupSep
	separators      []groupSep
	token           string
	parseWidth      int
}

var decimalGroups = []rune{0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10}

func analyseIntegerPicture(picture string) *intFormat {
	f := &intFormat{primary: fmtDecimal, cas: caseLower}
	primary := picture
	if semi := strings.LastIndexByte(picture, ';'); semi >= 0 {
		primary = picture[:semi]
		if strings.HasPrefix(picture[semi+1:], "o") {
			f.ordinal = true
		}
	}
	switch primary {
	case "A":
		f.cas = caseUpper
		f.primary = fmtLetters
	case "a":
		f.primary = fmtLetters
	case "I":
		f.cas = caseUpper
		f.primary = fmtRoman
	case "i":
		f.primary = fmtRoman
	case "W":
		f.cas = caseUpper
		f.primary = fmtWords
	case "Ww":
		f.cas = caseTitle
		f.primary = fmtWords
	case "w":
		f.primary = fmtWords
	default:
		var zero rune = -1
		mandatory, optional, sepPos := 0, 0, 0
		var seps []groupSep
		runes := []rune(primary)
		for i := len(runes) - 1; i >= 0; i-- {
			cp := runes[i]
			digit := false
			for _, g := range decimalGroups {
				if cp >= g && cp <= g+9 {
					digit = true
					mandatory++
					sepPos++
					if zero < 0 {
						zero = g
					} else if g != zero {
						throw(newError("D3131"))
					}
					break
				}
			}
			if !digit {
				if cp == '#' {
					sepPos++
					optional++
				} else {
					seps = append(seps, groupSep{position: sepPos, character: string(cp)})
				}
			}
		}
		if mandatory > 0 {
			f.primary = fmtDecimal
			f.zeroCode = zero
			f.mandatoryDigits = mandatory
			f.optionalDigits = optional
			if r := regularRepeat(seps); r > 0 {
				f.regular = true
				f.regularSep = groupSep{position: r, character: seps[0].character}
			} else {
				f.separators = seps
			}
		} else {
			f.primary = fmtSequence
			f.token = primary
		}
	}
	return f
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func regularRepeat(seps []groupSep) int {
	if len(seps) == 0 {
		return 0
	}
	for _, s := range seps[1:] {
		if s.character != seps[0].character {
			return 0
		}
	}
	factor := seps[0].position
	for _, s := range seps[1:] {
		factor = gcd(factor, s.position)
	}
	for i := 1; i <= len(seps); i++ {
		found := false
		for _, s := range seps {
			if s.position == i*factor {
				found = true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return factor
}

var (
	fewWords     = []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
	ordinalWords = []string{"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"}
	decadeWords  = []string{"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"}
	magnitudes   = []string{"Thousand", "Million", "Billion", "Trillion"}
)

func numberToWords(value float64, ordinal bool) string {
	var lookup func(num float64, prev, ord bool) string
	lookup = func(num float64, prev, ord bool) string {
		words := ""
		switch {
		case num <= 19:
			if prev {
				words = " and "
			}
			i := int(num)
			if i < 0 || i > 19 {
				i = 0
			}
			if ord {
				words += ordinalWords[i]
			} else {
				words += fewWords[i]
			}
		case num < 100:
			tens := int(math.Floor(num / 10))
			rem := math.Mod(num, 10)
			if prev {
				words = " and "
			}
			words += decadeWords[tens-2]
			if rem > 0 {
				words += "-" + lookup(rem, false, ord)
			} else if ord {
				words = words[:len(words)-1] + "ieth"
			}
		case num < 1000:
			hundreds := int(math.Floor(num / 100))
			rem := math.Mod(num, 100)
			if prev {
				words = ", "
			}
			words += fewWords[hundreds] + " Hundred"
			if rem > 0 {
				words += lookup(rem, true, ord)
			} else if ord {
				words += "th"
			}
		default:
			mag := int(math.Floor(math.Log10(num) / 3))
			if mag > len(magnitudes) {
				mag = len(magnitudes)
			}
			factor := math.Pow(10, float64(mag*3))
			mant := math.Floor(num / factor)
			rem := num - mant*factor
			if prev {
				words = ", "
			}
			words += lookup(mant, false, false) + " " + magnitudes[mag-1]
			if rem > 0 {
				words += lookup(rem, true, ord)
			} else if ord {
				words += "th"
			}
		}
		return words
	}
	return lookup(value, false, ordinal)
}

var wordValues = func() map[string]float64 {
	m := map[string]float64{}
	for i, w := range fewWords {
		m[strings.ToLower(w)] = float64(i)
	}
	for i, w := range ordinalWords {
		m[strings.ToLower(w)] = float64(i)
	}
	for i, w := range decadeWords {
		lw := strings.ToLower(w)
		m[lw] = float64((i + 2) * 10)
		m[lw[:len(lw)-1]+"ieth"] = m[lw]
	}
	m["hundredth"] = 100
	for i, w := range magnitudes {
		lw := strings.ToLower(w)
		v := math.Pow(10, float64((i+1)*3))
		m[lw] = v
		m[lw+"th"] = v
	}
	return m
}()

func wordsToNumber(text string) float64 {
	var parts []string
	// split on ", ", " and ", whitespace or '-' / '\'
	cur := ""
	for i := 0; i < len(text); {
		switch {
		case strings.HasPrefix(text[i:], ", ") || (text[i] == ',' && i+1 < len(text) && isSpaceRune(text[i+1])):
			parts = append(parts, cur)
			cur = ""
			i += 2
		case i+4 < len(text) && isSpaceRune(text[i]) && text[i+1:i+4] == "and" && isSpaceRune(text[i+4]):
			parts = append(parts, cur)
			cur = ""
			i += 5
		case isSpaceRune(text[i]) || text[i] == '-' || text[i] == '\\':
			parts = append(parts, cur)
			cur = ""
			i++
		default:
			cur += string(text[i])
			i++
		}
	}
	parts = append(parts, cur)
	segs := []float64{0}
	for _, p := range parts {
		v, ok := wordValues[p]
		if !ok {
			v = math.NaN()
		}
		if v < 100 {
			top := segs[len(segs)-1]
			segs = segs[:len(segs)-1]
			if top >= 1000 {
				segs = append(segs, top)
				top = 0
			}
			segs = append(segs, top+v)
		} else {
			top := segs[len(segs)-1]
			segs[len(segs)-1] = top * v
		}
	}
	total := 0.0
	for _, s := range segs {
		total += s
	}
	return total
}

func isSpaceRune(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

var romanNumerals = []struct {
	v float64
	s string
}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}

func decimalToRoman(v float64) string {
	var b strings.Builder
	for v > 0 && b.Len() < 100000 {
		for _, n := range romanNumerals {
			if v >= n.v {
				b.WriteString(n.s)
				v -= n.v
				break
			}
		}
	}
	return b.String()
}

func romanToDecimal(s string) float64 {
	vals := map[byte]float64{'M': 1000, 'D': 500, 'C': 100, 'L': 50, 'X': 10, 'V': 5, 'I': 1}
	dec, max := 0.0, 1.0
	for i := len(s) - 1; i >= 0; i-- {
		v, ok := vals[s[i]]
		if !ok {
			return math.NaN()
		}
		if v < max {
			dec -= v
		} else {
			max = v
			dec += v
		}
	}
	return dec
}

func decimalToLetters(v float64, a byte) string {
	var letters []byte
	for v > 0 && len(letters) < 100000 {
		letters = append(letters, byte(math.Mod(v-1, 26))+a)
		v = math.Floor((v - 1) / 26)
	}
	for i, j := 0, len(letters)-1; i < j; i, j = i+1, j-1 {
		letters[i], letters[j] = letters[j], letters[i]
	}
	return string(letters)
}

func lettersToDecimal(s string, a byte) float64 {
	d := 0.0
	for i := 0; i < len(s); i++ {
		d += float64(int(s[len(s)-i-1])-int(a)+1) * math.Pow(26, float64(i))
	}
	return d
}

// maxPictureWidth bounds the zero padding a picture string can ask for.
const maxPictureWidth = 10000

func formatInteger(v float64, picture string) any {
	return formatIntegerWith(v, analyseIntegerPicture(picture))
}

func formatIntegerWith(v float64, f *intFormat) string {
	negative := v < 0
	v = math.Abs(v)
	var s string
	switch f.primary {
	case fmtLetters:
		a := byte('a')
		if f.cas == caseUpper {
			a = 'A'
		}
		s = decimalToLetters(v, a)
	case fmtRoman:
		s = decimalToRoman(v)
		if f.cas == caseUpper {
			s = strings.ToUpper(s)
		}
	case fmtWords:
		s = numberToWords(v, f.ordinal)
		switch f.cas {
		case caseUpper:
			s = strings.ToUpper(s)
		case caseLower:
			s = strings.ToLower(s)
		}
	case fmtDecimal:
		s = formatJSNumber(v)
		if pad := min(f.mandatoryDigits, maxPictureWidth) - utf16Len(s); pad > 0 {
			s = strings.Repeat("0", pad) + s
		}
		if f.zeroCode != 0x30 && f.zeroCode != 0 {
			var b strings.Builder
			for _, r := range s {
				b.WriteRune(r + f.zeroCode - 0x30)
			}
			s = b.String()
		}
		if f.regular {
			units := []rune(s)
			n := (len(units) - 1) / f.regularSep.position
			for ii := n; ii > 0; ii-- {
				pos := len(units) - ii*f.regularSep.position
				units = insertRunes(units, pos, f.regularSep.character)
			}
			s = string(units)
		} else {
			units := []rune(s)
			for i := len(f.separators) - 1; i >= 0; i-- {
				sep := f.separators[i]
				pos := len(units) - sep.position
				units = insertRunes(units, pos, sep.character)
			}
			s = string(units)
		}
		if f.ordinal {
			suffix := "th"
			last := s[len(s)-1]
			switch last {
			case '1':
				suffix = "st"
			case '2':
				suffix = "nd"
			case '3':
				suffix = "rd"
			}
			if len(s) > 1 && s[len(s)-2] == '1' {
				suffix = "th"
			}
			s += suffix
		}
	case fmtSequence:
		throw(newError("D3130").withValue(f.token))
	}
	if negative {
		s = "-" + s
	}
	return s
}

func insertRunes(units []rune, pos int, s string) []rune {
	if pos < 0 {
		pos = 0
	}
	if pos > len(units) {
		pos = len(units)
	}
	ins := []rune(s)
	out := make([]rune, 0, len(units)+len(ins))
	out = append(out, units[:pos]...)
	out = append(out, ins...)
	return append(out, units[pos:]...)
}

func parseInteger(value, picture string) any {
	f := analyseIntegerPicture(picture)
	r := parseIntegerWith(value, f)
	return r
}

func parseIntegerWith(value string, f *intFormat) any {
	switch f.primary {
	case fmtLetters:
		a := byte('a')
		if f.cas == caseUpper {
			a = 'A'
		}
		return numv(lettersToDecimal(value, a))
	case fmtRoman:
		if f.cas != caseUpper {
			value = strings.ToUpper(value)
		}
		return numv(romanToDecimal(value))
	case fmtWords:
		return numv(wordsToNumber(strings.ToLower(value)))
	case fmtDecimal:
		digits := value
		if f.ordinal && len(digits) >= 2 {
			digits = digits[:len(digits)-2]
		}
		if f.regular {
			digits = strings.ReplaceAll(digits, ",", "")
		} else {
			for _, s := range f.separators {
				digits = strings.ReplaceAll(digits, s.character, "")
			}
		}
		if f.zeroCode != 0x30 && f.zeroCode != 0 {
			var b strings.Builder
			for _, r := range digits {
				b.WriteRune(r - f.zeroCode + 0x30)
			}
			digits = b.String()
		}
		n, ok := jsParseFloatInt(digits)
		if !ok {
			return math.NaN()
		}
		return numv(n)
	}
	throw(newError("D3130").withValue(f.token))
	return nil
}

// jsParseFloatInt is parseInt(s) for possibly long digit strings.
func jsParseFloatInt(s string) (float64, bool) {
	s = strings.TrimLeft(s, " \t\n\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0.0
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		n = n*10 + float64(s[digits]-'0')
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}
