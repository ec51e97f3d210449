package apigateway

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// A mapping is a parsed parameter mapping value of an HTTP API integration
// (AWS's "parameter mapping" syntax): static text mixed with
//
//	$request.header.<name>       a request header (several values joined by ",")
//	$request.querystring.<name>  a query parameter (several values joined by ",")
//	$request.path.<name>         a path parameter of the route
//	$request.path                the request path
//	$request.body                the whole request body
//	$request.body.<path>         a JSON path into the body: .name, [n], ['name']
//	$context.<variable>          a context variable ($context.requestId, ...,
//	                             $context.authorizer.<name>,
//	                             $context.authorizer.claims.<name>,
//	                             $context.identity.userArn, ...)
//	$stageVariables.<name>       a stage variable
//
// Each may also be written ${request.header.x} to end it before text that
// would otherwise continue it. A "$" that starts none of these is text.
type mapping struct {
	parts []mapPart
}

// mapPart kinds.
const (
	partText = iota
	partHeader
	partQuery
	partPathParam
	partPath
	partBody
	partBodyPath
	partContext
	partStageVar
)

type mapPart struct {
	kind int
	text string    // the text, or the header/query/path/stage/context name
	path []pathKey // partBodyPath
}

// pathKey is one step of a body path: a member name or an array index.
type pathKey struct {
	name  string
	index int
	isIdx bool
}

// maxMappingLength bounds a mapping value (AWS: 512 characters).
const maxMappingLength = 512

// contextVariables are the $context variables a mapping may use.
var contextVariables = map[string]bool{
	"accountId": true, "apiId": true, "domainName": true, "domainPrefix": true, "extendedRequestId": true,
	"httpMethod": true, "identity.sourceIp": true, "identity.userAgent": true, "path": true, "protocol": true,
	"requestId": true, "requestTime": true, "requestTimeEpoch": true, "routeKey": true, "stage": true,
	// An AWS_IAM route's caller.
	"identity.accessKey": true, "identity.accountId": true, "identity.caller": true, "identity.user": true,
	"identity.userArn": true,
}

// parseMapping parses a mapping value. Errors say what is wrong in plain
// words; callers wrap them in BadRequestException.
func parseMapping(s string) (*mapping, error) {
	if len(s) > maxMappingLength {
		return nil, errors.New("the expression is longer than 512 characters")
	}
	m := &mapping{}
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			m.parts = append(m.parts, mapPart{kind: partText, text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(s); {
		if s[i] != '$' {
			text.WriteByte(s[i])
			i++
			continue
		}
		rest := s[i+1:]
		braced := strings.HasPrefix(rest, "{")
		var expr string
		if braced {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, errors.New("unterminated ${ at offset " + strconv.Itoa(i))
			}
			expr = rest[1:end]
			p, n, err := parseVariable(expr, true)
			if err != nil {
				return nil, err
			}
			if n != len(expr) {
				return nil, errors.New("unexpected text " + strconv.Quote(expr[n:]) + " in ${" + expr + "}")
			}
			flush()
			m.parts = append(m.parts, p)
			i += 1 + end + 1
			continue
		}
		if !startsVariable(rest) {
			text.WriteByte('$')
			i++
			continue
		}
		p, n, err := parseVariable(rest, false)
		if err != nil {
			return nil, err
		}
		flush()
		m.parts = append(m.parts, p)
		i += 1 + n
	}
	flush()
	return m, nil
}

func startsVariable(s string) bool {
	return strings.HasPrefix(s, "request.") || s == "request" || strings.HasPrefix(s, "context.") || strings.HasPrefix(s, "stageVariables.")
}

// parseVariable parses a variable (without its "$") at the start of s and
// returns it with the number of bytes it used. Unbraced header names are
// tokens of header characters (letters, digits, "-", ...); path, query and
// stage variable names letters, digits and "_". A braced variable's name
// is all of the rest of its braces.
func parseVariable(s string, braced bool) (mapPart, int, error) {
	word, header := isWordChar, isHeaderChar
	if braced {
		word, header = anyChar, anyChar
	}
	switch {
	case strings.HasPrefix(s, "request.header."):
		return nameVar(s, "request.header.", partHeader, header)
	case strings.HasPrefix(s, "request.querystring."):
		return nameVar(s, "request.querystring.", partQuery, word)
	case strings.HasPrefix(s, "request.path"):
		if strings.HasPrefix(s, "request.path.") {
			return nameVar(s, "request.path.", partPathParam, word)
		}
		if len(s) > len("request.path") && isNameChar(s[len("request.path")]) {
			break
		}
		return mapPart{kind: partPath}, len("request.path"), nil
	case strings.HasPrefix(s, "request.body"):
		n := len("request.body")
		if n == len(s) || s[n] != '.' && s[n] != '[' {
			if n < len(s) && isNameChar(s[n]) {
				break
			}
			return mapPart{kind: partBody}, n, nil
		}
		path, used, err := parseBodyPath(s[n:])
		if err != nil {
			return mapPart{}, 0, err
		}
		return mapPart{kind: partBodyPath, path: path}, n + used, nil
	case strings.HasPrefix(s, "context."):
		p, n, err := dottedVar(s, "context.", partContext)
		if err != nil {
			return p, n, err
		}
		// $context.authorizer.<name> and .claims.<name>: what the route's
		// authorizer returned.
		if rest, ok := strings.CutPrefix(p.text, "authorizer."); ok && rest != "" && rest != "claims" {
			return p, n, nil
		}
		// Take the longest known variable (identity.sourceIp before identity).
		for name := p.text; name != ""; {
			if contextVariables[name] {
				return mapPart{kind: partContext, text: name}, len("context.") + len(name), nil
			}
			dot := strings.LastIndexByte(name, '.')
			if dot < 0 {
				break
			}
			name = name[:dot]
		}
		return mapPart{}, 0, errors.New("unsupported context variable $context." + p.text)
	case strings.HasPrefix(s, "stageVariables."):
		return nameVar(s, "stageVariables.", partStageVar, word)
	}
	v := s
	if i := strings.IndexAny(v, " ,;'\"}"); i >= 0 {
		v = v[:i]
	}
	return mapPart{}, 0, errors.New("unsupported expression $" + v + "; use $request.header.<name>, $request.querystring.<name>, $request.path.<name>, $request.path, $request.body, $request.body.<JSON path>, $context.<variable> or $stageVariables.<name>")
}

func nameVar(s, prefix string, kind int, ok func(byte) bool) (mapPart, int, error) {
	n := len(prefix)
	for n < len(s) && ok(s[n]) {
		n++
	}
	if n == len(prefix) {
		return mapPart{}, 0, errors.New("$" + strings.TrimSuffix(prefix, ".") + " needs a name")
	}
	return mapPart{kind: kind, text: s[len(prefix):n]}, n, nil
}

func dottedVar(s, prefix string, kind int) (mapPart, int, error) {
	n := len(prefix)
	for n < len(s) && (isNameChar(s[n]) && s[n] != '-' || s[n] == '.' && n+1 < len(s) && isNameChar(s[n+1])) {
		n++
	}
	if n == len(prefix) {
		return mapPart{}, 0, errors.New("$" + strings.TrimSuffix(prefix, ".") + " needs a name")
	}
	return mapPart{kind: kind, text: s[len(prefix):n]}, n, nil
}

func isWordChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

func anyChar(byte) bool { return true }

func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func isHeaderChar(c byte) bool {
	return isNameChar(c) || c == '!' || c == '#' || c == '&' || c == '*' || c == '+' || c == '^' || c == '`' || c == '|' || c == '~'
}

// parseBodyPath parses the JSON path after $request.body: steps ".name",
// "[n]" and "['name']". It stops at the first character that continues
// none of them.
func parseBodyPath(s string) ([]pathKey, int, error) {
	var path []pathKey
	i := 0
	for i < len(s) {
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && isNameChar(s[j]) && s[j] != '-' {
				j++
			}
			if j == i+1 {
				if j < len(s) && (s[j] == '.' || s[j] == '*') {
					return nil, 0, errors.New("recursive descent and wildcards are not supported in $request.body paths")
				}
				return nil, 0, errors.New("a name must follow '.' in a $request.body path")
			}
			path = append(path, pathKey{name: s[i+1 : j]})
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, 0, errors.New("unterminated [ in a $request.body path")
			}
			inner := s[i+1 : i+end]
			switch {
			case len(inner) >= 2 && (inner[0] == '\'' && inner[len(inner)-1] == '\'' || inner[0] == '"' && inner[len(inner)-1] == '"'):
				path = append(path, pathKey{name: inner[1 : len(inner)-1]})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || strings.HasPrefix(inner, "+") {
					return nil, 0, errors.New("unsupported [" + inner + "] in a $request.body path: use [<index>] or ['<name>'] (filters and wildcards are not supported)")
				}
				path = append(path, pathKey{index: n, isIdx: true})
			}
			i += end + 1
		default:
			if len(path) > 64 {
				return nil, 0, errors.New("the $request.body path is too deep")
			}
			return path, i, nil
		}
		if len(path) > 64 {
			return nil, 0, errors.New("the $request.body path is too deep")
		}
	}
	return path, i, nil
}

// mapSource is what a mapping reads from: one request.
type mapSource interface {
	header(name string) (string, bool)
	query(name string) (string, bool)
	pathParam(name string) (string, bool)
	requestPath() string
	body() []byte
	// bodyIsJSON reports whether body() is valid JSON.
	bodyIsJSON() bool
	context(name string) (string, bool)
	stageVariable(name string) (string, bool)
}

// eval evaluates the mapping. ok is false when the mapping is a single
// variable the request lacks (the parameter is then left out); missing
// variables inside text are empty.
func (m *mapping) eval(src mapSource) (string, bool) {
	if len(m.parts) == 1 {
		return m.parts[0].eval(src)
	}
	var b strings.Builder
	for i := range m.parts {
		v, _ := m.parts[i].eval(src)
		b.WriteString(v)
	}
	return b.String(), true
}

func (p *mapPart) eval(src mapSource) (string, bool) {
	switch p.kind {
	case partText:
		return p.text, true
	case partHeader:
		return src.header(p.text)
	case partQuery:
		return src.query(p.text)
	case partPathParam:
		return src.pathParam(p.text)
	case partPath:
		return src.requestPath(), true
	case partBody:
		return string(src.body()), true
	case partBodyPath:
		if !src.bodyIsJSON() {
			return "", false
		}
		raw, ok := lookupJSON(src.body(), p.path)
		if !ok {
			return "", false
		}
		switch raw[0] {
		case '"':
			if bytes.IndexByte(raw, '\\') < 0 {
				return string(raw[1 : len(raw)-1]), true
			}
			v, err := jsonv.Parse(raw)
			if err != nil {
				return "", false
			}
			s, _ := v.(string)
			return s, true
		case '{', '[':
			v, err := jsonv.Parse(raw)
			if err != nil {
				return "", false
			}
			return jsonv.Marshal(v), true
		}
		return string(raw), true
	case partContext:
		return src.context(p.text)
	case partStageVar:
		return src.stageVariable(p.text)
	}
	return "", false
}

// lookupJSON returns the raw text of the value at path in data, which must
// be valid JSON, without decoding the rest of the document. As in jsonv,
// the last of duplicate keys wins.
func lookupJSON(data []byte, path []pathKey) ([]byte, bool) {
	i := skipWS(data, 0)
	for _, k := range path {
		if i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case '{':
			if k.isIdx {
				return nil, false
			}
			found := -1
			i++
			for {
				i = skipWS(data, i)
				if i >= len(data) || data[i] == '}' {
					break
				}
				end := skipString(data, i)
				match := keyEquals(data[i:end], k.name)
				i = skipWS(data, end) + 1 // the colon
				i = skipWS(data, i)
				if match {
					found = i
				}
				i = skipWS(data, skipValue(data, i))
				if i < len(data) && data[i] == ',' {
					i++
				}
			}
			if found < 0 {
				return nil, false
			}
			i = found
		case '[':
			if !k.isIdx {
				return nil, false
			}
			i++
			for n := 0; ; n++ {
				i = skipWS(data, i)
				if i >= len(data) || data[i] == ']' {
					return nil, false
				}
				if n == k.index {
					break
				}
				i = skipWS(data, skipValue(data, i))
				if i < len(data) && data[i] == ',' {
					i++
				}
			}
		default:
			return nil, false
		}
	}
	if i >= len(data) {
		return nil, false
	}
	return data[i:skipValue(data, i)], true
}

func skipWS(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i].
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// skipValue returns the index after the value starting at data[i].
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// keyEquals reports whether the JSON string literal raw decodes to name.
func keyEquals(raw []byte, name string) bool {
	if len(raw) < 2 {
		return false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body) == name
	}
	v, err := jsonv.Parse(raw)
	return err == nil && v == name
}
