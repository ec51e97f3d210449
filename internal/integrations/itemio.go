package integrations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// A distributed Map's ItemReader and ResultWriter reach S3 through the
// engine's item reader and result writer tasks (engine.TaskItemReader,
// engine.TaskResultWriter), whose resources are the ItemReader's and
// ResultWriter's: arn:aws:states:::s3:getObject, s3:listObjectsV2 and
// s3:putObject. No Task state names these (they are not Task
// integrations), so Resolve hands them to itemReader and resultWriter.

// itemReader reads a distributed Map's items from S3: the lines of an
// object (InputType JSON, JSONL or CSV), or the objects under a prefix
// (listObjectsV2; with Transformation LOAD_AND_FLATTEN, their items). It
// fails with States.ItemReaderFailed.
func (in *Integrations) itemReader(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	r, _ := parseResource(t.Resource)
	req, _ := t.Parameters.(*jsonv.Object)
	if req == nil || !req.Has("ReaderConfig") {
		return nil, failed(t.Resource + " is an ItemReader resource, not a Task integration")
	}
	call := in.cfg.SDK["s3"]
	if call == nil {
		return nil, readerFailed("Stepflow's S3 is not wired: the ItemReader cannot read")
	}
	cfg, err := parseReaderConfig(getMember(req, "ReaderConfig"))
	if err != nil {
		return nil, readerFailed(err.Error())
	}
	params, _ := getMember(req, "Parameters").(*jsonv.Object)
	if params == nil {
		params = jsonv.NewObject(0)
	}
	limit := 100_000
	if n, ok := getMember(req, "ItemLimit").(jsonv.Number); ok {
		if i, ok := n.Int64(); ok && i > 0 {
			limit = int(min(i, 1<<31-1))
		}
	}
	s := &itemSink{max: cfg.MaxItems, limit: limit}
	switch r.action {
	case "getObject":
		err = in.readObject(ctx, call, params, cfg, s)
	case "listObjectsV2":
		err = in.readListing(ctx, call, params, cfg, s)
	default:
		err = fmt.Errorf("Stepflow's ItemReader does not run %s", t.Resource)
	}
	if errors.Is(err, errTooManyItems) {
		return nil, readerFailed(fmt.Sprintf("The item reader found more than %d items, the most Stepflow reads; set ReaderConfig.MaxItems to read fewer.", limit))
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // shutting down or cancelled: no result
		}
		var te *runner.TaskError
		if errors.As(err, &te) {
			return nil, te
		}
		return nil, readerFailed(err.Error())
	}
	if s.items == nil {
		return []any{}, nil
	}
	return s.items, nil
}

// readObject reads one object's items.
func (in *Integrations) readObject(ctx context.Context, call Caller, params *jsonv.Object, cfg readerConfig, s *itemSink) error {
	switch cfg.InputType {
	case "MANIFEST":
		return in.readManifest(ctx, call, params, cfg, s)
	case "PARQUET":
		return errors.New("Stepflow does not read PARQUET objects")
	}
	body, err := in.getObject(ctx, call, params)
	if err != nil {
		return err
	}
	return parseItems(body, cfg, s)
}

// getObject returns an object's content.
func (in *Integrations) getObject(ctx context.Context, call Caller, params *jsonv.Object) (string, error) {
	out, err := in.s3Call(ctx, call, "GetObject", params)
	if err != nil {
		return "", err
	}
	body, _ := getMember(out, "Body").(string)
	return body, nil
}

// s3Call runs an S3 action; a failure becomes the reader's cause, worded
// as the AWS SDK words it.
func (in *Integrations) s3Call(ctx context.Context, call Caller, action string, params *jsonv.Object) (*jsonv.Object, error) {
	raw, err := call(ctx, action, []byte(jsonv.Marshal(params)))
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		var te *runner.TaskError
		if errors.As(sdkError("s3", err, in.cfg.NewRequestID()), &te) {
			return nil, errors.New(te.Cause)
		}
		return nil, err
	}
	v, err := jsonv.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the S3 %s response is not JSON: %w", action, err)
	}
	o, _ := v.(*jsonv.Object)
	if o == nil {
		o = jsonv.NewObject(0)
	}
	return o, nil
}

// readListing reads the objects under a prefix: each item describes an
// object ({"Etag", "Key", "LastModified", "Size", "StorageClass"}), or,
// with LOAD_AND_FLATTEN, is one of the objects' items.
func (in *Integrations) readListing(ctx context.Context, call Caller, params *jsonv.Object, cfg readerConfig, s *itemSink) error {
	bucket, _ := getMember(params, "Bucket").(string)
	req := jsonv.NewObject(params.Len() + 1)
	req.Members = append(req.Members, params.Members...)
	for {
		out, err := in.s3Call(ctx, call, "ListObjectsV2", req)
		if err != nil {
			return err
		}
		contents, _ := getMember(out, "Contents").([]any)
		for _, c := range contents {
			obj, _ := c.(*jsonv.Object)
			if obj == nil {
				continue
			}
			if cfg.Transformation == "LOAD_AND_FLATTEN" {
				key, _ := getMember(obj, "Key").(string)
				get := jsonv.NewObject(2)
				get.Set("Bucket", bucket)
				get.Set("Key", key)
				if err := in.readObject(ctx, call, get, cfg, s); err != nil {
					return err
				}
				if s.max > 0 && len(s.items) >= s.max {
					return nil
				}
				continue
			}
			if full, err := s.add(listedItem(obj)); full || err != nil {
				return err
			}
		}
		token, _ := getMember(out, "NextContinuationToken").(string)
		if truncated, _ := getMember(out, "IsTruncated").(bool); !truncated || token == "" {
			return nil
		}
		req.Set("ContinuationToken", token)
	}
}

// listedItem is the item of a listed object, as AWS shows it: the ETag as
// "Etag", LastModified in epoch seconds.
func listedItem(obj *jsonv.Object) *jsonv.Object {
	item := jsonv.NewObject(5)
	item.Set("Etag", getMember(obj, "ETag"))
	item.Set("Key", getMember(obj, "Key"))
	lm := getMember(obj, "LastModified")
	if s, ok := lm.(string); ok {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			lm = jsonv.Int(t.Unix())
		}
	}
	item.Set("LastModified", lm)
	item.Set("Size", getMember(obj, "Size"))
	class := getMember(obj, "StorageClass")
	if class == nil {
		class = "STANDARD"
	}
	item.Set("StorageClass", class)
	return item
}

// readManifest reads an S3 Inventory manifest (manifest.json): the items
// are the rows of its CSV files, keyed by the manifest's fileSchema.
// Compressed inventory files are not read.
func (in *Integrations) readManifest(ctx context.Context, call Caller, params *jsonv.Object, cfg readerConfig, s *itemSink) error {
	if cfg.ManifestType == "ATHENA_DATA" {
		return errors.New("Stepflow does not read ATHENA_DATA manifests")
	}
	body, err := in.getObject(ctx, call, params)
	if err != nil {
		return err
	}
	v, err := jsonv.ParseString(body)
	m, _ := v.(*jsonv.Object)
	if err != nil || m == nil {
		return errors.New("The manifest is not an S3 Inventory manifest (a JSON object)")
	}
	if f, _ := getMember(m, "fileFormat").(string); f != "CSV" {
		return fmt.Errorf("Stepflow reads S3 Inventory manifests of CSV files, not %q", f)
	}
	schema, _ := getMember(m, "fileSchema").(string)
	var headers []string
	for h := range strings.SplitSeq(schema, ",") {
		headers = append(headers, strings.TrimSpace(h))
	}
	bucket, _ := getMember(m, "destinationBucket").(string)
	bucket = strings.TrimPrefix(bucket, "arn:aws:s3:::")
	files, _ := getMember(m, "files").([]any)
	csvCfg := readerConfig{InputType: "CSV", HeaderLocation: "GIVEN", Headers: headers, Delimiter: ','}
	for _, f := range files {
		fo, _ := f.(*jsonv.Object)
		if fo == nil {
			continue
		}
		key, _ := getMember(fo, "key").(string)
		if strings.HasSuffix(key, ".gz") {
			return fmt.Errorf("Stepflow does not read compressed inventory files (%s)", key)
		}
		get := jsonv.NewObject(2)
		get.Set("Bucket", bucket)
		get.Set("Key", key)
		content, err := in.getObject(ctx, call, get)
		if err != nil {
			return err
		}
		if err := parseCSVItems(content, csvCfg, s); err != nil {
			return err
		}
		if s.max > 0 && len(s.items) >= s.max {
			return nil
		}
	}
	return nil
}

func readerFailed(cause string) error {
	return &runner.TaskError{Name: failure.ItemReaderFailed, Cause: cause}
}

func writerFailed(cause string) error {
	return &runner.TaskError{Name: failure.ResultWriterFailed, Cause: cause}
}

// resultStatuses are the statuses a ResultWriter writes files for, in the
// manifest's order.
var resultStatuses = []string{"FAILED", "PENDING", "SUCCEEDED"}

// resultWriter exports a map run's results to S3 as Step Functions does:
// <Prefix>/<map run id>/SUCCEEDED_0.json (FAILED_0, PENDING_0) for the
// statuses that have results, then manifest.json listing them. Its result
// is {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}, Key the
// manifest's. It fails with States.ResultWriterFailed.
func (in *Integrations) resultWriter(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	req, _ := t.Parameters.(*jsonv.Object)
	if req == nil || !req.Has("ResultFiles") {
		return nil, failed(t.Resource + " is a ResultWriter resource, not a Task integration")
	}
	call := in.cfg.SDK["s3"]
	if call == nil {
		return nil, writerFailed("Stepflow's S3 is not wired: the ResultWriter cannot write")
	}
	params, _ := getMember(req, "Parameters").(*jsonv.Object)
	if params == nil {
		params = jsonv.NewObject(0)
	}
	bucket, _ := getMember(params, "Bucket").(string)
	prefix, _ := getMember(params, "Prefix").(string)
	runArn, _ := getMember(req, "MapRunArn").(string)
	outputType, _ := getMember(req, "OutputType").(string)
	files, _ := getMember(req, "ResultFiles").(*jsonv.Object)
	if files == nil {
		files = jsonv.NewObject(0)
	}
	dir := prefix
	if dir != "" && !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	dir += runArn[strings.LastIndexByte(runArn, ':')+1:] + "/"
	ext := ".json"
	if outputType == "JSONL" {
		ext = ".jsonl"
	}
	manifestFiles := jsonv.NewObject(len(resultStatuses))
	for _, status := range resultStatuses {
		entries, _ := getMember(files, status).([]any)
		written := []any{}
		if len(entries) > 0 {
			key := dir + status + "_0" + ext
			body := encodeResults(entries, outputType)
			if err := in.putObject(ctx, call, bucket, key, body); err != nil {
				return nil, err
			}
			f := jsonv.NewObject(2)
			f.Set("Key", key)
			f.Set("Size", jsonv.Int(int64(len(body))))
			written = append(written, f)
		}
		manifestFiles.Set(status, written)
	}
	manifest := jsonv.NewObject(3)
	manifest.Set("DestinationBucket", bucket)
	manifest.Set("MapRunArn", runArn)
	manifest.Set("ResultFiles", manifestFiles)
	key := dir + "manifest.json"
	if err := in.putObject(ctx, call, bucket, key, jsonv.Append(nil, manifest)); err != nil {
		return nil, err
	}
	details := jsonv.NewObject(2)
	details.Set("Bucket", bucket)
	details.Set("Key", key)
	out := jsonv.NewObject(2)
	out.Set("MapRunArn", runArn)
	out.Set("ResultWriterDetails", details)
	return out, nil
}

// putObject writes one result file.
func (in *Integrations) putObject(ctx context.Context, call Caller, bucket, key string, body []byte) error {
	p := jsonv.NewObject(4)
	p.Set("Bucket", bucket)
	p.Set("Key", key)
	p.Set("Body", string(body))
	p.Set("ContentType", "application/json")
	if _, err := in.s3Call(ctx, call, "PutObject", p); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down or cancelled: no result
		}
		return writerFailed(err.Error())
	}
	return nil
}
