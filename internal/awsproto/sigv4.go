package awsproto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Credential is what a SigV4 signature says about its signer.
type Credential struct {
	// AccessKey is the access key id, e.g. "AKIDEXAMPLE".
	AccessKey string
	// Date is the credential scope's date, YYYYMMDD.
	Date string
	// Region and Service are the credential scope's, e.g. "us-east-1" and
	// "states".
	Region  string
	Service string
	// SessionToken is the X-Amz-Security-Token, if any.
	SessionToken string
	// Time is when the request was signed (X-Amz-Date or Date); zero when
	// unknown (ParseCredentialScope of a request without a date).
	Time time.Time
}

const (
	sigV4Algorithm   = "AWS4-HMAC-SHA256"
	amzDateFormat    = "20060102T150405Z"
	scopeTerminator  = "aws4_request"
	unsignedPayload  = "UNSIGNED-PAYLOAD"
	defaultMaxSkew   = 15 * time.Minute
	emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Verifier checks AWS Signature Version 4 signatures. The zero value is not
// usable: Lookup is required.
type Verifier struct {
	// Lookup returns the secret access key of an access key id; ok false
	// means the key is unknown.
	Lookup func(accessKey string) (secret string, ok bool)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the largest accepted difference between the signing time
	// and Now; 0 means AWS's 15 minutes.
	MaxSkew time.Duration
}

// Verify checks r's SigV4 signature (Authorization header or presigned
// query string) with lookup and the real clock. See Verifier.Verify.
func Verify(r *http.Request, body []byte, lookup func(accessKey string) (secret string, ok bool)) (*Credential, error) {
	v := Verifier{Lookup: lookup}
	return v.Verify(r, body)
}

// Verify checks r's SigV4 signature. body is the request body (for the
// payload hash; nil means empty unless X-Amz-Content-Sha256 names the
// hash). Returns the signer's credential, or an *Error as AWS answers:
//
//   - no signature: MissingAuthenticationTokenException;
//   - a malformed Authorization header or credential scope:
//     IncompleteSignatureException;
//   - an unknown access key: UnrecognizedClientException;
//   - a wrong signature, a scope date that is not the request's date, or a
//     signing time more than MaxSkew away: InvalidSignatureException;
//   - an expired presigned URL: AccessDeniedException "Request has
//     expired".
func (v *Verifier) Verify(r *http.Request, body []byte) (*Credential, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}
	var (
		auth      sigAuth
		amzDate   string
		presigned bool
		query     url.Values
	)
	if h := r.Header.Get("Authorization"); h != "" {
		var err error
		if auth, err = parseAuthorization(h); err != nil {
			return nil, err
		}
		amzDate = r.Header.Get("X-Amz-Date")
		if amzDate == "" && r.Header.Get("Date") == "" {
			return nil, IncompleteSignature(missingParams(auth, true) + "Authorization=" + h)
		}
		if auth.credential == "" || auth.signedHeaders == "" || auth.signature == "" {
			return nil, IncompleteSignature(missingParams(auth, false) + "Authorization=" + h)
		}
	} else if query = r.URL.Query(); query.Get("X-Amz-Algorithm") != "" || query.Get("X-Amz-Credential") != "" {
		presigned = true
		auth = sigAuth{
			algorithm:     query.Get("X-Amz-Algorithm"),
			credential:    query.Get("X-Amz-Credential"),
			signedHeaders: query.Get("X-Amz-SignedHeaders"),
			signature:     query.Get("X-Amz-Signature"),
		}
		amzDate = query.Get("X-Amz-Date")
		var missing []string
		for _, p := range [...][2]string{
			{"X-Amz-Algorithm", auth.algorithm}, {"X-Amz-Credential", auth.credential},
			{"X-Amz-Signature", auth.signature}, {"X-Amz-SignedHeaders", auth.signedHeaders},
			{"X-Amz-Date", amzDate},
		} {
			if p[1] == "" {
				missing = append(missing, p[0])
			}
		}
		if len(missing) > 0 {
			return nil, IncompleteSignature("AWS query-string parameters must include " + quoteJoin(missing) + ". Re-examine the query-string parameters.")
		}
		if auth.algorithm != sigV4Algorithm {
			return nil, IncompleteSignature("Unsupported AWS 'algorithm': '" + auth.algorithm + "'")
		}
	} else {
		return nil, MissingAuthenticationToken()
	}

	cred, err := parseScope(auth.credential)
	if err != nil {
		return nil, err
	}
	if presigned {
		cred.SessionToken = query.Get("X-Amz-Security-Token")
	} else {
		cred.SessionToken = r.Header.Get("X-Amz-Security-Token")
	}

	// The signing time.
	if amzDate != "" {
		t, err := time.Parse(amzDateFormat, amzDate)
		if err != nil {
			return nil, IncompleteSignature("Date must be in ISO-8601 'basic format'. Got '" + amzDate + "'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		cred.Time = t
	} else {
		t, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return nil, IncompleteSignature("Date must be in ISO-8601 'basic format'. Got '" + r.Header.Get("Date") + "'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		cred.Time = t.UTC()
		amzDate = cred.Time.Format(amzDateFormat)
	}
	if day := amzDate[:8]; cred.Date != day {
		return nil, InvalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			cred.Date + "' != '" + day + "', from '" + amzDate + "'.")
	}
	current := now().UTC()
	if presigned {
		expires, err := strconv.Atoi(query.Get("X-Amz-Expires"))
		if err != nil || expires < 0 {
			expires = 7 * 24 * 3600
		}
		if current.After(cred.Time.Add(time.Duration(expires) * time.Second)) {
			return nil, AccessDenied("Request has expired")
		}
		if cred.Time.After(current.Add(skew)) {
			return nil, notYetCurrent(cred.Time, current, skew)
		}
	} else {
		if cred.Time.Before(current.Add(-skew)) {
			return nil, InvalidSignature("Signature expired: " + amzDate + " is now earlier than " +
				current.Add(-skew).Format(amzDateFormat) + " (" + current.Format(amzDateFormat) + " - " + skewText(skew) + ")")
		}
		if cred.Time.After(current.Add(skew)) {
			return nil, notYetCurrent(cred.Time, current, skew)
		}
	}

	secret, ok := v.Lookup(cred.AccessKey)
	if !ok {
		return nil, UnrecognizedClient()
	}

	payloadHash, err := payloadHash(r, body, presigned)
	if err != nil {
		return nil, err
	}
	canonical := canonicalRequest(r, cred.Service, auth.signedHeaders, payloadHash, presigned)
	sum := sha256.Sum256([]byte(canonical))
	scope := cred.Date + "/" + cred.Region + "/" + cred.Service + "/" + scopeTerminator
	stringToSign := sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := hmacSHA256([]byte("AWS4"+secret), cred.Date)
	key = hmacSHA256(key, cred.Region)
	key = hmacSHA256(key, cred.Service)
	key = hmacSHA256(key, scopeTerminator)
	want := hmacSHA256(key, stringToSign)
	got, err := hex.DecodeString(auth.signature)
	if err != nil || !hmac.Equal(got, want) {
		return nil, InvalidSignature("")
	}
	return cred, nil
}

func notYetCurrent(t, now time.Time, skew time.Duration) *Error {
	return InvalidSignature("Signature not yet current: " + t.Format(amzDateFormat) + " is still later than " +
		now.Add(skew).Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " + " + skewText(skew) + ")")
}

func skewText(d time.Duration) string {
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64) + " min."
}

func quoteJoin(items []string) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + it + "'")
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// sigAuth is a parsed Authorization header.
type sigAuth struct {
	algorithm, credential, signedHeaders, signature string
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
// Missing parameters are left empty for the caller to report; a parameter
// without '=' is an error.
func parseAuthorization(h string) (sigAuth, error) {
	var a sigAuth
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	a.algorithm = alg
	if alg != sigV4Algorithm {
		// Not SigV4: AWS reports the parameters it misses.
		return a, nil
	}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			sum := sha256.Sum256([]byte(h))
			return a, IncompleteSignature("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" +
				base64.StdEncoding.EncodeToString(sum[:]) + "'.")
		}
		switch strings.TrimSpace(k) {
		case "Credential":
			a.credential = strings.TrimSpace(val)
		case "SignedHeaders":
			a.signedHeaders = strings.TrimSpace(val)
		case "Signature":
			a.signature = strings.TrimSpace(val)
		}
	}
	return a, nil
}

// missingParams lists what an Authorization header lacks, in AWS's words.
func missingParams(a sigAuth, noDate bool) string {
	var b strings.Builder
	if a.credential == "" {
		b.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if a.signature == "" {
		b.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if a.signedHeaders == "" {
		b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if noDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	return b.String()
}

// parseScope parses "AKID/20240101/us-east-1/states/aws4_request".
func parseScope(s string) (*Credential, error) {
	var parts [5]string
	n := 0
	for n < 4 {
		i := strings.IndexByte(s, '/')
		if i < 0 {
			break
		}
		parts[n] = s[:i]
		s = s[i+1:]
		n++
	}
	parts[n] = s
	n++
	if n != 5 || strings.IndexByte(s, '/') >= 0 {
		return nil, IncompleteSignature("Credential should be scoped to a valid region. ")
	}
	if parts[4] != scopeTerminator {
		return nil, IncompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'. ")
	}
	if parts[0] == "" {
		return nil, IncompleteSignature("Credential should not be empty. ")
	}
	if len(parts[1]) != 8 {
		return nil, IncompleteSignature("Credential should be scoped to a valid date, not '" + parts[1] + "'. ")
	}
	if parts[2] == "" {
		return nil, IncompleteSignature("Credential should be scoped to a valid region. ")
	}
	if parts[3] == "" {
		return nil, IncompleteSignature("Credential should be scoped to correct service. ")
	}
	return &Credential{AccessKey: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, nil
}

// ParseCredentialScope reads the credential scope of r's SigV4 signature
// (Authorization header or X-Amz-Credential query parameter) without
// verifying anything, to learn the service and region for routing. Returns
// MissingAuthenticationTokenException when r is not signed and
// IncompleteSignatureException when the scope is malformed.
func ParseCredentialScope(r *http.Request) (*Credential, error) {
	var scope string
	if h := r.Header.Get("Authorization"); h != "" {
		i := strings.Index(h, "Credential=")
		if i < 0 {
			return nil, IncompleteSignature("Authorization header requires 'Credential' parameter. Authorization=" + h)
		}
		scope = h[i+len("Credential="):]
		if j := strings.IndexAny(scope, ", "); j >= 0 {
			scope = scope[:j]
		}
	} else if strings.Contains(r.URL.RawQuery, "X-Amz-Credential=") {
		scope = r.URL.Query().Get("X-Amz-Credential")
	} else {
		return nil, MissingAuthenticationToken()
	}
	cred, err := parseScope(scope)
	if err != nil {
		return nil, err
	}
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		if t, err := time.Parse(amzDateFormat, d); err == nil {
			cred.Time = t
		}
	}
	return cred, nil
}

func payloadHash(r *http.Request, body []byte, presigned bool) (string, error) {
	h := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case h == "" && presigned:
		return unsignedPayload, nil
	case h == "":
		if len(body) == 0 {
			return emptyPayloadHash, nil
		}
		sum := sha256.Sum256(body)
		return hex.EncodeToString(sum[:]), nil
	case h == unsignedPayload || strings.HasPrefix(h, "STREAMING-"):
		return h, nil
	}
	if body != nil {
		sum := sha256.Sum256(body)
		if !strings.EqualFold(hex.EncodeToString(sum[:]), h) {
			return "", &Error{Code: "XAmzContentSHA256Mismatch", Status: http.StatusBadRequest, Sender: true,
				Message: "The provided 'x-amz-content-sha256' header does not match what was computed."}
		}
	}
	return h, nil
}

// canonicalRequest builds the SigV4 canonical request of r.
func canonicalRequest(r *http.Request, service, signedHeaders, payloadHash string, presigned bool) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := requestPath(r)
	if service == "s3" {
		b.WriteString(path)
	} else {
		escapePath(&b, path)
	}
	b.WriteByte('\n')
	writeCanonicalQuery(&b, r.URL.RawQuery, presigned)
	b.WriteByte('\n')
	for name := range strings.SplitSeq(signedHeaders, ";") {
		b.WriteString(name)
		b.WriteByte(':')
		switch name {
		case "host":
			b.WriteString(stripSpaces(r.Host))
		case "content-length":
			if v := r.Header.Get("Content-Length"); v != "" {
				b.WriteString(strings.TrimSpace(v))
			} else if r.ContentLength > 0 {
				b.WriteString(strconv.FormatInt(r.ContentLength, 10))
			}
		default:
			for i, v := range r.Header.Values(name) {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(stripSpaces(v))
			}
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// requestPath is the path exactly as the client sent it (still escaped).
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if p == "" || p == "*" {
		p = r.URL.EscapedPath()
	} else {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if !strings.HasPrefix(p, "/") { // absolute-form: scheme://host/path
			if u, err := url.Parse(p); err == nil {
				p = u.EscapedPath()
			}
		}
	}
	if p == "" {
		p = "/"
	}
	return p
}

// escapePath percent-encodes every byte of p except unreserved characters
// and '/', as the SDK signers do for every service but S3 (so an escaped
// path is escaped twice).
func escapePath(b *strings.Builder, p string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(p); i++ {
		c := p[i]
		if unreserved(c) || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// writeCanonicalQuery writes the sorted, re-encoded query parameters
// (without X-Amz-Signature for presigned requests).
func writeCanonicalQuery(b *strings.Builder, raw string, presigned bool) {
	if raw == "" {
		return
	}
	values, _ := url.ParseQuery(raw)
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(values))
	for k, vs := range values {
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		ek := queryEscape(k)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, queryEscape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
}

// queryEscape encodes everything but unreserved characters, a space as
// "%20".
func queryEscape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	escapeAll(&b, s)
	return b.String()
}

func escapeAll(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
}

// stripSpaces trims a header value and collapses runs of spaces.
func stripSpaces(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}
