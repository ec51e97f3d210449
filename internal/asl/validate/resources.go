package validate

import (
	"regexp"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Integration patterns a Task resource may end with.
const (
	patternRequest = ""
	patternSync    = ".sync"
	patternSync2   = ".sync:2"
	patternToken   = ".waitForTaskToken"
)

// pat is the set of patterns an optimized integration supports.
type pat uint8

const (
	rr pat = 1 << iota
	sync
	sync2
	token
)

// optimized lists AWS's optimized service integrations
// ("arn:aws:states:::service:api") and the integration patterns each
// supports.
var optimized = map[string]pat{
	"lambda:invoke": rr | token,

	"dynamodb:getItem":    rr,
	"dynamodb:putItem":    rr,
	"dynamodb:updateItem": rr,
	"dynamodb:deleteItem": rr,

	"sns:publish":       rr | token,
	"sqs:sendMessage":   rr | token,
	"events:putEvents":  rr | token,
	"apigateway:invoke": rr | token,
	"http:invoke":       rr,

	"states:startExecution": rr | sync | sync2 | token,

	"batch:submitJob":  rr | sync,
	"ecs:runTask":      rr | sync | token,
	"glue:startJobRun": rr | sync,

	"athena:startQueryExecution": rr | sync,
	"athena:stopQueryExecution":  rr,
	"athena:getQueryExecution":   rr,
	"athena:getQueryResults":     rr,

	"codebuild:startBuild":        rr | sync,
	"codebuild:stopBuild":         rr,
	"codebuild:batchDeleteBuilds": rr,
	"codebuild:batchGetReports":   rr,
	"codebuild:startBuildBatch":   rr | sync,
	"codebuild:stopBuildBatch":    rr,
	"codebuild:retryBuildBatch":   rr | sync,
	"codebuild:deleteBuildBatch":  rr,

	"databrew:startJobRun":   rr | sync,
	"mediaconvert:createJob": rr | sync,

	"eks:createCluster":        rr | sync,
	"eks:deleteCluster":        rr | sync,
	"eks:createFargateProfile": rr | sync,
	"eks:deleteFargateProfile": rr | sync,
	"eks:createNodegroup":      rr | sync,
	"eks:deleteNodegroup":      rr | sync,
	"eks:runJob":               rr | sync,
	"eks:call":                 rr,

	"elasticmapreduce:createCluster":                   rr | sync,
	"elasticmapreduce:terminateCluster":                rr | sync,
	"elasticmapreduce:addStep":                         rr | sync,
	"elasticmapreduce:cancelStep":                      rr,
	"elasticmapreduce:setClusterTerminationProtection": rr,
	"elasticmapreduce:modifyInstanceFleetByName":       rr,
	"elasticmapreduce:modifyInstanceGroupByName":       rr,
	"emr-containers:createVirtualCluster":              rr,
	"emr-containers:deleteVirtualCluster":              rr | sync,
	"emr-containers:startJobRun":                       rr | sync,
	"emr-serverless:createApplication":                 rr | sync,
	"emr-serverless:startApplication":                  rr | sync,
	"emr-serverless:stopApplication":                   rr | sync,
	"emr-serverless:deleteApplication":                 rr | sync,
	"emr-serverless:startJobRun":                       rr | sync,
	"emr-serverless:cancelJobRun":                      rr | sync,

	"sagemaker:createEndpoint":                rr,
	"sagemaker:createEndpointConfig":          rr,
	"sagemaker:createHyperParameterTuningJob": rr | sync,
	"sagemaker:createLabelingJob":             rr | sync,
	"sagemaker:createModel":                   rr,
	"sagemaker:createProcessingJob":           rr | sync,
	"sagemaker:createTrainingJob":             rr | sync,
	"sagemaker:createTransformJob":            rr | sync,
	"sagemaker:updateEndpoint":                rr,

	"bedrock:invokeModel":                 rr,
	"bedrock:createModelCustomizationJob": rr | sync,
}

var (
	// partition matches the partition part of an ARN (aws, aws-cn, aws-us-gov, ...).
	partition = `aws(-[a-z]+)*`
	// serviceARN matches arn:<partition>:states:::<service>:<api...>.
	serviceARN = regexp.MustCompile(`^arn:` + partition + `:states:::([a-z0-9-]+):(.+)$`)
	// sdkAPI matches <service>:<Action> of an AWS SDK integration.
	sdkAPI = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*:[a-z][A-Za-z0-9]*$`)
	// activityARN matches an activity.
	activityARN = regexp.MustCompile(`^arn:` + partition + `:states:[^:]+:[^:]+:activity:[^:]+$`)
	// functionARN matches a Lambda function (with an optional qualifier).
	functionARN = regexp.MustCompile(`^arn:` + partition + `:lambda:[^:]+:[^:]+:function:[^:]+(:[^:]+)?$`)
)

// resourceKind is what a Task resource ARN names.
type resourceKind int

const (
	resourceUnknown resourceKind = iota
	resourceIntegration
	resourceActivity
	resourceFunction
)

// classifyResource recognises a Task resource ARN and, for a service
// integration, returns its pattern suffix.
func classifyResource(arn string) (kind resourceKind, pattern string) {
	switch {
	case functionARN.MatchString(arn):
		return resourceFunction, ""
	case activityARN.MatchString(arn):
		return resourceActivity, ""
	}
	m := serviceARN.FindStringSubmatch(arn)
	if m == nil {
		return resourceUnknown, ""
	}
	service, api := m[2], m[3]
	base, pattern := splitPattern(api)
	if service == "aws-sdk" {
		if sdkAPI.MatchString(base) && (pattern == patternRequest || pattern == patternToken) {
			return resourceIntegration, pattern
		}
		return resourceUnknown, ""
	}
	supported, ok := optimized[service+":"+base]
	if !ok {
		return resourceUnknown, ""
	}
	want := map[string]pat{patternRequest: rr, patternSync: sync, patternSync2: sync2, patternToken: token}[pattern]
	if supported&want == 0 {
		return resourceUnknown, ""
	}
	return resourceIntegration, pattern
}

// splitPattern splits "startExecution.sync:2" into "startExecution" and ".sync:2".
func splitPattern(api string) (base, pattern string) {
	for _, p := range []string{patternSync2, patternSync, patternToken} {
		if strings.HasSuffix(api, p) {
			return strings.TrimSuffix(api, p), p
		}
	}
	return api, patternRequest
}

func msgUnknownResource(arn string) string {
	return "The resource provided " + arn + " is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
}

// resource checks a Task's Resource.
func (c *checker) resource(v jsonv.Value, at loc) {
	arn, ok := c.str(v, at)
	if !ok {
		return
	}
	if !strings.HasPrefix(arn, "arn:") {
		c.fail(at, "Value is not a valid resource ARN")
		return
	}
	kind, pattern := classifyResource(arn)
	switch {
	case kind == resourceUnknown:
		c.fail(at, msgUnknownResource(arn))
	case !c.express:
	case kind == resourceActivity:
		c.fail(at, "Express state machine does not support Activity ARN")
	case pattern == patternSync || pattern == patternSync2:
		c.fail(at, "Express state machine does not support '.sync' service integration")
	case pattern == patternToken:
		// AWS's message ends with a space.
		c.fail(at, "Express state machine does not support '.waitForTaskToken' service integration ")
	}
}
