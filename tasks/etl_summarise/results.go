package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stepflow/stepflow/tasks/shared/etl"
	"github.com/stepflow/stepflow/tasks/shared/fault"
)

// objects reads and writes S3 objects. Errors are named for Step
// Functions (fault.TransientError, fault.ServiceError).
type objects interface {
	get(ctx context.Context, bucket, key string) ([]byte, error)
	put(ctx context.Context, bucket, key, contentType string, body []byte) error
}

// s3API is the part of the S3 client s3Objects uses.
type s3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// s3Objects implements objects with S3.
type s3Objects struct {
	client s3API
}

func (o *s3Objects) get(ctx context.Context, bucket, key string) ([]byte, error) {
	op := "read s3://" + bucket + "/" + key
	out, err := o.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var missing *types.NoSuchKey
		if errors.As(err, &missing) {
			return nil, &fault.ServiceError{Op: op, Err: errors.New("no such object")}
		}
		return nil, fault.FromAWS(op, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, &fault.TransientError{Op: op, Err: err}
	}
	return b, nil
}

func (o *s3Objects) put(ctx context.Context, bucket, key, contentType string, body []byte) error {
	_, err := o.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentType: aws.String(contentType),
	})
	if err != nil {
		return fault.FromAWS("write s3://"+bucket+"/"+key, err)
	}
	return nil
}

// manifest is ResultWriter's manifest.json.
type manifest struct {
	DestinationBucket string
	MapRunArn         string
	ResultFiles       struct {
		SUCCEEDED, FAILED, PENDING []struct {
			Key  string
			Size int64
		}
	}
}

// execution is one child execution in a result file.
type execution struct {
	Name   string
	Status string
	Input  string // JSON text: the batch
	Output string // JSON text: etl_transform's result
	Error  string
	Cause  string
}

// mapResult is what one Map run's results add up to.
type mapResult struct {
	result          etl.Result
	batches, failed int
}

// readMap reads the manifest at loc and every result file it lists.
func (h *handler) readMap(ctx context.Context, loc Location, date string) (mapResult, error) {
	b, err := h.s3.get(ctx, loc.Bucket, loc.Key)
	if err != nil {
		return mapResult{}, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return mapResult{}, &fault.ServiceError{Op: "read s3://" + loc.Bucket + "/" + loc.Key, Err: fmt.Errorf("not a ResultWriter manifest: %w", err)}
	}
	bucket := m.DestinationBucket
	if bucket == "" {
		bucket = loc.Bucket
	}
	var execs []execution
	for _, files := range [][]struct {
		Key  string
		Size int64
	}{m.ResultFiles.SUCCEEDED, m.ResultFiles.FAILED, m.ResultFiles.PENDING} {
		for _, f := range files {
			b, err := h.s3.get(ctx, bucket, f.Key)
			if err != nil {
				return mapResult{}, err
			}
			e, err := parseExecutions(b)
			if err != nil {
				return mapResult{}, &fault.ServiceError{Op: "read s3://" + bucket + "/" + f.Key, Err: err}
			}
			execs = append(execs, e...)
		}
	}
	// Merge in an order that does not depend on which batch ran first.
	sort.SliceStable(execs, func(i, j int) bool {
		if execs[i].Input != execs[j].Input {
			return execs[i].Input < execs[j].Input
		}
		return execs[i].Output < execs[j].Output
	})
	out := mapResult{result: etl.NewResult(), batches: len(execs)}
	for _, e := range execs {
		if r, ok := batchResult(e); ok {
			out.result.Merge(r)
			continue
		}
		out.failed++
		out.result.Merge(failedBatch(e, date))
	}
	return out, nil
}

// parseExecutions reads a result file: a JSON array or JSON Lines.
func parseExecutions(b []byte) ([]execution, error) {
	b = bytes.TrimSpace(b)
	var out []execution
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("not a ResultWriter result file: %w", err)
		}
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var e execution
		err := dec.Decode(&e)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not a ResultWriter result file: %w", err)
		}
		out = append(out, e)
	}
}

// batchResult is the etl_transform result of a succeeded execution.
func batchResult(e execution) (etl.Result, bool) {
	if e.Status != "SUCCEEDED" || e.Output == "" {
		return etl.Result{}, false
	}
	out := []byte(e.Output)
	var invoke struct{ Payload json.RawMessage }
	if json.Unmarshal(out, &invoke) == nil && len(invoke.Payload) > 0 {
		out = invoke.Payload // a lambda:invoke result without OutputSelector
	}
	r := etl.NewResult()
	if err := json.Unmarshal(out, &r); err != nil || r.RowsIn != r.RowsOK+len(r.Rejected) {
		return etl.Result{}, false
	}
	if r.Totals == nil {
		r.Totals = map[string]etl.Total{}
	}
	return r, true
}

// failedBatch counts every row of a batch that did not produce a result
// as rejected, with the batch's error.
func failedBatch(e execution, date string) etl.Result {
	reason := "the batch " + e.Status
	switch {
	case e.Error != "" && e.Cause != "":
		reason += ": " + e.Error + ": " + e.Cause
	case e.Error != "":
		reason += ": " + e.Error
	case e.Status == "SUCCEEDED":
		reason = "the batch's output is not an etl_transform result"
	}
	r := etl.NewResult()
	var batch struct{ Items []json.RawMessage }
	if json.Unmarshal([]byte(e.Input), &batch) != nil || len(batch.Items) == 0 {
		r.Reject(nil, reason+" (its rows are unknown: the result file does not include its input)")
		return r
	}
	for _, row := range batch.Items {
		r.RowsIn++
		r.Reject(row, reason)
	}
	return r
}
