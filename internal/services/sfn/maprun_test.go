package sfn_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// distributedDef runs two distributed Maps, one after the other, over the
// input's items; items whose "fail" is true fail, and one failure is
// tolerated.
const distributedDef = `{"StartAt":"First","States":{
"First":{"Type":"Map","MaxConcurrency":2,"ToleratedFailureCount":1,"ResultPath":null,"Next":"Second",
 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
  "C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"Bad"}],"Default":"Good"},
  "Bad":{"Type":"Fail","Error":"ItemError"},"Good":{"Type":"Pass","End":true}}}},
"Second":{"Type":"Map","ToleratedFailurePercentage":25,"End":true,
 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{
  "P":{"Type":"Pass","End":true}}}}}}`

func TestMapRuns(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	sm := tb.createMachine(t, distributedDef)
	start, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm),
		Input: aws.String(`[{"fail":false},{"fail":true},{"fail":false}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if d := tb.waitStatus(t, aws.ToString(start.ExecutionArn)); d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution = %+v", d)
	}

	// Two map runs, newest first, one a page.
	var runs []types.MapRunListItem
	var token *string
	for page := 0; ; page++ {
		out, err := tb.client.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn, MaxResults: 1, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.MapRuns) > 1 || page > 2 {
			t.Fatalf("page %d = %+v", page, out.MapRuns)
		}
		runs = append(runs, out.MapRuns...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(runs) != 2 {
		t.Fatalf("map runs = %+v", runs)
	}
	// Both started in the same millisecond here: tell them apart by
	// their settings.
	describe := func(arn *string) *awssfn.DescribeMapRunOutput {
		t.Helper()
		d, err := tb.client.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first, second := runs[0], runs[1]
	if describe(first.MapRunArn).MaxConcurrency != 2 {
		first, second = second, first
	}
	for _, r := range runs {
		arn := aws.ToString(r.MapRunArn)
		label, _, _ := strings.Cut(strings.TrimPrefix(arn, strings.Replace(sm, ":stateMachine:", ":mapRun:", 1)+"/"), ":")
		if !strings.HasPrefix(arn, prefix+"mapRun:") || aws.ToString(r.ExecutionArn) != aws.ToString(start.ExecutionArn) ||
			aws.ToString(r.StateMachineArn) != sm+"/"+label || r.StartDate == nil || r.StopDate == nil {
			t.Errorf("listed map run = %+v", r)
		}
	}

	d := describe(first.MapRunArn)
	ic, ec := d.ItemCounts, d.ExecutionCounts
	if d.Status != types.MapRunStatusSucceeded || d.MaxConcurrency != 2 || d.ToleratedFailureCount != 1 ||
		d.ToleratedFailurePercentage != 0 || d.StartDate == nil || d.StopDate == nil ||
		aws.ToString(d.ExecutionArn) != aws.ToString(start.ExecutionArn) ||
		ic.Succeeded != 2 || ic.Failed != 1 || ic.Total != 3 || ic.Running+ic.Pending+ic.Aborted+ic.TimedOut != 0 ||
		ec.Succeeded != 2 || ec.Failed != 1 || ec.Total != 3 || aws.ToInt64(ic.PendingRedrive) != 0 {
		t.Errorf("DescribeMapRun = %+v, items %+v", d, d.ItemCounts)
	}
	d2 := describe(second.MapRunArn)
	if d2.Status != types.MapRunStatusSucceeded || d2.ToleratedFailurePercentage != 25 || d2.ItemCounts.Succeeded != 3 {
		t.Errorf("DescribeMapRun(second) = %+v, items %+v", d2, d2.ItemCounts)
	}

	// UpdateMapRun stores the new settings.
	if _, err := tb.client.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: first.MapRunArn,
		MaxConcurrency: aws.Int32(7), ToleratedFailurePercentage: aws.Float32(12.5)}); err != nil {
		t.Fatal(err)
	}
	if d = describe(first.MapRunArn); d.MaxConcurrency != 7 || d.ToleratedFailurePercentage != 12.5 || d.ToleratedFailureCount != 1 {
		t.Errorf("DescribeMapRun after update = %+v", d)
	}

	_, err = tb.client.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn, NextToken: aws.String("bogus")})
	if err == nil {
		t.Error("ListMapRuns(bogus token) succeeded")
	}
}

func TestMapRunRunningAndAborted(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,
"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
 "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
  "Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}}}}`
	sm := tb.createMachine(t, def)
	start, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`[1,2,3]`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(tb.token(t)), Output: aws.String(`{}`)}); err != nil {
		t.Fatal(err)
	}
	tb.token(t) // the second item waits
	list, err := tb.client.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(list.MapRuns) != 1 || list.MapRuns[0].StopDate != nil {
		t.Fatalf("ListMapRuns = %+v, %v", list, err)
	}
	arn := list.MapRuns[0].MapRunArn
	d, err := tb.client.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if ic := d.ItemCounts; d.Status != types.MapRunStatusRunning || d.StopDate != nil ||
		ic.Succeeded != 1 || ic.Running != 1 || ic.Pending != 1 || ic.Total != 3 {
		t.Errorf("running map run = %+v, items %+v", d, ic)
	}
	if _, err := tb.client.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	d, err = tb.client.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if ic := d.ItemCounts; d.Status != types.MapRunStatusAborted || d.StopDate == nil ||
		ic.Succeeded != 1 || ic.Aborted != 2 || ic.Running != 0 || ic.Pending != 0 {
		t.Errorf("aborted map run = %+v, items %+v", d, ic)
	}
}
