//go:build unix && !linux

package lambda

import (
	"os"
	"syscall"
)

// sysProcAttr puts a function process in its own process group.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills a process group.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

// liveMaxRSS is not measured outside Linux.
func liveMaxRSS(int) int64 { return 0 }

// exitMaxRSS is not measured outside Linux.
func exitMaxRSS(*os.ProcessState) int64 { return 0 }
