package s3

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Multipart upload limits (S3's).
const (
	minPartSize = 5 << 20
	maxParts    = 10000
)

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

type completeMultipartUploadResult struct {
	XMLName           xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location          string   `xml:"Location"`
	Bucket            string   `xml:"Bucket"`
	Key               string   `xml:"Key"`
	ETag              string   `xml:"ETag"`
	ChecksumCRC32     string   `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string   `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string   `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string   `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string   `xml:"ChecksumSHA256,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

type xmlPart struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

type listPartsResult struct {
	XMLName              xml.Name  `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string    `xml:"Bucket"`
	Key                  string    `xml:"Key"`
	UploadID             string    `xml:"UploadId"`
	PartNumberMarker     int       `xml:"PartNumberMarker"`
	NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
	MaxParts             int       `xml:"MaxParts"`
	IsTruncated          bool      `xml:"IsTruncated"`
	Parts                []xmlPart `xml:"Part"`
	Initiator            xmlOwner  `xml:"Initiator"`
	Owner                xmlOwner  `xml:"Owner"`
	StorageClass         string    `xml:"StorageClass"`
	ChecksumAlgorithm    string    `xml:"ChecksumAlgorithm,omitempty"`
}

type xmlUpload struct {
	Key          string   `xml:"Key"`
	UploadID     string   `xml:"UploadId"`
	Initiator    xmlOwner `xml:"Initiator"`
	Owner        xmlOwner `xml:"Owner"`
	StorageClass string   `xml:"StorageClass"`
	Initiated    string   `xml:"Initiated"`
}

type listMultipartUploadsResult struct {
	XMLName            xml.Name    `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string      `xml:"Bucket"`
	KeyMarker          string      `xml:"KeyMarker"`
	UploadIDMarker     string      `xml:"UploadIdMarker"`
	NextKeyMarker      string      `xml:"NextKeyMarker"`
	NextUploadIDMarker string      `xml:"NextUploadIdMarker"`
	Prefix             string      `xml:"Prefix,omitempty"`
	MaxUploads         int         `xml:"MaxUploads"`
	IsTruncated        bool        `xml:"IsTruncated"`
	Uploads            []xmlUpload `xml:"Upload"`
}

// completeRequest is CompleteMultipartUpload's body.
type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

// uploadRow is a multipart upload in progress.
type uploadRow struct {
	ID, Bucket, Key string
	Created         time.Time
	Attrs           objAttrs
}

func errNoSuchUpload(id string) *apiError { return newErr("NoSuchUpload").with("UploadId", id) }

func (s *Service) getUpload(ctx context.Context, bucket, key, id string) (uploadRow, error) {
	var u uploadRow
	var created int64
	var attrs string
	err := s.comp.Read().QueryRowContext(ctx, `SELECT id, bucket, key, created, attrs FROM s3_uploads WHERE id = ?`, id).
		Scan(&u.ID, &u.Bucket, &u.Key, &created, &attrs)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (u.Bucket != bucket || u.Key != key) {
		if _, berr := s.getBucket(ctx, bucket); berr != nil {
			return u, berr
		}
		return u, errNoSuchUpload(id)
	}
	if err != nil {
		return u, fmt.Errorf("read upload: %w", err)
	}
	u.Created = time.UnixMilli(created).UTC()
	if err := json.Unmarshal([]byte(attrs), &u.Attrs); err != nil {
		return u, fmt.Errorf("decode upload attributes: %w", err)
	}
	return u, nil
}

func (req *request) createMultipartUpload() error {
	s := req.h.s
	if err := checkKey(req.key); err != nil {
		return err
	}
	if _, err := s.getBucket(req.ctx, req.bucket); err != nil {
		return err
	}
	props, err := propsFromHeaders(req.r.Header)
	if err != nil {
		return err
	}
	alg := strings.ToUpper(req.r.Header.Get("X-Amz-Checksum-Algorithm"))
	if alg != "" && newChecksum(alg) == nil {
		return errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	a := objAttrs{Headers: props.Headers, Meta: props.Meta, Tags: props.Tags, StorageClass: props.Class,
		ContentType: props.ContentType, ChecksumAlg: alg}
	id := newBlobID() + newBlobID()
	err = s.comp.Write(req.ctx, func(tx *sql.Tx) error {
		if ok, err := bucketExists(tx, req.bucket); err != nil {
			return err
		} else if !ok {
			return errNoSuchBucket(req.bucket)
		}
		_, err := tx.Exec(`INSERT INTO s3_uploads (id, bucket, key, created, attrs) VALUES (?, ?, ?, ?, ?)`,
			id, req.bucket, req.key, s.now().UnixMilli(), attrsJSON(&a))
		return err
	})
	if err != nil {
		return err
	}
	if alg != "" {
		req.w.Header().Set("x-amz-checksum-algorithm", alg)
		req.w.Header().Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	req.w.Header().Set("x-amz-server-side-encryption", sseOf(props.Headers))
	return req.writeXML(http.StatusOK, initiateMultipartUploadResult{Bucket: req.bucket, Key: req.key, UploadID: id})
}

// partNumber reads the partNumber query parameter: 1 to 10,000.
func partNumber(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxParts {
		return 0, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return n, nil
}

// commitPart records a part (whose blob is durable), replacing an earlier
// upload of the same number.
func (s *Service) commitPart(ctx context.Context, uploadID string, n int, blob string, size int64, etag, checksum string) error {
	var old string
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRow(`SELECT 1 FROM s3_uploads WHERE id = ?`, uploadID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return errNoSuchUpload(uploadID)
		} else if err != nil {
			return err
		}
		err := tx.QueryRow(`SELECT blob FROM s3_parts WHERE upload = ? AND number = ?`, uploadID, n).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(`INSERT INTO s3_parts (upload, number, blob, size, etag, modified, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (upload, number) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag,
				modified = excluded.modified, checksum = excluded.checksum`,
			uploadID, n, blob, size, etag, s.now().Unix(), checksum)
		return err
	})
	if err != nil {
		s.blobs.remove(blob)
		return err
	}
	if old != "" {
		s.blobs.remove(old)
	}
	return nil
}

func (req *request) uploadPart() error {
	s := req.h.s
	r := req.r
	uploadID := req.q.Get("uploadId")
	n, err := partNumber(req.q.Get("partNumber"))
	if err != nil {
		return err
	}
	if _, err := s.getUpload(req.ctx, req.bucket, req.key, uploadID); err != nil {
		return err
	}
	if r.Header.Get("X-Amz-Copy-Source") != "" {
		return req.uploadPartCopy(uploadID, n)
	}
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
	if length > maxObjectSize {
		return errTooLarge(length, maxObjectSize)
	}
	w, err := s.blobs.create()
	if err != nil {
		return err
	}
	body, trailers := bodyReader(r)
	c, err := writeContent(w, body, length, maxObjectSize, check, trailers)
	if err != nil {
		w.abort()
		return err
	}
	id, err := w.commit()
	if err != nil {
		return err
	}
	etag := hex.EncodeToString(c.md5)
	if err := s.commitPart(req.ctx, uploadID, n, id, c.size, etag, ""); err != nil {
		return err
	}
	req.w.Header().Set("ETag", `"`+etag+`"`)
	if check.alg != "" {
		req.w.Header().Set(checksumHeader(c.alg), c.checksum)
	}
	req.writeEmpty(http.StatusOK)
	return nil
}

func (req *request) uploadPartCopy(uploadID string, n int) error {
	s := req.h.s
	h := req.r.Header
	srcBucket, srcKey, err := copySource(h.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	src, f, err := s.openObject(req.ctx, srcBucket, srcKey)
	if err != nil {
		return err
	}
	defer f.Close()
	cond := conditions{
		IfMatch: h.Get("X-Amz-Copy-Source-If-Match"), IfNoneMatch: h.Get("X-Amz-Copy-Source-If-None-Match"),
		IfModifiedSince:   h.Get("X-Amz-Copy-Source-If-Modified-Since"),
		IfUnmodifiedSince: h.Get("X-Amz-Copy-Source-If-Unmodified-Since"),
	}
	if err := cond.check(src.ETag, src.Modified); err != nil {
		return errPrecondition("x-amz-copy-source-If-Match")
	}
	start, length := int64(0), src.Size
	if v := h.Get("X-Amz-Copy-Source-Range"); v != "" {
		rng, ok, err := parseRange(v, src.Size)
		if err != nil || !ok || strings.HasPrefix(strings.TrimPrefix(v, "bytes="), "-") {
			return errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
				"x-amz-copy-source-range", v)
		}
		start, length = rng.start, rng.length()
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return err
	}
	w, err := s.blobs.create()
	if err != nil {
		return err
	}
	c, err := writeContent(w, io.LimitReader(f, length), length, maxObjectSize, bodyCheck{}, nil)
	if err != nil {
		w.abort()
		return err
	}
	id, err := w.commit()
	if err != nil {
		return err
	}
	etag := hex.EncodeToString(c.md5)
	if err := s.commitPart(req.ctx, uploadID, n, id, c.size, etag, ""); err != nil {
		return err
	}
	return req.writeXML(http.StatusOK, copyPartResult{ETag: `"` + etag + `"`, LastModified: isoTime(s.now())})
}

// partRow is one uploaded part.
type partRow struct {
	Number   int
	Blob     string
	Size     int64
	ETag     string
	Modified time.Time
}

func (s *Service) parts(ctx context.Context, uploadID string, after, limit int) ([]partRow, error) {
	rows, err := s.comp.Read().QueryContext(ctx,
		`SELECT number, blob, size, etag, modified FROM s3_parts WHERE upload = ? AND number > ? ORDER BY number LIMIT ?`,
		uploadID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list parts: %w", err)
	}
	defer rows.Close()
	var out []partRow
	for rows.Next() {
		var p partRow
		var modified int64
		if err := rows.Scan(&p.Number, &p.Blob, &p.Size, &p.ETag, &modified); err != nil {
			return nil, fmt.Errorf("list parts: %w", err)
		}
		p.Modified = time.Unix(modified, 0).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

func (req *request) completeMultipartUpload() error {
	s := req.h.s
	uploadID := req.q.Get("uploadId")
	u, err := s.getUpload(req.ctx, req.bucket, req.key, uploadID)
	if err != nil {
		return err
	}
	body, err := req.readDoc()
	if err != nil {
		return err
	}
	var doc completeRequest
	if err := decodeXML(body, &doc); err != nil {
		return err
	}
	if len(doc.Parts) == 0 {
		return errInvalidRequest("You must specify at least one part")
	}
	have, err := s.parts(req.ctx, uploadID, 0, maxParts)
	if err != nil {
		return err
	}
	byNumber := make(map[int]partRow, len(have))
	for _, p := range have {
		byNumber[p.Number] = p
	}
	chosen := make([]partRow, len(doc.Parts))
	for i, p := range doc.Parts {
		if i > 0 && p.PartNumber <= doc.Parts[i-1].PartNumber {
			return newErr("InvalidPartOrder").with("UploadId", uploadID)
		}
		got, ok := byNumber[p.PartNumber]
		if !ok || strings.Trim(p.ETag, `" `) != got.ETag {
			return newErr("InvalidPart").with("UploadId", uploadID).with("PartNumber", strconv.Itoa(p.PartNumber)).
				with("ETag", p.ETag)
		}
		chosen[i] = got
	}
	for i, p := range chosen[:len(chosen)-1] {
		if p.Size < minPartSize {
			return newErr("EntityTooSmall").with("ProposedSize", itoa(p.Size)).with("MinSizeAllowed", itoa(minPartSize)).
				with("PartNumber", strconv.Itoa(doc.Parts[i].PartNumber)).with("ETag", `"`+p.ETag+`"`)
		}
	}
	// Concatenate the parts into the object's content.
	w, err := s.blobs.create()
	if err != nil {
		return err
	}
	alg := u.Attrs.ChecksumAlg
	if alg == "" {
		alg = algCRC64NVME
	}
	ch := newChecksum(alg)
	etags := md5.New()
	var size int64
	for _, p := range chosen {
		raw, _ := hex.DecodeString(p.ETag)
		etags.Write(raw)
		f, err := s.blobs.open(p.Blob)
		if err != nil {
			w.abort()
			return fmt.Errorf("open part: %w", err)
		}
		n, err := io.Copy(io.MultiWriter(w, ch), f)
		f.Close()
		if err != nil {
			w.abort()
			return fmt.Errorf("assemble upload: %w", err)
		}
		size += n
	}
	id, err := w.commit()
	if err != nil {
		return err
	}
	row := objectRow{
		Bucket: req.bucket, Key: req.key, Blob: id, Size: size,
		ETag:     hex.EncodeToString(etags.Sum(nil)) + "-" + strconv.Itoa(len(chosen)),
		Modified: s.now().Truncate(time.Second).UTC(), ContentType: u.Attrs.ContentType,
		ChecksumAlg: alg, Checksum: b64(ch.Sum(nil)), Class: u.Attrs.StorageClass,
		Attrs: objAttrs{Headers: u.Attrs.Headers, Meta: u.Attrs.Meta, Tags: u.Attrs.Tags},
	}
	if row.ContentType == "" {
		row.ContentType = defaultContentType
	}
	cond := writeCond{IfMatch: req.r.Header.Get("If-Match"), IfNoneMatch: req.r.Header.Get("If-None-Match")}
	var old string
	var partBlobs []string
	err = s.comp.Write(req.ctx, func(tx *sql.Tx) error {
		partBlobs = partBlobs[:0]
		rows, err := tx.Query(`SELECT blob FROM s3_parts WHERE upload = ?`, uploadID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return err
			}
			partBlobs = append(partBlobs, b)
		}
		rows.Close()
		res, err := tx.Exec(`DELETE FROM s3_uploads WHERE id = ?`, uploadID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoSuchUpload(uploadID)
		}
		old, err = insertObject(tx, &row, cond)
		return err
	})
	if err != nil {
		s.blobs.remove(id)
		return err
	}
	s.blobs.remove(partBlobs...)
	if old != "" {
		s.blobs.remove(old)
	}
	out := completeMultipartUploadResult{
		Location: "/" + req.bucket + "/" + req.key, Bucket: req.bucket, Key: req.key, ETag: row.quotedETag(),
		ChecksumType: "FULL_OBJECT",
	}
	switch alg {
	case algCRC32:
		out.ChecksumCRC32 = row.Checksum
	case algCRC32C:
		out.ChecksumCRC32C = row.Checksum
	case algCRC64NVME:
		out.ChecksumCRC64NVME = row.Checksum
	case algSHA1:
		out.ChecksumSHA1 = row.Checksum
	case algSHA256:
		out.ChecksumSHA256 = row.Checksum
	}
	req.w.Header().Set("x-amz-server-side-encryption", sseOf(row.Attrs.Headers))
	return req.writeXML(http.StatusOK, out)
}

func (req *request) abortMultipartUpload() error {
	s := req.h.s
	uploadID := req.q.Get("uploadId")
	if _, err := s.getUpload(req.ctx, req.bucket, req.key, uploadID); err != nil {
		return err
	}
	var blobs []string
	err := s.comp.Write(req.ctx, func(tx *sql.Tx) error {
		blobs = blobs[:0]
		rows, err := tx.Query(`SELECT blob FROM s3_parts WHERE upload = ?`, uploadID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return err
			}
			blobs = append(blobs, b)
		}
		rows.Close()
		res, err := tx.Exec(`DELETE FROM s3_uploads WHERE id = ?`, uploadID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoSuchUpload(uploadID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.blobs.remove(blobs...)
	req.writeEmpty(http.StatusNoContent)
	return nil
}

func (req *request) listParts() error {
	s := req.h.s
	uploadID := req.q.Get("uploadId")
	u, err := s.getUpload(req.ctx, req.bucket, req.key, uploadID)
	if err != nil {
		return err
	}
	limit := 1000
	if v := req.q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided max-parts not an integer or within integer range", "max-parts", v)
		}
		limit = min(n, 1000)
	}
	after := 0
	if v := req.q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided part-number-marker not an integer or within integer range", "part-number-marker", v)
		}
		after = n
	}
	parts, err := s.parts(req.ctx, uploadID, after, limit+1)
	if err != nil {
		return err
	}
	out := listPartsResult{Bucket: req.bucket, Key: req.key, UploadID: uploadID, PartNumberMarker: after, MaxParts: limit,
		Initiator: xmlOwner{ID: s.owner}, Owner: xmlOwner{ID: s.owner}, StorageClass: "STANDARD", ChecksumAlgorithm: u.Attrs.ChecksumAlg}
	if len(parts) > limit {
		out.IsTruncated = true
		parts = parts[:limit]
	}
	for _, p := range parts {
		out.Parts = append(out.Parts, xmlPart{PartNumber: p.Number, LastModified: isoTime(p.Modified), ETag: `"` + p.ETag + `"`, Size: p.Size})
		out.NextPartNumberMarker = p.Number
	}
	return req.writeXML(http.StatusOK, out)
}

func (req *request) listMultipartUploads() error {
	s := req.h.s
	if _, err := s.getBucket(req.ctx, req.bucket); err != nil {
		return err
	}
	prefix := req.q.Get("prefix")
	keyMarker := req.q.Get("key-marker")
	limit := 1000
	if v := req.q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided max-uploads not an integer or within integer range", "max-uploads", v)
		}
		limit = min(n, 1000)
	}
	rows, err := s.comp.Read().QueryContext(req.ctx,
		`SELECT id, key, created FROM s3_uploads WHERE bucket = ? AND key > ? AND substr(key, 1, ?) = ? ORDER BY key, created LIMIT ?`,
		req.bucket, keyMarker, len(prefix), prefix, limit+1)
	if err != nil {
		return fmt.Errorf("list uploads: %w", err)
	}
	defer rows.Close()
	out := listMultipartUploadsResult{Bucket: req.bucket, KeyMarker: keyMarker, UploadIDMarker: req.q.Get("upload-id-marker"),
		Prefix: prefix, MaxUploads: limit}
	for rows.Next() {
		var id, key string
		var created int64
		if err := rows.Scan(&id, &key, &created); err != nil {
			return fmt.Errorf("list uploads: %w", err)
		}
		if len(out.Uploads) == limit {
			out.IsTruncated = true
			break
		}
		out.Uploads = append(out.Uploads, xmlUpload{Key: key, UploadID: id, Initiator: xmlOwner{ID: s.owner},
			Owner: xmlOwner{ID: s.owner}, StorageClass: "STANDARD", Initiated: isoTime(time.UnixMilli(created))})
		out.NextKeyMarker, out.NextUploadIDMarker = key, id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list uploads: %w", err)
	}
	sort.SliceStable(out.Uploads, func(i, j int) bool { return out.Uploads[i].Key < out.Uploads[j].Key })
	return req.writeXML(http.StatusOK, out)
}
