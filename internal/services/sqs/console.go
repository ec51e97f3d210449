package sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// QueueStats is one queue's identity and message counts, for the web
// console.
type QueueStats struct {
	Name string
	URL  string
	ARN  string
	FIFO bool
	// Visible messages can be received now; InFlight ones were received
	// and are invisible; Delayed ones were never received and are not yet
	// visible.
	Visible, InFlight, Delayed int64
}

// Stats returns every queue with its message counts, sorted by name.
func (s *Service) Stats(ctx context.Context) ([]QueueStats, error) {
	s.mu.RLock()
	qs := make([]*queue, 0, len(s.queues))
	for _, q := range s.queues {
		qs = append(qs, q)
	}
	s.mu.RUnlock()
	sort.Slice(qs, func(i, j int) bool { return qs[i].name < qs[j].name })
	out := make([]QueueStats, 0, len(qs))
	for _, q := range qs {
		c, err := s.countMessages(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		out = append(out, QueueStats{Name: q.name, URL: s.queueURL(q.name), ARN: s.queueARN(q.name), FIFO: q.fifo,
			Visible: c.visible, InFlight: c.inflight, Delayed: c.delayed})
	}
	return out, nil
}

// PeekedMessage is a message as Peek shows it.
type PeekedMessage struct {
	MessageID string
	Body      string
	// MessageAttributes are the message's attributes in the JSON
	// protocol's form ({"DataType":..,"StringValue":..}), or nil.
	MessageAttributes json.RawMessage
	SenderID          string
	Sent              time.Time
	// VisibleAt is when the message can be received (in the past for a
	// visible message).
	VisibleAt    time.Time
	ReceiveCount int
	// FirstReceive is zero for a message never received.
	FirstReceive    time.Time
	GroupID         string
	DeduplicationID string
	SequenceNumber  string
	// DeadLetterSourceARN is the queue a redrive moved the message from.
	DeadLetterSourceARN string
}

// Peek returns up to n of the queue's messages in send order without
// receiving them (visibility and receive counts are unchanged). It returns
// QueueDoesNotExist for an unknown queue URL.
func (s *Service) Peek(ctx context.Context, queueURL string, n int) ([]PeekedMessage, error) {
	q, err := s.resolveQueue(&queueURL)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.comp.Query(ctx, sqlPeek, q.id, msOf(s.now())-int64(q.cfg.retention)*1000, n)
	if err != nil {
		return nil, fmt.Errorf("peek: %w", err)
	}
	got, err := collectRows(rows)
	if err != nil {
		return nil, fmt.Errorf("peek: %w", err)
	}
	out := make([]PeekedMessage, 0, len(got))
	for _, r := range got {
		p := PeekedMessage{MessageID: r.messageID, Body: r.body, SenderID: r.sender, Sent: time.UnixMilli(r.sentMS),
			VisibleAt: time.UnixMilli(r.visibleMS), ReceiveCount: r.receives, GroupID: r.group.String,
			DeduplicationID: r.dedup.String, DeadLetterSourceARN: r.dlqSource.String}
		if len(r.attrs) > 0 {
			p.MessageAttributes = json.RawMessage(r.attrs)
		}
		if r.firstMS != 0 {
			p.FirstReceive = time.UnixMilli(r.firstMS)
		}
		if q.fifo {
			p.SequenceNumber = sequenceNumber(r.seq)
		}
		out = append(out, p)
	}
	return out, nil
}
