package awsproto

import (
	"net/http"
	"sort"
	"strings"
)

// Router sends each request on the one Stepflow port to the handler of the
// AWS service it is meant for. It looks, in order, at:
//
//  1. the X-Amz-Target header "<Prefix>.<Action>" (awsJson services:
//     AWSStepFunctions, AmazonSQS, DynamoDB_20120810, AWSEvents,
//     Logs_20140328), registered with HandleTarget;
//  2. the path prefix (REST services: "/2015-03-31" for Lambda, "/v2/email"
//     for SES v2, "/v2/apis" for API Gateway v2, "/schedules" for
//     Scheduler), registered with HandlePath; the longest matching prefix
//     wins and a prefix matches whole path segments only;
//  3. the service of the SigV4 credential scope (form POSTs with Action=
//     for IAM, STS and SES v1, and S3), registered with HandleService. A
//     request signed for "s3" goes to S3 before path prefixes are looked
//     at, since a bucket may be named like another service's prefix.
//
// A request that matches nothing gets UnknownOperationException (or
// NotFound, when set). Register every handler before serving; a Router is
// safe for concurrent use once serving starts.
type Router struct {
	// NotFound, when set, serves requests no route matches.
	NotFound http.Handler

	targets  map[string]http.Handler
	paths    []pathRoute // longest prefix first
	services map[string]http.Handler
}

type pathRoute struct {
	prefix  string
	handler http.Handler
}

var _ http.Handler = (*Router)(nil)

// HandleTarget routes requests whose X-Amz-Target starts with prefix + ".".
func (rt *Router) HandleTarget(prefix string, h http.Handler) {
	if rt.targets == nil {
		rt.targets = map[string]http.Handler{}
	}
	rt.targets[prefix] = h
}

// HandlePath routes requests whose path is prefix or starts with prefix +
// "/". prefix must start with "/" and not end with one.
func (rt *Router) HandlePath(prefix string, h http.Handler) {
	prefix = strings.TrimSuffix(prefix, "/")
	rt.paths = append(rt.paths, pathRoute{prefix: prefix, handler: h})
	sort.SliceStable(rt.paths, func(i, j int) bool { return len(rt.paths[i].prefix) > len(rt.paths[j].prefix) })
}

// HandleService routes requests signed for the SigV4 service name (e.g.
// "iam", "sts", "email", "s3") that no target or path matched.
func (rt *Router) HandleService(signingName string, h http.Handler) {
	if rt.services == nil {
		rt.services = map[string]http.Handler{}
	}
	rt.services[signingName] = h
}

// Handler returns the handler r would be served by, or nil.
func (rt *Router) Handler(r *http.Request) http.Handler {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, _, _ := strings.Cut(t, ".")
		return rt.targets[prefix]
	}
	// A request signed for S3 is S3's even when its bucket is named like
	// another service's path prefix ("/schedules/key").
	if h, ok := rt.services["s3"]; ok && r.Header.Get("Authorization") != "" {
		if cred, err := ParseCredentialScope(r); err == nil && cred.Service == "s3" {
			return h
		}
	}
	p := r.URL.Path
	for _, pr := range rt.paths {
		if strings.HasPrefix(p, pr.prefix) && (len(p) == len(pr.prefix) || p[len(pr.prefix)] == '/') {
			return pr.handler
		}
	}
	if len(rt.services) > 0 {
		if cred, err := ParseCredentialScope(r); err == nil {
			return rt.services[cred.Service]
		}
	}
	return nil
}

// ServeHTTP implements http.Handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := rt.Handler(r); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	if rt.NotFound != nil {
		rt.NotFound.ServeHTTP(w, r)
		return
	}
	WriteJSONError(w, "", "", UnknownOperation())
}
