package conformance

import (
	"context"
	"errors"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// ErrUnsupported marks a case the executor does not support yet. Wrap it with
// the reason, e.g. fmt.Errorf("JSONata: %w", ErrUnsupported); the reason is
// reported and the case is counted as skipped, neither passed nor failed.
var ErrUnsupported = errors.New("not supported")

// Executor runs one case the way the AWS API would and returns the API
// response(s) un-normalized: what real AWS would send, with real timestamps,
// ARNs holding the executor's real account, region and resource names,
// generated UUIDs, and JSON documents (input, output, definition, cause...)
// as strings exactly where AWS returns strings. Normalize applies the
// recorder's rewrites; the executor must not.
//
// Every response is a JSON object. Key order does not matter. Numbers keep
// the literal text AWS would write (1.0 and 1 differ).
//
// What Run returns, per Case.Kind:
//
//   - KindExecution: create the state machine (Case.Definition, type
//     Case.StateMachineType, name of your choosing), StartExecution with
//     Case.Input (nil: no input), wait until it ends, and return the
//     DescribeExecution response (executionArn, stateMachineArn, name,
//     status, startDate, stopDate, input, inputDetails, output,
//     outputDetails, error, cause, redriveCount, redriveStatus,
//     redriveStatusReason ... as AWS returns them) with one more member,
//     "history": GetExecutionHistory's "events" array, oldest first, each
//     event complete: {"timestamp", "type", "id", "previousEventId",
//     "<x>EventDetails": {...}} including executionStartedEventDetails.roleArn
//     (timestamps as epoch seconds or RFC 3339 text: they are not compared).
//     Normalize derives status/output/outputDetails/error/cause from the
//     history's terminal event, as the recorder did, and reverses the
//     history itself for the case recorded with reverseOrder.
//     For an EXPRESS machine (no DescribeExecution/GetExecutionHistory on
//     AWS) return the same members; executionArn then has AWS's express
//     form arn:aws:states:<region>:<account>:express:<machine>:<id>:<id>.
//     The CloudWatch Logs execution events may be given as "logEvents" (an
//     array of the parsed log messages, oldest first: {"id": "4",
//     "previous_event_id": "3", "type", "details": {...},
//     "event_timestamp": "<epoch ms>", "execution_arn", "redrive_count"});
//     without it the last log event is derived from the last history event.
//     Map Run ARNs have AWS's form
//     arn:aws:states:<region>:<account>:mapRun:<machine>/<uuid>:<uuid>.
//   - KindExecutionOutput: same as KindExecution; only status and output are
//     compared, so "history" may be omitted.
//   - KindSyncExecution: the StartSyncExecution response (executionArn,
//     stateMachineArn, name, startDate, stopDate, status, input,
//     inputDetails, output, outputDetails, error, cause, billingDetails).
//   - KindTestState: the TestState response for Case.Definition (a state, or
//     a state machine when the request has "stateName") with Case.Input and
//     the Case.Request fields (inspectionLevel, mock, variables, context,
//     stateConfiguration, roleArn, revealSecrets): {"status", "output",
//     "error", "cause", "nextState", "inspectionData": {"input",
//     "afterInputPath", ..., "variables", "errorDetails", ...}}, the JSON
//     documents as strings.
//   - KindTestStateError, KindCreateStateMachineError, KindStartExecutionError:
//     the API error, as ErrorResponse(code, message) builds it:
//     {"Error": {"Code": "ValidationException", "Message": "..."}}. For
//     KindCreateStateMachineError the request may hold "type" and
//     "versionDescription"; for KindStartExecutionError create the machine
//     and start it with Case.Input. Return the success response instead if
//     the call succeeds (the case then fails with a diff).
//   - KindValidateDefinition: the ValidateStateMachineDefinition response for
//     Case.Definition and request "type": {"result", "diagnostics",
//     "truncated"}.
//   - KindDescribeStateMachine: create the machine (Case.Definition), then
//     with request operation "describe_state_machine" return the
//     DescribeStateMachine response (stateMachineArn, name, status,
//     definition, roleArn, type, creationDate, loggingConfiguration,
//     tracingConfiguration, encryptionConfiguration, variableReferences...);
//     with operation "start_execution", start an execution and return the
//     DescribeStateMachineForExecution response.
//
// Names: Normalize learns the account, region, state machine, execution
// and map run names from the ARNs in the response and replaces every
// occurrence of them, as the recorder did with its generated names. Use
// distinctive names (at least 8 characters that cannot occur in data;
// AWS-style UUID execution names are ideal) and a role ARN of the form
// arn:aws:iam::<account>:role/<name>. The cases were recorded in us-east-1,
// which some definitions spell out; Normalize rewrites that region as well
// as the one learned, so any region works, us-east-1 most simply.
//
// Errors: return an error wrapping ErrUnsupported for cases the executor
// cannot run yet; any other error fails the case with the error text.
// Run must honour ctx (Run passes a per-case deadline).
type Executor interface {
	Run(ctx context.Context, c *Case) (jsonv.Value, error)
}

// ExecutorFunc adapts a function to Executor.
type ExecutorFunc func(ctx context.Context, c *Case) (jsonv.Value, error)

// Run calls f.
func (f ExecutorFunc) Run(ctx context.Context, c *Case) (jsonv.Value, error) { return f(ctx, c) }

// ErrorResponse returns the response an executor gives for an AWS API error:
// {"Error": {"Code": code, "Message": message}}.
func ErrorResponse(code, message string) jsonv.Value {
	e := jsonv.NewObject(2)
	e.Set("Code", code)
	e.Set("Message", message)
	o := jsonv.NewObject(1)
	o.Set("Error", e)
	return o
}
