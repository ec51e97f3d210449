package sfn_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestVersions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	n := name("ver")
	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String(n), Definition: aws.String(passDef), RoleArn: aws.String(role),
		Publish: true, VersionDescription: aws.String("first"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sm := aws.ToString(created.StateMachineArn)
	v1 := sm + ":1"
	if aws.ToString(created.StateMachineVersionArn) != v1 {
		t.Fatalf("version arn = %s; want %s", aws.ToString(created.StateMachineVersionArn), v1)
	}
	d, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.StateMachineArn) != v1 || aws.ToString(d.Description) != "first" || aws.ToString(d.Name) != n ||
		aws.ToString(d.Definition) != passDef || d.RevisionId != nil {
		t.Errorf("describe v1 = %+v", d)
	}

	// Publishing the same revision again is idempotent.
	again, err := c.PublishStateMachineVersion(ctx, &awssfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.StateMachineVersionArn) != v1 {
		t.Errorf("republish = %s; want %s", aws.ToString(again.StateMachineVersionArn), v1)
	}

	// Update with publish makes version 2 of the new revision.
	up, err := c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(passDef2), Publish: true,
		VersionDescription: aws.String("second")})
	if err != nil {
		t.Fatal(err)
	}
	v2 := sm + ":2"
	if aws.ToString(up.StateMachineVersionArn) != v2 || up.RevisionId == nil {
		t.Fatalf("update = %+v", up)
	}
	d2, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(v2)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d2.RevisionId) != aws.ToString(up.RevisionId) || aws.ToString(d2.Definition) != passDef2 {
		t.Errorf("describe v2 = %+v", d2)
	}

	// A stale revision id conflicts.
	if _, err := c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(passDef)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PublishStateMachineVersion(ctx, &awssfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(sm), RevisionId: up.RevisionId})
	wantPrefix(t, err, "ConflictException", "Failed to publish the State Machine version for revision "+aws.ToString(up.RevisionId)+". The current State Machine revision is ")

	list, err := c.ListStateMachineVersions(ctx, &awssfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.StateMachineVersions) != 2 || aws.ToString(list.StateMachineVersions[0].StateMachineVersionArn) != v2 ||
		aws.ToString(list.StateMachineVersions[1].StateMachineVersionArn) != v1 {
		t.Errorf("versions = %+v", list.StateMachineVersions)
	}

	// Executions of a version run its definition and record it.
	start, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	ex := tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if aws.ToString(ex.StateMachineVersionArn) != v1 || aws.ToString(ex.StateMachineArn) != sm || aws.ToString(ex.Output) != `{"Arg1":"argument1"}` ||
		!strings.Contains(aws.ToString(start.ExecutionArn), ":execution:"+n+":") {
		t.Errorf("version execution = %+v", ex)
	}
	byVersion, err := c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(byVersion.Executions) != 1 || aws.ToString(byVersion.Executions[0].StateMachineVersionArn) != v1 {
		t.Errorf("executions of v1 = %+v", byVersion.Executions)
	}

	// Delete v1: gone, and deleting again is fine; numbers are not reused.
	if _, err := c.DeleteStateMachineVersion(ctx, &awssfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStateMachineVersion(ctx, &awssfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v1)}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	_, err = c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(v1)})
	wantAPIError(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+v1+"'")
	v3, err := c.PublishStateMachineVersion(ctx, &awssfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(sm), Description: aws.String("third")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v3.StateMachineVersionArn) != sm+":3" {
		t.Errorf("next version = %s; want :3", aws.ToString(v3.StateMachineVersionArn))
	}

	// Updating a version ARN is refused.
	_, err = c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(v2), Definition: aws.String(passDef)})
	wantAPIError(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+v2+"'")
}

func TestAliases(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.client
	sm := tb.createMachine(t, passDef, func(in *awssfn.CreateStateMachineInput) { in.Publish = true })
	v1 := sm + ":1"
	if _, err := c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(passDef2), Publish: true}); err != nil {
		t.Fatal(err)
	}
	v2 := sm + ":2"
	route := func(v string, w int32) types.RoutingConfigurationListItem {
		return types.RoutingConfigurationListItem{StateMachineVersionArn: aws.String(v), Weight: w}
	}

	created, err := c.CreateStateMachineAlias(ctx, &awssfn.CreateStateMachineAliasInput{
		Name: aws.String("prod"), Description: aws.String("production"), RoutingConfiguration: []types.RoutingConfigurationListItem{route(v1, 100)},
	})
	if err != nil {
		t.Fatal(err)
	}
	alias := sm + ":prod"
	if aws.ToString(created.StateMachineAliasArn) != alias {
		t.Fatalf("alias arn = %s", aws.ToString(created.StateMachineAliasArn))
	}
	again, err := c.CreateStateMachineAlias(ctx, &awssfn.CreateStateMachineAliasInput{
		Name: aws.String("prod"), Description: aws.String("production"), RoutingConfiguration: []types.RoutingConfigurationListItem{route(v1, 100)},
	})
	if err != nil || !again.CreationDate.Equal(aws.ToTime(created.CreationDate)) {
		t.Errorf("idempotent alias create = %+v, %v", again, err)
	}
	_, err = c.CreateStateMachineAlias(ctx, &awssfn.CreateStateMachineAliasInput{
		Name: aws.String("prod"), RoutingConfiguration: []types.RoutingConfigurationListItem{route(v2, 100)},
	})
	wantAPIError(t, err, "ConflictException", "Failed to create alias because an alias with the same name and a different routing configuration already exists.")

	start, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(alias)})
	if err != nil {
		t.Fatal(err)
	}
	ex := tb.waitStatus(t, aws.ToString(start.ExecutionArn))
	if aws.ToString(ex.StateMachineAliasArn) != alias || aws.ToString(ex.StateMachineVersionArn) != v1 || aws.ToString(ex.Output) != `{"Arg1":"argument1"}` {
		t.Errorf("alias execution = %+v", ex)
	}

	// Weighted routing: both versions get executions.
	if _, err := c.UpdateStateMachineAlias(ctx, &awssfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(alias),
		RoutingConfiguration: []types.RoutingConfigurationListItem{route(v1, 50), route(v2, 50)}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeStateMachineAlias(ctx, &awssfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Name) != "prod" || aws.ToString(d.Description) != "production" || len(d.RoutingConfiguration) != 2 ||
		d.RoutingConfiguration[1].Weight != 50 || d.UpdateDate == nil || d.CreationDate == nil {
		t.Errorf("describe alias = %+v", d)
	}
	used := map[string]int{}
	for range 20 {
		s, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(alias)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: s.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		used[aws.ToString(e.StateMachineVersionArn)]++
	}
	if used[v1] == 0 || used[v2] == 0 || used[v1]+used[v2] != 20 {
		t.Errorf("routing 50/50 used %v", used)
	}

	// A version an alias routes to cannot be deleted.
	_, err = c.DeleteStateMachineVersion(ctx, &awssfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)})
	wantAPIError(t, err, "ConflictException",
		"Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [prod]")

	list, err := c.ListStateMachineAliases(ctx, &awssfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.StateMachineAliases) != 1 || aws.ToString(list.StateMachineAliases[0].StateMachineAliasArn) != alias {
		t.Errorf("aliases = %+v", list.StateMachineAliases)
	}
	if _, err := c.DeleteStateMachineAlias(ctx, &awssfn.DeleteStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStateMachineAlias(ctx, &awssfn.DeleteStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)}); err != nil {
		t.Fatalf("second alias delete: %v", err)
	}
	_, err = c.DescribeStateMachineAlias(ctx, &awssfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)})
	wantAPIError(t, err, "ResourceNotFound", "Request references a resource that does not exist.")
	_, err = c.UpdateStateMachineAlias(ctx, &awssfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(alias), Description: aws.String("x")})
	wantAPIError(t, err, "ResourceNotFound", "Request references a resource that does not exist.")
}

func TestAliasErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	sm := tb.createMachine(t, passDef, func(in *awssfn.CreateStateMachineInput) { in.Publish = true })
	v1 := sm + ":1"
	route := func(v string, w int32) types.RoutingConfigurationListItem {
		return types.RoutingConfigurationListItem{StateMachineVersionArn: aws.String(v), Weight: w}
	}
	routes := func(r ...types.RoutingConfigurationListItem) []types.RoutingConfigurationListItem { return r }
	tests := []struct {
		name    string
		alias   string
		routing []types.RoutingConfigurationListItem
		code    string
		message string
	}{
		{"machine arn", "a", routes(route(sm, 100)), "ValidationException",
			"Routing configuration must contain state machine version ARNs. Received: [" + sm + "]"},
		{"duplicate", "a", routes(route(v1, 50), route(v1, 50)), "ValidationException",
			"Routing configuration must contain distinct state machine version ARNs. Received: [" + v1 + ", " + v1 + "]"},
		{"sum under 100", "a", routes(route(v1, 70), route(sm+":2", 29)), "ValidationException",
			"Sum of routing configuration weights must equal 100. Received: [70, 29]"},
		{"weight over 100", "a", routes(route(v1, 101)), "ValidationException",
			"1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"digits name", "123", routes(route(v1, 100)), "ValidationException",
			`1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`},
		{"space in name", "INVALID ALIAS", routes(route(v1, 100)), "ValidationException",
			`1 validation error detected: Value 'INVALID ALIAS' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`},
		{"missing version", "a", routes(route(sm+":9", 100)), "ResourceNotFound", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tb.client.CreateStateMachineAlias(ctx, &awssfn.CreateStateMachineAliasInput{Name: aws.String(tt.alias), RoutingConfiguration: tt.routing})
			wantAPIError(t, err, tt.code, tt.message)
		})
	}
	t.Cleanup(func() {
		list, err := tb.client.ListStateMachineAliases(ctx, &awssfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(sm)})
		if err != nil {
			t.Error(err)
		} else if len(list.StateMachineAliases) != 0 {
			t.Errorf("failed creates left aliases %+v", list.StateMachineAliases)
		}
	})
}
