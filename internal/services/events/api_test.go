package events_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/stepflow/stepflow/internal/awsproto"
)

func TestEventBuses(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noDelivery = true })
	ctx := context.Background()
	c := tb.client

	def, err := c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{})
	if err != nil || aws.ToString(def.Name) != "default" || aws.ToString(def.Arn) != "arn:aws:events:us-east-1:111111111111:event-bus/default" {
		t.Fatalf("default bus = %+v, %v", def, err)
	}
	out, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders"), Description: aws.String("order events"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.EventBusArn)
	if arn != "arn:aws:events:us-east-1:111111111111:event-bus/orders" || aws.ToString(out.Description) != "order events" {
		t.Errorf("CreateEventBus = %+v", out)
	}
	_, err = c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "Event bus orders already exists.")
	_, err = c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("a/b")})
	wantAPIError(t, err, "ValidationException", "Event bus name must not contain '/'.")

	got, err := c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(arn)})
	if err != nil || aws.ToString(got.Name) != "orders" || aws.ToString(got.Description) != "order events" || got.CreationTime == nil {
		t.Errorf("DescribeEventBus by ARN = %+v, %v", got, err)
	}
	_, err = c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")

	if _, err := c.UpdateEventBus(ctx, &eventbridge.UpdateEventBusInput{Name: aws.String("orders"), Description: aws.String("new")}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("orders")})
	if aws.ToString(got.Description) != "new" {
		t.Errorf("after UpdateEventBus = %+v", got)
	}
	_, err = c.UpdateEventBus(ctx, &eventbridge.UpdateEventBusInput{Name: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")

	tags, err := c.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Errorf("tags = %+v, %v", tags, err)
	}
	if _, err := c.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String(arn),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &eventbridge.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Errorf("tags after changes = %+v", tags.Tags)
	}

	for i := range 3 {
		if _, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(fmt.Sprintf("bus-%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var token *string
	for {
		page, err := c.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.EventBuses {
			names = append(names, aws.ToString(b.Name))
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if got := strings.Join(names, ","); got != "bus-0,bus-1,bus-2,default,orders" {
		t.Errorf("buses = %s", got)
	}
	prefixed, _ := c.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{NamePrefix: aws.String("bus-")})
	if len(prefixed.EventBuses) != 3 {
		t.Errorf("prefixed = %+v", prefixed.EventBuses)
	}

	// Deleting a bus deletes its rules.
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders"),
		EventPattern: aws.String(`{"source":["shop"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus orders does not exist.")
	if _, err := c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Errorf("deleting a deleted bus: %v", err)
	}
	_, err = c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("default")})
	wantAPIError(t, err, "ValidationException", "Cannot delete event bus default.")
}

func TestRules(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noDelivery = true })
	ctx := context.Background()
	c := tb.client

	out, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("ec2"), EventPattern: aws.String(`{"source":["aws.ec2"]}`),
		Description: aws.String("d"), RoleArn: aws.String(roleArn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	ruleArn := aws.ToString(out.RuleArn)
	if ruleArn != "arn:aws:events:us-east-1:111111111111:rule/ec2" {
		t.Errorf("rule arn = %s", ruleArn)
	}
	got, err := c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("ec2")})
	if err != nil || aws.ToString(got.EventPattern) != `{"source":["aws.ec2"]}` || got.State != types.RuleStateEnabled ||
		aws.ToString(got.Description) != "d" || aws.ToString(got.RoleArn) != roleArn || aws.ToString(got.EventBusName) != "default" ||
		aws.ToString(got.CreatedBy) != account || got.ScheduleExpression != nil {
		t.Errorf("DescribeRule = %+v, %v", got, err)
	}
	// PutRule on an existing rule replaces it and keeps its tags.
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("ec2"), ScheduleExpression: aws.String("rate(5 minutes)"),
		State: types.RuleStateDisabled}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("ec2")})
	if got.EventPattern != nil || aws.ToString(got.ScheduleExpression) != "rate(5 minutes)" || got.State != types.RuleStateDisabled || got.Description != nil {
		t.Errorf("after update = %+v", got)
	}
	tags, _ := c.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(ruleArn)})
	if len(tags.Tags) != 1 {
		t.Errorf("rule tags = %+v", tags.Tags)
	}
	if _, err := c.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("ec2")}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("ec2")})
	if got.State != types.RuleStateEnabled {
		t.Errorf("after enable = %s", got.State)
	}
	if _, err := c.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("ec2")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")

	// Rules on another bus.
	if _, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	out, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("ec2"), EventBusName: aws.String("app"), EventPattern: aws.String(`{"source":["x"]}`)})
	if err != nil || aws.ToString(out.RuleArn) != "arn:aws:events:us-east-1:111111111111:rule/app/ec2" {
		t.Errorf("rule on app = %v, %v", out, err)
	}
	if _, err := c.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: out.RuleArn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}); err != nil {
		t.Errorf("tag rule on app: %v", err)
	}

	for i := range 5 {
		if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(fmt.Sprintf("list-%d", i)), EventPattern: aws.String(`{"source":["x"]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var token *string
	for {
		page, err := c.ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String("list-"), Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Rules {
			names = append(names, aws.ToString(r.Name))
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if got := strings.Join(names, ","); got != "list-0,list-1,list-2,list-3,list-4" {
		t.Errorf("rules = %s", got)
	}
	app, _ := c.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String("app")})
	if len(app.Rules) != 1 || aws.ToString(app.Rules[0].EventBusName) != "app" {
		t.Errorf("rules on app = %+v", app.Rules)
	}

	// Delete.
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("list-0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("list-0")}); err != nil {
		t.Errorf("deleting a deleted rule: %v", err)
	}
	_, err = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("list-0")})
	wantAPIError(t, err, "ResourceNotFoundException", "Rule list-0 does not exist on EventBus default.")
}

func TestPutRuleBadInput(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noDelivery = true })
	ctx := context.Background()
	if _, err := tb.client.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("custom")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   eventbridge.PutRuleInput
		code string
		msg  string
	}{
		{"neither", eventbridge.PutRuleInput{}, "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."},
		{"bad schedule", eventbridge.PutRuleInput{ScheduleExpression: aws.String("rate(1 minutes)")}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{"five-field cron", eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(0/10 * ? * *)")}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{"both day fields", eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(7 20 * * 1-7 *)")}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{"at", eventbridge.PutRuleInput{ScheduleExpression: aws.String("at(2030-01-01T00:00:00)")}, "ValidationException", "Parameter ScheduleExpression is not valid."},
		{"schedule on a custom bus", eventbridge.PutRuleInput{ScheduleExpression: aws.String("rate(5 minutes)"), EventBusName: aws.String("custom")},
			"ValidationException", "ScheduleExpression is supported only on the default event bus."},
		{"pattern not JSON", eventbridge.PutRuleInput{EventPattern: aws.String(`{"source":`)}, "InvalidEventPatternException", ""},
		{"pattern scalar", eventbridge.PutRuleInput{EventPattern: aws.String(`{"lenderId":"LenderA"}`)}, "InvalidEventPatternException",
			`Event pattern is not valid. Reason: "lenderId" must be an object or an array`},
		{"pattern operator", eventbridge.PutRuleInput{EventPattern: aws.String(`{"a":[{"startsWith":"x"}]}`)}, "InvalidEventPatternException",
			"Event pattern is not valid. Reason: Unrecognized match type startsWith"},
		{"missing bus", eventbridge.PutRuleInput{EventPattern: aws.String(`{"a":[1]}`), EventBusName: aws.String("ghost")},
			"ResourceNotFoundException", "Event bus ghost does not exist."},
		{"bad name", eventbridge.PutRuleInput{Name: aws.String("a b"), EventPattern: aws.String(`{"a":[1]}`)}, "ValidationException",
			"1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\.\\-_A-Za-z0-9]+$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.in
			if in.Name == nil {
				in.Name = aws.String("bad")
			}
			_, err := tb.client.PutRule(ctx, &in)
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
	rules, _ := tb.client.ListRules(ctx, &eventbridge.ListRulesInput{})
	if len(rules.Rules) != 0 {
		t.Errorf("rules after bad input: %+v", rules.Rules)
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noDelivery = true })
	ctx := context.Background()
	c := tb.client
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["s"]}`)}); err != nil {
		t.Fatal(err)
	}
	targets := []types.Target{
		{Id: aws.String("q"), Arn: aws.String(queueArn), Input: aws.String(`{"fixed":true}`),
			RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(600)},
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlqArn)}},
		{Id: aws.String("fn"), Arn: aws.String(fnArn), InputPath: aws.String("$.detail")},
		{Id: aws.String("fifo"), Arn: aws.String(queueArn + ".fifo"), SqsParameters: &types.SqsParameters{MessageGroupId: aws.String("g")},
			InputTransformer: &types.InputTransformer{InputPathsMap: map[string]string{"s": "$.source"}, InputTemplate: aws.String(`"<s>"`)}},
	}
	out, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: targets})
	if err != nil || out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
		t.Fatalf("PutTargets = %+v, %v", out, err)
	}
	list, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r")})
	if err != nil || len(list.Targets) != 3 {
		t.Fatalf("targets = %+v, %v", list, err)
	}
	byID := map[string]types.Target{}
	for _, tg := range list.Targets {
		byID[aws.ToString(tg.Id)] = tg
	}
	if q := byID["q"]; aws.ToString(q.Input) != `{"fixed":true}` || aws.ToInt32(q.RetryPolicy.MaximumRetryAttempts) != 3 ||
		aws.ToString(q.DeadLetterConfig.Arn) != dlqArn {
		t.Errorf("q = %+v", q)
	}
	if f := byID["fifo"]; aws.ToString(f.SqsParameters.MessageGroupId) != "g" || f.InputTransformer.InputPathsMap["s"] != "$.source" {
		t.Errorf("fifo = %+v", f)
	}
	names, err := c.ListRuleNamesByTarget(ctx, &eventbridge.ListRuleNamesByTargetInput{TargetArn: aws.String(fnArn)})
	if err != nil || len(names.RuleNames) != 1 || names.RuleNames[0] != "r" {
		t.Errorf("ListRuleNamesByTarget = %+v, %v", names, err)
	}

	_, err = c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("r")})
	wantAPIError(t, err, "ValidationException", "Rule can't be deleted since it has targets.")

	bad := []struct {
		name string
		tg   types.Target
		code string
		msg  string
	}{
		{"input and path", types.Target{Id: aws.String("x"), Arn: aws.String(fnArn), Input: aws.String("{}"), InputPath: aws.String("$.a")},
			"ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided."},
		{"bad arn", types.Target{Id: aws.String("x"), Arn: aws.String("nope")},
			"ValidationException", "Parameter nope is not valid. Reason: Provided Arn is not in correct format."},
		{"fifo without group", types.Target{Id: aws.String("x"), Arn: aws.String(queueArn + ".fifo")},
			"ValidationException", "Parameter(s) SqsParameters must be specified for target: x."},
		{"input not JSON", types.Target{Id: aws.String("x"), Arn: aws.String(fnArn), Input: aws.String("{nope")},
			"ValidationException", "Parameter Input of target x is not valid JSON."},
		{"bad id", types.Target{Id: aws.String("a b"), Arn: aws.String(fnArn)}, "ValidationException", ""},
	}
	for _, b := range bad {
		_, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{b.tg}})
		wantAPIError(t, err, b.code, b.msg)
	}
	_, err = c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{
		{Id: aws.String("4"), Arn: aws.String(fnArn)}, {Id: aws.String("5"), Arn: aws.String(fnArn)}, {Id: aws.String("6"), Arn: aws.String(fnArn)}}})
	wantAPIError(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
	_, err = c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nope"), Targets: targets[:1]})
	wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")

	rm, err := c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"q", "fn", "fifo"}})
	if err != nil || rm.FailedEntryCount != 0 {
		t.Fatalf("RemoveTargets = %+v, %v", rm, err)
	}
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("r")}); err != nil {
		t.Errorf("DeleteRule after removing targets: %v", err)
	}
}

func TestTestEventPattern(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noDelivery = true })
	ctx := context.Background()
	event := `{"id":"1","account":"111111111111","source":"aws.ec2","time":"2024-01-01T00:00:00Z","region":"us-east-1",
		"resources":[],"detail-type":"EC2 Instance State-change Notification","detail":{"state":"running","count":3}}`
	tests := []struct {
		pattern string
		want    bool
	}{
		{`{"source":["aws.ec2"],"detail":{"state":["running"]}}`, true},
		{`{"detail":{"count":[{"numeric":[">",5]}]}}`, false},
		{`{"detail-type":[{"prefix":"EC2"}]}`, true},
	}
	for _, tt := range tests {
		out, err := tb.client.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(tt.pattern), Event: aws.String(event)})
		if err != nil || out.Result != tt.want {
			t.Errorf("TestEventPattern(%s) = %v, %v; want %v", tt.pattern, out, err, tt.want)
		}
	}
	_, err := tb.client.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{"a":"b"}`), Event: aws.String(event)})
	wantAPIError(t, err, "InvalidEventPatternException", `Event pattern is not valid. Reason: "a" must be an object or an array`)
	_, err = tb.client.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{}`), Event: aws.String(`[]`)})
	wantAPIError(t, err, "ValidationException", "Parameter Event is not valid.")
}

func TestCallAndUnsupported(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noDelivery = true })
	ctx := context.Background()
	out, err := tb.svc.Call(ctx, "PutRule", []byte(`{"Name":"c","EventPattern":"{\"source\":[\"x\"]}"}`))
	if err != nil || string(out) != `{"RuleArn":"arn:aws:events:us-east-1:111111111111:rule/c"}` {
		t.Errorf("Call PutRule = %s, %v", out, err)
	}
	_, err = tb.svc.Call(ctx, "PutRule", []byte(`{"Name":5}`))
	var ae *awsproto.Error
	if !errors.As(err, &ae) || ae.Code != "SerializationException" {
		t.Errorf("bad type = %v", err)
	}
	_, err = tb.svc.Call(ctx, "CreateArchive", []byte(`{"ArchiveName":"a","EventSourceArn":"x"}`))
	if !errors.As(err, &ae) || ae.Code != "NotImplemented" {
		t.Errorf("CreateArchive = %v", err)
	}
	_, err = tb.client.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("a"),
		EventSourceArn: aws.String("arn:aws:events:us-east-1:111111111111:event-bus/default")})
	wantAPIError(t, err, "NotImplemented", "")
}
