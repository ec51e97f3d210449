package console

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLayout lays out and draws arbitrary definitions: no input may panic,
// and every drawn node must have finite coordinates.
func FuzzLayout(f *testing.F) {
	f.Add([]byte(orderFlow))
	f.Add([]byte(bigDefinition(12)))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Not":{"And":[{"Or":[]}]},"Next":"A"}],"Default":"A"}}}`))
	f.Add([]byte(`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"Q","States":{"Q":{"Type":"Map","ItemProcessor":{"StartAt":"R","States":{"R":{"Type":"Pass","End":true}}},"End":true}}}],"Next":"P"}}}`))
	f.Add([]byte(`{"StartAt":"","States":{"":{"Type":"Task","Next":""}}}`))
	f.Add([]byte(`[]`))
	files, _ := filepath.Glob("testdata/golden/*.asl.json")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, def []byte) {
		g, err := Layout(def)
		if err != nil {
			return
		}
		for _, n := range g.Nodes {
			if n.X != n.X || n.Y != n.Y || n.W != n.W || n.H != n.H {
				t.Fatalf("node %+v has NaN coordinates", n)
			}
		}
		_ = renderSVG(g, svgOptions{Status: func(string) StateStatus { return StatusRunning }, Href: func(n string) string { return n }})
	})
}

// FuzzAnalyze reads arbitrary histories: no input may panic.
func FuzzAnalyze(f *testing.F) {
	for _, name := range []string{"task_caught", "parallel", "inline_map", "execution_timeout"} {
		b, err := os.ReadFile("testdata/golden/" + name + ".history.json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"events":[{"id":1,"previousEventId":1,"type":"ParallelStateFailed"},{"id":2,"previousEventId":2,"type":"MapIterationStarted","mapIterationStartedEventDetails":{"name":"x"}}]}`))
	f.Add([]byte(`{"events":[{"id":1,"type":"TaskStateExited","stateExitedEventDetails":{"name":"x","assignedVariables":{"a":1}}},{"id":2,"previousEventId":1,"type":"EvaluationFailed","evaluationFailedEventDetails":{"state":"x"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h struct{ Events []json.RawMessage }
		if json.NewDecoder(bytes.NewReader(data)).Decode(&h) != nil {
			return
		}
		a, err := Analyze(h.Events, map[string]bool{"x": true})
		if err != nil {
			return
		}
		for _, s := range a.States {
			if len(s.Runs) == 0 {
				t.Fatalf("state %q has no runs", s.Name)
			}
		}
	})
}
