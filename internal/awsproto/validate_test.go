package awsproto

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 81)
	tests := []struct {
		name    string
		svc     string // "" means sfn
		op      string
		body    string
		code    string // "" means valid
		message string
	}{
		{name: "valid", op: "DescribeStateMachine", body: `{"stateMachineArn":"arn"}`},
		{name: "empty body object", op: "ListStateMachines", body: `{}`},
		{name: "null body", op: "ListStateMachines", body: `null`},
		{name: "unknown members ignored", op: "ListStateMachines", body: `{"foo":{"bar":[1,2,{"x":null}]},"baz":"q"}`},
		{name: "null member is absent", op: "ListStateMachines", body: `{"nextToken":null}`},
		{name: "whitespace", op: "DescribeStateMachine", body: " \n{ \"stateMachineArn\" : \"a\" } \t"},
		{name: "missing required", op: "DescribeStateMachine", body: `{}`, code: CodeValidation,
			message: "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"},
		{name: "required null", op: "DescribeStateMachine", body: `{"stateMachineArn":null}`, code: CodeValidation,
			message: "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"},
		{name: "too long", op: "StartExecution", body: `{"stateMachineArn":"a","name":"` + long + `"}`, code: CodeValidation,
			message: "1 validation error detected: Value '" + long + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"},
		{name: "too short", op: "DescribeExecution", body: `{"executionArn":""}`, code: CodeValidation,
			message: "1 validation error detected: Value '' at 'executionArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "length counts characters", op: "StartExecution", body: `{"stateMachineArn":"a","name":"` + strings.Repeat("é", 80) + `"}`},
		{name: "escapes decoded", op: "StartExecution", body: `{"stateMachineArn":"a","name":"` + strings.Repeat(`\u0041`, 80) + `"}`},
		{name: "several in model order", op: "CreateStateMachine", body: `{"roleArn":"","name":"` + long + `"}`, code: CodeValidation,
			message: "3 validation errors detected: Value '" + long + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80; " +
				"Value null at 'definition' failed to satisfy constraint: Member must not be null; " +
				"Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "sensitive value not echoed", op: "CreateStateMachine", body: `{"name":"n","roleArn":"r","definition":""}`, code: CodeValidation,
			message: "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "enum", op: "ListExecutions", body: `{"statusFilter":"DONE"}`, code: CodeValidation,
			message: "1 validation error detected: Value 'DONE' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]"},
		{name: "range max", op: "ListExecutions", body: `{"maxResults":1001}`, code: CodeValidation,
			message: "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{name: "range min", op: "ListExecutions", body: `{"maxResults":-1}`, code: CodeValidation,
			message: "1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{name: "pattern with look-ahead", op: "CreateStateMachineAlias", body: `{"name":"123","routingConfiguration":[{"stateMachineVersionArn":"a","weight":100}]}`, code: CodeValidation,
			message: "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$"},
		{name: "pattern ok", op: "CreateStateMachineAlias", body: `{"name":"v1","routingConfiguration":[{"stateMachineVersionArn":"a","weight":100}]}`},
		{name: "ascii pattern", op: "StartExecution", body: `{"stateMachineArn":"a","traceHeader":"é"}`, code: CodeValidation,
			message: "1 validation error detected: Value 'é' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\p{ASCII}*$"},
		{name: "list length", op: "CreateStateMachineAlias", body: `{"name":"v","routingConfiguration":[]}`, code: CodeValidation,
			message: "1 validation error detected: Value '[]' at 'routingConfiguration' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "list element paths", op: "CreateStateMachineAlias",
			body: `{"name":"v","routingConfiguration":[{"stateMachineVersionArn":"a","weight":1},{"weight":101}]}`, code: CodeValidation,
			message: "2 validation errors detected: Value null at 'routingConfiguration.2.member.stateMachineVersionArn' failed to satisfy constraint: Member must not be null; " +
				"Value '101' at 'routingConfiguration.2.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{name: "list rendered like Java", op: "CreateStateMachineAlias",
			body: `{"name":"v","routingConfiguration":[{"stateMachineVersionArn":"a","weight":1},{"stateMachineVersionArn":"b","weight":2},{"stateMachineVersionArn":"c","weight":3}]}`, code: CodeValidation,
			message: "1 validation error detected: Value '[{stateMachineVersionArn=a, weight=1}, {stateMachineVersionArn=b, weight=2}, {stateMachineVersionArn=c, weight=3}]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{name: "tags", op: "TagResource", body: `{"resourceArn":"a","tags":[{"key":"","value":"v"}]}`, code: CodeValidation,
			message: "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "malformed", op: "ListStateMachines", body: `{"maxResults":}`, code: CodeSerialization},
		{name: "empty", op: "ListStateMachines", body: ``, code: CodeSerialization},
		{name: "invalid utf-8", op: "DescribeStateMachine", body: "{\"stateMachineArn\":\"\xc3\"}", code: CodeSerialization},
		{name: "string for integer", op: "ListExecutions", body: `{"maxResults":"5"}`, code: CodeSerialization,
			message: "STRING_VALUE cannot be converted to Integer"},
		{name: "bool for string", op: "DescribeStateMachine", body: `{"stateMachineArn":true}`, code: CodeSerialization,
			message: "TRUE_VALUE cannot be converted to String"},
		{name: "decimal for string", op: "DescribeStateMachine", body: `{"stateMachineArn":1.5}`, code: CodeSerialization,
			message: "DECIMAL_VALUE cannot be converted to String"},
		{name: "object for string", op: "DescribeStateMachine", body: `{"stateMachineArn":{}}`, code: CodeSerialization,
			message: "Start of structure or map found where not expected."},
		{name: "array for string", op: "DescribeStateMachine", body: `{"stateMachineArn":[]}`, code: CodeSerialization,
			message: "Unrecognized collection type class java.lang.String"},
		{name: "string for boolean", op: "TestState", body: `{"definition":"d","revealSecrets":"true"}`, code: CodeSerialization,
			message: "Unexpected token received from parser"},
		{name: "number for boolean", op: "TestState", body: `{"definition":"d","revealSecrets":1}`, code: CodeSerialization,
			message: "NUMBER_VALUE cannot be converted to Boolean"},
		{name: "scalar for list", op: "TagResource", body: `{"resourceArn":"a","tags":"x"}`, code: CodeSerialization,
			message: "Unexpected field type"},
		{name: "array for structure", op: "CreateStateMachine", body: `{"name":"n","definition":"d","roleArn":"r","tracingConfiguration":[]}`, code: CodeSerialization,
			message: "Unrecognized collection type class com.amazonaws.swf.service.v2.model.TracingConfiguration"},
		{name: "array body", op: "ListStateMachines", body: `[]`, code: CodeSerialization,
			message: "Unrecognized collection type class com.amazonaws.swf.service.v2.model.ListStateMachinesInput"},
		{name: "serialization beats validation", op: "ListExecutions", body: `{"statusFilter":"DONE","maxResults":"x"}`, code: CodeSerialization,
			message: "STRING_VALUE cannot be converted to Integer"},
		{name: "integer ok", op: "ListStateMachines", body: `{"maxResults":5}`},
		{name: "member names lower-cased", svc: "sqs", op: "SendMessage", body: `{"QueueUrl":"q"}`, code: CodeValidation,
			message: "1 validation error detected: Value null at 'messageBody' failed to satisfy constraint: Member must not be null"},
		{name: "map keys", svc: "sqs", op: "CreateQueue", body: `{"QueueName":"q","Attributes":{"DelaySeconds":"1","Bogus":"x","Other":"y"}}`, code: CodeValidation,
			message: "1 validation error detected: Value '{DelaySeconds=1, Bogus=x, Other=y}' at 'attributes' failed to satisfy constraint: Map keys must satisfy constraint: " +
				"[Member must satisfy enum value set: [All, Policy, VisibilityTimeout, MaximumMessageSize, MessageRetentionPeriod, ApproximateNumberOfMessages, " +
				"ApproximateNumberOfMessagesNotVisible, CreatedTimestamp, LastModifiedTimestamp, QueueArn, ApproximateNumberOfMessagesDelayed, DelaySeconds, " +
				"ReceiveMessageWaitTimeSeconds, RedrivePolicy, FifoQueue, ContentBasedDeduplication, KmsMasterKeyId, KmsDataKeyReusePeriodSeconds, " +
				"DeduplicationScope, FifoThroughputLimit, RedriveAllowPolicy, SqsManagedSseEnabled]]"},
		{name: "map of structures", svc: "sqs", op: "SendMessage",
			body: `{"QueueUrl":"q","MessageBody":"b","MessageAttributes":{"a":{"StringValue":"v"},"b":{"DataType":"String","StringValue":"w"}}}`, code: CodeValidation,
			message: "1 validation error detected: Value null at 'messageAttributes.a.dataType' failed to satisfy constraint: Member must not be null"},
		{name: "map value type", svc: "sqs", op: "CreateQueue", body: `{"QueueName":"q","Attributes":{"DelaySeconds":1}}`, code: CodeSerialization,
			message: "NUMBER_VALUE cannot be converted to String"},
		{name: "array for map", svc: "sqs", op: "CreateQueue", body: `{"QueueName":"q","Attributes":[]}`, code: CodeSerialization,
			message: "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>"},
		{name: "blob", svc: "sqs", op: "SendMessage", body: `{"QueueUrl":"q","MessageBody":"b","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":5}}}`, code: CodeSerialization,
			message: "only base-64-encoded strings are convertible to bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := tt.svc
			if svc == "" {
				svc = "sfn"
			}
			err := Validate(svc, tt.op, []byte(tt.body))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate = %v; want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v; want *Error %s", err, tt.code)
			}
			if e.Code != tt.code || e.Message != tt.message {
				t.Errorf("Validate =\n  %s: %s\nwant\n  %s: %s", e.Code, e.Message, tt.code, tt.message)
			}
			if tt.code == CodeValidation && e.Namespace != "com.amazon.coral.validate" {
				t.Errorf("namespace = %q", e.Namespace)
			}
		})
	}
}

func TestViolationHelpers(t *testing.T) {
	t.Parallel()
	e := ValidationError(Violation("name", "x", "Member must have length less than or equal to 80"), NullViolation("roleArn"),
		SensitiveViolation("definition", "Member must have length greater than or equal to 1"))
	want := "3 validation errors detected: Value 'x' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80; " +
		"Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
		"Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1"
	if e.Code != CodeValidation || e.Message != want || e.Namespace != "com.amazon.coral.validate" {
		t.Errorf("ValidationError = %+v", e)
	}
}

func TestValidateUnknown(t *testing.T) {
	t.Parallel()
	if err := Validate("nope", "X", []byte(`{}`)); err == nil {
		t.Error("unknown service: no error")
	}
	if err := Validate("sfn", "Frobnicate", []byte(`{}`)); err == nil {
		t.Error("unknown operation: no error")
	}
}

var sqsOps = map[string]bool{"SendMessage": true, "CreateQueue": true, "SendMessageBatch": true, "SetQueueAttributes": true}

func FuzzValidate(f *testing.F) {
	seeds := []struct{ op, body string }{
		{"CreateStateMachine", `{"name":"n","definition":"{}","roleArn":"r","tags":[{"key":"k","value":"v"}],"loggingConfiguration":{"level":"ALL","destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"a"}}]}}`},
		{"CreateStateMachineAlias", `{"name":"1","routingConfiguration":[{"weight":"x"},{},null]}`},
		{"ListExecutions", `{"maxResults":1e400,"statusFilter":"\u0052UNNING"}`},
		{"TestState", `{"definition":"\ud83d\ude00","revealSecrets":true,"variables":null}`},
		{"StartExecution", `[{"a":[[]]}]`},
		{"DescribeStateMachine", `"x"`},
		{"ListStateMachines", ``},
	}
	for _, s := range seeds {
		f.Add(s.op, s.body)
	}
	f.Add("SendMessage", `{"QueueUrl":"q","MessageBody":"b","MessageAttributes":{"a":{"DataType":"String","StringListValues":["x",null]}},"MessageSystemAttributes":{"AWSTraceHeader":{}}}`)
	f.Add("CreateQueue", `{"QueueName":"q","Attributes":{"Policy":"{}","x":null},"tags":{"k":"v"}}`)
	f.Fuzz(func(t *testing.T, op, body string) {
		svc := "sfn"
		if _, ok := sqsOps[op]; ok {
			svc = "sqs"
		}
		err := Validate(svc, op, []byte(body))
		var e *Error
		if err != nil && errors.As(err, &e) && e.Code != CodeValidation && e.Code != CodeSerialization {
			t.Fatalf("unexpected code %s", e.Code)
		}
	})
}

func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83d\u0041"`, `"é"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		var want string
		if !utf8.ValidString(lit) || json.Unmarshal([]byte(lit), &want) != nil {
			return // Validate rejects these before reading strings
		}
		lit = strings.Trim(lit, " \t\r\n")
		v := validator{data: []byte(lit)}
		if got := v.readString(); got != want {
			t.Fatalf("readString(%s) = %q; want %q", lit, got, want)
		}
		if v.pos != len(lit) {
			t.Fatalf("readString(%s) stopped at %d", lit, v.pos)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	body := []byte(`{"stateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:m","name":"exec-1","input":"{\"a\":1,\"b\":[1,2,3]}","traceHeader":"Root=1-5759e988-bd862e3fe1be46a994272793"}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate("sfn", "StartExecution", body); err != nil {
			b.Fatal(err)
		}
	}
}
