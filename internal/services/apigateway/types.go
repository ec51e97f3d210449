package apigateway

import "sync/atomic"

// The resource documents below are stored as JSON in SQLite and sent as
// the Get* responses: their JSON names are the wire's (the model's
// jsonName traits). A document in memory is never modified; updates build
// a new one.

// cors is the model's Cors.
type cors struct {
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           *int     `json:"maxAge,omitempty"`
}

// apiDoc is an API (GetApiResponse).
type apiDoc struct {
	APIEndpoint               string            `json:"apiEndpoint,omitempty"`
	APIGatewayManaged         bool              `json:"apiGatewayManaged,omitempty"`
	APIID                     string            `json:"apiId"`
	APIKeySelectionExpression string            `json:"apiKeySelectionExpression,omitempty"`
	CorsConfiguration         *cors             `json:"corsConfiguration,omitempty"`
	CreatedDate               string            `json:"createdDate"`
	Description               string            `json:"description,omitempty"`
	DisableSchemaValidation   bool              `json:"disableSchemaValidation,omitempty"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
	IPAddressType             string            `json:"ipAddressType,omitempty"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression,omitempty"`
	Tags                      map[string]string `json:"tags"`
	Version                   string            `json:"version,omitempty"`
	Warnings                  []string          `json:"warnings,omitempty"`
}

// tlsConfig is the model's TlsConfig.
type tlsConfig struct {
	ServerNameToVerify string `json:"serverNameToVerify,omitempty"`
}

// integrationDoc is an integration (GetIntegrationResult).
type integrationDoc struct {
	APIGatewayManaged                      bool                         `json:"apiGatewayManaged,omitempty"`
	ConnectionID                           string                       `json:"connectionId,omitempty"`
	ConnectionType                         string                       `json:"connectionType,omitempty"`
	ContentHandlingStrategy                string                       `json:"contentHandlingStrategy,omitempty"`
	CredentialsArn                         string                       `json:"credentialsArn,omitempty"`
	Description                            string                       `json:"description,omitempty"`
	IntegrationID                          string                       `json:"integrationId"`
	IntegrationMethod                      string                       `json:"integrationMethod,omitempty"`
	IntegrationResponseSelectionExpression string                       `json:"integrationResponseSelectionExpression,omitempty"`
	IntegrationSubtype                     string                       `json:"integrationSubtype,omitempty"`
	IntegrationType                        string                       `json:"integrationType"`
	IntegrationURI                         string                       `json:"integrationUri,omitempty"`
	PassthroughBehavior                    string                       `json:"passthroughBehavior,omitempty"`
	PayloadFormatVersion                   string                       `json:"payloadFormatVersion,omitempty"`
	RequestParameters                      map[string]string            `json:"requestParameters,omitempty"`
	RequestTemplates                       map[string]string            `json:"requestTemplates,omitempty"`
	ResponseParameters                     map[string]map[string]string `json:"responseParameters,omitempty"`
	TemplateSelectionExpression            string                       `json:"templateSelectionExpression,omitempty"`
	TimeoutInMillis                        int                          `json:"timeoutInMillis,omitempty"`
	TLSConfig                              *tlsConfig                   `json:"tlsConfig,omitempty"`
}

// parameterConstraints is the model's ParameterConstraints.
type parameterConstraints struct {
	Required *bool `json:"required,omitempty"`
}

// routeDoc is a route (GetRouteResult).
type routeDoc struct {
	APIGatewayManaged                bool                            `json:"apiGatewayManaged,omitempty"`
	APIKeyRequired                   bool                            `json:"apiKeyRequired"`
	AuthorizationScopes              []string                        `json:"authorizationScopes,omitempty"`
	AuthorizationType                string                          `json:"authorizationType,omitempty"`
	AuthorizerID                     string                          `json:"authorizerId,omitempty"`
	ModelSelectionExpression         string                          `json:"modelSelectionExpression,omitempty"`
	OperationName                    string                          `json:"operationName,omitempty"`
	RequestModels                    map[string]string               `json:"requestModels,omitempty"`
	RequestParameters                map[string]parameterConstraints `json:"requestParameters,omitempty"`
	RouteID                          string                          `json:"routeId"`
	RouteKey                         string                          `json:"routeKey"`
	RouteResponseSelectionExpression string                          `json:"routeResponseSelectionExpression,omitempty"`
	Target                           string                          `json:"target,omitempty"`
}

// accessLogSettings is the model's AccessLogSettings.
type accessLogSettings struct {
	DestinationArn string `json:"destinationArn,omitempty"`
	Format         string `json:"format,omitempty"`
}

// routeSettings is the model's RouteSettings.
type routeSettings struct {
	DataTraceEnabled       *bool    `json:"dataTraceEnabled,omitempty"`
	DetailedMetricsEnabled *bool    `json:"detailedMetricsEnabled,omitempty"`
	LoggingLevel           string   `json:"loggingLevel,omitempty"`
	ThrottlingBurstLimit   *int     `json:"throttlingBurstLimit,omitempty"`
	ThrottlingRateLimit    *float64 `json:"throttlingRateLimit,omitempty"`
}

// stageDoc is a stage (GetStageResponse).
type stageDoc struct {
	AccessLogSettings           *accessLogSettings       `json:"accessLogSettings,omitempty"`
	APIGatewayManaged           bool                     `json:"apiGatewayManaged,omitempty"`
	AutoDeploy                  bool                     `json:"autoDeploy"`
	ClientCertificateID         string                   `json:"clientCertificateId,omitempty"`
	CreatedDate                 string                   `json:"createdDate"`
	DefaultRouteSettings        *routeSettings           `json:"defaultRouteSettings,omitempty"`
	DeploymentID                string                   `json:"deploymentId,omitempty"`
	Description                 string                   `json:"description,omitempty"`
	LastDeploymentStatusMessage string                   `json:"lastDeploymentStatusMessage,omitempty"`
	LastUpdatedDate             string                   `json:"lastUpdatedDate"`
	RouteSettings               map[string]routeSettings `json:"routeSettings"`
	StageName                   string                   `json:"stageName"`
	StageVariables              map[string]string        `json:"stageVariables"`
	Tags                        map[string]string        `json:"tags"`
}

// jwtConfiguration is the model's JWTConfiguration.
type jwtConfiguration struct {
	Audience []string `json:"audience,omitempty"`
	Issuer   string   `json:"issuer,omitempty"`
}

// authorizerDoc is an authorizer (GetAuthorizerResponse).
type authorizerDoc struct {
	AuthorizerCredentialsArn       string            `json:"authorizerCredentialsArn,omitempty"`
	AuthorizerID                   string            `json:"authorizerId"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds,omitempty"`
	AuthorizerType                 string            `json:"authorizerType"`
	AuthorizerURI                  string            `json:"authorizerUri,omitempty"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses,omitempty"`
	IdentitySource                 []string          `json:"identitySource,omitempty"`
	IdentityValidationExpression   string            `json:"identityValidationExpression,omitempty"`
	JWTConfiguration               *jwtConfiguration `json:"jwtConfiguration,omitempty"`
	Name                           string            `json:"name"`
}

// deploymentDoc is a deployment (GetDeploymentResponse).
type deploymentDoc struct {
	AutoDeployed            bool   `json:"autoDeployed"`
	CreatedDate             string `json:"createdDate"`
	DeploymentID            string `json:"deploymentId"`
	DeploymentStatus        string `json:"deploymentStatus"`
	DeploymentStatusMessage string `json:"deploymentStatusMessage,omitempty"`
	Description             string `json:"description,omitempty"`
}

// Resource kinds, as stored.
const (
	kindAPI         = "api"
	kindIntegration = "integration"
	kindRoute       = "route"
	kindStage       = "stage"
	kindAuthorizer  = "authorizer"
	kindDeployment  = "deployment"
)

// entry is a stored child resource with its insertion order.
type entry[T any] struct {
	seq int64
	doc *T
}

// apiState is one API with all its resources. Its maps are modified only
// under Service.mu; compiled is the data plane's immutable view, swapped
// after every change.
type apiState struct {
	seq          int64
	api          *apiDoc
	integrations map[string]entry[integrationDoc]
	routes       map[string]entry[routeDoc]
	stages       map[string]entry[stageDoc]
	authorizers  map[string]entry[authorizerDoc]
	deployments  map[string]entry[deploymentDoc]

	compiled atomic.Pointer[compiledAPI]
}

func newAPIState(seq int64, doc *apiDoc) *apiState {
	return &apiState{
		seq: seq, api: doc,
		integrations: map[string]entry[integrationDoc]{},
		routes:       map[string]entry[routeDoc]{},
		stages:       map[string]entry[stageDoc]{},
		authorizers:  map[string]entry[authorizerDoc]{},
		deployments:  map[string]entry[deploymentDoc]{},
	}
}
