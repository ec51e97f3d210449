package apigateway

import (
	"context"
	"maps"
	"strings"
)

// routeInput is the body of CreateRoute and UpdateRoute.
type routeInput struct {
	APIKeyRequired                   *bool                           `json:"apiKeyRequired"`
	AuthorizationScopes              []string                        `json:"authorizationScopes"`
	AuthorizationType                *string                         `json:"authorizationType"`
	AuthorizerID                     *string                         `json:"authorizerId"`
	ModelSelectionExpression         *string                         `json:"modelSelectionExpression"`
	OperationName                    *string                         `json:"operationName"`
	RequestModels                    map[string]string               `json:"requestModels"`
	RequestParameters                map[string]parameterConstraints `json:"requestParameters"`
	RouteKey                         *string                         `json:"routeKey"`
	RouteResponseSelectionExpression *string                         `json:"routeResponseSelectionExpression"`
	Target                           *string                         `json:"target"`
}

func (req *routeInput) apply(d *routeDoc) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if req.APIKeyRequired != nil {
		d.APIKeyRequired = *req.APIKeyRequired
	}
	if req.AuthorizationScopes != nil {
		d.AuthorizationScopes = nilIfEmptySlice(req.AuthorizationScopes)
	}
	set(&d.AuthorizationType, req.AuthorizationType)
	set(&d.AuthorizerID, req.AuthorizerID)
	set(&d.ModelSelectionExpression, req.ModelSelectionExpression)
	set(&d.OperationName, req.OperationName)
	if req.RequestModels != nil {
		d.RequestModels = nilIfEmpty(maps.Clone(req.RequestModels))
	}
	if req.RequestParameters != nil {
		rp := maps.Clone(d.RequestParameters)
		if rp == nil {
			rp = map[string]parameterConstraints{}
		}
		maps.Copy(rp, req.RequestParameters)
		d.RequestParameters = nilIfEmpty(rp)
	}
	set(&d.RouteKey, req.RouteKey)
	set(&d.RouteResponseSelectionExpression, req.RouteResponseSelectionExpression)
	set(&d.Target, req.Target)
	if d.AuthorizationType == "" {
		d.AuthorizationType = authorizationTypeNone
	}
}

func nilIfEmptySlice[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// checkRoute validates a route against its API: a well-formed, unique
// route key, an existing integration target and a fitting authorizer.
func (s *Service) checkRoute(a *apiState, d *routeDoc) error {
	if _, err := parseRouteKey(d.RouteKey); err != nil {
		return err
	}
	for id, e := range a.routes {
		if id != d.RouteID && e.doc.RouteKey == d.RouteKey {
			return conflict("Route with key " + d.RouteKey + " already exists for this API")
		}
	}
	if d.Target != "" {
		id, ok := strings.CutPrefix(d.Target, "integrations/")
		if !ok || id == "" {
			return badRequest("Invalid target specified: " + d.Target + ". Use integrations/<integration-id>.")
		}
		if _, ok := a.integrations[id]; !ok {
			return badRequest("Invalid target specified: " + d.Target + ". Integration " + id + " does not exist in API " + a.api.APIID + ".")
		}
	}
	switch d.AuthorizationType {
	case authorizationTypeNone, "AWS_IAM":
		if d.AuthorizerID != "" {
			return badRequest("AuthorizerId can only be set with authorization type JWT or CUSTOM, not " + d.AuthorizationType + ".")
		}
	case "JWT", "CUSTOM":
		if d.AuthorizerID == "" {
			return badRequest("Authorization type " + d.AuthorizationType + " requires an AuthorizerId.")
		}
		au, ok := a.authorizers[d.AuthorizerID]
		if !ok {
			return badRequest("Invalid authorizer identifier specified: " + d.AuthorizerID + ".")
		}
		want := "JWT"
		if d.AuthorizationType == "CUSTOM" {
			want = "REQUEST"
		}
		if au.doc.AuthorizerType != want {
			return badRequest("Authorization type " + d.AuthorizationType + " needs a " + want + " authorizer; " + d.AuthorizerID + " is " + au.doc.AuthorizerType + ".")
		}
	}
	return nil
}

func (s *Service) createRoute(ctx context.Context, in *input) (any, error) {
	var req routeInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	d := &routeDoc{RouteID: newID()}
	req.apply(d)
	return s.modify(in.str("ApiId"), func(a *apiState) (any, error) {
		if err := s.checkRoute(a, d); err != nil {
			return nil, err
		}
		return routeKind.add(ctx, s, a, d.RouteID, d)
	})
}

func (s *Service) updateRoute(ctx context.Context, in *input) (any, error) {
	var req routeInput
	if err := in.decode(&req); err != nil {
		return nil, err
	}
	return routeKind.update(ctx, s, in, func(a *apiState, d *routeDoc) error {
		req.apply(d)
		return s.checkRoute(a, d)
	})
}

func (s *Service) deleteRouteRequestParameter(ctx context.Context, in *input) (any, error) {
	key := in.str("RequestParameterKey")
	_, err := routeKind.update(ctx, s, in, func(_ *apiState, d *routeDoc) error {
		if _, ok := d.RequestParameters[key]; !ok {
			return notFound("Invalid request parameter key specified " + key)
		}
		d.RequestParameters = maps.Clone(d.RequestParameters)
		delete(d.RequestParameters, key)
		d.RequestParameters = nilIfEmpty(d.RequestParameters)
		return nil
	})
	return nil, err
}
