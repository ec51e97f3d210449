package apigateway

import (
	"context"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// childKind is one kind of resource an API holds (its integrations,
// routes, stages, authorizers and deployments); its get, list and remove
// are the Get, Get… (all) and Delete actions of the kind.
type childKind[T any] struct {
	kind     string // as stored
	idMember string // the input member naming one, e.g. "RouteId"
	of       func(a *apiState) map[string]entry[T]
	notFound func(apiID, id string) *awsproto.Error
	// inUse, when set, refuses to delete a resource others depend on.
	inUse func(a *apiState, id string) error
}

var (
	integrationKind = childKind[integrationDoc]{kind: kindIntegration, idMember: "IntegrationId",
		of: func(a *apiState) map[string]entry[integrationDoc] { return a.integrations }, notFound: errIntegrationNotFound}
	routeKind = childKind[routeDoc]{kind: kindRoute, idMember: "RouteId",
		of: func(a *apiState) map[string]entry[routeDoc] { return a.routes }, notFound: errRouteNotFound}
	stageKind = childKind[stageDoc]{kind: kindStage, idMember: "StageName",
		of: func(a *apiState) map[string]entry[stageDoc] { return a.stages }, notFound: errStageNotFound}
	authorizerKind = childKind[authorizerDoc]{kind: kindAuthorizer, idMember: "AuthorizerId",
		of: func(a *apiState) map[string]entry[authorizerDoc] { return a.authorizers }, notFound: errAuthorizerNotFound,
		inUse: authorizerInUse}
	deploymentKind = childKind[deploymentDoc]{kind: kindDeployment, idMember: "DeploymentId",
		of: func(a *apiState) map[string]entry[deploymentDoc] { return a.deployments }, notFound: errDeploymentNotFound,
		inUse: deploymentInUse}
)

// add stores a new resource d of API a under id and returns it.
func (k childKind[T]) add(ctx context.Context, s *Service, a *apiState, id string, d *T) (any, error) {
	seqs, err := s.commit(ctx, write{apiID: a.api.APIID, kind: k.kind, id: id, doc: d})
	if err != nil {
		return nil, err
	}
	k.of(a)[id] = entry[T]{seq: seqs[0], doc: d}
	return d, nil
}

// get answers the Get of one resource: its document.
func (k childKind[T]) get(s *Service, _ context.Context, in *input) (any, error) {
	apiID, id := in.str("ApiId"), in.str(k.idMember)
	return s.read(apiID, func(a *apiState) (any, error) {
		e, ok := k.of(a)[id]
		if !ok {
			return nil, k.notFound(apiID, id)
		}
		return e.doc, nil
	})
}

// list answers the Get of all: a page of the documents in creation order.
func (k childKind[T]) list(s *Service, _ context.Context, in *input) (any, error) {
	return s.read(in.str("ApiId"), func(a *apiState) (any, error) { return paginate(sorted(k.of(a)), in) })
}

// update changes a copy of one resource with change, which may refuse it,
// stores the copy and returns it.
func (k childKind[T]) update(ctx context.Context, s *Service, in *input, change func(a *apiState, d *T) error) (any, error) {
	apiID, id := in.str("ApiId"), in.str(k.idMember)
	return s.modify(apiID, func(a *apiState) (any, error) {
		e, ok := k.of(a)[id]
		if !ok {
			return nil, k.notFound(apiID, id)
		}
		d := *e.doc
		if err := change(a, &d); err != nil {
			return nil, err
		}
		if _, err := s.commit(ctx, write{apiID: apiID, kind: k.kind, id: id, doc: &d}); err != nil {
			return nil, err
		}
		k.of(a)[id] = entry[T]{seq: e.seq, doc: &d}
		return &d, nil
	})
}

// remove answers the Delete of one resource.
func (k childKind[T]) remove(s *Service, ctx context.Context, in *input) (any, error) {
	apiID, id := in.str("ApiId"), in.str(k.idMember)
	return s.modify(apiID, func(a *apiState) (any, error) {
		if _, ok := k.of(a)[id]; !ok {
			return nil, k.notFound(apiID, id)
		}
		if k.inUse != nil {
			if err := k.inUse(a, id); err != nil {
				return nil, err
			}
		}
		if _, err := s.commit(ctx, write{apiID: apiID, kind: k.kind, id: id}); err != nil {
			return nil, err
		}
		delete(k.of(a), id)
		return nil, nil
	})
}

// deploymentInUse refuses to delete a deployment a stage (other than an
// auto-deploy one) points at.
func deploymentInUse(a *apiState, id string) error {
	var users []string
	for name, e := range a.stages {
		if e.doc.DeploymentID == id && !e.doc.AutoDeploy {
			users = append(users, name)
		}
	}
	if len(users) > 0 {
		sort.Strings(users)
		return badRequest("Active stages pointing to this deployment must be moved or deleted (stages: " + strings.Join(users, ", ") + ")")
	}
	return nil
}

// authorizerInUse refuses to delete an authorizer a route uses.
func authorizerInUse(a *apiState, id string) error {
	var users []string
	for rid, e := range a.routes {
		if e.doc.AuthorizerID == id {
			users = append(users, rid)
		}
	}
	if len(users) > 0 {
		sort.Strings(users)
		return conflict("Cannot delete authorizer " + id + ": it is used by route(s) " + strings.Join(users, ", ") + ". Detach it from the routes first.")
	}
	return nil
}
