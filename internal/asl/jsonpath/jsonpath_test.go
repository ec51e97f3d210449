package jsonpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonv"
)

const storeDoc = `{
  "foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true},
  "jar": [{"a": 1}, {"a": 5}, {"a": 2}, {"a": 7}, {"a": 3}],
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "price": 12.99, "tags": []},
      {"category": "fiction", "author": "Herman Melville", "isbn": "0-553-21311-3", "price": 8.99, "tags": ["sea"]}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "nul": null, "str": "text", "nums": [1, 2.5, "3", -4], "empty": [], "nested": [[1, 2], [3, 4]],
  "a b": 1, "a.b": 2, "it\\'s": 3, "Test\\\"\"Name\"": "Value\"\\", "a-b": 4, "é": 5
}`

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path      string
		root      RootKind
		variable  string
		definite  bool
		reference bool
		norm      string
	}{
		{"$", RootInput, "", true, true, "$"},
		{"$.a.b", RootInput, "", true, true, "$['a']['b']"},
		{"$['a b']", RootInput, "", true, true, "$['a b']"},
		{`$["a b"]`, RootInput, "", true, true, `$["a b"]`},
		{"$.abc.['def ghi']", RootInput, "", true, true, "$['abc']['def ghi']"},
		{"$[ 'a' , 'b' ]", RootInput, "", true, false, "$['a','b']"},
		{"$['a','b'].c", RootInput, "", false, false, "$['a','b']['c']"},
		{"$.a[0]", RootInput, "", true, true, "$['a'][0]"},
		{"$.a[ 0 ]", RootInput, "", true, true, "$['a'][0]"},
		{"$.a[-1]", RootInput, "", true, false, "$['a'][-1]"},
		{"$.a[(@.length-1)]", RootInput, "", true, false, "$['a'][(@.length-1)]"},
		{"$.a[( @.length - 2 )]", RootInput, "", true, false, "$['a'][(@.length-2)]"},
		{"$.a[*]", RootInput, "", false, false, "$['a'][*]"},
		{"$.a.*", RootInput, "", false, false, "$['a'][*]"},
		{"$.a[ * ]", RootInput, "", false, false, "$['a'][*]"},
		{"$.a[1:3]", RootInput, "", false, false, "$['a'][1:3]"},
		{"$.a[:2]", RootInput, "", false, false, "$['a'][:2]"},
		{"$.a[-2:]", RootInput, "", false, false, "$['a'][-2:]"},
		{"$.a[0:4:2]", RootInput, "", false, false, "$['a'][0:4]"},
		{"$.a[0,2]", RootInput, "", false, false, "$['a'][0,2]"},
		{"$.a[0, 2]", RootInput, "", false, false, "$['a'][0,2]"},
		{"$..deep", RootInput, "", false, false, "$..['deep']"},
		{"$..[0]", RootInput, "", false, false, "$..[0]"},
		{"$..*", RootInput, "", false, false, "$..[*]"},
		{"$.a[?(@.x > 1)]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a[?(@.x > 1 && @.y != 'z' || !(@.w))]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a[ ?( @.x =~ /a.*b/i ) ]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a[?(@.x in ['a', \"b\", 1, {'k': [true, null]}])]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a[?(@.x == $.y[0])]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a[?(@.b[?(@.c == ')')])]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a[?(1 == 1)]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a[?(@.length() > 1)]", RootInput, "", false, false, "$['a'][?]"},
		{"$.a.length()", RootInput, "", true, false, "$['a'].length()"},
		{"$.a-b.c:d.e'f", RootInput, "", true, true, "$['a-b']['c:d']['e'f']"},
		{"$['Test\\\"\"Name\"']", RootInput, "", true, true, "$['Test\\\"\"Name\"']"},
		{"$$", RootContext, "", true, true, "$"},
		{"$$.Execution.Id", RootContext, "", true, true, "$['Execution']['Id']"},
		{"$$.Map.Item.Value", RootContext, "", true, true, "$['Map']['Item']['Value']"},
		{"$myVar", RootVariable, "myVar", true, true, "$"},
		{"$myVar.x.y", RootVariable, "myVar", true, true, "$['x']['y']"},
		{"$_v1[0]", RootVariable, "_v1", true, true, "$[0]"},
		{"$café.x", RootVariable, "café", true, true, "$['x']"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.path)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.path, err)
			continue
		}
		if p.String() != tt.path || p.Root() != tt.root || p.Variable() != tt.variable ||
			p.IsDefinite() != tt.definite || p.IsReference() != tt.reference || p.Normalized() != tt.norm {
			t.Errorf("Parse(%q) = root %v var %q definite %v reference %v normalized %s; want %v %q %v %v %s",
				tt.path, p.Root(), p.Variable(), p.IsDefinite(), p.IsReference(), p.Normalized(),
				tt.root, tt.variable, tt.definite, tt.reference, tt.norm)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, msg string }{
		{"", "must start with '$'"},
		{"a.b", "must start with '$'"},
		{" $.a", "must start with '$'"},
		{"$.", "must not end with '.'"},
		{"$..", "must not end with '.'"},
		{"$.a.", "must not end with '.'"},
		{"$...a", "'.' is not valid"},
		{"$ ", "expected '.' or '['"},
		{"$1", "expected '.' or '['"},
		{"$$$", "expected '.' or '['"},
		{"$$a", "expected '.' or '['"},
		{"$a-b", "invalid character '-' in variable name"},
		{"$.a b", "bracket notation"},
		{"$[", "not closed"},
		{"$.a[", "not closed"},
		{"$[]", "expected ?, ', 0-9 or *"},
		{"$[a]", "expected ?, ', 0-9 or *"},
		{"$['a'", "missing ']'"},
		{"$['a]", "missing closing '"},
		{"$['a' 'b']", "separated by ','"},
		{"$['a',]", "expected a name"},
		{"$['a',\"b\"]", "expected a name"},
		{"$[*x]", "wildcard"},
		{"$[1,,2]", "failed to parse index"},
		{"$[1,]", "failed to parse index"},
		{"$[--1]", "failed to parse index"},
		{"$[1 2]", "failed to parse index"},
		{"$[99999999999]", "failed to parse index"},
		{"$[:]", "failed to parse slice"},
		{"$[::2]", "failed to parse slice"},
		{"$[1 :2]", "failed to parse slice"},
		{"$[1:x]", "unexpected character 'x'"},
		{"$[(1+1)]", "only (@.length-N)"},
		{"$[(@.length-1)", "only (@.length-N)"},
		{"$.a(", "not closed properly"},
		{"$.(x)", "needs a name"},
		{"$[?(@.a == 1]", "expected ')'"},
		{"$[?(@.a == 1)", "[?(expression)]"},
		{"$[?@.a]", "[?(expression)]"},
		{"$[?()]", "unexpected character ')'"},
		{"$[?(@.a ==)]", "unexpected character ')'"},
		{"$[?(@.a <> 1)]", "unsupported filter operator \"<>\""},
		{"$[?(@.a exists true)]", "unsupported filter operator \"exists\""},
		{"$[?(@.a $ 1)]", "unexpected character '$'"},
		{"$[?(1)]", "expected a comparison operator"},
		{"$[?('a')]", "expected a comparison operator"},
		{"$[?(@.a == 'x)]", "string is not closed"},
		{"$[?(@.a == tru)]", "expected true, false or null"},
		{"$[?(@.a == 1.2.3)]", "invalid number"},
		{"$[?(@.a == -)]", "invalid number"},
		{"$[?(@.a in [1,2)]", "JSON literal"},
		{"$[?(@.a in {1: 2})]", "quoted key"},
		{"$[?(@.a =~ /(/)]", "invalid regular expression"},
		{"$[?(@.a =~ /a/x)]", "unsupported regular expression flag"},
		{"$[?(@.a =~ /a)]", "not closed"},
		{"$[?(!1)]", "expected a comparison operator"},
		{"$[?(@.a == 'x\\u12')]", "invalid escape"},
		{"$[?(@.a[?(@.b == 1)] == 1 && @.c[)]", "not closed"},
		{"$[?($$.x == 1)]", "expected '.' or '['"},
		{"$[?(@.a == $x)]", "expected '.' or '['"},
		{"$[?(" + strings.Repeat("(", 100) + "@.a" + strings.Repeat(")", 100) + ")]", "nested too deeply"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.path)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, %v; want a *SyntaxError", tt.path, p, err)
			continue
		}
		if !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) error %q; want it to contain %q", tt.path, se.Msg, tt.msg)
		}
		if se.Offset < 0 || se.Offset > len(tt.path) {
			t.Errorf("Parse(%q) error offset %d out of range", tt.path, se.Offset)
		}
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	doc := jsonv.MustParse(storeDoc)
	const missing = "<missing>"
	tests := []struct{ path, want string }{
		// AWS documentation examples.
		{"$.foo", `123`},
		{"$.bar", `["a","b","c"]`},
		{"$.car.cdr", `true`},
		{"$.jar[?(@.a >= 5)]", `[{"a":5},{"a":7}]`},
		// Definite paths.
		{"$.nul", `null`},
		{"$.bar[0]", `"a"`},
		{"$.bar[2]", `"c"`},
		{"$.bar[3]", missing},
		{"$.bar[-1]", missing}, // AWS: not found
		{"$.bar[(@.length-1)]", `"c"`},
		{"$.bar[(@.length-3)]", `"a"`},
		{"$.bar[(@.length-4)]", missing},
		{"$.bar[(@.length)]", missing},
		{"$.store.book[0].author", `"Nigel Rees"`},
		{"$['a b']", `1`},
		{`$["a.b"]`, `2`},
		{"$.a-b", `4`},
		{"$.é", `5`},
		{"$['it\\'s']", `3`},
		{"$['Test\\\"\"Name\"']", `"Value\"\\"`}, // AWS conformance case
		{"$.missing", missing},
		{"$.missing.x", missing},
		{"$.foo.x", missing},
		{"$.nul.x", missing},
		{"$.nul[0]", missing},
		{"$.bar.x", missing},
		{"$.car[0]", missing},
		{"$.bar.length()", missing}, // AWS: functions are not supported
		{"$['foo','missing','car']", `{"foo":123,"car":{"cdr":true}}`},
		{"$.bar['x','y']", missing},
		// Indefinite paths.
		{"$.bar[0,2]", `["a","c"]`},
		{"$.bar[2,0,5,-1,0]", `["c","a","a"]`},
		{"$.bar[1:]", `["b","c"]`},
		{"$.bar[:2]", `["a","b"]`},
		{"$.bar[1:2]", `["b"]`},
		{"$.bar[1:10]", `["b","c"]`},
		{"$.bar[-2:]", `["b","c"]`},
		{"$.bar[-5:]", `["a","b","c"]`},
		{"$.bar[:-1]", `["a","b"]`},
		{"$.bar[:-5]", `[]`},
		{"$.bar[5:]", `[]`},
		{"$.bar[2:1]", `[]`},
		{"$.bar[-2:-1]", `[]`},
		{"$.bar[-1:2]", `["a","b"]`},
		{"$.bar[0:3:2]", `["a","b","c"]`},
		{"$.empty[:1]", `[]`},
		{"$.bar[*]", `["a","b","c"]`},
		{"$.car[*]", `[true]`},
		{"$.car.*", `[true]`},
		{"$.foo[*]", `[]`},
		{"$.missing[*]", `[]`},
		{"$.missing[1:]", `[]`},
		{"$.missing.x[*].y", `[]`},
		{"$.car[1:]", `[]`},
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville"]`},
		{"$.store.book[*].title", `["Sayings"]`},
		{"$.store.*.color", `["red"]`},
		{"$.nested[*][1]", `[2,4]`},
		{"$.store.book[*]['author','price']", `[{"author":"Nigel Rees","price":8.95},{"author":"Evelyn Waugh","price":12.99},{"author":"Herman Melville","price":8.99}]`},
		{"$['store','car'].bicycle.color", `["red"]`},
		{"$['car','store'].cdr", `[true]`},
		// Deep scan.
		{"$..price", `[8.95,12.99,8.99,19.95]`},
		{"$.store..price", `[8.95,12.99,8.99,19.95]`},
		{"$..book[2].author", `["Herman Melville"]`},
		{"$..book[?(@.isbn)].author", `["Herman Melville"]`},
		{"$..cdr", `[true]`},
		{"$..nothing", `[]`},
		{"$..[1]", `["b",{"a":5},{"category":"fiction","author":"Evelyn Waugh","price":12.99,"tags":[]},2.5,[3,4],2,4]`},
		{"$..[0].author", `["Nigel Rees","Evelyn Waugh","Herman Melville"]`}, // Jayway: what follows applies to every element
		{"$..[?(@.color)]", `[{"color":"red","price":19.95}]`},
		{"$.store..['color','price']", `[{"color":"red","price":19.95}]`},
		{"$.car..*", `[true]`},
		// Filters.
		{"$.store.book[?(@.price < 10)].author", `["Nigel Rees","Herman Melville"]`},
		{"$.store.book[?(@.price<10)].title", `["Sayings"]`},
		{"$.store.book[?(@.category == 'fiction')].author", `["Evelyn Waugh","Herman Melville"]`},
		{`$.store.book[?(@.category == "reference")].author`, `["Nigel Rees"]`},
		{"$.store.book[?(@.author =~ /.*REES/i)].author", `["Nigel Rees"]`},
		{"$.store.book[?(@.author =~ /Rees/)].author", `[]`}, // the whole value must match
		{"$.store.book[?(@.isbn)].author", `["Herman Melville"]`},
		{"$.store.book[?(!@.isbn)].author", `["Nigel Rees","Evelyn Waugh"]`},
		{"$.store.book[?(@.price > 9 || @.category == 'reference')].author", `["Nigel Rees","Evelyn Waugh"]`},
		{"$.store.book[?(@.price < 9 && @.category == 'fiction' || @.price > 12)].author", `["Evelyn Waugh","Herman Melville"]`},
		{"$.store.book[?(@.price > 12 || @.price < 9 && @.category == 'fiction')].author", `["Evelyn Waugh","Herman Melville"]`},
		{"$.store.book[?(!(@.category == 'fiction'))].author", `["Nigel Rees"]`},
		{"$.store.book[?(@.price < $.store.bicycle.price && @.category != 'fiction')].author", `["Nigel Rees"]`},
		{"$.store.book[?(@.category in ['reference', 'x'])].author", `["Nigel Rees"]`},
		{"$.store.book[?(@.category nin ['reference'])].author", `["Evelyn Waugh","Herman Melville"]`},
		{"$.store.book[?(@.author contains 'Mel')].author", `["Herman Melville"]`},
		{"$.store.book[?(@.tags contains 'sea')].author", `["Herman Melville"]`},
		{"$.store.book[?(@.tags empty true)].author", `["Evelyn Waugh"]`},
		{"$.store.book[?(@.tags empty false)].author", `["Herman Melville"]`},
		{"$.store.book[?(@.title size 7)].author", `["Nigel Rees"]`},
		{"$.store.book[?(@.tags size 1)].author", `["Herman Melville"]`},
		{"$.store.book[?(@.tags subsetof ['sea', 'sky'])].author", `["Evelyn Waugh","Herman Melville"]`},
		{"$.store.book[?(@.tags anyof ['sea', 'sky'])].author", `["Herman Melville"]`},
		{"$.store.book[?(@.tags noneof ['sea'])].author", `["Evelyn Waugh"]`},
		{"$.store.book[?(@.tags all ['sea'])].author", `["Herman Melville"]`},
		{"$.store.book[?(@.author > 'H')].author", `["Nigel Rees","Herman Melville"]`},
		{"$.store.book[?(@.tags == [])].author", `["Evelyn Waugh"]`},
		{"$.store.book[?(@.tags == ['sea'])].author", `["Herman Melville"]`},
		{"$.store.book[?(@.author == 'Nigel Rees' && @.price == 8.950)].price", `[8.95]`},
		{"$.jar[?(@.a == '5')]", `[{"a":5}]`}, // a number on the left compares as a number
		{"$.jar[?('5' == @.a)]", `[{"a":5}]`}, // a string on the left compares as text
		{"$.jar[?(@.a === '5')]", `[]`},       // type-safe equality
		{"$.jar[?(@.a !== '5')]", `[{"a":1},{"a":5},{"a":2},{"a":7},{"a":3}]`},
		{"$.jar[?(@.a === 5)]", `[{"a":5}]`},
		{"$.jar[?(@.a in [1, 2])]", `[{"a":1},{"a":2}]`},
		{"$.jar[?(@.a != 5)]", `[{"a":1},{"a":2},{"a":7},{"a":3}]`},
		{"$.jar[?(@.missing != 5)]", `[{"a":1},{"a":5},{"a":2},{"a":7},{"a":3}]`}, // undefined equals nothing
		{"$.jar[?(@.missing == null)]", `[]`},
		{"$.jar[?(@.a > 'x')]", `[]`}, // a number and a string do not order
		{"$.jar[?(@.a =~ /[57]/)]", `[{"a":5},{"a":7}]`},
		{"$.jar[?(@.missing =~ /.*/)]", `[{"a":1},{"a":5},{"a":2},{"a":7},{"a":3}]`}, // Jayway matches "" then
		{"$.jar[?(1 == 1)]", `[{"a":1},{"a":5},{"a":2},{"a":7},{"a":3}]`},
		{"$.jar[?(@.a == $.foo)]", `[]`},
		{"$.nums[?(@ > 1)]", `[]`}, // AWS: "@" only matches objects
		{"$.nested[?(@[0] == 1)]", `[]`},
		{"$.car[?(@.cdr == true)]", `[{"cdr":true}]`}, // a filter on an object tests the object
		{"$.car[?(@.cdr == false)]", `[]`},
		{"$.foo[?(@.x)]", `[]`},
		{"$[?(@.foo == 123)].str", `["text"]`},
		{"$.store[?(@.book[?(@.isbn)])].bicycle.color", `["red"]`},
		{"$.store[?(@.book[?(@.nothing)])].bicycle.color", `[]`},
		{"$.store.book[?(@.price)].price", `[8.95,12.99,8.99]`},
	}
	for _, tt := range tests {
		p, err := Parse(tt.path)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.path, err)
			continue
		}
		v, ok := p.Get(doc)
		got := missing
		if ok {
			got = jsonv.Marshal(v)
		}
		if got != tt.want {
			t.Errorf("Get(%s)\n got %s\nwant %s", tt.path, got, tt.want)
		}
		if !p.IsDefinite() && !ok {
			t.Errorf("Get(%s): an indefinite path must always succeed", tt.path)
		}
	}
}

// The cases AWS recorded for wildcards and slices over input without the
// array: every one yields an empty list.
func TestGetNoInput(t *testing.T) {
	t.Parallel()
	for _, path := range []string{
		"$.item.items[*]", "$.item.items[:1]", "$.item.items[1:]", "$.item.items[1:5].itemValue",
		"$.item.items[1:5]", "$.items[*].itemValue", "$.items[:1]", "$.items[1:].itemValue",
		"$.items[1:]", "$[*]",
	} {
		v, ok := MustParse(path).Get(jsonv.MustParse(`{}`))
		if !ok || jsonv.Marshal(v) != "[]" {
			t.Errorf("Get(%s) on {} = %s, %v; want [], true", path, jsonv.Marshal(v), ok)
		}
	}
	// AWS conformance: a filter on a number field.
	v, _ := MustParse("$.users[?(@.status == 0)]").Get(jsonv.MustParse(
		`{"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]}`))
	if got := jsonv.Marshal(v); got != `[{"year":1997,"status":0}]` {
		t.Errorf("filter on status got %s", got)
	}
}

func TestGetRoots(t *testing.T) {
	t.Parallel()
	ctx := jsonv.MustParse(`{"Execution":{"Id":"arn:x","Input":{"k":1}},"Map":{"Item":{"Index":2}}}`)
	tests := []struct{ path, want string }{
		{"$$", jsonv.Marshal(ctx)},
		{"$$.Execution.Id", `"arn:x"`},
		{"$$.Execution.Input.k", `1`},
		{"$$.Map.Item.Index", `2`},
	}
	for _, tt := range tests {
		v, ok := MustParse(tt.path).Get(ctx)
		if !ok || jsonv.Marshal(v) != tt.want {
			t.Errorf("Get(%s) = %s, %v; want %s", tt.path, jsonv.Marshal(v), ok, tt.want)
		}
	}
	p := MustParse("$constant_obj.in_obj_constant_lst[1]")
	v, ok := p.Get(jsonv.MustParse(`{"in_obj_constant_lst":["x","y"]}`))
	if p.Variable() != "constant_obj" || !ok || v != "y" {
		t.Errorf("variable path: %q %v %v", p.Variable(), v, ok)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, doc, msg string }{
		{"$.NoSuchOutputPath", `{"int-literal":0}`, "No results for path: $['NoSuchOutputPath']"}, // AWS conformance
		{"$.a.b", `{}`, "Missing property in path $['a']"},
		{"$.a.b", `{"a":{}}`, "No results for path: $['a']['b']"},
		{"$.a[0].b", `{"a":null}`, "The path $['a'] is null"},
		{"$.a[0].b", `{"a":{"x":1}}`, `Filter: [0]['b'] can only be applied to arrays. Current context is: {"x":1}`},
		{"$.a[3]", `{"a":[1]}`, "No results for path: $['a'][3]"},
		{"$.a.b", `{"a":"s"}`, "Expected to find an object with property ['b'] in path $['a'] but found 'java.lang.String'."},
		{"$.a.length()", `{"a":[1]}`, "No results for path: $['a'].length()"},
	}
	for _, tt := range tests {
		_, err := MustParse(tt.path).Lookup(jsonv.MustParse(tt.doc))
		var nf *NotFoundError
		if !errors.As(err, &nf) || !strings.HasPrefix(nf.Msg, tt.msg) {
			t.Errorf("Lookup(%s) on %s = %v; want %q", tt.path, tt.doc, err, tt.msg)
		}
	}
	v, err := MustParse("$.a[*]").Lookup(jsonv.MustParse(`{}`))
	if err != nil || jsonv.Marshal(v) != "[]" {
		t.Errorf("Lookup of an indefinite path = %v, %v", v, err)
	}
	v, err = MustParse("$.a").Lookup(jsonv.MustParse(`{"a":null}`))
	if err != nil || v != nil {
		t.Errorf("Lookup of a null member = %v, %v", v, err)
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, path, value, want string }{
		{`{"a":1}`, "$", `"x"`, `"x"`},
		{`"str"`, "$", `{"r":1}`, `{"r":1}`},
		{`{}`, "$.a", `1`, `{"a":1}`},
		{`{"a":1,"b":2}`, "$.a", `{"n":[1]}`, `{"a":{"n":[1]},"b":2}`},
		{`{"b":2}`, "$.a", `null`, `{"b":2,"a":null}`},
		{`{}`, "$.a.b.c", `true`, `{"a":{"b":{"c":true}}}`},
		{`{"x":{"z":1},"y":[1]}`, "$.x.y", `2`, `{"x":{"z":1,"y":2},"y":[1]}`},
		{`{"arr":[1,2,3]}`, "$.arr[1]", `"b"`, `{"arr":[1,"b",3]}`},
		{`{"arr":[{"k":1},{"k":2}]}`, "$.arr[1].k", `3`, `{"arr":[{"k":1},{"k":3}]}`},
		{`{"arr":[{"k":1},{}]}`, "$.arr[1].n.m", `3`, `{"arr":[{"k":1},{"n":{"m":3}}]}`},
		{`[1,2]`, "$[0]", `0`, `[0,2]`},
		{`{"a b":{}}`, "$['a b'].c", `1`, `{"a b":{"c":1}}`},
	}
	for _, tt := range tests {
		doc := jsonv.MustParse(tt.doc)
		got, err := Set(doc, MustParse(tt.path), jsonv.MustParse(tt.value))
		if err != nil || jsonv.Marshal(got) != tt.want {
			t.Errorf("Set(%s, %s, %s) = %s, %v; want %s", tt.doc, tt.path, tt.value, jsonv.Marshal(got), err, tt.want)
		}
		if jsonv.Marshal(doc) != jsonv.Marshal(jsonv.MustParse(tt.doc)) {
			t.Errorf("Set(%s, %s) modified its input: %s", tt.doc, tt.path, jsonv.Marshal(doc))
		}
	}
	for _, tt := range []struct{ doc, path string }{
		{`{"a":"str"}`, "$.a.b"},
		{`{"a":null}`, "$.a.b"},
		{`{"a":[1]}`, "$.a.b"},
		{`"str"`, "$.a"},
		{`[1]`, "$.a"},
		{`{"arr":[1,2]}`, "$.arr[2]"},
		{`{"arr":{"0":1}}`, "$.arr[0]"},
		{`{}`, "$.a[0]"},
		{`{}`, "$.a[0].b"},
		{`{"a":[1]}`, "$.a[*]"},
		{`{"a":[1]}`, "$.a[-1]"},
		{`{"a":1}`, "$..a"},
	} {
		_, err := Set(jsonv.MustParse(tt.doc), MustParse(tt.path), "v")
		if !errors.Is(err, ErrCannotSet) {
			t.Errorf("Set(%s, %s) = %v; want ErrCannotSet", tt.doc, tt.path, err)
		}
	}
}

// Set copies only the spine: siblings of the path are shared, not copied.
func TestSetSharesSiblings(t *testing.T) {
	t.Parallel()
	doc := jsonv.MustParse(`{"keep":{"deep":[1,2]},"x":{"other":{"o":1},"y":1}}`).(*jsonv.Object)
	out, err := Set(doc, MustParse("$.x.y"), "new")
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*jsonv.Object)
	keepBefore, _ := doc.Get("keep")
	keepAfter, _ := o.Get("keep")
	if keepBefore != keepAfter {
		t.Error("Set copied a sibling subtree")
	}
	xBefore, _ := doc.Get("x")
	xAfter, _ := o.Get("x")
	otherBefore, _ := xBefore.(*jsonv.Object).Get("other")
	otherAfter, _ := xAfter.(*jsonv.Object).Get("other")
	if xBefore == xAfter || otherBefore != otherAfter {
		t.Error("Set must copy the objects along the path and share the rest")
	}
}

func TestGetDoesNotAllocate(t *testing.T) {
	doc := jsonv.MustParse(`{"a":{"b":{"c":[1,{"d":true}]}}}`)
	for _, path := range []string{"$", "$.a.b.c", "$.a.b.c[1].d", "$['a']['b']", "$.a.missing"} {
		p := MustParse(path)
		if n := testing.AllocsPerRun(100, func() { p.Get(doc) }); n != 0 {
			t.Errorf("Get(%s) allocates %v times", path, n)
		}
	}
}

func TestMustParsePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustParse of a bad path did not panic")
		}
	}()
	MustParse("$.")
}

func BenchmarkGet(b *testing.B) {
	doc := jsonv.MustParse(`{"x":1,"a":{"y":2,"b":{"z":3,"c":"value"}}}`)
	p := MustParse("$.a.b.c")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := p.Get(doc); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkGetFilter(b *testing.B) {
	doc := jsonv.MustParse(storeDoc)
	p := MustParse("$.store.book[?(@.price < 10 && @.category == 'fiction')].author")
	b.ReportAllocs()
	for b.Loop() {
		p.Get(doc)
	}
}

func BenchmarkSet(b *testing.B) {
	doc := jsonv.MustParse(storeDoc)
	p := MustParse("$.store.bicycle.color")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Set(doc, p, "blue"); err != nil {
			b.Fatal(err)
		}
	}
}
