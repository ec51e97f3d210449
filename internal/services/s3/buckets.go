package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf16"
)

// canonicalID is the 64-hex-digit canonical user ID S3 shows as the owner
// of everything an account creates.
func canonicalID(account string) string {
	sum := sha256.Sum256([]byte("stepflow-s3-owner:" + account))
	return hex.EncodeToString(sum[:])
}

// validBucketName applies S3's general purpose bucket naming rules: 3 to
// 63 characters of lower-case letters, digits, dots and hyphens, starting
// and ending with a letter or digit, no two adjacent dots, not an IP
// address, and none of the reserved prefixes and suffixes.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	first, last := name[0], name[len(name)-1]
	if first == '.' || first == '-' || last == '.' || last == '-' {
		return false
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// regionPattern is the form of an AWS region name.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// bucketOptions are CreateBucket's settings beyond the name.
type bucketOptions struct {
	// Region the request was sent to (its SigV4 scope).
	Region             string
	LocationConstraint string
	Tags               []tag
	ObjectLock         bool
	// Ownership is x-amz-object-ownership; "" means BucketOwnerEnforced.
	Ownership string
}

// Default documents of a new bucket (S3 since April 2023: Block Public
// Access on, ACLs disabled).
const (
	defaultPublicAccessBlock = `<PublicAccessBlockConfiguration xmlns="` + xmlns + `"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`
	ownershipControlsFormat  = `<OwnershipControls xmlns="` + xmlns + `"><Rule><ObjectOwnership>%s</ObjectOwnership></Rule></OwnershipControls>`
)

func ownershipDoc(o string) []byte {
	return []byte(strings.Replace(ownershipControlsFormat, "%s", o, 1))
}

var ownerships = []string{"BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"}

// createBucket creates a bucket, as AWS does: a bucket without location
// constraint is in us-east-1 and may only be created through us-east-1; a
// constraint must name the region the request went to. Creating a bucket
// one already owns answers 200 in us-east-1 (S3's legacy behaviour) and
// BucketAlreadyOwnedByYou elsewhere.
func (s *Service) createBucket(ctx context.Context, name string, o bucketOptions) (region string, err error) {
	if !validBucketName(name) {
		return "", newErr("InvalidBucketName").with("BucketName", name)
	}
	lc := o.LocationConstraint
	switch {
	case lc == "":
		if o.Region != "us-east-1" {
			return "", newErr("IllegalLocationConstraintException")
		}
		region = "us-east-1"
	case lc == "us-east-1" || !regionPattern.MatchString(lc):
		return "", newErr("InvalidLocationConstraint").with("LocationConstraint", lc)
	case lc != o.Region:
		return "", errMsg("IllegalLocationConstraintException", "The "+lc+
			" location constraint is incompatible for the region specific endpoint this request was sent to.")
	default:
		region = lc
	}
	ownership := o.Ownership
	if ownership == "" {
		ownership = "BucketOwnerEnforced"
	} else if !contains(ownerships, ownership) {
		return "", errInvalidArgument("Invalid x-amz-object-ownership header: "+ownership, "x-amz-object-ownership", ownership)
	}
	var tagDoc []byte
	if len(o.Tags) > 0 {
		if err := checkTags(o.Tags, maxBucketTags); err != nil {
			return "", err
		}
		if tagDoc, err = marshalXML(tagging(o.Tags)); err != nil {
			return "", err
		}
	}
	now := s.now()
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		var have string
		switch err := tx.QueryRow(`SELECT region FROM s3_buckets WHERE name = ?`, name).Scan(&have); {
		case err == nil:
			if have == "us-east-1" && region == "us-east-1" {
				return errAlreadyOwned
			}
			return newErr("BucketAlreadyOwnedByYou").with("BucketName", name)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.Exec(`INSERT INTO s3_buckets (name, region, created, object_lock) VALUES (?, ?, ?, ?)`,
			name, region, now.UnixMilli(), o.ObjectLock); err != nil {
			return err
		}
		docs := [][2]any{
			{cfgPublicAccessBlock, []byte(defaultPublicAccessBlock)},
			{cfgOwnership, ownershipDoc(ownership)},
		}
		if tagDoc != nil {
			docs = append(docs, [2]any{cfgTagging, tagDoc})
		}
		if o.ObjectLock {
			docs = append(docs, [2]any{cfgVersioning, []byte(`<VersioningConfiguration xmlns="` + xmlns + `"><Status>Enabled</Status></VersioningConfiguration>`)})
		}
		for _, d := range docs {
			if _, err := tx.Exec(`INSERT INTO s3_bucket_configs (bucket, name, body) VALUES (?, ?, ?)`, name, d[0], d[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errAlreadyOwned) {
		return region, nil
	}
	return region, err
}

// errAlreadyOwned ends createBucket's transaction without a change when
// the bucket exists and re-creating it is a no-op.
var errAlreadyOwned = errors.New("bucket already owned")

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// deleteBucket deletes an empty bucket with its settings and aborts its
// multipart uploads.
func (s *Service) deleteBucket(ctx context.Context, name string) error {
	var parts []string
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		parts = parts[:0]
		ok, err := bucketExists(tx, name)
		if err != nil {
			return err
		}
		if !ok {
			return errNoSuchBucket(name)
		}
		var one int
		switch err := tx.QueryRow(`SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1`, name).Scan(&one); {
		case err == nil:
			return newErr("BucketNotEmpty").with("BucketName", name)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		rows, err := tx.Query(`SELECT p.blob FROM s3_parts p JOIN s3_uploads u ON u.id = p.upload WHERE u.bucket = ?`, name)
		if err != nil {
			return err
		}
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return err
			}
			parts = append(parts, b)
		}
		rows.Close()
		if _, err := tx.Exec(`DELETE FROM s3_uploads WHERE bucket = ?`, name); err != nil {
			return err
		}
		_, err = tx.Exec(`DELETE FROM s3_buckets WHERE name = ?`, name)
		return err
	})
	if err != nil {
		return err
	}
	s.blobs.remove(parts...)
	return nil
}

// Wire operations on buckets.

func (req *request) createBucket() error {
	s := req.h.s
	body, err := req.readDoc()
	if err != nil {
		return err
	}
	cfg, err := parseCreateBucketConfiguration(body)
	if err != nil {
		return err
	}
	tags := make([]tag, len(cfg.Tags))
	for i, t := range cfg.Tags {
		tags[i] = tag(t)
	}
	lock := false
	if v := req.r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"); v != "" {
		lock = strings.EqualFold(v, "true")
	}
	if _, err := s.createBucket(req.ctx, req.bucket, bucketOptions{
		Region: req.region, LocationConstraint: cfg.LocationConstraint, Tags: tags,
		ObjectLock: lock, Ownership: req.r.Header.Get("X-Amz-Object-Ownership"),
	}); err != nil {
		return err
	}
	req.w.Header().Set("Location", "/"+req.bucket)
	req.writeEmpty(http.StatusOK)
	return nil
}

func (req *request) headBucket() error {
	b, err := req.h.s.getBucket(req.ctx, req.bucket)
	if err != nil {
		return err
	}
	hdr := req.w.Header()
	hdr.Set("x-amz-bucket-region", b.Region)
	hdr.Set("x-amz-access-point-alias", "false")
	req.writeEmpty(http.StatusOK)
	return nil
}

func (req *request) deleteBucket() error {
	if err := req.h.s.deleteBucket(req.ctx, req.bucket); err != nil {
		return err
	}
	req.writeEmpty(http.StatusNoContent)
	return nil
}

func (req *request) getBucketLocation() error {
	b, err := req.h.s.getBucket(req.ctx, req.bucket)
	if err != nil {
		return err
	}
	lc := b.Region
	if lc == "us-east-1" {
		lc = ""
	}
	return req.writeXML(http.StatusOK, locationConstraint{Value: lc})
}

// maxBuckets is ListBuckets' largest (and default) page.
const maxBuckets = 10000

func (req *request) listBuckets() error {
	s := req.h.s
	q := req.q
	limit := maxBuckets
	if v := q.Get("max-buckets"); v != "" {
		n, ok := digits(v)
		if !ok || n < 1 || n > maxBuckets {
			return errInvalidArgument("Argument max-buckets must be an integer between 1 and 10000.", "max-buckets", v)
		}
		limit = int(n)
	}
	after := ""
	if t := q.Get("continuation-token"); t != "" {
		a, err := decodeToken(t)
		if err != nil || a.prefix {
			return errInvalidArgument("The continuation token provided is incorrect", "continuation-token", t)
		}
		after = a.key
	}
	prefix := q.Get("prefix")
	region := q.Get("bucket-region")
	out := listAllMyBucketsResult{Owner: xmlOwner{ID: s.owner}, Prefix: prefix, Buckets: []xmlBucket{}}
	for {
		rows, err := s.listBucketRows(req.ctx, prefix, after, limit+1)
		if err != nil {
			return err
		}
		for _, b := range rows {
			after = b.Name
			if region != "" && b.Region != region {
				continue
			}
			if len(out.Buckets) == limit {
				out.ContinuationToken = encodeToken(cursor{key: out.Buckets[len(out.Buckets)-1].Name})
				return req.writeXML(http.StatusOK, out)
			}
			out.Buckets = append(out.Buckets, xmlBucket{Name: b.Name, CreationDate: isoTime(b.Created), BucketRegion: b.Region})
		}
		if len(rows) <= limit {
			break
		}
	}
	return req.writeXML(http.StatusOK, out)
}

func (req *request) getBucketPolicyStatus() error {
	s := req.h.s
	if _, err := s.getBucket(req.ctx, req.bucket); err != nil {
		return err
	}
	if _, ok, err := s.getConfig(req.ctx, req.bucket, cfgPolicy); err != nil {
		return err
	} else if !ok {
		return errNotFound("NoSuchBucketPolicy", req.bucket)
	}
	body := []byte(`<PolicyStatus xmlns="` + xmlns + `"><IsPublic>false</IsPublic></PolicyStatus>`)
	req.writeBody(http.StatusOK, "application/xml", append([]byte(xmlHeader), body...))
	return nil
}

// Bucket settings (subresources), stored as the documents clients send.

// Names of stored bucket subresources.
const (
	cfgTagging           = "tagging"
	cfgPolicy            = "policy"
	cfgVersioning        = "versioning"
	cfgPublicAccessBlock = "publicAccessBlock"
	cfgOwnership         = "ownershipControls"
	cfgObjectLock        = "object-lock"
)

// configDef is one bucket subresource ("?tagging", "?cors", ...): GET
// answers the stored document, or def's default, or the missing error;
// PUT checks and stores one; DELETE removes it.
type configDef struct {
	name    string // the query key and the stored name
	root    string // the XML root element ("" for the JSON policy)
	missing string // the error of GET when unset and def gives nothing
	def     func(s *Service, b bucketRow) []byte
	// check validates a PUT body and returns what to store.
	check     func(req *request, b bucketRow, body []byte) ([]byte, error)
	putStatus int
	noDelete  bool
}

func emptyDoc(root string) func(*Service, bucketRow) []byte {
	doc := []byte(`<` + root + ` xmlns="` + xmlns + `"/>`)
	return func(*Service, bucketRow) []byte { return doc }
}

var configs = []*configDef{
	{name: cfgTagging, root: "Tagging", missing: "NoSuchTagSet", check: checkBucketTagging, putStatus: http.StatusNoContent},
	{name: cfgPolicy, missing: "NoSuchBucketPolicy", check: checkPolicy, putStatus: http.StatusNoContent},
	{name: cfgVersioning, root: "VersioningConfiguration", def: emptyDoc("VersioningConfiguration"), check: checkVersioning, noDelete: true},
	{name: cfgPublicAccessBlock, root: "PublicAccessBlockConfiguration", missing: "NoSuchPublicAccessBlockConfiguration"},
	{name: cfgOwnership, root: "OwnershipControls", missing: "OwnershipControlsNotFoundError", check: checkOwnership},
	{name: "encryption", root: "ServerSideEncryptionConfiguration", def: func(*Service, bucketRow) []byte { return []byte(defaultEncryption) }},
	{name: "cors", root: "CORSConfiguration", missing: "NoSuchCORSConfiguration"},
	{name: "website", root: "WebsiteConfiguration", missing: "NoSuchWebsiteConfiguration"},
	{name: "lifecycle", root: "LifecycleConfiguration", missing: "NoSuchLifecycleConfiguration"},
	{name: "replication", root: "ReplicationConfiguration", missing: "ReplicationConfigurationNotFoundError", check: checkReplication},
	{name: cfgObjectLock, root: "ObjectLockConfiguration", missing: "ObjectLockConfigurationNotFoundError", def: defaultObjectLock, check: checkObjectLock, noDelete: true},
	{name: "accelerate", root: "AccelerateConfiguration", def: emptyDoc("AccelerateConfiguration"), noDelete: true},
	{name: "requestPayment", root: "RequestPaymentConfiguration", def: func(*Service, bucketRow) []byte { return []byte(defaultRequestPayment) }, noDelete: true},
	{name: "logging", root: "BucketLoggingStatus", def: emptyDoc("BucketLoggingStatus"), noDelete: true},
	{name: "notification", root: "NotificationConfiguration", def: emptyDoc("NotificationConfiguration"), noDelete: true},
	{name: "acl", root: "AccessControlPolicy", def: defaultACL, check: checkBucketACL, noDelete: true},
}

const (
	defaultEncryption     = `<ServerSideEncryptionConfiguration xmlns="` + xmlns + `"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`
	defaultRequestPayment = `<RequestPaymentConfiguration xmlns="` + xmlns + `"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>`
)

func defaultACL(s *Service, _ bucketRow) []byte { return []byte(aclDoc(s.owner)) }

func aclDoc(owner string) string {
	return `<AccessControlPolicy xmlns="` + xmlns + `"><Owner><ID>` + owner + `</ID></Owner><AccessControlList><Grant>` +
		`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + owner +
		`</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`
}

func defaultObjectLock(_ *Service, b bucketRow) []byte {
	if !b.ObjectLock {
		return nil
	}
	return []byte(`<ObjectLockConfiguration xmlns="` + xmlns + `"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`)
}

// configFor returns the subresource a bucket request's query names.
func configFor(q url.Values) *configDef {
	if len(q) == 0 {
		return nil
	}
	for _, c := range configs {
		if q.Has(c.name) {
			return c
		}
	}
	return nil
}

func (c *configDef) get(req *request) error {
	s := req.h.s
	b, err := s.getBucket(req.ctx, req.bucket)
	if err != nil {
		return err
	}
	body, ok, err := s.getConfig(req.ctx, req.bucket, c.name)
	if err != nil {
		return err
	}
	if !ok && c.def != nil {
		body, ok = c.def(s, b), true
	}
	if !ok || body == nil {
		return errNotFound(c.missing, req.bucket)
	}
	if c.root == "" {
		req.writeBody(http.StatusOK, "application/json", body)
		return nil
	}
	if !bytes.HasPrefix(body, []byte("<?xml")) {
		body = append([]byte(xmlHeader), body...)
	}
	req.writeBody(http.StatusOK, "application/xml", body)
	return nil
}

func (c *configDef) put(req *request) error {
	s := req.h.s
	b, err := s.getBucket(req.ctx, req.bucket)
	if err != nil {
		return err
	}
	body, err := req.readDoc()
	if err != nil {
		return err
	}
	if c.check == nil || c.root != "" {
		if len(bytes.TrimSpace(body)) == 0 {
			if c.name != "acl" {
				return newErr("MissingRequestBodyError")
			}
		} else {
			root, err := rootElement(body)
			if err != nil {
				return err
			}
			if root != c.root {
				return errMalformedXML()
			}
		}
	}
	if c.check != nil {
		if body, err = c.check(req, b, body); err != nil {
			return err
		}
	}
	if err := s.setConfig(req.ctx, req.bucket, c.name, body); err != nil {
		return err
	}
	status := c.putStatus
	if status == 0 {
		status = http.StatusOK
	}
	req.writeEmpty(status)
	return nil
}

func (c *configDef) del(req *request) error {
	if c.noDelete {
		return newErr("MethodNotAllowed").with("Method", http.MethodDelete).with("ResourceType", strings.ToUpper(c.name))
	}
	if err := req.h.s.setConfig(req.ctx, req.bucket, c.name, nil); err != nil {
		return err
	}
	req.writeEmpty(http.StatusNoContent)
	return nil
}

// Checks of stored settings.

const (
	maxBucketTags = 50
	maxObjectTags = 10
)

func tagging(tags []tag) taggingDoc {
	d := taggingDoc{TagSet: make([]xmlTag, len(tags))}
	for i, t := range tags {
		d.TagSet[i] = xmlTag(t)
	}
	return d
}

// checkTags applies S3's tag rules: at most max tags, unique keys of 1 to
// 128 characters not starting with "aws:", values up to 256 characters
// (lengths in UTF-16 code units, as S3 counts).
func checkTags(tags []tag, max int) error {
	if len(tags) > max {
		if max == maxObjectTags {
			return errMsg("BadRequest", "Object tags cannot be greater than 10")
		}
		return errMsg("InvalidTag", "Bucket tag count cannot be greater than 50")
	}
	seen := make(map[string]struct{}, len(tags))
	for _, t := range tags {
		switch {
		case t.Key == "":
			return errMsg("InvalidTag", "The TagKey you have provided is invalid").with("TagKey", t.Key)
		case len(utf16.Encode([]rune(t.Key))) > 128:
			return errMsg("InvalidTag", "The TagKey you have provided is too long, max 128").with("TagKey", t.Key)
		case len(utf16.Encode([]rune(t.Value))) > 256:
			return errMsg("InvalidTag", "The TagValue you have provided is too long, max 256").with("TagKey", t.Key).with("TagValue", t.Value)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return errMsg("InvalidTag", "System tags cannot be added/updated by requester")
		}
		if _, dup := seen[t.Key]; dup {
			return errMsg("InvalidTag", "Cannot provide multiple Tags with the same key").with("TagKey", t.Key)
		}
		seen[t.Key] = struct{}{}
	}
	return nil
}

func checkBucketTagging(_ *request, _ bucketRow, body []byte) ([]byte, error) {
	tags, err := parseTagging(body, maxBucketTags)
	if err != nil {
		return nil, err
	}
	return marshalXML(tagging(tags))
}

// checkPolicy accepts a JSON object with a Statement, as S3's first checks
// do (it does not evaluate policies).
func checkPolicy(_ *request, _ bucketRow, body []byte) ([]byte, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return nil, newErr("MalformedPolicy")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(t, &doc); err != nil {
		return nil, newErr("MalformedPolicy")
	}
	if _, ok := doc["Statement"]; !ok {
		return nil, errMsg("MalformedPolicy", "Missing required field Statement")
	}
	if len(t) > 20480 {
		return nil, errMsg("MalformedPolicy", "Policy document exceeds the maximum allowed size of 20480 bytes")
	}
	return t, nil
}

type versioningDoc struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Status    string   `xml:"Status"`
	MfaDelete string   `xml:"MfaDelete"`
}

func checkVersioning(req *request, b bucketRow, body []byte) ([]byte, error) {
	var d versioningDoc
	if err := decodeXML(body, &d); err != nil {
		return nil, err
	}
	switch d.Status {
	case "Enabled", "Suspended":
	default:
		return nil, errMalformedXML()
	}
	switch d.MfaDelete {
	case "", "Disabled":
	case "Enabled":
		return nil, errInvalidRequest("DevPay and Mfa are mutually exclusive authorization methods.")
	default:
		return nil, errMalformedXML()
	}
	if d.Status == "Suspended" {
		if _, ok, err := req.h.s.getConfig(req.ctx, b.Name, cfgObjectLock); err != nil {
			return nil, err
		} else if ok || b.ObjectLock {
			return nil, errMsg("InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
	}
	return body, nil
}

type ownershipRequest struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

func checkOwnership(_ *request, _ bucketRow, body []byte) ([]byte, error) {
	var d ownershipRequest
	if err := decodeXML(body, &d); err != nil {
		return nil, err
	}
	if len(d.Rules) != 1 || !contains(ownerships, d.Rules[0].ObjectOwnership) {
		return nil, errMalformedXML()
	}
	return ownershipDoc(d.Rules[0].ObjectOwnership), nil
}

// versioningEnabled reports whether a bucket's versioning is Enabled.
func (s *Service) versioningEnabled(ctx context.Context, bucket string) (bool, error) {
	body, ok, err := s.getConfig(ctx, bucket, cfgVersioning)
	if err != nil || !ok {
		return false, err
	}
	var d versioningDoc
	if xml.Unmarshal(body, &d) != nil {
		return false, nil
	}
	return d.Status == "Enabled", nil
}

func checkReplication(req *request, b bucketRow, body []byte) ([]byte, error) {
	on, err := req.h.s.versioningEnabled(req.ctx, b.Name)
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, errInvalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration")
	}
	return body, nil
}

func checkObjectLock(req *request, b bucketRow, body []byte) ([]byte, error) {
	if b.ObjectLock {
		return body, nil
	}
	on, err := req.h.s.versioningEnabled(req.ctx, b.Name)
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, errMsg("InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
	}
	return body, nil
}

// checkBucketACL accepts a canned ACL header or an AccessControlPolicy.
// Buckets whose ownership is BucketOwnerEnforced refuse any ACL but
// private, as S3 does.
func checkBucketACL(req *request, b bucketRow, body []byte) ([]byte, error) {
	acl := req.r.Header.Get("X-Amz-Acl")
	if len(bytes.TrimSpace(body)) == 0 {
		if acl == "" {
			return nil, newErr("MissingRequestBodyError")
		}
		body = []byte(aclDoc(req.h.s.owner))
	}
	if acl != "" && acl != "private" {
		doc, ok, err := req.h.s.getConfig(req.ctx, b.Name, cfgOwnership)
		if err != nil {
			return nil, err
		}
		if ok && bytes.Contains(doc, []byte("BucketOwnerEnforced")) {
			return nil, errMsg("AccessControlListNotSupported", "The bucket does not allow ACLs")
		}
	}
	return body, nil
}
