package s3

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/store/sqlite"
)

func FuzzParseDelete(f *testing.F) {
	for _, s := range []string{
		`<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>null</VersionId></Object><Quiet>true</Quiet></Delete>`,
		`<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>k&amp;&#13;</Key></Object></Delete>`,
		`<Delete></Delete>`, `<Delete><Object><Key></Key></Object></Delete>`, `<Delete><Quiet>maybe</Quiet></Delete>`,
		`<Tagging/>`, `<Delete><Object><Key>a</Key></Object></Delete><Delete/>`, `<!DOCTYPE x [<!ENTITY a "b">]><Delete/>`,
		``, `<`, `<Delete><Object><Key>a</Key></Object>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets, _, err := parseDelete(body)
		if err != nil {
			if asAPIError(err).Code != "MalformedXML" {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(targets) == 0 || len(targets) > maxDeleteKeys {
			t.Fatalf("%d targets", len(targets))
		}
		for _, tg := range targets {
			if tg.Key == "" {
				t.Fatal("empty key accepted")
			}
		}
	})
}

func FuzzParseCreateBucketConfiguration(f *testing.F) {
	for _, s := range []string{
		``, `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint><Tags><Tag><Key>a</Key><Value>b</Value></Tag></Tags></CreateBucketConfiguration >`,
		`<CreateBucketConfiguration/>`, `<Other/>`, `<CreateBucketConfiguration><LocationConstraint>`, "  \n ",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseCreateBucketConfiguration(body)
		if err != nil {
			if asAPIError(err).Code != "MalformedXML" {
				t.Fatalf("error %v", err)
			}
			return
		}
		_ = c.LocationConstraint
	})
}

func FuzzParseTagging(f *testing.F) {
	for _, s := range []string{
		`<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>`,
		`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet></TagSet></Tagging>`,
		`<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>`,
		`<Tagging><TagSet><Tag><Key></Key><Value>1</Value></Tag></TagSet></Tagging>`,
		`<Tagging><TagSet><Tag><Key>aws:x</Key><Value/></Tag></TagSet></Tagging>`,
		`<Tagging/>`, `<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>`, `x`,
	} {
		f.Add([]byte(s), 10)
	}
	f.Fuzz(func(t *testing.T, body []byte, max int) {
		if max < 0 || max > 100 {
			return
		}
		tags, err := parseTagging(body, max)
		if err != nil {
			switch asAPIError(err).Code {
			case "MalformedXML", "InvalidTag", "BadRequest":
				return
			}
			t.Fatalf("error %v", err)
		}
		if len(tags) > max {
			t.Fatalf("%d tags > %d", len(tags), max)
		}
		seen := map[string]bool{}
		for _, tg := range tags {
			if tg.Key == "" || seen[tg.Key] {
				t.Fatalf("bad tag set accepted: %+v", tags)
			}
			seen[tg.Key] = true
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-4", "bytes=5-", "bytes=-3", "bytes=-0", "bytes=10-", "bytes=4-2", "bytes=0-1,2-3",
		"items=0-1", "bytes=", "bytes=-", "bytes= 1 - 2 ", "bytes=99999999999999999999-", "bytes=0-99999999999999999999", ""} {
		f.Add(s, int64(10))
	}
	f.Add("bytes=0-", int64(0))
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		r, ok, err := parseRange(h, size)
		if err != nil {
			if e := asAPIError(err); e.Code != "InvalidRange" || e.Status != 416 {
				t.Fatalf("error %v", err)
			}
			if ok {
				t.Fatal("ok with an error")
			}
			return
		}
		if ok && (r.start < 0 || r.start > r.end || r.end >= size) {
			t.Fatalf("range %+v of %d", r, size)
		}
	})
}

func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"5;chunk-signature=abc\r\nhello\r\n0;chunk-signature=def\r\n\r\n",
		"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n",
		"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n",
		"zz\r\n", "5\r\nhel", "3\r\nabcX\r\n", "FFFFFFFFFFFFFFFF\r\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := newChunkedReader(bytes.NewReader(body))
		out, err := io.ReadAll(c)
		if len(out) > len(body) {
			t.Fatalf("decoded %d bytes from %d", len(out), len(body))
		}
		if err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("error %T %v", err, err)
			}
		}
	})
}

func FuzzDecodeToken(f *testing.F) {
	for _, c := range []cursor{{key: "a/b"}, {key: "dir/", prefix: true}, {key: ""}} {
		f.Add(encodeToken(c))
	}
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := decodeToken(tok)
		if err != nil {
			return
		}
		if encodeToken(c) != tok && strings.TrimRight(tok, "=") == tok {
			// Tokens decode to positions; positions encode canonically.
			c2, err := decodeToken(encodeToken(c))
			if err != nil || c2 != c {
				t.Fatalf("round trip %+v -> %+v", c, c2)
			}
		}
	})
}

// FuzzHandler sends arbitrary requests through the whole HTTP handler:
// nothing may panic, every answer is a status S3 uses, and errors carry
// S3's error document.
func FuzzHandler(f *testing.F) {
	ctx := context.Background()
	dir := f.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = db.Close() })
	svc, err := New(Config{DB: db, Dir: filepath.Join(dir, "s3"), NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := svc.Call(ctx, "CreateBucket", []byte(`{"Bucket":"fuzz"}`)); err != nil {
		f.Fatal(err)
	}
	if _, err := svc.PutObject(ctx, "fuzz", "k", []byte("0123456789"), ""); err != nil {
		f.Fatal(err)
	}
	h := NewHTTPHandler(svc, nil)
	for _, s := range [][4]string{
		{"GET", "/fuzz/k", "", "Range: bytes=1-3"},
		{"PUT", "/fuzz/n", "data", "Content-MD5: xx"},
		{"PUT", "/fuzz/n", "3\r\nabc\r\n0\r\n\r\n", "X-Amz-Content-Sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
		{"POST", "/fuzz?delete", "<Delete><Object><Key>n</Key></Object></Delete>", ""},
		{"PUT", "/fuzz?tagging", "<Tagging><TagSet/></Tagging>", ""},
		{"GET", "/fuzz?list-type=2&delimiter=/&max-keys=1", "", ""},
		{"PUT", "/new-bucket", "<CreateBucketConfiguration/>", ""},
		{"GET", "/", "", "Host: fuzz.localhost"},
		{"PUT", "/fuzz/c", "", "X-Amz-Copy-Source: fuzz/k"},
		{"POST", "/fuzz/m?uploads", "", ""},
		{"DELETE", "/fuzz?cors", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, method, target, body, header string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n#") {
			return
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		if k, v, ok := strings.Cut(header, ": "); ok && k != "" && !strings.ContainsAny(k+v, "\r\n") {
			if strings.EqualFold(k, "Host") {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch c := w.Code; {
		case c == 200, c == 204, c == 206, c == 304, c >= 400 && c < 500, c == 501:
		default:
			t.Fatalf("%s %s: status %d %s", method, target, c, w.Body.String())
		}
		if w.Code >= 400 && method != http.MethodHead && !strings.Contains(w.Body.String(), "<Error><Code>") {
			t.Fatalf("error without an error document: %d %q", w.Code, w.Body.String())
		}
	})
}
