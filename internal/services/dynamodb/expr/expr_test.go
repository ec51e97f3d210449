package expr

import (
	"testing"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

func mustItem(t testing.TB, js string) attr.Item {
	t.Helper()
	it, err := attr.DecodeItem([]byte(js))
	if err != nil {
		t.Fatalf("item %s: %v", js, err)
	}
	return it
}

func ctxOf(t testing.TB, names map[string]string, values string) *Context {
	t.Helper()
	c := &Context{Names: names}
	if values != "" {
		c.Values = mustItem(t, values)
	}
	return c
}

const sample = `{"id":{"S":"p1"},"price":{"N":"10"},"name":{"S":"Widget"},"tags":{"SS":["a","b"]},` +
	`"nums":{"NS":["1","2"]},"lst":{"L":[{"S":"x"},{"N":"2"},{"M":{"deep":{"S":"y"}}}]},` +
	`"info":{"M":{"color":{"S":"red"},"dims":{"M":{"w":{"N":"3"}}}}},"flag":{"BOOL":true},"nothing":{"NULL":true},"bin":{"B":"AQID"}}`

func TestConditionEval(t *testing.T) {
	t.Parallel()
	names := map[string]string{"#n": "name", "#p": "price", "#i": "info"}
	vals := `{":ten":{"N":"10"},":nine":{"N":"9.0"},":w":{"S":"Wid"},":red":{"S":"red"},":a":{"S":"a"},` +
		`":lo":{"N":"5"},":hi":{"N":"15"},":S":{"S":"S"},":SS":{"S":"SS"},":two":{"N":"2"},":x":{"S":"x"},":b":{"B":"AQ=="}}`
	tests := []struct {
		expr string
		want bool
	}{
		{"#p = :ten", true},
		{"#p <> :ten", false},
		{"#p > :nine", true},
		{"#p >= :ten AND #p <= :ten", true},
		{"#p < :nine OR #n = :w", false},
		{"NOT #p < :nine", true},
		{"#p BETWEEN :lo AND :hi", true},
		{"#p IN (:nine, :ten)", true},
		{"#p IN (:nine, :lo)", false},
		{"attribute_exists(id)", true},
		{"attribute_not_exists(id)", false},
		{"attribute_not_exists(absent)", true},
		{"absent <> :ten", true},
		{"absent = :ten", false},
		{"absent < :ten", false},
		{"begins_with(#n, :w)", true},
		{"begins_with(bin, :b)", true},
		{"contains(tags, :a)", true},
		{"contains(#n, :w)", true},
		{"contains(lst, :x)", true},
		{"contains(nums, :two)", true},
		{"attribute_type(#n, :S)", true},
		{"attribute_type(tags, :SS)", true},
		{"attribute_type(tags, :S)", false},
		{"size(#n) = :lo", false},
		{"size(tags) = :two", true},
		{"size(lst) > :two", true},
		{"#i.color = :red", true},
		{"#i.dims.w < :lo", true},
		{"lst[0] = :x", true},
		{"lst[2].deep <> :x", true},
		{"lst[7] = :x", false},
		{"(#p = :ten) AND (#n = :w OR #i.color = :red)", true},
		{"#p = :nine", false},
		{"size(#p) = :two", false},
	}
	item := mustItem(t, sample)
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			ctx := ctxOf(t, names, vals)
			c, err := ParseCondition(tt.expr, "ConditionExpression", ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Eval(item); got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	names := map[string]string{"#a": "a", "#b": "b"}
	vals := `{":v":{"S":"x"},":n":{"N":"1"},":m":{"N":"5"},":l":{"L":[]},":ss":{"SS":["q"]},":t":{"S":"QQ"}}`
	tests := []struct {
		kind, expr, want string
	}{
		{"ConditionExpression", "", "Invalid ConditionExpression: The expression can not be empty;"},
		{"ConditionExpression", "a = ", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="`},
		{"ConditionExpression", "attribute_exists(a) AND NOT #a", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "#a"`},
		{"ConditionExpression", "#a attribute_not_exists :v", `Invalid ConditionExpression: Syntax error; token: "attribute_not_exists", near: "#a attribute_not_exists :v"`},
		{"ConditionExpression", "a-type = :v", `Invalid ConditionExpression: Syntax error; token: "-", near: "a-type"`},
		{"ConditionExpression", "((a = :v))", "Invalid ConditionExpression: The expression has redundant parentheses;"},
		{"ConditionExpression", "name = :v", "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{"ConditionExpression", "#c = :v", "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #c"},
		{"ConditionExpression", "a = :zz", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"ConditionExpression", "foo(a)", "Invalid ConditionExpression: Invalid function name; function: foo"},
		{"ConditionExpression", "size(a)", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"},
		{"ConditionExpression", "attribute_exists(a) = :v", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{"ConditionExpression", "begins_with(a)", "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"},
		{"ConditionExpression", "begins_with(a, :n)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"ConditionExpression", "attribute_exists(:v)", "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"},
		{"ConditionExpression", "attribute_type(a, :t)", "Invalid ConditionExpression: Invalid attribute type name found; type: QQ, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
		{"ConditionExpression", "a = a", "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{"ConditionExpression", "a BETWEEN :m AND :n", "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"},
		{"ConditionExpression", "a BETWEEN :n AND :v", "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}"},
		{"ConditionExpression", "a = :v extra", `Invalid ConditionExpression: Syntax error; token: "extra", near: ":v extra"`},
		{"ConditionExpression", "a ! :v", `Invalid ConditionExpression: Syntax error; token: "!", near: "a ! :v"`},
		{"UpdateExpression", "", "Invalid UpdateExpression: The expression can not be empty;"},
		{"UpdateExpression", "INVALID SYNTAX HERE", `Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"`},
		{"UpdateExpression", "SET a = :n +", `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "+"`},
		{"UpdateExpression", "SET a = :n SET b = :n", `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{"UpdateExpression", "SET a = :n, a.b = :n", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"UpdateExpression", "SET a.b = :n REMOVE a[1]", "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"},
		{"UpdateExpression", "ADD a :v", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"UpdateExpression", "DELETE a :n", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
		{"UpdateExpression", "SET a = :v + :n", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{"UpdateExpression", "SET a = list_append(:n, :l)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N"},
		{"UpdateExpression", "SET a = if_not_exists(:n, :n)", "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"},
		{"UpdateExpression", "SET a = size(b)", "Invalid UpdateExpression: Invalid function name; function: size"},
		{"UpdateExpression", "SET #zz = :n", "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"UpdateExpression", "SET a = :zz", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"UpdateExpression", "REMOVE", `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "REMOVE"`},
		{"UpdateExpression", "SET count = :n", "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: count"},
		{"ProjectionExpression", "", "Invalid ProjectionExpression: The expression can not be empty;"},
		{"ProjectionExpression", "a,,b", `Invalid ProjectionExpression: Syntax error; token: ",", near: ",,b"`},
		{"ProjectionExpression", "a, #a[1]", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, [1]]"},
		{"ProjectionExpression", "a.b, #a[1]", "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"},
		{"ProjectionExpression", "a.abORt", "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: abORt"},
		{"ProjectionExpression", "!!", `Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"`},
		{"FilterExpression", "_type = :v", `Invalid FilterExpression: Syntax error; token: "_", near: "_type"`},
		{"ConditionExpression", "a_b = :v AND #a = :n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.expr, func(t *testing.T) {
			t.Parallel()
			ctx := ctxOf(t, names, vals)
			var err error
			switch tt.kind {
			case "UpdateExpression":
				_, err = ParseUpdate(tt.expr, ctx)
			case "ProjectionExpression":
				_, err = ParseProjection(tt.expr, ctx)
			default:
				_, err = ParseCondition(tt.expr, tt.kind, ctx)
			}
			if tt.want == "" && err == nil {
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v\nwant    %s", err, tt.want)
			}
		})
	}
}
