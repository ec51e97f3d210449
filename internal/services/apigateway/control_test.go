package apigateway_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	apigw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

func TestAPILifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	created, err := tb.client.CreateApi(ctx, &apigw.CreateApiInput{
		Name: aws.String("orders"), ProtocolType: types.ProtocolTypeHttp, Description: aws.String("Orders API"),
		Version: aws.String("v1"), Tags: map[string]string{"team": "payments"},
		CorsConfiguration: &types.Cors{AllowOrigins: []string{"https://example.com"}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"content-type"}, MaxAge: aws.Int32(300)},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.ApiId)
	if len(id) != 10 {
		t.Errorf("ApiId = %q, want 10 characters", id)
	}
	if got, want := aws.ToString(created.ApiEndpoint), tb.url+"/_apis/"+id; got != want {
		t.Errorf("ApiEndpoint = %q, want %q", got, want)
	}
	if got := aws.ToString(created.ApiKeySelectionExpression); got != "$request.header.x-api-key" {
		t.Errorf("ApiKeySelectionExpression = %q", got)
	}
	if got := aws.ToString(created.RouteSelectionExpression); got != "$request.method $request.path" {
		t.Errorf("RouteSelectionExpression = %q", got)
	}
	if created.IpAddressType != types.IpAddressTypeIpv4 || created.ProtocolType != types.ProtocolTypeHttp {
		t.Errorf("IpAddressType %q, ProtocolType %q", created.IpAddressType, created.ProtocolType)
	}
	if !created.CreatedDate.Equal(start.Truncate(time.Second)) {
		t.Errorf("CreatedDate = %v", created.CreatedDate)
	}

	got, err := tb.client.GetApi(ctx, &apigw.GetApiInput{ApiId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Name) != "orders" || aws.ToString(got.Description) != "Orders API" || aws.ToString(got.Version) != "v1" ||
		!reflect.DeepEqual(got.Tags, map[string]string{"team": "payments"}) || aws.ToBool(got.DisableExecuteApiEndpoint) {
		t.Errorf("GetApi = %+v", got)
	}
	if c := got.CorsConfiguration; c == nil || !reflect.DeepEqual(c.AllowOrigins, []string{"https://example.com"}) ||
		!reflect.DeepEqual(c.AllowMethods, []string{"GET", "POST"}) || aws.ToInt32(c.MaxAge) != 300 {
		t.Errorf("CorsConfiguration = %+v", got.CorsConfiguration)
	}

	// A second API, then the list with pagination.
	id2 := tb.api(t)
	page1, err := tb.client.GetApis(ctx, &apigw.GetApisInput{MaxResults: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1.Items) != 1 || aws.ToString(page1.Items[0].ApiId) != id || page1.NextToken == nil {
		t.Fatalf("page 1 = %+v", page1)
	}
	page2, err := tb.client.GetApis(ctx, &apigw.GetApisInput{MaxResults: aws.String("1"), NextToken: page1.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(page2.Items) != 1 || aws.ToString(page2.Items[0].ApiId) != id2 || page2.NextToken != nil {
		t.Fatalf("page 2 = %+v", page2)
	}

	// Update: only what is sent changes.
	if _, err := tb.client.UpdateApi(ctx, &apigw.UpdateApiInput{ApiId: aws.String(id), Name: aws.String("orders-v2"),
		DisableExecuteApiEndpoint: aws.Bool(true), CorsConfiguration: &types.Cors{AllowOrigins: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	got, err = tb.client.GetApi(ctx, &apigw.GetApiInput{ApiId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Name) != "orders-v2" || aws.ToString(got.Description) != "Orders API" || !aws.ToBool(got.DisableExecuteApiEndpoint) ||
		!reflect.DeepEqual(got.CorsConfiguration.AllowOrigins, []string{"*"}) {
		t.Errorf("after update: %+v", got)
	}
	if _, err := tb.client.DeleteCorsConfiguration(ctx, &apigw.DeleteCorsConfigurationInput{ApiId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	// Terraform sends an empty configuration with other changes after
	// deleting it: nothing comes back.
	if _, err := tb.client.UpdateApi(ctx, &apigw.UpdateApiInput{ApiId: aws.String(id), CorsConfiguration: &types.Cors{}, Description: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	got, _ = tb.client.GetApi(ctx, &apigw.GetApiInput{ApiId: aws.String(id)})
	if got.CorsConfiguration != nil || got.Description != nil {
		t.Errorf("CorsConfiguration after delete = %+v, description %v", got.CorsConfiguration, got.Description)
	}

	// Tags by ARN.
	arn := "arn:aws:apigateway:us-east-1::/apis/" + id
	if _, err := tb.client.TagResource(ctx, &apigw.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := tb.client.GetTags(ctx, &apigw.GetTagsInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tags.Tags, map[string]string{"team": "payments", "env": "dev"}) {
		t.Errorf("tags = %v", tags.Tags)
	}
	if _, err := tb.client.UntagResource(ctx, &apigw.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = tb.client.GetTags(ctx, &apigw.GetTagsInput{ResourceArn: aws.String(arn)})
	if !reflect.DeepEqual(tags.Tags, map[string]string{"env": "dev"}) {
		t.Errorf("tags after untag = %v", tags.Tags)
	}

	if _, err := tb.client.DeleteApi(ctx, &apigw.DeleteApiInput{ApiId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetApi(ctx, &apigw.GetApiInput{ApiId: aws.String(id)})
	wantAPIError(t, err, "NotFoundException", http.StatusNotFound, "Invalid API identifier specified 111111111111:"+id)
	_, err = tb.client.DeleteApi(ctx, &apigw.DeleteApiInput{ApiId: aws.String(id)})
	wantAPIError(t, err, "NotFoundException", http.StatusNotFound, "Invalid API identifier specified")
}

func TestIntegrations(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	lambda, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID),
		IntegrationType: types.IntegrationTypeAwsProxy, PayloadFormatVersion: aws.String("2.0"),
		IntegrationUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN + "/invocations")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(lambda.TimeoutInMillis) != 30000 || lambda.ConnectionType != types.ConnectionTypeInternet ||
		aws.ToString(lambda.IntegrationMethod) != "POST" || aws.ToString(lambda.PayloadFormatVersion) != "2.0" {
		t.Errorf("defaults: %+v", lambda)
	}
	sfn, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID),
		IntegrationType: types.IntegrationTypeAwsProxy, IntegrationSubtype: aws.String("StepFunctions-StartExecution"),
		PayloadFormatVersion: aws.String("1.0"), CredentialsArn: aws.String(roleARN), TimeoutInMillis: aws.Int32(10000),
		RequestParameters: map[string]string{"StateMachineArn": smARN, "Input": "$request.body", "Name": "$request.body.orderId"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tb.client.GetIntegration(ctx, &apigw.GetIntegrationInput{ApiId: aws.String(apiID), IntegrationId: sfn.IntegrationId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.IntegrationSubtype) != "StepFunctions-StartExecution" || aws.ToString(got.CredentialsArn) != roleARN ||
		aws.ToInt32(got.TimeoutInMillis) != 10000 || got.IntegrationMethod != nil ||
		!reflect.DeepEqual(got.RequestParameters, map[string]string{"StateMachineArn": smARN, "Input": "$request.body", "Name": "$request.body.orderId"}) {
		t.Errorf("GetIntegration = %+v", got)
	}
	proxy, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID),
		IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String("http://127.0.0.1:9/{proxy}"),
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	list, err := tb.client.GetIntegrations(ctx, &apigw.GetIntegrationsInput{ApiId: aws.String(apiID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 || aws.ToString(list.Items[2].IntegrationId) != aws.ToString(proxy.IntegrationId) {
		t.Errorf("GetIntegrations = %+v", list.Items)
	}
	// Update: a parameter set to "" is removed; the others stay.
	upd, err := tb.client.UpdateIntegration(ctx, &apigw.UpdateIntegrationInput{ApiId: aws.String(apiID), IntegrationId: sfn.IntegrationId,
		IntegrationType: types.IntegrationTypeAwsProxy, Description: aws.String("start"),
		RequestParameters: map[string]string{"Name": "", "Input": "$request.body.order"}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.Description) != "start" ||
		!reflect.DeepEqual(upd.RequestParameters, map[string]string{"StateMachineArn": smARN, "Input": "$request.body.order"}) {
		t.Errorf("UpdateIntegration = %+v", upd)
	}
	if _, err := tb.client.DeleteIntegration(ctx, &apigw.DeleteIntegrationInput{ApiId: aws.String(apiID), IntegrationId: proxy.IntegrationId}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetIntegration(ctx, &apigw.GetIntegrationInput{ApiId: aws.String(apiID), IntegrationId: proxy.IntegrationId})
	wantAPIError(t, err, "NotFoundException", http.StatusNotFound, "Invalid Integration identifier specified")
	_ = lambda
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	ids := map[string]string{}
	for _, key := range []string{"POST /orders", "GET /orders/{id}", "ANY /{proxy+}", "$default"} {
		ids[key] = tb.route(t, apiID, key, integ)
	}
	r, err := tb.client.GetRoute(ctx, &apigw.GetRouteInput{ApiId: aws.String(apiID), RouteId: aws.String(ids["GET /orders/{id}"])})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(r.RouteKey) != "GET /orders/{id}" || aws.ToString(r.Target) != "integrations/"+integ ||
		r.AuthorizationType != types.AuthorizationTypeNone || aws.ToBool(r.ApiKeyRequired) {
		t.Errorf("GetRoute = %+v", r)
	}
	_, err = tb.client.CreateRoute(ctx, &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String("POST /orders")})
	wantAPIError(t, err, "ConflictException", http.StatusConflict, "Route with key POST /orders already exists")

	list, err := tb.client.GetRoutes(ctx, &apigw.GetRoutesInput{ApiId: aws.String(apiID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 4 {
		t.Errorf("GetRoutes = %d items", len(list.Items))
	}
	upd, err := tb.client.UpdateRoute(ctx, &apigw.UpdateRouteInput{ApiId: aws.String(apiID), RouteId: aws.String(ids["POST /orders"]),
		RouteKey: aws.String("PUT /orders"), RequestParameters: map[string]types.ParameterConstraints{"route.request.header.x": {Required: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.RouteKey) != "PUT /orders" || aws.ToString(upd.Target) != "integrations/"+integ || len(upd.RequestParameters) != 1 {
		t.Errorf("UpdateRoute = %+v", upd)
	}
	_, err = tb.client.UpdateRoute(ctx, &apigw.UpdateRouteInput{ApiId: aws.String(apiID), RouteId: aws.String("zzzzzzzzzz"), RouteKey: aws.String("$default")})
	wantAPIError(t, err, "NotFoundException", http.StatusNotFound, "Invalid Route identifier specified")
	_, err = tb.client.UpdateRoute(ctx, &apigw.UpdateRouteInput{ApiId: aws.String(apiID), RouteId: aws.String(ids["POST /orders"]), RouteKey: aws.String("$default")})
	wantAPIError(t, err, "ConflictException", http.StatusConflict, "$default")
	if _, err := tb.client.DeleteRouteRequestParameter(ctx, &apigw.DeleteRouteRequestParameterInput{ApiId: aws.String(apiID),
		RouteId: aws.String(ids["POST /orders"]), RequestParameterKey: aws.String("route.request.header.x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.DeleteRoute(ctx, &apigw.DeleteRouteInput{ApiId: aws.String(apiID), RouteId: aws.String(ids["$default"])}); err != nil {
		t.Fatal(err)
	}
	list, _ = tb.client.GetRoutes(ctx, &apigw.GetRoutesInput{ApiId: aws.String(apiID)})
	if len(list.Items) != 3 || list.Items[0].RequestParameters != nil {
		t.Errorf("after deletes: %+v", list.Items)
	}
}

func TestStagesAndDeployments(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	_, err := tb.client.CreateDeployment(ctx, &apigw.CreateDeploymentInput{ApiId: aws.String(apiID)})
	wantAPIError(t, err, "BadRequestException", http.StatusBadRequest, "no routes exist")

	st, err := tb.client.CreateStage(ctx, &apigw.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String("$default"),
		AutoDeploy: aws.Bool(true), StageVariables: map[string]string{"env": "dev", "table": "orders"},
		AccessLogSettings:    &types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:111111111111:log-group:api"), Format: aws.String("$context.requestId")},
		DefaultRouteSettings: &types.RouteSettings{ThrottlingBurstLimit: aws.Int32(100), ThrottlingRateLimit: aws.Float64(50)},
		RouteSettings:        map[string]types.RouteSettings{"GET /x": {DetailedMetricsEnabled: aws.Bool(true)}},
		Tags:                 map[string]string{"stage": "default"}})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(st.AutoDeploy) || aws.ToString(st.DeploymentId) == "" || aws.ToInt32(st.DefaultRouteSettings.ThrottlingBurstLimit) != 100 {
		t.Errorf("CreateStage = %+v", st)
	}
	_, err = tb.client.CreateStage(ctx, &apigw.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String("$default")})
	wantAPIError(t, err, "ConflictException", http.StatusConflict, "already exists")

	plain, err := tb.client.CreateStage(ctx, &apigw.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if plain.AccessLogSettings != nil || plain.DeploymentId != nil || plain.DefaultRouteSettings == nil ||
		aws.ToBool(plain.DefaultRouteSettings.DetailedMetricsEnabled) || aws.ToBool(plain.AutoDeploy) {
		t.Errorf("prod stage = %+v", plain)
	}

	// Update: variables set to "" go away; route settings merge.
	if _, err := tb.client.UpdateStage(ctx, &apigw.UpdateStageInput{ApiId: aws.String(apiID), StageName: aws.String("$default"),
		StageVariables: map[string]string{"table": "", "region": "us-east-1"}, Description: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
	got, err := tb.client.GetStage(ctx, &apigw.GetStageInput{ApiId: aws.String(apiID), StageName: aws.String("$default")})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.StageVariables, map[string]string{"env": "dev", "region": "us-east-1"}) || aws.ToString(got.Description) != "default" ||
		aws.ToString(got.AccessLogSettings.Format) != "$context.requestId" || len(got.RouteSettings) != 1 ||
		!reflect.DeepEqual(got.Tags, map[string]string{"stage": "default"}) {
		t.Errorf("GetStage = %+v", got)
	}
	if _, err := tb.client.DeleteRouteSettings(ctx, &apigw.DeleteRouteSettingsInput{ApiId: aws.String(apiID), StageName: aws.String("$default"), RouteKey: aws.String("GET /x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.DeleteAccessLogSettings(ctx, &apigw.DeleteAccessLogSettingsInput{ApiId: aws.String(apiID), StageName: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	got, _ = tb.client.GetStage(ctx, &apigw.GetStageInput{ApiId: aws.String(apiID), StageName: aws.String("$default")})
	if got.AccessLogSettings != nil || len(got.RouteSettings) != 0 {
		t.Errorf("after deletes: %+v", got)
	}

	// Stage tags by ARN.
	arn := "arn:aws:apigateway:us-east-1::/apis/" + apiID + "/stages/$default"
	if _, err := tb.client.TagResource(ctx, &apigw.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"b": "2"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := tb.client.GetTags(ctx, &apigw.GetTagsInput{ResourceArn: aws.String(arn)})
	if err != nil || !reflect.DeepEqual(tags.Tags, map[string]string{"stage": "default", "b": "2"}) {
		t.Errorf("stage tags = %v, %v", tags, err)
	}

	// Deployments.
	tb.route(t, apiID, "GET /orders", tb.lambdaIntegration(t, apiID, "2.0"))
	dep, err := tb.client.CreateDeployment(ctx, &apigw.CreateDeploymentInput{ApiId: aws.String(apiID), StageName: aws.String("prod"), Description: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	if dep.DeploymentStatus != types.DeploymentStatusDeployed || aws.ToBool(dep.AutoDeployed) {
		t.Errorf("CreateDeployment = %+v", dep)
	}
	got, _ = tb.client.GetStage(ctx, &apigw.GetStageInput{ApiId: aws.String(apiID), StageName: aws.String("prod")})
	if aws.ToString(got.DeploymentId) != aws.ToString(dep.DeploymentId) {
		t.Errorf("prod DeploymentId = %q, want %q", aws.ToString(got.DeploymentId), aws.ToString(dep.DeploymentId))
	}
	gd, err := tb.client.GetDeployment(ctx, &apigw.GetDeploymentInput{ApiId: aws.String(apiID), DeploymentId: dep.DeploymentId})
	if err != nil || aws.ToString(gd.Description) != "first" {
		t.Errorf("GetDeployment = %+v, %v", gd, err)
	}
	if _, err := tb.client.UpdateDeployment(ctx, &apigw.UpdateDeploymentInput{ApiId: aws.String(apiID), DeploymentId: dep.DeploymentId, Description: aws.String("second")}); err != nil {
		t.Fatal(err)
	}
	deps, err := tb.client.GetDeployments(ctx, &apigw.GetDeploymentsInput{ApiId: aws.String(apiID)})
	if err != nil || len(deps.Items) != 2 || aws.ToString(deps.Items[1].Description) != "second" || !aws.ToBool(deps.Items[0].AutoDeployed) {
		t.Errorf("GetDeployments = %+v, %v", deps, err)
	}
	_, err = tb.client.DeleteDeployment(ctx, &apigw.DeleteDeploymentInput{ApiId: aws.String(apiID), DeploymentId: dep.DeploymentId})
	wantAPIError(t, err, "BadRequestException", http.StatusBadRequest, "Active stages pointing to this deployment")

	stages, err := tb.client.GetStages(ctx, &apigw.GetStagesInput{ApiId: aws.String(apiID)})
	if err != nil || len(stages.Items) != 2 {
		t.Fatalf("GetStages = %+v, %v", stages, err)
	}
	if _, err := tb.client.DeleteStage(ctx, &apigw.DeleteStageInput{ApiId: aws.String(apiID), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.DeleteDeployment(ctx, &apigw.DeleteDeploymentInput{ApiId: aws.String(apiID), DeploymentId: dep.DeploymentId}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetStage(ctx, &apigw.GetStageInput{ApiId: aws.String(apiID), StageName: aws.String("prod")})
	wantAPIError(t, err, "NotFoundException", http.StatusNotFound, "Invalid stage identifier specified")
}

func TestAuthorizers(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	au, err := tb.client.CreateAuthorizer(ctx, &apigw.CreateAuthorizerInput{ApiId: aws.String(apiID), Name: aws.String("cognito"),
		AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example.com"), Audience: []string{"app"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tb.client.GetAuthorizer(ctx, &apigw.GetAuthorizerInput{ApiId: aws.String(apiID), AuthorizerId: au.AuthorizerId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.JwtConfiguration.Issuer) != "https://issuer.example.com" || !reflect.DeepEqual(got.JwtConfiguration.Audience, []string{"app"}) ||
		!reflect.DeepEqual(got.IdentitySource, []string{"$request.header.Authorization"}) || got.AuthorizerType != types.AuthorizerTypeJwt {
		t.Errorf("GetAuthorizer = %+v", got)
	}
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	route, err := tb.client.CreateRoute(ctx, &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String("GET /me"),
		Target: aws.String("integrations/" + integ), AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: au.AuthorizerId,
		AuthorizationScopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	if route.AuthorizationType != types.AuthorizationTypeJwt || aws.ToString(route.AuthorizerId) != aws.ToString(au.AuthorizerId) {
		t.Errorf("route = %+v", route)
	}
	if _, err := tb.client.UpdateAuthorizer(ctx, &apigw.UpdateAuthorizerInput{ApiId: aws.String(apiID), AuthorizerId: au.AuthorizerId,
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example.com"), Audience: []string{"app", "cli"}}}); err != nil {
		t.Fatal(err)
	}
	list, err := tb.client.GetAuthorizers(ctx, &apigw.GetAuthorizersInput{ApiId: aws.String(apiID)})
	if err != nil || len(list.Items) != 1 || len(list.Items[0].JwtConfiguration.Audience) != 2 {
		t.Errorf("GetAuthorizers = %+v, %v", list, err)
	}
	_, err = tb.client.DeleteAuthorizer(ctx, &apigw.DeleteAuthorizerInput{ApiId: aws.String(apiID), AuthorizerId: au.AuthorizerId})
	wantAPIError(t, err, "ConflictException", http.StatusConflict, "used by route")
	if _, err := tb.client.DeleteRoute(ctx, &apigw.DeleteRouteInput{ApiId: aws.String(apiID), RouteId: route.RouteId}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.DeleteAuthorizer(ctx, &apigw.DeleteAuthorizerInput{ApiId: aws.String(apiID), AuthorizerId: au.AuthorizerId}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetAuthorizer(ctx, &apigw.GetAuthorizerInput{ApiId: aws.String(apiID), AuthorizerId: au.AuthorizerId})
	wantAPIError(t, err, "NotFoundException", http.StatusNotFound, "Invalid Authorizer identifier specified")
}

func TestQuickCreate(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t, func(in *apigw.CreateApiInput) { in.Target = aws.String(fnARN) })
	routes, err := tb.client.GetRoutes(ctx, &apigw.GetRoutesInput{ApiId: aws.String(apiID)})
	if err != nil || len(routes.Items) != 1 || aws.ToString(routes.Items[0].RouteKey) != "$default" || !aws.ToBool(routes.Items[0].ApiGatewayManaged) {
		t.Fatalf("routes = %+v, %v", routes, err)
	}
	st, err := tb.client.GetStage(ctx, &apigw.GetStageInput{ApiId: aws.String(apiID), StageName: aws.String("$default")})
	if err != nil || !aws.ToBool(st.AutoDeploy) {
		t.Fatalf("stage = %+v, %v", st, err)
	}
	tb.lambda.returns(`{"hello":"world"}`)
	resp, body := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/anything", "")
	if resp.StatusCode != 200 || body != `{"hello":"world"}` {
		t.Errorf("invoke = %d %s", resp.StatusCode, body)
	}
}

// TestBadInput checks AWS's errors for bad requests, and that nothing
// changed.
func TestBadInput(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t)
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"websocket", func() error {
			_, err := tb.client.CreateApi(ctx, &apigw.CreateApiInput{Name: aws.String("ws"), ProtocolType: types.ProtocolTypeWebsocket})
			return err
		}, "BadRequestException", 400, "Stepflow supports HTTP APIs"},
		{"no name", func() error {
			_, err := tb.client.CreateApi(ctx, &apigw.CreateApiInput{Name: aws.String(""), ProtocolType: types.ProtocolTypeHttp})
			return err
		}, "BadRequestException", 400, "Invalid API name"},
		{"bad protocol", func() error {
			_, err := tb.client.CreateApi(ctx, &apigw.CreateApiInput{Name: aws.String("x"), ProtocolType: "REST"})
			return err
		}, "BadRequestException", 400, "enum value set"},
		{"bad route selection", func() error {
			_, err := tb.client.CreateApi(ctx, &apigw.CreateApiInput{Name: aws.String("x"), ProtocolType: types.ProtocolTypeHttp, RouteSelectionExpression: aws.String("$request.body.action")})
			return err
		}, "BadRequestException", 400, "route selection expression"},
		{"credentials with any origin", func() error {
			_, err := tb.client.CreateApi(ctx, &apigw.CreateApiInput{Name: aws.String("x"), ProtocolType: types.ProtocolTypeHttp,
				CorsConfiguration: &types.Cors{AllowOrigins: []string{"*"}, AllowCredentials: aws.Bool(true)}})
			return err
		}, "BadRequestException", 400, "AllowCredentials"},
		{"unknown api", func() error {
			_, err := tb.client.GetRoutes(ctx, &apigw.GetRoutesInput{ApiId: aws.String("nope123456")})
			return err
		}, "NotFoundException", 404, "Invalid API identifier specified 111111111111:nope123456"},
		{"bad route key", func() error {
			_, err := tb.client.CreateRoute(ctx, &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String("FETCH /x")})
			return err
		}, "BadRequestException", 400, "unknown method"},
		{"greedy not last", func() error {
			_, err := tb.client.CreateRoute(ctx, &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String("GET /{p+}/x")})
			return err
		}, "BadRequestException", 400, "last segment"},
		{"unknown target", func() error {
			_, err := tb.client.CreateRoute(ctx, &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String("GET /x"), Target: aws.String("integrations/zzzzzzzzzz")})
			return err
		}, "BadRequestException", 400, "does not exist"},
		{"jwt without authorizer", func() error {
			_, err := tb.client.CreateRoute(ctx, &apigw.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String("GET /x"), AuthorizationType: types.AuthorizationTypeJwt})
			return err
		}, "BadRequestException", 400, "requires an AuthorizerId"},
		{"mock integration", func() error {
			_, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID), IntegrationType: types.IntegrationTypeMock})
			return err
		}, "BadRequestException", 400, "not supported for HTTP APIs"},
		{"lambda uri", func() error {
			_, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID), IntegrationType: types.IntegrationTypeAwsProxy, IntegrationUri: aws.String("orders")})
			return err
		}, "BadRequestException", 400, "Invalid integration URI"},
		{"missing state machine", func() error {
			_, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID), IntegrationType: types.IntegrationTypeAwsProxy,
				IntegrationSubtype: aws.String("StepFunctions-StartExecution"), PayloadFormatVersion: aws.String("1.0"), RequestParameters: map[string]string{"Input": "$request.body"}})
			return err
		}, "BadRequestException", 400, "StateMachineArn is required"},
		{"bad mapping", func() error {
			_, err := tb.client.CreateIntegration(ctx, &apigw.CreateIntegrationInput{ApiId: aws.String(apiID), IntegrationType: types.IntegrationTypeAwsProxy,
				IntegrationSubtype: aws.String("StepFunctions-StartExecution"), PayloadFormatVersion: aws.String("1.0"),
				RequestParameters: map[string]string{"StateMachineArn": smARN, "Input": "$request.body..x"}})
			return err
		}, "BadRequestException", 400, "recursive descent"},
		{"timeout range", func() error {
			_, err := tb.client.UpdateIntegration(ctx, &apigw.UpdateIntegrationInput{ApiId: aws.String(apiID), IntegrationId: aws.String(integ), TimeoutInMillis: aws.Int32(40000)})
			return err
		}, "BadRequestException", 400, "less than or equal to 30000"},
		{"bad stage name", func() error {
			_, err := tb.client.CreateStage(ctx, &apigw.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String("a b")})
			return err
		}, "BadRequestException", 400, "Invalid stage name"},
		{"bad max results", func() error {
			_, err := tb.client.GetApis(ctx, &apigw.GetApisInput{MaxResults: aws.String("x")})
			return err
		}, "BadRequestException", 400, "MaxResults"},
		{"bad tag arn", func() error {
			_, err := tb.client.GetTags(ctx, &apigw.GetTagsInput{ResourceArn: aws.String("arn:aws:sqs:us-east-1:1:q")})
			return err
		}, "BadRequestException", 400, "Invalid resource ARN"},
		{"unknown tag arn", func() error {
			_, err := tb.client.GetTags(ctx, &apigw.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apis/zzzzzzzzzz")})
			return err
		}, "NotFoundException", 404, "Invalid resource identifier"},
		{"unsupported model operation", func() error {
			_, err := tb.client.ExportApi(ctx, &apigw.ExportApiInput{ApiId: aws.String(apiID), Specification: aws.String("OAS30"), OutputType: aws.String("JSON")})
			return err
		}, "BadRequestException", 400, "does not support ExportApi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.status, tt.msg)
		})
	}
	apis, err := tb.client.GetApis(ctx, &apigw.GetApisInput{})
	if err != nil || len(apis.Items) != 1 {
		t.Errorf("APIs after bad input = %+v, %v", apis, err)
	}
	routes, _ := tb.client.GetRoutes(ctx, &apigw.GetRoutesInput{ApiId: aws.String(apiID)})
	integs, _ := tb.client.GetIntegrations(ctx, &apigw.GetIntegrationsInput{ApiId: aws.String(apiID)})
	if len(routes.Items) != 0 || len(integs.Items) != 1 || aws.ToInt32(integs.Items[0].TimeoutInMillis) != 30000 {
		t.Errorf("resources changed: %d routes, %+v", len(routes.Items), integs.Items)
	}
}

func TestDurability(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	apiID := tb.api(t, func(in *apigw.CreateApiInput) {
		in.Tags = map[string]string{"a": "1"}
		in.CorsConfiguration = &types.Cors{AllowOrigins: []string{"https://x.example"}}
	})
	integ := tb.lambdaIntegration(t, apiID, "2.0")
	routeID := tb.route(t, apiID, "GET /orders/{id}", integ)
	tb.stage(t, apiID, "$default", map[string]string{"v": "1"})
	au, err := tb.client.CreateAuthorizer(ctx, &apigw.CreateAuthorizerInput{ApiId: aws.String(apiID), Name: aws.String("jwt"),
		AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer")}})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, tb, apiID)
	tb.reopen(t)
	after := snapshot(t, tb, apiID)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("after reopen:\n%s\nwant\n%s", after, before)
	}
	if _, err := tb.client.GetAuthorizer(ctx, &apigw.GetAuthorizerInput{ApiId: aws.String(apiID), AuthorizerId: au.AuthorizerId}); err != nil {
		t.Error(err)
	}
	// The data plane serves the reopened API.
	resp, _ := tb.do(t, "GET", tb.url+"/_apis/"+apiID+"/orders/42", "")
	if resp.StatusCode != 200 {
		t.Errorf("invoke after reopen = %d", resp.StatusCode)
	}
	if _, err := tb.client.GetRoute(ctx, &apigw.GetRouteInput{ApiId: aws.String(apiID), RouteId: aws.String(routeID)}); err != nil {
		t.Error(err)
	}
	// Deletes survive too.
	if _, err := tb.client.DeleteApi(ctx, &apigw.DeleteApiInput{ApiId: aws.String(apiID)}); err != nil {
		t.Fatal(err)
	}
	tb.reopen(t)
	_, err = tb.client.GetApi(ctx, &apigw.GetApiInput{ApiId: aws.String(apiID)})
	wantAPIError(t, err, "NotFoundException", 404, "Invalid API identifier")
}

// snapshot renders everything the control plane returns for an API.
func snapshot(t *testing.T, tb *testBundle, apiID string) string {
	t.Helper()
	var out []any
	api, err := tb.client.GetApi(ctx, &apigw.GetApiInput{ApiId: aws.String(apiID)})
	if err != nil {
		t.Fatal(err)
	}
	integs, _ := tb.client.GetIntegrations(ctx, &apigw.GetIntegrationsInput{ApiId: aws.String(apiID)})
	routes, _ := tb.client.GetRoutes(ctx, &apigw.GetRoutesInput{ApiId: aws.String(apiID)})
	stages, _ := tb.client.GetStages(ctx, &apigw.GetStagesInput{ApiId: aws.String(apiID)})
	deps, _ := tb.client.GetDeployments(ctx, &apigw.GetDeploymentsInput{ApiId: aws.String(apiID)})
	auths, _ := tb.client.GetAuthorizers(ctx, &apigw.GetAuthorizersInput{ApiId: aws.String(apiID)})
	out = append(out, *api.Name, api.Tags, api.CorsConfiguration.AllowOrigins,
		integs.Items, routes.Items, stages.Items, deps.Items, auths.Items)
	return fmtJSON(out)
}
