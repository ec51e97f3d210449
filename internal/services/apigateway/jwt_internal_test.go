package apigateway

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzParseJWT parses arbitrary tokens: no input may panic, and what
// parses can be checked, verified and rendered without panicking.
func FuzzParseJWT(f *testing.F) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	keys := []*jwk{{rsa: &rk.PublicKey}, {ec: &ek.PublicKey}, {alg: "RS256", rsa: &rk.PublicKey}}
	h := crypto.SHA256.New()
	input := seg(`{"alg":"RS256","kid":"k"}`) + "." + seg(`{"iss":"https://i","aud":["a"],"exp":1e10,"scope":"a b"}`)
	h.Write([]byte(input))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, h.Sum(nil))
	for _, s := range []string{
		input + "." + base64.RawURLEncoding.EncodeToString(sig),
		seg(`{"alg":"ES256","kid":"k"}`) + "." + seg(`{"iss":"x","client_id":"a","nbf":1.5,"iat":-1,"scp":["a",1]}`) + "." + seg(strings.Repeat("s", 64)),
		seg(`{"alg":"none"}`) + "." + seg(`{}`) + ".",
		seg(`{"alg":"RS256","crit":["b64"]}`) + "." + seg(`{}`) + ".c2ln",
		seg(`{"alg":1,"kid":2}`) + "." + seg(`[]`) + ".c2ln",
		seg(`{"alg":"PS512","kid":"k"}`) + "." + seg(`{"exp":"soon","nested":{"b":[1,{"c":null}],"a":true}}`) + ".c2ln==",
		"a.b", "a.b.c.d", "...", "", "e30.e30.e30", "!!.??.**",
	} {
		f.Add(s)
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, tok string) {
		jt, err := parseJWT(tok)
		if err != nil {
			if _, ok := err.(*tokenError); !ok {
				t.Fatalf("error %T %v is not a tokenError", err, err)
			}
			return
		}
		if !strings.HasPrefix(tok, jt.signed+".") || jt.claims == nil {
			t.Fatalf("signed input %q of %q", jt.signed, tok)
		}
		for _, k := range keys {
			_ = jt.verifySignature(k)
		}
		_ = checkClaims(jt.claims, "https://i", []string{"a"}, now)
		_ = checkClaims(jt.claims, "https://i", nil, now)
		_ = tokenScopes(jt.claims)
		if b := appendClaims(nil, jt.claims); !json.Valid(b) {
			t.Fatalf("claims render as invalid JSON: %s", b)
		}
	})
}

// FuzzParseJWKS parses arbitrary key sets without panicking.
func FuzzParseJWKS(f *testing.F) {
	for _, s := range []string{
		`{"keys":[{"kty":"RSA","kid":"a","n":"sXch","e":"AQAB"}]}`,
		`{"keys":[{"kty":"EC","kid":"b","crv":"P-256","x":"AAAA","y":"AAAA"},{"kty":"EC","kid":"c","crv":"P-9"}]}`,
		`{"keys":[{"kty":"RSA","kid":"d","use":"enc","n":"AA","e":"AA"},{"kty":"RSA","kid":"e","n":"","e":"AQAB"},{"kty":"RSA","kid":"f","n":"AQ","e":"AQABAQAB"}]}`,
		`{"keys":{}}`, `[]`, `{`, `{"keys":[null,1,"x"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseJWKS(data)
		if err != nil {
			return
		}
		for kid, k := range keys {
			if kid == "" || (k.rsa == nil) == (k.ec == nil) {
				t.Fatalf("key %q = %+v", kid, k)
			}
		}
	})
}

// FuzzLambdaAuthorizerResponse decodes arbitrary authorizer responses and
// evaluates what decodes; no input may panic.
func FuzzLambdaAuthorizerResponse(f *testing.F) {
	for _, s := range []string{
		`{"isAuthorized":true,"context":{"a":1}}`, `{"isAuthorized":"yes"}`,
		`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:*","Resource":["arn:*"]}]},"context":{}}`,
		`{"policyDocument":{"Statement":{"Effect":"Deny","Action":["*"],"Resource":"*"}}}`,
		`{"policyDocument":{"Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}}`,
		`{"principalId":1}`, `{"context":[]}`, `null`, `[]`, `{`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, out []byte, simple bool) {
		res, err := parseLambdaAuthorizerResponse(out, simple)
		if err != nil {
			return
		}
		_ = res.allows("arn:aws:execute-api:us-east-1:111111111111:api/$default/GET/a/b")
	})
}

func TestWildcardMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"", "", true},
		{"", "a", false},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"arn:*:api/*/GET/*", "arn:aws:execute-api:r:1:api/prod/GET/x/y", true},
		{"arn:*:api/*/GET/*", "arn:aws:execute-api:r:1:api/prod/POST/x", false},
		{"**a**", "bab", true},
		{"*a*b*c*", strings.Repeat("a", 50) + "b", false},
		{"x*", "x", true},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func TestClaimString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`"s"`, "s"},
		{`12`, "12"},
		{`1.5e3`, "1.5e3"},
		{`true`, "true"},
		{`["a",["b",1]]`, "[a [b 1]]"},
		{`{"b":1,"a":{"c":"d"}}`, "map[a:map[c:d] b:1]"},
		{`null`, ""},
	}
	for _, tt := range tests {
		if got := claimString(jsonv.MustParse(tt.in)); got != tt.want {
			t.Errorf("claimString(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
