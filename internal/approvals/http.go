package approvals

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// PathPrefix is the path the handler serves; mount it with
// Router.HandlePath(PathPrefix, h).
const PathPrefix = "/approvals"

// Body limits of the handler.
const (
	maxMintBody = 64 << 10
	maxFormBody = 16 << 10
)

// describeTimeout bounds Config.Describe on a page.
const describeTimeout = 2 * time.Second

// NewHTTPHandler serves:
//
//	POST /approvals        mint links (JSON; authenticated by Config.Authenticate)
//	GET  /approvals        list requests (JSON; ?status=pending|all&limit=N; authenticated)
//	GET  /approvals/{id}   the page of a link (?d=approve|reject&s=sig, or ?s=sig for both buttons)
//	POST /approvals/{id}   record a decision (form fields d and s)
func NewHTTPHandler(svc *Service) http.Handler { return &handler{svc: svc} }

type handler struct{ svc *Service }

var _ http.Handler = (*handler)(nil)

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	if !ok || (rest != "" && rest[0] != '/') {
		writePage(w, http.StatusNotFound, notFoundPage())
		return
	}
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		switch r.Method {
		case http.MethodPost:
			h.mint(w, r)
		case http.MethodGet, http.MethodHead:
			h.list(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			writeJSONError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use POST /approvals to mint links or GET /approvals to list them")
		}
		return
	}
	if strings.Contains(rest, "/") {
		writePage(w, http.StatusNotFound, notFoundPage())
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.show(w, r, rest)
	case http.MethodPost:
		h.decide(w, r, rest)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writePage(w, http.StatusMethodNotAllowed, page{Heading: "Method not allowed", Tone: "bad",
			Lead: "Open the approval link in a browser and use the button on the page."})
	}
}

// mintRequest is the body of POST /approvals.
type mintRequest struct {
	TaskToken        string
	ExecutionArn     string
	StateName        string
	Title            string
	Details          string
	ExpiresInSeconds int64
}

// mintResponse is the answer to POST /approvals.
type mintResponse struct {
	ApprovalId string
	ApproveUrl string
	RejectUrl  string
	PageUrl    string
	ExpiresAt  string // RFC 3339, UTC
}

const mintFields = "TaskToken, ExecutionArn, StateName, Title, Details, ExpiresInSeconds"

func (h *handler) mint(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMintBody))
	if err != nil {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
			"the request body is larger than 64 KiB: shorten Details")
		return
	}
	if !h.authenticate(w, r, body) {
		return
	}
	req, err := decodeMint(body)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, awsproto.CodeValidation, err.Error())
		return
	}
	a, err := h.svc.Create(r.Context(), req)
	if errors.Is(err, ErrInvalidRequest) {
		writeJSONError(w, http.StatusBadRequest, awsproto.CodeValidation, err.Error())
		return
	}
	if err != nil {
		h.svc.log.Error("approval_create_failed", "err", err)
		writeJSONError(w, http.StatusInternalServerError, awsproto.CodeInternalFailure, "could not store the approval request; see the server log")
		return
	}
	writeJSON(w, mintResponse{
		ApprovalId: a.ID, ApproveUrl: a.ApproveURL, RejectUrl: a.RejectURL, PageUrl: a.PageURL,
		ExpiresAt: a.ExpiresAt.Format(time.RFC3339),
	})
}

// decodeMint parses a POST /approvals body into a Request.
func decodeMint(body []byte) (Request, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Request{}, invalid("the body is empty: send a JSON object with %s", mintFields)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m mintRequest
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field == "ExpiresInSeconds":
			return Request{}, invalid("ExpiresInSeconds must be a whole number of seconds (at most %d)", int64(MaxTTL/time.Second))
		case errors.As(err, &te) && te.Field != "":
			return Request{}, invalid("%s must be a string", te.Field)
		case errors.As(err, &te):
			return Request{}, invalid("the body must be a JSON object with %s", mintFields)
		case errors.As(err, &se):
			return Request{}, invalid("the body is not valid JSON (at byte %d)", se.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return Request{}, invalid("the body is not valid JSON (it ends too soon)")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return Request{}, invalid("%s is not a field of an approval request; the fields are %s",
				strings.TrimPrefix(err.Error(), "json: unknown field "), mintFields)
		}
		return Request{}, invalid("the body is not a valid JSON object")
	}
	if dec.More() {
		return Request{}, invalid("the body must hold one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Request{}, invalid("the body must hold one JSON object")
	}
	switch max := int64(MaxTTL / time.Second); {
	case m.ExpiresInSeconds < 0:
		return Request{}, invalid("ExpiresInSeconds must be positive, or 0 for the default of %d", int64(DefaultTTL/time.Second))
	case m.ExpiresInSeconds > max:
		return Request{}, invalid("ExpiresInSeconds %d is longer than the maximum of %d (7 days)", m.ExpiresInSeconds, max)
	}
	return Request{
		TaskToken: m.TaskToken, ExecutionArn: m.ExecutionArn, StateName: m.StateName,
		Title: m.Title, Details: m.Details, TTL: time.Duration(m.ExpiresInSeconds) * time.Second,
	}, nil
}

// listResponse is the answer to GET /approvals.
type listResponse struct {
	Approvals []listItem
}

type listItem struct {
	ApprovalId   string
	ExecutionArn string
	StateName    string
	Title        string
	Details      string
	Status       string
	Decision     string `json:",omitempty"`
	CreatedAt    string
	ExpiresAt    string
	DecidedAt    string `json:",omitempty"`
	Problem      string `json:",omitempty"`
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	if !h.authenticate(w, r, nil) {
		return
	}
	q := r.URL.Query()
	pending := true
	switch q.Get("status") {
	case "", "pending":
	case "all":
		pending = false
	default:
		writeJSONError(w, http.StatusBadRequest, awsproto.CodeValidation, "status must be pending or all")
		return
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeJSONError(w, http.StatusBadRequest, awsproto.CodeValidation, "limit must be a whole number from 1 to 1000")
			return
		}
		limit = n
	}
	recs, err := h.svc.List(r.Context(), pending, limit)
	if err != nil {
		h.svc.log.Error("approval_list_failed", "err", err)
		writeJSONError(w, http.StatusInternalServerError, awsproto.CodeInternalFailure, "could not read the approval requests; see the server log")
		return
	}
	out := listResponse{Approvals: make([]listItem, 0, len(recs))}
	for _, rec := range recs {
		it := listItem{
			ApprovalId: rec.ID, ExecutionArn: rec.ExecutionArn, StateName: rec.StateName,
			Title: rec.Title, Details: rec.Details, Status: rec.Status, Decision: rec.Decision,
			CreatedAt: rec.CreatedAt.Format(time.RFC3339Nano), ExpiresAt: rec.ExpiresAt.Format(time.RFC3339),
			Problem: rec.Problem,
		}
		if !rec.DecidedAt.IsZero() {
			it.DecidedAt = rec.DecidedAt.Format(time.RFC3339Nano)
		}
		out.Approvals = append(out.Approvals, it)
	}
	writeJSON(w, out)
}

// authenticate runs Config.Authenticate; on failure it writes AWS's error
// and returns false.
func (h *handler) authenticate(w http.ResponseWriter, r *http.Request, body []byte) bool {
	if h.svc.cfg.Authenticate == nil {
		return true
	}
	if _, err := h.svc.cfg.Authenticate(r, body); err != nil {
		securityHeaders(w.Header())
		awsproto.WriteJSONError(w, "", "", err)
		return false
	}
	return true
}

// show serves GET /approvals/{id}: the request and its button(s). It
// changes nothing.
func (h *handler) show(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	d := q.Get("d")
	rec, err := h.svc.Verify(r.Context(), id, d, q.Get("s"))
	if err != nil {
		h.writeLinkError(w, err)
		return
	}
	if rec.Status != StatusPending {
		h.writeState(w, r.Context(), rec)
		return
	}
	p := page{Heading: "Approval requested", Request: h.describe(r.Context(), rec)}
	p.Request.Expires = formatTime(rec.ExpiresAt)
	switch d {
	case "":
		p.Lead = "A workflow is waiting for your decision. Choose one; it is final."
		for _, d := range []string{DecisionApprove, DecisionReject} {
			p.Forms = append(p.Forms, h.form(rec, d))
		}
	default:
		p.Lead = "A workflow is waiting for your decision. Press the button to confirm it; it is final."
		p.Request.DecisionLabel = decisionLabel(d)
		p.Forms = []pageForm{h.form(rec, d)}
		other := DecisionReject
		if d == DecisionReject {
			other = DecisionApprove
		}
		p.Note = "To " + strings.ToLower(decisionLabel(other)) + " instead, use the other link in the message. Nothing happens until you press the button."
	}
	writePage(w, http.StatusOK, p)
}

// form is the button that records decision d on rec.
func (h *handler) form(rec Record, d string) pageForm {
	sig := sign(h.svc.key, rec.ID, d, rec.ExpiresAt)
	return pageForm{
		Action: rec.ID, Decision: d, Signature: encodeSig(sig),
		Label: decisionLabel(d), Class: d,
	}
}

// decide serves POST /approvals/{id}: verify, record, deliver.
func (h *handler) decide(w http.ResponseWriter, r *http.Request, id string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		writePage(w, http.StatusBadRequest, page{Heading: "This request could not be read", Tone: "bad",
			Lead: "Open the approval link in a browser and use the button on the page. Nothing was changed."})
		return
	}
	d, s := r.PostForm.Get("d"), r.PostForm.Get("s")
	if d == "" && s == "" {
		// A client POSTing the link itself.
		d, s = r.URL.Query().Get("d"), r.URL.Query().Get("s")
	}
	rec, err := h.svc.Verify(r.Context(), id, d, s)
	if err != nil {
		h.writeLinkError(w, err)
		return
	}
	if d == "" {
		writePage(w, http.StatusBadRequest, page{Heading: "Choose Approve or Reject", Tone: "bad",
			Lead: "This link shows the request; open it in a browser and press one of its buttons. Nothing was changed."})
		return
	}
	if rec.Status != StatusPending {
		h.writeState(w, r.Context(), rec)
		return
	}
	rec, err = h.svc.Decide(r.Context(), id, d == DecisionApprove)
	switch {
	case err == nil:
	case errors.Is(err, ErrDecided), errors.Is(err, ErrExpired), errors.Is(err, ErrNotWaiting):
		h.writeState(w, r.Context(), rec)
		return
	default:
		h.svc.log.Error("approval_decide_failed", "approval_id", id, "err", err)
		writePage(w, http.StatusInternalServerError, page{Heading: "Something went wrong", Tone: "bad",
			Lead: "Stepflow could not record your decision. Try the link again in a moment; if it keeps failing, tell the workflow's owner (the server log has the cause)."})
		return
	}
	p := page{Tone: "ok", Request: h.describe(r.Context(), rec)}
	p.Request.DecisionLabel = decisionLabel(rec.Decision)
	p.Request.DecisionDetail = "recorded " + formatTime(rec.DecidedAt)
	if rec.Decision == DecisionApprove {
		p.Heading = "Approved"
		p.Lead = "Thank you: your approval was recorded and the workflow continues."
	} else {
		p.Heading = "Rejected"
		p.Lead = "Thank you: your rejection was recorded. The waiting state fails with " + RejectedError + ", and the workflow handles that as it was built to."
	}
	p.Note = "You can close this page. The links in the message no longer work."
	writePage(w, http.StatusOK, p)
}

// writeLinkError writes the page of a link that does not verify.
func (h *handler) writeLinkError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writePage(w, http.StatusNotFound, notFoundPage())
	case errors.Is(err, ErrBadSignature):
		writePage(w, http.StatusForbidden, page{Heading: "This approval link is not valid", Tone: "bad",
			Lead: "The link's signature does not match the request: it may have been changed or cut short. Open the link exactly as it appears in the message. Nothing was changed."})
	default:
		h.svc.log.Error("approval_read_failed", "err", err)
		writePage(w, http.StatusInternalServerError, page{Heading: "Something went wrong", Tone: "bad",
			Lead: "Stepflow could not read this approval request. Try again in a moment; the server log has the cause. Nothing was changed."})
	}
}

func notFoundPage() page {
	return page{Heading: "Approval request not found", Tone: "bad",
		Lead: "No approval request matches this link. Check that the whole link was opened (some mail programs break long links), and that it was sent by this Stepflow server. Nothing was changed."}
}

// writeState writes the 410 page of a request that can no longer be
// decided: expired, decided, or decided without effect.
func (h *handler) writeState(w http.ResponseWriter, ctx context.Context, rec Record) {
	p := page{Tone: "bad", Request: h.describe(ctx, rec)}
	switch rec.Status {
	case StatusExpired:
		p.Heading = "This approval link has expired"
		p.Lead = "The request expired on " + formatTime(rec.ExpiresAt) + " before anyone decided. Nothing was changed; ask the workflow's owner to send a new request if a decision is still needed."
	case StatusNotWaiting:
		p.Heading = "The workflow is no longer waiting"
		p.Lead = "The decision to " + decisionLabel(rec.Decision) + " was recorded on " + formatTime(rec.DecidedAt) +
			", but the execution had stopped waiting for it (its task timed out, or the execution ended or was stopped), so it had no effect."
		p.Request.DecisionLabel = decisionLabel(rec.Decision)
		p.Request.DecisionDetail = "not delivered"
	default:
		p.Heading = "This request was already decided"
		p.Lead = "It was " + pastLabel(rec.Decision) + " on " + formatTime(rec.DecidedAt) + ". Each request can be decided once; nothing was changed now."
		p.Request.DecisionLabel = decisionLabel(rec.Decision)
	}
	writePage(w, http.StatusGone, p)
}

// describe is the request part of a page.
func (h *handler) describe(ctx context.Context, rec Record) *pageRequest {
	name := ""
	if h.svc.cfg.Describe != nil {
		dctx, cancel := context.WithTimeout(ctx, describeTimeout)
		n, err := h.svc.cfg.Describe(dctx, rec.ExecutionArn)
		cancel()
		if err == nil {
			name = n
		}
	}
	if name == "" {
		name = executionName(rec.ExecutionArn)
	}
	return &pageRequest{
		Title: rec.Title, Details: rec.Details,
		ExecutionName: name, ExecutionArn: rec.ExecutionArn, StateName: rec.StateName,
	}
}

// writeJSON writes v with status 200.
func writeJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // plain structs: cannot fail
	hdr := w.Header()
	securityHeaders(hdr)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// writeJSONError writes {"__type":code,"message":message}.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
	hdr := w.Header()
	securityHeaders(hdr)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
