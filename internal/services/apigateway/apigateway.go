// Package apigateway is Amazon API Gateway v2 for HTTP APIs, as Stepflow
// needs it: the control plane that aws_apigatewayv2_api, _integration,
// _route, _stage, _authorizer and _deployment (Terraform) or the SDKs drive
// (restJson1 under /v2/apis and /v2/tags, signed as "apigateway"), and a
// local data plane that serves the APIs' routes on the one Stepflow port.
//
// Control plane: every resource is kept in memory and written through to
// the shared SQLite database (tables apigateway_*), so reads echo exactly
// what was written and everything survives a restart. Ids are ten
// lowercase alphanumerics like AWS's; errors are AWS's restJson1 errors
// (X-Amzn-ErrorType header, {"message": ...} body). WEBSOCKET APIs are
// refused with a BadRequestException.
//
// Data plane (NewDataPlane): an API is invoked at
//
//	{BaseURL}/_apis/{apiId}/{stage}/{path}   a named stage
//	{BaseURL}/_apis/{apiId}/{path}           the $default stage
//
// or, with a Host header "{apiId}.execute-api.localhost[:port]", at
// /{stage}/{path} and /{path}, as AWS serves
// https://{apiId}.execute-api.{region}.amazonaws.com. GetApi's ApiEndpoint
// is {BaseURL}/_apis/{apiId}. Routes are matched as AWS documents for HTTP
// APIs (most specific route first, greedy {proxy+}, ANY, $default); the
// integrations are AWS_PROXY to Lambda (payload formats 1.0 and 2.0,
// through Config.Invoke), the Step Functions integration subtypes
// (StartExecution, StartSyncExecution, StopExecution, through
// Config.StepFunctions, with AWS's parameter mapping expressions) and
// HTTP_PROXY. CORS preflights are answered from the API's
// CorsConfiguration.
//
// Routes' authorization is enforced as AWS documents it for HTTP APIs
// (authorize.go, jwt.go), before the integration runs:
//
//   - CUSTOM: the route's Lambda REQUEST authorizer is invoked through
//     Config.Invoke with the payload format 1.0 or 2.0 authorizer event. A
//     missing or empty identity source is 401 {"message":"Unauthorized"}
//     without invoking it; a simple response ({"isAuthorized", "context"},
//     EnableSimpleResponses) or an IAM policy evaluated on the route ARN
//     arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}
//     decides (403 {"message":"Forbidden"} on deny); a failing or malformed
//     authorizer is 500. Results are cached for AuthorizerResultTtlInSeconds
//     by identity source values. The context reaches the integration in
//     requestContext.authorizer.lambda (2.0) or requestContext.authorizer
//     (1.0) and $context.authorizer.<key>.
//   - JWT: the token from the identity source ($request.header.Authorization
//     by default, "Bearer " optional) is verified with the issuer's keys
//     (RS256/384/512, PS256/384/512, ES256/384/512; discovery and JWKS are
//     fetched over HTTP and cached for two hours, refreshed on an unknown
//     kid), then iss, aud or client_id, exp, nbf and iat: a failure is 401
//     with AWS's www-authenticate header; a token with none of the route's
//     AuthorizationScopes (scope or scp) is 403. Claims (as strings) and
//     scopes reach the integration in requestContext.authorizer.jwt.
//   - AWS_IAM: the request must be SigV4-signed for execute-api in Region
//     (403 otherwise); Config.VerifyIAM verifies the signature and names the
//     caller, who reaches the integration in requestContext.authorizer.iam
//     (2.0) or requestContext.identity (1.0). IAM policies are not
//     evaluated: any verified caller may invoke the route.
package apigateway

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// modelName is the generated model of the service.
const modelName = "apigatewayv2"

// SigningName is the SigV4 service name of the control plane.
const SigningName = "apigateway"

// PathPrefixes are the control plane's path prefixes; register each with
// awsproto.Router.HandlePath.
var PathPrefixes = []string{"/v2/apis", "/v2/tags"}

// DataPlanePrefix is the path prefix of the data plane on the Stepflow
// port: {BaseURL}/_apis/{apiId}/...; register NewDataPlane with
// awsproto.Router.HandlePath(DataPlanePrefix, ...), and send requests
// whose Host satisfies IsExecuteAPIHost to it before any other routing.
const DataPlanePrefix = "/_apis"

// InvokeFunc invokes a Lambda function synchronously: functionArn is the
// function's ARN (possibly qualified), payload the event. status is
// Lambda's Invoke status (200), functionError its X-Amz-Function-Error
// ("Unhandled" when the function failed) and out the function's response.
// err is a failure to invoke at all (no such function, throttled, ...).
type InvokeFunc func(ctx context.Context, functionArn string, payload []byte) (status int, functionError string, out []byte, err error)

// StepFunctionsFunc runs one Step Functions action ("StartExecution",
// "StartSyncExecution" or "StopExecution") whose input is the awsJson body
// of the action (stateMachineArn, input, name, ...), and returns its
// awsJson response body, or the error (an *awsproto.Error carrying Step
// Functions' error code, for AWS's status).
type StepFunctionsFunc func(ctx context.Context, action string, input []byte) ([]byte, error)

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the APIs and their resources. Required.
	DB *sqlite.DB
	// Account and Region appear in ARNs, error messages and Lambda events.
	// [111111111111, us-east-1]
	Account, Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock. [time.Now]
	Now func() time.Time
	// BaseURL is the URL clients reach the Stepflow port at; ApiEndpoint is
	// BaseURL + "/_apis/" + apiId. [http://127.0.0.1:8083]
	BaseURL string
	// Invoke runs AWS_PROXY Lambda integrations. [every invocation fails:
	// 500 Internal Server Error]
	Invoke InvokeFunc
	// StepFunctions runs the StepFunctions-* integration subtypes. [every
	// call fails: 500 Internal Server Error]
	StepFunctions StepFunctionsFunc
	// HTTPClient sends HTTP_PROXY integrations. [a client without timeout;
	// each request is bounded by the integration's TimeoutInMillis]
	HTTPClient *http.Client
	// RecentRequests is how many requests per API RecentRequests keeps.
	// [100]
	RecentRequests int
	// VerifyIAM verifies the SigV4 signature of a request to an AWS_IAM
	// route and says who signed it. The data plane has already checked
	// that the request is signed and scoped to execute-api in Region; an
	// *awsproto.Error is answered 403 with its message, any other error
	// 500. [the signature is not verified: any key is accepted as the
	// account's root]
	VerifyIAM VerifyIAMFunc
	// OIDCClient fetches JWT authorizers' OpenID discovery documents and
	// key sets. [a client with a 5 s timeout]
	OIDCClient *http.Client
}

// VerifyIAMFunc verifies the SigV4 signature of a data plane request
// (body is its body, for the payload hash) and returns the signer.
type VerifyIAMFunc func(r *http.Request, body []byte) (*CallerIdentity, error)

// CallerIdentity is who signed a request to an AWS_IAM route, as the
// integration sees it (requestContext.authorizer.iam in payload format
// 2.0, requestContext.identity in 1.0).
type CallerIdentity struct {
	// AccessKey is the access key id the request was signed with.
	AccessKey string
	// AccountID is the signer's account.
	AccountID string
	// CallerID is the signer's unique id (an assumed role's
	// "AROA...:session"); UserID the same for users.
	CallerID string
	UserID   string
	// UserARN is the signer's ARN (user, root or assumed role).
	UserARN string
	// PrincipalOrgID is the signer's organization id, if any.
	PrincipalOrgID string
}

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("apigateway config: DB is required")
	}
	if c.Account == "" {
		c.Account = "111111111111"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8083"
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.Invoke == nil {
		c.Invoke = func(context.Context, string, []byte) (int, string, []byte, error) {
			return 0, "", nil, errors.New("no Lambda service is configured")
		}
	}
	if c.StepFunctions == nil {
		c.StepFunctions = func(context.Context, string, []byte) ([]byte, error) {
			return nil, errors.New("no Step Functions service is configured")
		}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.RecentRequests <= 0 {
		c.RecentRequests = 100
	}
	if c.VerifyIAM == nil {
		account := c.Account
		c.VerifyIAM = func(r *http.Request, _ []byte) (*CallerIdentity, error) {
			cred, err := awsproto.ParseCredentialScope(r)
			if err != nil {
				return nil, err
			}
			return &CallerIdentity{AccessKey: cred.AccessKey, AccountID: account, CallerID: account, UserID: account,
				UserARN: "arn:aws:iam::" + account + ":root"}, nil
		}
	}
	if c.OIDCClient == nil {
		c.OIDCClient = &http.Client{Timeout: oidcTimeout}
	}
	return nil
}

// Service serves API Gateway v2. It is safe for concurrent use.
type Service struct {
	cfg  Config
	comp *sqlite.Component
	log  *slog.Logger

	// mu guards apis; writers hold it across their (short) database
	// transaction so that memory and database change together.
	mu   sync.RWMutex
	apis map[string]*apiState

	recentMu sync.Mutex
	recent   map[string]*ring

	// issuers caches JWT issuers' signing keys by issuer URL.
	issuersMu sync.Mutex
	issuers   map[string]*issuerKeys

	closeOnce sync.Once
}

// New opens the service's tables in cfg.DB and loads every API.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "apigateway", migrations)
	if err != nil {
		return nil, fmt.Errorf("new apigateway service: %w", err)
	}
	s := &Service{cfg: cfg, comp: comp, log: cfg.Logger, recent: map[string]*ring{}, issuers: map[string]*issuerKeys{}}
	if s.apis, err = load(ctx, comp); err != nil {
		return nil, fmt.Errorf("new apigateway service: %w", err)
	}
	for _, a := range s.apis {
		a.compile()
	}
	return s, nil
}

// Close releases the service. It is idempotent; the service has no
// background work.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {})
	return nil
}

// handler runs one action on its wire-form (camelCase) input.
type handler func(s *Service, ctx context.Context, in *input) (any, error)

// actions maps every supported action to its handler.
var actions = map[string]handler{
	"CreateApi":                   (*Service).createAPI,
	"GetApi":                      (*Service).getAPI,
	"GetApis":                     (*Service).getAPIs,
	"UpdateApi":                   (*Service).updateAPI,
	"DeleteApi":                   (*Service).deleteAPI,
	"DeleteCorsConfiguration":     (*Service).deleteCORS,
	"CreateIntegration":           (*Service).createIntegration,
	"GetIntegration":              integrationKind.get,
	"GetIntegrations":             integrationKind.list,
	"UpdateIntegration":           (*Service).updateIntegration,
	"DeleteIntegration":           integrationKind.remove,
	"CreateRoute":                 (*Service).createRoute,
	"GetRoute":                    routeKind.get,
	"GetRoutes":                   routeKind.list,
	"UpdateRoute":                 (*Service).updateRoute,
	"DeleteRoute":                 routeKind.remove,
	"DeleteRouteRequestParameter": (*Service).deleteRouteRequestParameter,
	"CreateStage":                 (*Service).createStage,
	"GetStage":                    stageKind.get,
	"GetStages":                   stageKind.list,
	"UpdateStage":                 (*Service).updateStage,
	"DeleteStage":                 stageKind.remove,
	"DeleteRouteSettings":         (*Service).deleteRouteSettings,
	"DeleteAccessLogSettings":     (*Service).deleteAccessLogSettings,
	"CreateDeployment":            (*Service).createDeployment,
	"GetDeployment":               deploymentKind.get,
	"GetDeployments":              deploymentKind.list,
	"UpdateDeployment":            (*Service).updateDeployment,
	"DeleteDeployment":            deploymentKind.remove,
	"CreateAuthorizer":            (*Service).createAuthorizer,
	"GetAuthorizer":               authorizerKind.get,
	"GetAuthorizers":              authorizerKind.list,
	"UpdateAuthorizer":            (*Service).updateAuthorizer,
	"DeleteAuthorizer":            authorizerKind.remove,
	"TagResource":                 (*Service).tagResource,
	"UntagResource":               (*Service).untagResource,
	"GetTags":                     (*Service).getTags,
}

// Actions lists the actions the service serves, sorted.
func Actions() []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Call runs one action in process (for Step Functions' aws-sdk:apigatewayv2
// integrations and other services). input is the JSON form of the model's
// input shape with the model's member names (ApiId, Name, ProtocolType,
// ...); the result is the output shape with the model's member names, or an
// *awsproto.Error with AWS's code and message.
func (s *Service) Call(ctx context.Context, action string, in []byte) ([]byte, error) {
	if _, ok := actions[action]; !ok {
		if _, known := opByName(action); known {
			return nil, unsupported(action)
		}
		return nil, awsproto.UnknownOperation()
	}
	wire, err := toWire(action, in)
	if err != nil {
		return nil, err
	}
	out, err := s.handle(ctx, action, wire)
	if err != nil {
		return nil, err
	}
	b, err := awsproto.MarshalResult(out)
	if err != nil {
		return nil, err
	}
	return toModelNames(b)
}

// handle validates a wire-form body against the model and runs the action.
func (s *Service) handle(ctx context.Context, action string, body []byte) (any, error) {
	h, ok := actions[action]
	if !ok {
		return nil, unsupported(action)
	}
	if err := awsproto.Validate(modelName, action, body); err != nil {
		return nil, asBadRequest(err)
	}
	in, err := parseInput(body)
	if err != nil {
		return nil, err
	}
	return h(s, ctx, in)
}

// input is a decoded request body: the members as raw JSON, for the
// handlers to decode with presence (updates change only what is sent).
type input struct {
	raw     []byte
	members map[string]json.RawMessage
}

func parseInput(body []byte) (*input, error) {
	in := &input{raw: body, members: map[string]json.RawMessage{}}
	if err := json.Unmarshal(body, &in.members); err != nil {
		return nil, badRequest("Could not parse the request body as a JSON object.")
	}
	for k, v := range in.members {
		if string(v) == "null" {
			delete(in.members, k)
		}
	}
	return in, nil
}

// str returns a string member ("" when absent).
func (in *input) str(name string) string {
	var s string
	if v, ok := in.members[name]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// has reports whether the member was sent.
func (in *input) has(name string) bool {
	_, ok := in.members[name]
	return ok
}

// decode decodes the whole body into v (a struct with the wire names).
func (in *input) decode(v any) error {
	if err := json.Unmarshal(in.raw, v); err != nil {
		return badRequest("Could not parse the request body: " + err.Error())
	}
	return nil
}

// newID returns a ten-character lowercase alphanumeric id, as AWS's.
func newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// isoTime formats t as the restJson1 timestamps API Gateway sends.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
