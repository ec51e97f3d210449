package apigateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Lambda proxy integrations (payload formats 1.0 and 2.0).

// textual reports whether a body of this Content-Type reaches the function
// as text (otherwise it is base64-encoded, isBase64Encoded true).
func textual(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/xml", mt == "application/javascript",
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

// encodedBody returns the body as the event carries it.
func (req *request) encodedBody() (*string, bool) {
	if len(req.payload) == 0 {
		return nil, false
	}
	if textual(req.r.Header.Get("Content-Type")) && utf8.Valid(req.payload) {
		s := string(req.payload)
		return &s, false
	}
	s := base64.StdEncoding.EncodeToString(req.payload)
	return &s, true
}

// kv is one header or parameter of an event.
type kv struct{ k, v string }

// eventHeaders returns the request's headers lowercased and sorted, with
// the values of each name (the Cookie header is left out when noCookie),
// plus the headers API Gateway adds.
func (req *request) eventHeaders(noCookie bool) ([]kv, [][]string, []string) {
	r := req.r
	keys := make([]kv, 0, len(r.Header)+5)
	vals := make([][]string, 0, len(r.Header)+5)
	var cookies []string
	for k, vs := range r.Header {
		lk := lowerASCII(k)
		if lk == "cookie" && noCookie {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		keys = append(keys, kv{k: lk})
		vals = append(vals, vs)
	}
	req.forwardedHeaders(func(k, v string) {
		for i := range keys {
			if keys[i].k == k {
				vals[i] = []string{v}
				return
			}
		}
		keys = append(keys, kv{k: k})
		vals = append(vals, []string{v})
	})
	// Sort both slices by key (insertion sort: headers are few).
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].k < keys[j-1].k; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
			vals[j], vals[j-1] = vals[j-1], vals[j]
		}
	}
	return keys, vals, cookies
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// forwardedHeaders adds the headers API Gateway adds to every request.
func (req *request) forwardedHeaders(set func(k, v string)) {
	r := req.r
	set("host", r.Host)
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		set("x-forwarded-for", xff+", "+req.sourceIP)
	} else {
		set("x-forwarded-for", req.sourceIP)
	}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if i := strings.LastIndexByte(r.Host, ':'); i >= 0 && !strings.Contains(r.Host[i:], "]") {
		port = r.Host[i+1:]
	}
	set("x-forwarded-proto", proto)
	set("x-forwarded-port", port)
	if len(req.payload) > 0 || r.ContentLength == 0 && r.Method != http.MethodGet && r.Method != http.MethodHead {
		set("content-length", strconv.Itoa(len(req.payload)))
	}
}

// queryPairs returns the query parameters sorted by name.
func (req *request) queryPairs() ([]string, url.Values) {
	if req.r.URL.RawQuery == "" {
		return nil, nil
	}
	q := req.r.URL.Query()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, q
}

// appendStringMap appends m as a JSON object with sorted keys.
func appendStringMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonv.AppendString(b, k)
		b = append(b, ':')
		b = jsonv.AppendString(b, m[k])
	}
	return append(b, '}')
}

func appendPathParams(b []byte, params []pathParam) []byte {
	b = append(b, '{')
	for i, p := range params {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonv.AppendString(b, p.name)
		b = append(b, ':')
		b = jsonv.AppendString(b, p.value)
	}
	return append(b, '}')
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonv.AppendString(b, s)
	}
	return append(b, ']')
}

// appendKey appends ,"key": (or "key": after '{').
func appendKey(b []byte, key string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendStr(b []byte, key, v string) []byte {
	return jsonv.AppendString(appendKey(b, key), v)
}

// eventV2 appends the payload format 2.0 event. Members are in AWS's
// documented order; maps are sorted by key.
func (req *request) eventV2(b []byte) []byte {
	r := req.r
	b = append(b, '{')
	b = appendStr(b, "version", "2.0")
	b = appendStr(b, "routeKey", req.route.text)
	b = appendStr(b, "rawPath", req.rawPath)
	b = appendStr(b, "rawQueryString", r.URL.RawQuery)
	keys, vals, cookies := req.eventHeaders(true)
	if len(cookies) > 0 {
		b = appendStrings(appendKey(b, "cookies"), cookies)
	}
	b = append(appendKey(b, "headers"), '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonv.AppendString(b, k.k)
		b = append(b, ':')
		if len(vals[i]) == 1 {
			b = jsonv.AppendString(b, vals[i][0])
		} else {
			b = jsonv.AppendString(b, strings.Join(vals[i], ","))
		}
	}
	b = append(b, '}')
	if names, q := req.queryPairs(); len(names) > 0 {
		b = append(appendKey(b, "queryStringParameters"), '{')
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonv.AppendString(b, k)
			b = append(b, ':')
			b = jsonv.AppendString(b, strings.Join(q[k], ","))
		}
		b = append(b, '}')
	}
	b = append(appendKey(b, "requestContext"), '{')
	b = appendStr(b, "accountId", req.s.cfg.Account)
	b = appendStr(b, "apiId", req.api.id)
	b = req.appendAuthorizerV2(b)
	b = appendStr(b, "domainName", req.domain)
	b = appendStr(b, "domainPrefix", req.prefix)
	b = append(appendKey(b, "http"), '{')
	b = appendStr(b, "method", r.Method)
	b = appendStr(b, "path", req.rawPath)
	b = appendStr(b, "protocol", r.Proto)
	b = appendStr(b, "sourceIp", req.sourceIP)
	b = appendStr(b, "userAgent", r.UserAgent())
	b = append(b, '}')
	b = appendStr(b, "requestId", req.requestID)
	b = appendStr(b, "routeKey", req.route.text)
	b = appendStr(b, "stage", req.stage.name)
	b = appendStr(b, "time", clfTime(req.now))
	b = strconv.AppendInt(appendKey(b, "timeEpoch"), req.now.UnixMilli(), 10)
	b = append(b, '}')
	body, encoded := req.encodedBody()
	if body != nil {
		b = appendStr(b, "body", *body)
	}
	if len(req.params) > 0 {
		b = appendPathParams(appendKey(b, "pathParameters"), req.params)
	}
	b = strconv.AppendBool(appendKey(b, "isBase64Encoded"), encoded)
	if len(req.stage.vars) > 0 {
		b = appendStringMap(appendKey(b, "stageVariables"), req.stage.vars)
	}
	return append(b, '}')
}

// eventV1 appends the payload format 1.0 event (the REST API proxy event
// shape: single- and multi-value headers and query parameters, null for
// absent members).
func (req *request) eventV1(b []byte) []byte {
	r := req.r
	resource := req.route.text
	if !req.route.key.isDefault {
		_, resource, _ = strings.Cut(resource, " ")
	}
	b = append(b, '{')
	b = appendStr(b, "version", "1.0")
	b = appendStr(b, "resource", resource)
	b = appendStr(b, "path", req.rawPath)
	b = appendStr(b, "httpMethod", r.Method)
	keys, vals, _ := req.eventHeaders(false)
	b = append(appendKey(b, "headers"), '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonv.AppendString(b, k.k)
		b = append(b, ':')
		b = jsonv.AppendString(b, vals[i][len(vals[i])-1])
	}
	b = append(b, '}')
	b = append(appendKey(b, "multiValueHeaders"), '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonv.AppendString(b, k.k)
		b = append(b, ':')
		b = appendStrings(b, vals[i])
	}
	b = append(b, '}')
	if names, q := req.queryPairs(); len(names) > 0 {
		b = append(appendKey(b, "queryStringParameters"), '{')
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonv.AppendString(b, k)
			b = append(b, ':')
			b = jsonv.AppendString(b, q[k][len(q[k])-1])
		}
		b = append(b, '}')
		b = append(appendKey(b, "multiValueQueryStringParameters"), '{')
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonv.AppendString(b, k)
			b = append(b, ':')
			b = appendStrings(b, q[k])
		}
		b = append(b, '}')
	} else {
		b = append(appendKey(b, "queryStringParameters"), "null"...)
		b = append(appendKey(b, "multiValueQueryStringParameters"), "null"...)
	}
	b = append(appendKey(b, "requestContext"), '{')
	b = appendStr(b, "accountId", req.s.cfg.Account)
	b = appendStr(b, "apiId", req.api.id)
	b = req.appendAuthorizerV1(b)
	b = appendStr(b, "domainName", req.domain)
	b = appendStr(b, "domainPrefix", req.prefix)
	b = appendStr(b, "extendedRequestId", req.requestID)
	b = appendStr(b, "httpMethod", r.Method)
	b = append(appendKey(b, "identity"), '{')
	var iam *CallerIdentity
	if req.auth.kind == authIAM {
		iam = req.auth.iam
	}
	for _, k := range [...]string{"accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
		"cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId"} {
		switch {
		case iam != nil && k == "accessKey":
			b = appendStr(b, k, iam.AccessKey)
		case iam != nil && k == "accountId":
			b = appendStr(b, k, iam.AccountID)
		case iam != nil && k == "caller":
			b = appendStr(b, k, iam.CallerID)
		case iam != nil && k == "principalOrgId" && iam.PrincipalOrgID != "":
			b = appendStr(b, k, iam.PrincipalOrgID)
		default:
			b = append(appendKey(b, k), "null"...)
		}
	}
	b = appendStr(b, "sourceIp", req.sourceIP)
	if iam != nil {
		b = appendStr(b, "user", iam.UserID)
	} else {
		b = append(appendKey(b, "user"), "null"...)
	}
	b = appendStr(b, "userAgent", r.UserAgent())
	if iam != nil {
		b = appendStr(b, "userArn", iam.UserARN)
	} else {
		b = append(appendKey(b, "userArn"), "null"...)
	}
	b = append(b, '}')
	b = appendStr(b, "path", req.rawPath)
	b = appendStr(b, "protocol", r.Proto)
	b = appendStr(b, "requestId", req.requestID)
	b = appendStr(b, "requestTime", clfTime(req.now))
	b = strconv.AppendInt(appendKey(b, "requestTimeEpoch"), req.now.UnixMilli(), 10)
	b = appendStr(b, "resourceId", req.route.text)
	b = appendStr(b, "resourcePath", resource)
	b = appendStr(b, "stage", req.stage.name)
	b = append(b, '}')
	if len(req.params) > 0 {
		b = appendPathParams(appendKey(b, "pathParameters"), req.params)
	} else {
		b = append(appendKey(b, "pathParameters"), "null"...)
	}
	if len(req.stage.vars) > 0 {
		b = appendStringMap(appendKey(b, "stageVariables"), req.stage.vars)
	} else {
		b = append(appendKey(b, "stageVariables"), "null"...)
	}
	body, encoded := req.encodedBody()
	if body != nil {
		b = appendStr(b, "body", *body)
	} else {
		b = append(appendKey(b, "body"), "null"...)
	}
	b = strconv.AppendBool(appendKey(b, "isBase64Encoded"), encoded)
	return append(b, '}')
}

func (s *Service) serveLambda(ctx context.Context, w http.ResponseWriter, req *request) {
	integ := req.route.integ
	v2 := integ.doc.PayloadFormatVersion == "2.0"
	event := make([]byte, 0, 1024+len(req.payload)*4/3)
	if v2 {
		event = req.eventV2(event)
	} else {
		event = req.eventV1(event)
	}
	status, fnErr, out, err := s.cfg.Invoke(ctx, integ.fnARN, event)
	switch {
	case err != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			gatewayResponse(w, http.StatusServiceUnavailable, msgServiceUnavailable)
			return
		}
		s.log.Warn("apigateway_lambda_invoke_failed", "api_id", req.api.id, "function", integ.fnARN, "error", err.Error())
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return
	case status != http.StatusOK || fnErr != "":
		s.log.Info("apigateway_lambda_function_error", "api_id", req.api.id, "function", integ.fnARN, "status", status, "function_error", fnErr)
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return
	}
	if err := writeLambdaResponse(w, out, v2); err != nil {
		s.log.Info("apigateway_lambda_bad_response", "api_id", req.api.id, "function", integ.fnARN, "error", err.Error())
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
	}
}

// writeLambdaResponse maps a function's response to the HTTP response, as
// AWS does: an object with statusCode is a structured response
// (statusCode, headers, multiValueHeaders, cookies, body,
// isBase64Encoded); for format 2.0 any other JSON value is the body of a
// 200 application/json response. It returns an error (and writes nothing)
// for a response AWS answers with 500.
func writeLambdaResponse(w http.ResponseWriter, out []byte, v2 bool) error {
	out = bytes.TrimSpace(out)
	v, err := jsonv.Parse(out)
	if err != nil {
		return errors.New("the function's response is not JSON")
	}
	obj, _ := v.(*jsonv.Object)
	statusRaw, structured := obj.Get("statusCode")
	if !structured {
		if !v2 {
			return errors.New("payload format 1.0 needs a statusCode in the response")
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
		return nil
	}
	status, err := parseStatus(statusRaw)
	if err != nil {
		return err
	}
	var body []byte
	if bv, ok := obj.Get("body"); ok && bv != nil {
		s, ok := bv.(string)
		if !ok {
			return errors.New("the response body must be a string")
		}
		body = []byte(s)
		if b64, _ := obj.Get("isBase64Encoded"); b64 == true {
			if body, err = base64.StdEncoding.DecodeString(s); err != nil {
				return errors.New("the response body is not valid base64")
			}
		}
	}
	hdr := w.Header()
	if mv, ok := obj.Get("multiValueHeaders"); ok {
		mo, ok := mv.(*jsonv.Object)
		if !ok && mv != nil {
			return errors.New("multiValueHeaders must be an object")
		}
		for _, m := range objMembers(mo) {
			if corsHeader(m.Key) && hdr.Get(m.Key) != "" {
				continue
			}
			list, ok := m.Value.([]any)
			if !ok {
				return errors.New("multiValueHeaders values must be arrays")
			}
			hdr.Del(m.Key)
			for _, e := range list {
				hdr.Add(m.Key, headerValue(e))
			}
		}
	}
	if hv, ok := obj.Get("headers"); ok {
		ho, ok := hv.(*jsonv.Object)
		if !ok && hv != nil {
			return errors.New("headers must be an object")
		}
		for _, m := range objMembers(ho) {
			if corsHeader(m.Key) && hdr.Get(m.Key) != "" {
				continue
			}
			hdr.Set(m.Key, headerValue(m.Value))
		}
	}
	if cv, ok := obj.Get("cookies"); ok && v2 {
		list, ok := cv.([]any)
		if !ok && cv != nil {
			return errors.New("cookies must be an array")
		}
		for _, c := range list {
			hdr.Add("Set-Cookie", headerValue(c))
		}
	}
	if hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", "application/json")
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

func objMembers(o *jsonv.Object) []jsonv.Member {
	if o == nil {
		return nil
	}
	return o.Members
}

func parseStatus(v jsonv.Value) (int, error) {
	var s string
	switch x := v.(type) {
	case jsonv.Number:
		s = string(x)
	case string:
		s = x
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, errors.New("invalid statusCode " + jsonv.Marshal(v))
	}
	return n, nil
}

// headerValue renders a response header value: strings as they are, other
// JSON values as their text.
func headerValue(v jsonv.Value) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonv.Marshal(v)
}

// Step Functions integration subtypes.

// sfnActions maps each subtype to its action and its request parameters
// to the action's awsJson members, in order.
var sfnActions = map[string]struct {
	action  string
	members [][2]string
}{
	subtypeStartExecution:     {"StartExecution", [][2]string{{"StateMachineArn", "stateMachineArn"}, {"Name", "name"}, {"Input", "input"}}},
	subtypeStartSyncExecution: {"StartSyncExecution", [][2]string{{"StateMachineArn", "stateMachineArn"}, {"Name", "name"}, {"Input", "input"}, {"TraceHeader", "traceHeader"}}},
	subtypeStopExecution:      {"StopExecution", [][2]string{{"ExecutionArn", "executionArn"}, {"Error", "error"}, {"Cause", "cause"}}},
}

// sfnInput evaluates an integration's request parameters for a request and
// returns the action and its awsJson input.
func (req *request) sfnInput() (string, []byte, bool) {
	spec, ok := sfnActions[req.route.integ.doc.IntegrationSubtype]
	if !ok {
		return "", nil, false
	}
	obj := jsonv.NewObject(len(spec.members))
	for _, m := range spec.members {
		for _, p := range req.route.integ.params {
			if p.name != m[0] {
				continue
			}
			if v, ok := p.m.eval(req); ok {
				obj.Set(m[1], v)
			}
		}
	}
	return spec.action, jsonv.Append(nil, obj), true
}

func (s *Service) serveStepFunctions(ctx context.Context, w http.ResponseWriter, req *request) {
	action, input, ok := req.sfnInput()
	if !ok {
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return
	}
	out, err := s.cfg.StepFunctions(ctx, action, input)
	if err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) {
			awsproto.WriteJSONError(w, "sfn", req.requestID, ae)
			return
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			gatewayResponse(w, http.StatusServiceUnavailable, msgServiceUnavailable)
			return
		}
		s.log.Warn("apigateway_stepfunctions_failed", "api_id", req.api.id, "action", action, "error", err.Error())
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// HTTP proxy integrations.

// hopHeaders are not forwarded either way.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Content-Length": true,
}

func (s *Service) serveHTTPProxy(ctx context.Context, w http.ResponseWriter, req *request) {
	d := req.route.integ.doc
	u, err := req.urlOf(d.IntegrationURI)
	if err != nil {
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return
	}
	method := d.IntegrationMethod
	if method == "ANY" || method == "" {
		method = req.r.Method
	}
	out, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(req.payload))
	if err != nil {
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return
	}
	for k, vals := range req.r.Header {
		if !hopHeaders[k] {
			out.Header[k] = vals
		}
	}
	req.forwardedHeaders(func(k, v string) {
		if k != "host" && k != "content-length" {
			out.Header.Set(k, v)
		}
	})
	resp, err := s.cfg.HTTPClient.Do(out)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			gatewayResponse(w, http.StatusServiceUnavailable, msgServiceUnavailable)
			return
		}
		s.log.Info("apigateway_http_proxy_failed", "api_id", req.api.id, "url", u.Redacted(), "error", err.Error())
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return
	}
	defer resp.Body.Close()
	hdr := w.Header()
	for k, vals := range resp.Header {
		if hopHeaders[k] || corsHeader(k) && hdr.Get(k) != "" {
			continue
		}
		hdr[k] = vals
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, maxPayload))
}
