package dynamodb

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
	"github.com/stepflow/stepflow/internal/services/dynamodb/expr"
)

// Batch limits.
const (
	maxBatchGet   = 100
	maxBatchWrite = 25
)

type keysAndAttributes struct {
	Keys []attr.Item
	exprInput
	ProjectionExpression *string
	AttributesToGet      []string
	ConsistentRead       bool
}

type batchGetInput struct {
	RequestItems           map[string]keysAndAttributes
	ReturnConsumedCapacity string
}

func (s *Service) batchGetItem(ctx context.Context, body []byte) (any, error) {
	var in batchGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	total := 0
	for _, ka := range in.RequestItems {
		total += len(ka.Keys)
	}
	if total > maxBatchGet {
		return nil, errValidation("Too many items requested for the BatchGetItem call")
	}
	type plan struct {
		name string
		t    *table
		keys []itemKey
		proj *expr.Projection
	}
	names := make([]string, 0, len(in.RequestItems))
	for n := range in.RequestItems {
		names = append(names, n)
	}
	sort.Strings(names)
	plans := make([]plan, 0, len(names))
	for _, n := range names {
		ka := in.RequestItems[n]
		proj, err := projectionOf(&ka.exprInput, ka.ProjectionExpression, ka.AttributesToGet)
		if err != nil {
			return nil, err
		}
		plans = append(plans, plan{name: n, proj: proj})
	}
	for i := range plans {
		p := &plans[i]
		t, err := s.getTable(p.name)
		if err != nil {
			return nil, err
		}
		p.t = t
		seen := map[string]bool{}
		for _, key := range in.RequestItems[p.name].Keys {
			k, err := t.keyOf(key)
			if err != nil {
				return nil, err
			}
			id := string(k.pk) + "\x00" + string(k.sk)
			if seen[id] {
				return nil, errValidation("Provided list of item keys contains duplicates")
			}
			seen[id] = true
			p.keys = append(p.keys, k)
		}
	}
	out := []byte(`{"Responses":{`)
	var caps []*consumedCapacity
	for i, p := range plans {
		if i > 0 {
			out = append(out, ',')
		}
		out = attr.AppendString(out, p.name)
		out = append(out, ":["...)
		n, size := 0, 0
		for _, k := range p.keys {
			item, err := s.readItem(ctx, p.t, k)
			if err != nil {
				return nil, err
			}
			if item == nil {
				continue
			}
			size += item.Size()
			if p.proj != nil {
				item = p.proj.Apply(item)
			}
			if n > 0 {
				out = append(out, ',')
			}
			n++
			out = attr.AppendItemJSON(out, item)
		}
		out = append(out, ']')
		if cc := capacity(in.ReturnConsumedCapacity, p.t, readUnits(size, in.RequestItems[p.name].ConsistentRead)); cc != nil {
			caps = append(caps, cc)
		}
	}
	out = append(out, `},"UnprocessedKeys":{}`...)
	if len(caps) > 0 {
		b, _ := json.Marshal(caps)
		out = append(out, `,"ConsumedCapacity":`...)
		out = append(out, b...)
	}
	return append(out, '}'), nil
}

type writeRequest struct {
	PutRequest    *struct{ Item attr.Item }
	DeleteRequest *struct{ Key attr.Item }
}

type batchWriteInput struct {
	RequestItems           map[string][]writeRequest
	ReturnConsumedCapacity string
}

func (s *Service) batchWriteItem(ctx context.Context, body []byte) (any, error) {
	var in batchWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	total := 0
	for _, reqs := range in.RequestItems {
		total += len(reqs)
	}
	if total > maxBatchWrite {
		return nil, errValidation("Too many items requested for the BatchWriteItem call")
	}
	names := make([]string, 0, len(in.RequestItems))
	for n := range in.RequestItems {
		names = append(names, n)
	}
	sort.Strings(names)
	var ops []*prepared
	units := map[string]float64{}
	for _, n := range names {
		t, err := s.getTable(n)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, r := range in.RequestItems[n] {
			var p *prepared
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				if r.PutRequest.Item == nil {
					return nil, errValidation(msgInvalid + "Item must not be null")
				}
				k, err := t.checkItem(r.PutRequest.Item, msgItemTooLarge)
				if err != nil {
					return nil, err
				}
				p = &prepared{t: t, k: k, kind: "Put", item: r.PutRequest.Item}
				units[n] += writeUnits(r.PutRequest.Item.Size())
			case r.DeleteRequest != nil && r.PutRequest == nil:
				k, err := t.keyOf(r.DeleteRequest.Key)
				if err != nil {
					return nil, err
				}
				p = &prepared{t: t, k: k, kind: "Delete"}
				units[n]++
			default:
				return nil, errValidation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			id := string(p.k.pk) + "\x00" + string(p.k.sk)
			if seen[id] {
				return nil, errValidation("Provided list of item keys contains duplicates")
			}
			seen[id] = true
			ops = append(ops, p)
		}
	}
	if err := s.writeOps(ctx, ops, nil); err != nil {
		return nil, err
	}
	out := []byte(`{"UnprocessedItems":{}`)
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		var caps []*consumedCapacity
		for _, n := range names {
			t, _ := s.getTable(n)
			if t != nil {
				caps = append(caps, capacity(in.ReturnConsumedCapacity, t, units[n]))
			}
		}
		b, _ := json.Marshal(caps)
		out = append(out, `,"ConsumedCapacity":`...)
		out = append(out, b...)
	}
	return append(out, '}'), nil
}
