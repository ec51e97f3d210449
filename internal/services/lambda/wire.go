package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// PathPrefixes are the path prefixes the Lambda API uses; register each
// with awsproto.Router.HandlePath. (Lambda added operations over the
// years under new date prefixes: concurrency under /2017-10-31 and
// /2019-09-30, code signing under /2020-06-30, account settings under
// /2016-08-19.)
var PathPrefixes = []string{"/2015-03-31", "/2016-08-19", "/2017-03-31", "/2017-10-31", "/2019-09-30", "/2020-06-30"}

// codeDownloadPrefix is where GetFunction's Code.Location points: the
// package, by its SHA-256, served without authentication as AWS's
// presigned S3 URL is.
const codeDownloadPrefix = "/2015-03-31/stepflow-code/"

// Body limits.
const (
	maxCodeRequestBytes = 70 << 20 // a base64 zip of up to 50 MB in JSON
	maxAPIRequestBytes  = 1 << 20
)

// route is one REST operation of the model.
type route struct {
	op     string
	method string
	segs   []string // literal segments, or "" for a label
	labels []string // member name of each label segment, in order
	status int
	query  map[string]model.Member // query key → member
	types  map[string]string       // member name → shape type
}

type httpHandler struct {
	s      *Service
	auth   awsproto.Authenticator
	routes []route
}

// NewHTTPHandler returns the restJson1 endpoint of the service (the paths
// under PathPrefixes). auth, when set, authenticates every API request
// (not the code downloads of GetFunction's Code.Location).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	h := &httpHandler{s: s, auth: auth}
	svc, err := model.Load("lambda")
	if err != nil {
		panic(err) // the model is embedded
	}
	for _, name := range Actions() {
		op, ok := svc.Operation(name)
		if !ok || op.HTTP == nil || strings.Contains(op.HTTP.URI, "?") {
			continue
		}
		rt := route{op: name, method: op.HTTP.Method, status: op.HTTP.Code, query: map[string]model.Member{}, types: map[string]string{}}
		if rt.status == 0 {
			rt.status = http.StatusOK
		}
		for _, seg := range strings.Split(strings.TrimPrefix(op.HTTP.URI, "/"), "/") {
			if strings.HasPrefix(seg, "{") {
				rt.segs = append(rt.segs, "")
				rt.labels = append(rt.labels, strings.Trim(seg, "{}+"))
			} else {
				rt.segs = append(rt.segs, seg)
			}
		}
		if op.Input >= 0 {
			for _, m := range svc.Shapes[op.Input].Members {
				rt.types[m.Name] = svc.Shapes[m.Target].Type
				if m.Location == "query" {
					rt.query[m.LocationName] = m
				}
			}
		}
		h.routes = append(h.routes, rt)
	}
	return h
}

// match finds the route of a request and its label values.
func (h *httpHandler) match(r *http.Request) (*route, []string, bool) {
	// The AWS CLI writes some collection paths with a trailing slash
	// (POST /2015-03-31/functions/).
	raw := strings.Split(strings.TrimSuffix(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/"), "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, false
		}
		segs[i] = u
	}
	pathMatched := false
	for i := range h.routes {
		rt := &h.routes[i]
		if len(rt.segs) != len(segs) {
			continue
		}
		var labels []string
		ok := true
		for j, lit := range rt.segs {
			if lit == "" {
				labels = append(labels, segs[j])
			} else if lit != segs[j] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method == r.Method {
			return rt, labels, true
		}
	}
	return nil, nil, pathMatched
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsproto.NewRequestID()
	if hexSum, ok := strings.CutPrefix(r.URL.Path, codeDownloadPrefix); ok && r.Method == http.MethodGet {
		h.serveCode(w, r, strings.TrimSuffix(hexSum, ".zip"))
		return
	}
	rt, labels, pathMatched := h.match(r)
	if rt == nil {
		if pathMatched {
			writeError(w, reqID, &awsproto.Error{Code: "MethodNotAllowedException", Status: http.StatusMethodNotAllowed, Sender: true,
				Message: "The method " + r.Method + " is not allowed on " + r.URL.Path + "."})
			return
		}
		writeError(w, reqID, &awsproto.Error{Code: codeUnknownOperation, Status: http.StatusNotFound, Sender: true,
			Message: "Stepflow's Lambda has no operation at " + r.Method + " " + r.URL.Path + "."})
		return
	}
	limit := int64(maxAPIRequestBytes)
	switch rt.op {
	case "CreateFunction", "UpdateFunctionCode":
		limit = maxCodeRequestBytes
	case "Invoke":
		limit = maxSyncPayload + 1
	}
	body, err := readLimited(r, limit, rt.op)
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
		if cred != nil && cred.Service != "lambda" {
			writeError(w, reqID, awsproto.InvalidSignature("Credential should be scoped to correct service: 'lambda'. "))
			return
		}
		ctx = awsproto.WithCredential(ctx, cred)
	}
	if rt.op == "Invoke" {
		h.serveInvoke(ctx, w, r, reqID, labels[0], body)
		return
	}
	input, err := rt.input(r, labels, body)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	out, err := h.s.handle(ctx, rt.op, input)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	if rt.status == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	b, err := marshalOutput(out)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rt.status)
	_, _ = w.Write(b)
}

func readLimited(r *http.Request, limit int64, op string) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, tooLarge(op)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, awsproto.NewError(CodeInvalidRequestContent, "Could not read the request body.")
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(op)
	}
	return b, nil
}

// tooLarge is Lambda's answer to a body over an operation's limit.
func tooLarge(op string) error {
	if op == "Invoke" {
		return awsproto.NewError(CodeRequestTooLarge, fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", maxSyncPayload))
	}
	return &awsproto.Error{Code: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge, Sender: true,
		Message: fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", maxCodeRequestBytes, op)}
}

// input builds the JSON form of an operation's input from the labels,
// the query string and the body.
func (rt *route) input(r *http.Request, labels []string, body []byte) ([]byte, error) {
	members := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if !json.Valid(body) {
			return nil, awsproto.NewError(CodeInvalidRequestContent, "Could not parse request body into json: "+jsonProblem(body))
		}
		if err := json.Unmarshal(body, &members); err != nil {
			return nil, awsproto.NewError(CodeInvalidRequestContent, "Could not parse request body into json: the body must be a JSON object.")
		}
		if members == nil { // the body was null
			members = map[string]json.RawMessage{}
		}
	}
	for i, name := range rt.labels {
		members[name] = mustRaw(labels[i])
	}
	q := r.URL.Query()
	for key, m := range rt.query {
		vals, ok := q[key]
		if !ok {
			continue
		}
		switch rt.types[m.Name] {
		case model.TypeList:
			members[m.Name] = mustRaw(vals)
		case model.TypeInteger, model.TypeLong:
			if _, err := strconv.ParseInt(vals[0], 10, 64); err != nil {
				return nil, invalidParam("%s must be a number: %q", key, vals[0])
			}
			members[m.Name] = json.RawMessage(vals[0])
		case model.TypeBoolean:
			members[m.Name] = json.RawMessage(strconv.FormatBool(vals[0] == "true"))
		default:
			members[m.Name] = mustRaw(vals[0])
		}
	}
	return json.Marshal(members)
}

func mustRaw(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// serveInvoke is Invoke on the wire: the payload is the raw body, the
// options are headers, and the result's members are the status code,
// headers and body.
func (h *httpHandler) serveInvoke(ctx context.Context, w http.ResponseWriter, r *http.Request, reqID, fn string, body []byte) {
	in := InvokeInput{
		FunctionName:   fn,
		Qualifier:      r.URL.Query().Get("Qualifier"),
		InvocationType: r.Header.Get("X-Amz-Invocation-Type"),
		LogType:        r.Header.Get("X-Amz-Log-Type"),
		ClientContext:  r.Header.Get("X-Amz-Client-Context"),
		Payload:        body,
	}
	// The model's constraints on the name and qualifier.
	check, _ := json.Marshal(map[string]string{"FunctionName": in.FunctionName, "Qualifier": in.Qualifier})
	if in.Qualifier == "" {
		check, _ = json.Marshal(map[string]string{"FunctionName": in.FunctionName})
	}
	if err := awsproto.Validate("lambda", "Invoke", check); err != nil {
		writeError(w, reqID, err)
		return
	}
	out, err := h.s.invoke(ctx, in, reqID)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	if out.ExecutedVersion != "" {
		hdr.Set("X-Amz-Executed-Version", out.ExecutedVersion)
	}
	if out.FunctionError != "" {
		hdr.Set("X-Amz-Function-Error", out.FunctionError)
	}
	if out.LogResult != "" {
		hdr.Set("X-Amz-Log-Result", out.LogResult)
	}
	if out.StatusCode != http.StatusOK {
		w.WriteHeader(out.StatusCode)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(out.Payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Payload)
}

// serveCode serves a stored package.
func (h *httpHandler) serveCode(w http.ResponseWriter, r *http.Request, hexSum string) {
	if len(hexSum) != 64 || strings.Trim(hexSum, "0123456789abcdef") != "" {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(h.s.code.zipPath(hexSum))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	http.ServeContent(w, r, hexSum+".zip", st.ModTime(), f)
}

// marshalOutput encodes an action's result (nil is {}).
func marshalOutput(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, awsproto.NewError(CodeService, "marshal response: "+err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Authentication failures are 403 on REST services.
var forbidden = map[string]bool{
	awsproto.CodeMissingAuthenticationToken: true, awsproto.CodeUnrecognizedClient: true,
	awsproto.CodeInvalidSignature: true, awsproto.CodeIncompleteSignature: true,
	awsproto.CodeAccessDenied: true, awsproto.CodeExpiredToken: true,
}

// writeError writes an error as Lambda does: the code in the
// X-Amzn-ErrorType header and a body {"Type":"User","message":"..."}
// ("Message" for the shapes that spell it so; "Type":"Service" for server
// faults), plus the Reason of a TooManyRequestsException.
func writeError(w http.ResponseWriter, reqID string, err error) {
	var th *throttled
	reason := ""
	if errors.As(err, &th) {
		reason = th.reason
	}
	e := apiError(err)
	status, sender := e.Status, e.Sender
	if status == 0 {
		if def, ok := awsproto.LookupError("lambda", e.Code); ok {
			status, sender = def.Status, def.Sender
		} else {
			status, sender = http.StatusBadRequest, true
		}
	}
	if forbidden[e.Code] {
		status = http.StatusForbidden
	}
	var b bytes.Buffer
	b.WriteByte('{')
	_, modeled := awsproto.LookupError("lambda", e.Code)
	if svc, err := model.Load("lambda"); err == nil {
		_, modeled = svc.Error(e.Code)
	}
	if modeled {
		if sender {
			b.WriteString(`"Type":"User",`)
		} else {
			b.WriteString(`"Type":"Service",`)
		}
	}
	if capitalMessage[e.Code] {
		b.WriteString(`"Message":`)
	} else {
		b.WriteString(`"message":`)
	}
	b.WriteString(quote(e.Message))
	if reason != "" {
		b.WriteString(`,"Reason":`)
		b.WriteString(quote(reason))
	}
	b.WriteByte('}')
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("X-Amzn-ErrorType", e.Code)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
