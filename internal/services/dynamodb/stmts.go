package dynamodb

import (
	"context"
	"database/sql"

	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// The service's SQL statements of fixed text. New prepares them once (the
// writes on the writer connection, the reads on the read pool), so SQLite
// does not parse them again at every request. Query and Scan build theirs
// from a small set of shapes (sqlQuery.sql); the read pool prepares each
// shape the first time it runs.
const (
	sqlGetItem = `SELECT item FROM dynamodb_items WHERE tid = ? AND h = ? AND pk = ? AND sk = ?`
	sqlPutItem = `INSERT INTO dynamodb_items (tid, h, pk, sk, item, size, expires) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tid, h, pk, sk) DO UPDATE SET item = excluded.item, size = excluded.size, expires = excluded.expires`
	sqlDeleteItem = `DELETE FROM dynamodb_items WHERE tid = ? AND h = ? AND pk = ? AND sk = ?`
	sqlPutEntry   = `INSERT INTO dynamodb_index_items (tid, idx, h, ipk, isk, bh, pk, sk, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tid, idx, h, ipk, isk, pk, sk) DO UPDATE SET size = excluded.size`
	sqlDeleteEntry = `DELETE FROM dynamodb_index_items WHERE tid = ? AND idx = ? AND h = ? AND ipk = ? AND isk = ? AND pk = ? AND sk = ?`

	sqlGetToken = `SELECT hash, created FROM dynamodb_tokens WHERE token = ?`
	sqlPutToken = `INSERT INTO dynamodb_tokens (token, hash, created) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET hash = excluded.hash, created = excluded.created`
	sqlExpireTokens = `DELETE FROM dynamodb_tokens WHERE created < ?`
	sqlExpiredItems = `SELECT h, pk, sk FROM dynamodb_items WHERE tid = ? AND expires IS NOT NULL AND expires <= ? AND expires > ? LIMIT 100`

	sqlSaveMeta = `INSERT INTO dynamodb_tables (name, num, meta) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET meta = excluded.meta`
	sqlTableItems        = `SELECT h, pk, sk, item, size FROM dynamodb_items WHERE tid = ?`
	sqlClearExpiry       = `UPDATE dynamodb_items SET expires = NULL WHERE tid = ? AND expires IS NOT NULL`
	sqlSetExpiry         = `UPDATE dynamodb_items SET expires = ? WHERE tid = ? AND h = ? AND pk = ? AND sk = ?`
	sqlDropIndex         = `DELETE FROM dynamodb_index_items WHERE tid = ? AND idx = ?`
	sqlDeleteTableItems  = `DELETE FROM dynamodb_items WHERE tid = ?`
	sqlDeleteTableIndex  = `DELETE FROM dynamodb_index_items WHERE tid = ?`
	sqlDeleteTableMeta   = `DELETE FROM dynamodb_tables WHERE num = ?`
	sqlCountItems        = `SELECT count(*), coalesce(sum(size), 0) FROM dynamodb_items WHERE tid = ?`
	sqlCountIndexEntries = `SELECT idx, count(*), coalesce(sum(size), 0) FROM dynamodb_index_items WHERE tid = ? GROUP BY idx`
)

// writeQueries run in write transactions; New prepares them on the writer.
var writeQueries = []string{
	sqlGetItem, sqlPutItem, sqlDeleteItem, sqlPutEntry, sqlDeleteEntry,
	sqlGetToken, sqlPutToken, sqlExpireTokens, sqlExpiredItems,
	sqlSaveMeta, sqlTableItems, sqlClearExpiry, sqlSetExpiry, sqlDropIndex,
	sqlDeleteTableItems, sqlDeleteTableIndex, sqlDeleteTableMeta,
}

// readQueries run on the read pool (sqlGetItem also in TransactGetItems'
// read transaction); New prepares them there.
var readQueries = []string{sqlGetItem, sqlCountItems, sqlCountIndexEntries}

// prepare prepares the statements of fixed text.
func prepare(ctx context.Context, comp *sqlite.Component) error {
	if err := comp.Prepare(ctx, writeQueries...); err != nil {
		return err
	}
	return comp.PrepareRead(ctx, readQueries...)
}

// txn is a transaction that runs the prepared statements: the writer's in
// a write transaction, the read pool's in a read one (read is set).
type txn struct {
	tx   *sql.Tx
	comp *sqlite.Component
	read bool
}

// A transaction runs to its end once begun (the store's write
// transactions are not cancellable), as tx.Exec did.
var bg = context.Background()

// stmt returns query as a statement of t.
func (t txn) stmt(query string) (*sql.Stmt, error) {
	if t.read {
		return t.comp.ReadStmt(bg, t.tx, query)
	}
	return t.comp.Stmt(bg, t.tx, query)
}

// exec runs query with args.
func (t txn) exec(query string, args ...any) error {
	st, err := t.stmt(query)
	if err != nil {
		return err
	}
	_, err = st.Exec(args...)
	return err
}

// query runs query with args and returns its rows.
func (t txn) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.Query(args...)
}

// scanRow runs query, which returns at most one row, with args and scans
// its row into dest (sql.ErrNoRows when there is none).
func (t txn) scanRow(query string, args []any, dest ...any) error {
	st, err := t.stmt(query)
	if err != nil {
		return err
	}
	return st.QueryRow(args...).Scan(dest...)
}

// writeTx runs fn in one write transaction.
func (s *Service) writeTx(ctx context.Context, fn func(tx txn) error) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error { return fn(txn{tx: tx, comp: s.comp}) })
}
