package lambda_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stepflow/stepflow/internal/taskbuild"
)

// TestTaskValidateOrder builds the real tasks/validate_order, deploys it
// and checks that a bad order fails with errorType InvalidOrder (the
// check runs before the task looks anything up).
func TestTaskValidateOrder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "tasks", "validate_order")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no task: %v", err)
	}
	out := filepath.Join(t.TempDir(), "validate_order.zip")
	if err := taskbuild.Build(context.Background(), dir, out); err != nil {
		t.Skipf("tasks/validate_order does not build (it belongs to the order workflow): %v", err)
	}
	zipped, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tb := setup(t)
	fn := name("validate-order")
	if _, err := tb.client.CreateFunction(context.Background(), &awslambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: types.RuntimeProvidedal2023, Role: aws.String(role), Handler: aws.String("bootstrap"),
		Code:        &types.FunctionCode{ZipFile: zipped},
		Environment: &types.Environment{Variables: map[string]string{"INVENTORY_TABLE": "inventory"}},
	}); err != nil {
		t.Fatal(err)
	}
	res := tb.invoke(t, fn, `{"orderId":"","items":[]}`)
	var doc struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(res.Payload, &doc); err != nil || aws.ToString(res.FunctionError) != "Unhandled" || doc.ErrorType != "InvalidOrder" {
		t.Fatalf("got %v %s", aws.ToString(res.FunctionError), res.Payload)
	}
}
