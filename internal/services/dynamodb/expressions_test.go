package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// baseItem is the item every expression case starts from.
func baseItem() map[string]av {
	return item(
		"pk", s("item"),
		"count", n("5"),
		"title", s("Widget"),
		"tags", ss("a", "b"),
		"nums", ns("1", "2"),
		"price", n("10.50"),
		"items", l(n("1"), n("2"), n("3")),
		"info", m("color", s("red"), "dims", m("w", n("3"))),
		"flag", bl(true),
		"gone", null(),
		"blob", b("\x01\x02"),
	)
}

var key = item("pk", s("item"))

// TestExpressions runs condition and update expressions through UpdateItem,
// PutItem and DeleteItem, with the results and errors AWS documents.
func TestExpressions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	names := map[string]string{"#c": "count", "#i": "info", "#t": "title"}
	tests := []struct {
		name   string
		op     string // update (default), put, delete
		update string
		cond   string
		values map[string]av
		names  map[string]string
		// want is the item afterwards (nil: deleted); wantCode/wantMsg the
		// error, after which the item must be unchanged.
		want     map[string]av
		wantCode string
		wantMsg  string
	}{
		// SET, arithmetic, functions
		{name: "set new attribute", update: "SET color = :v", values: item(":v", s("blue")),
			want: with("color", s("blue"))},
		{name: "set arithmetic", update: "SET #c = #c + :one", values: item(":one", n("1")), want: with("count", n("6"))},
		{name: "set subtraction normalizes", update: "SET price = price - :p", values: item(":p", n("0.50")), want: with("price", n("10"))},
		{name: "set if_not_exists absent", update: "SET stock = if_not_exists(stock, :z)", values: item(":z", n("0")), want: with("stock", n("0"))},
		{name: "set if_not_exists present", update: "SET #c = if_not_exists(#c, :z)", values: item(":z", n("0")), want: with()},
		{name: "list_append", update: "SET #items = list_append(#items, :more)", names: map[string]string{"#items": "items"},
			values: item(":more", l(n("4"))), want: with("items", l(n("1"), n("2"), n("3"), n("4")))},
		{name: "list_append prepend", update: "SET #items = list_append(:more, #items)", names: map[string]string{"#items": "items"},
			values: item(":more", l(n("0"))), want: with("items", l(n("0"), n("1"), n("2"), n("3")))},
		{name: "nested map set", update: "SET #i.dims.h = :v", values: item(":v", n("4")),
			want: with("info", m("color", s("red"), "dims", m("w", n("3"), "h", n("4"))))},
		{name: "list element set", update: "SET #items[1] = :v", names: map[string]string{"#items": "items"}, values: item(":v", s("two")),
			want: with("items", l(n("1"), s("two"), n("3")))},
		{name: "list element past end appends", update: "SET #items[10] = :v", names: map[string]string{"#items": "items"}, values: item(":v", n("9")),
			want: with("items", l(n("1"), n("2"), n("3"), n("9")))},
		{name: "copy attribute", update: "SET dup = #t", want: with("dup", s("Widget"))},
		{name: "operands see the item before the update", update: "SET #c = :v, prev = #c", values: item(":v", n("7")),
			want: with("count", n("7"), "prev", n("5"))},
		// REMOVE
		{name: "remove attributes", update: "REMOVE flag, gone", want: without("flag", "gone")},
		{name: "remove list elements", update: "REMOVE #items[0], #items[2]", names: map[string]string{"#items": "items"},
			want: with("items", l(n("2")))},
		{name: "remove nested", update: "REMOVE #i.color", want: with("info", m("dims", m("w", n("3"))))},
		{name: "remove absent is a no-op", update: "REMOVE nothing", want: with()},
		// ADD / DELETE
		{name: "add number", update: "ADD #c :v", values: item(":v", n("-2")), want: with("count", n("3"))},
		{name: "add to absent number", update: "ADD visits :v", values: item(":v", n("1")), want: with("visits", n("1"))},
		{name: "add to set", update: "ADD tags :v", values: item(":v", ss("b", "c")), want: with("tags", ss("a", "b", "c"))},
		{name: "delete from set", update: "DELETE tags :v", values: item(":v", ss("a")), want: with("tags", ss("b"))},
		{name: "delete last elements removes the set", update: "DELETE nums :v", values: item(":v", ns("1", "2")), want: without("nums")},
		{name: "all sections", update: "SET a = :one REMOVE flag ADD #c :one DELETE tags :tag", values: item(":one", n("1"), ":tag", ss("a")),
			want: with("a", n("1"), "count", n("6"), "tags", ss("b"), "flag", nil)},
		// conditions
		{name: "condition true", update: "SET ok = :t", cond: "#c = :five AND #t = :w", values: item(":t", bl(true), ":five", n("5"), ":w", s("Widget")),
			want: with("ok", bl(true))},
		{name: "condition false", update: "SET ok = :t", cond: "#c > :five", values: item(":t", bl(true), ":five", n("5")),
			wantCode: "ConditionalCheckFailedException", wantMsg: "The conditional request failed"},
		{name: "between", update: "SET ok = :t", cond: "price BETWEEN :lo AND :hi", values: item(":t", bl(true), ":lo", n("10"), ":hi", n("11")),
			want: with("ok", bl(true))},
		{name: "in", update: "SET ok = :t", cond: "#t IN (:a, :b)", values: item(":t", bl(true), ":a", s("Gadget"), ":b", s("Widget")),
			want: with("ok", bl(true))},
		{name: "or and not", update: "SET ok = :t", cond: "NOT (#c = :one) OR attribute_not_exists(pk)", values: item(":t", bl(true), ":one", n("1")),
			want: with("ok", bl(true))},
		{name: "attribute_exists", update: "SET ok = :t", cond: "attribute_exists(#i.dims.w)", values: item(":t", bl(true)), want: with("ok", bl(true))},
		{name: "attribute_not_exists fails", op: "put", cond: "attribute_not_exists(pk)",
			wantCode: "ConditionalCheckFailedException", wantMsg: "The conditional request failed"},
		{name: "attribute_type", update: "SET ok = :t", cond: "attribute_type(tags, :ss) AND attribute_type(gone, :null)",
			values: item(":t", bl(true), ":ss", s("SS"), ":null", s("NULL")), want: with("ok", bl(true))},
		{name: "begins_with", update: "SET ok = :t", cond: "begins_with(#t, :p)", values: item(":t", bl(true), ":p", s("Wid")), want: with("ok", bl(true))},
		{name: "contains set", update: "SET ok = :t", cond: "contains(tags, :a) AND contains(nums, :two)", values: item(":t", bl(true), ":a", s("a"), ":two", n("2")),
			want: with("ok", bl(true))},
		{name: "contains string", update: "SET ok = :t", cond: "contains(#t, :d)", values: item(":t", bl(true), ":d", s("dge")), want: with("ok", bl(true))},
		{name: "size", update: "SET ok = :t", cond: "size(tags) = :two AND size(#t) > :five AND size(#items) = :three",
			names: map[string]string{"#items": "items", "#t": "title"}, values: item(":t", bl(true), ":two", n("2"), ":five", n("5"), ":three", n("3")), want: with("ok", bl(true))},
		{name: "numbers compare numerically", update: "SET ok = :t", cond: "price > :nine", values: item(":t", bl(true), ":nine", n("9.99")), want: with("ok", bl(true))},
		{name: "different types are unequal", update: "SET ok = :t", cond: "#c = :s", values: item(":t", bl(true), ":s", s("5")),
			wantCode: "ConditionalCheckFailedException", wantMsg: "The conditional request failed"},
		{name: "absent attribute <> value", update: "SET ok = :t", cond: "nothing <> :s", values: item(":t", bl(true), ":s", s("5")), want: with("ok", bl(true))},
		{name: "delete with condition", op: "delete", cond: "#c = :five", values: item(":five", n("5")), want: nil},
		{name: "delete condition false", op: "delete", cond: "#c = :six", values: item(":six", n("6")),
			wantCode: "ConditionalCheckFailedException", wantMsg: "The conditional request failed"},
		{name: "put replaces", op: "put", cond: "attribute_exists(pk)", want: item("pk", s("item"), "new", bl(true))},
		// parse errors
		{name: "syntax error", update: "SET a = ", wantCode: "ValidationException", wantMsg: `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "="`},
		{name: "reserved word", update: "SET count = :v", values: item(":v", n("1")),
			wantCode: "ValidationException", wantMsg: "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: count"},
		{name: "condition syntax error", update: "SET a = :v", cond: "a = :v OR", values: item(":v", n("1")),
			wantCode: "ValidationException", wantMsg: `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "OR"`},
		{name: "undefined value", update: "SET a = :nope",
			wantCode: "ValidationException", wantMsg: "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{name: "unused value", update: "SET a = :v", values: item(":v", n("1"), ":w", n("2")),
			wantCode: "ValidationException", wantMsg: "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
		{name: "unused name", update: "SET a = :v", values: item(":v", n("1")), names: map[string]string{"#zz": "z"},
			wantCode: "ValidationException", wantMsg: "Value provided in ExpressionAttributeNames unused in expressions: keys: {#zz}"},
		{name: "key attribute", update: "SET pk = :v", values: item(":v", s("x")),
			wantCode: "ValidationException", wantMsg: "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{name: "overlapping paths", update: "SET #i = :v, #i.color = :v", values: item(":v", s("x")),
			wantCode: "ValidationException", wantMsg: "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [info], path two: [info, color]"},
		{name: "two SET sections", update: "SET a = :v SET b = :v", values: item(":v", s("x")),
			wantCode: "ValidationException", wantMsg: `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		// runtime errors
		{name: "arithmetic on string", update: "SET #t = #t + :one", values: item(":one", n("1")),
			wantCode: "ValidationException", wantMsg: "An operand in the update expression has an incorrect data type"},
		{name: "arithmetic on absent", update: "SET x = nothing + :one", values: item(":one", n("1")),
			wantCode: "ValidationException", wantMsg: "The provided expression refers to an attribute that does not exist in the item"},
		{name: "nested path under absent", update: "SET nothing.x = :one", values: item(":one", n("1")),
			wantCode: "ValidationException", wantMsg: "The document path provided in the update expression is invalid for update"},
		{name: "add string set to number", update: "ADD #c :v", values: item(":v", ss("x")),
			wantCode: "ValidationException", wantMsg: "An operand in the update expression has an incorrect data type"},
		{name: "number overflow", update: "SET big = :a + :a", values: item(":a", n("9E+125")),
			wantCode: "ValidationException", wantMsg: "Number overflow. Attempting to store a number with magnitude larger than supported range"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			table := fmt.Sprintf("expr%d", i)
			tb.createTable(t, table, "")
			tb.put(t, table, baseItem())
			ctx := context.Background()
			ns := tt.names
			if ns == nil {
				ns = map[string]string{}
				for k, v := range names {
					ns[k] = v
				}
			}
			// send only the names the expressions use
			used := map[string]string{}
			for k, v := range ns {
				if contains(tt.update, k) || contains(tt.cond, k) {
					used[k] = v
				}
			}
			if len(used) == 0 {
				used = nil
			}
			if tt.name == "unused name" {
				used = ns
			}
			var cond *string
			if tt.cond != "" {
				cond = aws.String(tt.cond)
			}
			var vals map[string]av
			if len(tt.values) > 0 {
				vals = tt.values
			}
			var err error
			switch tt.op {
			case "put":
				_, err = tb.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item("pk", s("item"), "new", bl(true)),
					ConditionExpression: cond, ExpressionAttributeNames: used, ExpressionAttributeValues: vals})
			case "delete":
				_, err = tb.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key,
					ConditionExpression: cond, ExpressionAttributeNames: used, ExpressionAttributeValues: vals})
			default:
				_, err = tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key,
					UpdateExpression: aws.String(tt.update), ConditionExpression: cond, ExpressionAttributeNames: used, ExpressionAttributeValues: vals})
			}
			got := tb.get(t, table, key)
			if tt.wantCode != "" {
				wantAPIError(t, err, tt.wantCode, tt.wantMsg)
				if renderItem(got) != renderItem(with()) {
					t.Errorf("a failed request changed the item: %s", renderItem(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if renderItem(got) != renderItem(tt.want) {
				t.Errorf("item = %s\nwant   %s", renderItem(got), renderItem(tt.want))
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// with is baseItem as stored (numbers normalized) with attributes set
// (nil values remove them).
func with(kv ...any) map[string]av {
	it := baseItem()
	it["price"] = n("10.5")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(it, kv[i].(string))
			continue
		}
		it[kv[i].(string)] = kv[i+1].(av)
	}
	return it
}

func without(names ...string) map[string]av {
	it := with()
	for _, n := range names {
		delete(it, n)
	}
	return it
}

// TestExpressionBuilder writes expressions with the SDK's expression
// package and items with attributevalue, as applications do.
func TestExpressionBuilder(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "orders", types.ScalarAttributeTypeN)
	type order struct {
		PK     string   `dynamodbav:"pk"`
		SK     int      `dynamodbav:"sk"`
		Status string   `dynamodbav:"status"`
		Total  float64  `dynamodbav:"total"`
		Tags   []string `dynamodbav:"tags,stringset"`
	}
	for i := 1; i <= 6; i++ {
		st := "open"
		if i%2 == 0 {
			st = "closed"
		}
		it, err := attributevalue.MarshalMap(order{PK: "cust", SK: i, Status: st, Total: float64(i) * 1.5, Tags: []string{"t" + fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		tb.put(t, "orders", it)
	}
	// Query with key condition, filter and projection.
	keyCond := expression.Key("pk").Equal(expression.Value("cust")).And(expression.Key("sk").GreaterThanEqual(expression.Value(2)))
	filt := expression.Name("status").Equal(expression.Value("open"))
	proj := expression.NamesList(expression.Name("sk"), expression.Name("total"))
	e, err := expression.NewBuilder().WithKeyCondition(keyCond).WithFilter(filt).WithProjection(proj).Build()
	if err != nil {
		t.Fatal(err)
	}
	out, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), KeyConditionExpression: e.KeyCondition(),
		FilterExpression: e.Filter(), ProjectionExpression: e.Projection(), ExpressionAttributeNames: e.Names(),
		ExpressionAttributeValues: e.Values(), ScanIndexForward: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	var got []order
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].SK != 5 || got[1].SK != 3 || got[0].Total != 7.5 || got[0].Status != "" {
		t.Errorf("query = %+v", got)
	}
	if out.Count != 2 || out.ScannedCount != 5 {
		t.Errorf("Count %d ScannedCount %d, want 2 and 5", out.Count, out.ScannedCount)
	}
	// Conditional update built with the builder.
	upd := expression.Set(expression.Name("status"), expression.Value("shipped")).Add(expression.Name("total"), expression.Value(1))
	cond := expression.Name("status").Equal(expression.Value("open")).And(expression.Name("total").LessThan(expression.Value(5)))
	e, err = expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		t.Fatal(err)
	}
	for sk, wantOK := range map[int]bool{1: true, 2: false, 5: false} {
		k, _ := attributevalue.MarshalMap(map[string]any{"pk": "cust", "sk": sk})
		res, err := tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("orders"), Key: k, UpdateExpression: e.Update(),
			ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
			ReturnValues: types.ReturnValueUpdatedNew})
		if wantOK {
			if err != nil {
				t.Fatalf("sk %d: %v", sk, err)
			}
			if render(res.Attributes["total"]) != "N:2.5" || render(res.Attributes["status"]) != "S:shipped" || len(res.Attributes) != 2 {
				t.Errorf("UPDATED_NEW = %s", renderItem(res.Attributes))
			}
			continue
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Errorf("sk %d: err = %v, want ConditionalCheckFailedException", sk, err)
		}
	}
}

// TestReadExpressions covers projections, key conditions and filters.
func TestReadExpressions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "reads", types.ScalarAttributeTypeS)
	for _, sk := range []string{"a", "ab", "abc", "b", "ba", "c"} {
		tb.put(t, "reads", item("pk", s("p"), "sk", s(sk), "len", n(fmt.Sprint(len(sk))), "doc", m("x", s(sk), "y", l(s("0"), s("1"), s("2")))))
	}
	tb.put(t, "reads", item("pk", s("q"), "sk", s("a")))
	tests := []struct {
		name, keyCond, filter, proj string
		names                       map[string]string
		values                      map[string]av
		want                        string // the items, rendered
		wantCode, wantMsg           string
	}{
		{name: "partition", keyCond: "pk = :p", values: item(":p", s("q")), want: "{pk=S:q sk=S:a}"},
		{name: "begins_with", keyCond: "pk = :p AND begins_with(sk, :a)", proj: "sk", values: item(":p", s("p"), ":a", s("ab")),
			want: "{sk=S:ab}{sk=S:abc}"},
		{name: "between", keyCond: "pk = :p AND sk BETWEEN :a AND :b", proj: "sk", values: item(":p", s("p"), ":a", s("ab"), ":b", s("b")),
			want: "{sk=S:ab}{sk=S:abc}{sk=S:b}"},
		{name: "less than", keyCond: "pk = :p AND sk < :b", proj: "sk", values: item(":p", s("p"), ":b", s("ab")), want: "{sk=S:a}"},
		{name: "value first", keyCond: ":p = pk AND :b > sk", proj: "sk", values: item(":p", s("p"), ":b", s("ab")), want: "{sk=S:a}"},
		{name: "filter", keyCond: "pk = :p", filter: "#l >= :two AND doc.x <> :abc", proj: "sk", names: map[string]string{"#l": "len"},
			values: item(":p", s("p"), ":two", n("2"), ":abc", s("abc")), want: "{sk=S:ab}{sk=S:ba}"},
		{name: "nested projection", keyCond: "pk = :p AND sk = :c", proj: "doc.y[2], doc.y[0], doc.x", values: item(":p", s("p"), ":c", s("c")),
			want: "{doc=M{x=S:c y=L[S:0,S:2]}}"},
		{name: "missing hash", keyCond: "sk = :a", values: item(":a", s("a")),
			wantCode: "ValidationException", wantMsg: "Query condition missed key schema element: pk"},
		{name: "hash inequality", keyCond: "pk > :a", values: item(":a", s("a")),
			wantCode: "ValidationException", wantMsg: "Query key condition not supported"},
		{name: "or", keyCond: "pk = :a OR pk = :b", values: item(":a", s("a"), ":b", s("b")),
			wantCode: "ValidationException", wantMsg: "Invalid operator used in KeyConditionExpression: OR"},
		{name: "type mismatch", keyCond: "pk = :a", values: item(":a", n("1")),
			wantCode: "ValidationException", wantMsg: "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{name: "filter on key", keyCond: "pk = :a", filter: "sk = :a", values: item(":a", s("a")),
			wantCode: "ValidationException", wantMsg: "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{name: "two conditions on one key", keyCond: "pk = :a AND pk = :a", values: item(":a", s("a")),
			wantCode: "ValidationException", wantMsg: "KeyConditionExpressions must only contain one condition per key"},
		{name: "projection syntax", keyCond: "pk = :a", proj: "a..b", values: item(":a", s("a")),
			wantCode: "ValidationException", wantMsg: `Invalid ProjectionExpression: Syntax error; token: ".", near: "..b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := &dynamodb.QueryInput{TableName: aws.String("reads"), KeyConditionExpression: aws.String(tt.keyCond),
				ExpressionAttributeValues: tt.values, ExpressionAttributeNames: tt.names}
			if tt.filter != "" {
				in.FilterExpression = aws.String(tt.filter)
			}
			if tt.proj != "" {
				in.ProjectionExpression = aws.String(tt.proj)
			}
			out, err := tb.client.Query(ctx, in)
			if tt.wantCode != "" {
				wantAPIError(t, err, tt.wantCode, tt.wantMsg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, it := range out.Items {
				got += renderItem(it)
			}
			if got != tt.want {
				t.Errorf("items = %s\nwant    %s", got, tt.want)
			}
		})
	}
}
