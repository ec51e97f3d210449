package conformance

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// Tally counts results.
type Tally struct {
	Total, Passed, Failed, Skipped int
}

func (t *Tally) add(r Result) {
	t.Total++
	switch {
	case r.Passed:
		t.Passed++
	case r.Skipped:
		t.Skipped++
	default:
		t.Failed++
	}
}

// Summary counts results overall, per kind and per feature.
type Summary struct {
	All       Tally
	ByKind    map[string]*Tally
	ByFeature map[string]*Tally
	// Unsupported counts skipped cases per reason.
	Unsupported map[string]int
}

// Summarize counts results.
func Summarize(results []Result) Summary {
	s := Summary{ByKind: map[string]*Tally{}, ByFeature: map[string]*Tally{}, Unsupported: map[string]int{}}
	for _, r := range results {
		s.All.add(r)
		tally(s.ByKind, r.Case.Kind).add(r)
		for _, f := range r.Case.Features {
			tally(s.ByFeature, f).add(r)
		}
		if r.Skipped {
			s.Unsupported[r.Reason]++
		}
	}
	return s
}

func tally(m map[string]*Tally, k string) *Tally {
	t := m[k]
	if t == nil {
		t = &Tally{}
		m[k] = t
	}
	return t
}

// Report writes the pass counts per kind and per feature, one
// "FAIL <id>: <diff>" line per failure, the unsupported cases grouped by
// reason, the number skipped, and last the line
// "conformance: P passed, F failed".
func Report(w io.Writer, results []Result) {
	s := Summarize(results)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name string, t *Tally) {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%s\t\n", name, t.Passed, t.Failed, t.Skipped, t.Total, percent(t))
	}
	fmt.Fprintln(tw, "by kind\tpassed\tfailed\tskipped\ttotal\tpass rate\t")
	kinds := slices.Clone(Kinds)
	for k := range s.ByKind {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		if t := s.ByKind[k]; t != nil {
			row(k, t)
		}
	}
	fmt.Fprintln(tw, "by feature\t\t\t\t\t\t")
	features := make([]string, 0, len(s.ByFeature))
	for f := range s.ByFeature {
		features = append(features, f)
	}
	slices.Sort(features)
	for _, f := range features {
		row(f, s.ByFeature[f])
	}
	tw.Flush()

	for _, r := range results {
		if r.Failed() {
			fmt.Fprintf(w, "FAIL %s: %s\n", r.Case.ID, r.Diff)
		}
	}
	if len(s.Unsupported) > 0 {
		fmt.Fprintln(w, "unsupported:")
		reasons := make([]string, 0, len(s.Unsupported))
		for r := range s.Unsupported {
			reasons = append(reasons, r)
		}
		slices.SortFunc(reasons, func(a, b string) int {
			return cmp.Or(cmp.Compare(s.Unsupported[b], s.Unsupported[a]), cmp.Compare(a, b))
		})
		for _, r := range reasons {
			fmt.Fprintf(w, "  %4d  %s\n", s.Unsupported[r], r)
		}
	}
	fmt.Fprintf(w, "conformance: %d skipped (unsupported) of %d cases\n", s.All.Skipped, s.All.Total)
	fmt.Fprintf(w, "conformance: %d passed, %d failed\n", s.All.Passed, s.All.Failed)
}

func percent(t *Tally) string {
	if t.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(t.Passed)/float64(t.Total))
}
