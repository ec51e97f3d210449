package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssched "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/stepflow/stepflow/internal/awsproto"
)

func TestScheduleGroups(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noFiring = true })
	ctx := context.Background()
	c := tb.client

	def, err := c.GetScheduleGroup(ctx, &awssched.GetScheduleGroupInput{Name: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(def.Arn) != "arn:aws:scheduler:us-east-1:111111111111:schedule-group/default" || def.State != types.ScheduleGroupStateActive {
		t.Errorf("default group = %+v", def)
	}

	out, err := c.CreateScheduleGroup(ctx, &awssched.CreateScheduleGroupInput{Name: aws.String("team-a"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ScheduleGroupArn)
	if arn != "arn:aws:scheduler:us-east-1:111111111111:schedule-group/team-a" {
		t.Errorf("arn = %s", arn)
	}
	_, err = c.CreateScheduleGroup(ctx, &awssched.CreateScheduleGroupInput{Name: aws.String("team-a")})
	wantAPIError(t, err, "ConflictException", "Schedule group team-a already exists.")

	if _, err := c.TagResource(ctx, &awssched.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("me")}, {Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &awssched.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tagMap(tags.Tags)); got != "map[env:prod owner:me]" {
		t.Errorf("tags = %s", got)
	}
	if _, err := c.UntagResource(ctx, &awssched.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env", "nope"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.ListTagsForResource(ctx, &awssched.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if got := fmt.Sprint(tagMap(tags.Tags)); got != "map[owner:me]" {
		t.Errorf("tags after untag = %s", got)
	}
	_, err = c.ListTagsForResource(ctx, &awssched.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:scheduler:us-east-1:111111111111:schedule-group/nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule group nope does not exist.")
	_, err = c.TagResource(ctx, &awssched.TagResourceInput{ResourceArn: aws.String("arn:aws:scheduler:us-east-1:111111111111:schedule/default/x"),
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantAPIError(t, err, "ValidationException", "")

	for i := range 3 {
		if _, err := c.CreateScheduleGroup(ctx, &awssched.CreateScheduleGroupInput{Name: aws.String(fmt.Sprintf("page-%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := awssched.NewListScheduleGroupsPaginator(c, &awssched.ListScheduleGroupsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.ScheduleGroups {
			names = append(names, aws.ToString(g.Name))
		}
	}
	if got := strings.Join(names, ","); got != "default,page-0,page-1,page-2,team-a" {
		t.Errorf("groups = %s", got)
	}
	list, err := c.ListScheduleGroups(ctx, &awssched.ListScheduleGroupsInput{NamePrefix: aws.String("page")})
	if err != nil || len(list.ScheduleGroups) != 3 {
		t.Errorf("prefix list = %v, %v", list, err)
	}

	// A group's schedules go with it.
	in := createInput("in-group", "rate(5 minutes)")
	in.GroupName = aws.String("team-a")
	if _, err := c.CreateSchedule(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteScheduleGroup(ctx, &awssched.DeleteScheduleGroupInput{Name: aws.String("team-a")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetScheduleGroup(ctx, &awssched.GetScheduleGroupInput{Name: aws.String("team-a")})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule group team-a does not exist.")
	_, err = c.GetSchedule(ctx, &awssched.GetScheduleInput{Name: aws.String("in-group"), GroupName: aws.String("team-a")})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule group team-a does not exist.")
	_, err = c.DeleteScheduleGroup(ctx, &awssched.DeleteScheduleGroupInput{Name: aws.String("team-a")})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule group team-a does not exist.")
	_, err = c.DeleteScheduleGroup(ctx, &awssched.DeleteScheduleGroupInput{Name: aws.String("default")})
	wantAPIError(t, err, "ValidationException", "The default schedule group cannot be deleted.")
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestScheduleLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noFiring = true })
	ctx := context.Background()
	c := tb.client

	start := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	end := start.Add(48 * time.Hour)
	in := &awssched.CreateScheduleInput{
		Name:                       aws.String("nightly"),
		ScheduleExpression:         aws.String("cron(0 2 * * ? *)"),
		ScheduleExpressionTimezone: aws.String("Europe/Paris"),
		Description:                aws.String("runs <at night> & early"),
		StartDate:                  aws.Time(start),
		EndDate:                    aws.Time(end),
		State:                      types.ScheduleStateEnabled,
		KmsKeyArn:                  aws.String("arn:aws:kms:us-east-1:111111111111:key/abc"),
		FlexibleTimeWindow:         &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)},
		Target: &types.Target{
			Arn: aws.String(sfnTarget), RoleArn: aws.String(roleArn), Input: aws.String(`{"a":1}`),
			RetryPolicy:      &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(3600), MaximumRetryAttempts: aws.Int32(3)},
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlqArn)},
		},
	}
	out, err := c.CreateSchedule(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	wantArn := "arn:aws:scheduler:us-east-1:111111111111:schedule/default/nightly"
	if aws.ToString(out.ScheduleArn) != wantArn {
		t.Errorf("arn = %s", aws.ToString(out.ScheduleArn))
	}
	_, err = c.CreateSchedule(ctx, in)
	wantAPIError(t, err, "ConflictException", "Schedule nightly already exists.")

	got, err := c.GetSchedule(ctx, &awssched.GetScheduleInput{Name: aws.String("nightly")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Arn) != wantArn || aws.ToString(got.GroupName) != "default" || aws.ToString(got.ScheduleExpression) != "cron(0 2 * * ? *)" ||
		aws.ToString(got.ScheduleExpressionTimezone) != "Europe/Paris" || aws.ToString(got.Description) != "runs <at night> & early" ||
		!aws.ToTime(got.StartDate).Equal(start) || !aws.ToTime(got.EndDate).Equal(end) || got.State != types.ScheduleStateEnabled ||
		aws.ToString(got.KmsKeyArn) != "arn:aws:kms:us-east-1:111111111111:key/abc" ||
		got.FlexibleTimeWindow.Mode != types.FlexibleTimeWindowModeFlexible || aws.ToInt32(got.FlexibleTimeWindow.MaximumWindowInMinutes) != 15 ||
		aws.ToString(got.Target.Arn) != sfnTarget || aws.ToString(got.Target.Input) != `{"a":1}` ||
		aws.ToInt32(got.Target.RetryPolicy.MaximumRetryAttempts) != 3 || aws.ToString(got.Target.DeadLetterConfig.Arn) != dlqArn ||
		got.ActionAfterCompletion != types.ActionAfterCompletionNone || got.CreationDate == nil || got.LastModificationDate == nil {
		t.Errorf("GetSchedule = %+v", got)
	}
	created := aws.ToTime(got.CreationDate)

	// Defaults.
	if _, err := c.CreateSchedule(ctx, createInput("plain", "rate(5 minutes)")); err != nil {
		t.Fatal(err)
	}
	plain, err := c.GetSchedule(ctx, &awssched.GetScheduleInput{Name: aws.String("plain"), GroupName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(plain.ScheduleExpressionTimezone) != "UTC" || plain.State != types.ScheduleStateEnabled ||
		aws.ToInt32(plain.Target.RetryPolicy.MaximumEventAgeInSeconds) != 86400 || aws.ToInt32(plain.Target.RetryPolicy.MaximumRetryAttempts) != 185 ||
		plain.Description != nil || plain.StartDate != nil {
		t.Errorf("defaults = %+v %+v", plain, plain.Target.RetryPolicy)
	}

	// Update replaces the whole definition.
	time.Sleep(5 * time.Millisecond)
	if _, err := c.UpdateSchedule(ctx, &awssched.UpdateScheduleInput{
		Name: aws.String("nightly"), ScheduleExpression: aws.String("rate(1 hour)"), State: types.ScheduleStateDisabled,
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             &types.Target{Arn: aws.String(queueArn), RoleArn: aws.String(roleArn), SqsParameters: &types.SqsParameters{MessageGroupId: aws.String("g1")}},
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetSchedule(ctx, &awssched.GetScheduleInput{Name: aws.String("nightly")})
	if aws.ToString(got.ScheduleExpression) != "rate(1 hour)" || got.State != types.ScheduleStateDisabled || got.Description != nil ||
		got.StartDate != nil || aws.ToString(got.Target.SqsParameters.MessageGroupId) != "g1" ||
		!aws.ToTime(got.CreationDate).Equal(created) || !aws.ToTime(got.LastModificationDate).After(created) {
		t.Errorf("after update = %+v", got)
	}
	_, err = c.UpdateSchedule(ctx, &awssched.UpdateScheduleInput{Name: aws.String("missing"), ScheduleExpression: aws.String("rate(1 hour)"),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             &types.Target{Arn: aws.String(queueArn), RoleArn: aws.String(roleArn)}})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule missing does not exist.")

	// List with filters and pages.
	for i := range 4 {
		if _, err := c.CreateSchedule(ctx, createInput(fmt.Sprintf("job-%d", i), "rate(1 day)")); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := awssched.NewListSchedulesPaginator(c, &awssched.ListSchedulesInput{NamePrefix: aws.String("job-"), MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Schedules {
			names = append(names, aws.ToString(s.Name))
			if aws.ToString(s.Target.Arn) != queueArn || aws.ToString(s.GroupName) != "default" {
				t.Errorf("summary = %+v", s)
			}
		}
	}
	if got := strings.Join(names, ","); got != "job-0,job-1,job-2,job-3" {
		t.Errorf("listed %s", got)
	}
	dis, err := c.ListSchedules(ctx, &awssched.ListSchedulesInput{State: types.ScheduleStateDisabled})
	if err != nil || len(dis.Schedules) != 1 || aws.ToString(dis.Schedules[0].Name) != "nightly" {
		t.Errorf("disabled = %+v, %v", dis, err)
	}
	_, err = c.ListSchedules(ctx, &awssched.ListSchedulesInput{GroupName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule group nope does not exist.")

	if _, err := c.DeleteSchedule(ctx, &awssched.DeleteScheduleInput{Name: aws.String("nightly")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSchedule(ctx, &awssched.GetScheduleInput{Name: aws.String("nightly")})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule nightly does not exist.")
	_, err = c.DeleteSchedule(ctx, &awssched.DeleteScheduleInput{Name: aws.String("nightly")})
	wantAPIError(t, err, "ResourceNotFoundException", "Schedule nightly does not exist.")

	// The same name may exist in two groups.
	if _, err := c.CreateScheduleGroup(ctx, &awssched.CreateScheduleGroupInput{Name: aws.String("other")}); err != nil {
		t.Fatal(err)
	}
	in2 := createInput("plain", "rate(5 minutes)")
	in2.GroupName = aws.String("other")
	o2, err := c.CreateSchedule(ctx, in2)
	if err != nil || aws.ToString(o2.ScheduleArn) != "arn:aws:scheduler:us-east-1:111111111111:schedule/other/plain" {
		t.Errorf("create in group = %v, %v", o2, err)
	}
}

func TestScheduleBadInput(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noFiring = true })
	ctx := context.Background()
	c := tb.client
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name   string
		mod    func(*awssched.CreateScheduleInput)
		code   string
		msg    string
		status int
	}{
		{"bad rate", func(in *awssched.CreateScheduleInput) { in.ScheduleExpression = aws.String("rate(0 minutes)") },
			"ValidationException", "Invalid Schedule Expression rate(0 minutes)", 400},
		{"five-field cron", func(in *awssched.CreateScheduleInput) { in.ScheduleExpression = aws.String("cron(0 10 * * ?)") },
			"ValidationException", "Invalid Schedule Expression cron(0 10 * * ?)", 400},
		{"both days", func(in *awssched.CreateScheduleInput) { in.ScheduleExpression = aws.String("cron(0 10 * * 1 *)") },
			"ValidationException", "Invalid Schedule Expression cron(0 10 * * 1 *)", 400},
		{"bad at", func(in *awssched.CreateScheduleInput) { in.ScheduleExpression = aws.String("at(2030-13-01T00:00:00)") },
			"ValidationException", "Invalid Schedule Expression at(2030-13-01T00:00:00)", 400},
		{"time zone", func(in *awssched.CreateScheduleInput) { in.ScheduleExpressionTimezone = aws.String("Mars/Olympus") },
			"ValidationException", "Invalid ScheduleExpressionTimezone Mars/Olympus: use an IANA time zone name such as UTC, Europe/Paris or America/New_York.", 400},
		{"start date in the past", func(in *awssched.CreateScheduleInput) { in.StartDate = aws.Time(past) },
			"ValidationException", "The StartDate you specify cannot be earlier than 5 minutes ago.", 400},
		{"flexible without window", func(in *awssched.CreateScheduleInput) {
			in.FlexibleTimeWindow = &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible}
		}, "ValidationException", "MaximumWindowInMinutes must be provided when the FlexibleTimeWindow Mode is FLEXIBLE.", 400},
		{"window too long", func(in *awssched.CreateScheduleInput) {
			in.FlexibleTimeWindow = &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(2000)}
		}, "ValidationException", "1 validation error detected: Value '2000' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must have value less than or equal to 1440", 400},
		{"bad name", func(in *awssched.CreateScheduleInput) { in.Name = aws.String("has space") },
			"ValidationException", "1 validation error detected: Value 'has space' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$", 400},
		{"bad role", func(in *awssched.CreateScheduleInput) { in.Target.RoleArn = aws.String("role") },
			"ValidationException", "", 400},
		{"retry attempts", func(in *awssched.CreateScheduleInput) {
			in.Target.RetryPolicy = &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(186)}
		}, "ValidationException", "", 400},
		{"missing group", func(in *awssched.CreateScheduleInput) { in.GroupName = aws.String("ghost") },
			"ResourceNotFoundException", "Schedule group ghost does not exist.", 404},
		{"bad universal target", func(in *awssched.CreateScheduleInput) { in.Target.Arn = aws.String("arn:aws:scheduler:::aws-sdk:sqs") },
			"ValidationException", "Invalid target ARN arn:aws:scheduler:::aws-sdk:sqs: a universal target is arn:aws:scheduler:::aws-sdk:<service>:<apiAction>.", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := createInput("bad-"+strings.ReplaceAll(tt.name, " ", "-"), "rate(5 minutes)")
			tt.mod(in)
			_, err := c.CreateSchedule(ctx, in)
			wantAPIError(t, err, tt.code, tt.msg)
			var re *awshttp.ResponseError
			if errors.As(err, &re) && re.HTTPStatusCode() != tt.status {
				t.Errorf("status = %d; want %d", re.HTTPStatusCode(), tt.status)
			}
		})
	}
	// Nothing was created.
	list, err := c.ListSchedules(ctx, &awssched.ListSchedulesInput{})
	if err != nil || len(list.Schedules) != 0 {
		t.Errorf("schedules after bad input = %+v, %v", list, err)
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noFiring = true })
	tests := []struct {
		method, path string
		status       int
		errType      string
	}{
		{http.MethodGet, "/schedules", 200, ""},
		{http.MethodGet, "/schedules/", 200, ""},
		{http.MethodGet, "/schedule-groups/default", 200, ""},
		{http.MethodGet, "/tags/arn:aws:scheduler:us-east-1:111111111111:schedule-group/default", 200, ""},
		{http.MethodGet, "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A111111111111%3Aschedule-group%2Fdefault", 200, ""},
		{http.MethodPatch, "/schedules/x", 405, "MethodNotAllowedException"},
		{http.MethodGet, "/schedules/a/b", 404, "UnknownOperationException"},
		{http.MethodGet, "/schedules/x", 404, "ResourceNotFoundException"},
		{http.MethodGet, "/schedules?MaxResults=abc", 400, "ValidationException"},
		{http.MethodGet, "/schedules?MaxResults=500", 400, "ValidationException"},
		{http.MethodGet, "/schedules?MaxResults=007", 200, ""},
		// A trailing slash only on the list paths.
		{http.MethodGet, "/schedule-groups/", 200, ""},
		{http.MethodPost, "/schedules/", 405, "MethodNotAllowedException"},
		{http.MethodGet, "/schedules/x/", 404, "UnknownOperationException"},
		{http.MethodGet, "/tags/", 404, "UnknownOperationException"},
		// An unescaped ARN is taken whole, trailing slash included.
		{http.MethodGet, "/tags/arn:aws:scheduler:us-east-1:111111111111:schedule-group/default/", 400, "ValidationException"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, tb.srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.errType {
			t.Errorf("%s %s = %d %q; want %d %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), tt.status, tt.errType)
		}
	}
	// Bodies that are not an object's members.
	for _, b := range []struct{ body, errType string }{
		{"{nope", "SerializationException"},
		{"[]", "SerializationException"},
		{"null", "ValidationException"}, // no members: the required ones are missing
	} {
		req, _ := http.NewRequest(http.MethodPost, tb.srv.URL+"/schedules/x", strings.NewReader(b.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != b.errType {
			t.Errorf("body %s = %d %s; want 400 %s", b.body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b.errType)
		}
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t, func(o *options) { o.noFiring = true })
	ctx := context.Background()
	out, err := tb.svc.Call(ctx, "CreateSchedule", []byte(`{"Name":"via-call","ScheduleExpression":"rate(2 hours)",
		"StartDate":"`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`",
		"FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"arn:aws:scheduler:::aws-sdk:sqs:sendMessage","RoleArn":"`+roleArn+`","Input":"{}"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"ScheduleArn":"arn:aws:scheduler:us-east-1:111111111111:schedule/default/via-call"}` {
		t.Errorf("CreateSchedule = %s", out)
	}
	out, err = tb.svc.Call(ctx, "GetSchedule", []byte(`{"Name":"via-call"}`))
	if err != nil || !strings.Contains(string(out), `"ScheduleExpression":"rate(2 hours)"`) {
		t.Errorf("GetSchedule = %s, %v", out, err)
	}
	_, err = tb.svc.Call(ctx, "GetSchedule", []byte(`{}`))
	var ae *awsproto.Error
	if !errors.As(err, &ae) || ae.Code != "ValidationException" ||
		ae.Message != "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null" {
		t.Errorf("missing name = %v", err)
	}
	_, err = tb.svc.Call(ctx, "GetSchedule", []byte(`{"Name":"nope"}`))
	if !errors.As(err, &ae) || ae.Code != "ResourceNotFoundException" || ae.Message != "Schedule nope does not exist." {
		t.Errorf("not found = %v", err)
	}
	_, err = tb.svc.Call(ctx, "Bogus", nil)
	if !errors.As(err, &ae) || ae.Code != "UnknownOperationException" {
		t.Errorf("unknown action = %v", err)
	}
}
