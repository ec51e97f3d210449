package conformance

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// tokenRE matches the placeholders the recorder wrote that Compare treats
// as wildcards: numbered references (<uuid:1>, <json-input:2>,
// <resource:3>), indexed ARN parts (<ArnPart_0idx>, <ExecArnPart_1idx>,
// <MapRunArnPart0_0idx>, <ExpressExecArn_Part1_0idx>), and the
// <lambda-function-name> of a transformer whose pattern was not recorded.
var tokenRE = regexp.MustCompile(`<[A-Za-z][A-Za-z0-9_-]*:\d+>|<[A-Za-z][A-Za-z0-9_]*_\d+idx>|<lambda-function-name>`)

// Compare normalizes actual (see Normalize) and compares it with the case's
// expectation. It returns ok, or a one-line diff naming the first differing
// JSON path with both values.
//
// Objects compare regardless of key order; numbers compare as Python
// printed them (1 and 1.0 differ); strings compare exactly, except that the
// recorder's placeholders (<uuid:1>, <ArnPart_0idx>, <resource:2>...) match
// a placeholder of the same family or any text, consistently within the
// case, and the whole-value placeholders of transformers the recording did
// not spell out (e.g. "start-time") match any scalar. Events of a Parallel
// block that the recorder sorted (id [0]) compare as an unordered set, and
// variableReferences lists compare order-insensitively when the recorder
// sorted them.
func Compare(c *Case, actual jsonv.Value) (diff string, ok bool) {
	got := Normalize(c, actual)
	m := newMatcher(c)
	want := mapNumbers(c.Expected, pyNumber)
	if m.p.sortVarRefs || c.HasIssue("variableReferences") {
		want, got = sortVarRefs(want), sortVarRefs(got)
	}
	d := m.value("$", want, got)
	return d, d == ""
}

// matcher compares an expectation with a normalized result, remembering
// which text each placeholder stood for.
type matcher struct {
	c    *Case
	p    *plan
	bind map[string]string // expected placeholder -> actual text
	rev  map[string]string // actual text -> expected placeholder
	// steps bounds the backtracking of one string match.
	steps int
}

func newMatcher(c *Case) *matcher {
	p := c.plan
	if p == nil {
		p = parsePlan(c.SnapshotTransformers)
	}
	return &matcher{c: c, p: p, bind: map[string]string{}, rev: map[string]string{}}
}

func (m *matcher) value(path string, want, got jsonv.Value) string {
	switch w := want.(type) {
	case *jsonv.Object:
		g, ok := got.(*jsonv.Object)
		if !ok {
			return mismatch(path, want, got)
		}
		return m.object(path, w, g)
	case []any:
		g, ok := got.([]any)
		if !ok {
			return mismatch(path, want, got)
		}
		return m.array(path, w, g)
	case string:
		if m.opaque(w) {
			if _, isObject := got.(*jsonv.Object); !isObject {
				if _, isArray := got.([]any); !isArray {
					return ""
				}
			}
			return mismatch(path, want, got)
		}
		g, ok := got.(string)
		if !ok || !m.matchString(w, g) {
			return mismatch(path, want, got)
		}
		return ""
	case jsonv.Number:
		g, ok := got.(jsonv.Number)
		if !ok || g != w {
			d := mismatch(path, want, got)
			if ok && jsonv.Equal(w, g) {
				d += " (number written differently)"
			}
			return d
		}
		return ""
	default:
		if got != want {
			return mismatch(path, want, got)
		}
		return ""
	}
}

func (m *matcher) object(path string, want, got *jsonv.Object) string {
	keys := want.Keys()
	for _, k := range got.Keys() {
		if !want.Has(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var ids []any
	if path == "$" && m.c.Kind == KindExecution {
		idv, _ := want.Get("history_event_ids")
		ids, _ = idv.([]any)
	}
	// An event's type says more than any of its details: compare it first.
	if i := slices.Index(keys, "type"); i > 0 && want.Has("type") && got.Has("type") {
		keys = slices.Insert(slices.Delete(keys, i, i+1), 0, "type")
	}
	for _, k := range keys {
		p := childPath(path, k)
		wv, inWant := want.Get(k)
		gv, inGot := got.Get(k)
		switch {
		case !inGot:
			return fmt.Sprintf("%s: missing (want %s)", p, show(wv))
		case !inWant:
			return fmt.Sprintf("%s: unexpected (got %s)", p, show(gv))
		}
		var d string
		if k == "history" && ids != nil {
			d = m.history(p, wv, gv, ids)
		} else {
			d = m.value(p, wv, gv)
		}
		if d != "" {
			return d
		}
	}
	return ""
}

func (m *matcher) array(path string, want, got []any) string {
	for i := 0; i < min(len(want), len(got)); i++ {
		if d := m.value(m.elemPath(path, i, want), want[i], got[i]); d != "" {
			if len(want) != len(got) {
				d += fmt.Sprintf(" (want %d elements, got %d)", len(want), len(got))
			}
			return d
		}
	}
	switch {
	case len(want) > len(got):
		return fmt.Sprintf("%s: missing (want %s; want %d elements, got %d)", m.elemPath(path, len(got), want), show(want[len(got)]), len(want), len(got))
	case len(got) > len(want):
		return fmt.Sprintf("%s: unexpected (got %s; want %d elements, got %d)", m.elemPath(path, len(want), got), show(got[len(want)]), len(want), len(got))
	}
	return ""
}

// history compares recorded history events, matching the runs of events
// the recorder sorted (id [0]) as unordered sets.
func (m *matcher) history(path string, wantV, gotV jsonv.Value, ids []any) string {
	want, ok1 := wantV.([]any)
	got, ok2 := gotV.([]any)
	if !ok1 || !ok2 {
		return m.value(path, wantV, gotV)
	}
	sorted := func(i int) bool {
		if i >= len(ids) {
			return false
		}
		pair, _ := ids[i].([]any)
		if len(pair) == 0 {
			return false
		}
		_, isArray := pair[0].([]any)
		return isArray
	}
	note := func(d string) string {
		if d != "" && len(want) != len(got) {
			d += fmt.Sprintf(" (want %d elements, got %d)", len(want), len(got))
		}
		return d
	}
	for i := 0; i < len(want); {
		if !sorted(i) {
			if i >= len(got) {
				break
			}
			if d := m.value(m.elemPath(path, i, want), want[i], got[i]); d != "" {
				return note(d)
			}
			i++
			continue
		}
		j := i
		for j < len(want) && sorted(j) {
			j++
		}
		if j > len(got) {
			break
		}
		if d := m.unordered(path, i, want[i:j], got[i:j]); d != "" {
			return note(d)
		}
		i = j
	}
	if len(want) != len(got) {
		return m.array(path, want, got)
	}
	return ""
}

// unordered matches each wanted event with a distinct got event.
func (m *matcher) unordered(path string, start int, want, got []any) string {
	used := make([]bool, len(got))
	for wi, w := range want {
		found := false
		for gi, g := range got {
			if used[gi] {
				continue
			}
			trial := m.clone()
			if trial.value("", w, g) == "" {
				m.bind, m.rev = trial.bind, trial.rev
				used[gi] = true
				found = true
				break
			}
		}
		if !found {
			return fmt.Sprintf("%s: no match in the unordered Parallel block %s[%d:%d] (want %s)",
				m.elemPath(path, start+wi, append(make([]any, start), want...)), path, start, start+len(want), show(w))
		}
	}
	return ""
}

func (m *matcher) clone() *matcher {
	t := *m
	t.bind = make(map[string]string, len(m.bind))
	t.rev = make(map[string]string, len(m.rev))
	for k, v := range m.bind {
		t.bind[k] = v
	}
	for k, v := range m.rev {
		t.rev[k] = v
	}
	return &t
}

// elemPath names element i of arr, adding an event's type for readability.
func (m *matcher) elemPath(path string, i int, arr []any) string {
	p := path + "[" + strconv.Itoa(i) + "]"
	if i < len(arr) {
		if o, ok := arr[i].(*jsonv.Object); ok {
			if t, ok := getString(o, "type"); ok && strings.HasSuffix(path, "history") {
				p += "(" + t + ")"
			}
		}
	}
	return p
}

// opaque reports whether s is a whole-value placeholder that matches any
// scalar.
func (m *matcher) opaque(s string) bool {
	return slices.Contains(m.p.opaque, s)
}

// matchString matches an expected string, whose placeholders are
// wildcards, with an actual one.
func (m *matcher) matchString(want, got string) bool {
	if want == got {
		if !tokenRE.MatchString(want) {
			return true
		}
	}
	if len(m.p.roleTokens) > 1 && slices.Contains(m.p.roleTokens, want) && slices.Contains(m.p.roleTokens, got) {
		return true
	}
	segs := splitTokens(want, m.p.tokens)
	if len(segs) == 1 && !segs[0].tok {
		return want == got
	}
	m.steps = 0
	bind := map[string]string{}
	rev := map[string]string{}
	if !m.match(segs, got, bind, rev) {
		return false
	}
	for k, v := range bind {
		m.bind[k] = v
		m.rev[v] = k
	}
	return true
}

type segment struct {
	text string
	tok  bool
}

// splitTokens cuts s into literal text and placeholders.
func splitTokens(s string, extra []string) []segment {
	locs := tokenRE.FindAllStringIndex(s, -1)
	for _, t := range extra {
		for off := 0; ; {
			i := strings.Index(s[off:], t)
			if i < 0 {
				break
			}
			locs = append(locs, []int{off + i, off + i + len(t)})
			off += i + len(t)
		}
	}
	slices.SortFunc(locs, func(a, b []int) int { return a[0] - b[0] })
	var segs []segment
	pos := 0
	for _, l := range locs {
		if l[0] < pos {
			continue
		}
		if l[0] > pos {
			segs = append(segs, segment{text: s[pos:l[0]]})
		}
		segs = append(segs, segment{text: s[l[0]:l[1]], tok: true})
		pos = l[1]
	}
	if pos < len(s) || len(segs) == 0 {
		segs = append(segs, segment{text: s[pos:]})
	}
	return segs
}

// family is a placeholder with its numbers removed: <uuid:1> and <uuid:7>
// are both "<uuid:#>".
func family(tok string) string {
	var sb strings.Builder
	digit := false
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c >= '0' && c <= '9' {
			if !digit {
				sb.WriteByte('#')
			}
			digit = true
			continue
		}
		digit = false
		sb.WriteByte(c)
	}
	return sb.String()
}

const maxMatchSteps = 100000

// match matches segs against s with backtracking. A placeholder matches a
// placeholder of its family at that position or any non-empty text, and
// must stand for the same text everywhere (bind, rev and the matcher's
// committed bindings).
func (m *matcher) match(segs []segment, s string, bind, rev map[string]string) bool {
	m.steps++
	if m.steps > maxMatchSteps {
		return false
	}
	if len(segs) == 0 {
		return s == ""
	}
	seg := segs[0]
	if !seg.tok {
		if !strings.HasPrefix(s, seg.text) {
			return false
		}
		return m.match(segs[1:], s[len(seg.text):], bind, rev)
	}
	try := func(text string) bool {
		if b, ok := m.lookup(seg.text, bind, m.bind); ok && b != text {
			return false
		}
		if r, ok := m.lookup(text, rev, m.rev); ok && r != seg.text {
			return false
		}
		_, had := bind[seg.text]
		bind[seg.text], rev[text] = text, seg.text
		if m.match(segs[1:], s[len(text):], bind, rev) {
			return true
		}
		if !had {
			delete(bind, seg.text)
			delete(rev, text)
		}
		return false
	}
	// Already bound: only that text can follow.
	if b, ok := m.lookup(seg.text, bind, m.bind); ok {
		return strings.HasPrefix(s, b) && try(b)
	}
	// A placeholder of the same family.
	if loc := tokenRE.FindStringIndex(s); loc != nil && loc[0] == 0 && family(s[:loc[1]]) == family(seg.text) {
		if try(s[:loc[1]]) {
			return true
		}
	}
	// Any non-empty text, for placeholders Normalize cannot reproduce; when
	// a literal follows, only where it occurs.
	if m.reproducible(seg.text) {
		return false
	}
	var next string
	if len(segs) > 1 && !segs[1].tok {
		next = segs[1].text
	}
	for end := 1; end <= len(s); end++ {
		if next != "" && !strings.HasPrefix(s[end:], next) {
			continue
		}
		if try(s[:end]) {
			return true
		}
	}
	return false
}

// reproducible reports whether Normalize writes placeholders of tok's
// family for this case, so that tok must match one of them rather than any
// text.
func (m *matcher) reproducible(tok string) bool {
	switch fam := family(tok); fam {
	case "<uuid:#>", "<json-input:#>":
		return true
	case "<ArnPart_#idx>":
		return len(m.p.smIdx) > 0
	case "<ExecArnPart_#idx>":
		return len(m.p.execIdx) > 0
	case "<ExpressExecArn_Part#_#idx>":
		return len(m.p.expressIdx) > 0
	case "<SyncExecArn_Part#_#idx>":
		return len(m.p.syncIdx) > 0
	case "<MapRunArnPart#_#idx>":
		return m.c.Kind == KindExecution
	case "<resource:#>":
		return m.p.resourceName
	}
	return false
}

func (m *matcher) lookup(k string, local, committed map[string]string) (string, bool) {
	if v, ok := local[k]; ok {
		return v, true
	}
	v, ok := committed[k]
	return v, ok
}

// sortVarRefs sorts the string lists inside every "variableReferences"
// object, as the recording test did.
func sortVarRefs(v jsonv.Value) jsonv.Value {
	return kvMap(v, func(k string, v jsonv.Value) (jsonv.Value, bool) {
		if k != "variableReferences" {
			return v, false
		}
		return sortStringLists(v), true
	})
}

func sortStringLists(v jsonv.Value) jsonv.Value {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = sortStringLists(e)
		}
		slices.SortStableFunc(out, func(a, b any) int {
			as, aok := a.(string)
			bs, bok := b.(string)
			if aok && bok {
				return strings.Compare(as, bs)
			}
			return 0
		})
		return out
	case *jsonv.Object:
		out := jsonv.NewObject(v.Len())
		for _, m := range v.Members {
			out.Members = append(out.Members, jsonv.Member{Key: m.Key, Value: sortStringLists(m.Value)})
		}
		return out
	}
	return v
}

func childPath(path, key string) string {
	if isPlainKey(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func isPlainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func mismatch(path string, want, got jsonv.Value) string {
	if path == "" {
		path = "$"
	}
	ws, wok := want.(string)
	gs, gok := got.(string)
	if wok && gok {
		// Long strings: show both from a little before where they differ.
		ws, gs = jsonv.Quote(ws), jsonv.Quote(gs)
		p := 0
		for p < len(ws) && p < len(gs) && ws[p] == gs[p] {
			p++
		}
		if cut := p - maxShow/4; p > maxShow/2 && max(len(ws), len(gs)) > maxShow {
			for cut > 0 && !isRuneStart(ws[cut]) {
				cut--
			}
			ws, gs = "…"+ws[cut:], "…"+gs[cut:]
		}
		return fmt.Sprintf("%s: want %s, got %s", path, truncate(ws), truncate(gs))
	}
	return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
}

// maxShow bounds the text of one value in a diff.
const maxShow = 120

// show renders a value for a diff: compact JSON, truncated, on one line.
func show(v jsonv.Value) string {
	var s string
	switch v.(type) {
	case nil, bool, jsonv.Number, string, []any, *jsonv.Object:
		s = jsonv.Marshal(v)
	default:
		s = fmt.Sprintf("%v", v)
	}
	return truncate(s)
}

// truncate shortens s to about maxShow bytes.
func truncate(s string) string {
	if len(s) > maxShow {
		cut := maxShow
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
