package ses

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Message is one message of the outbox, as tests and the console see it.
type Message struct {
	// ID is the MessageId SendEmail returned.
	ID string `json:"id"`
	// MessageID is the Message-ID header, e.g. "<ID@email.amazonses.com>"
	// (raw messages keep theirs, if any).
	MessageID string `json:"messageId"`
	// API is the action that sent it: "SendEmail", "SendRawEmail" or
	// "v2 SendEmail".
	API string `json:"api"`
	// Source is the envelope sender; Destinations the envelope recipients
	// (To, Cc and Bcc, or a raw message's Destinations), as given.
	Source       string   `json:"source"`
	Destinations []string `json:"destinations"`
	// From, To, Cc, ReplyTo and Subject are the message's headers,
	// decoded; Bcc the blind copies the caller named.
	From    string   `json:"from"`
	To      []string `json:"to"`
	Cc      []string `json:"cc"`
	Bcc     []string `json:"bcc"`
	ReplyTo []string `json:"replyTo"`
	Subject string   `json:"subject"`
	// Date is when SES accepted the message.
	Date time.Time `json:"date"`
	// Text and HTML are the message's first text/plain and text/html
	// parts, decoded; Links the URLs in them (HTML hrefs first).
	Text  string   `json:"text"`
	HTML  string   `json:"html"`
	Links []string `json:"links"`
	// Attachments names the other parts.
	Attachments []string `json:"attachments"`
	// Size is the raw message's length in bytes.
	Size int `json:"size"`
	// Raw is the MIME message as stored and relayed.
	Raw []byte `json:"-"`
	// Delivery is the state of its relaying.
	Delivery Delivery `json:"delivery"`

	seq int64
}

// Delivery is where a message stands with the SMTP relay.
type Delivery struct {
	// Status is one of the Delivery* constants.
	Status string `json:"status"`
	// Relay is the relay it goes to ("" when none is configured).
	Relay string `json:"relay,omitempty"`
	// Attempts counts the attempts made.
	Attempts int `json:"attempts"`
	// LastAttempt, NextAttempt and DeliveredAt are zero when not
	// applicable.
	LastAttempt time.Time `json:"lastAttempt,omitzero"`
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	DeliveredAt time.Time `json:"deliveredAt,omitzero"`
	// LastError is the last failed attempt's error.
	LastError string `json:"lastError,omitempty"`
}

// Filter selects outbox messages. Zero fields select everything.
type Filter struct {
	// To keeps messages with this recipient (To, Cc or Bcc; the bare
	// address, case-insensitive).
	To string
	// From keeps messages whose envelope sender is this bare address.
	From string
	// Subject keeps messages whose subject contains this text.
	Subject string
	// Limit is the most messages returned, newest first. [100]
	Limit int
	// Before keeps messages older than the message with this MessageId
	// (for paging).
	Before string
	// NoContent skips parsing the bodies (Text, HTML, Links, Attachments
	// and Raw stay empty): for listings.
	NoContent bool
}

// DefaultOutboxLimit is Filter.Limit's default.
const DefaultOutboxLimit = 100

// Outbox returns the messages f selects, newest first.
func (s *Service) Outbox(ctx context.Context, f Filter) ([]Message, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultOutboxLimit
	}
	var (
		where []string
		args  []any
	)
	if f.To != "" {
		where = append(where, `rcpt_index LIKE ? ESCAPE '\'`)
		args = append(args, `%`+likeEscape(`"`+strings.ToLower(strings.TrimSpace(f.To))+`"`)+`%`)
	}
	if f.From != "" {
		where = append(where, `lower(source) = ?`)
		args = append(args, strings.ToLower(strings.TrimSpace(f.From)))
	}
	if f.Subject != "" {
		where = append(where, `instr(lower(subject), ?) > 0`)
		args = append(args, strings.ToLower(f.Subject))
	}
	if f.Before != "" {
		where = append(where, `seq < COALESCE((SELECT seq FROM ses_messages WHERE message_id = ?), 0)`)
		args = append(args, f.Before)
	}
	cols := messageColumns
	if !f.NoContent {
		cols += ", raw"
	}
	q := `SELECT ` + cols + ` FROM ses_messages`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.comp.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows, !f.NoContent)
		if err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// Message returns one outbox message by its MessageId, or
// ErrMessageNotFound.
func (s *Service) Message(ctx context.Context, id string) (Message, error) {
	row := s.comp.Read().QueryRowContext(ctx, `SELECT `+messageColumns+`, raw FROM ses_messages WHERE message_id = ?`, id)
	m, err := scanMessage(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, ErrMessageNotFound
	}
	if err != nil {
		return Message{}, fmt.Errorf("read message: %w", err)
	}
	return m, nil
}

// Count returns how many messages the outbox holds.
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	err := s.comp.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM ses_messages`).Scan(&n)
	return n, err
}

const messageColumns = `seq, message_id, api, source, recipients, from_header, to_list, cc_list, bcc_list, subject,
	created, status, attempts, next_attempt, last_attempt, delivered, last_error, relay, length(raw)`

type scanner interface{ Scan(dest ...any) error }

func scanMessage(row scanner, withRaw bool) (Message, error) {
	var (
		m                              Message
		rcpts, to, cc, bcc             string
		created, next, last, delivered int64
		dst                            []any
	)
	dst = []any{&m.seq, &m.ID, &m.API, &m.Source, &rcpts, &m.From, &to, &cc, &bcc, &m.Subject,
		&created, &m.Delivery.Status, &m.Delivery.Attempts, &next, &last, &delivered, &m.Delivery.LastError,
		&m.Delivery.Relay, &m.Size}
	if withRaw {
		dst = append(dst, &m.Raw)
	}
	if err := row.Scan(dst...); err != nil {
		return Message{}, err
	}
	_ = json.Unmarshal([]byte(rcpts), &m.Destinations)
	_ = json.Unmarshal([]byte(to), &m.To)
	_ = json.Unmarshal([]byte(cc), &m.Cc)
	_ = json.Unmarshal([]byte(bcc), &m.Bcc)
	m.Date = time.UnixMilli(created).UTC()
	m.Delivery.NextAttempt = msTime(next)
	m.Delivery.LastAttempt = msTime(last)
	m.Delivery.DeliveredAt = msTime(delivered)
	if m.Delivery.Status != DeliveryRetrying {
		m.Delivery.NextAttempt = time.Time{}
	}
	m.MessageID = "<" + m.ID + "@" + messageIDDomain + ">"
	if withRaw {
		p, _ := parseMIME(m.Raw)
		m.Text, m.HTML, m.Links, m.Attachments = p.Text, p.HTML, p.Links, p.Attachments
		m.ReplyTo = p.ReplyTo
		if p.Header != nil {
			m.MessageID = p.MessageID
		}
	}
	m.Destinations, m.To, m.Cc, m.Bcc = nonNil(m.Destinations), nonNil(m.To), nonNil(m.Cc), nonNil(m.Bcc)
	m.ReplyTo, m.Links, m.Attachments = nonNil(m.ReplyTo), nonNil(m.Links), nonNil(m.Attachments)
	return m, nil
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// likeEscape escapes LIKE's wildcards with '\'.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
