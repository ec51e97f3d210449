package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/bench"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	input := fs.String("input", "{}", "execution input (JSON text, or @file)")
	history := fs.Bool("history", false, "print the history events (GetExecutionHistory shape) instead of the output")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: stepflow run [-input JSON|@file] [-history] definition.asl.json")
		return errUsage
	}
	def, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	sm, err := asl.Parse(string(def), asl.Options{})
	if err != nil {
		return err
	}
	text := *input
	if len(text) > 0 && text[0] == '@' {
		b, err := os.ReadFile(text[1:])
		if err != nil {
			return err
		}
		text = string(b)
	}
	in, err := jsonv.ParseString(text)
	if err != nil {
		return fmt.Errorf("input is not JSON: %w", err)
	}
	r := &local.Runner{Handlers: bench.Handlers()}
	info := engine.Info{
		ExecutionArn: "arn:aws:states:us-east-1:111111111111:execution:local:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:111111111111:stateMachine:local", StateMachineName: "local",
		Region: "us-east-1", Account: "111111111111",
	}
	ex, err := r.Run(ctx, sm, info, in, time.Now().UTC())
	if err != nil {
		return err
	}
	if *history {
		for _, ev := range ex.History() {
			fmt.Fprintln(stdout, ev.JSON())
		}
	} else if ex.Status() == engine.Succeeded {
		fmt.Fprintln(stdout, jsonv.Marshal(ex.Output()))
	}
	if ex.Status() != engine.Succeeded {
		name, cause := ex.Error()
		return fmt.Errorf("execution %s: %s: %s", ex.Status(), name, cause)
	}
	return nil
}
