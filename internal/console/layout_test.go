package console

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// orderFlow has every kind of transition and both kinds of groups.
const orderFlow = `{
  "StartAt": "Validate",
  "States": {
    "Validate": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Catch": [{"ErrorEquals": ["InvalidOrder"], "Next": "Rejected"}], "Next": "Prepare"},
    "Prepare": {"Type": "Parallel", "Branches": [
        {"StartAt": "Reserve", "States": {"Reserve": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}}},
        {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:charge", "End": true}}}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rejected"}], "Next": "NeedsApproval"},
    "NeedsApproval": {"Type": "Choice", "Choices": [{"Variable": "$.total", "NumericGreaterThan": 500, "Next": "Ship"}], "Default": "Done"},
    "Ship": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "One",
      "States": {"One": {"Type": "Pass", "End": true}}}, "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "Rejected": {"Type": "Fail", "Error": "Rejected"}
  }
}`

// nodeByName returns the node of a state.
func nodeByName(t *testing.T, g Graph, name string) Node {
	t.Helper()
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %q", name)
	return Node{}
}

// edgeBetween returns the edge between two states ("" for markers: use
// "Start"/"End").
func edgeBetween(g Graph, from, to string) (Edge, bool) {
	label := map[string]string{}
	for _, n := range g.Nodes {
		label[n.ID] = n.Name
		if n.Name == "" {
			label[n.ID] = n.Type
		}
	}
	for _, e := range g.Edges {
		if label[e.From] == from && label[e.To] == to {
			return e, true
		}
	}
	return Edge{}, false
}

func inside(inner, outer Node) bool {
	return inner.X >= outer.X && inner.Y >= outer.Y && inner.X+inner.W <= outer.X+outer.W && inner.Y+inner.H <= outer.Y+outer.H
}

// checkGeometry checks what every layout must hold: finite coordinates
// inside the graph, and no two nodes of one scope overlapping.
func checkGeometry(t *testing.T, g Graph) {
	t.Helper()
	finite := func(fs ...float64) bool {
		for _, f := range fs {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return false
			}
		}
		return true
	}
	for _, n := range g.Nodes {
		if !finite(n.X, n.Y, n.W, n.H) || n.X < 0 || n.Y < 0 || n.X+n.W > g.Width+0.01 || n.Y+n.H > g.Height+0.01 {
			t.Errorf("node %s %q at (%v,%v %vx%v) outside the %vx%v graph", n.ID, n.Name, n.X, n.Y, n.W, n.H, g.Width, g.Height)
		}
	}
	for i, a := range g.Nodes {
		for _, b := range g.Nodes[i+1:] {
			if a.Group != b.Group {
				continue
			}
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("nodes %q and %q overlap", a.Name+a.Type, b.Name+b.Type)
			}
		}
	}
	for _, e := range g.Edges {
		if len(e.Points) < 2 {
			t.Errorf("edge %s→%s has %d points", e.From, e.To, len(e.Points))
		}
		for _, p := range e.Points {
			if !finite(p.X, p.Y) || p.X < -1 || p.Y < -1 || p.X > g.Width+1 || p.Y > g.Height+1 {
				t.Errorf("edge %s→%s point %v outside the graph", e.From, e.To, p)
			}
		}
	}
}

func TestLayoutOrderFlow(t *testing.T) {
	t.Parallel()
	g, err := Layout([]byte(orderFlow))
	if err != nil {
		t.Fatal(err)
	}
	checkGeometry(t, g)
	start, validate := nodeByName(t, g, ""), nodeByName(t, g, "Validate")
	if start.Type != "Start" || start.Y >= validate.Y {
		t.Errorf("the Start marker (%+v) is not above StartAt (%+v)", start, validate)
	}
	prepare := nodeByName(t, g, "Prepare")
	if !prepare.Composite || prepare.Y <= validate.Y {
		t.Errorf("Prepare = %+v: want a composite node below Validate", prepare)
	}
	for _, name := range []string{"Reserve", "Charge"} {
		if n := nodeByName(t, g, name); !inside(n, prepare) || n.Group == "" || n.Depth != 1 {
			t.Errorf("%s = %+v is not drawn inside Prepare %+v", name, n, prepare)
		}
	}
	if r, c := nodeByName(t, g, "Reserve"), nodeByName(t, g, "Charge"); r.X+r.W > c.X && c.X+c.W > r.X {
		t.Errorf("branches overlap: %+v %+v", r, c)
	}
	if one := nodeByName(t, g, "One"); !inside(one, nodeByName(t, g, "Ship")) {
		t.Errorf("One is not inside its Map")
	}
	if d := nodeByName(t, g, "Ship").Detail; d != "distributed" {
		t.Errorf("Ship detail %q, want distributed", d)
	}
	if d := nodeByName(t, g, "Charge").Detail; d != "lambda charge" {
		t.Errorf("Charge detail %q", d)
	}
	labels := map[string]string{}
	for _, gr := range g.Groups {
		labels[gr.Label] = gr.Node
	}
	if labels["Branch 1"] != prepare.ID || labels["Branch 2"] != prepare.ID || labels["Item processor"] == "" {
		t.Errorf("groups %+v", g.Groups)
	}
	edges := []struct {
		from, to string
		kind     EdgeKind
		label    string
	}{
		{"Start", "Validate", EdgeNext, ""},
		{"Validate", "Prepare", EdgeNext, ""},
		{"Validate", "Rejected", EdgeCatch, "Catch InvalidOrder"},
		{"Prepare", "Rejected", EdgeCatch, "Catch States.ALL"},
		{"NeedsApproval", "Ship", EdgeChoice, "$.total > 500"},
		{"NeedsApproval", "Done", EdgeDefault, "Default"},
		{"Done", "End", EdgeNext, ""},
		{"Rejected", "End", EdgeNext, ""},
	}
	for _, want := range edges {
		e, ok := edgeBetween(g, want.from, want.to)
		if !ok {
			t.Errorf("no edge %s → %s", want.from, want.to)
			continue
		}
		if e.Kind != want.kind || e.Label != want.label || e.Back {
			t.Errorf("edge %s → %s = %s %q back=%v, want %s %q", want.from, want.to, e.Kind, e.Label, e.Back, want.kind, want.label)
		}
	}
	if end := nodeByName(t, g, "Rejected"); end.Y+end.H >= g.Height {
		t.Error("End marker not below the last state")
	}
}

func TestLayoutCycles(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"Check","States":{
	  "Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":3,"Next":"Inc"},{"Variable":"$.i","NumericEquals":7,"Next":"Check"}],"Default":"Done"},
	  "Inc":{"Type":"Task","Resource":"module:inc","Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Check"}],"Next":"Check"},
	  "Done":{"Type":"Succeed"}}}`
	g, err := Layout([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	checkGeometry(t, g)
	check, inc := nodeByName(t, g, "Check"), nodeByName(t, g, "Inc")
	if check.Y >= inc.Y {
		t.Errorf("Check (y %v) is not above Inc (y %v)", check.Y, inc.Y)
	}
	back, ok := edgeBetween(g, "Inc", "Check")
	if !ok || !back.Back || !strings.Contains(back.Label, "Catch States.ALL") {
		t.Errorf("Inc → Check = %+v, want one back edge carrying the catch label", back)
	}
	if back.Points[0].Y < back.Points[len(back.Points)-1].Y {
		t.Errorf("back edge runs downwards: %v", back.Points)
	}
	self, ok := edgeBetween(g, "Check", "Check")
	if !ok || !self.Self || self.Label != "$.i == 7" {
		t.Errorf("self loop = %+v", self)
	}
}

func TestLayoutErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ def, want string }{
		{`{"StartAt": }`, "parse definition: Unexpected character"},
		{`[1]`, "not a JSON object"},
		{`{"StartAt":"A"}`, "has no States"},
		{`{"StartAt":"A","States":` + strings.Repeat(`{"a":`, 1200) + `1` + strings.Repeat(`}`, 1201), "parse definition"},
	}
	for _, tt := range tests {
		_, err := Layout([]byte(tt.def))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Layout(%.40s) = %v, want an error containing %q", tt.def, err, tt.want)
		}
	}
	// Odd but parseable definitions are drawn as well as possible.
	for _, def := range []string{
		`{"StartAt":"A","States":{}}`,
		`{"StartAt":"Missing","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`,
		`{"StartAt":"A","States":{"A":"not an object","B":{"Type":7}}}`,
		`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{},7,{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}],"End":true}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"X"}}},"End":true}}}`,
	} {
		g, err := Layout([]byte(def))
		if err != nil {
			t.Errorf("Layout(%s): %v", def, err)
			continue
		}
		checkGeometry(t, g)
	}
}

func TestChoiceLabels(t *testing.T) {
	t.Parallel()
	tests := []struct{ rule, want string }{
		{`{"Variable":"$.n","NumericLessThanEquals":3,"Next":"X"}`, "$.n <= 3"},
		{`{"Variable":"$.s","StringEquals":"a","Next":"X"}`, `$.s == "a"`},
		{`{"Variable":"$.s","StringEqualsPath":"$.t","Next":"X"}`, `$.s == $.t`},
		{`{"Variable":"$.b","IsPresent":true,"Next":"X"}`, `$.b IsPresent true`},
		{`{"Variable":"$.s","StringMatches":"a*","Next":"X"}`, `$.s matches "a*"`},
		{`{"And":[{"Variable":"$.a","BooleanEquals":true},{"Not":{"Variable":"$.b","NumericGreaterThan":1}}],"Next":"X"}`, `$.a == true && !($.b > 1)`},
		{`{"Or":[{"Variable":"$.a","TimestampGreaterThanEquals":"2024-01-01T00:00:00Z"},{"Variable":"$.a","IsNull":true}],"Next":"X"}`, `$.a >= "2024-01-01T00:00:00Z" || $.a IsNull true`},
		{`{"Condition":"{% $states.input.n > 1 %}","Next":"X"}`, `$states.input.n > 1`},
	}
	for _, tt := range tests {
		g, err := Layout([]byte(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + tt.rule + `],"Default":"X"},"X":{"Type":"Succeed"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		e, _ := edgeBetween(g, "C", "X")
		if want := truncate(tt.want, labelMaxRune) + " · Default"; e.Label != want {
			t.Errorf("label of %s = %q, want %q", tt.rule, e.Label, want)
		}
	}
}

// bigDefinition builds n states: a chain of Choices that branch to tasks
// with catches to shared handlers, some Parallels and loops.
func bigDefinition(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		next := fmt.Sprintf("S%d", i+1)
		if i == n-1 {
			next = "Done"
		}
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, `"S%d":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":%d,"Next":"S%d"}],"Default":%q}`, i, i, (i+3)%n, next)
		case 1:
			fmt.Fprintf(&b, `"S%d":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handler%d"}],"Next":%q}`, i, i%3, next)
		case 2:
			fmt.Fprintf(&b, `"S%d":{"Type":"Parallel","Branches":[{"StartAt":"P%da","States":{"P%da":{"Type":"Pass","End":true}}},{"StartAt":"P%db","States":{"P%db":{"Type":"Wait","Seconds":1,"End":true}}}],"Next":%q}`, i, i, i, i, i, next)
		default:
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":%q}`, i, next)
		}
	}
	for h := 0; h < 3; h++ {
		fmt.Fprintf(&b, `,"Handler%d":{"Type":"Pass","Next":"Failed"}`, h)
	}
	b.WriteString(`,"Failed":{"Type":"Fail"},"Done":{"Type":"Succeed"}}}`)
	return b.String()
}

func TestLayoutLarge(t *testing.T) {
	t.Parallel()
	for _, n := range []int{50, 120} {
		start := time.Now()
		g, err := Layout([]byte(bigDefinition(n)))
		if err != nil {
			t.Fatal(err)
		}
		checkGeometry(t, g)
		if len(g.Nodes) < n {
			t.Errorf("%d states drew %d nodes", n, len(g.Nodes))
		}
		// Readable: no absurd width (the graph is mostly a chain).
		if g.Width > 4000 {
			t.Errorf("%d states: the graph is %v px wide", n, g.Width)
		}
		t.Logf("%d states: %vx%v px, %d edges, %v", n, g.Width, g.Height, len(g.Edges), time.Since(start))
	}
}

func TestLayoutTooBig(t *testing.T) {
	t.Parallel()
	_, err := Layout([]byte(bigDefinition(maxLayoutStates + 10)))
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("Layout of a huge definition = %v, want a refusal", err)
	}
}

func TestLayoutGoldenDefinitions(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/golden/*.asl.json")
	if len(files) == 0 {
		t.Fatal("no definitions in testdata/golden")
	}
	for _, f := range files {
		def, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		g, err := Layout(def)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		checkGeometry(t, g)
	}
}

func TestRenderSVG(t *testing.T) {
	t.Parallel()
	g, err := Layout([]byte(orderFlow))
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]StateStatus{"Validate": StatusSucceeded, "Prepare": StatusCaught, "Charge": StatusFailed}
	svg := string(renderSVG(g, svgOptions{
		Status:   func(n string) StateStatus { return cmpOr(status[n], StatusNotReached) },
		Href:     func(n string) string { return "/x?state=" + n },
		Panel:    func(n string) string { return "panel-" + n },
		Selected: "Charge",
		Label:    `graph of <script>`,
	}))
	for _, want := range []string{
		`<a class="node type-task st-succeeded" id="node-`, `data-state="Validate"`,
		`class="node type-parallel st-caught composite"`, `class="node type-task st-failed selected"`,
		`aria-label="Charge, Task state, failed"`, `aria-label="graph of &lt;script&gt;"`,
		`class="edge edge-catch"`, `marker-end="url(#arrow-catch)"`, `>Catch InvalidOrder</text>`,
		`<g class="group">`, `>Branch 1</text>`, `>Start</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "style=") {
		t.Error("SVG has a script or an inline style")
	}
}

func cmpOr(a, b StateStatus) StateStatus {
	if a != "" {
		return a
	}
	return b
}
