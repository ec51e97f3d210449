package teststate

import (
	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// response collects a TestState response.
type response struct {
	level     string
	status    string
	output    jsonv.Value
	hasOutput bool
	errName   string
	errCause  string
	hasError  bool
	next      string
	points    map[string]jsonv.Value
	vars      *jsonv.Object // the request's variables
	assignedV *jsonv.Object // variables the state assigned (values as JSON text)
	details   *jsonv.Object
}

// inspectionOrder lists the inspection data members in AWS's order.
var inspectionOrder = []string{
	"input", "afterArguments", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath",
	"variables", "errorDetails", "afterItemsPath", "afterItemSelector",
	"toleratedFailureCount", "toleratedFailurePercentage", "maxConcurrency",
}

// numericPoints are inspection members that are numbers, not documents.
var numericPoints = map[string]bool{"toleratedFailureCount": true, "toleratedFailurePercentage": true, "maxConcurrency": true}

// statePoints lists, per state type, the engine's inspection points
// TestState reports. Pass states with a Result report neither
// afterInputPath nor afterParameters; mocked Map and Parallel states report
// no raw result.
func statePoints(p *plan) []string {
	if p.ql == asl.JSONata {
		switch p.typ {
		case asl.Task:
			return []string{"afterArguments", "result"}
		case asl.Parallel:
			if p.mock == nil {
				return []string{"afterArguments", "result"}
			}
			return []string{"afterArguments"}
		}
		return nil
	}
	switch p.typ {
	case asl.Task:
		return []string{"afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath"}
	case asl.Pass:
		if p.raw.Has("Result") {
			return []string{"result", "afterResultSelector", "afterResultPath"}
		}
		return []string{"afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"}
	case asl.Map, asl.Parallel:
		return []string{"afterResultSelector", "afterResultPath"}
	}
	return []string{"afterInputPath"}
}

func (r *response) inspect(point string, v jsonv.Value) {
	if r.points == nil {
		r.points = map[string]jsonv.Value{}
	}
	r.points[point] = v
}

// take keeps the inspection points of a run that TestState reports for the
// state's type.
func (r *response) take(p *plan, o *outcome) {
	for _, pt := range statePoints(p) {
		if v, ok := o.points[pt]; ok {
			r.inspect(pt, v)
		}
	}
	if p.ql == asl.JSONata {
		return
	}
	switch p.typ {
	case asl.Pass:
		// Without Parameters the effective input is the input after
		// InputPath.
		if _, ok := r.points["afterParameters"]; !ok && !p.raw.Has("Result") {
			if v, ok := r.points["afterInputPath"]; ok {
				if _, done := o.points["afterResultSelector"]; done {
					r.inspect("afterParameters", v)
				}
			}
		}
	case asl.Fail:
		r.inspect("afterInputPath", p.input)
	}
}

func (r *response) succeed(output jsonv.Value, next string) {
	r.status, r.output, r.hasOutput, r.next = StatusSucceeded, output, true, next
}

func (r *response) fail(name, cause string) {
	r.status, r.errName, r.errCause, r.hasError = StatusFailed, name, cause, true
	r.hasOutput, r.next = false, ""
}

func (r *response) assigned(a *jsonv.Object) { r.assignedV = a }

// errorDetails records the retry backoff (nil: none) and the indexes of
// the matching retrier and catcher (-1: none).
func (r *response) errorDetails(backoff jsonv.Value, retryIndex, catchIndex int) {
	d := jsonv.NewObject(3)
	if backoff != nil {
		d.Set("retryBackoffIntervalSeconds", backoff)
	}
	if retryIndex >= 0 {
		d.Set("retryIndex", jsonv.Int(int64(retryIndex)))
	}
	if catchIndex >= 0 {
		d.Set("catchIndex", jsonv.Int(int64(catchIndex)))
	}
	r.details = d
}

// variables returns the workflow variables after the state: the request's,
// updated by the state's Assign.
func (r *response) variables() *jsonv.Object {
	if r.assignedV.Len() == 0 {
		return r.vars
	}
	out := jsonv.NewObject(r.vars.Len() + r.assignedV.Len())
	if r.vars != nil {
		out.Members = append(out.Members, r.vars.Members...)
	}
	for _, m := range r.assignedV.Members {
		v := m.Value
		if s, ok := v.(string); ok {
			if parsed, err := jsonv.ParseString(s); err == nil {
				v = parsed
			}
		}
		out.Set(m.Key, v)
	}
	return out
}

// build renders the response as AWS sends it.
func (r *response) build() *jsonv.Object {
	o := jsonv.NewObject(6)
	if r.hasOutput {
		o.Set("output", docText(r.output))
	}
	if r.hasError {
		if r.errName != "" {
			o.Set("error", r.errName)
		}
		if r.errCause != "" {
			o.Set("cause", r.errCause)
		}
	}
	if r.level != LevelInfo {
		if vars := r.variables(); vars.Len() > 0 {
			r.inspect("variables", vars)
		}
		if r.details != nil {
			r.inspect("errorDetails", r.details)
		}
		in := jsonv.NewObject(len(r.points))
		for _, k := range inspectionOrder {
			v, ok := r.points[k]
			if !ok {
				continue
			}
			switch {
			case numericPoints[k], k == "errorDetails":
				in.Set(k, v)
			default:
				in.Set(k, docText(v))
			}
		}
		o.Set("inspectionData", in)
	}
	if r.next != "" {
		o.Set("nextState", r.next)
	}
	o.Set("status", r.status)
	return o
}

// docText writes a JSON document the way TestState's responses show it:
// members and elements separated by ", ", keys followed by ": ".
func docText(v jsonv.Value) string {
	return string(appendDoc(make([]byte, 0, 64), v))
}

func appendDoc(dst []byte, v jsonv.Value) []byte {
	switch v := v.(type) {
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendDoc(dst, e)
		}
		return append(dst, ']')
	case *jsonv.Object:
		dst = append(dst, '{')
		if v != nil {
			for i, m := range v.Members {
				if i > 0 {
					dst = append(dst, ", "...)
				}
				dst = jsonv.AppendString(dst, m.Key)
				dst = append(dst, ": "...)
				dst = appendDoc(dst, m.Value)
			}
		}
		return append(dst, '}')
	}
	return jsonv.Append(dst, v)
}
