package scheduler

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/dispatch"
)

// Outcomes of a firing in the history.
const (
	OutcomeSucceeded    = "SUCCEEDED"     // the target accepted the invocation
	OutcomeFailed       = "FAILED"        // every attempt failed; no dead-letter queue took it
	OutcomeDeadLettered = "DEAD_LETTERED" // every attempt failed; sent to the dead-letter queue
	OutcomeMissed       = "MISSED"        // not delivered: Stepflow was not running at its time
)

// Firing is one invocation of a schedule, as Firings reports it.
type Firing struct {
	// ScheduledTime is the invocation's time on the schedule clock.
	ScheduledTime time.Time
	// Time is when the outcome was reached (real time).
	Time time.Time
	// Outcome is one of the Outcome constants.
	Outcome string
	// Attempts is the number of delivery attempts made.
	Attempts int
	// Error is the last delivery error, or why the invocation was missed.
	Error string
}

// NextFire is a schedule's next invocation, as NextFireTimes reports it.
type NextFire struct {
	Group, Name, Arn string
	// ScheduledTime is the next scheduled time and DueTime when it will be
	// delivered (later within a flexible time window); both on the schedule
	// clock.
	ScheduledTime, DueTime time.Time
	// TargetArn is the schedule's target.
	TargetArn string
}

// delivery is one invocation being delivered (persisted until it ends).
type delivery struct {
	id               string
	group, name, arn string
	target           Target
	scheduled        time.Time
	attempts, missed int
}

// poke wakes the firing loop after a change.
func (s *Service) poke() { dispatch.Poke(s.wake) }

// maxCatchUp bounds the scheduled times looked at when catching up.
const maxCatchUp = 100000

// fireDue fires every schedule due at now and returns the earliest due
// time left (zero if none).
func (s *Service) fireDue(now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return dispatch.FireDue(s.schedules, now, func(sc *schedule) time.Time { return sc.due }, func(sc *schedule) {
		if err := s.fire(sc, now); err != nil {
			s.log.Error("schedule_fire_failed", slog.String("schedule_arn", sc.def.Arn), slog.String("error", err.Error()))
		}
	})
}

// fire delivers a due schedule once, for the latest of its scheduled times
// that are due, and advances it. s.mu is held.
func (s *Service) fire(sc *schedule, now time.Time) error {
	first := sc.next
	latest, missed := first, 0
	if p := sc.runtime.expr.Period(); p > 0 && now.Sub(latest) > 2*p {
		// Skip whole periods at once (staying before now).
		k := int(now.Sub(latest)/p) - 1
		if t := latest.Add(time.Duration(k) * p); sc.def.EndDate == nil || !t.After(*sc.def.EndDate) {
			latest, missed = t, k
		}
	}
	for range maxCatchUp {
		n, ok := nextAfter(sc, latest)
		if !ok || dueTime(sc, n).After(now) {
			break
		}
		latest = n
		missed++
	}
	maxAge := sc.def.Target.RetryPolicy.policy().MaxAge
	real := s.cfg.Now()
	var d *delivery
	var firings []Firing
	if now.Sub(latest) > maxAge {
		firings = append(firings, Firing{ScheduledTime: latest, Time: real, Outcome: OutcomeMissed,
			Error: fmt.Sprintf("Not delivered: its scheduled time was more than MaximumEventAgeInSeconds (%d) ago when Stepflow could deliver it; %d earlier invocation(s) were missed too.",
				int(maxAge/time.Second), missed)})
	} else {
		if missed > 0 {
			firings = append(firings, Firing{ScheduledTime: first, Time: real, Outcome: OutcomeMissed,
				Error: fmt.Sprintf("%d invocation(s) from this time on were missed while Stepflow was not running; only the latest, at %s, is delivered.",
					missed, latest.UTC().Format(time.RFC3339))})
		}
		d = &delivery{id: newExecutionID(), group: sc.def.GroupName, name: sc.def.Name, arn: sc.def.Arn,
			target: sc.def.Target, scheduled: latest, missed: missed}
	}
	next, ok := nextAfter(sc, latest)
	upd := *sc
	upd.next, upd.due = time.Time{}, time.Time{}
	if ok {
		upd.next, upd.due = next, dueTime(sc, next)
	}
	remove := !ok && sc.def.ActionAfterCompletion == "DELETE"
	err := s.comp.Write(s.ctx, func(tx *sql.Tx) error {
		for _, f := range firings {
			if err := s.insertFiring(tx, sc.def.GroupName, sc.def.Name, f); err != nil {
				return err
			}
		}
		if d != nil {
			if err := insertDelivery(tx, d); err != nil {
				return err
			}
		}
		if remove {
			_, err := tx.Exec(`DELETE FROM scheduler_schedules WHERE grp = ? AND name = ?`, sc.def.GroupName, sc.def.Name)
			return err
		}
		return saveNext(tx, &upd)
	})
	if err != nil {
		// Try again at the next wake-up rather than spin.
		sc.due = now.Add(time.Second)
		return err
	}
	k := key{sc.def.GroupName, sc.def.Name}
	if remove {
		delete(s.schedules, k)
	} else {
		sc.next, sc.due = upd.next, upd.due
	}
	if d != nil {
		s.startDelivery(d)
	}
	return nil
}

func newExecutionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func insertDelivery(tx *sql.Tx, d *delivery) error {
	target, err := json.Marshal(&d.target)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO scheduler_deliveries (id, grp, name, schedule_arn, target, scheduled_ms, attempts, missed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.id, d.group, d.name, d.arn, string(target), msOf(d.scheduled), d.attempts, d.missed)
	return err
}

// loadDeliveries reads the deliveries a previous run left unfinished.
func (s *Service) loadDeliveries(ctx context.Context) ([]*delivery, error) {
	rows, err := s.comp.Read().QueryContext(ctx,
		`SELECT id, grp, name, schedule_arn, target, scheduled_ms, attempts, missed FROM scheduler_deliveries ORDER BY scheduled_ms`)
	if err != nil {
		return nil, fmt.Errorf("load scheduler deliveries: %w", err)
	}
	defer rows.Close()
	var out []*delivery
	for rows.Next() {
		d := &delivery{}
		var target string
		var scheduled int64
		if err := rows.Scan(&d.id, &d.group, &d.name, &d.arn, &target, &scheduled, &d.attempts, &d.missed); err != nil {
			return nil, fmt.Errorf("load scheduler deliveries: %w", err)
		}
		if err := json.Unmarshal([]byte(target), &d.target); err != nil {
			return nil, fmt.Errorf("load scheduler delivery %s: %w", d.id, err)
		}
		d.scheduled = time.UnixMilli(scheduled)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Service) startDelivery(d *delivery) {
	s.wg.Go(func() { s.deliver(d) })
}

// deliver makes the delivery attempts of one invocation.
func (s *Service) deliver(d *delivery) {
	var input []byte
	outcome, err := s.retry.Run(s.ctx, d.target.RetryPolicy.policy(), d.scheduled, &d.attempts,
		func() error {
			input = render(d)
			return s.cfg.Deliver(s.ctx, d.target, input)
		},
		func(err error) {
			s.log.Debug("schedule_delivery_retry", slog.String("schedule_arn", d.arn), slog.Int("attempt", d.attempts),
				slog.String("error", err.Error()))
			werr := s.comp.Write(s.ctx, func(tx *sql.Tx) error {
				_, err := tx.Exec(`UPDATE scheduler_deliveries SET attempts = ? WHERE id = ?`, d.attempts, d.id)
				return err
			})
			if werr != nil && s.ctx.Err() == nil {
				s.log.Error("schedule_delivery_save_failed", slog.String("schedule_arn", d.arn), slog.String("error", werr.Error()))
			}
		})
	switch outcome {
	case dispatch.Delivered:
		s.finish(d, Firing{Outcome: OutcomeSucceeded})
	case dispatch.Exhausted:
		s.deadLetter(d, input, err)
	case dispatch.Interrupted:
		// Close: the delivery resumes after a restart.
	}
}

// deadLetter ends a delivery whose attempts are spent.
func (s *Service) deadLetter(d *delivery, input []byte, cause error) {
	f := Firing{Outcome: OutcomeFailed, Error: cause.Error()}
	if q := d.target.DeadLetterConfig; q != nil && q.Arn != "" {
		if s.cfg.DeadLetter == nil {
			f.Error += " (dead-letter queue " + q.Arn + " not reachable: no dead-letter delivery configured)"
		} else if err := s.cfg.DeadLetter(s.ctx, q.Arn, input); err != nil {
			if s.ctx.Err() != nil {
				return
			}
			f.Error += " (sending to dead-letter queue " + q.Arn + " failed: " + err.Error() + ")"
		} else {
			f.Outcome = OutcomeDeadLettered
		}
	}
	s.finish(d, f)
}

// finish records a delivery's outcome and forgets it.
func (s *Service) finish(d *delivery, f Firing) {
	f.ScheduledTime, f.Time, f.Attempts = d.scheduled, s.cfg.Now(), d.attempts
	err := s.comp.Write(context.WithoutCancel(s.ctx), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM scheduler_deliveries WHERE id = ?`, d.id); err != nil {
			return err
		}
		return s.insertFiring(tx, d.group, d.name, f)
	})
	if err != nil {
		s.log.Error("schedule_delivery_save_failed", slog.String("schedule_arn", d.arn), slog.String("error", err.Error()))
	}
}

// insertFiring records a firing and trims the schedule's history.
func (s *Service) insertFiring(tx *sql.Tx, grp, name string, f Firing) error {
	_, err := tx.Exec(`INSERT INTO scheduler_firings (grp, name, scheduled_ms, time_ms, outcome, attempts, error) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		grp, name, msOf(f.ScheduledTime), msOf(f.Time), f.Outcome, f.Attempts, f.Error)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`DELETE FROM scheduler_firings WHERE grp = ? AND name = ? AND seq <= (
		SELECT seq FROM scheduler_firings WHERE grp = ? AND name = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
		grp, name, grp, name, s.cfg.HistorySize)
	return err
}

// render returns a delivery's input with the context attributes replaced.
func render(d *delivery) []byte {
	in := d.target.Input
	if in == "" {
		return []byte("{}")
	}
	if !strings.Contains(in, "<aws.scheduler.") {
		return []byte(in)
	}
	r := strings.NewReplacer(
		"<aws.scheduler.schedule-arn>", d.arn,
		"<aws.scheduler.scheduled-time>", d.scheduled.UTC().Format("2006-01-02T15:04:05Z"),
		"<aws.scheduler.execution-id>", d.id,
		"<aws.scheduler.attempt-number>", strconv.Itoa(d.attempts),
	)
	return []byte(r.Replace(in))
}

// Firings returns a schedule's last n firings, newest first ("" is the
// default group). A schedule with no firings, or none at all, has an
// empty history.
func (s *Service) Firings(ctx context.Context, group, name string, n int) ([]Firing, error) {
	if group == "" {
		group = DefaultGroup
	}
	if n <= 0 {
		n = s.cfg.HistorySize
	}
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT scheduled_ms, time_ms, outcome, attempts, error FROM scheduler_firings
		WHERE grp = ? AND name = ? ORDER BY seq DESC LIMIT ?`, group, name, n)
	if err != nil {
		return nil, fmt.Errorf("read firings: %w", err)
	}
	defer rows.Close()
	out := []Firing{}
	for rows.Next() {
		var f Firing
		var scheduled, at int64
		if err := rows.Scan(&scheduled, &at, &f.Outcome, &f.Attempts, &f.Error); err != nil {
			return nil, fmt.Errorf("read firings: %w", err)
		}
		f.ScheduledTime, f.Time = time.UnixMilli(scheduled).UTC(), time.UnixMilli(at).UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read firings: %w", err)
	}
	return out, nil
}

// NextFireTimes lists the enabled schedules that will fire again, soonest
// due first.
func (s *Service) NextFireTimes(ctx context.Context) ([]NextFire, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []NextFire{}
	for _, sc := range s.schedules {
		if sc.due.IsZero() {
			continue
		}
		out = append(out, NextFire{Group: sc.def.GroupName, Name: sc.def.Name, Arn: sc.def.Arn,
			ScheduledTime: sc.next.UTC(), DueTime: sc.due.UTC(), TargetArn: sc.def.Target.Arn})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].DueTime.Equal(out[j].DueTime) {
			return out[i].DueTime.Before(out[j].DueTime)
		}
		return out[i].Arn < out[j].Arn
	})
	return out, nil
}

// ScheduleClock returns the schedule clock's current time (Now when
// TimeScale is 1).
func (s *Service) ScheduleClock() time.Time { return s.clk.Sched() }
