package console

import (
	"html/template"
	"strconv"
	"strings"
)

// svgOptions says how to draw a graph's states.
type svgOptions struct {
	// Status returns a state's status; nil draws a definition without an
	// execution (no status classes).
	Status func(name string) StateStatus
	// Href returns the link a state opens ("" for none).
	Href func(name string) string
	// Panel returns the id of the state's details panel ("" for none).
	Panel func(name string) string
	// Selected names the state whose panel is shown.
	Selected string
	// Label is the graph's accessible name.
	Label string
}

// renderSVG draws a laid-out graph as inline SVG. States are links (focus
// them with Tab, open them with Enter); their class carries the status
// (st-succeeded, st-failed, ...), their data-state attribute the name.
func renderSVG(g Graph, o svgOptions) template.HTML {
	var b strings.Builder
	b.Grow(256 * (len(g.Nodes) + len(g.Edges)))
	w, h := num(g.Width), num(g.Height)
	b.WriteString(`<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + w + ` ` + h + `" width="` + w + `" height="` + h + `" role="group" aria-label="`)
	b.WriteString(esc(o.Label))
	b.WriteString(`"><defs>`)
	for _, m := range []string{"arrow", "arrow-catch", "arrow-back"} {
		b.WriteString(`<marker id="` + m + `" class="` + m + `" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`)
	}
	b.WriteString(`</defs>`)
	groupsOf := map[string][]Group{}
	for _, gr := range g.Groups {
		groupsOf[gr.Node] = append(groupsOf[gr.Node], gr)
	}
	// Composite states and their groups first (they are backgrounds), then
	// the edges, then the simple states on top.
	for _, n := range g.Nodes {
		if !n.Composite {
			continue
		}
		writeNode(&b, n, o)
		for _, gr := range groupsOf[n.ID] {
			b.WriteString(`<g class="group"><rect x="` + num(gr.X) + `" y="` + num(gr.Y) + `" width="` + num(gr.W) + `" height="` + num(gr.H) + `" rx="6"/>`)
			b.WriteString(`<text x="` + num(gr.X+10) + `" y="` + num(gr.Y+16) + `">` + esc(gr.Label) + `</text></g>`)
		}
	}
	b.WriteString(`<g class="edges">`)
	for _, e := range g.Edges {
		writeEdge(&b, e)
	}
	b.WriteString(`</g>`)
	for _, n := range g.Nodes {
		if !n.Composite {
			writeNode(&b, n, o)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// writeNode draws one state or marker.
func writeNode(b *strings.Builder, n Node, o svgOptions) {
	x, y, w, h := num(n.X), num(n.Y), num(n.W), num(n.H)
	if n.Type == "Start" || n.Type == "End" {
		b.WriteString(`<g class="marker"><rect x="` + x + `" y="` + y + `" width="` + w + `" height="` + h + `" rx="` + num(n.H/2) + `"/>`)
		b.WriteString(`<text x="` + num(n.X+n.W/2) + `" y="` + num(n.Y+n.H/2+4) + `" text-anchor="middle">` + n.Type + `</text></g>`)
		return
	}
	status := StateStatus("")
	if o.Status != nil {
		status = o.Status(n.Name)
	}
	class := "node type-" + strings.ToLower(cssIdent(n.Type))
	if status != "" {
		class += " st-" + string(status)
	}
	if n.Composite {
		class += " composite"
	}
	if o.Selected != "" && n.Name == o.Selected {
		class += " selected"
	}
	href := ""
	if o.Href != nil {
		href = o.Href(n.Name)
	}
	label := n.Name + ", " + n.Type + " state"
	if status != "" {
		label += ", " + statusWords(status)
	}
	if href != "" {
		b.WriteString(`<a class="` + class + `" id="node-` + n.ID + `" href="` + esc(href) + `" data-state="` + esc(n.Name) + `"`)
		if o.Panel != nil {
			if p := o.Panel(n.Name); p != "" {
				b.WriteString(` data-panel="` + esc(p) + `"`)
			}
		}
		b.WriteString(` aria-label="` + esc(label) + `">`)
	} else {
		b.WriteString(`<g class="` + class + `" id="node-` + n.ID + `" data-state="` + esc(n.Name) + `">`)
	}
	b.WriteString(`<title>` + esc(label) + `</title>`)
	b.WriteString(`<rect class="box" x="` + x + `" y="` + y + `" width="` + w + `" height="` + h + `" rx="6"/>`)
	maxChars := int((n.W - 20) / charW)
	b.WriteString(`<text class="name" x="` + num(n.X+n.W/2) + `" y="` + num(n.Y+20) + `" text-anchor="middle">` + esc(truncate(n.Name, max(maxChars, 4))) + `</text>`)
	sub := n.Type
	if n.Detail != "" {
		sub += " · " + n.Detail
	}
	b.WriteString(`<text class="type" x="` + num(n.X+n.W/2) + `" y="` + num(n.Y+37) + `" text-anchor="middle">` + esc(truncate(sub, max(maxChars+4, 4))) + `</text>`)
	if href != "" {
		b.WriteString(`</a>`)
	} else {
		b.WriteString(`</g>`)
	}
}

// writeEdge draws one transition as a smooth path with an arrow head.
func writeEdge(b *strings.Builder, e Edge) {
	if len(e.Points) < 2 {
		return
	}
	class := "edge edge-" + string(e.Kind)
	marker := "arrow"
	if e.Kind == EdgeCatch {
		marker = "arrow-catch"
	}
	if e.Back || e.Self {
		class += " back"
		if e.Kind != EdgeCatch {
			marker = "arrow-back"
		}
	}
	var d strings.Builder
	p := e.Points
	d.WriteString("M" + num(p[0].X) + "," + num(p[0].Y))
	if e.Self && len(p) == 4 {
		d.WriteString(" C" + num(p[1].X) + "," + num(p[1].Y) + " " + num(p[2].X) + "," + num(p[2].Y) + " " + num(p[3].X) + "," + num(p[3].Y))
	} else {
		for i := 1; i < len(p); i++ {
			a, c := p[i-1], p[i]
			dy := (c.Y - a.Y) / 2
			d.WriteString(" C" + num(a.X) + "," + num(a.Y+dy) + " " + num(c.X) + "," + num(c.Y-dy) + " " + num(c.X) + "," + num(c.Y))
		}
	}
	b.WriteString(`<path class="` + class + `" d="` + d.String() + `" marker-end="url(#` + marker + `)"/>`)
	if e.Label != "" {
		b.WriteString(`<text class="edge-label edge-label-` + string(e.Kind) + `" x="` + num(e.LabelAt.X) + `" y="` + num(e.LabelAt.Y+4) + `" text-anchor="middle">` + esc(e.Label) + `</text>`)
	}
}

// statusWords spells a status for people.
func statusWords(s StateStatus) string {
	switch s {
	case StatusWaiting:
		return "waiting for a callback"
	case StatusNotReached:
		return "not reached"
	}
	return string(s)
}

// cssIdent keeps letters and digits.
func cssIdent(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}

// num formats a coordinate with at most one decimal.
func num(f float64) string {
	return strconv.FormatFloat(float64(int64(f*10))/10, 'f', -1, 64)
}

// esc escapes text for HTML and SVG content and attributes.
func esc(s string) string { return template.HTMLEscapeString(s) }
