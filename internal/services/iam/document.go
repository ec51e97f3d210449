package iam

import (
	"bytes"
	"encoding/json"
)

// checkDocument returns IAM's MalformedPolicyDocument error for a policy
// document that is not a JSON object. trust selects the wording of trust
// policies (AssumeRolePolicyDocument).
func checkDocument(doc string, trust bool) error {
	b := bytes.TrimSpace([]byte(doc))
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return errMalformedPolicy(trust)
	}
	return nil
}

// encodeDocument URL-encodes a policy document as IAM returns it (RFC
// 3986: every byte but the unreserved characters as %XX).
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(doc); i++ {
		if !unreserved(doc[i]) {
			n++
		}
	}
	if n == 0 {
		return doc
	}
	b := make([]byte, 0, len(doc)+2*n)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&0xF])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}
