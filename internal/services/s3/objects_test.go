package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stepflow/stepflow/internal/services/s3"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func crc32b64(s string) string {
	v := crc32.ChecksumIEEE([]byte(s))
	return base64.StdEncoding.EncodeToString([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func TestPutGetObject(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  []func(*setupOpts)
		vhost bool
	}{
		{name: "path style over HTTP (CRC32 header)"},
		{name: "virtual host", vhost: true},
		{name: "TLS (aws-chunked with a CRC32 trailer)", opts: []func(*setupOpts){withTLS}},
		{name: "TLS and SigV4 checked", opts: []func(*setupOpts){withTLS, withAuth}},
		{name: "SigV4 checked", opts: []func(*setupOpts){withAuth}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, tc.opts...)
			c := tb.path
			if tc.vhost {
				c = tb.vhost
			}
			ctx := context.Background()
			b := tb.bucket(t)
			const body = "hello, world"
			put, err := c.PutObject(ctx, &awss3.PutObjectInput{
				Bucket: aws.String(b), Key: aws.String("dir/hello world.txt"), Body: strings.NewReader(body),
				ContentType: aws.String("text/plain"), Metadata: map[string]string{"Color": "blue", "n": "1"},
				ContentEncoding: aws.String("identity"), ContentDisposition: aws.String(`attachment; filename="h.txt"`),
				CacheControl: aws.String("max-age=60"),
			})
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if got := aws.ToString(put.ETag); got != md5hex(body) {
				t.Errorf("ETag = %s; want %s", got, md5hex(body))
			}
			if got := aws.ToString(put.ChecksumCRC32); got != crc32b64(body) {
				t.Errorf("ChecksumCRC32 = %q; want %q", got, crc32b64(body))
			}
			get, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dir/hello world.txt"),
				ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			data, err := io.ReadAll(get.Body) // the SDK validates the CRC32 as it reads
			get.Body.Close()
			if err != nil || string(data) != body {
				t.Fatalf("body = %q, %v", data, err)
			}
			for name, pair := range map[string][2]string{
				"ContentType":        {aws.ToString(get.ContentType), "text/plain"},
				"ContentEncoding":    {aws.ToString(get.ContentEncoding), "identity"},
				"ContentDisposition": {aws.ToString(get.ContentDisposition), `attachment; filename="h.txt"`},
				"CacheControl":       {aws.ToString(get.CacheControl), "max-age=60"},
				"ETag":               {aws.ToString(get.ETag), md5hex(body)},
				"ChecksumCRC32":      {aws.ToString(get.ChecksumCRC32), crc32b64(body)},
				"meta color":         {get.Metadata["color"], "blue"},
				"meta n":             {get.Metadata["n"], "1"},
				"SSE":                {string(get.ServerSideEncryption), "AES256"},
			} {
				if pair[0] != pair[1] {
					t.Errorf("%s = %q; want %q", name, pair[0], pair[1])
				}
			}
			if aws.ToInt64(get.ContentLength) != int64(len(body)) {
				t.Errorf("ContentLength = %d", aws.ToInt64(get.ContentLength))
			}
			if get.LastModified == nil || time.Since(*get.LastModified) > time.Minute {
				t.Errorf("LastModified = %v", get.LastModified)
			}
			head, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dir/hello world.txt")})
			if err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			if aws.ToInt64(head.ContentLength) != int64(len(body)) || aws.ToString(head.ETag) != md5hex(body) {
				t.Errorf("HeadObject = %d %s", aws.ToInt64(head.ContentLength), aws.ToString(head.ETag))
			}
		})
	}
}

func TestPutObjectChecksums(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			key := "k-" + string(alg)
			if _, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key),
				Body: strings.NewReader("checksummed"), ChecksumAlgorithm: alg}); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			out, err := tb.path.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key),
				ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadAll(out.Body); err != nil {
				t.Fatalf("read with %s validation: %v", alg, err)
			}
			out.Body.Close()
			if out.ChecksumType != types.ChecksumTypeFullObject {
				t.Errorf("ChecksumType = %q", out.ChecksumType)
			}
		})
	}
}

func TestPutObjectBadInput(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *setupOpts) {
		o.config = func(c *s3.Config) { c.MaxObjectSize = 1024 }
	})
	ctx := context.Background()
	b := tb.bucket(t)
	long := strings.Repeat("k", 1025)
	for _, tc := range []struct {
		name   string
		in     *awss3.PutObjectInput
		code   string
		msg    string
		status int
	}{
		{name: "Content-MD5 mismatch", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: strings.NewReader("abc"),
			ContentMD5: aws.String(base64.StdEncoding.EncodeToString(make([]byte, 16)))},
			code: "BadDigest", msg: "The Content-MD5 you specified did not match what we received.", status: 400},
		{name: "Content-MD5 not a digest", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: strings.NewReader("abc"),
			ContentMD5: aws.String("nope")},
			code: "InvalidDigest", msg: "The Content-MD5 you specified is not valid.", status: 400},
		{name: "CRC32 mismatch", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: strings.NewReader("abc"),
			ChecksumCRC32: aws.String("AAAAAA==")},
			code: "BadDigest", msg: "The CRC32 you specified did not match the calculated checksum.", status: 400},
		{name: "CRC32 malformed", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: strings.NewReader("abc"),
			ChecksumCRC32: aws.String("???")},
			code: "InvalidRequest", msg: "Value for x-amz-checksum-crc32 header is invalid.", status: 400},
		{name: "too large", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: bytes.NewReader(make([]byte, 2048))},
			code: "EntityTooLarge", msg: "Your proposed upload exceeds the maximum allowed size", status: 400},
		{name: "key too long", in: &awss3.PutObjectInput{Key: aws.String(long), Body: strings.NewReader("abc")},
			code: "KeyTooLongError", msg: "Your key is too long", status: 400},
		{name: "metadata too large", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: strings.NewReader("abc"),
			Metadata: map[string]string{"big": strings.Repeat("v", 2100)}},
			code: "MetadataTooLarge", msg: "Your metadata headers exceed the maximum allowed metadata size.", status: 400},
		{name: "no such bucket", in: &awss3.PutObjectInput{Bucket: aws.String("nope-" + b), Key: aws.String("x"), Body: strings.NewReader("abc")},
			code: "NoSuchBucket", msg: "The specified bucket does not exist", status: 404},
		{name: "bad storage class", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: strings.NewReader("abc"),
			StorageClass: "COLD"}, code: "InvalidStorageClass", msg: "The storage class you specified is not valid", status: 400},
		{name: "too many tags", in: &awss3.PutObjectInput{Key: aws.String("x"), Body: strings.NewReader("abc"),
			Tagging: aws.String("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11")},
			code: "BadRequest", msg: "Object tags cannot be greater than 10", status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.in.Bucket == nil {
				tc.in.Bucket = aws.String(b)
			}
			_, err := tb.path.PutObject(ctx, tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
			wantStatus(t, err, tc.status)
		})
	}
	// Nothing was stored.
	l, err := tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(b)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Contents) != 0 {
		t.Errorf("objects after failed puts: %d", len(l.Contents))
	}
}

func TestGetObjectRange(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	const body = "0123456789"
	if _, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rng, want, contentRange string
		code                    string
	}{
		{rng: "bytes=0-4", want: "01234", contentRange: "bytes 0-4/10"},
		{rng: "bytes=5-", want: "56789", contentRange: "bytes 5-9/10"},
		{rng: "bytes=-3", want: "789", contentRange: "bytes 7-9/10"},
		{rng: "bytes=8-100", want: "89", contentRange: "bytes 8-9/10"},
		{rng: "bytes=-100", want: body, contentRange: "bytes 0-9/10"},
		{rng: "bytes=4-2", want: body},     // not well-formed: ignored
		{rng: "bytes=0-1,4-5", want: body}, // several ranges: S3 serves the object
		{rng: "items=0-1", want: body},
		{rng: "bytes=10-", code: "InvalidRange"},
		{rng: "bytes=-0", code: "InvalidRange"},
	} {
		t.Run(tc.rng, func(t *testing.T) {
			t.Parallel()
			out, err := tb.path.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Range: aws.String(tc.rng)})
			if tc.code != "" {
				wantAPIError(t, err, tc.code, "The requested range is not satisfiable")
				wantStatus(t, err, http.StatusRequestedRangeNotSatisfiable)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(data) != tc.want || aws.ToString(out.ContentRange) != tc.contentRange {
				t.Errorf("got %q (%q); want %q (%q)", data, aws.ToString(out.ContentRange), tc.want, tc.contentRange)
			}
		})
	}
}

func TestGetObjectConditional(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	put, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("c"), Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
	etag := aws.ToString(put.ETag)
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name   string
		in     awss3.GetObjectInput
		status int // 0: 200
	}{
		{name: "If-Match matches", in: awss3.GetObjectInput{IfMatch: aws.String(etag)}},
		{name: "If-Match star", in: awss3.GetObjectInput{IfMatch: aws.String("*")}},
		{name: "If-Match differs", in: awss3.GetObjectInput{IfMatch: aws.String(`"0123"`)}, status: 412},
		{name: "If-None-Match matches", in: awss3.GetObjectInput{IfNoneMatch: aws.String(etag)}, status: 304},
		{name: "If-None-Match differs", in: awss3.GetObjectInput{IfNoneMatch: aws.String(`"0123"`)}},
		{name: "If-Modified-Since past", in: awss3.GetObjectInput{IfModifiedSince: &past}},
		{name: "If-Modified-Since future", in: awss3.GetObjectInput{IfModifiedSince: &future}, status: 304},
		{name: "If-Unmodified-Since past", in: awss3.GetObjectInput{IfUnmodifiedSince: &past}, status: 412},
		{name: "If-Unmodified-Since future", in: awss3.GetObjectInput{IfUnmodifiedSince: &future}},
		{name: "If-Match wins over If-Unmodified-Since", in: awss3.GetObjectInput{IfMatch: aws.String(etag), IfUnmodifiedSince: &past}},
		{name: "If-None-Match wins over If-Modified-Since", in: awss3.GetObjectInput{IfNoneMatch: aws.String(`"0123"`), IfModifiedSince: &future}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.Bucket, in.Key = aws.String(b), aws.String("c")
			out, err := tb.path.GetObject(ctx, &in)
			switch tc.status {
			case 0:
				if err != nil {
					t.Fatal(err)
				}
				out.Body.Close()
			case 412:
				wantAPIError(t, err, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
				wantStatus(t, err, 412)
			default:
				wantStatus(t, err, tc.status)
			}
		})
	}
}

func TestObjectNotFound(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	_, err := tb.path.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("missing")})
	wantAPIError(t, err, "NoSuchKey", "The specified key does not exist.")
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("err %T is not *types.NoSuchKey", err)
	}
	_, err = tb.path.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("missing")})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadObject err = %v; want NotFound", err)
	}
	wantStatus(t, err, 404)
	_, err = tb.path.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("no-such-" + b), Key: aws.String("k")})
	wantAPIError(t, err, "NoSuchBucket", "The specified bucket does not exist")
	// Deleting a missing key succeeds, as on S3.
	if _, err := tb.path.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("missing")}); err != nil {
		t.Errorf("DeleteObject of a missing key: %v", err)
	}
}

func TestDeleteObjects(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	for _, k := range []string{"a", "b", "c", "d"} {
		if _, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := tb.path.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("a")}, {Key: aws.String("b")}, {Key: aws.String("zz")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 3 || len(out.Errors) != 0 {
		t.Errorf("Deleted = %d, Errors = %d; want 3, 0", len(out.Deleted), len(out.Errors))
	}
	out, err = tb.path.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("c")}}, Quiet: aws.Bool(true),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 0 {
		t.Errorf("quiet Deleted = %d", len(out.Deleted))
	}
	l, err := tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(b)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Contents) != 1 || aws.ToString(l.Contents[0].Key) != "d" {
		t.Errorf("left: %v", l.Contents)
	}
	resp := tb.raw(t, "POST", "/"+b+"?delete", "<Delete></Delete>", nil)
	wantErrorDoc(t, resp, 400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func TestCopyObject(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	b2 := tb.bucket(t)
	if _, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("src key"),
		Body: strings.NewReader("payload"), ContentType: aws.String("text/plain"), Metadata: map[string]string{"a": "1"},
		Tagging: aws.String("t=1")}); err != nil {
		t.Fatal(err)
	}
	src := b + "/src%20key"
	t.Run("COPY", func(t *testing.T) {
		t.Parallel()
		out, err := tb.path.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String(b2), Key: aws.String("dst"), CopySource: aws.String(src)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.CopyObjectResult.ETag) != md5hex("payload") {
			t.Errorf("ETag = %s", aws.ToString(out.CopyObjectResult.ETag))
		}
		get, err := tb.path.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(b2), Key: aws.String("dst")})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if string(data) != "payload" || aws.ToString(get.ContentType) != "text/plain" || get.Metadata["a"] != "1" || aws.ToInt32(get.TagCount) != 1 {
			t.Errorf("copy = %q %s %v tags %d", data, aws.ToString(get.ContentType), get.Metadata, aws.ToInt32(get.TagCount))
		}
	})
	t.Run("REPLACE", func(t *testing.T) {
		t.Parallel()
		if _, err := tb.path.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String(b2), Key: aws.String("dst2"), CopySource: aws.String(src),
			MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("application/json"),
			Metadata: map[string]string{"b": "2"}}); err != nil {
			t.Fatal(err)
		}
		head, err := tb.path.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(b2), Key: aws.String("dst2")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(head.ContentType) != "application/json" || head.Metadata["b"] != "2" || head.Metadata["a"] != "" {
			t.Errorf("replaced = %s %v", aws.ToString(head.ContentType), head.Metadata)
		}
	})
	t.Run("onto itself", func(t *testing.T) {
		t.Parallel()
		_, err := tb.path.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("src key"), CopySource: aws.String(src)})
		wantAPIError(t, err, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	})
	t.Run("missing source", func(t *testing.T) {
		t.Parallel()
		_, err := tb.path.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String(b2), Key: aws.String("x"), CopySource: aws.String(b + "/nope")})
		wantAPIError(t, err, "NoSuchKey", "The specified key does not exist.")
	})
	t.Run("source precondition", func(t *testing.T) {
		t.Parallel()
		_, err := tb.path.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String(b2), Key: aws.String("x"), CopySource: aws.String(src),
			CopySourceIfMatch: aws.String(`"nope"`)})
		wantAPIError(t, err, "PreconditionFailed", "")
		wantStatus(t, err, 412)
	})
}

func TestObjectTagging(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	if _, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"),
		Tagging: aws.String("a=1&b=two%20words")}); err != nil {
		t.Fatal(err)
	}
	got, err := tb.path.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.TagSet) != 2 || aws.ToString(got.TagSet[1].Value) != "two words" {
		t.Errorf("TagSet = %+v", got.TagSet)
	}
	if _, err := tb.path.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}}); err != nil {
		t.Fatal(err)
	}
	got, _ = tb.path.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k")})
	if len(got.TagSet) != 1 || aws.ToString(got.TagSet[0].Key) != "x" {
		t.Errorf("TagSet = %+v", got.TagSet)
	}
	_, err = tb.path.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("x"), Value: aws.String("1")}, {Key: aws.String("x"), Value: aws.String("2")}}}})
	wantAPIError(t, err, "InvalidTag", "Cannot provide multiple Tags with the same key")
	if _, err := tb.path.DeleteObjectTagging(ctx, &awss3.DeleteObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	got, _ = tb.path.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k")})
	if len(got.TagSet) != 0 {
		t.Errorf("TagSet after delete = %+v", got.TagSet)
	}
	_, err = tb.path.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("nope")})
	wantAPIError(t, err, "NoSuchKey", "")
}

func TestConditionalPut(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	put := func(in *awss3.PutObjectInput) error {
		in.Bucket, in.Key, in.Body = aws.String(b), aws.String("k"), strings.NewReader("v")
		_, err := tb.path.PutObject(ctx, in)
		return err
	}
	if err := put(&awss3.PutObjectInput{IfNoneMatch: aws.String("*")}); err != nil {
		t.Fatalf("first create: %v", err)
	}
	err := put(&awss3.PutObjectInput{IfNoneMatch: aws.String("*")})
	wantAPIError(t, err, "PreconditionFailed", "")
	if err := put(&awss3.PutObjectInput{IfMatch: aws.String(md5hex("v"))}); err != nil {
		t.Errorf("If-Match current ETag: %v", err)
	}
	err = put(&awss3.PutObjectInput{IfMatch: aws.String(`"abc"`)})
	wantAPIError(t, err, "PreconditionFailed", "")
}
