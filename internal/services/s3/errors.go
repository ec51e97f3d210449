package s3

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// apiError is an S3 error as the wire carries it: <Error><Code>…
// <Message>… plus the elements S3 adds for the error (BucketName, Key,
// Condition, …) in order.
type apiError struct {
	Code    string
	Message string
	Status  int
	// Fields are extra <Name>value</Name> elements written after Message.
	Fields [][2]string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// with returns e with one more element.
func (e *apiError) with(name, value string) *apiError {
	e.Fields = append(e.Fields, [2]string{name, value})
	return e
}

// errorDef is one row of S3's error table: the HTTP status and the
// message S3 sends when nothing more specific applies.
type errorDef struct {
	status  int
	message string
}

// errorTable holds S3's error codes ("Error responses" in the S3 API
// reference; messages as S3 sends them). The one place codes map to HTTP
// statuses.
var errorTable = map[string]errorDef{
	"AccessControlListNotSupported":         {400, "The bucket does not allow ACLs"},
	"AccessDenied":                          {403, "Access Denied"},
	"AuthorizationHeaderMalformed":          {400, "The authorization header is malformed."},
	"BadDigest":                             {400, "The Content-MD5 you specified did not match what we received."},
	"BadRequest":                            {400, "Bad Request"},
	"BucketAlreadyExists":                   {409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."},
	"BucketAlreadyOwnedByYou":               {409, "Your previous request to create the named bucket succeeded and you already own it."},
	"BucketNotEmpty":                        {409, "The bucket you tried to delete is not empty"},
	"EntityTooLarge":                        {400, "Your proposed upload exceeds the maximum allowed size"},
	"EntityTooSmall":                        {400, "Your proposed upload is smaller than the minimum allowed object size."},
	"IllegalLocationConstraintException":    {400, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."},
	"IncompleteBody":                        {400, "You did not provide the number of bytes specified by the Content-Length HTTP header"},
	"InternalError":                         {500, "We encountered an internal error. Please try again."},
	"InvalidAccessKeyId":                    {403, "The AWS Access Key Id you provided does not exist in our records."},
	"InvalidArgument":                       {400, "Invalid Argument"},
	"InvalidBucketState":                    {409, "The request is not valid with the current state of the bucket."},
	"InvalidBucketName":                     {400, "The specified bucket is not valid."},
	"InvalidDigest":                         {400, "The Content-MD5 you specified is not valid."},
	"InvalidLocationConstraint":             {400, "The specified location-constraint is not valid"},
	"InvalidPart":                           {400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."},
	"InvalidPartOrder":                      {400, "The list of parts was not in ascending order. Parts must be ordered by part number."},
	"InvalidPartNumber":                     {416, "The requested partnumber is not satisfiable"},
	"InvalidStorageClass":                   {400, "The storage class you specified is not valid"},
	"InvalidRange":                          {416, "The requested range is not satisfiable"},
	"InvalidRequest":                        {400, "Invalid Request"},
	"InvalidTag":                            {400, "The tag provided was not a valid tag."},
	"KeyTooLongError":                       {400, "Your key is too long"},
	"MalformedPolicy":                       {400, "Policies must be valid JSON and the first byte must be '{'"},
	"MalformedXML":                          {400, "The XML you provided was not well-formed or did not validate against our published schema"},
	"MaxMessageLengthExceeded":              {400, "Your request was too big."},
	"MetadataTooLarge":                      {400, "Your metadata headers exceed the maximum allowed metadata size."},
	"MethodNotAllowed":                      {405, "The specified method is not allowed against this resource."},
	"MissingContentLength":                  {411, "You must provide the Content-Length HTTP header."},
	"MissingRequestBodyError":               {400, "Request Body is empty"},
	"NoSuchBucket":                          {404, "The specified bucket does not exist"},
	"NoSuchBucketPolicy":                    {404, "The bucket policy does not exist"},
	"NoSuchCORSConfiguration":               {404, "The CORS configuration does not exist"},
	"NoSuchKey":                             {404, "The specified key does not exist."},
	"NoSuchLifecycleConfiguration":          {404, "The lifecycle configuration does not exist"},
	"NoSuchPublicAccessBlockConfiguration":  {404, "The public access block configuration was not found"},
	"NoSuchTagSet":                          {404, "The TagSet does not exist"},
	"NoSuchUpload":                          {404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."},
	"NoSuchWebsiteConfiguration":            {404, "The specified bucket does not have a website configuration"},
	"NotFound":                              {404, "Not Found"},
	"NotImplemented":                        {501, "A header you provided implies functionality that is not implemented"},
	"NotModified":                           {304, "Not Modified"},
	"ObjectLockConfigurationNotFoundError":  {404, "Object Lock configuration does not exist for this bucket"},
	"OwnershipControlsNotFoundError":        {404, "The bucket ownership controls were not found"},
	"PreconditionFailed":                    {412, "At least one of the pre-conditions you specified did not hold"},
	"ReplicationConfigurationNotFoundError": {404, "The replication configuration was not found"},
	"RequestTimeTooSkewed":                  {403, "The difference between the request time and the current time is too large."},
	"ServerSideEncryptionConfigurationNotFoundError": {404, "The server side encryption configuration was not found"},
	"SignatureDoesNotMatch":                          {403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
	"XAmzContentSHA256Mismatch":                      {400, "The provided 'x-amz-content-sha256' header does not match what was computed."},
}

// newErr returns the error with S3's standard message for code.
func newErr(code string) *apiError {
	d, ok := errorTable[code]
	if !ok {
		d = errorDef{status: http.StatusBadRequest}
	}
	return &apiError{Code: code, Message: d.message, Status: d.status}
}

// errMsg returns the error code with its own message.
func errMsg(code, message string) *apiError {
	e := newErr(code)
	e.Message = message
	return e
}

func errNoSuchBucket(bucket string) *apiError {
	return newErr("NoSuchBucket").with("BucketName", bucket)
}

func errNoSuchKey(key string) *apiError { return newErr("NoSuchKey").with("Key", key) }

func errMalformedXML() *apiError { return newErr("MalformedXML") }

func errInvalidArgument(message, name, value string) *apiError {
	return errMsg("InvalidArgument", message).with("ArgumentName", name).with("ArgumentValue", value)
}

func errInvalidRequest(message string) *apiError { return errMsg("InvalidRequest", message) }

// errNotFound is a bucket configuration's "not configured" error.
func errNotFound(code, bucket string) *apiError { return newErr(code).with("BucketName", bucket) }

// asAPIError turns any error into the S3 error written for it: an
// *apiError as is; the SigV4 errors of package awsproto as S3 words them
// (S3 is not a Coral service: its codes are SignatureDoesNotMatch,
// InvalidAccessKeyId, …, all 403); anything else an InternalError.
func asAPIError(err error) *apiError {
	var e *apiError
	if errors.As(err, &e) {
		return e
	}
	var pe *awsproto.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case awsproto.CodeMissingAuthenticationToken:
			return newErr("AccessDenied")
		case awsproto.CodeUnrecognizedClient:
			return newErr("InvalidAccessKeyId")
		case awsproto.CodeInvalidSignature:
			if strings.HasPrefix(pe.Message, "Signature expired") || strings.HasPrefix(pe.Message, "Signature not yet current") {
				return newErr("RequestTimeTooSkewed")
			}
			if strings.Contains(pe.Message, "Credential should be scoped") || strings.Contains(pe.Message, "Date in Credential scope") {
				return errMsg("AuthorizationHeaderMalformed", "The authorization header is malformed; "+pe.Message)
			}
			return newErr("SignatureDoesNotMatch")
		case awsproto.CodeIncompleteSignature:
			return errMsg("AuthorizationHeaderMalformed", "The authorization header is malformed; "+pe.Message)
		case awsproto.CodeAccessDenied:
			return errMsg("AccessDenied", pe.Message)
		case "XAmzContentSHA256Mismatch":
			return newErr("XAmzContentSHA256Mismatch")
		}
		if _, ok := errorTable[pe.Code]; ok {
			e := newErr(pe.Code)
			if pe.Message != "" {
				e.Message = pe.Message
			}
			return e
		}
		status := pe.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		return &apiError{Code: pe.Code, Message: pe.Message, Status: status}
	}
	return newErr("InternalError")
}

// toProtoError is the in-process form of an S3 error (Call's errors).
func toProtoError(err error) error {
	e := asAPIError(err)
	if e.Code == "InternalError" {
		var ae *apiError
		if !errors.As(err, &ae) {
			return err // an internal failure keeps its cause
		}
	}
	return &awsproto.Error{Code: e.Code, Message: e.Message, Status: e.Status, Sender: e.Status < 500}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
