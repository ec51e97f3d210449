package s3_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

func call(t *testing.T, tb *testBundle, action, input string) map[string]any {
	t.Helper()
	out, err := tb.svc.Call(context.Background(), action, []byte(input))
	if err != nil {
		t.Fatalf("%s %s: %v", action, input, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s output %s: %v", action, out, err)
	}
	return m
}

func wantCallError(t *testing.T, err error, code, msg string, status int) {
	t.Helper()
	var e *awsproto.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v; want %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) || (status != 0 && e.Status != status) {
		t.Errorf("error = %s %q %d; want %s %q %d", e.Code, e.Message, e.Status, code, msg, status)
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	call(t, tb, "CreateBucket", `{"Bucket":"call-bucket"}`)
	put := call(t, tb, "PutObject", `{"Bucket":"call-bucket","Key":"items.json","Body":"[1,2,3]","ContentType":"application/json","Metadata":{"k":"v"}}`)
	if put["ETag"] != md5hex("[1,2,3]") || put["ServerSideEncryption"] != "AES256" {
		t.Errorf("PutObject = %v", put)
	}
	// A Body that is JSON, not a string, is stored as its JSON text.
	call(t, tb, "PutObject", `{"Bucket":"call-bucket","Key":"obj.json","Body":{"a": [1, 2]}}`)
	get := call(t, tb, "GetObject", `{"Bucket":"call-bucket","Key":"obj.json"}`)
	if get["Body"] != `{"a":[1,2]}` || get["ContentType"] != "binary/octet-stream" {
		t.Errorf("GetObject = %v", get)
	}
	get = call(t, tb, "GetObject", `{"Bucket":"call-bucket","Key":"items.json"}`)
	if get["Body"] != "[1,2,3]" || get["ContentLength"] != float64(7) || get["ContentType"] != "application/json" ||
		get["ETag"] != md5hex("[1,2,3]") || get["Metadata"].(map[string]any)["k"] != "v" || get["LastModified"] == "" {
		t.Errorf("GetObject = %v", get)
	}
	get = call(t, tb, "GetObject", `{"Bucket":"call-bucket","Key":"items.json","Range":"bytes=1-3"}`)
	if get["Body"] != "1,2" || get["ContentRange"] != "bytes 1-3/7" {
		t.Errorf("GetObject range = %v", get)
	}
	for i := range 5 {
		call(t, tb, "PutObject", `{"Bucket":"call-bucket","Key":"dir/`+string(rune('a'+i))+`","Body":"x"}`)
	}
	list := call(t, tb, "ListObjectsV2", `{"Bucket":"call-bucket","Prefix":"dir/","MaxKeys":2}`)
	if list["KeyCount"] != float64(2) || list["IsTruncated"] != true || list["NextContinuationToken"] == nil {
		t.Fatalf("ListObjectsV2 = %v", list)
	}
	c0 := list["Contents"].([]any)[0].(map[string]any)
	if c0["Key"] != "dir/a" || c0["Size"] != float64(1) || c0["StorageClass"] != "STANDARD" {
		t.Errorf("Contents[0] = %v", c0)
	}
	tok, _ := json.Marshal(list["NextContinuationToken"])
	list = call(t, tb, "ListObjectsV2", `{"Bucket":"call-bucket","Prefix":"dir/","MaxKeys":10,"ContinuationToken":`+string(tok)+`}`)
	if list["KeyCount"] != float64(3) || list["IsTruncated"] != false {
		t.Errorf("second page = %v", list)
	}
	list = call(t, tb, "ListObjectsV2", `{"Bucket":"call-bucket","Delimiter":"/"}`)
	if cp := list["CommonPrefixes"].([]any); len(cp) != 1 || cp[0].(map[string]any)["Prefix"] != "dir/" {
		t.Errorf("CommonPrefixes = %v", list["CommonPrefixes"])
	}
	cp := call(t, tb, "CopyObject", `{"Bucket":"call-bucket","Key":"copy.json","CopySource":"call-bucket/items.json"}`)
	if cp["CopyObjectResult"].(map[string]any)["ETag"] != md5hex("[1,2,3]") {
		t.Errorf("CopyObject = %v", cp)
	}
	del := call(t, tb, "DeleteObjects", `{"Bucket":"call-bucket","Delete":{"Objects":[{"Key":"copy.json"},{"Key":"obj.json"}]}}`)
	if len(del["Deleted"].([]any)) != 2 {
		t.Errorf("DeleteObjects = %v", del)
	}
	call(t, tb, "PutBucketTagging", `{"Bucket":"call-bucket","Tagging":{"TagSet":[{"Key":"a","Value":"b"}]}}`)
	if tags := call(t, tb, "GetBucketTagging", `{"Bucket":"call-bucket"}`); len(tags["TagSet"].([]any)) != 1 {
		t.Errorf("GetBucketTagging = %v", tags)
	}

	// Errors.
	_, err := tb.svc.Call(ctx, "GetObject", []byte(`{"Bucket":"call-bucket","Key":"nope"}`))
	wantCallError(t, err, "NoSuchKey", "The specified key does not exist.", 404)
	_, err = tb.svc.Call(ctx, "GetObject", []byte(`{"Bucket":"no-such-bucket","Key":"k"}`))
	wantCallError(t, err, "NoSuchBucket", "The specified bucket does not exist", 404)
	_, err = tb.svc.Call(ctx, "HeadObject", []byte(`{"Bucket":"call-bucket","Key":"nope"}`))
	wantCallError(t, err, "NotFound", "Not Found", 404)
	_, err = tb.svc.Call(ctx, "GetObject", []byte(`{"Bucket":"call-bucket"}`))
	wantCallError(t, err, "ValidationException", "", 0)
	_, err = tb.svc.Call(ctx, "GetObject", []byte(`{"Bucket":1}`))
	wantCallError(t, err, "SerializationException", "", 0)
	_, err = tb.svc.Call(ctx, "PutBucketAnalyticsConfiguration", []byte(`{}`))
	wantCallError(t, err, "NotImplemented", "", 501)
	_, err = tb.svc.Call(ctx, "DeleteBucket", []byte(`{"Bucket":"call-bucket"}`))
	wantCallError(t, err, "BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
	_, err = tb.svc.Call(ctx, "ListObjectsV2", []byte(`{"Bucket":"call-bucket","ContinuationToken":"bad"}`))
	wantCallError(t, err, "InvalidArgument", "The continuation token provided is incorrect", 400)
}

func TestGoAPI(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	for i := range 25 {
		if _, err := tb.svc.PutObject(ctx, b, "items/"+string(rune('a'+i)), []byte(strings.Repeat("x", i)), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	token := ""
	pages := 0
	for {
		res, err := tb.svc.ListObjectsV2(ctx, b, "items/", token, 10)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range res.Objects {
			keys = append(keys, o.Key)
		}
		if res.NextContinuationToken == "" {
			break
		}
		token = res.NextContinuationToken
	}
	if len(keys) != 25 || pages != 3 || keys[0] != "items/a" {
		t.Errorf("listed %d keys in %d pages", len(keys), pages)
	}
	r, info, err := tb.svc.GetObject(ctx, b, "items/c")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(r)
	r.Close()
	if string(data) != "xx" || info.Size != 2 || info.ContentType != "text/plain" || info.ETag != md5hex("xx") {
		t.Errorf("GetObject = %q %+v", data, info)
	}
	_, _, err = tb.svc.GetObject(ctx, b, "nope")
	wantCallError(t, err, "NoSuchKey", "", 404)
	_, err = tb.svc.PutObject(ctx, "no-such-bucket", "k", nil, "")
	wantCallError(t, err, "NoSuchBucket", "", 404)
}
