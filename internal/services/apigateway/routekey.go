package apigateway

import (
	"errors"
	"strings"
)

// routeMethods are the methods an HTTP API route key may name.
var routeMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// maxRouteSegments bounds a route key's path (and the work of matching).
const maxRouteSegments = 64

// routeKey is a parsed HTTP API route key: "$default" or
// "<METHOD> /<path>" where the path's segments are literals, {name}
// variables or, last, one greedy {name+} variable.
type routeKey struct {
	isDefault bool
	method    string // "ANY" or an HTTP method
	segs      []routeSeg
	greedy    string // the greedy variable's name; "" when none
}

// routeSeg is one path segment: a literal, or a variable (param != "").
type routeSeg struct {
	lit   string
	param string
}

// parseRouteKey parses a route key, or returns AWS's BadRequestException.
func parseRouteKey(key string) (*routeKey, error) {
	rk, err := parseRouteKeyErr(key)
	if err != nil {
		return nil, badRequest("Invalid route key " + quoteKey(key) + ": " + err.Error() +
			". Use $default or \"<METHOD> /<path>\" with METHOD one of " + strings.Join(routeMethods, ", ") +
			", e.g. \"POST /orders\", \"GET /orders/{id}\" or \"ANY /{proxy+}\".")
	}
	return rk, nil
}

func quoteKey(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return "'" + s + "'"
}

func parseRouteKeyErr(key string) (*routeKey, error) {
	if key == defaultRouteKey {
		return &routeKey{isDefault: true}, nil
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok {
		return nil, errors.New("the key has no path")
	}
	valid := false
	for _, m := range routeMethods {
		if m == method {
			valid = true
			break
		}
	}
	if !valid {
		return nil, errors.New("unknown method " + quoteKey(method))
	}
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New("the path must start with /")
	}
	rk := &routeKey{method: method}
	if path == "/" {
		return rk, nil
	}
	parts := strings.Split(path[1:], "/")
	if len(parts) > maxRouteSegments {
		return nil, errors.New("the path has too many segments")
	}
	seen := map[string]bool{}
	for i, p := range parts {
		if p == "" {
			return nil, errors.New("the path has an empty segment")
		}
		if !strings.ContainsAny(p, "{}") {
			for j := 0; j < len(p); j++ {
				if c := p[j]; c <= ' ' || c == 0x7f || c == '?' || c == '#' {
					return nil, errors.New("the path contains an invalid character")
				}
			}
			rk.segs = append(rk.segs, routeSeg{lit: p})
			continue
		}
		if len(p) < 3 || p[0] != '{' || p[len(p)-1] != '}' {
			return nil, errors.New("a path variable must be a whole segment, e.g. {id}")
		}
		name := p[1 : len(p)-1]
		greedy := strings.HasSuffix(name, "+")
		name = strings.TrimSuffix(name, "+")
		if !isParamName(name) {
			return nil, errors.New("invalid path variable name " + quoteKey(name))
		}
		if seen[name] {
			return nil, errors.New("the path variable " + name + " appears twice")
		}
		seen[name] = true
		if greedy {
			if i != len(parts)-1 {
				return nil, errors.New("a greedy path variable {" + name + "+} must be the last segment")
			}
			rk.greedy = name
			continue
		}
		rk.segs = append(rk.segs, routeSeg{param: name})
	}
	return rk, nil
}

func isParamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// String renders the key in its canonical form.
func (rk *routeKey) String() string {
	if rk.isDefault {
		return defaultRouteKey
	}
	var b strings.Builder
	b.WriteString(rk.method)
	b.WriteByte(' ')
	if len(rk.segs) == 0 && rk.greedy == "" {
		b.WriteByte('/')
	}
	for _, s := range rk.segs {
		b.WriteByte('/')
		if s.param != "" {
			b.WriteString("{" + s.param + "}")
		} else {
			b.WriteString(s.lit)
		}
	}
	if rk.greedy != "" {
		b.WriteString("/{" + rk.greedy + "+}")
	}
	return b.String()
}

// match reports whether the request's method and path segments (the path
// after the stage, split on "/", unescaped; the root path is no segment)
// match the key, and appends its path parameters to params.
func (rk *routeKey) match(method string, segs []string, params []pathParam) ([]pathParam, bool) {
	if rk.isDefault {
		return params, true
	}
	if rk.method != "ANY" && rk.method != method {
		return params, false
	}
	n := len(rk.segs)
	if rk.greedy == "" {
		if len(segs) != n {
			return params, false
		}
	} else if len(segs) <= n {
		return params, false
	}
	start := len(params)
	for i, s := range rk.segs {
		if s.param == "" {
			if segs[i] != s.lit {
				return params[:start], false
			}
			continue
		}
		if segs[i] == "" {
			return params[:start], false
		}
		params = append(params, pathParam{name: s.param, value: segs[i]})
	}
	if rk.greedy != "" {
		rest := strings.Join(segs[n:], "/")
		if rest == "" {
			return params[:start], false
		}
		params = append(params, pathParam{name: rk.greedy, value: rest})
	}
	return params, true
}

// pathParam is one path parameter of a matched route.
type pathParam struct{ name, value string }

// moreSpecific reports whether a wins over b when both match a request, as
// AWS chooses for HTTP APIs: a full match over a greedy one over $default;
// then, segment by segment, a literal over a variable; then the longer
// literal prefix of greedy routes; then a named method over ANY.
func (rk *routeKey) moreSpecific(o *routeKey) bool {
	a, b := rk, o
	if a.isDefault != b.isDefault {
		return b.isDefault
	}
	if a.isDefault {
		return false
	}
	ag, bg := a.greedy != "", b.greedy != ""
	if ag != bg {
		return bg
	}
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		al, bl := a.segs[i].param == "", b.segs[i].param == ""
		if al != bl {
			return al
		}
	}
	if len(a.segs) != len(b.segs) {
		return len(a.segs) > len(b.segs)
	}
	am, bm := a.method != "ANY", b.method != "ANY"
	if am != bm {
		return am
	}
	return false
}

// splitPath splits a request path (starting with "/") into its segments;
// "/" has none. ok is false when a segment has an invalid escape.
func splitPath(path string) ([]string, bool) {
	if path == "" || path == "/" {
		return nil, true
	}
	path = strings.TrimPrefix(path, "/")
	segs := strings.Split(path, "/")
	if len(segs) > 1024 {
		return nil, false
	}
	for i, s := range segs {
		if strings.IndexByte(s, '%') >= 0 {
			u, ok := unescapeSegment(s)
			if !ok {
				return nil, false
			}
			segs[i] = u
		}
	}
	return segs, true
}

// unescapeSegment decodes %XX escapes (not '+').
func unescapeSegment(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		h, ok1 := unhex(s[i+1])
		l, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, h<<4|l)
		i += 2
	}
	return string(b), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
