package dynamodb

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// migrations create the service's tables in the shared database. Append
// new steps; never edit a released one.
//
//   - dynamodb_tables: one row per table, its definition as JSON.
//   - dynamodb_items: items keyed by table number, a hash of the partition
//     key (scan order and parallel-scan segments), the partition key and
//     the sort key, both in the order-preserving encoding of attr.AppendKey
//     so that a Query is an index range; the item in attr's binary form.
//   - dynamodb_index_items: secondary index entries, keyed the same way by
//     the index key, pointing at the base item (bh, pk, sk).
//   - dynamodb_tokens: TransactWriteItems client request tokens.
var migrations = []string{
	`CREATE TABLE dynamodb_tables (
		name TEXT PRIMARY KEY,
		num INTEGER NOT NULL UNIQUE,
		meta TEXT NOT NULL
	)`,
	`CREATE TABLE dynamodb_items (
		tid INTEGER NOT NULL,
		h INTEGER NOT NULL,
		pk BLOB NOT NULL,
		sk BLOB NOT NULL,
		item BLOB NOT NULL,
		size INTEGER NOT NULL,
		expires INTEGER,
		PRIMARY KEY (tid, h, pk, sk)
	) WITHOUT ROWID`,
	`CREATE INDEX dynamodb_items_expires ON dynamodb_items (tid, expires) WHERE expires IS NOT NULL`,
	`CREATE TABLE dynamodb_index_items (
		tid INTEGER NOT NULL,
		idx INTEGER NOT NULL,
		h INTEGER NOT NULL,
		ipk BLOB NOT NULL,
		isk BLOB NOT NULL,
		bh INTEGER NOT NULL,
		pk BLOB NOT NULL,
		sk BLOB NOT NULL,
		size INTEGER NOT NULL,
		PRIMARY KEY (tid, idx, h, ipk, isk, pk, sk)
	) WITHOUT ROWID`,
	`CREATE TABLE dynamodb_tokens (
		token TEXT PRIMARY KEY,
		hash TEXT NOT NULL,
		created INTEGER NOT NULL
	)`,
}

// tableMeta is a table's definition, stored as JSON in dynamodb_tables.
type tableMeta struct {
	Name                 string
	Num                  int64
	ID                   string
	Created              time.Time
	AttributeDefinitions []AttributeDefinition
	KeySchema            []KeySchemaElement
	BillingMode          string
	BillingUpdated       time.Time `json:",omitzero"`
	Throughput           ProvisionedThroughput
	OnDemand             *OnDemandThroughput  `json:",omitempty"`
	Warm                 *WarmThroughput      `json:",omitempty"`
	GSIs                 []indexMeta          `json:",omitempty"`
	LSIs                 []indexMeta          `json:",omitempty"`
	Stream               *StreamSpecification `json:",omitempty"`
	StreamLabel          string               `json:",omitempty"`
	SSE                  *SSESpecification    `json:",omitempty"`
	TableClass           string               `json:",omitempty"`
	DeletionProtection   bool                 `json:",omitempty"`
	TTLAttribute         string               `json:",omitempty"`
	TTLEnabled           bool                 `json:",omitempty"`
	PITR                 bool                 `json:",omitempty"`
	PITRDays             int64                `json:",omitempty"`
	Contributor          bool                 `json:",omitempty"`
	Tags                 []Tag                `json:",omitempty"`
	NextIndexNum         int
}

// indexMeta is a secondary index's definition.
type indexMeta struct {
	Name       string
	Num        int
	KeySchema  []KeySchemaElement
	Projection Projection
	Throughput *ProvisionedThroughput `json:",omitempty"`
	OnDemand   *OnDemandThroughput    `json:",omitempty"`
	Warm       *WarmThroughput        `json:",omitempty"`
}

// table is a table's definition compiled for use. It is immutable: a
// change builds a new one.
type table struct {
	meta      tableMeta
	arn       string
	hashName  string
	rangeName string
	hashType  attr.Type
	rangeType attr.Type
	types     map[string]attr.Type
	indexes   []*index
	// deleted is set when DeleteTable commits; writes that find it set
	// answer ResourceNotFoundException.
	deleted *atomic.Bool
}

// index is a secondary index compiled for use.
type index struct {
	name      string
	num       int
	global    bool
	hashName  string
	rangeName string
	hashType  attr.Type
	rangeType attr.Type
	projType  string
	nonKey    []string
	meta      *indexMeta
}

// compile builds a table from its definition.
func (s *Service) compile(m tableMeta, deleted *atomic.Bool) *table {
	t := &table{meta: m, types: map[string]attr.Type{}, deleted: deleted}
	if t.deleted == nil {
		t.deleted = new(atomic.Bool)
	}
	t.arn = "arn:aws:dynamodb:" + s.cfg.Region + ":" + s.cfg.Account + ":table/" + m.Name
	for _, d := range m.AttributeDefinitions {
		t.types[d.AttributeName] = attr.ParseType(d.AttributeType)
	}
	t.hashName, t.rangeName = keyNames(m.KeySchema)
	t.hashType, t.rangeType = t.types[t.hashName], t.types[t.rangeName]
	add := func(im *indexMeta, global bool) {
		ix := &index{name: im.Name, num: im.Num, global: global, meta: im}
		ix.hashName, ix.rangeName = keyNames(im.KeySchema)
		ix.hashType, ix.rangeType = t.types[ix.hashName], t.types[ix.rangeName]
		ix.projType = im.Projection.ProjectionType
		ix.nonKey = im.Projection.NonKeyAttributes
		t.indexes = append(t.indexes, ix)
	}
	for i := range t.meta.GSIs {
		add(&t.meta.GSIs[i], true)
	}
	for i := range t.meta.LSIs {
		add(&t.meta.LSIs[i], false)
	}
	return t
}

func keyNames(ks []KeySchemaElement) (hash, rng string) {
	for _, k := range ks {
		if k.KeyType == "HASH" {
			hash = k.AttributeName
		} else {
			rng = k.AttributeName
		}
	}
	return hash, rng
}

func (t *table) index(name string) *index {
	for _, ix := range t.indexes {
		if ix.name == name {
			return ix
		}
	}
	return nil
}

// loadTables reads every table definition into the cache.
func (s *Service) loadTables(ctx context.Context) error {
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT meta FROM dynamodb_tables`)
	if err != nil {
		return fmt.Errorf("load tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return fmt.Errorf("load tables: %w", err)
		}
		var m tableMeta
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return fmt.Errorf("load tables: %w", err)
		}
		s.tables[m.Name] = s.compile(m, nil)
	}
	return rows.Err()
}

// saveMeta writes a table's definition in tx.
func saveMeta(tx txn, m *tableMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.exec(sqlSaveMeta, m.Name, m.Num, string(b))
}

// itemKey is an item's primary key in storage form.
type itemKey struct {
	h      int64
	pk, sk []byte
}

// nonNil makes a scanned BLOB column non-nil: SQLite hands back an empty
// BLOB as nil, which would bind as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// hashKey is the scan-order hash of an encoded partition key.
func hashKey(pk []byte) int64 {
	f := fnv.New32a()
	_, _ = f.Write(pk)
	return int64(f.Sum32())
}

// storageKey encodes the primary key of an item whose key attributes have
// been validated.
func (t *table) storageKey(item attr.Item) itemKey {
	pk := attr.AppendKey(make([]byte, 0, 32), item[t.hashName])
	sk := []byte{}
	if t.rangeName != "" {
		sk = attr.AppendKey(sk, item[t.rangeName])
	}
	return itemKey{h: hashKey(pk), pk: pk, sk: sk}
}

// indexEntry is an item's entry in a secondary index.
type indexEntry struct {
	h        int64
	ipk, isk []byte
}

// entry returns the item's index entry; ok is false when the item lacks
// the index's key attributes (sparse indexes) or has them with another
// type.
func (ix *index) entry(item attr.Item, base itemKey) (indexEntry, bool) {
	hv, ok := item[ix.hashName]
	if !ok || hv.T != ix.hashType {
		return indexEntry{}, false
	}
	e := indexEntry{isk: []byte{}}
	if ix.global {
		e.ipk = attr.AppendKey(nil, hv)
		e.h = hashKey(e.ipk)
	} else {
		e.ipk, e.h = base.pk, base.h
	}
	if ix.rangeName != "" {
		rv, ok := item[ix.rangeName]
		if !ok || rv.T != ix.rangeType {
			return indexEntry{}, false
		}
		e.isk = attr.AppendKey(e.isk, rv)
	}
	return e, true
}
