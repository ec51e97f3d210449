package s3

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// migrations create the service's tables in the shared database. Append
// new steps; never edit a released one.
var migrations = []string{
	`CREATE TABLE s3_buckets (
		name        TEXT PRIMARY KEY,
		region      TEXT NOT NULL,
		created     INTEGER NOT NULL, -- unix milliseconds
		object_lock INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID;
	CREATE TABLE s3_bucket_configs (
		bucket TEXT NOT NULL REFERENCES s3_buckets (name) ON DELETE CASCADE,
		name   TEXT NOT NULL, -- the subresource: tagging, policy, versioning, ...
		body   BLOB NOT NULL,
		PRIMARY KEY (bucket, name)
	) WITHOUT ROWID;
	CREATE TABLE s3_objects (
		bucket       TEXT NOT NULL REFERENCES s3_buckets (name),
		key          TEXT NOT NULL,
		blob         TEXT NOT NULL, -- the content file's id
		size         INTEGER NOT NULL,
		etag         TEXT NOT NULL, -- unquoted
		modified     INTEGER NOT NULL, -- unix seconds
		content_type TEXT NOT NULL,
		checksum_alg TEXT NOT NULL,
		checksum     TEXT NOT NULL, -- base64, a FULL_OBJECT checksum
		class        TEXT NOT NULL, -- storage class, "" for STANDARD
		attrs        TEXT NOT NULL, -- JSON: headers, user metadata, tags
		PRIMARY KEY (bucket, key)
	) WITHOUT ROWID;
	CREATE TABLE s3_uploads (
		id      TEXT PRIMARY KEY,
		bucket  TEXT NOT NULL REFERENCES s3_buckets (name),
		key     TEXT NOT NULL,
		created INTEGER NOT NULL, -- unix milliseconds
		attrs   TEXT NOT NULL -- JSON: the object's future headers, metadata, tags
	) WITHOUT ROWID;
	CREATE INDEX s3_uploads_by_key ON s3_uploads (bucket, key, created);
	CREATE TABLE s3_parts (
		upload   TEXT NOT NULL REFERENCES s3_uploads (id) ON DELETE CASCADE,
		number   INTEGER NOT NULL,
		blob     TEXT NOT NULL,
		size     INTEGER NOT NULL,
		etag     TEXT NOT NULL,
		modified INTEGER NOT NULL,
		checksum TEXT NOT NULL, -- "ALG:base64" or ""
		PRIMARY KEY (upload, number)
	) WITHOUT ROWID;`,
}

// bucketRow is one bucket.
type bucketRow struct {
	Name       string
	Region     string
	Created    time.Time
	ObjectLock bool
}

// tag is one key/value tag.
type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// objAttrs are an object's properties beyond the indexed columns.
type objAttrs struct {
	// Headers are the stored representation headers, by canonical name:
	// Cache-Control, Content-Disposition, Content-Encoding,
	// Content-Language, Expires, X-Amz-Website-Redirect-Location.
	Headers map[string]string `json:"headers,omitempty"`
	// Meta is the user metadata, keys lower case.
	Meta map[string]string `json:"meta,omitempty"`
	Tags []tag             `json:"tags,omitempty"`
	// StorageClass of an upload in progress.
	StorageClass string `json:"storageClass,omitempty"`
	// ContentType of an upload in progress.
	ContentType string `json:"contentType,omitempty"`
	// ChecksumAlg of an upload in progress.
	ChecksumAlg string `json:"checksumAlg,omitempty"`
}

// objectRow is one object's metadata.
type objectRow struct {
	Bucket, Key string
	Blob        string
	Size        int64
	ETag        string // unquoted
	Modified    time.Time
	ContentType string
	ChecksumAlg string
	Checksum    string
	Class       string // "" for STANDARD
	Attrs       objAttrs
}

func (o *objectRow) quotedETag() string { return `"` + o.ETag + `"` }

func (s *Service) getBucket(ctx context.Context, name string) (bucketRow, error) {
	var b bucketRow
	var created int64
	err := s.comp.Read().QueryRowContext(ctx,
		`SELECT name, region, created, object_lock FROM s3_buckets WHERE name = ?`, name).
		Scan(&b.Name, &b.Region, &created, &b.ObjectLock)
	if errors.Is(err, sql.ErrNoRows) {
		return b, errNoSuchBucket(name)
	}
	if err != nil {
		return b, fmt.Errorf("read bucket: %w", err)
	}
	b.Created = time.UnixMilli(created).UTC()
	return b, nil
}

// bucketExists reports, inside a write transaction, whether name exists.
func bucketExists(tx *sql.Tx, name string) (bool, error) {
	var n int
	err := tx.QueryRow(`SELECT 1 FROM s3_buckets WHERE name = ?`, name).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s *Service) listBucketRows(ctx context.Context, prefix, after string, limit int) ([]bucketRow, error) {
	rows, err := s.comp.Read().QueryContext(ctx,
		`SELECT name, region, created, object_lock FROM s3_buckets WHERE name > ? AND substr(name, 1, ?) = ? ORDER BY name LIMIT ?`,
		after, len(prefix), prefix, limit)
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	defer rows.Close()
	var out []bucketRow
	for rows.Next() {
		var b bucketRow
		var created int64
		if err := rows.Scan(&b.Name, &b.Region, &created, &b.ObjectLock); err != nil {
			return nil, fmt.Errorf("list buckets: %w", err)
		}
		b.Created = time.UnixMilli(created).UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// getConfig returns a bucket's stored subresource document.
func (s *Service) getConfig(ctx context.Context, bucket, name string) ([]byte, bool, error) {
	var body []byte
	err := s.comp.Read().QueryRowContext(ctx,
		`SELECT body FROM s3_bucket_configs WHERE bucket = ? AND name = ?`, bucket, name).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read bucket %s: %w", name, err)
	}
	return body, true, nil
}

// setConfig stores (body non-nil) or deletes (body nil) a bucket
// subresource document.
func (s *Service) setConfig(ctx context.Context, bucket, name string, body []byte) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		ok, err := bucketExists(tx, bucket)
		if err != nil {
			return err
		}
		if !ok {
			return errNoSuchBucket(bucket)
		}
		if body == nil {
			_, err = tx.Exec(`DELETE FROM s3_bucket_configs WHERE bucket = ? AND name = ?`, bucket, name)
			return err
		}
		_, err = tx.Exec(`INSERT INTO s3_bucket_configs (bucket, name, body) VALUES (?, ?, ?)
			ON CONFLICT (bucket, name) DO UPDATE SET body = excluded.body`, bucket, name, body)
		return err
	})
}

const objectColumns = `bucket, key, blob, size, etag, modified, content_type, checksum_alg, checksum, class, attrs`

func scanObject(sc interface{ Scan(...any) error }) (objectRow, error) {
	var o objectRow
	var modified int64
	var attrs string
	if err := sc.Scan(&o.Bucket, &o.Key, &o.Blob, &o.Size, &o.ETag, &modified, &o.ContentType,
		&o.ChecksumAlg, &o.Checksum, &o.Class, &attrs); err != nil {
		return o, err
	}
	o.Modified = time.Unix(modified, 0).UTC()
	if attrs != "" && attrs != "{}" {
		if err := json.Unmarshal([]byte(attrs), &o.Attrs); err != nil {
			return o, fmt.Errorf("decode object attributes: %w", err)
		}
	}
	return o, nil
}

// getObjectRow returns an object's metadata, or NoSuchBucket / NoSuchKey.
func (s *Service) getObjectRow(ctx context.Context, bucket, key string) (objectRow, error) {
	o, err := scanObject(s.comp.Read().QueryRowContext(ctx,
		`SELECT `+objectColumns+` FROM s3_objects WHERE bucket = ? AND key = ?`, bucket, key))
	if errors.Is(err, sql.ErrNoRows) {
		if _, berr := s.getBucket(ctx, bucket); berr != nil {
			return o, berr
		}
		return o, errNoSuchKey(key)
	}
	if err != nil {
		return o, fmt.Errorf("read object: %w", err)
	}
	return o, nil
}

func attrsJSON(a *objAttrs) string {
	b, _ := json.Marshal(a) // plain maps and strings: cannot fail
	return string(b)
}

// writeCond is a conditional write's precondition on the object a PUT
// replaces: IfMatch its ETag (quoted or not), IfNoneMatch "*" (no object).
type writeCond struct {
	IfMatch     string
	IfNoneMatch string
}

// insertObject commits o, replacing any object under its key, and returns
// the replaced object's blob ("" if none). The bucket must still exist and
// cond must hold.
func insertObject(tx *sql.Tx, o *objectRow, cond writeCond) (string, error) {
	ok, err := bucketExists(tx, o.Bucket)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errNoSuchBucket(o.Bucket)
	}
	var old, oldETag string
	err = tx.QueryRow(`SELECT blob, etag FROM s3_objects WHERE bucket = ? AND key = ?`, o.Bucket, o.Key).Scan(&old, &oldETag)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if cond.IfMatch != "" {
			return "", errNoSuchKey(o.Key)
		}
	case err != nil:
		return "", err
	default:
		if cond.IfNoneMatch != "" {
			return "", errPrecondition("If-None-Match")
		}
		if cond.IfMatch != "" && !etagMatches(cond.IfMatch, oldETag) {
			return "", errPrecondition("If-Match")
		}
	}
	_, err = tx.Exec(`INSERT INTO s3_objects (`+objectColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (bucket, key) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag,
			modified = excluded.modified, content_type = excluded.content_type, checksum_alg = excluded.checksum_alg,
			checksum = excluded.checksum, class = excluded.class, attrs = excluded.attrs`,
		o.Bucket, o.Key, o.Blob, o.Size, o.ETag, o.Modified.Unix(), o.ContentType, o.ChecksumAlg, o.Checksum, o.Class, attrsJSON(&o.Attrs))
	if err != nil {
		return "", err
	}
	return old, nil
}

// deleteObjectRow removes an object and returns its blob ("" if there was
// none).
func deleteObjectRow(tx *sql.Tx, bucket, key string) (string, error) {
	var blob string
	err := tx.QueryRow(`DELETE FROM s3_objects WHERE bucket = ? AND key = ? RETURNING blob`, bucket, key).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return blob, err
}

// listedObject is what a listing shows of an object.
type listedObject struct {
	Key         string
	Size        int64
	ETag        string
	Modified    time.Time
	ChecksumAlg string
	Class       string
}

// scanKeys returns up to limit objects of bucket from key from on
// (inclusive or not), in key order.
func (s *Service) scanKeys(ctx context.Context, bucket, from string, inclusive bool, limit int) ([]listedObject, error) {
	q := `SELECT key, size, etag, modified, checksum_alg, class FROM s3_objects WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?`
	if inclusive {
		q = `SELECT key, size, etag, modified, checksum_alg, class FROM s3_objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?`
	}
	rows, err := s.comp.Read().QueryContext(ctx, q, bucket, from, limit)
	if err != nil {
		return nil, fmt.Errorf("list objects: %w", err)
	}
	defer rows.Close()
	out := make([]listedObject, 0, min(limit, 64))
	for rows.Next() {
		var o listedObject
		var modified int64
		if err := rows.Scan(&o.Key, &o.Size, &o.ETag, &modified, &o.ChecksumAlg, &o.Class); err != nil {
			return nil, fmt.Errorf("list objects: %w", err)
		}
		o.Modified = time.Unix(modified, 0).UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// referencedBlobs returns every blob a row refers to.
func (s *Service) referencedBlobs(ctx context.Context) (map[string]struct{}, error) {
	rows, err := s.comp.Read().QueryContext(ctx, `SELECT blob FROM s3_objects UNION ALL SELECT blob FROM s3_parts`)
	if err != nil {
		return nil, fmt.Errorf("list object files: %w", err)
	}
	defer rows.Close()
	set := map[string]struct{}{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list object files: %w", err)
		}
		set[id] = struct{}{}
	}
	return set, rows.Err()
}
