package dynamodb_test

import (
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestCRC32Header: every response carries X-Amz-Crc32, the CRC-32 of its
// body, which the AWS SDKs check (they warn on every call without it).
func TestCRC32Header(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, body := range []string{`{}`, `{"TableName":"nope"}`} {
		action := "ListTables"
		if strings.Contains(body, "nope") {
			action = "DescribeTable"
		}
		req, _ := http.NewRequest(http.MethodPost, b.url+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+action)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(got)), 10)
		if h := resp.Header.Get("X-Amz-Crc32"); h != want {
			t.Errorf("%s (%d): X-Amz-Crc32 = %q, want %q", action, resp.StatusCode, h, want)
		}
	}
}
