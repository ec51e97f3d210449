package approvals

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"time"
)

const (
	// keySize is the length of a generated key, and the least a
	// configured one may have.
	keySize = 32
	// idBytes is the randomness of a request id (hex in links).
	idBytes = 16
	// sigBytes is the HMAC truncated into a link: 128 bits.
	sigBytes = 16
	// decisionPage is the signed "decision" of a PageURL, which shows both
	// buttons and decides nothing itself. In links it is the absent d.
	decisionPage = "page"
)

var (
	errBadID       = errors.New("malformed approval id")
	errBadDecision = errors.New("unknown decision")
	errBadSig      = errors.New("malformed signature")
)

// link is a parsed approval link.
type link struct {
	id       string
	decision string // DecisionApprove, DecisionReject or decisionPage
	sig      [sigBytes]byte
}

// formatLink is the path and query of a link (without the base URL).
func formatLink(id, decision string, sig [sigBytes]byte) string {
	s := encodeSig(sig)
	if decision == decisionPage {
		return "/approvals/" + id + "?s=" + s
	}
	return "/approvals/" + id + "?d=" + decision + "&s=" + s
}

// encodeSig is a signature as links carry it.
func encodeSig(sig [sigBytes]byte) string { return base64.RawURLEncoding.EncodeToString(sig[:]) }

// parseLink checks the parts of a link: id is 32 lowercase hex digits, d
// is "approve", "reject" or "" (the page link), s is 22 base64url
// characters. Returns errBadID, errBadDecision or errBadSig.
func parseLink(id, d, s string) (link, error) {
	var l link
	if !validID(id) {
		return l, errBadID
	}
	l.id = id
	switch d {
	case DecisionApprove, DecisionReject:
		l.decision = d
	case "":
		l.decision = decisionPage
	default:
		return l, errBadDecision
	}
	if base64.RawURLEncoding.EncodedLen(sigBytes) != len(s) {
		return l, errBadSig
	}
	n, err := base64.RawURLEncoding.Strict().Decode(l.sig[:], []byte(s))
	if err != nil || n != sigBytes {
		return l, errBadSig
	}
	return l, nil
}

// validID reports whether id has the form of a request id.
func validID(id string) bool {
	if len(id) != 2*idBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// sign is the truncated HMAC-SHA256 of "id|decision|expiry" (Unix seconds).
func sign(key []byte, id, decision string, exp time.Time) [sigBytes]byte {
	m := hmac.New(sha256.New, key)
	var buf [128]byte
	b := append(buf[:0], id...)
	b = append(b, '|')
	b = append(b, decision...)
	b = append(b, '|')
	b = strconv.AppendInt(b, exp.Unix(), 10)
	m.Write(b)
	var out [sigBytes]byte
	copy(out[:], m.Sum(nil))
	return out
}

// verify checks l's signature in constant time.
func verify(key []byte, l link, exp time.Time) bool {
	want := sign(key, l.id, l.decision, exp)
	return hmac.Equal(want[:], l.sig[:])
}
