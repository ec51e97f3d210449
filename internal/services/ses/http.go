package ses

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
	"github.com/stepflow/stepflow/internal/awsproto/query"
	"github.com/stepflow/stepflow/internal/awsproto/restjson"
)

// maxBodyBytes limits a request body: a 40 MB raw message, base64-encoded
// and then form- or JSON-encoded, fits.
const maxBodyBytes = 64 << 20

// httpHandler serves both wire protocols.
type httpHandler struct {
	s      *Service
	auth   awsproto.Authenticator
	v1     *model.Service
	routes []route
}

// NewHTTPHandler returns the endpoint of both SES APIs: requests whose
// path is under /v2/email are SES v2 (restJson1); others are SES v1 form
// requests (POST, or GET with a query string, carrying Action=). Register
// it on the awsproto.Router twice: HandlePath(PathPrefix, h) and
// HandleService(SigningName, h). auth, when set, authenticates every
// request and refuses credentials scoped to another service than "ses".
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	v1, err := model.Load(modelV1)
	if err != nil {
		panic(err) // the model is embedded
	}
	return &httpHandler{s: s, auth: auth, v1: v1, routes: v2Routes()}
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsproto.NewRequestID()
	if r.URL.Path == PathPrefix || strings.HasPrefix(r.URL.Path, PathPrefix+"/") {
		h.serveV2(w, r, reqID)
		return
	}
	h.serveV1(w, r, reqID)
}

// readBody reads the body up to maxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > maxBodyBytes {
		return nil, awsproto.NewError(awsproto.CodeRequestEntityTooLarge, "Request Entity Too Large")
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, badInput(false, "Could not read the request body: "+err.Error())
	}
	if n > maxBodyBytes {
		return nil, awsproto.NewError(awsproto.CodeRequestEntityTooLarge, "Request Entity Too Large")
	}
	return buf.Bytes(), nil
}

// authenticate runs the authenticator, if any, and checks the scope.
func (h *httpHandler) authenticate(r *http.Request, body []byte) error {
	if h.auth == nil {
		return nil
	}
	cred, err := h.auth(r, body)
	if err != nil {
		return err
	}
	if cred != nil && cred.Service != SigningName {
		return awsproto.InvalidSignature("Credential should be scoped to correct service: '" + SigningName + "'. ")
	}
	return nil
}

// SES v1.

func (h *httpHandler) serveV1(w http.ResponseWriter, r *http.Request, reqID string) {
	action, out, err := h.v1Request(r, reqID)
	if err != nil {
		code, msg, status, sender := wireError(modelV1, err)
		writeXML(w, status, reqID, queryError(code, msg, sender, reqID))
		return
	}
	writeXML(w, http.StatusOK, reqID, queryResponse(action, out, reqID))
}

func (h *httpHandler) v1Request(r *http.Request, reqID string) (string, any, error) {
	body, err := readBody(r)
	if err != nil {
		return "", nil, err
	}
	if err := h.authenticate(r, body); err != nil {
		return "", nil, err
	}
	form, err := parseForm(r, body)
	if err != nil {
		return "", nil, err
	}
	action := form.Get("Action")
	if action == "" {
		return "", nil, apiError(CodeMissingAction, "The request must contain the parameter Action.")
	}
	hf, ok := actionsV1[action]
	if !ok {
		return action, nil, unknownAction(modelV1, action)
	}
	op, _ := h.v1.Operation(action)
	input := []byte("{}")
	if op.Input >= 0 {
		if input, err = query.DecodeForm(h.v1, op.Input, form); err != nil {
			return action, nil, formError(err)
		}
	}
	if err := validate(modelV1, action, input); err != nil {
		return action, nil, err
	}
	ctx := awsproto.WithRequestID(r.Context(), reqID)
	out, err := h.s.run(ctx, hf, action, input)
	return action, out, err
}

// parseForm reads the parameters of a query request: the URL's query
// string and, for form-encoded bodies, the body.
func parseForm(r *http.Request, body []byte) (url.Values, error) {
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badInput(false, "The query string is malformed: "+err.Error())
	}
	if len(body) == 0 {
		return form, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "" && mt != "application/x-www-form-urlencoded" {
		return nil, badInput(false, "Unsupported Content-Type "+mt+": send the parameters as application/x-www-form-urlencoded.")
	}
	bf, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badInput(false, "The request body is not a valid form: "+err.Error())
	}
	for k, v := range bf {
		form[k] = append(form[k], v...)
	}
	return form, nil
}

// formError words a query.DecodeForm failure as v1's
// InvalidParameterValue.
func formError(err error) error {
	var ve *query.ValueError
	if errors.As(err, &ve) {
		return badInput(false, ve.Error())
	}
	return err
}

func writeXML(w http.ResponseWriter, status int, reqID string, body []byte) {
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Type", "text/xml")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// SES v2.

// route is one v2 operation's HTTP binding.
type route struct {
	method   string
	segments []string // literal, "{Label}" or "{Label+}"
	op       *model.Operation
	// bodyOnly: every input member comes from the JSON body, whatever
	// the model binds (the newer bindings of routeAliases).
	bodyOnly bool
}

// routeAliases are the bindings newer SDKs use where the model Stepflow
// embeds has older ones; both are served. (aws-sdk-go-v2 sesv2 1.79 lists
// identities with POST /v2/email/list-identities and a body with NextToken,
// PageSize and Filter; AWS CLI 2.9 and the Terraform provider use GET
// /v2/email/identities.)
var routeAliases = []struct {
	method, uri, op string
	bodyOnly        bool
}{
	{"POST", "/v2/email/list-identities", "ListEmailIdentities", true},
	{"POST", "/v2/email/list-configuration-sets", "ListConfigurationSets", true},
	{"PUT", "/v2/email/identities/{EmailIdentity}/dkim/signing", "PutEmailIdentityDkimSigningAttributes", false},
}

// v2Routes compiles the HTTP bindings of every v2 operation, most literal
// segments first so /v2/email/identities/x/dkim beats a label.
func v2Routes() []route {
	svc, err := model.Load(modelV2)
	if err != nil {
		panic(err) // the model is embedded
	}
	var routes []route
	for i := range svc.Operations {
		op := &svc.Operations[i]
		if op.HTTP == nil {
			continue
		}
		p, _, _ := strings.Cut(op.HTTP.URI, "?")
		routes = append(routes, route{method: op.HTTP.Method, segments: strings.Split(strings.Trim(p, "/"), "/"), op: op})
	}
	for _, a := range routeAliases {
		if op, ok := svc.Operation(a.op); ok {
			routes = append(routes, route{method: a.method, segments: strings.Split(strings.Trim(a.uri, "/"), "/"), op: op, bodyOnly: a.bodyOnly})
		}
	}
	literal := func(r route) int {
		n := 0
		for _, s := range r.segments {
			if !strings.HasPrefix(s, "{") {
				n++
			}
		}
		return n
	}
	sort.SliceStable(routes, func(i, j int) bool { return literal(routes[i]) > literal(routes[j]) })
	return routes
}

// match finds the route of a request and its labels.
func (h *httpHandler) match(method string, segs []string) (*route, map[string]string, bool) {
	pathFound := false
	for i := range h.routes {
		rt := &h.routes[i]
		labels, ok := rt.matchPath(segs)
		if !ok {
			continue
		}
		pathFound = true
		if rt.method == method {
			return rt, labels, true
		}
	}
	return nil, nil, pathFound
}

func (rt *route) matchPath(segs []string) (map[string]string, bool) {
	var labels map[string]string
	for i, s := range rt.segments {
		if strings.HasPrefix(s, "{") {
			name := strings.Trim(s, "{}")
			if greedy, ok := strings.CutSuffix(name, "+"); ok {
				if i >= len(segs) {
					return nil, false
				}
				if labels == nil {
					labels = map[string]string{}
				}
				labels[greedy] = strings.Join(segs[i:], "/")
				return labels, true
			}
			if i >= len(segs) || segs[i] == "" {
				return nil, false
			}
			if labels == nil {
				labels = map[string]string{}
			}
			labels[name] = segs[i]
			continue
		}
		if i >= len(segs) || segs[i] != s {
			return nil, false
		}
	}
	return labels, len(segs) == len(rt.segments)
}

func (h *httpHandler) serveV2(w http.ResponseWriter, r *http.Request, reqID string) {
	out, err := h.v2Request(r, reqID)
	if err != nil {
		writeV2Error(w, reqID, err)
		return
	}
	body, err := marshalJSON(out)
	if err != nil {
		writeV2Error(w, reqID, err)
		return
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// writeV2Error writes a restJson1 error: status from the sesv2 error
// table, x-amzn-ErrorType naming the code, body {"message": ...}.
func writeV2Error(w http.ResponseWriter, reqID string, err error) {
	code, msg, status, _ := wireError(modelV2, err)
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	restjson.WriteError(w, reqID, code, status, body)
}

func (h *httpHandler) v2Request(r *http.Request, reqID string) (any, error) {
	raw := strings.Trim(r.URL.EscapedPath(), "/")
	parts := strings.Split(raw, "/")
	segs := make([]string, len(parts))
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, apiError(CodeBadRequest, "The path "+r.URL.EscapedPath()+" is not correctly escaped.")
		}
		segs[i] = u
	}
	rt, labels, pathFound := h.match(r.Method, segs)
	if rt == nil {
		if pathFound {
			return nil, &awsproto.Error{Code: "MethodNotAllowedException", Message: "The method " + r.Method + " is not allowed on " + r.URL.Path + ".", Status: http.StatusMethodNotAllowed, Sender: true}
		}
		return nil, &awsproto.Error{Code: "UnknownOperationException", Message: "No SES v2 operation is served at " + r.Method + " " + r.URL.Path + ".", Status: http.StatusNotFound, Sender: true}
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := h.authenticate(r, body); err != nil {
		return nil, err
	}
	action := rt.op.Name
	hf, ok := actionsV2[action]
	if !ok {
		return nil, unknownAction(modelV2, action)
	}
	input, err := restInput(rt, labels, r, body)
	if err != nil {
		return nil, err
	}
	if err := validate(modelV2, action, input); err != nil {
		return nil, err
	}
	ctx := awsproto.WithRequestID(r.Context(), reqID)
	return h.s.run(ctx, hf, action, input)
}

// restInput builds the JSON form of an operation's input from the body
// members and the labels, query parameters and headers bound to members.
// Required bound members that are missing are a BadRequestException.
func restInput(rt *route, labels map[string]string, r *http.Request, body []byte) ([]byte, error) {
	svc, _ := model.Load(modelV2)
	op := rt.op
	members := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &members); err != nil {
			return nil, apiError(CodeBadRequest, "The request body is not a JSON object: "+err.Error())
		}
	}
	if op.Input < 0 {
		return []byte("{}"), nil
	}
	if rt.bodyOnly {
		if len(bytes.TrimSpace(body)) == 0 {
			return []byte("{}"), nil
		}
		return body, nil
	}
	in := &svc.Shapes[op.Input]
	query := r.URL.Query()
	var missing []string
	for _, m := range in.Members {
		var (
			vals []string
			ok   bool
		)
		switch m.Location {
		case "":
			continue
		case "label":
			var v string
			v, ok = labels[m.Name]
			vals = []string{v}
		case "query":
			vals, ok = query[m.LocationName]
		case "header":
			var v string
			v = r.Header.Get(m.LocationName)
			ok, vals = v != "", []string{v}
		default:
			continue
		}
		delete(members, m.Name) // bound members never come from the body
		if !ok || len(vals) == 0 {
			if m.Required {
				missing = append(missing, awsproto.NullViolation(lowerFirst(m.Name)))
			}
			continue
		}
		v, err := boundValue(svc, m.Target, m.LocationName, vals)
		if err != nil {
			return nil, err
		}
		members[m.Name] = v
	}
	if len(missing) > 0 {
		e := awsproto.ValidationError(missing...)
		return nil, apiError(CodeBadRequest, e.Message)
	}
	out, err := json.Marshal(members)
	if err != nil {
		return nil, apiError(CodeBadRequest, "The request body is not valid JSON.")
	}
	return out, nil
}

// boundValue converts the text of a label, query parameter or header to
// the JSON of its member's shape.
func boundValue(svc *model.Service, idx int, name string, vals []string) (json.RawMessage, error) {
	sh := &svc.Shapes[idx]
	switch sh.Type {
	case model.TypeList:
		items := make([]json.RawMessage, 0, len(vals))
		for _, v := range vals {
			item, err := boundValue(svc, sh.Elem, name, []string{v})
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}
		b, _ := json.Marshal(items)
		return b, nil
	case model.TypeBoolean:
		switch vals[0] {
		case "true", "false":
			return json.RawMessage(vals[0]), nil
		}
		return nil, apiError(CodeBadRequest, "Value '"+vals[0]+"' for "+name+" is invalid: expected true or false.")
	case model.TypeByte, model.TypeShort, model.TypeInteger, model.TypeIntEnum, model.TypeLong:
		n, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil {
			return nil, apiError(CodeBadRequest, "Value '"+vals[0]+"' for "+name+" is invalid: expected an integer.")
		}
		return json.RawMessage(strconv.FormatInt(n, 10)), nil
	}
	b, _ := json.Marshal(vals[0])
	return b, nil
}

func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
