// Package jsonata implements the JSONata 2.x query and transformation
// language as AWS Step Functions runs it ("QueryLanguage": "JSONata").
// Expressions are compiled once with Compile and evaluated many times, also
// concurrently, with Expr.Eval over jsonv values.
//
// The implementation follows jsonata-js 2.2: the parser, the post-parse
// processing of paths, the sequence semantics (singleton sequences
// collapse, [] keeps arrays, nested results flatten), tuple streams for
// focus (@), index (#) and parent (%) bindings, tail calls, the error codes
// and messages, and the whole standard library including picture strings
// for $formatNumber, $formatInteger, $parseInteger, $fromMillis and
// $toMillis. It passes the official JSONata test suite except for the cases
// listed in testdata/known_failures.txt.
//
// Numbers are IEEE doubles as in JavaScript: results are written the way
// JavaScript writes numbers (1e+21, 1e-7, no "-0"); producing Infinity or
// NaN is error D1001. Object keys keep their insertion order (input order
// for input objects, evaluation order for constructed ones); unlike
// JavaScript, integer-like keys are not moved first.
//
// Known differences from jsonata-js:
//   - Regular expressions run on Go's RE2. Backreferences (\1, \k<name>) and
//     lookaround ((?=, (?!, (?<=, (?<!) cannot be expressed and are rejected
//     when the expression is compiled, with error S0303. Matching works on
//     code points rather than UTF-16 code units; $match reports index in
//     UTF-16 units as JavaScript does.
//   - Strings are UTF-8: a lone UTF-16 surrogate cannot be represented (a
//     \uD800 escape in a string literal is kept as invalid UTF-8, which the
//     URL functions reject as jsonata-js does).
//   - $toMillis without a picture reads date-times without an offset as UTC
//     (JavaScript uses the host's zone); AWS runs in UTC.
//   - Evaluation is bounded by Env.MaxDepth and Env.MaxSteps instead of a
//     wall-clock timeout; both report code U1001 as the test suite's
//     harness does.
package jsonata
