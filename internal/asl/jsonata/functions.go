package jsonata

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// builtins is JSONata's standard library.
var builtins = map[string]*builtin{}

type implFn = func(ev *evaluator, c callCtx, args []any) any

func def(name, sig string, arity, nparams int, impl implFn) {
	builtins[name] = &builtin{name: name, sig: mustSig(sig), arity: arity, nparams: nparams, impl: impl}
}

// isBuiltinName reports whether name is a standard library function.
func isBuiltinName(name string) bool {
	_, ok := builtins[name]
	return ok || name == "now" || name == "millis"
}

func init() {
	def("sum", "<a<n>:n>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		total := 0.0
		for _, it := range items {
			f, _ := num(it)
			total += f
		}
		return numv(total)
	})
	def("count", "<a:n>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return numv(0)
		}
		items, _ := arr(a[0])
		return numv(float64(len(items)))
	})
	minmax := func(max bool) implFn {
		return func(ev *evaluator, c callCtx, a []any) any {
			items, _ := arr(a[0])
			if a[0] == Undefined || len(items) == 0 {
				return Undefined
			}
			r := math.Inf(1)
			if max {
				r = math.Inf(-1)
			}
			for _, it := range items {
				f, _ := num(it)
				if f != f {
					return math.NaN()
				}
				if (max && f > r) || (!max && f < r) {
					r = f
				}
			}
			return numv(r)
		}
	}
	def("max", "<a<n>:n>", 1, 1, minmax(true))
	def("min", "<a<n>:n>", 1, 1, minmax(false))
	def("average", "<a<n>:n>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		items, _ := arr(a[0])
		if a[0] == Undefined || len(items) == 0 {
			return Undefined
		}
		total := 0.0
		for _, it := range items {
			f, _ := num(it)
			total += f
		}
		return numv(total / float64(len(items)))
	})
	def("string", "<x-b?:s>", 1, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		pretty, _ := a[1].(bool)
		s := fnString(a[0], pretty)
		ev.charge(len(s) / 64)
		return s
	})
	def("substring", "<s-nn?:s>", 3, 3, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		return substring(a[0].(string), a[1], a[2])
	})
	def("substringBefore", "<s-s:s>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		s := a[0].(string)
		chars := jsToString(a[1])
		if i := strings.Index(s, chars); i >= 0 {
			return s[:i]
		}
		return s
	})
	def("substringAfter", "<s-s:s>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		s := a[0].(string)
		chars := jsToString(a[1])
		if i := strings.Index(s, chars); i >= 0 {
			return s[i+len(chars):]
		}
		return s
	})
	def("lowercase", "<s-:s>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		return strings.ToLower(a[0].(string))
	})
	def("uppercase", "<s-:s>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		return jsUpper(a[0].(string))
	})
	def("length", "<s-:n>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		return numv(float64(runeCount(a[0].(string))))
	})
	def("trim", "<s-:s>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		return trim(a[0].(string))
	})
	def("pad", "<s-ns?:s>", 3, 3, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		s := a[0].(string)
		ch, _ := a[2].(string)
		if ch == "" {
			ch = " "
		}
		w, _ := num(a[1])
		w = math.Trunc(w)
		padLen := math.Abs(w) - float64(runeCount(s))
		if !(padLen > 0) {
			return s
		}
		ev.charge(int(math.Min(padLen, 1e12)))
		n := int(padLen)
		chRunes := []rune(ch)
		padRunes := make([]rune, 0, n+len(chRunes))
		for len(padRunes) < n {
			padRunes = append(padRunes, chRunes...)
		}
		padding := string(padRunes[:n])
		if w > 0 {
			return s + padding
		}
		return padding + s
	})
	def("match", "<s-f<s:o>n?:a<o>>", 3, 3, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		s := a[0].(string)
		limit := -1
		if a[2] != Undefined {
			f, _ := num(a[2])
			if f < 0 {
				e := newError("D3040").withValue(a[2])
				e.index = 3
				throw(e)
			}
			limit = clampInt(f)
		}
		result := newSeq(0)
		if limit == 0 {
			return result
		}
		for _, m := range ev.allMatches(a[1], s, limit, c.env, "match") {
			o := jsonv.NewObject(3)
			o.Members = append(o.Members,
				jsonv.Member{Key: "match", Value: m.match},
				jsonv.Member{Key: "index", Value: numv(float64(utf16Len(s[:min(m.start, len(s))])))},
				jsonv.Member{Key: "groups", Value: groupsArray(m.groups)})
			result.items = append(result.items, o)
		}
		return result
	})
	def("contains", "<s-(sf):b>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined || a[1] == Undefined {
			return Undefined
		}
		s := a[0].(string)
		if t, ok := a[1].(string); ok {
			return strings.Contains(s, t)
		}
		if r, ok := a[1].(*regexFn); ok {
			return r.re.MatchString(s)
		}
		return ev.evalMatcher(a[1], []any{s}, c.env, "contains") != Undefined
	})
	def("replace", "<s-(sf)(sf)n?:s>", 4, 4, fnReplace)
	def("split", "<s-(sf)n?:a<s>>", 3, 3, fnSplit)
	def("join", "<a<s>s?:s>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		sep := ""
		if a[1] != Undefined {
			sep, _ = a[1].(string)
		}
		var b strings.Builder
		for i, it := range items {
			if i > 0 {
				b.WriteString(sep)
			}
			s, _ := it.(string)
			b.WriteString(s)
		}
		return b.String()
	})
	def("formatNumber", "<n-so?:s>", 3, 3, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		f, _ := num(a[0])
		pic, _ := a[1].(string)
		opts, _ := a[2].(*jsonv.Object)
		return formatNumber(f, pic, opts)
	})
	def("formatBase", "<n-n?:s>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		f, _ := num(a[0])
		v := roundHalfEven(f, 0)
		radix := 10.0
		if a[1] != Undefined {
			r, _ := num(a[1])
			radix = roundHalfEven(r, 0)
		}
		if radix < 2 || radix > 36 {
			throw(newError("D3100").withValue(radix))
		}
		return formatRadix(v, int(radix))
	})
	def("formatInteger", "<n-s:s>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		f, _ := num(a[0])
		pic, _ := a[1].(string)
		return formatInteger(math.Floor(f), pic)
	})
	def("parseInteger", "<s-s:n>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		pic, _ := a[1].(string)
		return parseInteger(a[0].(string), pic)
	})
	def("number", "<(nsb)-:n>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		return toNumber(a[0])
	})
	unaryMath := func(f func(float64) float64) implFn {
		return func(ev *evaluator, c callCtx, a []any) any {
			if a[0] == Undefined {
				return Undefined
			}
			x, _ := num(a[0])
			return numv(f(x))
		}
	}
	def("floor", "<n-:n>", 1, 1, unaryMath(math.Floor))
	def("ceil", "<n-:n>", 1, 1, unaryMath(math.Ceil))
	def("abs", "<n-:n>", 1, 1, unaryMath(math.Abs))
	def("round", "<n-n?:n>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		x, _ := num(a[0])
		p, _ := num(a[1])
		return numv(roundHalfEven(x, p))
	})
	def("sqrt", "<n-:n>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		x, _ := num(a[0])
		if x < 0 {
			e := newError("D3060").withValue(a[0])
			e.index = 1
			throw(e)
		}
		return numv(math.Sqrt(x))
	})
	def("power", "<n-n:n>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		x, _ := num(a[0])
		y, _ := num(a[1])
		r := jsPow(x, y)
		if math.IsInf(r, 0) || math.IsNaN(r) {
			e := newError("D3061").withValue(a[0])
			e.exp = a[1]
			e.index = 1
			throw(e)
		}
		return numv(r)
	})
	def("random", "<:n>", 0, 0, func(ev *evaluator, c callCtx, a []any) any {
		return rand.Float64()
	})
	def("boolean", "<x-:b>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		b, ok := boolean(a[0])
		if !ok {
			return Undefined
		}
		return b
	})
	def("not", "<x-:b>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		b, ok := boolean(a[0])
		if !ok {
			return Undefined
		}
		return !b
	})
	def("map", "<af>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		result := newSeq(len(items))
		for i, it := range items {
			res := ev.callFn(a[1], hofArgs(a[1], it, numv(float64(i)), a[0]), c.env)
			if res != Undefined {
				result.items = append(result.items, res)
			}
		}
		return result
	})
	def("filter", "<af>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		result := newSeq(0)
		for i, it := range items {
			res := ev.callFn(a[1], hofArgs(a[1], it, numv(float64(i)), a[0]), c.env)
			if truthy(res) {
				result.items = append(result.items, it)
			}
		}
		return result
	})
	def("single", "<af?>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		found := false
		var result any = Undefined
		for i, it := range items {
			ok := true
			if a[1] != Undefined {
				ok = truthy(ev.callFn(a[1], hofArgs(a[1], it, numv(float64(i)), a[0]), c.env))
			}
			if ok {
				if found {
					e := newError("D3138")
					e.index = i
					throw(e)
				}
				result = it
				found = true
			}
		}
		if !found {
			throw(newError("D3139"))
		}
		return result
	})
	def("zip", "<a+>", 0, 0, func(ev *evaluator, c callCtx, a []any) any {
		n := math.MaxInt
		for _, x := range a {
			items, ok := arr(x)
			if !ok {
				n = 0
			} else if len(items) < n {
				n = len(items)
			}
		}
		if len(a) == 0 {
			n = 0
		}
		result := make([]any, 0, n)
		for i := 0; i < n; i++ {
			t := make([]any, len(a))
			for j, x := range a {
				items, _ := arr(x)
				t[j] = items[i]
			}
			result = append(result, t)
		}
		return result
	})
	def("reduce", "<afj?:j>", 3, 3, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		ar := arity(a[1])
		if ar < 2 {
			e := newError("D3050")
			e.index = 1
			throw(e)
		}
		var result any
		i := 0
		if a[2] == Undefined && len(items) > 0 {
			result = items[0]
			i = 1
		} else {
			result = a[2]
		}
		for ; i < len(items); i++ {
			args := []any{result, items[i]}
			if ar >= 3 {
				args = append(args, numv(float64(i)))
			}
			if ar >= 4 {
				args = append(args, a[0])
			}
			result = ev.callFn(a[1], args, c.env)
		}
		return result
	})
	def("sift", "<o-f?:o>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		o, _ := a[0].(*jsonv.Object)
		result := jsonv.NewObject(0)
		if o != nil {
			for _, m := range o.Members {
				res := ev.callFn(a[1], hofArgs(a[1], m.Value, m.Key, o), c.env)
				if truthy(res) {
					result.Members = append(result.Members, m)
				}
			}
		}
		if result.Len() == 0 {
			return Undefined
		}
		return result
	})
	def("keys", "<x-:a<s>>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		return keysOf(a[0])
	})
	def("lookup", "<x-s:x>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		k, _ := a[1].(string)
		return lookupField(a[0], k)
	})
	def("append", "<xx:a>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		ai, _ := arr(a[0])
		bi, _ := arr(a[1])
		ev.charge((len(ai) + len(bi)) / 8)
		return appendValues(a[0], a[1])
	})
	def("exists", "<x:b>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		return a[0] != Undefined
	})
	def("spread", "<x-:a<o>>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		return spread(a[0])
	})
	def("merge", "<a<o>:o>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		result := jsonv.NewObject(0)
		for _, it := range items {
			if o, ok := it.(*jsonv.Object); ok {
				for _, m := range o.Members {
					result.Set(m.Key, m.Value)
				}
			}
		}
		return result
	})
	def("reverse", "<a:a>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		if len(items) <= 1 {
			return a[0]
		}
		out := make([]any, len(items))
		for i, it := range items {
			out[len(items)-1-i] = it
		}
		return out
	})
	def("each", "<o-f:a>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		result := newSeq(0)
		if o, ok := a[0].(*jsonv.Object); ok {
			for _, m := range o.Members {
				v := ev.callFn(a[1], hofArgs(a[1], m.Value, m.Key, o), c.env)
				if v != Undefined {
					result.items = append(result.items, v)
				}
			}
		}
		return result
	})
	def("error", "<s?:x>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		msg, _ := a[0].(string)
		if msg == "" {
			msg = "$error() function evaluated"
		}
		throw(&Error{Code: "D3137", Message: msg, custom: true})
		return nil
	})
	def("assert", "<bs?:x>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if b, _ := a[0].(bool); !b {
			msg, _ := a[1].(string)
			if msg == "" {
				msg = "$assert() statement failed"
			}
			throw(&Error{Code: "D3141", Message: msg, custom: true})
		}
		return Undefined
	})
	def("type", "<x:s>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		v := a[0]
		switch v.(type) {
		case undefinedType:
			return Undefined
		case nil:
			return "null"
		case string:
			return "string"
		case bool:
			return "boolean"
		case *lambda, *builtin, *regexFn:
			return "function"
		case []any, *seq:
			return "array"
		}
		if isNumeric(v) {
			return "number"
		}
		return "object"
	})
	def("sort", "<af?:a>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		if len(items) <= 1 {
			return a[0]
		}
		var swap func(x, y any) bool
		if a[1] == Undefined {
			nums := isArrayOfNumbers(a[0])
			if !nums && !isArrayOfStrings(a[0]) {
				e := newError("D3070")
				e.index = 1
				throw(e)
			}
			if nums {
				swap = func(x, y any) bool {
					fx, _ := num(x)
					fy, _ := num(y)
					return fx > fy
				}
			} else {
				swap = func(x, y any) bool { return compareStrings(x.(string), y.(string)) > 0 }
			}
		} else {
			fn := a[1]
			swap = func(x, y any) bool { return truthyLookup(ev.callFn(fn, []any{x, y}, c.env)) }
		}
		return ev.mergeSort(items, swap)
	})
	def("shuffle", "<a:a>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, _ := arr(a[0])
		if len(items) <= 1 {
			return a[0]
		}
		out := make([]any, len(items))
		for i := range items {
			j := rand.IntN(i + 1)
			if i != j {
				out[i] = out[j]
			}
			out[j] = items[i]
		}
		return out
	})
	def("distinct", "<x:x>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		items, ok := arr(a[0])
		if !ok || len(items) <= 1 {
			return a[0]
		}
		return distinct(ev, items, isSequence(a[0]))
	})
	def("base64encode", "<s-:s>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		s := a[0].(string)
		b := make([]byte, 0, len(s))
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u))
		}
		return base64.StdEncoding.EncodeToString(b)
	})
	def("base64decode", "<s-:s>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		return base64DecodeLatin1(a[0].(string))
	})
	def("encodeUrlComponent", "<s-:s>", 1, 1, urlFn("encodeUrlComponent", func(s string) (string, bool) { return encodeURI(s, uriUnreservedComponent) }))
	def("encodeUrl", "<s-:s>", 1, 1, urlFn("encodeUrl", func(s string) (string, bool) { return encodeURI(s, uriUnreservedFull) }))
	def("decodeUrlComponent", "<s-:s>", 1, 1, urlFn("decodeUrlComponent", func(s string) (string, bool) { return decodeURI(s, "") }))
	def("decodeUrl", "<s-:s>", 1, 1, urlFn("decodeUrl", func(s string) (string, bool) { return decodeURI(s, ";/?:@&=+$,#") }))
	def("eval", "<sx?:x>", 2, 2, fnEval)
	def("toMillis", "<s-s?:n>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		s := a[0].(string)
		if a[1] == Undefined {
			return toMillisISO(s)
		}
		pic, _ := a[1].(string)
		return ev.parseDateTime(s, pic)
	})
	def("fromMillis", "<n-s?s?:s>", 3, 3, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		f, _ := num(a[0])
		return ev.fromMillis(f, a[1], a[2])
	})
	def("clone", "<(oa)-:o>", 1, 1, func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		return cloneValue(a[0])
	})
	def("now", "<s?s?:s>", 2, 2, func(ev *evaluator, c callCtx, a []any) any {
		return ev.fromMillis(float64(ev.now.UnixMilli()), a[0], a[1])
	})
	def("millis", "<:n>", 0, 0, func(ev *evaluator, c callCtx, a []any) any {
		return float64(ev.now.UnixMilli())
	})
}

func clampInt(f float64) int {
	if f > 1e9 {
		return 1e9
	}
	if f < 0 {
		return 0
	}
	return int(f)
}

func groupsArray(groups []any) []any {
	out := make([]any, len(groups))
	copy(out, groups)
	return out
}

// fnString is fn.string.
func fnString(v any, pretty bool) string {
	switch t := v.(type) {
	case string:
		return t
	case *lambda, *builtin, *regexFn:
		return ""
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			throw(newError("D3001").withValue(t))
		}
	case jsonv.Number:
		f := t.Float64()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			throw(newError("D3001").withValue(f))
		}
	}
	s, _ := jsonStringify(v, pretty, true)
	return s
}

// jsToString is String(v) for an argument that should be a string.
func jsToString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case undefinedType:
		return "undefined"
	case nil:
		return "null"
	}
	return fnString(v, false)
}

func jsUpper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	return strings.ToUpper(strings.ReplaceAll(s, "ß", "SS"))
}

// jsSliceIndex converts a JavaScript slice index.
func jsSliceIndex(f float64, n int) int {
	if f != f {
		return 0
	}
	f = math.Trunc(f)
	if f < 0 {
		f += float64(n)
		if f < 0 {
			return 0
		}
		return int(f)
	}
	if f > float64(n) {
		return n
	}
	return int(f)
}

func substring(s string, startv, lengthv any) any {
	runes := []rune(s)
	n := len(runes)
	start, _ := num(startv)
	if float64(n)+start < 0 {
		start = 0
	}
	if lengthv != Undefined {
		length, _ := num(lengthv)
		if length <= 0 {
			return ""
		}
		var end float64
		if start >= 0 {
			end = start + length
		} else {
			end = float64(n) + start + length
		}
		a, b := jsSliceIndex(start, n), jsSliceIndex(end, n)
		if a >= b {
			return ""
		}
		return string(runes[a:b])
	}
	return string(runes[jsSliceIndex(start, n):])
}

func trim(s string) string {
	var b strings.Builder
	inSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			if !inSpace {
				b.WriteByte(' ')
				inSpace = true
			}
			continue
		}
		inSpace = false
		b.WriteByte(c)
	}
	r := b.String()
	r = strings.TrimPrefix(r, " ")
	r = strings.TrimSuffix(r, " ")
	return r
}

// jsParseInt is parseInt(s, 10): leading whitespace, optional sign, digits.
func jsParseInt(s string) (int, bool) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n, digits := 0, 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		n = n*10 + int(s[digits]-'0')
		digits++
		if n > 1e9 {
			break
		}
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func fnReplace(ev *evaluator, c callCtx, a []any) any {
	if a[0] == Undefined {
		return Undefined
	}
	s := a[0].(string)
	if p, ok := a[1].(string); ok && p == "" {
		e := newError("D3010").withValue(p)
		e.index = 2
		throw(e)
	}
	limit := -1
	if a[3] != Undefined {
		f, _ := num(a[3])
		if f < 0 {
			e := newError("D3011").withValue(a[3])
			e.index = 4
			throw(e)
		}
		limit = clampInt(math.Ceil(f))
	}
	if limit == 0 {
		return s
	}
	if p, ok := a[1].(string); ok {
		repl := jsToString(a[2])
		if _, isFn := a[2].(string); !isFn && isFunction(a[2]) {
			repl = ""
		}
		var b strings.Builder
		pos, count := 0, 0
		for limit < 0 || count < limit {
			i := strings.Index(s[pos:], p)
			if i < 0 {
				break
			}
			b.WriteString(s[pos : pos+i])
			b.WriteString(repl)
			pos += i + len(p)
			count++
			ev.charge(1)
		}
		b.WriteString(s[pos:])
		return b.String()
	}
	ms := ev.allMatches(a[1], s, limit, c.env, "replace")
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	pos := 0
	for _, m := range ms {
		if m.start > len(s) || m.start < pos {
			break
		}
		b.WriteString(s[pos:m.start])
		var rep any
		if t, ok := a[2].(string); ok {
			rep = expandReplacement(t, m)
		} else {
			mo := jsonv.NewObject(4)
			mo.Members = append(mo.Members,
				jsonv.Member{Key: "match", Value: m.match},
				jsonv.Member{Key: "start", Value: numv(float64(utf16Len(s[:m.start])))},
				jsonv.Member{Key: "end", Value: numv(float64(utf16Len(s[:m.start]) + utf16Len(m.match)))},
				jsonv.Member{Key: "groups", Value: groupsArray(m.groups)})
			rep = ev.callFn(a[2], []any{mo}, c.env)
		}
		rs, ok := rep.(string)
		if !ok {
			throw(newError("D3012").withValue(rep))
		}
		b.WriteString(rs)
		pos = m.start + len(m.match)
		if pos > len(s) {
			pos = len(s)
		}
	}
	b.WriteString(s[pos:])
	return b.String()
}

// expandReplacement substitutes $0, $n and $$ in a replacement string.
func expandReplacement(repl string, m regexMatch) string {
	var b strings.Builder
	pos := 0
	idx := strings.IndexByte(repl, '$')
	for idx != -1 && pos < len(repl) {
		b.WriteString(repl[pos:idx])
		pos = idx + 1
		var dv byte
		if pos < len(repl) {
			dv = repl[pos]
		}
		switch {
		case dv == '$':
			b.WriteByte('$')
			pos++
		case dv == '0':
			b.WriteString(m.match)
			pos++
		default:
			maxDigits := 1
			if len(m.groups) > 0 {
				maxDigits = int(math.Floor(math.Log10(float64(len(m.groups))))) + 1
			}
			end := min(pos+maxDigits, len(repl))
			index, ok := jsParseInt(repl[pos:end])
			if maxDigits > 1 && index > len(m.groups) {
				end = min(pos+maxDigits-1, len(repl))
				index, ok = jsParseInt(repl[pos:end])
			}
			if ok {
				if len(m.groups) > 0 && index >= 1 && index <= len(m.groups) {
					if g, ok := m.groups[index-1].(string); ok {
						b.WriteString(g)
					}
				}
				pos += len(strconv.Itoa(index))
			} else {
				b.WriteByte('$')
			}
		}
		if pos > len(repl) {
			pos = len(repl)
		}
		idx = strings.IndexByte(repl[pos:], '$')
		if idx >= 0 {
			idx += pos
		}
	}
	if pos < len(repl) {
		b.WriteString(repl[pos:])
	}
	return b.String()
}

func fnSplit(ev *evaluator, c callCtx, a []any) any {
	if a[0] == Undefined {
		return Undefined
	}
	s := a[0].(string)
	limit := -1
	if a[2] != Undefined {
		f, _ := num(a[2])
		if f < 0 {
			e := newError("D3020").withValue(a[2])
			e.index = 3
			throw(e)
		}
		limit = clampInt(f)
	}
	result := []any{}
	if limit == 0 {
		return result
	}
	if sep, ok := a[1].(string); ok {
		var parts []string
		if sep == "" {
			for _, r := range s {
				parts = append(parts, string(r))
			}
		} else {
			parts = strings.Split(s, sep)
		}
		if limit >= 0 && len(parts) > limit {
			parts = parts[:limit]
		}
		ev.charge(len(parts) / 8)
		for _, p := range parts {
			result = append(result, p)
		}
		return result
	}
	ms := ev.allMatches(a[1], s, limit, c.env, "split")
	if len(ms) == 0 {
		return []any{s}
	}
	start := 0
	count := 0
	for _, m := range ms {
		if m.start < start || m.start > len(s) {
			break
		}
		result = append(result, s[start:m.start])
		start = m.end
		if start > len(s) {
			start = len(s)
		}
		count++
	}
	if limit < 0 || count < limit {
		result = append(result, s[start:])
	}
	return result
}

// toNumber is $number.
func toNumber(v any) any {
	switch t := v.(type) {
	case undefinedType:
		return Undefined
	case float64, jsonv.Number:
		return t
	case bool:
		if t {
			return numv(1)
		}
		return numv(0)
	case string:
		if isDecimalLiteral(t) {
			f, err := strconv.ParseFloat(t, 64)
			if err == nil && !math.IsInf(f, 0) {
				return numv(f)
			}
		}
		if len(t) > 2 && t[0] == '0' {
			base := 0
			switch t[1] {
			case 'x', 'X':
				base = 16
			case 'o', 'O':
				base = 8
			case 'b', 'B':
				base = 2
			}
			if base != 0 {
				if u, err := strconv.ParseUint(t[2:], base, 64); err == nil {
					return numv(float64(u))
				}
			}
		}
	}
	e := newError("D3030").withValue(v)
	e.index = 1
	throw(e)
	return nil
}

// isDecimalLiteral matches ^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$.
func isDecimalLiteral(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	d := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(s)
}

// roundHalfEven is $round: round half to even at the given number of
// decimal places, shifting the decimal point in the number's text as
// jsonata-js does.
func roundHalfEven(x, precision float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	shift := func(v float64, by float64) float64 {
		s := formatJSNumber(v)
		mant, exp, found := strings.Cut(s, "e")
		e := by
		if found {
			ex, _ := strconv.ParseFloat(exp, 64)
			e += ex
		}
		r, err := strconv.ParseFloat(mant+"e"+formatJSNumber(e), 64)
		if err != nil {
			return math.Inf(1)
		}
		return r
	}
	p := precision
	if p != p {
		p = 0
	}
	if p != 0 {
		x = shift(x, p)
	}
	r := math.Floor(x)
	if x-r >= 0.5 {
		r++
	}
	if math.Abs(r-x) == 0.5 && math.Abs(math.Mod(r, 2)) == 1 {
		r--
	}
	if p != 0 {
		r = shift(r, -p)
	}
	if r == 0 {
		r = 0
	}
	return r
}

func jsPow(x, y float64) float64 {
	if math.IsNaN(y) {
		return math.NaN()
	}
	if (x == 1 || x == -1) && math.IsInf(y, 0) {
		return math.NaN()
	}
	return math.Pow(x, y)
}

func formatRadix(v float64, radix int) string {
	if math.Abs(v) < 1<<62 {
		return strconv.FormatInt(int64(v), radix)
	}
	return formatJSNumber(v)
}

func keysOf(v any) any {
	result := newSeq(0)
	if items, ok := arr(v); ok {
		seen := map[string]bool{}
		for _, it := range items {
			if o, ok := it.(*jsonv.Object); ok {
				for _, m := range o.Members {
					if !seen[m.Key] {
						seen[m.Key] = true
						result.items = append(result.items, m.Key)
					}
				}
			}
		}
		return result
	}
	if o, ok := v.(*jsonv.Object); ok {
		for _, m := range o.Members {
			result.items = append(result.items, m.Key)
		}
	}
	return result
}

func spread(v any) any {
	if items, ok := arr(v); ok {
		// result = $append(result, spread(item)) for each item, in linear time
		var out []any
		appended := false
		for _, it := range items {
			sv := spread(it)
			if sv == Undefined {
				continue
			}
			appended = true
			if a, ok := arr(sv); ok {
				out = append(out, a...)
			} else {
				out = append(out, sv)
			}
		}
		if !appended {
			return newSeq(0)
		}
		if out == nil {
			out = []any{}
		}
		return out
	}
	if o, ok := v.(*jsonv.Object); ok {
		result := newSeq(o.Len())
		for _, m := range o.Members {
			one := jsonv.NewObject(1)
			one.Members = append(one.Members, m)
			result.items = append(result.items, one)
		}
		return result
	}
	return v
}

func distinct(ev *evaluator, items []any, sequence bool) any {
	var out []any
	seen := map[string]bool{}
	var b []byte
	for _, it := range items {
		key := ""
		switch t := it.(type) {
		case string:
			key = "s" + t
		case bool:
			if t {
				key = "t"
			} else {
				key = "f"
			}
		case nil:
			key = "l"
		case float64, jsonv.Number:
			f, _ := num(t)
			b = strconv.AppendFloat(b[:0], f, 'g', -1, 64)
			key = "n" + string(b)
		}
		if key != "" {
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, it)
			continue
		}
		dup := false
		for _, o := range out {
			ev.charge(1)
			if deepEqual(it, o) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, it)
		}
	}
	if sequence {
		return &seq{items: out, sequence: true}
	}
	if out == nil {
		out = []any{}
	}
	return out
}

func base64DecodeLatin1(s string) string {
	var clean []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-':
			clean = append(clean, '+')
		case c == '_':
			clean = append(clean, '/')
		case c == '=':
			i = len(s)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	dec, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, c := range dec {
		b.WriteRune(rune(c))
	}
	return b.String()
}

const (
	uriUnreservedComponent = "-_.!~*'()"
	uriUnreservedFull      = "-_.!~*'();/?:@&=+$,#"
)

func urlFn(name string, f func(string) (string, bool)) implFn {
	return func(ev *evaluator, c callCtx, a []any) any {
		if a[0] == Undefined {
			return Undefined
		}
		r, ok := f(a[0].(string))
		if !ok {
			e := newError("D3140").withValue(a[0])
			e.fname = name
			throw(e)
		}
		return r
	}
}

func encodeURI(s string, keep string) (string, bool) {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return "", false
		}
		for j := 0; j < size; j++ {
			b.WriteByte('%')
			b.WriteByte(hex[s[i+j]>>4])
			b.WriteByte(hex[s[i+j]&15])
		}
		i += size
	}
	return b.String(), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeURI decodes %XX escapes forming UTF-8; escapes of characters in
// reserved are kept as written (decodeURI), none for decodeURIComponent.
func decodeURI(s string, reserved string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		readByte := func(at int) (byte, bool) {
			if at+2 >= len(s) || s[at] != '%' {
				return 0, false
			}
			h, ok1 := unhex(s[at+1])
			l, ok2 := unhex(s[at+2])
			if !ok1 || !ok2 {
				return 0, false
			}
			return h<<4 | l, true
		}
		c, ok := readByte(i)
		if !ok {
			return "", false
		}
		if c < 0x80 {
			if strings.IndexByte(reserved, c) >= 0 {
				b.WriteString(s[i : i+3])
			} else {
				b.WriteByte(c)
			}
			i += 3
			continue
		}
		n := 0
		switch {
		case c&0xE0 == 0xC0:
			n = 2
		case c&0xF0 == 0xE0:
			n = 3
		case c&0xF8 == 0xF0:
			n = 4
		default:
			return "", false
		}
		buf := []byte{c}
		for k := 1; k < n; k++ {
			cb, ok := readByte(i + 3*k)
			if !ok || cb&0xC0 != 0x80 {
				return "", false
			}
			buf = append(buf, cb)
		}
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError || size != n {
			return "", false
		}
		b.Write(buf)
		i += 3 * n
	}
	return b.String(), true
}

func fnEval(ev *evaluator, c callCtx, a []any) any {
	if a[0] == Undefined {
		return Undefined
	}
	input := c.input
	if a[1] != Undefined {
		input = a[1]
		if items, ok := a[1].([]any); ok {
			input = &seq{items: []any{items}, sequence: true, outerWrapper: true}
		}
	}
	src := a[0].(string)
	var ast *node
	func() {
		defer func() {
			if r := recover(); r != nil {
				e, ok := r.(*Error)
				if !ok {
					panic(r)
				}
				e.finish()
				throw(&Error{Code: "D3120", Value: e.Message, Position: e.Position})
			}
		}()
		ast = parse(src)
	}()
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok || e.Code == codeStackOverflow {
				panic(r)
			}
			e.finish()
			throw(&Error{Code: "D3121", Value: e.Message})
		}
	}()
	return ev.eval(ast, input, c.env)
}
