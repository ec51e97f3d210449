package model

import (
	"bytes"
	"errors"
	"testing"
)

func TestLoadSFN(t *testing.T) {
	t.Parallel()
	s, err := Load("sfn")
	if err != nil {
		t.Fatal(err)
	}
	if s.Protocol != AWSJSON10 || s.TargetPrefix != "AWSStepFunctions" || s.SigningName != "states" || s.Version != "2016-11-23" {
		t.Errorf("service = %s %s %s %s", s.Protocol, s.TargetPrefix, s.SigningName, s.Version)
	}
	tests := []struct {
		op       string
		member   string
		required bool
		typ      string
	}{
		{"StartExecution", "stateMachineArn", true, TypeString},
		{"StartExecution", "input", false, TypeString},
		{"CreateStateMachine", "type", false, TypeEnum},
		{"ListExecutions", "maxResults", false, TypeInteger},
		{"TagResource", "tags", true, TypeList},
	}
	for _, tt := range tests {
		op, ok := s.Operation(tt.op)
		if !ok {
			t.Fatalf("no operation %s", tt.op)
		}
		in := &s.Shapes[op.Input]
		found := false
		for _, m := range in.Members {
			if m.Name == tt.member {
				found = true
				if m.Required != tt.required || s.Shapes[m.Target].Type != tt.typ {
					t.Errorf("%s.%s = required %v type %s", tt.op, tt.member, m.Required, s.Shapes[m.Target].Type)
				}
			}
		}
		if !found {
			t.Errorf("%s has no member %s", tt.op, tt.member)
		}
	}
	if _, ok := s.Operation("Nope"); ok {
		t.Error("Operation(Nope) found")
	}
	if e, ok := s.Error("ConflictException"); !ok || e.Status != 409 {
		t.Errorf("Error(ConflictException) = %+v, %v", e, ok)
	}
	if len(s.Operations) != 37 {
		t.Errorf("%d operations; want 37", len(s.Operations))
	}
}

func TestLoadUnknown(t *testing.T) {
	t.Parallel()
	if _, err := Load("nope"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Load(nope) = %v", err)
	}
	names := Names()
	if len(names) == 0 || names[0] > names[len(names)-1] {
		t.Errorf("Names() = %v", names)
	}
}

func TestEncodeDecode(t *testing.T) {
	t.Parallel()
	one := 1.0
	in := &Service{
		Name: "x", Protocol: AWSJSON11,
		Operations: []Operation{{Name: "Op", Input: 0}, {Name: "NoInput", Input: -1}},
		Shapes: []Shape{
			{Name: "In", Type: TypeStructure, Members: []Member{{Name: "a", Target: 1, Required: true}}},
			{Name: "A", Type: TypeString, Length: &Bounds{Min: &one}, Pattern: "^(?=.*b)[ab]+$", Match: []string{"^(?:.*b)", "!^a", "^[ab]+$"}},
		},
		Errors: []Error{{Code: "Z", Status: 500}, {Code: "A", Status: 400, Sender: true}},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sh := &out.Shapes[1]
	for s, want := range map[string]bool{"b": true, "bb": true, "ab": false, "ba": true, "aa": false, "bc": false, "": false} {
		if got := sh.Matches(s); got != want || sh.MatchesBytes([]byte(s)) != want {
			t.Errorf("Matches(%q) = %v; want %v", s, got, want)
		}
	}
	if e, ok := out.Error("A"); !ok || e.Status != 400 {
		t.Errorf("Error(A) = %+v, %v", e, ok)
	}
	if _, err := Decode(bytes.NewReader([]byte("not gzip"))); err == nil {
		t.Error("Decode(garbage): no error")
	}
	bad := &Service{Name: "bad", Operations: []Operation{{Name: "Op", Input: 5}}}
	buf.Reset()
	_ = Encode(&buf, bad)
	if _, err := Decode(&buf); err == nil {
		t.Error("Decode(bad index): no error")
	}
}
