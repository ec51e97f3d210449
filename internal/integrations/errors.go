package integrations

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// sdkNames are the service names of AWS SDK integration errors, as the AWS
// SDK for Java 2.x spells its service clients ("DynamoDb.…Exception").
var sdkNames = map[string]string{
	"dynamodb": "DynamoDb", "sqs": "Sqs", "s3": "S3", "ses": "Ses", "sesv2": "SesV2",
	"lambda": "Lambda", "sfn": "Sfn", "sns": "Sns", "eventbridge": "EventBridge",
	"scheduler": "Scheduler", "iam": "Iam", "sts": "Sts", "cloudwatchlogs": "CloudWatchLogs",
}

// sdkName is the PascalCase name of an AWS SDK integration's service.
func sdkName(svc string) string {
	if n, ok := sdkNames[svc]; ok {
		return n
	}
	if svc == "" {
		return svc
	}
	return strings.ToUpper(svc[:1]) + svc[1:]
}

// sdkError is the Task error of an AWS SDK integration call that failed:
// "<Service>.<Code>Exception" (the suffix is added where the code lacks
// it, as Step Functions documents) and the SDK v2 cause.
func sdkError(svc string, err error, requestID string) error {
	var ae *awsproto.Error
	if !errors.As(err, &ae) {
		return err
	}
	code := ae.Code
	if !strings.HasSuffix(code, "Exception") {
		code += "Exception"
	}
	name := sdkName(svc)
	return &runner.TaskError{Name: name + "." + code,
		Cause: fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", ae.Message, name, status(svc, ae), requestID)}
}

// v1Error is the Task error of an optimized integration call that failed:
// "<prefix>.<exception class>" (the code, with the "Exception" suffix the
// SDK's class names carry) and the cause the AWS SDK for Java 1.x words.
func v1Error(model, prefix, serviceID string, err error, requestID string) error {
	var ae *awsproto.Error
	if !errors.As(err, &ae) {
		return err
	}
	code := ae.Code
	wire := code
	if ae.QueryCode != "" {
		wire = ae.QueryCode
	} else if def, ok := awsproto.LookupError(model, code); ok && def.QueryCode != "" {
		wire = def.QueryCode
	}
	class := code
	if !strings.HasSuffix(class, "Exception") {
		class += "Exception"
	}
	return &runner.TaskError{Name: prefix + "." + class,
		Cause: fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
			ae.Message, serviceID, status(model, ae), wire, requestID)}
}

// status is the HTTP status an error of the service (its model name)
// travels with.
func status(service string, e *awsproto.Error) int {
	if e.Status != 0 {
		return e.Status
	}
	if def, ok := awsproto.LookupError(service, e.Code); ok && def.Status != 0 {
		return def.Status
	}
	return http.StatusBadRequest
}

// withSdkMetadata returns out (an object) with the SdkHttpMetadata and
// SdkResponseMetadata members the optimized integrations add, all members
// in alphabetical order as AWS's Java SDK v1 serializes them.
func withSdkMetadata(out *jsonv.Object, contentType string, length int, requestID string, now time.Time) *jsonv.Object {
	date := now.UTC().Format(http.TimeFormat)
	all := jsonv.NewObject(4)
	one := jsonv.NewObject(4)
	for _, h := range [][2]string{
		{"Connection", "keep-alive"},
		{"Content-Length", fmt.Sprint(length)},
		{"Content-Type", contentType},
		{"Date", date},
		{"x-amzn-RequestId", requestID},
	} {
		all.Set(h[0], []any{h[1]})
		one.Set(h[0], h[1])
	}
	meta := jsonv.NewObject(3)
	meta.Set("AllHttpHeaders", all)
	meta.Set("HttpHeaders", one)
	meta.Set("HttpStatusCode", jsonv.Int(200))
	resp := jsonv.NewObject(1)
	resp.Set("RequestId", requestID)

	res := jsonv.NewObject(out.Len() + 2)
	for _, k := range out.Keys() {
		v, _ := out.Get(k)
		res.Set(k, v)
	}
	res.Set("SdkHttpMetadata", meta)
	res.Set("SdkResponseMetadata", resp)
	return sortedObject(res)
}

// sortedObject returns o with its members in alphabetical order.
func sortedObject(o *jsonv.Object) *jsonv.Object {
	keys := o.Keys()
	slices.Sort(keys)
	res := jsonv.NewObject(len(keys))
	for _, k := range keys {
		v, _ := o.Get(k)
		res.Set(k, v)
	}
	return res
}

// newRequestID returns a random UUID, the form of AWS request ids.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// failed fails a Task with States.TaskFailed.
func failed(cause string) error {
	return &runner.TaskError{Name: "States.TaskFailed", Cause: cause}
}
