package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
)

// A link is {base}/approvals/{id}?d={decision}&s={sig}: id is 128 random
// bits in hex, sig is base64url(HMAC-SHA256(key, "id|decision|expiry"))
// truncated to 128 bits, where expiry is the request's expiry in Unix
// seconds and decision is "approve", "reject" or "page" (the link that
// shows both buttons, which has no d). Stepflow's built-in approval
// service makes the same links.
const (
	idBytes  = 16
	sigBytes = 16
	// minKeyLen is the least APPROVAL_SECRET may have.
	minKeyLen = 32
)

// Decisions, and the signed "decision" of the page link.
const (
	decisionApprove = "approve"
	decisionReject  = "reject"
	decisionPage    = "page"
)

// newID returns a fresh request id.
func newID() (string, error) {
	var b [idBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// validID reports whether id has the form of a request id.
func validID(id string) bool {
	if len(id) != 2*idBytes {
		return false
	}
	for i := range len(id) {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// sign returns a link's signature.
func sign(key []byte, id, decision string, expiresAt int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "|" + decision + "|" + strconv.FormatInt(expiresAt, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:sigBytes])
}

// verify checks a link's signature in constant time.
func verify(key []byte, id, decision string, expiresAt int64, sig string) bool {
	return hmac.Equal([]byte(sign(key, id, decision, expiresAt)), []byte(sig))
}

// link is the path and query of a link, without the base URL.
func link(key []byte, id, decision string, expiresAt int64) string {
	s := sign(key, id, decision, expiresAt)
	if decision == decisionPage {
		return "/approvals/" + id + "?s=" + s
	}
	return "/approvals/" + id + "?d=" + decision + "&s=" + s
}
