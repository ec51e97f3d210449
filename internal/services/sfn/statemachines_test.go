package sfn_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestStateMachineLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	n := name("life")
	before := time.Now().Add(-time.Second)
	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String(n), Definition: aws.String(passDef), RoleArn: aws.String(role),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := prefix + "stateMachine:" + n
	if aws.ToString(created.StateMachineArn) != arn {
		t.Errorf("arn = %s; want %s", aws.ToString(created.StateMachineArn), arn)
	}
	if created.CreationDate.Before(before) || created.CreationDate.After(time.Now().Add(time.Second)) {
		t.Errorf("creationDate = %v", created.CreationDate)
	}

	d, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Name) != n || aws.ToString(d.Definition) != passDef || aws.ToString(d.RoleArn) != role ||
		d.Type != types.StateMachineTypeStandard || d.Status != types.StateMachineStatusActive || d.RevisionId != nil {
		t.Errorf("describe = %+v", d)
	}
	if d.LoggingConfiguration == nil || d.LoggingConfiguration.Level != types.LogLevelOff ||
		d.TracingConfiguration == nil || d.TracingConfiguration.Enabled ||
		d.EncryptionConfiguration == nil || d.EncryptionConfiguration.Type != types.EncryptionTypeAwsOwnedKey {
		t.Errorf("configuration = %+v %+v %+v", d.LoggingConfiguration, d.TracingConfiguration, d.EncryptionConfiguration)
	}
	if !d.CreationDate.Equal(aws.ToTime(created.CreationDate)) {
		t.Errorf("creationDate %v != %v", d.CreationDate, created.CreationDate)
	}

	// An identical create is idempotent; a different one is refused.
	again, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(n), Definition: aws.String(passDef), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatalf("idempotent create: %v", err)
	}
	if !again.CreationDate.Equal(aws.ToTime(created.CreationDate)) {
		t.Errorf("idempotent create date %v != %v", again.CreationDate, created.CreationDate)
	}
	_, err = c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(n), Definition: aws.String(passDef2), RoleArn: aws.String(role)})
	wantAPIError(t, err, "StateMachineAlreadyExists", "State Machine Already Exists: '"+arn+"'")

	tags, err := c.ListTagsForResource(ctx, &awssfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" || aws.ToString(tags.Tags[0].Value) != "core" {
		t.Errorf("tags = %+v", tags.Tags)
	}

	// Update: a change makes a new revision; the same parameters keep it.
	up, err := c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passDef2)})
	if err != nil {
		t.Fatal(err)
	}
	rev := aws.ToString(up.RevisionId)
	if rev == "" || up.UpdateDate == nil {
		t.Errorf("update = %+v", up)
	}
	up2, err := c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passDef2)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up2.RevisionId) != rev {
		t.Errorf("same-parameter update changed revision %s -> %s", rev, aws.ToString(up2.RevisionId))
	}
	d, err = c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Definition) != passDef2 || aws.ToString(d.RevisionId) != rev {
		t.Errorf("after update: %+v", d)
	}

	// Delete, then every read says it does not exist; a second delete is fine.
	if _, err := c.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	_, err = c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	wantAPIError(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+arn+"'")
}

func TestCreateStateMachineErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	t.Cleanup(func() { // after the parallel subtests: nothing was created
		list, err := tb.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
		if err != nil {
			t.Error(err)
		} else if len(list.StateMachines) != 0 {
			t.Errorf("failed creates left %d state machines", len(list.StateMachines))
		}
	})
	tests := []struct {
		name    string
		in      awssfn.CreateStateMachineInput
		code    string
		message string
	}{
		{
			name:    "invalid definition",
			in:      awssfn.CreateStateMachineInput{Name: aws.String("bad-def"), Definition: aws.String(`{"StartAt":"A"}`), RoleArn: aws.String(role)},
			code:    "InvalidDefinition",
			message: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'",
		},
		{
			name:    "invalid name",
			in:      awssfn.CreateStateMachineInput{Name: aws.String("a b"), Definition: aws.String(passDef), RoleArn: aws.String(role)},
			code:    "InvalidName",
			message: "Invalid Name: 'a b'",
		},
		{
			name:    "name with colon",
			in:      awssfn.CreateStateMachineInput{Name: aws.String("a:b"), Definition: aws.String(passDef), RoleArn: aws.String(role)},
			code:    "InvalidName",
			message: "Invalid Name: 'a:b'",
		},
		{
			name: "name too long",
			in:   awssfn.CreateStateMachineInput{Name: aws.String(strings.Repeat("a", 81)), Definition: aws.String(passDef), RoleArn: aws.String(role)},
			code: "ValidationException",
			message: "1 validation error detected: Value '" + strings.Repeat("a", 81) +
				"' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80",
		},
		{
			name:    "role not an ARN",
			in:      awssfn.CreateStateMachineInput{Name: aws.String("bad-role"), Definition: aws.String(passDef), RoleArn: aws.String("not-a-role")},
			code:    "InvalidArn",
			message: "Invalid Arn: 'Invalid ARN prefix: not-a-role'",
		},
		{
			name: "version description without publish",
			in: awssfn.CreateStateMachineInput{Name: aws.String("desc"), Definition: aws.String(passDef), RoleArn: aws.String(role),
				VersionDescription: aws.String("v1")},
			code:    "ValidationException",
			message: "Version description can only be set when publish is true",
		},
		{
			name: "express with callback",
			in: awssfn.CreateStateMachineInput{Name: aws.String("express-cb"), Definition: aws.String(callbackDef), RoleArn: aws.String(role),
				Type: types.StateMachineTypeExpress},
			code: "InvalidDefinition",
		},
		{
			name: "bad type",
			in:   awssfn.CreateStateMachineInput{Name: aws.String("bad-type"), Definition: aws.String(passDef), RoleArn: aws.String(role), Type: "LOCAL"},
			code: "ValidationException",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tb.client.CreateStateMachine(ctx, &tt.in)
			wantAPIError(t, err, tt.code, tt.message)
		})
	}
}

func TestStateMachineNotFoundAndInvalidArn(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	missing := prefix + "stateMachine:nope"
	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
	}{
		{"describe missing", func() error {
			_, err := tb.client.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(missing)})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + missing + "'"},
		{"describe not an arn", func() error {
			_, err := tb.client.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String("not_a_valid_arn")})
			return err
		}, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'"},
		{"describe activity arn", func() error {
			_, err := tb.client.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(prefix + "activity:a")})
			return err
		}, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: activity'"},
		{"update missing", func() error {
			_, err := tb.client.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(missing), Definition: aws.String(passDef)})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + missing + "'"},
		{"update nothing", func() error {
			_, err := tb.client.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(missing)})
			return err
		}, "MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified"},
		{"start missing", func() error {
			_, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(missing)})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + missing + "'"},
		{"list executions missing", func() error {
			_, err := tb.client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(missing)})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + missing + "'"},
		{"tag missing", func() error {
			_, err := tb.client.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(missing), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ResourceNotFound", "Resource not found: '" + missing + "'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantAPIError(t, tt.call(), tt.code, tt.message)
		})
	}
}

func TestUpdateInvalidDefinitionChangesNothing(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	arn := tb.createMachine(t, passDef)
	_, err := tb.client.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(`{"StartAt":"X","States":{}}`)})
	wantPrefix(t, err, "InvalidDefinition", "Invalid State Machine Definition: '")
	d, err := tb.client.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Definition) != passDef || d.RevisionId != nil {
		t.Errorf("failed update changed the machine: %+v", d)
	}
}

func TestListStateMachinesPaging(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	want := map[string]bool{}
	for range 5 {
		want[tb.createMachine(t, passDef)] = true
	}
	seen := map[string]bool{}
	var token *string
	pages := 0
	for {
		out, err := tb.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.StateMachines) > 2 {
			t.Fatalf("page of %d", len(out.StateMachines))
		}
		for _, sm := range out.StateMachines {
			if seen[aws.ToString(sm.StateMachineArn)] {
				t.Errorf("duplicate %s", aws.ToString(sm.StateMachineArn))
			}
			seen[aws.ToString(sm.StateMachineArn)] = true
			if sm.Type != types.StateMachineTypeStandard || sm.CreationDate == nil || aws.ToString(sm.Name) == "" {
				t.Errorf("item = %+v", sm)
			}
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if pages != 3 || len(seen) != 5 {
		t.Errorf("pages = %d, seen = %d; want 3, 5", pages, len(seen))
	}
	_, err := tb.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidToken", "")
	_, err = tb.client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{MaxResults: 1001})
	wantAPIError(t, err, "ValidationException",
		"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
}

func TestValidateStateMachineDefinition(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		in         awssfn.ValidateStateMachineDefinitionInput
		result     types.ValidateStateMachineDefinitionResultCode
		codes      []string
		truncated  bool
		noLocation bool
	}{
		{name: "valid", in: awssfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDef)}, result: "OK"},
		{name: "no StartAt", in: awssfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"States":{"P":{"Type":"Pass","End":true}}}`)},
			result: "FAIL", codes: []string{"SCHEMA_VALIDATION_FAILED"}},
		{name: "empty", in: awssfn.ValidateStateMachineDefinitionInput{Definition: aws.String(" ")},
			result: "FAIL", codes: []string{"SCHEMA_VALIDATION_FAILED"}, noLocation: true},
		{name: "express callback", in: awssfn.ValidateStateMachineDefinitionInput{Definition: aws.String(callbackDef), Type: types.StateMachineTypeExpress},
			result: "FAIL", codes: []string{"SCHEMA_VALIDATION_FAILED"}},
		{name: "truncated", in: awssfn.ValidateStateMachineDefinitionInput{
			Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"X"},"B":{"Type":"Pass","Next":"Y"}}}`), MaxResults: 1},
			result: "FAIL", codes: []string{"MISSING_TRANSITION_TARGET"}, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := tb.client.ValidateStateMachineDefinition(ctx, &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if out.Result != tt.result || aws.ToBool(out.Truncated) != tt.truncated || len(out.Diagnostics) != len(tt.codes) {
				t.Fatalf("result = %s truncated = %v diagnostics = %+v", out.Result, aws.ToBool(out.Truncated), out.Diagnostics)
			}
			for i, d := range out.Diagnostics {
				if aws.ToString(d.Code) != tt.codes[i] || d.Severity != "ERROR" || aws.ToString(d.Message) == "" ||
					(d.Location == nil) != tt.noLocation {
					t.Errorf("diagnostic %d = %+v", i, d)
				}
			}
		})
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	arn := tb.createMachine(t, passDef)
	c := tb.client
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if _, err := c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("a", "1"), tag("b", "2")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("a", "3")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &awssfn.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"b", "zzz"}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListTagsForResource(ctx, &awssfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "a" || aws.ToString(out.Tags[0].Value) != "3" {
		t.Errorf("tags = %+v", out.Tags)
	}

	pub, err := c.PublishStateMachineVersion(ctx, &awssfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	v := aws.ToString(pub.StateMachineVersionArn)
	_, err = c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(v), Tags: []types.Tag{tag("a", "1")}})
	wantAPIError(t, err, "ResourceNotFound", "Resource not found: '"+v+"'")

	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = tag("k"+strings.Repeat("x", i), "v")
	}
	_, err = c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: many})
	wantAPIError(t, err, "TooManyTags", "")
}

func TestDescribeStateMachineForExecution(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	arn := tb.createMachine(t, passDef)
	start, err := tb.client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	// A later update does not change what the execution ran.
	if _, err := tb.client.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passDef2)}); err != nil {
		t.Fatal(err)
	}
	out, err := tb.client.DescribeStateMachineForExecution(ctx, &awssfn.DescribeStateMachineForExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.StateMachineArn) != arn || aws.ToString(out.Definition) != passDef || aws.ToString(out.RoleArn) != role ||
		out.UpdateDate == nil || out.LoggingConfiguration == nil {
		t.Errorf("out = %+v", out)
	}
	missing := prefix + "execution:x:y"
	_, err = tb.client.DescribeStateMachineForExecution(ctx, &awssfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(missing)})
	wantAPIError(t, err, "ExecutionDoesNotExist", "Execution Does Not Exist: '"+missing+"'")
}
