package asl

import (
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func TestVariableReferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def string
		want      string // JSON, or "" for none
	}{
		{"choice variables and an assign path", `{"StartAt":"Setup","States":{
			"Setup":{"Type":"Pass","Assign":{"guess":"the_guess","answer":"the_answer"},"Next":"CheckAnswer"},
			"CheckAnswer":{"Type":"Choice","Choices":[{"Variable":"$guess","StringEqualsPath":"$answer","Next":"CorrectAnswer"}],"Default":"WrongAnswer"},
			"CorrectAnswer":{"Type":"Pass","Result":{"state":"CORRECT"},"End":true},
			"WrongAnswer":{"Type":"Pass","Assign":{"guess.$":"$answer"},"Result":{"state":"WRONG"},"Next":"CheckAnswer"}}}`,
			`{"CheckAnswer":["answer","guess"],"WrongAnswer":["answer"]}`},
		{"fail paths", `{"StartAt":"Pass","States":{"Pass":{"Type":"Pass","Assign":{"errorVar":"Exception","causeVar":"x"},"Next":"Fail"},
			"Fail":{"Type":"Fail","CausePath":"$causeVar","ErrorPath":"$errorVar"}}}`,
			`{"Fail":["causeVar","errorVar"]}`},
		{"literal strings and Result do not count", `{"StartAt":"S0","States":{
			"S0":{"Type":"Pass","Parameters":{"result":"$result"},"Assign":{"result":"foobar"},"Result":{"x.$":"$nope"},"Next":"S1"},
			"S1":{"Type":"Pass","ResultPath":"$.result","Parameters":{"result.$":"$result"},"End":true}}}`,
			`{"S1":["result"]}`},
		{"nested states, intrinsic arguments and reader paths", `{"StartAt":"M","States":{
			"M":{"Type":"Map","ItemsPath":"$list","ItemSelector":{"a.$":"States.Format('{} {}', $greeting, $$.Map.Item.Value)"},
				"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$max"},"Parameters":{"Bucket":"b","Key":"k"}},
				"ToleratedFailurePercentagePath":"$pct","ToleratedFailureCountPath":"$count",
				"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"q.$":"$question"},"End":true}}},"End":true}}}`,
			`{"M":["count","greeting","list","max","pct"],"P":["question"]}`},
		{"JSONata expressions: variables, not $states or functions", `{"QueryLanguage":"JSONata","StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $not($states.input.done) and $flag %}","Next":"D"}],"Default":"D"},
			"D":{"Type":"Pass","Output":{"a":"{% $sum($list) + $n %}","lit":"$notAVariable"},"End":true}}}`,
			`{"C":["flag"],"D":["list","n"]}`},
		{"none", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"End":true}}}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm, err := Parse(tt.def, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := VariableReferences(sm)
			if tt.want == "" {
				if got != nil {
					t.Errorf("VariableReferences = %s, want nil", jsonv.Marshal(got))
				}
				return
			}
			if got == nil || !jsonv.Equal(got, jsonv.MustParse(tt.want)) {
				t.Errorf("VariableReferences = %s\nwant %s", jsonv.Marshal(got), tt.want)
			}
		})
	}
}
