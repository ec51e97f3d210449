package console

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// Graph is a state machine definition laid out for drawing: states as boxes
// in layers from top (StartAt) to bottom, Parallel branches and Map item
// processors as groups nested inside their state's box, and transitions as
// polylines. Coordinates are pixels with the origin at the top left.
type Graph struct {
	Width, Height float64
	// Nodes lists the states (and the Start and End markers of the top
	// level). A composite state (Parallel, Map) comes before the nodes of
	// its groups.
	Nodes []Node
	// Groups are the Parallel branches and Map item processors.
	Groups []Group
	// Edges are the transitions.
	Edges []Edge
}

// Node is one drawn state, or the Start or End marker.
type Node struct {
	// ID is unique within the graph ("n0", "n1", ...).
	ID string
	// Name is the state's name ("" for markers).
	Name string
	// Type is the state's Type (Pass, Task, ...), or "Start" or "End".
	Type string
	// Detail is a short second line: the Task's resource, "distributed"…
	Detail string
	// Group is the ID of the group the node sits in ("" at the top level).
	Group string
	// Depth counts the groups around the node.
	Depth      int
	X, Y, W, H float64
	// Composite is set for Parallel and Map states, whose groups are drawn
	// inside the node's box below its header.
	Composite bool
	// Start and Terminal mark the scope's StartAt and its end states.
	Start, Terminal bool
}

// Group is a Parallel branch or a Map item processor drawn inside its state.
type Group struct {
	ID    string // "g0", "g1", ...
	Label string // "Branch 1", "Item processor"
	// Node is the ID of the composite state the group belongs to.
	Node       string
	X, Y, W, H float64
}

// EdgeKind says what a transition is.
type EdgeKind string

// The kinds of transitions.
const (
	EdgeNext    EdgeKind = "next"
	EdgeChoice  EdgeKind = "choice"
	EdgeDefault EdgeKind = "default"
	EdgeCatch   EdgeKind = "catch"
)

// Edge is a transition between two nodes of the same scope.
type Edge struct {
	From, To string // node IDs
	Kind     EdgeKind
	Label    string
	// Back marks an edge that closes a cycle (drawn upwards).
	Back bool
	// Self marks an edge from a state to itself.
	Self bool
	// Points is the polyline from From to To (at least two points).
	Points []Point
	// LabelAt is where the label's centre goes.
	LabelAt Point
}

// Point is a position in the graph.
type Point struct{ X, Y float64 }

// Layout limits: a definition beyond them is refused rather than drawn
// slowly.
const (
	maxLayoutStates = 3000
	maxDummies      = 30000
)

// Sizes used by the layout, in pixels.
const (
	nodeMinW     = 150.0
	nodeMaxW     = 250.0
	nodeH        = 48.0
	markerW      = 64.0
	markerH      = 28.0
	charW        = 7.4
	layerGap     = 54.0
	nodeGap      = 36.0
	dummyW       = 14.0
	headerH      = 46.0
	groupPad     = 14.0
	groupLabelH  = 22.0
	groupGap     = 18.0
	graphMargin  = 16.0
	labelMaxRune = 36
)

// Layout parses an Amazon States Language definition and lays it out. It
// accepts any definition that has StartAt and States; unknown or invalid
// fields are drawn as well as possible, never rejected.
func Layout(definition []byte) (Graph, error) {
	v, err := jsonv.Parse(definition)
	if err != nil {
		return Graph{}, fmt.Errorf("parse definition: %w", err)
	}
	root, ok := v.(*jsonv.Object)
	if !ok {
		return Graph{}, errors.New("parse definition: the definition is not a JSON object")
	}
	if _, ok := root.Get("States"); !ok {
		return Graph{}, errors.New("parse definition: the definition has no States")
	}
	lb := &layoutBuilder{}
	if n := countStates(root, 0); n > maxLayoutStates {
		return Graph{}, fmt.Errorf("the definition has %d states, more than the %d the console draws", n, maxLayoutStates)
	}
	sc := lb.scope(root, 0, true)
	g := Graph{Width: sc.w + 2*graphMargin, Height: sc.h + 2*graphMargin}
	lb.flatten(&g, sc, graphMargin, graphMargin, "", 0)
	return g, nil
}

// countStates counts the states of a definition, nested ones included.
func countStates(scope *jsonv.Object, depth int) int {
	if depth > 64 {
		return 0
	}
	states, _ := get[*jsonv.Object](scope, "States")
	n := states.Len()
	for _, m := range members(states) {
		st, ok := m.Value.(*jsonv.Object)
		if !ok {
			continue
		}
		for _, sub := range subScopes(st) {
			n += countStates(sub.def, depth+1)
		}
	}
	return n
}

// members returns an object's members (none for a nil object).
func members(o *jsonv.Object) []jsonv.Member {
	if o == nil {
		return nil
	}
	return o.Members
}

// get returns o[key] as a T.
func get[T any](o *jsonv.Object, key string) (T, bool) {
	var zero T
	if o == nil {
		return zero, false
	}
	v, ok := o.Get(key)
	if !ok {
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}

type subScope struct {
	label string
	def   *jsonv.Object
}

// subScopes returns a composite state's branches or item processor.
func subScopes(st *jsonv.Object) []subScope {
	typ, _ := get[string](st, "Type")
	switch typ {
	case "Parallel":
		branches, _ := get[[]any](st, "Branches")
		var out []subScope
		for i, b := range branches {
			if bo, ok := b.(*jsonv.Object); ok {
				out = append(out, subScope{label: "Branch " + strconv.Itoa(i+1), def: bo})
			}
		}
		return out
	case "Map":
		if p, ok := get[*jsonv.Object](st, "ItemProcessor"); ok {
			return []subScope{{label: "Item processor", def: p}}
		}
		if p, ok := get[*jsonv.Object](st, "Iterator"); ok {
			return []subScope{{label: "Iterator", def: p}}
		}
	}
	return nil
}

// layoutBuilder numbers nodes and groups across scopes.
type layoutBuilder struct {
	nodes, groups, dummies int
}

// scopeLayout is a laid-out scope in its own coordinates (origin at its top
// left).
type scopeLayout struct {
	w, h  float64
	nodes []*lnode
	edges []*ledge
}

// lnode is a node during layout.
type lnode struct {
	Node
	dummy    bool
	layer    int
	order    int
	inner    []*innerGroup // composite nodes
	out, in  []*ledge      // edges in the layered (acyclic) graph
	segments []*lseg       // layered segments touching this node
}

type innerGroup struct {
	Group
	sc *scopeLayout
}

// ledge is a transition during layout.
type ledge struct {
	from, to *lnode
	kind     EdgeKind
	label    string
	back     bool
	self     bool
	chain    []*lnode // upper node, dummies..., lower node
	// Points and LabelAt are the route, in scope coordinates.
	Points  []Point
	LabelAt Point
}

// lseg is one layer-to-layer piece of an edge's chain, used for ordering.
type lseg struct{ upper, lower *lnode }

func (lb *layoutBuilder) newNode(name, typ string) *lnode {
	n := &lnode{Node: Node{ID: "n" + strconv.Itoa(lb.nodes), Name: name, Type: typ}}
	lb.nodes++
	return n
}

// scope lays out one States/StartAt scope.
func (lb *layoutBuilder) scope(def *jsonv.Object, depth int, markers bool) *scopeLayout {
	sc := &scopeLayout{}
	states, _ := get[*jsonv.Object](def, "States")
	startAt, _ := get[string](def, "StartAt")
	byName := map[string]*lnode{}
	var stateNodes []*lnode
	for _, m := range members(states) {
		if _, dup := byName[m.Key]; dup {
			continue
		}
		st, _ := m.Value.(*jsonv.Object)
		typ, _ := get[string](st, "Type")
		n := lb.newNode(m.Key, typ)
		n.Detail = stateDetail(st, typ)
		n.Start = m.Key == startAt
		n.W = textWidth(m.Key, n.Detail)
		n.H = nodeH
		if depth < 32 {
			lb.composite(n, st, depth)
		}
		byName[m.Key] = n
		stateNodes = append(stateNodes, n)
	}
	var start, end *lnode
	if markers {
		start = lb.newNode("", "Start")
		start.W, start.H = markerW, markerH
		end = lb.newNode("", "End")
		end.W, end.H = markerW, markerH
		sc.nodes = append(sc.nodes, start)
	}
	sc.nodes = append(sc.nodes, stateNodes...)

	// Transitions, merging parallel edges between the same two nodes.
	type pair struct{ a, b *lnode }
	seen := map[pair]*ledge{}
	add := func(from, to *lnode, kind EdgeKind, label string) {
		if from == nil || to == nil {
			return
		}
		if e, ok := seen[pair{from, to}]; ok {
			if label != "" && !strings.Contains(e.label, label) {
				if e.label != "" {
					e.label += " · "
				}
				e.label = truncate(e.label+label, labelMaxRune*2)
			}
			return
		}
		e := &ledge{from: from, to: to, kind: kind, label: label, self: from == to}
		seen[pair{from, to}] = e
		sc.edges = append(sc.edges, e)
	}
	if start != nil {
		add(start, byName[startAt], EdgeNext, "")
	}
	usedEnd := false
	for _, m := range members(states) {
		from := byName[m.Key]
		st, _ := m.Value.(*jsonv.Object)
		if st == nil || from == nil {
			continue
		}
		if next, ok := get[string](st, "Next"); ok {
			add(from, byName[next], EdgeNext, "")
		}
		choices, _ := get[[]any](st, "Choices")
		for _, c := range choices {
			co, _ := c.(*jsonv.Object)
			if next, ok := get[string](co, "Next"); ok {
				add(from, byName[next], EdgeChoice, truncate(choiceLabel(co, 0), labelMaxRune))
			}
		}
		if def, ok := get[string](st, "Default"); ok {
			add(from, byName[def], EdgeDefault, "Default")
		}
		catches, _ := get[[]any](st, "Catch")
		for _, c := range catches {
			co, _ := c.(*jsonv.Object)
			if next, ok := get[string](co, "Next"); ok {
				add(from, byName[next], EdgeCatch, truncate("Catch "+errorList(co), labelMaxRune))
			}
		}
		end, _ := get[bool](st, "End")
		if end || from.Type == "Succeed" || from.Type == "Fail" {
			from.Terminal = true
		}
	}
	if end != nil {
		for _, n := range stateNodes {
			if n.Terminal {
				add(n, end, EdgeNext, "")
				usedEnd = true
			}
		}
		if usedEnd || len(stateNodes) == 0 {
			sc.nodes = append(sc.nodes, end)
		} else {
			end = nil
		}
	}
	root := byName[startAt]
	if start != nil {
		root = start
	}
	lb.layer(sc, root, end)
	return sc
}

// composite lays out a Parallel's branches or a Map's processor inside n.
func (lb *layoutBuilder) composite(n *lnode, st *jsonv.Object, depth int) {
	subs := subScopes(st)
	if len(subs) == 0 {
		return
	}
	n.Composite = true
	x := groupPad
	innerH := 0.0
	for _, sub := range subs {
		sl := lb.scope(sub.def, depth+1, false)
		g := &innerGroup{sc: sl}
		g.ID = "g" + strconv.Itoa(lb.groups)
		lb.groups++
		g.Label = sub.label
		g.Node = n.ID
		g.W = max(sl.w+2*groupPad, 120)
		g.H = sl.h + groupLabelH + 2*groupPad
		g.X = x
		g.Y = headerH
		x += g.W + groupGap
		innerH = max(innerH, g.H)
		n.inner = append(n.inner, g)
	}
	n.W = max(n.W, x-groupGap+groupPad)
	n.H = headerH + innerH + groupPad
	// Centre narrow groups when the header is wider than the groups.
	if total := x - groupGap + groupPad; total < n.W {
		shift := (n.W - total) / 2
		for _, g := range n.inner {
			g.X += shift
		}
	}
}

// stateDetail is a state's second label line.
func stateDetail(st *jsonv.Object, typ string) string {
	switch typ {
	case "Task":
		res, _ := get[string](st, "Resource")
		return shortResource(res)
	case "Map":
		if p, ok := get[*jsonv.Object](st, "ItemProcessor"); ok {
			if cfg, ok := get[*jsonv.Object](p, "ProcessorConfig"); ok {
				if mode, _ := get[string](cfg, "Mode"); mode == "DISTRIBUTED" {
					return "distributed"
				}
			}
		}
	case "Wait":
		if s, ok := st.Get("Seconds"); ok {
			if num, ok := s.(jsonv.Number); ok {
				return string(num) + " s"
			}
		}
	}
	return ""
}

// shortResource shortens a Task resource ARN for a label:
// arn:aws:states:::lambda:invoke.waitForTaskToken → lambda:invoke.waitForTaskToken.
func shortResource(res string) string {
	if rest, ok := strings.CutPrefix(res, "arn:aws:states:::"); ok {
		return rest
	}
	if i := strings.Index(res, ":function:"); i >= 0 {
		return "lambda " + res[i+len(":function:"):]
	}
	if i := strings.LastIndex(res, ":"); i >= 0 && strings.HasPrefix(res, "arn:") {
		return res[i+1:]
	}
	return res
}

// choiceLabel renders a Choice rule compactly: "$.i < 100", "And(2)".
func choiceLabel(rule *jsonv.Object, depth int) string {
	if cond, ok := get[string](rule, "Condition"); ok {
		return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(cond, "{%"), "%}"))
	}
	if depth > 3 {
		return "…"
	}
	for _, op := range []string{"And", "Or"} {
		if subs, ok := get[[]any](rule, op); ok {
			parts := make([]string, 0, len(subs))
			for _, s := range subs {
				so, _ := s.(*jsonv.Object)
				parts = append(parts, choiceLabel(so, depth+1))
			}
			sep := " && "
			if op == "Or" {
				sep = " || "
			}
			return strings.Join(parts, sep)
		}
	}
	if sub, ok := get[*jsonv.Object](rule, "Not"); ok {
		return "!(" + choiceLabel(sub, depth+1) + ")"
	}
	variable, _ := get[string](rule, "Variable")
	if rule == nil {
		return "?"
	}
	for _, m := range rule.Members {
		if m.Key == "Variable" || m.Key == "Next" || m.Key == "Assign" || m.Key == "Output" || m.Key == "Comment" {
			continue
		}
		op, val := comparison(m.Key, m.Value)
		if op != "" {
			return strings.TrimSpace(variable + " " + op + " " + val)
		}
	}
	return variable
}

// comparison renders one comparison operator of a Choice rule.
func comparison(key string, v jsonv.Value) (string, string) {
	val := jsonv.Marshal(v)
	if s, ok := v.(string); ok && strings.HasSuffix(key, "Path") {
		val = s
	}
	base := strings.TrimSuffix(key, "Path")
	switch {
	case base == "IsNull", base == "IsPresent", base == "IsNumeric", base == "IsString", base == "IsBoolean", base == "IsTimestamp":
		return base, val
	case strings.HasSuffix(base, "LessThanEquals"):
		return "<=", val
	case strings.HasSuffix(base, "GreaterThanEquals"):
		return ">=", val
	case strings.HasSuffix(base, "LessThan"):
		return "<", val
	case strings.HasSuffix(base, "GreaterThan"):
		return ">", val
	case strings.HasSuffix(base, "Equals"):
		return "==", val
	case base == "StringMatches":
		return "matches", val
	}
	return "", ""
}

// errorList joins a Catch's ErrorEquals.
func errorList(c *jsonv.Object) string {
	errs, _ := get[[]any](c, "ErrorEquals")
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		if s, ok := e.(string); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// textWidth is the box width for a node's two label lines.
func textWidth(name, detail string) float64 {
	chars := max(utf8.RuneCountInString(name), utf8.RuneCountInString(detail)*6/7)
	return min(max(float64(chars)*charW+28, nodeMinW), nodeMaxW)
}

// layer runs the layered layout of one scope: cycle breaking, layering,
// long-edge dummies, crossing reduction and coordinates.
func (lb *layoutBuilder) layer(sc *scopeLayout, root, end *lnode) {
	nodes := sc.nodes
	if len(nodes) == 0 {
		sc.w, sc.h = 120, 40
		return
	}
	// Cycle breaking by depth-first search from the root, then from every
	// node not yet reached, in written order.
	out := map[*lnode][]*ledge{}
	for _, e := range sc.edges {
		if !e.self {
			out[e.from] = append(out[e.from], e)
		}
	}
	const (
		unseen = iota
		onStack
		done
	)
	mark := map[*lnode]int{}
	var order []*lnode
	dfs := func(r *lnode) {
		if r == nil || mark[r] != unseen {
			return
		}
		type frame struct {
			n *lnode
			i int
		}
		stack := []frame{{r, 0}}
		mark[r] = onStack
		order = append(order, r)
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.i >= len(out[f.n]) {
				mark[f.n] = done
				stack = stack[:len(stack)-1]
				continue
			}
			e := out[f.n][f.i]
			f.i++
			switch mark[e.to] {
			case onStack:
				e.back = true
			case unseen:
				mark[e.to] = onStack
				order = append(order, e.to)
				stack = append(stack, frame{e.to, 0})
			}
		}
	}
	dfs(root)
	for _, n := range nodes {
		if n != end {
			dfs(n)
		}
	}
	dfs(end)
	// Layering: longest path from the sources over the acyclic graph
	// (back edges reversed), the End marker below everything.
	indeg := map[*lnode]int{}
	for _, e := range sc.edges {
		if e.self {
			continue
		}
		u, v := e.from, e.to
		if e.back {
			u, v = v, u
		}
		u.out = append(u.out, e)
		v.in = append(v.in, e)
		indeg[v]++
	}
	queue := make([]*lnode, 0, len(nodes))
	for _, n := range order {
		if indeg[n] == 0 {
			queue = append(queue, n)
		}
	}
	maxLayer := 0
	for i := 0; i < len(queue); i++ {
		u := queue[i]
		for _, e := range u.out {
			v := e.to
			if e.back {
				v = e.from
			}
			v.layer = max(v.layer, u.layer+1)
			indeg[v]--
			if indeg[v] == 0 {
				queue = append(queue, v)
			}
		}
		if u != end {
			maxLayer = max(maxLayer, u.layer)
		}
	}
	if end != nil && len(end.in) > 0 {
		end.layer = maxLayer + 1
		maxLayer++
	}
	// Long edges get one dummy node per layer they cross.
	layers := make([][]*lnode, maxLayer+1)
	for _, n := range order {
		layers[n.layer] = append(layers[n.layer], n)
	}
	for _, e := range sc.edges {
		if e.self {
			e.chain = []*lnode{e.from, e.to}
			continue
		}
		u, v := e.from, e.to
		if e.back {
			u, v = v, u
		}
		e.chain = []*lnode{u}
		for l := u.layer + 1; l < v.layer && lb.dummies < maxDummies; l++ {
			d := &lnode{dummy: true, layer: l}
			d.W = dummyW
			lb.dummies++
			layers[l] = append(layers[l], d)
			e.chain = append(e.chain, d)
		}
		e.chain = append(e.chain, v)
		for i := 0; i+1 < len(e.chain); i++ {
			s := &lseg{upper: e.chain[i], lower: e.chain[i+1]}
			s.upper.segments = append(s.upper.segments, s)
			s.lower.segments = append(s.lower.segments, s)
		}
	}
	orderLayers(layers)
	placeX(layers)
	// Vertical placement: each layer as tall as its tallest node, nodes
	// centred in their layer.
	y := 0.0
	for _, layer := range layers {
		h := 0.0
		for _, n := range layer {
			h = max(h, n.H)
		}
		if len(layer) > 0 && h == 0 {
			h = 8
		}
		for _, n := range layer {
			if n.dummy {
				// A long edge runs straight down through the layer.
				n.Y, n.H = y, h
				continue
			}
			n.Y = y + (h-n.H)/2
		}
		y += h + layerGap
	}
	sc.h = max(y-layerGap, 0)
	minX, maxX := 0.0, 0.0
	first := true
	for _, layer := range layers {
		for _, n := range layer {
			if first || n.X < minX {
				minX = n.X
			}
			if first || n.X+n.W > maxX {
				maxX = n.X + n.W
			}
			first = false
		}
	}
	// Self loops stick out to the right of their node.
	for _, e := range sc.edges {
		if e.self {
			maxX = max(maxX, e.from.X+e.from.W+36)
		}
	}
	for _, layer := range layers {
		for _, n := range layer {
			n.X -= minX
		}
	}
	sc.w = maxX - minX
	routeEdges(sc)
}

// orderLayers reduces edge crossings with barycentre sweeps, keeping the
// best order seen.
func orderLayers(layers [][]*lnode) {
	setOrder := func() {
		for _, layer := range layers {
			for i, n := range layer {
				n.order = i
			}
		}
	}
	setOrder()
	total := 0
	for _, l := range layers {
		total += len(l)
	}
	countAll := total <= 1500
	best := -1
	var bestOrder [][]*lnode
	save := func() {
		if !countAll {
			return
		}
		c := crossings(layers)
		if best < 0 || c < best {
			best = c
			bestOrder = make([][]*lnode, len(layers))
			for i, l := range layers {
				bestOrder[i] = append([]*lnode(nil), l...)
			}
		}
	}
	save()
	bary := make(map[*lnode]float64, total)
	for iter := 0; iter < 8 && best != 0; iter++ {
		down := iter%2 == 0
		for k := 1; k < len(layers); k++ {
			li := k
			if !down {
				li = len(layers) - 1 - k
			}
			layer := layers[li]
			for _, n := range layer {
				sum, cnt := 0.0, 0
				for _, s := range n.segments {
					if down && s.lower == n {
						sum += float64(s.upper.order)
						cnt++
					} else if !down && s.upper == n {
						sum += float64(s.lower.order)
						cnt++
					}
				}
				if cnt == 0 {
					bary[n] = float64(n.order)
				} else {
					bary[n] = sum / float64(cnt)
				}
			}
			sort.SliceStable(layer, func(i, j int) bool { return bary[layer[i]] < bary[layer[j]] })
			for i, n := range layer {
				n.order = i
			}
		}
		save()
	}
	if bestOrder != nil {
		for i := range layers {
			copy(layers[i], bestOrder[i])
		}
	}
	setOrder()
}

// crossings counts segment crossings between adjacent layers.
func crossings(layers [][]*lnode) int {
	c := 0
	for _, layer := range layers {
		var segs []*lseg
		for _, n := range layer {
			for _, s := range n.segments {
				if s.upper == n {
					segs = append(segs, s)
				}
			}
		}
		for i := 0; i < len(segs); i++ {
			for j := i + 1; j < len(segs); j++ {
				a, b := segs[i], segs[j]
				if (a.upper.order-b.upper.order)*(a.lower.order-b.lower.order) < 0 {
					c++
				}
			}
		}
	}
	return c
}

// placeX assigns horizontal positions: each node is pulled towards the mean
// centre of its neighbours in the adjacent layer, keeping the layer's order
// and spacing (an isotonic regression solved by pooling adjacent
// violators), sweeping down and up a few times.
func placeX(layers [][]*lnode) {
	gap := func(a, b *lnode) float64 {
		g := nodeGap
		if a.dummy || b.dummy {
			g = 10
		}
		return a.W/2 + b.W/2 + g
	}
	for _, layer := range layers {
		x := 0.0
		for i, n := range layer {
			if i > 0 {
				x += gap(layer[i-1], n)
			}
			n.X = x - n.W/2 // X holds the left edge; centres below
		}
	}
	centre := func(n *lnode) float64 { return n.X + n.W/2 }
	for iter := 0; iter < 8; iter++ {
		down := iter%2 == 0
		for k := 0; k < len(layers); k++ {
			li := k
			if !down {
				li = len(layers) - 1 - k
			}
			layer := layers[li]
			if len(layer) == 0 {
				continue
			}
			want := make([]float64, len(layer))
			weight := make([]float64, len(layer))
			for i, n := range layer {
				sum, cnt := 0.0, 0.0
				for _, s := range n.segments {
					var other *lnode
					if down && s.lower == n {
						other = s.upper
					} else if !down && s.upper == n {
						other = s.lower
					} else if iter >= 4 {
						// Later sweeps balance both sides.
						if s.lower == n {
							other = s.upper
						} else {
							other = s.lower
						}
					}
					if other != nil {
						w := 1.0
						if other.dummy && n.dummy {
							w = 4 // keep long edges straight
						}
						sum += w * centre(other)
						cnt += w
					}
				}
				if cnt == 0 {
					want[i], weight[i] = centre(n), 0.01
				} else {
					want[i], weight[i] = sum/cnt, cnt
				}
			}
			xs := isotonic(layer, want, weight, gap)
			for i, n := range layer {
				n.X = xs[i] - n.W/2
			}
		}
	}
}

// isotonic returns centres as close as possible (weighted least squares) to
// want while keeping consecutive centres at least gap apart.
func isotonic(layer []*lnode, want, weight []float64, gap func(a, b *lnode) float64) []float64 {
	n := len(layer)
	off := make([]float64, n)
	for i := 1; i < n; i++ {
		off[i] = off[i-1] + gap(layer[i-1], layer[i])
	}
	type block struct {
		sum, w float64
		count  int
	}
	blocks := make([]block, 0, n)
	for i := 0; i < n; i++ {
		blocks = append(blocks, block{sum: (want[i] - off[i]) * weight[i], w: weight[i], count: 1})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/a.w <= b.sum/b.w {
				break
			}
			blocks = blocks[:len(blocks)-2]
			blocks = append(blocks, block{sum: a.sum + b.sum, w: a.w + b.w, count: a.count + b.count})
		}
	}
	xs := make([]float64, 0, n)
	for _, b := range blocks {
		v := b.sum / b.w
		for j := 0; j < b.count; j++ {
			xs = append(xs, v+off[len(xs)])
		}
	}
	return xs
}

// routeEdges computes each edge's polyline through its dummies, spreading
// the ends of several edges along a node's side.
func routeEdges(sc *scopeLayout) {
	type port struct {
		e     *ledge
		other float64
	}
	bottoms := map[*lnode][]port{}
	tops := map[*lnode][]port{}
	for _, e := range sc.edges {
		if e.self {
			continue
		}
		c := e.chain
		bottoms[c[0]] = append(bottoms[c[0]], port{e, c[1].X + c[1].W/2})
		tops[c[len(c)-1]] = append(tops[c[len(c)-1]], port{e, c[len(c)-2].X + c[len(c)-2].W/2})
	}
	portX := func(n *lnode, ports []port, e *ledge) float64 {
		if len(ports) == 1 {
			return n.X + n.W/2
		}
		sort.SliceStable(ports, func(i, j int) bool { return ports[i].other < ports[j].other })
		span := n.W * 0.6
		for i, p := range ports {
			if p.e == e {
				return n.X + n.W*0.2 + span*float64(i)/float64(len(ports)-1)
			}
		}
		return n.X + n.W/2
	}
	for _, e := range sc.edges {
		if e.self {
			n := e.from
			x, y := n.X+n.W, n.Y+n.H/2
			e.Points = []Point{{x, y - 10}, {x + 30, y - 14}, {x + 30, y + 14}, {x, y + 10}}
			e.LabelAt = Point{x + 34, y}
			continue
		}
		c := e.chain
		up, low := c[0], c[len(c)-1]
		pts := []Point{{portX(up, bottoms[up], e), up.Y + up.H}}
		for _, d := range c[1 : len(c)-1] {
			pts = append(pts, Point{d.X + d.W/2, d.Y}, Point{d.X + d.W/2, d.Y + d.H})
		}
		pts = append(pts, Point{portX(low, tops[low], e), low.Y})
		if e.back {
			for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
				pts[i], pts[j] = pts[j], pts[i]
			}
		}
		e.Points = pts
		// The label sits on the first piece of the edge, near its source.
		a, b := pts[0], pts[1]
		t := 0.5
		if !e.back && len(pts) == 2 {
			t = 0.45
		}
		e.LabelAt = Point{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t}
	}
}

// flatten copies a scope's nodes, groups and edges into g, translated by
// (dx, dy), recursing into composite nodes.
func (lb *layoutBuilder) flatten(g *Graph, sc *scopeLayout, dx, dy float64, group string, depth int) {
	for _, n := range sc.nodes {
		node := n.Node
		node.X += dx
		node.Y += dy
		node.Group = group
		node.Depth = depth
		g.Nodes = append(g.Nodes, node)
		for _, ig := range n.inner {
			gr := ig.Group
			gr.X += node.X
			gr.Y += node.Y
			g.Groups = append(g.Groups, gr)
			lb.flatten(g, ig.sc, gr.X+(gr.W-ig.sc.w)/2, gr.Y+groupLabelH+groupPad, gr.ID, depth+1)
		}
	}
	for _, e := range sc.edges {
		edge := Edge{From: e.from.ID, To: e.to.ID, Kind: e.kind, Label: e.label, Back: e.back, Self: e.self}
		edge.Points = make([]Point, len(e.Points))
		for i, p := range e.Points {
			edge.Points[i] = Point{p.X + dx, p.Y + dy}
		}
		edge.LabelAt = Point{e.LabelAt.X + dx, e.LabelAt.Y + dy}
		g.Edges = append(g.Edges, edge)
	}
}
