package sqs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// migrations create the service's tables. Append new steps; never edit a
// released one.
var migrations = []string{
	`CREATE TABLE sqs_queues (
		id          INTEGER PRIMARY KEY,
		name        TEXT NOT NULL UNIQUE,
		attrs       TEXT NOT NULL,             -- JSON object: the attributes set by clients, canonical values
		tags        TEXT NOT NULL,             -- JSON object
		created_ms  INTEGER NOT NULL,
		modified_ms INTEGER NOT NULL,
		purged_ms   INTEGER NOT NULL DEFAULT 0 -- time of the last PurgeQueue
	);
	CREATE TABLE sqs_messages (
		seq              INTEGER PRIMARY KEY AUTOINCREMENT, -- send order; FIFO sequence numbers
		queue_id         INTEGER NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
		message_id       TEXT NOT NULL,
		body             TEXT NOT NULL,
		attrs            BLOB,              -- JSON message attributes, NULL when none
		sys_attrs        BLOB,              -- JSON message system attributes sent (AWSTraceHeader), NULL when none
		md5_body         TEXT NOT NULL,
		group_id         TEXT,
		dedup_id         TEXT,
		sender_id        TEXT NOT NULL,
		sent_ms          INTEGER NOT NULL,
		visible_ms       INTEGER NOT NULL,  -- receivable from this time on
		receives         INTEGER NOT NULL DEFAULT 0,
		first_receive_ms INTEGER NOT NULL DEFAULT 0,
		receipt          INTEGER NOT NULL DEFAULT 0, -- nonce of the latest receive's receipt handle
		dlq_source       TEXT               -- the queue ARN a redrive moved the message from
	);
	CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_ms);
	CREATE TABLE sqs_dedup (
		queue_id   INTEGER NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
		key        TEXT NOT NULL,
		expires_ms INTEGER NOT NULL,
		message_id TEXT NOT NULL,
		seq        INTEGER NOT NULL,
		PRIMARY KEY (queue_id, key)
	) WITHOUT ROWID`,
}

func msOf(t time.Time) int64 { return t.UnixMilli() }

// loadQueues reads every queue.
func (s *Service) loadQueues(ctx context.Context) ([]*queue, error) {
	rows, err := s.comp.Read().QueryContext(ctx,
		`SELECT id, name, attrs, tags, created_ms, modified_ms, purged_ms FROM sqs_queues`)
	if err != nil {
		return nil, fmt.Errorf("load queues: %w", err)
	}
	defer rows.Close()
	var out []*queue
	for rows.Next() {
		q := &queue{}
		var attrs, tags string
		if err := rows.Scan(&q.id, &q.name, &attrs, &tags, &q.createdMS, &q.modifiedMS, &q.purgedMS); err != nil {
			return nil, fmt.Errorf("load queues: %w", err)
		}
		if err := json.Unmarshal([]byte(attrs), &q.attrs); err != nil {
			return nil, fmt.Errorf("load queue %s: attributes: %w", q.name, err)
		}
		if err := json.Unmarshal([]byte(tags), &q.tags); err != nil {
			return nil, fmt.Errorf("load queue %s: tags: %w", q.name, err)
		}
		if q.attrs == nil {
			q.attrs = map[string]string{}
		}
		if q.tags == nil {
			q.tags = map[string]string{}
		}
		q.fifo = q.attrs[attrFifoQueue] == "true"
		q.cfg = parseConfig(q.attrs)
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load queues: %w", err)
	}
	return out, nil
}

func jsonText(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // a string map cannot fail
	return string(b)
}

// insertQueue stores a new queue and sets its id.
func (s *Service) insertQueue(ctx context.Context, q *queue) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, sqlInsertQueue, q.name, jsonText(q.attrs), jsonText(q.tags), q.createdMS, q.modifiedMS)
		if err != nil {
			return fmt.Errorf("insert queue: %w", err)
		}
		q.id, err = res.LastInsertId()
		return err
	})
}

// updateQueue writes a queue's attributes, tags and times.
func (s *Service) updateQueue(ctx context.Context, q *queue) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, sqlUpdateQueue, jsonText(q.attrs), jsonText(q.tags), q.modifiedMS, q.purgedMS, q.id)
		if err != nil {
			return fmt.Errorf("update queue: %w", err)
		}
		return nil
	})
}

// deleteQueueRow deletes a queue with its messages and de-duplication
// records.
func (s *Service) deleteQueueRow(ctx context.Context, id int64) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{sqlDeleteQueueMessages, sqlDeleteQueueDedup, sqlDeleteQueue} {
			if _, err := s.exec(ctx, tx, q, id); err != nil {
				return fmt.Errorf("delete queue: %w", err)
			}
		}
		return nil
	})
}

// counts are a queue's message counts at one instant.
type counts struct {
	visible, inflight, delayed int64
}

// countMessages counts a queue's unexpired messages.
func (s *Service) countMessages(ctx context.Context, q *queue) (counts, error) {
	now := msOf(s.now())
	var c counts
	var v, f, d sql.NullInt64
	err := s.comp.QueryRow(ctx, sqlCountMessages, now, q.id, now-int64(q.cfg.retention)*1000).Scan(&v, &f, &d)
	if err != nil {
		return c, fmt.Errorf("count messages: %w", err)
	}
	c.visible, c.inflight, c.delayed = v.Int64, f.Int64, d.Int64
	return c, nil
}

// sweepLoop deletes expired messages and de-duplication records every
// SweepInterval until Close.
func (s *Service) sweepLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if err := s.Sweep(context.Background()); err != nil {
				s.log.Warn("sqs_sweep_failed", "error", err)
			}
		}
	}
}

// Sweep deletes now the messages older than their queue's
// MessageRetentionPeriod and the expired de-duplication records and
// receive attempts. The background sweeper calls it every SweepInterval.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now()
	s.mu.RLock()
	qs := make([]*queue, 0, len(s.queues))
	for _, q := range s.queues {
		qs = append(qs, q)
	}
	s.mu.RUnlock()
	ms := msOf(now)
	for _, q := range qs {
		cutoff := ms - int64(q.cfg.retention)*1000
		err := s.comp.Write(ctx, func(tx *sql.Tx) error {
			if _, err := s.exec(ctx, tx, sqlExpireMessages, q.id, cutoff); err != nil {
				return err
			}
			_, err := s.exec(ctx, tx, sqlExpireDedup, q.id, ms)
			return err
		})
		if err != nil {
			return fmt.Errorf("sweep queue %s: %w", q.name, err)
		}
	}
	s.attempts.expire(now)
	return nil
}
