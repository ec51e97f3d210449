// Package awsproto implements the AWS wire protocols that Stepflow's
// emulated services share: the awsJson1_0/awsJson1_1 server side
// (JSONHandler), request validation generated from the official Smithy
// models (Validate), Signature Version 4 verification (Verify), a router
// that sends each request to the right service on one port (Router), and
// the one table that maps error codes to HTTP status and wire names
// (Error, LookupError).
//
// Services never import each other; they import awsproto. A service
// handler returns *Error values (or any error, which becomes an
// InternalFailure) and this package writes them exactly as AWS does.
//
// Facts about AWS's wire behaviour used here and where they come from are
// noted next to the code. Step Functions is a Coral service: its own errors
// carry the __type namespace "com.amazonaws.swf.service.v2.model", model
// constraint violations "com.amazon.coral.validate" and framework errors
// (unknown operation, bad JSON, authentication) "com.amazon.coral.service".
package awsproto

//go:generate go run ./smithygen -models /work/shared/aws-models -out model/data sfn sqs dynamodb lambda sesv2 ses s3 iam sts cloudwatch-logs eventbridge scheduler apigatewayv2
