package apigateway_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// TestCall runs actions in process with the model's member names, as
// Step Functions' aws-sdk:apigatewayv2 integrations send them.
func TestCall(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	call := func(action, input string) map[string]any {
		t.Helper()
		out, err := tb.svc.Call(ctx, action, []byte(input))
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("%s: %s: %v", action, out, err)
		}
		return m
	}
	api := call("CreateApi", `{"Name":"calls","ProtocolType":"HTTP","Tags":{"team":"a"},"CorsConfiguration":{"AllowOrigins":["*"],"MaxAge":10}}`)
	apiID, _ := api["ApiId"].(string)
	if apiID == "" || api["ApiEndpoint"] != tb.url+"/_apis/"+apiID || api["Tags"].(map[string]any)["team"] != "a" ||
		api["CorsConfiguration"].(map[string]any)["MaxAge"] != 10.0 {
		t.Fatalf("CreateApi = %v", api)
	}
	integ := call("CreateIntegration", `{"ApiId":"`+apiID+`","IntegrationType":"AWS_PROXY","IntegrationSubtype":"StepFunctions-StartExecution",
		"PayloadFormatVersion":"1.0","RequestParameters":{"StateMachineArn":"`+smARN+`","Input":"$request.body"}}`)
	if rp := integ["RequestParameters"].(map[string]any); rp["StateMachineArn"] != smARN || rp["Input"] != "$request.body" {
		t.Errorf("CreateIntegration = %v", integ)
	}
	st := call("CreateStage", `{"ApiId":"`+apiID+`","StageName":"$default","AutoDeploy":true,
		"RouteSettings":{"GET /x":{"DetailedMetricsEnabled":true}},"StageVariables":{"camelCase":"v"}}`)
	if st["RouteSettings"].(map[string]any)["GET /x"].(map[string]any)["DetailedMetricsEnabled"] != true ||
		st["StageVariables"].(map[string]any)["camelCase"] != "v" || st["AutoDeploy"] != true {
		t.Errorf("CreateStage = %v", st)
	}
	list := call("GetApis", `{"MaxResults":"5"}`)
	if items := list["Items"].([]any); len(items) != 1 || items[0].(map[string]any)["Name"] != "calls" {
		t.Errorf("GetApis = %v", list)
	}
	call("UntagResource", `{"ResourceArn":"arn:aws:apigateway:us-east-1::/apis/`+apiID+`","TagKeys":["team"]}`)
	if tags := call("GetTags", `{"ResourceArn":"arn:aws:apigateway:us-east-1::/apis/`+apiID+`"}`); len(tags["Tags"].(map[string]any)) != 0 {
		t.Errorf("GetTags = %v", tags)
	}
	if out := call("DeleteApi", `{"ApiId":"`+apiID+`"}`); len(out) != 0 {
		t.Errorf("DeleteApi = %v", out)
	}

	errTests := []struct {
		action, input, code, msg string
	}{
		{"GetApi", `{"ApiId":"zzzzzzzzzz"}`, "NotFoundException", "Invalid API identifier specified 111111111111:zzzzzzzzzz"},
		{"CreateApi", `{"ProtocolType":"HTTP"}`, "BadRequestException", "name"},
		{"CreateApi", `{"Name":"x","ProtocolType":"HTTP","Version":5}`, "BadRequestException", "cannot be converted"},
		{"CreateApi", `[1]`, "BadRequestException", "JSON object"},
		{"CreateApi", `{`, "BadRequestException", "JSON"},
		{"ExportApi", `{"ApiId":"x","Specification":"OAS30","OutputType":"JSON"}`, "BadRequestException", "does not support ExportApi"},
		{"Frobnicate", `{}`, awsproto.CodeUnknownOperation, ""},
	}
	for _, tt := range errTests {
		_, err := tb.svc.Call(ctx, tt.action, []byte(tt.input))
		var ae *awsproto.Error
		if !errors.As(err, &ae) || ae.Code != tt.code || !strings.Contains(ae.Message, tt.msg) {
			t.Errorf("%s %s: err = %v, want %s %q", tt.action, tt.input, err, tt.code, tt.msg)
		}
	}
}
