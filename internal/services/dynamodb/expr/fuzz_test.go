package expr

import (
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

var fuzzSeeds = []string{
	"a = :v", "#n.b[1] <> :n AND NOT (x BETWEEN :n AND :m)", "attribute_exists(a) OR begins_with(#n, :v)",
	"size(a) > :n", "a IN (:v, :n, :m)", "((a = :v))", "contains(l, :v) AND attribute_type(a, :t)",
	"SET a = a + :n, b = if_not_exists(b, :n), c = list_append(c, :l) REMOVE d[0] ADD e :n DELETE f :s",
	"a, b.c, d[3].e", "", "(", "a = ", "#", ":", "SET", "REMOVE a,", "a[99999999999999999999] = :v",
	"NOT NOT a = :v", "a = :v or b = :v and c = :v", "foo(a)", "size(size(a)) = :n", "\xff\xfe",
}

func fuzzCtx() *Context {
	vals, _ := attr.DecodeItem([]byte(`{":v":{"S":"x"},":n":{"N":"1"},":m":{"N":"9"},":l":{"L":[{"S":"a"}]},":s":{"SS":["q"]},":t":{"S":"S"}}`))
	return &Context{Names: map[string]string{"#n": "name", "#x": "x"}, Values: vals}
}

var fuzzItem, _ = attr.DecodeItem([]byte(`{"a":{"N":"1"},"b":{"M":{"c":{"S":"x"}}},"l":{"L":[{"S":"x"},{"N":"2"}]},"name":{"S":"xyz"},"f":{"SS":["q","r"]}}`))

// checkError fails unless err is nil or an *Error worded as AWS words
// errors of kind.
func checkError(t *testing.T, err error, kind string) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error of type %T: %v", err, err)
	}
	if !strings.HasPrefix(e.Msg, "Invalid "+kind+": ") {
		t.Fatalf("message %q lacks the %s prefix", e.Msg, kind)
	}
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseCondition(src, "ConditionExpression", fuzzCtx())
		checkError(t, err, "ConditionExpression")
		if err != nil {
			return
		}
		c.Eval(fuzzItem)
		c.Eval(nil)
		c.Attrs()
		if _, err := c.KeyConditions(); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("KeyConditions error of type %T", err)
			}
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		u, err := ParseUpdate(src, fuzzCtx())
		checkError(t, err, "UpdateExpression")
		if err != nil {
			return
		}
		before := string(attr.AppendItemJSON(nil, fuzzItem))
		if _, err := u.Apply(fuzzItem); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Apply error of type %T", err)
			}
		}
		if _, err := u.Apply(attr.Item{}); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Apply error of type %T", err)
			}
		}
		if after := string(attr.AppendItemJSON(nil, fuzzItem)); after != before {
			t.Fatalf("Apply modified its input: %s", after)
		}
	})
}

func FuzzParseProjection(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParseProjection(src, fuzzCtx())
		checkError(t, err, "ProjectionExpression")
		if err != nil {
			return
		}
		p.Apply(fuzzItem)
	})
}
