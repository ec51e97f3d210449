package console

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultPrefix is where the console is mounted unless Options.Prefix says
// otherwise.
const DefaultPrefix = "/console"

// Options configures the console. The zero value works.
type Options struct {
	// BaseURL is the URL people reach the server at (e.g.
	// http://127.0.0.1:8083): the --endpoint-url of the aws commands the
	// console shows. Default: the scheme and Host of each request.
	BaseURL string
	// Prefix is the path the console is mounted at (default "/console").
	// The handler serves Prefix, everything under it, and "/" (a redirect
	// to Prefix+"/").
	Prefix string
	// Region is the --region of the aws commands (default us-east-1).
	Region string
	// AccessKey and SecretKey, when AccessKey is set, protect the actions:
	// every POST needs HTTP Basic authentication with the access key as
	// user name and the secret as password (the credentials the API
	// requires under --credentials). Pages stay readable; {Prefix}/login
	// asks the browser for the credentials.
	AccessKey, SecretKey string
	// PageSize is the length of list pages (default 50).
	PageSize int
	// PollInterval is how often pages refresh live data (default 2 s).
	PollInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives server errors (default: discard).
	Logger *slog.Logger
}

// withDefaults fills in the zero fields.
func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	o.Prefix = "/" + strings.Trim(o.Prefix, "/")
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return o
}

//go:embed static
var staticFS embed.FS

//go:embed templates
var templateFS embed.FS

// csrfCookiePrefix starts the name of the double-submit cookie; the rest
// identifies the server instance, because browsers share cookies between
// servers on the same host and different ports.
const csrfCookiePrefix = "stepflow_csrf_"

// Handler serves the console.
type Handler struct {
	b        Backend
	opts     Options
	mux      *http.ServeMux
	pages    map[string]*template.Template
	csrfKey  []byte
	csrfName string // the cookie's name
	static   http.Handler
}

// NewHandler returns the console's handler (a *Handler). Mount it at
// Options.Prefix and under it (and at "/" for browsers, if wanted).
func NewHandler(b Backend, opts Options) http.Handler {
	opts = opts.withDefaults()
	h := &Handler{b: b, opts: opts, mux: http.NewServeMux(), csrfKey: make([]byte, 32)}
	_, _ = rand.Read(h.csrfKey)
	sum := sha256.Sum256(h.csrfKey)
	h.csrfName = csrfCookiePrefix + hex.EncodeToString(sum[:4])
	h.pages = parseTemplates()
	sub, _ := fs.Sub(staticFS, "static")
	h.static = http.StripPrefix(opts.Prefix+"/static/", http.FileServerFS(sub))
	h.routes()
	return h
}

// routes registers every page.
func (h *Handler) routes() {
	p := h.opts.Prefix
	h.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p+"/", http.StatusFound)
	})
	h.mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p+"/", http.StatusFound)
	})
	h.mux.Handle("GET "+p+"/static/", h.static)
	get := func(path string, fn func(w http.ResponseWriter, r *http.Request) error) {
		h.mux.Handle("GET "+p+path, h.page(fn))
	}
	post := func(path string, fn func(w http.ResponseWriter, r *http.Request) error) {
		h.mux.Handle("POST "+p+path, h.action(fn))
	}
	get("/{$}", h.home)
	get("/statemachines", h.stateMachines)
	get("/statemachine", h.stateMachine)
	get("/executions", h.executions)
	get("/execution", h.execution)
	get("/maprun", h.mapRun)
	get("/start", h.startForm)
	get("/outbox", h.outbox)
	get("/queues", h.queues)
	get("/queue", h.queue)
	get("/schedules", h.schedules)
	get("/functions", h.functions)
	get("/function", h.function)
	get("/approvals", h.approvals)
	get("/login", h.login)
	get("/api/executions", h.apiExecutions)
	get("/api/execution", h.apiExecution)
	get("/api/maprun", h.apiMapRun)
	post("/start", h.start)
	post("/stop", h.stop)
	post("/redrive", h.redrive)
	post("/callback", h.callback)
	h.mux.Handle(p+"/", h.page(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return httpError{http.StatusMethodNotAllowed, "This page only answers GET requests."}
		}
		return httpError{http.StatusNotFound, "There is no console page at " + r.URL.Path + "."}
	}))
}

// ServeHTTP sets the security headers and dispatches.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	static := h.opts.Prefix + "/static/"
	src := "'self'"
	if origin := h.origin(r); origin != "" {
		src = origin + static
	}
	hdr.Set("Content-Security-Policy", "default-src 'none'; script-src "+src+"; style-src "+src+
		"; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, static) {
		hdr.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

// origin returns scheme://host of the request when the Host header is a
// plain host name or address ("" otherwise).
func (h *Handler) origin(r *http.Request) string {
	host := r.Host
	if host == "" || len(host) > 255 {
		return ""
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return ""
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + host
}

// baseURL is the server's URL for the aws commands.
func (h *Handler) baseURL(r *http.Request) string {
	if h.opts.BaseURL != "" {
		return h.opts.BaseURL
	}
	if o := h.origin(r); o != "" {
		return o
	}
	return "http://127.0.0.1:8083"
}

// httpError is an error with a status code and a message for people.
type httpError struct {
	code int
	msg  string
}

func (e httpError) Error() string { return e.msg }

// page wraps a GET handler: a returned error renders the error page.
func (h *Handler) page(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer h.recoverPanic(w, r)
		h.ensureCSRF(w, r)
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// action wraps a POST handler: it checks the credentials and the CSRF
// token first.
func (h *Handler) action(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer h.recoverPanic(w, r)
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, httpError{http.StatusBadRequest, "The form could not be read: " + err.Error()})
			return
		}
		if err := h.checkCSRF(r); err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.authorized(r) {
			h.fail(w, r, httpError{http.StatusForbidden, "This server requires credentials for actions. Sign in with the access key and secret the API uses (follow \"Sign in\" at the top of the page), then try again."})
			return
		}
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// recoverPanic turns a panic in a page into the error page.
func (h *Handler) recoverPanic(w http.ResponseWriter, r *http.Request) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		h.opts.Logger.Error("console_panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
		h.fail(w, r, httpError{http.StatusInternalServerError, "The console failed while building this page (an internal error). The server log has the details."})
	}
}

// fail renders err as an error page with its status code.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	msg := err.Error()
	var he httpError
	switch {
	case errors.As(err, &he):
		code = he.code
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrNotAvailable):
		code = http.StatusNotImplemented
		msg = "This server does not run that service: " + msg + "."
	case errors.Is(err, context.Canceled):
		return
	default:
		h.opts.Logger.Error("console_error", "path", r.URL.Path, "error", err.Error())
	}
	if strings.HasPrefix(r.URL.Path, h.opts.Prefix+"/api/") {
		writeJSON(w, code, map[string]any{"error": msg})
		return
	}
	title := http.StatusText(code)
	if title == "" {
		title = "Error"
	}
	h.render(w, r, code, "error", "Error", map[string]any{"Title": title, "Message": msg, "Code": code})
}

// ensureCSRF gives the browser a CSRF cookie when it has none.
func (h *Handler) ensureCSRF(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(h.csrfName); err == nil && h.validToken(c.Value) {
		return
	}
	tok := h.newToken()
	http.SetCookie(w, &http.Cookie{Name: h.csrfName, Value: tok, Path: h.opts.Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	// The page being rendered needs the same token in its forms.
	r.AddCookie(&http.Cookie{Name: h.csrfName, Value: tok})
}

// csrfToken returns the token forms on this page carry.
func (h *Handler) csrfToken(r *http.Request) string {
	var tok string
	for _, c := range r.Cookies() {
		if c.Name == h.csrfName && h.validToken(c.Value) {
			tok = c.Value // the last one: ensureCSRF appends a fresh one
		}
	}
	return tok
}

// newToken returns nonce.signature.
func (h *Handler) newToken() string {
	nonce := make([]byte, 18)
	_, _ = rand.Read(nonce)
	n := base64.RawURLEncoding.EncodeToString(nonce)
	return n + "." + h.sign(n)
}

func (h *Handler) sign(nonce string) string {
	m := hmac.New(sha256.New, h.csrfKey)
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// validToken reports whether tok was issued by this handler.
func (h *Handler) validToken(tok string) bool {
	nonce, sig, ok := strings.Cut(tok, ".")
	return ok && len(tok) < 128 && hmac.Equal([]byte(sig), []byte(h.sign(nonce)))
}

// checkCSRF verifies the double-submitted token and the request's origin.
func (h *Handler) checkCSRF(r *http.Request) error {
	reject := httpError{http.StatusForbidden, "The form was refused: its security token is missing or does not match (CSRF check). Reload the page and submit the form again."}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return reject
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			return reject
		}
	}
	c, err := r.Cookie(h.csrfName)
	if err != nil || !h.validToken(c.Value) {
		return reject
	}
	if subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		return reject
	}
	return nil
}

// authorized reports whether the request may act.
func (h *Handler) authorized(r *http.Request) bool {
	if h.opts.AccessKey == "" {
		return true
	}
	user, pass, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(user), []byte(h.opts.AccessKey)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(h.opts.SecretKey)) == 1
}

// login asks the browser for the credentials (HTTP Basic), then goes back.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	if h.opts.AccessKey == "" {
		http.Redirect(w, r, h.opts.Prefix+"/", http.StatusFound)
		return nil
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Stepflow console", charset="UTF-8"`)
		return httpError{http.StatusUnauthorized, "Sign in with the access key (as user name) and the secret (as password) the server was started with (--credentials)."}
	}
	http.Redirect(w, r, h.opts.Prefix+"/", http.StatusFound)
	return nil
}

// view is what every page template receives.
type view struct {
	Title   string
	Prefix  string
	Nav     string
	CSRF    string
	Poll    int // milliseconds
	CanAct  bool
	NeedsIn bool // actions need credentials this browser has not sent
	Data    any
}

// render executes a page template into a buffer first, so a template
// failure becomes an error page instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, name, title string, data any) {
	t, ok := h.pages[name]
	if !ok {
		http.Error(w, "console: no template "+name, http.StatusInternalServerError)
		return
	}
	v := view{Title: title, Prefix: h.opts.Prefix, Nav: name, CSRF: h.csrfToken(r), Poll: int(h.opts.PollInterval / time.Millisecond), Data: data}
	v.CanAct = h.authorized(r)
	v.NeedsIn = !v.CanAct
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.opts.Logger.Error("console_template", "page", name, "error", err.Error())
		if name != "error" {
			h.render(w, r, http.StatusInternalServerError, "error", "Error", map[string]any{"Title": "Internal Server Error", "Message": "The page could not be rendered: " + err.Error(), "Code": 500})
			return
		}
		http.Error(w, "The console could not render its error page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
