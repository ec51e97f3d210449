package s3

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// maxKeyLen is the longest object key, in bytes.
const maxKeyLen = 1024

// maxMetaSize bounds the user metadata (keys and values, in bytes).
const maxMetaSize = 2048

func checkKey(key string) error {
	if len(key) > maxKeyLen {
		return newErr("KeyTooLongError").with("Size", itoa(int64(len(key)))).with("MaxSizeAllowed", itoa(maxKeyLen))
	}
	if key == "" {
		return errInvalidArgument("Key must not be empty", "key", key)
	}
	if !utf8.ValidString(key) {
		return errMsg("InvalidURI", "Couldn't parse the specified URI.")
	}
	return nil
}

// storageClasses are the x-amz-storage-class values S3 accepts.
var storageClasses = []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
	"GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE"}

// storedHeaders are the request headers an object keeps and returns.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires",
	"X-Amz-Website-Redirect-Location", "X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"}

// objectProps are a new object's properties beyond its content.
type objectProps struct {
	ContentType string
	Headers     map[string]string
	Meta        map[string]string
	Tags        []tag
	Class       string // "" for STANDARD
}

// defaultContentType is what S3 stores when a PUT names none.
const defaultContentType = "binary/octet-stream"

// propsFromHeaders reads an object's properties from a PUT, copy (with
// REPLACE) or CreateMultipartUpload request.
func propsFromHeaders(h http.Header) (objectProps, error) {
	p := objectProps{ContentType: h.Get("Content-Type")}
	if p.ContentType == "" {
		p.ContentType = defaultContentType
	}
	for _, name := range storedHeaders {
		v := h.Get(name)
		if name == "Content-Encoding" {
			v = stripAWSChunked(v)
		}
		if v != "" {
			if p.Headers == nil {
				p.Headers = map[string]string{}
			}
			p.Headers[name] = v
		}
	}
	size := 0
	for k, vs := range h {
		if len(k) > len("X-Amz-Meta-") && strings.EqualFold(k[:len("X-Amz-Meta-")], "X-Amz-Meta-") {
			if p.Meta == nil {
				p.Meta = map[string]string{}
			}
			name := strings.ToLower(k[len("X-Amz-Meta-"):])
			v := strings.Join(vs, ",")
			p.Meta[name] = v
			size += len(name) + len(v)
		}
	}
	if size > maxMetaSize {
		return p, newErr("MetadataTooLarge").with("Size", itoa(int64(size))).with("MaxSizeAllowed", itoa(maxMetaSize))
	}
	if v := h.Get("X-Amz-Tagging"); v != "" {
		tags, err := parseTaggingHeader(v)
		if err != nil {
			return p, err
		}
		p.Tags = tags
	}
	if c := h.Get("X-Amz-Storage-Class"); c != "" {
		if !contains(storageClasses, c) {
			return p, newErr("InvalidStorageClass").with("StorageClassRequested", c)
		}
		if c != "STANDARD" {
			p.Class = c
		}
	}
	if sse := h.Get("X-Amz-Server-Side-Encryption"); sse != "" && sse != "AES256" && sse != "aws:kms" && sse != "aws:kms:dsse" {
		return p, errInvalidArgument("The encryption method specified is not supported", "x-amz-server-side-encryption", sse)
	}
	return p, nil
}

// stripAWSChunked removes the aws-chunked transfer coding from a
// Content-Encoding value (S3 does not store it).
func stripAWSChunked(v string) string {
	if !strings.Contains(v, "aws-chunked") {
		return v
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" && p != "aws-chunked" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ",")
}

// parseTaggingHeader reads x-amz-tagging: URL query encoded key=value
// pairs, keys unique.
func parseTaggingHeader(v string) ([]tag, error) {
	bad := errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", v)
	var tags []tag
	seen := map[string]bool{}
	for part := range strings.SplitSeq(v, "&") {
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil || seen[k] {
			return nil, bad
		}
		seen[k] = true
		tags = append(tags, tag{Key: k, Value: val})
	}
	if err := checkTags(tags, maxObjectTags); err != nil {
		return nil, err
	}
	return tags, nil
}

// putParams is one object write.
type putParams struct {
	Bucket, Key string
	// Length is the declared content length; -1 when unknown.
	Length   int64
	Check    bodyCheck
	Trailers func() map[string]string
	Props    objectProps
	Cond     writeCond
}

// putResult describes a stored object.
type putResult struct {
	ETag        string // unquoted
	ChecksumAlg string
	Checksum    string
	Size        int64
	Modified    time.Time
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// readError marks an error of the request body (as opposed to the disk).
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }

type bodyReaderErr struct{ r io.Reader }

func (b bodyReaderErr) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = readError{err}
	}
	return n, err
}

// content is what writeContent learned of the data it stored.
type content struct {
	size     int64
	md5      []byte
	alg      string
	checksum string
}

// writeContent streams body into dst, hashing it, and checks it against
// the request's length and digests: IncompleteBody, EntityTooLarge,
// BadDigest, XAmzContentSHA256Mismatch. Without a named checksum
// algorithm it computes CRC64NVME, as S3 does for every object.
func writeContent(dst io.Writer, body io.Reader, length, max int64, check bodyCheck, trailers func() map[string]string) (content, error) {
	var c content
	c.alg = check.alg
	if c.alg == "" {
		c.alg = algCRC64NVME
	}
	md5h := md5.New()
	ch := newChecksum(c.alg)
	ws := []io.Writer{dst, md5h, ch}
	var sh hash.Hash
	if check.sha256 != "" {
		sh = sha256.New()
		ws = append(ws, sh)
	}
	bp := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(ws...), io.LimitReader(bodyReaderErr{body}, max+1), *bp)
	copyBufs.Put(bp)
	c.size = n
	if err != nil {
		var re readError
		if errors.As(err, &re) {
			var ae *apiError
			if errors.As(re.err, &ae) {
				return c, ae
			}
			return c, newErr("IncompleteBody")
		}
		return c, fmt.Errorf("write object file: %w", err)
	}
	if n > max {
		return c, errTooLarge(n, max)
	}
	if length >= 0 && n != length {
		return c, newErr("IncompleteBody")
	}
	c.md5 = md5h.Sum(nil)
	if check.md5 != nil && string(check.md5) != string(c.md5) {
		return c, newErr("BadDigest").with("ExpectedDigest", hex.EncodeToString(check.md5)).
			with("CalculatedDigest", hex.EncodeToString(c.md5))
	}
	if sh != nil {
		if got := hex.EncodeToString(sh.Sum(nil)); got != check.sha256 {
			return c, xAmzContentSHA256Mismatch(check.sha256, got)
		}
	}
	c.checksum = b64(ch.Sum(nil))
	want := check.checksum
	if check.trailerName != "" && trailers != nil {
		if t := trailers()[check.trailerName]; t != "" {
			if !validChecksum(c.alg, t) {
				return c, errInvalidRequest("Value for " + check.trailerName + " trailing header is invalid.")
			}
			want = t
		}
	}
	if want != "" && want != c.checksum {
		return c, errBadChecksum(c.alg)
	}
	return c, nil
}

func errTooLarge(proposed, max int64) *apiError {
	return newErr("EntityTooLarge").with("ProposedSize", itoa(proposed)).with("MaxSizeAllowed", itoa(max))
}

// putObject stores an object: content first (durable), then its row.
func (s *Service) putObject(ctx context.Context, p *putParams, body io.Reader) (putResult, error) {
	if err := checkKey(p.Key); err != nil {
		return putResult{}, err
	}
	if _, err := s.getBucket(ctx, p.Bucket); err != nil {
		return putResult{}, err
	}
	if p.Length > s.cfg.MaxObjectSize {
		return putResult{}, errTooLarge(p.Length, s.cfg.MaxObjectSize)
	}
	w, err := s.blobs.create()
	if err != nil {
		return putResult{}, err
	}
	c, err := writeContent(w, body, p.Length, s.cfg.MaxObjectSize, p.Check, p.Trailers)
	if err != nil {
		w.abort()
		return putResult{}, err
	}
	id, err := w.commit()
	if err != nil {
		return putResult{}, err
	}
	row := objectRow{
		Bucket: p.Bucket, Key: p.Key, Blob: id, Size: c.size, ETag: hex.EncodeToString(c.md5),
		Modified: s.now().Truncate(time.Second).UTC(), ContentType: p.Props.ContentType,
		ChecksumAlg: c.alg, Checksum: c.checksum, Class: p.Props.Class,
		Attrs: objAttrs{Headers: p.Props.Headers, Meta: p.Props.Meta, Tags: p.Props.Tags},
	}
	if err := s.commitObject(ctx, &row, p.Cond); err != nil {
		return putResult{}, err
	}
	return putResult{ETag: row.ETag, ChecksumAlg: c.alg, Checksum: c.checksum, Size: c.size, Modified: row.Modified}, nil
}

// commitObject records row (whose blob is durable) and removes the blob it
// replaces; on failure it removes row's blob.
func (s *Service) commitObject(ctx context.Context, row *objectRow, cond writeCond) error {
	var old string
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		var err error
		old, err = insertObject(tx, row, cond)
		return err
	})
	if err != nil {
		s.blobs.remove(row.Blob)
		return err
	}
	if old != "" && old != row.Blob {
		s.blobs.remove(old)
	}
	return nil
}

// openObject returns an object's metadata and its open content. A
// concurrent overwrite may remove the file between the two reads; the
// lookup is then repeated.
func (s *Service) openObject(ctx context.Context, bucket, key string) (objectRow, *os.File, error) {
	for attempt := 0; ; attempt++ {
		o, err := s.getObjectRow(ctx, bucket, key)
		if err != nil {
			return o, nil, err
		}
		f, err := s.blobs.open(o.Blob)
		if err == nil {
			return o, f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt == 4 {
			return o, nil, fmt.Errorf("open object content: %w", err)
		}
	}
}

// deleteObjects removes keys of a bucket in one transaction and returns
// nothing but errors of the whole request (S3 deletes absent keys
// "successfully").
func (s *Service) deleteObjects(ctx context.Context, bucket string, keys []string) error {
	var blobs []string
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		blobs = blobs[:0]
		ok, err := bucketExists(tx, bucket)
		if err != nil {
			return err
		}
		if !ok {
			return errNoSuchBucket(bucket)
		}
		for _, k := range keys {
			b, err := deleteObjectRow(tx, bucket, k)
			if err != nil {
				return err
			}
			if b != "" {
				blobs = append(blobs, b)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.blobs.remove(blobs...)
	return nil
}

// updateAttrs changes a stored object's attributes with fn.
func (s *Service) updateAttrs(ctx context.Context, bucket, key string, fn func(*objAttrs)) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		var text string
		err := tx.QueryRow(`SELECT attrs FROM s3_objects WHERE bucket = ? AND key = ?`, bucket, key).Scan(&text)
		if errors.Is(err, sql.ErrNoRows) {
			if ok, err := bucketExists(tx, bucket); err != nil {
				return err
			} else if !ok {
				return errNoSuchBucket(bucket)
			}
			return errNoSuchKey(key)
		}
		if err != nil {
			return err
		}
		var a objAttrs
		if text != "" {
			if err := json.Unmarshal([]byte(text), &a); err != nil {
				return fmt.Errorf("decode object attributes: %w", err)
			}
		}
		fn(&a)
		_, err = tx.Exec(`UPDATE s3_objects SET attrs = ? WHERE bucket = ? AND key = ?`, attrsJSON(&a), bucket, key)
		return err
	})
}

// Conditions.

func errPrecondition(cond string) *apiError {
	return newErr("PreconditionFailed").with("Condition", cond)
}

// etagMatches reports whether an If-Match / If-None-Match list names etag
// (unquoted); "*" matches any.
func etagMatches(list, etag string) bool {
	list = strings.TrimSpace(list)
	if list == "*" {
		return true
	}
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		item = strings.TrimPrefix(item, "W/")
		item = strings.Trim(item, `"`)
		if item == etag {
			return true
		}
	}
	return false
}

// conditions are a read's preconditions.
type conditions struct {
	IfMatch, IfNoneMatch               string
	IfModifiedSince, IfUnmodifiedSince string
}

func conditionsOf(h http.Header) conditions {
	return conditions{IfMatch: h.Get("If-Match"), IfNoneMatch: h.Get("If-None-Match"),
		IfModifiedSince: h.Get("If-Modified-Since"), IfUnmodifiedSince: h.Get("If-Unmodified-Since")}
}

// check evaluates the preconditions in RFC 9110's order, as S3 does:
// If-Match (else If-Unmodified-Since) failing is PreconditionFailed;
// If-None-Match matching (else If-Modified-Since not modified) is
// NotModified.
func (c conditions) check(etag string, modified time.Time) error {
	if c.IfMatch != "" {
		if !etagMatches(c.IfMatch, etag) {
			return errPrecondition("If-Match")
		}
	} else if c.IfUnmodifiedSince != "" {
		if t, err := http.ParseTime(c.IfUnmodifiedSince); err == nil && modified.After(t) {
			return errPrecondition("If-Unmodified-Since")
		}
	}
	if c.IfNoneMatch != "" {
		if etagMatches(c.IfNoneMatch, etag) {
			return newErr("NotModified")
		}
	} else if c.IfModifiedSince != "" {
		if t, err := http.ParseTime(c.IfModifiedSince); err == nil && !modified.After(t) {
			return newErr("NotModified")
		}
	}
	return nil
}

// Wire operations on objects.

func (req *request) putObject() error {
	r := req.r
	check, err := bodyCheckOf(r)
	if err != nil {
		return err
	}
	length, err := decodedLength(r)
	if err != nil {
		return err
	}
	if length < 0 {
		return newErr("MissingContentLength")
	}
	props, err := propsFromHeaders(r.Header)
	if err != nil {
		return err
	}
	body, trailers := bodyReader(r)
	res, err := req.h.s.putObject(req.ctx, &putParams{
		Bucket: req.bucket, Key: req.key, Length: length, Check: check, Trailers: trailers, Props: props,
		Cond: writeCond{IfMatch: r.Header.Get("If-Match"), IfNoneMatch: r.Header.Get("If-None-Match")},
	}, body)
	if err != nil {
		return err
	}
	hdr := req.w.Header()
	hdr.Set("ETag", `"`+res.ETag+`"`)
	hdr.Set("x-amz-server-side-encryption", sseOf(props.Headers))
	if check.alg != "" {
		hdr.Set(checksumHeader(res.ChecksumAlg), res.Checksum)
		hdr.Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	req.writeEmpty(http.StatusOK)
	return nil
}

func sseOf(h map[string]string) string {
	if v := h["X-Amz-Server-Side-Encryption"]; v != "" {
		return v
	}
	return "AES256"
}

// objectHeaders sets the headers GetObject and HeadObject answer with.
func (req *request) objectHeaders(o *objectRow) {
	hdr := req.w.Header()
	hdr.Set("Last-Modified", httpTime(o.Modified))
	hdr.Set("ETag", o.quotedETag())
	hdr.Set("Accept-Ranges", "bytes")
	hdr.Set("Content-Type", o.ContentType)
	for k, v := range o.Attrs.Headers {
		hdr.Set(k, v)
	}
	if hdr.Get("X-Amz-Server-Side-Encryption") == "" {
		hdr.Set("x-amz-server-side-encryption", "AES256")
	}
	for k, v := range o.Attrs.Meta {
		hdr["x-amz-meta-"+k] = []string{v}
	}
	if n := len(o.Attrs.Tags); n > 0 {
		hdr.Set("x-amz-tagging-count", itoa(int64(n)))
	}
	if o.Class != "" {
		hdr.Set("x-amz-storage-class", o.Class)
	}
	q := req.q
	for _, o := range [...][2]string{
		{"response-content-type", "Content-Type"}, {"response-content-language", "Content-Language"},
		{"response-expires", "Expires"}, {"response-cache-control", "Cache-Control"},
		{"response-content-disposition", "Content-Disposition"}, {"response-content-encoding", "Content-Encoding"},
	} {
		if v := q.Get(o[0]); v != "" {
			hdr.Set(o[1], v)
		}
	}
}

// getObject serves GetObject and HeadObject.
func (req *request) getObject() error {
	s := req.h.s
	head := req.r.Method == http.MethodHead
	var (
		o   objectRow
		f   *os.File
		err error
	)
	if head {
		o, err = s.getObjectRow(req.ctx, req.bucket, req.key)
	} else {
		o, f, err = s.openObject(req.ctx, req.bucket, req.key)
	}
	if err != nil {
		return err
	}
	if f != nil {
		defer f.Close()
	}
	if v := req.q.Get("versionId"); v != "" && v != "null" {
		return errInvalidArgument("Invalid version id specified", "versionId", v)
	}
	if err := conditionsOf(req.r.Header).check(o.ETag, o.Modified); err != nil {
		if e := asAPIError(err); e.Code == "NotModified" {
			req.w.Header().Set("ETag", o.quotedETag())
			req.w.Header().Set("Last-Modified", httpTime(o.Modified))
		}
		return err
	}
	if pn := req.q.Get("partNumber"); pn != "" && pn != "1" {
		return newErr("InvalidPartNumber").with("PartNumberRequested", pn).with("ActualPartCount", "1")
	}
	rng, partial, err := parseRange(req.r.Header.Get("Range"), o.Size)
	if err != nil {
		req.w.Header().Set("Content-Range", "bytes */"+itoa(o.Size))
		return err
	}
	req.objectHeaders(&o)
	hdr := req.w.Header()
	status := http.StatusOK
	start, length := int64(0), o.Size
	if partial {
		status = http.StatusPartialContent
		start, length = rng.start, rng.length()
		hdr.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rng.start, rng.end, o.Size))
	} else if strings.EqualFold(req.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && o.ChecksumAlg != "" {
		hdr.Set(checksumHeader(o.ChecksumAlg), o.Checksum)
		hdr.Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	hdr.Set("Content-Length", itoa(length))
	req.wrote = true
	req.w.WriteHeader(status)
	if head || length == 0 {
		return nil
	}
	if start > 0 {
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			return err
		}
	}
	if _, err := io.CopyN(req.w, f, length); err != nil && req.ctx.Err() == nil {
		s.log.Warn("s3_get_object_cut_short", "bucket", req.bucket, "key", req.key, "error", err.Error())
	}
	return nil
}

func (req *request) deleteObject() error {
	if err := req.h.s.deleteObjects(req.ctx, req.bucket, []string{req.key}); err != nil {
		return err
	}
	req.writeEmpty(http.StatusNoContent)
	return nil
}

func (req *request) deleteObjects() error {
	body, err := req.readDoc()
	if err != nil {
		return err
	}
	targets, quiet, err := parseDelete(body)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(targets))
	var res deleteResult
	for _, t := range targets {
		if t.VersionID != "" && t.VersionID != "null" {
			res.Errors = append(res.Errors, xmlDeleteError{Key: t.Key, VersionID: t.VersionID, Code: "NoSuchVersion",
				Message: "The specified version does not exist."})
			continue
		}
		keys = append(keys, t.Key)
		if !quiet {
			res.Deleted = append(res.Deleted, xmlDeleted(t))
		}
	}
	if err := req.h.s.deleteObjects(req.ctx, req.bucket, keys); err != nil {
		return err
	}
	return req.writeXML(http.StatusOK, res)
}

// copySource parses x-amz-copy-source: "[/]bucket/key[?versionId=v]",
// URL-encoded.
func copySource(v string) (bucket, key string, err error) {
	bad := func(msg string) error { return errInvalidArgument(msg, "x-amz-copy-source", v) }
	path, query, _ := strings.Cut(v, "?")
	path, uerr := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if uerr != nil {
		return "", "", bad("Invalid copy source encoding")
	}
	bucket, key, _ = strings.Cut(path, "/")
	if bucket == "" {
		return "", "", bad("Invalid copy source bucket name")
	}
	if key == "" {
		return "", "", bad("Invalid copy source object key")
	}
	if query != "" {
		q, perr := url.ParseQuery(query)
		if perr != nil {
			return "", "", bad("Invalid copy source encoding")
		}
		if ver := q.Get("versionId"); ver != "" && ver != "null" {
			return "", "", bad("Invalid version id specified")
		}
	}
	return bucket, key, nil
}

// copyParams is one CopyObject.
type copyParams struct {
	SrcBucket, SrcKey string
	Bucket, Key       string
	// Replace is MetadataDirective REPLACE: Props replace the source's.
	Replace bool
	// ReplaceTags is TaggingDirective REPLACE: Props.Tags replace them.
	ReplaceTags bool
	Props       objectProps
	// SrcCond are the x-amz-copy-source-if-* preconditions.
	SrcCond conditions
	// Changed is set when the request changes something beyond metadata
	// (storage class, encryption, redirect), which makes a copy onto
	// itself legal.
	Changed bool
}

// copyObject copies an object (a hard link of its content, then a new
// row).
func (s *Service) copyObject(ctx context.Context, p *copyParams) (objectRow, error) {
	if err := checkKey(p.Key); err != nil {
		return objectRow{}, err
	}
	if _, err := s.getBucket(ctx, p.Bucket); err != nil {
		return objectRow{}, err
	}
	src, err := s.getObjectRow(ctx, p.SrcBucket, p.SrcKey)
	if err != nil {
		return objectRow{}, err
	}
	if err := p.SrcCond.check(src.ETag, src.Modified); err != nil {
		if asAPIError(err).Code == "NotModified" {
			err = errPrecondition("x-amz-copy-source-If-None-Match")
		} else if e := asAPIError(err); e.Code == "PreconditionFailed" {
			e.Fields = [][2]string{{"Condition", "x-amz-copy-source-" + e.Fields[0][1]}}
		}
		return objectRow{}, err
	}
	if src.Bucket == p.Bucket && src.Key == p.Key && !p.Replace && !p.Changed {
		return objectRow{}, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if src.Size > s.cfg.MaxObjectSize {
		return objectRow{}, errInvalidRequest(fmt.Sprintf("The specified copy source is larger than the maximum allowable size for a copy source: %d", s.cfg.MaxObjectSize))
	}
	id, err := s.blobs.link(src.Blob)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return objectRow{}, errNoSuchKey(p.SrcKey) // deleted meanwhile
		}
		return objectRow{}, err
	}
	row := src
	row.Bucket, row.Key, row.Blob = p.Bucket, p.Key, id
	row.Modified = s.now().Truncate(time.Second).UTC()
	if p.Replace {
		row.ContentType = p.Props.ContentType
		row.Attrs.Headers = p.Props.Headers
		row.Attrs.Meta = p.Props.Meta
	}
	if p.ReplaceTags {
		row.Attrs.Tags = p.Props.Tags
	}
	if p.Props.Class != "" || p.Changed {
		row.Class = p.Props.Class
	}
	if err := s.commitObject(ctx, &row, writeCond{}); err != nil {
		return objectRow{}, err
	}
	return row, nil
}

func (req *request) copyObject() error {
	h := req.r.Header
	srcBucket, srcKey, err := copySource(h.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	p := copyParams{SrcBucket: srcBucket, SrcKey: srcKey, Bucket: req.bucket, Key: req.key}
	switch d := h.Get("X-Amz-Metadata-Directive"); d {
	case "", "COPY":
	case "REPLACE":
		p.Replace = true
	default:
		return errInvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", d)
	}
	switch d := h.Get("X-Amz-Tagging-Directive"); d {
	case "", "COPY":
	case "REPLACE":
		p.ReplaceTags = true
	default:
		return errInvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", d)
	}
	if p.Props, err = propsFromHeaders(h); err != nil {
		return err
	}
	p.Changed = h.Get("X-Amz-Storage-Class") != "" || h.Get("X-Amz-Server-Side-Encryption") != "" ||
		h.Get("X-Amz-Website-Redirect-Location") != ""
	p.SrcCond = conditions{
		IfMatch: h.Get("X-Amz-Copy-Source-If-Match"), IfNoneMatch: h.Get("X-Amz-Copy-Source-If-None-Match"),
		IfModifiedSince:   h.Get("X-Amz-Copy-Source-If-Modified-Since"),
		IfUnmodifiedSince: h.Get("X-Amz-Copy-Source-If-Unmodified-Since"),
	}
	row, err := req.h.s.copyObject(req.ctx, &p)
	if err != nil {
		return err
	}
	out := copyObjectResult{ETag: row.quotedETag(), LastModified: isoTime(row.Modified)}
	out.setChecksum(row.ChecksumAlg, row.Checksum)
	req.w.Header().Set("x-amz-server-side-encryption", sseOf(row.Attrs.Headers))
	return req.writeXML(http.StatusOK, out)
}

func (req *request) getObjectTagging() error {
	o, err := req.h.s.getObjectRow(req.ctx, req.bucket, req.key)
	if err != nil {
		return err
	}
	return req.writeXML(http.StatusOK, tagging(o.Attrs.Tags))
}

func (req *request) putObjectTagging() error {
	body, err := req.readDoc()
	if err != nil {
		return err
	}
	tags, err := parseTagging(body, maxObjectTags)
	if err != nil {
		return err
	}
	if err := req.h.s.updateAttrs(req.ctx, req.bucket, req.key, func(a *objAttrs) { a.Tags = tags }); err != nil {
		return err
	}
	req.writeEmpty(http.StatusOK)
	return nil
}

func (req *request) deleteObjectTagging() error {
	if err := req.h.s.updateAttrs(req.ctx, req.bucket, req.key, func(a *objAttrs) { a.Tags = nil }); err != nil {
		return err
	}
	req.writeEmpty(http.StatusNoContent)
	return nil
}

func (req *request) getObjectACL() error {
	s := req.h.s
	if _, err := s.getObjectRow(req.ctx, req.bucket, req.key); err != nil {
		return err
	}
	req.writeBody(http.StatusOK, "application/xml", []byte(xmlHeader+aclDoc(s.owner)))
	return nil
}

func (req *request) putObjectACL() error {
	s := req.h.s
	if _, err := s.getObjectRow(req.ctx, req.bucket, req.key); err != nil {
		return err
	}
	if _, err := req.readDoc(); err != nil {
		return err
	}
	if acl := req.r.Header.Get("X-Amz-Acl"); acl != "" && acl != "private" {
		if doc, ok, err := s.getConfig(req.ctx, req.bucket, cfgOwnership); err != nil {
			return err
		} else if ok && strings.Contains(string(doc), "BucketOwnerEnforced") {
			return newErr("AccessControlListNotSupported")
		}
	}
	req.writeEmpty(http.StatusOK)
	return nil
}
