// Package engineexec runs conformance cases through the validator and the
// in-memory engine, answering each case with the API response AWS would
// give.
package engineexec

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/asl/validate"
	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
	"github.com/stepflow/stepflow/internal/teststate"
)

// Account and Region are the identity the executor's ARNs carry.
const (
	Account = "111111111111"
	Region  = "us-east-1"
	roleArn = "arn:aws:iam::" + Account + ":role/stepflow-conformance-role"
)

// Executor implements conformance.Executor on the engine.
type Executor struct {
	// Runner drives executions; its handlers serve Task states.
	Runner local.Runner
	// TestState evaluates TestState requests; nil marks those cases
	// unsupported.
	TestState func(ctx context.Context, c *conformance.Case) (jsonv.Value, error)
}

var _ conformance.Executor = (*Executor)(nil)

// start is the virtual start time of every execution.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Run runs one case.
func (x *Executor) Run(ctx context.Context, c *conformance.Case) (jsonv.Value, error) {
	switch c.Kind {
	case conformance.KindExecution, conformance.KindExecutionOutput:
		return x.execution(ctx, c)
	case conformance.KindSyncExecution:
		v, err := x.execution(ctx, c)
		if err != nil {
			return nil, err
		}
		// StartSyncExecution answers with the outcome and no history.
		o := v
		for _, k := range []string{"history", "redriveCount", "redriveStatus", "redriveStatusReason"} {
			o.Delete(k)
		}
		o.Set("stopDate", start.Format(time.RFC3339Nano))
		o.Set("billingDetails", jsonv.MustParse(`{"billedMemoryUsedInMB":64,"billedDurationInMilliseconds":100}`))
		return o, nil
	case conformance.KindValidateDefinition:
		typ, _ := c.RequestString("type")
		return validationResponse(validate.Definition(c.Definition, validate.Options{Type: typ})), nil
	case conformance.KindCreateStateMachineError:
		return createStateMachine(c), nil
	case conformance.KindStartExecutionError:
		return x.startExecutionError(ctx, c)
	case conformance.KindTestState, conformance.KindTestStateError:
		if x.TestState == nil {
			return nil, fmt.Errorf("TestState: %w", conformance.ErrUnsupported)
		}
		return x.TestState(ctx, c)
	}
	return nil, fmt.Errorf("kind %s needs the Step Functions service: %w", c.Kind, conformance.ErrUnsupported)
}

func machineType(c *conformance.Case) string {
	if c.StateMachineType != "" {
		return c.StateMachineType
	}
	if t, ok := c.RequestString("type"); ok {
		return t
	}
	return "STANDARD"
}

func names(c *conformance.Case) engine.Info {
	smName := "StepflowMachine" + strconv.FormatUint(hash(c.ID), 36)
	execName := "StepflowExecution" + strconv.FormatUint(hash(c.ID+"/exec"), 36)
	execArn := "arn:aws:states:" + Region + ":" + Account + ":execution:" + smName + ":" + execName
	if machineType(c) == "EXPRESS" {
		execArn = "arn:aws:states:" + Region + ":" + Account + ":express:" + smName + ":" + execName + ":" + "2f1c6a3e-8b4d-4e7a-9c2b-5d6e7f8a9b0c"
	}
	return engine.Info{
		ExecutionArn:     execArn,
		Name:             execName,
		StateMachineArn:  "arn:aws:states:" + Region + ":" + Account + ":stateMachine:" + smName,
		StateMachineName: smName,
		RoleArn:          roleArn,
		Sync:             c.Kind == conformance.KindSyncExecution,
		Region:           Region,
		Account:          Account,
		Seed:             hash(c.ID),
	}
}

func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

func (x *Executor) execution(ctx context.Context, c *conformance.Case) (*jsonv.Object, error) {
	sm, err := asl.Parse(c.Definition, asl.Options{Type: machineType(c)})
	if err != nil {
		return nil, fmt.Errorf("create state machine: %w", err)
	}
	inputText := "{}"
	if c.Input != nil {
		inputText = *c.Input
	}
	input, err := jsonv.ParseString(inputText)
	if err != nil {
		return nil, fmt.Errorf("start execution: %w", err)
	}
	info := names(c)
	info.InputText = inputText
	ex, err := x.Runner.Run(ctx, sm, info, input, start)
	if err != nil {
		return nil, err
	}
	return Describe(ex, info, inputText), nil
}

// Describe builds DescribeExecution's response for ex plus its history
// under "history".
func Describe(ex *engine.Execution, info engine.Info, inputText string) *jsonv.Object {
	o := jsonv.NewObject(12)
	o.Set("executionArn", info.ExecutionArn)
	o.Set("stateMachineArn", info.StateMachineArn)
	o.Set("name", info.Name)
	o.Set("status", string(ex.Status()))
	o.Set("startDate", ex.StartTime().Format(time.RFC3339Nano))
	o.Set("input", inputText)
	o.Set("inputDetails", jsonv.MustParse(`{"included":true}`))
	switch ex.Status() {
	case engine.Succeeded:
		o.Set("output", jsonv.Marshal(ex.Output()))
		o.Set("outputDetails", jsonv.MustParse(`{"included":true}`))
	case engine.Running:
	default:
		name, cause := ex.Error()
		if name != "" {
			o.Set("error", name)
		}
		if cause != "" {
			o.Set("cause", cause)
		}
	}
	o.Set("redriveCount", jsonv.Int(0))
	switch ex.Status() {
	case engine.Succeeded:
		o.Set("redriveStatus", "NOT_REDRIVABLE")
		o.Set("redriveStatusReason", "Execution is SUCCEEDED and cannot be redriven")
	case engine.Running:
		o.Set("redriveStatus", "NOT_REDRIVABLE")
		o.Set("redriveStatusReason", "Execution is RUNNING and cannot be redriven")
	default:
		o.Set("redriveStatus", "REDRIVABLE")
	}
	hist := ex.History()
	events := make([]any, len(hist))
	for i := range hist {
		v, err := jsonv.Parse(hist[i].AppendJSON(nil))
		if err != nil {
			panic(fmt.Sprintf("history event %d does not encode as JSON: %v", i, err))
		}
		events[i] = v
	}
	o.Set("history", events)
	return o
}

func validationResponse(diags []validate.Diagnostic) jsonv.Value {
	result := "OK"
	list := make([]any, 0, len(diags))
	for _, d := range diags {
		if d.Severity == "ERROR" {
			result = "FAIL"
		}
		o := jsonv.NewObject(4)
		o.Set("severity", d.Severity)
		o.Set("code", d.Code)
		o.Set("message", d.Message)
		o.Set("location", d.Location)
		list = append(list, o)
	}
	o := jsonv.NewObject(3)
	o.Set("result", result)
	o.Set("diagnostics", list)
	o.Set("truncated", false)
	return o
}

func createStateMachine(c *conformance.Case) jsonv.Value {
	typ := machineType(c)
	if desc, ok := c.RequestString("versionDescription"); ok && desc != "" {
		if pub, _ := c.Request.Get("publish"); pub != true {
			return conformance.ErrorResponse("ValidationException", "Version description can only be set when publish is true")
		}
	}
	var errs []validate.Diagnostic
	for _, d := range validate.Definition(c.Definition, validate.Options{Type: typ}) {
		if d.Severity == "ERROR" {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return conformance.ErrorResponse("InvalidDefinition", validate.CreateMessage(errs))
	}
	info := names(c)
	o := jsonv.NewObject(2)
	o.Set("stateMachineArn", info.StateMachineArn)
	o.Set("creationDate", start.Format(time.RFC3339))
	return o
}

func (x *Executor) startExecutionError(ctx context.Context, c *conformance.Case) (jsonv.Value, error) {
	inputText := "{}"
	if c.Input != nil {
		inputText = *c.Input
	}
	if msg, bad := InvalidInput(inputText); bad {
		return conformance.ErrorResponse("InvalidExecutionInput", msg), nil
	}
	return x.execution(ctx, c)
}

// InvalidInput returns StartExecution's InvalidExecutionInput message for
// input that is not JSON.
func InvalidInput(text string) (string, bool) {
	if text == "" {
		return "Invalid State Machine Execution Input: 'Invalid execution input.'", true
	}
	if _, err := jsonv.ParseString(text); err != nil {
		return "Invalid State Machine Execution Input: '" + err.Error() + "'", true
	}
	return "", false
}

// New returns an executor with the project's TestState evaluator.
func New() *Executor { return &Executor{TestState: teststate.ConformanceFunc} }
