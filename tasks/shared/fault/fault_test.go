package fault

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/smithy-go"
)

func TestFromAWS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string // the error type's name, as the Lambda runtime reports it
	}{
		{"throttled", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}, "TransientError"},
		{"throughput", &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}, "TransientError"},
		{"server fault", &smithy.GenericAPIError{Code: "InternalServerError", Fault: smithy.FaultServer}, "TransientError"},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), "TransientError"},
		{"missing table", &smithy.GenericAPIError{Code: "ResourceNotFoundException", Fault: smithy.FaultClient}, "ServiceError"},
		{"denied", &smithy.GenericAPIError{Code: "AccessDeniedException"}, "ServiceError"},
		{"already named", &InvalidInput{Message: "x"}, "InvalidInput"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := FromAWS("read order", tc.err)
			if name := reflect.TypeOf(got).Elem().Name(); name != tc.want {
				t.Errorf("FromAWS(%v) is a %s, want %s", tc.err, name, tc.want)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("FromAWS(%v) does not wrap its cause", tc.err)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	tests := []struct {
		err  error
		want string
	}{
		{&TransientError{Op: "reserve inventory", Err: cause}, "reserve inventory: boom (transient; retry)"},
		{&ServiceError{Op: "read order", Err: cause}, "read order: boom"},
		{Invalid("order.orderId is required"), "order.orderId is required"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
