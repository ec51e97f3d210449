package expr

import (
	"sort"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// Projection is a compiled projection expression: the document paths to
// return.
type Projection struct {
	paths []Path
}

// ParseProjection compiles a projection expression (paths separated by
// commas).
func ParseProjection(src string, ctx *Context) (*Projection, error) {
	p := newParser(src, "ProjectionExpression", ctx)
	pr := &Projection{}
	err := p.run(func() {
		for {
			path, _ := p.path()
			p.checkPaths(path)
			pr.paths = append(pr.paths, path)
			if p.peek().kind != tComma {
				break
			}
			p.pos++
		}
		if p.peek().kind != tEOF {
			panic(syntaxError{p.pos})
		}
	})
	if err != nil {
		return nil, err
	}
	if err := p.result(projectionOrder); err != nil {
		return nil, err
	}
	return pr, nil
}

// NewProjection returns the projection of the named top-level attributes
// (AttributesToGet, index projections).
func NewProjection(names []string) *Projection {
	pr := &Projection{paths: make([]Path, len(names))}
	for i, n := range names {
		pr.paths[i] = Path{{Name: n}}
	}
	return pr
}

// Paths lists the projected paths.
func (pr *Projection) Paths() []Path { return pr.paths }

// Apply returns the parts of item the projection selects. Elements picked
// from one list keep their order and close up.
func (pr *Projection) Apply(item attr.Item) attr.Item {
	out := make(attr.Item, len(pr.paths))
	var nested map[string]*pnode
	for _, path := range pr.paths {
		v, ok := Resolve(item, path)
		if !ok {
			continue
		}
		if len(path) == 1 {
			out[path[0].Name] = v
			continue
		}
		if nested == nil {
			nested = map[string]*pnode{}
		}
		n := nested[path[0].Name]
		if n == nil {
			n = &pnode{}
			nested[path[0].Name] = n
		}
		for _, e := range path[1:] {
			n = n.child(e)
		}
		n.leaf, n.val = true, v
	}
	for name, n := range nested {
		out[name] = n.value()
	}
	return out
}

// pnode is a partial projection of a list or map.
type pnode struct {
	leaf   bool
	val    attr.Value
	fields map[string]*pnode
	elems  map[int]*pnode
}

func (n *pnode) child(e PathElem) *pnode {
	if e.IsIndex {
		if n.elems == nil {
			n.elems = map[int]*pnode{}
		}
		c := n.elems[e.Index]
		if c == nil {
			c = &pnode{}
			n.elems[e.Index] = c
		}
		return c
	}
	if n.fields == nil {
		n.fields = map[string]*pnode{}
	}
	c := n.fields[e.Name]
	if c == nil {
		c = &pnode{}
		n.fields[e.Name] = c
	}
	return c
}

func (n *pnode) value() attr.Value {
	switch {
	case n.leaf:
		return n.val
	case n.elems != nil:
		idx := make([]int, 0, len(n.elems))
		for i := range n.elems {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		l := make([]attr.Value, len(idx))
		for j, i := range idx {
			l[j] = n.elems[i].value()
		}
		return attr.Value{T: attr.L, List: l}
	}
	m := make(map[string]attr.Value, len(n.fields))
	for k, c := range n.fields {
		m[k] = c.value()
	}
	return attr.Value{T: attr.M, Map: m}
}

// NewProjectionOfPaths returns the projection of the given paths (an
// update's, for ReturnValues UPDATED_OLD and UPDATED_NEW).
func NewProjectionOfPaths(paths []Path) *Projection { return &Projection{paths: paths} }
