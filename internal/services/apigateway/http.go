package apigateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// maxControlBody limits a control-plane request body.
const maxControlBody = 1 << 20

// restRoute is one REST operation of the model.
type restRoute struct {
	op     string
	method string
	segs   []string // literal segments, or "" for a label
	labels []string // member name of each label, in order
	status int
	query  map[string]model.Member // query key → member
	types  map[string]string       // member name → shape type
}

type controlHandler struct {
	s      *Service
	auth   awsproto.Authenticator
	routes []restRoute
}

// NewHTTPHandler returns the restJson1 control plane (the paths under
// PathPrefixes, signed as SigningName). auth, when set, authenticates every
// request.
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	svc, err := model.Load(modelName)
	if err != nil {
		panic(err) // the model is embedded
	}
	h := &controlHandler{s: s, auth: auth}
	for i := range svc.Operations {
		op := &svc.Operations[i]
		if op.HTTP == nil {
			continue
		}
		rt := restRoute{op: op.Name, method: op.HTTP.Method, status: op.HTTP.Code, query: map[string]model.Member{}, types: map[string]string{}}
		if rt.status == 0 {
			rt.status = http.StatusOK
		}
		uri, _, _ := strings.Cut(op.HTTP.URI, "?")
		for _, seg := range strings.Split(strings.TrimPrefix(uri, "/"), "/") {
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
func (h *controlHandler) match(r *http.Request) (*restRoute, []string, bool) {
	raw := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
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
				if segs[j] == "" {
					ok = false
					break
				}
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

func (h *controlHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsproto.NewRequestID()
	rt, labels, pathMatched := h.match(r)
	if rt == nil {
		if pathMatched {
			writeError(w, reqID, &awsproto.Error{Code: "MethodNotAllowedException", Status: http.StatusMethodNotAllowed, Sender: true,
				Message: "The method " + r.Method + " is not allowed on " + r.URL.Path + "."})
			return
		}
		writeError(w, reqID, notFound("Stepflow's API Gateway has no operation at "+r.Method+" "+r.URL.Path+"."))
		return
	}
	body, err := readBody(r, maxControlBody)
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
	}
	in, err := rt.input(r, labels, body)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	out, err := h.s.handle(ctx, rt.op, in)
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
	b, err := marshal(out)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rt.status)
	_, _ = w.Write(b)
}

// readBody reads at most limit bytes of a request body.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	tooLarge := &awsproto.Error{Code: "PayloadTooLargeException", Status: http.StatusRequestEntityTooLarge, Sender: true,
		Message: "Request Entity Too Large"}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, badRequest("Could not read the request body.")
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return b, nil
}

// input builds the wire-form input of an operation: the body's members
// plus the labels and query members under their model member names.
func (rt *restRoute) input(r *http.Request, labels []string, body []byte) ([]byte, error) {
	members := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &members); err != nil {
			return nil, badRequest("Could not parse the request body as a JSON object.")
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
				return nil, badRequest(key + " must be a number: " + strconv.Quote(vals[0]))
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

// marshal encodes an action's result (nil is {}).
func marshal(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, awsproto.InternalFailure("marshal response: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeError writes err as API Gateway does: the code in the
// X-Amzn-ErrorType header and a body {"message": "..."}.
func writeError(w http.ResponseWriter, reqID string, err error) {
	code, status, msg := wireError(err)
	b := append([]byte(`{"message":`), mustRaw(msg)...)
	b = append(b, '}')
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("X-Amzn-ErrorType", code)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
