package lambda

import (
	"context"
	"strings"
	"time"
)

// InFlight counts a function's running invocations (for tests).
func (s *Service) InFlight(fn string) int {
	s.lim.mu.Lock()
	defer s.lim.mu.Unlock()
	return s.lim.inflight[fn]
}

// Processes lists the process IDs of the live sandboxes (for tests).
func (s *Service) Processes() []int {
	s.rt.mu.Lock()
	defer s.rt.mu.Unlock()
	var pids []int
	for _, p := range s.rt.pools {
		for sb := range p.live {
			if pid := sb.pid.Load(); pid > 0 {
				pids = append(pids, int(pid))
			}
		}
	}
	return pids
}

// SyncLogs waits until the recorded invocations are stored.
func (s *Service) SyncLogs(ctx context.Context) { s.logs.sync(ctx) }

// StopProcesses stops a function's idle processes (the next invocation
// starts a new one).
func (s *Service) StopProcesses(fn string) { s.rt.retireFunction(fn) }

// LastInitDuration is the Init Duration of the function's latest
// invocation (0 for a warm one).
func (s *Service) LastInitDuration(fn string) time.Duration {
	list := s.logs.recent(fn, 1)
	if len(list) == 0 {
		return 0
	}
	_, after, ok := strings.Cut(list[0].Log, "Init Duration: ")
	if !ok {
		return 0
	}
	ms, _, _ := strings.Cut(after, " ms")
	d, _ := time.ParseDuration(ms + "ms")
	return d
}
