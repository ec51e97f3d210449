package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// SigningName is S3's SigV4 service name: register the handler with
// awsproto.Router.HandleService(SigningName, h) and as the router's
// NotFound (S3 claims every request no other service does, since its paths
// are bucket names).
const SigningName = "s3"

// handler serves S3's restXml protocol.
type handler struct {
	s    *Service
	auth awsproto.Authenticator
}

// NewHTTPHandler returns S3's REST endpoint. It assumes no path prefix:
// "/" is ListBuckets, "/<bucket>" a bucket and "/<bucket>/<key>" an object
// (path style), unless the Host is "<bucket>.<base>" for one of the
// service's virtual-host bases (Config.VirtualHostBases), in which case
// "/" is the bucket and "/<key>" an object. auth, when set, authenticates
// every request (its body is not passed: the payload hash comes from
// x-amz-content-sha256 and the handler checks it while reading).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	return &handler{s: s, auth: auth}
}

// request is one request being served.
type request struct {
	h      *handler
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	id     string // x-amz-request-id
	hostID string // x-amz-id-2
	bucket string
	key    string
	object bool // the path names an object (key may still be "")
	q      url.Values
	region string // the region the request was signed for
	wrote  bool
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := &request{h: h, w: w, r: r, id: newRequestID(), hostID: newHostID()}
	req.ctx = awsproto.WithRequestID(r.Context(), req.id)
	hdr := w.Header()
	hdr.Set("x-amz-request-id", req.id)
	hdr.Set("x-amz-id-2", req.hostID)
	hdr.Set("Server", "AmazonS3")
	if err := h.serve(req); err != nil {
		req.writeError(err)
	}
}

func (h *handler) serve(req *request) error {
	r := req.r
	req.q = r.URL.Query()
	if err := req.address(); err != nil {
		return err
	}
	req.region = h.s.cfg.Region
	if r.Header.Get("Authorization") != "" && r.Header.Get("X-Amz-Content-Sha256") == "" {
		if _, err := awsproto.ParseCredentialScope(r); err == nil {
			return errInvalidRequest("Missing required header for this request: x-amz-content-sha256")
		}
	}
	if h.auth != nil {
		cred, err := h.auth(r, nil)
		if err != nil {
			return err
		}
		if cred != nil {
			if cred.Service != SigningName {
				return errMsg("AuthorizationHeaderMalformed", "The authorization header is malformed; incorrect service \""+
					cred.Service+"\". This endpoint belongs to \""+SigningName+"\".")
			}
			req.region = cred.Region
			req.ctx = awsproto.WithCredential(req.ctx, cred)
		}
	} else if cred, err := awsproto.ParseCredentialScope(r); err == nil {
		req.region = cred.Region
		req.ctx = awsproto.WithCredential(req.ctx, cred)
	}
	op := route(req)
	if op == nil {
		return newErr("MethodNotAllowed").with("Method", r.Method).with("ResourceType", req.resourceType())
	}
	return op(req)
}

func (req *request) resourceType() string {
	switch {
	case req.object:
		return "OBJECT"
	case req.bucket != "":
		return "BUCKET"
	}
	return "SERVICE"
}

// address finds the bucket and key: virtual-hosted style when the Host is
// "<bucket>.<base>", path style otherwise.
func (req *request) address() error {
	host := strings.ToLower(req.r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	path := req.r.URL.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if bucket := req.h.s.virtualBucket(host); bucket != "" {
		req.bucket = bucket
		if len(path) > 1 {
			req.object = true
			req.key = path[1:]
		}
		return nil
	}
	rest := path[1:]
	if rest == "" {
		return nil
	}
	bucket, key, found := strings.Cut(rest, "/")
	req.bucket = bucket
	if found && key != "" {
		req.object = true
		req.key = key
	}
	return nil
}

// virtualBucket returns the bucket a virtual-hosted-style host names, or
// "" for a path-style host.
func (s *Service) virtualBucket(host string) string {
	for _, base := range s.bases {
		if host == base {
			return ""
		}
	}
	for _, base := range s.bases {
		if len(host) > len(base)+1 && strings.HasSuffix(host, base) && host[len(host)-len(base)-1] == '.' {
			return host[:len(host)-len(base)-1]
		}
	}
	return ""
}

// op serves one request.
type op func(*request) error

// unsupported are subresources S3 has that Stepflow does not serve: they
// answer NotImplemented rather than being mistaken for another operation.
var unsupported = []string{
	"analytics", "metrics", "inventory", "intelligent-tiering", "restore", "select", "torrent",
	"retention", "legal-hold", "attributes", "metadataTable", "metadataConfiguration", "renameObject",
	"session", "abac", "website-redirect",
}

// route picks the operation for a request: the method, whether it names a
// bucket or an object, and its subresource.
func route(req *request) op {
	q, m := req.q, req.r.Method
	for _, u := range unsupported {
		if q.Has(u) {
			return func(*request) error { return newErr("NotImplemented") }
		}
	}
	switch {
	case req.bucket == "":
		if m == http.MethodGet {
			return (*request).listBuckets
		}
		return nil
	case !req.object:
		if c := configFor(q); c != nil {
			switch m {
			case http.MethodGet:
				return c.get
			case http.MethodPut:
				return c.put
			case http.MethodDelete:
				return c.del
			}
			return nil
		}
		switch m {
		case http.MethodHead:
			return (*request).headBucket
		case http.MethodGet:
			switch {
			case q.Has("location"):
				return (*request).getBucketLocation
			case q.Has("policyStatus"):
				return (*request).getBucketPolicyStatus
			case q.Has("versions"):
				return (*request).listObjectVersions
			case q.Has("uploads"):
				return (*request).listMultipartUploads
			case q.Get("list-type") == "2":
				return (*request).listObjectsV2
			}
			return (*request).listObjects
		case http.MethodPut:
			return (*request).createBucket
		case http.MethodDelete:
			return (*request).deleteBucket
		case http.MethodPost:
			if q.Has("delete") {
				return (*request).deleteObjects
			}
		}
		return nil
	}
	switch m {
	case http.MethodGet:
		switch {
		case q.Has("tagging"):
			return (*request).getObjectTagging
		case q.Has("acl"):
			return (*request).getObjectACL
		case q.Has("uploadId"):
			return (*request).listParts
		}
		return (*request).getObject
	case http.MethodHead:
		return (*request).getObject
	case http.MethodPut:
		switch {
		case q.Has("tagging"):
			return (*request).putObjectTagging
		case q.Has("acl"):
			return (*request).putObjectACL
		case q.Has("uploadId") || q.Has("partNumber"):
			return (*request).uploadPart
		case req.r.Header.Get("X-Amz-Copy-Source") != "":
			return (*request).copyObject
		}
		return (*request).putObject
	case http.MethodDelete:
		switch {
		case q.Has("tagging"):
			return (*request).deleteObjectTagging
		case q.Has("uploadId"):
			return (*request).abortMultipartUpload
		}
		return (*request).deleteObject
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return (*request).createMultipartUpload
		case q.Has("uploadId"):
			return (*request).completeMultipartUpload
		}
	}
	return nil
}

// Responses.

// writeXML writes v as an XML document.
func (req *request) writeXML(status int, v any) error {
	body, err := marshalXML(v)
	if err != nil {
		return err
	}
	req.writeBody(status, "application/xml", body)
	return nil
}

// writeBody writes a complete response.
func (req *request) writeBody(status int, contentType string, body []byte) {
	hdr := req.w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	req.wrote = true
	req.w.WriteHeader(status)
	if req.r.Method != http.MethodHead {
		_, _ = req.w.Write(body)
	}
}

// writeEmpty writes a response without a body.
func (req *request) writeEmpty(status int) {
	if status != http.StatusNoContent && status != http.StatusNotModified {
		req.w.Header().Set("Content-Length", "0")
	}
	req.wrote = true
	req.w.WriteHeader(status)
}

// writeError writes err as S3 does: the XML error document (none for HEAD
// and 304), x-amz-request-id and x-amz-id-2.
func (req *request) writeError(err error) {
	e := asAPIError(err)
	if e.Code == "InternalError" {
		req.h.s.log.Error("s3_internal_error", "method", req.r.Method, "bucket", req.bucket, "key", req.key, "error", err.Error())
	}
	if req.wrote {
		return // the response is under way; the client sees it cut short
	}
	req.wrote = true
	hdr := req.w.Header()
	if e.Status == http.StatusNotModified {
		req.w.WriteHeader(e.Status)
		return
	}
	if req.r.Method == http.MethodHead {
		req.w.WriteHeader(e.Status)
		return
	}
	body := errorDocument(e, req.id, req.hostID)
	hdr.Set("Content-Type", "application/xml")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	req.w.WriteHeader(e.Status)
	_, _ = req.w.Write(body)
}

// errorDocument renders S3's error document.
func errorDocument(e *apiError, requestID, hostID string) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.WriteString("<Error>")
	element(&b, "Code", e.Code)
	element(&b, "Message", e.Message)
	for _, f := range e.Fields {
		element(&b, f[0], f[1])
	}
	element(&b, "RequestId", requestID)
	element(&b, "HostId", hostID)
	b.WriteString("</Error>")
	return b.Bytes()
}

func element(b *bytes.Buffer, name, value string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	_ = xml.EscapeText(b, []byte(value))
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// newRequestID returns an x-amz-request-id: 16 characters of [0-9A-Z].
func newRequestID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [16]byte
	v := rand.Uint64()
	w := rand.Uint64()
	for i := range b {
		if i == 8 {
			v = w
		}
		b[i] = alphabet[v%36]
		v /= 36
	}
	return string(b[:])
}

// newHostID returns an x-amz-id-2: 56 random bytes in base64.
func newHostID() string {
	var b [56]byte
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

// Request bodies.

// bodyCheck is what a request says its body must hash to.
type bodyCheck struct {
	md5         []byte // Content-MD5
	alg         string // checksum algorithm named by a header or trailer
	checksum    string // its expected value, "" when sent as a trailer
	trailerName string // the trailer that will carry it
	sha256      string // x-amz-content-sha256 when it is a hex digest
}

// bodyCheckOf reads the integrity headers of a request: Content-MD5,
// x-amz-checksum-* / x-amz-sdk-checksum-algorithm / x-amz-trailer, and
// x-amz-content-sha256.
func bodyCheckOf(r *http.Request) (bodyCheck, error) {
	var c bodyCheck
	if v := r.Header.Get("Content-Md5"); v != "" {
		sum, ok := contentMD5(v)
		if !ok {
			return c, newErr("InvalidDigest").with("Content-MD5", v)
		}
		c.md5 = sum
	}
	for _, alg := range checksumAlgs {
		v := r.Header.Get(checksumHeader(alg))
		if v == "" {
			continue
		}
		if c.alg != "" {
			return c, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if !validChecksum(alg, v) {
			return c, errInvalidRequest("Value for " + checksumHeader(alg) + " header is invalid.")
		}
		c.alg, c.checksum = alg, v
	}
	if t := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Amz-Trailer"))); t != "" {
		alg := ""
		for _, a := range checksumAlgs {
			if t == checksumHeader(a) {
				alg = a
			}
		}
		if alg == "" {
			return c, errInvalidRequest("The value specified in the x-amz-trailer header is not supported")
		}
		if c.alg != "" && c.alg != alg {
			return c, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		c.alg, c.trailerName = alg, t
	}
	if a := strings.ToUpper(r.Header.Get("X-Amz-Sdk-Checksum-Algorithm")); a != "" && c.alg == "" {
		if newChecksum(a) == nil {
			return c, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		c.alg = a
	}
	if h := r.Header.Get("X-Amz-Content-Sha256"); len(h) == 64 {
		if _, err := hex.DecodeString(h); err == nil {
			c.sha256 = strings.ToLower(h)
		}
	}
	return c, nil
}

// chunked reports whether the body is aws-chunked encoded.
func chunked(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return true
	}
	for _, v := range strings.Split(r.Header.Get("Content-Encoding"), ",") {
		if strings.TrimSpace(v) == "aws-chunked" {
			return true
		}
	}
	return false
}

// decodedLength is the length of the object data a request carries: the
// x-amz-decoded-content-length of an aws-chunked body, else
// Content-Length; -1 when unknown.
func decodedLength(r *http.Request) (int64, error) {
	if chunked(r) {
		v := r.Header.Get("X-Amz-Decoded-Content-Length")
		if v == "" {
			return -1, nil
		}
		n, ok := digits(v)
		if !ok {
			return 0, errInvalidArgument("x-amz-decoded-content-length must be a non-negative integer", "x-amz-decoded-content-length", v)
		}
		return n, nil
	}
	return r.ContentLength, nil
}

// bodyReader returns the request's data: decoded when aws-chunked (the
// second result then gives the trailers, once the body is read).
func bodyReader(r *http.Request) (io.Reader, func() map[string]string) {
	if r.Body == nil {
		return bytes.NewReader(nil), func() map[string]string { return nil }
	}
	if chunked(r) {
		c := newChunkedReader(r.Body)
		return c, func() map[string]string { return c.trailers }
	}
	return r.Body, func() map[string]string { return nil }
}

// readDoc reads a small request body (an XML or JSON document) and checks
// it against the request's Content-MD5, x-amz-checksum-* and
// x-amz-content-sha256.
func (req *request) readDoc() ([]byte, error) {
	check, err := bodyCheckOf(req.r)
	if err != nil {
		return nil, err
	}
	if req.r.ContentLength > maxXMLBody {
		return nil, newErr("MaxMessageLengthExceeded")
	}
	body, trailers := bodyReader(req.r)
	data, err := io.ReadAll(io.LimitReader(body, maxXMLBody+1))
	if err != nil {
		var e *apiError
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, newErr("IncompleteBody")
	}
	if len(data) > maxXMLBody {
		return nil, newErr("MaxMessageLengthExceeded")
	}
	if check.md5 != nil {
		if sum := md5.Sum(data); !bytes.Equal(sum[:], check.md5) {
			return nil, newErr("BadDigest").with("ExpectedDigest", hex.EncodeToString(check.md5)).
				with("CalculatedDigest", hex.EncodeToString(sum[:]))
		}
	}
	if check.sha256 != "" {
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != check.sha256 {
			return nil, xAmzContentSHA256Mismatch(check.sha256, hex.EncodeToString(sum[:]))
		}
	}
	if check.alg != "" {
		want := check.checksum
		if check.trailerName != "" {
			want = trailers()[check.trailerName]
		}
		if want != "" && checksumOf(check.alg, data) != want {
			return nil, errBadChecksum(check.alg)
		}
	}
	return data, nil
}

func xAmzContentSHA256Mismatch(client, computed string) *apiError {
	return newErr("XAmzContentSHA256Mismatch").with("ClientComputedContentSHA256", client).
		with("S3ComputedContentSHA256", computed)
}

func errBadChecksum(alg string) *apiError {
	return errMsg("BadDigest", "The "+alg+" you specified did not match the calculated checksum.")
}
