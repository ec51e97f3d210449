package s3

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// cursor is a listing position: after key, or (prefix) after every key
// under the common prefix key.
type cursor struct {
	key    string
	prefix bool
}

// encodeToken makes a continuation token of a position. Tokens are
// opaque to clients, as S3's are.
func encodeToken(c cursor) string {
	kind := byte('k')
	if c.prefix {
		kind = 'p'
	}
	return base64.StdEncoding.EncodeToString(append([]byte{1, kind}, c.key...))
}

// decodeToken reads a token encodeToken made.
func decodeToken(t string) (cursor, error) {
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil || len(b) < 2 || b[0] != 1 || (b[1] != 'k' && b[1] != 'p') {
		return cursor{}, errors.New("bad continuation token")
	}
	return cursor{key: string(b[2:]), prefix: b[1] == 'p'}, nil
}

// successor is the least string greater than every string that starts
// with s; ok is false when there is none (s is empty or all 0xff bytes).
func successor(s string) (string, bool) {
	b := []byte(s)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

// listParams is one listing request.
type listParams struct {
	Bucket, Prefix, Delimiter string
	// After (StartAfter, Marker, KeyMarker) skips keys <= After and common
	// prefixes <= After.
	After string
	// Resume, when set, is where a continuation token left off.
	Resume *cursor
	Max    int
}

// listPage is one page of a listing.
type listPage struct {
	Objects   []listedObject
	Prefixes  []string
	Truncated bool
	// Last is the last entry returned (for tokens and NextMarker).
	Last cursor
}

// maxListKeys is the most entries one listing page holds.
const maxListKeys = 1000

// list returns a page of a bucket's keys under Prefix in UTF-8 binary
// order, keys that contain Delimiter after the prefix rolled up into
// common prefixes (which count against Max like keys). Truncated is set
// only when another entry follows.
func (s *Service) list(ctx context.Context, p listParams) (listPage, error) {
	var page listPage
	if _, err := s.getBucket(ctx, p.Bucket); err != nil {
		return page, err
	}
	from, incl := p.Prefix, true
	if p.After != "" && p.After >= from {
		from, incl = p.After, false
	}
	if r := p.Resume; r != nil {
		if r.prefix {
			succ, ok := successor(r.key)
			if !ok {
				return page, nil
			}
			from, incl = succ, true
		} else {
			from, incl = r.key, false
		}
	}
	if p.Max <= 0 {
		return page, nil
	}
	batch := min(p.Max+1, maxListKeys+1)
	full := func() bool { return len(page.Objects)+len(page.Prefixes) >= p.Max }
	for {
		rows, err := s.scanKeys(ctx, p.Bucket, from, incl, batch)
		if err != nil {
			return page, err
		}
		requery := false
		for _, o := range rows {
			if !strings.HasPrefix(o.Key, p.Prefix) {
				return page, nil
			}
			if p.Delimiter != "" {
				if j := strings.Index(o.Key[len(p.Prefix):], p.Delimiter); j >= 0 {
					cp := o.Key[:len(p.Prefix)+j+len(p.Delimiter)]
					if p.After == "" || cp > p.After {
						if full() {
							page.Truncated = true
							return page, nil
						}
						page.Prefixes = append(page.Prefixes, cp)
						page.Last = cursor{key: cp, prefix: true}
					}
					succ, ok := successor(cp)
					if !ok {
						return page, nil
					}
					from, incl, requery = succ, true, true
					break
				}
			}
			if full() {
				page.Truncated = true
				return page, nil
			}
			page.Objects = append(page.Objects, o)
			page.Last = cursor{key: o.Key}
			from, incl = o.Key, false
		}
		if !requery && len(rows) < batch {
			return page, nil
		}
	}
}

// listQuery reads the parameters every listing shares: prefix, delimiter,
// max-keys (default 1,000; larger values return 1,000) and encoding-type.
func listQuery(q url.Values) (p listParams, requested int, encode bool, err error) {
	p.Prefix = q.Get("prefix")
	p.Delimiter = q.Get("delimiter")
	requested = maxListKeys
	if v := q.Get("max-keys"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 32)
		if perr != nil || n < 0 {
			return p, 0, false, errInvalidArgument("Provided max-keys not an integer or within integer range", "max-keys", v)
		}
		requested = int(n)
	}
	p.Max = min(requested, maxListKeys)
	switch e := q.Get("encoding-type"); e {
	case "":
	case "url":
		encode = true
	default:
		return p, 0, false, errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", e)
	}
	return p, requested, encode, nil
}

// urlEncode is S3's encoding-type=url: every byte but unreserved
// characters percent-encoded, a space as "+".
func urlEncode(s string, on bool) string {
	if !on {
		return s
	}
	return url.QueryEscape(s)
}

func (req *request) contents(objs []listedObject, owner bool, encode bool) []xmlContents {
	out := make([]xmlContents, len(objs))
	for i, o := range objs {
		c := xmlContents{Key: urlEncode(o.Key, encode), LastModified: isoTime(o.Modified), ETag: `"` + o.ETag + `"`,
			Size: o.Size, StorageClass: "STANDARD"}
		if o.ChecksumAlg != "" {
			c.ChecksumAlgorithm, c.ChecksumType = o.ChecksumAlg, "FULL_OBJECT"
		}
		if o.Class != "" {
			c.StorageClass = o.Class
		}
		if owner {
			c.Owner = &xmlOwner{ID: req.h.s.owner}
		}
		out[i] = c
	}
	return out
}

func prefixes(ps []string, encode bool) []xmlPrefix {
	out := make([]xmlPrefix, len(ps))
	for i, p := range ps {
		out[i] = xmlPrefix{Prefix: urlEncode(p, encode)}
	}
	return out
}

func (req *request) listObjectsV2() error {
	q := req.q
	p, requested, encode, err := listQuery(q)
	if err != nil {
		return err
	}
	p.Bucket = req.bucket
	token := q.Get("continuation-token")
	if q.Has("continuation-token") {
		c, err := decodeToken(token)
		if err != nil {
			return errInvalidArgument("The continuation token provided is incorrect", "continuation-token", token)
		}
		p.Resume = &c
	} else {
		p.After = q.Get("start-after")
	}
	page, err := req.h.s.list(req.ctx, p)
	if err != nil {
		return err
	}
	n := len(page.Objects) + len(page.Prefixes)
	out := listBucketResult{
		Name: req.bucket, Prefix: urlEncode(p.Prefix, encode), ContinuationToken: token,
		StartAfter: urlEncode(q.Get("start-after"), encode), KeyCount: &n, MaxKeys: requested,
		Delimiter: urlEncode(p.Delimiter, encode), IsTruncated: page.Truncated,
		Contents: req.contents(page.Objects, q.Get("fetch-owner") == "true", encode), CommonPrefixes: prefixes(page.Prefixes, encode),
	}
	if encode {
		out.EncodingType = "url"
	}
	if page.Truncated {
		out.NextContinuationToken = encodeToken(page.Last)
	}
	return req.writeXML(http.StatusOK, out)
}

func (req *request) listObjects() error {
	q := req.q
	p, requested, encode, err := listQuery(q)
	if err != nil {
		return err
	}
	p.Bucket = req.bucket
	marker := q.Get("marker")
	p.After = marker
	page, err := req.h.s.list(req.ctx, p)
	if err != nil {
		return err
	}
	m := urlEncode(marker, encode)
	out := listBucketResult{
		Name: req.bucket, Prefix: urlEncode(p.Prefix, encode), Marker: &m, MaxKeys: requested,
		Delimiter: urlEncode(p.Delimiter, encode), IsTruncated: page.Truncated,
		Contents: req.contents(page.Objects, true, encode), CommonPrefixes: prefixes(page.Prefixes, encode),
	}
	if encode {
		out.EncodingType = "url"
	}
	if page.Truncated && p.Delimiter != "" {
		out.NextMarker = urlEncode(page.Last.key, encode)
	}
	return req.writeXML(http.StatusOK, out)
}

// listObjectVersions answers as S3 does for a bucket that never had
// versioning: every object is its one version, "null".
func (req *request) listObjectVersions() error {
	q := req.q
	p, requested, encode, err := listQuery(q)
	if err != nil {
		return err
	}
	p.Bucket = req.bucket
	p.After = q.Get("key-marker")
	page, err := req.h.s.list(req.ctx, p)
	if err != nil {
		return err
	}
	out := listVersionsResult{
		Name: req.bucket, Prefix: urlEncode(p.Prefix, encode), KeyMarker: urlEncode(p.After, encode),
		VersionIDMarker: q.Get("version-id-marker"), MaxKeys: requested, Delimiter: urlEncode(p.Delimiter, encode),
		IsTruncated: page.Truncated, CommonPrefixes: prefixes(page.Prefixes, encode),
	}
	if encode {
		out.EncodingType = "url"
	}
	for _, o := range page.Objects {
		v := xmlVersion{Key: urlEncode(o.Key, encode), VersionID: "null", IsLatest: true, LastModified: isoTime(o.Modified),
			ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD", Owner: xmlOwner{ID: req.h.s.owner}}
		if o.ChecksumAlg != "" {
			v.ChecksumAlgorithm, v.ChecksumType = o.ChecksumAlg, "FULL_OBJECT"
		}
		if o.Class != "" {
			v.StorageClass = o.Class
		}
		out.Versions = append(out.Versions, v)
	}
	if page.Truncated {
		out.NextKeyMarker = urlEncode(page.Last.key, encode)
		if !page.Last.prefix {
			out.NextVersionIDMarker = "null"
		}
	}
	return req.writeXML(http.StatusOK, out)
}
