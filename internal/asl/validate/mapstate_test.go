package validate

import (
	"strings"
	"testing"
)

func TestDefinitionMap(t *testing.T) {
	t.Parallel()
	mapState := func(fields string) string {
		return machine(`"A":{"Type":"Map",` + fields + `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)
	}
	runTable(t, []tableCase{
		{name: "valid", def: mapState(`"ItemsPath":"$.items","MaxConcurrency":5,"ToleratedFailurePercentage":10.5,"Label":"L","ItemSelector":{"v.$":"$$.Map.Item.Value"},`)},
		{name: "Iterator", def: machine(`"A":{"Type":"Map","Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)},
		{name: "no processor", def: machine(`"A":{"Type":"Map","End":true}`), want: []Diagnostic{
			s("/States/A", "This object should have only one of the following fields: [ItemProcessor, Iterator]")}},
		{name: "MaxConcurrency negative", def: mapState(`"MaxConcurrency":-1,`), want: []Diagnostic{s("/States/A/MaxConcurrency", "Minimum value is 0")}},
		{name: "MaxConcurrency huge", def: mapState(`"MaxConcurrency":9223372036854775807,`)},
		{name: "MaxConcurrency both", def: mapState(`"MaxConcurrency":1,"MaxConcurrencyPath":"$.m",`), want: []Diagnostic{
			s("/States/A", "There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]")}},
		{name: "MaxConcurrencyPath context", def: mapState(`"MaxConcurrencyPath":"$$.Execution.Input.n",`), want: []Diagnostic{
			s("/States/A/MaxConcurrencyPath", "Value is not a Reference Path")}},
		{name: "tolerated ranges", def: mapState(`"ToleratedFailurePercentage":101,"ToleratedFailureCount":-1,`), want: []Diagnostic{
			s("/States/A/ToleratedFailurePercentage", "Maximum value is 100.0"),
			s("/States/A/ToleratedFailureCount", "Minimum value is 0")}},
		{name: "Mode enum", def: machine(`"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"FAST"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`), want: []Diagnostic{
			s("/States/A/ItemProcessor/ProcessorConfig/Mode", "Value should be one of the following: [INLINE, DISTRIBUTED]")}},
		{name: "distributed in express", def: mapState(``), opts: Options{Type: TypeExpress}, want: []Diagnostic{
			s("/States/A/ItemProcessor/ProcessorConfig/Mode", "The field 'Mode' with value 'DISTRIBUTED' is not supported inside 'EXPRESS' state machines")}},
		{name: "ItemReader", def: mapState(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW","MaxItems":10},"Parameters":{"Bucket.$":"$.b","Key":"k"}},`)},
		{name: "ItemReader resource", def: mapState(`"ItemReader":{"Resource":"arn:aws:states:::s3:unknownOperation","Parameters":{}},`), want: []Diagnostic{
			s("/States/A/ItemReader/Resource", msgUnknownResource("arn:aws:states:::s3:unknownOperation"))}},
		{name: "ItemReader InputType", def: mapState(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"XML"},"Parameters":{}},`), want: []Diagnostic{
			s("/States/A/ItemReader/ReaderConfig/InputType", "Value should be one of the following: [MANIFEST, PARQUET, CSV, JSON, JSONL]")}},
		{name: "ItemBatcher", def: mapState(`"ItemBatcher":{"MaxItemsPerBatch":-1,"MaxInputBytesPerBatch":262145},`), want: []Diagnostic{
			s("/States/A/ItemBatcher/MaxItemsPerBatch", "Minimum value is 0"),
			s("/States/A/ItemBatcher/MaxInputBytesPerBatch", "Maximum value is 262144")}},
		{name: "ResultWriter", def: mapState(`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},`)},
		{name: "ResultWriter no Parameters", def: mapState(`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject"},`), want: []Diagnostic{
			s("/States/A/ResultWriter", "These fields are required: [Parameters]")}},
		{name: "WriterConfig", def: mapState(`"ResultWriter":{"WriterConfig":{"Transformation":"COMPACT"}},`), want: []Diagnostic{
			s("/States/A/ResultWriter/WriterConfig", "These fields are required: [OutputType]")}},
		{name: "JSONata MaxConcurrencyPath", def: jsonata(`"A":{"Type":"Map","MaxConcurrencyPath":"$.m","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`), want: []Diagnostic{
			s("/States/A", "The QueryLanguage is set to 'JSONata', but field 'MaxConcurrencyPath' is only supported for the 'JSONPath' QueryLanguage")}},
		{name: "long label", def: mapState(`"Label":"` + strings.Repeat("l", 41) + `",`), want: []Diagnostic{
			e(CodeInvalidLabelName, "/States/A/Label", "Label '"+strings.Repeat("l", 41)+"' exceeds the 40-character limit allowed by the service")}},
	})
}
