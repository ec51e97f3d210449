package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func putRule(t testing.TB, c *eventbridge.Client, in *eventbridge.PutRuleInput, targets ...types.Target) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.PutRule(ctx, in); err != nil {
		t.Fatal(err)
	}
	if len(targets) > 0 {
		if _, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: in.Name, EventBusName: in.EventBusName, Targets: targets}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPutEventsMatchesAndTransforms(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	c := tb.client
	putRule(t, c, &eventbridge.PutRuleInput{Name: aws.String("orders"), EventPattern: aws.String(
		`{"source":["shop"],"detail-type":["OrderPlaced"],"detail":{"total":[{"numeric":[">",100]}]}}`)},
		types.Target{Id: aws.String("whole"), Arn: aws.String(queueArn)},
		types.Target{Id: aws.String("fixed"), Arn: aws.String(fnArn), Input: aws.String(`{"kind":"big order"}`)},
		types.Target{Id: aws.String("path"), Arn: aws.String(fnArn + "2"), InputPath: aws.String("$.detail.customer")},
		types.Target{Id: aws.String("tmpl"), Arn: aws.String(fnArn + "3"), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.id", "total": "$.detail.total", "cust": "$.detail.customer", "nope": "$.detail.missing"},
			InputTemplate: aws.String(`{"order":<id>,"text":"order <id> of <total> by <cust>","cust":<cust>,"missing":<nope>,"rule":"<aws.events.rule-name>"}`)}},
	)
	putRule(t, c, &eventbridge.PutRuleInput{Name: aws.String("disabled"), EventPattern: aws.String(`{"source":["shop"]}`), State: types.RuleStateDisabled},
		types.Target{Id: aws.String("x"), Arn: aws.String(fnArn + "-disabled")})
	putRule(t, c, &eventbridge.PutRuleInput{Name: aws.String("other"), EventPattern: aws.String(`{"source":["other"]}`)},
		types.Target{Id: aws.String("x"), Arn: aws.String(fnArn + "-other")})

	out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"id":"o-1","total":250,"customer":{"name":"Ann"}}`),
			Resources: []string{"arn:aws:x"}, Time: aws.Time(time.Date(2029, 12, 31, 23, 0, 0, 0, time.UTC))},
		{Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"id":"o-2","total":5}`)},
		{DetailType: aws.String("x"), Detail: aws.String(`{}`)},
		{Source: aws.String("shop"), Detail: aws.String(`{}`)},
		{Source: aws.String("shop"), DetailType: aws.String("x")},
		{Source: aws.String("shop"), DetailType: aws.String("x"), Detail: aws.String(`{nope`)},
		{Source: aws.String("shop"), DetailType: aws.String("x"), Detail: aws.String(`{}`), EventBusName: aws.String("ghost")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 5 || len(out.Entries) != 7 || out.Entries[0].EventId == nil || out.Entries[1].EventId == nil {
		t.Fatalf("PutEvents = %+v", out)
	}
	wantErrs := []struct{ code, msg string }{
		{"InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."},
		{"InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."},
		{"InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."},
		{"MalformedDetail", "Detail is malformed."},
		{"ResourceNotFoundException", "Event bus ghost does not exist."},
	}
	for i, w := range wantErrs {
		e := out.Entries[i+2]
		if aws.ToString(e.ErrorCode) != w.code || aws.ToString(e.ErrorMessage) != w.msg || e.EventId != nil {
			t.Errorf("entry %d = %s %s", i+2, aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		}
	}
	got := map[string]string{}
	for range 4 {
		c := tb.rec.next(t)
		got[c.target.Id] = c.input
		if c.target.RuleArn != "arn:aws:events:us-east-1:111111111111:rule/orders" {
			t.Errorf("rule arn = %s", c.target.RuleArn)
		}
	}
	tb.rec.none(t, 50*time.Millisecond)
	id := aws.ToString(out.Entries[0].EventId)
	wantEvent := `{"version":"0","id":"` + id + `","detail-type":"OrderPlaced","source":"shop","account":"111111111111",` +
		`"time":"2029-12-31T23:00:00Z","region":"us-east-1","resources":["arn:aws:x"],"detail":{"id":"o-1","total":250,"customer":{"name":"Ann"}}}`
	if got["whole"] != wantEvent {
		t.Errorf("whole event =\n%s\nwant\n%s", got["whole"], wantEvent)
	}
	if got["fixed"] != `{"kind":"big order"}` {
		t.Errorf("fixed = %s", got["fixed"])
	}
	if got["path"] != `{"name":"Ann"}` {
		t.Errorf("path = %s", got["path"])
	}
	wantTmpl := `{"order":"o-1","text":"order o-1 of 250 by {\"name\":\"Ann\"}","cust":{"name":"Ann"},"missing":null,"rule":"orders"}`
	if got["tmpl"] != wantTmpl {
		t.Errorf("template =\n%s\nwant\n%s", got["tmpl"], wantTmpl)
	}
	if !json.Valid([]byte(got["tmpl"])) {
		t.Error("template output is not JSON")
	}
}

func TestPutEventsLimits(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noDelivery = true })
	ctx := context.Background()
	entry := types.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String(`{}`)}
	entries := make([]types.PutEventsRequestEntry, 11)
	for i := range entries {
		entries[i] = entry
	}
	_, err := tb.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	wantAPIError(t, err, "ValidationException", "")
	big := `{"x":"` + strings.Repeat("a", 130*1024) + `"}`
	_, err = tb.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String(big)},
		{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String(big)},
	}})
	wantAPIError(t, err, "ValidationException", "Total size of the entries in the request is over the limit.")
}

func TestScheduledRules(t *testing.T) {
	t.Parallel()
	clk := newClock(t0.Add(30 * time.Second))
	tb := setup(t, func(o *options) { o.clock = clk })
	c := tb.client
	putRule(t, c, &eventbridge.PutRuleInput{Name: aws.String("every5"), ScheduleExpression: aws.String("rate(5 minutes)")},
		types.Target{Id: aws.String("t"), Arn: aws.String(fnArn)})
	putRule(t, c, &eventbridge.PutRuleInput{Name: aws.String("noon"), ScheduleExpression: aws.String("cron(0 12 * * ? *)")},
		types.Target{Id: aws.String("t"), Arn: aws.String(queueArn), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"t": "$.time"}, InputTemplate: aws.String(`{"at":<t>}`)}})
	tb.rec.none(t, 30*time.Millisecond)

	clk.Advance(5 * time.Minute)
	ev := tb.rec.next(t)
	var env map[string]any
	if err := json.Unmarshal([]byte(ev.input), &env); err != nil {
		t.Fatal(err)
	}
	if env["detail-type"] != "Scheduled Event" || env["source"] != "aws.events" || env["time"] != "2030-01-01T00:05:30Z" ||
		env["resources"].([]any)[0] != "arn:aws:events:us-east-1:111111111111:rule/every5" || len(env["detail"].(map[string]any)) != 0 {
		t.Errorf("scheduled event = %s", ev.input)
	}
	tb.rec.none(t, 30*time.Millisecond)

	// Disabled rules do not fire.
	if _, err := c.DisableRule(context.Background(), &eventbridge.DisableRuleInput{Name: aws.String("every5")}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(12 * time.Hour))
	noon := tb.rec.next(t)
	if noon.input != `{"at":"2030-01-01T12:00:00Z"}` || noon.target.Arn != queueArn {
		t.Errorf("noon = %+v", noon)
	}
	tb.rec.none(t, 30*time.Millisecond)
}

func TestScheduledRuleTimeScale(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.scale = 36000 })
	putRule(t, tb.client, &eventbridge.PutRuleInput{Name: aws.String("hourly"), ScheduleExpression: aws.String("rate(1 hour)")},
		types.Target{Id: aws.String("t"), Arn: aws.String(fnArn), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"t": "$.time"}, InputTemplate: aws.String(`<t>`)}})
	var times []time.Time
	for range 3 {
		var s string
		if err := json.Unmarshal([]byte(tb.rec.next(t).input), &s); err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, at)
	}
	// Whole hours apart (on a loaded machine the loop may wake more than
	// an hour of schedule time late and fire only for the latest time).
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d <= 0 || d%time.Hour != 0 {
			t.Errorf("times = %v", times)
		}
	}
}

func TestDeliveryRetriesAndDeadLetter(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	rec.fail = func(int) error { return errors.New("down") }
	tb := setup(t, func(o *options) { o.scale = 1000; o.rec = rec })
	putRule(t, tb.client, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["s"]}`)},
		types.Target{Id: aws.String("t"), Arn: aws.String(fnArn), Input: aws.String(`"payload"`),
			RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(2), MaximumEventAgeInSeconds: aws.Int32(3600)},
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlqArn)}})
	if _, err := tb.client.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		rec.next(t)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec.mu.Lock()
		n, dl := len(rec.calls), append([]call(nil), rec.dlq...)
		rec.mu.Unlock()
		if len(dl) == 1 {
			if n != 3 || dl[0].arn != dlqArn || dl[0].input != `"payload"` {
				t.Errorf("attempts %d, dead letters %+v", n, dl)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no dead letter")
		}
		time.Sleep(2 * time.Millisecond)
	}
	rec.none(t, 30*time.Millisecond)
}

func TestMissedScheduledRuleAfterRestart(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	tb := setup(t, func(o *options) { o.clock = clk })
	putRule(t, tb.client, &eventbridge.PutRuleInput{Name: aws.String("hourly"), ScheduleExpression: aws.String("rate(1 hour)")},
		types.Target{Id: aws.String("t"), Arn: aws.String(fnArn), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"t": "$.time"}, InputTemplate: aws.String(`<t>`)}},
		types.Target{Id: aws.String("young"), Arn: aws.String(queueArn), Input: aws.String(`"young"`),
			RetryPolicy: &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(60)}})
	tb.close(t)
	clk.Advance(5*time.Hour + 30*time.Minute)
	tb.open(t)
	// One event, for 05:00, to the target whose event age allows it.
	c := tb.rec.next(t)
	if c.input != `"2030-01-01T05:00:00Z"` {
		t.Errorf("catch-up = %+v", c)
	}
	tb.rec.none(t, 50*time.Millisecond)
	clk.Set(t0.Add(6 * time.Hour))
	var got []string
	for range 2 {
		got = append(got, tb.rec.next(t).target.Id)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "t,young" {
		t.Errorf("on time = %v", got)
	}
}
