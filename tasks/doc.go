// Package tasks holds the Go Lambda functions of Stepflow's reference
// application, one folder per function (each a main package built into a
// provided.al2023 "bootstrap" by internal/taskbuild). They import nothing
// from Stepflow: the AWS SDK for Go v2 reads the standard environment, so
// the same binaries run on AWS and, with AWS_ENDPOINT_URL pointing at it,
// on Stepflow. fence_test.go keeps it that way.
//
// Order processing (statemachines/order_processing.asl.json):
//
//	validate_order         order → priced order; InvalidOrder
//	reserve_inventory      {"order"} → {"reserved","items"}; OutOfStock
//	authorise_payment      {"order"} → {"paymentId","amount","risk"}; PaymentDeclined
//	release_inventory      {"order"} → {"released"}   (compensation)
//	refund_payment         {"order"} → {"refunded"}   (compensation)
//	send_approval_request  {"token","order","executionArn","timeoutSeconds"} → {"approvalId","sent"}
//	approval_api           HTTP API: approval links, for deployments on AWS
//	get_order              HTTP API: GET /orders/{id}
//
// Batch ETL (statemachines/batch_etl.asl.json):
//
//	etl_transform          a Distributed Map batch of rows → counts, rejects, totals
//	etl_summarise          the Map's ResultWriter output → summary and rejected rows in S3
//	etl_sample             not a Lambda: writes the demo's input files
//
// Errors reach Step Functions by name: a function returns a typed error
// whose Go type name is the error name (OutOfStock, PaymentDeclined,
// TransientError, …); see package shared/fault. Code the functions share
// lives in shared/: fault, order (order types and exact money), ddb
// (DynamoDB helpers), etl (row rules), httpapi (API Gateway responses),
// awsenv (configuration).
package tasks
