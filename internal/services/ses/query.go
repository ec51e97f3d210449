package ses

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// The awsQuery protocol of SES v1: the input is a form whose keys are
// member paths ("Destination.ToAddresses.member.1",
// "Tags.member.2.Name", maps as "X.entry.N.key"/"X.entry.N.value"); the
// output is XML.

// maxFormDepth bounds the nesting formToJSON follows.
const maxFormDepth = 16

// errFormValue is returned for a scalar that is not of its member's type.
type errFormValue struct{ key, value, want string }

func (e *errFormValue) Error() string {
	return "Value '" + e.value + "' for parameter " + e.key + " is invalid: expected " + e.want + "."
}

// formToJSON converts the form of a query request into the JSON form of
// the input shape at index idx of svc (members in model order, lists and
// maps in index order). Keys that name no member are ignored. Returns an
// *errFormValue for a scalar that does not parse as its type.
func formToJSON(svc *model.Service, idx int, form url.Values) ([]byte, error) {
	c := formConv{svc: svc, form: form, prefixes: make(map[string]struct{}, len(form)*2)}
	for k := range form {
		for i := 0; i < len(k); i++ {
			if k[i] == '.' {
				c.prefixes[k[:i]] = struct{}{}
			}
		}
	}
	b, _, err := c.value(make([]byte, 0, 256), idx, "", 0)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return []byte("{}"), nil
	}
	return b, nil
}

type formConv struct {
	svc      *model.Service
	form     url.Values
	prefixes map[string]struct{} // every proper dotted prefix of a key
}

// nested reports whether some key continues key with ".".
func (c *formConv) nested(key string) bool {
	_, ok := c.prefixes[key]
	return ok
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// value appends the JSON of the shape idx found at key; present is false
// when the form holds nothing for it.
func (c *formConv) value(b []byte, idx int, key string, depth int) ([]byte, bool, error) {
	if depth > maxFormDepth || idx < 0 || idx >= len(c.svc.Shapes) {
		return b, false, nil
	}
	sh := &c.svc.Shapes[idx]
	switch sh.Type {
	case model.TypeStructure, model.TypeUnion:
		if key != "" && !c.nested(key) {
			return b, false, nil
		}
		start := len(b)
		b = append(b, '{')
		n := 0
		for i := range sh.Members {
			m := &sh.Members[i]
			mark := len(b)
			if n > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m.Name)
			b = append(b, ':')
			var ok bool
			var err error
			b, ok, err = c.value(b, m.Target, join(key, m.Name), depth+1)
			if err != nil {
				return b, false, err
			}
			if !ok {
				b = b[:mark]
				continue
			}
			n++
		}
		if n == 0 && key != "" {
			return b[:start], false, nil
		}
		return append(b, '}'), true, nil
	case model.TypeList:
		if !c.nested(key) {
			if _, ok := c.form[key]; ok { // "Key=" is an empty list
				return append(b, '[', ']'), true, nil
			}
			return b, false, nil
		}
		indices := c.indices(key + ".member.")
		if len(indices) == 0 {
			return append(b, '[', ']'), true, nil
		}
		b = append(b, '[')
		for i, n := range indices {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			var err error
			mark := len(b)
			b, ok, err = c.value(b, sh.Elem, key+".member."+n, depth+1)
			if err != nil {
				return b, false, err
			}
			if !ok {
				b = append(b[:mark], "null"...)
			}
		}
		return append(b, ']'), true, nil
	case model.TypeMap:
		if !c.nested(key) {
			return b, false, nil
		}
		b = append(b, '{')
		n := 0
		for _, i := range c.indices(key + ".entry.") {
			entry := key + ".entry." + i
			k, ok := c.form[entry+".key"]
			if !ok || len(k) == 0 {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k[0])
			b = append(b, ':')
			mark := len(b)
			var err error
			b, ok, err = c.value(b, sh.Value, entry+".value", depth+1)
			if err != nil {
				return b, false, err
			}
			if !ok {
				b = append(b[:mark], "null"...)
			}
			n++
		}
		return append(b, '}'), true, nil
	case model.TypeDocument:
		return b, false, nil
	}
	vals, ok := c.form[key]
	if !ok || len(vals) == 0 {
		return b, false, nil
	}
	v := vals[0]
	switch sh.Type {
	case model.TypeBoolean:
		switch v {
		case "true", "false":
			return append(b, v...), true, nil
		}
		return b, false, &errFormValue{key, v, "true or false"}
	case model.TypeByte, model.TypeShort, model.TypeInteger, model.TypeIntEnum, model.TypeLong, model.TypeBigInteger:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return b, false, &errFormValue{key, v, "an integer"}
		}
		return strconv.AppendInt(b, n, 10), true, nil
	case model.TypeFloat, model.TypeDouble, model.TypeBigDecimal:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(v, "xX_") {
			return b, false, &errFormValue{key, v, "a number"}
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), true, nil
	}
	// Strings, enums, timestamps and blobs (base64 text) are JSON strings.
	return appendJSONString(b, v), true, nil
}

// indices lists the N of every key "<prefix>N" or "<prefix>N.…" in
// numeric order, each once.
func (c *formConv) indices(prefix string) []string {
	seen := map[string]bool{}
	var out []string
	for k := range c.form {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ".")
		if n == "" || seen[n] {
			continue
		}
		if i, err := strconv.Atoi(n); err != nil || i < 1 {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i])
		b, _ := strconv.Atoi(out[j])
		return a < b
	})
	return out
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	enc, _ := json.Marshal(s) // strings always marshal
	return append(b, enc...)
}

// XML output.

// xmlNS is the namespace of SES v1 responses.
const xmlNS = "http://ses.amazonaws.com/doc/2010-12-01/"

// queryResponse renders the XML response of action: the output's members
// inside <ActionResult> (absent for actions without an output shape), then
// the request ID.
func queryResponse(action string, out any, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(`<` + action + `Response xmlns="` + xmlNS + `">` + "\n")
	if !noResultV1[action] {
		v := reflect.ValueOf(out)
		for v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Struct && v.NumField() > 0 {
			b.WriteString("  <" + action + "Result>")
			writeFields(&b, v)
			b.WriteString("</" + action + "Result>\n")
		} else {
			b.WriteString("  <" + action + "Result/>\n")
		}
	}
	b.WriteString("  <ResponseMetadata>\n    <RequestId>")
	xmlEscape(&b, requestID)
	b.WriteString("</RequestId>\n  </ResponseMetadata>\n</" + action + "Response>\n")
	return b.Bytes()
}

// queryError renders an awsQuery error response.
func queryError(code, message string, sender bool, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="` + xmlNS + `">` + "\n  <Error>\n    <Type>")
	if sender {
		b.WriteString("Sender")
	} else {
		b.WriteString("Receiver")
	}
	b.WriteString("</Type>\n    <Code>")
	xmlEscape(&b, code)
	b.WriteString("</Code>\n    <Message>")
	xmlEscape(&b, message)
	b.WriteString("</Message>\n  </Error>\n  <RequestId>")
	xmlEscape(&b, requestID)
	b.WriteString("</RequestId>\n</ErrorResponse>\n")
	return b.Bytes()
}

var timestampType = reflect.TypeFor[timestamp]()

// writeFields writes a struct's fields as elements named by their json
// tags (omitempty honoured).
func writeFields(b *bytes.Buffer, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		if strings.Contains(opts, "omitempty") && fv.IsZero() {
			continue
		}
		writeElement(b, name, fv)
	}
}

// writeElement writes <name>value</name>: lists as <member> items, maps
// as <entry><key/><value/></entry> in key order.
func writeElement(b *bytes.Buffer, name string, v reflect.Value) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	open := func() { b.WriteString("<" + name + ">") }
	closeTag := func() { b.WriteString("</" + name + ">") }
	if v.Type() == timestampType {
		open()
		b.WriteString(v.Interface().(timestamp).iso())
		closeTag()
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		open()
		writeFields(b, v)
		closeTag()
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // blob
			open()
			xmlEscape(b, string(v.Bytes()))
			closeTag()
			return
		}
		open()
		for i := range v.Len() {
			writeElement(b, "member", v.Index(i))
		}
		closeTag()
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		open()
		for _, k := range keys {
			b.WriteString("<entry><key>")
			xmlEscape(b, k.String())
			b.WriteString("</key>")
			writeElement(b, "value", v.MapIndex(k))
			b.WriteString("</entry>")
		}
		closeTag()
	case reflect.String:
		open()
		xmlEscape(b, v.String())
		closeTag()
	case reflect.Bool:
		open()
		b.WriteString(strconv.FormatBool(v.Bool()))
		closeTag()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		open()
		b.WriteString(strconv.FormatInt(v.Int(), 10))
		closeTag()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		open()
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
		closeTag()
	case reflect.Float32, reflect.Float64:
		open()
		f := v.Float()
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if f == math.Trunc(f) && !strings.Contains(s, ".") {
			s += ".0" // AWS writes doubles with a fraction: <MaxSendRate>14.0</MaxSendRate>
		}
		b.WriteString(s)
		closeTag()
	}
}

// xmlEscape writes s as XML character data; characters XML 1.0 cannot
// carry become U+FFFD.
func xmlEscape(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' || r == '\n' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF:
			b.WriteRune(r)
		default:
			b.WriteRune('\uFFFD')
		}
	}
}

// formError words a formToJSON failure as v1's InvalidParameterValue.
func formError(err error) error {
	var fe *errFormValue
	if errors.As(err, &fe) {
		return badInput(false, fe.Error())
	}
	return err
}
