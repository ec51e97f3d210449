package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Bucket, Key string
	Size        int64
	// ETag is quoted, as S3 sends it.
	ETag         string
	ContentType  string
	LastModified time.Time
	// Metadata is the user metadata, keys in lower case.
	Metadata map[string]string
}

// ListResult is one page of ListObjectsV2.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	// NextContinuationToken continues the listing; "" on the last page.
	NextContinuationToken string
}

func infoOf(o *objectRow) ObjectInfo {
	return ObjectInfo{Bucket: o.Bucket, Key: o.Key, Size: o.Size, ETag: o.quotedETag(), ContentType: o.ContentType,
		LastModified: o.Modified, Metadata: o.Attrs.Meta}
}

// GetObject opens an object's content for reading; the caller closes it.
// Errors are *awsproto.Error with S3's codes (NoSuchBucket, NoSuchKey).
func (s *Service) GetObject(ctx context.Context, bucket, key string) (io.ReadCloser, ObjectInfo, error) {
	o, f, err := s.openObject(ctx, bucket, key)
	if err != nil {
		return nil, ObjectInfo{}, toProtoError(err)
	}
	return f, infoOf(&o), nil
}

// PutObject stores body under key and returns its quoted ETag.
// contentType "" stores binary/octet-stream.
func (s *Service) PutObject(ctx context.Context, bucket, key string, body []byte, contentType string) (string, error) {
	return s.PutObjectStream(ctx, bucket, key, bytes.NewReader(body), int64(len(body)), contentType)
}

// PutObjectStream stores size bytes read from r under key (size -1: up to
// the end of r) and returns the quoted ETag. The content is streamed to
// disk, never held in memory.
func (s *Service) PutObjectStream(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (string, error) {
	if contentType == "" {
		contentType = defaultContentType
	}
	res, err := s.putObject(ctx, &putParams{Bucket: bucket, Key: key, Length: size,
		Props: objectProps{ContentType: contentType}}, r)
	if err != nil {
		return "", toProtoError(err)
	}
	return `"` + res.ETag + `"`, nil
}

// ListObjectsV2 returns up to max (1 to 1,000; 0 means 1,000) objects of
// bucket under prefix, continuing from token ("" for the first page).
func (s *Service) ListObjectsV2(ctx context.Context, bucket, prefix, token string, max int) (ListResult, error) {
	if max <= 0 || max > maxListKeys {
		max = maxListKeys
	}
	p := listParams{Bucket: bucket, Prefix: prefix, Max: max}
	if token != "" {
		c, err := decodeToken(token)
		if err != nil {
			return ListResult{}, toProtoError(errInvalidArgument("The continuation token provided is incorrect", "continuation-token", token))
		}
		p.Resume = &c
	}
	page, err := s.list(ctx, p)
	if err != nil {
		return ListResult{}, toProtoError(err)
	}
	out := ListResult{CommonPrefixes: page.Prefixes}
	for _, o := range page.Objects {
		out.Objects = append(out.Objects, ObjectInfo{Bucket: bucket, Key: o.Key, Size: o.Size, ETag: `"` + o.ETag + `"`,
			LastModified: o.Modified})
	}
	if page.Truncated {
		out.NextContinuationToken = encodeToken(page.Last)
	}
	return out, nil
}

// callFunc runs one action of Call on its decoded JSON input.
type callFunc func(s *Service, ctx context.Context, in *callInput) (map[string]any, error)

// callActions are the actions Call serves.
var callActions = map[string]callFunc{
	"CreateBucket":        (*Service).callCreateBucket,
	"DeleteBucket":        (*Service).callDeleteBucket,
	"HeadBucket":          (*Service).callHeadBucket,
	"ListBuckets":         (*Service).callListBuckets,
	"GetBucketLocation":   (*Service).callGetBucketLocation,
	"PutObject":           (*Service).callPutObject,
	"GetObject":           (*Service).callGetObject,
	"HeadObject":          (*Service).callHeadObject,
	"DeleteObject":        (*Service).callDeleteObject,
	"DeleteObjects":       (*Service).callDeleteObjects,
	"CopyObject":          (*Service).callCopyObject,
	"ListObjectsV2":       (*Service).callListObjectsV2,
	"ListObjects":         (*Service).callListObjects,
	"GetObjectTagging":    (*Service).callGetObjectTagging,
	"PutObjectTagging":    (*Service).callPutObjectTagging,
	"DeleteObjectTagging": (*Service).callDeleteObjectTagging,
	"GetBucketTagging":    (*Service).callGetBucketTagging,
	"PutBucketTagging":    (*Service).callPutBucketTagging,
	"DeleteBucketTagging": (*Service).callDeleteBucketTagging,
	"GetBucketVersioning": (*Service).callGetBucketVersioning,
	"PutBucketVersioning": (*Service).callPutBucketVersioning,
}

// CallActions lists the actions Call serves.
func CallActions() []string {
	out := make([]string, 0, len(callActions))
	for a := range callActions {
		out = append(out, a)
	}
	return out
}

// jsonTags is the model's Tagging / TagSet shape in JSON.
type jsonTags struct {
	TagSet []struct {
		Key   string
		Value string
	}
}

func (t *jsonTags) tags() []tag {
	if t == nil {
		return nil
	}
	out := make([]tag, len(t.TagSet))
	for i, x := range t.TagSet {
		out[i] = tag{Key: x.Key, Value: x.Value}
	}
	return out
}

// callInput holds the members of every action Call serves (model member
// names; absent members are zero).
type callInput struct {
	Bucket, Key string
	// Body is the object's content: a JSON string is stored as its text
	// (UTF-8), any other JSON value as its JSON text, as Step Functions
	// sends it.
	Body               json.RawMessage
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	ContentMD5         string
	ChecksumAlgorithm  string
	Metadata           map[string]string
	Tagging            json.RawMessage // a string for PutObject, a structure for the tagging actions
	StorageClass       string
	IfMatch            string
	IfNoneMatch        string
	IfModifiedSince    json.RawMessage
	IfUnmodifiedSince  json.RawMessage
	Range              string
	ChecksumMode       string
	CopySource         string
	MetadataDirective  string
	TaggingDirective   string

	Prefix, Delimiter, EncodingType string
	StartAfter, ContinuationToken   string
	Marker                          string
	MaxKeys                         *int64
	FetchOwner                      bool

	CreateBucketConfiguration *struct {
		LocationConstraint string
		Tags               []struct{ Key, Value string }
	}
	ObjectLockEnabledForBucket bool
	ObjectOwnership            string
	Delete                     *struct {
		Objects []struct {
			Key       *string
			VersionId string
		}
		Quiet bool
	}
	VersioningConfiguration *struct{ Status string }
}

// Call runs one S3 action in process, as Step Functions' aws-sdk:s3 task
// integrations do: input is the JSON form of the action's input shape with
// the model's member names (validated against the model as the wire path
// validates requests), the result the JSON form of its output shape
// (members sorted by name, as Step Functions shows SDK results;
// timestamps as "2006-01-02T15:04:05Z"). Object content travels as a JSON
// string: PutObject stores Body's text (a non-string Body its JSON text),
// GetObject returns the content as Body, a string (bytes that are not
// UTF-8 become U+FFFD). Errors are *awsproto.Error with S3's codes and
// HTTP statuses.
func (s *Service) Call(ctx context.Context, action string, input []byte) ([]byte, error) {
	fn, ok := callActions[action]
	if !ok {
		return nil, &awsproto.Error{Code: "NotImplemented", Status: http.StatusNotImplemented,
			Message: "Stepflow's S3 does not serve " + action + " in process; supported: see s3.CallActions"}
	}
	if len(bytes.TrimSpace(input)) == 0 {
		input = []byte("{}")
	}
	checked, err := bodyAsString(input)
	if err != nil {
		return nil, awsproto.Serialization("")
	}
	if err := awsproto.Validate("s3", action, checked); err != nil {
		return nil, err
	}
	if err := checkRequired(action, checked); err != nil {
		return nil, err
	}
	var in callInput
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, awsproto.Serialization("Unable to parse the request body as JSON: " + err.Error())
	}
	out, err := fn(s, ctx, &in)
	if err != nil {
		return nil, toProtoError(err)
	}
	if out == nil {
		out = map[string]any{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("s3 %s: encode output: %w", action, err)
	}
	return b, nil
}

// checkRequired reports the required members bound to the URI or headers
// (Bucket, Key, CopySource, ...), which awsproto.Validate leaves to the
// REST layer, as the model validation's ValidationException.
func checkRequired(action string, input []byte) error {
	svc, err := model.Load("s3")
	if err != nil {
		return fmt.Errorf("s3 %s: %w", action, err)
	}
	op, ok := svc.Operation(action)
	if !ok || op.Input < 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(input, &m); err != nil {
		return awsproto.Serialization("")
	}
	var missing []string
	for _, mem := range svc.Shapes[op.Input].Members {
		if !mem.Required || mem.Location == "" {
			continue
		}
		if v, ok := m[mem.Name]; !ok || string(v) == "null" {
			missing = append(missing, awsproto.NullViolation(mem.Name))
		}
	}
	if len(missing) > 0 {
		return awsproto.ValidationError(missing...)
	}
	return nil
}

// bodyAsString returns input with a non-string Body replaced by its JSON
// text, so that validation (Body is a blob) accepts what Call accepts.
func bodyAsString(input []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(input, &m); err != nil {
		return nil, err
	}
	b, ok := m["Body"]
	if !ok || len(b) == 0 || b[0] == '"' || string(b) == "null" {
		return input, nil
	}
	s, _ := json.Marshal(string(b))
	m["Body"] = s
	return json.Marshal(m)
}

// bodyBytes is the content a Body member carries.
func bodyBytes(raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return []byte(s)
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.Bytes()
	}
	return raw
}

// callTime reads a timestamp member: epoch seconds or a date string.
func callTime(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] != '"' {
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return ""
		}
		return httpTime(time.Unix(int64(f), 0))
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	for _, layout := range []string{time.RFC3339Nano, time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return httpTime(t)
		}
	}
	return s
}

// jsonTime formats a timestamp of Call's output.
func jsonTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (s *Service) callCreateBucket(ctx context.Context, in *callInput) (map[string]any, error) {
	o := bucketOptions{Region: s.cfg.Region, ObjectLock: in.ObjectLockEnabledForBucket, Ownership: in.ObjectOwnership}
	if c := in.CreateBucketConfiguration; c != nil {
		o.LocationConstraint = c.LocationConstraint
		if o.LocationConstraint != "" {
			o.Region = o.LocationConstraint
		}
		for _, t := range c.Tags {
			o.Tags = append(o.Tags, tag(t))
		}
	}
	if _, err := s.createBucket(ctx, in.Bucket, o); err != nil {
		return nil, err
	}
	return map[string]any{"Location": "/" + in.Bucket}, nil
}

func (s *Service) callDeleteBucket(ctx context.Context, in *callInput) (map[string]any, error) {
	return nil, s.deleteBucket(ctx, in.Bucket)
}

func (s *Service) callHeadBucket(ctx context.Context, in *callInput) (map[string]any, error) {
	b, err := s.getBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return map[string]any{"BucketRegion": b.Region, "AccessPointAlias": false}, nil
}

func (s *Service) callListBuckets(ctx context.Context, in *callInput) (map[string]any, error) {
	rows, err := s.listBucketRows(ctx, in.Prefix, "", maxBuckets)
	if err != nil {
		return nil, err
	}
	buckets := make([]any, len(rows))
	for i, b := range rows {
		buckets[i] = map[string]any{"Name": b.Name, "CreationDate": jsonTime(b.Created), "BucketRegion": b.Region}
	}
	return map[string]any{"Buckets": buckets, "Owner": map[string]any{"ID": s.owner}}, nil
}

func (s *Service) callGetBucketLocation(ctx context.Context, in *callInput) (map[string]any, error) {
	b, err := s.getBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Region == "us-east-1" {
		return map[string]any{}, nil
	}
	return map[string]any{"LocationConstraint": b.Region}, nil
}

func (s *Service) callPutObject(ctx context.Context, in *callInput) (map[string]any, error) {
	h := http.Header{}
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set("Content-Type", in.ContentType)
	set("Content-Encoding", in.ContentEncoding)
	set("Content-Disposition", in.ContentDisposition)
	set("Content-Language", in.ContentLanguage)
	set("Cache-Control", in.CacheControl)
	set("X-Amz-Storage-Class", in.StorageClass)
	if len(in.Tagging) > 0 && in.Tagging[0] == '"' {
		var t string
		_ = json.Unmarshal(in.Tagging, &t)
		set("X-Amz-Tagging", t)
	}
	for k, v := range in.Metadata {
		h.Set("X-Amz-Meta-"+k, v)
	}
	props, err := propsFromHeaders(h)
	if err != nil {
		return nil, err
	}
	var check bodyCheck
	if in.ContentMD5 != "" {
		sum, ok := contentMD5(in.ContentMD5)
		if !ok {
			return nil, newErr("InvalidDigest").with("Content-MD5", in.ContentMD5)
		}
		check.md5 = sum
	}
	if in.ChecksumAlgorithm != "" {
		check.alg = strings.ToUpper(in.ChecksumAlgorithm)
	}
	data := bodyBytes(in.Body)
	res, err := s.putObject(ctx, &putParams{Bucket: in.Bucket, Key: in.Key, Length: int64(len(data)), Check: check,
		Props: props, Cond: writeCond{IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch}}, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out := map[string]any{"ETag": `"` + res.ETag + `"`, "ServerSideEncryption": "AES256"}
	if check.alg != "" {
		out["Checksum"+res.ChecksumAlg] = res.Checksum
		out["ChecksumType"] = "FULL_OBJECT"
	}
	return out, nil
}

// objectOutput is GetObject's and HeadObject's output without Body.
func objectOutput(o *objectRow, checksums bool) map[string]any {
	out := map[string]any{
		"AcceptRanges": "bytes", "ContentLength": o.Size, "ContentType": o.ContentType, "ETag": o.quotedETag(),
		"LastModified": jsonTime(o.Modified), "ServerSideEncryption": sseOf(o.Attrs.Headers),
	}
	meta := map[string]any{}
	for k, v := range o.Attrs.Meta {
		meta[k] = v
	}
	out["Metadata"] = meta
	for name, member := range map[string]string{"Cache-Control": "CacheControl", "Content-Disposition": "ContentDisposition",
		"Content-Encoding": "ContentEncoding", "Content-Language": "ContentLanguage", "Expires": "Expires",
		"X-Amz-Website-Redirect-Location": "WebsiteRedirectLocation"} {
		if v := o.Attrs.Headers[name]; v != "" {
			out[member] = v
		}
	}
	if n := len(o.Attrs.Tags); n > 0 {
		out["TagCount"] = n
	}
	if o.Class != "" {
		out["StorageClass"] = o.Class
	}
	if checksums && o.ChecksumAlg != "" {
		out["Checksum"+o.ChecksumAlg] = o.Checksum
		out["ChecksumType"] = "FULL_OBJECT"
	}
	return out
}

func (in *callInput) conditions() conditions {
	return conditions{IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch,
		IfModifiedSince: callTime(in.IfModifiedSince), IfUnmodifiedSince: callTime(in.IfUnmodifiedSince)}
}

func (s *Service) callGetObject(ctx context.Context, in *callInput) (map[string]any, error) {
	o, f, err := s.openObject(ctx, in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := in.conditions().check(o.ETag, o.Modified); err != nil {
		return nil, err
	}
	rng, partial, err := parseRange(in.Range, o.Size)
	if err != nil {
		return nil, err
	}
	start, length := int64(0), o.Size
	if partial {
		start, length = rng.start, rng.length()
	}
	const maxCallBody = 256 << 20
	if length > maxCallBody {
		return nil, errInvalidRequest(fmt.Sprintf("The object is %d bytes; in-process GetObject returns at most %d bytes: use Range", length, maxCallBody))
	}
	buf := make([]byte, length)
	if _, err := f.ReadAt(buf, start); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read object content: %w", err)
	}
	out := objectOutput(&o, !partial && strings.EqualFold(in.ChecksumMode, "ENABLED"))
	out["Body"] = string(buf)
	out["ContentLength"] = length
	if partial {
		out["ContentRange"] = fmt.Sprintf("bytes %d-%d/%d", rng.start, rng.end, o.Size)
	}
	return out, nil
}

func (s *Service) callHeadObject(ctx context.Context, in *callInput) (map[string]any, error) {
	o, err := s.getObjectRow(ctx, in.Bucket, in.Key)
	if err != nil {
		if e := asAPIError(err); e.Status == http.StatusNotFound {
			return nil, errMsg("NotFound", "Not Found") // HeadObject has no body: the SDKs see NotFound
		}
		return nil, err
	}
	if err := in.conditions().check(o.ETag, o.Modified); err != nil {
		return nil, err
	}
	return objectOutput(&o, strings.EqualFold(in.ChecksumMode, "ENABLED")), nil
}

func (s *Service) callDeleteObject(ctx context.Context, in *callInput) (map[string]any, error) {
	return nil, s.deleteObjects(ctx, in.Bucket, []string{in.Key})
}

func (s *Service) callDeleteObjects(ctx context.Context, in *callInput) (map[string]any, error) {
	if in.Delete == nil || len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > maxDeleteKeys {
		return nil, errMalformedXML()
	}
	keys := make([]string, 0, len(in.Delete.Objects))
	deleted := []any{}
	for _, o := range in.Delete.Objects {
		if o.Key == nil || *o.Key == "" {
			return nil, errMalformedXML()
		}
		keys = append(keys, *o.Key)
		if !in.Delete.Quiet {
			d := map[string]any{"Key": *o.Key}
			if o.VersionId != "" {
				d["VersionId"] = o.VersionId
			}
			deleted = append(deleted, d)
		}
	}
	if err := s.deleteObjects(ctx, in.Bucket, keys); err != nil {
		return nil, err
	}
	if in.Delete.Quiet {
		return map[string]any{}, nil
	}
	return map[string]any{"Deleted": deleted}, nil
}

func (s *Service) callCopyObject(ctx context.Context, in *callInput) (map[string]any, error) {
	srcBucket, srcKey, err := copySource(in.CopySource)
	if err != nil {
		return nil, err
	}
	p := copyParams{SrcBucket: srcBucket, SrcKey: srcKey, Bucket: in.Bucket, Key: in.Key,
		Replace: in.MetadataDirective == "REPLACE", ReplaceTags: in.TaggingDirective == "REPLACE", Changed: in.StorageClass != ""}
	h := http.Header{}
	if in.ContentType != "" {
		h.Set("Content-Type", in.ContentType)
	}
	for k, v := range in.Metadata {
		h.Set("X-Amz-Meta-"+k, v)
	}
	if in.StorageClass != "" {
		h.Set("X-Amz-Storage-Class", in.StorageClass)
	}
	if len(in.Tagging) > 0 && in.Tagging[0] == '"' {
		var t string
		_ = json.Unmarshal(in.Tagging, &t)
		h.Set("X-Amz-Tagging", t)
	}
	if p.Props, err = propsFromHeaders(h); err != nil {
		return nil, err
	}
	row, err := s.copyObject(ctx, &p)
	if err != nil {
		return nil, err
	}
	res := map[string]any{"ETag": row.quotedETag(), "LastModified": jsonTime(row.Modified)}
	if row.ChecksumAlg != "" {
		res["Checksum"+row.ChecksumAlg] = row.Checksum
		res["ChecksumType"] = "FULL_OBJECT"
	}
	return map[string]any{"CopyObjectResult": res, "ServerSideEncryption": sseOf(row.Attrs.Headers)}, nil
}

// callList runs ListObjects (v1) or ListObjectsV2.
func (s *Service) callList(ctx context.Context, in *callInput, v2 bool) (map[string]any, error) {
	p := listParams{Bucket: in.Bucket, Prefix: in.Prefix, Delimiter: in.Delimiter, Max: maxListKeys}
	requested := int64(maxListKeys)
	if in.MaxKeys != nil {
		if *in.MaxKeys < 0 {
			return nil, errInvalidArgument("Provided max-keys not an integer or within integer range", "max-keys", strconv.FormatInt(*in.MaxKeys, 10))
		}
		requested = *in.MaxKeys
		p.Max = int(min(requested, maxListKeys))
	}
	encode := false
	switch in.EncodingType {
	case "":
	case "url":
		encode = true
	default:
		return nil, errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", in.EncodingType)
	}
	if v2 {
		if in.ContinuationToken != "" {
			c, err := decodeToken(in.ContinuationToken)
			if err != nil {
				return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", in.ContinuationToken)
			}
			p.Resume = &c
		} else {
			p.After = in.StartAfter
		}
	} else {
		p.After = in.Marker
	}
	page, err := s.list(ctx, p)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"IsTruncated": page.Truncated, "MaxKeys": requested, "Name": in.Bucket,
		"Prefix": urlEncode(in.Prefix, encode)}
	if len(page.Objects) > 0 {
		contents := make([]any, len(page.Objects))
		for i, o := range page.Objects {
			c := map[string]any{"Key": urlEncode(o.Key, encode), "LastModified": jsonTime(o.Modified),
				"ETag": `"` + o.ETag + `"`, "Size": o.Size, "StorageClass": "STANDARD"}
			if o.Class != "" {
				c["StorageClass"] = o.Class
			}
			if o.ChecksumAlg != "" {
				c["ChecksumAlgorithm"] = []any{o.ChecksumAlg}
				c["ChecksumType"] = "FULL_OBJECT"
			}
			if !v2 || in.FetchOwner {
				c["Owner"] = map[string]any{"ID": s.owner}
			}
			contents[i] = c
		}
		out["Contents"] = contents
	}
	if len(page.Prefixes) > 0 {
		ps := make([]any, len(page.Prefixes))
		for i, p := range page.Prefixes {
			ps[i] = map[string]any{"Prefix": urlEncode(p, encode)}
		}
		out["CommonPrefixes"] = ps
	}
	if in.Delimiter != "" {
		out["Delimiter"] = urlEncode(in.Delimiter, encode)
	}
	if encode {
		out["EncodingType"] = "url"
	}
	if v2 {
		out["KeyCount"] = len(page.Objects) + len(page.Prefixes)
		if in.ContinuationToken != "" {
			out["ContinuationToken"] = in.ContinuationToken
		}
		if in.StartAfter != "" {
			out["StartAfter"] = urlEncode(in.StartAfter, encode)
		}
		if page.Truncated {
			out["NextContinuationToken"] = encodeToken(page.Last)
		}
	} else {
		out["Marker"] = urlEncode(in.Marker, encode)
		if page.Truncated && in.Delimiter != "" {
			out["NextMarker"] = urlEncode(page.Last.key, encode)
		}
	}
	return out, nil
}

func (s *Service) callListObjectsV2(ctx context.Context, in *callInput) (map[string]any, error) {
	return s.callList(ctx, in, true)
}

func (s *Service) callListObjects(ctx context.Context, in *callInput) (map[string]any, error) {
	return s.callList(ctx, in, false)
}

// tagsOutput is the model's TagSet in JSON.
func tagsOutput(tags []tag) map[string]any {
	set := make([]any, len(tags))
	for i, t := range tags {
		set[i] = map[string]any{"Key": t.Key, "Value": t.Value}
	}
	return map[string]any{"TagSet": set}
}

// taggingMember decodes a Tagging structure member.
func taggingMember(raw json.RawMessage) ([]tag, error) {
	var t jsonTags
	if len(raw) == 0 || json.Unmarshal(raw, &t) != nil {
		return nil, errMalformedXML()
	}
	return t.tags(), nil
}

func (s *Service) callGetObjectTagging(ctx context.Context, in *callInput) (map[string]any, error) {
	o, err := s.getObjectRow(ctx, in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	return tagsOutput(o.Attrs.Tags), nil
}

func (s *Service) callPutObjectTagging(ctx context.Context, in *callInput) (map[string]any, error) {
	tags, err := taggingMember(in.Tagging)
	if err != nil {
		return nil, err
	}
	if err := checkTags(tags, maxObjectTags); err != nil {
		return nil, err
	}
	return nil, s.updateAttrs(ctx, in.Bucket, in.Key, func(a *objAttrs) { a.Tags = tags })
}

func (s *Service) callDeleteObjectTagging(ctx context.Context, in *callInput) (map[string]any, error) {
	return nil, s.updateAttrs(ctx, in.Bucket, in.Key, func(a *objAttrs) { a.Tags = nil })
}

func (s *Service) callGetBucketTagging(ctx context.Context, in *callInput) (map[string]any, error) {
	if _, err := s.getBucket(ctx, in.Bucket); err != nil {
		return nil, err
	}
	body, ok, err := s.getConfig(ctx, in.Bucket, cfgTagging)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotFound("NoSuchTagSet", in.Bucket)
	}
	tags, err := parseTagging(body, maxBucketTags)
	if err != nil {
		return nil, err
	}
	return tagsOutput(tags), nil
}

func (s *Service) callPutBucketTagging(ctx context.Context, in *callInput) (map[string]any, error) {
	tags, err := taggingMember(in.Tagging)
	if err != nil {
		return nil, err
	}
	if err := checkTags(tags, maxBucketTags); err != nil {
		return nil, err
	}
	doc, err := marshalXML(tagging(tags))
	if err != nil {
		return nil, err
	}
	return nil, s.setConfig(ctx, in.Bucket, cfgTagging, doc)
}

func (s *Service) callDeleteBucketTagging(ctx context.Context, in *callInput) (map[string]any, error) {
	return nil, s.setConfig(ctx, in.Bucket, cfgTagging, nil)
}

func (s *Service) callGetBucketVersioning(ctx context.Context, in *callInput) (map[string]any, error) {
	if _, err := s.getBucket(ctx, in.Bucket); err != nil {
		return nil, err
	}
	body, ok, err := s.getConfig(ctx, in.Bucket, cfgVersioning)
	if err != nil || !ok {
		return map[string]any{}, err
	}
	var d versioningDoc
	if xml := decodeXML(body, &d); xml != nil || d.Status == "" {
		return map[string]any{}, nil
	}
	return map[string]any{"Status": d.Status}, nil
}

func (s *Service) callPutBucketVersioning(ctx context.Context, in *callInput) (map[string]any, error) {
	if in.VersioningConfiguration == nil {
		return nil, errMalformedXML()
	}
	switch in.VersioningConfiguration.Status {
	case "Enabled", "Suspended":
	default:
		return nil, errMalformedXML()
	}
	doc := []byte(`<VersioningConfiguration xmlns="` + xmlns + `"><Status>` + in.VersioningConfiguration.Status + `</Status></VersioningConfiguration>`)
	return nil, s.setConfig(ctx, in.Bucket, cfgVersioning, doc)
}
