package sfn_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestExecutionLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	sm := tb.createMachine(t, passDef)
	smName := sm[strings.LastIndexByte(sm, ':')+1:]
	start, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("run-1"), Input: aws.String(`{"b":1,"a":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := prefix + "execution:" + smName + ":run-1"
	if aws.ToString(start.ExecutionArn) != arn || start.StartDate == nil {
		t.Fatalf("start = %+v", start)
	}
	d := tb.waitStatus(t, arn)
	if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"Arg1":"argument1"}` ||
		aws.ToString(d.Input) != `{"b":1,"a":2}` || aws.ToString(d.StateMachineArn) != sm || aws.ToString(d.Name) != "run-1" ||
		d.StopDate == nil || d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable ||
		aws.ToString(d.RedriveStatusReason) != "Execution is SUCCEEDED and cannot be redriven" ||
		d.InputDetails == nil || !d.InputDetails.Included {
		t.Errorf("describe = %+v", d)
	}

	h, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var types_ []string
	for _, e := range h.Events {
		types_ = append(types_, string(e.Type))
		if e.Timestamp == nil || e.Timestamp.Before(aws.ToTime(start.StartDate).Add(-1)) {
			t.Errorf("event %d timestamp %v", e.Id, e.Timestamp)
		}
	}
	if got := strings.Join(types_, ","); got != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("history = %s", got)
	}
	if h.Events[0].ExecutionStartedEventDetails == nil || aws.ToString(h.Events[0].ExecutionStartedEventDetails.Input) != `{"b":1,"a":2}` {
		t.Errorf("started details = %+v", h.Events[0].ExecutionStartedEventDetails)
	}

	// Reverse order, paging and no execution data.
	rev, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, MaxResults: 3,
		IncludeExecutionData: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Events) != 3 || rev.Events[0].Id != 4 || rev.NextToken == nil {
		t.Fatalf("reverse page = %d events, next %v", len(rev.Events), rev.NextToken)
	}
	if det := rev.Events[0].ExecutionSucceededEventDetails; det == nil || det.Output != nil {
		t.Errorf("includeExecutionData=false kept the output: %+v", det)
	}
	rest, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, MaxResults: 3, NextToken: rev.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Events) != 1 || rest.Events[0].Id != 1 || rest.NextToken != nil {
		t.Errorf("second reverse page = %+v", rest)
	}
	// A token of one direction is refused in the other.
	_, err = c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), NextToken: rev.NextToken})
	wantAPIError(t, err, "InvalidToken", "")

	// Starting the same name again after it ended is refused.
	_, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("run-1"), Input: aws.String(`{"b":1,"a":2}`)})
	wantAPIError(t, err, "ExecutionAlreadyExists", "Execution Already Exists: '"+arn+"'")

	list, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].ExecutionArn) != arn || list.Executions[0].Status != "SUCCEEDED" ||
		list.Executions[0].StopDate == nil {
		t.Errorf("list = %+v", list.Executions)
	}
}

func TestStartExecutionDefaultsAndIdempotency(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	sm := tb.createMachine(t, waitDef)

	// No name: a UUID; no input: "{}".
	out, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ExecutionArn)
	if n := arn[strings.LastIndexByte(arn, ':')+1:]; len(n) != 36 || strings.Count(n, "-") != 4 {
		t.Errorf("default name %q is not a UUID", n)
	}
	d, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Input) != "{}" || d.Status != types.ExecutionStatusRunning || d.StopDate != nil ||
		aws.ToString(d.RedriveStatusReason) != "Execution is RUNNING and cannot be redriven" {
		t.Errorf("describe = %+v", d)
	}

	// Same name and input while running: the same execution.
	first, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("same"), Input: aws.String(`{"x":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("same"), Input: aws.String(`{"x":1}`)})
	if err != nil {
		t.Fatalf("idempotent start: %v", err)
	}
	if aws.ToString(first.ExecutionArn) != aws.ToString(second.ExecutionArn) || !first.StartDate.Equal(aws.ToTime(second.StartDate)) {
		t.Errorf("idempotent start gave %+v and %+v", first, second)
	}
	_, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("same"), Input: aws.String(`{"x":2}`)})
	wantAPIError(t, err, "ExecutionAlreadyExists", "Execution Already Exists: '"+aws.ToString(first.ExecutionArn)+"'")

	// Stop: ABORTED with the error and cause; a second stop answers the same date.
	stop, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: first.ExecutionArn, Error: aws.String("Manual"), Cause: aws.String("probe")})
	if err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: first.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Manual" || aws.ToString(d.Cause) != "probe" ||
		!d.StopDate.Equal(aws.ToTime(stop.StopDate)) || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Errorf("after stop: %+v", d)
	}
	stop2, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: first.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if !stop2.StopDate.Equal(aws.ToTime(stop.StopDate)) {
		t.Errorf("second stop date %v != %v", stop2.StopDate, stop.StopDate)
	}

	// Status filter.
	running, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning})
	if err != nil {
		t.Fatal(err)
	}
	aborted, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusAborted})
	if err != nil {
		t.Fatal(err)
	}
	if len(running.Executions) != 1 || len(aborted.Executions) != 1 || aws.ToString(aborted.Executions[0].ExecutionArn) != aws.ToString(first.ExecutionArn) {
		t.Errorf("running = %+v, aborted = %+v", running.Executions, aborted.Executions)
	}
	_, err = c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: "succeeded"})
	wantPrefix(t, err, "ValidationException",
		"1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [")
}

func TestStartExecutionErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	sm := tb.createMachine(t, passDef)
	big := `"` + strings.Repeat("x", 256*1024) + `"`
	tests := []struct {
		name    string
		in      awssfn.StartExecutionInput
		code    string
		message string
	}{
		{"not json", awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String("not json")}, "InvalidExecutionInput",
			"Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'"},
		{"single quotes", awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String("{'a':1}")}, "InvalidExecutionInput",
			"Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting double-quote to start field name'"},
		{"empty", awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String("")}, "InvalidExecutionInput",
			"Invalid State Machine Execution Input: 'Invalid execution input.'"},
		{"too big", awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(big)}, "ValidationException", ""},
		{"bad name", awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("a/b")}, "InvalidName", "Invalid Name: 'a/b'"},
		{"execution arn", awssfn.StartExecutionInput{StateMachineArn: aws.String(prefix + "execution:a:b")}, "InvalidArn",
			"Invalid Arn: 'Resource type not valid in this context: execution'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tb.client.StartExecution(ctx, &tt.in)
			wantAPIError(t, err, tt.code, tt.message)
		})
	}
	t.Cleanup(func() {
		list, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
		if err != nil {
			t.Error(err)
		} else if len(list.Executions) != 0 {
			t.Errorf("failed starts left %d executions", len(list.Executions))
		}
	})
}

func TestExecutionErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	missing := prefix + "execution:m:e"
	express := prefix + "express:m:e:2f1c6a3e-8b4d-4e7a-9c2b-5d6e7f8a9b0c"
	tests := []struct {
		name    string
		call    func(arn string) error
		arn     string
		code    string
		message string
	}{
		{"describe missing", func(a string) error {
			_, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(a)})
			return err
		}, missing, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + missing + "'"},
		{"describe express", func(a string) error {
			_, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(a)})
			return err
		}, express, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'"},
		{"describe not an arn", func(a string) error {
			_, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(a)})
			return err
		}, "invalid_state_machine_arn", "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'"},
		{"history missing", func(a string) error {
			_, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(a)})
			return err
		}, missing, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + missing + "'"},
		{"history express", func(a string) error {
			_, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(a)})
			return err
		}, express, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'"},
		{"stop missing", func(a string) error {
			_, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(a)})
			return err
		}, missing, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + missing + "'"},
		{"stop express", func(a string) error {
			_, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(a)})
			return err
		}, express, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'"},
		{"redrive missing", func(a string) error {
			_, err := c.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: aws.String(a)})
			return err
		}, missing, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + missing + "'"},
		{"list map runs missing", func(a string) error {
			_, err := c.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: aws.String(a)})
			return err
		}, missing, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + missing + "'"},
		{"describe map run", func(a string) error {
			_, err := c.DescribeMapRun(ctx, &awssfn.DescribeMapRunInput{MapRunArn: aws.String(a)})
			return err
		}, prefix + "mapRun:m/Map:1", "ResourceNotFound", "Resource not found: '" + prefix + "mapRun:m/Map:1'"},
		{"update map run", func(a string) error {
			_, err := c.UpdateMapRun(ctx, &awssfn.UpdateMapRunInput{MapRunArn: aws.String(a), MaxConcurrency: aws.Int32(1)})
			return err
		}, prefix + "mapRun:m/Map:1", "ResourceNotFound", "Resource not found: '" + prefix + "mapRun:m/Map:1'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantAPIError(t, tt.call(tt.arn), tt.code, tt.message)
		})
	}
}

func TestFailedExecutionAndRedrive(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	sm := tb.createMachine(t, failDef)
	start, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	d := tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Boom" || aws.ToString(d.Cause) != "it broke" ||
		d.Output != nil || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Errorf("describe = %+v", d)
	}
	redriven, err := tb.client.RedriveExecution(ctx, &awssfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil || redriven.RedriveDate == nil {
		t.Fatalf("RedriveExecution = %+v, %v", redriven, err)
	}
	// The machine fails again at its Fail state, now redriven once.
	d = tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if d.Status != types.ExecutionStatusFailed || d.RedriveCount == nil || *d.RedriveCount != 1 || d.RedriveDate == nil {
		t.Errorf("describe after redrive = %+v", d)
	}

	maps, err := tb.client.ListMapRuns(ctx, &awssfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(maps.MapRuns) != 0 {
		t.Errorf("map runs = %+v", maps.MapRuns)
	}
}

func TestListExecutionsPaging(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	sm := tb.createMachine(t, waitDef)
	for range 5 {
		if _, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var token *string
	for {
		out, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Executions {
			seen[aws.ToString(e.ExecutionArn)] = true
			if e.StopDate != nil || e.Status != "RUNNING" {
				t.Errorf("item = %+v", e)
			}
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if len(seen) != 5 {
		t.Errorf("listed %d executions; want 5", len(seen))
	}
	_, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(sm), NextToken: aws.String("bogus")})
	wantAPIError(t, err, "InvalidToken", "")
}

func TestExpressExecutions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	express := tb.createMachine(t, passDef, func(in *awssfn.CreateStateMachineInput) { in.Type = types.StateMachineTypeExpress })
	standard := tb.createMachine(t, passDef)
	smName := express[strings.LastIndexByte(express, ':')+1:]

	out, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(express), Name: aws.String("sync-1"), Input: aws.String(`{"k":"v"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"Arg1":"argument1"}` ||
		aws.ToString(out.Input) != `{"k":"v"}` || aws.ToString(out.Name) != "sync-1" ||
		!strings.HasPrefix(aws.ToString(out.ExecutionArn), prefix+"express:"+smName+":sync-1:") ||
		out.BillingDetails == nil || out.BillingDetails.BilledMemoryUsedInMB != 64 || out.BillingDetails.BilledDurationInMilliseconds < 100 ||
		out.StopDate == nil || out.StartDate == nil {
		t.Errorf("sync = %+v", out)
	}

	failSM := tb.createMachine(t, failDef, func(in *awssfn.CreateStateMachineInput) { in.Type = types.StateMachineTypeExpress })
	fail, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(failSM)})
	if err != nil {
		t.Fatal(err)
	}
	if fail.Status != types.SyncExecutionStatusFailed || aws.ToString(fail.Error) != "Boom" || aws.ToString(fail.Cause) != "it broke" || fail.Output != nil {
		t.Errorf("failed sync = %+v", fail)
	}

	_, err = c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(standard)})
	wantAPIError(t, err, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
	_, err = c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(express), Input: aws.String("nope")})
	wantPrefix(t, err, "InvalidExecutionInput", "Invalid State Machine Execution Input: ")

	async, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(express)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(async.ExecutionArn), prefix+"express:"+smName+":") {
		t.Errorf("async arn = %s", aws.ToString(async.ExecutionArn))
	}
	_, err = c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: async.ExecutionArn})
	wantAPIError(t, err, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")
	_, err = c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(express)})
	wantAPIError(t, err, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
}

func TestTestState(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	out, err := tb.client.TestState(ctx, &awssfn.TestStateInput{
		Definition: aws.String(`{"Type":"Pass","Parameters":{"x.$":"$.a"},"Next":"N"}`), Input: aws.String(`{"a":7}`),
		InspectionLevel: types.InspectionLevelDebug, RoleArn: aws.String(role),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.Output) != `{"x": 7}` || aws.ToString(out.NextState) != "N" ||
		out.InspectionData == nil || aws.ToString(out.InspectionData.AfterParameters) != `{"x": 7}` {
		t.Errorf("TestState = %+v %+v", out, out.InspectionData)
	}
	_, err = tb.client.TestState(ctx, &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Input: aws.String("{nope")})
	wantPrefix(t, err, "InvalidExecutionInput", "")
	_, err = tb.client.TestState(ctx, &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass"}`)})
	wantPrefix(t, err, "InvalidDefinition", "")
}

// TestWireTimestamps checks dates travel as epoch seconds with a fraction,
// as the SDKs and Terraform read them.
func TestWireTimestamps(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	body := `{"name":"wire","definition":` + jsonString(passDef) + `,"roleArn":"` + role + `"}`
	out, err := tb.svc.Handle(ctx, "CreateStateMachine", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["creationDate"].(float64); !ok {
		t.Errorf("creationDate = %#v in %s; want a number", m["creationDate"], b)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
