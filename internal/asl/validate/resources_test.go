package validate

import (
	"testing"
)

func TestDefinitionResources(t *testing.T) {
	t.Parallel()
	task := func(resource string) string {
		return machine(`"A":{"Type":"Task","Resource":"` + resource + `","End":true}`)
	}
	express := Options{Type: TypeExpress}
	runTable(t, []tableCase{
		{name: "lambda invoke", def: task("arn:aws:states:::lambda:invoke")},
		{name: "lambda function", def: task("arn:aws:lambda:us-east-1:123456789012:function:f:1")},
		{name: "activity", def: task("arn:aws:states:us-east-1:123456789012:activity:a")},
		{name: "aws-sdk", def: task("arn:aws:states:::aws-sdk:s3:getObject")},
		{name: "aws-sdk token", def: task("arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken")},
		{name: "startExecution sync:2", def: task("arn:aws:states:::states:startExecution.sync:2")},
		{name: "other partition", def: task("arn:aws-cn:states:::sqs:sendMessage")},
		{name: "dynamodb query", def: task("arn:aws:states:::dynamodb:query"), want: []Diagnostic{
			s("/States/A/Resource", "The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.")}},
		{name: "lambda sync", def: task("arn:aws:states:::lambda:invoke.sync"), want: []Diagnostic{
			s("/States/A/Resource", msgUnknownResource("arn:aws:states:::lambda:invoke.sync"))}},
		{name: "aws-sdk sync", def: task("arn:aws:states:::aws-sdk:s3:getObject.sync"), want: []Diagnostic{
			s("/States/A/Resource", msgUnknownResource("arn:aws:states:::aws-sdk:s3:getObject.sync"))}},
		{name: "not an ARN", def: task("hello"), want: []Diagnostic{s("/States/A/Resource", "Value is not a valid resource ARN")}},
		{name: "express sync", def: task("arn:aws:states:::states:startExecution.sync"), opts: express, want: []Diagnostic{
			s("/States/A/Resource", "Express state machine does not support '.sync' service integration")}},
		{name: "express token", def: task("arn:aws:states:::sns:publish.waitForTaskToken"), opts: express, want: []Diagnostic{
			s("/States/A/Resource", "Express state machine does not support '.waitForTaskToken' service integration ")}},
		{name: "express activity", def: task("arn:aws:states:us-east-1:123456789012:activity:a"), opts: express, want: []Diagnostic{
			s("/States/A/Resource", "Express state machine does not support Activity ARN")}},
		{name: "express request response", def: task("arn:aws:states:::lambda:invoke"), opts: express},
	})
}
