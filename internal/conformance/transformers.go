package conformance

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyCall is one snapshot transformer as the recorder printed it: a Python
// call expression such as RegexTransformer('a', 'b', replace_reference=...).
type pyCall struct {
	Name string  // dotted callee, e.g. "sfn_snapshot.transform.sfn_sm_exec_arn"
	Args []pyArg // positional and keyword arguments in order
}

// pyArg is one argument of a pyCall. Str is set when the argument is a
// Python string literal; Raw always holds the argument's source text.
type pyArg struct {
	Keyword string // "" for a positional argument
	Raw     string
	Str     string
	IsStr   bool
}

// parsePyCall parses a Python call expression of the shape the recorder
// prints. Arguments are split at top-level commas; string literals are
// decoded, anything else is kept as source text.
func parsePyCall(s string) (pyCall, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return pyCall{}, fmt.Errorf("parse transformer %q: not a call", s)
	}
	name := strings.TrimSpace(s[:open])
	for _, part := range strings.Split(name, ".") {
		if !isPyIdent(part) {
			return pyCall{}, fmt.Errorf("parse transformer %q: bad callee %q", s, name)
		}
	}
	body := s[open+1 : len(s)-1]
	raws, err := splitPyArgs(body)
	if err != nil {
		return pyCall{}, fmt.Errorf("parse transformer %q: %w", s, err)
	}
	call := pyCall{Name: name}
	for _, raw := range raws {
		var a pyArg
		if eq := keywordSplit(raw); eq > 0 {
			a.Keyword = strings.TrimSpace(raw[:eq])
			raw = strings.TrimSpace(raw[eq+1:])
		}
		a.Raw = raw
		if str, rest, err := pyString(raw); err == nil && strings.TrimSpace(rest) == "" {
			a.Str, a.IsStr = str, true
		}
		call.Args = append(call.Args, a)
	}
	return call, nil
}

// keywordSplit returns the index of the '=' of a "name=value" argument, or -1.
func keywordSplit(raw string) int {
	i := 0
	for i < len(raw) && (isIdentByte(raw[i])) {
		i++
	}
	j := i
	for j < len(raw) && raw[j] == ' ' {
		j++
	}
	if i > 0 && j < len(raw) && raw[j] == '=' && (j+1 >= len(raw) || raw[j+1] != '=') {
		return j
	}
	return -1
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isPyIdent(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}

// splitPyArgs splits an argument list at commas outside brackets and quotes.
func splitPyArgs(body string) ([]string, error) {
	var args []string
	depth, start := 0, 0
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '\'', '"':
			_, rest, err := pyString(body[i:])
			if err != nil {
				return nil, err
			}
			i = len(body) - len(rest) - 1
		case '(', '[', '{', '<':
			depth++
		case ')', ']', '}', '>':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced %q at %d", c, i)
			}
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(body[start:i]))
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, errors.New("unbalanced brackets")
	}
	if last := strings.TrimSpace(body[start:]); last != "" || len(args) > 0 {
		args = append(args, last)
	}
	return args, nil
}

// pyString decodes the Python string literal at the start of s (as repr
// writes it: single or double quotes, backslash escapes) and returns the
// text after it.
func pyString(s string) (string, string, error) {
	if s == "" || s[0] != '\'' && s[0] != '"' {
		return "", s, errors.New("not a string literal")
	}
	q := s[0]
	var sb strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == q:
			return sb.String(), s[i+1:], nil
		case c == '\n':
			return "", s, errors.New("newline in string literal")
		case c != '\\':
			sb.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		e := s[i+1]
		i += 2
		switch e {
		case '\\', '\'', '"':
			sb.WriteByte(e)
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case '0':
			sb.WriteByte(0)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n > len(s) {
				return "", s, errors.New("short escape")
			}
			r, err := strconv.ParseUint(s[i:i+n], 16, 32)
			if err != nil || !utf8.ValidRune(rune(r)) {
				return "", s, fmt.Errorf("bad escape \\%c%s", e, s[i:i+n])
			}
			sb.WriteRune(rune(r))
			i += n
		default:
			// Python keeps unknown escapes as written.
			sb.WriteByte('\\')
			sb.WriteByte(e)
		}
	}
	return "", s, errors.New("unterminated string literal")
}

// plan is what Normalize and Compare need from a case's snapshot
// transformers.
type plan struct {
	roleTokens []string // RegexTransformer(sfn_role_arn, X): role ARN -> X
	regexes    []regexRule
	smIdx      []int // sfn_sm_create_arn(..., i)
	execIdx    []int // sfn_sm_exec_arn(..., i)
	expressIdx []int // sfn_sm_express_exec_arn(..., i)
	syncIdx    []int // sfn_sm_sync_exec_arn(..., i)
	// resourceName: resource_name() replaces the resource name of every ARN
	// value by <resource:N>.
	resourceName bool
	keyValues    []keyValueRule
	// opaque holds whole-value placeholders written by transformers whose
	// pattern or path the recording elided or that depend on values only the
	// recording test knew; in Compare they match any scalar.
	opaque       []string
	tokens       []string // extra <...> replacement tokens treated as wildcards
	parallel     bool     // SfnNoneRecursiveParallelTransformer
	sortVarRefs  bool     // _SfnSortVariableReferences
	outputToJSON bool     // GenericTransformer(<_convert_output_to_json>)
	unknown      []string // transformers not understood (ignored)
}

type regexRule struct {
	re   *regexp.Regexp
	repl string
}

type keyValueRule struct {
	key, repl string
}

// elidedPlaceholders are the replacements written by the JsonpathTransformer
// calls whose arguments the recording printed as "..." (context object
// StartTime/EnteredTime and a Map Run ARN).
var elidedPlaceholders = []string{"start-time", "entered-time", "map_run_arn"}

// parsePlan interprets the transformers. Unknown ones are remembered and
// otherwise ignored.
func parsePlan(transformers []string) *plan {
	p := &plan{}
	for _, t := range transformers {
		call, err := parsePyCall(t)
		if err != nil {
			p.unknown = append(p.unknown, t)
			continue
		}
		if !p.add(call) {
			p.unknown = append(p.unknown, t)
		}
	}
	return p
}

func (p *plan) add(call pyCall) bool {
	short := call.Name[strings.LastIndexByte(call.Name, '.')+1:]
	arg := func(i int) (pyArg, bool) {
		if i < len(call.Args) {
			return call.Args[i], true
		}
		return pyArg{}, false
	}
	index := func() (int, bool) {
		a, ok := arg(1)
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(a.Raw)
		return n, err == nil && n >= 0
	}
	switch short {
	case "RegexTransformer":
		pat, ok1 := arg(0)
		repl, ok2 := arg(1)
		if !ok1 || !ok2 || !repl.IsStr {
			return false
		}
		switch {
		case pat.Raw == "sfn_role_arn":
			p.roleTokens = append(p.roleTokens, repl.Str)
		case pat.IsStr && !strings.Contains(pat.Str, "${"):
			re, err := compilePyRegex(pat.Str)
			if err != nil {
				p.addOpaque(repl.Str)
				return false
			}
			p.regexes = append(p.regexes, regexRule{re: re, repl: repl.Str})
		default:
			// The pattern is a value only the recording test knew.
			p.addOpaque(repl.Str)
		}
		return true
	case "JsonpathTransformer":
		repl, ok := arg(1)
		if !ok || !repl.IsStr {
			for _, s := range elidedPlaceholders {
				p.addOpaque(s)
			}
			return true
		}
		p.addOpaque(repl.Str)
		return true
	case "sfn_sm_create_arn", "sfn_sm_exec_arn", "sfn_sm_express_exec_arn", "sfn_sm_sync_exec_arn":
		i, ok := index()
		if !ok {
			return false
		}
		dst := map[string]*[]int{
			"sfn_sm_create_arn":       &p.smIdx,
			"sfn_sm_exec_arn":         &p.execIdx,
			"sfn_sm_express_exec_arn": &p.expressIdx,
			"sfn_sm_sync_exec_arn":    &p.syncIdx,
		}[short]
		if !slices.Contains(*dst, i) {
			*dst = append(*dst, i)
			slices.Sort(*dst)
		}
		return true
	case "resource_name":
		p.resourceName = true
		return true
	case "key_value":
		key, ok1 := arg(0)
		repl, ok2 := arg(1)
		if !ok1 || !key.IsStr || !ok2 || !repl.IsStr {
			return false
		}
		p.keyValues = append(p.keyValues, keyValueRule{key: key.Str, repl: repl.Str})
		p.addOpaque(repl.Str)
		return true
	case "SfnNoneRecursiveParallelTransformer":
		p.parallel = true
		return true
	case "_SfnSortVariableReferences":
		p.sortVarRefs = true
		return true
	case "GenericTransformer":
		a, ok := arg(0)
		if ok && strings.Contains(a.Raw, "_convert_output_to_json") {
			p.outputToJSON = true
			return true
		}
		return false
	}
	return false
}

func (p *plan) addOpaque(s string) {
	if tokenRE.MatchString(s) && tokenRE.FindString(s) == s {
		if !slices.Contains(p.tokens, s) {
			p.tokens = append(p.tokens, s)
		}
		return
	}
	if !slices.Contains(p.opaque, s) {
		p.opaque = append(p.opaque, s)
	}
}

// compilePyRegex compiles a Python regular expression with Go's regexp,
// rewriting the one construct the recorded patterns use that RE2 rejects: a
// '-' written after a range inside a character class.
func compilePyRegex(pat string) (*regexp.Regexp, error) {
	if re, err := regexp.Compile(pat); err == nil {
		return re, nil
	}
	return regexp.Compile(fixClassDashes(pat))
}

// fixClassDashes moves literal dashes that follow a range in a character
// class to the end of the class ("[a-z0-9-/]" -> "[a-z0-9/-]").
func fixClassDashes(pat string) string {
	var sb strings.Builder
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '\\' && i+1 < len(pat) {
			sb.WriteString(pat[i : i+2])
			i++
			continue
		}
		if c != '[' {
			sb.WriteByte(c)
			continue
		}
		end := classEnd(pat, i)
		if end < 0 {
			sb.WriteString(pat[i:])
			break
		}
		sb.WriteString(fixClass(pat[i : end+1]))
		i = end
	}
	return sb.String()
}

// classEnd returns the index of the ']' closing the class opened at i.
func classEnd(pat string, i int) int {
	j := i + 1
	if j < len(pat) && pat[j] == '^' {
		j++
	}
	if j < len(pat) && pat[j] == ']' {
		j++
	}
	for ; j < len(pat); j++ {
		switch pat[j] {
		case '\\':
			j++
		case ']':
			return j
		}
	}
	return -1
}

func fixClass(class string) string {
	inner := class[1 : len(class)-1]
	neg := strings.HasPrefix(inner, "^")
	if neg {
		inner = inner[1:]
	}
	var items []string
	dash := false
	for i := 0; i < len(inner); {
		n := 1
		if inner[i] == '\\' && i+1 < len(inner) {
			n = 2
		}
		item := inner[i : i+n]
		i += n
		if i+1 < len(inner) && inner[i] == '-' && inner[i+1] != ']' {
			m := 1
			if inner[i+1] == '\\' && i+2 < len(inner) {
				m = 2
			}
			items = append(items, item+"-"+inner[i+1:i+1+m])
			i += 1 + m
			continue
		}
		if item == "-" {
			dash = true
			continue
		}
		items = append(items, item)
	}
	out := "["
	if neg {
		out += "^"
	}
	out += strings.Join(items, "")
	if dash {
		out += "-"
	}
	return out + "]"
}
