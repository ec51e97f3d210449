package apigateway

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Route authorization on the data plane, as AWS documents it for HTTP
// APIs: Lambda REQUEST authorizers (http-api-lambda-authorizer), JWT
// authorizers (http-api-jwt-authorizer, see jwt.go) and IAM authorization
// (http-api-access-control-iam).

// Authorization types of routes.
const (
	authTypeJWT    = "JWT"
	authTypeCustom = "CUSTOM"
	authTypeIAM    = "AWS_IAM"
)

const (
	// authorizerTimeout bounds a Lambda authorizer's invocation (AWS: 10 s
	// for HTTP APIs).
	authorizerTimeout = 10 * time.Second
	// maxCachedResults bounds each authorizer's result cache.
	maxCachedResults = 10000
	// executeAPI is the SigV4 service name of the data plane.
	executeAPI = "execute-api"
)

// Gateway responses of authorization.
const (
	msgUnauthorized = `{"message":"Unauthorized"}`
)

// compiledAuthorizer is the data plane's view of an authorizer.
type compiledAuthorizer struct {
	doc     *authorizerDoc
	jwt     bool
	fnARN   string
	v2      bool
	simple  bool
	sources []*mapping // identity sources; nil for one that cannot be evaluated
	// JWT authorizers.
	issuer   string
	audience []string
	// Lambda authorizers with a TTL and identity sources.
	ttl   time.Duration
	cache *resultCache
}

func compileAuthorizer(d *authorizerDoc, prev *compiledAuthorizer) *compiledAuthorizer {
	au := &compiledAuthorizer{doc: d, jwt: d.AuthorizerType == "JWT"}
	sources := d.IdentitySource
	if au.jwt && len(sources) == 0 {
		sources = []string{"$request.header.Authorization"}
	}
	for _, src := range sources {
		m, err := parseMapping(src)
		if err != nil || len(m.parts) != 1 || m.parts[0].kind == partText {
			m = nil
		}
		au.sources = append(au.sources, m)
	}
	if au.jwt {
		if j := d.JWTConfiguration; j != nil {
			au.issuer, au.audience = j.Issuer, j.Audience
		}
		return au
	}
	au.fnARN, _ = lambdaFunctionARN(d.AuthorizerURI)
	au.v2 = d.AuthorizerPayloadFormatVersion == "2.0"
	au.simple = au.v2 && d.EnableSimpleResponses != nil && *d.EnableSimpleResponses
	if ttl := d.AuthorizerResultTTLInSeconds; ttl != nil && *ttl > 0 && len(au.sources) > 0 {
		au.ttl = time.Duration(*ttl) * time.Second
		if prev != nil && prev.doc == d && prev.cache != nil {
			au.cache = prev.cache // the same authorizer: keep its results
		} else {
			au.cache = &resultCache{m: map[string]cachedResult{}}
		}
	}
	return au
}

// authKind says how a request was authorized.
type authKind uint8

const (
	authNone authKind = iota
	authLambda
	authJWT
	authIAM
)

// authResult is what the authorizer learnt, for the integration.
type authResult struct {
	kind        authKind
	lambda      *jsonv.Object // the Lambda authorizer's context; may be nil
	principalID string
	claims      *jsonv.Object
	scopes      []string
	iam         *CallerIdentity
}

// authorize runs the route's authorization. It returns false after
// writing the refusal.
func (s *Service) authorize(w http.ResponseWriter, req *request) bool {
	switch req.route.authType {
	case authTypeCustom:
		if req.route.authorizer == nil {
			gatewayResponse(w, http.StatusInternalServerError, msgInternal)
			return false
		}
		return s.authorizeLambda(w, req, req.route.authorizer)
	case authTypeJWT:
		if req.route.authorizer == nil {
			gatewayResponse(w, http.StatusInternalServerError, msgInternal)
			return false
		}
		return s.authorizeJWT(w, req, req.route.authorizer)
	case authTypeIAM:
		return s.authorizeIAM(w, req)
	}
	return true
}

// identityValues evaluates the identity sources; ok is false when one is
// missing or empty (AWS then answers 401 without invoking anything).
func (req *request) identityValues(au *compiledAuthorizer) ([]string, bool) {
	values := make([]string, len(au.sources))
	for i, m := range au.sources {
		if m == nil {
			return nil, false
		}
		v, ok := m.eval(req)
		if !ok || v == "" {
			return nil, false
		}
		values[i] = v
	}
	return values, true
}

// routeARN is the ARN of the route a request invokes:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}.
func (req *request) routeARN() string {
	return "arn:aws:execute-api:" + req.s.cfg.Region + ":" + req.s.cfg.Account + ":" + req.api.id + "/" +
		req.stage.name + "/" + req.r.Method + "/" + strings.TrimPrefix(req.routePath, "/")
}

// Lambda authorizers.

// lambdaResult is a Lambda authorizer's decoded response.
type lambdaResult struct {
	simple      bool
	allowed     bool // simple responses
	policy      []policyStatement
	principalID string
	context     *jsonv.Object
}

// allows reports whether the result allows the route.
func (res *lambdaResult) allows(routeARN string) bool {
	if res.simple {
		return res.allowed
	}
	return evalPolicy(res.policy, routeARN)
}

type cachedResult struct {
	res     *lambdaResult
	expires time.Time
}

// resultCache keeps a Lambda authorizer's results by identity source
// values.
type resultCache struct {
	mu sync.Mutex
	m  map[string]cachedResult
}

func (c *resultCache) get(key string, now time.Time) (*lambdaResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		delete(c.m, key)
		return nil, false
	}
	return e.res, true
}

func (c *resultCache) put(key string, res *lambdaResult, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedResults {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedResults {
			clear(c.m)
		}
	}
	c.m[key] = cachedResult{res: res, expires: expires}
}

func (s *Service) authorizeLambda(w http.ResponseWriter, req *request, au *compiledAuthorizer) bool {
	values, ok := req.identityValues(au)
	if !ok {
		gatewayResponse(w, http.StatusUnauthorized, msgUnauthorized)
		return false
	}
	var key string
	if au.cache != nil {
		key = strings.Join(values, "\x00")
		if res, ok := au.cache.get(key, req.now); ok {
			return s.applyLambdaResult(w, req, res)
		}
	}
	if au.fnARN == "" {
		s.log.Warn("apigateway_authorizer_bad_uri", "api_id", req.api.id, "authorizer_id", au.doc.AuthorizerID, "uri", au.doc.AuthorizerURI)
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return false
	}
	event, err := req.authorizerEvent(au, values)
	if err != nil {
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return false
	}
	ctx, cancel := context.WithTimeout(req.r.Context(), authorizerTimeout)
	defer cancel()
	status, fnErr, out, err := s.cfg.Invoke(ctx, au.fnARN, event)
	switch {
	case err != nil:
		s.log.Warn("apigateway_authorizer_invoke_failed", "api_id", req.api.id, "authorizer_id", au.doc.AuthorizerID, "function", au.fnARN, "error", err.Error())
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return false
	case status != http.StatusOK || fnErr != "":
		s.log.Info("apigateway_authorizer_function_error", "api_id", req.api.id, "authorizer_id", au.doc.AuthorizerID, "function", au.fnARN, "status", status, "function_error", fnErr)
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return false
	}
	res, err := parseLambdaAuthorizerResponse(out, au.simple)
	if err != nil {
		s.log.Info("apigateway_authorizer_bad_response", "api_id", req.api.id, "authorizer_id", au.doc.AuthorizerID, "function", au.fnARN, "error", err.Error())
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return false
	}
	if au.cache != nil {
		au.cache.put(key, res, req.now.Add(au.ttl), req.now)
	}
	return s.applyLambdaResult(w, req, res)
}

func (s *Service) applyLambdaResult(w http.ResponseWriter, req *request, res *lambdaResult) bool {
	if !res.allows(req.routeARN()) {
		gatewayResponse(w, http.StatusForbidden, msgForbidden)
		return false
	}
	req.auth = authResult{kind: authLambda, lambda: res.context, principalID: res.principalID}
	return true
}

// authorizerEvent builds the event of a Lambda authorizer: the payload
// format's integration event without the body, with type, the route (or
// method) ARN and the identity source values first.
func (req *request) authorizerEvent(au *compiledAuthorizer, values []string) ([]byte, error) {
	var full []byte
	if au.v2 {
		full = req.eventV2(make([]byte, 0, 1024))
	} else {
		full = req.eventV1(make([]byte, 0, 1024))
	}
	v, err := jsonv.Parse(full)
	if err != nil {
		return nil, err
	}
	src := v.(*jsonv.Object)
	ev := jsonv.NewObject(len(src.Members) + 3)
	if au.v2 {
		ids := make([]any, len(values))
		for i, s := range values {
			ids[i] = s
		}
		ev.Set("version", "2.0")
		ev.Set("type", "REQUEST")
		ev.Set("routeArn", req.routeARN())
		ev.Set("identitySource", ids)
	} else {
		joined := strings.Join(values, ",")
		ev.Set("version", "1.0")
		ev.Set("type", "REQUEST")
		ev.Set("methodArn", req.routeARN())
		ev.Set("identitySource", joined)
		ev.Set("authorizationToken", joined)
	}
	for _, m := range src.Members {
		switch m.Key {
		case "version", "body", "isBase64Encoded":
			continue
		}
		ev.Set(m.Key, m.Value)
	}
	return jsonv.Append(nil, ev), nil
}

// parseLambdaAuthorizerResponse decodes a Lambda authorizer's response:
// {"isAuthorized": bool, "context": {...}} when simple, else an IAM
// policy {"principalId", "policyDocument": {"Statement": [...]},
// "context"}. An error means AWS's 500.
func parseLambdaAuthorizerResponse(out []byte, simple bool) (*lambdaResult, error) {
	v, err := jsonv.Parse(out)
	if err != nil {
		return nil, errors.New("the authorizer's response is not JSON")
	}
	obj, ok := v.(*jsonv.Object)
	if !ok {
		return nil, errors.New("the authorizer's response is not a JSON object")
	}
	res := &lambdaResult{simple: simple}
	if c, ok := obj.Get("context"); ok && c != nil {
		if res.context, ok = c.(*jsonv.Object); !ok {
			return nil, errors.New("the authorizer's context is not an object")
		}
	}
	if simple {
		a, _ := obj.Get("isAuthorized")
		if res.allowed, ok = a.(bool); !ok {
			return nil, errors.New("a simple response needs a boolean isAuthorized")
		}
		return res, nil
	}
	if p, ok := obj.Get("principalId"); ok && p != nil {
		if res.principalID, ok = p.(string); !ok {
			return nil, errors.New("principalId is not a string")
		}
	}
	doc, _ := obj.Get("policyDocument")
	pd, ok := doc.(*jsonv.Object)
	if !ok {
		return nil, errors.New("an IAM policy response needs a policyDocument object (or enable simple responses)")
	}
	if res.policy, err = parsePolicy(pd); err != nil {
		return nil, err
	}
	return res, nil
}

// policyStatement is one statement of an authorizer's policy.
type policyStatement struct {
	allow     bool
	actions   []string
	resources []string
}

func parsePolicy(pd *jsonv.Object) ([]policyStatement, error) {
	st, _ := pd.Get("Statement")
	var list []any
	switch x := st.(type) {
	case []any:
		list = x
	case *jsonv.Object:
		list = []any{x}
	default:
		return nil, errors.New("the policyDocument has no Statement")
	}
	out := make([]policyStatement, 0, len(list))
	for _, e := range list {
		o, ok := e.(*jsonv.Object)
		if !ok {
			return nil, errors.New("a Statement is not an object")
		}
		var ps policyStatement
		eff, _ := o.Get("Effect")
		switch eff {
		case "Allow":
			ps.allow = true
		case "Deny":
		default:
			return nil, errors.New("a Statement's Effect is not Allow or Deny")
		}
		var err error
		if ps.actions, err = stringOrList(o, "Action"); err != nil {
			return nil, err
		}
		if ps.resources, err = stringOrList(o, "Resource"); err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}

func stringOrList(o *jsonv.Object, name string) ([]string, error) {
	v, _ := o.Get(name)
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("a Statement's " + name + " list holds a non-string")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errors.New("a Statement needs an " + name + " (a string or a list of strings)")
}

// evalPolicy evaluates statements for execute-api:Invoke on routeARN as
// IAM does: an explicit Deny wins, else an Allow is needed.
func evalPolicy(stmts []policyStatement, routeARN string) bool {
	allowed := false
	for _, st := range stmts {
		if !anyMatch(st.actions, "execute-api:Invoke", true) || !anyMatch(st.resources, routeARN, false) {
			continue
		}
		if !st.allow {
			return false
		}
		allowed = true
	}
	return allowed
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if wildcardMatch(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against an IAM pattern: '*' any run of
// characters (including none), '?' any one character.
func wildcardMatch(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// JWT authorizers.

func (s *Service) authorizeJWT(w http.ResponseWriter, req *request, au *compiledAuthorizer) bool {
	var raw string
	if len(au.sources) > 0 && au.sources[0] != nil {
		raw, _ = au.sources[0].eval(req)
	}
	raw = strings.TrimSpace(raw)
	if len(raw) > 7 && strings.EqualFold(raw[:7], "Bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	if raw == "" {
		gatewayResponse(w, http.StatusUnauthorized, msgUnauthorized)
		return false
	}
	t, err := s.verifyJWT(req.r.Context(), au, raw)
	if err != nil {
		desc := err.Error()
		var te *tokenError
		if !errors.As(err, &te) {
			desc = "the token could not be verified"
		}
		w.Header().Set("Www-Authenticate", `Bearer scope="" error="invalid_token" error_description=`+strconv.Quote(desc))
		gatewayResponse(w, http.StatusUnauthorized, msgUnauthorized)
		return false
	}
	scopes := tokenScopes(t.claims)
	if want := req.route.scopes; len(want) > 0 && !hasScope(scopes, want) {
		w.Header().Set("Www-Authenticate", `Bearer scope=`+strconv.Quote(strings.Join(want, " "))+
			` error="insufficient_scope" error_description="the token does not have any of the route's authorization scopes"`)
		gatewayResponse(w, http.StatusForbidden, msgForbidden)
		return false
	}
	req.auth = authResult{kind: authJWT, claims: t.claims, scopes: scopes}
	return true
}

// IAM authorization.

func (s *Service) authorizeIAM(w http.ResponseWriter, req *request) bool {
	refuse := func(msg string) bool {
		gatewayResponse(w, http.StatusForbidden, string(jsonv.Append([]byte(`{"message":`), msg))+"}")
		return false
	}
	cred, err := awsproto.ParseCredentialScope(req.r)
	if err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) && ae.Code != awsproto.CodeMissingAuthenticationToken {
			return refuse(ae.Message)
		}
		gatewayResponse(w, http.StatusForbidden, msgForbidden)
		return false
	}
	if cred.Service != executeAPI {
		return refuse("Credential should be scoped to correct service: '" + executeAPI + "'. ")
	}
	if cred.Region != s.cfg.Region {
		return refuse("Credential should be scoped to a valid region, not '" + cred.Region + "'. ")
	}
	id, err := s.cfg.VerifyIAM(req.r, req.payload)
	if err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) {
			if ae.Message == "" {
				return refuse(http.StatusText(http.StatusForbidden))
			}
			return refuse(ae.Message)
		}
		s.log.Warn("apigateway_iam_verify_failed", "api_id", req.api.id, "error", err.Error())
		gatewayResponse(w, http.StatusInternalServerError, msgInternal)
		return false
	}
	req.auth = authResult{kind: authIAM, iam: id}
	return true
}

// Integration events.

// appendAuthorizerV2 appends requestContext.authorizer of a payload
// format 2.0 event, if the request was authorized.
func (req *request) appendAuthorizerV2(b []byte) []byte {
	a := &req.auth
	switch a.kind {
	case authLambda:
		b = append(appendKey(b, "authorizer"), '{')
		b = appendKey(b, "lambda")
		if a.lambda != nil {
			b = jsonv.Append(b, a.lambda)
		} else {
			b = append(b, "null"...)
		}
		return append(b, '}')
	case authJWT:
		b = append(appendKey(b, "authorizer"), '{')
		b = append(appendKey(b, "jwt"), '{')
		b = appendClaims(appendKey(b, "claims"), a.claims)
		b = appendScopes(appendKey(b, "scopes"), a.scopes)
		return append(b, '}', '}')
	case authIAM:
		id := a.iam
		b = append(appendKey(b, "authorizer"), '{')
		b = append(appendKey(b, "iam"), '{')
		b = appendStr(b, "accessKey", id.AccessKey)
		b = appendStr(b, "accountId", id.AccountID)
		b = appendStr(b, "callerId", id.CallerID)
		b = append(appendKey(b, "cognitoIdentity"), "null"...)
		if id.PrincipalOrgID != "" {
			b = appendStr(b, "principalOrgId", id.PrincipalOrgID)
		} else {
			b = append(appendKey(b, "principalOrgId"), "null"...)
		}
		b = appendStr(b, "userArn", id.UserARN)
		b = appendStr(b, "userId", id.UserID)
		return append(b, '}', '}')
	}
	return b
}

// appendAuthorizerV1 appends requestContext.authorizer of a payload
// format 1.0 event: a Lambda authorizer's principalId and context, or a
// JWT's claims and scopes. (IAM callers appear in requestContext.identity.)
func (req *request) appendAuthorizerV1(b []byte) []byte {
	a := &req.auth
	switch a.kind {
	case authLambda:
		b = append(appendKey(b, "authorizer"), '{')
		if a.principalID != "" {
			b = appendStr(b, "principalId", a.principalID)
		}
		if a.lambda != nil {
			for _, m := range a.lambda.Members {
				if m.Key == "principalId" && a.principalID != "" {
					continue
				}
				b = append(jsonv.AppendString(appendComma(b), m.Key), ':')
				b = jsonv.Append(b, m.Value)
			}
		}
		return append(b, '}')
	case authJWT:
		b = append(appendKey(b, "authorizer"), '{')
		b = appendClaims(appendKey(b, "claims"), a.claims)
		b = appendScopes(appendKey(b, "scopes"), a.scopes)
		return append(b, '}')
	}
	return b
}

// appendComma appends ',' unless b ends with an object's '{'.
func appendComma(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return b
}

func appendScopes(b []byte, scopes []string) []byte {
	if len(scopes) == 0 {
		return append(b, "null"...)
	}
	return appendStrings(b, scopes)
}

// authContext answers $context.authorizer.* and $context.identity.* of
// an authorized request for parameter mappings.
func (req *request) authContext(name string) (string, bool) {
	a := &req.auth
	if rest, ok := strings.CutPrefix(name, "authorizer."); ok {
		switch a.kind {
		case authLambda:
			if rest == "principalId" && a.principalID != "" {
				return a.principalID, true
			}
			if a.lambda != nil {
				if v, ok := a.lambda.Get(rest); ok {
					return claimString(v), true
				}
			}
		case authJWT:
			if claim, ok := strings.CutPrefix(rest, "claims."); ok {
				if v, ok := a.claims.Get(claim); ok && v != nil {
					return claimString(v), true
				}
			}
		}
		return "", false
	}
	if a.kind != authIAM {
		return "", false
	}
	switch name {
	case "identity.accessKey":
		return a.iam.AccessKey, true
	case "identity.accountId":
		return a.iam.AccountID, true
	case "identity.caller":
		return a.iam.CallerID, true
	case "identity.user":
		return a.iam.UserID, true
	case "identity.userArn":
		return a.iam.UserARN, true
	}
	return "", false
}
