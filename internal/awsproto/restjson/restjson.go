// Package restjson is the server side of the restJson1 protocol (Lambda,
// API Gateway, EventBridge Scheduler): each operation is bound by the Smithy model to an HTTP
// method and a URI template, and takes its input from the path labels, the
// query string and a JSON body. A request is turned into the JSON form of
// the operation's input shape (the model's member names), so the wire path
// and a service's in-process Call share one validation and one set of
// handlers; the result is written back as the JSON body with the
// operation's HTTP status.
//
// REST services word their errors each their own way: a service supplies
// the error writer (Config.WriteError, usually built on ErrorStatus and
// WriteError) and, through Errors, the errors the handler raises before an
// operation runs.
package restjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes
// is nil.
const DefaultMaxBodyBytes = 1 << 20

// ErrTooLarge is returned by ReadBody for a body over its limit.
var ErrTooLarge = errors.New("restjson: request body too large")

// HandlerFunc serves one operation. input is the JSON form of the
// operation's input shape: the body's members plus the path labels and
// query members under their model member names (not yet validated against
// the model). The result is written as the response body as
// awsproto.MarshalResult encodes it (nothing for an operation whose HTTP
// status is 204).
type HandlerFunc func(ctx context.Context, op string, input []byte) (any, error)

// RawHandlerFunc serves one operation whose input is not all JSON (Lambda's
// Invoke takes its payload as the body and its options as headers): it
// writes the whole response itself, errors with Config.WriteError.
type RawHandlerFunc func(ctx context.Context, w http.ResponseWriter, req *Request)

// Request is a routed, read and authenticated request, as a RawHandlerFunc
// gets it.
type Request struct {
	// ID is the x-amzn-RequestId of the response.
	ID string
	// Op is the operation's name.
	Op string
	// Labels are the values of the path labels, in the URI template's
	// order, unescaped.
	Labels []string
	// Body is the request body.
	Body []byte
	// HTTP is the request itself, for its headers and query string.
	HTTP *http.Request
}

// Config configures a Handler.
type Config struct {
	// Service names the generated model (e.g. "lambda"); its REST bindings
	// give the routes and its signing name the credential scope a request
	// must carry. Required.
	Service string
	// Operations lists the operations served, in the order routes are
	// tried; nil means every operation of the model with an HTTP binding.
	// A path that only the others have is answered with
	// Errors.NoOperation.
	Operations []string
	// Handle serves the operations. Required.
	Handle HandlerFunc
	// Raw holds the operations served by their own RawHandlerFunc instead
	// of Handle.
	Raw map[string]RawHandlerFunc
	// Authenticate, when set, authenticates every request (after its body is
	// read, before its input is decoded); its error is written as the
	// response, and a credential scoped to another service than the
	// model's signing name is refused. When nil, requests carry no
	// credential.
	Authenticate awsproto.Authenticator
	// WriteError writes an error response with the request's ID. Required:
	// each REST service has its own error body.
	WriteError func(w http.ResponseWriter, requestID string, err error)
	// MaxBodyBytes returns an operation's body limit; nil means
	// DefaultMaxBodyBytes for every operation.
	MaxBodyBytes func(op string) int64
	// AllowTrailingSlash lets a path end in a "/" its URI template does not
	// (the AWS CLI writes POST /2015-03-31/functions/).
	AllowTrailingSlash bool
	// AllowEmptyLabels lets a path label be empty (the operation then gets
	// "" and its validation speaks); otherwise such a path matches no
	// route.
	AllowEmptyLabels bool
	// Errors words the errors the handler raises itself.
	Errors Errors
}

// Errors are the errors a Handler raises before an operation runs, in the
// service's wording. A nil field takes the default noted.
type Errors struct {
	// NoOperation is the answer to a path no served operation has, for any
	// method. Default: 404 UnknownOperationException.
	NoOperation func(method, path string) error
	// TooLarge is the answer to a body over op's limit. Default: 413
	// RequestEntityTooLargeException "Request Entity Too Large".
	TooLarge func(op string) error
	// Unreadable is the answer to a body that could not be read (err is the
	// read error). Default: SerializationException "Could not read the
	// request body.".
	Unreadable func(err error) error
	// NotObject is the answer to a body that is not a JSON object; err is
	// encoding/json's (a *json.SyntaxError when the body is not JSON at
	// all). Default: SerializationException "Could not parse the request
	// body as a JSON object.".
	NotObject func(body []byte, err error) error
	// BadQuery is the answer to a query parameter that does not parse as
	// its member's type; message says which ("MaxItems must be a number:
	// \"x\""). Default: ValidationException with message.
	BadQuery func(message string) error
	// BadQueryInteger, when set, is the answer to a query parameter of an
	// integer member whose value is not a whole number, given the
	// parameter and its value, in place of BadQuery.
	BadQueryInteger func(param, value string) error
}

func (e *Errors) setDefaults() {
	if e.NoOperation == nil {
		e.NoOperation = func(method, path string) error {
			return &awsproto.Error{Code: awsproto.CodeUnknownOperation, Status: http.StatusNotFound, Sender: true,
				Message: "Stepflow has no operation at " + method + " " + path + "."}
		}
	}
	if e.TooLarge == nil {
		e.TooLarge = func(string) error {
			return &awsproto.Error{Code: awsproto.CodeRequestEntityTooLarge, Status: http.StatusRequestEntityTooLarge, Sender: true,
				Message: "Request Entity Too Large"}
		}
	}
	if e.Unreadable == nil {
		e.Unreadable = func(error) error { return awsproto.Serialization("Could not read the request body.") }
	}
	if e.NotObject == nil {
		e.NotObject = func([]byte, error) error {
			return awsproto.Serialization("Could not parse the request body as a JSON object.")
		}
	}
	if e.BadQuery == nil {
		e.BadQuery = func(message string) error { return awsproto.NewError(awsproto.CodeValidation, message) }
	}
	if e.BadQueryInteger == nil {
		badQuery := e.BadQuery
		e.BadQueryInteger = func(param, value string) error {
			return badQuery(param + " must be a number: " + strconv.Quote(value))
		}
	}
}

// Handler serves the restJson1 operations of one service model.
type Handler struct {
	cfg         Config
	signingName string
	routes      []route
}

var _ http.Handler = (*Handler)(nil)

// route is one REST operation of the model.
type route struct {
	op     string
	method string
	segs   []string // literal segments, or "" for a label
	labels []string // member name of each label, in order
	status int
	query  []queryMember
}

// queryMember is an input member bound to a query parameter.
type queryMember struct {
	key  string // the query parameter
	name string // the member
	typ  string // its shape's type (model.TypeList, ...)
}

// New returns a handler for cfg. Returns an error if the model is unknown
// or does not speak restJson1, an operation it lists is not in the model
// or has no HTTP binding, or Handle or WriteError is nil.
func New(cfg Config) (*Handler, error) {
	if cfg.Handle == nil || cfg.WriteError == nil {
		return nil, errors.New("new restjson handler: Handle and WriteError are required")
	}
	svc, err := model.Load(cfg.Service)
	if err != nil {
		return nil, fmt.Errorf("new restjson handler: %w", err)
	}
	if svc.Protocol != model.RESTJSON1 {
		return nil, fmt.Errorf("new restjson handler: %s speaks %s, not %s", cfg.Service, svc.Protocol, model.RESTJSON1)
	}
	cfg.Errors.setDefaults()
	if cfg.MaxBodyBytes == nil {
		cfg.MaxBodyBytes = func(string) int64 { return DefaultMaxBodyBytes }
	}
	h := &Handler{cfg: cfg, signingName: svc.SigningName}
	ops := cfg.Operations
	if ops == nil {
		for _, op := range svc.Operations {
			if op.HTTP != nil {
				ops = append(ops, op.Name)
			}
		}
	}
	for _, name := range ops {
		op, ok := svc.Operation(name)
		if !ok || op.HTTP == nil {
			return nil, fmt.Errorf("new restjson handler: %s has no REST operation %s", cfg.Service, name)
		}
		h.routes = append(h.routes, newRoute(svc, op))
	}
	return h, nil
}

func newRoute(svc *model.Service, op *model.Operation) route {
	rt := route{op: op.Name, method: op.HTTP.Method, status: op.HTTP.Code}
	if rt.status == 0 {
		rt.status = http.StatusOK
	}
	// A literal query in the URI ("?find=LayerVersion") tells operations on
	// one path apart; Stepflow serves none of those.
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
			if m.Location == "query" {
				rt.query = append(rt.query, queryMember{key: m.LocationName, name: m.Name, typ: svc.Shapes[m.Target].Type})
			}
		}
	}
	return rt
}

// match finds the route of a request and its label values; pathKnown
// reports a path that some route has, for another method.
func (h *Handler) match(r *http.Request) (rt *route, labels []string, pathKnown bool) {
	p := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	if h.cfg.AllowTrailingSlash {
		p = strings.TrimSuffix(p, "/")
	}
	raw := strings.Split(p, "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, false
		}
		segs[i] = u
	}
	for i := range h.routes {
		rt := &h.routes[i]
		labels, ok := rt.matchPath(segs, h.cfg.AllowEmptyLabels)
		if !ok {
			continue
		}
		pathKnown = true
		if rt.method == r.Method {
			return rt, labels, true
		}
	}
	return nil, nil, pathKnown
}

// matchPath returns the label values of segs when they fit the route's
// URI template.
func (rt *route) matchPath(segs []string, emptyLabels bool) ([]string, bool) {
	if len(rt.segs) != len(segs) {
		return nil, false
	}
	var labels []string
	for j, lit := range rt.segs {
		switch {
		case lit != "":
			if lit != segs[j] {
				return nil, false
			}
		case segs[j] == "" && !emptyLabels:
			return nil, false
		default:
			labels = append(labels, segs[j])
		}
	}
	return labels, true
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := &Request{ID: awsproto.NewRequestID(), HTTP: r}
	ctx, rt, err := h.prepare(req)
	if err != nil {
		h.cfg.WriteError(w, req.ID, err)
		return
	}
	if raw := h.cfg.Raw[rt.op]; raw != nil {
		raw(ctx, w, req)
		return
	}
	input, err := rt.input(r, req.Labels, req.Body, &h.cfg.Errors)
	if err != nil {
		h.cfg.WriteError(w, req.ID, err)
		return
	}
	out, err := h.cfg.Handle(ctx, rt.op, input)
	if err != nil {
		h.cfg.WriteError(w, req.ID, err)
		return
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", req.ID)
	if rt.status == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	b, err := awsproto.MarshalResult(out)
	if err != nil {
		h.cfg.WriteError(w, req.ID, err)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rt.status)
	_, _ = w.Write(b)
}

// prepare routes, reads and authenticates a request, filling in req.
func (h *Handler) prepare(req *Request) (context.Context, *route, error) {
	r := req.HTTP
	rt, labels, pathKnown := h.match(r)
	if rt == nil {
		if pathKnown {
			return nil, nil, &awsproto.Error{Code: "MethodNotAllowedException", Status: http.StatusMethodNotAllowed, Sender: true,
				Message: "The method " + r.Method + " is not allowed on " + r.URL.Path + "."}
		}
		return nil, nil, h.cfg.Errors.NoOperation(r.Method, r.URL.Path)
	}
	req.Op, req.Labels = rt.op, labels
	body, err := ReadBody(r, h.cfg.MaxBodyBytes(rt.op))
	if errors.Is(err, ErrTooLarge) {
		return nil, nil, h.cfg.Errors.TooLarge(rt.op)
	}
	if err != nil {
		return nil, nil, h.cfg.Errors.Unreadable(err)
	}
	req.Body = body
	ctx := awsproto.WithRequestID(r.Context(), req.ID)
	if h.cfg.Authenticate != nil {
		cred, err := h.cfg.Authenticate(r, body)
		if err != nil {
			return nil, nil, err
		}
		if cred != nil && cred.Service != h.signingName {
			return nil, nil, awsproto.InvalidSignature("Credential should be scoped to correct service: '" + h.signingName + "'. ")
		}
		ctx = awsproto.WithCredential(ctx, cred)
	}
	return ctx, rt, nil
}

// ReadBody reads a request body of at most limit bytes. Returns
// ErrTooLarge for a longer one, or the read error.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, ErrTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	return b, nil
}

// input builds the JSON form of an operation's input: the body's members
// (a body of null or only white space has none) plus the labels and query
// members under their model member names.
func (rt *route) input(r *http.Request, labels []string, body []byte, errs *Errors) ([]byte, error) {
	members := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &members); err != nil {
			return nil, errs.NotObject(body, err)
		}
		if members == nil { // the body was null
			members = map[string]json.RawMessage{}
		}
	}
	for i, name := range rt.labels {
		members[name] = jsonString(labels[i])
	}
	q := r.URL.Query()
	for _, m := range rt.query {
		vals, ok := q[m.key]
		if !ok {
			continue
		}
		switch m.typ {
		case model.TypeList:
			b, _ := json.Marshal(vals)
			members[m.name] = b
		case model.TypeInteger, model.TypeLong:
			n, err := strconv.ParseInt(vals[0], 10, 64)
			if err != nil {
				return nil, errs.BadQueryInteger(m.key, vals[0])
			}
			// As JSON: "007" and "+7" are 7.
			members[m.name] = strconv.AppendInt(nil, n, 10)
		case model.TypeBoolean:
			members[m.name] = json.RawMessage(strconv.FormatBool(vals[0] == "true"))
		default:
			members[m.name] = jsonString(vals[0])
		}
	}
	return json.Marshal(members)
}

// jsonString is s as a JSON string, as encoding/json writes it.
func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// ErrorStatus returns the HTTP status of an error answered by a REST
// service of the named model, and whether it is a client fault: e.Status
// and e.Sender when Status is set, else the model's error table, else 400,
// a client fault. Authentication failures are 403 on REST services (Coral's
// JSON services answer them with 400).
func ErrorStatus(service string, e *awsproto.Error) (status int, sender bool) {
	status, sender = e.Status, e.Sender
	if status == 0 {
		if def, ok := awsproto.LookupError(service, e.Code); ok {
			status, sender = def.Status, def.Sender
		} else {
			status, sender = http.StatusBadRequest, true
		}
	}
	if forbidden[e.Code] {
		status = http.StatusForbidden
	}
	return status, sender
}

// forbidden lists the authentication failures, 403 on REST services.
var forbidden = map[string]bool{
	awsproto.CodeMissingAuthenticationToken: true, awsproto.CodeUnrecognizedClient: true,
	awsproto.CodeInvalidSignature: true, awsproto.CodeIncompleteSignature: true,
	awsproto.CodeAccessDenied: true, awsproto.CodeExpiredToken: true,
}

// WriteError writes an error response as REST-JSON services do: the code in
// the X-Amzn-ErrorType header, with status and the JSON body (whose members
// are the service's own).
func WriteError(w http.ResponseWriter, requestID, code string, status int, body []byte) {
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", requestID)
	hdr.Set("X-Amzn-ErrorType", code)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
