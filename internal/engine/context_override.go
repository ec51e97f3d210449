package engine

import "github.com/stepflow/stepflow/internal/jsonv"

// contextOverride returns Info.Context when it is set. TestState uses it:
// its request may carry the whole context object the tested state sees,
// and without one AWS shows a context of its own making (no RedriveCount,
// a null RoleArn when no role was given).
func (e *Execution) contextOverride() (*jsonv.Object, bool) {
	return e.info.Context, e.info.Context != nil
}
