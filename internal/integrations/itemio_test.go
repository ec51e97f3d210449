package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// fakeS3 is an in-memory S3 for the item reader and result writer: one
// bucket of objects, listed a page of pageSize keys at a time.
type fakeS3 struct {
	mu       sync.Mutex
	objects  map[string]string
	pageSize int
	puts     []string // keys written, in order
}

func (f *fakeS3) call(_ context.Context, action string, input []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var in struct{ Bucket, Key, Prefix, ContinuationToken, Body string }
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, err
	}
	if in.Bucket != "b" {
		return nil, &awsproto.Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist", Status: 404}
	}
	switch action {
	case "GetObject":
		body, ok := f.objects[in.Key]
		if !ok {
			return nil, &awsproto.Error{Code: "NoSuchKey", Message: "The specified key does not exist.", Status: 404}
		}
		return json.Marshal(map[string]any{"Body": body, "ContentLength": len(body)})
	case "PutObject":
		f.objects[in.Key] = in.Body
		f.puts = append(f.puts, in.Key)
		return []byte(`{"ETag":"\"e\""}`), nil
	case "ListObjectsV2":
		var keys []string
		for k := range f.objects {
			if strings.HasPrefix(k, in.Prefix) && k > in.ContinuationToken {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		truncated := len(keys) > f.pageSize
		if truncated {
			keys = keys[:f.pageSize]
		}
		var contents []any
		for _, k := range keys {
			contents = append(contents, map[string]any{"ETag": `"` + k + `"`, "Key": k, "LastModified": "2024-01-02T03:04:05Z",
				"Size": len(f.objects[k]), "StorageClass": "STANDARD"})
		}
		out := map[string]any{"Contents": contents, "IsTruncated": truncated}
		if truncated {
			out["NextContinuationToken"] = keys[len(keys)-1]
		}
		return json.Marshal(out)
	}
	return nil, awsproto.UnknownOperation()
}

func newS3Test(objects map[string]string) (*Integrations, *fakeS3) {
	f := &fakeS3{objects: objects, pageSize: 2}
	return newTest(Config{SDK: map[string]Caller{"s3": f.call}}), f
}

func TestItemReaderHandler(t *testing.T) {
	t.Parallel()
	objects := map[string]string{
		"people.csv":      "name,age\nann,31\nbob\ncid,53,extra\n",
		"pipes.csv":       "x|y\n1|2\n",
		"given.csv":       "1,2\n3,4\n",
		"dup.csv":         "a,a\n1,2\n",
		"lines.jsonl":     "{\"n\":1}\n\n[2]\n\"three\"\n",
		"bad.jsonl":       "{\"n\":1}\n{oops\n",
		"list.json":       `[{"b":1,"a":2},3]`,
		"object.json":     `{"a":1}`,
		"broken.json":     `[1,`,
		"dir/a.json":      `[1,2]`,
		"dir/b.json":      `[3]`,
		"dir/c.json":      `[4,5]`,
		"inv/manifest":    `{"destinationBucket":"arn:aws:s3:::b","fileFormat":"CSV","fileSchema":"Bucket, Key, Size","files":[{"key":"inv/data.csv"}]}`,
		"inv/data.csv":    "b,k1,10\nb,k2,20\n",
		"movies.csv":      "userId,movieId,rating,timestamp\n1,307,3.5,1256677221\n",
		"many.json":       `[1,2,3,4,5,6]`,
		"empty.csv":       "",
		"header-only.csv": "h1,h2\n",
	}
	tests := []struct {
		name     string
		resource string
		params   string
		want     string // the items, or the error "name: cause"
	}{
		{name: "CSV first row", params: `{"Bucket":"b","Key":"people.csv"}`, want: `[{"name":"ann","age":"31"},{"name":"bob","age":""},{"name":"cid","age":"53"}]`},
		{name: "CSV in Java HashMap order", params: `{"Bucket":"b","Key":"movies.csv"}`,
			want: `[{"rating":"3.5","movieId":"307","userId":"1","timestamp":"1256677221"}]`},
		{name: "CSV pipes", params: `{"Bucket":"b","Key":"pipes.csv"}`, want: `[{"x":"1","y":"2"}]`},
		{name: "CSV given headers", params: `{"Bucket":"b","Key":"given.csv"}`, want: `[{"H1":"1","H2":"2"},{"H1":"3","H2":"4"}]`},
		{name: "CSV duplicate headers", params: `{"Bucket":"b","Key":"dup.csv"}`, want: `States.ItemReaderFailed: CSV headers cannot contain duplicates.`},
		{name: "CSV empty", params: `{"Bucket":"b","Key":"empty.csv"}`, want: `[]`},
		{name: "CSV header only", params: `{"Bucket":"b","Key":"header-only.csv"}`, want: `[]`},
		{name: "JSONL", params: `{"Bucket":"b","Key":"lines.jsonl"}`, want: `[{"n":1},[2],"three"]`},
		{name: "JSONL invalid", params: `{"Bucket":"b","Key":"bad.jsonl"}`, want: `States.ItemReaderFailed: Line 2 of the JSONL object is not valid JSON: …`},
		{name: "JSON", params: `{"Bucket":"b","Key":"list.json"}`, want: `[{"b":1,"a":2},3]`},
		{name: "JSON MaxItems", params: `{"Bucket":"b","Key":"many.json"}`, want: `[1,2]`},
		{name: "JSON object", params: `{"Bucket":"b","Key":"object.json"}`, want: `States.ItemReaderFailed: Attempting to map over non-iterable node.`},
		{name: "JSON invalid", params: `{"Bucket":"b","Key":"broken.json"}`, want: `States.ItemReaderFailed: The object is not valid JSON: …`},
		{name: "too many items", params: `{"Bucket":"b","Key":"many.json"}`,
			want: `States.ItemReaderFailed: The item reader found more than 5 items, the most Stepflow reads; set ReaderConfig.MaxItems to read fewer.`},
		{name: "missing key", params: `{"Bucket":"b","Key":"nope.csv"}`,
			want: `States.ItemReaderFailed: The specified key does not exist. (Service: S3, Status Code: 404, Request ID: req-1)`},
		{name: "missing bucket", params: `{"Bucket":"other","Key":"people.csv"}`,
			want: `States.ItemReaderFailed: The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: req-1)`},
		{name: "manifest", params: `{"Bucket":"b","Key":"inv/manifest"}`,
			want: `[{"Bucket":"b","Size":"10","Key":"k1"},{"Bucket":"b","Size":"20","Key":"k2"}]`},
		{name: "listing", resource: "arn:aws:states:::s3:listObjectsV2", params: `{"Bucket":"b","Prefix":"dir/"}`,
			want: `[{"Etag":"\"dir/a.json\"","Key":"dir/a.json","LastModified":1704164645,"Size":5,"StorageClass":"STANDARD"},` +
				`{"Etag":"\"dir/b.json\"","Key":"dir/b.json","LastModified":1704164645,"Size":3,"StorageClass":"STANDARD"},` +
				`{"Etag":"\"dir/c.json\"","Key":"dir/c.json","LastModified":1704164645,"Size":5,"StorageClass":"STANDARD"}]`},
		{name: "listing MaxItems", resource: "arn:aws:states:::s3:listObjectsV2", params: `{"Bucket":"b","Prefix":"dir/"}`,
			want: `[{"Etag":"\"dir/a.json\"","Key":"dir/a.json","LastModified":1704164645,"Size":5,"StorageClass":"STANDARD"}]`},
		{name: "listing LOAD_AND_FLATTEN", resource: "arn:aws:states:::s3:listObjectsV2", params: `{"Bucket":"b","Prefix":"dir/"}`,
			want: `[1,2,3,4,5]`},
	}
	configs := map[string]string{
		"CSV first row":             `{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}`,
		"CSV in Java HashMap order": `{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}`,
		"CSV pipes":                 `{"InputType":"CSV","CSVDelimiter":"PIPE"}`,
		"CSV given headers":         `{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["H1","H2"]}`,
		"CSV duplicate headers":     `{"InputType":"CSV"}`,
		"CSV empty":                 `{"InputType":"CSV"}`,
		"CSV header only":           `{"InputType":"CSV"}`,
		"JSONL":                     `{"InputType":"JSONL"}`,
		"JSONL invalid":             `{"InputType":"JSONL"}`,
		"JSON MaxItems":             `{"InputType":"JSON","MaxItems":2}`,
		"too many items":            `{"InputType":"JSON"}`,
		"missing key":               `{"InputType":"CSV"}`,
		"manifest":                  `{"InputType":"MANIFEST","ManifestType":"S3_INVENTORY"}`,
		"listing MaxItems":          `{"MaxItems":1}`,
		"listing LOAD_AND_FLATTEN":  `{"InputType":"JSON","Transformation":"LOAD_AND_FLATTEN"}`,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, _ := newS3Test(objects)
			res := tt.resource
			if res == "" {
				res = "arn:aws:states:::s3:getObject"
			}
			cfg := configs[tt.name]
			if cfg == "" {
				cfg = `{}`
			}
			limit := 100
			if tt.name == "too many items" {
				limit = 5
			}
			req := fmt.Sprintf(`{"Parameters":%s,"ReaderConfig":%s,"ItemLimit":%d}`, tt.params, cfg, limit)
			out, err := run(t, in, res, req, "")
			got := jsonv.Marshal(out)
			if err != nil {
				var te *runner.TaskError
				if !errors.As(err, &te) {
					t.Fatalf("error %v is not a TaskError", err)
				}
				got = te.Name + ": " + te.Cause
			}
			if p, ok := strings.CutSuffix(tt.want, "…"); ok {
				if !strings.HasPrefix(got, p) {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			} else if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestItemReaderNotATask(t *testing.T) {
	t.Parallel()
	in, _ := newS3Test(map[string]string{})
	_, err := run(t, in, "arn:aws:states:::s3:getObject", `{"Bucket":"b","Key":"k"}`, "")
	var te *runner.TaskError
	if !errors.As(err, &te) || te.Name != "States.TaskFailed" {
		t.Errorf("err = %v, want States.TaskFailed", err)
	}
}

func TestResultWriterHandler(t *testing.T) {
	t.Parallel()
	const run0 = "arn:aws:states:us-east-1:111111111111:mapRun:sm/Map:1234"
	tests := []struct {
		name     string
		req      string
		want     string            // the handler's result or "name: cause"
		files    map[string]string // objects written
		putOrder []string
	}{
		{name: "succeeded and failed", req: `{"Parameters":{"Bucket":"b","Prefix":"out"},"MapRunArn":"` + run0 + `","OutputType":"JSON",` +
			`"ResultFiles":{"FAILED":[{"Status":"FAILED"}],"PENDING":[],"SUCCEEDED":[{"Output":"1"},{"Output":"2"}]}}`,
			want: `{"MapRunArn":"` + run0 + `","ResultWriterDetails":{"Bucket":"b","Key":"out/1234/manifest.json"}}`,
			files: map[string]string{
				"out/1234/FAILED_0.json":    `[{"Status":"FAILED"}]`,
				"out/1234/SUCCEEDED_0.json": `[{"Output":"1"},{"Output":"2"}]`,
				"out/1234/manifest.json": `{"DestinationBucket":"b","MapRunArn":"` + run0 + `","ResultFiles":{"FAILED":[{"Key":"out/1234/FAILED_0.json","Size":21}],` +
					`"PENDING":[],"SUCCEEDED":[{"Key":"out/1234/SUCCEEDED_0.json","Size":31}]}}`,
			},
			putOrder: []string{"out/1234/FAILED_0.json", "out/1234/SUCCEEDED_0.json", "out/1234/manifest.json"}},
		{name: "JSONL without prefix", req: `{"Parameters":{"Bucket":"b"},"MapRunArn":"` + run0 + `","OutputType":"JSONL",` +
			`"ResultFiles":{"FAILED":[],"PENDING":[],"SUCCEEDED":[1,[2]]}}`,
			want:  `{"MapRunArn":"` + run0 + `","ResultWriterDetails":{"Bucket":"b","Key":"1234/manifest.json"}}`,
			files: map[string]string{"1234/SUCCEEDED_0.jsonl": "1\n[2]\n"}},
		{name: "prefix with slash", req: `{"Parameters":{"Bucket":"b","Prefix":"a/"},"MapRunArn":"` + run0 + `","OutputType":"JSON","ResultFiles":{}}`,
			want:  `{"MapRunArn":"` + run0 + `","ResultWriterDetails":{"Bucket":"b","Key":"a/1234/manifest.json"}}`,
			files: map[string]string{"a/1234/manifest.json": `{"DestinationBucket":"b","MapRunArn":"` + run0 + `","ResultFiles":{"FAILED":[],"PENDING":[],"SUCCEEDED":[]}}`}},
		{name: "missing bucket", req: `{"Parameters":{"Bucket":"x","Prefix":""},"MapRunArn":"` + run0 + `","OutputType":"JSON","ResultFiles":{}}`,
			want: `States.ResultWriterFailed: The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: req-1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, f := newS3Test(map[string]string{})
			out, err := run(t, in, "arn:aws:states:::s3:putObject", tt.req, "")
			got := jsonv.Marshal(out)
			if err != nil {
				var te *runner.TaskError
				if !errors.As(err, &te) {
					t.Fatalf("error %v is not a TaskError", err)
				}
				got = te.Name + ": " + te.Cause
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			for k, want := range tt.files {
				if f.objects[k] != want {
					t.Errorf("%s = %q\nwant %q", k, f.objects[k], want)
				}
			}
			if tt.putOrder != nil && !slices.Equal(f.puts, tt.putOrder) {
				t.Errorf("puts = %v, want %v", f.puts, tt.putOrder)
			}
		})
	}
}

func TestJavaHashOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		keys, want []string
	}{
		// The CSV example in AWS's ItemReader documentation.
		{[]string{"userId", "movieId", "rating", "timestamp"}, []string{"rating", "movieId", "userId", "timestamp"}},
		{[]string{"Col1", "Col2", "Col3"}, []string{"Col1", "Col2", "Col3"}},
		{[]string{"0", "True", "{}"}, []string{"0", "{}", "True"}},
		{nil, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, i := range javaHashOrder(tt.keys) {
			got = append(got, tt.keys[i])
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("javaHashOrder(%q) = %q, want %q", tt.keys, got, tt.want)
		}
	}
	if h := javaStringHash("hello"); h != 99162322 {
		t.Errorf(`javaStringHash("hello") = %d, want 99162322`, h)
	}
	if h := javaStringHash("😀"); h != 1772899 {
		t.Errorf(`javaStringHash("😀") = %d, want 1772899 (UTF-16 surrogates)`, h)
	}
}

// FuzzParseItems checks that no object content or reader configuration
// makes the parsers panic, and that they respect their limits.
func FuzzParseItems(f *testing.F) {
	seeds := []struct{ body, inputType, location, delimiter string }{
		{"a,b\n1,2\n", "CSV", "FIRST_ROW", "COMMA"},
		{"1;2\n\"x;y\";z\n", "CSV", "GIVEN", "SEMICOLON"},
		{"a\tb\n\"unterminated\n", "CSV", "FIRST_ROW", "TAB"},
		{"a,a\n", "CSV", "FIRST_ROW", "COMMA"},
		{"\ufeffh1 h2\nv w x\n", "CSV", "FIRST_ROW", "SPACE"},
		{"{\"a\":1}\n[1]\n\n2\n", "JSONL", "", ""},
		{"{oops\n", "JSONL", "", ""},
		{"[1,{\"a\":[2]},\"s\",null]", "JSON", "", ""},
		{"{\"a\":1}", "JSON", "", ""},
		{"[", "JSON", "", ""},
		{"", "PARQUET", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.body, s.inputType, s.location, s.delimiter, 3)
	}
	f.Fuzz(func(t *testing.T, body, inputType, location, delimiter string, maxItems int) {
		cfgObj := jsonv.NewObject(5)
		cfgObj.Set("InputType", inputType)
		cfgObj.Set("CSVHeaderLocation", location)
		cfgObj.Set("CSVHeaders", []any{"H1", "H2"})
		if delimiter != "" {
			cfgObj.Set("CSVDelimiter", delimiter)
		}
		cfgObj.Set("MaxItems", jsonv.Int(int64(maxItems)))
		cfg, err := parseReaderConfig(cfgObj)
		if err != nil {
			return
		}
		s := &itemSink{max: cfg.MaxItems, limit: 50}
		err = parseItems(body, cfg, s)
		if len(s.items) > 50 || (cfg.MaxItems > 0 && len(s.items) > cfg.MaxItems) {
			t.Fatalf("%d items read (MaxItems %d, limit 50)", len(s.items), cfg.MaxItems)
		}
		if err != nil {
			return
		}
		for _, it := range s.items {
			if _, perr := jsonv.Parse(jsonv.Append(nil, it)); perr != nil {
				t.Fatalf("item %#v does not encode as JSON: %v", it, perr)
			}
		}
	})
}

// FuzzResultWriter checks that any result files encode as the JSON (or
// JSONL) their readers parse back.
func FuzzResultWriter(f *testing.F) {
	for _, s := range []string{`[1,{"a":"b"},[2]]`, `[]`, `["\n"]`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, entries string, jsonl bool) {
		v, err := jsonv.ParseString(entries)
		list, ok := v.([]any)
		if err != nil || !ok {
			return
		}
		outputType := "JSON"
		if jsonl {
			outputType = "JSONL"
		}
		body := string(encodeResults(list, outputType))
		s := &itemSink{limit: len(list) + 1}
		if jsonl {
			err = parseJSONLItems(body, s)
		} else {
			err = parseJSONItems(body, s)
		}
		if err != nil || len(s.items) != len(list) {
			t.Fatalf("%s encoded as %q reads back %d items (%v)", entries, body, len(s.items), err)
		}
	})
}
