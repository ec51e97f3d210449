package events

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// maxPutEventsBytes is the largest total entry size of a PutEvents call.
const maxPutEventsBytes = 256 * 1024

type putEventsEntry struct {
	Time         *epoch   `json:"Time"`
	Source       string   `json:"Source"`
	Resources    []string `json:"Resources"`
	DetailType   string   `json:"DetailType"`
	Detail       string   `json:"Detail"`
	EventBusName string   `json:"EventBusName"`
	TraceHeader  string   `json:"TraceHeader"`
}

type putEventsInput struct {
	Entries    []putEventsEntry `json:"Entries"`
	EndpointId string           `json:"EndpointId"`
}

type putEventsResult struct {
	EventId      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

type putEventsOutput struct {
	FailedEntryCount int               `json:"FailedEntryCount"`
	Entries          []putEventsResult `json:"Entries"`
}

// entrySize is an entry's size as AWS counts it against the 256 KB limit.
func entrySize(e *putEventsEntry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// eventTimeFormat is how events carry their time.
const eventTimeFormat = "2006-01-02T15:04:05Z"

// newEvent builds an event envelope.
func (s *Service) newEvent(id, detailType, source string, at time.Time, resources []string, detail jsonv.Value) *jsonv.Object {
	res := make([]any, len(resources))
	for i, r := range resources {
		res[i] = r
	}
	ev := jsonv.NewObject(9)
	ev.Set("version", "0")
	ev.Set("id", id)
	ev.Set("detail-type", detailType)
	ev.Set("source", source)
	ev.Set("account", s.cfg.Account)
	ev.Set("time", at.UTC().Format(eventTimeFormat))
	ev.Set("region", s.cfg.Region)
	ev.Set("resources", res)
	ev.Set("detail", detail)
	return ev
}

func (s *Service) putEvents(ctx context.Context, body []byte) (any, error) {
	var in putEventsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	total := 0
	for i := range in.Entries {
		total += entrySize(&in.Entries[i])
	}
	if total > maxPutEventsBytes {
		return nil, errValidation("Total size of the entries in the request is over the limit.")
	}
	out := putEventsOutput{Entries: make([]putEventsResult, len(in.Entries))}
	now := s.cfg.Now()
	ingestion := now.UTC().Format(eventTimeFormat)
	sched := s.clk.Sched()
	s.mu.Lock()
	defer s.mu.Unlock()
	var deliveries []*delivery
	for i := range in.Entries {
		e := &in.Entries[i]
		fail := func(code, msg string) {
			out.Entries[i] = putEventsResult{ErrorCode: code, ErrorMessage: msg}
			out.FailedEntryCount++
		}
		if e.Source == "" {
			fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.")
			continue
		}
		if e.DetailType == "" {
			fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
			continue
		}
		if e.Detail == "" {
			fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.")
			continue
		}
		detail, err := jsonv.ParseString(e.Detail)
		if _, isObj := detail.(*jsonv.Object); err != nil || !isObj {
			fail("MalformedDetail", "Detail is malformed.")
			continue
		}
		bn := busName(e.EventBusName)
		if _, ok := s.buses[bn]; !ok {
			fail("ResourceNotFoundException", "Event bus "+bn+" does not exist.")
			continue
		}
		id := newUUID()
		at := now
		if e.Time != nil {
			at = time.Time(*e.Time)
		}
		out.Entries[i] = putEventsResult{EventId: id}
		if s.cfg.DisableDelivery {
			continue
		}
		ev := s.newEvent(id, e.DetailType, e.Source, at, e.Resources, detail)
		deliveries = append(deliveries, s.match(bn, ev, ingestion, sched)...)
	}
	if len(deliveries) > 0 {
		err := s.comp.Write(ctx, func(tx *sql.Tx) error {
			for _, d := range deliveries {
				if err := insertDelivery(tx, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, d := range deliveries {
			s.startDelivery(d)
		}
	}
	return out, nil
}

// match returns the deliveries of an event to the targets of the enabled
// rules of its bus whose pattern it matches; s.mu is held.
func (s *Service) match(bn string, ev *jsonv.Object, ingestion string, at time.Time) []*delivery {
	var matched []*rule
	for k, r := range s.rules {
		if k.bus == bn && r.enabled() && r.pattern != nil && len(r.def.Targets) > 0 && r.pattern.Match(ev) {
			matched = append(matched, r)
		}
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].def.Name < matched[j].def.Name })
	var out []*delivery
	for _, r := range matched {
		out = append(out, s.deliveriesFor(r, ev, ingestion, at)...)
	}
	return out
}

// deliveriesFor computes the payloads of an event for a rule's targets.
func (s *Service) deliveriesFor(r *rule, ev *jsonv.Object, ingestion string, at time.Time) []*delivery {
	c := &transformCtx{event: ev, ruleArn: r.def.Arn, rule: r.def.Name, ingestion: ingestion}
	out := make([]*delivery, 0, len(r.def.Targets))
	for i := range r.def.Targets {
		t := r.def.Targets[i]
		t.RuleArn = r.def.Arn
		out = append(out, &delivery{id: newUUID(), ruleArn: r.def.Arn, target: t, payload: payload(&t, c), eventTime: at})
	}
	return out
}
