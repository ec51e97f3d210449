package logs

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Log streams.

func (s *Service) createLogStream(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UnixMilli()
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		g, err := loadGroup(ctx, tx, in.LogGroupName)
		if err != nil {
			return err
		}
		_, err = createStream(ctx, tx, g.id, in.LogStreamName, now)
		return err
	})
}

// createStream inserts a stream; an existing one is
// ResourceAlreadyExistsException.
func createStream(ctx context.Context, tx *sql.Tx, groupID int64, name string, nowMS int64) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO logs_streams (group_id, name, created_ms) VALUES (?, ?, ?)
		ON CONFLICT (group_id, name) DO NOTHING`, groupID, name, nowMS)
	if err != nil {
		return 0, fmt.Errorf("create log stream: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, newErr(CodeResourceAlreadyExists, "The specified log stream already exists")
	}
	return res.LastInsertId()
}

func (s *Service) deleteLogStream(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		g, err := loadGroup(ctx, tx, in.LogGroupName)
		if err != nil {
			return err
		}
		st, err := loadStream(ctx, tx, g.id, in.LogStreamName)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM logs_events WHERE stream_id = ?`, st.id); err != nil {
			return fmt.Errorf("delete log events: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM logs_streams WHERE id = ?`, st.id); err != nil {
			return fmt.Errorf("delete log stream: %w", err)
		}
		return nil
	})
}

// streamOut is the LogStream shape; event times are left out until the
// stream has events.
type streamOut struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

func (s *Service) streamView(groupName string, st *stream) streamOut {
	return streamOut{
		LogStreamName: st.name, CreationTime: st.createdMS, FirstEventTimestamp: st.firstMS,
		LastEventTimestamp: st.lastMS, LastIngestionTime: st.ingest, UploadSequenceToken: sequenceToken(st.uploadSeq),
		Arn: s.groupARN(groupName) + ":log-stream:" + st.name, StoredBytes: st.storedBytes,
	}
}

// sequenceToken renders an upload sequence number as a token shaped like
// AWS's (a long decimal number). Tokens are no longer checked.
func sequenceToken(n int64) string {
	return "4963" + fmt.Sprintf("%052d", n)
}

func (s *Service) describeLogStreams(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName        string `json:"logGroupName"`
		LogGroupIdentifier  string `json:"logGroupIdentifier"`
		LogStreamNamePrefix string `json:"logStreamNamePrefix"`
		OrderBy             string `json:"orderBy"`
		Descending          bool   `json:"descending"`
		NextToken           string `json:"nextToken"`
		Limit               int    `json:"limit"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.groupNameOf(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	byTime := in.OrderBy == "LastEventTime"
	if byTime && in.LogStreamNamePrefix != "" {
		return nil, errInvalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	db := s.comp.Read()
	g, err := loadGroup(ctx, db, name)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+streamColumns+` FROM logs_streams WHERE group_id = ?`, g.id)
	if err != nil {
		return nil, fmt.Errorf("describe log streams: %w", err)
	}
	var all []*stream
	for rows.Next() {
		st, err := scanStream(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("describe log streams: %w", err)
		}
		if strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			all = append(all, st)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe log streams: %w", err)
	}
	// key orders the streams; the page token is the key of the last one
	// returned.
	key := func(st *stream) string { return st.name }
	if byTime {
		key = func(st *stream) string { return fmt.Sprintf("%020d", st.lastMS) + "/" + st.name }
	}
	sort.Slice(all, func(i, j int) bool {
		if in.Descending {
			return key(all[i]) > key(all[j])
		}
		return key(all[i]) < key(all[j])
	})
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(raw) == 0 {
			return nil, errInvalid("The specified nextToken is invalid: pass the nextToken of the previous response unchanged.")
		}
		after := string(raw)
		i := sort.Search(len(all), func(i int) bool {
			if in.Descending {
				return key(all[i]) < after
			}
			return key(all[i]) > after
		})
		all = all[i:]
	}
	out := struct {
		LogStreams []streamOut `json:"logStreams"`
		NextToken  string      `json:"nextToken,omitempty"`
	}{LogStreams: make([]streamOut, 0, min(len(all), in.Limit))}
	for i, st := range all {
		if i == in.Limit {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(key(all[i-1])))
			break
		}
		out.LogStreams = append(out.LogStreams, s.streamView(g.name, st))
	}
	return out, nil
}

// parseInt64 parses a decimal number; ok is false for anything else.
func parseInt64(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
