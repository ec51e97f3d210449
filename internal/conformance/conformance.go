// Package conformance checks Stepflow against behaviour recorded on real AWS
// Step Functions. It owns the recorded cases (one JSON file per case, see
// /work/shared/conformance/README.md): loading them, running each through an
// Executor, rewriting the result the way the recording tool rewrote AWS's
// answer (Normalize), comparing it with the recorded expectation (Compare)
// and printing a pass report (Report).
//
// The package knows nothing about how a case is executed; the Executor
// contract (see Executor) says exactly what an executor returns for each kind
// of case, un-normalized and shaped like the AWS API responses.
package conformance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Case kinds, as found in a case's "kind" field.
const (
	// KindExecution is StartExecution followed by DescribeExecution and
	// GetExecutionHistory (or CloudWatch Logs for EXPRESS machines).
	KindExecution = "execution"
	// KindExecutionOutput is an execution of which only the final status and
	// output were recorded.
	KindExecutionOutput = "execution_output"
	// KindSyncExecution is a StartSyncExecution response.
	KindSyncExecution = "sync_execution"
	// KindTestState is a successful TestState response.
	KindTestState = "test_state"
	// KindTestStateError is a TestState call that AWS rejected.
	KindTestStateError = "test_state_error"
	// KindValidateDefinition is a ValidateStateMachineDefinition response.
	KindValidateDefinition = "validate_definition"
	// KindCreateStateMachineError is a CreateStateMachine call that AWS rejected.
	KindCreateStateMachineError = "create_state_machine_error"
	// KindStartExecutionError is a StartExecution call that AWS rejected.
	KindStartExecutionError = "start_execution_error"
	// KindDescribeStateMachine is a DescribeStateMachine (or, with request
	// operation "start_execution", DescribeStateMachineForExecution) response.
	KindDescribeStateMachine = "describe_state_machine"
)

// Kinds lists every case kind in report order.
var Kinds = []string{
	KindExecution, KindExecutionOutput, KindSyncExecution,
	KindTestState, KindTestStateError, KindValidateDefinition,
	KindCreateStateMachineError, KindStartExecutionError, KindDescribeStateMachine,
}

// Case is one recorded AWS interaction. Fields mirror the case file; see the
// README next to the cases for their meaning.
type Case struct {
	ID               string  // unique name: test module, class, test, parameter
	Kind             string  // one of the Kind constants
	Definition       string  // the exact definition string sent to AWS
	Input            *string // the exact execution / TestState input sent; nil when none was sent
	StateMachineType string  // STANDARD or EXPRESS; empty when not recorded
	// Request holds the other request fields (TestState inspectionLevel,
	// variables, mock, stateName, roleArn, context, stateConfiguration; the
	// validation or creation type; versionDescription; operation). Never nil.
	Request *jsonv.Object
	// Expected is what AWS returned, after the recorder's rewrites.
	Expected jsonv.Value
	// ErrorCode is the AWS error code for the *_error kinds.
	ErrorCode string
	Features  []string // tags such as "jsonpath", "jsonata", "map", "state:Pass"
	Issues    []string // notes on the case (sorted Parallel blocks, reversed history...)
	// AWSDivergencePaths are JSON paths where another emulator is known to
	// differ from AWS; the recorded value is still AWS's.
	AWSDivergencePaths []string
	// SnapshotTransformers are the rewrites the recording test registered,
	// as source text (e.g. "RegexTransformer(sfn_role_arn, 'snf_role_arn')").
	SnapshotTransformers    []string
	SnapshotKeys            []string // the recorder's snapshot keys this case came from
	AWSValidated            string   // when the expectation was last checked against AWS
	RecordedDate            string   // when it was recorded
	Completeness            string   // "full" when the whole response was recorded
	SelfContained           bool     // needs no other AWS service
	Trusted                 bool
	ServicesNeeded          []string
	RuntimePlaceholders     []jsonv.Value
	RuntimePlaceholderKinds []string
	// File is the path of the case file.
	File string

	plan *plan // parsed SnapshotTransformers, built by Load
}

// JSONata reports whether the case uses the JSONata query language.
func (c *Case) JSONata() bool { return c.HasFeature("jsonata") }

// HasFeature reports whether the case carries the feature tag f.
func (c *Case) HasFeature(f string) bool { return slices.Contains(c.Features, f) }

// HasIssue reports whether one of the case's issue notes contains s.
func (c *Case) HasIssue(s string) bool {
	for _, i := range c.Issues {
		if strings.Contains(i, s) {
			return true
		}
	}
	return false
}

// RequestString returns the string request field key.
func (c *Case) RequestString(key string) (string, bool) {
	v, ok := c.Request.Get(key)
	s, isString := v.(string)
	return s, ok && isString
}

// EnvDir names the environment variable that overrides DefaultDir.
const EnvDir = "STEPFLOW_CONFORMANCE_DIR"

// DefaultDir returns the directory holding the recorded cases: the value of
// $STEPFLOW_CONFORMANCE_DIR when set, otherwise ../shared/conformance/cases
// relative to the module root (the nearest directory at or above the working
// directory that holds go.mod). It returns "" when neither is found; it does
// not check that the directory exists.
func DefaultDir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "conformance", "cases")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load reads every *.json case file in dir, sorted by ID. It reports every
// malformed file, not only the first.
func Load(dir string) ([]*Case, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("load cases: %w", err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("load cases: %w", err)
	}
	cases := make([]*Case, 0, len(names))
	var errs []error
	seen := make(map[string]string, len(names))
	for _, name := range names {
		c, err := LoadFile(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := seen[c.ID]; dup {
			errs = append(errs, fmt.Errorf("load case %s: id %q already used by %s", name, c.ID, prev))
			continue
		}
		seen[c.ID] = name
		cases = append(cases, c)
	}
	slices.SortFunc(cases, func(a, b *Case) int { return strings.Compare(a.ID, b.ID) })
	return cases, errors.Join(errs...)
}

// LoadFile reads one case file.
func LoadFile(name string) (*Case, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("load case: %w", err)
	}
	c, err := ParseCase(data)
	if err != nil {
		return nil, fmt.Errorf("load case %s: %w", name, err)
	}
	c.File = name
	return c, nil
}

// ParseCase decodes the JSON text of one case file.
func ParseCase(data []byte) (*Case, error) {
	v, err := jsonv.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse case: %w", err)
	}
	o, ok := v.(*jsonv.Object)
	if !ok {
		return nil, fmt.Errorf("parse case: top level is %s, want object", jsonv.TypeName(v))
	}
	d := decoder{o: o}
	c := &Case{
		ID:                      d.str("id", true),
		Kind:                    d.str("kind", true),
		Definition:              d.str("definition", false),
		StateMachineType:        d.str("state_machine_type", false),
		ErrorCode:               d.str("error_code", false),
		Features:                d.strs("features"),
		Issues:                  d.strs("issues"),
		AWSDivergencePaths:      d.strs("aws_divergence_paths"),
		SnapshotTransformers:    d.strs("snapshot_transformers"),
		SnapshotKeys:            d.strs("snapshot_keys"),
		AWSValidated:            d.str("aws_validated", false),
		RecordedDate:            d.str("recorded_date", false),
		Completeness:            d.str("completeness", false),
		SelfContained:           d.boolean("self_contained"),
		Trusted:                 d.boolean("trusted"),
		ServicesNeeded:          d.strs("services_needed"),
		RuntimePlaceholderKinds: d.strs("runtime_placeholder_kinds"),
		Request:                 &jsonv.Object{},
	}
	if in, ok := o.Get("input"); ok && in != nil {
		s, isString := in.(string)
		if !isString {
			d.errs = append(d.errs, fmt.Errorf("field input is %s, want string", jsonv.TypeName(in)))
		}
		c.Input = &s
	}
	if r, ok := o.Get("request"); ok && r != nil {
		ro, isObject := r.(*jsonv.Object)
		if !isObject {
			d.errs = append(d.errs, fmt.Errorf("field request is %s, want object", jsonv.TypeName(r)))
		} else {
			c.Request = ro
		}
	}
	if rp, ok := o.Get("runtime_placeholders"); ok {
		if arr, isArray := rp.([]any); isArray {
			c.RuntimePlaceholders = arr
		}
	}
	exp, ok := o.Get("expected")
	if !ok {
		d.errs = append(d.errs, errors.New("field expected is missing"))
	}
	c.Expected = exp
	if c.Kind != "" && !slices.Contains(Kinds, c.Kind) {
		d.errs = append(d.errs, fmt.Errorf("unknown kind %q", c.Kind))
	}
	if err := errors.Join(d.errs...); err != nil {
		return nil, err
	}
	c.plan = parsePlan(c.SnapshotTransformers)
	return c, nil
}

type decoder struct {
	o    *jsonv.Object
	errs []error
}

func (d *decoder) str(key string, required bool) string {
	v, ok := d.o.Get(key)
	if !ok || v == nil {
		if required {
			d.errs = append(d.errs, fmt.Errorf("field %s is missing", key))
		}
		return ""
	}
	s, isString := v.(string)
	if !isString {
		d.errs = append(d.errs, fmt.Errorf("field %s is %s, want string", key, jsonv.TypeName(v)))
	}
	return s
}

func (d *decoder) strs(key string) []string {
	v, ok := d.o.Get(key)
	if !ok || v == nil {
		return nil
	}
	arr, isArray := v.([]any)
	if !isArray {
		d.errs = append(d.errs, fmt.Errorf("field %s is %s, want array", key, jsonv.TypeName(v)))
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, isString := e.(string)
		if !isString {
			d.errs = append(d.errs, fmt.Errorf("field %s holds %s, want strings", key, jsonv.TypeName(e)))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) boolean(key string) bool {
	v, _ := d.o.Get(key)
	b, _ := v.(bool)
	return b
}
