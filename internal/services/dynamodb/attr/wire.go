package attr

import (
	"encoding/base64"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Error is a value DynamoDB refuses. Msg is AWS's message; Serialization
// marks errors AWS reports as SerializationException (a value of the wrong
// JSON type, bad base64) rather than ValidationException.
type Error struct {
	Msg           string
	Serialization bool
}

// Error implements error.
func (e *Error) Error() string { return e.Msg }

// MaxDepth is how deeply lists and maps may nest.
const MaxDepth = 32

// Messages of invalid attribute values.
const (
	msgEmpty     = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgMultiple  = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	msgInvalid   = "One or more parameter values were invalid: "
	msgNesting   = "Nesting Levels have exceeded supported limits"
	msgNullFalse = msgInvalid + "Null attribute value types must have the value of true"
	msgEmptySS   = msgInvalid + "An string set  may not be empty"
	msgEmptyNS   = msgInvalid + "An number set  may not be empty"
	msgEmptyBS   = msgInvalid + "Binary sets should not be empty"
)

func serr(msg string) *Error { return &Error{Msg: msg, Serialization: true} }

// DecodeValue parses one wire AttributeValue ({"S":"x"}, {"N":"1"}, ...)
// and validates it as DynamoDB does: exactly one type, NULL true, sets
// non-empty without duplicates, numbers within DynamoDB's limits
// (normalized), binaries base64.
func DecodeValue(data []byte) (Value, error) {
	r := reader{data: data}
	r.ws()
	v, err := r.value(0)
	if err != nil {
		return Value{}, err
	}
	r.ws()
	if r.pos != len(r.data) {
		return Value{}, serr("")
	}
	return v, nil
}

// DecodeItem parses a wire map of attribute names to AttributeValues (an
// Item, a Key, ExpressionAttributeValues). JSON null is an empty item.
func DecodeItem(data []byte) (Item, error) {
	r := reader{data: data}
	r.ws()
	if r.null() {
		return nil, nil
	}
	it, err := r.item(0)
	if err != nil {
		return nil, err
	}
	r.ws()
	if r.pos != len(r.data) {
		return nil, serr("")
	}
	return it, nil
}

// UnmarshalJSON implements json.Unmarshaler with DecodeValue.
func (v *Value) UnmarshalJSON(data []byte) error {
	x, err := DecodeValue(data)
	if err != nil {
		return err
	}
	*v = x
	return nil
}

// MarshalJSON implements json.Marshaler with AppendJSON.
func (v Value) MarshalJSON() ([]byte, error) { return AppendJSON(nil, v), nil }

// UnmarshalJSON implements json.Unmarshaler with DecodeItem.
func (it *Item) UnmarshalJSON(data []byte) error {
	x, err := DecodeItem(data)
	if err != nil {
		return err
	}
	*it = x
	return nil
}

// MarshalJSON implements json.Marshaler with AppendItemJSON.
func (it Item) MarshalJSON() ([]byte, error) { return AppendItemJSON(nil, it), nil }

type reader struct {
	data []byte
	pos  int
}

func (r *reader) ws() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *reader) peek() byte {
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

// null consumes a JSON null.
func (r *reader) null() bool {
	if strings.HasPrefix(string(r.data[r.pos:min(r.pos+4, len(r.data))]), "null") {
		r.pos += 4
		return true
	}
	return false
}

func (r *reader) expect(c byte) error {
	r.ws()
	if r.peek() != c {
		return serr("")
	}
	r.pos++
	return nil
}

// members iterates an object's members, calling fn with each key; fn must
// consume the value.
func (r *reader) members(fn func(key string) error) error {
	if err := r.expect('{'); err != nil {
		if r.peek() == '[' {
			return serr("Start of list found where not expected")
		}
		return err
	}
	r.ws()
	if r.peek() == '}' {
		r.pos++
		return nil
	}
	for {
		r.ws()
		key, err := r.str()
		if err != nil {
			return err
		}
		if err := r.expect(':'); err != nil {
			return err
		}
		r.ws()
		if err := fn(key); err != nil {
			return err
		}
		r.ws()
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return nil
		default:
			return serr("")
		}
	}
}

// elements iterates an array's elements; fn must consume each.
func (r *reader) elements(fn func() error) error {
	r.ws()
	if r.peek() != '[' {
		if r.peek() == '{' {
			return serr("Start of structure or map found where not expected.")
		}
		return serr("Expected list or null")
	}
	r.pos++
	r.ws()
	if r.peek() == ']' {
		r.pos++
		return nil
	}
	for {
		r.ws()
		if err := fn(); err != nil {
			return err
		}
		r.ws()
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return serr("")
		}
	}
}

func (r *reader) item(depth int) (Item, error) {
	it := Item{}
	err := r.members(func(key string) error {
		if r.null() {
			return nil
		}
		v, err := r.value(depth)
		if err != nil {
			return err
		}
		it[key] = v
		return nil
	})
	return it, err
}

// value parses one AttributeValue object.
func (r *reader) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, &Error{Msg: msgNesting}
	}
	var v Value
	n := 0
	var first error
	note := func(err error) {
		if first == nil {
			first = err
		}
	}
	err := r.members(func(key string) error {
		if r.null() {
			return nil
		}
		t := ParseType(key)
		if t == TypeInvalid {
			return r.skip()
		}
		n++
		x := Value{T: t}
		switch t {
		case S:
			s, err := r.strValue("String")
			if err != nil {
				return err
			}
			x.Str = s
		case N:
			s, err := r.strValue("String")
			if err != nil {
				return err
			}
			num, err := NormalizeNumber(s)
			if err != nil {
				note(err)
			}
			x.Str = num
		case B:
			s, err := r.strValue("ByteBuffer")
			if err != nil {
				return err
			}
			b, err := decodeBase64(s)
			if err != nil {
				return err
			}
			x.Str = b
		case BOOL, NULL:
			b, err := r.boolean()
			if err != nil {
				return err
			}
			x.Bool = b
			if t == NULL {
				x.Bool = false
				if !b {
					note(&Error{Msg: msgNullFalse})
				}
			}
		case L:
			x.List = []Value{}
			err := r.elements(func() error {
				if r.null() {
					return nil
				}
				e, err := r.value(depth + 1)
				if err != nil {
					return err
				}
				x.List = append(x.List, e)
				return nil
			})
			if err != nil {
				return err
			}
		case M:
			m := map[string]Value{}
			err := r.members(func(k string) error {
				if r.null() {
					return nil
				}
				e, err := r.value(depth + 1)
				if err != nil {
					return err
				}
				m[k] = e
				return nil
			})
			if err != nil {
				return err
			}
			x.Map = m
		case SS, NS, BS:
			set := []string{}
			var setErr error
			err := r.elements(func() error {
				if r.null() {
					return nil
				}
				s, err := r.strValue("String")
				if err != nil {
					return err
				}
				switch t {
				case NS:
					num, err := NormalizeNumber(s)
					if err != nil && setErr == nil {
						setErr = err
					}
					s = num
				case BS:
					b, err := decodeBase64(s)
					if err != nil {
						return err
					}
					s = b
				}
				set = append(set, s)
				return nil
			})
			if err != nil {
				return err
			}
			switch {
			case setErr != nil:
				note(setErr)
			case len(set) == 0:
				note(&Error{Msg: map[Type]string{SS: msgEmptySS, NS: msgEmptyNS, BS: msgEmptyBS}[t]})
			default:
				if msg := duplicates(t, set); msg != "" {
					note(&Error{Msg: msg})
				}
			}
			x.Set = set
		}
		v = x
		return nil
	})
	if err != nil {
		return Value{}, err
	}
	switch {
	case n == 0:
		return Value{}, &Error{Msg: msgEmpty}
	case first != nil:
		return Value{}, first
	case n > 1:
		return Value{}, &Error{Msg: msgMultiple}
	}
	return v, nil
}

// duplicates returns AWS's message for a set with a repeated element.
func duplicates(t Type, set []string) string {
	seen := make(map[string]struct{}, len(set))
	dup := false
	for _, s := range set {
		if _, ok := seen[s]; ok {
			dup = true
			break
		}
		seen[s] = struct{}{}
	}
	if !dup {
		return ""
	}
	switch t {
	case SS:
		return msgInvalid + "Input collection [" + strings.Join(set, ", ") + "] contains duplicates."
	case BS:
		enc := make([]string, len(set))
		for i, s := range set {
			enc[i] = base64.StdEncoding.EncodeToString([]byte(s))
		}
		return msgInvalid + "Input collection [" + strings.Join(enc, ", ") + "]of type BS contains duplicates."
	}
	return "Input collection contains duplicates"
}

func decodeBase64(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			return "", serr("Base64 encoded length is expected a multiple of 4 bytes but found: " + itoa(len(s)))
		}
	}
	return string(b), nil
}

func itoa(n int) string { return formatInt(int64(n)) }

// strValue reads a string member; class names the Java type for the
// mismatch message.
func (r *reader) strValue(class string) (string, error) {
	switch c := r.peek(); {
	case c == '"':
		return r.str()
	case c == '{':
		return "", serr("Start of structure or map found where not expected.")
	case c == '[':
		return "", serr("Start of list found where not expected")
	case c == 't' || c == 'f':
		_ = r.skip()
		return "", serr("TRUE_VALUE cannot be converted to " + class)
	default:
		_ = r.skip()
		return "", serr("NUMBER_VALUE cannot be converted to " + class)
	}
}

func (r *reader) boolean() (bool, error) {
	rest := string(r.data[r.pos:min(r.pos+5, len(r.data))])
	switch {
	case strings.HasPrefix(rest, "true"):
		r.pos += 4
		return true, nil
	case strings.HasPrefix(rest, "false"):
		r.pos += 5
		return false, nil
	}
	if r.peek() == '"' {
		return false, serr("Unexpected token received from parser")
	}
	return false, serr("Unexpected field type")
}

// str reads a JSON string.
func (r *reader) str() (string, error) {
	if r.peek() != '"' {
		return "", serr("")
	}
	r.pos++
	start := r.pos
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		if c == '"' {
			raw := r.data[start:r.pos]
			if !utf8.Valid(raw) {
				return "", serr("")
			}
			r.pos++
			return string(raw), nil
		}
		if c == '\\' {
			return r.strSlow(start)
		}
		if c < 0x20 {
			return "", serr("")
		}
		r.pos++
	}
	return "", serr("")
}

// strSlow decodes a string with escapes, starting at data[start].
func (r *reader) strSlow(start int) (string, error) {
	b := make([]byte, 0, r.pos-start+16)
	b = append(b, r.data[start:r.pos]...)
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			if !utf8.Valid(b) {
				return "", serr("")
			}
			return string(b), nil
		case c < 0x20:
			return "", serr("")
		case c != '\\':
			b = append(b, c)
			r.pos++
			continue
		}
		r.pos++
		if r.pos >= len(r.data) {
			return "", serr("")
		}
		e := r.data[r.pos]
		r.pos++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			c1, ok := r.hex4()
			if !ok {
				return "", serr("")
			}
			if utf16.IsSurrogate(c1) {
				c2 := rune(-1)
				if r.pos+1 < len(r.data) && r.data[r.pos] == '\\' && r.data[r.pos+1] == 'u' {
					save := r.pos
					r.pos += 2
					var ok2 bool
					if c2, ok2 = r.hex4(); !ok2 {
						return "", serr("")
					}
					if utf16.DecodeRune(c1, c2) == utf8.RuneError {
						r.pos = save
						c2 = -1
					}
				}
				c1 = utf16.DecodeRune(c1, c2)
			}
			b = utf8.AppendRune(b, c1)
		default:
			return "", serr("")
		}
	}
	return "", serr("")
}

func (r *reader) hex4() (rune, bool) {
	if r.pos+4 > len(r.data) {
		return 0, false
	}
	var x rune
	for _, c := range r.data[r.pos : r.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			x = x<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			x = x<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			x = x<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.pos += 4
	return x, true
}

// skip consumes any JSON value.
func (r *reader) skip() error {
	r.ws()
	switch c := r.peek(); {
	case c == '"':
		_, err := r.str()
		return err
	case c == '{':
		return r.members(func(string) error { return r.skip() })
	case c == '[':
		return r.elements(r.skip)
	case c == 0:
		return serr("")
	}
	start := r.pos
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if r.pos == start {
				return serr("")
			}
			return nil
		}
		r.pos++
	}
	if r.pos == start {
		return serr("")
	}
	return nil
}

// AppendJSON appends the wire form of v: {"S":"x"}, {"N":"1.5"},
// {"B":"<base64>"}, ... Map members are written in name order.
func AppendJSON(dst []byte, v Value) []byte {
	dst = append(dst, `{"`...)
	dst = append(dst, v.T.String()...)
	dst = append(dst, `":`...)
	switch v.T {
	case S, N:
		dst = AppendString(dst, v.Str)
	case B:
		dst = appendBase64(dst, v.Str)
	case BOOL:
		if v.Bool {
			dst = append(dst, "true"...)
		} else {
			dst = append(dst, "false"...)
		}
	case NULL:
		dst = append(dst, "true"...)
	case L:
		dst = append(dst, '[')
		for i, e := range v.List {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e)
		}
		dst = append(dst, ']')
	case M:
		dst = appendMap(dst, v.Map)
	case SS, NS, BS:
		dst = append(dst, '[')
		for i, e := range v.Set {
			if i > 0 {
				dst = append(dst, ',')
			}
			if v.T == BS {
				dst = appendBase64(dst, e)
			} else {
				dst = AppendString(dst, e)
			}
		}
		dst = append(dst, ']')
	default:
		dst = append(dst, "null"...)
	}
	return append(dst, '}')
}

// AppendItemJSON appends the wire form of an item: a JSON object of names
// to AttributeValues, in name order.
func AppendItemJSON(dst []byte, it Item) []byte { return appendMap(dst, it) }

func appendMap(dst []byte, m map[string]Value) []byte {
	dst = append(dst, '{')
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		dst = AppendJSON(dst, m[k])
	}
	return append(dst, '}')
}

func appendBase64(dst []byte, s string) []byte {
	dst = append(dst, '"')
	n := base64.StdEncoding.EncodedLen(len(s))
	dst = append(dst, make([]byte, n)...)
	base64.StdEncoding.Encode(dst[len(dst)-n:], []byte(s))
	return append(dst, '"')
}

// AppendString appends s as a JSON string, escaping only what JSON
// requires.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				start = i + 1
			} else if r == '\u2028' || r == '\u2029' {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\u202`...)
				dst = append(dst, hex[r&0xF])
				start = i + size
			}
			i += size - 1
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
