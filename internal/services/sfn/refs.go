package sfn

import "github.com/stepflow/stepflow/internal/asl"

// variableReferences lists, per state, the workflow variables a definition
// reads, as DescribeStateMachine's variableReferences does (see
// asl.VariableReferences). It returns nil when nothing references a
// variable or the definition does not compile (AWS then leaves the member
// out).
func variableReferences(definition string) map[string][]string {
	sm, err := asl.Parse(definition, asl.Options{})
	if err != nil {
		return nil
	}
	refs := asl.VariableReferences(sm)
	if refs == nil {
		return nil
	}
	out := make(map[string][]string, refs.Len())
	for _, m := range refs.Members {
		names, _ := m.Value.([]any)
		for _, n := range names {
			if s, ok := n.(string); ok {
				out[m.Key] = append(out[m.Key], s)
			}
		}
	}
	return out
}
