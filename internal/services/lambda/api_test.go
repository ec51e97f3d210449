package lambda_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestFunctionLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	fn := name("life")
	zipped := functionZip(t, "echo")
	sum := sha256.Sum256(zipped)
	created := tb.create(t, fn, "echo", func(in *awslambda.CreateFunctionInput) {
		in.Description = aws.String("first")
		in.Environment = &types.Environment{Variables: map[string]string{"AA": "1"}}
		in.Tags = map[string]string{"team": "core"}
		in.Architectures = []types.Architecture{types.ArchitectureX8664}
	})
	if aws.ToString(created.FunctionArn) != fnARN+fn || aws.ToString(created.Version) != "$LATEST" ||
		aws.ToString(created.CodeSha256) != base64.StdEncoding.EncodeToString(sum[:]) || created.CodeSize != int64(len(zipped)) ||
		created.State != types.StateActive || aws.ToInt32(created.Timeout) != 3 || aws.ToInt32(created.MemorySize) != 128 ||
		created.PackageType != types.PackageTypeZip || created.TracingConfig.Mode != types.TracingModePassThrough ||
		aws.ToString(created.LoggingConfig.LogGroup) != "/aws/lambda/"+fn || aws.ToInt32(created.EphemeralStorage.Size) != 512 ||
		created.Environment.Variables["AA"] != "1" {
		t.Fatalf("created = %+v", created)
	}

	got, err := tb.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Configuration.State != types.StateActive || got.Configuration.LastUpdateStatus != types.LastUpdateStatusSuccessful ||
		aws.ToString(got.Code.RepositoryType) != "S3" || got.Tags["team"] != "core" || aws.ToString(got.Configuration.RevisionId) == "" {
		t.Fatalf("get = %+v %+v", got.Configuration, got.Code)
	}
	// Code.Location serves the zip.
	resp, err := http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(zipped) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(body))
	}

	// Update the configuration; RevisionId guards it.
	_, err = tb.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(fn), RevisionId: aws.String("stale"), Timeout: aws.Int32(9)})
	apiErr(t, err, "PreconditionFailedException", "")
	up, err := tb.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(fn), RevisionId: got.Configuration.RevisionId, Timeout: aws.Int32(9),
		Description: aws.String("second"), Environment: &types.Environment{Variables: map[string]string{}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(up.Timeout) != 9 || aws.ToString(up.Description) != "second" || up.Environment != nil ||
		up.LastUpdateStatus != types.LastUpdateStatusSuccessful || aws.ToString(up.RevisionId) == aws.ToString(got.Configuration.RevisionId) {
		t.Fatalf("update = %+v", up)
	}
	cfg, err := tb.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String(fnARN + fn)})
	if err != nil || aws.ToInt32(cfg.Timeout) != 9 {
		t.Fatalf("GetFunctionConfiguration: %v %v", cfg, err)
	}

	// Versions.
	v1, err := tb.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String(fn), Description: aws.String("v1")})
	if err != nil || aws.ToString(v1.Version) != "1" || aws.ToString(v1.FunctionArn) != fnARN+fn+":1" {
		t.Fatalf("publish: %+v %v", v1, err)
	}
	again, err := tb.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String(fn)})
	if err != nil || aws.ToString(again.Version) != "1" {
		t.Fatalf("publishing unchanged code made a new version: %+v %v", again, err)
	}
	if _, err := tb.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String(fn),
		ZipFile: functionZip(t, "sleep"), Publish: true}); err != nil {
		t.Fatal(err)
	}
	vers, err := tb.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String(fn), MaxItems: aws.Int32(10000)})
	if err != nil || len(vers.Versions) != 3 || aws.ToString(vers.Versions[0].Version) != "$LATEST" || aws.ToString(vers.Versions[2].Version) != "2" {
		t.Fatalf("versions: %v %v", vers, err)
	}
	page, err := tb.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String(fn), MaxItems: aws.Int32(2)})
	if err != nil || len(page.Versions) != 2 || page.NextMarker == nil {
		t.Fatalf("page 1: %v %v", page, err)
	}
	page2, err := tb.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String(fn), Marker: page.NextMarker})
	if err != nil || len(page2.Versions) != 1 || aws.ToString(page2.Versions[0].Version) != "2" || page2.NextMarker != nil {
		t.Fatalf("page 2: %v %v", page2, err)
	}
	old, err := tb.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("1")})
	if err != nil || aws.ToString(old.Configuration.Description) != "v1" || aws.ToString(old.Configuration.CodeSha256) != aws.ToString(created.CodeSha256) {
		t.Fatalf("version 1: %+v %v", old, err)
	}

	// Aliases.
	al, err := tb.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String("1")})
	if err != nil || aws.ToString(al.AliasArn) != fnARN+fn+":live" {
		t.Fatalf("alias: %+v %v", al, err)
	}
	_, err = tb.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String("1")})
	apiErr(t, err, "ResourceConflictException", "Alias already exists: "+fnARN+fn+":live")
	_, err = tb.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String(fn), Name: aws.String("bad"), FunctionVersion: aws.String("7")})
	apiErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+fn+":7")
	inv := tb.invoke(t, fn+":live", `{"via":"alias"}`)
	if aws.ToString(inv.ExecutedVersion) != "1" || !strings.Contains(string(inv.Payload), `"via":"alias"`) {
		t.Fatalf("invoke alias: %s %s", aws.ToString(inv.ExecutedVersion), inv.Payload)
	}
	inv2 := tb.invoke(t, fn, `{"ms":1}`, func(in *awslambda.InvokeInput) { in.Qualifier = aws.String("2") })
	if aws.ToString(inv2.ExecutedVersion) != "2" || !strings.Contains(string(inv2.Payload), `"slept":1`) {
		t.Fatalf("invoke version 2: %s", inv2.Payload)
	}
	ua, err := tb.client.UpdateAlias(ctx, &awslambda.UpdateAliasInput{FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String("2"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"1": 0.5}}})
	if err != nil || aws.ToString(ua.FunctionVersion) != "2" || ua.RoutingConfig.AdditionalVersionWeights["1"] != 0.5 {
		t.Fatalf("update alias: %+v %v", ua, err)
	}
	las, err := tb.client.ListAliases(ctx, &awslambda.ListAliasesInput{FunctionName: aws.String(fn)})
	if err != nil || len(las.Aliases) != 1 {
		t.Fatalf("list aliases: %v %v", las, err)
	}
	_, err = tb.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("2")})
	apiErr(t, err, "ResourceConflictException", "Unable to delete version because the following aliases reference it: [live]")
	if _, err := tb.client.DeleteAlias(ctx, &awslambda.DeleteAliasInput{FunctionName: aws.String(fn), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String(fn), Name: aws.String("live")})
	apiErr(t, err, "ResourceNotFoundException", "Alias not found: "+fnARN+fn+":live")
	if _, err := tb.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("2")}); err != nil {
		t.Fatal(err)
	}

	// Permissions.
	perm, err := tb.client.AddPermission(ctx, &awslambda.AddPermissionInput{FunctionName: aws.String(fn), StatementId: aws.String("s3"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("s3.amazonaws.com"), SourceArn: aws.String("arn:aws:s3:::bucket"),
		SourceAccount: aws.String(account)})
	if err != nil {
		t.Fatal(err)
	}
	wantStmt := `{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"` + fnARN + fn +
		`","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket"},"StringEquals":{"AWS:SourceAccount":"111111111111"}}}`
	if aws.ToString(perm.Statement) != wantStmt {
		t.Errorf("statement:\n got %s\nwant %s", aws.ToString(perm.Statement), wantStmt)
	}
	_, err = tb.client.AddPermission(ctx, &awslambda.AddPermissionInput{FunctionName: aws.String(fn), StatementId: aws.String("s3"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("s3.amazonaws.com")})
	apiErr(t, err, "ResourceConflictException", "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.")
	pol, err := tb.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(fn)})
	if err != nil || aws.ToString(pol.Policy) != `{"Version":"2012-10-17","Id":"default","Statement":[`+wantStmt+`]}` {
		t.Fatalf("policy: %v %v", aws.ToString(pol.Policy), err)
	}
	_, err = tb.client.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String(fn), StatementId: aws.String("nope")})
	apiErr(t, err, "ResourceNotFoundException", "Statement nope is not found in resource policy.")
	if _, err := tb.client.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String(fn), StatementId: aws.String("s3")}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(fn)})
	apiErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")

	// Tags.
	if _, err := tb.client.TagResource(ctx, &awslambda.TagResourceInput{Resource: aws.String(fnARN + fn), Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.UntagResource(ctx, &awslambda.UntagResourceInput{Resource: aws.String(fnARN + fn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := tb.client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(fnARN + fn)})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["env"] != "dev" {
		t.Fatalf("tags: %v %v", tags, err)
	}
	_, err = tb.client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(fnARN + "missing")})
	apiErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"missing")

	// Concurrency and code signing.
	pc, err := tb.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(5)})
	if err != nil || aws.ToInt32(pc.ReservedConcurrentExecutions) != 5 {
		t.Fatalf("put concurrency: %v %v", pc, err)
	}
	gc, err := tb.client.GetFunctionConcurrency(ctx, &awslambda.GetFunctionConcurrencyInput{FunctionName: aws.String(fn)})
	if err != nil || aws.ToInt32(gc.ReservedConcurrentExecutions) != 5 {
		t.Fatalf("get concurrency: %v %v", gc, err)
	}
	_, err = tb.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(64)})
	apiErr(t, err, "InvalidParameterValueException", "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [6].")
	if _, err := tb.client.DeleteFunctionConcurrency(ctx, &awslambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String(fn)}); err != nil {
		t.Fatal(err)
	}
	gc, err = tb.client.GetFunctionConcurrency(ctx, &awslambda.GetFunctionConcurrencyInput{FunctionName: aws.String(fn)})
	if err != nil || gc.ReservedConcurrentExecutions != nil {
		t.Fatalf("get concurrency after delete: %v %v", gc, err)
	}
	csc, err := tb.client.GetFunctionCodeSigningConfig(ctx, &awslambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String(fn)})
	if err != nil || aws.ToString(csc.FunctionName) != fn || aws.ToString(csc.CodeSigningConfigArn) != "" {
		t.Fatalf("code signing: %v %v", csc, err)
	}

	// List and delete.
	list, err := tb.client.ListFunctions(ctx, &awslambda.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 1 || aws.ToString(list.Functions[0].FunctionName) != fn {
		t.Fatalf("list: %v %v", list, err)
	}
	all, err := tb.client.ListFunctions(ctx, &awslambda.ListFunctionsInput{FunctionVersion: types.FunctionVersionAll})
	if err != nil || len(all.Functions) != 2 {
		t.Fatalf("list ALL: %v %v", all, err)
	}
	if _, err := tb.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(fn)}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fn)})
	apiErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+fn)
	resp, err = http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("code of a deleted function still served: %d", resp.StatusCode)
	}
}

// TestErrorWire checks the raw error responses, as the Terraform provider
// and the SDKs read them.
func TestErrorWire(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		errType                  string
		wantBody                 string
	}{
		{"function not found", "GET", "/2015-03-31/functions/nope", "", 404, "ResourceNotFoundException",
			`{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope"}`},
		{"qualified not found", "GET", "/2015-03-31/functions/nope/configuration?Qualifier=3", "", 404, "ResourceNotFoundException",
			`{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope:3"}`},
		{"invoke not found", "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Anope/invocations", "{}", 404, "ResourceNotFoundException",
			`{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope"}`},
		{"code signing not found", "GET", "/2020-06-30/functions/nope/code-signing-config", "", 404, "ResourceNotFoundException", ""},
		{"versions not found", "GET", "/2015-03-31/functions/nope/versions?MaxItems=10000", "", 404, "ResourceNotFoundException", ""},
		{"bad name", "GET", "/2015-03-31/functions/bad%20name", "", 400, "ValidationException",
			`{"message":"1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?$"}`},
		{"missing role", "POST", "/2015-03-31/functions", `{"FunctionName":"f","Code":{"ZipFile":"UEs="}}`, 400, "ValidationException",
			`{"message":"1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null"}`},
		{"not a zip", "POST", "/2015-03-31/functions", `{"FunctionName":"f","Role":"` + role + `","Runtime":"provided.al2023","Handler":"bootstrap","Code":{"ZipFile":"bm90IGEgemlw"}}`,
			400, "InvalidParameterValueException", `{"Type":"User","message":"Could not unzip uploaded file. Please check your file, then try to upload again."}`},
		{"no handler", "POST", "/2015-03-31/functions", `{"FunctionName":"f","Role":"` + role + `","Code":{"ZipFile":"UEs="}}`,
			400, "InvalidParameterValueException", `{"Type":"User","message":"Runtime and Handler are mandatory parameters for functions created with deployment packages."}`},
		{"deprecated runtime", "POST", "/2015-03-31/functions", `{"FunctionName":"f","Role":"` + role + `","Runtime":"go1.x","Handler":"main","Code":{"ZipFile":"UEs="}}`,
			400, "InvalidParameterValueException", `{"Type":"User","message":"The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."}`},
		{"reserved env", "POST", "/2015-03-31/functions", `{"FunctionName":"f","Role":"` + role + `","Runtime":"provided.al2023","Handler":"b","Environment":{"Variables":{"AWS_REGION":"x","AWS_ACCESS_KEY_ID":"y"}},"Code":{"ZipFile":"UEs="}}`,
			400, "InvalidParameterValueException", `{"Type":"User","message":"Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_ACCESS_KEY_ID, AWS_REGION"}`},
		{"timeout too long", "POST", "/2015-03-31/functions", `{"FunctionName":"f","Role":"` + role + `","Runtime":"provided.al2023","Handler":"b","Timeout":901,"Code":{"ZipFile":"UEs="}}`,
			400, "ValidationException", `{"message":"1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"}`},
		{"bad json", "POST", "/2015-03-31/functions", `{"FunctionName":`, 400, "InvalidRequestContentException", ""},
		{"unknown path", "GET", "/2015-03-31/nothing", "", 404, "UnknownOperationException", ""},
		{"esm not found", "GET", "/2015-03-31/event-source-mappings/0f2c7a55-1111-2222-3333-444455556666", "", 404, "ResourceNotFoundException",
			`{"Type":"User","Message":"The resource you requested does not exist."}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, hdr, body := tb.rawRequest(t, tc.method, tc.path, []byte(tc.body))
			if status != tc.status || hdr.Get("X-Amzn-ErrorType") != tc.errType || hdr.Get("x-amzn-RequestId") == "" {
				t.Fatalf("got %d %q: %s", status, hdr.Get("X-Amzn-ErrorType"), body)
			}
			if tc.wantBody != "" && string(body) != tc.wantBody {
				t.Errorf("body:\n got %s\nwant %s", body, tc.wantBody)
			}
			if !json.Valid(body) {
				t.Errorf("body is not JSON: %s", body)
			}
		})
	}
	// Nothing was created by the failed requests.
	list, err := tb.client.ListFunctions(context.Background(), &awslambda.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 0 {
		t.Fatalf("list: %v %v", list, err)
	}
}

// TestBadInputSDK checks that the SDK sees AWS's error codes.
func TestBadInputSDK(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	fn := name("bad")
	tb.create(t, fn, "echo")
	_, err := tb.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String(fn), Runtime: types.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("b"), Code: &types.FunctionCode{ZipFile: functionZip(t, "echo")}})
	apiErr(t, err, "ResourceConflictException", "Function already exist: "+fn)
	var rnf *types.ResourceNotFoundException
	_, err = tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("missing")})
	if !errorsAs(err, &rnf) || aws.ToString(rnf.Message) != "Function not found: "+fnARN+"missing" || aws.ToString(rnf.Type) != "User" {
		t.Fatalf("invoke missing: %v", err)
	}
	_, err = tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{nope`)})
	apiErr(t, err, "InvalidRequestContentException", "")
	_, err = tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn + ":1"), Qualifier: aws.String("2")})
	apiErr(t, err, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
	_, err = tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Qualifier: aws.String("9")})
	apiErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+fn+":9")
	_, err = tb.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String(fn), ZipFile: []byte("not a zip")})
	apiErr(t, err, "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")
	_, err = tb.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("$LATEST")})
	apiErr(t, err, "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function.")
	// A function with another runtime is stored, and not run.
	py := name("py")
	if _, err := tb.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String(py), Runtime: types.RuntimePython312,
		Role: aws.String(role), Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: makeZip(t, map[string]string{"app.py": "def handler(e, c): return e"})}}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(py)})
	apiErr(t, err, "InvalidRuntimeException", "")
	// The failures changed nothing.
	got, err := tb.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fn)})
	if err != nil || aws.ToString(got.Configuration.CodeSha256) == "" {
		t.Fatal(err)
	}
	vers, _ := tb.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String(fn)})
	if len(vers.Versions) != 1 {
		t.Errorf("versions: %d", len(vers.Versions))
	}
}

// TestReopen: everything survives a restart.
func TestReopen(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	fn := name("reopen")
	tb.create(t, fn, "echo", func(in *awslambda.CreateFunctionInput) {
		in.Tags = map[string]string{"k": "v"}
		in.Publish = true
	})
	if _, err := tb.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String(fn), Name: aws.String("prod"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.AddPermission(ctx, &awslambda.AddPermissionInput{FunctionName: aws.String(fn), StatementId: aws.String("p"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com"), Qualifier: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	first := tb.invoke(t, fn+":prod", `{"n":1}`)
	before, err := tb.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatal(err)
	}
	tb.svc.SyncLogs(ctx)
	tb.close()
	tb.open()

	after, err := tb.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(before.Configuration)
	b, _ := json.Marshal(after.Configuration)
	if string(a) != string(b) || after.Tags["k"] != "v" || aws.ToInt32(after.Concurrency.ReservedConcurrentExecutions) != 2 {
		t.Fatalf("after reopen:\n%s\n%s", a, b)
	}
	pol, err := tb.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(fn), Qualifier: aws.String("prod")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"Resource":"`+fnARN+fn+`:prod"`) {
		t.Fatalf("policy: %v %v", pol, err)
	}
	out := tb.invoke(t, fn+":prod", `{"n":2}`)
	if aws.ToString(out.ExecutedVersion) != "1" || !strings.Contains(string(out.Payload), `"n":2`) {
		t.Fatalf("invoke after reopen: %s", out.Payload)
	}
	recent, err := tb.svc.RecentInvocations(ctx, fn, 5)
	if err != nil || len(recent) != 2 || recent[1].Version != "1" || !strings.Contains(string(first.Payload), recent[1].RequestID) {
		t.Fatalf("recent after reopen: %+v %v", recent, err)
	}
}
