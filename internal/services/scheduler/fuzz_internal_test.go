package scheduler

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzServedPath: the path handed to restjson names the same resource
// as the request's (it unescapes alike), a tags ARN is one segment, and
// only a tags path is rewritten.
func FuzzServedPath(f *testing.F) {
	for _, p := range []string{"/schedules", "/schedules/", "/schedules/a", "/schedules/a/", "/schedule-groups/g", "/tags/",
		"/tags//x", "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A1%3Aschedule-group%2Fg",
		"/tags/arn:aws:scheduler:us-east-1:1:schedule-group/g", "/tags/a/b%2Fc/", "/schedules/%zz", "/x", "/", ""} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, ok := servedPath(p)
		if !ok {
			if !strings.HasSuffix(p, "/") {
				t.Fatalf("servedPath(%q) refused a path without a trailing slash", p)
			}
			return
		}
		if got == p {
			return
		}
		arn, isTags := strings.CutPrefix(got, "/tags/")
		if !isTags || strings.Contains(arn, "/") {
			t.Fatalf("servedPath(%q) = %q", p, got)
		}
		want, err1 := url.PathUnescape(p)
		have, err2 := url.PathUnescape(got)
		if (err1 == nil) != (err2 == nil) || have != want {
			t.Fatalf("servedPath(%q) = %q: unescapes to %q, not %q", p, got, have, want)
		}
	})
}

func FuzzEpoch(f *testing.F) {
	for _, s := range []string{`1700000000`, `1.7e9`, `"2030-01-01T00:00:00Z"`, `"2030-01-01T00:00:00"`, `"x"`, `-5`, `1e300`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var e epoch
		if err := json.Unmarshal([]byte(s), &e); err == nil {
			if _, err := e.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
