package jsonata

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

func statesVars(input string) func(string) (any, bool) {
	in := jsonv.MustParse(input)
	states := jsonv.NewObject(1)
	states.Members = append(states.Members, jsonv.Member{Key: "input", Value: in})
	return func(name string) (any, bool) {
		switch name {
		case "states":
			return states, true
		case "nullVar":
			return nil, true
		}
		return nil, false
	}
}

func mustEval(t *testing.T, src string, env Env) any {
	t.Helper()
	e, err := Compile(src)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	v, err := e.Eval(env)
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return v
}

func TestEval(t *testing.T) {
	t.Parallel()
	const doc = `{"order":{"id":"o-1","items":[{"sku":"a","price":5,"qty":2},{"sku":"b","price":20,"qty":1},{"sku":"c","price":12.5,"qty":4}]},"z":1,"a":2,"n":1.0}`
	tests := []struct {
		name, expr, want string
	}{
		{"path", `$states.input.order.id`, `"o-1"`},
		{"predicate", `$states.input.order.items[price > 10].sku`, `["b","c"]`},
		{"singleton", `$states.input.order.items[price > 15].sku`, `"b"`},
		{"keep array", `$states.input.order.items[price > 15].sku[]`, `["b"]`},
		{"sum", `$sum($states.input.order.items.(price*qty))`, `80`},
		{"key order of input", `$states.input`, `{"order":{"id":"o-1","items":[{"sku":"a","price":5,"qty":2},{"sku":"b","price":20,"qty":1},{"sku":"c","price":12.5,"qty":4}]},"z":1,"a":2,"n":1}`},
		{"key order of constructor", `{"z": 1, "b": 2, "a": 3, "10": 4}`, `{"z":1,"b":2,"a":3,"10":4}`},
		{"keys", `$keys($states.input)`, `["order","z","a","n"]`},
		{"float sum", `0.1 + 0.2`, `0.30000000000000004`},
		{"string of float", `$string(0.1 + 0.2)`, `"0.3"`},
		{"large integer", `1e21`, `1e+21`},
		{"integer below 1e21", `123456789012345680000`, `123456789012345680000`},
		{"small", `0.0000001`, `1e-7`},
		{"negative zero", `-0`, `0`},
		{"division", `1/3`, `0.3333333333333333`},
		{"null var", `$nullVar`, `null`},
		{"concat", `"a" & 1 & true & null`, `"a1truenull"`},
		{"group", `$states.input.order.items{sku: price}`, `{"a":5,"b":20,"c":12.5}`},
		{"sort", `$states.input.order.items^(>price).sku`, `["b","c","a"]`},
		{"lambda", `($f := function($x){$x*2}; $map([1,2,3], $f))`, `[2,4,6]`},
		{"coalesce", `$missing ?? "d"`, `"d"`},
		{"elvis", `0 ?: "d"`, `"d"`},
		{"transform", `$states.input.order ~> |items|{"p": price*2}, ["qty"]|`, `{"id":"o-1","items":[{"sku":"a","price":5,"p":10},{"sku":"b","price":20,"p":40},{"sku":"c","price":12.5,"p":25}]}`},
		{"regex", `$replace("abc-def", /(\w+)-(\w+)/, "$2-$1")`, `"def-abc"`},
		{"formatNumber", `$formatNumber(1234.5, "#,##0.00")`, `"1,234.50"`},
		{"fromMillis", `$fromMillis(0)`, `"1970-01-01T00:00:00.000Z"`},
		{"round", `$round(2.5) & "," & $round(3.5) & "," & $round(1.235, 2)`, `"2,4,1.24"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustEval(t, tt.expr, Env{Vars: statesVars(doc)})
			if s := jsonv.Marshal(got); s != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, s, tt.want)
			}
		})
	}
}

func TestEvalUndefined(t *testing.T) {
	t.Parallel()
	for _, src := range []string{`$missing`, `foo.bar`, `[][0]`, `$states.input.nope`} {
		got := mustEval(t, src, Env{Vars: statesVars(`{}`)})
		if got != Undefined {
			t.Errorf("%s = %v, want Undefined", src, got)
		}
	}
}

func TestInput(t *testing.T) {
	t.Parallel()
	got := mustEval(t, `$[1]`, Env{Input: jsonv.MustParse(`[1,2,3]`)})
	if jsonv.Marshal(got) != "2" {
		t.Errorf("got %s", jsonv.Marshal(got))
	}
	if got := mustEval(t, `$`, Env{}); got != Undefined {
		t.Errorf("nil input: got %v, want Undefined", got)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, code, msg string
	}{
		{`1 +`, "S0207", "Unexpected end of expression"},
		{`(1`, "S0203", `Expected ")" before end of expression`},
		{`"abc`, "S0101", "String literal must be terminated by a matching quote"},
		{`1 + "a"`, "T2002", `The right side of the "+" operator must evaluate to a number`},
		{`1/0`, "D1001", "Number out of range: null"},
		{`$sum("a")`, "T0412", `Argument 1 of function "sum" must be an array of "numbers"`},
		{`$substring("a", 2, 3, 4)`, "T0410", `Argument 4 of function "substring" does not match function signature`},
		{`$error("boom")`, "D3137", "boom"},
		{`[1..1e9]`, "D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate 1000000000."},
		{`$match("a", /(?=a)/)`, "S0303", ""},
		{`sum(1)`, "T1005", "Attempted to invoke a non-function. Did you mean $sum?"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err == nil {
				_, err = e.Eval(Env{})
			}
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("%s: error %v (%T), want *Error", tt.expr, err, err)
			}
			if je.Code != tt.code {
				t.Errorf("%s: code %s (%s), want %s", tt.expr, je.Code, je.Message, tt.code)
			}
			if tt.msg != "" && je.Error() != tt.msg {
				t.Errorf("%s: message %q, want %q", tt.expr, je.Error(), tt.msg)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr string
		env        Env
	}{
		{"infinite recursion", `($f := function(){$f() + 1}; $f())`, Env{}},
		{"infinite tail recursion", `($f := function(){$f()}; $f())`, Env{}},
		{"mutual recursion", `($a := function($n){$b($n)}; $b := function($n){$a($n)}; $a(1))`, Env{}},
		{"nested ranges", `[1..10000].[1..10000]`, Env{}},
		{"deep nesting", strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000), Env{}},
		{"depth limit", `($f := function($n){$n = 0 ? 0 : 1 + $f($n-1)}; $f(100))`, Env{MaxDepth: 50}},
		{"step limit", `$sum([1..100000])`, Env{MaxSteps: 1000}},
		{"huge pad", `$pad("x", 1e12)`, Env{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			e, err := Compile(tt.expr)
			if err == nil {
				_, err = e.Eval(tt.env)
			}
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("error %v, want *Error", err)
			}
			if je.Code == codeInternal {
				t.Errorf("internal error: %v", je)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 8, 9, 10_000_000, time.UTC)
	env := Env{
		Now: now,
		Funcs: map[string]Function{
			"partition": func(args []any) (any, error) { return "aws", nil },
			"eval": func(args []any) (any, error) {
				return nil, &Error{Code: "X0001", Message: "$eval is disabled"}
			},
			"double": func(args []any) (any, error) {
				n, ok := args[0].(jsonv.Number)
				if !ok {
					return nil, errors.New("not a number")
				}
				return jsonv.Int(int64(n.Float64() * 2)), nil
			},
		},
	}
	if got := mustEval(t, `$partition() & "|" & $now() & "|" & $millis()`, env); got != "aws|2024-05-06T07:08:09.010Z|1714979289010" {
		t.Errorf("got %v", got)
	}
	if got := mustEval(t, `$double(21)`, env); jsonv.Marshal(got) != "42" {
		t.Errorf("double: got %v", got)
	}
	e, _ := Compile(`$eval("1+1")`)
	if _, err := e.Eval(env); err == nil || err.(*Error).Code != "X0001" {
		t.Errorf("$eval override: err = %v", err)
	}
	e, _ = Compile(`$double("x")`)
	if _, err := e.Eval(env); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Errorf("host error: err = %v", err)
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{`$states.input.x & $foo`, []string{"states", "foo"}},
		{`($x := 1; $x + $y)`, []string{"y"}},
		{`($x := $x + 1; $x)`, []string{"x"}},
		{`function($a){$a + $b}`, []string{"b"}},
		{`$sum($v) + $count($w)`, []string{"v", "w"}},
		{`items@$i.{"a": $i, "b": $j}`, []string{"j"}},
		{`items#$n[$n < $limit]`, []string{"limit"}},
		{`$ & $$.a`, nil},
		{`$f($x) ~> $g`, []string{"f", "x", "g"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := e.Variables()
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Variables(%s) = %v, want %v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	e, err := Compile(`$states.input.items[price > 1].{"sku": sku, "total": price * qty}`)
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Vars: statesVars(`{"items":[{"sku":"a","price":2,"qty":3},{"sku":"b","price":1,"qty":1}]}`)}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				v, err := e.Eval(env)
				if err != nil || jsonv.Marshal(v) != `{"sku":"a","total":6}` {
					t.Errorf("got %v, %v", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
