package apigateway

import (
	"context"
	"maps"
)

// stageInput is the body of CreateStage and UpdateStage.
type stageInput struct {
	AccessLogSettings    *accessLogSettings       `json:"accessLogSettings"`
	AutoDeploy           *bool                    `json:"autoDeploy"`
	ClientCertificateID  *string                  `json:"clientCertificateId"`
	DefaultRouteSettings *routeSettings           `json:"defaultRouteSettings"`
	DeploymentID         *string                  `json:"deploymentId"`
	Description          *string                  `json:"description"`
	RouteSettings        map[string]routeSettings `json:"routeSettings"`
	StageName            *string                  `json:"stageName"`
	StageVariables       map[string]string        `json:"stageVariables"`
	Tags                 map[string]string        `json:"tags"`
}

// defaultStageRouteSettings is what AWS returns for an HTTP API stage
// created without DefaultRouteSettings.
func defaultStageRouteSettings() *routeSettings {
	f := false
	return &routeSettings{DetailedMetricsEnabled: &f}
}

func deployedMessage(deploymentID string) string {
	return "Successfully deployed stage with deployment ID '" + deploymentID + "'"
}

func checkStageName(name string) error {
	if name == defaultStageName {
		return nil
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return badRequest("Invalid stage name specified: " + name + ". Use $default, or letters, digits, hyphens and underscores.")
		}
	}
	return nil
}

// apply sets the members sent in req on d.
func (req *stageInput) apply(d *stageDoc) {
	if req.AccessLogSettings != nil {
		d.AccessLogSettings = req.AccessLogSettings
		if *req.AccessLogSettings == (accessLogSettings{}) {
			d.AccessLogSettings = nil
		}
	}
	if req.AutoDeploy != nil {
		d.AutoDeploy = *req.AutoDeploy
	}
	if req.ClientCertificateID != nil {
		d.ClientCertificateID = *req.ClientCertificateID
	}
	if req.DefaultRouteSettings != nil {
		rs := *req.DefaultRouteSettings
		d.DefaultRouteSettings = &rs
	}
	if req.DeploymentID != nil {
		d.DeploymentID = *req.DeploymentID
	}
	if req.Description != nil {
		d.Description = *req.Description
	}
	if req.RouteSettings != nil {
		rs := maps.Clone(d.RouteSettings)
		if rs == nil {
			rs = map[string]routeSettings{}
		}
		maps.Copy(rs, req.RouteSettings)
		d.RouteSettings = rs
	}
	if req.StageVariables != nil {
		// An empty value removes a variable (as AWS does on update).
		vars := maps.Clone(d.StageVariables)
		if vars == nil {
			vars = map[string]string{}
		}
		for k, v := range req.StageVariables {
			if v == "" {
				delete(vars, k)
			} else {
				vars[k] = v
			}
		}
		d.StageVariables = vars
	}
}

// deployIfAuto gives an auto-deploy stage that has no deployment one, and
// returns the deployment to store (nil when none was made).
func (s *Service) deployIfAuto(a *apiState, d *stageDoc, now string) *deploymentDoc {
	if !d.AutoDeploy {
		return nil
	}
	if _, ok := a.deployments[d.DeploymentID]; ok && d.DeploymentID != "" {
		return nil
	}
	dep := &deploymentDoc{AutoDeployed: true, CreatedDate: now, DeploymentID: newID(), DeploymentStatus: deploymentStatusDeployed}
	d.DeploymentID = dep.DeploymentID
	d.LastDeploymentStatusMessage = deployedMessage(dep.DeploymentID)
	return dep
}

func (s *Service) createStage(ctx context.Context, in *input) (any, error) {
	var req stageInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	name := deref(req.StageName)
	if err := checkStageName(name); err != nil {
		return nil, err
	}
	now := isoTime(s.cfg.Now())
	d := &stageDoc{StageName: name, CreatedDate: now, LastUpdatedDate: now, DefaultRouteSettings: defaultStageRouteSettings(),
		RouteSettings: map[string]routeSettings{}, StageVariables: map[string]string{}, Tags: maps.Clone(req.Tags)}
	if d.Tags == nil {
		d.Tags = map[string]string{}
	}
	req.apply(d)
	return s.modify(in.str("ApiId"), func(a *apiState) (any, error) {
		apiID := a.api.APIID
		if _, ok := a.stages[name]; ok {
			return nil, conflict("Stage " + name + " already exists for API " + apiID)
		}
		if d.DeploymentID != "" {
			if _, ok := a.deployments[d.DeploymentID]; !ok {
				return nil, errDeploymentNotFound(apiID, d.DeploymentID)
			}
		}
		changes := []write{{apiID: apiID, kind: kindStage, id: name, doc: d}}
		dep := s.deployIfAuto(a, d, now)
		if dep != nil {
			changes = append(changes, write{apiID: apiID, kind: kindDeployment, id: dep.DeploymentID, doc: dep})
		}
		seqs, err := s.commit(ctx, changes...)
		if err != nil {
			return nil, err
		}
		a.stages[name] = entry[stageDoc]{seq: seqs[0], doc: d}
		if dep != nil {
			a.deployments[dep.DeploymentID] = entry[deploymentDoc]{seq: seqs[1], doc: dep}
		}
		return d, nil
	})
}

func (s *Service) updateStage(ctx context.Context, in *input) (any, error) {
	var req stageInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	apiID, name := in.str("ApiId"), in.str("StageName")
	return s.modify(apiID, func(a *apiState) (any, error) {
		e, ok := a.stages[name]
		if !ok {
			return nil, errStageNotFound(apiID, name)
		}
		d := *e.doc
		req.apply(&d)
		now := isoTime(s.cfg.Now())
		d.LastUpdatedDate = now
		if req.DeploymentID != nil && d.DeploymentID != "" {
			if _, ok := a.deployments[d.DeploymentID]; !ok {
				return nil, errDeploymentNotFound(apiID, d.DeploymentID)
			}
		}
		changes := []write{{apiID: apiID, kind: kindStage, id: name, doc: &d}}
		dep := s.deployIfAuto(a, &d, now)
		if dep != nil {
			changes = append(changes, write{apiID: apiID, kind: kindDeployment, id: dep.DeploymentID, doc: dep})
		}
		seqs, err := s.commit(ctx, changes...)
		if err != nil {
			return nil, err
		}
		a.stages[name] = entry[stageDoc]{seq: e.seq, doc: &d}
		if dep != nil {
			a.deployments[dep.DeploymentID] = entry[deploymentDoc]{seq: seqs[1], doc: dep}
		}
		return &d, nil
	})
}

// changeStage applies fn to a copy of a stage and stores it.
func (s *Service) changeStage(ctx context.Context, in *input, fn func(d *stageDoc) error) (any, error) {
	_, err := stageKind.update(ctx, s, in, func(_ *apiState, d *stageDoc) error {
		if err := fn(d); err != nil {
			return err
		}
		d.LastUpdatedDate = isoTime(s.cfg.Now())
		return nil
	})
	return nil, err
}

func (s *Service) deleteRouteSettings(ctx context.Context, in *input) (any, error) {
	key := in.str("RouteKey")
	return s.changeStage(ctx, in, func(d *stageDoc) error {
		if _, ok := d.RouteSettings[key]; !ok {
			return notFound("Invalid route settings key specified " + key)
		}
		d.RouteSettings = maps.Clone(d.RouteSettings)
		delete(d.RouteSettings, key)
		return nil
	})
}

func (s *Service) deleteAccessLogSettings(ctx context.Context, in *input) (any, error) {
	return s.changeStage(ctx, in, func(d *stageDoc) error {
		d.AccessLogSettings = nil
		return nil
	})
}

// Deployments.

func (s *Service) createDeployment(ctx context.Context, in *input) (any, error) {
	var req struct {
		Description *string `json:"description"`
		StageName   *string `json:"stageName"`
	}
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	return s.modify(in.str("ApiId"), func(a *apiState) (any, error) {
		apiID := a.api.APIID
		if len(a.routes) == 0 {
			return nil, badRequest("Unable to deploy API because no routes exist in this API")
		}
		now := isoTime(s.cfg.Now())
		dep := &deploymentDoc{CreatedDate: now, DeploymentID: newID(), DeploymentStatus: deploymentStatusDeployed, Description: deref(req.Description)}
		changes := []write{{apiID: apiID, kind: kindDeployment, id: dep.DeploymentID, doc: dep}}
		var st *stageDoc
		var stSeq int64
		if req.StageName != nil && *req.StageName != "" {
			e, ok := a.stages[*req.StageName]
			if !ok {
				return nil, errStageNotFound(apiID, *req.StageName)
			}
			d := *e.doc
			d.DeploymentID = dep.DeploymentID
			d.LastUpdatedDate = now
			d.LastDeploymentStatusMessage = deployedMessage(dep.DeploymentID)
			st, stSeq = &d, e.seq
			changes = append(changes, write{apiID: apiID, kind: kindStage, id: d.StageName, doc: st})
		}
		seqs, err := s.commit(ctx, changes...)
		if err != nil {
			return nil, err
		}
		a.deployments[dep.DeploymentID] = entry[deploymentDoc]{seq: seqs[0], doc: dep}
		if st != nil {
			a.stages[st.StageName] = entry[stageDoc]{seq: stSeq, doc: st}
		}
		return dep, nil
	})
}

func (s *Service) updateDeployment(ctx context.Context, in *input) (any, error) {
	var req struct {
		Description *string `json:"description"`
	}
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	return deploymentKind.update(ctx, s, in, func(_ *apiState, d *deploymentDoc) error {
		if req.Description != nil {
			d.Description = *req.Description
		}
		return nil
	})
}

// Authorizers.

// authorizerInput is the body of CreateAuthorizer and UpdateAuthorizer.
type authorizerInput struct {
	AuthorizerCredentialsArn       *string           `json:"authorizerCredentialsArn"`
	AuthorizerPayloadFormatVersion *string           `json:"authorizerPayloadFormatVersion"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds"`
	AuthorizerType                 *string           `json:"authorizerType"`
	AuthorizerURI                  *string           `json:"authorizerUri"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses"`
	IdentitySource                 []string          `json:"identitySource"`
	IdentityValidationExpression   *string           `json:"identityValidationExpression"`
	JWTConfiguration               *jwtConfiguration `json:"jwtConfiguration"`
	Name                           *string           `json:"name"`
}

func (req *authorizerInput) apply(d *authorizerDoc) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&d.AuthorizerCredentialsArn, req.AuthorizerCredentialsArn)
	set(&d.AuthorizerPayloadFormatVersion, req.AuthorizerPayloadFormatVersion)
	if req.AuthorizerResultTTLInSeconds != nil {
		v := *req.AuthorizerResultTTLInSeconds
		d.AuthorizerResultTTLInSeconds = &v
	}
	set(&d.AuthorizerType, req.AuthorizerType)
	set(&d.AuthorizerURI, req.AuthorizerURI)
	if req.EnableSimpleResponses != nil {
		v := *req.EnableSimpleResponses
		d.EnableSimpleResponses = &v
	}
	if req.IdentitySource != nil {
		d.IdentitySource = req.IdentitySource
	}
	set(&d.IdentityValidationExpression, req.IdentityValidationExpression)
	if req.JWTConfiguration != nil {
		j := *req.JWTConfiguration
		d.JWTConfiguration = &j
	}
	set(&d.Name, req.Name)
}

func (d *authorizerDoc) check() error {
	switch d.AuthorizerType {
	case "JWT":
		if d.JWTConfiguration == nil || d.JWTConfiguration.Issuer == "" {
			return badRequest("JWT authorizers need a JwtConfiguration with an Issuer (and usually an Audience).")
		}
	case "REQUEST":
		if d.AuthorizerURI == "" {
			return badRequest("REQUEST authorizers need an AuthorizerUri (the Lambda function's invocation URI).")
		}
		if v := d.AuthorizerPayloadFormatVersion; v != "1.0" && v != "2.0" {
			return badRequest("REQUEST authorizers of HTTP APIs need AuthorizerPayloadFormatVersion 1.0 or 2.0.")
		}
	}
	return nil
}

func (s *Service) createAuthorizer(ctx context.Context, in *input) (any, error) {
	var req authorizerInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	d := &authorizerDoc{AuthorizerID: newID()}
	req.apply(d)
	if err := d.check(); err != nil {
		return nil, err
	}
	return s.modify(in.str("ApiId"), func(a *apiState) (any, error) {
		return authorizerKind.add(ctx, s, a, d.AuthorizerID, d)
	})
}

func (s *Service) updateAuthorizer(ctx context.Context, in *input) (any, error) {
	var req authorizerInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	return authorizerKind.update(ctx, s, in, func(_ *apiState, d *authorizerDoc) error {
		req.apply(d)
		return d.check()
	})
}
