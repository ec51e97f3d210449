package awsproto

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// Validate checks an awsJson request body against the input shape of an
// operation of a generated service model, as Coral does before a request
// reaches the service:
//
//   - a body that is not JSON, or a value of the wrong JSON type, is a
//     SerializationException (no message for malformed JSON; Coral's
//     Jackson wording such as "NUMBER_VALUE cannot be converted to String"
//     for type mismatches);
//   - violated constraints are one ValidationException listing every
//     violation: "2 validation errors detected: Value 'x' at 'name' failed
//     to satisfy constraint: Member must have length less than or equal to
//     80; Value null at 'roleArn' failed to satisfy constraint: Member must
//     not be null".
//
// Unknown members and null values are ignored (null counts as absent).
// Returns nil for a valid body, an *Error for an invalid one, and a plain
// error if the service or operation is unknown.
func Validate(service, operation string, input []byte) error {
	svc, err := model.Load(service)
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	op, ok := svc.Operation(operation)
	if !ok {
		return fmt.Errorf("validate: %s has no operation %q", service, operation)
	}
	return validateOp(svc, op, input)
}

func validateOp(svc *model.Service, op *model.Operation, input []byte) error {
	// Coral's parser (Jackson) rejects malformed UTF-8 as it rejects
	// malformed JSON.
	if !json.Valid(input) || !utf8.Valid(input) {
		return Serialization("")
	}
	if op.Input < 0 {
		return nil
	}
	v := validator{svc: svc, data: input, path: make([]byte, 0, 64)}
	if ns, ok := wireNamespaces[svc.Name]; ok {
		v.javaPackage = ns
	} else {
		v.javaPackage = svc.Namespace
	}
	v.skipWS()
	if v.peek() == 'n' { // a null body is an empty input
		return nil
	}
	if err := v.value(op.Input); err != nil {
		return err
	}
	if len(v.errs) == 0 {
		return nil
	}
	return validationError(v.errs)
}

// validationError joins violations the way Coral does.
func validationError(errs []violation) *Error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.msg
	}
	return ValidationError(msgs...)
}

// ValidationError is the ValidationException Coral sends for model
// constraint violations (__type "com.amazon.coral.validate#..."):
// "1 validation error detected: <v>" or "N validation errors detected:
// <v1>; <v2>". Services that check constraints the model does not express
// can use it with Violation, NullViolation and SensitiveViolation.
func ValidationError(violations ...string) *Error {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(violations)))
	if len(violations) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, v := range violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v)
	}
	return &Error{Code: CodeValidation, Message: b.String(), Namespace: nsCoralValidate}
}

// Violation words one constraint violation: "Value '<value>' at '<path>'
// failed to satisfy constraint: <constraint>", where constraint is e.g.
// "Member must have length less than or equal to 80".
func Violation(path, value, constraint string) string {
	return "Value '" + value + "' at '" + path + "' failed to satisfy constraint: " + constraint
}

// SensitiveViolation is Violation for a sensitive member, whose value AWS
// does not echo: "Value at '<path>' failed to satisfy constraint: ...".
func SensitiveViolation(path, constraint string) string {
	return "Value at '" + path + "' failed to satisfy constraint: " + constraint
}

// NullViolation words a missing required member: "Value null at '<path>'
// failed to satisfy constraint: Member must not be null".
func NullViolation(path string) string {
	return "Value null at '" + path + "' failed to satisfy constraint: Member must not be null"
}

type violation struct {
	msg   string
	order int // member index within the enclosing structure, for sorting
}

// validator walks a well-formed JSON text (json.Valid has accepted it)
// along a shape.
type validator struct {
	svc         *model.Service
	data        []byte
	pos         int
	path        []byte
	errs        []violation
	javaPackage string
	scratch     []byte
}

func (v *validator) skipWS() {
	for v.pos < len(v.data) {
		switch v.data[v.pos] {
		case ' ', '\t', '\n', '\r':
			v.pos++
		default:
			return
		}
	}
}

func (v *validator) peek() byte {
	if v.pos < len(v.data) {
		return v.data[v.pos]
	}
	return 0
}

// token kinds as Jackson names them in its messages.
func (v *validator) tokenName() string {
	switch c := v.peek(); {
	case c == '"':
		return "STRING_VALUE"
	case c == 't':
		return "TRUE_VALUE"
	case c == 'f':
		return "FALSE_VALUE"
	case c == '-' || '0' <= c && c <= '9':
		if v.isDecimal() {
			return "DECIMAL_VALUE"
		}
		return "NUMBER_VALUE"
	}
	return "VALUE"
}

func (v *validator) isDecimal() bool {
	for i := v.pos; i < len(v.data); i++ {
		switch v.data[i] {
		case '.', 'e', 'E':
			return true
		case '-', '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		default:
			return false
		}
	}
	return false
}

// javaClass is the class Coral would deserialize a shape into, for its
// type-mismatch messages.
func (v *validator) javaClass(sh *model.Shape) string {
	switch sh.Type {
	case model.TypeString, model.TypeEnum:
		return "java.lang.String"
	case model.TypeBoolean:
		return "java.lang.Boolean"
	case model.TypeInteger, model.TypeIntEnum:
		return "java.lang.Integer"
	case model.TypeLong:
		return "java.lang.Long"
	case model.TypeShort:
		return "java.lang.Short"
	case model.TypeByte:
		return "java.lang.Byte"
	case model.TypeFloat:
		return "java.lang.Float"
	case model.TypeDouble:
		return "java.lang.Double"
	case model.TypeBigInteger:
		return "java.math.BigInteger"
	case model.TypeBigDecimal:
		return "java.math.BigDecimal"
	case model.TypeTimestamp:
		return "java.util.Date"
	case model.TypeBlob:
		return "java.nio.ByteBuffer"
	case model.TypeList:
		return "java.util.List"
	case model.TypeMap:
		return "java.util.Map"
	}
	return v.javaPackage + "." + sh.Name
}

func (v *validator) mismatch(sh *model.Shape) error {
	c := v.peek()
	switch {
	case c == '{':
		return Serialization("Start of structure or map found where not expected.")
	case c == '[':
		if sh.Type == model.TypeMap {
			return Serialization("Unrecognized collection type java.util.Map<java.lang.String, " + v.javaClass(&v.svc.Shapes[sh.Value]) + ">")
		}
		return Serialization("Unrecognized collection type class " + v.javaClass(sh))
	}
	switch sh.Type {
	case model.TypeStructure, model.TypeUnion, model.TypeList, model.TypeMap:
		return Serialization("Unexpected field type")
	case model.TypeBlob:
		return Serialization("only base-64-encoded strings are convertible to bytes")
	case model.TypeBoolean:
		if c == '"' {
			return Serialization("Unexpected token received from parser")
		}
	}
	class := v.javaClass(sh)
	return Serialization(v.tokenName() + " cannot be converted to " + class[strings.LastIndexByte(class, '.')+1:])
}

// value validates the value at v.pos against shape idx and advances past
// it. A null value is skipped (and counts as absent).
func (v *validator) value(idx int) error {
	v.skipWS()
	if v.peek() == 'n' {
		v.pos += 4
		return nil
	}
	sh := &v.svc.Shapes[idx]
	switch sh.Type {
	case model.TypeStructure, model.TypeUnion:
		if v.peek() != '{' {
			return v.mismatch(sh)
		}
		return v.structure(sh)
	case model.TypeList:
		if v.peek() != '[' {
			return v.mismatch(sh)
		}
		return v.list(sh)
	case model.TypeMap:
		if v.peek() != '{' {
			return v.mismatch(sh)
		}
		return v.mapValue(sh)
	case model.TypeString, model.TypeEnum:
		if v.peek() != '"' {
			return v.mismatch(sh)
		}
		start := v.pos
		s := v.readBytes()
		v.checkString(sh, s, start)
		return nil
	case model.TypeBlob:
		if v.peek() != '"' {
			return v.mismatch(sh)
		}
		start := v.pos
		s := v.readBytes()
		if sh.Length != nil {
			v.checkLength(sh, float64(len(s)*3/4), start)
		}
		return nil
	case model.TypeTimestamp:
		switch c := v.peek(); {
		case c == '"' || c == '-' || '0' <= c && c <= '9':
			v.skipValue()
			return nil
		}
		return v.mismatch(sh)
	case model.TypeBoolean:
		switch v.peek() {
		case 't':
			v.pos += 4
			return nil
		case 'f':
			v.pos += 5
			return nil
		}
		return v.mismatch(sh)
	case model.TypeDocument:
		v.skipValue()
		return nil
	default: // numbers
		c := v.peek()
		if c != '-' && (c < '0' || c > '9') {
			return v.mismatch(sh)
		}
		start := v.pos
		v.skipValue()
		if sh.Range != nil {
			text := string(v.data[start:v.pos])
			if f, err := strconv.ParseFloat(text, 64); err == nil {
				v.checkBounds(sh, sh.Range, f, "value", start)
			}
		}
		return nil
	}
}

func (v *validator) structure(sh *model.Shape) error {
	v.pos++ // {
	base := len(v.errs)
	pathLen := len(v.path)
	var seenSmall uint64
	var seenBig []bool
	if len(sh.Members) > 64 {
		seenBig = make([]bool, len(sh.Members))
	}
	for {
		v.skipWS()
		if v.peek() == '}' {
			v.pos++
			break
		}
		if v.peek() == ',' {
			v.pos++
			v.skipWS()
		}
		mi := memberIndex(sh, v.readBytes())
		v.skipWS()
		v.pos++ // :
		v.skipWS()
		if mi < 0 {
			v.skipValue()
			continue
		}
		m := &sh.Members[mi]
		if v.peek() == 'n' {
			v.pos += 4
			continue
		}
		if seenBig != nil {
			seenBig[mi] = true
		} else {
			seenSmall |= 1 << mi
		}
		before := len(v.errs)
		v.path = appendSegment(v.path, m.Name)
		if err := v.value(m.Target); err != nil {
			return err
		}
		v.path = v.path[:pathLen]
		for j := before; j < len(v.errs); j++ {
			v.errs[j].order = mi
		}
	}
	for mi := range sh.Members {
		m := &sh.Members[mi]
		seen := seenBig != nil && seenBig[mi] || seenBig == nil && seenSmall&(1<<mi) != 0
		if m.Required && !seen && m.Location == "" { // REST-bound members are not in the body
			v.path = appendSegment(v.path, m.Name)
			v.errs = append(v.errs, violation{msg: NullViolation(string(v.path)), order: mi})
			v.path = v.path[:pathLen]
		}
	}
	if len(v.errs)-base > 1 {
		slices.SortStableFunc(v.errs[base:], func(a, b violation) int { return a.order - b.order })
	}
	return nil
}

// memberIndex finds the member whose wire name is key.
func memberIndex(sh *model.Shape, key []byte) int {
	for i := range sh.Members {
		if sh.Members[i].WireName() == string(key) {
			return i
		}
	}
	return -1
}

// appendSegment appends ".name" (or "name" at the root) with the first
// letter lower-cased, as Coral names members in its messages.
func appendSegment(path []byte, name string) []byte {
	if len(path) > 0 {
		path = append(path, '.')
	}
	if name != "" && 'A' <= name[0] && name[0] <= 'Z' {
		path = append(path, name[0]+('a'-'A'))
		return append(path, name[1:]...)
	}
	return append(path, name...)
}

func (v *validator) list(sh *model.Shape) error {
	start := v.pos
	v.pos++ // [
	pathLen := len(v.path)
	n := 0
	for {
		v.skipWS()
		if v.peek() == ']' {
			v.pos++
			break
		}
		if v.peek() == ',' {
			v.pos++
			v.skipWS()
		}
		n++
		if v.peek() == 'n' {
			v.pos += 4
			continue
		}
		if len(v.path) > 0 {
			v.path = append(v.path, '.')
		}
		v.path = strconv.AppendInt(v.path, int64(n), 10)
		v.path = append(v.path, ".member"...)
		if err := v.value(sh.Elem); err != nil {
			return err
		}
		v.path = v.path[:pathLen]
	}
	if sh.Length != nil {
		v.checkLength(sh, float64(n), start)
	}
	return nil
}

func (v *validator) mapValue(sh *model.Shape) error {
	start := v.pos
	v.pos++ // {
	pathLen := len(v.path)
	keySh, valSh := &v.svc.Shapes[sh.Key], &v.svc.Shapes[sh.Value]
	var keyFails, valFails []string
	n := 0
	for {
		v.skipWS()
		if v.peek() == '}' {
			v.pos++
			break
		}
		if v.peek() == ',' {
			v.pos++
			v.skipWS()
		}
		key := v.readString()
		n++
		keyFails = appendMissing(keyFails, constraintFailures(keySh, key)...)
		v.skipWS()
		v.pos++ // :
		v.skipWS()
		if v.peek() == 'n' {
			v.pos += 4
			continue
		}
		switch valSh.Type {
		case model.TypeString, model.TypeEnum:
			if v.peek() != '"' {
				return v.mismatch(valSh)
			}
			valFails = appendMissing(valFails, constraintFailures(valSh, v.readString())...)
		default:
			v.path = append(v.path, '.')
			v.path = append(v.path, key...)
			if err := v.value(sh.Value); err != nil {
				return err
			}
			v.path = v.path[:pathLen]
		}
	}
	if sh.Length != nil {
		v.checkLength(sh, float64(n), start)
	}
	if len(keyFails) > 0 {
		v.fail(sh, start, "Map keys must satisfy constraint: ["+strings.Join(keyFails, ", ")+"]")
	}
	if len(valFails) > 0 {
		v.fail(sh, start, "Map value must satisfy constraint: ["+strings.Join(valFails, ", ")+"]")
	}
	return nil
}

func appendMissing(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// constraintFailures lists the constraints a string breaks, for map keys
// and values.
func constraintFailures(sh *model.Shape, s string) []string {
	var out []string
	if sh.Length != nil {
		n := float64(utf8.RuneCountInString(s))
		if msg := boundsMessage(sh.Length, n, "length"); msg != "" {
			out = append(out, msg)
		}
	}
	if sh.HasPattern() && !sh.Matches(s) {
		out = append(out, "Member must satisfy regular expression pattern: "+sh.Pattern)
	}
	if len(sh.Enum) > 0 && !slices.Contains(sh.Enum, s) {
		out = append(out, enumMessage(sh.Enum))
	}
	return out
}

func (v *validator) checkString(sh *model.Shape, s []byte, start int) {
	if sh.Length != nil {
		v.checkLength(sh, float64(utf8.RuneCount(s)), start)
	}
	if sh.HasPattern() && !sh.MatchesBytes(s) {
		v.fail(sh, start, "Member must satisfy regular expression pattern: "+sh.Pattern)
	}
	if len(sh.Enum) > 0 && !enumContains(sh.Enum, s) {
		v.fail(sh, start, enumMessage(sh.Enum))
	}
}

func enumContains(values []string, s []byte) bool {
	for _, e := range values {
		if e == string(s) {
			return true
		}
	}
	return false
}

func enumMessage(values []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

func (v *validator) checkLength(sh *model.Shape, n float64, start int) {
	v.checkBounds(sh, sh.Length, n, "length", start)
}

func (v *validator) checkBounds(sh *model.Shape, b *model.Bounds, n float64, what string, start int) {
	if msg := boundsMessage(b, n, what); msg != "" {
		v.fail(sh, start, msg)
	}
}

func boundsMessage(b *model.Bounds, n float64, what string) string {
	switch {
	case b.Max != nil && n > *b.Max:
		return "Member must have " + what + " less than or equal to " + strconv.FormatFloat(*b.Max, 'f', -1, 64)
	case b.Min != nil && n < *b.Min:
		return "Member must have " + what + " greater than or equal to " + strconv.FormatFloat(*b.Min, 'f', -1, 64)
	}
	return ""
}

// fail records a violation of the value starting at data[start:v.pos].
func (v *validator) fail(sh *model.Shape, start int, constraint string) {
	if sh.Sensitive {
		v.errs = append(v.errs, violation{msg: SensitiveViolation(string(v.path), constraint)})
		return
	}
	var b strings.Builder
	renderJava(&b, v.data[start:v.pos])
	v.errs = append(v.errs, violation{msg: Violation(string(v.path), b.String(), constraint)})
}

// readString reads the JSON string at v.pos and returns its value.
func (v *validator) readString() string { return string(v.readBytes()) }

// readBytes reads the JSON string at v.pos and returns its value. The
// result aliases the input, or v.scratch when the string has escapes, so it
// is valid only until the next call.
func (v *validator) readBytes() []byte {
	start := v.pos
	v.pos++
	escaped := false
	for v.pos < len(v.data) {
		c := v.data[v.pos]
		if c == '\\' {
			escaped = true
			v.pos += 2
			continue
		}
		v.pos++
		if c == '"' {
			break
		}
	}
	if v.pos > len(v.data) {
		v.pos = len(v.data)
	}
	raw := v.data[start:v.pos]
	if len(raw) < 2 {
		return nil
	}
	raw = raw[1 : len(raw)-1]
	if !escaped {
		return raw
	}
	v.scratch = unescape(v.scratch[:0], raw)
	return v.scratch
}

// unescape appends the value of the JSON string body raw (without quotes)
// to dst. Invalid escapes and lone surrogates become U+FFFD, as
// encoding/json does.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n := hex4(raw[i+1:])
			if n == 0 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
				continue
			}
			i += n
			if utf16.IsSurrogate(r) {
				r2, n2 := rune(-1), 0
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2, n2 = hex4(raw[i+3:])
				}
				if d := utf16.DecodeRune(r, r2); n2 > 0 && d != utf8.RuneError {
					i += 2 + n2
					r = d
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // " \ /
			dst = append(dst, raw[i])
		}
	}
	return dst
}

// hex4 decodes four hex digits; n is 4, or 0 when b does not start with
// them.
func hex4(b []byte) (r rune, n int) {
	if len(b) < 4 {
		return 0, 0
	}
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, 0
		}
		r = r<<4 | rune(c)
	}
	return r, 4
}

// skipValue advances past the (well-formed) JSON value at v.pos.
func (v *validator) skipValue() {
	v.skipWS()
	switch v.peek() {
	case '"':
		v.readString()
		return
	case '{', '[':
		depth := 0
		for v.pos < len(v.data) {
			switch v.data[v.pos] {
			case '"':
				v.readString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					v.pos++
					return
				}
			}
			v.pos++
		}
		return
	}
	for v.pos < len(v.data) {
		switch v.data[v.pos] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return
		}
		v.pos++
	}
}

// renderJava writes a JSON value the way Java's toString shows the
// deserialized object: strings bare, lists "[a, b]", maps "{k=v}".
func renderJava(b *strings.Builder, raw []byte) {
	r := validator{data: raw}
	r.renderValue(b)
}

func (v *validator) renderValue(b *strings.Builder) {
	v.skipWS()
	switch v.peek() {
	case '"':
		b.WriteString(v.readString())
	case '[':
		v.pos++
		b.WriteByte('[')
		for first := true; ; first = false {
			v.skipWS()
			if v.peek() == ']' || v.pos >= len(v.data) {
				v.pos++
				break
			}
			if v.peek() == ',' {
				v.pos++
			}
			if !first {
				b.WriteString(", ")
			}
			v.renderValue(b)
		}
		b.WriteByte(']')
	case '{':
		v.pos++
		b.WriteByte('{')
		for first := true; ; first = false {
			v.skipWS()
			if v.peek() == '}' || v.pos >= len(v.data) {
				v.pos++
				break
			}
			if v.peek() == ',' {
				v.pos++
				v.skipWS()
			}
			if !first {
				b.WriteString(", ")
			}
			b.WriteString(v.readString())
			v.skipWS()
			v.pos++ // :
			b.WriteByte('=')
			v.renderValue(b)
		}
		b.WriteByte('}')
	default:
		start := v.pos
		v.skipValue()
		b.Write(v.data[start:v.pos])
	}
}
