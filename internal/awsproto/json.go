package awsproto

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// DefaultMaxBodyBytes is the request body limit when JSONConfig leaves it
// zero: a Step Functions definition may hold 1,048,576 characters, each up
// to six bytes once JSON-escaped.
const DefaultMaxBodyBytes = 8 << 20

// HandlerFunc serves one awsJson action. body is the validated request
// body ("{}" when the client sent none). The result is written as the
// response body: []byte and json.RawMessage as they are, nil as "{}", any
// other value through encoding/json. A returned *Error is written as AWS
// writes it; any other error becomes an InternalFailure.
type HandlerFunc func(ctx context.Context, action string, body []byte) (any, error)

// Authenticator checks a request (with its body, for the payload hash) and
// returns the caller's credential. Verifier.Verify is one.
type Authenticator func(r *http.Request, body []byte) (*Credential, error)

// JSONConfig configures a JSONHandler.
type JSONConfig struct {
	// Service names the generated model (e.g. "sfn"); it supplies the
	// X-Amz-Target prefix, the protocol version, the operations, the input
	// validation and the error table. Required.
	Service string
	// Handle serves the actions. Required.
	Handle HandlerFunc
	// Authenticate, when set, runs before validation; its error is written
	// as the response, and a credential scoped to another service than the
	// model's signing name is refused. When nil, requests are not
	// authenticated and the credential scope (if any) is parsed without
	// verification.
	Authenticate Authenticator
	// MaxBodyBytes limits the request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// SkipValidation turns off model validation of request bodies.
	SkipValidation bool
	// NewRequestID returns the x-amzn-RequestId of a request; nil means a
	// random UUID.
	NewRequestID func() string
}

// JSONHandler is the server side of awsJson1_0 and awsJson1_1: POST / with
// X-Amz-Target "<Prefix>.<Action>" and a JSON body.
type JSONHandler struct {
	cfg         JSONConfig
	svc         *model.Service
	contentType string
}

var _ http.Handler = (*JSONHandler)(nil)

// NewJSONHandler returns a handler for cfg. Returns an error if the model is
// unknown or not an awsJson service, or Handle is nil.
func NewJSONHandler(cfg JSONConfig) (*JSONHandler, error) {
	if cfg.Handle == nil {
		return nil, errors.New("new json handler: Handle is nil")
	}
	svc, err := model.Load(cfg.Service)
	if err != nil {
		return nil, fmt.Errorf("new json handler: %w", err)
	}
	ct, ok := jsonContentType(svc.Protocol)
	if !ok {
		return nil, fmt.Errorf("new json handler: %s speaks %s, not awsJson", cfg.Service, svc.Protocol)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = NewRequestID
	}
	return &JSONHandler{cfg: cfg, svc: svc, contentType: ct}, nil
}

func jsonContentType(protocol string) (string, bool) {
	switch protocol {
	case model.AWSJSON10:
		return "application/x-amz-json-1.0", true
	case model.AWSJSON11:
		return "application/x-amz-json-1.1", true
	}
	return "", false
}

// TargetPrefix is the X-Amz-Target prefix the handler serves, e.g.
// "AWSStepFunctions"; register it with Router.HandleTarget.
func (h *JSONHandler) TargetPrefix() string { return h.svc.TargetPrefix }

type ctxKey int

const (
	requestIDKey ctxKey = iota
	credentialKey
)

// RequestID returns the x-amzn-RequestId of the request ctx belongs to, or
// "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// CredentialFrom returns the caller's credential: verified when the handler
// authenticates, otherwise parsed from the request without verification.
// ok is false when the request carried none.
func CredentialFrom(ctx context.Context) (*Credential, bool) {
	c, ok := ctx.Value(credentialKey).(*Credential)
	return c, ok && c != nil
}

// WithRequestID returns ctx carrying a request ID (for tests and other
// protocol handlers).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// WithCredential returns ctx carrying a credential.
func WithCredential(ctx context.Context, c *Credential) context.Context {
	return context.WithValue(ctx, credentialKey, c)
}

// Authenticate returns ctx carrying the credential of the caller of r, as
// every protocol handler establishes it before it decodes a request. With
// auth set, the credential is auth's verdict on r and body (auth's error is
// returned as it is), and one scoped to another service than signingName
// (when not "") is InvalidSignature. With auth nil, it is r's credential
// scope parsed without verification, or none when r is not signed.
func Authenticate(ctx context.Context, r *http.Request, body []byte, auth Authenticator, signingName string) (context.Context, error) {
	if auth == nil {
		if cred, err := ParseCredentialScope(r); err == nil {
			ctx = WithCredential(ctx, cred)
		}
		return ctx, nil
	}
	cred, err := auth(r, body)
	if err != nil {
		return ctx, err
	}
	if cred != nil && signingName != "" && cred.Service != signingName {
		return ctx, InvalidSignature("Credential should be scoped to correct service: '" + signingName + "'. ")
	}
	return WithCredential(ctx, cred), nil
}

// ServeHTTP implements http.Handler.
func (h *JSONHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := h.cfg.NewRequestID()
	result, err := h.serve(r, reqID)
	if err != nil {
		writeJSONError(w, h.svc, h.contentType, reqID, err)
		return
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Type", h.contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(result)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(result)
}

func (h *JSONHandler) serve(r *http.Request, reqID string) ([]byte, error) {
	prefix, action, ok := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if !ok || prefix != h.svc.TargetPrefix || r.Method != http.MethodPost {
		return nil, UnknownOperation()
	}
	op, ok := h.svc.Operation(action)
	if !ok {
		return nil, UnknownOperation()
	}
	if !acceptsJSON(r.Header.Get("Content-Type")) {
		return nil, UnknownOperation()
	}
	body, err := readBody(r, h.cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	ctx, err := Authenticate(WithRequestID(r.Context(), reqID), r, body, h.cfg.Authenticate, h.svc.SigningName)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if !h.cfg.SkipValidation {
		if err := validateOp(h.svc, op, body); err != nil {
			return nil, err
		}
	} else if !json.Valid(body) {
		return nil, Serialization("")
	}
	result, err := h.cfg.Handle(ctx, action, body)
	if err != nil {
		return nil, err
	}
	return MarshalResult(result)
}

// acceptsJSON reports whether a Content-Type names an awsJson body. Coral
// accepts both versions and plain JSON on either protocol.
func acceptsJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json":
		return true
	}
	return false
}

// readBody reads at most limit bytes of the request body.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, &Error{Code: CodeRequestEntityTooLarge, Message: "Request Entity Too Large"}
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, Serialization("")
	}
	if n > limit {
		return nil, &Error{Code: CodeRequestEntityTooLarge, Message: "Request Entity Too Large"}
	}
	return buf.Bytes(), nil
}

// MarshalResult encodes a handler's result as a response body: []byte and
// json.RawMessage as they are, nil as "{}", any other value through
// encoding/json without HTML escaping (AWS does not escape <, > or &). An
// encoding failure is an InternalFailure.
func MarshalResult(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return []byte("{}"), nil
	case []byte:
		return v, nil
	case json.RawMessage:
		return v, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, InternalFailure("marshal response: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// WriteJSONError writes err as an awsJson service does: status from the
// error table of the named model ("" for the framework errors only), body
// {"__type":"<namespace>#<Code>","message":"..."}, headers
// x-amzn-RequestId (requestID, or a new one when empty), Content-Type and,
// for query-compatible services, x-amzn-query-error "<QueryCode>;Sender".
func WriteJSONError(w http.ResponseWriter, service, requestID string, err error) {
	var svc *model.Service
	ct := "application/x-amz-json-1.0"
	if service != "" {
		if s, lerr := model.Load(service); lerr == nil {
			svc = s
			if c, ok := jsonContentType(s.Protocol); ok {
				ct = c
			}
		}
	}
	if requestID == "" {
		requestID = NewRequestID()
	}
	writeJSONError(w, svc, ct, requestID, err)
}

func writeJSONError(w http.ResponseWriter, svc *model.Service, contentType, requestID string, err error) {
	name := ""
	if svc != nil {
		name = svc.Name
	}
	e, capital := resolve(name, err)
	body := errorBody(&e, capital)
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", requestID)
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	if svc != nil && svc.QueryCompatible {
		code := e.QueryCode
		if code == "" {
			code = e.Code
		}
		fault := "Receiver"
		if e.Sender {
			fault = "Sender"
		}
		hdr.Set("x-amzn-query-error", code+";"+fault)
	}
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// errorBody renders {"__type":"ns#Code","message":"..."}.
func errorBody(e *Error, capital bool) []byte {
	typ := e.Code
	if e.Namespace != "" {
		typ = e.Namespace + "#" + e.Code
	}
	b := make([]byte, 0, 32+len(typ)+len(e.Message))
	b = append(b, `{"__type":`...)
	b = appendJSONString(b, typ)
	if e.Message != "" {
		if capital {
			b = append(b, `,"Message":`...)
		} else {
			b = append(b, `,"message":`...)
		}
		b = appendJSONString(b, e.Message)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string, escaping only what JSON
// requires (AWS does not escape <, > or &).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size - 1
		}
	}
	return append(b, '"')
}

// NewRequestID returns a random UUID, the form of AWS's x-amzn-RequestId.
func NewRequestID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	var s [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hex[c>>4], hex[c&0xF]
		j += 2
	}
	return string(s[:])
}
