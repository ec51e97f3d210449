package intrinsics

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/asl/failure"
)

const (
	intrinsicFailure = failure.IntrinsicFailure
	runtimeFailure   = failure.Runtime
)

func TestFormat(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.Format('Formatting argument {}.', $.FunctionInput)", input: `{"FunctionInput":""}`, want: `"Formatting argument ."`},
		{expr: "States.Format('Formatting argument {}.', $.FunctionInput)", input: `{"FunctionInput":" "}`, want: `"Formatting argument  ."`},
		{expr: "States.Format('Formatting argument {}.', $.FunctionInput)", input: `{"FunctionInput":null}`, want: `"Formatting argument null."`},
		{expr: "States.Format('Formatting argument {}.', $.FunctionInput)", input: `{"FunctionInput":1}`, want: `"Formatting argument 1."`},
		{expr: "States.Format('Formatting argument {}.', $.FunctionInput)", input: `{"FunctionInput":1.1}`, want: `"Formatting argument 1.1."`},
		{expr: "States.Format('Formatting argument {}.', $.FunctionInput)", input: `{"FunctionInput":"{\"Arg1\": 1, \"Arg2\": []}"}`, want: `"Formatting argument {\"Arg1\": 1, \"Arg2\": []}."`},
		{expr: "States.Format('Formatting arguments fst={} and snd={}.', $.f.fst, $.f.snd)", input: `{"f":{"fst":{"Arg1":1,"Arg2":[]},"snd":{"Arg1":1,"Arg2":[]}}}`, want: `"Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}."`},
		{expr: "States.Format('Formatting arguments fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)", want: `"Formatting arguments fst=exec-1 and snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm-one, Name=sm-one}."`},
		{expr: "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)", input: `{"Error":"error string","Cause":"cause string"}`, want: `"This is a custom error message for error string, caused by cause string."`},
		{expr: "States.Format('Format Func {}', $greeting)", want: `"Format Func hello"`},
		{expr: "States.Format($.tpl, $.n)", input: `{"tpl":"It's {}!","n":"Pikachu"}`, want: `"It's Pikachu!"`},
		// Java's rendering of values that are not strings.
		{expr: "States.Format('{} {} {} {}', true, false, null, $.a)", input: `{"a":[1,"x",[null],{"k":{"z":1.50}}]}`, want: `"true false null [1, x, [null], {k={z=1.5}}]"`},
		{expr: "States.Format('{}|{}|{}|{}', 1.0, 1e2, -0, 12345678901234567890)", want: `"1.0|100.0|0|12345678901234567890"`},
		{expr: "States.Format('{}', $.o)", input: `{"o":{}}`, want: `"{}"`},
		{expr: "States.Format('no placeholders')", want: `"no placeholders"`},
		{expr: "States.Format('')", want: `""`},
		// Escapes: \{ and \} are literal braces, never a placeholder.
		{expr: `States.Format('\{\} {} \{}', 'x')`, want: `"{} x {}"`},
		{expr: `States.Format('{\}', 'x')`, err: intrinsicFailure, cause: "Invalid arguments in States.Format: the format string has 0 placeholders but 1 argument followed it"},
		{expr: `States.Format('It\'s {} \\ {}', 'a', 'b')`, want: `"It's a \\ b"`},
		{expr: "States.Format('{{}}', 1)", want: `"{1}"`},
		{expr: "States.Format('{} and {}', 'one')", err: intrinsicFailure, cause: "Invalid arguments in States.Format: the format string has 2 placeholders but 1 argument followed it"},
		{expr: "States.Format($.tpl)", input: `{"tpl":"{}"}`, err: intrinsicFailure, cause: "Invalid arguments in States.Format: the format string has 1 placeholder but 0 arguments followed it"},
		{expr: "States.Format($.tpl, 1)", input: `{"tpl":3}`, err: intrinsicFailure, cause: "Invalid arguments in States.Format: argument 1 must be a string, but was a number"},
		// Nine nested calls, as in the AWS documentation.
		{expr: "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1), 'x')",
			input: `{"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:111:image-recipe/my-recipe/1.2.3"}}`, want: `"1.2.x"`},
	})
}

func TestStringToJson(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.StringToJson($.s)", input: `{"s":""}`, want: `null`},
		{expr: "States.StringToJson($.s)", input: `{"s":" "}`, want: `null`},
		{expr: "States.StringToJson($.s)", input: `{"s":"null"}`, want: `null`},
		{expr: "States.StringToJson($.s)", input: `{"s":"-0"}`, want: `0`},
		{expr: "States.StringToJson($.s)", input: `{"s":"1"}`, want: `1`},
		{expr: "States.StringToJson($.s)", input: `{"s":"1.1"}`, want: `1.1`},
		{expr: "States.StringToJson($.s)", input: `{"s":"true"}`, want: `true`},
		{expr: "States.StringToJson($.s)", input: `{"s":"\"HelloWorld\""}`, want: `"HelloWorld"`},
		{expr: "States.StringToJson($.s)", input: `{"s":"[1, 2, \"HelloWorld\"]"}`, want: `[1,2,"HelloWorld"]`},
		{expr: "States.StringToJson($.s)", input: `{"s":"{\"Arg1\": 1, \"Arg2\": []}"}`, want: `{"Arg1":1,"Arg2":[]}`},
		{expr: `States.StringToJson('{"constant_in_literal": "false"}')`, want: `{"constant_in_literal":"false"}`},
		// Numbers come out the way Jackson writes them; key order is kept.
		{expr: "States.StringToJson($.s)", input: `{"s":"{\"z\":1.50,\"a\":[1e2,-0.0]}"}`, want: `{"z":1.5,"a":[100.0,-0.0]}`},
		{expr: "States.StringToJson($.s)", input: `{"s":"{'not': 'json'"}`, err: intrinsicFailure,
			cause: "Invalid arguments in States.StringToJson: the argument is not valid JSON: Unexpected character (''' (code 39)): was expecting double-quote to start field name"},
		{expr: "States.StringToJson($.s)", input: `{"s":{"a":1}}`, err: intrinsicFailure, cause: "Invalid arguments in States.StringToJson: argument 1 must be a string, but was an object"},
	})
}

func TestJsonToString(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.JsonToString($.v)", input: `{"v":null}`, want: `"null"`},
		{expr: "States.JsonToString($.v)", input: `{"v":0}`, want: `"0"`},
		{expr: "States.JsonToString($.v)", input: `{"v":1.1}`, want: `"1.1"`},
		{expr: "States.JsonToString($.v)", input: `{"v":true}`, want: `"true"`},
		{expr: "States.JsonToString($.v)", input: `{"v":"HelloWorld"}`, want: `"\"HelloWorld\""`},
		{expr: "States.JsonToString($.v)", input: `{"v":[1, 2, "HelloWorld"]}`, want: `"[1,2,\"HelloWorld\"]"`},
		{expr: "States.JsonToString($.v)", input: `{"v":{"Arg1": 1, "Arg2": []}}`, want: `"{\"Arg1\":1,\"Arg2\":[]}"`},
		// Key order is kept; no HTML escaping.
		{expr: "States.JsonToString($)", input: `{"z":"<&>","a":{"y":1,"b":2}}`, want: `"{\"z\":\"<&>\",\"a\":{\"y\":1,\"b\":2}}"`},
	})
}

func TestArray(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.Array()", want: `[]`},
		{expr: "States.Array($.a, $.b)", input: `{"a":"","b":" "}`, want: `[""," "]`},
		{expr: "States.Array($.a, $.b)", input: `{"a":null,"b":1.1}`, want: `[null,1.1]`},
		{expr: "States.Array($.a, $.b)", input: `{"a":{"Arg1":1,"Arg2":[]},"b":"{\"Arg1\": 1}"}`, want: `[{"Arg1":1,"Arg2":[]},"{\"Arg1\": 1}"]`},
		{expr: "States.Array('a', 'b', 'c')", want: `["a","b","c"]`},
		// Literals of every kind, nested calls and many arguments.
		{expr: "States.Array(1, -2.5, true, false, null, 'x', States.Array())", want: `[1,-2.5,true,false,null,"x",[]]`},
		{expr: "States.Array($, $$.Execution.Name, $greeting)", input: `{"k":1}`, want: `[{"k":1},"exec-1","hello"]`},
	})
}

func TestArrayPartition(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.ArrayPartition($.a, $.n)", input: `{"a":[],"n":1}`, want: `[]`},
		{expr: "States.ArrayPartition($.a, $.n)", input: `{"a":[0],"n":5}`, want: `[[0]]`},
		{expr: "States.ArrayPartition($.a, $.n)", input: `{"a":[0,1],"n":1}`, want: `[[0],[1]]`},
		{expr: "States.ArrayPartition($.a, $.n)", input: `{"a":[0,1,2],"n":2}`, want: `[[0,1],[2]]`},
		{expr: "States.ArrayPartition($.a, $.n)", input: `{"a":[0,1,2,3],"n":3}`, want: `[[0,1,2],[3]]`},
		{expr: "States.ArrayPartition($.a, $.n)", input: `{"a":[0,1,2,3],"n":4}`, want: `[[0,1,2,3]]`},
		{expr: "States.ArrayPartition($.a, 4)", input: `{"a":[1,2,3,4,5,6,7,8,9]}`, want: `[[1,2,3,4],[5,6,7,8],[9]]`},
		{expr: "States.ArrayPartition($.a, 2.0)", input: `{"a":[1,2,3]}`, want: `[[1,2],[3]]`},
		{expr: "States.ArrayPartition($.a, 0)", input: `{"a":[1]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer, but was 0"},
		{expr: "States.ArrayPartition($.a, -1)", input: `{"a":[1]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer, but was -1"},
		{expr: "States.ArrayPartition($.a, 1.5)", input: `{"a":[1]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayPartition: argument 2 must be an integer, but was 1.5"},
		{expr: "States.ArrayPartition($.a, '2')", input: `{"a":[1]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayPartition: argument 2 must be an integer, but was a string"},
		{expr: "States.ArrayPartition($.a, 2)", input: `{"a":{"x":1}}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayPartition: argument 1 must be an array, but was an object"},
	})
}

func TestArrayContains(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{expr: "States.ArrayContains($.a, 5)", input: `{"a":[1,2,3,4,5,6]}`, want: `true`},
		{expr: "States.ArrayContains($.a, 7)", input: `{"a":[1,2,3,4,5,6]}`, want: `false`},
		{expr: "States.ArrayContains($.a, $.v)", input: `{"a":[{"x":1,"y":[2]}],"v":{"y":[2],"x":1}}`, want: `true`},
		{expr: "States.ArrayContains($.a, null)", input: `{"a":[null]}`, want: `true`},
		{expr: "States.ArrayContains($.a, 'b')", input: `{"a":["a","b"]}`, want: `true`},
		// Jackson: an integer never equals a double.
		{expr: "States.ArrayContains($.a, 1.0)", input: `{"a":[1]}`, want: `false`},
		{expr: "States.ArrayContains($.a, 1.5)", input: `{"a":[1.50]}`, want: `true`},
		{expr: "States.ArrayContains($.a, 1)", input: `{"a":"1"}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayContains: argument 1 must be an array, but was a string"},
	})
}

func TestArrayRange(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.ArrayRange($.a, $.b, $.c)", input: `{"a":0,"b":9,"c":3}`, want: `[0,3,6,9]`},
		{expr: "States.ArrayRange($.a, $.b, $.c)", input: `{"a":0,"b":10,"c":3}`, want: `[0,3,6,9]`},
		{expr: "States.ArrayRange($.a, $.b, $.c)", input: `{"a":1,"b":9,"c":9}`, want: `[1]`},
		{expr: "States.ArrayRange($.a, $.b, $.c)", input: `{"a":1,"b":9,"c":2}`, want: `[1,3,5,7,9]`},
		{expr: "States.ArrayRange(0, 3, 1)", want: `[0,1,2,3]`},
		{expr: "States.ArrayRange(1, 10, 2)", want: `[1,3,5,7,9]`},
		// Downwards, empty, and the 1000-item limit.
		{expr: "States.ArrayRange(5, 1, -2)", want: `[5,3,1]`},
		{expr: "States.ArrayRange(5, 1, 1)", want: `[]`},
		{expr: "States.ArrayRange(1, 5, -1)", want: `[]`},
		{expr: "States.ArrayRange(1, 1000, 1)", want: rangeJSON(1, 1000)},
		{expr: "States.ArrayRange(0, 1000, 1)", err: intrinsicFailure, cause: "Invalid arguments in States.ArrayRange: the result would have 1001 items, more than the limit of 1000"},
		{expr: "States.ArrayRange(1, 5, 0)", err: intrinsicFailure, cause: "Invalid arguments in States.ArrayRange: the step must not be zero"},
		{expr: "States.ArrayRange(1.5, 5, 1)", err: intrinsicFailure, cause: "Invalid arguments in States.ArrayRange: argument 1 must be an integer, but was 1.5"},
		{expr: "States.ArrayRange(1, '5', 1)", err: intrinsicFailure, cause: "Invalid arguments in States.ArrayRange: argument 2 must be an integer, but was a string"},
		{expr: "States.ArrayRange(0, 3000000000, 1)", err: intrinsicFailure, cause: "Invalid arguments in States.ArrayRange: argument 2 must be between -2147483648 and 2147483647, but was 3000000000"},
	})
}

func rangeJSON(from, to int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		b.WriteString(itoa(i))
	}
	b.WriteByte(']')
	return b.String()
}

func TestArrayGetItem(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.ArrayGetItem($.a, $.i)", input: `{"a":[1,2,3,4,5,6,7,8,9],"i":5}`, want: `6`},
		{expr: "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", want: `"sm"`},
		{expr: "States.ArrayGetItem($.a, 1)", input: `{"a":[{"k":1},{"k":2}]}`, want: `{"k":2}`},
		{expr: "States.ArrayGetItem($.a, 3)", input: `{"a":[1,2,3]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayGetItem: the index 3 is out of bounds for an array of length 3"},
		{expr: "States.ArrayGetItem($.a, -1)", input: `{"a":[1,2,3]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayGetItem: the index -1 is out of bounds for an array of length 3"},
		{expr: "States.ArrayGetItem($.a, 0.5)", input: `{"a":[1]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayGetItem: argument 2 must be an integer, but was 0.5"},
		{expr: "States.ArrayGetItem($.a, 18446744073709551616)", input: `{"a":[1]}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayGetItem: argument 2 must be between -2147483648 and 2147483647, but was 18446744073709551616"},
		{expr: "States.ArrayGetItem($.s, 0)", input: `{"s":"abc"}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayGetItem: argument 1 must be an array, but was a string"},
	})
}

func TestArrayLength(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.ArrayLength($.a)", input: `{"a":[1,2,3,4,5,6,7,8,9]}`, want: `9`},
		{expr: "States.ArrayLength($.a)", input: `{"a":[null,null,true,true,false,false,1,1,1.1,0,0,"HelloWorld","HelloWorld",[],[],[null],[null],{"a":1,"b":2},{"a":1,"b":2},{"a":1,"b":1}]}`, want: `20`},
		{expr: "States.ArrayLength($.a)", input: `{"a":[]}`, want: `0`},
		{expr: "States.ArrayLength($.a[*].x)", input: `{"a":[1,2]}`, want: `0`},
		{expr: "States.ArrayLength($.a)", input: `{"a":null}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayLength: argument 1 must be an array, but was null"},
	})
}

func TestArrayUnique(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{expr: "States.ArrayUnique($.a)", input: `{"a":[1,2,2,3,3,4]}`, want: `[1,2,3,4]`},
		{expr: "States.ArrayUnique($.a)", input: `{"a":[null,null,true,true,false,false,1,1,1.1,0,0,"HelloWorld","HelloWorld",[],[],[null],[null],{"a":1,"b":2},{"a":1,"b":2},{"a":1,"b":1}]}`,
			want: `[null,true,false,1,1.1,0,"HelloWorld",[],[null],{"a":1,"b":2},{"a":1,"b":1}]`},
		// First occurrence wins; key order does not matter; 1 and 1.0 differ.
		{expr: "States.ArrayUnique($.a)", input: `{"a":[{"b":2,"a":1},{"a":1,"b":2},1,1.0,1.00,"1"]}`, want: `[{"b":2,"a":1},1,1.0,"1"]`},
		{expr: "States.ArrayUnique($.a)", input: `{"a":[]}`, want: `[]`},
		{expr: "States.ArrayUnique($.a)", input: `{"a":5}`, err: intrinsicFailure, cause: "Invalid arguments in States.ArrayUnique: argument 1 must be an array, but was a number"},
	})
}

func TestBase64Encode(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.Base64Encode($.s)", input: `{"s":""}`, want: `""`},
		{expr: "States.Base64Encode($.s)", input: `{"s":"Data to encode"}`, want: `"RGF0YSB0byBlbmNvZGU="`},
		{expr: "States.Base64Encode('>>>???')", want: `"Pj4+Pz8/"`},
		{expr: "States.Base64Encode('é😀')", want: `"w6nwn5iA"`},
		{expr: "States.Base64Encode($.s)", input: `{"s":"` + strings.Repeat("a", 10000) + `"}`, want: `"` + strings.Repeat("YWFh", 3333) + `YQ=="`},
		{expr: "States.Base64Encode($.s)", input: `{"s":"` + strings.Repeat("a", 10001) + `"}`, err: intrinsicFailure, cause: "Invalid arguments in States.Base64Encode: the input string is 10001 characters long, more than the limit of 10000"},
		// Java counts UTF-16 code units: 5001 emoji are 10002 characters.
		{expr: "States.Base64Encode($.s)", input: `{"s":"` + strings.Repeat("😀", 5001) + `"}`, err: intrinsicFailure, cause: "Invalid arguments in States.Base64Encode: the input string is 10002 characters long, more than the limit of 10000"},
		{expr: "States.Base64Encode($.n)", input: `{"n":5}`, err: intrinsicFailure, cause: "Invalid arguments in States.Base64Encode: argument 1 must be a string, but was a number"},
	})
}

func TestBase64Decode(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS.
		{expr: "States.Base64Decode($.s)", input: `{"s":""}`, want: `""`},
		{expr: "States.Base64Decode($.s)", input: `{"s":"RGF0YSB0byBlbmNvZGU="}`, want: `"Data to encode"`},
		{expr: "States.Base64Decode(States.Base64Encode('round trip é'))", want: `"round trip é"`},
		{expr: "States.Base64Decode('YQ')", want: `"a"`},
		{expr: "States.Base64Decode('/w==')", want: "\"\uFFFD\""},
		{expr: "States.Base64Decode('not base64!!!')", err: intrinsicFailure, cause: "Invalid arguments in States.Base64Decode: the input is not valid Base64: illegal base64 data at input byte 3"},
		{expr: "States.Base64Decode($.s)", input: `{"s":"RGF0\nYQ=="}`, err: intrinsicFailure, cause: "Invalid arguments in States.Base64Decode: the input is not valid Base64: illegal base64 data at input byte 4"},
		{expr: "States.Base64Decode($.s)", input: `{"s":"` + strings.Repeat("A", 10004) + `"}`, err: intrinsicFailure, cause: "Invalid arguments in States.Base64Decode: the input string is 10004 characters long, more than the limit of 10000"},
		{expr: "States.Base64Decode($.s)", input: `{"s":["YQ=="]}`, err: intrinsicFailure, cause: "Invalid arguments in States.Base64Decode: argument 1 must be a string, but was an array"},
	})
}

func TestHash(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{expr: "States.Hash($.d, 'MD5')", input: `{"d":"input data"}`, want: `"812f45842bc6d66ee14572ce20db8e86"`},
		{expr: "States.Hash($.d, 'SHA-1')", input: `{"d":"input data"}`, want: `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{expr: "States.Hash($.d, 'SHA-256')", input: `{"d":"input data"}`, want: `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{expr: "States.Hash($.d, 'SHA-384')", input: `{"d":"input data"}`, want: `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
		{expr: "States.Hash($.d, 'SHA-512')", input: `{"d":"input data"}`, want: `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
		{expr: "States.Hash('', $.alg)", input: `{"alg":"SHA-256"}`, want: `"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`},
		{expr: "States.Hash($.d, 'SHA256')", input: `{"d":"x"}`, err: intrinsicFailure, cause: `Invalid arguments in States.Hash: the hash algorithm "SHA256" is not supported: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512`},
		{expr: "States.Hash($.d, 'sha-256')", input: `{"d":"x"}`, err: intrinsicFailure, cause: `Invalid arguments in States.Hash: the hash algorithm "sha-256" is not supported: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512`},
		{expr: "States.Hash($.d, 256)", input: `{"d":"x"}`, err: intrinsicFailure, cause: "Invalid arguments in States.Hash: argument 2 must be a string, but was a number"},
		{expr: "States.Hash($.d, 'MD5')", input: `{"d":{"a":1}}`, err: intrinsicFailure, cause: "Invalid arguments in States.Hash: argument 1 must be a string, but was an object"},
		{expr: "States.Hash($.d, 'MD5')", input: `{"d":"` + strings.Repeat("a", 10001) + `"}`, err: intrinsicFailure, cause: "Invalid arguments in States.Hash: the input string is 10001 characters long, more than the limit of 10000"},
	})
}

func TestJsonMerge(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS (key order aside: the recording sorted keys).
		{expr: "States.JsonMerge($.f.fst, $.f.snd, false)", input: `{"f":{"fst":{"a":{"a1":1,"a2":2},"b":2,"d":3},"snd":{"a":{"a3":1,"a4":2},"c":3,"d":4}}}`, want: `{"a":{"a3":1,"a4":2},"b":2,"d":4,"c":3}`},
		{expr: `States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $$.Execution.Input, false)`, want: `{"constant_in_literal":"false","FunctionInput":"a,b"}`},
		{expr: "States.JsonMerge($.a, $.b, false)", input: `{"a":{},"b":{}}`, want: `{}`},
		{expr: "States.JsonMerge($.a, $.b, true)", input: `{"a":{},"b":{}}`, err: intrinsicFailure, cause: "Invalid arguments in States.JsonMerge: deep merging is not supported: the third argument must be false"},
		{expr: "States.JsonMerge($.a, $.b, 'false')", input: `{"a":{},"b":{}}`, err: intrinsicFailure, cause: "Invalid arguments in States.JsonMerge: argument 3 must be a boolean, but was a string"},
		{expr: "States.JsonMerge($.a, $.b, false)", input: `{"a":[1],"b":{}}`, err: intrinsicFailure, cause: "Invalid arguments in States.JsonMerge: argument 1 must be an object, but was an array"},
		{expr: "States.JsonMerge($.a, $.b, false)", input: `{"a":{},"b":null}`, err: intrinsicFailure, cause: "Invalid arguments in States.JsonMerge: argument 2 must be an object, but was null"},
	})
}

func TestJsonMergeLarge(t *testing.T) {
	t.Parallel()
	// Past a few hundred key pairs the merge indexes keys; the result is
	// the same: a's keys in place with b's values, then b's new keys.
	obj := func(from, to int) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := from; i < to; i++ {
			if i > from {
				b.WriteByte(',')
			}
			b.WriteString(`"k` + itoa(i) + `":` + itoa(from))
		}
		b.WriteByte('}')
		return b.String()
	}
	var want strings.Builder
	want.WriteByte('{')
	for i := 0; i < 60; i++ {
		if i > 0 {
			want.WriteByte(',')
		}
		v := 0
		if i >= 20 {
			v = 20
		}
		want.WriteString(`"k` + itoa(i) + `":` + itoa(v))
	}
	want.WriteByte('}')
	runEvalCases(t, []evalCase{
		{expr: "States.JsonMerge($.a, $.b, false)", input: `{"a":` + obj(0, 40) + `,"b":` + obj(20, 60) + `}`, want: want.String()},
	})
}

func TestMathAdd(t *testing.T) {
	t.Parallel()
	// Recorded on AWS: each argument is rounded half up (Java's Math.round)
	// before adding.
	recorded := []struct{ a, b, sum string }{
		{"-9", "3", "-6"}, {"1.49", "1.5", "3"}, {"1.5", "1.51", "4"}, {"-1.49", "-1.5", "-2"},
		{"-1.5", "-1.51", "-3"}, {"1.49", "0", "1"}, {"1.49", "-1.49", "0"}, {"1.5", "0", "2"},
		{"1.51", "0", "2"}, {"-1.49", "0", "-1"}, {"-1.5", "0", "-1"}, {"-1.51", "0", "-2"},
		{"0.5", "0", "1"}, {"2.5", "0", "3"}, {"3.5", "0", "4"}, {"-0.5", "0.5", "1"},
		{"-0.5", "0", "0"}, {"-2.5", "0", "-2"}, {"-3.5", "0", "-3"},
	}
	var cases []evalCase
	for _, r := range recorded {
		cases = append(cases, evalCase{expr: "States.MathAdd($.a, $.b)", input: `{"a":` + r.a + `,"b":` + r.b + `}`, want: r.sum})
	}
	cases = append(cases,
		evalCase{expr: "States.MathAdd($.Iterations, -1)", input: `{"Iterations":1}`, want: `0`},
		evalCase{expr: "States.MathAdd(111, -1)", want: `110`},
		evalCase{expr: "States.MathAdd(2147483647, 1)", want: `2147483648`},
		evalCase{expr: "States.MathAdd(2147483648, 1)", err: intrinsicFailure, cause: "Invalid arguments in States.MathAdd: argument 1 must be between -2147483648 and 2147483647, but was 2147483648"},
		evalCase{expr: "States.MathAdd('1', 1)", err: intrinsicFailure, cause: "Invalid arguments in States.MathAdd: argument 1 must be a number, but was a string"},
		evalCase{expr: "States.MathAdd(1, null)", err: intrinsicFailure, cause: "Invalid arguments in States.MathAdd: argument 2 must be a number, but was null"},
	)
	runEvalCases(t, cases)
}

func TestMathRandom(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// A seed makes the draw repeatable: java.util.Random(3).nextInt(999).
		{expr: "States.MathRandom($.f.fst, $.f.snd, $.f.trd)", input: `{"f":{"fst":0,"snd":999,"trd":3}}`, want: `239`},
		{expr: "States.MathRandom(1, 11, 42)", want: `1`},
		{expr: "States.MathRandom(10, 11)", want: `10`},
		{expr: "States.MathRandom(5, 5)", err: intrinsicFailure, cause: "Invalid arguments in States.MathRandom: the end (5) must be greater than the start (5)"},
		{expr: "States.MathRandom('1', 5)", err: intrinsicFailure, cause: "Invalid arguments in States.MathRandom: argument 1 must be a number, but was a string"},
		{expr: "States.MathRandom(1, 5, 1.5)", err: intrinsicFailure, cause: "Invalid arguments in States.MathRandom: argument 3 must be an integer, but was 1.5"},
	})

	// Unseeded draws stay in [start, end), rounding non-integer bounds.
	for _, tc := range []struct {
		expr     string
		min, max int64
	}{
		{"States.MathRandom(12.5, 44.51)", 13, 44},
		{"States.MathRandom(9999, 99999)", 9999, 99998},
		{"States.MathRandom(-99999, -9999)", -99999, -10000},
	} {
		e := MustParse(tc.expr)
		env := &Env{Rand: &counterRand{}}
		for range 200 {
			v, err := e.Eval(env)
			if err != nil {
				t.Fatalf("%s: %v", tc.expr, err)
			}
			n, ok := v.(interface{ Int64() (int64, bool) }).Int64()
			if !ok || n < tc.min || n > tc.max {
				t.Fatalf("%s = %v, want in [%d, %d]", tc.expr, v, tc.min, tc.max)
			}
		}
	}
}

func TestJavaRandom(t *testing.T) {
	t.Parallel()
	// new Random(42).nextInt() and new Random(0).nextInt(), as Java gives them.
	for seed, want := range map[int64]int32{42: -1170105035, 0: -1155484576} {
		if got := newJavaRandom(seed).next(32); got != want {
			t.Errorf("Random(%d).nextInt() = %d, want %d", seed, got, want)
		}
	}
	// nextInt(bound): a power of two takes the high bits, others a modulo.
	if got := newJavaRandom(42).nextInt(10); got != 0 {
		t.Errorf("Random(42).nextInt(10) = %d, want 0", got)
	}
	if got, want := newJavaRandom(42).nextInt(16), int32((int64(16)*int64(uint32(0xBA419D35)>>1))>>31); got != want {
		t.Errorf("Random(42).nextInt(16) = %d, want %d", got, want)
	}
	r := newJavaRandom(7)
	for range 1000 {
		if v := r.nextInt(1000000007); v < 0 || v >= 1000000007 {
			t.Fatalf("nextInt out of range: %d", v)
		}
	}
}

func TestStringSplit(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		// Recorded on AWS: every separator character splits, empty pieces go.
		{expr: "States.StringSplit($$.Execution.Input.FunctionInput, ',')", want: `["a","b"]`},
		{expr: "States.StringSplit($.s, ',')", input: `{"s":"Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"}`,
			want: `["Value1","Value2","Value3\nValue4","Value5","Value6\n","\ntrue","1","'HelloWorld'\nNull","None","\n   \n"]`},
		{expr: "States.StringSplit('Hello\nWorld', '\n')", want: `["Hello","World"]`},
		{expr: "States.StringSplit($.csv, ',')", input: `{"csv":"a,b,c,d,e"}`, want: `["a","b","c","d","e"]`},
		{expr: "States.StringSplit($.s, $.d)", input: `{"s":"This.is+a,test=string","d":".+,="}`, want: `["This","is","a","test","string"]`},
		{expr: "States.StringSplit('1,2,3,4,5', ',')", want: `["1","2","3","4","5"]`},
		{expr: "States.StringSplit('...', '.')", want: `[]`},
		{expr: "States.StringSplit('', ',')", want: `[]`},
		{expr: "States.StringSplit('abc', '')", want: `["abc"]`},
		{expr: "States.StringSplit($.s, $.d)", input: `{"s":"a😀b😁c","d":"😀"}`, want: `["a","b😁c"]`},
		{expr: "States.StringSplit($.s, ',')", input: `{"s":7}`, err: intrinsicFailure, cause: "Invalid arguments in States.StringSplit: argument 1 must be a string, but was a number"},
		{expr: "States.StringSplit('a', $.d)", input: `{"d":true}`, err: intrinsicFailure, cause: "Invalid arguments in States.StringSplit: argument 2 must be a string, but was a boolean"},
	})
}

func TestUUID(t *testing.T) {
	t.Parallel()
	e := MustParse("States.UUID()")
	env := &Env{Rand: &counterRand{}}
	seen := map[string]bool{}
	for range 100 {
		v, err := e.Eval(env)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := v.(string)
		if !isUUID4(s) {
			t.Fatalf("UUID() = %q, not a version 4 UUID", s)
		}
		if seen[s] {
			t.Fatalf("UUID() repeated %s", s)
		}
		seen[s] = true
	}
	// Same randomness, same UUID: the engine stays deterministic.
	a, _ := e.Eval(&Env{Rand: &counterRand{}})
	b, _ := e.Eval(&Env{Rand: &counterRand{}})
	if a != b {
		t.Errorf("UUID() with the same Rand gave %v and %v", a, b)
	}
	if v, _ := e.Eval(nil); !isUUID4(v.(string)) {
		t.Errorf("UUID() without Rand = %v", v)
	}
}

func isUUID4(s string) bool {
	if len(s) != 36 || s[14] != '4' || !strings.ContainsRune("89ab", rune(s[19])) {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
	}
	return true
}

func TestMissingPath(t *testing.T) {
	t.Parallel()
	// Wording captured from AWS: the whole call as written, then the path
	// and the state input. A context path is named as if rooted at "$".
	const miss = "The JsonPath argument for the field '%s' could not be found in the input '%s'"
	runEvalCases(t, []evalCase{
		{expr: "States.Format('{}', $.nope)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.nope", `{"other":1}`)},
		{expr: "States.Format('{}',$.nope)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.nope", `{"other":1}`)},
		{expr: "States.Format('{} {}', $.other, $.a.b)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.a.b", `{"other":1}`)},
		{expr: "States.Format($.nope, 1)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.nope", `{"other":1}`)},
		{expr: "States.Format('{}', States.Format('{}', $.nope))", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.nope", `{"other":1}`)},
		{expr: "States.ArrayLength($.nope)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.nope", `{"other":1}`)},
		{expr: "States.JsonMerge($.nope, $.other, false)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.nope", `{"other":1}`)},
		{expr: "States.Format('{}', $.items[5])", input: `{"items":[1,2]}`, err: runtimeFailure, cause: sprintf(miss, "$.items[5]", `{"items":[1,2]}`)},
		{expr: "States.Format('{}', $$.Nope.Deep)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.Nope.Deep", `{"other":1}`)},
		{expr: "States.Format('{}', $undefined)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$undefined", `{"other":1}`)},
		{expr: "States.Format('{}', $.other.x)", input: `{"other":1}`, err: runtimeFailure, cause: sprintf(miss, "$.other.x", `{"other":1}`)},
		// A present null is a value.
		{expr: "States.Format('{}', $.nul)", input: `{"nul":null}`, want: `"null"`},
		// Arguments are evaluated in order; the first failure wins.
		{expr: "States.MathAdd($.nope, 'x')", input: `{}`, err: runtimeFailure, cause: sprintf(miss, "$.nope", `{}`)},
	})
}

func TestIndexingNonArray(t *testing.T) {
	t.Parallel()
	// Captured from AWS: here the cause quotes Jayway JsonPath itself.
	runEvalCases(t, []evalCase{
		{expr: "States.Format('{}', $.other[0])", input: `{"other":1}`, err: runtimeFailure, cause: "Filter: [0] can only be applied to arrays. Current context is: 1"},
	})
}

func TestEvalNilEnv(t *testing.T) {
	t.Parallel()
	v, err := MustParse("States.Array(1, 'a')").Eval(nil)
	if err != nil || marshalOrNil(v) != `[1,"a"]` {
		t.Errorf("Eval(nil) = %s, %v", marshalOrNil(v), err)
	}
	if _, err := MustParse("States.Array($.a)").Eval(nil); err == nil {
		t.Errorf("Eval(nil) of a path: want a failure")
	}
}
