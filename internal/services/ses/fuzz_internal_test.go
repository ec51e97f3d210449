package ses

import (
	"mime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzBuildMIME builds messages from arbitrary parts: no panic, and the
// result parses back with the same subject and bodies (newlines
// normalized, invalid UTF-8 replaced).
func FuzzBuildMIME(f *testing.F) {
	f.Add("Hello", "Body text\nline 2", "<p>hi</p>", "Ann <ann@example.com>", "bob@example.net", "X-Tag", "v", true, true)
	f.Add("Ünïcödé ✓ "+strings.Repeat("long ", 40), strings.Repeat("x", 2000), "", "\"Quoted, Name\" <q@example.com>", "Zoë <z@example.org>", "", "", true, false)
	f.Add("=?UTF-8?B?Zm9v?=", ".\r\n..\r\n.", "<a href='x'>", "a@b.c", "c@d.e", "X-Y", "=?x?=", false, true)
	f.Add("\x00\r\n\t", "\xff\xfe", "\xc3", "Na\"me <a@b.c>", "d@e.f", "Name:", "\r\n", true, true)
	f.Fuzz(func(t *testing.T, subject, text, html, from, to, hname, hvalue string, hasText, hasHTML bool) {
		m := &simpleMessage{From: from, To: []string{to}, Subject: subject}
		if hasText {
			m.Text = &text
		}
		if hasHTML {
			m.HTML = &html
		}
		if hname != "" {
			m.Headers = []header{{Name: hname, Value: hvalue}}
		}
		raw := buildMIME(m, "0100018c00000000-00000000-0000-4000-8000-000000000000-000000", time.Unix(1700000000, 0))
		p, err := parseMIME(raw)
		if err != nil {
			// Only a bad extra header name may break the message.
			if hname == "" || validHeaderName(hname) {
				t.Fatalf("built message does not parse: %v\n%q", err, raw)
			}
			return
		}
		if hname != "" && !validHeaderName(hname) {
			return
		}
		if got, want := p.Subject, cleanHeader(subject); got != want && !strings.Contains(subject, "=?") {
			t.Errorf("subject %q, want %q", got, want)
		}
		want := func(s string) string { return normalizeNewlines(strings.ToValidUTF8(s, "\uFFFD")) }
		if hasText && p.Text != want(text) {
			t.Errorf("text %q, want %q", p.Text, want(text))
		}
		if hasHTML && p.HTML != want(html) {
			t.Errorf("html %q, want %q", p.HTML, want(html))
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bare CR or LF in %q", line)
			}
		}
	})
}

// validHeaderName reports whether a header field name is printable ASCII
// without colon or space (RFC 5322 ftext).
func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == ':' {
			return false
		}
	}
	return s != ""
}

// cleanHeader is what a subject reads as after encoding: invalid UTF-8
// replaced, controls turned to spaces in ASCII text, folding undone.
func cleanHeader(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
		}
	}
	if ascii {
		s = strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return ' '
			}
			return r
		}, s)
		return strings.TrimSpace(s)
	}
	return s
}

// FuzzParseMIME reads arbitrary raw messages, as the outbox does for
// SendRawEmail: no panic, ever.
func FuzzParseMIME(f *testing.F) {
	f.Add([]byte("From: a@b.c\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nContent-Type: text/plain\r\n\r\nhi https://x.example/y\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n" +
		"Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\nPGEgaHJlZj0ieCI+\r\n--c--\r\n--b\r\n" +
		"Content-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF\r\n--b--\r\n"))
	f.Add([]byte("Content-Type: multipart/alternative\r\n\r\n--\r\n"))
	f.Add([]byte("Content-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=ZZ=4"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, _ := parseMIME(raw)
		if p == nil {
			t.Fatal("nil result")
		}
		_, _ = rawOutgoing(false, "SendRawEmail", raw, "", nil)
		_, _, _ = mime.ParseMediaType(string(raw))
	})
}

// FuzzAddress parses arbitrary addresses and renders the accepted ones:
// the rendering parses back to the same bare address.
func FuzzAddress(f *testing.F) {
	for _, s := range []string{"a@b.c", "Ann <ann@example.com>", `"A, B" <ab@x.y>`, "=?UTF-8?B?w4Q=?= <x@y.z>", "Zoë <z@ö.de>", "@x", "x@", "a b@c", "<>", "x@a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAddress(s)
		if err != nil {
			return
		}
		out := formatAddress(s)
		b, err := parseAddress(strings.ReplaceAll(out, "\r\n ", " "))
		if err != nil {
			// mail.ParseAddress is stricter than SES on some names; the
			// address itself must still be there.
			if !strings.Contains(out, "<"+a.addr+">") && out != a.addr {
				t.Fatalf("formatAddress(%q) = %q loses the address", s, out)
			}
			return
		}
		if b.addr != a.addr {
			t.Fatalf("formatAddress(%q) = %q reads back as %q, want %q", s, out, b.addr, a.addr)
		}
	})
}
