package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/dispatch"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// ScheduleClock returns the schedule clock's current time (Now when
// TimeScale is 1).
func (s *Service) ScheduleClock() time.Time { return s.clk.Sched() }

// delivery is one payload on its way to one target (persisted until it
// ends).
type delivery struct {
	id, ruleArn string
	target      Target
	payload     []byte
	eventTime   time.Time // schedule clock
	attempts    int
}

func insertDelivery(tx *sql.Tx, d *delivery) error {
	target, err := json.Marshal(&d.target)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO events_deliveries (id, rule_arn, target, payload, event_ms, attempts) VALUES (?, ?, ?, ?, ?, ?)`,
		d.id, d.ruleArn, string(target), d.payload, msOf(d.eventTime), d.attempts)
	return err
}

func (s *Service) loadDeliveries(ctx context.Context) ([]*delivery, error) {
	rows, err := s.comp.Read().QueryContext(ctx,
		`SELECT id, rule_arn, target, payload, event_ms, attempts FROM events_deliveries ORDER BY event_ms`)
	if err != nil {
		return nil, fmt.Errorf("load event deliveries: %w", err)
	}
	defer rows.Close()
	var out []*delivery
	for rows.Next() {
		d := &delivery{}
		var target string
		var at int64
		if err := rows.Scan(&d.id, &d.ruleArn, &target, &d.payload, &at, &d.attempts); err != nil {
			return nil, fmt.Errorf("load event deliveries: %w", err)
		}
		if err := json.Unmarshal([]byte(target), &d.target); err != nil {
			return nil, fmt.Errorf("load event delivery %s: %w", d.id, err)
		}
		d.target.RuleArn = d.ruleArn
		d.eventTime = time.UnixMilli(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Service) startDelivery(d *delivery) {
	s.wg.Go(func() { s.deliver(d) })
}

// deliver makes the delivery attempts of one payload.
func (s *Service) deliver(d *delivery) {
	outcome, err := s.retry.Run(s.ctx, d.target.RetryPolicy.policy(), d.eventTime, &d.attempts,
		func() error { return s.cfg.Deliver(s.ctx, d.target, d.payload) },
		func(error) {
			werr := s.comp.Write(s.ctx, func(tx *sql.Tx) error {
				_, err := tx.Exec(`UPDATE events_deliveries SET attempts = ? WHERE id = ?`, d.attempts, d.id)
				return err
			})
			if werr != nil && s.ctx.Err() == nil {
				s.log.Error("event_delivery_save_failed", slog.String("rule_arn", d.ruleArn), slog.String("error", werr.Error()))
			}
		})
	switch outcome {
	case dispatch.Delivered:
		s.finish(d)
	case dispatch.Exhausted:
		s.giveUp(d, err)
	case dispatch.Interrupted:
		// Close: the delivery resumes after a restart.
	}
}

// giveUp sends a payload whose attempts are spent to the target's
// dead-letter queue, if it has one.
func (s *Service) giveUp(d *delivery, cause error) {
	attrs := []any{slog.String("rule_arn", d.ruleArn), slog.String("target_id", d.target.Id),
		slog.Int("attempts", d.attempts), slog.String("error", cause.Error())}
	if q := d.target.DeadLetterConfig; q != nil && q.Arn != "" && s.cfg.DeadLetter != nil {
		if err := s.cfg.DeadLetter(s.ctx, q.Arn, d.payload); err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.log.Warn("event_dead_letter_failed", append(attrs, slog.String("queue_arn", q.Arn), slog.String("dlq_error", err.Error()))...)
		} else {
			s.log.Info("event_dead_lettered", append(attrs, slog.String("queue_arn", q.Arn))...)
		}
	} else {
		s.log.Warn("event_delivery_failed", attrs...)
	}
	s.finish(d)
}

// finish forgets a delivery: the reaper deletes it with others in one
// transaction. (A crash before that delivers it again after the restart:
// delivery is at least once.)
func (s *Service) finish(d *delivery) {
	s.reapMu.Lock()
	s.reapIDs = append(s.reapIDs, d.id)
	s.reapMu.Unlock()
	dispatch.Poke(s.reapWake)
}

// reaper deletes finished deliveries in batches until reapStop is closed
// (after every delivery has returned), then deletes the last ones.
func (s *Service) reaper() {
	defer close(s.reapDone)
	for {
		select {
		case <-s.reapWake:
			s.reap()
		case <-s.reapStop:
			s.reap()
			return
		}
	}
}

// reapBatch bounds the IDs of one DELETE statement.
const reapBatch = 500

func (s *Service) reap() {
	s.reapMu.Lock()
	ids := s.reapIDs
	s.reapIDs = nil
	s.reapMu.Unlock()
	if len(ids) == 0 {
		return
	}
	err := s.comp.Write(context.Background(), func(tx *sql.Tx) error {
		for len(ids) > 0 {
			n := min(len(ids), reapBatch)
			args := make([]any, n)
			for i, id := range ids[:n] {
				args[i] = id
			}
			q := "DELETE FROM events_deliveries WHERE id IN (?" + strings.Repeat(",?", n-1) + ")"
			if _, err := tx.Exec(q, args...); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
	if err != nil {
		s.log.Error("event_delivery_save_failed", slog.String("error", err.Error()))
	}
}

// maxCatchUp bounds the scheduled times looked at when catching up.
const maxCatchUp = 100000

// fireDue fires every scheduled rule due at now and returns the earliest
// next time left.
func (s *Service) fireDue(now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return dispatch.FireDue(s.rules, now, func(r *rule) time.Time { return r.next }, func(r *rule) {
		if err := s.fire(r, now); err != nil {
			s.log.Error("rule_fire_failed", slog.String("rule_arn", r.def.Arn), slog.String("error", err.Error()))
		}
	})
}

// fire sends a scheduled rule's event once, for the latest of its due
// times, to each target for which that time is within the target's event
// age; s.mu is held.
func (s *Service) fire(r *rule, now time.Time) error {
	latest := r.next
	if p := r.expr.Period(); p > 0 && now.Sub(latest) > 2*p {
		latest = latest.Add((now.Sub(latest)/p - 1) * p)
	}
	for range maxCatchUp {
		n, ok := r.expr.Next(latest, time.UTC, r.anchor)
		if !ok || n.After(now) {
			break
		}
		latest = n
	}
	ev := s.newEvent(newUUID(), "Scheduled Event", "aws.events", latest, []string{r.def.Arn}, jsonv.NewObject(0))
	var ds []*delivery
	for _, d := range s.deliveriesFor(r, ev, s.cfg.Now().UTC().Format(eventTimeFormat), latest) {
		if now.Sub(latest) > d.target.RetryPolicy.policy().MaxAge {
			s.log.Warn("scheduled_event_missed", slog.String("rule_arn", r.def.Arn), slog.String("target_id", d.target.Id),
				slog.Time("scheduled_time", latest))
			continue
		}
		ds = append(ds, d)
	}
	upd := *r
	upd.next = time.Time{}
	if n, ok := r.expr.Next(latest, time.UTC, r.anchor); ok {
		upd.next = n
	}
	err := s.comp.Write(s.ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if err := insertDelivery(tx, d); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`UPDATE events_rules SET next_ms = ? WHERE bus = ? AND name = ?`, nullMS(upd.next), r.def.EventBusName, r.def.Name)
		return err
	})
	if err != nil {
		r.next = now.Add(time.Second)
		return err
	}
	r.next = upd.next
	for _, d := range ds {
		s.startDelivery(d)
	}
	return nil
}
