package lambda

import (
	"net/http"
	"net/url"
)

func httptestRequest(method, target string) *http.Request {
	u, err := url.Parse(target)
	if err != nil {
		u = &url.URL{Path: "/x"}
	}
	return &http.Request{Method: method, URL: u, Header: http.Header{}}
}
