package lambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// TestCall runs actions through the in-process entry point, with the
// JSON form of the model's shapes.
func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	fn := name("call")
	zipped := base64.StdEncoding.EncodeToString(functionZip(t, "echo"))
	out, err := tb.svc.Call(ctx, "CreateFunction", []byte(`{"FunctionName":"`+fn+`","Runtime":"provided.al2023","Role":"`+role+
		`","Handler":"bootstrap","Code":{"ZipFile":"`+zipped+`"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct{ FunctionArn, State string }
	if err := json.Unmarshal(out, &cfg); err != nil || cfg.FunctionArn != fnARN+fn || cfg.State != "Active" {
		t.Fatalf("create: %s %v", out, err)
	}
	payload := base64.StdEncoding.EncodeToString([]byte(`{"via":"call"}`))
	out, err = tb.svc.Call(ctx, "Invoke", []byte(`{"FunctionName":"`+fn+`","Payload":"`+payload+`","LogType":"Tail"}`))
	if err != nil {
		t.Fatal(err)
	}
	var inv struct {
		StatusCode      int
		Payload         []byte
		ExecutedVersion string
		LogResult       string
	}
	if err := json.Unmarshal(out, &inv); err != nil || inv.StatusCode != 200 || inv.ExecutedVersion != "$LATEST" ||
		!strings.Contains(string(inv.Payload), `"via":"call"`) || inv.LogResult == "" {
		t.Fatalf("invoke: %s %v", out, err)
	}
	tests := []struct {
		action, input, code, message string
	}{
		{"GetFunction", `{}`, "ValidationException", "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"},
		{"GetFunction", `{"FunctionName":"nope"}`, "ResourceNotFoundException", "Function not found: " + fnARN + "nope"},
		{"Invoke", `{"FunctionName":"` + fn + `","InvocationType":"Sometimes"}`, "ValidationException", ""},
		{"ListLayers", `{}`, "UnknownOperationException", "Stepflow's Lambda does not implement ListLayers."},
		{"CreateFunction", `{"FunctionName":1}`, "SerializationException", ""},
	}
	for _, tc := range tests {
		_, err := tb.svc.Call(ctx, tc.action, []byte(tc.input))
		var ae *awsproto.Error
		if !errors.As(err, &ae) || ae.Code != tc.code || tc.message != "" && ae.Message != tc.message {
			t.Errorf("%s %s: %v, want %s %s", tc.action, tc.input, err, tc.code, tc.message)
		}
	}
}
