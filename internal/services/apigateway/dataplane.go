package apigateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto/restjson"
)

// maxPayload is the request body limit of HTTP APIs (10 MB).
const maxPayload = 10 << 20

// compiledAPI is the data plane's immutable view of one API.
type compiledAPI struct {
	id              string
	disableEndpoint bool
	cors            *cors
	routes          []*compiledRoute // most specific first
	stages          map[string]*compiledStage
	authorizers     map[string]*compiledAuthorizer
}

type compiledRoute struct {
	id    string
	key   *routeKey
	text  string // the route key as written
	integ *compiledIntegration
	// authType is JWT, CUSTOM or AWS_IAM ("" for NONE); authorizer is the
	// route's JWT or Lambda authorizer (nil if it is missing); scopes the
	// route's authorization scopes.
	authType   string
	authorizer *compiledAuthorizer
	scopes     []string
}

type compiledIntegration struct {
	doc     *integrationDoc
	fnARN   string
	params  []namedMapping // request parameters, sorted by name
	timeout time.Duration
}

type namedMapping struct {
	name string
	m    *mapping
}

type compiledStage struct {
	name     string
	vars     map[string]string
	deployed bool
}

// compile rebuilds the data plane view of a; call with Service.mu held for
// writing (or before the API is shared).
func (a *apiState) compile() {
	c := &compiledAPI{id: a.api.APIID, disableEndpoint: a.api.DisableExecuteAPIEndpoint, cors: a.api.CorsConfiguration,
		stages: make(map[string]*compiledStage, len(a.stages))}
	integs := make(map[string]*compiledIntegration, len(a.integrations))
	for id, e := range a.integrations {
		ci := &compiledIntegration{doc: e.doc, timeout: time.Duration(e.doc.TimeoutInMillis) * time.Millisecond}
		if ci.timeout <= 0 {
			ci.timeout = defaultTimeoutMillis * time.Millisecond
		}
		ci.fnARN, _ = lambdaFunctionARN(e.doc.IntegrationURI)
		for name, expr := range e.doc.RequestParameters {
			if m, err := parseMapping(expr); err == nil {
				ci.params = append(ci.params, namedMapping{name: name, m: m})
			}
		}
		sort.Slice(ci.params, func(i, j int) bool { return ci.params[i].name < ci.params[j].name })
		integs[id] = ci
	}
	var prevAuth map[string]*compiledAuthorizer
	if prev := a.compiled.Load(); prev != nil {
		prevAuth = prev.authorizers
	}
	c.authorizers = make(map[string]*compiledAuthorizer, len(a.authorizers))
	for id, e := range a.authorizers {
		c.authorizers[id] = compileAuthorizer(e.doc, prevAuth[id])
	}
	for _, d := range sorted(a.routes) {
		rk, err := parseRouteKeyErr(d.RouteKey)
		if err != nil {
			continue
		}
		cr := &compiledRoute{id: d.RouteID, key: rk, text: d.RouteKey, scopes: d.AuthorizationScopes}
		if id, ok := strings.CutPrefix(d.Target, "integrations/"); ok {
			cr.integ = integs[id]
		}
		switch d.AuthorizationType {
		case authTypeJWT, authTypeCustom:
			cr.authType, cr.authorizer = d.AuthorizationType, c.authorizers[d.AuthorizerID]
		case authTypeIAM:
			cr.authType = authTypeIAM
		}
		c.routes = append(c.routes, cr)
	}
	sort.SliceStable(c.routes, func(i, j int) bool { return c.routes[i].key.moreSpecific(c.routes[j].key) })
	for name, e := range a.stages {
		c.stages[name] = &compiledStage{name: name, vars: e.doc.StageVariables, deployed: e.doc.AutoDeploy || e.doc.DeploymentID != ""}
	}
	a.compiled.Store(c)
}

// route returns the most specific route matching a request, with its path
// parameters.
func (c *compiledAPI) route(method string, segs []string) (*compiledRoute, []pathParam) {
	var params []pathParam
	for _, r := range c.routes {
		var ok bool
		if params, ok = r.key.match(method, segs, params[:0]); ok {
			return r, params
		}
	}
	return nil, nil
}

// IsExecuteAPIHost reports whether a Host header names an API the way AWS's
// endpoints do: "{apiId}.execute-api.localhost[:port]" (any domain after
// "execute-api." is accepted, e.g. {apiId}.execute-api.us-east-1.amazonaws.com).
// Route such requests to NewDataPlane before any other routing.
func IsExecuteAPIHost(host string) bool {
	_, ok := apiIDFromHost(host)
	return ok
}

func apiIDFromHost(host string) (string, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	id, rest, ok := strings.Cut(host, ".")
	if !ok || id == "" || !strings.HasPrefix(strings.ToLower(rest), "execute-api.") {
		return "", false
	}
	return strings.ToLower(id), true
}

// dataPlane serves API invocations.
type dataPlane struct{ s *Service }

// NewDataPlane returns the handler that invokes the APIs: requests under
// DataPlanePrefix ({BaseURL}/_apis/{apiId}/[{stage}/]{path}) and requests
// whose Host satisfies IsExecuteAPIHost (/[{stage}/]{path}).
func NewDataPlane(s *Service) http.Handler { return dataPlane{s: s} }

// RequestRecord is one request the data plane served.
type RequestRecord struct {
	Time      time.Time
	RequestID string
	Method    string
	Path      string // as the client sent it, after the API prefix
	Stage     string
	RouteKey  string // "" when no route matched
	Status    int
	Latency   time.Duration
}

// ring keeps the last requests of one API.
type ring struct {
	buf  []RequestRecord
	next int
	full bool
}

func (s *Service) record(apiID string, rec RequestRecord) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	r := s.recent[apiID]
	if r == nil {
		r = &ring{buf: make([]RequestRecord, s.cfg.RecentRequests)}
		s.recent[apiID] = r
	}
	r.buf[r.next] = rec
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
}

// RecentRequests returns up to n of the latest requests served for an API
// (all kept when n <= 0), newest first.
func (s *Service) RecentRequests(apiID string, n int) []RequestRecord {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	r := s.recent[apiID]
	if r == nil {
		return nil
	}
	size := r.next
	if r.full {
		size = len(r.buf)
	}
	if n <= 0 || n > size {
		n = size
	}
	out := make([]RequestRecord, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Gateway responses (AWS's bodies).
const (
	msgNotFound           = `{"message":"Not Found"}`
	msgForbidden          = `{"message":"Forbidden"}`
	msgInternal           = `{"message":"Internal Server Error"}`
	msgServiceUnavailable = `{"message":"Service Unavailable"}`
	msgTooLarge           = `{"message":"Request Entity Too Large"}`
)

func gatewayResponse(w http.ResponseWriter, status int, body string) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// request is one data plane request being served; it is the mapSource of
// its integration's parameter mappings.
type request struct {
	s         *Service
	api       *compiledAPI
	stage     *compiledStage
	route     *compiledRoute
	r         *http.Request
	requestID string
	now       time.Time
	rawPath   string // the path the event shows (with the stage of a named stage)
	routePath string // the path after the stage
	params    []pathParam
	payload   []byte
	domain    string
	prefix    string
	sourceIP  string
	auth      authResult

	parsedOK  bool
	parseDone bool
}

var requestPool = sync.Pool{New: func() any { return new(request) }}

func (dp dataPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := dp.s
	start := time.Now()
	var apiID, rest string
	if id, ok := apiIDFromHost(r.Host); ok {
		apiID, rest = id, r.URL.EscapedPath()
	} else {
		p := strings.TrimPrefix(r.URL.EscapedPath(), DataPlanePrefix+"/")
		apiID, rest, _ = strings.Cut(p, "/")
		rest = "/" + rest
	}
	if rest == "" {
		rest = "/"
	}
	sw := &statusWriter{ResponseWriter: w}
	req := requestPool.Get().(*request)
	*req = request{s: s, r: r, now: s.cfg.Now(), requestID: newRequestID(), params: req.params[:0]}
	defer requestPool.Put(req)
	sw.Header().Set("Apigw-Requestid", req.requestID)

	s.mu.RLock()
	a := s.apis[apiID]
	s.mu.RUnlock()
	if a == nil {
		gatewayResponse(sw, http.StatusNotFound, msgNotFound)
		return
	}
	req.api = a.compiled.Load()
	defer func() {
		rec := RequestRecord{Time: req.now, RequestID: req.requestID, Method: r.Method, Path: rest, Status: sw.status, Latency: time.Since(start)}
		if req.stage != nil {
			rec.Stage = req.stage.name
		}
		if req.route != nil {
			rec.RouteKey = req.route.text
		}
		s.record(apiID, rec)
	}()
	// domainName is the host the client used; domainPrefix the API id
	// (AWS: the first label of {apiId}.execute-api.{region}.amazonaws.com).
	req.domain, req.prefix, req.sourceIP = r.Host, apiID, sourceIP(r)
	s.serve(sw, req, rest)
}

// serve runs a request for a path after the API prefix.
func (s *Service) serve(w http.ResponseWriter, req *request, rest string) {
	c, r := req.api, req.r
	if c.disableEndpoint {
		gatewayResponse(w, http.StatusForbidden, msgForbidden)
		return
	}
	// The stage: a named stage by the first segment, else $default.
	first, after, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	routePath := rest
	if st, ok := c.stages[first]; ok && st.deployed && first != defaultStageName && first != "" {
		req.stage = st
		routePath = "/" + after
	} else if st, ok := c.stages[defaultStageName]; ok {
		req.stage = st
	}
	if req.stage == nil || !req.stage.deployed {
		req.stage = nil
		gatewayResponse(w, http.StatusNotFound, msgNotFound)
		return
	}
	req.rawPath, req.routePath = rest, routePath
	if c.cors != nil && r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
		c.cors.preflight(w, r)
		return
	}
	segs, ok := splitPath(routePath)
	if !ok {
		gatewayResponse(w, http.StatusNotFound, msgNotFound)
		return
	}
	route, params := c.route(r.Method, segs)
	if route == nil {
		gatewayResponse(w, http.StatusNotFound, msgNotFound)
		return
	}
	req.route = route
	req.params = append(req.params, params...)
	if c.cors != nil {
		c.cors.actual(w, r)
	}
	if route.integ == nil {
		gatewayResponse(w, http.StatusNotFound, msgNotFound)
		return
	}
	body, err := restjson.ReadBody(r, maxPayload)
	if err != nil {
		gatewayResponse(w, http.StatusRequestEntityTooLarge, msgTooLarge)
		return
	}
	req.payload = body
	if route.authType != "" && !s.authorize(w, req) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), route.integ.timeout)
	defer cancel()
	d := route.integ.doc
	switch {
	case d.IntegrationType == typeHTTPProxy:
		s.serveHTTPProxy(ctx, w, req)
	case d.IntegrationSubtype == "":
		s.serveLambda(ctx, w, req)
	case strings.HasPrefix(d.IntegrationSubtype, "StepFunctions-"):
		s.serveStepFunctions(ctx, w, req)
	default:
		s.log.Warn("apigateway_unsupported_subtype", "api_id", c.id, "subtype", d.IntegrationSubtype)
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
	}
}

// newRequestID returns an id like AWS's HTTP API request ids
// ("cqyDlhqboAMEbPw=").
func newRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// mapSource implementation.

func (req *request) header(name string) (string, bool) {
	vals := req.r.Header.Values(name)
	if len(vals) == 0 {
		if strings.EqualFold(name, "host") && req.r.Host != "" {
			return req.r.Host, true
		}
		return "", false
	}
	return strings.Join(vals, ","), true
}

func (req *request) query(name string) (string, bool) {
	vals, ok := req.r.URL.Query()[name]
	if !ok {
		return "", false
	}
	return strings.Join(vals, ","), true
}

func (req *request) pathParam(name string) (string, bool) {
	for _, p := range req.params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

func (req *request) requestPath() string { return req.rawPath }

func (req *request) body() []byte { return req.payload }

func (req *request) bodyIsJSON() bool {
	if !req.parseDone {
		req.parseDone = true
		req.parsedOK = json.Valid(req.payload)
	}
	return req.parsedOK
}

func (req *request) context(name string) (string, bool) {
	switch name {
	case "accountId":
		return req.s.cfg.Account, true
	case "apiId":
		return req.api.id, true
	case "domainName":
		return req.domain, true
	case "domainPrefix":
		return req.prefix, true
	case "requestId", "extendedRequestId":
		return req.requestID, true
	case "httpMethod":
		return req.r.Method, true
	case "identity.sourceIp":
		return req.sourceIP, true
	case "identity.userAgent":
		return req.r.UserAgent(), true
	case "path":
		return req.rawPath, true
	case "protocol":
		return req.r.Proto, true
	case "requestTime":
		return clfTime(req.now), true
	case "requestTimeEpoch":
		return strconv.FormatInt(req.now.UnixMilli(), 10), true
	case "routeKey":
		return req.route.text, true
	case "stage":
		return req.stage.name, true
	}
	return req.authContext(name)
}

func (req *request) stageVariable(name string) (string, bool) {
	v, ok := req.stage.vars[name]
	return v, ok
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clfTime is the request time as HTTP API events show it:
// "12/Mar/2020:19:03:58 +0000".
func clfTime(t time.Time) string { return t.UTC().Format("02/Jan/2006:15:04:05 -0700") }

// CORS.

// allowOrigin returns the Access-Control-Allow-Origin value for a request
// origin, or false when the configuration does not allow it.
func (c *cors) allowOrigin(origin string) (string, bool) {
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*":
			return "*", true
		case strings.EqualFold(o, origin):
			return origin, true
		case strings.Contains(o, "*"):
			pre, suf, _ := strings.Cut(strings.ToLower(o), "*")
			lo := strings.ToLower(origin)
			if len(lo) >= len(pre)+len(suf) && strings.HasPrefix(lo, pre) && strings.HasSuffix(lo, suf) {
				return origin, true
			}
		}
	}
	return "", false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if v == "*" || strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// preflight answers a CORS preflight request from the configuration.
func (c *cors) preflight(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	origin, ok := c.allowOrigin(r.Header.Get("Origin"))
	method := r.Header.Get("Access-Control-Request-Method")
	if ok && containsFold(c.AllowMethods, method) {
		for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
			if h = strings.TrimSpace(h); h != "" && !containsFold(c.AllowHeaders, h) {
				ok = false
			}
		}
	} else {
		ok = false
	}
	if ok {
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		if len(c.AllowHeaders) > 0 {
			hdr.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.MaxAge != nil && *c.MaxAge >= 0 {
			hdr.Set("Access-Control-Max-Age", strconv.Itoa(*c.MaxAge))
		}
		if c.AllowCredentials != nil && *c.AllowCredentials {
			hdr.Set("Access-Control-Allow-Credentials", "true")
		}
		if origin != "*" {
			hdr.Add("Vary", "Origin")
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// actual sets the CORS headers of a response to a CORS request; they
// override the integration's.
func (c *cors) actual(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	allowed, ok := c.allowOrigin(origin)
	if !ok {
		return
	}
	hdr := w.Header()
	hdr.Set("Access-Control-Allow-Origin", allowed)
	if len(c.ExposeHeaders) > 0 {
		hdr.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	if c.AllowCredentials != nil && *c.AllowCredentials {
		hdr.Set("Access-Control-Allow-Credentials", "true")
	}
	if allowed != "*" {
		hdr.Add("Vary", "Origin")
	}
}

// corsHeader reports whether an integration response header is one the
// API's CORS configuration overrides.
func corsHeader(name string) bool {
	const prefix = "access-control-"
	return len(name) > len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}

// urlOf is the integration URL of an HTTP_PROXY integration for a
// request: the URI with {name} path variables replaced and the request's
// query string appended.
func (req *request) urlOf(uri string) (*url.URL, error) {
	for _, p := range req.params {
		uri = strings.ReplaceAll(uri, "{"+p.name+"}", escapePath(p.value))
		uri = strings.ReplaceAll(uri, "{"+p.name+"+}", escapePath(p.value))
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, err
	}
	if q := req.r.URL.RawQuery; q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + q
		} else {
			u.RawQuery = q
		}
	}
	return u, nil
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
