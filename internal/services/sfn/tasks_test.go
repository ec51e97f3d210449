package sfn_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestCallbackTasks(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	sm := tb.createMachine(t, callbackDef)

	// Success: the task's output becomes the execution's.
	start, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	tok := tb.token(t)
	if _, err := c.SendTaskHeartbeat(ctx, &awssfn.SendTaskHeartbeatInput{TaskToken: aws.String(tok)}); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String("{bad")})
	wantAPIError(t, err, "InvalidOutput", "")
	if _, err := c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{"done":1}`)}); err != nil {
		t.Fatal(err)
	}
	d := tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"done":1}` {
		t.Errorf("after success: %+v", d)
	}
	// The token is spent.
	_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{}`)})
	wantAPIError(t, err, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
	_, err = c.SendTaskHeartbeat(ctx, &awssfn.SendTaskHeartbeatInput{TaskToken: aws.String(tok)})
	wantAPIError(t, err, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")

	// Failure: the execution fails with the task's error.
	start, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	tok = tb.token(t)
	if _, err := c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(tok), Error: aws.String("Nope"), Cause: aws.String("declined")}); err != nil {
		t.Fatal(err)
	}
	d = tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Nope" || aws.ToString(d.Cause) != "declined" {
		t.Errorf("after failure: %+v", d)
	}

	// A forged token.
	_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String("forged!token"), Output: aws.String(`{}`)})
	wantAPIError(t, err, "InvalidToken", "Invalid Token: 'Invalid token'")
	_, err = c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String("forged!token")})
	wantAPIError(t, err, "InvalidToken", "Invalid Token: 'Invalid token'")
}

func TestActivities(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	n := name("act")
	created, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String(n), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	act := prefix + "activity:" + n
	if aws.ToString(created.ActivityArn) != act {
		t.Fatalf("activity arn = %s", aws.ToString(created.ActivityArn))
	}
	dup, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String(n)})
	if err != nil || aws.ToString(dup.ActivityArn) != act || !dup.CreationDate.Equal(aws.ToTime(created.CreationDate)) {
		t.Errorf("idempotent create = %+v, %v", dup, err)
	}
	d, err := c.DescribeActivity(ctx, &awssfn.DescribeActivityInput{ActivityArn: aws.String(act)})
	if err != nil || aws.ToString(d.Name) != n || !d.CreationDate.Equal(aws.ToTime(created.CreationDate)) {
		t.Errorf("describe = %+v, %v", d, err)
	}
	tags, err := c.ListTagsForResource(ctx, &awssfn.ListTagsForResourceInput{ResourceArn: aws.String(act)})
	if err != nil || len(tags.Tags) != 1 {
		t.Errorf("activity tags = %+v, %v", tags, err)
	}
	list, err := c.ListActivities(ctx, &awssfn.ListActivitiesInput{})
	if err != nil || len(list.Activities) != 1 || aws.ToString(list.Activities[0].ActivityArn) != act {
		t.Errorf("list = %+v, %v", list, err)
	}

	// No task waiting: the long poll answers with none.
	began := time.Now()
	none, err := c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: aws.String(act)})
	if err != nil {
		t.Fatal(err)
	}
	if none.TaskToken != nil || time.Since(began) < 250*time.Millisecond {
		t.Errorf("empty poll = %+v after %v", none, time.Since(began))
	}

	// A worker takes the task and completes it.
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","End":true}}}`
	sm := tb.createMachine(t, def)
	start, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"job":42}`)})
	if err != nil {
		t.Fatal(err)
	}
	var task *awssfn.GetActivityTaskOutput
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		task, err = c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: aws.String(act), WorkerName: aws.String("w1")})
		if err != nil {
			t.Fatal(err)
		}
		if task.TaskToken != nil {
			break
		}
	}
	if task == nil || task.TaskToken == nil || aws.ToString(task.Input) != `{"job":42}` {
		t.Fatalf("activity task = %+v", task)
	}
	if _, err := c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"r":1}`)}); err != nil {
		t.Fatal(err)
	}
	ex := tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if ex.Status != types.ExecutionStatusSucceeded || aws.ToString(ex.Output) != `{"r":1}` {
		t.Errorf("activity execution = %+v", ex)
	}

	// Delete, then it does not exist; deleting again is fine.
	if _, err := c.DeleteActivity(ctx, &awssfn.DeleteActivityInput{ActivityArn: aws.String(act)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteActivity(ctx, &awssfn.DeleteActivityInput{ActivityArn: aws.String(act)}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	_, err = c.DescribeActivity(ctx, &awssfn.DescribeActivityInput{ActivityArn: aws.String(act)})
	wantAPIError(t, err, "ActivityDoesNotExist", "Activity Does Not Exist: '"+act+"'")
	_, err = c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: aws.String(act)})
	wantAPIError(t, err, "ActivityDoesNotExist", "Activity Does Not Exist: '"+act+"'")
}

func TestActivityErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
	}{
		{"invalid name", func() error {
			_, err := tb.client.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("TestActivity InvalidName$")})
			return err
		}, "InvalidName", "Invalid Name: 'TestActivity InvalidName$'"},
		{"describe state machine arn", func() error {
			_, err := tb.client.DescribeActivity(ctx, &awssfn.DescribeActivityInput{ActivityArn: aws.String(prefix + "stateMachine:x")})
			return err
		}, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: stateMachine'"},
		{"get task not an arn", func() error {
			_, err := tb.client.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: aws.String("nope")})
			return err
		}, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantAPIError(t, tt.call(), tt.code, tt.message)
		})
	}
}
