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

	// The children are executions of their own, listed by map run only.
	children := listChildren(t, tb, first.MapRunArn)
	statuses := map[types.ExecutionStatus]int{}
	for _, c := range children {
		statuses[c.Status]++
		if aws.ToString(c.MapRunArn) != aws.ToString(first.MapRunArn) || aws.ToString(c.StateMachineArn) != aws.ToString(first.StateMachineArn) ||
			aws.ToInt32(c.ItemCount) != 1 || aws.ToString(c.ExecutionArn) != strings.Replace(aws.ToString(first.StateMachineArn), ":stateMachine:", ":execution:", 1)+":"+aws.ToString(c.Name) ||
			c.StopDate == nil {
			t.Errorf("listed child = %+v", c)
		}
	}
	if len(children) != 3 || statuses[types.ExecutionStatusSucceeded] != 2 || statuses[types.ExecutionStatusFailed] != 1 {
		t.Errorf("children of the first map run: %d, statuses %v; want 2 SUCCEEDED and 1 FAILED", len(children), statuses)
	}
	parents, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	if err != nil || len(parents.Executions) != 1 || parents.Executions[0].MapRunArn != nil || parents.Executions[0].ItemCount != nil {
		t.Errorf("ListExecutions(state machine) = %+v, %v; want the parent only", parents, err)
	}
	for _, c := range children {
		d, err := tb.client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: c.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		h, err := tb.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: c.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		got := historyTypes(h.Events)
		if aws.ToString(d.MapRunArn) != aws.ToString(first.MapRunArn) || aws.ToString(d.StateMachineArn) != aws.ToString(first.StateMachineArn) {
			t.Errorf("DescribeExecution(child) = %+v", d)
		}
		switch c.Status {
		case types.ExecutionStatusSucceeded:
			if aws.ToString(d.Input) != `{"fail":false}` || aws.ToString(d.Output) != `{"fail":false}` ||
				got != "ExecutionStarted ChoiceStateEntered ChoiceStateExited PassStateEntered PassStateExited ExecutionSucceeded" {
				t.Errorf("succeeded child: input %s, output %s, history %s", aws.ToString(d.Input), aws.ToString(d.Output), got)
			}
		default:
			if aws.ToString(d.Input) != `{"fail":true}` || aws.ToString(d.Error) != "ItemError" || d.Output != nil ||
				got != "ExecutionStarted ChoiceStateEntered ChoiceStateExited FailStateEntered ExecutionFailed" {
				t.Errorf("failed child: %+v, history %s", d, got)
			}
		}
	}
	// A child runs the map run's ItemProcessor, and is redriven through
	// its parent only.
	for _, c := range children {
		d, err := tb.client.DescribeStateMachineForExecution(ctx, &awssfn.DescribeStateMachineForExecutionInput{ExecutionArn: c.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		label := aws.ToString(first.StateMachineArn)[len(sm)+1:]
		if aws.ToString(d.MapRunArn) != aws.ToString(first.MapRunArn) || aws.ToString(d.Label) != label ||
			!strings.HasPrefix(aws.ToString(d.Definition), `{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C"`) {
			t.Errorf("DescribeStateMachineForExecution(child) = map run %s, label %s (want %s), definition %s",
				aws.ToString(d.MapRunArn), aws.ToString(d.Label), label, aws.ToString(d.Definition))
		}
		if c.Status == types.ExecutionStatusFailed {
			_, err := tb.client.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: c.ExecutionArn})
			wantAPIError(t, err, "ExecutionNotRedrivable", "")
		}
	}
	if got := len(listChildren(t, tb, second.MapRunArn)); got != 3 {
		t.Errorf("children of the second map run: %d, want 3", got)
	}
	unknown := strings.Replace(aws.ToString(first.MapRunArn), ":mapRun:", ":mapRun:x", 1)
	_, err = tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: aws.String(unknown)})
	wantAPIError(t, err, "ResourceNotFound", "Resource not found: '"+unknown+"'")

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
	running := map[types.ExecutionStatus]int{}
	for _, c := range listChildren(t, tb, arn) {
		running[c.Status]++
	}
	if len(running) != 2 || running[types.ExecutionStatusSucceeded] != 1 || running[types.ExecutionStatusRunning] != 1 {
		t.Errorf("children while the second waits: %v, want one SUCCEEDED and one RUNNING (the third has not started)", running)
	}
	if _, err := tb.client.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	aborted, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: arn, StatusFilter: types.ExecutionStatusAborted})
	if err != nil || len(aborted.Executions) != 1 {
		t.Fatalf("aborted children = %+v, %v; want the one that waited", aborted, err)
	}
	h, err := tb.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aborted.Executions[0].ExecutionArn})
	if got := historyTypes(h.Events); err != nil || !strings.HasSuffix(got, " TaskScheduled TaskStarted ExecutionAborted") {
		t.Errorf("aborted child's history: %s, %v", got, err)
	}
	d, err = tb.client.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if ic := d.ItemCounts; d.Status != types.MapRunStatusAborted || d.StopDate == nil ||
		ic.Succeeded != 1 || ic.Aborted != 2 || ic.Running != 0 || ic.Pending != 0 {
		t.Errorf("aborted map run = %+v, items %+v", d, ic)
	}
}

// listChildren lists a map run's child executions, page by page.
func listChildren(t *testing.T, tb *testBundle, mapRunArn *string) []types.ExecutionListItem {
	t.Helper()
	var all []types.ExecutionListItem
	var token *string
	for {
		out, err := tb.client.ListExecutions(context.Background(), &awssfn.ListExecutionsInput{MapRunArn: mapRunArn, MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out.Executions...)
		if token = out.NextToken; token == nil {
			return all
		}
	}
}

func historyTypes(evs []types.HistoryEvent) string {
	s := make([]string, len(evs))
	for i, ev := range evs {
		s[i] = string(ev.Type)
	}
	return strings.Join(s, " ")
}

// TestUpdateMapRunAndStopChild changes a running map run and stops one of
// its children: more concurrency starts waiting children at once, the
// stopped child counts as a failure, and a tolerance below the failures
// fails the map run.
func TestUpdateMapRunAndStopChild(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ToleratedFailureCount":1,"Label":"Work","End":true,
"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
 "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
  "Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}}}}`
	sm := tb.createMachine(t, def)
	start, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`[1,2,3,4,5]`)})
	if err != nil {
		t.Fatal(err)
	}
	tb.token(t)
	list, err := tb.client.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(list.MapRuns) != 1 {
		t.Fatalf("ListMapRuns = %+v, %v", list, err)
	}
	arn := list.MapRuns[0].MapRunArn
	describe := func() *awssfn.DescribeMapRunOutput {
		t.Helper()
		d, err := tb.client.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	if _, err := tb.client.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: arn, MaxConcurrency: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	tb.token(t)
	tb.token(t)
	if d := describe(); d.MaxConcurrency != 3 || d.ItemCounts.Running != 3 || d.ItemCounts.Pending != 2 {
		t.Fatalf("after raising MaxConcurrency: %d, items %+v", d.MaxConcurrency, d.ItemCounts)
	}
	running, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: arn, StatusFilter: types.ExecutionStatusRunning})
	if err != nil || len(running.Executions) != 3 {
		t.Fatalf("running children = %+v, %v; want 3", running, err)
	}

	victim := running.Executions[0].ExecutionArn
	stop, err := tb.client.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: victim, Error: aws.String("Operator.Stop"), Cause: aws.String("not needed")})
	if err != nil || stop.StopDate == nil {
		t.Fatalf("StopExecution(child) = %+v, %v", stop, err)
	}
	tb.token(t) // the fourth child takes its place
	d, err := tb.client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: victim})
	if err != nil || d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Operator.Stop" || aws.ToString(d.Cause) != "not needed" {
		t.Fatalf("stopped child = %+v, %v", d, err)
	}
	if d := describe(); d.Status != types.MapRunStatusRunning || d.ItemCounts.Failed != 1 || d.ItemCounts.Running != 3 {
		t.Fatalf("after stopping a child (one failure tolerated): %s, items %+v", d.Status, d.ItemCounts)
	}
	again, err := tb.client.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: victim})
	if err != nil || !aws.ToTime(again.StopDate).Equal(aws.ToTime(stop.StopDate)) {
		t.Errorf("stopping the stopped child again = %+v, %v; want its stop date", again, err)
	}

	if _, err := tb.client.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: arn, ToleratedFailureCount: aws.Int64(0)}); err != nil {
		t.Fatal(err)
	}
	out := tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.ExceedToleratedFailureThreshold" {
		t.Fatalf("parent after tolerating no failure: %s %s", out.Status, aws.ToString(out.Error))
	}
	if d := describe(); d.Status != types.MapRunStatusFailed || d.ToleratedFailureCount != 0 || d.MaxConcurrency != 3 {
		t.Errorf("map run after tolerating no failure: %+v", d)
	}
	for _, c := range listChildren(t, tb, arn) {
		if c.Status == types.ExecutionStatusRunning {
			t.Errorf("child %s still RUNNING after its map run failed", aws.ToString(c.Name))
		}
	}

	// A map run of an ended execution: the settings are stored.
	if _, err := tb.client.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: arn, MaxConcurrency: aws.Int32(9)}); err != nil {
		t.Fatal(err)
	}
	if d := describe(); d.MaxConcurrency != 9 {
		t.Errorf("MaxConcurrency after updating an ended map run: %d, want 9", d.MaxConcurrency)
	}
}

// TestRedriveMapRun fails one child of a distributed Map, redrives the
// parent, and checks that the same map run redrives only that child.
func TestRedriveMapRun(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,"Label":"Work","End":true,
"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
 "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
  "Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}}}}`
	sm := tb.createMachine(t, def)
	start, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`[1,2,3]`)})
	if err != nil {
		t.Fatal(err)
	}
	toks := []string{tb.token(t), tb.token(t), tb.token(t)}
	for _, tok := range toks[:2] {
		if _, err := tb.client.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`"done"`)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tb.client.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(toks[2]), Error: aws.String("Boom")}); err != nil {
		t.Fatal(err)
	}
	if d := tb.waitStatus(t, aws.ToString(start.ExecutionArn)); d.Status != types.ExecutionStatusFailed {
		t.Fatalf("first run: %s", d.Status)
	}
	runs, err := tb.client.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(runs.MapRuns) != 1 {
		t.Fatalf("ListMapRuns = %+v, %v", runs, err)
	}
	arn := runs.MapRuns[0].MapRunArn

	if _, err := tb.client.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	redriven := tb.token(t) // only the failed child runs again
	running, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: arn, StatusFilter: types.ExecutionStatusRunning})
	if err != nil || len(running.Executions) != 1 || running.Executions[0].RedriveCount == nil || *running.Executions[0].RedriveCount != 1 {
		t.Fatalf("running children after the redrive = %+v, %v; want the failed one, redriven once", running, err)
	}
	if _, err := tb.client.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(redriven), Output: aws.String(`"again"`)}); err != nil {
		t.Fatal(err)
	}
	d := tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	// The results stay in item order; which item failed depends on the
	// order the tokens were dispatched in.
	if out := aws.ToString(d.Output); d.Status != types.ExecutionStatusSucceeded || strings.Count(out, `"done"`) != 2 || strings.Count(out, `"again"`) != 1 {
		t.Fatalf("after the redrive: %s %s", d.Status, aws.ToString(d.Output))
	}
	again, err := tb.client.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(again.MapRuns) != 1 || aws.ToString(again.MapRuns[0].MapRunArn) != aws.ToString(arn) {
		t.Fatalf("map runs after the redrive = %+v, %v; want the same one", again, err)
	}
	mr, err := tb.client.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if mr.Status != types.MapRunStatusSucceeded || mr.RedriveCount == nil || *mr.RedriveCount != 1 || mr.RedriveDate == nil ||
		mr.ItemCounts.Succeeded != 3 || mr.ItemCounts.Failed != 0 {
		t.Errorf("map run after the redrive: %s, redrives %v, items %+v", mr.Status, mr.RedriveCount, mr.ItemCounts)
	}
	redrivenChildren, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{MapRunArn: arn, RedriveFilter: types.ExecutionRedriveFilterRedriven})
	if err != nil || len(redrivenChildren.Executions) != 1 {
		t.Fatalf("redriven children = %+v, %v", redrivenChildren, err)
	}
	h, err := tb.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: redrivenChildren.Executions[0].ExecutionArn})
	if got := historyTypes(h.Events); err != nil || !strings.Contains(got, "ExecutionFailed ExecutionRedriven TaskStateEntered") ||
		!strings.HasSuffix(got, "ExecutionSucceeded") {
		t.Errorf("redriven child's history: %s, %v", got, err)
	}
	parent, err := tb.client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if got := historyTypes(parent.Events); err != nil || !strings.Contains(got, "ExecutionRedriven MapStateEntered MapStateStarted MapRunRedriven MapRunSucceeded") {
		t.Errorf("parent's history: %s, %v", got, err)
	}
}
