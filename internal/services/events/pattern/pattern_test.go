package pattern_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/services/events/pattern"
)

// ec2Event is the example event of AWS's event pattern documentation.
const ec2Event = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "111122223333",
  "time": "2017-12-22T18:43:48Z",
  "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {
    "instance-id": "i-1234567890abcdef0",
    "state": "terminated",
    "c-count": 5, "d-count": 7, "x-limit": 301.8,
    "sourceIPAddress": "10.0.0.123",
    "ipv6": "2001:db8::1",
    "responseElements": null,
    "eventVersion": "",
    "filename": "photo.PNG",
    "path": "/usr/lib/libc.so",
    "tags": ["blue", "green"],
    "nested": [[1, 2], [3]],
    "items": [{"kind": "book", "price": 10}, {"kind": "pen", "price": 2}],
    "location": {"city": "Paris"}
  }
}`

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"empty pattern", `{}`, true},
		{"source", `{"source": ["aws.ec2"]}`, true},
		{"source or", `{"source": ["aws.s3", "aws.ec2"]}`, true},
		{"wrong source", `{"source": ["aws.s3"]}`, false},
		{"missing field", `{"nothing": ["x"]}`, false},
		{"nested", `{"source": ["aws.ec2"], "detail": {"state": ["terminated", "stopped"]}}`, true},
		{"nested no match", `{"detail": {"state": ["running"]}}`, false},
		{"nested object missing", `{"detail": {"nope": {"x": ["y"]}}}`, false},
		{"pattern object on a scalar", `{"source": {"x": ["y"]}}`, false},
		{"resources intersect", `{"resources": ["arn:x", "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}`, true},
		{"array value any element", `{"detail": {"tags": ["green"]}}`, true},
		{"array value none", `{"detail": {"tags": ["red"]}}`, false},
		{"nested arrays flatten", `{"detail": {"nested": [3]}}`, true},
		{"null", `{"detail": {"responseElements": [null]}}`, true},
		{"null no match", `{"detail": {"state": [null]}}`, false},
		{"empty string", `{"detail": {"eventVersion": [""]}}`, true},
		{"number exact", `{"detail": {"c-count": [5]}}`, true},
		{"number by value", `{"detail": {"x-limit": [3.018e2]}}`, true},
		{"number vs string", `{"detail": {"c-count": ["5"]}}`, false},
		{"bool no match", `{"detail": {"state": [true]}}`, false},
		{"prefix", `{"time": [{"prefix": "2017-12-22"}]}`, true},
		{"prefix no", `{"time": [{"prefix": "2017-10-02"}]}`, false},
		{"prefix ignore case", `{"source": [{"prefix": {"equals-ignore-case": "AWS.E"}}]}`, true},
		{"prefix on number", `{"detail": {"c-count": [{"prefix": "5"}]}}`, false},
		{"suffix", `{"detail": {"filename": [{"suffix": ".PNG"}]}}`, true},
		{"suffix case", `{"detail": {"filename": [{"suffix": ".png"}]}}`, false},
		{"suffix ignore case", `{"detail": {"filename": [{"suffix": {"equals-ignore-case": ".png"}}]}}`, true},
		{"equals-ignore-case", `{"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}`, true},
		{"equals-ignore-case no", `{"detail-type": [{"equals-ignore-case": "ec2 instance"}]}`, false},
		{"anything-but value", `{"detail": {"state": [{"anything-but": "initializing"}]}}`, true},
		{"anything-but same", `{"detail": {"state": [{"anything-but": "terminated"}]}}`, false},
		{"anything-but list", `{"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}}`, false},
		{"anything-but list other", `{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}`, true},
		{"anything-but number", `{"detail": {"c-count": [{"anything-but": [5, 6]}]}}`, false},
		{"anything-but number other", `{"detail": {"c-count": [{"anything-but": 6}]}}`, true},
		{"anything-but missing field", `{"detail": {"nope": [{"anything-but": "x"}]}}`, false},
		{"anything-but prefix", `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, true},
		{"anything-but prefix hit", `{"detail": {"state": [{"anything-but": {"prefix": "term"}}]}}`, false},
		{"anything-but suffix", `{"detail": {"filename": [{"anything-but": {"suffix": ".txt"}}]}}`, true},
		{"anything-but equals-ignore-case", `{"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "TERMINATED"]}}]}}`, false},
		{"anything-but wildcard", `{"detail": {"path": [{"anything-but": {"wildcard": "*/lib/*"}}]}}`, false},
		{"anything-but wildcard other", `{"detail": {"path": [{"anything-but": {"wildcard": "*/bin/*"}}]}}`, true},
		{"anything-but on array", `{"detail": {"tags": [{"anything-but": "blue"}]}}`, true},
		{"numeric range", `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": ["=", 3.018e2]}]}}`, true},
		{"numeric exclusive", `{"detail": {"c-count": [{"numeric": [">", 5]}]}}`, false},
		{"numeric inclusive", `{"detail": {"c-count": [{"numeric": [">=", 5]}]}}`, true},
		{"numeric upper", `{"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}}`, false},
		{"numeric on string", `{"detail": {"state": [{"numeric": [">", 0]}]}}`, false},
		{"exists true", `{"detail": {"c-count": [{"exists": true}]}}`, true},
		{"exists true missing", `{"detail": {"nope": [{"exists": true}]}}`, false},
		{"exists false", `{"detail": {"nope": [{"exists": false}]}}`, true},
		{"exists false present", `{"detail": {"state": [{"exists": false}]}}`, false},
		{"exists on an object", `{"detail": {"location": [{"exists": true}]}}`, false},
		{"exists false with missing parent", `{"nope": {"x": [{"exists": false}]}}`, false},
		{"cidr", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, true},
		{"cidr no", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.1.0/24"}]}}`, false},
		{"cidr v6", `{"detail": {"ipv6": [{"cidr": "2001:db8::/32"}]}}`, true},
		{"cidr not an address", `{"detail": {"state": [{"cidr": "10.0.0.0/8"}]}}`, false},
		{"wildcard", `{"resources": [{"wildcard": "arn:aws:ec2:*:instance/*"}]}`, true},
		{"wildcard no", `{"resources": [{"wildcard": "arn:aws:s3:*"}]}`, false},
		{"wildcard escape", `{"detail": {"path": [{"wildcard": "/usr/lib/\\*"}]}}`, false},
		{"wildcard middle", `{"detail": {"filename": [{"wildcard": "ph*o.*"}]}}`, true},
		{"or", `{"detail": {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}}`, true},
		{"or none", `{"detail": {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"d-count": [{"numeric": [">", 10]}]}]}}`, false},
		{"or top level", `{"source": ["aws.ec2"], "$or": [{"detail-type": ["nope"]}, {"detail": {"state": ["terminated"]}}]}`, true},
		{"array of objects same element", `{"detail": {"items": {"kind": ["book"], "price": [10]}}}`, true},
		{"array of objects across elements", `{"detail": {"items": {"kind": ["book"], "price": [2]}}}`, false},
		{"several conditions one field", `{"detail": {"state": [{"prefix": "x"}, "terminated"]}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := pattern.Compile(tt.pattern)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := p.MatchJSON([]byte(ec2Event)); got != tt.want {
				t.Errorf("match = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, reason string
	}{
		{`[1]`, "Filter is not an object"},
		{`"x"`, "Filter is not an object"},
		{`{"source": "aws.ec2"}`, `"source" must be an object or an array`},
		{`{"source": 5}`, `"source" must be an object or an array`},
		{`{"source": []}`, "Empty arrays are not allowed"},
		{`{"source": [[1]]}`, "Match value must be String, number, true, false, or null"},
		{`{"source": [{"prefix": "a", "suffix": "b"}]}`, "Only one key allowed in match expression"},
		{`{"source": [{"bogus": "a"}]}`, "Unrecognized match type bogus"},
		{`{"source": [{"prefix": 5}]}`, "prefix match pattern must be a string"},
		{`{"source": [{"suffix": [1]}]}`, "suffix match pattern must be a string"},
		{`{"source": [{"equals-ignore-case": 5}]}`, "equals-ignore-case match pattern must be a string"},
		{`{"source": [{"exists": "yes"}]}`, "exists match pattern must be either true or false."},
		{`{"source": [{"numeric": 5}]}`, "Value of numeric must be an array."},
		{`{"source": [{"numeric": []}]}`, "Invalid member in numeric match: ]"},
		{`{"source": [{"numeric": [5]}]}`, "Invalid member in numeric match: 5"},
		{`{"source": [{"numeric": ["~", 5]}]}`, "Unrecognized numeric range operator: ~"},
		{`{"source": [{"numeric": ["=", "5"]}]}`, "Value of equals must be numeric"},
		{`{"source": [{"numeric": [">"]}]}`, "Value of > must be numeric"},
		{`{"source": [{"numeric": ["<", 5, ">", 1]}]}`, "Too many elements in numeric expression"},
		{`{"source": [{"numeric": [">", 5, ">", 1]}]}`, "Bad numeric range operator: >"},
		{`{"source": [{"numeric": [">", 5, 1]}]}`, "Bad value in numeric range: 1"},
		{`{"source": [{"numeric": [">", 5, "<", 1]}]}`, "Bottom must be less than top"},
		{`{"source": [{"numeric": [">", 1, "<", 5, 6]}]}`, "Too many terms in numeric range expression"},
		{`{"source": [{"cidr": 5}]}`, "prefix match pattern must be a string"},
		{`{"source": [{"cidr": "10.0.0.0"}]}`, "Malformed CIDR, one '/' required"},
		{`{"source": [{"cidr": "10.0.0.0/x"}]}`, "Malformed CIDR, mask bits must be an integer"},
		{`{"source": [{"cidr": "10.0.0.300/8"}]}`, "Nonstandard IP address: 10.0.0.300"},
		{`{"source": [{"wildcard": 5}]}`, "wildcard match pattern must be a string"},
		{`{"source": [{"wildcard": "a**b"}]}`, "Consecutive wildcard characters at pos 2"},
		{`{"source": [{"wildcard": "a*b*c*d*e*f*g"}]}`, "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"},
		{`{"source": [{"anything-but": null}]}`, "Inside anything but list, start|null|boolean is not supported."},
		{`{"source": [{"anything-but": [true]}]}`, "Inside anything but list, start|null|boolean is not supported."},
		{`{"source": [{"anything-but": {"numeric": [">", 1]}}]}`, "Unsupported anything-but pattern: numeric"},
		{`{"source": [{"anything-but": {"prefix": ""}}]}`, "Null prefix/suffix not allowed"},
		{`{"source": [{"anything-but": {"prefix": {"equals-ignore-case": "x"}}}]}`, "Value of anything-but must be an array or single string/number value."},
		{`{"source": [{"anything-but": {"equals-ignore-case": [1]}}]}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."},
		{`{"$or": [{"a": ["b"]}]}`, "Or relationship must have at least two fields"},
	}
	for _, tt := range tests {
		_, err := pattern.Compile(tt.pattern)
		var pe *pattern.Error
		if !errors.As(err, &pe) {
			t.Errorf("Compile(%s) = %v; want a pattern error", tt.pattern, err)
			continue
		}
		if pe.Reason != tt.reason {
			t.Errorf("Compile(%s) reason = %q; want %q", tt.pattern, pe.Reason, tt.reason)
		}
		if !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") {
			t.Errorf("Error() = %q", err.Error())
		}
	}
	if _, err := pattern.Compile(`{"a": [`); err == nil {
		t.Error("invalid JSON compiled")
	}
}

func TestMatchNonObjectEvent(t *testing.T) {
	t.Parallel()
	p, err := pattern.Compile(`{}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{`[]`, `1`, `nope`, ``} {
		if p.MatchJSON([]byte(ev)) {
			t.Errorf("event %q matched", ev)
		}
	}
}

func FuzzCompileMatch(f *testing.F) {
	for _, s := range []string{
		`{"source": ["aws.ec2"]}`, `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`,
		`{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}`, `{"a": [{"wildcard": "x*y\\*z"}]}`,
		`{"$or": [{"a": [1]}, {"b": [{"exists": false}]}]}`, `{"a": [{"cidr": "10.0.0.0/8"}]}`,
		`{"a": [{"prefix": {"equals-ignore-case": "ÄB"}}]}`,
	} {
		f.Add(s, ec2Event)
	}
	f.Fuzz(func(t *testing.T, pat, event string) {
		p, err := pattern.Compile(pat)
		if err != nil {
			var pe *pattern.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		_ = p.MatchJSON([]byte(event))
	})
}

func BenchmarkMatch(b *testing.B) {
	p, err := pattern.Compile(`{"source": ["aws.ec2"], "detail": {"state": [{"anything-but": "running"}], "c-count": [{"numeric": [">", 0]}]}}`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !p.MatchJSON([]byte(ec2Event)) {
			b.Fatal("no match")
		}
	}
}
