package s3_test

import (
	"context"
	"encoding/xml"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// listKeys are the keys of the listing tests, in S3's (UTF-8 binary)
// order.
var listKeys = []string{
	"a.txt", "dir/", "dir/one", "dir/sub/deep", "dir/two", "dir2/x", "m k", "photos/2006/jan", "photos/2006/feb",
	"photos/2007/mar", "z", "é",
}

func (tb *testBundle) fill(t *testing.T, b string, keys []string) {
	t.Helper()
	for _, k := range keys {
		if _, err := tb.path.PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k),
			Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
}

// listV2 pages through ListObjectsV2 and returns every key and common
// prefix in order, prefixes marked with a trailing "*", and the pages.
func listV2(t *testing.T, c *awss3.Client, in *awss3.ListObjectsV2Input) (string, int) {
	t.Helper()
	var got []string
	pages := 0
	p := awss3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if n := len(out.Contents) + len(out.CommonPrefixes); int(aws.ToInt32(out.KeyCount)) != n {
			t.Errorf("KeyCount = %d; entries %d", aws.ToInt32(out.KeyCount), n)
		}
		if in.MaxKeys != nil && len(out.Contents)+len(out.CommonPrefixes) > int(*in.MaxKeys) {
			t.Errorf("page of %d entries; max %d", len(out.Contents)+len(out.CommonPrefixes), *in.MaxKeys)
		}
		// Keys and prefixes interleave in S3's order; merge them.
		var entries []string
		for _, c := range out.Contents {
			entries = append(entries, aws.ToString(c.Key))
		}
		for _, p := range out.CommonPrefixes {
			entries = append(entries, aws.ToString(p.Prefix)+"*")
		}
		sort.Slice(entries, func(i, j int) bool {
			return strings.TrimSuffix(entries[i], "*") < strings.TrimSuffix(entries[j], "*")
		})
		got = append(got, entries...)
	}
	return strings.Join(got, ","), pages
}

func TestListObjectsV2(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b := tb.bucket(t)
	tb.fill(t, b, listKeys)
	for _, tc := range []struct {
		name string
		in   awss3.ListObjectsV2Input
		want string
	}{
		{name: "all", in: awss3.ListObjectsV2Input{},
			want: "a.txt,dir/,dir/one,dir/sub/deep,dir/two,dir2/x,m k,photos/2006/feb,photos/2006/jan,photos/2007/mar,z,é"},
		{name: "pages of 3", in: awss3.ListObjectsV2Input{MaxKeys: aws.Int32(3)},
			want: "a.txt,dir/,dir/one,dir/sub/deep,dir/two,dir2/x,m k,photos/2006/feb,photos/2006/jan,photos/2007/mar,z,é"},
		{name: "delimiter", in: awss3.ListObjectsV2Input{Delimiter: aws.String("/")},
			want: "a.txt,dir/*,dir2/*,m k,photos/*,z,é"},
		{name: "delimiter, pages of 1", in: awss3.ListObjectsV2Input{Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)},
			want: "a.txt,dir/*,dir2/*,m k,photos/*,z,é"},
		{name: "prefix and delimiter", in: awss3.ListObjectsV2Input{Prefix: aws.String("dir/"), Delimiter: aws.String("/")},
			want: "dir/,dir/one,dir/sub/*,dir/two"},
		{name: "prefix and delimiter, pages of 2", in: awss3.ListObjectsV2Input{Prefix: aws.String("photos/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)},
			want: "photos/2006/*,photos/2007/*"},
		{name: "prefix", in: awss3.ListObjectsV2Input{Prefix: aws.String("dir")},
			want: "dir/,dir/one,dir/sub/deep,dir/two,dir2/x"},
		{name: "start after", in: awss3.ListObjectsV2Input{StartAfter: aws.String("photos/2006/jan")},
			want: "photos/2007/mar,z,é"},
		{name: "start after inside a common prefix", in: awss3.ListObjectsV2Input{StartAfter: aws.String("dir/one"), Delimiter: aws.String("/")},
			want: "dir2/*,m k,photos/*,z,é"},
		{name: "multi-character delimiter", in: awss3.ListObjectsV2Input{Delimiter: aws.String("/2")},
			want: "a.txt,dir/,dir/one,dir/sub/deep,dir/two,dir2/x,m k,photos/2*,z,é"},
		{name: "no match", in: awss3.ListObjectsV2Input{Prefix: aws.String("nothing")}, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.Bucket = aws.String(b)
			got, _ := listV2(t, tb.path, &in)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestListObjectsV2Details(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	tb.fill(t, b, listKeys)
	// A page ends with a token only when more entries follow.
	out, err := tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(b), MaxKeys: aws.Int32(int32(len(listKeys)))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToBool(out.IsTruncated) || out.NextContinuationToken != nil {
		t.Errorf("exact page: truncated %v token %v", aws.ToBool(out.IsTruncated), out.NextContinuationToken)
	}
	c := out.Contents[0]
	if aws.ToString(c.ETag) != md5hex("a.txt") || aws.ToInt64(c.Size) != 5 || c.StorageClass != types.ObjectStorageClassStandard ||
		c.LastModified == nil || len(c.ChecksumAlgorithm) != 1 || c.Owner != nil {
		t.Errorf("entry = %+v", c)
	}
	// max-keys 0.
	out, err = tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(b), MaxKeys: aws.Int32(0)})
	if err != nil || len(out.Contents) != 0 || aws.ToBool(out.IsTruncated) {
		t.Errorf("max-keys 0 = %d entries, truncated %v, %v", len(out.Contents), aws.ToBool(out.IsTruncated), err)
	}
	// fetch-owner.
	out, _ = tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(b), FetchOwner: aws.Bool(true), MaxKeys: aws.Int32(1)})
	if len(out.Contents) != 1 || out.Contents[0].Owner == nil {
		t.Errorf("fetch-owner: %+v", out.Contents)
	}
	// encoding-type=url encodes keys and prefixes.
	out, err = tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(b), EncodingType: types.EncodingTypeUrl,
		Prefix: aws.String("m "), Delimiter: aws.String("/")})
	if err != nil || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "m+k" || aws.ToString(out.Prefix) != "m+" {
		t.Errorf("encoded = %+v prefix %q, %v", out.Contents, aws.ToString(out.Prefix), err)
	}
	// A bad token.
	_, err = tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(b), ContinuationToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidArgument", "The continuation token provided is incorrect")
	_, err = tb.path.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("no-such-" + b)})
	wantAPIError(t, err, "NoSuchBucket", "The specified bucket does not exist")
	resp := tb.raw(t, "GET", "/"+b+"?list-type=2&encoding-type=base64", "", nil)
	wantErrorDoc(t, resp, 400, "InvalidArgument", "Invalid Encoding Method specified in Request")
	resp = tb.raw(t, "GET", "/"+b+"?list-type=2&max-keys=-1", "", nil)
	wantErrorDoc(t, resp, 400, "InvalidArgument", "Provided max-keys not an integer or within integer range")
}

func TestListObjectsV1(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	tb.fill(t, b, listKeys)
	var got []string
	marker := ""
	for range 20 {
		out, err := tb.path.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/"),
			MaxKeys: aws.Int32(2), Marker: aws.String(marker)})
		if err != nil {
			t.Fatal(err)
		}
		var entries []string
		for _, c := range out.Contents {
			entries = append(entries, aws.ToString(c.Key))
			if c.Owner == nil {
				t.Errorf("v1 entry without Owner")
			}
		}
		for _, p := range out.CommonPrefixes {
			entries = append(entries, aws.ToString(p.Prefix)+"*")
		}
		sort.Strings(entries)
		got = append(got, entries...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if out.NextMarker == nil {
			t.Fatal("truncated page without NextMarker")
		}
		marker = aws.ToString(out.NextMarker)
	}
	want := "a.txt,dir/*,dir2/*,m k,photos/*,z,é"
	if strings.Join(got, ",") != want {
		t.Errorf("got %v; want %s", got, want)
	}
	// Without a delimiter S3 sends no NextMarker: clients use the last key.
	out, err := tb.path.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: aws.String(b), MaxKeys: aws.Int32(2), Marker: aws.String("dir/one")})
	if err != nil || out.NextMarker != nil || len(out.Contents) != 2 || aws.ToString(out.Contents[0].Key) != "dir/sub/deep" {
		t.Errorf("marker page = %+v, %v", out, err)
	}
}

func TestListObjectVersions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	tb.fill(t, b, []string{"a", "b", "c"})
	var keys []string
	p := awss3.NewListObjectVersionsPaginator(tb.path, &awss3.ListObjectVersionsInput{Bucket: aws.String(b), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			if aws.ToString(v.VersionId) != "null" || !aws.ToBool(v.IsLatest) {
				t.Errorf("version = %+v", v)
			}
			keys = append(keys, aws.ToString(v.Key))
		}
	}
	if strings.Join(keys, ",") != "a,b,c" {
		t.Errorf("versions = %v", keys)
	}
	// What Terraform's force_destroy does next: delete every version.
	var ids []types.ObjectIdentifier
	for _, k := range keys {
		ids = append(ids, types.ObjectIdentifier{Key: aws.String(k), VersionId: aws.String("null")})
	}
	if _, err := tb.path.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: ids}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.path.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
}

// TestListXML checks the document itself: namespace, element names.
func TestListXML(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b := tb.bucket(t)
	tb.fill(t, b, []string{"k"})
	resp := tb.raw(t, "GET", "/"+b+"?list-type=2", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.body, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`) {
		t.Fatalf("body = %s", resp.body)
	}
	var doc struct {
		Name     string
		KeyCount int
		MaxKeys  int
		Contents []struct{ Key, ETag, ChecksumAlgorithm, ChecksumType, StorageClass string }
	}
	if err := xml.Unmarshal([]byte(resp.body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != b || doc.KeyCount != 1 || doc.MaxKeys != 1000 || doc.Contents[0].ETag != md5hex("k") ||
		doc.Contents[0].ChecksumAlgorithm != "CRC32" || doc.Contents[0].ChecksumType != "FULL_OBJECT" {
		t.Errorf("doc = %+v", doc)
	}
}
