package app_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/app"
)

// distributedProcessor is a distributed Map's ItemProcessor running
// states, starting with the first one.
func distributedProcessor(states string) string {
	start := states[1 : strings.IndexByte(states[1:], '"')+1]
	return `{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"` + start + `","States":{` + states + `}}`
}

// readResults are states that read the ResultWriter's manifest and the
// result file of status into $.manifest and $.file.
func readResults(status string) string {
	return `"Manifest":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject",
			"Parameters":{"Bucket.$":"$.ResultWriterDetails.Bucket","Key.$":"$.ResultWriterDetails.Key"},
			"ResultSelector":{"m.$":"States.StringToJson($.Body)"},"ResultPath":"$.manifest","Next":"File"},
		"File":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject",
			"Parameters":{"Bucket.$":"$.ResultWriterDetails.Bucket","Key.$":"$.manifest.m.ResultFiles.` + status + `[0].Key"},
			"ResultSelector":{"f.$":"States.StringToJson($.Body)"},"ResultPath":"$.file","End":true}`
}

// resultFile is one entry of the manifest's ResultFiles.
type resultFile struct {
	Key  string
	Size int
}

// resultRecord is one child execution in a result file.
type resultRecord struct {
	ExecutionArn, Input, Name, Output, Status, StateMachineArn string
	Error, Cause, StartDate, StopDate, RedriveStatus           string
	InputDetails                                               struct{ Included bool }
}

// writerOutput is the output of a state machine that ran a Map with a
// ResultWriter, then readResults.
type writerOutput struct {
	MapRunArn           string
	ResultWriterDetails struct{ Bucket, Key string }
	Manifest            struct {
		M struct {
			DestinationBucket, MapRunArn string
			ResultFiles                  map[string][]resultFile
		}
	}
	File struct{ F []resultRecord }
}

// TestDistributedMapItemReader runs distributed Maps whose ItemReader
// reads S3 objects (CSV, JSONL, JSON, a listing) and whose ResultWriter
// exports the child executions' results to S3.
func TestDistributedMapItemReader(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	setup := createSM(t, c, base, "setup", `{"StartAt":"Bucket","States":{
		"Bucket":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"items"},"ResultPath":null,"Next":"Csv"},
		"Csv":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"items","Key":"data/people.csv","Body.$":"$.csv"},"ResultPath":null,"Next":"Jsonl"},
		"Jsonl":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"items","Key":"data/lines.jsonl","Body.$":"$.jsonl"},"ResultPath":null,"Next":"Json"},
		"Json":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"items","Key":"data/list.json","Body.$":"$.json"},"ResultPath":null,"End":true}}}`)
	in, _ := json.Marshal(map[string]string{
		"csv":   "name,age\nann,31\nbob,42\ncid,53\n",
		"jsonl": "{\"n\":1}\n\n{\"n\":2}\n",
		"json":  "[1,2,3,4]",
	})
	if d := runToEnd(t, c, base, setup, string(in)); d["status"] != "SUCCEEDED" {
		t.Fatalf("setup = %v", d)
	}

	t.Run("CSV batches and ResultWriter", func(t *testing.T) {
		t.Parallel()
		sm := createSM(t, c, base, "csv", `{"StartAt":"Map","States":{
			"Map":{"Type":"Map",
				"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},
					"Parameters":{"Bucket.$":"$.bucket","Key":"data/people.csv"}},
				"ItemBatcher":{"MaxItemsPerBatch":2},
				"ItemProcessor":`+distributedProcessor(`"P":{"Type":"Pass","Parameters":{"names.$":"$.Items[*].name","count.$":"States.ArrayLength($.Items)"},"End":true}`)+`,
				"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"items","Prefix":"out"}},
				"Next":"Manifest"},
			`+readResults("SUCCEEDED")+`}}`)
		d := runToEnd(t, c, base, sm, `{"bucket":"items"}`)
		if d["status"] != "SUCCEEDED" {
			t.Fatalf("execution = %v", d)
		}
		var out writerOutput
		if err := json.Unmarshal([]byte(d["output"].(string)), &out); err != nil {
			t.Fatal(err)
		}
		runID := out.MapRunArn[strings.LastIndexByte(out.MapRunArn, ':')+1:]
		if !strings.Contains(out.MapRunArn, ":mapRun:csv/") || out.ResultWriterDetails.Bucket != "items" ||
			out.ResultWriterDetails.Key != "out/"+runID+"/manifest.json" {
			t.Errorf("Map result = %+v", out)
		}
		m := out.Manifest.M
		if m.DestinationBucket != "items" || m.MapRunArn != out.MapRunArn || len(m.ResultFiles["FAILED"]) != 0 ||
			len(m.ResultFiles["PENDING"]) != 0 || len(m.ResultFiles["SUCCEEDED"]) != 1 ||
			m.ResultFiles["SUCCEEDED"][0].Key != "out/"+runID+"/SUCCEEDED_0.json" || m.ResultFiles["SUCCEEDED"][0].Size == 0 {
			t.Errorf("manifest = %+v", m)
		}
		if len(out.File.F) != 2 {
			t.Fatalf("SUCCEEDED_0.json = %+v", out.File.F)
		}
		var outputs []string
		for _, r := range out.File.F {
			if r.Status != "SUCCEEDED" || !r.InputDetails.Included || r.StartDate == "" || r.StopDate == "" ||
				r.RedriveStatus != "NOT_REDRIVABLE" || !strings.HasSuffix(r.ExecutionArn, ":"+r.Name) ||
				!strings.Contains(r.ExecutionArn, ":execution:csv/") || !strings.Contains(r.StateMachineArn, ":stateMachine:csv/") {
				t.Errorf("record = %+v", r)
			}
			var input struct{ Items []map[string]string }
			if err := json.Unmarshal([]byte(r.Input), &input); err != nil || len(input.Items) == 0 || input.Items[0]["age"] == "" {
				t.Errorf("record input = %s (%v)", r.Input, err)
			}
			outputs = append(outputs, r.Output)
		}
		slices.Sort(outputs)
		if want := []string{`{"names":["ann","bob"],"count":2}`, `{"names":["cid"],"count":1}`}; !slices.Equal(outputs, want) {
			t.Errorf("outputs = %q, want %q", outputs, want)
		}
		hist, _, err := call(c, base, "GetExecutionHistory", map[string]any{"executionArn": d["executionArn"]})
		if err != nil {
			t.Fatal(err)
		}
		var mapTypes []string
		for _, ev := range hist["events"].([]any) {
			typ := ev.(map[string]any)["type"].(string)
			if strings.HasPrefix(typ, "Map") {
				mapTypes = append(mapTypes, typ)
			}
			if strings.HasPrefix(typ, "Task") && len(mapTypes) > 0 && mapTypes[len(mapTypes)-1] != "MapStateExited" {
				t.Errorf("the Map recorded %s: its reader and writer record no task event", typ)
			}
		}
		if want := []string{"MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded", "MapStateExited"}; !slices.Equal(mapTypes, want) {
			t.Errorf("Map events = %v, want %v", mapTypes, want)
		}
	})

	t.Run("JSONL, JSON with MaxItems, and a listing", func(t *testing.T) {
		t.Parallel()
		sm := createSM(t, c, base, "readers", `{"StartAt":"Lines","States":{
			"Lines":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},
					"Parameters":{"Bucket":"items","Key":"data/lines.jsonl"}},
				"ItemProcessor":`+distributedProcessor(`"P":{"Type":"Pass","End":true}`)+`,"ResultPath":"$.lines","Next":"Json"},
			"Json":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$.max"},
					"Parameters":{"Bucket":"items","Key":"data/list.json"}},
				"ItemProcessor":`+distributedProcessor(`"P2":{"Type":"Pass","End":true}`)+`,"ResultPath":"$.json","Next":"List"},
			"List":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"items","Prefix":"data/"}},
				"ItemSelector":{"key.$":"$$.Map.Item.Value.Key","size.$":"$$.Map.Item.Value.Size","etag.$":"$$.Map.Item.Value.Etag","class.$":"$$.Map.Item.Value.StorageClass"},
				"ItemProcessor":`+distributedProcessor(`"P3":{"Type":"Pass","End":true}`)+`,"ResultPath":"$.list","End":true}}}`)
		d := runToEnd(t, c, base, sm, `{"max":3}`)
		if d["status"] != "SUCCEEDED" {
			t.Fatalf("execution = %v", d)
		}
		var out struct {
			Lines []map[string]int
			JSON  []int
			List  []struct {
				Key, Etag, Class string
				Size             int
			}
		}
		if err := json.Unmarshal([]byte(d["output"].(string)), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Lines) != 2 || out.Lines[0]["n"] != 1 || out.Lines[1]["n"] != 2 {
			t.Errorf("JSONL items = %+v", out.Lines)
		}
		if !slices.Equal(out.JSON, []int{1, 2, 3}) {
			t.Errorf("JSON items = %v, want [1 2 3] (MaxItems 3)", out.JSON)
		}
		var keys []string
		for _, o := range out.List {
			keys = append(keys, o.Key)
			if o.Size == 0 || !strings.HasPrefix(o.Etag, `"`) || o.Class != "STANDARD" {
				t.Errorf("listed item = %+v", o)
			}
		}
		if want := []string{"data/lines.jsonl", "data/list.json", "data/people.csv"}; !slices.Equal(keys, want) {
			t.Errorf("listed keys = %v, want %v", keys, want)
		}
	})

	t.Run("missing object caught", func(t *testing.T) {
		t.Parallel()
		sm := createSM(t, c, base, "missing", `{"StartAt":"Map","States":{
			"Map":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},
					"Parameters":{"Bucket":"items","Key":"data/none.csv"}},
				"ItemProcessor":`+distributedProcessor(`"P":{"Type":"Pass","End":true}`)+`,
				"Catch":[{"ErrorEquals":["States.ItemReaderFailed"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
			"Caught":{"Type":"Pass","End":true}}}`)
		d := runToEnd(t, c, base, sm, `{}`)
		if d["status"] != "SUCCEEDED" {
			t.Fatalf("execution = %v", d)
		}
		var out struct{ Error struct{ Error, Cause string } }
		json.Unmarshal([]byte(d["output"].(string)), &out)
		if out.Error.Error != "States.ItemReaderFailed" || !strings.Contains(out.Error.Cause, "The specified key does not exist") {
			t.Errorf("output = %s", d["output"])
		}
	})

	t.Run("tolerated failures in FAILED_0.json", func(t *testing.T) {
		t.Parallel()
		sm := createSM(t, c, base, "tolerated", `{"StartAt":"Map","States":{
			"Map":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},
					"Parameters":{"Bucket":"items","Key":"data/list.json"}},
				"ToleratedFailureCount":2,
				"ItemProcessor":`+distributedProcessor(`"P":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThan":2,"Next":"Bad"}],"Default":"Good"},
					"Bad":{"Type":"Fail","Error":"TooBig","Cause":"over two"},"Good":{"Type":"Pass","End":true}`)+`,
				"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"items","Prefix":"failures/"}},
				"Next":"Manifest"},
			`+readResults("FAILED")+`}}`)
		d := runToEnd(t, c, base, sm, `{}`)
		if d["status"] != "SUCCEEDED" {
			t.Fatalf("execution = %v", d)
		}
		var out writerOutput
		if err := json.Unmarshal([]byte(d["output"].(string)), &out); err != nil {
			t.Fatal(err)
		}
		runID := out.MapRunArn[strings.LastIndexByte(out.MapRunArn, ':')+1:]
		files := out.Manifest.M.ResultFiles
		if len(files["FAILED"]) != 1 || files["FAILED"][0].Key != "failures/"+runID+"/FAILED_0.json" || len(files["SUCCEEDED"]) != 1 {
			t.Errorf("manifest = %+v", out.Manifest.M)
		}
		if len(out.File.F) != 2 {
			t.Fatalf("FAILED_0.json = %+v", out.File.F)
		}
		for _, r := range out.File.F {
			if r.Status != "FAILED" || r.Error != "TooBig" || r.Cause != "over two" || r.Output != "" || r.RedriveStatus != "REDRIVABLE_BY_MAP_RUN" {
				t.Errorf("record = %+v", r)
			}
		}
	})
}
