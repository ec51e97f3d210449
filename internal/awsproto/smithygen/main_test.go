package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto/model"
)

func TestTranslatePattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`^[a-z]+$`, []string{`^[a-z]+$`}, true},
		{`^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`, []string{`^(?:.*[a-zA-Z_\-\.])`, `^[a-zA-Z0-9_\-\.]+$`}, true},
		{`^(?!\s*$).+$`, []string{`!^(?:\s*$)`, `^.+$`}, true},
		{`^\p{ASCII}*$`, []string{`^[\x00-\x7F]*$`}, true},
		{`^[\p{ASCII}é]*$`, []string{`^[\x00-\x7Fé]*$`}, true},
		{`^\p{Print}+$`, []string{`^[\x20-\x7E]+$`}, true},
		{`^[\u0020-\u00FF]+$`, []string{`^[\x{0020}-\x{00FF}]+$`}, true},
		{`^(?=a)(?=.*b)c`, []string{`^(?:a)`, `^(?:.*b)`, `^c`}, true},
		{`^[0-9A-Za-z\.\-_]*(?<!\.)$`, nil, false},
		{`^a(?=b)`, nil, false},
		{`^(?=(a`, nil, false},
	}
	for _, tt := range tests {
		got, ok := TranslatePattern(tt.in)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("TranslatePattern(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

const tinyModel = `{
  "smithy": "2.0",
  "shapes": {
    "com.example#Svc": {"type": "service", "version": "2020-01-01", "operations": [{"target": "com.example#Put"}],
      "resources": [{"target": "com.example#Thing"}], "errors": [{"target": "com.example#Throttled"}],
      "traits": {"aws.protocols#restJson1": {}, "aws.auth#sigv4": {"name": "ex"}, "aws.api#service": {"endpointPrefix": "ex"}}},
    "com.example#Thing": {"type": "resource", "read": {"target": "com.example#Get"}},
    "com.example#Put": {"type": "operation", "input": {"target": "com.example#PutIn"}, "errors": [{"target": "com.example#Missing"}],
      "traits": {"smithy.api#http": {"method": "PUT", "uri": "/things/{Name}", "code": 201}}},
    "com.example#Get": {"type": "operation", "input": {"target": "smithy.api#Unit"}},
    "com.example#PutIn": {"type": "structure", "members": {
      "Name": {"target": "com.example#Name", "traits": {"smithy.api#required": {}, "smithy.api#httpLabel": {}}},
      "Short": {"target": "com.example#Name", "traits": {"smithy.api#length": {"max": 3}, "smithy.api#jsonName": "short"}},
      "Count": {"target": "smithy.api#Integer", "traits": {"smithy.api#range": {"min": 1}, "smithy.api#httpQuery": "count"}},
      "Tags": {"target": "com.example#Tags"},
      "Mode": {"target": "com.example#Mode"},
      "Legacy": {"target": "com.example#Legacy"},
      "Self": {"target": "com.example#PutIn"}
    }},
    "com.example#Name": {"type": "string", "traits": {"smithy.api#length": {"min": 1, "max": 10}, "smithy.api#pattern": "^[a-z]+$"}},
    "com.example#Tags": {"type": "map", "key": {"target": "smithy.api#String"}, "value": {"target": "com.example#Name"}},
    "com.example#Mode": {"type": "enum", "members": {"A": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "a"}}, "B": {"target": "smithy.api#Unit"}}},
    "com.example#Legacy": {"type": "string", "traits": {"smithy.api#enum": [{"value": "x"}, {"value": "y"}]}},
    "com.example#Missing": {"type": "structure", "members": {}, "traits": {"smithy.api#error": "client", "smithy.api#httpError": 404}},
    "com.example#Throttled": {"type": "structure", "members": {}, "traits": {"smithy.api#error": "client",
      "aws.protocols#awsQueryError": {"code": "Throttling", "httpResponseCode": 429}}},
    "com.example#Boom": {"type": "structure", "members": {}, "traits": {"smithy.api#error": "server"}}
  }
}`

func TestConvert(t *testing.T) {
	t.Parallel()
	svc, warnings, err := Convert("ex", []byte(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if svc.Protocol != model.RESTJSON1 || svc.SigningName != "ex" || svc.TargetPrefix != "" || svc.Namespace != "com.example" {
		t.Errorf("service = %+v", svc)
	}
	if len(svc.Operations) != 2 || svc.Operations[0].Name != "Get" || svc.Operations[0].Input != -1 {
		t.Fatalf("operations = %+v", svc.Operations)
	}
	put := svc.Operations[1]
	if put.HTTP == nil || *put.HTTP != (model.HTTP{Method: "PUT", URI: "/things/{Name}", Code: 201}) {
		t.Errorf("http = %+v", put.HTTP)
	}
	if !slices.Equal(put.Errors, []string{"Missing", "Throttled"}) {
		t.Errorf("errors = %v", put.Errors)
	}
	in := svc.Shapes[put.Input]
	if len(in.Members) != 7 || in.Members[0].Name != "Name" || in.Members[6].Name != "Self" {
		t.Fatalf("members = %+v", in.Members)
	}
	name, short := in.Members[0], in.Members[1]
	if !name.Required || name.Location != "label" || short.JSONName != "short" || in.Members[2].LocationName != "count" {
		t.Errorf("member traits = %+v %+v %+v", name, short, in.Members[2])
	}
	if ns, ss := svc.Shapes[name.Target], svc.Shapes[short.Target]; *ns.Length.Max != 10 || *ss.Length.Max != 3 || ss.Pattern != "^[a-z]+$" {
		t.Errorf("member override: %+v %+v", ns.Length, ss.Length)
	}
	if got := svc.Shapes[in.Members[4].Target].Enum; !slices.Equal(got, []string{"a", "B"}) {
		t.Errorf("enum = %v", got)
	}
	if got := svc.Shapes[in.Members[5].Target].Enum; !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("legacy enum = %v", got)
	}
	if in.Members[6].Target != put.Input {
		t.Errorf("recursive member target = %d; want %d", in.Members[6].Target, put.Input)
	}
	want := []model.Error{
		{Code: "Boom", Status: 500},
		{Code: "Missing", Status: 404, Sender: true},
		{Code: "Throttled", Status: 429, Sender: true, QueryCode: "Throttling"},
	}
	if !slices.Equal(svc.Errors, want) {
		t.Errorf("errors = %+v", svc.Errors)
	}
}

func TestConvertErrors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`not json`,
		`{"shapes":{}}`,
		`{"shapes":{"a#S":{"type":"service"}}}`,
		`{"shapes":{"a#S":{"type":"service","traits":{"aws.protocols#awsJson1_0":{}},"operations":[{"target":"a#Nope"}]}}}`,
		`{"shapes":{"a#S":{"type":"service","traits":{"aws.protocols#awsJson1_0":{}},"operations":[{"target":"a#Op"}]},
		  "a#Op":{"type":"operation","input":{"target":"a#Missing"}}}}`,
	} {
		if _, _, err := Convert("x", []byte(bad)); err == nil {
			t.Errorf("Convert(%s): no error", bad)
		}
	}
}

// The committed models are what the generator makes of the shared Smithy
// models (skipped where the models are not available).
func TestGeneratedUpToDate(t *testing.T) {
	t.Parallel()
	const dir = "/work/shared/aws-models"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("Smithy models not available")
	}
	entries, err := os.ReadDir("../model/data")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json.gz")
		if !ok {
			continue
		}
		out := t.TempDir()
		var stderr bytes.Buffer
		if err := run([]string{"-models", dir, "-out", out, name}, &stderr); err != nil {
			t.Fatalf("generate %s: %v", name, err)
		}
		got, _ := os.ReadFile(filepath.Join(out, e.Name()))
		want, _ := os.ReadFile(filepath.Join("../model/data", e.Name()))
		if !bytes.Equal(got, want) {
			t.Errorf("model/data/%s is stale: run go generate ./internal/awsproto", e.Name())
		}
	}
}

func FuzzTranslatePattern(f *testing.F) {
	for _, s := range []string{`^[a-z]+$`, `^(?=.*[a-z])[a-z0-9]+$`, `^(?!\s*$).+$`, `\p{ASCII}`, `[\u0020-\uFFFF]`, `^(?=(`, `\`, `^(?=[)])a`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		match, ok := TranslatePattern(p)
		if ok && len(match) == 0 {
			t.Fatalf("TranslatePattern(%q) ok without expressions", p)
		}
	})
}

func FuzzConvert(f *testing.F) {
	f.Add([]byte(tinyModel))
	f.Add([]byte(`{"shapes":{"a#S":{"type":"service","traits":{"aws.protocols#awsJson1_0":{}},"operations":[{"target":"a#Op"}]},"a#Op":{"type":"operation","input":{"target":"a#In"}},"a#In":{"type":"list","member":{"target":"a#In"}}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		svc, _, err := Convert("x", raw)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := model.Encode(&buf, svc); err != nil {
			t.Fatal(err)
		}
		if _, err := model.Decode(&buf); err != nil {
			t.Fatalf("generated model does not decode: %v", err)
		}
	})
}
