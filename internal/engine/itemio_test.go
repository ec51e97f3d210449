package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

const (
	resGetObject = "arn:aws:states:::s3:getObject"
	resList      = "arn:aws:states:::s3:listObjectsV2"
	resPutObject = "arn:aws:states:::s3:putObject"
)

// readerMachine is a state machine whose distributed Map M reads its items
// with reader (an ItemReader), adds fields and processes each item with
// item.
func readerMachine(reader, fields, item string) string {
	end, caught := `,"End":true`, ""
	if strings.Contains(fields, `"Next"`) {
		end, caught = "", `,"Caught":{"Type":"Pass","End":true}`
	}
	if fields != "" {
		fields = "," + fields
	}
	return `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":` + reader + fields +
		`,"ItemProcessor":` + distributed(item) + end + `}` + caught + `}}`
}

// recorder is a fake item reader or result writer: it keeps the requests
// it gets and answers with out, or fails with name and cause.
type recorder struct {
	mu          sync.Mutex
	requests    []jsonv.Value
	out         string
	name, cause string
}

func (r *recorder) handle(_ context.Context, p jsonv.Value) (jsonv.Value, error) {
	r.mu.Lock()
	r.requests = append(r.requests, p)
	r.mu.Unlock()
	if r.name != "" {
		return nil, &local.TaskError{Name: r.name, Cause: r.cause}
	}
	return jsonv.ParseString(r.out)
}

func (r *recorder) request(tb testing.TB) string {
	tb.Helper()
	if len(r.requests) != 1 {
		tb.Fatalf("the fake got %d requests, want 1", len(r.requests))
	}
	return jsonv.Marshal(r.requests[0])
}

func TestItemReader(t *testing.T) {
	t.Parallel()
	const csvReader = `{"Resource":"` + resGetObject + `","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW","MaxItemsPath":"$.max"},` +
		`"Parameters":{"Bucket.$":"$.bucket","Key":"in.csv"}}`
	tests := []struct {
		name     string
		def      string
		input    string
		items    string // the reader's answer
		fail     string // the reader's error name, or ""
		resource string // the reader's resource [getObject]
		want     outcome
		request  string   // the reader's request, when not ""
		types    []string // the history's event types, when set
	}{
		{name: "items batched", def: readerMachine(csvReader, `"ItemBatcher":{"MaxItemsPerBatch":2}`,
			`{"Type":"Pass","Parameters":{"n.$":"States.ArrayLength($.Items)"},"End":true}`),
			input: `{"bucket":"b","max":7}`, items: `[{"a":"1"},{"a":"2"},{"a":"3"}]`,
			want:    outcome{output: `[{"n":2},{"n":1}]`},
			request: `{"Parameters":{"Bucket":"b","Key":"in.csv"},"ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW","MaxItems":7},"ItemLimit":100000}`,
			types: []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded",
				"MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"}},
		{name: "item selector", def: readerMachine(`{"Resource":"`+resList+`","Parameters":{"Bucket":"b","Prefix":"p/"}}`,
			`"ItemSelector":{"key.$":"$$.Map.Item.Value.Key","i.$":"$$.Map.Item.Index"}`, itemPass),
			input: `{}`, items: `[{"Key":"p/a"},{"Key":"p/b"}]`, resource: resList,
			want:    outcome{output: `[{"key":"p/a","i":0},{"key":"p/b","i":1}]`},
			request: `{"Parameters":{"Bucket":"b","Prefix":"p/"},"ReaderConfig":{},"ItemLimit":100000}`},
		{name: "no items", def: readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`, ``, itemPass),
			input: `{}`, items: `[]`, want: outcome{output: `[]`}},
		{name: "reader failure caught", def: readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`,
			`"Catch":[{"ErrorEquals":["States.ItemReaderFailed"],"Next":"Caught"}],"Next":"Caught"`, itemPass),
			input: `{}`, fail: "S3.NoSuchKey",
			want: outcome{output: `{"Error":"States.ItemReaderFailed","Cause":"gone"}`},
			types: []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunFailed",
				"MapStateFailed", "MapStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}},
		{name: "not an array", def: readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`, ``, itemPass),
			input: `{}`, items: `{"a":1}`,
			want: outcome{status: engine.Failed, err: "States.ItemReaderFailed", cause: "The item reader returned object, not an array of items."}},
		{name: "MaxItemsPath not a number", def: readerMachine(csvReader, ``, itemPass),
			input: `{"bucket":"b","max":"x"}`, items: `[]`,
			want: outcome{status: engine.Failed, err: "States.Runtime",
				cause: `An error occurred while executing the state 'M' (entered at the event id #2). The MaxItemsPath field refers to value "x" which is not a valid integer: $.max`}},
		{name: "parameters path missing", def: readerMachine(csvReader, ``, itemPass),
			input: `{"max":1}`, items: `[]`,
			want: outcome{status: engine.Failed, err: "States.Runtime", cause: "An error occurred while executing the state 'M' (entered at the event id #2). …"}},
		{name: "tolerated failures", def: readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`,
			`"ToleratedFailureCount":1`, itemFailOdd),
			input: `{}`, items: `[{"fail":true},{"fail":false}]`, want: outcome{output: `[null,{"fail":false}]`}},
		{name: "JSONata arguments", def: `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",` +
			`"ItemReader":{"Resource":"` + resGetObject + `","ReaderConfig":{"InputType":"JSONL","MaxItems":"{% $states.input.max %}"},` +
			`"Arguments":{"Bucket":"{% $states.input.bucket %}","Key":"k.jsonl"}},` +
			`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","Output":"{% $states.input.v * 10 %}","End":true}}},` +
			`"Output":{"sum":"{% $sum($states.result) %}"},"End":true}}}`,
			input: `{"bucket":"jb","max":2}`, items: `[{"v":1},{"v":2}]`,
			want:    outcome{output: `{"sum":30}`},
			request: `{"Parameters":{"Bucket":"jb","Key":"k.jsonl"},"ReaderConfig":{"InputType":"JSONL","MaxItems":2},"ItemLimit":100000}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reader := &recorder{out: tt.items}
			if tt.fail != "" {
				reader.name, reader.cause = tt.fail, "gone"
			}
			res := tt.resource
			if res == "" {
				res = resGetObject
			}
			handlers := defaultHandlers()
			handlers[res] = reader.handle
			ex := run(t, tt.def, tt.input, handlers)
			check(t, ex, tt.want)
			if tt.request != "" {
				if got := reader.request(t); got != tt.request {
					t.Errorf("reader request = %s\nwant             %s", got, tt.request)
				}
			}
			if tt.types != nil && !equalStrings(types(ex), tt.types) {
				t.Errorf("history = %v\nwant      %v", types(ex), tt.types)
			}
			for _, ev := range ex.History() {
				if strings.HasPrefix(string(ev.Type), "Task") {
					t.Errorf("history has %s: item readers record no task event", ev.Type)
				}
			}
			if countType(ex, engine.MapStateStarted) == 0 {
				return // failed while evaluating the ItemReader
			}
			if ev := event(t, ex, engine.MapStateStarted, 0); field(details(t, ev), "length") != "0" {
				t.Errorf("MapStateStarted = %s, want length 0 (AWS counts no items read by an ItemReader)", jsonv.Marshal(ev))
			}
		})
	}
}

func TestItemReaderFailureEvent(t *testing.T) {
	t.Parallel()
	reader := &recorder{name: "States.ItemReaderFailed", cause: "The specified key does not exist."}
	handlers := defaultHandlers()
	handlers[resGetObject] = reader.handle
	ex := run(t, readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`, ``, itemPass), `{}`, handlers)
	check(t, ex, outcome{status: engine.Failed, err: "States.ItemReaderFailed", cause: "The specified key does not exist."})
	d := details(t, event(t, ex, engine.MapRunFailed, 0))
	if field(d, "error") != `"States.ItemReaderFailed"` || field(d, "cause") != `"The specified key does not exist."` {
		t.Errorf("MapRunFailed details = %s", jsonv.Marshal(d))
	}
	runs := ex.MapRuns()
	if len(runs) != 1 || runs[0].Status != engine.Failed || runs[0].Total != 0 {
		t.Errorf("MapRuns() = %+v", runs)
	}
}

func TestItemReaderLimit(t *testing.T) {
	t.Parallel()
	items := make([]any, engine.MaxReaderItems+1)
	for i := range items {
		items[i] = jsonv.Int(int64(i))
	}
	handlers := defaultHandlers()
	handlers[resGetObject] = func(context.Context, jsonv.Value) (jsonv.Value, error) { return items, nil }
	ex := run(t, readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`, ``, itemPass), `{}`, handlers)
	check(t, ex, outcome{status: engine.Failed, err: "States.ItemReaderFailed", cause: "The item reader read more than 100000 items, the most Stepflow reads."})
}

// TestItemReaderReplay drives a map with an item reader by hand and
// replays its inputs: the same history comes back, and the pending reader
// task is the same command.
func TestItemReaderReplay(t *testing.T) {
	t.Parallel()
	def := readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`, `"MaxConcurrency":1`, itemTask)
	d := start(t, def, `{}`)
	rd := d.task()
	if rd.Kind != engine.TaskItemReader || rd.Resource != resGetObject {
		t.Fatalf("reader task = %+v", rd)
	}
	if p := d.ex.PendingTasks(); len(p) != 1 || p[0].Kind != engine.TaskItemReader {
		t.Fatalf("PendingTasks() = %+v", p)
	}
	inputs := []engine.Input{
		engine.TaskStartedInput{TaskID: rd.TaskID},
		engine.TaskSucceededInput{TaskID: rd.TaskID, Output: mustJSON(t, `[1,2]`)},
	}
	for i, in := range inputs {
		d.apply(in, sec(float64(i+1)))
	}
	if got := countType(d.ex, engine.MapRunStarted); got != 1 {
		t.Fatalf("MapRunStarted %d times", got)
	}
	c1 := d.task()
	if c1.Kind != engine.TaskState || c1.Resource != resInvoke {
		t.Fatalf("child task = %+v", c1)
	}
	more := []engine.Input{
		engine.TaskSucceededInput{TaskID: c1.TaskID, Output: mustJSON(t, `"one"`)},
	}
	for i, in := range more {
		d.apply(in, sec(float64(10+i)))
	}
	c2 := d.task()
	d.apply(engine.TaskSucceededInput{TaskID: c2.TaskID, Output: mustJSON(t, `"two"`)}, sec(20))
	check(t, d.ex, outcome{output: `["one","two"]`})

	replay := engine.Start(mustParse(t, def), testInfo(), mustJSON(t, `{}`), t0)
	all := append(append(inputs, more...), engine.TaskSucceededInput{TaskID: c2.TaskID, Output: mustJSON(t, `"two"`)})
	at := []float64{1, 2, 10, 20}
	for i, in := range all {
		if err := replay.Apply(in, sec(at[i])); err != nil {
			t.Fatalf("replay input %d: %v", i, err)
		}
	}
	if a, b := historyText(d.ex), historyText(replay); a != b {
		t.Errorf("replayed history differs:\n%s\nwant\n%s", b, a)
	}
}

func TestResultWriter(t *testing.T) {
	t.Parallel()
	const writer = `{"Resource":"` + resPutObject + `","Parameters":{"Bucket":"out","Prefix.$":"$.prefix"}}`
	const answer = `{"MapRunArn":"arn","ResultWriterDetails":{"Bucket":"out","Key":"p/run/manifest.json"}}`
	tests := []struct {
		name      string
		def       string
		input     string
		want      outcome
		succeeded int
		failed    int
		outType   string
		first     string // the first SUCCEEDED (or FAILED) entry's keys, when set
	}{
		{name: "no items", def: mapMachine(`"ItemsPath":"$.items","ResultWriter":`+writer, distributed(itemPass)), input: `{"prefix":"p","items":[]}`,
			want: outcome{output: answer}, succeeded: 0, outType: "JSON"},
		{name: "from ItemsPath", def: mapMachine(`"ItemsPath":"$.items","ResultWriter":`+writer, distributed(itemPass)),
			input: `{"prefix":"p","items":[{"a":1},{"a":2}]}`, want: outcome{output: answer}, succeeded: 2, outType: "JSON",
			first: "ExecutionArn,Input,InputDetails,Name,Output,OutputDetails,RedriveCount,RedriveStatus,RedriveStatusReason,StartDate,StateMachineArn,Status,StopDate"},
		{name: "tolerated failures", def: mapMachine(`"ItemsPath":"$.items","ToleratedFailurePercentage":50,"ResultWriter":`+writer, distributed(itemFailOdd)),
			input: `{"prefix":"p","items":[{"fail":true},{"fail":false}]}`, want: outcome{output: answer}, succeeded: 1, failed: 1, outType: "JSON",
			first: "Cause,Error,ExecutionArn,Input,InputDetails,Name,RedriveCount,RedriveStatus,StartDate,StateMachineArn,Status,StopDate"},
		{name: "compact JSONL", def: mapMachine(`"ItemsPath":"$.items","ResultWriter":{"Resource":"`+resPutObject+`","Parameters":{"Bucket":"out","Prefix":"p"},"WriterConfig":{"Transformation":"COMPACT","OutputType":"JSONL"}}`, distributed(itemPass)),
			input: `{"items":[[1],[2]]}`, want: outcome{output: answer}, succeeded: 2, outType: "JSONL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := &recorder{out: answer}
			handlers := defaultHandlers()
			handlers[resPutObject] = w.handle
			ex := run(t, tt.def, tt.input, handlers)
			check(t, ex, tt.want)
			req := mustJSON(t, w.request(t)).(*jsonv.Object)
			if got := field(req, "Parameters"); got != `{"Bucket":"out","Prefix":"p"}` {
				t.Errorf("writer Parameters = %s", got)
			}
			if got := field(req, "OutputType"); got != `"`+tt.outType+`"` {
				t.Errorf("OutputType = %s, want %s", got, tt.outType)
			}
			run := ex.MapRuns()[0]
			if got := field(req, "MapRunArn"); got != `"`+run.Arn+`"` {
				t.Errorf("MapRunArn = %s, want %s", got, run.Arn)
			}
			files, _ := req.Get("ResultFiles")
			fo := files.(*jsonv.Object)
			succ, _ := fo.Get("SUCCEEDED")
			fail, _ := fo.Get("FAILED")
			pend, _ := fo.Get("PENDING")
			if len(succ.([]any)) != tt.succeeded || len(fail.([]any)) != tt.failed || len(pend.([]any)) != 0 {
				t.Fatalf("ResultFiles = %s", jsonv.Marshal(fo))
			}
			if tt.first != "" {
				list := succ.([]any)
				if tt.failed > 0 {
					list = fail.([]any)
				}
				rec := list[0].(*jsonv.Object)
				if got := strings.Join(rec.Keys(), ","); got != tt.first {
					t.Errorf("record keys = %s\nwant          %s", got, tt.first)
				}
				arn, _ := rec.Get("ExecutionArn")
				name, _ := rec.Get("Name")
				sm, _ := rec.Get("StateMachineArn")
				if !strings.HasSuffix(arn.(string), ":"+name.(string)) || !strings.Contains(arn.(string), ":execution:"+testMachine+"/") ||
					!strings.Contains(sm.(string), ":stateMachine:"+testMachine+"/") {
					t.Errorf("record = %s", jsonv.Marshal(rec))
				}
			}
			if tt.name == "compact JSONL" && jsonv.Marshal(succ) != `[[1],[2]]` {
				t.Errorf("COMPACT SUCCEEDED = %s", jsonv.Marshal(succ))
			}
		})
	}
}

func TestResultWriterFailure(t *testing.T) {
	t.Parallel()
	w := &recorder{name: "S3.NoSuchBucket", cause: "The specified bucket does not exist"}
	handlers := defaultHandlers()
	handlers[resPutObject] = w.handle
	def := mapMachine(`"ResultWriter":{"Resource":"`+resPutObject+`","Parameters":{"Bucket":"none","Prefix":""}}`, distributed(itemPass))
	ex := run(t, def, `[1]`, handlers)
	check(t, ex, outcome{status: engine.Failed, err: "States.ResultWriterFailed", cause: "The specified bucket does not exist"})
	if got := types(ex); !equalStrings(got[len(got)-3:], []string{"MapRunFailed", "MapStateFailed", "ExecutionFailed"}) {
		t.Errorf("history = %v", got)
	}
}

func TestWriterConfigOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config, want string
	}{
		{name: "flatten", config: `{"Transformation":"FLATTEN","OutputType":"JSON"}`, want: `[1,2,3]`},
		{name: "compact", config: `{"Transformation":"COMPACT","OutputType":"JSON"}`, want: `[[1,2],[3]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := run(t, mapMachine(`"ResultWriter":{"WriterConfig":`+tt.config+`}`, distributed(itemPass)), `[[1,2],[3]]`, nil)
			check(t, ex, outcome{output: tt.want})
		})
	}
}

func TestItemReaderRetry(t *testing.T) {
	t.Parallel()
	handlers := defaultHandlers()
	flakyReader := flaky(1, "States.ItemReaderFailed")
	handlers[resGetObject] = func(ctx context.Context, _ jsonv.Value) (jsonv.Value, error) {
		return flakyReader(ctx, mustJSON(t, `["a","b"]`))
	}
	def := readerMachine(`{"Resource":"`+resGetObject+`","Parameters":{"Bucket":"b","Key":"k"}}`,
		`"Retry":[{"ErrorEquals":["States.ItemReaderFailed"],"IntervalSeconds":1}]`, itemPass)
	ex := run(t, def, `{}`, handlers)
	check(t, ex, outcome{output: `["a","b"]`})
	if got := countType(ex, engine.MapRunStarted); got != 2 {
		t.Errorf("MapRunStarted %d times, want 2 (a retried map run starts again)", got)
	}
	runs := ex.MapRuns()
	if len(runs) != 2 || runs[0].Status != engine.Failed || runs[1].Status != engine.Succeeded || runs[1].Total != 2 {
		t.Errorf("MapRuns() = %+v", runs)
	}
}

func TestResultWriterJSONata(t *testing.T) {
	t.Parallel()
	w := &recorder{out: `{"MapRunArn":"arn","ResultWriterDetails":{"Bucket":"jb","Key":"k"}}`}
	handlers := defaultHandlers()
	handlers[resPutObject] = w.handle
	def := `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.items %}",` +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},` +
		`"ResultWriter":{"Resource":"` + resPutObject + `","Arguments":{"Bucket":"{% $states.input.bucket %}","Prefix":"p"},` +
		`"WriterConfig":{"Transformation":"FLATTEN","OutputType":"JSON"}},` +
		`"Output":"{% $states.result.ResultWriterDetails %}","End":true}}}`
	ex := run(t, def, `{"bucket":"jb","items":[[1,2],[3]]}`, handlers)
	check(t, ex, outcome{output: `{"Bucket":"jb","Key":"k"}`})
	req := mustJSON(t, w.request(t)).(*jsonv.Object)
	files, _ := req.Get("ResultFiles")
	if got := field(req, "Parameters"); got != `{"Bucket":"jb","Prefix":"p"}` {
		t.Errorf("Parameters = %s", got)
	}
	if got := field(files.(*jsonv.Object), "SUCCEEDED"); got != `[1,2,3]` {
		t.Errorf("FLATTEN SUCCEEDED = %s", got)
	}
}
