package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/conformance/engineexec"
)

func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("conformance", stderr)
	kinds := fs.String("kind", "", "only cases of these kinds (comma-separated)")
	features := fs.String("feature", "", "only cases with one of these features (comma-separated)")
	run := fs.String("run", "", "only cases whose id contains this text")
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "usage: stepflow conformance [-kind K] [-feature F] [-run TEXT] [DIR]")
		return errUsage
	}
	dir := conformance.DefaultDir()
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if dir == "" {
		return fmt.Errorf("no cases folder: pass DIR or set %s", conformance.EnvDir)
	}
	cases, err := conformance.Load(dir)
	if err != nil {
		return err
	}
	filter := conformance.Filter{IDContains: *run}
	if *kinds != "" {
		filter.Kinds = strings.Split(*kinds, ",")
	}
	if *features != "" {
		filter.Features = strings.Split(*features, ",")
	}
	results := conformance.Run(ctx, cases, engineexec.New(), conformance.Options{Filter: filter})
	conformance.Report(stdout, results)
	return nil
}
