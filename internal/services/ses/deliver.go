package ses

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"sync"
	"time"
)

// Delivery: one goroutine picks the messages that are due (pending, or
// retrying with their next attempt reached), offers them to the relay
// (Config.Workers at a time) and records each outcome. A message is marked
// delivered only after the relay accepted it, so a crash between the two
// delivers it again (at least once). Permanent refusals (5xx) fail the
// message at once; other failures are retried with a doubling delay.

// dueMessage is what one delivery attempt needs.
type dueMessage struct {
	seq      int64
	id       string
	envFrom  string
	rcpts    []string
	raw      []byte
	attempts int
}

// deliverLoop runs until Close.
func (s *Service) deliverLoop() {
	defer s.wg.Done()
	for {
		batch, wait, err := s.due(s.ctx)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.log.Error("ses_outbox_read_failed", "error", err)
			wait = s.cfg.RetryMin
		}
		if len(batch) > 0 {
			s.deliverBatch(batch)
			continue
		}
		timer := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			timer.Stop()
			return
		case <-s.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// idleWait is how long the loop sleeps when nothing is scheduled; new
// messages wake it earlier.
const idleWait = time.Minute

// due returns the messages due now (at most a few per worker) or, when
// there are none, how long to wait for the next one.
func (s *Service) due(ctx context.Context) ([]dueMessage, time.Duration, error) {
	now := s.cfg.Now().UnixMilli()
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT seq, message_id, source, recipients, raw, attempts FROM ses_messages
		WHERE status IN (?, ?) AND next_attempt <= ? ORDER BY seq LIMIT ?`,
		DeliveryPending, DeliveryRetrying, now, s.cfg.Workers*4)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []dueMessage
	for rows.Next() {
		var (
			m     dueMessage
			rcpts string
		)
		if err := rows.Scan(&m.seq, &m.id, &m.envFrom, &rcpts, &m.raw, &m.attempts); err != nil {
			return nil, 0, err
		}
		_ = json.Unmarshal([]byte(rcpts), &m.rcpts)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) > 0 {
		return out, 0, nil
	}
	var next sql.NullInt64
	err = s.comp.Read().QueryRowContext(ctx, `SELECT MIN(next_attempt) FROM ses_messages WHERE status = ?`, DeliveryRetrying).Scan(&next)
	if err != nil {
		return nil, 0, err
	}
	if !next.Valid {
		return nil, idleWait, nil
	}
	wait := time.Duration(next.Int64-now) * time.Millisecond
	if wait < time.Millisecond {
		wait = time.Millisecond
	}
	return nil, min(wait, idleWait), nil
}

// deliverBatch offers each message to the relay, Config.Workers at a time,
// and waits for all.
func (s *Service) deliverBatch(batch []dueMessage) {
	sem := make(chan struct{}, s.cfg.Workers)
	var wg sync.WaitGroup
	for _, m := range batch {
		if s.ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.attempt(m)
		}()
	}
	wg.Wait()
}

// attempt delivers one message and records the outcome.
func (s *Service) attempt(m dueMessage) {
	err := s.relay(s.ctx, m)
	if err != nil && s.ctx.Err() != nil {
		return // shutting down: the message stays due
	}
	now := s.cfg.Now()
	attempts := m.attempts + 1
	status, next, lastErr := DeliveryDelivered, int64(0), ""
	var delivered int64
	if err == nil {
		delivered = now.UnixMilli()
	} else {
		lastErr = err.Error()
		status = DeliveryRetrying
		if permanent(err) || attempts >= s.cfg.MaxAttempts {
			status = DeliveryFailed
		} else {
			next = now.Add(s.backoff(attempts)).UnixMilli()
		}
	}
	werr := s.comp.Write(context.WithoutCancel(s.ctx), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE ses_messages SET status = ?, attempts = ?, next_attempt = ?, last_attempt = ?,
			delivered = ?, last_error = ? WHERE seq = ?`,
			status, attempts, next, now.UnixMilli(), delivered, lastErr, m.seq)
		return err
	})
	if werr != nil {
		s.log.Error("ses_outbox_write_failed", "message_id", m.id, "error", werr)
	}
	switch status {
	case DeliveryDelivered:
		s.log.Debug("ses_message_delivered", "message_id", m.id, "relay", s.cfg.SMTPRelay, "attempts", attempts)
	case DeliveryRetrying:
		s.log.Warn("ses_delivery_retrying", "message_id", m.id, "relay", s.cfg.SMTPRelay, "attempts", attempts,
			"next_attempt", time.UnixMilli(next).UTC(), "error", lastErr, "outbox", s.cfg.BaseURL+OutboxPath+"/"+m.id)
	case DeliveryFailed:
		s.log.Error("ses_delivery_failed", "message_id", m.id, "relay", s.cfg.SMTPRelay, "attempts", attempts,
			"error", lastErr, "outbox", s.cfg.BaseURL+OutboxPath+"/"+m.id)
	}
}

// backoff is the delay before attempt n+1: RetryMin doubled n-1 times, at
// most RetryMax.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.RetryMin
	for i := 1; i < n && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

// permanent reports whether the relay refused for good (a 5xx reply).
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}

// relay runs one SMTP transaction with the relay: EHLO, MAIL FROM, RCPT TO
// for every recipient, DATA, QUIT.
func (s *Service) relay(ctx context.Context, m dueMessage) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SMTPTimeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.SMTPRelay)
	if err != nil {
		return fmt.Errorf("connect to SMTP relay %s: %w", s.cfg.SMTPRelay, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	host, _, _ := net.SplitHostPort(s.cfg.SMTPRelay)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greeting from SMTP relay %s: %w", s.cfg.SMTPRelay, err)
	}
	defer c.Close()
	if err := s.transaction(c, m); err != nil {
		_ = c.Quit() // end politely; the connection closes either way
		return err
	}
	return c.Quit()
}

// transaction sends one message on an open SMTP connection.
func (s *Service) transaction(c *smtp.Client, m dueMessage) error {
	if err := c.Hello(s.cfg.SMTPHelo); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if err := c.Mail(m.envFrom); err != nil {
		return fmt.Errorf("MAIL FROM:<%s>: %w", m.envFrom, err)
	}
	for _, r := range m.rcpts {
		addr := r
		if a, err := parseAddress(r); err == nil {
			addr = a.addr
		}
		if err := c.Rcpt(addr); err != nil {
			return fmt.Errorf("RCPT TO:<%s>: %w", addr, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(m.raw); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return nil
}

// Retry queues a message for delivery again, now: a failed one gets a
// fresh set of attempts. Returns ErrNoRelay when no relay is configured and
// ErrMessageNotFound for an unknown MessageId.
func (s *Service) Retry(ctx context.Context, messageID string) error {
	if s.cfg.SMTPRelay == "" {
		return ErrNoRelay
	}
	var n int64
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE ses_messages SET status = ?,
			attempts = CASE WHEN status = ? THEN 0 ELSE attempts END, next_attempt = 0, relay = ?
			WHERE message_id = ? AND status != ?`,
			DeliveryPending, DeliveryFailed, s.cfg.SMTPRelay, messageID, DeliveryDelivered)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("retry message: %w", err)
	}
	if n == 0 {
		m, err := s.Message(ctx, messageID)
		if err != nil {
			return err
		}
		if m.Delivery.Status == DeliveryDelivered {
			return ErrDelivered
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// Errors of the outbox API.
var (
	// ErrNoRelay: Retry needs Config.SMTPRelay.
	ErrNoRelay = errors.New("no SMTP relay is configured: start the server with an SMTP relay (Config.SMTPRelay) to deliver messages")
	// ErrMessageNotFound: no message has that MessageId.
	ErrMessageNotFound = errors.New("no message in the outbox has this MessageId")
	// ErrDelivered: Retry of a message the relay already accepted.
	ErrDelivered = errors.New("the message was already delivered")
)
