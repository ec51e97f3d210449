// Package asl owns the Amazon States Language model: it validates a
// definition the way AWS does (through package validate) and compiles it into
// a StateMachine whose paths, intrinsic calls and payload templates are parsed
// once, so the engine only evaluates them.
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
	Raw           *jsonv.Object
	// UsesContext is set when the state refers to the context object ($$),
	// so the engine builds it only for such states.
	UsesContext bool

	InputPath      *OptPath
	OutputPath     *OptPath
	ResultPath     *OptPath
	Parameters     *Template
	ResultSelector *Template
	Result         jsonv.Value
	HasResult      bool
	Assign         *Template

	// Task
	Resource             string
	TimeoutSeconds       int64
	TimeoutSecondsPath   *jsonpath.Path
	HeartbeatSeconds     int64
	HeartbeatSecondsPath *jsonpath.Path
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

	// Fail
	Error     string
	Cause     string
	ErrorPath *Expr
	CausePath *Expr

	// Parallel
	Branches []*StateMachine

	// Map
	ItemsPath                      *jsonpath.Path
	ItemSelector                   *Template
	ItemProcessor                  *StateMachine
	ProcessorMode                  string // INLINE or DISTRIBUTED
	ExecutionType                  string // STANDARD or EXPRESS for DISTRIBUTED
	MaxConcurrency                 int64
	MaxConcurrencyPath             *jsonpath.Path
	ToleratedFailureCount          int64
	HasToleratedFailureCount       bool
	ToleratedFailureCountPath      *jsonpath.Path
	ToleratedFailurePercentage     float64
	HasToleratedFailurePercentage  bool
	ToleratedFailurePercentagePath *jsonpath.Path
	Label                          string
	ItemReader                     *jsonv.Object
	ItemBatcher                    *jsonv.Object
	ResultWriter                   *jsonv.Object
}

// Retrier is one element of a Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds int64
	JitterStrategy  string // FULL or NONE
}

// Catcher is one element of a Catch field.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *OptPath
	Assign      *Template
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
}
