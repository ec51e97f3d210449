package apigateway

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Integration types and the subtypes the data plane runs.
const (
	typeAWSProxy  = "AWS_PROXY"
	typeHTTPProxy = "HTTP_PROXY"

	subtypeStartExecution     = "StepFunctions-StartExecution"
	subtypeStartSyncExecution = "StepFunctions-StartSyncExecution"
	subtypeStopExecution      = "StepFunctions-StopExecution"
)

// subtypeParams lists, for every AWS service integration subtype of HTTP
// APIs, its request parameters and which are required (AWS's integration
// subtype reference). Only the StepFunctions-* ones are run by the data
// plane; the others are stored and echoed, and answer 500 when invoked.
var subtypeParams = map[string]struct{ required, optional []string }{
	subtypeStartExecution:        {[]string{"StateMachineArn"}, []string{"Name", "Input", "Region"}},
	subtypeStartSyncExecution:    {[]string{"StateMachineArn"}, []string{"Name", "Input", "Region", "TraceHeader"}},
	subtypeStopExecution:         {[]string{"ExecutionArn"}, []string{"Cause", "Error", "Region"}},
	"EventBridge-PutEvents":      {[]string{"Detail", "DetailType", "Source"}, []string{"Time", "EventBusName", "Region", "Resources", "TraceHeader"}},
	"SQS-SendMessage":            {[]string{"QueueUrl", "MessageBody"}, []string{"DelaySeconds", "MessageAttributes", "MessageDeduplicationId", "MessageGroupId", "MessageSystemAttributes", "Region"}},
	"SQS-ReceiveMessage":         {[]string{"QueueUrl"}, []string{"AttributeNames", "MaxNumberOfMessages", "MessageAttributeNames", "ReceiveRequestAttemptId", "VisibilityTimeout", "WaitTimeSeconds", "Region"}},
	"SQS-DeleteMessage":          {[]string{"QueueUrl", "ReceiptHandle"}, []string{"Region"}},
	"SQS-PurgeQueue":             {[]string{"QueueUrl"}, []string{"Region"}},
	"AppConfig-GetConfiguration": {[]string{"Application", "Environment", "Configuration", "ClientId"}, []string{"ClientConfigurationVersion", "Region"}},
	"Kinesis-PutRecord":          {[]string{"StreamName", "Data", "PartitionKey"}, []string{"SequenceNumberForOrdering", "ExplicitHashKey", "Region"}},
}

// integrationInput is the body of CreateIntegration and UpdateIntegration.
type integrationInput struct {
	ConnectionID                *string                      `json:"connectionId"`
	ConnectionType              *string                      `json:"connectionType"`
	ContentHandlingStrategy     *string                      `json:"contentHandlingStrategy"`
	CredentialsArn              *string                      `json:"credentialsArn"`
	Description                 *string                      `json:"description"`
	IntegrationMethod           *string                      `json:"integrationMethod"`
	IntegrationSubtype          *string                      `json:"integrationSubtype"`
	IntegrationType             *string                      `json:"integrationType"`
	IntegrationURI              *string                      `json:"integrationUri"`
	PassthroughBehavior         *string                      `json:"passthroughBehavior"`
	PayloadFormatVersion        *string                      `json:"payloadFormatVersion"`
	RequestParameters           map[string]string            `json:"requestParameters"`
	RequestTemplates            map[string]string            `json:"requestTemplates"`
	ResponseParameters          map[string]map[string]string `json:"responseParameters"`
	TemplateSelectionExpression *string                      `json:"templateSelectionExpression"`
	TimeoutInMillis             *int                         `json:"timeoutInMillis"`
	TLSConfig                   *tlsConfig                   `json:"tlsConfig"`
}

// apply sets the members sent in req on d (an update when d is not new).
func (req *integrationInput) apply(d *integrationDoc) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&d.ConnectionID, req.ConnectionID)
	set(&d.ConnectionType, req.ConnectionType)
	set(&d.ContentHandlingStrategy, req.ContentHandlingStrategy)
	set(&d.CredentialsArn, req.CredentialsArn)
	set(&d.Description, req.Description)
	set(&d.IntegrationMethod, req.IntegrationMethod)
	set(&d.IntegrationSubtype, req.IntegrationSubtype)
	set(&d.IntegrationType, req.IntegrationType)
	set(&d.IntegrationURI, req.IntegrationURI)
	set(&d.PassthroughBehavior, req.PassthroughBehavior)
	set(&d.PayloadFormatVersion, req.PayloadFormatVersion)
	set(&d.TemplateSelectionExpression, req.TemplateSelectionExpression)
	if req.TimeoutInMillis != nil {
		d.TimeoutInMillis = *req.TimeoutInMillis
	}
	if req.TLSConfig != nil {
		d.TLSConfig = req.TLSConfig
		if *req.TLSConfig == (tlsConfig{}) {
			d.TLSConfig = nil
		}
	}
	if req.RequestParameters != nil {
		// An empty value removes a parameter (as AWS does on update).
		params := maps.Clone(d.RequestParameters)
		if params == nil {
			params = map[string]string{}
		}
		for k, v := range req.RequestParameters {
			if v == "" {
				delete(params, k)
			} else {
				params[k] = v
			}
		}
		d.RequestParameters = nilIfEmpty(params)
	}
	if req.RequestTemplates != nil {
		d.RequestTemplates = nilIfEmpty(maps.Clone(req.RequestTemplates))
	}
	if req.ResponseParameters != nil {
		// An empty mapping removes a status code's parameters.
		rp := maps.Clone(d.ResponseParameters)
		if rp == nil {
			rp = map[string]map[string]string{}
		}
		for code, m := range req.ResponseParameters {
			if len(m) == 0 {
				delete(rp, code)
			} else {
				rp[code] = maps.Clone(m)
			}
		}
		d.ResponseParameters = nilIfEmpty(rp)
	}
}

func nilIfEmpty[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

// check validates an integration of an HTTP API as AWS does, and fills in
// the defaults AWS returns.
func (d *integrationDoc) check() error {
	if d.ConnectionType == "" {
		d.ConnectionType = connectionTypeInternet
	}
	if d.TimeoutInMillis == 0 {
		d.TimeoutInMillis = defaultTimeoutMillis
	}
	if d.PayloadFormatVersion == "" {
		d.PayloadFormatVersion = "1.0"
	}
	if d.PayloadFormatVersion != "1.0" && d.PayloadFormatVersion != "2.0" {
		return badRequest("Invalid payload format version specified: " + d.PayloadFormatVersion + ". Use 1.0 or 2.0.")
	}
	if d.ConnectionType != connectionTypeInternet {
		return badRequest("Stepflow does not support connection type " + d.ConnectionType + ": use INTERNET (VPC links are not emulated).")
	}
	switch d.IntegrationType {
	case typeAWSProxy:
		if d.IntegrationSubtype != "" {
			return d.checkSubtype()
		}
		if d.IntegrationURI == "" {
			return badRequest("IntegrationUri is required for AWS_PROXY integrations: use the Lambda function's ARN, or set IntegrationSubtype for an AWS service integration.")
		}
		if _, ok := lambdaFunctionARN(d.IntegrationURI); !ok {
			return badRequest("Invalid integration URI specified: " + d.IntegrationURI + ". Use a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>) or its API Gateway invocation URI.")
		}
		if d.IntegrationMethod == "" {
			d.IntegrationMethod = "POST"
		}
	case typeHTTPProxy:
		if d.IntegrationSubtype != "" {
			return badRequest("IntegrationSubtype is only supported for AWS_PROXY integrations.")
		}
		u, err := url.Parse(d.IntegrationURI)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badRequest("Invalid integration URI specified: " + d.IntegrationURI + ". HTTP_PROXY integrations need an http or https URL.")
		}
		if d.IntegrationMethod == "" {
			return badRequest("IntegrationMethod is required for HTTP_PROXY integrations (a method such as GET, or ANY).")
		}
		if d.PayloadFormatVersion != "1.0" {
			return badRequest("HTTP_PROXY integrations support payload format version 1.0 only.")
		}
	case "":
		return badRequest("IntegrationType is required.")
	default:
		return badRequest("Integration type " + d.IntegrationType + " is not supported for HTTP APIs: use AWS_PROXY or HTTP_PROXY.")
	}
	for k, v := range d.RequestParameters {
		if _, err := parseMapping(v); err != nil {
			return badRequest("Invalid mapping expression specified for " + k + ": " + err.Error())
		}
	}
	return nil
}

func (d *integrationDoc) checkSubtype() error {
	params, ok := subtypeParams[d.IntegrationSubtype]
	if !ok {
		names := make([]string, 0, len(subtypeParams))
		for n := range subtypeParams {
			names = append(names, n)
		}
		sort.Strings(names)
		return badRequest("Invalid integration subtype specified: " + d.IntegrationSubtype + ". Supported subtypes: " + strings.Join(names, ", ") + ".")
	}
	if d.PayloadFormatVersion != "1.0" {
		return badRequest("AWS service integrations support payload format version 1.0 only.")
	}
	for _, req := range params.required {
		if d.RequestParameters[req] == "" {
			return badRequest("Parameter " + req + " is required for integration subtype " + d.IntegrationSubtype + ".")
		}
	}
	for k, v := range d.RequestParameters {
		if !slices.Contains(params.required, k) && !slices.Contains(params.optional, k) {
			return badRequest("Parameter " + k + " is not supported for integration subtype " + d.IntegrationSubtype +
				"; supported: " + strings.Join(append(slices.Clone(params.required), params.optional...), ", ") + ".")
		}
		if _, err := parseMapping(v); err != nil {
			return badRequest("Invalid mapping expression specified for " + k + ": " + err.Error())
		}
	}
	return nil
}

// lambdaFunctionARN returns the function ARN of a Lambda integration URI:
// the ARN itself, or the API Gateway invocation URI
// arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations.
func lambdaFunctionARN(uri string) (string, bool) {
	if strings.HasPrefix(uri, "arn:") && strings.Contains(uri, ":lambda:path/") {
		_, rest, _ := strings.Cut(uri, ":lambda:path/")
		rest, ok := strings.CutPrefix(rest, "2015-03-31/functions/")
		if !ok {
			return "", false
		}
		fn, ok := strings.CutSuffix(rest, "/invocations")
		if !ok {
			return "", false
		}
		uri = fn
	}
	parts := strings.Split(uri, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return "", false
	}
	return uri, true
}

func (s *Service) createIntegration(ctx context.Context, in *input) (any, error) {
	var req integrationInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	d := &integrationDoc{IntegrationID: newID()}
	req.apply(d)
	if err := d.check(); err != nil {
		return nil, err
	}
	return s.modify(in.str("ApiId"), func(a *apiState) (any, error) {
		return integrationKind.add(ctx, s, a, d.IntegrationID, d)
	})
}

func (s *Service) updateIntegration(ctx context.Context, in *input) (any, error) {
	var req integrationInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	return integrationKind.update(ctx, s, in, func(_ *apiState, d *integrationDoc) error {
		req.apply(d)
		return d.check()
	})
}
