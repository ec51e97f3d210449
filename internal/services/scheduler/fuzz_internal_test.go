package scheduler

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

func FuzzRoute(f *testing.F) {
	for _, p := range []string{"/schedules", "/schedules/a", "/schedule-groups/g", "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A1%3Aschedule-group%2Fg",
		"/tags/arn:aws:scheduler:us-east-1:1:schedule-group/g", "/schedules/%zz", "/x"} {
		f.Add(http.MethodGet, p, "MaxResults=5&NamePrefix=a&TagKeys=a&TagKeys=b")
	}
	h := NewHTTPHandler(nil, nil).(*httpHandler)
	f.Fuzz(func(t *testing.T, method, path, query string) {
		action, label, _ := route(method, path)
		if action == "" {
			return
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		in, err := h.input(action, label, q, nil)
		if err == nil && !json.Valid(in) {
			t.Fatalf("input %s is not JSON", in)
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
