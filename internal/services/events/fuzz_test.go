package events_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// FuzzCall feeds arbitrary inputs to the actions: each must answer or fail
// with an AWS error, never panic.
func FuzzCall(f *testing.F) {
	for _, s := range []string{
		`{"Name":"r","EventPattern":"{\"source\":[\"s\"],\"detail\":{\"n\":[{\"numeric\":[\">\",1]}]}}"}`,
		`{"Name":"r","ScheduleExpression":"cron(0 12 ? * MON-FRI *)"}`,
		`{"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:lambda:us-east-1:111111111111:function:f","InputTransformer":{"InputPathsMap":{"a":"$.detail"},"InputTemplate":"{\"x\":<a>}"}}]}`,
		`{"Entries":[{"Source":"s","DetailType":"d","Detail":"{\"n\":5}"}]}`,
		`{"EventPattern":"{}","Event":"{}"}`, `{"ResourceARN":"arn:aws:events:us-east-1:111111111111:rule/r","Tags":[{"Key":"k","Value":"v"}]}`,
		`{"Name":"b"}`, `{"Limit":1,"NextToken":"!!"}`, `[]`, ``,
	} {
		f.Add(s)
	}
	tb := setup(f, func(o *options) { o.noDelivery = true })
	f.Fuzz(func(t *testing.T, body string) {
		for _, a := range []string{"PutRule", "PutTargets", "PutEvents", "TestEventPattern", "DescribeRule", "ListRules", "ListTargetsByRule",
			"RemoveTargets", "DeleteRule", "CreateEventBus", "DescribeEventBus", "ListEventBuses", "DeleteEventBus", "TagResource",
			"UntagResource", "ListTagsForResource", "EnableRule", "DisableRule", "ListRuleNamesByTarget"} {
			_, err := tb.svc.Call(context.Background(), a, []byte(body))
			var ae *awsproto.Error
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%s(%s) = %v (not an AWS error)", a, body, err)
			}
		}
	})
}
