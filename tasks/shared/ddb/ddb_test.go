package ddb

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestCancelled(t *testing.T) {
	t.Parallel()
	tce := &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
		{Code: aws.String("None")}, {Code: aws.String(CodeConditionFailed)}, {},
	}}
	tests := []struct {
		name  string
		err   error
		ok    bool
		codes []string // Code(reasons, 0..3)
	}{
		{"cancelled", fmt.Errorf("operation error: %w", tce), true, []string{"None", CodeConditionFailed, "", ""}},
		{"other", &types.ConditionalCheckFailedException{}, false, []string{"", "", "", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reasons, ok := Cancelled(tc.err)
			if ok != tc.ok {
				t.Fatalf("Cancelled ok = %v", ok)
			}
			for i, want := range tc.codes {
				if got := Code(reasons, i); got != want {
					t.Errorf("Code(%d) = %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestConditionFailed(t *testing.T) {
	t.Parallel()
	if !ConditionFailed(fmt.Errorf("put: %w", &types.ConditionalCheckFailedException{})) {
		t.Error("wrapped ConditionalCheckFailedException not recognized")
	}
	if ConditionFailed(&types.TransactionCanceledException{}) {
		t.Error("TransactionCanceledException taken for a failed condition")
	}
}
