package jsonata

import (
	"time"
)

// Expr is a compiled JSONata expression; safe for concurrent use.
type Expr struct {
	src  string
	root *node
	vars []string
}

// Env is what an evaluation sees.
type Env struct {
	// Input is the context value `$`. nil (or Undefined) means no input
	// (undefined); a JSON array input is treated as one value, as jsonata-js
	// does for the input document.
	Input any
	// Vars are extra variable bindings looked up by name without the '$'
	// (e.g. "states", "myVar"). They are consulted after local bindings and
	// before the built-in functions. nil means none.
	Vars func(name string) (value any, ok bool)
	// Funcs are extra host functions (AWS adds $partition, $range, $hash,
	// $random, $uuid, $parse); they take precedence over built-ins of the
	// same name. nil means none.
	Funcs map[string]Function
	// Now is the evaluation's timestamp for $now()/$millis(), fixed for the
	// whole evaluation. Zero means time.Now().
	Now time.Time
	// MaxDepth bounds the evaluation depth: nested evaluations of expression
	// nodes, counted as jsonata-js's test suite counts them (0 =
	// DefaultMaxDepth). Tail calls do not add depth. Exceeding it returns
	// *Error with code U1001 ("Stack overflow error: ...").
	MaxDepth int
	// MaxSteps bounds evaluation work: one step per node evaluation plus one
	// per item allocated by ranges, sorting, padding and the like (0 =
	// DefaultMaxSteps, a few hundred milliseconds of work). Exceeding it
	// returns *Error with code U1001 and the message "Expression evaluation
	// timeout: Check for infinite loop".
	MaxSteps int
}

// Function is a host function. args are already evaluated and converted to
// jsonv values; undefined arguments are passed as Undefined (function values
// are passed as opaque values). Host functions have no signature: they get
// exactly the arguments written. An error that is not an *Error is reported
// as an *Error with code D3137 and the error's text as the message.
type Function func(args []any) (any, error)

type undefinedType struct{}

func (undefinedType) String() string { return "undefined" }

// Undefined is JSONata's "no value" (distinct from JSON null). Results may
// be Undefined.
var Undefined any = undefinedType{}

// FunctionResult is what Eval returns when the expression's result is a function
// (a lambda or a built-in): a value that is not JSON, for the caller to
// reject or show as it needs.
var FunctionResult any = functionType{}

type functionType struct{}

// Compile parses a JSONata expression. Syntax errors are *Error with
// JSONata's code (e.g. "S0201") and message.
func Compile(src string) (*Expr, error) {
	return compile(src)
}

// Eval evaluates the expression. Values in and out are jsonv values: nil
// (JSON null), bool, jsonv.Number, string, []any, *jsonv.Object; plus
// Undefined. Runtime errors are *Error.
func (e *Expr) Eval(env Env) (any, error) {
	return e.eval(env)
}

// Variables returns the variable names (without '$') referenced by the
// expression that are not bound inside it (free variables), in
// first-appearance order. The context ($) and root ($$) references and the
// names of JSONata's standard library functions ($sum, $now, ...) are not
// included; host functions (Env.Funcs) are, so callers filter their own.
func (e *Expr) Variables() []string {
	return append([]string(nil), e.vars...)
}
