package s3_test

import (
	"strings"
	"testing"
)

// TestAddressing sends raw requests as other clients do: virtual-hosted
// style by Host, path style on a base host or an IP address, unsigned
// requests reaching S3 as the router's fallback.
func TestAddressing(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b := tb.bucket(t)
	if r := tb.raw(t, "PUT", "/"+b+"/dir/key", "v1", nil); r.StatusCode != 200 {
		t.Fatalf("path-style PUT = %d %s", r.StatusCode, r.body)
	}
	for _, tc := range []struct {
		name, host, target string
		want               string // a substring of the body
	}{
		{name: "virtual host", host: b + ".localhost:8083", target: "/dir/key", want: "v1"},
		{name: "virtual host under s3.localhost", host: b + ".s3.localhost", target: "/dir/key", want: "v1"},
		{name: "virtual host bucket listing", host: b + ".localhost", target: "/?list-type=2", want: "<Key>dir/key</Key>"},
		{name: "path style on a base host", host: "localhost:8083", target: "/" + b + "/dir/key", want: "v1"},
		{name: "path style on s3.localhost", host: "s3.localhost", target: "/" + b + "/dir/key", want: "v1"},
		{name: "path style on an IP", host: "127.0.0.1:8083", target: "/" + b + "/dir/key", want: "v1"},
		{name: "service on a base host", host: "localhost", target: "/", want: "<Name>" + b + "</Name>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tb.raw(t, "GET", tc.target, "", map[string]string{"Host": tc.host})
			if r.StatusCode != 200 || !strings.Contains(r.body, tc.want) {
				t.Errorf("GET %s%s = %d %s", tc.host, tc.target, r.StatusCode, r.body)
			}
			if r.Header.Get("x-amz-request-id") == "" || r.Header.Get("x-amz-id-2") == "" {
				t.Errorf("missing request id headers: %v", r.Header)
			}
		})
	}
	// A bucket that does not exist, virtual-hosted.
	d := wantErrorDoc(t, tb.raw(t, "GET", "/k", "", map[string]string{"Host": "no-such-" + b + ".localhost"}), 404, "NoSuchBucket",
		"The specified bucket does not exist")
	if d.BucketName != "no-such-"+b {
		t.Errorf("BucketName = %q", d.BucketName)
	}
	// Operations S3 has and Stepflow does not serve.
	wantErrorDoc(t, tb.raw(t, "GET", "/"+b+"?analytics", "", nil), 501, "NotImplemented", "")
	// Methods no operation has.
	wantErrorDoc(t, tb.raw(t, "POST", "/"+b, "", nil), 405, "MethodNotAllowed", "")
	wantErrorDoc(t, tb.raw(t, "DELETE", "/", "", nil), 405, "MethodNotAllowed", "")
}

func TestAuthErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t, withAuth)
	wantErrorDoc(t, tb.raw(t, "GET", "/", "", nil), 403, "AccessDenied", "Access Denied")
	r := tb.raw(t, "GET", "/", "", map[string]string{
		"Authorization":        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"X-Amz-Date":           "20240101T000000Z",
		"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
	})
	wantErrorDoc(t, r, 403, "RequestTimeTooSkewed", "")
	r = tb.raw(t, "GET", "/", "", map[string]string{
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"X-Amz-Date":    "20240101T000000Z",
	})
	wantErrorDoc(t, r, 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
}
