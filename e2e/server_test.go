package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds how long a started server may take to answer.
const readyTimeout = 20 * time.Second

// server is one `stepflow serve` subprocess on a fixed address and data
// folder; it can be killed, stopped and started again on both.
type server struct {
	t    testing.TB
	addr string
	data string
	args []string // extra flags
	log  string   // file collecting stdout and stderr of every run

	mu   sync.Mutex
	proc *process // the current run, nil before the first start
}

// process is one run of the binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done closes
}

// newServer starts a server on a free loopback port and a fresh data
// folder, with extra flags args, and stops it when the test ends.
func newServer(t testing.TB, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{
		t:    t,
		addr: freeAddr(t),
		data: filepath.Join(dir, "data"),
		args: args,
		log:  filepath.Join(dir, "stepflow.log"),
	}
	t.Cleanup(func() {
		s.mu.Lock()
		p := s.proc
		s.mu.Unlock()
		if p != nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			s.dumpLog()
		}
	})
	s.start()
	return s
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// url is the endpoint clients use.
func (s *server) url() string { return "http://" + s.addr }

// start runs the binary and waits until it answers requests.
func (s *server) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		select {
		case <-s.proc.done:
		default:
			s.t.Fatalf("start: the server is still running")
		}
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatalf("open server log: %v", err)
	}
	fmt.Fprintf(logf, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	args := append([]string{"serve", "--listen", s.addr, "--data", s.data}, s.args...)
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.t.Fatalf("start stepflow: %v", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	s.proc = p
	if err := waitReady(s.url(), p.done); err != nil {
		s.t.Fatalf("stepflow serve %s: %v", strings.Join(args, " "), err)
	}
}

// waitReady polls url until the server answers an HTTP request (any
// answer: an unsigned request to a server verifying signatures is refused,
// but answered), the process exits or readyTimeout passes.
func waitReady(url string, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"maxResults":1}`))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("exited before answering (see its log)")
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %v: %v", readyTimeout, err)
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.t.Helper()
	p := s.current()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("kill stepflow: %v", err)
	}
	<-p.done
}

// stop sends SIGTERM and waits up to timeout for the process to exit. It
// returns the exit code and how long the exit took; a process still
// running at timeout is killed and reported as an error.
func (s *server) stop(timeout time.Duration) (code int, took time.Duration, err error) {
	p := s.current()
	begin := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, 0, fmt.Errorf("signal stepflow: %w", err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return -1, time.Since(begin), fmt.Errorf("still running %v after SIGTERM", timeout)
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(begin), nil
}

func (s *server) current() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.t.Fatalf("the server was never started")
	}
	return s.proc
}

// dumpLog writes the end of the server's log to the test log.
func (s *server) dumpLog() {
	b, err := os.ReadFile(s.log)
	if err != nil {
		s.t.Logf("server log: %v", err)
		return
	}
	const max = 8 << 10
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	s.t.Logf("server log (%s), last part:\n%s", s.log, b)
}

// ctxFor returns a context that ends with the test or after limit, so a
// stuck server fails the test with a message instead of hanging it.
func ctxFor(t testing.TB, limit time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}
