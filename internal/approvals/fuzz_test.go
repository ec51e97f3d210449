package approvals

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseLink(f *testing.F) {
	key := bytes.Repeat([]byte{1}, keySize)
	exp := time.Unix(1_750_000_000, 0)
	id := "0123456789abcdef0123456789abcdef"
	for _, d := range []string{DecisionApprove, DecisionReject, decisionPage} {
		u, _ := url.Parse(formatLink(id, d, sign(key, id, d, exp)))
		f.Add(u.Path, u.RawQuery)
	}
	f.Add("/approvals/", "")
	f.Add("/approvals/x", "d=approve&s=")
	f.Add("/approvals/"+strings.Repeat("f", 32), "d=reject&s=AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("/approvals/"+strings.Repeat("F", 32), "d=approve&s=AAAAAAAAAAAAAAAAAAAAA=")
	f.Add("/approvals/"+id, "d=%ff&s=%zz")
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		q, _ := url.ParseQuery(rawQuery)
		rest, _ := strings.CutPrefix(path, PathPrefix+"/")
		l, err := parseLink(rest, q.Get("d"), q.Get("s"))
		if err != nil {
			return
		}
		// A link that parses renders to one that parses to itself, and
		// only its own signature verifies.
		u, err := url.Parse(formatLink(l.id, l.decision, l.sig))
		if err != nil {
			t.Fatalf("formatLink(%+v) is no URL: %v", l, err)
		}
		rq := u.Query()
		back, err := parseLink(strings.TrimPrefix(u.Path, PathPrefix+"/"), rq.Get("d"), rq.Get("s"))
		if err != nil || back != l {
			t.Fatalf("round trip %+v -> %s -> %+v, %v", l, u, back, err)
		}
		want := link{id: l.id, decision: l.decision, sig: sign(key, l.id, l.decision, exp)}
		if verify(key, l, exp) != (l == want) {
			t.Fatalf("verify(%+v) disagrees with the signature %+v", l, want)
		}
	})
}

func FuzzDecodeMint(f *testing.F) {
	f.Add([]byte(`{"TaskToken":"t","ExecutionArn":"arn:aws:states:us-east-1:1:execution:m:n","StateName":"S","Title":"T","Details":"D","ExpiresInSeconds":60}`))
	f.Add([]byte(`{"TaskToken":5}`))
	f.Add([]byte(`{"Nope":1}`))
	f.Add([]byte(`{"ExpiresInSeconds":-1}`))
	f.Add([]byte(`{"ExpiresInSeconds":9223372036854775807}`))
	f.Add([]byte(`[`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeMint(body)
		if err != nil {
			if !strings.Contains(err.Error(), " ") {
				t.Fatalf("terse error %q", err)
			}
			return
		}
		if r.TTL < 0 || r.TTL > MaxTTL {
			t.Fatalf("decodeMint accepted TTL %s", r.TTL)
		}
		if err := checkRequest(&r); err == nil && (r.TaskToken == "" || r.TTL <= 0 || r.Title == "") {
			t.Fatalf("checkRequest accepted %+v", r)
		}
	})
}
