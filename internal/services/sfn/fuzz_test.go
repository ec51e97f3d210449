package sfn

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:states:us-east-1:111111111111:stateMachine:m",
		"arn:aws:states:us-east-1:111111111111:stateMachine:m:1",
		"arn:aws:states:us-east-1:111111111111:stateMachine:m:prod",
		"arn:aws:states:us-east-1:111111111111:execution:m:e",
		"arn:aws:states:us-east-1:111111111111:express:m:e:2f1c6a3e-8b4d-4e7a-9c2b-5d6e7f8a9b0c",
		"arn:aws:states:us-east-1:111111111111:mapRun:m/Map:1",
		"arn:aws:states:::", "arn:", "not_an_arn", "arn:aws:states:r:a:stateMachine:m:0", "arn:aws:states:r:a:stateMachine:m::",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseARN(s)
		if err != nil {
			return
		}
		if a.raw != s || len(a.res) == 0 || !strings.HasPrefix(s, "arn:") {
			t.Fatalf("parseARN(%q) = %+v", s, a)
		}
		ref, err := parseStateMachineARN(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(s, ref.base) || ref.name == "" || ref.version < 0 || ref.version > 0 && ref.alias != "" {
			t.Fatalf("parseStateMachineARN(%q) = %+v", s, ref)
		}
		if ref.qualified() != (ref.base != s) {
			t.Fatalf("parseStateMachineARN(%q): qualified %v but base %q", s, ref.qualified(), ref.base)
		}
	})
}

func FuzzToken(f *testing.F) {
	f.Add("sm", "cursor-1", "")
	f.Add("exec", "2024|arn", "ZXhlYwBjdXJzb3I")
	f.Add("history", "12", "%%%")
	f.Fuzz(func(t *testing.T, kind, cursor, token string) {
		if _, err := decodeToken(kind, token); err != nil && token == "" {
			t.Fatalf("decodeToken(%q, \"\") = %v", kind, err)
		}
		if strings.Contains(kind, "\x00") || cursor == "" {
			return
		}
		got, err := decodeToken(kind, encodeToken(kind, cursor))
		if err != nil || got != cursor {
			t.Fatalf("round trip of %q/%q = %q, %v", kind, cursor, got, err)
		}
		if other := kind + "x"; !strings.Contains(other, "\x00") {
			if _, err := decodeToken(other, encodeToken(kind, cursor)); err == nil {
				t.Fatalf("token of %q accepted as %q", kind, other)
			}
		}
	})
}

func FuzzWireEvent(f *testing.F) {
	f.Add([]byte(`{"id":1,"previousEventId":0,"timestamp":"2024-01-02T03:04:05.678Z","type":"ExecutionStarted","executionStartedEventDetails":{"input":"{}","inputDetails":{"truncated":false}}}`), true)
	f.Add([]byte(`{"id":2,"previousEventId":1,"timestamp":"2024-01-02T03:04:05Z","type":"PassStateExited","stateExitedEventDetails":{"name":"P","output":"1"}}`), false)
	f.Add([]byte(`{"timestamp":"`), true)
	f.Add([]byte(`not json`), false)
	f.Fuzz(func(t *testing.T, ev []byte, include bool) {
		out := wireEvent(ev, include)
		if json.Valid(ev) && !json.Valid(out) {
			t.Fatalf("wireEvent(%s) = %s: not JSON", ev, out)
		}
	})
}

func FuzzVariableReferences(f *testing.F) {
	f.Add(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$b.x","StringEqualsPath":"$a","Next":"P"}]}}}`)
	f.Add(`{"States":{"P":{"Parameters":{"v.$":"States.Format('{}', $name)"},"Output":"{% $f($x) + $y %}"}}}`)
	f.Add(`{"States":{"M":{"ItemProcessor":{"States":{"I":{"InputPath":"$v"}}},"Branches":[{"States":{}}]}}}`)
	f.Fuzz(func(t *testing.T, def string) {
		for state, names := range variableReferences(def) {
			if state == "" && len(names) == 0 {
				t.Fatalf("empty entry for %q", def)
			}
			for _, n := range names {
				if n == "" || strings.ContainsAny(n, "$.[") {
					t.Fatalf("variableReferences(%q): bad name %q", def, n)
				}
			}
		}
	})
}
