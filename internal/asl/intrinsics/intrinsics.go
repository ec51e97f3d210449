// Package intrinsics implements the intrinsic functions of AWS Step Functions
// in JSONPath mode (States.Format, States.Array, States.Hash, … all 18 of
// them): it compiles a call such as "States.Format('Hello {}', $.name)" once
// into an expression tree, and evaluates that tree cheaply, many times,
// against a state's input, the context object and workflow variables.
//
// Evaluation failures are *failure.Error values worded as AWS words them.
// A cause never carries the "An error occurred while executing the state
// '…' (entered at the event id #…). " prefix: the engine adds it.
package intrinsics

import (
	"strings"

	"github.com/stepflow/stepflow/internal/asl/failure"
	"github.com/stepflow/stepflow/internal/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// Expr is a compiled intrinsic function call. It is immutable and safe for
// concurrent use.
type Expr struct {
	text string // as written, for String and for causes
	root node   // always a call
}

// IsCall reports whether s is meant as an intrinsic function call rather
// than a path: it starts with "States." (after optional white space). It
// does not check the call; Parse does.
func IsCall(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, wsChars), "States.")
}

// Parse compiles a call such as "States.Format('Hello {}', $.name)".
//
// Arguments are string literals in single quotes (where \' \{ \} and \\ are
// the only escapes), numbers, true, false, null, JSONPaths ("$…" for the
// input, "$$…" for the context object, "$name…" for a variable) and nested
// calls, up to MaxDepth calls deep. The function name and the number of
// arguments are checked here; argument types are checked by Eval, since
// most arguments are only known at run time. Errors are *SyntaxError.
func Parse(s string) (*Expr, error) {
	p := parser{src: s}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	return &Expr{text: s, root: root}, nil
}

// MustParse is Parse that panics on error; for literals in tests and tables.
func MustParse(s string) *Expr {
	e, err := Parse(s)
	if err != nil {
		panic("intrinsics.MustParse(" + s + "): " + err.Error())
	}
	return e
}

// String returns the call as it was written.
func (e *Expr) String() string { return e.text }

// Env is what a call is evaluated against.
type Env struct {
	Input   jsonv.Value                           // for "$..." arguments
	Context jsonv.Value                           // for "$$..." arguments
	Var     func(name string) (jsonv.Value, bool) // for "$name..." arguments; may be nil
	// Rand is the randomness for States.MathRandom (without a seed) and
	// States.UUID, injected because the engine is deterministic. When nil,
	// a non-deterministic source is used.
	Rand interface{ Uint64() uint64 }
}

// Eval runs the call.
//
// A path argument that selects nothing fails with States.Runtime; a function
// given arguments it cannot work with fails with States.IntrinsicFailure.
// Either way the cause reads "The function '<call as written>' had the
// following error: …", as on AWS.
func (e *Expr) Eval(env *Env) (jsonv.Value, error) {
	if env == nil {
		env = &Env{}
	}
	v, ferr := e.root.eval(env)
	if ferr != nil {
		return nil, &failure.Error{
			Name:  ferr.name,
			Cause: "The function '" + e.text + "' had the following error: " + ferr.detail,
		}
	}
	return v, nil
}

// evalError is a failure inside the tree; Eval names the whole call in it.
type evalError struct {
	name   string // failure.IntrinsicFailure or failure.Runtime
	detail string
}

// Variables returns the names of the workflow variables the call's path
// arguments read ("$name…"), in the order they appear, repeats included.
func (e *Expr) Variables() []string {
	var out []string
	var walk func(n *node)
	walk = func(n *node) {
		if n.kind == nodePath && n.root == jsonpath.RootVariable {
			out = append(out, n.path.Variable())
		}
		for i := range n.args {
			walk(&n.args[i])
		}
	}
	walk(&e.root)
	return out
}
