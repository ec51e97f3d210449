package expr

import (
	"sort"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// Update is a compiled update expression.
type Update struct {
	sets    []setAction
	removes []Path
	adds    []setAction
	deletes []setAction
}

type setAction struct {
	path Path
	val  *operand
}

// Runtime errors of update expressions, as AWS words them.
var (
	errMissingOperand = &Error{Msg: "The provided expression refers to an attribute that does not exist in the item"}
	errOperandType    = &Error{Msg: "An operand in the update expression has an incorrect data type"}
	errInvalidPath    = &Error{Msg: "The document path provided in the update expression is invalid for update"}
)

// Section keywords, in the order of Update's section flags.
var sectionNames = [4]string{"SET", "REMOVE", "ADD", "DELETE"}

// ParseUpdate compiles an update expression (SET, REMOVE, ADD and DELETE
// sections, each at most once).
func ParseUpdate(src string, ctx *Context) (*Update, error) {
	p := newParser(src, "UpdateExpression", ctx)
	u := &Update{}
	err := p.run(func() {
		for {
			t := p.peek()
			if t.kind == tEOF && (len(u.sets)+len(u.removes)+len(u.adds)+len(u.deletes)) > 0 {
				return
			}
			sec := -1
			for i, kw := range sectionNames {
				if p.isKeyword(t, kw) {
					sec = i
				}
			}
			if sec < 0 {
				panic(syntaxError{p.pos})
			}
			p.pos++
			if p.section[sec] {
				p.fail(catSection, "The \""+sectionNames[sec]+"\" section can only be used once in an update expression;")
			}
			p.section[sec] = true
			for {
				p.updateAction(u, sec)
				if p.peek().kind != tComma {
					break
				}
				p.pos++
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := p.result(updateOrder); err != nil {
		return nil, err
	}
	return u, nil
}

var typeWords = map[attr.Type]string{
	attr.S: "STRING", attr.N: "NUMBER", attr.B: "BINARY", attr.NULL: "NULL", attr.BOOL: "BOOLEAN", attr.L: "LIST", attr.M: "MAP",
}

func (p *parser) updateAction(u *Update, sec int) {
	path, _ := p.path()
	p.checkPaths(path)
	switch sec {
	case 0: // SET path = value
		p.expect(tEq)
		u.sets = append(u.sets, setAction{path: path, val: p.setValue()})
	case 1:
		u.removes = append(u.removes, path)
	case 2, 3: // ADD/DELETE path :value
		if p.peek().kind != tValue {
			panic(syntaxError{p.pos})
		}
		v := p.operand(false)
		if !v.undefined {
			t := v.val.T
			if w, bad := typeWords[t]; bad && !(sec == 2 && t == attr.N) {
				p.fail(catOperandType, "Incorrect operand type for operator or function; operator: "+sectionNames[sec]+", operand type: "+w)
			}
		}
		a := setAction{path: path, val: v}
		if sec == 2 {
			u.adds = append(u.adds, a)
		} else {
			u.deletes = append(u.deletes, a)
		}
	}
}

// setValue parses operand [ ("+" | "-") operand ].
func (p *parser) setValue() *operand {
	a := p.operand(false)
	t := p.peek()
	if t.kind != tPlus && t.kind != tMinus {
		return a
	}
	p.pos++
	b := p.operand(false)
	fn := "+"
	if t.kind == tMinus {
		fn = "-"
	}
	o := &operand{kind: oFunc, fn: fn, args: []*operand{a, b}}
	for _, x := range o.args {
		if x.kind == oValue {
			if st := staticType(x); st != attr.TypeInvalid && st != attr.N {
				p.fail(catFunction, "Incorrect operand type for operator or function; operator or function: "+fn+", operand type: "+st.String())
				break
			}
		}
	}
	return o
}

// Paths lists every document path the update writes or removes.
func (u *Update) Paths() []Path {
	var out []Path
	for _, a := range u.sets {
		out = append(out, a.path)
	}
	out = append(out, u.removes...)
	for _, a := range u.adds {
		out = append(out, a.path)
	}
	for _, a := range u.deletes {
		out = append(out, a.path)
	}
	return out
}

// Apply returns the item the update makes of item (which may be empty, for
// an item that does not exist yet). Every operand is evaluated against the
// item as it was before the update. item is not modified.
func (u *Update) Apply(item attr.Item) (attr.Item, error) {
	sets := make([]attr.Value, len(u.sets))
	for i, a := range u.sets {
		v, err := evalUpdateOperand(a.val, item)
		if err != nil {
			return nil, err
		}
		sets[i] = v
	}
	out := item.Clone()
	for i, a := range u.sets {
		if err := setPath(out, a.path, sets[i]); err != nil {
			return nil, err
		}
	}
	if len(u.removes) > 0 {
		// Remove list elements from the highest index down, so that each
		// index names the element it named before the update.
		rm := append([]Path(nil), u.removes...)
		sort.SliceStable(rm, func(i, j int) bool {
			a, b := rm[i], rm[j]
			if len(a) == len(b) && a[len(a)-1].IsIndex && b[len(b)-1].IsIndex {
				return a[len(a)-1].Index > b[len(b)-1].Index
			}
			return false
		})
		for _, path := range rm {
			if err := removePath(out, path); err != nil {
				return nil, err
			}
		}
	}
	for _, a := range u.adds {
		cur, exists := Resolve(item, a.path)
		v := a.val.val
		var next attr.Value
		switch {
		case !exists:
			next = v
		case cur.T == attr.N && v.T == attr.N:
			sum, err := attr.AddNumbers(cur.Str, v.Str)
			if err != nil {
				return nil, &Error{Msg: err.Error()}
			}
			next = attr.Value{T: attr.N, Str: sum}
		case cur.T == v.T && attr.ElemType(cur.T) != attr.TypeInvalid:
			set := append([]string(nil), cur.Set...)
			for _, e := range v.Set {
				if !containsStr(set, e) {
					set = append(set, e)
				}
			}
			next = attr.Value{T: cur.T, Set: set}
		default:
			return nil, errOperandType
		}
		if err := setPath(out, a.path, next); err != nil {
			return nil, err
		}
	}
	for _, a := range u.deletes {
		cur, exists := Resolve(item, a.path)
		if !exists {
			continue
		}
		v := a.val.val
		if cur.T != v.T {
			return nil, errOperandType
		}
		set := make([]string, 0, len(cur.Set))
		for _, e := range cur.Set {
			if !containsStr(v.Set, e) {
				set = append(set, e)
			}
		}
		if len(set) == 0 {
			if err := removePath(out, a.path); err != nil {
				return nil, err
			}
			continue
		}
		if err := setPath(out, a.path, attr.Value{T: cur.T, Set: set}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func containsStr(set []string, s string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// evalUpdateOperand computes a SET value.
func evalUpdateOperand(o *operand, item attr.Item) (attr.Value, error) {
	switch o.kind {
	case oValue:
		return o.val, nil
	case oPath:
		v, ok := Resolve(item, o.path)
		if !ok {
			return attr.Value{}, errMissingOperand
		}
		return v, nil
	}
	switch o.fn {
	case "if_not_exists":
		if v, ok := Resolve(item, o.args[0].path); ok {
			return v, nil
		}
		return evalUpdateOperand(o.args[1], item)
	case "list_append":
		a, err := evalUpdateOperand(o.args[0], item)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := evalUpdateOperand(o.args[1], item)
		if err != nil {
			return attr.Value{}, err
		}
		if a.T != attr.L || b.T != attr.L {
			return attr.Value{}, errOperandType
		}
		l := make([]attr.Value, 0, len(a.List)+len(b.List))
		l = append(append(l, a.List...), b.List...)
		return attr.Value{T: attr.L, List: l}, nil
	case "+", "-":
		a, err := evalUpdateOperand(o.args[0], item)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := evalUpdateOperand(o.args[1], item)
		if err != nil {
			return attr.Value{}, err
		}
		if a.T != attr.N || b.T != attr.N {
			return attr.Value{}, errOperandType
		}
		var r string
		if o.fn == "+" {
			r, err = attr.AddNumbers(a.Str, b.Str)
		} else {
			r, err = attr.SubNumbers(a.Str, b.Str)
		}
		if err != nil {
			return attr.Value{}, &Error{Msg: err.Error()}
		}
		return attr.Value{T: attr.N, Str: r}, nil
	}
	return attr.Value{}, errOperandType
}

// setPath writes v at path in item (whose top-level map it modifies),
// copying the nested lists and maps it changes.
func setPath(item attr.Item, path Path, v attr.Value) error {
	if len(path) == 1 {
		item[path[0].Name] = v
		return nil
	}
	cur, ok := item[path[0].Name]
	if !ok {
		return errInvalidPath
	}
	nv, err := setIn(cur, path[1:], v)
	if err != nil {
		return err
	}
	item[path[0].Name] = nv
	return nil
}

func setIn(cur attr.Value, path Path, v attr.Value) (attr.Value, error) {
	e := path[0]
	if e.IsIndex {
		if cur.T != attr.L {
			return attr.Value{}, errInvalidPath
		}
		l := append([]attr.Value(nil), cur.List...)
		if len(path) == 1 {
			if e.Index >= len(l) {
				l = append(l, v)
			} else {
				l[e.Index] = v
			}
			return attr.Value{T: attr.L, List: l}, nil
		}
		if e.Index >= len(l) {
			return attr.Value{}, errInvalidPath
		}
		nv, err := setIn(l[e.Index], path[1:], v)
		if err != nil {
			return attr.Value{}, err
		}
		l[e.Index] = nv
		return attr.Value{T: attr.L, List: l}, nil
	}
	if cur.T != attr.M {
		return attr.Value{}, errInvalidPath
	}
	m := make(map[string]attr.Value, len(cur.Map)+1)
	for k, x := range cur.Map {
		m[k] = x
	}
	if len(path) == 1 {
		m[e.Name] = v
		return attr.Value{T: attr.M, Map: m}, nil
	}
	child, ok := m[e.Name]
	if !ok {
		return attr.Value{}, errInvalidPath
	}
	nv, err := setIn(child, path[1:], v)
	if err != nil {
		return attr.Value{}, err
	}
	m[e.Name] = nv
	return attr.Value{T: attr.M, Map: m}, nil
}

// removePath deletes the value at path; a path that names nothing is left
// alone.
func removePath(item attr.Item, path Path) error {
	if len(path) == 1 {
		delete(item, path[0].Name)
		return nil
	}
	cur, ok := item[path[0].Name]
	if !ok {
		return nil
	}
	nv, changed, err := removeIn(cur, path[1:])
	if err != nil || !changed {
		return err
	}
	item[path[0].Name] = nv
	return nil
}

func removeIn(cur attr.Value, path Path) (attr.Value, bool, error) {
	e := path[0]
	if e.IsIndex {
		if cur.T != attr.L {
			return cur, false, errInvalidPath
		}
		if e.Index >= len(cur.List) {
			return cur, false, nil
		}
		l := append([]attr.Value(nil), cur.List...)
		if len(path) == 1 {
			l = append(l[:e.Index], l[e.Index+1:]...)
			return attr.Value{T: attr.L, List: l}, true, nil
		}
		nv, changed, err := removeIn(l[e.Index], path[1:])
		if err != nil || !changed {
			return cur, false, err
		}
		l[e.Index] = nv
		return attr.Value{T: attr.L, List: l}, true, nil
	}
	if cur.T != attr.M {
		return cur, false, errInvalidPath
	}
	child, ok := cur.Map[e.Name]
	if !ok {
		return cur, false, nil
	}
	m := make(map[string]attr.Value, len(cur.Map))
	for k, x := range cur.Map {
		m[k] = x
	}
	if len(path) == 1 {
		delete(m, e.Name)
		return attr.Value{T: attr.M, Map: m}, true, nil
	}
	nv, changed, err := removeIn(child, path[1:])
	if err != nil || !changed {
		return cur, false, err
	}
	m[e.Name] = nv
	return attr.Value{T: attr.M, Map: m}, true, nil
}
