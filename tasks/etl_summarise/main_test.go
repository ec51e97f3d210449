package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/tasks/shared/etl"
)

// memObjects is S3 in memory, keyed "bucket/key".
type memObjects struct {
	mu      sync.Mutex
	objects map[string][]byte
	types   map[string]string
}

func (m *memObjects) get(_ context.Context, bucket, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[bucket+"/"+key]
	if !ok {
		return nil, errors.New("no such object " + bucket + "/" + key)
	}
	return b, nil
}

func (m *memObjects) put(_ context.Context, bucket, key, contentType string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[bucket+"/"+key] = bytes.Clone(body)
	m.types[bucket+"/"+key] = contentType
	return nil
}

const date = "2026-11-29"

func row(id, sku, qty, price string) json.RawMessage {
	return json.RawMessage(`{"orderId":"` + id + `","sku":"` + sku + `","qty":"` + qty + `","price":"` + price + `","ts":"2026-11-29T10:00:00Z"}`)
}

// batch is a child execution: its input, and what etl_transform made of
// it (or how it failed).
func batch(status string, rows ...json.RawMessage) execution {
	in, _ := json.Marshal(map[string]any{"Items": rows, "BatchInput": map[string]string{"date": date}})
	e := execution{Name: "child", Status: status, Input: string(in)}
	if status == "SUCCEEDED" {
		r := etl.NewResult()
		for _, raw := range rows {
			r.Add(raw, date)
		}
		out, _ := json.Marshal(r)
		e.Output = string(out)
	} else {
		e.Error, e.Cause = "Lambda.Unknown", "timed out"
	}
	return e
}

var (
	b1 = batch("SUCCEEDED", row("o-1", "KB-101", "2", "49.90"), row("o-2", "MS-200", "0", "19.00"))
	b2 = batch("SUCCEEDED", row("o-3", "KB-101", "1", "49.90"))
	b3 = batch("FAILED", row("o-4", "TV-900", "1", "999.00"))
)

// store writes a Map run's results under prefix: a JSON array file, a
// JSON Lines file and a failed file, and the manifest.
func store(m *memObjects, prefix string, succeeded [][]execution, failed []execution) {
	var man manifest
	man.DestinationBucket = "results-bucket"
	add := func(list *[]struct {
		Key  string
		Size int64
	}, name string, body []byte) {
		m.objects["results-bucket/"+prefix+name] = body
		*list = append(*list, struct {
			Key  string
			Size int64
		}{prefix + name, int64(len(body))})
	}
	for i, execs := range succeeded {
		var body []byte
		if i%2 == 0 {
			body, _ = json.Marshal(execs)
		} else {
			for _, e := range execs {
				line, _ := json.Marshal(e)
				body = append(append(body, line...), '\n')
			}
		}
		add(&man.ResultFiles.SUCCEEDED, "SUCCEEDED_"+string(rune('0'+i))+".json", body)
	}
	if failed != nil {
		body, _ := json.Marshal(failed)
		add(&man.ResultFiles.FAILED, "FAILED_0.json", body)
	}
	body, _ := json.Marshal(man)
	m.objects["results-bucket/"+prefix+"manifest.json"] = body
}

func newObjects() *memObjects {
	return &memObjects{objects: map[string][]byte{}, types: map[string]string{}}
}

const wantSummary = `{
  "date": "2026-11-29",
  "rowsIn": 4,
  "rowsLoaded": 2,
  "rowsRejected": 2,
  "batches": 3,
  "batchesFailed": 1,
  "revenue": 149.70,
  "totals": {
    "KB-101": {
      "qty": 3,
      "revenue": 149.70
    }
  }
}
`

const wantRejected = `{"row":{"orderId":"o-2","sku":"MS-200","qty":"0","price":"19.00","ts":"2026-11-29T10:00:00Z"},"reason":"qty \"0\" is not a whole number from 1 to 1000000"}
{"row":{"orderId":"o-4","sku":"TV-900","qty":"1","price":"999.00","ts":"2026-11-29T10:00:00Z"},"reason":"the batch FAILED: Lambda.Unknown: timed out"}
`

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		succeeded [][]execution
		failed    []execution
	}{
		{"two files and a failure", [][]execution{{b1}, {b2}}, []execution{b3}},
		{"other order, one file", [][]execution{{b2, b1}}, []execution{b3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newObjects()
			store(m, "results/run-1/", tc.succeeded, tc.failed)
			h := &handler{s3: m}
			ev := `{"date":"2026-11-29","bucket":"etl","resultWriterDetails":{"Bucket":"results-bucket","Key":"results/run-1/manifest.json"}}`
			for run := range 2 { // re-running gives the same objects
				out, err := h.handle(context.Background(), json.RawMessage(ev))
				if err != nil {
					t.Fatal(err)
				}
				want := Output{Date: date, RowsIn: 4, RowsLoaded: 2, RowsRejected: 2,
					SummaryKey: "summaries/2026-11-29/summary.json", RejectedKey: "rejected/2026-11-29/rejected.jsonl"}
				if out != want {
					t.Errorf("run %d: output %+v", run, out)
				}
				if got := string(m.objects["etl/summaries/2026-11-29/summary.json"]); got != wantSummary {
					t.Errorf("run %d: summary\n%s\nwant\n%s", run, got, wantSummary)
				}
				if got := string(m.objects["etl/rejected/2026-11-29/rejected.jsonl"]); got != wantRejected {
					t.Errorf("run %d: rejected\n%s\nwant\n%s", run, got, wantRejected)
				}
			}
			if m.types["etl/rejected/2026-11-29/rejected.jsonl"] != "application/x-ndjson" {
				t.Errorf("types %v", m.types)
			}
		})
	}
}

func TestSeveralMapsAndPayload(t *testing.T) {
	t.Parallel()
	m := newObjects()
	wrapped := b2
	wrapped.Output = `{"ExecutedVersion":"$LATEST","Payload":` + b2.Output + `,"StatusCode":200}`
	store(m, "csv/run-1/", [][]execution{{b1}}, nil)
	store(m, "jsonl/run-2/", [][]execution{{wrapped}}, nil)
	h := &handler{s3: m}
	out, err := h.handle(context.Background(), json.RawMessage(`{"date":"2026-11-29","bucket":"etl","resultWriterDetails":[
		{"Bucket":"results-bucket","Key":"csv/run-1/manifest.json"},{"Bucket":"results-bucket","Key":"jsonl/run-2/manifest.json"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if out.RowsIn != 3 || out.RowsLoaded != 2 || out.RowsRejected != 1 {
		t.Errorf("output %+v", out)
	}
	// The same, naming the manifests by key, as batch_etl.asl.json does.
	m.objects["etl/csv/run-1/manifest.json"] = m.objects["results-bucket/csv/run-1/manifest.json"]
	m.objects["etl/jsonl/run-2/manifest.json"] = m.objects["results-bucket/jsonl/run-2/manifest.json"]
	again, err := h.handle(context.Background(), json.RawMessage(`{"date":"2026-11-29","bucket":"etl","manifests":["csv/run-1/manifest.json","jsonl/run-2/manifest.json"]}`))
	if err != nil || again != out {
		t.Errorf("by keys: %+v, %v; want %+v", again, err, out)
	}
}

func TestLostInput(t *testing.T) {
	t.Parallel()
	m := newObjects()
	lost := b3
	lost.Input = ""
	store(m, "r/", [][]execution{{b1}}, []execution{lost})
	out, err := (&handler{s3: m}).handle(context.Background(), json.RawMessage(`{"date":"2026-11-29","bucket":"etl","resultWriterDetails":{"Bucket":"results-bucket","Key":"r/manifest.json"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if out.RowsIn != 2 || out.RowsRejected != 1 || !strings.Contains(string(m.objects["etl/rejected/2026-11-29/rejected.jsonl"]), `{"row":null,"reason":"the batch FAILED: Lambda.Unknown: timed out (its rows are unknown`) {
		t.Errorf("output %+v\n%s", out, m.objects["etl/rejected/2026-11-29/rejected.jsonl"])
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	for _, ev := range []string{`{}`, `{"date":"29/11/2026","bucket":"b","resultWriterDetails":{"Bucket":"b","Key":"k"}}`, `{"date":"2026-11-29","bucket":"b"}`, `7`} {
		_, err := (&handler{s3: newObjects()}).handle(context.Background(), json.RawMessage(ev))
		if err == nil || reflect.TypeOf(err).Elem().Name() != "InvalidInput" {
			t.Errorf("%s: err = %v, want InvalidInput", ev, err)
		}
	}
}

// fakeS3 answers GetObject from objects, or with err.
type fakeS3 struct {
	objects map[string]string
	err     error
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	b, ok := f.objects[*in.Bucket+"/"+*in.Key]
	if !ok {
		return nil, &types.NoSuchKey{Message: aws.String("The specified key does not exist.")}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(b))}, nil
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	b, _ := io.ReadAll(in.Body)
	f.objects[*in.Bucket+"/"+*in.Key] = string(b)
	return &s3.PutObjectOutput{}, nil
}

func TestS3Errors(t *testing.T) {
	t.Parallel()
	ev := json.RawMessage(`{"date":"2026-11-29","bucket":"etl","resultWriterDetails":{"Bucket":"results-bucket","Key":"r/manifest.json"}}`)
	tests := []struct {
		name string
		s3   *fakeS3
		want string
	}{
		{"no manifest", &fakeS3{objects: map[string]string{}}, "ServiceError"},
		{"not a manifest", &fakeS3{objects: map[string]string{"results-bucket/r/manifest.json": "<xml/>"}}, "ServiceError"},
		{"throttled", &fakeS3{err: &smithy.GenericAPIError{Code: "SlowDown"}}, "TransientError"},
		{"denied", &fakeS3{err: &smithy.GenericAPIError{Code: "AccessDenied"}}, "ServiceError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := (&handler{s3: &s3Objects{client: tc.s3}}).handle(context.Background(), ev)
			if err == nil || reflect.TypeOf(err).Elem().Name() != tc.want {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
	// And a whole run through the S3 client's interface.
	f := &fakeS3{objects: map[string]string{
		"results-bucket/r/manifest.json":    `{"ResultFiles":{"SUCCEEDED":[{"Key":"r/SUCCEEDED_0.json","Size":1}],"FAILED":[],"PENDING":[]}}`,
		"results-bucket/r/SUCCEEDED_0.json": mustJSON([]execution{b1}),
	}}
	out, err := (&handler{s3: &s3Objects{client: f}}).handle(context.Background(), ev)
	if err != nil || out.RowsIn != 2 || f.objects["etl/summaries/2026-11-29/summary.json"] == "" {
		t.Errorf("run through S3: %+v, %v", out, err)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
