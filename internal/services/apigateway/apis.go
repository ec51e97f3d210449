package apigateway

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Defaults AWS returns for HTTP APIs.
const (
	defaultAPIKeySelection   = "$request.header.x-api-key"
	defaultRouteSelection    = "$request.method $request.path"
	defaultIPAddressType     = "ipv4"
	protocolHTTP             = "HTTP"
	protocolWebSocket        = "WEBSOCKET"
	defaultTimeoutMillis     = 30000
	connectionTypeInternet   = "INTERNET"
	authorizationTypeNone    = "NONE"
	defaultStageName         = "$default"
	defaultRouteKey          = "$default"
	deploymentStatusDeployed = "DEPLOYED"
)

var apiKeySelectionExpressions = []string{"$request.header.x-api-key", "$context.authorizer.usageIdentifierKey"}

// apiInput is the body of CreateApi and UpdateApi.
type apiInput struct {
	APIKeySelectionExpression *string           `json:"apiKeySelectionExpression"`
	CorsConfiguration         *cors             `json:"corsConfiguration"`
	CredentialsArn            *string           `json:"credentialsArn"`
	Description               *string           `json:"description"`
	DisableSchemaValidation   *bool             `json:"disableSchemaValidation"`
	DisableExecuteAPIEndpoint *bool             `json:"disableExecuteApiEndpoint"`
	IPAddressType             *string           `json:"ipAddressType"`
	Name                      *string           `json:"name"`
	ProtocolType              *string           `json:"protocolType"`
	RouteKey                  *string           `json:"routeKey"`
	RouteSelectionExpression  *string           `json:"routeSelectionExpression"`
	Tags                      map[string]string `json:"tags"`
	Target                    *string           `json:"target"`
	Version                   *string           `json:"version"`
}

// endpoint is the URL clients invoke the API at.
func (s *Service) endpoint(apiID string) string {
	return s.cfg.BaseURL + DataPlanePrefix + "/" + apiID
}

// apiOut is the response form of an API.
func (s *Service) apiOut(d *apiDoc) *apiDoc {
	out := *d
	out.APIEndpoint = s.endpoint(d.APIID)
	return &out
}

// empty reports a configuration with no member set, which UpdateApi
// ignores (Terraform sends one after DeleteCorsConfiguration).
func (c *cors) empty() bool {
	return c.AllowCredentials == nil && len(c.AllowHeaders) == 0 && len(c.AllowMethods) == 0 && len(c.AllowOrigins) == 0 &&
		len(c.ExposeHeaders) == 0 && c.MaxAge == nil
}

func checkAPIName(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > 128 {
		return badRequest("Invalid API name specified: " + strconv.Quote(name) + ". A name has 1 to 128 characters.")
	}
	return nil
}

func (in *apiInput) check() error {
	if c := in.CorsConfiguration; c != nil && c.AllowCredentials != nil && *c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		return badRequest("CORS AllowCredentials cannot be true when AllowOrigins contains *: list the allowed origins instead.")
	}
	if in.APIKeySelectionExpression != nil && !slices.Contains(apiKeySelectionExpressions, *in.APIKeySelectionExpression) {
		return badRequest("Invalid API key selection expression specified: " + *in.APIKeySelectionExpression +
			". Supported values are $request.header.x-api-key and $context.authorizer.usageIdentifierKey.")
	}
	if in.RouteSelectionExpression != nil && *in.RouteSelectionExpression != defaultRouteSelection {
		return badRequest("Unsupported route selection expression for HTTP API: " + *in.RouteSelectionExpression +
			". HTTP APIs use " + defaultRouteSelection + ".")
	}
	return nil
}

func (s *Service) createAPI(ctx context.Context, in *input) (any, error) {
	var req apiInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	if req.ProtocolType != nil && *req.ProtocolType == protocolWebSocket {
		return nil, badRequest("Stepflow supports HTTP APIs only: use ProtocolType HTTP (WEBSOCKET APIs are not emulated).")
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	if err := checkAPIName(deref(req.Name)); err != nil {
		return nil, err
	}
	now := isoTime(s.cfg.Now())
	d := &apiDoc{
		APIID:                     newID(),
		APIKeySelectionExpression: defaultAPIKeySelection,
		CreatedDate:               now,
		IPAddressType:             defaultIPAddressType,
		Name:                      deref(req.Name),
		ProtocolType:              protocolHTTP,
		RouteSelectionExpression:  defaultRouteSelection,
		Tags:                      maps.Clone(req.Tags),
		Description:               deref(req.Description),
		Version:                   deref(req.Version),
		DisableSchemaValidation:   deref(req.DisableSchemaValidation),
		DisableExecuteAPIEndpoint: deref(req.DisableExecuteAPIEndpoint),
	}
	if d.Tags == nil {
		d.Tags = map[string]string{}
	}
	if req.CorsConfiguration != nil && !req.CorsConfiguration.empty() {
		d.CorsConfiguration = req.CorsConfiguration
	}
	if req.APIKeySelectionExpression != nil {
		d.APIKeySelectionExpression = *req.APIKeySelectionExpression
	}
	if req.IPAddressType != nil {
		d.IPAddressType = *req.IPAddressType
	}
	changes := []write{{apiID: d.APIID, kind: kindAPI, id: d.APIID, doc: d}}

	// Quick create: Target (a Lambda ARN or an HTTP URL) makes a managed
	// integration, route and $default stage.
	var integ *integrationDoc
	var route *routeDoc
	var stage *stageDoc
	var dep *deploymentDoc
	if req.Target != nil {
		target := *req.Target
		integ = &integrationDoc{
			APIGatewayManaged: true, ConnectionType: connectionTypeInternet, IntegrationID: newID(),
			IntegrationURI: target, TimeoutInMillis: defaultTimeoutMillis, CredentialsArn: deref(req.CredentialsArn),
		}
		switch {
		case strings.HasPrefix(target, "arn:"):
			integ.IntegrationType, integ.IntegrationMethod, integ.PayloadFormatVersion = "AWS_PROXY", "POST", "2.0"
		case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://"):
			integ.IntegrationType, integ.IntegrationMethod, integ.PayloadFormatVersion = "HTTP_PROXY", "ANY", "1.0"
		default:
			return nil, badRequest("Invalid target specified: " + target + ". Use a Lambda function ARN or an HTTP URL.")
		}
		key := defaultRouteKey
		if req.RouteKey != nil {
			key = *req.RouteKey
		}
		if _, err := parseRouteKey(key); err != nil {
			return nil, err
		}
		route = &routeDoc{APIGatewayManaged: true, AuthorizationType: authorizationTypeNone, RouteID: newID(), RouteKey: key,
			Target: "integrations/" + integ.IntegrationID}
		dep = &deploymentDoc{AutoDeployed: true, CreatedDate: now, DeploymentID: newID(), DeploymentStatus: deploymentStatusDeployed}
		stage = &stageDoc{APIGatewayManaged: true, AutoDeploy: true, CreatedDate: now, LastUpdatedDate: now,
			StageName: defaultStageName, DeploymentID: dep.DeploymentID, DefaultRouteSettings: defaultStageRouteSettings(),
			LastDeploymentStatusMessage: deployedMessage(dep.DeploymentID),
			RouteSettings:               map[string]routeSettings{}, StageVariables: map[string]string{}, Tags: map[string]string{}}
		changes = append(changes,
			write{apiID: d.APIID, kind: kindIntegration, id: integ.IntegrationID, doc: integ},
			write{apiID: d.APIID, kind: kindRoute, id: route.RouteID, doc: route},
			write{apiID: d.APIID, kind: kindDeployment, id: dep.DeploymentID, doc: dep},
			write{apiID: d.APIID, kind: kindStage, id: stage.StageName, doc: stage})
	} else if req.RouteKey != nil {
		return nil, badRequest("RouteKey can only be specified with Target (quick create).")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	seqs, err := s.commit(ctx, changes...)
	if err != nil {
		return nil, err
	}
	a := newAPIState(seqs[0], d)
	if integ != nil {
		a.integrations[integ.IntegrationID] = entry[integrationDoc]{seq: seqs[1], doc: integ}
		a.routes[route.RouteID] = entry[routeDoc]{seq: seqs[2], doc: route}
		a.deployments[dep.DeploymentID] = entry[deploymentDoc]{seq: seqs[3], doc: dep}
		a.stages[stage.StageName] = entry[stageDoc]{seq: seqs[4], doc: stage}
	}
	a.compile()
	s.apis[d.APIID] = a
	return s.apiOut(d), nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// lookup returns the API; call with s.mu held.
func (s *Service) lookup(apiID string) (*apiState, error) {
	a, ok := s.apis[apiID]
	if !ok {
		return nil, s.errAPINotFound(apiID)
	}
	return a, nil
}

// read runs fn on an API under the read lock.
func (s *Service) read(apiID string, fn func(a *apiState) (any, error)) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, err := s.lookup(apiID)
	if err != nil {
		return nil, err
	}
	return fn(a)
}

// modify runs fn on an API under the write lock and recompiles the API's
// data plane view when fn succeeds.
func (s *Service) modify(apiID string, fn func(a *apiState) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.lookup(apiID)
	if err != nil {
		return nil, err
	}
	out, err := fn(a)
	if err != nil {
		return nil, err
	}
	a.compile()
	return out, nil
}

func (s *Service) getAPI(_ context.Context, in *input) (any, error) {
	return s.read(in.str("ApiId"), func(a *apiState) (any, error) { return s.apiOut(a.api), nil })
}

func (s *Service) getAPIs(_ context.Context, in *input) (any, error) {
	s.mu.RLock()
	all := make([]*apiState, 0, len(s.apis))
	for _, a := range s.apis {
		all = append(all, a)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	items := make([]*apiDoc, len(all))
	for i, a := range all {
		items[i] = s.apiOut(a.api)
	}
	s.mu.RUnlock()
	return paginate(items, in)
}

// page is the response of the Get* list actions.
type page[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}

// paginate cuts items by the MaxResults and NextToken query members (the
// token is the offset of the next item).
func paginate[T any](items []T, in *input) (any, error) {
	start := 0
	if tok := in.str("NextToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(items) {
			return nil, badRequest("Invalid NextToken specified: " + tok)
		}
		start = n
	}
	end := len(items)
	if m := in.str("MaxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 {
			return nil, badRequest("Invalid MaxResults specified: " + m + ". It must be a positive integer.")
		}
		if start+n < end {
			end = start + n
		}
	}
	out := page[T]{Items: items[start:end]}
	if out.Items == nil {
		out.Items = []T{}
	}
	if end < len(items) {
		out.NextToken = strconv.Itoa(end)
	}
	return out, nil
}

// sorted returns the documents of m in creation order.
func sorted[T any](m map[string]entry[T]) []*T {
	es := make([]entry[T], 0, len(m))
	for _, e := range m {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].seq < es[j].seq })
	out := make([]*T, len(es))
	for i, e := range es {
		out[i] = e.doc
	}
	return out
}

func (s *Service) updateAPI(ctx context.Context, in *input) (any, error) {
	var req apiInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	if req.Name != nil {
		if err := checkAPIName(*req.Name); err != nil {
			return nil, err
		}
	}
	return s.modify(in.str("ApiId"), func(a *apiState) (any, error) {
		d := *a.api
		if req.Name != nil {
			d.Name = *req.Name
		}
		if req.Description != nil {
			d.Description = *req.Description
		}
		if req.Version != nil {
			d.Version = *req.Version
		}
		if req.APIKeySelectionExpression != nil {
			d.APIKeySelectionExpression = *req.APIKeySelectionExpression
		}
		if req.CorsConfiguration != nil && !req.CorsConfiguration.empty() {
			d.CorsConfiguration = req.CorsConfiguration
		}
		if req.DisableExecuteAPIEndpoint != nil {
			d.DisableExecuteAPIEndpoint = *req.DisableExecuteAPIEndpoint
		}
		if req.DisableSchemaValidation != nil {
			d.DisableSchemaValidation = *req.DisableSchemaValidation
		}
		if req.IPAddressType != nil {
			d.IPAddressType = *req.IPAddressType
		}
		if _, err := s.commit(ctx, write{apiID: d.APIID, kind: kindAPI, id: d.APIID, doc: &d}); err != nil {
			return nil, err
		}
		a.api = &d
		return s.apiOut(&d), nil
	})
}

func (s *Service) deleteCORS(ctx context.Context, in *input) (any, error) {
	return s.modify(in.str("ApiId"), func(a *apiState) (any, error) {
		d := *a.api
		d.CorsConfiguration = nil
		if _, err := s.commit(ctx, write{apiID: d.APIID, kind: kindAPI, id: d.APIID, doc: &d}); err != nil {
			return nil, err
		}
		a.api = &d
		return nil, nil
	})
}

func (s *Service) deleteAPI(ctx context.Context, in *input) (any, error) {
	apiID := in.str("ApiId")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookup(apiID); err != nil {
		return nil, err
	}
	if _, err := s.commit(ctx, write{apiID: apiID, deleteAPI: true}); err != nil {
		return nil, err
	}
	delete(s.apis, apiID)
	s.recentMu.Lock()
	delete(s.recent, apiID)
	s.recentMu.Unlock()
	return nil, nil
}

// Tags.

// apiARN is the ARN tags address an API by.
func (s *Service) apiARN(apiID string) string {
	return "arn:aws:apigateway:" + s.cfg.Region + "::/apis/" + apiID
}

// parseTagARN splits arn:aws:apigateway:<region>::/apis/<id>[/stages/<name>].
func parseTagARN(arn string) (apiID, stage string, err error) {
	bad := badRequest("Invalid resource ARN specified: " + arn + ". Use arn:aws:apigateway:<region>::/apis/<api-id> or .../apis/<api-id>/stages/<stage-name>.")
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" || parts[4] != "" {
		return "", "", bad
	}
	res := strings.Split(strings.TrimPrefix(parts[5], "/"), "/")
	if !strings.HasPrefix(parts[5], "/") || len(res) < 2 || res[0] != "apis" || res[1] == "" {
		return "", "", bad
	}
	switch {
	case len(res) == 2:
		return res[1], "", nil
	case len(res) == 4 && res[2] == "stages" && res[3] != "":
		name, uerr := url.PathUnescape(res[3])
		if uerr != nil {
			return "", "", bad
		}
		return res[1], name, nil
	}
	return "", "", bad
}

// tagsOf returns the tags of the resource arn names; call with s.mu held.
func (s *Service) tagsOf(arn string) (*apiState, string, map[string]string, error) {
	apiID, stage, err := parseTagARN(arn)
	if err != nil {
		return nil, "", nil, err
	}
	a, ok := s.apis[apiID]
	if !ok {
		return nil, "", nil, notFound("Invalid resource identifier specified " + arn)
	}
	if stage == "" {
		return a, "", a.api.Tags, nil
	}
	st, ok := a.stages[stage]
	if !ok {
		return nil, "", nil, notFound("Invalid resource identifier specified " + arn)
	}
	return a, stage, st.doc.Tags, nil
}

func (s *Service) setTags(ctx context.Context, a *apiState, stage string, tags map[string]string) error {
	if stage == "" {
		d := *a.api
		d.Tags = tags
		if _, err := s.commit(ctx, write{apiID: d.APIID, kind: kindAPI, id: d.APIID, doc: &d}); err != nil {
			return err
		}
		a.api = &d
		return nil
	}
	e := a.stages[stage]
	d := *e.doc
	d.Tags = tags
	if _, err := s.commit(ctx, write{apiID: a.api.APIID, kind: kindStage, id: stage, doc: &d}); err != nil {
		return err
	}
	a.stages[stage] = entry[stageDoc]{seq: e.seq, doc: &d}
	return nil
}

func (s *Service) tagResource(ctx context.Context, in *input) (any, error) {
	var req struct {
		Tags map[string]string `json:"tags"`
	}
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	return nil, s.retag(ctx, in, func(tags map[string]string) error {
		maps.Copy(tags, req.Tags)
		if len(tags) > 50 {
			return badRequest("A resource can have at most 50 tags.")
		}
		return nil
	})
}

func (s *Service) untagResource(ctx context.Context, in *input) (any, error) {
	var req struct {
		TagKeys []string `json:"TagKeys"`
	}
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	return nil, s.retag(ctx, in, func(tags map[string]string) error {
		for _, k := range req.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

// retag changes a copy of the tags of the resource a request names with
// change, which may refuse it, and stores the copy.
func (s *Service) retag(ctx context.Context, in *input, change func(tags map[string]string) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, stage, old, err := s.tagsOf(in.str("ResourceArn"))
	if err != nil {
		return err
	}
	tags := maps.Clone(old)
	if tags == nil {
		tags = map[string]string{}
	}
	if err := change(tags); err != nil {
		return err
	}
	return s.setTags(ctx, a, stage, tags)
}

func (s *Service) getTags(_ context.Context, in *input) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, _, tags, err := s.tagsOf(in.str("ResourceArn"))
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return struct {
		Tags map[string]string `json:"tags"`
	}{tags}, nil
}
