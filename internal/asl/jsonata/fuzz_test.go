package jsonata

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonv"
)

var fuzzSeeds = []string{
	`$states.input.order.items[price > 10].sku`,
	`{"a": 1, "b": [1,2,3][$ > 1], "c": $sum(items.(price*qty))}`,
	`($f := function($n){$n <= 1 ? 1 : $n * $f($n-1)}; $f(10))`,
	`($f := function(){$f()}; $f())`,
	`[1..1e9]`,
	`Account.Order.Product{$string(ProductID): $sum(Price)}`,
	`library.loans@$l.books@$b[$l.isbn=$b.isbn].{"title": $b.title}`,
	`**.Price ~> $sum()`,
	`$.*[0]`,
	`%.name`,
	`items#$i[$i < 2]^(>price).sku`,
	`$replace("abc", /b+/i, function($m){$uppercase($m.match)})`,
	`$match("aaa", /a*/)`,
	`$formatNumber(-1234.5678, "#,##0.00;(#)")`,
	`$fromMillis(1e12, "[FNn], [D1o] [MNn] [Y] [h]:[m01][P] [z]", "-0500")`,
	`$toMillis("2024-02-29T12:00:00.000Z") + $toMillis("10/12/2018", "[M]/[D]/[Y]")`,
	`$formatInteger(1234, "w") & $parseInteger("MCMXC", "I")`,
	`$eval("1 + $x", {"x": 2})`,
	`| Account | {"x": 1}, ["Order"] |`,
	`$substring("héllo wörld", -5, 3) & $pad("x", -5, "é")`,
	`$sort([3,1,2], function($a, $b){$a > $b})`,
	`$reduce([1,2,3], function($a, $b){$a + $b}, 10)`,
	`$zip([1,2],[3,4]) ~> $map(function($v, $i){$v[0] * $i})`,
	`$split("a,b,,c", ",", 2) ~> $join("-")`,
	`$base64decode($base64encode("héllo"))`,
	`$encodeUrlComponent("a b&c") & $decodeUrl("%E2%82%AC")`,
	`"a" in ["a", "b"] and 1 < 2 or null ?: false ?? true`,
	`$distinct([1, "1", 1, {"a": 1}, {"a": 1}])`,
	`$spread({"a": 1, "b": 2}) ~> $merge()`,
	`$sift({"a": 1, "b": 2}, function($v){$v > 1})`,
	`$each({"a": 1}, function($v, $k){$k & $v})`,
	`$single([1,2,3], function($v){$v = 2})`,
	`/* comment */ $number("0x1F") + $round(2.5, 0) + $power(2, 10) + $sqrt(16)`,
	`$string({"a": [1, 2.5, "x", null, true]}, true)`,
	`$substringBefore("a-b", "-") & $substringAfter("a-b", "-") & $trim("  a  b ")`,
	`$lookup({"a": {"b": 1}}, "a").b`,
	`[[1,2],[3]].$[0]`,
	`$keys([{"a":1},{"b":2}])`,
	`λ($x)<n:n>{$x+1}(2)`,
	`$map([1,2,3], $string)`,
	`$substring(?, 1)("hello")`,
	`$count([1..10]) ~> $type()`,
	`(((((((((((1)))))))))))`,
	`$assert(false, "x")`,
}

func checkNoInternal(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("error is %T, want *Error: %v", err, err)
	}
	if je.Code == codeInternal {
		t.Fatalf("internal error: %v", je)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		e, err := Compile(src)
		checkNoInternal(t, err)
		if err == nil {
			_ = e.Variables()
		}
	})
}

func FuzzEval(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, `{"items":[{"sku":"a","price":5,"qty":2},{"sku":"b","price":20,"qty":1}],"name":"n","Account":{"Order":[{"Product":{"ProductID":1,"Price":3}}]}}`)
	}
	f.Fuzz(func(t *testing.T, src string, input string) {
		if len(src) > 2048 || len(input) > 4096 {
			return
		}
		watchdog := time.AfterFunc(20*time.Second, func() {
			panic(fmt.Sprintf("evaluation of %q on %q is not bounded", src, input))
		})
		defer watchdog.Stop()
		e, err := Compile(src)
		checkNoInternal(t, err)
		if err != nil {
			return
		}
		var in any
		if v, err := jsonv.ParseString(input); err == nil {
			in = v
		}
		vars := func(name string) (any, bool) {
			if name == "x" {
				return jsonv.Number("2"), true
			}
			return nil, false
		}
		start := time.Now()
		res, err := e.Eval(Env{Input: in, Vars: vars, MaxSteps: 200_000})
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("evaluation took %v", d)
		}
		checkNoInternal(t, err)
		if err == nil && res != Undefined && res != FunctionResult {
			_ = jsonv.Marshal(res)
		}
	})
}
