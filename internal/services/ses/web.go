package ses

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"join":       func(l []string) string { return strings.Join(l, ", ") },
	"time":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"prefix":     func() string { return OutboxPath },
	"pathEsc":    url.PathEscape,
	"queryEsc":   url.QueryEscape,
	"statusText": statusText,
}).ParseFS(templateFS, "templates/*.html"))

// statusText explains a delivery status after the status word.
func statusText(d Delivery) string {
	switch d.Status {
	case DeliveryStored:
		return "no SMTP relay is configured, so the message is kept here only"
	case DeliveryPending:
		return "waiting for its first delivery attempt"
	case DeliveryRetrying:
		return plural(d.Attempts, "failed attempt") + " so far"
	case DeliveryDelivered:
		return "the relay accepted it"
	case DeliveryFailed:
		return "given up after " + plural(d.Attempts, "attempt")
	}
	return d.Status
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// Outbox paging.
const (
	outboxPageSize = 50
	maxAPILimit    = 1000
)

// NewOutboxHandler returns the outbox web pages and JSON API, to be
// mounted at /outbox on the main port without stripping the prefix (e.g.
// awsproto.Router.HandlePath(OutboxPath, h)):
//
//	GET  /outbox                      the messages, newest first (?to=, ?before=<MessageId> pages)
//	GET  /outbox/{id}                 one message: headers, delivery, HTML part, text part, links
//	GET  /outbox/{id}/html            its HTML part, for a sandboxed iframe
//	GET  /outbox/{id}/raw             the raw MIME message as text (?download=1: message/rfc822)
//	POST /outbox/{id}/retry           deliver it again (with a relay configured)
//	GET  /outbox/api/messages         JSON {"messages":[...]} newest first (?to=, from=, subject=, limit=, before=)
//	GET  /outbox/api/messages/{id}    JSON of one message
//
// {id} is the MessageId SendEmail returned.
func NewOutboxHandler(s *Service) http.Handler {
	return &outboxHandler{s: s}
}

type outboxHandler struct{ s *Service }

func (h *outboxHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, OutboxPath)
	if !ok || rest != "" && rest[0] != '/' {
		h.fail(w, r, http.StatusNotFound, "This page does not exist. The outbox is at "+OutboxPath+".")
		return
	}
	rest = strings.Trim(rest, "/")
	parts := strings.Split(rest, "/")
	if rest == "" {
		parts = nil
	}
	if r.Method == http.MethodPost {
		if len(parts) == 2 && parts[1] == "retry" {
			h.retry(w, r, parts[0])
			return
		}
		h.methodNotAllowed(w, r, "GET")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.methodNotAllowed(w, r, "GET, HEAD")
		return
	}
	switch {
	case len(parts) == 0:
		h.list(w, r)
	case parts[0] == "api":
		h.api(w, r, parts[1:])
	case len(parts) == 1:
		h.show(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "html":
		h.htmlPart(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "raw":
		h.raw(w, r, parts[0])
	default:
		h.fail(w, r, http.StatusNotFound, "This page does not exist. The outbox is at "+OutboxPath+".")
	}
}

func (h *outboxHandler) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	h.fail(w, r, http.StatusMethodNotAllowed, "This address accepts "+allow+" requests only.")
}

// render writes a page, or a plain-text error if the template fails.
func (h *outboxHandler) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		h.s.log.Error("ses_outbox_render_failed", "page", name, "error", err)
		http.Error(w, "The page could not be rendered: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'self'; base-uri 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail shows an error in words: a page for browsers, JSON under /api.
func (h *outboxHandler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, OutboxPath+"/api") {
		writeJSONBody(w, status, map[string]string{"error": msg})
		return
	}
	h.render(w, status, "error.html", map[string]any{"Status": status, "StatusText": http.StatusText(status), "Message": msg})
}

func (h *outboxHandler) notFound(w http.ResponseWriter, r *http.Request, id string, err error) {
	if errors.Is(err, ErrMessageNotFound) {
		h.fail(w, r, http.StatusNotFound, "No message in the outbox has the MessageId "+id+". It may have been sent to another Stepflow server, or its data folder was removed.")
		return
	}
	h.fail(w, r, http.StatusInternalServerError, "The outbox could not be read: "+err.Error())
}

func (h *outboxHandler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{To: q.Get("to"), Before: q.Get("before"), Limit: outboxPageSize + 1, NoContent: true}
	msgs, err := h.s.Outbox(r.Context(), f)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "The outbox could not be read: "+err.Error())
		return
	}
	older := ""
	if len(msgs) > outboxPageSize {
		msgs = msgs[:outboxPageSize]
		older = msgs[len(msgs)-1].ID
	}
	total, _ := h.s.Count(r.Context())
	h.render(w, http.StatusOK, "list.html", map[string]any{
		"Messages": msgs, "To": f.To, "Before": f.Before, "Older": older, "Total": total,
		"Relay": h.s.cfg.SMTPRelay,
	})
}

func (h *outboxHandler) show(w http.ResponseWriter, r *http.Request, id string) {
	m, err := h.s.Message(r.Context(), id)
	if err != nil {
		h.notFound(w, r, id, err)
		return
	}
	h.render(w, http.StatusOK, "message.html", map[string]any{
		"M": m, "Relay": h.s.cfg.SMTPRelay, "Notice": r.URL.Query().Get("notice"),
		"CanRetry": h.s.cfg.SMTPRelay != "" && m.Delivery.Status != DeliveryDelivered,
	})
}

// htmlSandbox is the policy of a message's HTML part: no scripts, links
// may open in a new tab or, on a click, the top window.
const htmlSandbox = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"

func (h *outboxHandler) htmlPart(w http.ResponseWriter, r *http.Request, id string) {
	m, err := h.s.Message(r.Context(), id)
	if err != nil {
		h.notFound(w, r, id, err)
		return
	}
	if m.HTML == "" {
		h.fail(w, r, http.StatusNotFound, "The message "+id+" has no HTML part; its text is on "+OutboxPath+"/"+id+".")
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", "sandbox "+htmlSandbox+"; script-src 'none'; object-src 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	// Links open in a new tab rather than inside the frame.
	_, _ = w.Write([]byte(`<base target="_blank">` + "\n" + m.HTML))
}

func (h *outboxHandler) raw(w http.ResponseWriter, r *http.Request, id string) {
	m, err := h.s.Message(r.Context(), id)
	if err != nil {
		h.notFound(w, r, id, err)
		return
	}
	hdr := w.Header()
	if r.URL.Query().Get("download") != "" {
		hdr.Set("Content-Type", "message/rfc822")
		hdr.Set("Content-Disposition", `attachment; filename="`+id+`.eml"`)
	} else {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", strconv.Itoa(len(m.Raw)))
	_, _ = w.Write(m.Raw)
}

func (h *outboxHandler) retry(w http.ResponseWriter, r *http.Request, id string) {
	err := h.s.Retry(r.Context(), id)
	switch {
	case errors.Is(err, ErrMessageNotFound):
		h.notFound(w, r, id, err)
		return
	case errors.Is(err, ErrNoRelay), errors.Is(err, ErrDelivered):
		h.fail(w, r, http.StatusConflict, "The message "+id+" cannot be retried: "+err.Error()+".")
		return
	case err != nil:
		h.fail(w, r, http.StatusInternalServerError, "The message "+id+" could not be queued again: "+err.Error())
		return
	}
	http.Redirect(w, r, OutboxPath+"/"+url.PathEscape(id)+"?notice=queued", http.StatusSeeOther)
}

func (h *outboxHandler) api(w http.ResponseWriter, r *http.Request, parts []string) {
	if len(parts) == 2 && parts[0] == "messages" {
		m, err := h.s.Message(r.Context(), parts[1])
		if err != nil {
			h.notFound(w, r, parts[1], err)
			return
		}
		writeJSONBody(w, http.StatusOK, m)
		return
	}
	if len(parts) != 1 || parts[0] != "messages" {
		h.fail(w, r, http.StatusNotFound, "Unknown outbox API path: use "+OutboxPath+"/api/messages.")
		return
	}
	q := r.URL.Query()
	f := Filter{To: q.Get("to"), From: q.Get("from"), Subject: q.Get("subject"), Before: q.Get("before")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAPILimit {
			h.fail(w, r, http.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(maxAPILimit)+", not '"+v+"'.")
			return
		}
		f.Limit = n
	}
	msgs, err := h.s.Outbox(r.Context(), f)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "The outbox could not be read: "+err.Error())
		return
	}
	if msgs == nil {
		msgs = []Message{}
	}
	writeJSONBody(w, http.StatusOK, map[string]any{"messages": msgs})
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, "The answer could not be encoded: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
