package integrations

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// awsSDK runs arn:aws:states:::aws-sdk:<service>:<action>: the parameters
// are the API's input (PascalCase, as Step Functions writes them), the
// result its output.
func (in *Integrations) awsSDK(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	r, _ := parseResource(t.Resource)
	call := in.cfg.SDK[r.sdkService]
	if call == nil {
		return nil, failed("Stepflow does not emulate the service of " + t.Resource + "; it emulates " + in.sdkServices())
	}
	action := upperFirst(r.action)
	params := t.Parameters
	if params == nil {
		params = jsonv.NewObject(0)
	}
	camel := r.sdkService == "sfn" // Step Functions' own wire names are camelCase
	if camel {
		params = renameKeys(params, lowerFirst)
	}
	reqID := in.cfg.NewRequestID()
	out, err := call(ctx, action, []byte(jsonv.Marshal(params)))
	if err != nil {
		return nil, sdkError(r.sdkService, err, reqID)
	}
	if r.pattern == "waitForTaskToken" {
		return nil, runner.ErrCallback
	}
	v, err := jsonv.Parse(out)
	if err != nil {
		return nil, failed("The " + r.sdkService + " response is not JSON: " + err.Error())
	}
	if camel {
		v = renameKeys(v, upperFirst)
	}
	if v == nil {
		v = jsonv.NewObject(0)
	}
	return v, nil
}

// sdkServices lists the services wired, for error messages.
func (in *Integrations) sdkServices() string {
	var names []string
	for n := range in.cfg.SDK {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// renameKeys returns v with every object key renamed by f, recursively.
func renameKeys(v jsonv.Value, f func(string) string) jsonv.Value {
	switch v := v.(type) {
	case *jsonv.Object:
		o := jsonv.NewObject(v.Len())
		for _, k := range v.Keys() {
			e, _ := v.Get(k)
			o.Set(f(k), renameKeys(e, f))
		}
		return o
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = renameKeys(e, f)
		}
		return a
	}
	return v
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
