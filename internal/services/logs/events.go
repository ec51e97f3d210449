package logs

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Log events.

const (
	maxBatchBytes   = 1_048_576 // PutLogEvents' and GetLogEvents' byte limits
	maxEventsPerGet = 10_000
	maxFutureAge    = 2 * time.Hour
	maxPastAge      = 14 * 24 * time.Hour
	maxBatchSpan    = 24 * time.Hour
	dayMS           = int64(24 * time.Hour / time.Millisecond)
	// filterScanLimit bounds the events one FilterLogEvents call looks at;
	// past it the call returns what it found and a nextToken, as AWS does.
	filterScanLimit = 200_000
)

// Event is one log event to Append.
type Event struct {
	// Timestamp is when the event happened (stored in milliseconds).
	Timestamp time.Time
	// Message is the event's text.
	Message string
}

// Append writes events to a stream of a group, creating the group and the
// stream when they do not exist (as Lambda and Step Functions log
// delivery does). Events are stored as given, without PutLogEvents' age
// and order checks. It is the in-process entry point for other Stepflow
// services.
func (s *Service) Append(ctx context.Context, groupName, streamName string, events []Event) error {
	if groupName == "" || streamName == "" {
		return errors.New("append log events: group and stream names are required")
	}
	now := s.cfg.Now().UnixMilli()
	batch := make([]rawEvent, len(events))
	for i, e := range events {
		batch[i] = rawEvent{ts: e.Timestamp.UnixMilli(), msg: e.Message}
	}
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		var groupID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM logs_groups WHERE name = ?`, groupName).Scan(&groupID)
		if errors.Is(err, sql.ErrNoRows) {
			res, err := tx.ExecContext(ctx, `INSERT INTO logs_groups (name, created_ms) VALUES (?, ?)`, groupName, now)
			if err != nil {
				return err
			}
			groupID, err = res.LastInsertId()
			if err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		var streamID int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM logs_streams WHERE group_id = ? AND name = ?`, groupID, streamName).Scan(&streamID)
		if errors.Is(err, sql.ErrNoRows) {
			if streamID, err = createStream(ctx, tx, groupID, streamName, now); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		return insertEvents(ctx, tx, groupID, streamID, batch, now)
	})
	if err != nil {
		return fmt.Errorf("append log events to %s/%s: %w", groupName, streamName, err)
	}
	return nil
}

// insertChunk is the number of events per INSERT statement (5 parameters
// each, well under SQLite's limit of 32,766).
const insertChunk = 500

// fullInsert is the INSERT text for a full chunk.
var fullInsert = buildInsert(insertChunk)

func insertQuery(n int) string {
	if n == insertChunk {
		return fullInsert
	}
	return buildInsert(n)
}

func buildInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO logs_events (stream_id, group_id, ts_ms, ingest_ms, message) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?)")
	}
	return b.String()
}

type rawEvent struct {
	ts  int64
	msg string
}

// insertEvents stores a batch and updates the stream's statistics.
func insertEvents(ctx context.Context, tx *sql.Tx, groupID, streamID int64, batch []rawEvent, nowMS int64) error {
	if len(batch) == 0 {
		return nil
	}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	var size int64
	// Multi-row INSERTs: far fewer statement executions than one per
	// event.
	args := make([]any, 0, 5*min(len(batch), insertChunk))
	for start := 0; start < len(batch); start += insertChunk {
		chunk := batch[start:min(start+insertChunk, len(batch))]
		args = args[:0]
		for _, e := range chunk {
			args = append(args, streamID, groupID, e.ts, nowMS, e.msg)
			first, last = min(first, e.ts), max(last, e.ts)
			size += int64(len(e.msg) + eventOverhead)
		}
		if _, err := tx.ExecContext(ctx, insertQuery(len(chunk)), args...); err != nil {
			return fmt.Errorf("insert log events: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE logs_streams SET
			first_event_ms = CASE WHEN first_event_ms = 0 OR first_event_ms > ? THEN ? ELSE first_event_ms END,
			last_event_ms = max(last_event_ms, ?), last_ingest_ms = ?, stored_bytes = stored_bytes + ?, upload_seq = upload_seq + 1
		WHERE id = ?`, first, first, last, nowMS, size, streamID)
	if err != nil {
		return fmt.Errorf("update log stream: %w", err)
	}
	return nil
}

func (s *Service) putLogEvents(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
		LogEvents     []struct {
			Timestamp int64  `json:"timestamp"`
			Message   string `json:"message"`
		} `json:"logEvents"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	size := 0
	for i, e := range in.LogEvents {
		if i > 0 && e.Timestamp < in.LogEvents[i-1].Timestamp {
			return nil, errInvalid("Log events in a single PutLogEvents request must be in chronological order.")
		}
		size += len(e.Message) + eventOverhead
	}
	if size > maxBatchBytes {
		return nil, errInvalid(fmt.Sprintf("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes))
	}
	if n := len(in.LogEvents); n > 1 && in.LogEvents[n-1].Timestamp-in.LogEvents[0].Timestamp > maxBatchSpan.Milliseconds() {
		return nil, errInvalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	now := s.cfg.Now()
	nowMS := now.UnixMilli()
	type rejected struct {
		TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
		TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
		ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
	}
	out := struct {
		NextSequenceToken     string    `json:"nextSequenceToken"`
		RejectedLogEventsInfo *rejected `json:"rejectedLogEventsInfo,omitempty"`
	}{}
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		g, err := loadGroup(ctx, tx, in.LogGroupName)
		if err != nil {
			return err
		}
		st, err := loadStream(ctx, tx, g.id, in.LogStreamName)
		if err != nil {
			return err
		}
		tooOld := nowMS - maxPastAge.Milliseconds()
		tooNew := nowMS + maxFutureAge.Milliseconds()
		expired := int64(math.MinInt64)
		if g.retentionDays > 0 {
			expired = nowMS - int64(g.retentionDays)*dayMS
		}
		var rej rejected
		batch := make([]rawEvent, 0, len(in.LogEvents))
		for i, e := range in.LogEvents {
			switch {
			case e.Timestamp > tooNew:
				if rej.TooNewLogEventStartIndex == nil {
					rej.TooNewLogEventStartIndex = &i
				}
			case e.Timestamp < expired:
				rej.ExpiredLogEventEndIndex = &i
			case e.Timestamp < tooOld:
				rej.TooOldLogEventEndIndex = &i
			default:
				batch = append(batch, rawEvent{ts: e.Timestamp, msg: e.Message})
			}
		}
		if rej != (rejected{}) {
			out.RejectedLogEventsInfo = &rej
		}
		if err := insertEvents(ctx, tx, g.id, st.id, batch, nowMS); err != nil {
			return err
		}
		out.NextSequenceToken = sequenceToken(st.uploadSeq + 1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cursor is a position in a stream's or group's event order (timestamp,
// then ingestion order).
type cursor struct{ ts, id int64 }

// digits renders a cursor as the 56-digit numbers AWS uses for event IDs
// and tokens.
func (c cursor) digits() string {
	return fmt.Sprintf("%020d%020d%016d", c.ts, c.id, 0)
}

func (c cursor) token(dir byte) string { return string(dir) + "/" + c.digits() + "/s" }

// parseToken parses a GetLogEvents token "f/<digits>/s" or "b/<digits>/s".
func parseToken(tok string) (byte, cursor, bool) {
	if len(tok) < 2 || (tok[0] != 'f' && tok[0] != 'b') || tok[1] != '/' {
		return 0, cursor{}, false
	}
	d := strings.TrimSuffix(tok[2:], "/s")
	if len(d) != 56 {
		return 0, cursor{}, false
	}
	ts, ok1 := parseInt64(d[:20])
	id, ok2 := parseInt64(d[20:40])
	if !ok1 || !ok2 || ts < 0 || id < 0 || strings.Trim(d[40:], "0") != "" {
		return 0, cursor{}, false
	}
	return tok[0], cursor{ts, id}, true
}

type outputEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

func (s *Service) getLogEvents(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName       string `json:"logGroupName"`
		LogGroupIdentifier string `json:"logGroupIdentifier"`
		LogStreamName      string `json:"logStreamName"`
		StartTime          *int64 `json:"startTime"`
		EndTime            *int64 `json:"endTime"`
		NextToken          string `json:"nextToken"`
		Limit              int    `json:"limit"`
		StartFromHead      bool   `json:"startFromHead"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.groupNameOf(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	forward := in.StartFromHead
	var at cursor
	hasToken := in.NextToken != ""
	if hasToken {
		dir, c, ok := parseToken(in.NextToken)
		if !ok {
			return nil, errInvalid("The specified nextToken is invalid.")
		}
		forward, at = dir == 'f', c
	} else if !forward {
		at = cursor{math.MaxInt64, math.MaxInt64}
	}
	if in.Limit == 0 {
		in.Limit = maxEventsPerGet
	}
	start, end := timeRange(in.StartTime, in.EndTime)
	db := s.comp.Read()
	g, err := loadGroup(ctx, db, name)
	if err != nil {
		return nil, err
	}
	st, err := loadStream(ctx, db, g.id, in.LogStreamName)
	if err != nil {
		return nil, err
	}
	q := `SELECT id, ts_ms, ingest_ms, message FROM logs_events
		WHERE stream_id = ? AND (ts_ms, id) > (?, ?) AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id LIMIT ?`
	if !forward {
		q = `SELECT id, ts_ms, ingest_ms, message FROM logs_events
		WHERE stream_id = ? AND (ts_ms, id) < (?, ?) AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms DESC, id DESC LIMIT ?`
	}
	rows, err := db.QueryContext(ctx, q, st.id, at.ts, at.id, start, end, in.Limit)
	if err != nil {
		return nil, fmt.Errorf("get log events: %w", err)
	}
	defer rows.Close()
	events := make([]outputEvent, 0, 16)
	var cursors []cursor
	size := 0
	for rows.Next() {
		var c cursor
		var e outputEvent
		if err := rows.Scan(&c.id, &c.ts, &e.IngestionTime, &e.Message); err != nil {
			return nil, fmt.Errorf("get log events: %w", err)
		}
		e.Timestamp = c.ts
		size += len(e.Message) + eventOverhead
		if size > maxBatchBytes && len(events) > 0 {
			break
		}
		events = append(events, e)
		cursors = append(cursors, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get log events: %w", err)
	}
	if !forward {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
			cursors[i], cursors[j] = cursors[j], cursors[i]
		}
	}
	out := struct {
		Events            []outputEvent `json:"events"`
		NextForwardToken  string        `json:"nextForwardToken"`
		NextBackwardToken string        `json:"nextBackwardToken"`
	}{Events: events}
	switch {
	case len(events) > 0:
		out.NextForwardToken = cursors[len(cursors)-1].token('f')
		out.NextBackwardToken = cursors[0].token('b')
	case hasToken:
		// At the end (or the start): the same token again.
		out.NextForwardToken, out.NextBackwardToken = at.token('f'), at.token('b')
	default:
		out.NextForwardToken, out.NextBackwardToken = cursor{}.token('f'), cursor{}.token('b')
	}
	return out, nil
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

func (s *Service) filterLogEvents(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName        string   `json:"logGroupName"`
		LogGroupIdentifier  string   `json:"logGroupIdentifier"`
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		FilterPattern       string   `json:"filterPattern"`
		NextToken           string   `json:"nextToken"`
		Limit               int      `json:"limit"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.groupNameOf(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, errInvalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters: pass one of them.")
	}
	f, err := CompileFilter(in.FilterPattern)
	if err != nil {
		return nil, errInvalid("Invalid filter pattern: " + err.Error())
	}
	var at cursor
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		ts, id, ok := strings.Cut(string(raw), ":")
		a, ok1 := parseInt64(ts)
		b, ok2 := parseInt64(id)
		if err != nil || !ok || !ok1 || !ok2 {
			return nil, errInvalid("The specified nextToken is invalid: pass the nextToken of the previous response unchanged.")
		}
		at = cursor{a, b}
	} else {
		at = cursor{math.MinInt64, 0}
	}
	if in.Limit == 0 {
		in.Limit = maxEventsPerGet
	}
	start, end := timeRange(in.StartTime, in.EndTime)
	db := s.comp.Read()
	g, err := loadGroup(ctx, db, name)
	if err != nil {
		return nil, err
	}
	// The streams searched: by name, by prefix, or all of them.
	names := map[int64]string{}
	rows, err := db.QueryContext(ctx, `SELECT id, name FROM logs_streams WHERE group_id = ?`, g.id)
	if err != nil {
		return nil, fmt.Errorf("filter log events: %w", err)
	}
	wanted := map[string]bool{}
	for _, n := range in.LogStreamNames {
		wanted[n] = true
	}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("filter log events: %w", err)
		}
		if (len(wanted) == 0 || wanted[n]) && strings.HasPrefix(n, in.LogStreamNamePrefix) {
			names[id] = n
		}
	}
	rows.Close()
	out := struct {
		Events             []filteredEvent `json:"events"`
		SearchedLogStreams []struct{}      `json:"searchedLogStreams"`
		NextToken          string          `json:"nextToken,omitempty"`
	}{Events: []filteredEvent{}, SearchedLogStreams: []struct{}{}}
	if len(names) == 0 {
		return out, nil
	}
	rows, err = db.QueryContext(ctx, `SELECT id, stream_id, ts_ms, ingest_ms, message FROM logs_events
		WHERE group_id = ? AND (ts_ms, id) > (?, ?) AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id`,
		g.id, at.ts, at.id, start, end)
	if err != nil {
		return nil, fmt.Errorf("filter log events: %w", err)
	}
	defer rows.Close()
	scanned, size := 0, 0
	var last cursor
	for rows.Next() {
		var c cursor
		var streamID int64
		var e filteredEvent
		if err := rows.Scan(&c.id, &streamID, &c.ts, &e.IngestionTime, &e.Message); err != nil {
			return nil, fmt.Errorf("filter log events: %w", err)
		}
		scanned++
		n, ok := names[streamID]
		if ok && f.Match(e.Message) {
			size += len(e.Message) + eventOverhead
			if len(out.Events) == in.Limit || size > maxBatchBytes && len(out.Events) > 0 {
				out.NextToken = filterToken(last)
				break
			}
			e.LogStreamName, e.Timestamp, e.EventID = n, c.ts, c.digits()
			out.Events = append(out.Events, e)
		}
		last = c
		if scanned >= filterScanLimit {
			out.NextToken = filterToken(last)
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("filter log events: %w", err)
	}
	return out, nil
}

func filterToken(c cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.ts, 10) + ":" + strconv.FormatInt(c.id, 10)))
}

// Retention.

func (s *Service) sweepLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("logs_sweep_failed", "error", err)
			}
		}
	}
}

// Sweep deletes the events older than their group's retention (by the
// configured clock), in short transactions. The service runs it every
// SweepInterval; call it directly to sweep now.
func (s *Service) Sweep(ctx context.Context) error {
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT id, retention_days FROM logs_groups WHERE retention_days > 0`)
	if err != nil {
		return fmt.Errorf("sweep log events: %w", err)
	}
	type due struct {
		id   int64
		days int64
	}
	var groups []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.days); err != nil {
			rows.Close()
			return fmt.Errorf("sweep log events: %w", err)
		}
		groups = append(groups, d)
	}
	rows.Close()
	now := s.cfg.Now().UnixMilli()
	for _, g := range groups {
		cutoff := now - g.days*dayMS
		deleted := int64(0)
		for {
			var n int64
			err := s.comp.Write(ctx, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, `DELETE FROM logs_events WHERE id IN
					(SELECT id FROM logs_events WHERE group_id = ? AND ts_ms < ? LIMIT 5000)`, g.id, cutoff)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return fmt.Errorf("sweep log events: %w", err)
			}
			deleted += n
			if n < 5000 {
				break
			}
		}
		if deleted == 0 {
			continue
		}
		err := s.comp.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE logs_streams SET stored_bytes =
				(SELECT coalesce(sum(length(CAST(message AS BLOB)) + ?), 0) FROM logs_events WHERE stream_id = logs_streams.id)
				WHERE group_id = ?`, eventOverhead, g.id)
			return err
		})
		if err != nil {
			return fmt.Errorf("sweep log events: %w", err)
		}
	}
	return nil
}

// timeRange is the window of a read's optional StartTime and EndTime,
// unbounded on a side that is not set.
func timeRange(startTime, endTime *int64) (start, end int64) {
	start, end = math.MinInt64, math.MaxInt64
	if startTime != nil {
		start = *startTime
	}
	if endTime != nil {
		end = *endTime
	}
	return start, end
}
