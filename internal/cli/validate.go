package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"github.com/stepflow/stepflow/internal/asl/validate"
)

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", stderr)
	typ := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	def, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	diags := validate.Definition(string(def), validate.Options{Type: *typ})
	result := "OK"
	for _, d := range diags {
		if d.Severity == "ERROR" {
			result = "FAIL"
		}
	}
	type diag struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		Location string `json:"location"`
	}
	out := struct {
		Result      string `json:"result"`
		Diagnostics []diag `json:"diagnostics"`
		Truncated   bool   `json:"truncated"`
	}{Result: result, Diagnostics: []diag{}}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, diag(d))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return err
	}
	if result == "FAIL" {
		return errUsage
	}
	return nil
}
