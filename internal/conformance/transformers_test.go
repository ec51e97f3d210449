package conformance

import (
	"slices"
	"strings"
	"testing"
)

func TestParsePyCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		name    string
		args    []pyArg
		wantErr bool
	}{
		{
			in:   "RegexTransformer('Request ID: [a-zA-Z0-9-]+', 'Request ID: <request_id>')",
			name: "RegexTransformer",
			args: []pyArg{
				{Raw: "'Request ID: [a-zA-Z0-9-]+'", Str: "Request ID: [a-zA-Z0-9-]+", IsStr: true},
				{Raw: "'Request ID: <request_id>'", Str: "Request ID: <request_id>", IsStr: true},
			},
		},
		{
			in:   "RegexTransformer(sfn_role_arn, 'snf_role_arn')",
			name: "RegexTransformer",
			args: []pyArg{{Raw: "sfn_role_arn"}, {Raw: "'snf_role_arn'", Str: "snf_role_arn", IsStr: true}},
		},
		{
			in:   "sfn_snapshot.transform.sfn_sm_exec_arn(start_execution(), 12)",
			name: "sfn_snapshot.transform.sfn_sm_exec_arn",
			args: []pyArg{{Raw: "start_execution()"}, {Raw: "12"}},
		},
		{
			in:   "JsonpathTransformer(jsonpath=..., replacement=..., replace_reference=...)",
			name: "JsonpathTransformer",
			args: []pyArg{{Keyword: "jsonpath", Raw: "..."}, {Keyword: "replacement", Raw: "..."}, {Keyword: "replace_reference", Raw: "..."}},
		},
		{
			in:   `X("a\"b", 'it\'s, \x41\u00e9', k="v")`,
			name: "X",
			args: []pyArg{
				{Raw: `"a\"b"`, Str: `a"b`, IsStr: true},
				{Raw: `'it\'s, \x41\u00e9'`, Str: "it's, Aé", IsStr: true},
				{Keyword: "k", Raw: `"v"`, Str: "v", IsStr: true},
			},
		},
		{in: "GenericTransformer(<_convert_output_to_json>)", name: "GenericTransformer", args: []pyArg{{Raw: "<_convert_output_to_json>"}}},
		{in: "F()", name: "F"},
		{in: "not a call", wantErr: true},
		{in: "F('unterminated)", wantErr: true},
		{in: "F(a))", wantErr: true},
		{in: "1F(a)", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parsePyCall(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parsePyCall(%q) = %+v, want error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsePyCall(%q): %v", tt.in, err)
			continue
		}
		if got.Name != tt.name || !slices.Equal(got.Args, tt.args) {
			t.Errorf("parsePyCall(%q)\n got %+v\nwant %+v", tt.in, got, pyCall{Name: tt.name, Args: tt.args})
		}
	}
}

func FuzzParsePyCall(f *testing.F) {
	for _, s := range []string{
		"RegexTransformer('Extended Request ID: [a-zA-Z0-9-/=+]+', 'Extended Request ID: <extended_request_id>')",
		"sfn_snapshot.transform.key_value('RoleArn', 'role-arn', reference_replacement=...)",
		"RegexTransformer(get_execution_history().extract_json('$..output').json()['FunctionResult'], 'generated-uuid')",
		`X("\u00e9\x", ')`, "F(((", "F(a=b=c)", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		call, err := parsePyCall(s)
		if err != nil {
			return
		}
		if call.Name == "" {
			t.Fatalf("parsePyCall(%q) returned an empty name", s)
		}
		p := &plan{}
		p.add(call)
	})
}

func TestPlanUnderstandsEveryRecordedTransformer(t *testing.T) {
	t.Parallel()
	cases := loadCases(t)
	for _, c := range cases {
		if len(c.plan.unknown) > 0 {
			t.Errorf("%s: transformers not understood: %q", c.ID, c.plan.unknown)
		}
	}
}

func TestParsePlan(t *testing.T) {
	t.Parallel()
	p := parsePlan([]string{
		"RegexTransformer('Extended Request ID: [a-zA-Z0-9-/=+]+', 'Extended Request ID: <extended_request_id>')",
		"RegexTransformer(sfn_role_arn, 'snf_role_arn_t1')",
		"RegexTransformer('fn-eval-${short_uid()}', '<lambda-function-name>')",
		"JsonpathTransformer('$..FunctionResult', 'RandomNumberGenerated', replace_reference=...)",
		"JsonpathTransformer(jsonpath=..., replacement=..., replace_reference=...)",
		"sfn_snapshot.transform.sfn_sm_exec_arn(start_execution(), 2)",
		"sfn_snapshot.transform.sfn_sm_exec_arn(start_execution(), 0)",
		"SfnNoneRecursiveParallelTransformer()",
		"Mystery()",
	})
	if len(p.regexes) != 1 || p.regexes[0].re.ReplaceAllString("Extended Request ID: a-b/c=d+e!", p.regexes[0].repl) != "Extended Request ID: <extended_request_id>!" {
		t.Errorf("regexes = %+v", p.regexes)
	}
	if !slices.Equal(p.roleTokens, []string{"snf_role_arn_t1"}) {
		t.Errorf("roleTokens = %q", p.roleTokens)
	}
	if !slices.Equal(p.tokens, []string{"<lambda-function-name>"}) {
		t.Errorf("tokens = %q", p.tokens)
	}
	for _, s := range []string{"RandomNumberGenerated", "start-time", "entered-time", "map_run_arn"} {
		if !slices.Contains(p.opaque, s) {
			t.Errorf("opaque %q missing from %q", s, p.opaque)
		}
	}
	if !slices.Equal(p.execIdx, []int{0, 2}) || !p.parallel {
		t.Errorf("execIdx = %v, parallel = %v", p.execIdx, p.parallel)
	}
	if !slices.Equal(p.unknown, []string{"Mystery()"}) {
		t.Errorf("unknown = %q", p.unknown)
	}
}

func TestFixClassDashes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`ID: [a-zA-Z0-9-/=+]+`: `ID: [a-zA-Z0-9/=+-]+`,
		`[a-z]`:                `[a-z]`,
		`[^-a]`:                `[^a-]`,
		`\[x-]`:                `\[x-]`,
		`[\]-]`:                `[\]-]`,
		`[unclosed`:            `[unclosed`,
	} {
		if got := fixClassDashes(in); got != want {
			t.Errorf("fixClassDashes(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := compilePyRegex(`[a-zA-Z0-9-/=+]+`); err != nil {
		t.Errorf("compilePyRegex: %v", err)
	}
	if !strings.Contains(fixClassDashes("[0-9-_.]"), "_.-]") {
		t.Errorf("dash after a range not moved: %s", fixClassDashes("[0-9-_.]"))
	}
}
