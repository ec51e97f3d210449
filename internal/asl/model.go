// Package asl owns the Amazon States Language model: it validates a
// definition the way AWS does (through package validate) and compiles it into
// a StateMachine whose paths, intrinsic calls, payload templates and JSONata
// expressions ("{% … %}", package jsonata) are parsed once, so the engine
// only evaluates them. It also holds the rules the engine and TestState
// share: error matching, the JSONata environment ($states, the functions
// Step Functions adds, States.QueryEvaluationError's causes) and the
// variables each state reads (DescribeStateMachine's variableReferences).
package asl

import (
	"time"

	"github.com/stepflow/stepflow/internal/asl/intrinsics"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Query languages.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// StateType is the Type field of a state.
type StateType string

// The state types.
const (
	Pass     StateType = "Pass"
	Task     StateType = "Task"
	Choice   StateType = "Choice"
	Wait     StateType = "Wait"
	Succeed  StateType = "Succeed"
	Fail     StateType = "Fail"
	Parallel StateType = "Parallel"
	Map      StateType = "Map"
)

// StateMachine is a compiled definition, or one branch or item processor of
// one.
type StateMachine struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	Order          []string // state names in definition order
	TimeoutSeconds int64    // execution timeout; 0 means none
	Version        string
	QueryLanguage  string
	Raw            *jsonv.Object
}

// OptPath is an optional path field such as InputPath: nil means the field
// was absent (the default "$" applies), Null means it was JSON null.
type OptPath struct {
	Path *jsonpath.Path
	Null bool
}

// Expr is a dynamic value: a JSONPath (against the input, the context object
// or a variable) or an intrinsic function call.
type Expr struct {
	Text string
	Path *jsonpath.Path
	Call *intrinsics.Expr
}

// State is one compiled state.
type State struct {
	Name          string
	Type          StateType
	Comment       string
	Next          string
	End           bool
	QueryLanguage string
	// JSONata is set when QueryLanguage is JSONata.
	JSONata bool
	Raw     *jsonv.Object
	// UsesContext is set when the state refers to the context object ($$,
	// or $states.context in JSONata), so the engine builds it only for
	// such states.
	UsesContext bool

	InputPath      *OptPath
	OutputPath     *OptPath
	ResultPath     *OptPath
	Parameters     *Template
	ResultSelector *Template
	Result         jsonv.Value
	HasResult      bool
	Assign         *Template

	// JSONata: Arguments (Task, Parallel) and Output; nil when absent.
	Arguments *Template
	Output    *Template

	// Task
	Resource             string
	TimeoutSeconds       int64
	TimeoutSecondsPath   *jsonpath.Path
	TimeoutSecondsExpr   *Query // JSONata
	HeartbeatSeconds     int64
	HeartbeatSecondsPath *jsonpath.Path
	HeartbeatSecondsExpr *Query // JSONata
	Credentials          *Template
	Retry                []*Retrier
	Catch                []*Catcher

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds       int64
	HasSeconds    bool
	Timestamp     time.Time
	HasTimestamp  bool
	SecondsPath   *jsonpath.Path
	TimestampPath *jsonpath.Path
	SecondsExpr   *Query // JSONata
	TimestampExpr *Query // JSONata

	// Fail
	Error     string
	Cause     string
	ErrorPath *Expr
	CausePath *Expr
	ErrorExpr *Query // JSONata
	CauseExpr *Query // JSONata

	// Parallel
	Branches []*StateMachine

	// Map
	ItemsPath                      *jsonpath.Path
	Items                          *Template // JSONata
	ItemSelector                   *Template
	ItemProcessor                  *StateMachine
	ProcessorMode                  string // INLINE or DISTRIBUTED
	ExecutionType                  string // STANDARD or EXPRESS for DISTRIBUTED
	MaxConcurrency                 int64
	MaxConcurrencyPath             *jsonpath.Path
	MaxConcurrencyExpr             *Query // JSONata
	ToleratedFailureCount          int64
	HasToleratedFailureCount       bool
	ToleratedFailureCountPath      *jsonpath.Path
	ToleratedFailureCountExpr      *Query // JSONata
	ToleratedFailurePercentage     float64
	HasToleratedFailurePercentage  bool
	ToleratedFailurePercentagePath *jsonpath.Path
	ToleratedFailurePercentageExpr *Query // JSONata
	Label                          string
	ItemReader                     *jsonv.Object
	ItemBatcher                    *jsonv.Object
	Batcher                        *Batcher // ItemBatcher, compiled
	ResultWriter                   *jsonv.Object
	// Reader and Writer are ItemReader and ResultWriter, compiled; nil
	// when absent.
	Reader *ItemReader
	Writer *ResultWriter
}

// ItemReader is a distributed Map's compiled ItemReader: where the items
// come from (an S3 object or an S3 listing) and how they are parsed.
type ItemReader struct {
	// Resource is the reader's integration (arn:aws:states:::s3:getObject
	// or arn:aws:states:::s3:listObjectsV2).
	Resource string
	// Parameters is the Parameters (JSONPath) or Arguments (JSONata)
	// template: Bucket, Key or Prefix, ...; nil when absent.
	Parameters *Template
	// Config is ReaderConfig as written (InputType, CSVHeaderLocation,
	// CSVHeaders, CSVDelimiter, ...) without MaxItems and MaxItemsPath;
	// nil when absent.
	Config *jsonv.Object
	// MaxItems limits how many items are read: a number, a path
	// (MaxItemsPath, JSONPath) or an expression (JSONata); 0 means no
	// limit.
	MaxItems     int64
	MaxItemsPath *jsonpath.Path
	MaxItemsExpr *Query
}

// ResultWriter is a distributed Map's compiled ResultWriter.
type ResultWriter struct {
	// Resource is the writer's integration (arn:aws:states:::s3:putObject);
	// "" when only WriterConfig is given (the results are transformed and
	// returned, not exported).
	Resource string
	// Parameters is the Parameters (JSONPath) or Arguments (JSONata)
	// template: Bucket and Prefix; nil when absent.
	Parameters *Template
	// Transformation (NONE, COMPACT, FLATTEN) and OutputType (JSON, JSONL)
	// come from WriterConfig; "" when not given.
	Transformation string
	OutputType     string
}

// Batcher is a distributed Map's compiled ItemBatcher. Each limit is a
// number, a path (JSONPath) or an expression (JSONata); 0 means none.
type Batcher struct {
	MaxItems     int64
	MaxItemsPath *jsonpath.Path
	MaxItemsExpr *Query
	MaxBytes     int64
	MaxBytesPath *jsonpath.Path
	MaxBytesExpr *Query
	// BatchInput is the template of the batches' "BatchInput"; nil when
	// absent.
	BatchInput *Template
}

// Retrier is one element of a Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds int64
	JitterStrategy  string // FULL or NONE
	// JSONata: the fields written as expressions, evaluated when the
	// retrier applies.
	IntervalSecondsExpr *Query
	MaxAttemptsExpr     *Query
	BackoffRateExpr     *Query
	MaxDelaySecondsExpr *Query
}

// Dynamic reports whether some of the retrier's fields are expressions.
func (r *Retrier) Dynamic() bool {
	return r.IntervalSecondsExpr != nil || r.MaxAttemptsExpr != nil || r.BackoffRateExpr != nil || r.MaxDelaySecondsExpr != nil
}

// Catcher is one element of a Catch field.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *OptPath
	Assign      *Template
	Output      *Template // JSONata
}

// ChoiceRule is one Choice rule or a nested boolean expression of one.
type ChoiceRule struct {
	Op        string         // comparison operator (e.g. "NumericEquals", "StringMatches", "IsPresent") or "And", "Or", "Not"
	Variable  *jsonpath.Path // the value compared
	Value     jsonv.Value    // literal operand
	ValuePath *jsonpath.Path // operand of the *Path operators
	Children  []*ChoiceRule  // And/Or operands; Not has one
	Next      string         // top-level rules only
	Assign    *Template
	// JSONata: Condition is the rule's test, a boolean expression or,
	// when nil, the literal ConditionValue; Output is the rule's output.
	Condition      *Query
	ConditionValue bool
	Output         *Template
}
