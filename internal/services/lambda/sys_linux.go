//go:build linux

package lambda

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// sysProcAttr puts a function process in its own process group (so a
// timeout kills what it started, too) and has the kernel kill it if
// Stepflow dies without stopping it (kill -9).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills a process group.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

var statusBufs = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// liveMaxRSS is a running process's peak resident set size in KiB (VmHWM
// of /proc/<pid>/status).
func liveMaxRSS(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	bp := statusBufs.Get().(*[]byte)
	defer statusBufs.Put(bp)
	n, _ := io.ReadFull(f, *bp)
	b := (*bp)[:n]
	i := bytes.Index(b, []byte("VmHWM:"))
	if i < 0 {
		return 0
	}
	b = b[i+len("VmHWM:"):]
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	b = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(b), []byte("kB")))
	kb, _ := strconv.ParseInt(string(b), 10, 64)
	return kb
}

// exitMaxRSS is an exited process's peak resident set size in KiB.
func exitMaxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
