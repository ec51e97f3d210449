package apigateway_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	apigw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

// testKey is a signing key of the test issuer.
type testKey struct {
	kid string
	alg string
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

func newRSAKey(t testing.TB, kid, alg string) *testKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{kid: kid, alg: alg, rsa: k}
}

func newECKey(t testing.TB, kid, alg string, curve elliptic.Curve) *testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{kid: kid, alg: alg, ec: k}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkJSON is the key's public JWK.
func (k *testKey) jwkJSON() map[string]string {
	if k.rsa != nil {
		m := map[string]string{"kty": "RSA", "kid": k.kid, "use": "sig", "n": b64(k.rsa.N.Bytes()), "e": b64(big.NewInt(int64(k.rsa.E)).Bytes())}
		if k.alg != "" {
			m["alg"] = k.alg
		}
		return m
	}
	pub, err := k.ec.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	size := (len(pub) - 1) / 2
	return map[string]string{"kty": "EC", "kid": k.kid, "use": "sig", "crv": k.ec.Curve.Params().Name,
		"x": b64(pub[1 : 1+size]), "y": b64(pub[1+size:]), "alg": k.alg}
}

// sign makes a compact JWS of claims with header alg (usually k.alg) and
// kid.
func (k *testKey) sign(t testing.TB, alg, kid string, claims map[string]any) string {
	t.Helper()
	hdr := map[string]string{"alg": alg, "typ": "JWT"}
	if kid != "" {
		hdr["kid"] = kid
	}
	hb, _ := json.Marshal(hdr)
	cb, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(hb) + "." + b64(cb)
	var h crypto.Hash
	switch alg[2:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	default:
		h = crypto.SHA512
	}
	hash := h.New()
	hash.Write([]byte(input))
	digest := hash.Sum(nil)
	var sig []byte
	switch alg[:2] {
	case "RS":
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsa, h, digest)
	case "PS":
		sig, err = rsa.SignPSS(rand.Reader, k.rsa, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES":
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k.ec, digest)
		size := (k.ec.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*size)
		if err == nil {
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case "HS":
		m := hmac.New(sha256.New, []byte("secret"))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// oidcIssuer is an OpenID provider serving discovery and a key set.
type oidcIssuer struct {
	url     string
	mu      sync.Mutex
	keys    []*testKey
	fetches atomic.Int32 // key set fetches
}

func newIssuer(t testing.TB, keys ...*testKey) *oidcIssuer {
	t.Helper()
	iss := &oidcIssuer{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": iss.url, "jwks_uri": iss.url + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		iss.fetches.Add(1)
		iss.mu.Lock()
		set := []map[string]string{{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}} // not a signing key API Gateway uses
		for _, k := range iss.keys {
			set = append(set, k.jwkJSON())
		}
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": set})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.url = srv.URL
	return iss
}

func (iss *oidcIssuer) publish(keys ...*testKey) {
	iss.mu.Lock()
	iss.keys = keys
	iss.mu.Unlock()
}

// jwtAuthorizer creates a JWT authorizer for the issuer.
func (tb *testBundle) jwtAuthorizer(t testing.TB, apiID, issuer string, audience ...string) string {
	t.Helper()
	out, err := tb.client.CreateAuthorizer(ctx, &apigw.CreateAuthorizerInput{ApiId: aws.String(apiID), Name: aws.String("jwt"),
		AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String(issuer), Audience: audience}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.AuthorizerId
}

// claims returns valid claims for the issuer at the test clock's time,
// changed by mod.
func claims(issuer string, mod func(map[string]any)) map[string]any {
	c := map[string]any{"iss": issuer, "sub": "u-1", "aud": "app", "exp": start.Add(time.Hour).Unix(), "iat": start.Add(-time.Minute).Unix(),
		"scope": "orders/read orders/write", "cognito:groups": []string{"admins", "users"}, "n": 5, "email_verified": true}
	if mod != nil {
		mod(c)
	}
	return c
}

func TestJWTAuthorizer(t *testing.T) {
	t.Parallel()
	rs := newRSAKey(t, "rsa-1", "RS256")
	es256 := newECKey(t, "ec-256", "ES256", elliptic.P256())
	es384 := newECKey(t, "ec-384", "ES384", elliptic.P384())
	anyAlg := newRSAKey(t, "rsa-any", "")   // the key set names no alg
	other := newRSAKey(t, "rsa-1", "RS256") // same kid, another key
	iss := newIssuer(t, rs, es256, es384, anyAlg)
	tb := setup(t)
	apiID := tb.api(t)
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	auth := tb.jwtAuthorizer(t, apiID, iss.url, "app", "other-app")
	tb.authRoute(t, apiID, "GET /orders", integ, types.AuthorizationTypeJwt, auth)
	tb.authRoute(t, apiID, "GET /admin", integ, types.AuthorizationTypeJwt, auth, "admin", "orders/admin")
	tb.stage(t, apiID, "$default", nil)

	const wwwAud = `Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"`
	invalid := func(desc string) string {
		return `Bearer scope="" error="invalid_token" error_description="` + desc + `"`
	}
	tests := []struct {
		name   string
		path   string
		auth   string // the Authorization header ("" for none)
		status int
		www    string
	}{
		{"RS256 with Bearer", "/orders", "Bearer " + rs.sign(t, "RS256", "rsa-1", claims(iss.url, nil)), 200, ""},
		{"RS256 without Bearer", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, nil)), 200, ""},
		{"RS512 on an RS256 key", "/orders", "Bearer " + rs.sign(t, "RS512", "rsa-1", claims(iss.url, nil)), 401, invalid("the token's alg RS512 is not its key's RS256")},
		{"RS384", "/orders", anyAlg.sign(t, "RS384", "rsa-any", claims(iss.url, nil)), 200, ""},
		{"RS512", "/orders", anyAlg.sign(t, "RS512", "rsa-any", claims(iss.url, nil)), 200, ""},
		{"PS256", "/orders", anyAlg.sign(t, "PS256", "rsa-any", claims(iss.url, nil)), 200, ""},
		{"ES256", "/orders", "Bearer " + es256.sign(t, "ES256", "ec-256", claims(iss.url, nil)), 200, ""},
		{"ES384", "/orders", "bearer " + es384.sign(t, "ES384", "ec-384", claims(iss.url, nil)), 200, ""},
		{"ES384 alg on an ES256 key", "/orders", es256.sign(t, "ES384", "ec-256", claims(iss.url, nil)), 401, invalid("the token's alg ES384 is not its key's ES256")},
		{"ES256 alg on an RSA key", "/orders", es256.sign(t, "ES256", "rsa-any", claims(iss.url, nil)), 401, invalid("the token's alg ES256 does not fit its key")},
		{"audience list", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { c["aud"] = []string{"x", "other-app"} })), 200, ""},
		{"client_id without aud", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { delete(c, "aud"); c["client_id"] = "app" })), 200, ""},
		{"aud wins over client_id", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { c["aud"] = "x"; c["client_id"] = "app" })), 401, wwwAud},
		{"wrong audience", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { c["aud"] = "someone-else" })), 401, wwwAud},
		{"wrong issuer", "/orders", rs.sign(t, "RS256", "rsa-1", claims("https://evil.example", nil)), 401, invalid("the token does not have a valid issuer")},
		{"expired", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { c["exp"] = start.Add(-time.Second).Unix() })), 401, invalid("the token has expired")},
		{"not yet valid", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { c["nbf"] = start.Add(time.Minute).Unix() })), 401, invalid("the token is not valid yet")},
		{"issued in the future", "/orders", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { c["iat"] = start.Add(time.Minute).Unix() })), 401, invalid("the token was issued in the future")},
		{"bad signature", "/orders", other.sign(t, "RS256", "rsa-1", claims(iss.url, nil)), 401, invalid("the token has an invalid signature")},
		{"HS256", "/orders", rs.sign(t, "HS256", "hmac", claims(iss.url, nil)), 401, invalid("signing method HS256 is invalid")},
		{"no kid", "/orders", rs.sign(t, "RS256", "", claims(iss.url, nil)), 401, invalid("the token has no kid header")},
		{"not a JWT", "/orders", "Bearer abc", 401, invalid("token contains an invalid number of segments")},
		{"no token", "/orders", "", 401, ""},
		{"route scope missing", "/admin", rs.sign(t, "RS256", "rsa-1", claims(iss.url, nil)), 403,
			`Bearer scope="admin orders/admin" error="insufficient_scope" error_description="the token does not have any of the route's authorization scopes"`},
		{"route scope in scope", "/admin", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { c["scope"] = "orders/read orders/admin" })), 200, ""},
		{"route scope in scp", "/admin", rs.sign(t, "RS256", "rsa-1", claims(iss.url, func(c map[string]any) { delete(c, "scope"); c["scp"] = []string{"admin"} })), 200, ""},
	}
	// The issuer's keys are fetched once for all of these.
	t.Cleanup(func() {
		if n := iss.fetches.Load(); n != 1 {
			t.Errorf("key set fetches = %d, want 1", n)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+tt.path, "", hdr...)
			wantBody := map[int]string{200: "ok", 401: `{"message":"Unauthorized"}`, 403: `{"message":"Forbidden"}`}[tt.status]
			if resp.StatusCode != tt.status || body != wantBody {
				t.Errorf("response = %d %s, want %d %s", resp.StatusCode, body, tt.status, wantBody)
			}
			if got := resp.Header.Get("Www-Authenticate"); got != tt.www {
				t.Errorf("www-authenticate = %s\nwant %s", got, tt.www)
			}
		})
	}
}

// TestJWTAuthorizerClaims checks what the integration learns of the token
// in both payload formats.
func TestJWTAuthorizerClaims(t *testing.T) {
	t.Parallel()
	rs := newRSAKey(t, "k", "RS256")
	iss := newIssuer(t, rs)
	tb := setup(t)
	apiID := tb.api(t)
	auth := tb.jwtAuthorizer(t, apiID, iss.url, "app")
	tb.authRoute(t, apiID, "GET /v2", tb.lambdaIntegration(t, apiID, "2.0"), types.AuthorizationTypeJwt, auth)
	tb.authRoute(t, apiID, "GET /v1", tb.lambdaIntegration(t, apiID, "1.0"), types.AuthorizationTypeJwt, auth)
	tb.stage(t, apiID, "$default", nil)
	tok := rs.sign(t, "RS256", "k", claims(iss.url, nil))
	claimsJSON := `{"aud":"app","cognito:groups":"[admins users]","email_verified":"true","exp":"` +
		itoa(start.Add(time.Hour).Unix()) + `","iat":"` + itoa(start.Add(-time.Minute).Unix()) + `","iss":"` + iss.url +
		`","n":"5","scope":"orders/read orders/write","sub":"u-1"}`
	for _, tt := range []struct{ path, want string }{
		{"/v2", `{"jwt":{"claims":` + claimsJSON + `,"scopes":["orders/read","orders/write"]}}`},
		{"/v1", `{"claims":` + claimsJSON + `,"scopes":["orders/read","orders/write"]}`},
	} {
		resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+tt.path, "", "Authorization", "Bearer "+tok)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tt.path, resp.StatusCode, body)
		}
		rc := tb.lambda.last(t).event(t)["requestContext"].(map[string]any)
		if got, _ := json.Marshal(rc["authorizer"]); string(got) != tt.want {
			t.Errorf("%s: requestContext.authorizer =\n%s\nwant\n%s", tt.path, got, tt.want)
		}
	}
	// Without scopes in the token, scopes is null.
	tok = rs.sign(t, "RS256", "k", claims(iss.url, func(c map[string]any) { delete(c, "scope") }))
	tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/v2", "", "Authorization", tok)
	rc := tb.lambda.last(t).event(t)["requestContext"].(map[string]any)
	if got := rc["authorizer"].(map[string]any)["jwt"].(map[string]any); got["scopes"] != nil {
		t.Errorf("scopes = %v, want null", got["scopes"])
	}
}

func itoa(n int64) string { return big.NewInt(n).String() }

// TestJWTKeyRotation checks that an unknown kid refreshes the key set, at
// most once per ten seconds, and that keys expire after two hours.
func TestJWTKeyRotation(t *testing.T) {
	t.Parallel()
	k1 := newRSAKey(t, "k1", "RS256")
	k2 := newECKey(t, "k2", "ES256", elliptic.P256())
	iss := newIssuer(t, k1)
	tb := setup(t)
	apiID := tb.api(t)
	auth := tb.jwtAuthorizer(t, apiID, iss.url, "app")
	tb.authRoute(t, apiID, "GET /orders", tb.lambdaIntegration(t, apiID, "2.0"), types.AuthorizationTypeJwt, auth)
	tb.stage(t, apiID, "$default", nil)
	tok1 := func() string {
		return k1.sign(t, "RS256", "k1", claims(iss.url, func(c map[string]any) { c["exp"] = start.Add(5 * time.Hour).Unix() }))
	}
	tok2 := func() string {
		return k2.sign(t, "ES256", "k2", claims(iss.url, func(c map[string]any) { c["exp"] = start.Add(5 * time.Hour).Unix() }))
	}
	steps := []struct {
		name    string
		publish []*testKey
		advance time.Duration
		token   string
		status  int
		fetches int32
	}{
		{name: "first key", token: tok1(), status: 200, fetches: 1},
		{name: "unknown kid refreshes", token: tok2(), status: 401, fetches: 2},
		{name: "rotated, but refreshed too recently", publish: []*testKey{k1, k2}, token: tok2(), status: 401, fetches: 2},
		{name: "rotated, ten seconds later", advance: 10 * time.Second, token: tok2(), status: 200, fetches: 3},
		{name: "old key still published", token: tok1(), status: 200, fetches: 3},
		{name: "old key retired, cached keys still used", publish: []*testKey{k2}, advance: time.Hour, token: tok1(), status: 200, fetches: 3},
		{name: "keys expire after two hours", advance: time.Hour, token: tok1(), status: 401, fetches: 4},
		{name: "new key after expiry", token: tok2(), status: 200, fetches: 4},
	}
	for _, st := range steps {
		if st.publish != nil {
			iss.publish(st.publish...)
		}
		tb.advance(st.advance)
		resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/orders", "", "Authorization", "Bearer "+st.token)
		if resp.StatusCode != st.status {
			t.Errorf("%s: %d %s (%s), want %d", st.name, resp.StatusCode, body, resp.Header.Get("Www-Authenticate"), st.status)
		}
		if n := iss.fetches.Load(); n != st.fetches {
			t.Errorf("%s: key set fetches = %d, want %d", st.name, n, st.fetches)
		}
	}
}

// TestJWTIssuerUnreachable checks the answer when the issuer's keys cannot
// be fetched.
func TestJWTIssuerUnreachable(t *testing.T) {
	t.Parallel()
	k := newRSAKey(t, "k", "RS256")
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	tb := setup(t)
	apiID := tb.api(t)
	auth := tb.jwtAuthorizer(t, apiID, srv.URL, "app")
	tb.authRoute(t, apiID, "GET /orders", tb.lambdaIntegration(t, apiID, "2.0"), types.AuthorizationTypeJwt, auth)
	tb.stage(t, apiID, "$default", nil)
	resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/orders", "", "Authorization", k.sign(t, "RS256", "k", claims(srv.URL, nil)))
	want := `Bearer scope="" error="invalid_token" error_description="the issuer's signing keys could not be fetched"`
	if resp.StatusCode != 401 || body != `{"message":"Unauthorized"}` || resp.Header.Get("Www-Authenticate") != want {
		t.Errorf("%d %s %s", resp.StatusCode, body, resp.Header.Get("Www-Authenticate"))
	}
	if n := len(tb.lambda.callsOf(fnARN)); n != 0 {
		t.Errorf("integration invoked %d times", n)
	}
}
