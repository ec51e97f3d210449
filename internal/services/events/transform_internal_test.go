package events

import (
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

const sampleEvent = `{"version":"0","id":"e1","detail-type":"T","source":"s","account":"1","time":"2030-01-01T00:00:00Z",` +
	`"region":"r","resources":["a","b"],"detail":{"state":"on","n":5,"quote":"say \"hi\"","odd-key":{"x":[1,2]},"list":[{"k":"v"}]}}`

func TestParsePath(t *testing.T) {
	t.Parallel()
	ev := jsonv.MustParse(sampleEvent)
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"$", sampleEvent, true},
		{"$.detail.state", `"on"`, true},
		{"$.detail['odd-key'].x[1]", `2`, true},
		{`$.detail["odd-key"]`, `{"x":[1,2]}`, true},
		{"$.resources[0]", `"a"`, true},
		{"$.detail.list[0].k", `"v"`, true},
		{"$.detail.nope", ``, false},
		{"$.resources[9]", ``, false},
		{"$.detail.state.deeper", ``, false},
	}
	for _, tt := range tests {
		p, err := parsePath(tt.path)
		if err != nil {
			t.Errorf("parsePath(%q) = %v", tt.path, err)
			continue
		}
		v, ok := p.eval(ev)
		if ok != tt.ok || ok && jsonv.Marshal(v) != tt.want {
			t.Errorf("eval(%q) = %s, %v; want %s, %v", tt.path, jsonv.Marshal(v), ok, tt.want, tt.ok)
		}
	}
	for _, bad := range []string{"", "detail", "$.", "$..a", "$[", "$[x]", "$[-1]", "$a", "$.a[0"} {
		if _, err := parsePath(bad); err == nil {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	ev := jsonv.MustParse(sampleEvent).(*jsonv.Object)
	c := &transformCtx{event: ev, ruleArn: "arn:rule", rule: "r1", ingestion: "2030-01-01T00:00:01Z"}
	paths := map[string]string{"state": "$.detail.state", "n": "$.detail.n", "q": "$.detail.quote", "obj": "$.detail.odd-key", "none": "$.detail.none"}
	tests := []struct {
		tpl, want string
	}{
		{`{"s":<state>,"n":<n>}`, `{"s":"on","n":5}`},
		{`"state is <state>, n is <n>"`, `"state is on, n is 5"`},
		{`{"msg":"<q>"}`, `{"msg":"say \"hi\""}`},
		{`{"o":<obj>,"os":"<obj>"}`, `{"o":{"x":[1,2]},"os":"{\"x\":[1,2]}"}`},
		{`{"missing":<none>,"ms":"[<none>]"}`, `{"missing":null,"ms":"[]"}`},
		{`{"rule":"<aws.events.rule-name>","arn":"<aws.events.rule-arn>","at":"<aws.events.event.ingestion-time>"}`,
			`{"rule":"r1","arn":"arn:rule","at":"2030-01-01T00:00:01Z"}`},
		{`{"e":<aws.events.event>}`, `{"e":{"version":"0","id":"e1","detail-type":"T","source":"s","account":"1","time":"2030-01-01T00:00:00Z","region":"r","resources":["a","b"]}}`},
		{`{"e":<aws.events.event.json>}`, `{"e":` + sampleEvent + `}`},
		{`<unknown> stays, "a \" <state>"`, `<unknown> stays, "a \" on"`},
		{`plain <state>`, `plain "on"`},
	}
	for _, tt := range tests {
		got := string(render(&InputTransformer{InputPathsMap: paths, InputTemplate: tt.tpl}, c))
		if got != tt.want {
			t.Errorf("render(%s) =\n%s\nwant\n%s", tt.tpl, got, tt.want)
		}
	}
}

func FuzzTransform(f *testing.F) {
	f.Add("$.detail.state", `{"a":<x>,"b":"<x> <aws.events.rule-name>"}`)
	f.Add("$.detail['odd-key'].x[0]", `"<x>"`)
	f.Add("$", `<aws.events.event> <x`)
	ev := jsonv.MustParse(sampleEvent).(*jsonv.Object)
	f.Fuzz(func(t *testing.T, path, tpl string) {
		c := &transformCtx{event: ev, ruleArn: "arn", rule: "r"}
		if p, err := parsePath(path); err == nil {
			_, _ = p.eval(ev)
		}
		_ = render(&InputTransformer{InputPathsMap: map[string]string{"x": path}, InputTemplate: tpl}, c)
		_ = payload(&Target{InputPath: path}, c)
	})
}
