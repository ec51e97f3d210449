package sqs

import (
	"context"
	"database/sql"
	"strings"
)

// The service's SQL statements. New prepares them once (the writes on the
// writer connection, the reads on the read pool), so SQLite does not parse
// them again at every request. A LIMIT takes "+?", not "?": SQLite plans a
// LIMIT of a bare parameter for its bound value and prepares the statement
// again whenever the value changes (MaxNumberOfMessages does); the plans
// are index ranges whatever the limit.
const (
	sqlInsertQueue = `INSERT INTO sqs_queues (name, attrs, tags, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?)`
	sqlUpdateQueue = `UPDATE sqs_queues SET attrs = ?, tags = ?, modified_ms = ?, purged_ms = ? WHERE id = ?`
	sqlPurgedQueue = `UPDATE sqs_queues SET purged_ms = ? WHERE id = ?`
	sqlDeleteQueue = `DELETE FROM sqs_queues WHERE id = ?`

	sqlDeleteQueueMessages = `DELETE FROM sqs_messages WHERE queue_id = ?`
	sqlDeleteQueueDedup    = `DELETE FROM sqs_dedup WHERE queue_id = ?`
	sqlExpireMessages      = `DELETE FROM sqs_messages WHERE queue_id = ? AND sent_ms <= ?`
	sqlExpireDedup         = `DELETE FROM sqs_dedup WHERE queue_id = ? AND expires_ms <= ?`

	sqlFindDuplicate = `SELECT message_id, seq FROM sqs_dedup WHERE queue_id = ? AND key = ? AND expires_ms > ?`
	sqlInsertMessage = `INSERT INTO sqs_messages
		(queue_id, message_id, body, attrs, sys_attrs, md5_body, group_id, dedup_id, sender_id, sent_ms, visible_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlRecordDedup = `INSERT OR REPLACE INTO sqs_dedup (queue_id, key, expires_ms, message_id, seq) VALUES (?, ?, ?, ?, ?)`

	sqlDeleteMessage = `DELETE FROM sqs_messages WHERE seq = ? AND queue_id = ? AND receipt = ? AND visible_ms > ?`
	sqlMessageExists = `SELECT 1 FROM sqs_messages WHERE seq = ? AND queue_id = ?`
	sqlSetVisibility = `UPDATE sqs_messages SET visible_ms = ? WHERE seq = ? AND queue_id = ? AND receipt = ?`

	// sqlReceiveStandard receives up to ?5 visible messages, earliest
	// visible first; the receipt nonce is positive (SQLite integers are
	// signed), never 0.
	sqlReceiveStandard = `UPDATE sqs_messages SET receives = receives + 1,
			first_receive_ms = CASE first_receive_ms WHEN 0 THEN ?1 ELSE first_receive_ms END,
			visible_ms = ?2, receipt = (random() & 9223372036854775807) | 1
		WHERE seq IN (SELECT seq FROM sqs_messages WHERE queue_id = ?3 AND visible_ms <= ?1 AND sent_ms > ?4
			ORDER BY visible_ms, seq LIMIT +?5)
		RETURNING ` + rowColumns
	sqlRedriveStandard = `UPDATE sqs_messages SET queue_id = ?, visible_ms = ?, dlq_source = ?
			WHERE seq IN (SELECT seq FROM sqs_messages WHERE queue_id = ? AND visible_ms <= ? AND sent_ms > ? AND receives >= ?
			ORDER BY visible_ms, seq LIMIT +?)`
	sqlRedriveMessage = `UPDATE sqs_messages SET queue_id = ?, visible_ms = ?, dlq_source = ? WHERE seq = ?`
	sqlReceiveMessage = `UPDATE sqs_messages SET receives = ?, first_receive_ms = ?, visible_ms = ?, receipt = ? WHERE seq = ?`
	sqlGroupsInFlight = `SELECT DISTINCT group_id FROM sqs_messages WHERE queue_id = ? AND visible_ms > ? AND receives > 0`
	sqlQueueOrder     = `SELECT seq, group_id, visible_ms, sent_ms FROM sqs_messages WHERE queue_id = ? ORDER BY seq`

	sqlNextVisible   = `SELECT MIN(visible_ms) FROM sqs_messages WHERE queue_id = ? AND visible_ms > ?`
	sqlCountMessages = `SELECT
			SUM(visible_ms <= ?1),
			SUM(visible_ms > ?1 AND receives > 0),
			SUM(visible_ms > ?1 AND receives = 0)
		FROM sqs_messages WHERE queue_id = ?2 AND sent_ms > ?3`
	sqlPeek = `SELECT ` + rowColumns + ` FROM sqs_messages WHERE queue_id = ? AND sent_ms > ?
		ORDER BY seq LIMIT +?`
)

// sqlRowsBySeq reads up to maxReceive messages by seq: the unused
// parameters are NULL, which no seq equals.
var sqlRowsBySeq = `SELECT ` + rowColumns + ` FROM sqs_messages WHERE seq IN (?` + strings.Repeat(", ?", maxReceive-1) + `)`

// writeQueries run in write transactions; New prepares them on the writer.
var writeQueries = []string{
	sqlInsertQueue, sqlUpdateQueue, sqlPurgedQueue, sqlDeleteQueue,
	sqlDeleteQueueMessages, sqlDeleteQueueDedup, sqlExpireMessages, sqlExpireDedup,
	sqlFindDuplicate, sqlInsertMessage, sqlRecordDedup,
	sqlDeleteMessage, sqlMessageExists, sqlSetVisibility,
	sqlReceiveStandard, sqlRedriveStandard, sqlRedriveMessage, sqlReceiveMessage,
	sqlGroupsInFlight, sqlQueueOrder, sqlRowsBySeq,
}

// readQueries run on the read pool; New prepares them there.
var readQueries = []string{sqlNextVisible, sqlCountMessages, sqlPeek}

// prepareStatements prepares the service's statements.
func (s *Service) prepareStatements(ctx context.Context) error {
	if err := s.comp.Prepare(ctx, writeQueries...); err != nil {
		return err
	}
	return s.comp.PrepareRead(ctx, readQueries...)
}

// exec runs query, prepared, with args in the write transaction tx.
func (s *Service) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.comp.Stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// query runs query, prepared, with args in the write transaction tx.
func (s *Service) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := s.comp.Stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// scanRow runs query, prepared, with args in the write transaction tx and
// scans its one row into dest (sql.ErrNoRows when there is none).
func (s *Service) scanRow(ctx context.Context, tx *sql.Tx, query string, args []any, dest ...any) error {
	st, err := s.comp.Stmt(ctx, tx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}
