package apigateway

import (
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto/model"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// API Gateway's wire names are the model's jsonName traits (apiId,
// protocolType, ...) while Call speaks the model's member names (ApiId,
// ProtocolType, ...), as Step Functions' aws-sdk integrations and the SDKs'
// field names do. These functions convert between the two.

// opByName returns the model operation called name.
func opByName(name string) (*model.Operation, bool) {
	svc, err := model.Load(modelName)
	if err != nil {
		return nil, false
	}
	return svc.Operation(name)
}

// toWire converts a Call input (model member names) to the wire form the
// handlers take: body members under their jsonName, label and query
// members under their member names. Keys the model does not know are kept.
func toWire(action string, in []byte) ([]byte, error) {
	svc, err := model.Load(modelName)
	if err != nil {
		return nil, err
	}
	op, ok := svc.Operation(action)
	if !ok {
		return nil, unsupported(action)
	}
	if len(strings.TrimSpace(string(in))) == 0 {
		in = []byte("{}")
	}
	v, err := jsonv.Parse(in)
	if err != nil {
		return nil, badRequest("Could not parse the input as JSON: " + err.Error())
	}
	if _, ok := v.(*jsonv.Object); !ok {
		return nil, badRequest("The input must be a JSON object.")
	}
	if op.Input < 0 {
		return []byte("{}"), nil
	}
	return []byte(jsonv.Marshal(wireValue(svc, op.Input, v, true))), nil
}

func wireValue(svc *model.Service, idx int, v jsonv.Value, top bool) jsonv.Value {
	sh := &svc.Shapes[idx]
	switch sh.Type {
	case model.TypeStructure, model.TypeUnion:
		o, ok := v.(*jsonv.Object)
		if !ok {
			return v
		}
		out := jsonv.NewObject(o.Len())
		for _, mem := range o.Members {
			var m *model.Member
			for i := range sh.Members {
				if sh.Members[i].Name == mem.Key || sh.Members[i].WireName() == mem.Key {
					m = &sh.Members[i]
					break
				}
			}
			if m == nil {
				out.Set(mem.Key, mem.Value)
				continue
			}
			key := m.WireName()
			if top && m.Location != "" {
				key = m.Name
			}
			out.Set(key, wireValue(svc, m.Target, mem.Value, false))
		}
		return out
	case model.TypeList:
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = wireValue(svc, sh.Elem, e, false)
		}
		return out
	case model.TypeMap:
		o, ok := v.(*jsonv.Object)
		if !ok {
			return v
		}
		out := jsonv.NewObject(o.Len())
		for _, mem := range o.Members {
			out.Set(mem.Key, wireValue(svc, sh.Value, mem.Value, false))
		}
		return out
	}
	return v
}

// Output members whose values are maps: their keys are data, not member
// names. keyedValues maps to structures or strings (the values' own keys
// are member names); keyedDeep maps to maps (nothing below is renamed).
var (
	keyedValues = map[string]bool{"tags": true, "stageVariables": true, "requestTemplates": true, "requestModels": true,
		"requestParameters": true, "routeSettings": true}
	keyedDeep = map[string]bool{"responseParameters": true}
)

// toModelNames converts a wire-form output to the model's member names.
func toModelNames(b []byte) ([]byte, error) {
	v, err := jsonv.Parse(b)
	if err != nil {
		return nil, err
	}
	return []byte(jsonv.Marshal(pascal(v))), nil
}

func pascal(v jsonv.Value) jsonv.Value {
	switch x := v.(type) {
	case *jsonv.Object:
		out := jsonv.NewObject(x.Len())
		for _, m := range x.Members {
			val := m.Value
			switch {
			case keyedDeep[m.Key]:
			case keyedValues[m.Key]:
				if o, ok := val.(*jsonv.Object); ok {
					n := jsonv.NewObject(o.Len())
					for _, e := range o.Members {
						n.Set(e.Key, pascal(e.Value))
					}
					val = n
				}
			default:
				val = pascal(val)
			}
			out.Set(upperFirst(m.Key), val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pascal(e)
		}
		return out
	}
	return v
}

func upperFirst(s string) string {
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
