package sqs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var base64Std = base64.StdEncoding

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type receiveMessageInput struct {
	QueueURL                    *string `json:"QueueUrl"`
	AttributeNames              []string
	MessageSystemAttributeNames []string
	MessageAttributeNames       []string
	MaxNumberOfMessages         *int
	VisibilityTimeout           *int
	WaitTimeSeconds             *int
	ReceiveRequestAttemptID     *string `json:"ReceiveRequestAttemptId"`
}

type message struct {
	MessageID              string               `json:"MessageId"`
	ReceiptHandle          string               `json:"ReceiptHandle"`
	MD5OfBody              string               `json:"MD5OfBody"`
	Body                   string               `json:"Body"`
	Attributes             map[string]string    `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string               `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]attrValue `json:"MessageAttributes,omitempty"`
}

type receiveMessageOutput struct {
	Messages []message `json:"Messages"`
}

// row is a stored message.
type row struct {
	seq       int64
	messageID string
	body      string
	attrs     []byte
	sys       []byte
	md5Body   string
	group     sql.NullString
	dedup     sql.NullString
	sender    string
	sentMS    int64
	visibleMS int64
	receives  int
	firstMS   int64
	receipt   uint64
	dlqSource sql.NullString
}

const rowColumns = `seq, message_id, body, attrs, sys_attrs, md5_body, group_id, dedup_id, sender_id, sent_ms,
	visible_ms, receives, first_receive_ms, receipt, dlq_source`

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner) (row, error) {
	var r row
	err := sc.Scan(&r.seq, &r.messageID, &r.body, &r.attrs, &r.sys, &r.md5Body, &r.group, &r.dedup, &r.sender,
		&r.sentMS, &r.visibleMS, &r.receives, &r.firstMS, &r.receipt, &r.dlqSource)
	return r, err
}

// System attribute names of received messages.
const (
	sysAll            = "All"
	sysSenderID       = "SenderId"
	sysSentTimestamp  = "SentTimestamp"
	sysReceiveCount   = "ApproximateReceiveCount"
	sysFirstReceive   = "ApproximateFirstReceiveTimestamp"
	sysSequenceNumber = "SequenceNumber"
	sysDedupID        = "MessageDeduplicationId"
	sysGroupID        = "MessageGroupId"
	sysTraceHeader    = "AWSTraceHeader"
	sysDLQSourceArn   = "DeadLetterQueueSourceArn"
)

func (s *Service) receiveMessage(ctx context.Context, body []byte) (any, error) {
	var in receiveMessageInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.resolveQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	n := 1
	if in.MaxNumberOfMessages != nil {
		n = *in.MaxNumberOfMessages
		if n < 1 || n > maxReceive {
			return nil, errInvalidValue("MaxNumberOfMessages", strconv.Itoa(n), "Must be between 1 and 10, if provided.")
		}
	}
	vis := -1
	if in.VisibilityTimeout != nil {
		vis = *in.VisibilityTimeout
		if vis < 0 || vis > maxVisibility {
			return nil, errInvalidValue("VisibilityTimeout", strconv.Itoa(vis), "Must be >= 0 and <= 43200, if provided.")
		}
	}
	wait := q.cfg.wait
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
		if wait < 0 || wait > maxWaitSeconds {
			return nil, errInvalidValue("WaitTimeSeconds", strconv.Itoa(wait), "Must be >= 0 and <= 20, if provided.")
		}
	}
	attempt := ""
	if in.ReceiveRequestAttemptID != nil && q.fifo {
		attempt = *in.ReceiveRequestAttemptID
		if !fifoIDRE.MatchString(attempt) {
			return nil, errInvalidValue("ReceiveRequestAttemptId", attempt,
				"ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
		}
	}
	sel := newSelection(append(slices.Clip(in.AttributeNames), in.MessageSystemAttributeNames...), in.MessageAttributeNames)

	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		wake := s.waiters.channel(q.id)
		rows, err := s.tryReceive(ctx, q, n, vis, attempt)
		if err != nil {
			return nil, s.storeErr(err)
		}
		if len(rows) > 0 {
			return s.receiveOutput(q, rows, sel), nil
		}
		remaining := time.Until(deadline)
		if wait == 0 || remaining <= 0 {
			return receiveMessageOutput{Messages: []message{}}, nil
		}
		if next, ok := s.nextVisible(ctx, q); ok {
			if d := time.Duration(next-msOf(s.now())) * time.Millisecond; d < remaining {
				remaining = max(d, time.Millisecond)
			}
		}
		t := time.NewTimer(remaining)
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return receiveMessageOutput{Messages: []message{}}, nil
		case <-s.done:
			t.Stop()
			return receiveMessageOutput{Messages: []message{}}, nil
		}
		t.Stop()
		// The queue may have changed (attributes) or gone while waiting.
		nq, ok := s.queueByName(q.name)
		if !ok || nq.id != q.id {
			return nil, errQueueDoesNotExist()
		}
		q = nq
	}
}

// nextVisible returns the earliest future time a message of q becomes
// visible.
func (s *Service) nextVisible(ctx context.Context, q *queue) (int64, bool) {
	var next sql.NullInt64
	err := s.comp.QueryRow(ctx, sqlNextVisible, q.id, msOf(s.now())).Scan(&next)
	if err != nil || !next.Valid {
		return 0, false
	}
	return next.Int64, true
}

// tryReceive receives up to n messages of q now (vis < 0: the queue's
// visibility timeout), moving those past the redrive policy's
// maxReceiveCount to the dead-letter queue.
func (s *Service) tryReceive(ctx context.Context, q *queue, n, vis int, attempt string) ([]row, error) {
	if vis < 0 {
		vis = q.cfg.visibility
	}
	var dlq *queue
	if rp := q.cfg.redrive; rp != nil {
		dlq, _ = s.queueByARN(rp.TargetArn)
	}
	now := msOf(s.now())
	var out []row
	moved := false
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		var err error
		out, moved = out[:0], false
		if attempt != "" {
			if rows, ok, err := s.replayAttempt(ctx, tx, q, attempt, now); err != nil || ok {
				out = rows
				return err
			}
		}
		if !q.fifo {
			out, moved, err = s.receiveStandard(ctx, tx, q, dlq, n, vis, now)
			return err
		}
		for len(out) < n {
			cands, err := s.candidates(ctx, tx, q, n-len(out), now)
			if err != nil || len(cands) == 0 {
				return err
			}
			movedHere := false
			for _, r := range cands {
				if dlq != nil && r.receives >= q.cfg.redrive.MaxReceive {
					if err := s.moveToDLQ(ctx, tx, q, dlq, r.seq, now); err != nil {
						return err
					}
					moved, movedHere = true, true
					continue
				}
				r.receives++
				if r.firstMS == 0 {
					r.firstMS = now
				}
				r.visibleMS = now + int64(vis)*1000
				r.receipt = newNonce()
				if _, err := s.exec(ctx, tx, sqlReceiveMessage, r.receives, r.firstMS, r.visibleMS, r.receipt, r.seq); err != nil {
					return fmt.Errorf("receive message: %w", err)
				}
				out = append(out, r)
			}
			if !movedHere {
				break // nothing left: the candidates were all there was
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if moved {
		s.waiters.notify(dlq.id)
	}
	if attempt != "" && len(out) > 0 {
		s.attempts.remember(q.id, attempt, out, s.now())
	}
	return out, nil
}

func (s *Service) moveToDLQ(ctx context.Context, tx *sql.Tx, q, dlq *queue, seq, now int64) error {
	_, err := s.exec(ctx, tx, sqlRedriveMessage, dlq.id, now, s.queueARN(q.name), seq)
	if err != nil {
		return fmt.Errorf("move to dead-letter queue: %w", err)
	}
	return nil
}

// receiveStandard receives up to n visible messages of a standard queue,
// earliest visible first, in one statement; first it moves the visible
// messages past the redrive policy's maxReceiveCount (at most n) to the
// dead-letter queue.
func (s *Service) receiveStandard(ctx context.Context, tx *sql.Tx, q, dlq *queue, n, vis int, now int64) ([]row, bool, error) {
	cutoff := now - int64(q.cfg.retention)*1000
	moved := false
	if dlq != nil {
		res, err := s.exec(ctx, tx, sqlRedriveStandard, dlq.id, now, s.queueARN(q.name), q.id, now, cutoff, q.cfg.redrive.MaxReceive, n)
		if err != nil {
			return nil, false, fmt.Errorf("move to dead-letter queue: %w", err)
		}
		k, _ := res.RowsAffected()
		moved = k > 0
	}
	rows, err := s.query(ctx, tx, sqlReceiveStandard, now, now+int64(vis)*1000, q.id, cutoff, n)
	if err != nil {
		return nil, false, fmt.Errorf("receive messages: %w", err)
	}
	out, err := collectRows(rows)
	if err != nil {
		return nil, false, err
	}
	slices.SortFunc(out, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	return out, moved, nil
}

// candidates returns up to n receivable messages of a FIFO queue: the
// oldest visible messages of groups with no message in flight, as many of
// one group as possible.
func (s *Service) candidates(ctx context.Context, tx *sql.Tx, q *queue, n int, now int64) ([]row, error) {
	cutoff := now - int64(q.cfg.retention)*1000
	blocked := map[string]bool{}
	rows, err := s.query(ctx, tx, sqlGroupsInFlight, q.id, now)
	if err != nil {
		return nil, fmt.Errorf("select groups in flight: %w", err)
	}
	for rows.Next() {
		var g sql.NullString
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return nil, err
		}
		blocked[g.String] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, tx, sqlQueueOrder, q.id)
	if err != nil {
		return nil, fmt.Errorf("select messages: %w", err)
	}
	var order []string
	byGroup := map[string][]int64{}
	for rows.Next() {
		var seq, visible, sent int64
		var g sql.NullString
		if err := rows.Scan(&seq, &g, &visible, &sent); err != nil {
			rows.Close()
			return nil, err
		}
		switch {
		case sent <= cutoff || blocked[g.String]:
		case visible > now:
			blocked[g.String] = true // a delayed message keeps the rest of its group behind it
		default:
			if _, ok := byGroup[g.String]; !ok {
				order = append(order, g.String)
			}
			byGroup[g.String] = append(byGroup[g.String], seq)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var seqs []int64
	for _, g := range order {
		for _, seq := range byGroup[g] {
			if len(seqs) == n {
				break
			}
			seqs = append(seqs, seq)
		}
	}
	if len(seqs) == 0 {
		return nil, nil
	}
	return s.rowsBySeq(ctx, tx, seqs)
}

// rowsBySeq reads the given messages in the given order.
func (s *Service) rowsBySeq(ctx context.Context, tx *sql.Tx, seqs []int64) ([]row, error) {
	var got []row
	args := make([]any, maxReceive)
	for chunk := range slices.Chunk(seqs, maxReceive) {
		for i := range args {
			args[i] = nil // NULL: no message
			if i < len(chunk) {
				args[i] = chunk[i]
			}
		}
		rows, err := s.query(ctx, tx, sqlRowsBySeq, args...)
		if err != nil {
			return nil, fmt.Errorf("select messages: %w", err)
		}
		some, err := collectRows(rows)
		if err != nil {
			return nil, err
		}
		got = append(got, some...)
	}
	pos := make(map[int64]int, len(seqs))
	for i, v := range seqs {
		pos[v] = i
	}
	sort.Slice(got, func(i, j int) bool { return pos[got[i].seq] < pos[got[j].seq] })
	return got, nil
}

func collectRows(rows *sql.Rows) ([]row, error) {
	defer rows.Close()
	var out []row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("read message: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// selection is what a ReceiveMessage asked to see of each message.
type selection struct {
	sysAll   bool
	sys      map[string]bool
	attrsAll bool
	names    map[string]bool
	prefixes []string
}

func newSelection(sys, attrs []string) selection {
	var sel selection
	for _, n := range sys {
		if n == sysAll {
			sel.sysAll = true
			continue
		}
		if sel.sys == nil {
			sel.sys = map[string]bool{}
		}
		sel.sys[n] = true
	}
	for _, n := range attrs {
		switch {
		case n == "All" || n == ".*":
			sel.attrsAll = true
		case strings.HasSuffix(n, ".*"):
			sel.prefixes = append(sel.prefixes, strings.TrimSuffix(n, ".*"))
		default:
			if sel.names == nil {
				sel.names = map[string]bool{}
			}
			sel.names[n] = true
		}
	}
	return sel
}

func (sel *selection) wantSys(name string) bool { return sel.sysAll || sel.sys[name] }

func (sel *selection) wantsAttrs() bool {
	return sel.attrsAll || len(sel.names) > 0 || len(sel.prefixes) > 0
}

func (sel *selection) wantAttr(name string) bool {
	if sel.attrsAll || sel.names[name] {
		return true
	}
	for _, p := range sel.prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// receiveOutput renders received rows.
func (s *Service) receiveOutput(q *queue, rows []row, sel selection) receiveMessageOutput {
	out := receiveMessageOutput{Messages: make([]message, 0, len(rows))}
	for i := range rows {
		out.Messages = append(out.Messages, s.renderMessage(q, &rows[i], sel))
	}
	return out
}

func (s *Service) renderMessage(q *queue, r *row, sel selection) message {
	m := message{MessageID: r.messageID, ReceiptHandle: encodeReceipt(q.id, r.seq, r.receipt), MD5OfBody: r.md5Body, Body: r.body}
	if sel.sysAll || len(sel.sys) > 0 {
		a := map[string]string{}
		put := func(name, v string) {
			if sel.wantSys(name) {
				a[name] = v
			}
		}
		put(sysSenderID, r.sender)
		put(sysSentTimestamp, strconv.FormatInt(r.sentMS, 10))
		put(sysReceiveCount, strconv.Itoa(r.receives))
		put(sysFirstReceive, strconv.FormatInt(r.firstMS, 10))
		if r.group.Valid {
			put(sysGroupID, r.group.String)
		}
		if q.fifo {
			put(sysDedupID, r.dedup.String)
			put(sysSequenceNumber, sequenceNumber(r.seq))
		}
		if r.dlqSource.Valid {
			put(sysDLQSourceArn, r.dlqSource.String)
		}
		if len(r.sys) > 0 && sel.wantSys(sysTraceHeader) {
			var sys map[string]attrValue
			if json.Unmarshal(r.sys, &sys) == nil {
				if v, ok := sys[sysTraceHeader]; ok && v.StringValue != nil {
					a[sysTraceHeader] = *v.StringValue
				}
			}
		}
		m.Attributes = a
	}
	if len(r.attrs) > 0 && sel.wantsAttrs() {
		var attrs map[string]attrValue
		if json.Unmarshal(r.attrs, &attrs) == nil {
			picked := make(map[string]attrValue, len(attrs))
			for k, v := range attrs {
				if sel.wantAttr(k) {
					picked[k] = v
				}
			}
			if len(picked) > 0 {
				m.MessageAttributes = picked
				m.MD5OfMessageAttributes = md5OfAttributes(picked)
			}
		}
	}
	return m
}

// FIFO receive attempts (ReceiveRequestAttemptId): a retried receive with
// the same id within 5 minutes returns the same messages and receipt
// handles while they are still in flight. Kept in memory.

type attemptKey struct {
	queueID int64
	id      string
}

type attempt struct {
	seqs     []int64
	receipts []uint64
	expires  time.Time
}

type attempts struct {
	mu sync.Mutex
	m  map[attemptKey]attempt
}

func (a *attempts) remember(queueID int64, id string, rows []row, now time.Time) {
	at := attempt{expires: now.Add(dedupInterval)}
	for _, r := range rows {
		at.seqs = append(at.seqs, r.seq)
		at.receipts = append(at.receipts, r.receipt)
	}
	a.mu.Lock()
	a.m[attemptKey{queueID, id}] = at
	a.mu.Unlock()
}

func (a *attempts) get(queueID int64, id string, now time.Time) (attempt, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	at, ok := a.m[attemptKey{queueID, id}]
	if ok && !now.Before(at.expires) {
		delete(a.m, attemptKey{queueID, id})
		return attempt{}, false
	}
	return at, ok
}

func (a *attempts) expire(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, at := range a.m {
		if !now.Before(at.expires) {
			delete(a.m, k)
		}
	}
}

// replayAttempt returns the messages of an earlier receive with the same
// attempt id if they are all still in flight under the same receipts.
func (s *Service) replayAttempt(ctx context.Context, tx *sql.Tx, q *queue, id string, now int64) ([]row, bool, error) {
	at, ok := s.attempts.get(q.id, id, s.now())
	if !ok {
		return nil, false, nil
	}
	rows, err := s.rowsBySeq(ctx, tx, at.seqs)
	if err != nil {
		return nil, false, err
	}
	if len(rows) != len(at.seqs) {
		return nil, false, nil
	}
	for i, r := range rows {
		if r.receipt != at.receipts[i] || r.visibleMS <= now {
			return nil, false, nil
		}
	}
	return rows, true, nil
}

// Long-polling notifications: one channel per queue with waiters, closed
// (and forgotten) when something may have made a message receivable.

type waiters struct {
	mu sync.Mutex
	m  map[int64]*waiter
}

type waiter struct{ ch chan struct{} }

// channel returns the channel closed at the queue's next notification.
func (w *waiters) channel(queueID int64) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	x, ok := w.m[queueID]
	if !ok {
		x = &waiter{ch: make(chan struct{})}
		w.m[queueID] = x
	}
	return x.ch
}

// notify wakes the queue's waiters.
func (w *waiters) notify(queueID int64) {
	w.mu.Lock()
	if x, ok := w.m[queueID]; ok {
		close(x.ch)
		delete(w.m, queueID)
	}
	w.mu.Unlock()
}
