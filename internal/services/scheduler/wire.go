package scheduler

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// maxRequestBytes bounds a request body (a schedule's Input is at most
// 256 KiB in practice).
const maxRequestBytes = 1 << 20

// queryParam is one query-string member of an operation.
type queryParam struct {
	member string
	typ    string
}

type httpHandler struct {
	s     *Service
	auth  awsproto.Authenticator
	query map[string]map[string]queryParam // action → query key → member
}

// NewHTTPHandler returns the restJson1 endpoint of the service, for the
// paths under PathPrefixes. auth, when set, authenticates every request
// (signed for the "scheduler" service).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	h := &httpHandler{s: s, auth: auth, query: map[string]map[string]queryParam{}}
	svc, err := model.Load("scheduler")
	if err != nil {
		panic(err) // the model is embedded
	}
	for _, name := range Actions() {
		op, ok := svc.Operation(name)
		if !ok || op.Input < 0 {
			continue
		}
		q := map[string]queryParam{}
		for _, m := range svc.Shapes[op.Input].Members {
			if m.Location == "query" {
				q[m.LocationName] = queryParam{member: m.Name, typ: svc.Shapes[m.Target].Type}
			}
		}
		h.query[name] = q
	}
	return h
}

// route finds the action of a request and its path label (a name or an
// ARN). pathKnown reports a path that exists for another method.
func route(method, rawPath string) (action, label string, pathKnown bool) {
	segs := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	unescape := func(s string) (string, bool) {
		u, err := url.PathUnescape(s)
		return u, err == nil
	}
	switch segs[0] {
	case "schedules", "schedule-groups":
		list, one := "ListSchedules", map[string]string{http.MethodPost: "CreateSchedule", http.MethodGet: "GetSchedule",
			http.MethodPut: "UpdateSchedule", http.MethodDelete: "DeleteSchedule"}
		if segs[0] == "schedule-groups" {
			list, one = "ListScheduleGroups", map[string]string{http.MethodPost: "CreateScheduleGroup",
				http.MethodGet: "GetScheduleGroup", http.MethodDelete: "DeleteScheduleGroup"}
		}
		switch {
		case len(segs) == 1 || len(segs) == 2 && segs[1] == "":
			if method == http.MethodGet {
				return list, "", true
			}
			return "", "", true
		case len(segs) == 2:
			name, ok := unescape(segs[1])
			if !ok {
				return "", "", false
			}
			if a, ok := one[method]; ok {
				return a, name, true
			}
			return "", "", true
		}
	case "tags":
		if len(segs) < 2 || segs[1] == "" {
			return "", "", false
		}
		// The ARN's "/" may arrive escaped or not.
		arn, ok := unescape(strings.Join(segs[1:], "/"))
		if !ok {
			return "", "", false
		}
		switch method {
		case http.MethodGet:
			return "ListTagsForResource", arn, true
		case http.MethodPost:
			return "TagResource", arn, true
		case http.MethodDelete:
			return "UntagResource", arn, true
		}
		return "", "", true
	}
	return "", "", false
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsproto.NewRequestID()
	action, label, known := route(r.Method, r.URL.EscapedPath())
	if action == "" {
		if known {
			writeError(w, reqID, &awsproto.Error{Code: "MethodNotAllowedException", Status: http.StatusMethodNotAllowed, Sender: true,
				Message: "The method " + r.Method + " is not allowed on " + r.URL.Path + "."})
			return
		}
		writeError(w, reqID, &awsproto.Error{Code: awsproto.CodeUnknownOperation, Status: http.StatusNotFound, Sender: true,
			Message: "Stepflow's EventBridge Scheduler has no operation at " + r.Method + " " + r.URL.Path + "."})
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	ctx := awsproto.WithRequestID(r.Context(), reqID)
	if h.auth != nil {
		cred, err := h.auth(r, body)
		if err != nil {
			writeError(w, reqID, err)
			return
		}
		if cred != nil && cred.Service != SigningName {
			writeError(w, reqID, awsproto.InvalidSignature("Credential should be scoped to correct service: '"+SigningName+"'. "))
			return
		}
		ctx = awsproto.WithCredential(ctx, cred)
	} else if cred, err := awsproto.ParseCredentialScope(r); err == nil {
		ctx = awsproto.WithCredential(ctx, cred)
	}
	input, err := h.input(action, label, r.URL.Query(), body)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	out, err := h.s.handle(ctx, action, input)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	b, err := awsproto.MarshalResult(out)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	tooLarge := &awsproto.Error{Code: awsproto.CodeRequestEntityTooLarge, Status: http.StatusRequestEntityTooLarge, Sender: true,
		Message: "Request Entity Too Large"}
	if r.ContentLength > maxRequestBytes {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return nil, awsproto.Serialization("Could not read the request body.")
	}
	if len(b) > maxRequestBytes {
		return nil, tooLarge
	}
	return b, nil
}

// input builds an action's JSON input from the body, the path label and
// the query string.
func (h *httpHandler) input(action, label string, q url.Values, body []byte) ([]byte, error) {
	members := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &members); err != nil {
			return nil, awsproto.Serialization("Could not parse the request body as a JSON object.")
		}
	}
	raw := func(v any) json.RawMessage {
		b, _ := json.Marshal(v)
		return b
	}
	switch action {
	case "ListSchedules", "ListScheduleGroups":
	case "ListTagsForResource", "TagResource", "UntagResource":
		members["ResourceArn"] = raw(label)
	default:
		members["Name"] = raw(label)
	}
	for k, p := range h.query[action] {
		vals, ok := q[k]
		if !ok || len(vals) == 0 {
			continue
		}
		switch p.typ {
		case model.TypeList:
			members[p.member] = raw(vals)
		case model.TypeInteger, model.TypeLong:
			n, err := strconv.ParseInt(vals[0], 10, 64)
			if err != nil {
				return nil, errValidation("Invalid value for query parameter " + k + ": " + strconv.Quote(vals[0]) + " is not a whole number.")
			}
			members[p.member] = raw(n)
		default:
			members[p.member] = raw(vals[0])
		}
	}
	return json.Marshal(members)
}

// forbidden lists the authentication failures REST services answer with
// 403.
var forbidden = map[string]bool{
	awsproto.CodeMissingAuthenticationToken: true, awsproto.CodeUnrecognizedClient: true,
	awsproto.CodeInvalidSignature: true, awsproto.CodeIncompleteSignature: true,
	awsproto.CodeAccessDenied: true, awsproto.CodeExpiredToken: true,
}

// writeError writes an error as restJson1 services do: the code in the
// X-Amzn-ErrorType header and a body {"Message": "..."}.
func writeError(w http.ResponseWriter, reqID string, err error) {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		e = awsproto.NewError(CodeInternal, err.Error())
	}
	status := e.Status
	if status == 0 {
		if def, ok := awsproto.LookupError("scheduler", e.Code); ok {
			status = def.Status
		} else {
			status = http.StatusBadRequest
		}
	}
	if forbidden[e.Code] {
		status = http.StatusForbidden
	}
	b, _ := json.Marshal(map[string]string{"Message": e.Message})
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("X-Amzn-ErrorType", e.Code)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
