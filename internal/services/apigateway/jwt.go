package apigateway

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha256" // SHA-256 for RS256, PS256, ES256
	_ "crypto/sha512" // SHA-384 and SHA-512
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// JWT authorizers, as AWS documents them for HTTP APIs
// (http-api-jwt-authorizer): the token comes from the identity source
// (with or without "Bearer "), its signature is checked with the issuer's
// key named by its kid (from the jwks_uri of
// {issuer}/.well-known/openid-configuration), then iss, aud (or client_id
// when aud is absent), exp, nbf and iat, then the route's scopes against
// scope or scp. Only the standard library is used.

const (
	// maxTokenLength bounds a token (AWS's request headers are at most
	// 10 KB together).
	maxTokenLength = 16 << 10
	// oidcTimeout bounds each fetch of a discovery document or key set.
	oidcTimeout = 5 * time.Second
	// jwksTTL is how long an issuer's keys are used before they are
	// fetched again (AWS caches public keys for two hours).
	jwksTTL = 2 * time.Hour
	// jwksMissInterval is the least time between two refreshes caused by
	// a kid the key set lacks, so that tokens with made-up kids cannot
	// make the gateway hammer the issuer.
	jwksMissInterval = 10 * time.Second
	// maxOIDCBody bounds a discovery document or key set.
	maxOIDCBody = 1 << 20
)

// tokenError is a token API Gateway refuses with 401; its text is the
// error_description of the www-authenticate header.
type tokenError struct{ desc string }

func (e *tokenError) Error() string { return e.desc }

func invalidToken(desc string) error { return &tokenError{desc: desc} }

// jwtToken is a parsed, not yet verified, JWS in compact serialization.
type jwtToken struct {
	alg, kid string
	claims   *jsonv.Object
	signed   string // the signing input: header "." payload
	sig      []byte
}

// parseJWT parses a compact JWS ("header.payload.signature", each part
// base64url without padding). It verifies nothing.
func parseJWT(tok string) (*jwtToken, error) {
	if len(tok) > maxTokenLength {
		return nil, invalidToken("the token is longer than " + strconv.Itoa(maxTokenLength) + " bytes")
	}
	h, rest, ok1 := strings.Cut(tok, ".")
	p, sg, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(sg, '.') >= 0 {
		return nil, invalidToken("token contains an invalid number of segments")
	}
	hb, err := decodeSegment(h)
	if err != nil {
		return nil, invalidToken("the token's header is not base64url")
	}
	hv, err := jsonv.Parse(hb)
	hdr, ok := hv.(*jsonv.Object)
	if err != nil || !ok {
		return nil, invalidToken("the token's header is not a JSON object")
	}
	t := &jwtToken{signed: tok[:len(h)+1+len(p)]}
	alg, _ := hdr.Get("alg")
	if t.alg, ok = alg.(string); !ok {
		return nil, invalidToken("the token's header has no alg")
	}
	if kid, ok := hdr.Get("kid"); ok {
		if t.kid, ok = kid.(string); !ok {
			return nil, invalidToken("the token's kid is not a string")
		}
	}
	if hdr.Has("crit") {
		return nil, invalidToken("the token has critical header parameters, which are not supported")
	}
	pb, err := decodeSegment(p)
	if err != nil {
		return nil, invalidToken("the token's payload is not base64url")
	}
	pv, err := jsonv.Parse(pb)
	if t.claims, ok = pv.(*jsonv.Object); err != nil || !ok {
		return nil, invalidToken("the token's payload is not a JSON object")
	}
	if t.sig, err = decodeSegment(sg); err != nil || len(t.sig) == 0 {
		return nil, invalidToken("the token's signature is not base64url")
	}
	return t, nil
}

func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// jwk is one public key of an issuer's key set.
type jwk struct {
	alg string // the key's alg, if the set names one
	rsa *rsa.PublicKey
	ec  *ecdsa.PublicKey
}

// parseJWKS parses a JSON Web Key Set and returns its signing keys by
// kid. Keys it cannot use (other types, encryption keys, no kid,
// malformed) are left out.
func parseJWKS(data []byte) (map[string]*jwk, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			Alg string `json:"alg"`
			N   string `json:"n"`
			E   string `json:"e"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("parse key set: %w", err)
	}
	keys := make(map[string]*jwk, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kid == "" || k.Use != "" && k.Use != "sig" {
			continue
		}
		switch k.Kty {
		case "RSA":
			n, err1 := decodeSegment(k.N)
			e, err2 := decodeSegment(k.E)
			if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
				continue
			}
			exp := new(big.Int).SetBytes(e)
			if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > math.MaxInt32 {
				continue
			}
			keys[k.Kid] = &jwk{alg: k.Alg, rsa: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}}
		case "EC":
			curve := curveByName(k.Crv)
			if curve == nil {
				continue
			}
			size := (curve.Params().BitSize + 7) / 8
			x, err1 := decodeSegment(k.X)
			y, err2 := decodeSegment(k.Y)
			if err1 != nil || err2 != nil || len(x) > size || len(y) > size {
				continue
			}
			point := make([]byte, 1+2*size)
			point[0] = 4
			copy(point[1+size-len(x):], x)
			copy(point[1+2*size-len(y):], y)
			pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
			if err != nil {
				continue
			}
			keys[k.Kid] = &jwk{alg: k.Alg, ec: pub}
		}
	}
	return keys, nil
}

func curveByName(crv string) elliptic.Curve {
	switch crv {
	case "P-256":
		return elliptic.P256()
	case "P-384":
		return elliptic.P384()
	case "P-521":
		return elliptic.P521()
	}
	return nil
}

// verifySignature checks a token's signature with key.
func (t *jwtToken) verifySignature(key *jwk) error {
	var h crypto.Hash
	switch t.alg {
	case "RS256", "PS256", "ES256":
		h = crypto.SHA256
	case "RS384", "PS384", "ES384":
		h = crypto.SHA384
	case "RS512", "PS512", "ES512":
		h = crypto.SHA512
	default:
		return invalidToken("signing method " + t.alg + " is invalid")
	}
	if key.alg != "" && key.alg != t.alg {
		return invalidToken("the token's alg " + t.alg + " is not its key's " + key.alg)
	}
	hash := h.New()
	hash.Write([]byte(t.signed))
	digest := hash.Sum(nil)
	bad := invalidToken("the token has an invalid signature")
	switch t.alg[:2] {
	case "RS", "PS":
		if key.rsa == nil {
			return invalidToken("the token's alg " + t.alg + " does not fit its key")
		}
		var err error
		if t.alg[0] == 'R' {
			err = rsa.VerifyPKCS1v15(key.rsa, h, digest, t.sig)
		} else {
			err = rsa.VerifyPSS(key.rsa, h, digest, t.sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		if err != nil {
			return bad
		}
	default: // ES
		if key.ec == nil || key.ec.Curve != curveForAlg(t.alg) {
			return invalidToken("the token's alg " + t.alg + " does not fit its key")
		}
		size := (key.ec.Curve.Params().BitSize + 7) / 8
		if len(t.sig) != 2*size {
			return bad
		}
		r := new(big.Int).SetBytes(t.sig[:size])
		s := new(big.Int).SetBytes(t.sig[size:])
		if !ecdsa.Verify(key.ec, digest, r, s) {
			return bad
		}
	}
	return nil
}

func curveForAlg(alg string) elliptic.Curve {
	switch alg {
	case "ES256":
		return elliptic.P256()
	case "ES384":
		return elliptic.P384()
	}
	return elliptic.P521()
}

// checkClaims validates iss, aud (or client_id), exp, nbf and iat.
// An empty audience list accepts any audience.
func checkClaims(c *jsonv.Object, issuer string, audience []string, now time.Time) error {
	if iss, _ := c.Get("iss"); iss != issuer {
		return invalidToken("the token does not have a valid issuer")
	}
	if len(audience) > 0 {
		aud, ok := c.Get("aud")
		if !ok {
			aud, ok = c.Get("client_id")
		}
		if !ok || !audienceMatches(aud, audience) {
			return invalidToken("the token does not have a valid audience")
		}
	}
	for _, claim := range [...]string{"exp", "nbf", "iat"} {
		v, ok := c.Get(claim)
		if !ok {
			continue
		}
		t, ok := numericDate(v)
		if !ok {
			return invalidToken("the token's " + claim + " is not a number")
		}
		switch {
		case claim == "exp" && !now.Before(t):
			return invalidToken("the token has expired")
		case claim == "nbf" && now.Before(t):
			return invalidToken("the token is not valid yet")
		case claim == "iat" && now.Before(t):
			return invalidToken("the token was issued in the future")
		}
	}
	return nil
}

func audienceMatches(aud jsonv.Value, audience []string) bool {
	switch a := aud.(type) {
	case string:
		for _, want := range audience {
			if a == want {
				return true
			}
		}
	case []any:
		for _, e := range a {
			if s, ok := e.(string); ok && audienceMatches(s, audience) {
				return true
			}
		}
	}
	return false
}

// numericDate converts a JWT NumericDate (seconds since the epoch,
// possibly fractional).
func numericDate(v jsonv.Value) (time.Time, bool) {
	n, ok := v.(jsonv.Number)
	if !ok {
		return time.Time{}, false
	}
	f := n.Float64()
	if math.IsNaN(f) || math.Abs(f) > 1e15 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// tokenScopes returns the token's scopes: the space-separated scope
// claim, else scp (a list or a space-separated string).
func tokenScopes(c *jsonv.Object) []string {
	v, ok := c.Get("scope")
	if !ok {
		v = nil
		if s, ok := c.Get("scp"); ok {
			v = s
		}
	}
	switch x := v.(type) {
	case string:
		return strings.Fields(x)
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// hasScope reports whether scopes include at least one of want.
func hasScope(scopes, want []string) bool {
	for _, w := range want {
		for _, s := range scopes {
			if s == w {
				return true
			}
		}
	}
	return false
}

// claimString renders a claim as API Gateway passes it to integrations:
// every claim is a string; lists are "[a b]" and objects "map[k:v]".
func claimString(v jsonv.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case jsonv.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(claimString(e))
		}
		b.WriteByte(']')
		return b.String()
	case *jsonv.Object:
		keys := x.Keys()
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("map[")
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			e, _ := x.Get(k)
			b.WriteString(k + ":" + claimString(e))
		}
		b.WriteByte(']')
		return b.String()
	}
	return ""
}

// appendClaims appends the claims as a JSON object of strings, in the
// token's order; null claims are left out.
func appendClaims(b []byte, c *jsonv.Object) []byte {
	b = append(b, '{')
	first := true
	for _, m := range c.Members {
		if m.Value == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = jsonv.AppendString(b, m.Key)
		b = append(b, ':')
		b = jsonv.AppendString(b, claimString(m.Value))
	}
	return append(b, '}')
}

// issuerKeys is the cached key set of one issuer.
type issuerKeys struct {
	mu      sync.Mutex // held across fetches: one fetch per issuer at a time
	keys    map[string]*jwk
	fetched time.Time
	missAt  time.Time // when an unknown kid last caused a refresh
}

// signingKey returns the issuer's key named kid, fetching the key set when
// it is not cached, older than jwksTTL, or lacks kid (at most once per
// jwksMissInterval).
func (s *Service) signingKey(ctx context.Context, issuer, kid string) (*jwk, error) {
	s.issuersMu.Lock()
	e := s.issuers[issuer]
	if e == nil {
		e = &issuerKeys{}
		s.issuers[issuer] = e
	}
	s.issuersMu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	now := s.cfg.Now()
	fresh := false
	if e.keys == nil || now.Sub(e.fetched) >= jwksTTL || now.Before(e.fetched) {
		err := s.fetchKeys(ctx, issuer, e, now)
		if err != nil && e.keys == nil {
			return nil, err
		}
		fresh = err == nil
	}
	if k, ok := e.keys[kid]; ok {
		return k, nil
	}
	if !fresh && (e.missAt.IsZero() || now.Sub(e.missAt) >= jwksMissInterval || now.Before(e.missAt)) {
		e.missAt = now
		if err := s.fetchKeys(ctx, issuer, e, now); err == nil {
			if k, ok := e.keys[kid]; ok {
				return k, nil
			}
		}
	}
	return nil, invalidToken("the token's kid " + strconv.Quote(kid) + " is not in the issuer's key set")
}

// fetchKeys fetches the issuer's key set through its discovery document.
// On failure the keys cached so far are kept.
func (s *Service) fetchKeys(ctx context.Context, issuer string, e *issuerKeys, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, oidcTimeout)
	defer cancel()
	fail := func(err error) error {
		s.log.Warn("apigateway_jwks_fetch_failed", "issuer", issuer, "error", err.Error())
		return invalidToken("the issuer's signing keys could not be fetched")
	}
	body, err := s.fetchOIDC(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration")
	if err != nil {
		return fail(err)
	}
	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &disc); err != nil || disc.JWKSURI == "" {
		return fail(errors.New("the discovery document has no jwks_uri"))
	}
	if body, err = s.fetchOIDC(ctx, disc.JWKSURI); err != nil {
		return fail(err)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return fail(err)
	}
	e.keys, e.fetched = keys, now
	return nil
}

func (s *Service) fetchOIDC(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.OIDCClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOIDCBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxOIDCBody {
		return nil, fmt.Errorf("GET %s: the document is larger than %d bytes", url, maxOIDCBody)
	}
	return body, nil
}

// verifyJWT verifies a token for a JWT authorizer: signature, then
// claims.
func (s *Service) verifyJWT(ctx context.Context, au *compiledAuthorizer, raw string) (*jwtToken, error) {
	t, err := parseJWT(raw)
	if err != nil {
		return nil, err
	}
	switch t.alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512":
	default:
		return nil, invalidToken("signing method " + t.alg + " is invalid")
	}
	if t.kid == "" {
		return nil, invalidToken("the token has no kid header")
	}
	key, err := s.signingKey(ctx, au.issuer, t.kid)
	if err != nil {
		return nil, err
	}
	if err := t.verifySignature(key); err != nil {
		return nil, err
	}
	if err := checkClaims(t.claims, au.issuer, au.audience, s.cfg.Now()); err != nil {
		return nil, err
	}
	return t, nil
}
