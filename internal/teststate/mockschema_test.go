package teststate

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func TestOperationFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ resource, want string }{
		{"arn:aws:states:::lambda:invoke", "lambda:invoke"},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", ""},
		{"arn:aws:states:::aws-sdk:kms:encrypt", "kms:encrypt"},
		{"arn:aws:states:::aws-sdk:s3:getObject", "s3:getobject"},
		{"arn:aws-us-gov:states:::aws-sdk:s3:getObject", "s3:getobject"},
		{"arn:aws:states:::events:putEvents", "eventbridge:putevents"},
		{"arn:aws:states:::states:startExecution.sync:2", ""},
		{"arn:aws:states:::http:invoke", ""},
		{"arn:aws:lambda:us-east-1:111111111111:function:f", ""},
		{"arn:aws:states:::aws-sdk:s3", ""},
	} {
		if got := operationFor(tc.resource); got != tc.want {
			t.Errorf("operationFor(%q) = %q, want %q", tc.resource, got, tc.want)
		}
	}
}

func TestValidateMockResult(t *testing.T) {
	t.Parallel()
	const (
		kms     = "arn:aws:states:::aws-sdk:kms:encrypt"
		lambda  = "arn:aws:states:::lambda:invoke"
		getFunc = "arn:aws:states:::aws-sdk:lambda:getFunction"
		s3get   = "arn:aws:states:::aws-sdk:s3:getObject"
		events  = "arn:aws:states:::events:putEvents"
		start   = "arn:aws:states:::aws-sdk:sfn:startExecution"
	)
	tests := []struct {
		resource, result, mode, want string
	}{
		{kms, `{"CiphertextBlob": "AQID"}`, ValidationStrict, ""},
		{kms, `{"CiphertextBlob": ""}`, ValidationStrict, "Field 'CiphertextBlob' is smaller than the minimum length"},
		{kms, `{"CiphertextBlob": 1}`, ValidationPresent, "Field 'CiphertextBlob' must be a string"},
		{kms, `{"EncryptionAlgorithm": "ROT13"}`, ValidationStrict, "Field 'EncryptionAlgorithm' is not an expected value"},
		{kms, `{"CiphertextBlob": 1}`, ValidationNone, ""},
		{lambda, `{"StatusCode": 200, "Payload": [1, "any"]}`, ValidationStrict, ""},
		{lambda, `{"StatusCode": 1.5}`, ValidationStrict, "Field 'StatusCode' must be an integer"},
		{lambda, `[1]`, ValidationStrict, "Mock result must be a JSON object"},
		{getFunc, `{"Configuration": {"MemorySize": 128, "Timeout": 3}}`, ValidationStrict, ""},
		{getFunc, `{"Configuration": {"MemorySize": 10241}}`, ValidationStrict, "Field 'MemorySize' exceeds the maximum value"},
		{getFunc, `{"Configuration": "x"}`, ValidationStrict, "Field 'Configuration' must be an object"},
		{getFunc, `{"Tags": {"k": 1}}`, ValidationStrict, "Field 'Tags' must be a string"},
		{s3get, `{"ContentLength": 9000, "StorageClass": "GLACIER", "Unknown": {}}`, ValidationStrict, ""},
		{s3get, `{"BucketKeyEnabled": "yes"}`, ValidationStrict, "Field 'BucketKeyEnabled' must be a boolean"},
		{events, `{"Entries": [{"EventId": "a"}, {"EventId": 1}]}`, ValidationStrict, "Field 'EventId' must be a string"},
		{events, `{"FailedEntryCount": "0"}`, ValidationStrict, "Field 'FailedEntryCount' must be a number"},
		{start, `{"ExecutionArn": "arn"}`, ValidationStrict, "Required field 'StartDate' is missing"},
		{start, `{"ExecutionArn": "arn"}`, ValidationPresent, ""},
		{"arn:aws:states:::aws-sdk:unknownservice:doIt", `{"x": 1}`, ValidationStrict, ""},
	}
	for _, tt := range tests {
		if got := validateMockResult(tt.resource, jsonv.MustParse(tt.result), tt.mode); got != tt.want {
			t.Errorf("validateMockResult(%s, %s, %s) = %q, want %q", tt.resource, tt.result, tt.mode, got, tt.want)
		}
	}
}

// TestShapesUpToDate regenerates the shape table from the Smithy models,
// when they are at hand, and compares it with the embedded one.
func TestShapesUpToDate(t *testing.T) {
	t.Parallel()
	models := filepath.Join("..", "..", "..", "shared", "aws-models")
	if _, err := os.Stat(models); err != nil {
		t.Skip("no Smithy models")
	}
	if testing.Short() {
		t.Skip("regenerating the shapes takes seconds")
	}
	out := filepath.Join(t.TempDir(), "shapes.json.gz")
	cmd := exec.Command("go", "run", "./shapegen", "-models", models, "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("shapegen: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gunzip(t, fresh), gunzip(t, shapesGz)) {
		t.Error("shapes.json.gz is stale: run go generate ./internal/teststate")
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
