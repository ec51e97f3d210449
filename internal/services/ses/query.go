package ses

import (
	"bytes"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The awsQuery protocol of SES v1: the input is a form whose keys are
// member paths, read by query.DecodeForm; the output is XML, written here
// as SES writes it (indented, doubles with a fraction, timestamps with
// milliseconds).

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
