// Package expr is DynamoDB's expression language: condition and filter
// expressions, key condition expressions, update expressions and
// projection expressions. It parses an expression with its
// ExpressionAttributeNames and ExpressionAttributeValues into a compiled
// form, reporting the first problem with AWS's ValidationException text
// ("Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near:
// \"a =\"", "... Attribute name is a reserved keyword; reserved keyword:
// name", ...), and evaluates the compiled form against items.
//
// A compiled expression is immutable and safe for concurrent use.
package expr

import (
	"unicode/utf8"
)

// tokKind is a lexical token's kind.
type tokKind uint8

const (
	tEOF     tokKind = iota
	tIdent           // name, also keywords (AND, SET, ...) and function names
	tName            // #name
	tValue           // :value
	tNumber          // digits (list indexes)
	tLParen          // (
	tRParen          // )
	tLBrack          // [
	tRBrack          // ]
	tComma           // ,
	tDot             // .
	tEq              // =
	tNe              // <>
	tLt              // <
	tLe              // <=
	tGt              // >
	tGe              // >=
	tPlus            // +
	tMinus           // -
	tIllegal         // any other character
)

// token is one token: its kind and its byte span in the source.
type token struct {
	kind       tokKind
	start, end int
}

// lex splits src into tokens, ending with tEOF. Whitespace separates
// tokens and is not kept.
func lex(src string) []token {
	toks := make([]token, 0, len(src)/3+2)
	i := 0
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
			i++
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, start: len(src), end: len(src)})
			return toks
		}
		start := i
		c := src[i]
		kind := tIllegal
		switch {
		case isIdentStart(c):
			i++
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			kind = tIdent
		case c == '#' || c == ':':
			i++
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			if i == start+1 {
				kind = tIllegal
			} else if c == '#' {
				kind = tName
			} else {
				kind = tValue
			}
		case c >= '0' && c <= '9':
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			kind = tNumber
		case c == '<':
			i++
			switch {
			case i < len(src) && src[i] == '>':
				i++
				kind = tNe
			case i < len(src) && src[i] == '=':
				i++
				kind = tLe
			default:
				kind = tLt
			}
		case c == '>':
			i++
			if i < len(src) && src[i] == '=' {
				i++
				kind = tGe
			} else {
				kind = tGt
			}
		default:
			i++
			switch c {
			case '(':
				kind = tLParen
			case ')':
				kind = tRParen
			case '[':
				kind = tLBrack
			case ']':
				kind = tRBrack
			case ',':
				kind = tComma
			case '.':
				kind = tDot
			case '=':
				kind = tEq
			case '+':
				kind = tPlus
			case '-':
				kind = tMinus
			default:
				if c >= utf8.RuneSelf {
					_, size := utf8.DecodeRuneInString(src[start:])
					i = start + size
				}
			}
		}
		toks = append(toks, token{kind: kind, start: start, end: i})
	}
}

// isIdentStart: a name starts with a letter ("_type" is a syntax error at
// "_" on AWS).
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c == '_' || c >= '0' && c <= '9' }

// keyword reports whether an identifier is the keyword kw (upper case),
// ignoring case.
func keyword(text, kw string) bool {
	if len(text) != len(kw) {
		return false
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != kw[i] {
			return false
		}
	}
	return true
}
