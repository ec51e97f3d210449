package lambda

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// The Runtime API.
//
// Every sandbox (one process running a function's bootstrap) gets its own
// loopback listener, 127.0.0.1:<port>, passed as AWS_LAMBDA_RUNTIME_API:
// exactly what AWS gives a runtime, so every runtime client (aws-lambda-go,
// the Rust and Python clients, curl in a shell bootstrap) works unchanged,
// a process can only see and answer its own invocations, and nothing is
// routed by path. A listener costs one goroutine and one file descriptor
// per live process, which the account concurrency limit bounds.
//
// stdout and stderr of the process share one pipe. To cut its output into
// invocations exactly, Stepflow writes a marker into the same pipe when an
// invocation is handed to the process (/next) and when its result arrives
// (/response, /error): the process wrote its output before it called the
// Runtime API, so everything before the marker belongs to the invocation.

const (
	runtimeAPIPrefix = "/2018-06-01/runtime/"
	// maxResponseBytes is Lambda's synchronous response limit.
	maxResponseBytes = 6291556
	// maxLogBytes bounds the output kept for one invocation (its tail).
	maxLogBytes = 256 << 10
)

type sandboxState int

const (
	stStarting  sandboxState = iota // process started, no /next yet
	stIdle                          // waiting in /next
	stBusy                          // running an invocation
	stFinishing                     // answered, not yet back in /next
	stDead                          // stopped or being stopped
)

// invocation is one run of a function.
type invocation struct {
	id            string
	cfg           *fnConfig
	arn           string // as invoked, for Lambda-Runtime-Invoked-Function-Arn
	payload       []byte
	clientContext string
	traceID       string

	done      chan struct{} // closed once res is set
	completed atomic.Bool
	res       result

	// Set when a sandbox takes it; guarded by the sandbox's mu.
	sb        *sandbox
	begun     time.Time
	cold      bool
	initDur   time.Duration
	responded bool
	timedOut  bool
	timer     *time.Timer
	// Log segments, filled by the sandbox's log reader.
	pre, body []byte
	logDone   chan struct{}
}

// result is how an invocation ended.
type result struct {
	payload  []byte
	funcErr  bool
	status   string // Succeeded, Failed, TimedOut
	errType  string // for the REPORT line of failures Lambda detects
	errLine  string // a line Lambda adds to the log (timeouts, crashes)
	duration time.Duration
	maxRSSKB int64
	err      error // a request error instead of a function result
	// pre is the output before the invocation began (init output), body
	// its own output.
	pre, body []byte
}

func newInvocation(id string, cfg *fnConfig, arn string, payload []byte) *invocation {
	return &invocation{id: id, cfg: cfg, arn: arn, payload: payload, done: make(chan struct{}), logDone: make(chan struct{})}
}

// complete sets the invocation's result once.
func (inv *invocation) complete(r result) bool {
	if !inv.completed.CompareAndSwap(false, true) {
		return false
	}
	if inv.timer != nil {
		inv.timer.Stop()
	}
	inv.res = r
	close(inv.done)
	return true
}

// sandbox is one function process and its Runtime API endpoint.
type sandbox struct {
	rt    *runtime
	pool  *pool
	id    string
	token [8]byte // marks Stepflow's markers in the log pipe

	// Guarded by rt.mu.
	state     sandboxState
	first     *invocation // the invocation that started it
	idleSince time.Time
	removed   bool

	wake chan *invocation // an invocation for a sandbox waiting in /next
	dead chan struct{}    // closed when the sandbox is stopped
	once sync.Once

	cmd     *exec.Cmd    // set by start; read by its own goroutines
	pid     atomic.Int64 // the process's ID once started
	srv     *http.Server
	logR    *os.File
	logW    *os.File
	started time.Time
	readers sync.WaitGroup

	mu          sync.Mutex // guards the fields below and marker writes
	cur         *invocation
	markerSeq   uint64
	markers     map[uint64]*markerRef
	initErr     []byte
	initTimeout bool
	closing     bool
	logBuf      []byte // output not yet given to an invocation
	readerInv   *invocation
}

type markerRef struct {
	inv *invocation
	end bool
}

const markerLen = 10 + 9 // prefix (NUL, token, NUL) + kind + seq

// markerLocked registers a marker for inv and returns its bytes, to be
// written into the log pipe with writeMarker once sb.mu is released (the
// log reader takes sb.mu, so writing to a full pipe under it could block
// forever). end marks the end of inv's output, otherwise its beginning.
func (sb *sandbox) markerLocked(inv *invocation, end bool) []byte {
	sb.markerSeq++
	seq := sb.markerSeq
	if sb.markers == nil {
		sb.markers = map[uint64]*markerRef{}
	}
	sb.markers[seq] = &markerRef{inv: inv, end: end}
	m := make([]byte, markerLen)
	copy(m[1:9], sb.token[:])
	m[10] = 'b'
	if end {
		m[10] = 'e'
	}
	binary.BigEndian.PutUint64(m[11:], seq)
	return m
}

// writeMarker writes a marker into the log pipe. If the pipe is gone the
// process is exiting, and the exit path collects its output.
func (sb *sandbox) writeMarker(m []byte) {
	_, _ = sb.logW.Write(m)
}

// readLogs copies the process's output into invocations until EOF.
func (sb *sandbox) readLogs() {
	defer sb.readers.Done()
	prefix := make([]byte, 10)
	copy(prefix[1:9], sb.token[:])
	chunk := make([]byte, 32<<10)
	var pending []byte
	for {
		n, err := sb.logR.Read(chunk)
		if n > 0 {
			pending = append(pending, chunk[:n]...)
			pending = sb.scan(pending, prefix)
		}
		if err != nil {
			break
		}
	}
	sb.mu.Lock()
	sb.appendLocked(pending)
	if inv := sb.readerInv; inv != nil {
		inv.body = sb.takeLocked()
		sb.readerInv = nil
		closeOnce(inv.logDone)
	}
	sb.mu.Unlock()
}

// scan hands the output in p to invocations, acting on markers, and
// returns what must wait for more input (a possible partial marker).
func (sb *sandbox) scan(p, prefix []byte) []byte {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for {
		i := bytes.Index(p, prefix)
		if i < 0 {
			keep := partialSuffix(p, prefix)
			sb.appendLocked(p[:len(p)-keep])
			return append([]byte(nil), p[len(p)-keep:]...)
		}
		if len(p) < i+markerLen {
			sb.appendLocked(p[:i])
			return append([]byte(nil), p[i:]...)
		}
		sb.appendLocked(p[:i])
		kind := p[i+10]
		seq := binary.BigEndian.Uint64(p[i+11 : i+markerLen])
		p = p[i+markerLen:]
		ref := sb.markers[seq]
		delete(sb.markers, seq)
		if ref == nil {
			continue
		}
		if kind == 'b' {
			ref.inv.pre = sb.takeLocked()
			sb.readerInv = ref.inv
			continue
		}
		ref.inv.body = sb.takeLocked()
		if sb.readerInv == ref.inv {
			sb.readerInv = nil
		}
		closeOnce(ref.inv.logDone)
	}
}

// partialSuffix is the length of the longest suffix of p that is a proper
// prefix of prefix.
func partialSuffix(p, prefix []byte) int {
	for k := min(len(prefix)-1, len(p)); k > 0; k-- {
		if bytes.Equal(p[len(p)-k:], prefix[:k]) {
			return k
		}
	}
	return 0
}

func (sb *sandbox) appendLocked(b []byte) {
	if len(b) == 0 {
		return
	}
	sb.logBuf = append(sb.logBuf, b...)
	if len(sb.logBuf) > 2*maxLogBytes {
		cut := len(sb.logBuf) - maxLogBytes
		sb.logBuf = append([]byte(fmt.Sprintf("[... %d bytes of output not kept ...]\n", cut)), sb.logBuf[cut:]...)
	}
}

func (sb *sandbox) takeLocked() []byte {
	b := sb.logBuf
	sb.logBuf = nil
	return b
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// kill stops the process and everything it started.
func (sb *sandbox) kill() {
	if pid := sb.pid.Load(); pid > 0 {
		killGroup(int(pid))
	}
}

// stop marks the sandbox dead and kills it.
func (sb *sandbox) stop() {
	sb.once.Do(func() { close(sb.dead) })
	sb.kill()
}

// environ builds the process environment.
func (sb *sandbox) environ(dir, api string) []string {
	s := sb.rt.s
	c := sb.pool.cfg
	stream := sb.started.UTC().Format("2006/01/02") + "/[" + c.Version + "]" + sb.id
	env := map[string]string{
		"PATH":                            os.Getenv("PATH"),
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"AWS_LAMBDA_RUNTIME_API":          api,
		"AWS_LAMBDA_FUNCTION_NAME":        c.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     c.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(c.MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME":       c.Logging.LogGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME":      stream,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      s.cfg.Region,
		"AWS_DEFAULT_REGION":              s.cfg.Region,
		"AWS_EXECUTION_ENV":               "AWS_Lambda_" + c.Runtime,
		"_HANDLER":                        c.Handler,
		"LAMBDA_TASK_ROOT":                dir,
		"LAMBDA_RUNTIME_DIR":              dir,
		"AWS_ACCESS_KEY_ID":               s.cfg.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           s.cfg.SecretAccessKey,
		"AWS_ENDPOINT_URL":                s.cfg.EndpointURL,
	}
	if s.cfg.SessionToken != "" {
		env["AWS_SESSION_TOKEN"] = s.cfg.SessionToken
	}
	if c.Logging.LogFormat == "JSON" {
		env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
		env["AWS_LAMBDA_LOG_LEVEL"] = c.Logging.ApplicationLogLevel
	}
	for k, v := range c.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// start launches the process. On failure the first invocation fails as
// AWS reports an unusable bootstrap.
func (sb *sandbox) start() {
	rt := sb.rt
	s := rt.s
	c := sb.pool.cfg
	dir := s.code.dir(c.codeHex())
	inv := sb.first
	fail := func(msg string) {
		inv.complete(result{
			payload: errorDoc("RequestId: "+inv.id+" Error: "+msg, "Runtime.InvalidEntrypoint"),
			funcErr: true, status: "Failed", errType: "Runtime.InvalidEntrypoint",
			errLine: "RequestId: " + inv.id + " Error: " + msg + "\nRuntime.InvalidEntrypoint\n",
		})
		rt.exited(sb)
		rt.wg.Done()
	}
	bootstrap := filepath.Join(dir, "bootstrap")
	if st, err := os.Stat(bootstrap); err != nil || st.IsDir() {
		fail("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		inv.complete(result{err: awsproto.NewError(CodeService, "start runtime API: "+err.Error())})
		rt.exited(sb)
		rt.wg.Done()
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		ln.Close()
		inv.complete(result{err: awsproto.NewError(CodeService, "start function: "+err.Error())})
		rt.exited(sb)
		rt.wg.Done()
		return
	}
	sb.logR, sb.logW = r, w
	sb.started = time.Now()
	cmd := exec.Command(bootstrap)
	cmd.Dir = dir
	cmd.Env = sb.environ(dir, ln.Addr().String())
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = sysProcAttr()
	sb.cmd = cmd
	if err := cmd.Start(); err != nil {
		ln.Close()
		r.Close()
		w.Close()
		msg := err.Error()
		var pe *os.PathError
		if errors.As(err, &pe) {
			msg = "fork/exec /var/task/bootstrap: " + pe.Err.Error()
		}
		sb.cmd = nil
		fail(msg)
		return
	}
	sb.pid.Store(int64(cmd.Process.Pid))
	sb.srv = &http.Server{Handler: sb, ErrorLog: log.New(io.Discard, "", 0)}
	s.log.Debug("lambda_process_started", "function", c.Name, "version", c.Version, "pid", cmd.Process.Pid, "runtime_api", ln.Addr().String())
	sb.readers.Add(2)
	go sb.readLogs()
	go func() {
		defer sb.readers.Done()
		_ = sb.srv.Serve(ln)
	}()
	initTimer := time.AfterFunc(s.cfg.InitTimeout, func() {
		rt.mu.Lock()
		starting := sb.state == stStarting
		rt.mu.Unlock()
		if starting {
			sb.mu.Lock()
			sb.initTimeout = true
			sb.mu.Unlock()
			sb.kill()
		}
	})
	go func() {
		defer rt.wg.Done()
		sb.wait(initTimer)
	}()
	rt.mu.Lock()
	closed := rt.closed
	rt.mu.Unlock()
	if closed {
		sb.mu.Lock()
		sb.closing = true
		sb.mu.Unlock()
		sb.stop()
	}
}

// wait reaps the process and settles what it leaves behind.
func (sb *sandbox) wait(initTimer *time.Timer) {
	err := sb.cmd.Wait()
	initTimer.Stop()
	killGroup(sb.cmd.Process.Pid) // whatever it started
	sb.once.Do(func() { close(sb.dead) })
	sb.logW.Close()
	drained := make(chan struct{})
	go func() {
		sb.readers.Wait()
		close(drained)
	}()
	_ = sb.srv.Close()
	select {
	case <-drained:
	case <-time.After(time.Second):
		_ = sb.logR.SetReadDeadline(time.Now())
		<-drained
	}
	sb.logR.Close()
	rss := exitMaxRSS(sb.cmd.ProcessState)
	sb.rt.s.log.Debug("lambda_process_exited", "function", sb.pool.cfg.Name, "pid", sb.cmd.Process.Pid, "state", sb.cmd.ProcessState.String())
	sb.rt.exited(sb)

	sb.mu.Lock()
	inv := sb.cur
	sb.cur = nil
	first := (*invocation)(nil)
	if inv == nil {
		sb.rt.mu.Lock()
		first, sb.first = sb.first, nil
		sb.rt.mu.Unlock()
		inv = first
		if inv != nil {
			inv.body = sb.takeLocked()
		}
	}
	timedOut := inv != nil && inv.timedOut
	initTimeout, initErr, closing := sb.initTimeout, sb.initErr, sb.closing
	if inv != nil && len(inv.body) == 0 {
		inv.body = sb.takeLocked()
	}
	var pre, body []byte
	if inv != nil {
		pre, body = inv.pre, inv.body
	}
	sb.mu.Unlock()
	if inv == nil || inv.completed.Load() {
		return
	}
	r := result{maxRSSKB: rss, pre: pre, body: body}
	switch {
	case closing:
		r.err = awsproto.NewError(CodeService, "Stepflow stopped the function while it ran: the Lambda service is shutting down.")
	case timedOut || initTimeout:
		secs := fmt.Sprintf("%.2f", float64(inv.cfg.Timeout))
		r.payload = errorDoc("RequestId: "+inv.id+" Error: Task timed out after "+secs+" seconds", "Sandbox.Timedout")
		r.funcErr, r.status, r.errType = true, "TimedOut", "Sandbox.Timedout"
		r.errLine = time.Now().UTC().Format("2006-01-02T15:04:05.000Z") + " " + inv.id + " Task timed out after " + secs + " seconds\n"
	case initErr != nil:
		r.payload = initErr
		r.funcErr, r.status = true, "Failed"
		r.errType = errorTypeOf(initErr)
	default:
		msg := "Runtime exited without providing a reason"
		if ps := sb.cmd.ProcessState; ps != nil && !ps.Success() {
			msg = "Runtime exited with error: " + ps.String()
		} else if err != nil && !errors.As(err, new(*exec.ExitError)) {
			msg = "Runtime exited with error: " + err.Error()
		}
		r.payload = errorDoc("RequestId: "+inv.id+" Error: "+msg, "Runtime.ExitError")
		r.funcErr, r.status, r.errType = true, "Failed", "Runtime.ExitError"
		r.errLine = "RequestId: " + inv.id + " Error: " + msg + "\nRuntime.ExitError\n"
	}
	if !inv.begun.IsZero() {
		r.duration = time.Since(inv.begun)
	}
	inv.complete(r)
}

// errorDoc is the error document Lambda writes for failures it detects.
func errorDoc(message, typ string) []byte {
	return []byte(`{"errorMessage":` + quote(message) + `,"errorType":` + quote(typ) + `}`)
}

// quote writes s as a JSON string without HTML escaping (AWS leaves <, >
// and & alone).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func errorTypeOf(doc []byte) string {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	_ = json.Unmarshal(doc, &e)
	return e.ErrorType
}

// ServeHTTP is the sandbox's Runtime API.
func (sb *sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := strings.CutPrefix(r.URL.Path, runtimeAPIPrefix)
	if !ok {
		runtimeError(w, http.StatusNotFound, "InvalidRequest", "Stepflow serves the Runtime API under "+runtimeAPIPrefix+"; the Extensions and Telemetry APIs are not available.")
		return
	}
	switch {
	case p == "invocation/next" && r.Method == http.MethodGet:
		sb.next(w, r)
	case p == "init/error" && r.Method == http.MethodPost:
		sb.initError(w, r)
	case strings.HasPrefix(p, "invocation/") && r.Method == http.MethodPost:
		id, action, _ := strings.Cut(strings.TrimPrefix(p, "invocation/"), "/")
		switch action {
		case "response":
			sb.respond(w, r, id, false)
		case "error":
			sb.respond(w, r, id, true)
		default:
			runtimeError(w, http.StatusNotFound, "InvalidRequest", "unknown Runtime API path "+r.URL.Path)
		}
	default:
		runtimeError(w, http.StatusNotFound, "InvalidRequest", "unknown Runtime API path "+r.URL.Path)
	}
}

func runtimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorDoc(msg, typ))
}

var accepted = []byte(`{"status":"OK"}`)

func writeAccepted(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(accepted)))
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(accepted)
}

// next hands the process its next invocation, waiting for one.
func (sb *sandbox) next(w http.ResponseWriter, r *http.Request) {
	var inv *invocation
	select {
	case inv = <-sb.wake: // handed over while the runtime was not polling
	default:
	}
	ok := true
	if inv == nil {
		inv, ok = sb.rt.next(sb)
	}
	if !ok {
		runtimeError(w, http.StatusForbidden, "SandboxStopped", "this sandbox has been stopped")
		return
	}
	if inv == nil {
		select {
		case inv = <-sb.wake:
		case <-sb.dead:
			return
		case <-r.Context().Done():
			return
		}
	}
	now := time.Now()
	timeout := time.Duration(inv.cfg.Timeout) * time.Second
	deadline := now.Add(timeout)
	sb.mu.Lock()
	sb.cur = inv
	inv.sb = sb
	inv.begun = now
	m := sb.markerLocked(inv, false)
	inv.timer = time.AfterFunc(timeout, func() { sb.timeout(inv) })
	sb.mu.Unlock()
	sb.writeMarker(m)

	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	if inv.clientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// timeout kills a process whose invocation ran past its deadline; the
// exit path reports it.
func (sb *sandbox) timeout(inv *invocation) {
	sb.mu.Lock()
	late := sb.cur == inv && !inv.responded
	if late {
		inv.timedOut = true
	}
	sb.mu.Unlock()
	if late {
		sb.kill()
	}
}

// respond takes an invocation's response or error.
func (sb *sandbox) respond(w http.ResponseWriter, r *http.Request, id string, isErr bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseBytes+1))
	if err != nil {
		return // the process went away
	}
	sb.mu.Lock()
	inv := sb.cur
	if inv == nil || inv.id != id {
		sb.mu.Unlock()
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	if inv.responded || inv.timedOut {
		sb.mu.Unlock()
		runtimeError(w, http.StatusForbidden, "InvalidStateTransition", "State transition from RuntimeResponseSent to InvocationResponse failed for runtime. Error: State transition is not allowed")
		return
	}
	inv.responded = true
	sb.cur = nil
	m := sb.markerLocked(inv, true)
	sb.mu.Unlock()
	sb.writeMarker(m)
	sb.rt.finishing(sb)

	res := result{payload: body, status: "Succeeded"}
	switch {
	case len(body) > maxResponseBytes:
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponseBytes)
		res = result{payload: errorDoc(msg, "Function.ResponseSizeTooLarge"), funcErr: true, status: "Failed", errType: "Function.ResponseSizeTooLarge"}
		runtimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
	case isErr:
		res.funcErr, res.status = true, "Failed"
		if !json.Valid(body) || len(bytes.TrimSpace(body)) == 0 {
			typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
			if typ == "" {
				typ = "Unhandled"
			}
			res.payload = errorDoc(string(body), typ)
		}
		writeAccepted(w)
	default:
		writeAccepted(w)
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	res.duration = time.Since(inv.begun)
	res.maxRSSKB = liveMaxRSS(int(sb.pid.Load()))
	select {
	case <-inv.logDone:
	case <-time.After(2 * time.Second):
	}
	sb.mu.Lock()
	res.pre, res.body = inv.pre, inv.body
	sb.mu.Unlock()
	inv.complete(res)
}

// initError takes a runtime's report that it could not start; Lambda then
// stops the sandbox and fails the invocation with the report.
func (sb *sandbox) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if !json.Valid(body) {
		typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
		if typ == "" {
			typ = "Runtime.Unknown"
		}
		body = errorDoc(string(body), typ)
	}
	sb.mu.Lock()
	sb.initErr = body
	sb.mu.Unlock()
	writeAccepted(w)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	sb.kill()
}

func newSandboxID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// wait waits for an invocation's result; false when ctx ends first.
func (inv *invocation) wait(ctx context.Context) bool {
	select {
	case <-inv.done:
		return true
	case <-ctx.Done():
		return false
	}
}
