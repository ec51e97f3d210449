package validate

import (
	"reflect"
	"testing"
)

func TestJavaSetOrder(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want []string }{
		{[]string{"StartAt", "States"}, []string{"States", "StartAt"}},
		{[]string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"}, []string{"SecondsPath", "Seconds", "TimestampPath", "Timestamp"}},
		{[]string{"JSONPath", "JSONata"}, []string{"JSONPath", "JSONata"}},
		{[]string{"FULL", "NONE"}, []string{"NONE", "FULL"}},
	}
	for _, tc := range tests {
		if got := javaSetOrder(tc.in...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("javaSetOrder(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
