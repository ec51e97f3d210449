package logs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func groupNames(gs []types.LogGroup) string {
	var names []string
	for _, g := range gs {
		names = append(names, aws.ToString(g.LogGroupName))
	}
	return strings.Join(names, ",")
}

func TestLogGroups(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn"),
		Tags: map[string]string{"team": "core"}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"/aws/lambda/other", "/aws/states/sm", "app-Logs"} {
		tb.createGroup(t, n)
	}
	out, err := tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	if err != nil {
		t.Fatal(err)
	}
	if got := groupNames(out.LogGroups); got != "/aws/lambda/fn,/aws/lambda/other" {
		t.Errorf("prefix: %s", got)
	}
	g := out.LogGroups[0]
	if aws.ToString(g.Arn) != groupBase+"/aws/lambda/fn:*" || aws.ToString(g.LogGroupArn) != groupBase+"/aws/lambda/fn" ||
		aws.ToInt64(g.CreationTime) != ms(start) || g.LogGroupClass != types.LogGroupClassStandard || g.RetentionInDays != nil ||
		aws.ToInt32(g.MetricFilterCount) != 0 {
		t.Errorf("LogGroup = %+v", g)
	}
	out, err = tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("LOG")})
	if err != nil || groupNames(out.LogGroups) != "app-Logs" {
		t.Errorf("pattern: %s, %v", groupNames(out.LogGroups), err)
	}
	// Pages.
	var all []string
	p := cwl.NewDescribeLogGroupsPaginator(tb.client, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, groupNames(page.LogGroups))
	}
	if got := strings.Join(all, ","); got != "/aws/lambda/fn,/aws/lambda/other,/aws/states/sm,app-Logs" || pages != 2 {
		t.Errorf("pages = %d: %s", pages, got)
	}

	// Retention.
	if _, err := tb.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("app-Logs"), RetentionInDays: aws.Int32(14)}); err != nil {
		t.Fatal(err)
	}
	out, _ = tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("app")})
	if aws.ToInt32(out.LogGroups[0].RetentionInDays) != 14 {
		t.Errorf("RetentionInDays = %v", out.LogGroups[0].RetentionInDays)
	}
	if _, err := tb.client.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String("app-Logs")}); err != nil {
		t.Fatal(err)
	}
	out, _ = tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("app")})
	if out.LogGroups[0].RetentionInDays != nil {
		t.Errorf("RetentionInDays after delete = %v", *out.LogGroups[0].RetentionInDays)
	}

	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"duplicate", func() error {
			_, err := tb.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("app-Logs")})
			return err
		}, "ResourceAlreadyExistsException", "The specified log group already exists"},
		{"bad name", func() error {
			_, err := tb.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("a:b")})
			return err
		}, "InvalidParameterException", "1 validation error detected: Value 'a:b' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"},
		{"delete missing", func() error {
			_, err := tb.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"retention missing group", func() error {
			_, err := tb.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("nope"), RetentionInDays: aws.Int32(1)})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"bad retention", func() error {
			_, err := tb.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("app-Logs"), RetentionInDays: aws.Int32(2)})
			return err
		}, "InvalidParameterException", "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"},
		{"prefix and pattern", func() error {
			_, err := tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("a"), LogGroupNamePattern: aws.String("b")})
			return err
		}, "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."},
		{"bad token", func() error {
			_, err := tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{NextToken: aws.String("!!")})
			return err
		}, "InvalidParameterException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantAPIError(t, tt.call(), tt.code, tt.msg) })
	}

	if _, err := tb.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("app-Logs")}); err != nil {
		t.Fatal(err)
	}
	out, _ = tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if got := groupNames(out.LogGroups); got != "/aws/lambda/fn,/aws/lambda/other,/aws/states/sm" {
		t.Errorf("after delete: %s", got)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	arn := groupBase + "g"
	if _, err := tb.client.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"b": "2", "c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"c"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := tb.client.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(lt.Tags) != 2 || lt.Tags["a"] != "1" || lt.Tags["b"] != "2" {
		t.Errorf("ListTagsForResource = %v, %v", lt.Tags, err)
	}
	// The older per-group actions see the same tags.
	if _, err := tb.client.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"d": "4"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String("g"), Tags: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	lg, err := tb.client.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("g")})
	if err != nil || len(lg.Tags) != 2 || lg.Tags["b"] != "2" || lg.Tags["d"] != "4" {
		t.Errorf("ListTagsLogGroup = %v, %v", lg.Tags, err)
	}
	_, err = tb.client.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(groupBase + "nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = tb.client.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:eu-west-1:111111111111:log-group:g"), Tags: map[string]string{"x": "y"}})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = tb.client.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	many := map[string]string{}
	for i := range 50 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	_, err = tb.client.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: many})
	wantAPIError(t, err, "TooManyTagsException", "")
}

func TestSurvivesReopen(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	if _, err := tb.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	tb.createStream(t, "g", "s")
	tb.put(t, "g", "s", ev{ms(start), "one"}, ev{ms(start) + 1, "two"})
	tb.reopen(t)
	out, err := tb.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if err != nil || len(out.LogGroups) != 1 || aws.ToInt32(out.LogGroups[0].RetentionInDays) != 30 || aws.ToInt64(out.LogGroups[0].StoredBytes) != 2*26+6 {
		t.Errorf("after reopen: %+v, %v", out, err)
	}
	ev, err := tb.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)})
	if err != nil || len(ev.Events) != 2 || aws.ToString(ev.Events[1].Message) != "two" {
		t.Errorf("events after reopen: %+v, %v", ev, err)
	}
	lt, err := tb.client.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("g")})
	if err != nil || lt.Tags["a"] != "1" {
		t.Errorf("tags after reopen: %v, %v", lt, err)
	}
}
