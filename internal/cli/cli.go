// Package cli holds stepflow's subcommands, one file each.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"up", "build the tasks, start a server and provision the reference app with Terraform", runUp},
		{"serve", "serve the emulated AWS services on an embedded SQLite store", runServe},
		{"deploy", "apply (or --destroy) the reference app with Terraform, on Stepflow or on AWS", runDeploy},
		{"build-tasks", "build the Go Lambdas in tasks/ into reproducible zips", runBuildTasks},
		{"run", "run a state machine definition in memory and print its output", runRun},
		{"validate", "validate a definition the way ValidateStateMachineDefinition does", runValidate},
		{"conformance", "run the AWS-recorded conformance cases and print the pass table", runConformance},
		{"bench", "measure the engine on the benchmark workloads", runBench},
	}
}

// errUsage marks a usage error already explained to the user.
var errUsage = errors.New("usage")

// Run runs the subcommand named by args[0] and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
			return 2
		default:
			fmt.Fprintf(stderr, "stepflow %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "stepflow: unknown command %q; run 'stepflow help' for the list\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: stepflow <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'stepflow <command> -h' for a command's flags.")
}

// newFlags returns a flag set that reports errors to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("stepflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// logger returns the CLI's logger on stderr.
func logger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, nil))
}
