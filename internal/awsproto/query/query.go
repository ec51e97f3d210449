// Package query is the server side of the awsQuery protocol (IAM, STS; SES
// v1 reads its forms with DecodeForm):
// form-encoded requests (Action=…&Version=…, lists as Member.N, maps as
// entry.N.key/value) turned into the JSON of the model's input shape, and
// the JSON output written back as AWS's XML response, or the XML error
// document. API binds a service's table of actions to both entry points,
// the HTTP handler and the in-process Call, so they share one validation
// and one set of handlers.
package query

// This file is the wire format: forms to JSON, JSON to XML, XML errors,
// and the HTTP handler.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// maxFormDepth bounds the nesting of structures a form may describe.
const maxFormDepth = 16

// FormToJSON converts the form parameters of an awsQuery request into the
// JSON form of the model shape at index shape. Keys that name no member are
// ignored. A list Name is sent as Name.member.1, Name.member.2, ... (an
// empty list as "Name="), a map as Name.entry.N.key and Name.entry.N.value,
// a structure member as Name.Member. Returns a ValidationError for a
// scalar that does not parse as its type.
func FormToJSON(svc *model.Service, shape int, form url.Values) ([]byte, error) {
	out, err := DecodeForm(svc, shape, form)
	var ve *ValueError
	if errors.As(err, &ve) {
		return nil, awsproto.ValidationError(awsproto.Violation(ve.Path, ve.Value, "Member must be "+ve.Want))
	}
	return out, err
}

// DecodeForm is FormToJSON for services that word their own answer to a
// scalar that does not parse as its type: it reports one as a *ValueError.
func DecodeForm(svc *model.Service, shape int, form url.Values) ([]byte, error) {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fe := formEncoder{svc: svc, form: form, keys: keys}
	out, _, err := fe.structure(make([]byte, 0, 256), shape, "", "", 0)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// A ValueError is a form parameter whose value does not parse as its
// member's scalar type.
type ValueError struct {
	Key   string // the form key, e.g. "Tags.member.1.Value"
	Path  string // the member path validation messages name, e.g. "tags.1.member.value"
	Value string
	Want  string // what the member takes: "true or false", "an integer" or "a number"
}

// Error says which parameter is invalid and what it takes: "Value 'x' for
// parameter MaxItems is invalid: expected an integer."
func (e *ValueError) Error() string {
	return "Value '" + e.Value + "' for parameter " + e.Key + " is invalid: expected " + e.Want + "."
}

type formEncoder struct {
	svc  *model.Service
	form url.Values
	keys []string // sorted
}

// hasPrefix reports whether some form key starts with p.
func (fe *formEncoder) hasPrefix(p string) bool {
	i := sort.SearchStrings(fe.keys, p)
	return i < len(fe.keys) && strings.HasPrefix(fe.keys[i], p)
}

// withPrefix returns the sorted keys starting with p.
func (fe *formEncoder) withPrefix(p string) []string {
	i := sort.SearchStrings(fe.keys, p)
	j := i
	for j < len(fe.keys) && strings.HasPrefix(fe.keys[j], p) {
		j++
	}
	return fe.keys[i:j]
}

// structure appends the JSON object for the structure at key prefix p
// ("" at the top, else "Name."); present is false when the form holds
// none of its members. path is the member path for error messages.
func (fe *formEncoder) structure(b []byte, idx int, p, path string, depth int) ([]byte, bool, error) {
	if depth > maxFormDepth {
		return b, false, nil
	}
	sh := &fe.svc.Shapes[idx]
	start := len(b)
	b = append(b, '{')
	n := 0
	for _, m := range sh.Members {
		key := p + m.Name
		mark := len(b)
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, m.Name)
		b = append(b, ':')
		var ok bool
		var err error
		b, ok, err = fe.value(b, m.Target, key, joinPath(path, m.Name), depth)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			b = b[:mark]
			continue
		}
		n++
	}
	b = append(b, '}')
	if n == 0 && depth > 0 {
		return b[:start], false, nil
	}
	return b, true, nil
}

// value appends the value of shape idx found at form key key.
func (fe *formEncoder) value(b []byte, idx int, key, path string, depth int) ([]byte, bool, error) {
	sh := &fe.svc.Shapes[idx]
	switch sh.Type {
	case model.TypeStructure, model.TypeUnion:
		if !fe.hasPrefix(key + ".") {
			return b, false, nil
		}
		return fe.structure(b, idx, key+".", path, depth+1)
	case model.TypeList:
		return fe.list(b, sh, key, path, depth)
	case model.TypeMap:
		return fe.mapValue(b, sh, key, path, depth)
	}
	vs, ok := fe.form[key]
	if !ok || len(vs) == 0 {
		return b, false, nil
	}
	b, err := appendScalar(b, sh, vs[0], key, path)
	return b, err == nil, err
}

// indices returns the distinct positive element numbers N of the keys
// prefix + "N" or prefix + "N." + ..., in numeric order.
func (fe *formEncoder) indices(prefix string) []int {
	var out []int
	for _, k := range fe.withPrefix(prefix) {
		rest := k[len(prefix):]
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[:i]
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n <= 0 || strconv.Itoa(n) != rest {
			continue
		}
		out = append(out, n)
	}
	sort.Ints(out)
	return compactInts(out)
}

func compactInts(s []int) []int {
	if len(s) < 2 {
		return s
	}
	j := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[j-1] {
			s[j] = s[i]
			j++
		}
	}
	return s[:j]
}

func (fe *formEncoder) list(b []byte, sh *model.Shape, key, path string, depth int) ([]byte, bool, error) {
	prefix := key + ".member."
	idx := fe.indices(prefix)
	if len(idx) == 0 {
		// "Name=" with no members is an empty list.
		if vs, ok := fe.form[key]; ok && len(vs) > 0 && vs[0] == "" {
			return append(b, '[', ']'), true, nil
		}
		return b, false, nil
	}
	b = append(b, '[')
	n := 0
	for _, i := range idx {
		elemKey := prefix + strconv.Itoa(i)
		mark := len(b)
		if n > 0 {
			b = append(b, ',')
		}
		var ok bool
		var err error
		b, ok, err = fe.value(b, sh.Elem, elemKey, path+"."+strconv.Itoa(n+1)+".member", depth+1)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			b = b[:mark]
			continue
		}
		n++
	}
	return append(b, ']'), true, nil
}

func (fe *formEncoder) mapValue(b []byte, sh *model.Shape, key, path string, depth int) ([]byte, bool, error) {
	prefix := key + ".entry."
	idx := fe.indices(prefix)
	if len(idx) == 0 {
		return b, false, nil
	}
	b = append(b, '{')
	n := 0
	seen := map[string]bool{}
	for _, i := range idx {
		entry := prefix + strconv.Itoa(i) + "."
		kv, ok := fe.form[entry+"key"]
		if !ok || len(kv) == 0 || seen[kv[0]] {
			continue
		}
		mark := len(b)
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kv[0])
		b = append(b, ':')
		var err error
		b, ok, err = fe.value(b, sh.Value, entry+"value", path+"."+kv[0], depth+1)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			b = b[:mark]
			continue
		}
		seen[kv[0]] = true
		n++
	}
	return append(b, '}'), true, nil
}

// appendScalar appends s, the value of form key key, as the JSON value of
// a scalar shape.
func appendScalar(b []byte, sh *model.Shape, s, key, path string) ([]byte, error) {
	switch sh.Type {
	case model.TypeBoolean:
		switch strings.ToLower(s) {
		case "true":
			return append(b, "true"...), nil
		case "false":
			return append(b, "false"...), nil
		}
		return nil, &ValueError{Key: key, Path: path, Value: s, Want: "true or false"}
	case model.TypeByte, model.TypeShort, model.TypeInteger, model.TypeIntEnum, model.TypeLong, model.TypeBigInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, &ValueError{Key: key, Path: path, Value: s, Want: "an integer"}
		}
		return strconv.AppendInt(b, n, 10), nil
	case model.TypeFloat, model.TypeDouble, model.TypeBigDecimal:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, &ValueError{Key: key, Path: path, Value: s, Want: "a number"}
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), nil
	}
	return appendJSONString(b, s), nil
}

// joinPath appends a member to an error path, first letter lower-cased, as
// AWS names members in validation messages.
func joinPath(path, name string) string {
	if name != "" && 'A' <= name[0] && name[0] <= 'Z' {
		name = string(name[0]+('a'-'A')) + name[1:]
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// AppendXMLResponse appends the awsQuery response of action: result is
// the JSON output (nil for an action without output members).
func AppendXMLResponse(b []byte, xmlns, action, requestID string, result []byte) ([]byte, error) {
	b = append(b, '<')
	b = append(b, action...)
	b = append(b, `Response xmlns="`...)
	b = append(b, xmlns...)
	b = append(b, `">`...)
	if result != nil {
		b = append(b, '<')
		b = append(b, action...)
		b = append(b, "Result>"...)
		var err error
		if b, err = JSONToXML(b, result); err != nil {
			return nil, err
		}
		b = append(b, "</"...)
		b = append(b, action...)
		b = append(b, "Result>"...)
	}
	b = append(b, "<ResponseMetadata><RequestId>"...)
	b = appendXMLText(b, requestID)
	b = append(b, "</RequestId></ResponseMetadata></"...)
	b = append(b, action...)
	return append(b, "Response>"...), nil
}

// JSONToXML appends the members of the JSON object data as awsQuery XML
// elements: each member an element, each list element a <member>, each
// map entry an <entry> with <key> and <value>, nulls left out.
func JSONToXML(b []byte, data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("json to xml: result is not an object")
	}
	return xmlMembers(b, dec)
}

func xmlMembers(b []byte, dec *json.Decoder) ([]byte, error) {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		if b, err = xmlValue(b, dec, name); err != nil {
			return nil, err
		}
	}
	_, err := dec.Token() // }
	return b, err
}

func xmlValue(b []byte, dec *json.Decoder, name string) ([]byte, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return b, nil
	}
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			if b, err = xmlMembers(b, dec); err != nil {
				return nil, err
			}
		} else {
			for dec.More() {
				if b, err = xmlValue(b, dec, "member"); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
		}
	case string:
		b = appendXMLText(b, v)
	case json.Number:
		b = append(b, v...)
	case bool:
		b = strconv.AppendBool(b, v)
	}
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>'), nil
}

// appendXMLText appends s escaped as XML character data.
func appendXMLText(b []byte, s string) []byte {
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s))
	return append(b, buf.Bytes()...)
}

// queryError is an error as an awsQuery service sends it.
type queryError struct {
	status  int
	sender  bool
	code    string
	message string
}

// queryFramework maps the Coral framework error codes awsproto produces to
// the codes and statuses awsQuery services answer with.
var queryFramework = map[string]queryError{
	awsproto.CodeValidation:                 {status: 400, sender: true, code: "ValidationError"},
	awsproto.CodeSerialization:              {status: 400, sender: true, code: "MalformedInput"},
	awsproto.CodeUnknownOperation:           {status: 400, sender: true, code: "InvalidAction"},
	awsproto.CodeMissingAuthenticationToken: {status: 403, sender: true, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token"},
	awsproto.CodeUnrecognizedClient:         {status: 403, sender: true, code: "InvalidClientTokenId", message: "The security token included in the request is invalid."},
	awsproto.CodeInvalidSignature:           {status: 403, sender: true, code: "SignatureDoesNotMatch"},
	awsproto.CodeIncompleteSignature:        {status: 400, sender: true, code: "IncompleteSignature"},
	awsproto.CodeAccessDenied:               {status: 403, sender: true, code: "AccessDenied"},
	awsproto.CodeExpiredToken:               {status: 400, sender: true, code: "ExpiredToken"},
	awsproto.CodeThrottling:                 {status: 400, sender: true, code: "Throttling"},
	awsproto.CodeInternalFailure:            {status: 500, sender: false, code: "InternalFailure"},
	awsproto.CodeServiceUnavailable:         {status: 503, sender: false, code: "ServiceUnavailable"},
	awsproto.CodeRequestEntityTooLarge:      {status: 413, sender: true, code: "RequestEntityTooLarge"},
}

// toQueryError resolves err against the model's error table.
func toQueryError(service string, err error) queryError {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		e = awsproto.InternalFailure(err.Error())
	}
	qe := queryError{status: http.StatusBadRequest, sender: true, code: e.Code, message: e.Message}
	if fw, ok := queryFramework[e.Code]; ok {
		qe.status, qe.sender, qe.code = fw.status, fw.sender, fw.code
		if fw.message != "" {
			qe.message = fw.message
		}
	} else if def, ok := awsproto.LookupError(service, e.Code); ok {
		qe.status, qe.sender = def.Status, def.Sender
		if def.QueryCode != "" {
			qe.code = def.QueryCode
		}
	}
	if e.QueryCode != "" {
		qe.code = e.QueryCode
	}
	if e.Status != 0 {
		qe.status, qe.sender = e.Status, e.Sender
	}
	return qe
}

// appendXMLError appends the awsQuery error document of qe.
func appendXMLError(b []byte, xmlns, requestID string, qe queryError) []byte {
	b = append(b, `<ErrorResponse xmlns="`...)
	b = append(b, xmlns...)
	b = append(b, `"><Error><Type>`...)
	if qe.sender {
		b = append(b, "Sender"...)
	} else {
		b = append(b, "Receiver"...)
	}
	b = append(b, "</Type><Code>"...)
	b = appendXMLText(b, qe.code)
	b = append(b, "</Code>"...)
	if qe.message != "" {
		b = append(b, "<Message>"...)
		b = appendXMLText(b, qe.message)
		b = append(b, "</Message>"...)
	}
	b = append(b, "</Error><RequestId>"...)
	b = appendXMLText(b, requestID)
	return append(b, "</RequestId></ErrorResponse>"...)
}

// Handler is the HTTP side of one awsQuery service.
type Handler struct {
	// Service names the generated model, e.g. "iam".
	Service string
	// XMLNS is the XML namespace of responses.
	XMLNS string
	// Call runs an action on its JSON input (already validated).
	Call func(ctx context.Context, action string, input []byte) ([]byte, error)
	// Has reports whether the service implements action.
	Has func(action string) bool
	// Auth, when set, authenticates every request.
	Auth awsproto.Authenticator
	// Model is the service's model (model.Load(Service)).
	Model *model.Service
	// MaxBody limits a request body [MaxBody].
	MaxBody int64
}

// MaxBody is the default request body limit (IAM policy documents hold at
// most 131,072 characters, each up to nine bytes once form-encoded).
const MaxBody = 2 << 20

func (q *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsproto.NewRequestID()
	action, out, err := q.serve(r, reqID)
	var b []byte
	status := http.StatusOK
	if err == nil {
		b, err = AppendXMLResponse(make([]byte, 0, 512+len(out)*2), q.XMLNS, action, reqID, out)
	}
	if err != nil {
		qe := toQueryError(q.Service, err)
		status = qe.status
		b = appendXMLError(make([]byte, 0, 256), q.XMLNS, reqID, qe)
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Type", "text/xml")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (q *Handler) serve(r *http.Request, reqID string) (string, []byte, error) {
	var body []byte
	switch r.Method {
	case http.MethodPost:
		limit := q.MaxBody
		if limit <= 0 {
			limit = MaxBody
		}
		if r.ContentLength > limit {
			return "", nil, &awsproto.Error{Code: awsproto.CodeRequestEntityTooLarge, Message: "Request Entity Too Large"}
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, limit)); err != nil {
			return "", nil, &awsproto.Error{Code: awsproto.CodeRequestEntityTooLarge, Message: "Request Entity Too Large"}
		}
		body = buf.Bytes()
	case http.MethodGet:
	default:
		return "", nil, awsproto.NewError("InvalidAction", "Only GET and POST requests are supported.")
	}
	ctx := awsproto.WithRequestID(r.Context(), reqID)
	if q.Auth != nil {
		cred, err := q.Auth(r, body)
		if err != nil {
			return "", nil, err
		}
		if cred != nil && cred.Service != q.Model.SigningName {
			return "", nil, awsproto.InvalidSignature("Credential should be scoped to correct service: '" + q.Model.SigningName + "'. ")
		}
		ctx = awsproto.WithCredential(ctx, cred)
	} else if cred, err := awsproto.ParseCredentialScope(r); err == nil {
		ctx = awsproto.WithCredential(ctx, cred)
	}
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		raw = string(body)
	}
	form, err := url.ParseQuery(raw)
	if err != nil {
		return "", nil, awsproto.NewError("MalformedQueryString", "The query string is malformed: "+err.Error())
	}
	action := form.Get("Action")
	if action == "" {
		return "", nil, awsproto.NewError("MissingAction", "Missing Action")
	}
	op, err := operation(q.Model, q.Has, action)
	if err != nil {
		return "", nil, err
	}
	input := []byte("{}")
	if op.Input >= 0 {
		delete(form, "Action")
		delete(form, "Version")
		if input, err = FormToJSON(q.Model, op.Input, form); err != nil {
			return "", nil, err
		}
		if err := awsproto.Validate(q.Service, action, input); err != nil {
			return "", nil, err
		}
	}
	out, err := q.Call(ctx, action, input)
	return action, out, err
}
