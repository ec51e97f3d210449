package sqlite

import (
	"bytes"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/store"
)

func TestChunksRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events []store.Event
		inputs []store.Input
	}{
		{"one", []store.Event{{ID: 1, JSON: []byte(`{"id":1}`)}}, []store.Input{{Seq: 1, Kind: "start"}}},
		{"empty json", []store.Event{{ID: 5, JSON: nil}, {ID: 6, JSON: []byte("x")}},
			[]store.Input{{Seq: 7, At: time.Unix(3, 4).UTC(), Kind: "", Payload: []byte{0, 1, 2}}}},
		{"large", []store.Event{{ID: 9, JSON: bytes.Repeat([]byte("a"), 70000)}},
			[]store.Input{{Seq: -1, Kind: "k", Payload: bytes.Repeat([]byte("b"), 300)}, {Seq: 2, Kind: "k2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := decodeEvents(nil, appendEvents(nil, tt.events), tt.events[0].ID)
			if err != nil || len(evs) != len(tt.events) {
				t.Fatalf("events: %v, %v", evs, err)
			}
			for i, e := range evs {
				if e.ID != tt.events[i].ID || !bytes.Equal(e.JSON, tt.events[i].JSON) || cap(e.JSON) != len(e.JSON) {
					t.Errorf("event %d = %v, want %v", i, e, tt.events[i])
				}
			}
			ins, err := decodeInputs(nil, appendInputs(nil, tt.inputs))
			if err != nil || len(ins) != len(tt.inputs) {
				t.Fatalf("inputs: %v, %v", ins, err)
			}
			for i, in := range ins {
				w := tt.inputs[i]
				if in.Seq != w.Seq || !in.At.Equal(w.At) || in.Kind != w.Kind || !bytes.Equal(in.Payload, w.Payload) {
					t.Errorf("input %d = %+v, want %+v", i, in, w)
				}
			}
		})
	}
}

// FuzzDecodeChunks feeds arbitrary bytes to the chunk decoders: they must
// not panic, and what decodes must encode back to the same bytes.
func FuzzDecodeChunks(f *testing.F) {
	f.Add(appendEvents(nil, []store.Event{{ID: 1, JSON: []byte(`{"id":1}`)}, {ID: 2, JSON: []byte(`{}`)}}))
	f.Add(appendInputs(nil, []store.Input{{Seq: 3, At: time.Unix(1, 0), Kind: "task", Payload: []byte(`{"a":1}`)}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{5, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		if evs, err := decodeEvents(nil, b, 1); err == nil {
			if got := appendEvents(nil, evs); !bytes.Equal(got, b) {
				// Non-minimal varints decode too; re-decoding must agree.
				again, err := decodeEvents(nil, got, 1)
				if err != nil || len(again) != len(evs) {
					t.Fatalf("events re-decode: %v, %v", again, err)
				}
			}
		}
		if ins, err := decodeInputs(nil, b); err == nil {
			again, err := decodeInputs(nil, appendInputs(nil, ins))
			if err != nil || len(again) != len(ins) {
				t.Fatalf("inputs re-decode: %v, %v", again, err)
			}
		}
	})
}
