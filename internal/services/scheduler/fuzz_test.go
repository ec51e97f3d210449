package scheduler_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// FuzzCall feeds arbitrary inputs to every action: each must answer or
// fail with an AWS error, never panic.
func FuzzCall(f *testing.F) {
	for _, s := range []string{
		`{"Name":"a","ScheduleExpression":"rate(5 minutes)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"arn:aws:sqs:us-east-1:111111111111:q","RoleArn":"arn:aws:iam::111111111111:role/r"}}`,
		`{"Name":"a","ScheduleExpression":"cron(0 10 ? * MON-FRI *)","ScheduleExpressionTimezone":"Europe/Paris","FlexibleTimeWindow":{"Mode":"FLEXIBLE","MaximumWindowInMinutes":5},"Target":{"Arn":"arn:aws:scheduler:::aws-sdk:sqs:sendMessage","RoleArn":"arn:aws:iam::111111111111:role/r","Input":"{}"}}`,
		`{"Name":"a","StartDate":"x"}`, `{"Name":"g","Tags":[{"Key":"k","Value":"v"}]}`, `{"ResourceArn":"arn:aws:scheduler:us-east-1:111111111111:schedule-group/default","TagKeys":["a"]}`,
		`{"MaxResults":1,"NextToken":"!!"}`, `[]`, `null`, ``,
	} {
		f.Add(s)
	}
	tb := setup(f, func(o *options) { o.noFiring = true })
	actions := []string{"CreateSchedule", "UpdateSchedule", "GetSchedule", "DeleteSchedule", "ListSchedules", "CreateScheduleGroup",
		"GetScheduleGroup", "DeleteScheduleGroup", "ListScheduleGroups", "TagResource", "UntagResource", "ListTagsForResource"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, a := range actions {
			_, err := tb.svc.Call(context.Background(), a, []byte(body))
			var ae *awsproto.Error
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%s(%s) = %v (not an AWS error)", a, body, err)
			}
		}
	})
}
