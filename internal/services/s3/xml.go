package s3

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"time"
)

// xmlns is S3's XML namespace.
const xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

// xmlHeader starts every XML body S3 writes.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// isoTime formats a time as S3's XML bodies do: 2006-01-02T15:04:05.000Z.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// httpTime formats a time as S3's headers do (RFC 1123, GMT).
func httpTime(t time.Time) string { return t.UTC().Format(time.RFC1123[:len(time.RFC1123)-3] + "GMT") }

// marshalXML renders v after the XML declaration.
func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xmlHeader)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Response documents.

type xmlOwner struct {
	ID string `xml:"ID"`
}

type xmlBucket struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

type listAllMyBucketsResult struct {
	XMLName           xml.Name    `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner             xmlOwner    `xml:"Owner"`
	Buckets           []xmlBucket `xml:"Buckets>Bucket"`
	ContinuationToken string      `xml:"ContinuationToken,omitempty"`
	Prefix            string      `xml:"Prefix,omitempty"`
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Value   string   `xml:",chardata"`
}

type xmlContents struct {
	Key               string    `xml:"Key"`
	LastModified      string    `xml:"LastModified"`
	ETag              string    `xml:"ETag"`
	ChecksumAlgorithm string    `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string    `xml:"ChecksumType,omitempty"`
	Size              int64     `xml:"Size"`
	Owner             *xmlOwner `xml:"Owner,omitempty"`
	StorageClass      string    `xml:"StorageClass"`
}

type xmlPrefix struct {
	Prefix string `xml:"Prefix"`
}

// listBucketResult is ListObjects' and ListObjectsV2's answer; the members
// each version sends are set, the others left empty (omitted).
type listBucketResult struct {
	XMLName               xml.Name      `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string        `xml:"Name"`
	Prefix                string        `xml:"Prefix"`
	Marker                *string       `xml:"Marker"`
	NextMarker            string        `xml:"NextMarker,omitempty"`
	ContinuationToken     string        `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string        `xml:"NextContinuationToken,omitempty"`
	StartAfter            string        `xml:"StartAfter,omitempty"`
	KeyCount              *int          `xml:"KeyCount"`
	MaxKeys               int           `xml:"MaxKeys"`
	Delimiter             string        `xml:"Delimiter,omitempty"`
	EncodingType          string        `xml:"EncodingType,omitempty"`
	IsTruncated           bool          `xml:"IsTruncated"`
	Contents              []xmlContents `xml:"Contents"`
	CommonPrefixes        []xmlPrefix   `xml:"CommonPrefixes"`
}

type xmlVersion struct {
	Key               string   `xml:"Key"`
	VersionID         string   `xml:"VersionId"`
	IsLatest          bool     `xml:"IsLatest"`
	LastModified      string   `xml:"LastModified"`
	ETag              string   `xml:"ETag"`
	ChecksumAlgorithm string   `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
	Size              int64    `xml:"Size"`
	StorageClass      string   `xml:"StorageClass"`
	Owner             xmlOwner `xml:"Owner"`
}

type listVersionsResult struct {
	XMLName             xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListVersionsResult"`
	Name                string       `xml:"Name"`
	Prefix              string       `xml:"Prefix"`
	KeyMarker           string       `xml:"KeyMarker"`
	VersionIDMarker     string       `xml:"VersionIdMarker"`
	NextKeyMarker       string       `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string       `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int          `xml:"MaxKeys"`
	Delimiter           string       `xml:"Delimiter,omitempty"`
	EncodingType        string       `xml:"EncodingType,omitempty"`
	IsTruncated         bool         `xml:"IsTruncated"`
	Versions            []xmlVersion `xml:"Version"`
	CommonPrefixes      []xmlPrefix  `xml:"CommonPrefixes"`
}

type xmlDeleted struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
}

type xmlDeleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

type deleteResult struct {
	XMLName xml.Name         `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []xmlDeleted     `xml:"Deleted"`
	Errors  []xmlDeleteError `xml:"Error"`
}

type copyObjectResult struct {
	XMLName           xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	ETag              string   `xml:"ETag"`
	LastModified      string   `xml:"LastModified"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
	ChecksumCRC32     string   `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string   `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string   `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string   `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string   `xml:"ChecksumSHA256,omitempty"`
}

// setChecksum fills the member of alg.
func (c *copyObjectResult) setChecksum(alg, v string) {
	switch alg {
	case algCRC32:
		c.ChecksumCRC32 = v
	case algCRC32C:
		c.ChecksumCRC32C = v
	case algCRC64NVME:
		c.ChecksumCRC64NVME = v
	case algSHA1:
		c.ChecksumSHA1 = v
	case algSHA256:
		c.ChecksumSHA256 = v
	default:
		return
	}
	c.ChecksumType = "FULL_OBJECT"
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type taggingDoc struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  []xmlTag `xml:"TagSet>Tag"`
}

// Request documents. Element names match in any namespace (S3's samples
// send none, the SDKs send S3's).

// deleteRequest is DeleteObjects' body.
type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Objects []struct {
		Key       *string `xml:"Key"`
		VersionID string  `xml:"VersionId"`
	} `xml:"Object"`
	Quiet string `xml:"Quiet"`
}

// deleteTarget is one key DeleteObjects names.
type deleteTarget struct {
	Key, VersionID string
}

// maxDeleteKeys is how many keys one DeleteObjects may name.
const maxDeleteKeys = 1000

// parseDelete decodes and checks DeleteObjects' body: 1 to 1,000 objects,
// each with a non-empty key. Anything else is MalformedXML.
func parseDelete(body []byte) (targets []deleteTarget, quiet bool, err error) {
	var req deleteRequest
	if err := decodeXML(body, &req); err != nil {
		return nil, false, err
	}
	if len(req.Objects) == 0 || len(req.Objects) > maxDeleteKeys {
		return nil, false, errMalformedXML()
	}
	switch req.Quiet {
	case "", "false":
	case "true":
		quiet = true
	default:
		return nil, false, errMalformedXML()
	}
	targets = make([]deleteTarget, len(req.Objects))
	for i, o := range req.Objects {
		if o.Key == nil || *o.Key == "" {
			return nil, false, errMalformedXML()
		}
		targets[i] = deleteTarget{Key: *o.Key, VersionID: o.VersionID}
	}
	return targets, quiet, nil
}

// createBucketConfiguration is CreateBucket's optional body.
type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
	Tags               []xmlTag `xml:"Tags>Tag"`
}

// parseCreateBucketConfiguration decodes CreateBucket's body; an empty
// body is an empty configuration.
func parseCreateBucketConfiguration(body []byte) (createBucketConfiguration, error) {
	var c createBucketConfiguration
	if len(bytes.TrimSpace(body)) == 0 {
		return c, nil
	}
	if err := decodeXML(body, &c); err != nil {
		return c, err
	}
	return c, nil
}

// taggingRequest is PutBucketTagging's and PutObjectTagging's body.
type taggingRequest struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  *struct {
		Tags []struct {
			Key   *string `xml:"Key"`
			Value *string `xml:"Value"`
		} `xml:"Tag"`
	} `xml:"TagSet"`
}

// parseTagging decodes a Tagging document and checks its tags (at most max,
// unique keys of 1 to 128 characters, values up to 256).
func parseTagging(body []byte, max int) ([]tag, error) {
	var req taggingRequest
	if err := decodeXML(body, &req); err != nil {
		return nil, err
	}
	if req.TagSet == nil {
		return nil, errMalformedXML()
	}
	tags := make([]tag, 0, len(req.TagSet.Tags))
	for _, t := range req.TagSet.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, errMalformedXML()
		}
		tags = append(tags, tag{Key: *t.Key, Value: *t.Value})
	}
	if err := checkTags(tags, max); err != nil {
		return nil, err
	}
	return tags, nil
}

// maxXMLBody bounds the XML and JSON documents requests carry.
const maxXMLBody = 2 << 20

// decodeXML decodes one well-formed document into v (whose XMLName names
// the root element); anything else is MalformedXML. encoding/xml knows no
// DTD, so no entity can expand.
func decodeXML(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errMalformedXML()
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(v); err != nil {
		return errMalformedXML()
	}
	// Nothing but white space, comments or processing instructions may
	// follow the root element.
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errMalformedXML()
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errMalformedXML()
			}
		case xml.Comment, xml.ProcInst:
		default:
			return errMalformedXML()
		}
	}
}

// rootElement returns the local name of a document's root element, or
// MalformedXML if body is not one well-formed document.
func rootElement(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	root := ""
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", errMalformedXML()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					return "", errMalformedXML()
				}
				root = t.Name.Local
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return "", errMalformedXML()
			}
		case xml.Directive:
			return "", errMalformedXML()
		}
	}
	if root == "" || depth != 0 {
		return "", errMalformedXML()
	}
	return root, nil
}
