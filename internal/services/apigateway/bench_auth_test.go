package apigateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stepflow/stepflow/internal/services/apigateway"
)

// BenchmarkDataPlaneJWT is a Lambda route behind a JWT authorizer (RS256,
// keys cached): the signature check dominates.
func BenchmarkDataPlaneJWT(b *testing.B) {
	k := newRSAKey(b, "k", "RS256")
	iss := newIssuer(b, k)
	tb := setup(b, quietLambda(""))
	apiID := tb.api(b)
	auth := tb.jwtAuthorizer(b, apiID, iss.url, "app")
	tb.authRoute(b, apiID, "GET /orders/{id}", tb.lambdaIntegration(b, apiID, "2.0"), types.AuthorizationTypeJwt, auth)
	tb.stage(b, apiID, "$default", nil)
	tok := "Bearer " + k.sign(b, "RS256", "k", claims(iss.url, nil))
	h := apigateway.NewDataPlane(tb.svc)
	benchRequest(b, h, func() *http.Request {
		r := httptest.NewRequest("GET", "/_apis/"+apiID+"/orders/42", nil)
		r.Header.Set("Authorization", tok)
		return r
	})
}

// BenchmarkDataPlaneLambdaAuthorizerCached is a Lambda route behind a
// Lambda authorizer whose result is cached.
func BenchmarkDataPlaneLambdaAuthorizerCached(b *testing.B) {
	tb := setup(b, quietLambda(`{"isAuthorized":true,"context":{"user":"ann"}}`))
	apiID := tb.api(b)
	auth := tb.lambdaAuthorizer(b, apiID, "2.0", true, 300, "$request.header.Authorization")
	tb.authRoute(b, apiID, "GET /orders/{id}", tb.lambdaIntegration(b, apiID, "2.0"), types.AuthorizationTypeCustom, auth)
	tb.stage(b, apiID, "$default", nil)
	h := apigateway.NewDataPlane(tb.svc)
	benchRequest(b, h, func() *http.Request {
		r := httptest.NewRequest("GET", "/_apis/"+apiID+"/orders/42", nil)
		r.Header.Set("Authorization", "token-1")
		return r
	})
}

// quietLambda answers invocations without recording them: the authorizer
// with authReply, the integration with a 200.
func quietLambda(authReply string) func(*apigateway.Config) {
	return func(c *apigateway.Config) {
		c.Invoke = func(_ context.Context, fn string, _ []byte) (int, string, []byte, error) {
			if fn == authFnARN {
				return 200, "", []byte(authReply), nil
			}
			return 200, "", []byte(`{"statusCode":200,"body":"ok"}`), nil
		}
	}
}
