package logs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/logs"
)

func streamNames(ss []types.LogStream) string {
	var names []string
	for _, s := range ss {
		names = append(names, aws.ToString(s.LogStreamName))
	}
	return strings.Join(names, ",")
}

func TestLogStreams(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createGroup(t, "g")
	for _, n := range []string{"2025/03/01/[$LATEST]b", "2025/03/01/[$LATEST]a", "other"} {
		tb.createStream(t, "g", n)
	}
	tb.put(t, "g", "other", ev{ms(start) - 5000, "x"})
	tb.put(t, "g", "2025/03/01/[$LATEST]b", ev{ms(start) - 1000, "hello"}, ev{ms(start), "world"})

	out, err := tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	if got := streamNames(out.LogStreams); got != "2025/03/01/[$LATEST]a,2025/03/01/[$LATEST]b,other" {
		t.Errorf("streams = %s", got)
	}
	b := out.LogStreams[1]
	if aws.ToInt64(b.FirstEventTimestamp) != ms(start)-1000 || aws.ToInt64(b.LastEventTimestamp) != ms(start) ||
		aws.ToInt64(b.LastIngestionTime) != ms(start) || aws.ToInt64(b.CreationTime) != ms(start) ||
		aws.ToString(b.Arn) != groupBase+"g:log-stream:2025/03/01/[$LATEST]b" || aws.ToInt64(b.StoredBytes) != 2*26+10 {
		t.Errorf("stream = %+v", b)
	}
	if a := out.LogStreams[0]; a.FirstEventTimestamp != nil || a.LastEventTimestamp != nil {
		t.Errorf("empty stream has event times: %+v", a)
	}
	out, err = tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupIdentifier: aws.String(groupBase + "g"),
		OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)})
	if err != nil || streamNames(out.LogStreams) != "2025/03/01/[$LATEST]b,other,2025/03/01/[$LATEST]a" {
		t.Errorf("by last event time: %s, %v", streamNames(out.LogStreams), err)
	}
	out, err = tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), LogStreamNamePrefix: aws.String("2025/")})
	if err != nil || streamNames(out.LogStreams) != "2025/03/01/[$LATEST]a,2025/03/01/[$LATEST]b" {
		t.Errorf("prefix: %s, %v", streamNames(out.LogStreams), err)
	}
	var pages []string
	p := cwl.NewDescribeLogStreamsPaginator(tb.client, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), Limit: aws.Int32(2), Descending: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, streamNames(page.LogStreams))
	}
	if got := strings.Join(pages, "|"); got != "other,2025/03/01/[$LATEST]b|2025/03/01/[$LATEST]a" {
		t.Errorf("pages = %s", got)
	}

	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"duplicate", func() error {
			_, err := tb.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("other")})
			return err
		}, "ResourceAlreadyExistsException", "The specified log stream already exists"},
		{"missing group", func() error {
			_, err := tb.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s")})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"bad name", func() error {
			_, err := tb.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a:b")})
			return err
		}, "InvalidParameterException", "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"},
		{"order by time with prefix", func() error {
			_, err := tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("a")})
			return err
		}, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix."},
		{"describe missing group", func() error {
			_, err := tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"name and identifier", func() error {
			_, err := tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g")})
			return err
		}, "InvalidParameterException", ""},
		{"delete missing stream", func() error {
			_, err := tb.client.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "The specified log stream does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantAPIError(t, tt.call(), tt.code, tt.msg) })
	}
	if _, err := tb.client.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("other")}); err != nil {
		t.Fatal(err)
	}
	out, _ = tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
	if got := streamNames(out.LogStreams); got != "2025/03/01/[$LATEST]a,2025/03/01/[$LATEST]b" {
		t.Errorf("after delete: %s", got)
	}
}

func messages(evs []types.OutputLogEvent) string {
	var m []string
	for _, e := range evs {
		m = append(m, aws.ToString(e.Message))
	}
	return strings.Join(m, ",")
}

func TestPutAndGetLogEvents(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createGroup(t, "g")
	tb.createStream(t, "g", "s")
	base := ms(start) - 10_000
	var batch []ev
	for i := range 10 {
		batch = append(batch, ev{base + int64(i)*1000, fmt.Sprintf("e%d", i)})
	}
	out := tb.put(t, "g", "s", batch...)
	if aws.ToString(out.NextSequenceToken) == "" || out.RejectedLogEventsInfo != nil {
		t.Errorf("PutLogEvents = %+v", out)
	}
	// A sequence token is accepted and not checked.
	if _, err := tb.client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		SequenceToken: aws.String("stale"), LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(base + 10_000), Message: aws.String("e10")}}}); err != nil {
		t.Fatal(err)
	}

	get := func(in cwl.GetLogEventsInput) *cwl.GetLogEventsOutput {
		t.Helper()
		in.LogGroupName, in.LogStreamName = aws.String("g"), aws.String("s")
		out, err := tb.client.GetLogEvents(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	head := get(cwl.GetLogEventsInput{StartFromHead: aws.Bool(true), Limit: aws.Int32(4)})
	if got := messages(head.Events); got != "e0,e1,e2,e3" {
		t.Errorf("from head: %s", got)
	}
	if e := head.Events[0]; aws.ToInt64(e.Timestamp) != base || aws.ToInt64(e.IngestionTime) != ms(start) {
		t.Errorf("event = %+v", e)
	}
	next := get(cwl.GetLogEventsInput{NextToken: head.NextForwardToken, Limit: aws.Int32(4)})
	if got := messages(next.Events); got != "e4,e5,e6,e7" {
		t.Errorf("forward: %s", got)
	}
	back := get(cwl.GetLogEventsInput{NextToken: next.NextBackwardToken, Limit: aws.Int32(2)})
	if got := messages(back.Events); got != "e2,e3" {
		t.Errorf("backward: %s", got)
	}
	rest := get(cwl.GetLogEventsInput{NextToken: next.NextForwardToken})
	if got := messages(rest.Events); got != "e8,e9,e10" {
		t.Errorf("rest: %s", got)
	}
	// At the end the same token comes back, until new events arrive.
	end := get(cwl.GetLogEventsInput{NextToken: rest.NextForwardToken})
	if len(end.Events) != 0 || aws.ToString(end.NextForwardToken) != aws.ToString(rest.NextForwardToken) {
		t.Errorf("at end: %d events, token %s, want %s", len(end.Events), aws.ToString(end.NextForwardToken), aws.ToString(rest.NextForwardToken))
	}
	tb.put(t, "g", "s", ev{base + 11_000, "e11"})
	tail := get(cwl.GetLogEventsInput{NextToken: end.NextForwardToken})
	if got := messages(tail.Events); got != "e11" {
		t.Errorf("tailing: %s", got)
	}
	// Without startFromHead: the newest events.
	last := get(cwl.GetLogEventsInput{Limit: aws.Int32(3)})
	if got := messages(last.Events); got != "e9,e10,e11" {
		t.Errorf("from tail: %s", got)
	}
	older := get(cwl.GetLogEventsInput{NextToken: last.NextBackwardToken, Limit: aws.Int32(3)})
	if got := messages(older.Events); got != "e6,e7,e8" {
		t.Errorf("older: %s", got)
	}
	window := get(cwl.GetLogEventsInput{StartTime: aws.Int64(base + 2000), EndTime: aws.Int64(base + 5000), StartFromHead: aws.Bool(true)})
	if got := messages(window.Events); got != "e2,e3,e4" {
		t.Errorf("time window: %s", got)
	}
	byARN, err := tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupIdentifier: aws.String(groupBase + "g"), LogStreamName: aws.String("s"), Limit: aws.Int32(1)})
	if err != nil || messages(byARN.Events) != "e11" {
		t.Errorf("by identifier: %v, %v", byARN, err)
	}
}

func TestPutLogEventsRules(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createGroup(t, "g")
	tb.createStream(t, "g", "s")
	now := ms(start)
	day := int64(24 * time.Hour / time.Millisecond)
	out := tb.put(t, "g", "s", ev{now - 15*day, "old"}, ev{now - 15*day + 1, "old2"})
	r := out.RejectedLogEventsInfo
	if r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 1 || r.TooNewLogEventStartIndex != nil || r.ExpiredLogEventEndIndex != nil {
		t.Errorf("RejectedLogEventsInfo = %+v", r)
	}
	out = tb.put(t, "g", "s", ev{now, "ok"}, ev{now + 3*60*60*1000, "new"})
	r = out.RejectedLogEventsInfo
	if r == nil || r.TooOldLogEventEndIndex != nil || aws.ToInt32(r.TooNewLogEventStartIndex) != 1 || r.ExpiredLogEventEndIndex != nil {
		t.Errorf("RejectedLogEventsInfo = %+v", r)
	}
	got, err := tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
	if err != nil || messages(got.Events) != "ok" {
		t.Errorf("stored: %s, %v", messages(got.Events), err)
	}
	if _, err := tb.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	out = tb.put(t, "g", "s", ev{now - 2*day, "expired"})
	if r := out.RejectedLogEventsInfo; r == nil || aws.ToInt32(r.ExpiredLogEventEndIndex) != 0 {
		t.Errorf("expired: %+v", r)
	}

	tests := []struct {
		name string
		in   cwl.PutLogEventsInput
		code string
		msg  string
	}{
		{"out of order", cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now), Message: aws.String("b")}, {Timestamp: aws.Int64(now - 1), Message: aws.String("a")}}},
			"InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order."},
		{"span", cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now - day - 1), Message: aws.String("a")}, {Timestamp: aws.Int64(now), Message: aws.String("b")}}},
			"InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."},
		{"too large", cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now), Message: aws.String(strings.Repeat("x", 600_000))}, {Timestamp: aws.Int64(now), Message: aws.String(strings.Repeat("x", 600_000))}}},
			"InvalidParameterException", "Upload too large: 1200052 bytes exceeds limit of 1048576"},
		{"missing stream", cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope"), LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now), Message: aws.String("a")}}},
			"ResourceNotFoundException", "The specified log stream does not exist."},
		{"missing group", cwl.PutLogEventsInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now), Message: aws.String("a")}}},
			"ResourceNotFoundException", "The specified log group does not exist."},
		{"empty message", cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now), Message: aws.String("")}}},
			"InvalidParameterException", "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tb.client.PutLogEvents(ctx, &tt.in)
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
	_, err = tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("f/123")})
	wantAPIError(t, err, "InvalidParameterException", "The specified nextToken is invalid.")
	_, err = tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
}

func filtered(evs []types.FilteredLogEvent) string {
	var m []string
	for _, e := range evs {
		m = append(m, aws.ToString(e.Message))
	}
	return strings.Join(m, "|")
}

func TestFilterLogEvents(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createGroup(t, "g")
	tb.createStream(t, "g", "a")
	tb.createStream(t, "g", "b")
	now := ms(start)
	tb.put(t, "g", "a",
		ev{now - 5000, "INFO starting up"},
		ev{now - 3000, "ERROR connection refused by host"},
		ev{now - 1000, `{"level":"error","code":503,"user":{"id":"u-17"},"tags":["x","y"]}`},
	)
	tb.put(t, "g", "b",
		ev{now - 4000, "WARN disk almost full"},
		ev{now - 2000, "127.0.0.1 GET /index.html 404 512"},
		ev{now, `{"level":"info","code":200,"user":{"id":"u-2"}}`},
	)
	tests := []struct {
		pattern string
		streams []string
		want    string
	}{
		{"", nil, "INFO starting up|WARN disk almost full|ERROR connection refused by host|127.0.0.1 GET /index.html 404 512|" +
			`{"level":"error","code":503,"user":{"id":"u-17"},"tags":["x","y"]}|{"level":"info","code":200,"user":{"id":"u-2"}}`},
		{"ERROR", nil, "ERROR connection refused by host"},
		{`"connection refused"`, nil, "ERROR connection refused by host"},
		{`"refused connection"`, nil, ""},
		{"?ERROR ?WARN", nil, "WARN disk almost full|ERROR connection refused by host"},
		{"host -ERROR", nil, ""},
		{"disk -ERROR", nil, "WARN disk almost full"},
		{"%[0-9]+ [0-9]+$%", nil, "127.0.0.1 GET /index.html 404 512"},
		{`{ $.level = "error" }`, nil, `{"level":"error","code":503,"user":{"id":"u-17"},"tags":["x","y"]}`},
		{`{ $.code >= 500 || $.user.id = "u-2" }`, nil, `{"level":"error","code":503,"user":{"id":"u-17"},"tags":["x","y"]}|{"level":"info","code":200,"user":{"id":"u-2"}}`},
		{`{ ($.user.id = u-*) && ($.tags[1] = "y") }`, nil, `{"level":"error","code":503,"user":{"id":"u-17"},"tags":["x","y"]}`},
		{`{ $.tags NOT EXISTS }`, nil, `{"level":"info","code":200,"user":{"id":"u-2"}}`},
		{`[ip, method, path, status=404, size>500]`, nil, "127.0.0.1 GET /index.html 404 512"},
		{`[level=WARN, ...]`, nil, "WARN disk almost full"},
		{"", []string{"b"}, `WARN disk almost full|127.0.0.1 GET /index.html 404 512|{"level":"info","code":200,"user":{"id":"u-2"}}`},
	}
	for _, tt := range tests {
		out, err := tb.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(tt.pattern), LogStreamNames: tt.streams})
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if got := filtered(out.Events); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.pattern, got, tt.want)
		}
	}
	// Time window, stream prefix and event fields.
	out, err := tb.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), StartTime: aws.Int64(now - 3000), EndTime: aws.Int64(now - 1000),
		LogStreamNamePrefix: aws.String("a")})
	if err != nil || filtered(out.Events) != "ERROR connection refused by host" {
		t.Fatalf("window: %s, %v", filtered(out.Events), err)
	}
	e := out.Events[0]
	if aws.ToString(e.LogStreamName) != "a" || aws.ToInt64(e.Timestamp) != now-3000 || aws.ToInt64(e.IngestionTime) != now || len(aws.ToString(e.EventId)) != 56 {
		t.Errorf("event = %+v", e)
	}
	// Pages.
	var pages []string
	p := cwl.NewFilterLogEventsPaginator(tb.client, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, fmt.Sprint(len(page.Events)))
	}
	if got := strings.Join(pages, ","); got != "2,2,2" {
		t.Errorf("pages = %s", got)
	}
	_, err = tb.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(`{ $.x = `)})
	wantAPIError(t, err, "InvalidParameterException", "")
	_, err = tb.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestAppend(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	events := []logs.Event{{Timestamp: start, Message: "START RequestId: 1"}, {Timestamp: start.Add(time.Millisecond), Message: "END RequestId: 1"}}
	if err := tb.svc.Append(ctx, "/aws/lambda/fn", "2025/03/01/[$LATEST]abc", events); err != nil {
		t.Fatal(err)
	}
	if err := tb.svc.Append(ctx, "/aws/lambda/fn", "2025/03/01/[$LATEST]abc", events[:1]); err != nil {
		t.Fatal(err)
	}
	out, err := tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/aws/lambda/fn"), LogStreamName: aws.String("2025/03/01/[$LATEST]abc"), StartFromHead: aws.Bool(true)})
	if err != nil || messages(out.Events) != "START RequestId: 1,START RequestId: 1,END RequestId: 1" {
		t.Errorf("appended: %s, %v", messages(out.Events), err)
	}
	if err := tb.svc.Append(ctx, "", "s", nil); err == nil {
		t.Error("Append without a group: no error")
	}
}

func TestRetentionSweep(t *testing.T) {
	t.Parallel()
	tb := setupSweep(t, 5*time.Millisecond)
	ctx := context.Background()
	events := []logs.Event{{Timestamp: start.Add(-48 * time.Hour), Message: "old"}, {Timestamp: start, Message: "new"}}
	if err := tb.svc.Append(ctx, "g", "s", events); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		if messages(out.Events) == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sweep kept %s", messages(out.Events))
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Two days later the rest goes too.
	tb.clock.Advance(48 * time.Hour)
	if err := tb.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ := tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
	st, _ := tb.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
	if len(out.Events) != 0 || aws.ToInt64(st.LogStreams[0].StoredBytes) != 0 {
		t.Errorf("after sweep: %s, stored %d", messages(out.Events), aws.ToInt64(st.LogStreams[0].StoredBytes))
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if out, err := tb.svc.Call(ctx, "CreateLogGroup", []byte(`{"logGroupName":"g"}`)); err != nil || string(out) != "{}" {
		t.Fatalf("CreateLogGroup = %s, %v", out, err)
	}
	out, err := tb.svc.Call(ctx, "DescribeLogGroups", nil)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		LogGroups []map[string]any `json:"logGroups"`
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.LogGroups) != 1 || v.LogGroups[0]["arn"] != groupBase+"g:*" {
		t.Errorf("DescribeLogGroups = %s, %v", out, err)
	}
	for _, tt := range []struct{ action, input, code string }{
		{"CreateLogGroup", `{"logGroupName":"g"}`, "ResourceAlreadyExistsException"},
		{"CreateLogGroup", `{}`, "InvalidParameterException"},
		{"CreateLogGroup", `{"logGroupName":1}`, "SerializationException"},
		{"CreateLogGroup", `{`, "SerializationException"},
		{"Nope", `{}`, "UnknownOperationException"},
	} {
		_, err := tb.svc.Call(ctx, tt.action, []byte(tt.input))
		var e *awsproto.Error
		if !errors.As(err, &e) || e.Code != tt.code {
			t.Errorf("Call(%s, %s) = %v, want %s", tt.action, tt.input, err, tt.code)
		}
	}
}
