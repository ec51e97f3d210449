package jsonata

import (
	"github.com/stepflow/stepflow/internal/jsonv"
)

// signature is a parsed function signature such as <s-nn?:s>. Arguments
// are validated the way jsonata-js does: each argument becomes a type
// symbol and the symbols are matched against one regular-expression-like
// pattern per parameter (backtracking, greedy quantifiers).
type signature struct {
	def    string
	params []sigParam
}

type sigParam struct {
	typ     string // s n b l o a f j x or (choice)
	allowed string // symbols accepted (the regex character class)
	quant   byte   // 0, '?' or '+'
	context bool   // '-': use the context value when missing
	ctxOK   string // symbols accepted for the context value
	subtype string // <...> for a and f
}

var arraySignatureMapping = map[string]string{
	"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings",
}

// parseSignature parses "<...>". Errors carry the offset in Error.index.
func parseSignature(sig string) (s *signature, err *Error) {
	s = &signature{def: sig}
	var prev *sigParam
	pos := 1
	for pos < len(sig) {
		c := sig[pos]
		if c == ':' {
			break
		}
		add := func(p sigParam) {
			s.params = append(s.params, p)
			prev = &s.params[len(s.params)-1]
		}
		switch c {
		case 's', 'n', 'b', 'l', 'o':
			add(sigParam{typ: string(c), allowed: string(c) + "m"})
		case 'a':
			add(sigParam{typ: "a", allowed: "asnblfom"})
		case 'f':
			add(sigParam{typ: "f", allowed: "f"})
		case 'j':
			add(sigParam{typ: "j", allowed: "asnblom"})
		case 'x':
			add(sigParam{typ: "x", allowed: "asnblfom"})
		case '-':
			if prev != nil {
				prev.context = true
				prev.ctxOK = prev.allowed
				prev.quant = '?'
			}
		case '?', '+':
			if prev != nil && prev.quant == 0 {
				prev.quant = c
			}
		case '(':
			end := closingBracket(sig, pos, '(', ')')
			if end > len(sig) {
				end = len(sig)
			}
			choice := sig[pos+1 : end]
			for i := 0; i < len(choice); i++ {
				if choice[i] == '<' {
					e := newError("S0402").withValue(choice)
					e.index = pos
					return nil, e
				}
			}
			add(sigParam{typ: "(" + choice + ")", allowed: choice + "m"})
			pos = end
		case '<':
			if prev != nil && (prev.typ == "a" || prev.typ == "f") {
				end := closingBracket(sig, pos, '<', '>')
				if end > len(sig) {
					end = len(sig)
				}
				prev.subtype = sig[pos+1 : end]
				pos = end
			} else {
				t := ""
				if prev != nil {
					t = prev.typ
				}
				e := newError("S0401").withValue(t)
				e.index = pos
				return nil, e
			}
		}
		pos++
	}
	return s, nil
}

func closingBracket(s string, start int, open, close byte) int {
	depth := 1
	pos := start
	for pos < len(s) {
		pos++
		if pos >= len(s) {
			break
		}
		if s[pos] == close {
			depth--
			if depth == 0 {
				break
			}
		} else if s[pos] == open {
			depth++
		}
	}
	return pos
}

// symbolOf is the signature symbol of a value.
func symbolOf(v any) byte {
	switch v.(type) {
	case *lambda, *builtin, *regexFn:
		return 'f'
	case string:
		return 's'
	case float64, jsonv.Number:
		return 'n'
	case bool:
		return 'b'
	case nil:
		return 'l'
	case []any, *seq:
		return 'a'
	case *jsonv.Object:
		return 'o'
	}
	return 'm'
}

func accepts(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

// match matches syms against params[i:] from pos, filling caps with the
// number of symbols each parameter consumed. anchored requires the whole
// string to be consumed; otherwise it returns the first match found (as a
// JavaScript regex without '$' would) and end receives its length.
func (s *signature) match(syms []byte, i, pos int, caps []int, anchored bool, end *int) bool {
	if i == len(s.params) {
		if anchored && pos != len(syms) {
			return false
		}
		*end = pos
		return true
	}
	p := &s.params[i]
	max := 0
	for pos+max < len(syms) && accepts(p.allowed, syms[pos+max]) {
		max++
		if p.quant != '+' {
			break
		}
	}
	min := 1
	if p.quant == '?' {
		min = 0
	}
	for n := max; n >= min; n-- {
		caps[i] = n
		if s.match(syms, i+1, pos+n, caps, anchored, end) {
			return true
		}
	}
	return false
}

// validate checks args against the signature, substituting the context
// value and wrapping singletons into arrays as jsonata-js does.
func (s *signature) validate(args []any, context any) []any {
	var symBuf [8]byte
	syms := symBuf[:0]
	for _, a := range args {
		syms = append(syms, symbolOf(a))
	}
	var capBuf [8]int
	caps := capBuf[:0]
	for range s.params {
		caps = append(caps, 0)
	}
	var end int
	if !s.match(syms, 0, 0, caps, true, &end) {
		s.throwValidationError(args, syms)
	}
	out := make([]any, 0, len(s.params))
	argIndex := 0
	pos := 0
	argAt := func(i int) any {
		if i < len(args) {
			return args[i]
		}
		return Undefined
	}
	for i := range s.params {
		p := &s.params[i]
		n := caps[i]
		if n == 0 {
			if p.context {
				if accepts(p.ctxOK, symbolOf(context)) {
					out = append(out, context)
				} else {
					e := newError("T0411").withValue(context)
					e.index = argIndex + 1
					throw(e)
				}
			} else {
				out = append(out, argAt(argIndex))
				argIndex++
			}
			continue
		}
		match := syms[pos : pos+n]
		pos += n
		for _, single := range match {
			arg := argAt(argIndex)
			if p.typ == "a" {
				if single == 'm' {
					arg = Undefined
				} else {
					ok := true
					if p.subtype != "" {
						if single != 'a' && string(match) != p.subtype {
							ok = false
						} else if single == 'a' {
							items, _ := arr(arg)
							if len(items) > 0 {
								it := symbolOf(items[0])
								if it != p.subtype[0] {
									ok = false
								} else {
									for _, v := range items {
										if symbolOf(v) != it {
											ok = false
											break
										}
									}
								}
							}
						}
					}
					if !ok {
						e := newError("T0412").withValue(arg)
						e.index = argIndex + 1
						e.typ = arraySignatureMapping[p.subtype]
						throw(e)
					}
					if single != 'a' {
						arg = []any{arg}
					}
				}
			}
			out = append(out, arg)
			argIndex++
		}
	}
	return out
}

func (s *signature) throwValidationError(args []any, syms []byte) {
	goodTo := 0
	caps := make([]int, len(s.params))
	for k := range s.params {
		prefix := &signature{params: s.params[:k+1]}
		var end int
		if !prefix.match(syms, 0, 0, caps, false, &end) {
			break
		}
		goodTo = end
	}
	var v any = Undefined
	if goodTo < len(args) {
		v = args[goodTo]
	}
	e := newError("T0410").withValue(v)
	e.index = goodTo + 1
	throw(e)
}
